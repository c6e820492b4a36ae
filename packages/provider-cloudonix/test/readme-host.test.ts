/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside `ws`,
 * and the README's `server.mjs` run unchanged. A voice application request
 * carrying the domain's API key gets CXML with a media URL; that URL opens
 * once and echoes the caller's audio; other keys and reused media URLs are
 * refused.
 */
import { exerciseMediaUrl, type ReadmeHost, startReadmeHost } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

const API_KEY = 'XI0123456789abcdef0123456789abcdef';

let host: ReadmeHost;

beforeAll(async () => {
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-cloudonix'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['ws@^8.18.0'],
    env: { CLOUDONIX_API_KEY: API_KEY, CLOUDONIX_DOMAIN: 'acme' },
  });
}, 240_000);

afterAll(async () => {
  await host?.close();
});

async function post(path: string, body: unknown, apiKey = API_KEY) {
  return fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Cloudonix-Voice/1.0',
      'x-cx-apikey': apiKey,
    },
    body: JSON.stringify(body),
  });
}

const session = 'sess-0123456789';
const streamSid = 'MZ00000000000000000000000000000001';
const payload = Buffer.alloc(160, 0x2a).toString('base64');
const inbound = {
  CallSid: 'call-sid-1',
  Session: session,
  From: '+15551239999',
  To: '15551230002',
  Direction: 'inbound',
  CallStatus: 'ringing',
  Domain: 'acme.cloudonix.net',
  SessionData: { token: session, profile: {} },
};

it('answers a call carrying the API key, bridges its media once, and refuses other keys', async () => {
  expect((await post('/answer', inbound, 'XI-someone-elses-key')).status).toBe(401);

  const answer = await post('/answer', inbound);
  expect(answer.status).toBe(200);
  const cxml = await answer.text();
  const url = /<Stream url="([^"]+)"/.exec(cxml)?.[1]?.replaceAll('&amp;', '&');
  expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/media/${session}/`));
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${session} from +15551239999 to +15551230002`);

  const { answers, reuseStatus } = await exerciseMediaUrl(url!, {
    opening: [
      JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        start: {
          streamSid,
          callSid: 'CA00000000000000000000000000000001',
          accountSid: 'acme.cloudonix.net',
          session,
          tracks: ['inbound'],
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          customParameters: {},
        },
        streamSid,
      }),
    ],
    frame: (chunk) =>
      JSON.stringify({
        event: 'media',
        sequenceNumber: String(chunk + 1),
        media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload },
        streamSid,
      }),
  });
  const echo = JSON.parse(String(answers[0])) as {
    event: string;
    streamSid: string;
    media: { payload: string };
  };
  expect(echo.event).toBe('media');
  expect(echo.streamSid).toBe(streamSid);
  expect(Buffer.from(echo.media.payload, 'base64')).toHaveLength(160);
  // The URL opened once; a second use is refused before the upgrade.
  expect(reuseStatus).toBe(401);

  const status = await post('/status', {
    domain: 'acme.cloudonix.net',
    session: { token: session },
    disposition: 'ANSWER',
    billsec: 3,
    duration: 5,
  });
  expect(status.status).toBe(200);
  await expect.poll(() => host.output(), { timeout: 5000 }).toContain(`call ${session}: completed`);
}, 60_000);

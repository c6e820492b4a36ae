/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside `ws`,
 * and the README's `server.mjs` run unchanged. A signed inbound webhook
 * gets TwiML with a media URL; that URL opens once and echoes the caller's
 * audio; forged webhooks and reused media URLs are refused.
 */
import { exerciseMediaUrl, type ReadmeHost, startReadmeHost } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { computeTwilioSignature } from '../src/index.js';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'readme-host-auth-token';

let host: ReadmeHost;
let base: string;

beforeAll(async () => {
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-twilio'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['ws@^8.18.0'],
    env: { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN },
  });
  base = host.url;
}, 240_000);

afterAll(async () => {
  await host?.close();
});

async function post(path: string, fields: Record<string, string>, signature?: string) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature':
        signature ?? computeTwilioSignature(AUTH_TOKEN, `${base}${path}`, Object.entries(fields)),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

const payload = Buffer.alloc(160, 0x2a).toString('base64');

const inbound = {
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  AccountSid: ACCOUNT_SID,
  From: '+15551230001',
  To: '+15551230002',
  CallStatus: 'ringing',
  Direction: 'inbound',
};

it('answers a signed inbound call, bridges its media once, and refuses forgeries', async () => {
  expect((await post('/answer', inbound, 'forged')).status).toBe(401);

  const answer = await post('/answer', inbound);
  expect(answer.status).toBe(200);
  const twiml = await answer.text();
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1]?.replaceAll('&amp;', '&');
  expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/media/${inbound.CallSid}/`));
  // The server's log reaches this process through a pipe, after its answer may have.
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${inbound.CallSid} from +15551230001 to +15551230002`);

  const { answers, reuseStatus } = await exerciseMediaUrl(url!, {
    opening: [
      JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
      JSON.stringify({
        event: 'start',
        streamSid: 'MZ1',
        start: { streamSid: 'MZ1', callSid: inbound.CallSid, customParameters: {} },
      }),
    ],
    frame: () => JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { payload } }),
  });
  const echo = JSON.parse(String(answers[0])) as {
    event: string;
    streamSid: string;
    media: { payload: string };
  };
  expect(echo.event).toBe('media');
  expect(echo.streamSid).toBe('MZ1');
  expect(Buffer.from(echo.media.payload, 'base64')).toHaveLength(160);
  // The URL opened once; a second use is refused before the upgrade.
  expect(reuseStatus).toBe(401);

  const status = await post('/status', { ...inbound, CallStatus: 'completed', CallDuration: '3' });
  expect(status.status).toBe(200);
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${inbound.CallSid}: completed`);
}, 60_000);

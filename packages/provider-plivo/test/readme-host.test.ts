/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside `ws`,
 * and the README's `server.mjs` run unchanged. A signed answer webhook gets
 * Plivo XML with a media URL; that URL opens once and echoes the caller's
 * audio as `playAudio`; forged webhooks and reused media URLs are refused.
 */
import {
  exerciseMediaUrl,
  plivoStyleStream,
  type ReadmeHost,
  startReadmeHost,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { computePlivoV3Signature } from '../src/index.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'readme-host-auth-token';

let host: ReadmeHost;

beforeAll(async () => {
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-plivo'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['ws@^8.18.0'],
    env: { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN },
  });
}, 240_000);

afterAll(async () => {
  await host?.close();
});

let nonces = 0;
async function post(path: string, fields: Record<string, string>, signature?: string) {
  const nonce = `${Date.now()}${nonces++}`;
  const url = `${host.url}${path}`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'PlivoHttp/1.0',
      'x-plivo-signature-v3':
        signature ?? computePlivoV3Signature(AUTH_TOKEN, url, Object.entries(fields), nonce),
      'x-plivo-signature-v3-nonce': nonce,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

const streamId = '20170ada-f610-433b-8758-c02a2aab3662';
const payload = Buffer.alloc(160, 0x2a).toString('base64');

const inbound = {
  CallUUID: '11111111-2222-3333-4444-555555555555',
  AuthID: AUTH_ID,
  From: '15551230001',
  To: '15551230002',
  CallStatus: 'ringing',
  Direction: 'inbound',
  Event: 'StartApp',
};

it('answers a signed inbound call, bridges its stream once, and refuses forgeries', async () => {
  expect((await post('/answer', inbound, 'forged')).status).toBe(401);

  const answer = await post('/answer', inbound);
  expect(answer.status).toBe(200);
  const xml = await answer.text();
  expect(xml).toContain('<Stream bidirectional="true"');
  const url = /<Stream [^>]*>([^<]+)<\/Stream>/.exec(xml)?.[1]?.replaceAll('&amp;', '&');
  expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/media/${inbound.CallUUID}/`));
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${inbound.CallUUID} from +15551230001 to +15551230002`);

  const { answers, reuseStatus } = await exerciseMediaUrl(
    url!,
    plivoStyleStream({ callId: inbound.CallUUID, streamId, accountId: AUTH_ID, payload }),
  );
  const echo = JSON.parse(String(answers[0])) as {
    event: string;
    media: { contentType: string; payload: string };
  };
  expect(echo.event).toBe('playAudio');
  expect(echo.media.contentType).toBe('audio/x-mulaw');
  expect(Buffer.from(echo.media.payload, 'base64')).toHaveLength(160);
  // The URL opened once; a second use is refused before the upgrade.
  expect(reuseStatus).toBe(401);

  const hangup = await post('/hangup', {
    ...inbound,
    CallStatus: 'completed',
    Event: 'Hangup',
    Duration: '3',
    HangupCause: 'NORMAL_CLEARING',
  });
  expect(hangup.status).toBe(200);
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${inbound.CallUUID}: completed`);
}, 60_000);

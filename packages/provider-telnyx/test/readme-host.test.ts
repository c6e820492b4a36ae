/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside `ws`,
 * and the README's `server.mjs` run unchanged, its Telnyx SDK pointed at a
 * local Call Control stand-in through the SDK's own TELNYX_BASE_URL. A
 * signed call.initiated is answered over REST with a media URL; that URL
 * opens once and echoes the caller's audio; unsigned events and reused
 * media URLs are refused.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  type CarrierApiServer,
  exerciseMediaUrl,
  type ReadmeHost,
  startCarrierApiServer,
  startReadmeHost,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

const keys = generateKeyPairSync('ed25519');
const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);

let carrier: CarrierApiServer;
let host: ReadmeHost;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  carrier.route('POST', '/v2/calls/:id/actions/answer', { json: { data: { result: 'ok' } } });
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-telnyx'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['ws@^8.18.0'],
    env: {
      TELNYX_API_KEY: 'KEY0123456789ABCDEF_readme',
      TELNYX_CONNECTION_ID: '1234567890',
      TELNYX_PUBLIC_KEY: publicKey.toString('base64'),
      TELNYX_BASE_URL: `${carrier.url}/v2`,
    },
  });
}, 240_000);

afterAll(async () => {
  await host?.close();
  await carrier?.close();
});

/** Posts an event as Telnyx does: Ed25519 over `timestamp|body`. */
async function post(path: string, eventType: string, payload: Record<string, unknown>) {
  const body = JSON.stringify({
    data: {
      record_type: 'event',
      event_type: eventType,
      id: crypto.randomUUID(),
      occurred_at: new Date().toISOString(),
      payload: {
        connection_id: '1234567890',
        from: '+15551230001',
        to: '+15551230002',
        ...payload,
      },
    },
    meta: { attempt: 1, delivered_to: `${host.url}${path}` },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), keys.privateKey);
  return fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'telnyx-signature-ed25519': signature.toString('base64'),
      'telnyx-timestamp': timestamp,
    },
    body: eventType === 'forged' ? body.replace('+15551230001', '+15559999999') : body,
  });
}

const callId = 'v3:readme-call-control-id';
const payload = Buffer.alloc(160, 0x2a).toString('base64');

it('answers a signed incoming call over REST, bridges its media once, and refuses forgeries', async () => {
  const initiated = { call_control_id: callId, direction: 'incoming', state: 'parked' };
  const forged = await post('/webhook', 'forged', initiated);
  expect(forged.status).toBe(401);

  expect((await post('/webhook', 'call.initiated', initiated)).status).toBe(200);
  expect(carrier.requests.map((request) => request.path)).toEqual([
    `/v2/calls/${callId}/actions/answer`,
  ]);
  const answer = carrier.requests[0]!.parsedBody as Record<string, string>;
  expect(answer).toMatchObject({
    stream_track: 'inbound_track',
    stream_bidirectional_mode: 'rtp',
    webhook_url: `${host.url}/status`,
  });
  const url = answer['stream_url']!;
  expect(url).toMatch(
    new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/media/${encodeURIComponent(callId)}/`),
  );
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${callId} from +15551230001 to +15551230002`);

  const { answers, reuseStatus } = await exerciseMediaUrl(url, {
    opening: [
      JSON.stringify({ event: 'connected', version: '1.0.0' }),
      JSON.stringify({
        event: 'start',
        sequence_number: '1',
        start: {
          call_control_id: callId,
          client_state: null,
          media_format: { encoding: 'PCMU', sample_rate: 8000, channels: 1 },
        },
        stream_id: 'readme-stream',
      }),
    ],
    frame: (n) =>
      JSON.stringify({
        event: 'media',
        sequence_number: String(n + 1),
        media: { track: 'inbound', chunk: String(n), timestamp: String(n * 20), payload },
        stream_id: 'readme-stream',
      }),
  });
  const echo = JSON.parse(String(answers[0])) as { event: string; media: { payload: string } };
  expect(echo.event).toBe('media');
  expect(Buffer.from(echo.media.payload, 'base64')).toHaveLength(160);
  // The URL opened once; a second use is refused before the upgrade.
  expect(reuseStatus).toBe(401);

  const hangup = await post('/status', 'call.hangup', {
    call_control_id: callId,
    direction: 'incoming',
    hangup_cause: 'normal_clearing',
  });
  expect(hangup.status).toBe(200);
  await expect.poll(() => host.output(), { timeout: 5000 }).toContain(`call ${callId}: completed`);
}, 60_000);

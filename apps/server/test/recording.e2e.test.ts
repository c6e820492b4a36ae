/**
 * A recorded call, end to end: a Twilio media stream carrying real speech
 * to a WebSocket agent that answers with a tone; the bridge's recording must
 * hold the caller on the left and the agent on the right, in step, as long
 * as the media lasted, and be served with range requests, then deleted.
 */

import { createResampler, mulawDecode, readWav } from '@patchbay/audio';
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import {
  type CarrierApiServer,
  connectCarrierMedia,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { startAgentServer, startTestServer, type TestServer } from './helpers.js';
import {
  acceptTwilioAccount,
  acceptTwilioCalls,
  isTwilioMedia,
  placeAndAnswer,
  speechFrames,
  twilioMedia,
  twilioStart,
  twilioStop,
} from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;
let agentServer: WebSocketServer;
let agentUrl: string;
/**
 * The agent's reply: 400 ms of noise at 16 kHz (a tone would match at every
 * period) within the telephone band, since the agent's channel records what
 * the caller heard; sent once the caller has spoken 200 ms.
 */
let seed = 7;
const reply = createResampler({ from: 8000, to: 16000 })
  .process(
    Int16Array.from({ length: 3400 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.round((seed / 2 ** 31 - 0.5) * 12000);
    }),
  )
  .subarray(0, 6400);

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  acceptTwilioCalls(carrier);
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]), undefined, {
    env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
  });
  ({ server: agentServer, url: agentUrl } = await startAgentServer((socket) => {
    let heard = 0;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return;
      heard += (data as Buffer).length;
      if (heard >= 6400 && heard - (data as Buffer).length < 6400)
        socket.send(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength));
    });
  }));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
  agentServer?.close();
});

/** Pearson correlation of two equally long signals. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The best correlation of `needle` within `haystack`, over lags up to `maxLag` samples. */
function bestCorrelation(haystack: Int16Array, needle: Int16Array, maxLag: number) {
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag <= maxLag && lag + needle.length <= haystack.length; lag++) {
    const r = correlation(haystack.subarray(lag, lag + needle.length), needle);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

it('records caller and agent in step, as long as the media lasted, served by range and deleted', async () => {
  const agent = await t.call('POST', '/api/v1/agents', {
    name: 'Recorded bot',
    kind: 'websocket',
    url: agentUrl,
    sampleRate: 16000,
    recordCalls: true,
  });
  expect(agent.body.recordCalls).toBe(true);
  const hook = await t.call('POST', '/api/v1/webhooks', {
    url: 'https://hooks.example.com/patchbay',
    events: ['recording.ready'],
  });
  expect(hook.status).toBe(201);
  const { callId, mediaUrl } = await placeAndAnswer(t, agent.body.id);
  const media = await connectCarrierMedia(mediaUrl);
  const frames = speechFrames(1);
  const startedAt = performance.now();
  await media.play([...twilioStart(callId), ...frames.map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  media.send(twilioStop(frames.length + 2));
  await media.close();
  const mediaMs = performance.now() - startedAt;

  await expect
    .poll(async () => (await t.call('GET', `/api/v1/calls/${callId}`)).body.recording, {
      timeout: 10_000,
    })
    .toMatchObject({ sampleRate: 16000, channels: ['caller', 'agent'] });
  const { recording } = (await t.call('GET', `/api/v1/calls/${callId}`)).body;

  const whole = await fetch(`${t.server.url}/api/v1/calls/${callId}/recording`, {
    headers: { authorization: `Bearer ${t.apiKey}` },
  });
  expect(whole.status).toBe(200);
  expect(whole.headers.get('content-type')).toBe('audio/wav');
  expect(whole.headers.get('accept-ranges')).toBe('bytes');
  const bytes = new Uint8Array(await whole.arrayBuffer());
  expect(bytes.length).toBe(recording.bytes);
  const wav = readWav(bytes);
  expect(wav).toMatchObject({ sampleRate: 16000, channels: 2 });
  const frameCount = wav.samples.length / 2;
  const left = new Int16Array(frameCount);
  const right = new Int16Array(frameCount);
  for (let i = 0; i < frameCount; i++) {
    left[i] = wav.samples[i * 2]!;
    right[i] = wav.samples[i * 2 + 1]!;
  }
  const durationMs = (frameCount / 16000) * 1000;
  console.info(
    `recording: ${durationMs.toFixed(1)} ms for ${mediaMs.toFixed(1)} ms of media (client-side), ${recording.bytes} bytes`,
  );
  // As long as the media lasted, from the caller's first frame to the socket's close (measured
  // here, so the socket's own handshakes are in the margin: about 30 ms on an idle machine).
  expect(Math.abs(durationMs - mediaMs)).toBeLessThan(100);
  expect(recording.durationMs).toBeCloseTo(durationMs, -1);

  // The caller's channel is what the caller sent (upsampled to 16 kHz), from the start.
  const sent = createResampler({ from: 8000, to: 16000 }).process(
    mulawDecode(Uint8Array.from(frames.flatMap((f) => [...f]))),
  );
  const callerMatch = bestCorrelation(left, sent.subarray(1600, 9600), 3200);
  // The agent's channel is its reply, played once it had heard 200 ms of the caller.
  const replyMatch = bestCorrelation(right, reply.subarray(800, 4000), frameCount - 3200);
  console.info(
    `caller channel r=${callerMatch.r.toFixed(3)} at ${(callerMatch.lag / 16).toFixed(1)} ms; agent channel r=${replyMatch.r.toFixed(3)} at ${(replyMatch.lag / 16).toFixed(1)} ms`,
  );
  expect(callerMatch.r).toBeGreaterThan(0.9);
  expect(callerMatch.lag / 16).toBeLessThan(20 + 100); // the speech excerpt starts 100 ms in
  expect(replyMatch.r).toBeGreaterThan(0.9);
  // The reply (its excerpt 50 ms in) starts when the agent had heard 200 ms: in step with the caller.
  const replyStartsMs = replyMatch.lag / 16 - 50;
  expect(replyStartsMs).toBeGreaterThan(150);
  expect(replyStartsMs).toBeLessThan(600);
  // Where one side had nothing, its channel is silence, not missing time.
  expect(right.subarray(0, 2400).every((s) => s === 0)).toBe(true);

  const partial = await fetch(`${t.server.url}/api/v1/calls/${callId}/recording`, {
    headers: { authorization: `Bearer ${t.apiKey}`, range: 'bytes=0-43' },
  });
  expect(partial.status).toBe(206);
  expect(partial.headers.get('content-range')).toBe(`bytes 0-43/${recording.bytes}`);
  expect(
    Buffer.from(await partial.arrayBuffer())
      .subarray(0, 4)
      .toString(),
  ).toBe('RIFF');
  const beyond = await fetch(`${t.server.url}/api/v1/calls/${callId}/recording`, {
    headers: { authorization: `Bearer ${t.apiKey}`, range: `bytes=${recording.bytes}-` },
  });
  expect(beyond.status).toBe(416);
  expect(beyond.headers.get('content-range')).toBe(`bytes */${recording.bytes}`);
  const foreign = await t.call('GET', `/api/v1/calls/${callId}/recording`, undefined, t.otherKey);
  expect(foreign.status).toBe(404);

  const events = await t.database.sql<{ event_type: string; recording: unknown }[]>`
    select event_type, payload->'data'->'recording' as recording from webhook_deliveries
    where payload->'data'->'call'->>'id' = ${callId}`;
  expect(events).toEqual([{ event_type: 'recording.ready', recording }]);

  expect((await t.call('DELETE', `/api/v1/calls/${callId}/recording`)).status).toBe(204);
  expect((await t.call('GET', `/api/v1/calls/${callId}`)).body.recording).toBeNull();
  const gone = await fetch(`${t.server.url}/api/v1/calls/${callId}/recording`, {
    headers: { authorization: `Bearer ${t.apiKey}` },
  });
  expect(gone.status).toBe(404);
}, 30_000);

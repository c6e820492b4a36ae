/**
 * An outbound Twilio call end to end: placed through the API with the
 * official SDK against a local Twilio, answered with a signed webhook, its
 * media socket admitted by the single-use token, real speech streamed in
 * real time and echoed back by the built-in agent, the status recorded.
 */
import { mulawDecode } from '@patchbay/audio';
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import {
  type CarrierApiServer,
  connectCarrierMedia,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import {
  acceptTwilioAccount,
  acceptTwilioCalls,
  echoedMedia,
  isTwilioMedia,
  placeAndAnswer,
  signedTwilioPost,
  speechFrames,
  twilioCallFields,
  twilioMedia,
  twilioStart,
  twilioStop,
} from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  acceptTwilioCalls(carrier);
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

it('places, answers, streams speech through the echo agent, and completes', async () => {
  const agent = await t.call('POST', '/api/v1/agents', {
    name: 'Echo',
    kind: 'echo',
    sampleRate: 16000,
  });
  const { callId, mediaUrl } = await placeAndAnswer(t, agent.body.id);

  const media = await connectCarrierMedia(mediaUrl);
  const frames = speechFrames(1);
  await media.play([...twilioStart(callId), ...frames.map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });

  // The echo comes back as Twilio media messages on the same stream, carrying the speech's energy.
  await expect
    .poll(() => echoedMedia(media.received).length, { timeout: 5000 })
    .toBeGreaterThanOrEqual(frames.length - 5);
  expect(echoedMedia(media.received).every((message) => message.streamSid === 'MZ1')).toBe(true);
  const energy = (bytes: Uint8Array) =>
    mulawDecode(bytes).reduce((sum, sample) => sum + Math.abs(sample), 0);
  const sent = frames.reduce((sum, frame) => sum + energy(frame), 0);
  const back = echoedMedia(media.received).reduce(
    (sum, message) => sum + energy(new Uint8Array(Buffer.from(message.media!.payload, 'base64'))),
    0,
  );
  expect(back / sent).toBeGreaterThan(0.8);
  expect(back / sent).toBeLessThan(1.2);

  // The same URL again is refused: the token was single use.
  await expect(connectCarrierMedia(mediaUrl)).rejects.toThrow(/401/);

  media.send(twilioStop(frames.length + 2));
  await media.close(); // Twilio closes the socket after its stop message
  const completed = await signedTwilioPost(t, `/telephony/twilio/status/${callId}`, {
    ...twilioCallFields,
    CallStatus: 'completed',
    CallDuration: '3',
  });
  expect(completed.status).toBe(204);
  const { body } = await t.call('GET', `/api/v1/calls/${callId}`);
  expect(body).toMatchObject({ status: 'completed', durationSeconds: 3 });
  // The bridge's account of the media: every frame came, in real time, none late.
  await expect
    .poll(async () => (await t.call('GET', `/api/v1/calls/${callId}`)).body.mediaHealth)
    .toMatchObject({
      callerFrames: frames.length,
      callerGaps: 0,
      droppedCallerMs: 0,
      clears: 0,
      droppedAgentMs: 0,
    });
  const { mediaHealth } = (await t.call('GET', `/api/v1/calls/${callId}`)).body;
  expect(mediaHealth.jitterMs).toBeLessThan(20);
  console.info('media health of the simulated call:', JSON.stringify(mediaHealth));
  const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
  expect(metrics).toMatch(/patchbay_media_jitter_milliseconds_count\{provider="twilio"\} [1-9]/);
  expect(metrics).toMatch(
    /patchbay_carrier_api_seconds_count\{provider="twilio",operation="place call",outcome="ok"\} [1-9]/,
  );
}, 30_000);

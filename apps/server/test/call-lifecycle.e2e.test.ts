/**
 * A call that ends in the world ends in Patchbay: media starting marks it
 * answered; media ending with no carrier report is reconciled with the
 * carrier (or closed after a bound when the carrier cannot say); a call held
 * by a process that died is found and reconciled by another; a second media
 * socket for one call replaces the first; an agent's hang-up ends the call
 * through the carrier's API.
 */
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
  ACCOUNT_SID,
  AUTH_TOKEN,
  acceptTwilioAccount,
  isTwilioMedia,
  signedTwilioPost,
  speechFrames,
  twilioCallFields,
  twilioMedia,
  twilioStart,
} from './twilio-call.js';

const CALL = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/:sid.json`;
let carrier: CarrierApiServer;
let t: TestServer;
/** What the local Twilio says of the call when asked; `down` answers 503. */
let carrierSays: 'in-progress' | 'completed' | 'down' = 'in-progress';
const timings = {
  heartbeatMs: 100,
  instanceTimeoutMs: 400,
  mediaEndGraceMs: 150,
  idleCallMs: 60_000,
  unknownBoundMs: 800,
};

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  let placed = 0;
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, () => ({
    status: 201,
    json: { sid: `CA${String(++placed).padStart(32, '0')}`, status: 'queued' },
  }));
  carrier.route('GET', CALL, (request) =>
    carrierSays === 'down'
      ? { status: 503, json: { code: 20500, message: 'Service unavailable' } }
      : { json: { sid: request.params['sid'], status: carrierSays, duration: '7' } },
  );
  carrier.route('POST', CALL, (request) => ({
    json: { sid: request.params['sid'], status: 'completed' },
  }));
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]), undefined, {
    lifecycle: timings,
    callSweepMs: 100,
  });
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

async function echoAgent(): Promise<string> {
  const agents = (await t.call('GET', '/api/v1/agents')).body;
  return (agents.agents ?? agents)[0].id as string;
}
const status = async (callId: string) => (await t.call('GET', `/api/v1/calls/${callId}`)).body;

let configurationId: string | undefined;
/** A placed and answered Twilio call, on one configuration for the whole file. */
async function placeAndAnswer(): Promise<{ callId: string; mediaUrl: string }> {
  configurationId ??= (
    await t.call('POST', '/api/v1/configurations', {
      name: 'Lifecycle Twilio',
      config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
    })
  ).body.id as string;
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId,
    agentId: await echoAgent(),
    to: '+15551230002',
    from: '+15551230001',
  });
  expect(placed.status).toBe(201);
  const callId = placed.body.id as string;
  return { callId, mediaUrl: await answer(callId) };
}

/** Twilio asks for the call's TwiML; the local media URL of the stream it names. */
async function answer(callId: string): Promise<string> {
  const response = await signedTwilioPost(
    t,
    `/telephony/twilio/answer/${callId}`,
    twilioCallFields,
  );
  const url = /<Stream url="([^"]+)"/.exec(await response.text())![1]!;
  return url.replace('wss://voice.example.com', t.server.url.replace('http', 'ws'));
}

async function streamingCall() {
  const { callId, mediaUrl } = await placeAndAnswer();
  const media = await connectCarrierMedia(mediaUrl);
  await media.play([...twilioStart(callId), ...speechFrames(0.1).map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });
  return { callId, mediaUrl, media };
}

it('marks a call answered when its media starts, with no carrier callback', async () => {
  carrierSays = 'in-progress';
  const { callId, media } = await streamingCall();
  await expect.poll(async () => (await status(callId)).status).toBe('in-progress');
  expect((await status(callId)).answeredAt).toMatch(/^\d{4}-/);
  await media.close();
});

it('asks the carrier when media ends with no report, and records what it says', async () => {
  carrierSays = 'completed';
  const { callId, media } = await streamingCall();
  await expect.poll(async () => (await status(callId)).status).toBe('in-progress');
  await media.close();
  await expect.poll(async () => (await status(callId)).status, { timeout: 5000 }).toBe('completed');
  expect(carrier.requestsTo('GET', CALL).length).toBeGreaterThan(0);
});

it('hangs up a call the carrier still has once nobody holds its media', async () => {
  carrierSays = 'in-progress';
  const { callId, media } = await streamingCall();
  await expect.poll(async () => (await status(callId)).status).toBe('in-progress');
  const hangUpsBefore = carrier.requestsTo('POST', CALL).length;
  await media.close();
  await expect.poll(async () => (await status(callId)).status, { timeout: 5000 }).toBe('completed');
  const hangUp = carrier.requestsTo('POST', CALL).slice(hangUpsBefore);
  expect(hangUp.map((r) => new URLSearchParams(r.body).get('Status'))).toContain('completed');
  expect((await status(callId)).reason).toMatch(/media ended/);
});

it('closes a call as failed when the carrier cannot say, once the bound has passed', async () => {
  carrierSays = 'down';
  const { callId, media } = await streamingCall();
  await expect.poll(async () => (await status(callId)).status).toBe('in-progress');
  await media.close();
  await expect.poll(async () => (await status(callId)).status, { timeout: 8000 }).toBe('failed');
  expect((await status(callId)).reason).toMatch(/carrier could not say/);
});

it('reconciles a call held by a process that died', async () => {
  carrierSays = 'completed';
  const { callId, media } = await streamingCall();
  await expect.poll(async () => (await status(callId)).status).toBe('in-progress');
  // Another process held the media and vanished without a word (kill -9).
  await t.database.sql`update calls set media_instance = 'dead-process' where id = ${callId}`;
  await expect.poll(async () => (await status(callId)).status, { timeout: 5000 }).toBe('completed');
  await media.close();
});

it('lets a second media socket for the call replace the first', async () => {
  carrierSays = 'in-progress';
  const first = await streamingCall();
  await expect.poll(async () => (await status(first.callId)).status).toBe('in-progress');
  // A retried answer webhook mints a second token: the carrier's newer stream wins.
  const mediaUrl = await answer(first.callId);
  const second = await connectCarrierMedia(mediaUrl);
  await second.play([...twilioStart(first.callId), ...speechFrames(0.1).map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });
  await first.media.closed;
  // The call stays up on the second socket.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect((await status(first.callId)).status).toBe('in-progress');
  await second.close();
});

/**
 * Two servers of one deployment on one database, each with its own
 * connections on a real PostgreSQL: the API call, the carrier's webhooks and
 * the media socket of one call land on different servers and still meet,
 * because nothing lives only in one server's memory.
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
  acceptTwilioCalls,
  echoedMedia,
  isTwilioMedia,
  signedTwilioPost,
  speechFrames,
  twilioCallFields,
  twilioMedia,
  twilioStart,
} from './twilio-call.js';

let carrier: CarrierApiServer;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  acceptTwilioCalls(carrier);
  const registry = () => createRegistry([twilio({ baseUrl: carrier.url })]);
  a = await startTestServer(registry());
  b = await startTestServer(registry(), a);
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await carrier?.close();
});

/** What a live call list open on `server` hears: each call's statuses, in order. */
async function watchCalls(server: TestServer) {
  const statuses: string[] = [];
  const controller = new AbortController();
  const response = await fetch(`${server.server.url}/api/v1/calls/events`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
    signal: controller.signal,
  });
  void (async () => {
    let text = '';
    try {
      for await (const chunk of response.body!) {
        text += Buffer.from(chunk as Uint8Array).toString();
        for (const match of text.matchAll(/^data: (.+)$/gm))
          statuses.push((JSON.parse(match[1]!) as { status: string }).status);
        text = text.slice(text.lastIndexOf('\n\n') + 2);
      }
    } catch {
      // aborted
    }
  })();
  return { statuses, close: () => controller.abort() };
}

it('places on one server, answers on the other, streams media back on the first', async () => {
  // A live call list open on B hears what happens to the call on A.
  const watching = await watchCalls(b);
  const configuration = await a.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const agent = await b.call('POST', '/api/v1/agents', { name: 'Echo', kind: 'echo' });
  const placed = await a.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    agentId: agent.body.id,
    to: '+15551230002',
    from: '+15551230001',
  });
  const callId = placed.body.id as string;

  const answer = await signedTwilioPost(b, `/telephony/twilio/answer/${callId}`, twilioCallFields);
  const streamUrl = /<Stream url="([^"]+)"/.exec(await answer.text())![1]!;
  const onA = streamUrl.replace('wss://voice.example.com', a.server.url.replace('http', 'ws'));
  const onB = streamUrl.replace('wss://voice.example.com', b.server.url.replace('http', 'ws'));

  const media = await connectCarrierMedia(onA);
  // The token was spent on A: B refuses it too.
  await expect(connectCarrierMedia(onB)).rejects.toThrow(/401/);
  const frames = speechFrames(0.5);
  await media.play([...twilioStart(callId), ...frames.map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });
  await expect
    .poll(() => echoedMedia(media.received).length, { timeout: 5000 })
    .toBeGreaterThanOrEqual(frames.length - 5);
  await media.close();

  const completed = await signedTwilioPost(b, `/telephony/twilio/status/${callId}`, {
    ...twilioCallFields,
    CallStatus: 'completed',
  });
  expect(completed.status).toBe(204);
  expect((await a.call('GET', `/api/v1/calls/${callId}`)).body.status).toBe('completed');
  await expect.poll(() => watching.statuses.at(-1)).toBe('completed');
  expect(watching.statuses[0]).toBe('queued');
  watching.close();
}, 30_000);

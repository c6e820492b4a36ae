/**
 * A stop with a call live: the listener keeps answering while the call
 * finishes, so balancers read /readyz 503 and new calls get 503 with
 * Retry-After instead of a refused connection; once the call ends it closes.
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
  isTwilioMedia,
  signedTwilioPost,
  speechFrames,
  twilioCallFields,
  twilioMedia,
  twilioStart,
} from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    status: 201,
    json: { sid: 'CA00000000000000000000000000000888', status: 'queued' },
  });
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

it('keeps answering, 503 with Retry-After, until the live call ends, then closes', async () => {
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const agents = (await t.call('GET', '/api/v1/agents')).body;
  const body = {
    configurationId: configuration.body.id,
    agentId: (agents.agents ?? agents)[0].id,
    to: '+15551230002',
    from: '+15551230001',
  };
  const placed = await t.call('POST', '/api/v1/calls', body);
  const callId = placed.body.id as string;
  const answer = await signedTwilioPost(t, `/telephony/twilio/answer/${callId}`, twilioCallFields);
  const streamUrl = /<Stream url="([^"]+)"/.exec(await answer.text())![1]!;
  const media = await connectCarrierMedia(
    streamUrl.replace('wss://voice.example.com', t.server.url.replace('http', 'ws')),
  );
  await media.play([...twilioStart(callId), ...speechFrames(0.2).map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });

  let closed = false;
  const closing = t.server.close(10_000).then(() => {
    closed = true;
  });
  await expect.poll(async () => (await fetch(`${t.server.url}/readyz`)).status).toBe(503);
  const refused = await fetch(`${t.server.url}/api/v1/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(closed).toBe(false);

  // The caller hangs up: the live call ends, and the server finishes closing.
  await media.close();
  await closing;
  await expect(fetch(`${t.server.url}/readyz`)).rejects.toThrow();
});

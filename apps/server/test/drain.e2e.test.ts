/**
 * A stop with a call live: the listener keeps answering while the call
 * finishes, so balancers read /readyz 503, placed calls get 503 with
 * Retry-After and inbound calls the carrier's busy, instead of a refused
 * connection; once the call ends it closes.
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

let carrier: CarrierApiServer;
let t: TestServer;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    status: 201,
    json: { sid: 'CA00000000000000000000000000000888', status: 'queued' },
  });
  // The local Twilio confirms the account holds the inbound number registered below.
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`, (r) => ({
    json: {
      incoming_phone_numbers: [{ sid: 'PN1', phone_number: r.query.get('PhoneNumber') }],
      next_page_uri: null,
    },
  }));
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
  const number = await t.call('POST', '/api/v1/phone-numbers', {
    address: '+15551230009',
    configurationId: configuration.body.id,
    agentId: body.agentId,
  });
  expect(number.status).toBe(201);
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
  // A new inbound call hears busy, in Twilio's own words, so Twilio and the caller try again.
  const inbound = await signedTwilioPost(t, '/telephony/inbound', {
    ...twilioCallFields,
    CallSid: 'CA00000000000000000000000000000999',
    To: '+15551230009',
    CallStatus: 'ringing',
    Direction: 'inbound',
  });
  expect(inbound.status).toBe(200);
  expect(await inbound.text()).toContain('<Reject reason="busy"/>');
  expect(closed).toBe(false);

  // The caller hangs up: the live call ends, and the server finishes closing.
  await media.close();
  await closing;
  await expect(fetch(`${t.server.url}/readyz`)).rejects.toThrow();
});

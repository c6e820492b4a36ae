/**
 * Answering-machine detection through the server: asked of Twilio through
 * its official SDK (pointed at a local Twilio), its result stored on the
 * call, kept among its events, sent to the agent and to the host's webhooks;
 * refused with a typed 422 by a carrier that has none.
 */
import { createRegistry } from '@patchbay/core';
import { cloudonix } from '@patchbay/provider-cloudonix';
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
  ACCOUNT_SID,
  AUTH_TOKEN,
  acceptTwilioAccount,
  acceptTwilioCalls,
  CALL_SID,
  isTwilioMedia,
  signedTwilioPost,
  twilioCallFields,
  twilioStart,
} from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;
let agentServer: WebSocketServer;
let agentUrl: string;
const agentHeard: Record<string, unknown>[] = [];

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  acceptTwilioCalls(carrier);
  t = await startTestServer(
    createRegistry([twilio({ baseUrl: carrier.url }), cloudonix({ baseUrl: carrier.url })]),
  );
  ({ server: agentServer, url: agentUrl } = await startAgentServer((socket) => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) agentHeard.push(JSON.parse(String(data)));
    });
  }));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
  agentServer?.close();
});

it('asks Twilio to wait for the beep, and tells the call, its events, the agent and the webhooks who answered', async () => {
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const agent = await t.call('POST', '/api/v1/agents', {
    name: 'Voicemail bot',
    kind: 'websocket',
    url: agentUrl,
    sampleRate: 16000,
  });
  const hook = await t.call('POST', '/api/v1/webhooks', {
    url: 'https://hooks.example.com/patchbay',
    events: ['call.amd'],
  });
  expect(hook.status).toBe(201);
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    agentId: agent.body.id,
    to: '+15551230002',
    from: '+15551230001',
    answeringMachineDetection: 'detect-beep',
  });
  expect(placed.status).toBe(201);
  const callId = placed.body.id as string;
  const [request] = carrier.requestsTo('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
  const sent = new URLSearchParams(String(request!.body));
  expect(sent.get('MachineDetection')).toBe('DetectMessageEnd');
  expect(sent.get('AsyncAmd')).toBe('true');
  expect(sent.get('AsyncAmdStatusCallback')).toBe(
    `https://voice.example.com/telephony/twilio/amd/${callId}`,
  );

  const answer = await signedTwilioPost(t, `/telephony/twilio/answer/${callId}`, twilioCallFields);
  const streamUrl = /<Stream url="([^"]+)"/.exec(await answer.text())![1]!;
  const media = await connectCarrierMedia(
    streamUrl.replace('wss://voice.example.com', t.server.url.replace('http', 'ws')),
  );
  await media.play(twilioStart(callId), { isAudio: isTwilioMedia });
  await expect.poll(() => agentHeard.find((m) => m['type'] === 'start')).toBeTruthy();

  const amd = (label: string) =>
    signedTwilioPost(t, `/telephony/twilio/amd/${callId}`, {
      CallSid: CALL_SID,
      AccountSid: ACCOUNT_SID,
      AnsweredBy: label,
      MachineDetectionDuration: '2100',
    });
  expect((await amd('machine_start')).status).toBe(204);
  expect((await amd('machine_end_beep')).status).toBe(204);
  expect((await amd('machine_end_beep')).status).toBe(204); // Twilio retrying: no second event

  await expect
    .poll(() => agentHeard.filter((m) => m['type'] === 'amd'))
    .toEqual([
      { type: 'amd', answeredBy: 'machine', greeting: 'started', carrierLabel: 'machine_start' },
      { type: 'amd', answeredBy: 'machine', greeting: 'ended', carrierLabel: 'machine_end_beep' },
    ]);
  const call = (await t.call('GET', `/api/v1/calls/${callId}`)).body;
  expect(call).toMatchObject({
    answeredBy: 'machine',
    answeringMachine: { greeting: 'ended', carrierLabel: 'machine_end_beep' },
  });
  expect(
    call.events.filter((e: { carrierStatus: string }) => e.carrierStatus.startsWith('amd:')),
  ).toHaveLength(2);
  const deliveries = await t.database.sql<
    { event_type: string; payload: { data: { answeringMachine: unknown } } }[]
  >`
    select event_type, payload from webhook_deliveries order by created_at`;
  expect(deliveries.map((d) => d.event_type)).toEqual(['call.amd', 'call.amd']);
  expect(deliveries[1]!.payload.data.answeringMachine).toMatchObject({
    answeredBy: 'machine',
    greeting: 'ended',
  });
  await media.close();
});

it('refuses detection with a typed 422 where the carrier has none, placing nothing', async () => {
  carrier.route('GET', '/customers/self/domains/:domain', {
    json: { uuid: 'd0f1e2d3-c4b5-a697-8877-665544332211', domain: 'acme.cloudonix.net' },
  });
  carrier.route('POST', '/customers/self/domains/:domain/applications', {
    status: 201,
    json: { id: 42, name: 'patchbay-app', uuid: 'app-uuid-1' },
  });
  carrier.route('PUT', '/customers/self/domains/:domain', { json: {} });
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Cloudonix',
    config: {
      provider: 'cloudonix',
      bearer_token: 'XI0123456789abcdef0123456789abcdef',
      domain_id: 'acme.cloudonix.net',
    },
  });
  expect(configuration.status).toBe(201);
  const before = carrier.requests.length;
  const refused = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230002',
    from: '+15551230001',
    answeringMachineDetection: 'detect',
  });
  expect(refused.status).toBe(422);
  expect(refused.body.error.code).toBe('amd_unsupported');
  expect(refused.body.error.message).toContain('Cloudonix');
  expect(carrier.requests.length).toBe(before);
  const nonsense = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230002',
    answeringMachineDetection: 'sometimes',
  });
  expect(nonsense.status).toBe(400);
});

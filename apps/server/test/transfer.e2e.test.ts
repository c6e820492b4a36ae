/**
 * Conference transfers of a live Twilio call, asked for over the API and by
 * a websocket agent, on two servers of one deployment: the media socket is
 * on one, the commands and the carrier's reports on the other, and the agent
 * still hears every step (LISTEN/NOTIFY on PostgreSQL).
 */
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import {
  type CarrierApiServer,
  type CarrierMediaSession,
  connectCarrierMedia,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { startAgentServer, startTestServer, type TestServer } from './helpers.js';
import {
  ACCOUNT_SID,
  acceptTwilioAccount,
  isTwilioMedia,
  placeAndAnswer,
  signedTwilioPost,
  speechFrames,
  twilioCallFields,
  twilioMedia,
  twilioStart,
} from './twilio-call.js';

const LEG_SID = 'CA00000000000000000000000000000099';
const CALLS = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`;
const CALLER_LEG = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/:sid.json`;

let carrier: CarrierApiServer;
let a: TestServer;
let b: TestServer;
let agentServer: WebSocketServer;
let agentUrl: string;
/** Text messages each agent connection received, newest connection last. */
const agentSessions: { text: Record<string, unknown>[]; socket: WebSocket }[] = [];

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  // Callers' calls, each its own sid, and transfer legs (the ones that carry their own TwiML).
  let placed = 0;
  carrier.route('POST', CALLS, (request) => {
    const isLeg = new URLSearchParams(request.body).has('Twiml');
    const sid = isLeg ? LEG_SID : `CA${String(++placed).padStart(32, '0')}`;
    return { status: 201, json: { sid, status: 'queued' } };
  });
  carrier.route('POST', CALLER_LEG, (request) => ({
    json: { sid: request.params['sid'], status: 'in-progress' },
  }));
  const registry = () => createRegistry([twilio({ baseUrl: carrier.url })]);
  // A quick sweep for transfers nobody reports on, on either database.
  a = await startTestServer(registry(), undefined, { transferSweepMs: 500 });
  b = await startTestServer(registry(), a, { transferSweepMs: 500 });
  // A bot that echoes, and asks for a transfer when told to.
  ({ server: agentServer, url: agentUrl } = await startAgentServer((socket) => {
    const session = { text: [] as Record<string, unknown>[], socket };
    agentSessions.push(session);
    socket.on('message', (data, isBinary) => {
      if (isBinary) socket.send(data);
      else session.text.push(JSON.parse(String(data)));
    });
  }));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await carrier?.close();
  agentServer?.close();
});

/** A live outbound call to the bot, its media streaming into server A. */
async function liveCall(): Promise<{
  callId: string;
  media: CarrierMediaSession;
  agent: (typeof agentSessions)[number];
}> {
  const bot = await a.call('POST', '/api/v1/agents', {
    name: `Bot ${agentSessions.length}`,
    kind: 'websocket',
    url: agentUrl,
    sampleRate: 8000,
  });
  expect(bot.status).toBe(201);
  const { callId, mediaUrl } = await placeAndAnswer(a, bot.body.id);
  const live = await signedTwilioPost(b, `/telephony/twilio/status/${callId}`, twilioCallFields);
  expect(live.status).toBe(204);
  const before = agentSessions.length;
  const media = await connectCarrierMedia(mediaUrl);
  await media.play([...twilioStart(callId), ...speechFrames(0.2).map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });
  await expect.poll(() => agentSessions.length).toBe(before + 1);
  const agent = agentSessions.at(-1)!;
  await expect.poll(() => agent.text[0]?.['type']).toBe('start');
  return { callId, media, agent };
}

const transferMessages = (agent: (typeof agentSessions)[number]) =>
  agent.text.filter((message) => message['type'] === 'transfer');

it('transfers over the API: dials, joins the caller once answered, and ends the agent’s media', async () => {
  // The host application asked to hear of transfers.
  const hook = await a.call('POST', '/api/v1/webhooks', {
    url: 'https://hooks.example.com/patchbay',
    events: ['call.transferred'],
  });
  expect(hook.status).toBe(201);
  const { callId, media, agent } = await liveCall();

  const started = await b.call('POST', `/api/v1/calls/${callId}/transfer`, {
    destination: '+1 (555) 123-0003',
  });
  expect(started.status).toBe(202);
  expect(started.body).toMatchObject({
    callId,
    destination: '+15551230003',
    callerId: '+15551230001',
    status: 'pending',
    legCallId: LEG_SID,
    requestedBy: 'api',
  });
  const transferId = started.body.id as string;
  const [dial] = carrier.requestsTo('POST', CALLS).slice(-1);
  const dialed = new URLSearchParams(dial!.body);
  expect(dialed.get('To')).toBe('+15551230003');
  expect(dialed.get('From')).toBe('+15551230001');
  expect(dialed.get('StatusCallback')).toBe(
    `https://voice.example.com/telephony/twilio/transfers/${transferId}`,
  );
  expect(dialed.get('Twiml')).toContain(`patchbay-transfer-${transferId}`);

  // One transfer at a time.
  const second = await a.call('POST', `/api/v1/calls/${callId}/transfer`, {
    destination: '+15551230004',
  });
  expect(second.status).toBe(409);
  expect(second.body.error.code).toBe('transfer_in_progress');

  // An unsigned report is refused and changes nothing.
  const forged = await fetch(`${a.server.url}/telephony/twilio/transfers/${transferId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ CallSid: LEG_SID, CallStatus: 'in-progress' }).toString(),
  });
  expect(forged.status).toBe(401);
  expect(carrier.requestsTo('POST', CALLER_LEG)).toHaveLength(0);

  // The destination answers; Twilio reports it twice (a retry), to the other server.
  const answered = { ...twilioCallFields, CallSid: LEG_SID, CallStatus: 'in-progress' };
  const path = `/telephony/twilio/transfers/${transferId}`;
  expect((await signedTwilioPost(b, path, answered)).status).toBe(204);
  expect((await signedTwilioPost(a, path, answered)).status).toBe(204);
  const joins = carrier.requestsTo('POST', CALLER_LEG);
  expect(joins).toHaveLength(1);
  expect(new URLSearchParams(joins[0]!.body).get('Twiml')).toContain(
    `>patchbay-transfer-${transferId}</Conference>`,
  );

  // The agent on server A heard each step, then its media ended as transferred.
  await expect.poll(() => agent.text.at(-1)).toEqual({ type: 'stop', reason: 'transferred' });
  expect(transferMessages(agent)).toEqual([
    { type: 'transfer', transferId, status: 'pending' },
    { type: 'transfer', transferId, status: 'answered' },
    { type: 'transfer', transferId, status: 'connected' },
  ]);
  expect((await media.closed).code).toBe(1000);

  const ended = { ...twilioCallFields, CallSid: LEG_SID, CallStatus: 'completed' };
  expect((await signedTwilioPost(a, path, ended)).status).toBe(204);
  const call = await a.call('GET', `/api/v1/calls/${callId}`);
  expect(call.body.transfers).toEqual([
    expect.objectContaining({ id: transferId, status: 'completed', legCallId: LEG_SID }),
  ]);
  expect(call.body.transfers[0].connectedAt).not.toBeNull();
  // Its outbox holds the connection once, with the call and the transfer.
  const events = await a.database.sql<
    { event_type: string; payload: { data: { transfer: { id: string; status: string } } } }[]
  >`
    select event_type, payload from webhook_deliveries where endpoint_id = ${hook.body.endpoint.id}`;
  expect(events.map((event) => event.event_type)).toEqual(['call.transferred']);
  expect(events[0]!.payload.data.transfer).toMatchObject({ id: transferId, status: 'connected' });
  await a.call('DELETE', `/api/v1/webhooks/${hook.body.endpoint.id}`);
}, 30_000);

it('transfers when the agent asks; a busy destination leaves the caller with the agent', async () => {
  const { callId, media, agent } = await liveCall();

  agent.socket.send(JSON.stringify({ type: 'transfer' }));
  agent.socket.send(JSON.stringify({ type: 'transfer', destination: '+15551230005' }));
  await expect.poll(() => transferMessages(agent).length).toBe(1);
  expect(agent.text.find((message) => message['type'] === 'error')).toMatchObject({
    code: 'invalid_transfer',
  });
  const transferId = transferMessages(agent)[0]!['transferId'] as string;

  const busy = { ...twilioCallFields, CallSid: LEG_SID, CallStatus: 'busy' };
  const path = `/telephony/twilio/transfers/${transferId}`;
  expect((await signedTwilioPost(b, path, busy)).status).toBe(204);
  await expect
    .poll(() => transferMessages(agent).at(-1))
    .toEqual({ type: 'transfer', transferId, status: 'busy', reason: 'busy' });

  // Still talking: the caller's audio reaches the agent and comes back.
  const heard = media.received.length;
  await media.play(speechFrames(0.2).map(twilioMedia), { isAudio: isTwilioMedia });
  await expect.poll(() => media.received.length).toBeGreaterThan(heard);
  expect(agent.text.some((message) => message['type'] === 'stop')).toBe(false);

  const call = await b.call('GET', `/api/v1/calls/${callId}`);
  expect(call.body.transfers).toEqual([
    expect.objectContaining({ id: transferId, status: 'busy', requestedBy: 'agent' }),
  ]);
  // A late "answered" for a transfer that failed does nothing.
  const late = { ...twilioCallFields, CallSid: LEG_SID, CallStatus: 'in-progress' };
  const joinsBefore = carrier.requestsTo('POST', CALLER_LEG).length;
  expect((await signedTwilioPost(a, path, late)).status).toBe(204);
  expect(carrier.requestsTo('POST', CALLER_LEG)).toHaveLength(joinsBefore);
  await media.close();
}, 30_000);

it('fails a transfer nobody reports on by its deadline, and hangs up its leg', async () => {
  const { callId, media, agent } = await liveCall();
  const started = await a.call('POST', `/api/v1/calls/${callId}/transfer`, {
    destination: '+15551230006',
    timeoutSeconds: 5,
  });
  expect(started.status).toBe(202);
  const transferId = started.body.id as string;
  // As if the ring timeout and the report margin had passed with no word from the carrier.
  await a.database
    .sql`update transfers set deadline_at = now() - interval '1 second' where id = ${transferId}`;
  await expect
    .poll(() => transferMessages(agent).at(-1), { timeout: 10_000, interval: 250 })
    .toEqual({ type: 'transfer', transferId, status: 'failed', reason: 'timeout' });
  // The agent hears of it first; the leg's hang-up reaches the carrier just after.
  const legStatuses = () =>
    carrier
      .requestsTo('POST', CALLER_LEG)
      .filter((request) => request.params['sid'] === LEG_SID)
      .map((request) => new URLSearchParams(request.body).get('Status'));
  await expect.poll(legStatuses).toContain('completed');
  // Timed out once, however many processes noticed.
  expect(transferMessages(agent).filter((message) => message['status'] === 'failed')).toHaveLength(
    1,
  );
  await media.close();
}, 30_000);

it('refuses to transfer a call that is not live, or another organization’s', async () => {
  const configuration = await a.call('POST', '/api/v1/configurations', {
    name: 'Twilio idle',
    config: {
      provider: 'twilio',
      account_sid: ACCOUNT_SID,
      auth_token: 'twilio-auth-token-for-tests',
    },
  });
  const placed = await a.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230002',
    from: '+15551230001',
  });
  const path = `/api/v1/calls/${placed.body.id}/transfer`;
  const notLive = await a.call('POST', path, { destination: '+15551230003' });
  expect(notLive.status).toBe(409);
  expect(notLive.body.error.code).toBe('call_not_live');
  const foreign = await a.call('POST', path, { destination: '+15551230003' }, a.otherKey);
  expect(foreign.status).toBe(404);
  const invalid = await a.call('POST', path, { destination: '', timeoutSeconds: 1 });
  expect(invalid.status).toBe(400);
  expect(invalid.body.error.message).toMatch(/destination/);
  expect(invalid.body.error.message).toMatch(/timeoutSeconds/);
});

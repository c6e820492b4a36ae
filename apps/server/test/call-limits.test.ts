/**
 * Per-organization and per-configuration call limits, held across server
 * processes sharing one database: counted from the calls themselves, under
 * locks, so concurrent placements cannot overshoot, and a slot comes back
 * when its call ends however it ends.
 */
import { randomUUID } from 'node:crypto';
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import { ACCOUNT_SID, AUTH_TOKEN, acceptTwilioAccount, signedTwilioPost } from './twilio-call.js';

let carrier: CarrierApiServer;
let a: TestServer;
let b: TestServer;
let configurationId: string;
let organizationId: string;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  // A new call SID for every call the local Twilio takes, as Twilio does.
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, () => ({
    status: 201,
    json: { sid: `CA${randomUUID().replace(/-/g, '')}`, status: 'queued' },
  }));
  // The local Twilio confirms the account holds any number asked about.
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`, (r) => ({
    json: {
      incoming_phone_numbers: [{ sid: 'PN1', phone_number: r.query.get('PhoneNumber') }],
      next_page_uri: null,
    },
  }));
  const registry = () => createRegistry([twilio({ baseUrl: carrier.url })]);
  a = await startTestServer(registry());
  // A second process of the same deployment, on the same database.
  b = await startTestServer(registry(), a);
  const created = await a.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  configurationId = created.body.id;
  organizationId = (await a.call('GET', '/api/v1/organization')).body.id;
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await carrier?.close();
});

const place = (server: TestServer, extra: Record<string, unknown> = {}) =>
  server.call('POST', '/api/v1/calls', {
    configurationId,
    to: '+15551230002',
    from: '+15551230001',
    ...extra,
  });

async function endAll() {
  await a.database.sql`
    update calls set status = 'completed', ended_at = now()
    where organization_id = ${organizationId} and status in ('queued', 'initiated', 'ringing', 'in-progress')`;
}

it('starts exactly the limit when 50 calls are placed at once on two processes', async () => {
  const limited = await a.call('PATCH', `/api/v1/organizations/${organizationId}`, {
    maxConcurrentCalls: 10,
  });
  expect(limited.body).toMatchObject({
    maxConcurrentCalls: 10,
    maxConcurrentCallsIsDefault: false,
  });
  // The organization's own key sees its limit and cannot raise it.
  const own = await a.call('PATCH', '/api/v1/organization', { maxConcurrentCalls: 1000 });
  expect(own.status).toBe(400);

  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) => place(i % 2 === 0 ? a : b)),
  );
  const statuses = answers.map((answer) => answer.status);
  expect(statuses.filter((status) => status === 201)).toHaveLength(10);
  expect(statuses.filter((status) => status === 429)).toHaveLength(40);
  const refused = answers.find((answer) => answer.status === 429)!;
  expect(refused.body.error.code).toBe('call_limit_reached');
  const [{ live }] = (await a.database.sql`
    select count(*)::int as live from calls
    where organization_id = ${organizationId} and status in ('queued', 'initiated', 'ringing', 'in-progress')`) as unknown as [
    { live: number },
  ];
  expect(live).toBe(10);
  await endAll();
  expect((await place(b)).status).toBe(201);
  await endAll();
}, 30_000);

it('gives a slot back when its call ends, and refuses inbound calls over the limit with busy', async () => {
  await a.call('PATCH', `/api/v1/organizations/${organizationId}`, { maxConcurrentCalls: 1 });
  const first = await place(a);
  expect(first.status).toBe(201);
  expect((await place(b)).status).toBe(429);

  // An inbound call now: the carrier hears busy, and the call is recorded as refused.
  const number = await a.call('POST', '/api/v1/phone-numbers', {
    address: '+15551230009',
    configurationId,
    agentId: (await a.call('GET', '/api/v1/agents')).body.agents[0].id,
  });
  expect(number.status).toBe(201);
  const inboundSid = `CA${randomUUID().replace(/-/g, '')}`;
  const fields = {
    CallSid: inboundSid,
    AccountSid: ACCOUNT_SID,
    From: '+15557654321',
    To: '+15551230009',
    CallStatus: 'ringing',
    Direction: 'inbound',
  };
  {
    const response = await signedTwilioPost(b, '/telephony/inbound', fields);
    expect(await response.text()).toContain('<Reject reason="busy"');
    const [refused] = await a.database.sql<{ status: string; reason: string }[]>`
      select status, reason from calls where carrier_call_id = ${inboundSid}`;
    expect(refused).toMatchObject({ status: 'busy' });
    expect(refused!.reason).toContain('limit');
  }

  // The first call ends (its carrier's status callback): its slot is free again.
  const ended = {
    CallSid: first.body.carrierCallId,
    AccountSid: ACCOUNT_SID,
    CallStatus: 'completed',
  };
  const callback = await signedTwilioPost(a, `/telephony/twilio/status/${first.body.id}`, ended);
  expect(callback.status).toBe(204);
  expect((await place(b)).status).toBe(201);
  await endAll();
  await a.call('PATCH', `/api/v1/organizations/${organizationId}`, { maxConcurrentCalls: null });
}, 30_000);

it('keeps a configuration to its own limit and to its calls per second, queueing when asked', async () => {
  const limited = await a.call('PUT', `/api/v1/configurations/${configurationId}`, {
    maxConcurrentCalls: 2,
    maxCallsPerSecond: 1,
  });
  expect(limited.body).toMatchObject({ maxConcurrentCalls: 2, maxCallsPerSecond: 1 });
  // Queued: the previous test's last call may be less than a second old.
  expect((await place(a, { queue: true })).status).toBe(201);
  const tooFast = await place(b);
  expect(tooFast.status).toBe(429);
  expect(tooFast.body.error.code).toBe('call_rate_limited');
  // Asked to queue, it waits for the next second rather than refusing.
  const queued = await place(b, { queue: true });
  expect(queued.status).toBe(201);
  // Two live calls: the configuration is full, whatever the organization allows.
  const full = await place(a, { queue: true });
  expect(full.status).toBe(429);
  expect(full.body.error.code).toBe('call_limit_reached');
  await endAll();
  await a.call('PUT', `/api/v1/configurations/${configurationId}`, {
    maxConcurrentCalls: null,
    maxCallsPerSecond: null,
  });
}, 30_000);

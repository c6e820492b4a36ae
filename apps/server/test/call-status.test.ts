/** Carrier status callbacks: verified first, recorded once, never moving a call backwards. */
import { randomUUID } from 'node:crypto';
import { createRegistry } from '@patchbay/core';
import { computeTwilioSignature, twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import { AUTH_TOKEN, acceptTwilioAccount } from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;
let configurationId: string;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
  const created = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: {
      provider: 'twilio',
      account_sid: 'AC00000000000000000000000000000001',
      auth_token: AUTH_TOKEN,
    },
  });
  expect(created.status).toBe(201);
  configurationId = created.body.id;
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

async function newCall(): Promise<string> {
  const id = randomUUID();
  const [org] = await t.database
    .sql`select organization_id from telephony_configurations where id = ${configurationId}`;
  await t.database.sql`
    insert into calls (id, organization_id, configuration_id, provider, direction, from_address, to_address, carrier_call_id, status)
    values (${id}, ${org!['organization_id']}, ${configurationId}, 'twilio', 'outbound', '+15551230001', '+15551230002', ${`CA${id.replace(/-/g, '')}`}, 'initiated')`;
  return id;
}

async function postStatus(
  callId: string,
  fields: Record<string, string>,
  token = AUTH_TOKEN,
  provider = 'twilio',
) {
  const path = `/telephony/${provider}/status/${callId}`;
  const signature = computeTwilioSignature(
    token,
    `https://voice.example.com${path}`,
    Object.entries(fields),
  );
  const response = await fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(fields).toString(),
  });
  return response.status;
}

const form = (callId: string, status: string, extra: Record<string, string> = {}) => ({
  CallSid: `CA${callId.replace(/-/g, '')}`,
  AccountSid: 'AC00000000000000000000000000000001',
  CallStatus: status,
  ...extra,
});

describe('status callbacks', () => {
  it('apply forward moves once, keep late reports as events, and end the call for good', async () => {
    const id = await newCall();
    expect(await postStatus(id, form(id, 'ringing'))).toBe(204);
    expect(await postStatus(id, form(id, 'ringing'))).toBe(204); // a retry
    expect(await postStatus(id, form(id, 'completed', { CallDuration: '42' }))).toBe(204);
    expect(await postStatus(id, form(id, 'in-progress'))).toBe(204); // arrives late
    const { body } = await t.call('GET', `/api/v1/calls/${id}`);
    expect(body).toMatchObject({
      status: 'completed',
      carrierStatus: 'completed',
      durationSeconds: 42,
    });
    expect(body.endedAt).not.toBeNull();
    expect(body.events.map((event: { status: string }) => event.status)).toEqual([
      'ringing',
      'completed',
      'in-progress',
    ]);
  });

  it('refuse a bad signature with 401 and write nothing', async () => {
    const id = await newCall();
    expect(await postStatus(id, form(id, 'completed'), 'someone-elses-token')).toBe(401);
    const { body } = await t.call('GET', `/api/v1/calls/${id}`);
    expect(body).toMatchObject({ status: 'initiated', events: [] });
  });

  it('answer 404 for unknown calls and the wrong provider, 400 for a payload without a status', async () => {
    expect(await postStatus(randomUUID(), form('x', 'ringing'))).toBe(404);
    expect(await postStatus('not-a-call', form('x', 'ringing'))).toBe(404);
    const id = await newCall();
    expect(await postStatus(id, form(id, 'ringing'), AUTH_TOKEN, 'plivo')).toBe(404);
    expect(await postStatus(id, { CallSid: 'CA1' })).toBe(400);
  });

  it('lists calls newest first, only the organization’s own', async () => {
    const { body } = await t.call('GET', '/api/v1/calls?limit=2');
    expect(body.calls).toHaveLength(2);
    expect((await t.call('GET', '/api/v1/calls', undefined, t.otherKey)).body.calls).toEqual([]);
  });
});

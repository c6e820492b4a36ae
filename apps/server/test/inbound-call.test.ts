/** Plivo calls arriving at the one inbound URL, routed by number to their agent. */
import { createRegistry } from '@patchbay/core';
import { computePlivoV3Signature, plivo } from '@patchbay/provider-plivo';
import { twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

const AUTH_ID = 'MA0123456789ABCDEFGH';
const AUTH_TOKEN = 'plivo-auth-token-for-tests';
let t: TestServer;
let carrier: CarrierApiServer;
let configurationId: string;
let agentId: string;

beforeAll(async () => {
  // The local Plivo confirms the account holds the numbers registered below.
  carrier = await startCarrierApiServer();
  // A save proves the credentials on the account's details (the SDK asks for `Account/{id}//`).
  carrier.route('GET', `/v1/Account/${AUTH_ID}//`, (r) =>
    r.headers['authorization'] ===
    `Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`
      ? { json: { auth_id: AUTH_ID, account_type: 'standard' } }
      : { status: 401, body: 'Could not verify your access level for that URL.' },
  );
  carrier.route('GET', `/v1/Account/${AUTH_ID}/Number/:number/`, (r) => ({
    json: { number: r.params['number'] },
  }));
  t = await startTestServer(createRegistry([plivo({ proxy: carrier.proxyUrl }), twilio()]));
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Plivo',
    config: {
      provider: 'plivo',
      auth_id: AUTH_ID,
      auth_token: AUTH_TOKEN,
      application_id: '12345',
    },
  });
  expect(configuration.status).toBe(201);
  configurationId = configuration.body.id;
  agentId = (await t.call('POST', '/api/v1/agents', { name: 'Front desk', kind: 'echo' })).body.id;
  await t.call('POST', '/api/v1/phone-numbers', {
    address: '+15551230002',
    configurationId,
    agentId,
  });
  await t.call('POST', '/api/v1/phone-numbers', { address: '+15551230003', configurationId });
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

async function inbound(
  fields: Record<string, string>,
  token = AUTH_TOKEN,
  path = '/telephony/inbound',
) {
  const url = `https://voice.example.com${path}`;
  const nonce = `nonce-${Math.random()}`;
  const response = await fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-plivo-signature-v3': computePlivoV3Signature(token, url, Object.entries(fields), nonce),
      'x-plivo-signature-v3-nonce': nonce,
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, text: await response.text() };
}

const call = (to: string, uuid: string) => ({
  CallUUID: uuid,
  From: '15551239999',
  To: to,
  Direction: 'inbound',
  CallStatus: 'ringing',
});
const calls = async () =>
  (await t.call('GET', '/api/v1/calls')).body.calls as {
    id: string;
    to: string;
    direction: string;
    agentId: string;
  }[];

describe('inbound calls', () => {
  it('route by number to the agent, answer with a stream to this server, and take retries as the same call', async () => {
    const first = await inbound(call('15551230002', 'uuid-1'));
    expect(first.status).toBe(200);
    const streamUrl = /<Stream[^>]*>([^<]+)<\/Stream>/.exec(first.text)?.[1]?.trim();
    const [stored] = await calls();
    expect(stored).toMatchObject({ to: '+15551230002', direction: 'inbound', agentId });
    expect(streamUrl).toMatch(
      new RegExp(`^wss://voice\\.example\\.com/telephony/plivo/media/${stored!.id}/`),
    );
    const retry = await inbound(call('15551230002', 'uuid-1'));
    expect(retry.text).toContain(`/telephony/plivo/media/${stored!.id}/`);
    expect(await calls()).toHaveLength(1);
  });

  it('refuse with Plivo’s own document, writing nothing, when nothing should answer', async () => {
    const before = (await calls()).length;
    for (const [fields, token] of [
      [call('15550000000', 'uuid-unknown'), AUTH_TOKEN], // no such number
      [call('15551230002', 'uuid-forged'), 'not-the-token'], // bad signature
      [call('15551230003', 'uuid-no-agent'), AUTH_TOKEN], // number without an agent
    ] as const) {
      const refused = await inbound(fields, token);
      expect(refused.status).toBe(200);
      expect(refused.text).toMatch(/<Hangup/);
      expect(refused.text).not.toMatch(/Stream/);
    }
    await t.call('POST', `/api/v1/configurations/${configurationId}/deactivate`);
    expect((await inbound(call('15551230002', 'uuid-inactive'))).text).toMatch(/<Hangup/);
    await t.call('POST', `/api/v1/configurations/${configurationId}/activate`);
    expect(await calls()).toHaveLength(before);
  });

  it('answer 400 to a request no carrier recognises', async () => {
    const response = await fetch(`${t.server.url}/telephony/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"world"}',
    });
    expect(response.status).toBe(400);
  });
});

describe('provider routes', () => {
  it('serve a spec’s own route under its configuration, verified with that configuration', async () => {
    const path = `/telephony/plivo/routes/${configurationId}/transfer-answer/t-1`;
    const answered = await inbound({ CallUUID: 'leg-1' }, AUTH_TOKEN, path);
    expect(answered.status).toBe(200);
    expect(answered.text).toMatch(/<Conference[^>]*>[^<]*t-1/);
    expect((await inbound({ CallUUID: 'leg-1' }, 'not-the-token', path)).status).toBe(401);
    const unknown = `/telephony/plivo/routes/00000000-0000-0000-0000-000000000000/transfer-answer/t-1`;
    expect((await inbound({ CallUUID: 'leg-1' }, AUTH_TOKEN, unknown)).status).toBe(404);
  });
});

it('shows a Plivo configuration’s account id masked: its auth_id is a secret too', async () => {
  const shown = await t.call('GET', `/api/v1/configurations/${configurationId}`);
  expect(shown.body.accountId).toBe(`${'*'.repeat(AUTH_ID.length - 4)}${AUTH_ID.slice(-4)}`);
  expect(JSON.stringify(shown.body)).not.toContain(AUTH_ID);
  const listed = await t.call('GET', '/api/v1/configurations');
  expect(JSON.stringify(listed.body)).not.toContain(AUTH_ID);
});

it('shows what to paste into Plivo’s console, and what is still missing', async () => {
  const { body } = await t.call('GET', `/api/v1/configurations/${configurationId}`);
  expect(body.setup.inboundWebhookUrl).toBe('https://voice.example.com/telephony/inbound');
  expect(body.setup.checklist).toMatchObject({ readyForOutbound: true });
  const listed = await t.call('GET', '/api/v1/configurations');
  expect(listed.body.configurations[0].setup).toEqual(body.setup);
});

/**
 * Vobiz through the reference server: signatures checked on the one inbound
 * URL, and a nonce remembered in PostgreSQL, so a captured callback cannot be
 * replayed with another body to another process of the same deployment.
 */
import { createRegistry } from '@patchbay/core';
import { computeVobizSignature, vobiz } from '@patchbay/provider-vobiz';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresReplayGuard } from '../src/storage/webhook-nonces.js';
import { startTestServer, type TestServer } from './helpers.js';

const AUTH_ID = 'MA_SYQRLN1K';
const AUTH_TOKEN = 'vobiz-auth-token-for-tests';
const ACCOUNT = `/api/v1/Account/${AUTH_ID}`;
let first: TestServer;
let second: TestServer;
let carrier: CarrierApiServer;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  carrier.route('GET', `${ACCOUNT}/Call/`, (r) =>
    r.headers['x-auth-token'] === AUTH_TOKEN
      ? { json: { api_id: 'a', calls: [] } }
      : { status: 401, json: { error: 'invalid credentials' } },
  );
  carrier.route('GET', `${ACCOUNT}/numbers`, (r) => ({
    json: { items: [{ e164: r.query.get('search') }], total: 1, page: 1, per_page: 100 },
  }));
  const registry = () => createRegistry([vobiz({ baseUrl: `${carrier.url}/api` })]);
  first = await startTestServer(registry());
  second = await startTestServer(registry(), first);
  const saved = await first.call('POST', '/api/v1/configurations', {
    name: 'Vobiz',
    config: { provider: 'vobiz', auth_id: AUTH_ID, auth_token: AUTH_TOKEN, application_id: '42' },
  });
  expect(saved.status).toBe(201);
  const agentId = (await first.call('POST', '/api/v1/agents', { name: 'Desk', kind: 'echo' })).body
    .id;
  for (const address of ['+918069000001', '+918069000002'])
    expect(
      (
        await first.call('POST', '/api/v1/phone-numbers', {
          address,
          configurationId: saved.body.id,
          agentId,
        })
      ).status,
    ).toBe(201);
});
afterAll(async () => {
  await second?.close();
  await first?.close();
  await carrier?.close();
});

/** Posts an inbound call as Vobiz signs it: the URL without query, and the nonce. */
async function inbound(server: TestServer, to: string, callUuid: string, nonce: string) {
  const signature = computeVobizSignature(
    AUTH_TOKEN,
    'https://voice.example.com/telephony/inbound',
    nonce,
    'v3',
  );
  const response = await fetch(`${server.server.url}/telephony/inbound`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-vobiz-signature-v3': signature,
      'x-vobiz-signature-v3-nonce': nonce,
    },
    body: new URLSearchParams({
      CallUUID: callUuid,
      From: '919876543210',
      To: to,
      Direction: 'inbound',
      CallStatus: 'ringing',
    }).toString(),
  });
  return response.text();
}

const inboundCalls = async () =>
  ((await first.call('GET', '/api/v1/calls')).body.calls as { to: string }[]).map((c) => c.to);

describe('Vobiz inbound calls', () => {
  it('answers a signed call with a stream, and refuses its nonce on another body anywhere', async () => {
    const answered = await inbound(first, '918069000001', 'uuid-1', '11111111111111111111');
    expect(answered).toMatch(
      /<Stream bidirectional="true"[^>]*>wss:\/\/voice\.example\.com\/telephony\/vobiz\/media\//,
    );
    // The captured signature, replayed on the second process for the other number.
    const replayed = await inbound(second, '918069000002', 'uuid-2', '11111111111111111111');
    expect(replayed).toMatch(/<Hangup reason="rejected"\/>/);
    expect(await inboundCalls()).toEqual(['+918069000001']);
    // Vobiz retrying the same delivery is the same call, on either process.
    const retried = await inbound(second, '918069000001', 'uuid-1', '11111111111111111111');
    expect(retried).toMatch(/<Stream/);
    expect(await inboundCalls()).toEqual(['+918069000001']);
    // A fresh nonce for the other number is a new call.
    expect(await inbound(second, '918069000002', 'uuid-2', '22222222222222222222')).toMatch(
      /<Stream/,
    );
    expect((await inboundCalls()).sort()).toEqual(['+918069000001', '+918069000002']);
  });

  it('is listed among the providers, with its form', async () => {
    const providers = (await first.call('GET', '/api/v1/providers')).body.providers as {
      name: string;
      fields: { name: string }[];
    }[];
    const entry = providers.find((p) => p.name === 'vobiz');
    expect(entry?.fields.map((field) => field.name)).toEqual([
      'auth_id',
      'auth_token',
      'application_id',
      'parent_auth_token',
    ]);
  });
});

describe('postgresReplayGuard', () => {
  it('admits a nonce once per request, shares it between processes, and forgets it when due', async () => {
    const one = postgresReplayGuard(first.database.sql);
    const two = postgresReplayGuard(second.database.sql);
    expect(await one.admit('test:n1', 'request-a', 60)).toBe(true);
    expect(await two.admit('test:n1', 'request-a', 60)).toBe(true);
    expect(await two.admit('test:n1', 'request-b', 60)).toBe(false);
    expect(await one.admit('test:n2', 'request-a', 0)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await two.admit('test:n2', 'request-b', 60)).toBe(true);
    expect(await one.admit('test:n2', 'request-a', 60)).toBe(false);
  });

  it('lets exactly one of many racing requests claim a nonce', async () => {
    const guards = [
      postgresReplayGuard(first.database.sql),
      postgresReplayGuard(second.database.sql),
    ];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => guards[i % 2]!.admit('test:race', `request-${i}`, 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

/**
 * Refusing calls: Telnyx ignores webhook responses, so a refused inbound call
 * is also hung up through its API; a draining server refuses new calls
 * (the carrier's busy, or 503 with a Retry-After to the API) so the
 * carrier or a balancer goes elsewhere.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { createRegistry } from '@patchbay/core';
import { telnyx } from '@patchbay/provider-telnyx';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

const keys = generateKeyPairSync('ed25519');
// The raw 32-byte key is the tail of its SPKI encoding, as Telnyx's portal shows it.
const PUBLIC_KEY = keys.publicKey
  .export({ format: 'der', type: 'spki' })
  .subarray(-32)
  .toString('base64');

let carrier: CarrierApiServer;
let t: TestServer;
let configurationId: string;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  carrier.route('POST', '/v2/calls/:id/actions/hangup', { json: { data: { result: 'ok' } } });
  // A save proves the API key on the balance.
  carrier.route('GET', '/v2/balance', { json: { data: { balance: '1.00', currency: 'USD' } } });
  // The local Telnyx confirms the account holds the number registered below.
  carrier.route('GET', '/v2/phone_numbers', {
    json: { data: [{ id: 'pn-1', phone_number: '+15551230002' }], meta: { total_pages: 1 } },
  });
  t = await startTestServer(createRegistry([telnyx({ baseUrl: `${carrier.url}/v2` })]));
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Telnyx',
    config: {
      provider: 'telnyx',
      api_key: 'KEY0123456789ABCDEF_telnyx',
      connection_id: '1234567890',
      webhook_public_key: PUBLIC_KEY,
    },
  });
  expect(configuration.status).toBe(201);
  configurationId = configuration.body.id;
  // A number with no agent yet.
  const number = await t.call('POST', '/api/v1/phone-numbers', {
    address: '+15551230002',
    configurationId,
  });
  expect(number.status).toBe(201);
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

function telnyxInbound(callControlId: string) {
  const body = JSON.stringify({
    data: {
      record_type: 'event',
      event_type: 'call.initiated',
      id: `evt-${callControlId}`,
      occurred_at: new Date().toISOString(),
      payload: {
        call_control_id: callControlId,
        connection_id: '1234567890',
        direction: 'incoming',
        from: '+15551239999',
        to: '+15551230002',
        state: 'parked',
      },
    },
    meta: { attempt: 1 },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${t.server.url}/telephony/inbound`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'telnyx-timestamp': timestamp,
      'telnyx-signature-ed25519': sign(
        null,
        Buffer.from(`${timestamp}|${body}`),
        keys.privateKey,
      ).toString('base64'),
    },
    body,
  });
}

it('hangs up a refused Telnyx call through the API, since Telnyx ignores the response', async () => {
  const refused = await telnyxInbound('v3:refused-call');
  expect(refused.status).toBe(200);
  await expect
    .poll(() =>
      carrier.requestsTo('POST', '/v2/calls/:id/actions/hangup').map((r) => r.params['id']),
    )
    .toEqual(['v3:refused-call']);
  expect((await t.call('GET', '/api/v1/calls')).body.calls).toEqual([]);
});

it('refuses new calls once draining, and says so to health checks', async () => {
  t.server.drain();
  // Telnyx ignores the answer, so a verified call is hung up through its API, as any refusal.
  const inbound = await telnyxInbound('v3:while-draining');
  expect(inbound.status).toBe(200);
  await expect
    .poll(() =>
      carrier.requestsTo('POST', '/v2/calls/:id/actions/hangup').map((r) => r.params['id']),
    )
    .toContain('v3:while-draining');
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId,
    to: '+15551230003',
    from: '+15551230002',
  });
  expect(placed.status).toBe(503);
  expect(placed.body.error.code).toBe('draining');
  expect((await fetch(`${t.server.url}/readyz`)).status).toBe(503);
  // Everything else goes on.
  expect((await t.call('GET', '/api/v1/calls')).status).toBe(200);
});

/**
 * Call events for the host application: an outbox written with each call
 * change, delivered signed, retried after a failure, visible with its
 * attempts; never to a private address unless the deployment allows it.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { privateAddressGuard } from '../src/services/webhooks.js';
import { startTestServer, type TestServer } from './helpers.js';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  acceptTwilioAccount,
  acceptTwilioCalls,
  signedTwilioPost,
} from './twilio-call.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let carrier: CarrierApiServer;
let t: TestServer;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let failuresLeft = 1;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  acceptTwilioCalls(carrier);
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      // The host application is down for its first delivery.
      response.writeHead(failuresLeft-- > 0 ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]), undefined, {
    env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    webhookPollMs: 100,
  });
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

it('posts a call’s start, answer and end, signed, retrying a failure, once each', async () => {
  const created = await t.call('POST', '/api/v1/webhooks', { url: receiverUrl });
  expect(created.status).toBe(201);
  const { secret, endpoint } = created.body as { secret: string; endpoint: { id: string } };
  expect(secret).toMatch(/^whsec_/);
  expect(JSON.stringify((await t.call('GET', '/api/v1/webhooks')).body)).not.toContain(secret);

  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230002',
    from: '+15551230001',
  });
  const callId = placed.body.id as string;
  const fields = (status: string) => ({
    CallSid: placed.body.carrierCallId,
    AccountSid: ACCOUNT_SID,
    CallStatus: status,
    CallDuration: '7',
  });
  for (const status of ['in-progress', 'in-progress', 'completed'])
    expect(
      (await signedTwilioPost(t, `/telephony/twilio/status/${callId}`, fields(status))).status,
    ).toBe(204);

  // The first attempt failed (500) and came again after its backoff (2 s).
  await expect
    .poll(() => received.filter((r) => r.headers['patchbay-event'] !== undefined).length, {
      timeout: 10_000,
    })
    .toBe(4);
  const delivered = received.slice(1);
  const events = delivered.map(
    (r) =>
      JSON.parse(r.body) as {
        id: string;
        type: string;
        data: { call: { id: string; status: string } };
      },
  );
  expect(events.map((e) => e.type).sort()).toEqual(['call.answered', 'call.ended', 'call.started']);
  expect(new Set(events.map((e) => e.id)).size).toBe(3);
  expect(events.every((e) => e.data.call.id === callId)).toBe(true);
  expect(events.find((e) => e.type === 'call.ended')!.data.call.status).toBe('completed');
  // The receiver can check each one: HMAC-SHA256 over "<t>.<body>" with the secret.
  for (const { headers, body } of received) {
    const [, timestamp, signature] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(
      String(headers['patchbay-signature']),
    )!;
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signature).toBe(expected);
  }

  const deliveries = (await t.call('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`)).body
    .deliveries as { attempts: number; deliveredAt: string | null; lastStatus: number }[];
  expect(deliveries).toHaveLength(3);
  expect(deliveries.every((d) => d.deliveredAt !== null && d.lastStatus === 204)).toBe(true);
  expect(deliveries.map((d) => d.attempts).sort()).toEqual([1, 1, 2]);
  // Another organization sees none of it.
  expect(
    (await t.call('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`, undefined, t.otherKey))
      .status,
  ).toBe(404);
}, 30_000);

it('refuses private addresses unless the deployment allows them', async () => {
  const strict = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]), t);
  try {
    for (const url of [
      'http://127.0.0.1:5432/',
      'http://localhost/x',
      'http://10.1.2.3/x',
      'http://[::1]/x',
      'https://user:pass@example.com/x',
    ]) {
      const refused = await strict.call('POST', '/api/v1/webhooks', { url });
      expect(refused.status, url).toBe(400);
    }
    expect(
      (await strict.call('POST', '/api/v1/webhooks', { url: 'ftp://example.com/' })).status,
    ).toBe(400);
    expect(
      (await strict.call('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/patchbay' }))
        .status,
    ).toBe(201);
  } finally {
    await strict.close();
  }
});

it('never connects a delivery to a name that resolves to a private address', async () => {
  const guard = privateAddressGuard((hostname, callback) =>
    callback(null, [
      { address: hostname === 'rebound.example' ? '10.0.0.7' : '93.184.216.34', family: 4 },
    ]),
  );
  const answer = (hostname: string, all: boolean) =>
    new Promise<{ error: string | undefined; address: unknown }>((resolve) =>
      guard(hostname, { all }, (error, address) => resolve({ error: error?.message, address })),
    );
  expect(await answer('rebound.example', false)).toMatchObject({
    error: 'rebound.example resolves to a private address (10.0.0.7)',
  });
  expect(await answer('hooks.example', false)).toEqual({
    error: undefined,
    address: '93.184.216.34',
  });
  expect((await answer('hooks.example', true)).address).toEqual([
    { address: '93.184.216.34', family: 4 },
  ]);
});

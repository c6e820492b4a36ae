/**
 * Without PUBLIC_BASE_URL the server says so at start, and refuses to hand a
 * cloud carrier URLs it cannot reach, naming the variable; an Asterisk,
 * which may run beside the server, still gets the listening address.
 */
import { createRegistry, type Logger } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { plivo } from '@patchbay/provider-plivo';
import { twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveAriConfiguration, startTestServer, type TestServer } from './helpers.js';
import { ACCOUNT_SID, AUTH_TOKEN, acceptTwilioAccount } from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;
const warnings: string[] = [];
const logger = {
  debug() {},
  info() {},
  warn: (_fields: unknown, message: string) => void warnings.push(message),
  error() {},
} as unknown as Logger;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  carrier.route('GET', `/v1/Account/MA0123456789ABCDEFGH//`, { json: { auth_id: 'x' } });
  t = await startTestServer(
    createRegistry([twilio({ baseUrl: carrier.url }), plivo({ proxy: carrier.proxyUrl }), ari()]),
    undefined,
    { env: { PUBLIC_BASE_URL: undefined }, logger },
  );
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

it('warns at start that cloud carriers cannot reach it', () => {
  expect(warnings).toContainEqual(expect.stringContaining('PUBLIC_BASE_URL is not set'));
});

it('refuses a cloud carrier’s call and a save that would register its URL, naming the variable', async () => {
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  expect(configuration.status).toBe(201); // Twilio's save hands it no URL
  // There is no inbound URL to paste yet, and no caller id to call from.
  expect(configuration.body.setup.inboundWebhookUrl).toBeNull();
  expect(configuration.body.setup.checklist).toMatchObject({
    readyForOutbound: false,
    outboundBlockedReason: expect.stringContaining('phone number'),
  });
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230002',
    from: '+15551230001',
  });
  expect(placed.status).toBe(503);
  expect(placed.body.error).toMatchObject({
    code: 'public_base_url_unset',
    message: expect.stringContaining('PUBLIC_BASE_URL'),
  });
  expect(carrier.requestsTo('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`)).toEqual([]);
  // Plivo's save creates an application pointed at the inbound URL: not at 127.0.0.1.
  const plivoSave = await t.call('POST', '/api/v1/configurations', {
    name: 'Plivo',
    config: { provider: 'plivo', auth_id: 'MA0123456789ABCDEFGH', auth_token: 'plivo-token' },
  });
  expect(plivoSave.status).toBe(503);
  expect(plivoSave.body.error.code).toBe('public_base_url_unset');
});

it('still serves an Asterisk, which may sit beside the server', async () => {
  const saved = await saveAriConfiguration(t, 'Asterisk', 'http://127.0.0.1:9/');
  expect(saved.status).toBe(201);
});

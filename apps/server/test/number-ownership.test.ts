/**
 * A number is bound only once the carrier, asked with the configuration's
 * own credentials, confirms the account holds it. An Account SID is no
 * secret: before this, another organization could save it with a made-up
 * token, register the owner's number first, and have the owner's correctly
 * signed inbound calls refused.
 */
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import { ACCOUNT_SID, AUTH_TOKEN } from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;
const OWNED = '+15551230002';

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  // The local Twilio answers as Twilio does: 401 to a wrong token, the account's numbers otherwise.
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`, (r) => {
    const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    if (r.headers['authorization'] !== expected)
      return {
        status: 401,
        json: { code: 20003, message: 'Authenticate', more_info: '', status: 401 },
      };
    const wanted = r.query.get('PhoneNumber');
    return {
      json: {
        incoming_phone_numbers:
          wanted === OWNED
            ? [{ sid: 'PN1', phone_number: OWNED, capabilities: { voice: true } }]
            : [],
        next_page_uri: null,
      },
    };
  });
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

const saveTwilio = (name: string, authToken: string, key?: string) =>
  t.call(
    'POST',
    '/api/v1/configurations',
    { name, config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: authToken } },
    key,
  );

it('refuses the takeover: a made-up token cannot claim the account’s number', async () => {
  const forged = await saveTwilio('Not really ours', 'made-up-token', t.otherKey);
  const claim = await t.call(
    'POST',
    '/api/v1/phone-numbers',
    { address: OWNED, configurationId: forged.body.id },
    t.otherKey,
  );
  expect(claim.status).toBe(422);
  expect(claim.body.error.code).toBe('carrier_credentials_refused');
  expect(JSON.stringify(claim.body)).not.toContain('made-up-token');

  // The real owner is not blocked.
  const owner = await saveTwilio('Ours', AUTH_TOKEN);
  const registered = await t.call('POST', '/api/v1/phone-numbers', {
    address: OWNED,
    configurationId: owner.body.id,
  });
  expect(registered.status).toBe(201);
});

it('refuses a number the account does not hold', async () => {
  const owner = await saveTwilio('Ours again', AUTH_TOKEN);
  const claim = await t.call('POST', '/api/v1/phone-numbers', {
    address: '+15559990000',
    configurationId: owner.body.id,
  });
  expect(claim.status).toBe(422);
  expect(claim.body.error.code).toBe('number_not_owned');
});

it('moves a number to another configuration only if that one’s account holds it too', async () => {
  const owner = await saveTwilio('Owner for moves', AUTH_TOKEN);
  const forged = await saveTwilio('Forged for moves', 'another-made-up-token');
  const [number] = (await t.call('GET', '/api/v1/phone-numbers')).body.phoneNumbers;
  const moved = await t.call('PUT', `/api/v1/phone-numbers/${number.id}`, {
    configurationId: forged.body.id,
  });
  expect(moved.status).toBe(422);
  expect(moved.body.error.code).toBe('carrier_credentials_refused');
  const kept = await t.call('PUT', `/api/v1/phone-numbers/${number.id}`, {
    configurationId: owner.body.id,
  });
  expect(kept.status).toBe(200);
});

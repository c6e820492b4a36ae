/**
 * No one can claim an account or a number they do not hold. An Account SID
 * is no secret: before this, another organization could save it with a
 * made-up token, register the owner's number first, and have the owner's
 * correctly signed inbound calls refused. Now a save proves the credentials
 * with the carrier, and a number is bound only once the carrier, asked with
 * the configuration's own credentials, confirms the account holds it.
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
/** The token the local Twilio takes now; a test rotates it, as an owner would in the Console. */
let validToken = AUTH_TOKEN;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  // The local Twilio answers as Twilio does: 401 to a wrong token, the account and its numbers otherwise.
  const refused = {
    status: 401,
    json: { code: 20003, message: 'Authenticate', more_info: '', status: 401 },
  };
  const authorized = (headers: Readonly<Record<string, string>>) =>
    headers['authorization'] ===
    `Basic ${Buffer.from(`${ACCOUNT_SID}:${validToken}`).toString('base64')}`;
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}.json`, (r) =>
    authorized(r.headers) ? { json: { sid: ACCOUNT_SID, status: 'active' } } : refused,
  );
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`, (r) => {
    if (!authorized(r.headers)) return refused;
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

it('refuses the takeover: a made-up token cannot save the account, let alone claim its number', async () => {
  const forged = await saveTwilio('Not really ours', 'made-up-token', t.otherKey);
  expect(forged.status).toBe(422);
  expect(forged.body.error.code).toBe('carrier_credentials_refused');
  expect(JSON.stringify(forged.body)).not.toContain('made-up-token');
  expect((await t.call('GET', '/api/v1/configurations', undefined, t.otherKey)).body).toEqual({
    configurations: [],
  });

  // The real owner is not blocked.
  const owner = await saveTwilio('Ours', AUTH_TOKEN);
  expect(owner.status).toBe(201);
  const registered = await t.call('POST', '/api/v1/phone-numbers', {
    address: OWNED,
    configurationId: owner.body.id,
  });
  expect(registered.status).toBe(201);

  // Another organization that really holds the account keeps working: it saves, and only the
  // number (one owner per number and account) is taken.
  const sharer = await saveTwilio('Shared account', AUTH_TOKEN, t.otherKey);
  expect(sharer.status).toBe(201);
  const second = await t.call(
    'POST',
    '/api/v1/phone-numbers',
    { address: OWNED, configurationId: sharer.body.id },
    t.otherKey,
  );
  expect(second.status).toBe(409);
  expect(second.body.error.code).toBe('number_taken');
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

it('moves a number only to a configuration whose credentials the carrier still takes', async () => {
  const owner = await saveTwilio('Owner for moves', AUTH_TOKEN);
  const revoked = await saveTwilio('Revoked later', AUTH_TOKEN);
  const [number] = (await t.call('GET', '/api/v1/phone-numbers')).body.phoneNumbers;
  // The owner rotates the token in the Twilio Console: what was saved no longer opens the account.
  validToken = 'rotated-token';
  try {
    const moved = await t.call('PUT', `/api/v1/phone-numbers/${number.id}`, {
      configurationId: revoked.body.id,
    });
    expect(moved.status).toBe(422);
    expect(moved.body.error.code).toBe('carrier_credentials_refused');
  } finally {
    validToken = AUTH_TOKEN;
  }
  const kept = await t.call('PUT', `/api/v1/phone-numbers/${number.id}`, {
    configurationId: owner.body.id,
  });
  expect(kept.status).toBe(200);
});

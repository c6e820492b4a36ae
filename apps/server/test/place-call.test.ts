/** Placing calls through the API with the official Twilio SDK pointed at a local Twilio. */
import { randomBytes } from 'node:crypto';
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaTokens } from '../src/services/media-tokens.js';
import { startTestServer, type TestServer } from './helpers.js';
import { acceptTwilioAccount } from './twilio-call.js';

const ACCOUNT = '/2010-04-01/Accounts/AC00000000000000000000000000000001';
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
      auth_token: 'twilio-auth-token-for-tests',
    },
  });
  configurationId = created.body.id;
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});
beforeEach(() => carrier.reset());

const callResource = {
  sid: 'CA00000000000000000000000000000042',
  status: 'queued',
  to: '+15551230002',
  from: '+15551230001',
};

describe('POST /api/v1/calls', () => {
  it('answers 502 when the carrier names a call it already gave another, and keeps the call failed', async () => {
    const reused = { ...callResource, sid: 'CA00000000000000000000000000000777' };
    carrier.route('POST', `${ACCOUNT}/Calls.json`, { status: 201, json: reused });
    const body = { configurationId, to: '+15551230002', from: '+15551230001' };
    expect((await t.call('POST', '/api/v1/calls', body)).status).toBe(201);
    const second = await t.call('POST', '/api/v1/calls', body);
    expect(second.status).toBe(502);
    expect(second.body.error).toMatchObject({
      code: 'place_call_failed',
      message: expect.stringContaining('CA00000000000000000000000000000777'),
    });
    const [latest] = (await t.call('GET', '/api/v1/calls?limit=1')).body.calls;
    expect(latest).toMatchObject({ status: 'failed', carrierCallId: null });
  });

  it('places the call with this server’s answer and status URLs and records it', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls.json`, { status: 201, json: callResource });
    const placed = await t.call('POST', '/api/v1/calls', {
      configurationId,
      to: '+1 (555) 123-0002',
      from: '+15551230001',
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      provider: 'twilio',
      direction: 'outbound',
      to: '+15551230002',
      from: '+15551230001',
      carrierCallId: 'CA00000000000000000000000000000042',
      status: 'queued',
    });
    const [create] = carrier.requests;
    const form = create!.parsedBody as Record<string, string>;
    expect(form['Url']).toBe(`https://voice.example.com/telephony/twilio/answer/${placed.body.id}`);
    expect(form['StatusCallback']).toBe(
      `https://voice.example.com/telephony/twilio/status/${placed.body.id}`,
    );

    carrier.route('POST', `${ACCOUNT}/Calls/:sid.json`, {
      json: { ...callResource, status: 'completed' },
    });
    expect((await t.call('POST', `/api/v1/calls/${placed.body.id}/hangup`)).status).toBe(202);
    expect((carrier.requests.at(-1)!.parsedBody as Record<string, string>)['Status']).toBe(
      'completed',
    );
  });

  it('keeps a call the carrier refused, failed with the carrier’s reason', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls.json`, {
      status: 400,
      json: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
    });
    const refused = await t.call('POST', '/api/v1/calls', {
      configurationId,
      to: '+15551230002',
      from: '+15551230001',
    });
    expect(refused.status).toBe(502);
    const { body } = await t.call('GET', '/api/v1/calls?limit=1');
    expect(body.calls[0]).toMatchObject({ status: 'failed' });
    expect(body.calls[0].reason).toMatch(/not a valid phone number/);
  });

  it('checks what it can before calling the carrier', async () => {
    expect(
      (await t.call('POST', '/api/v1/calls', { configurationId, to: '+15551230002' })).status,
    ).toBe(422);
    expect(
      (await t.call('POST', '/api/v1/calls', { configurationId, to: '', from: '+15551230001' }))
        .status,
    ).toBe(400);
    expect(
      (
        await t.call('POST', '/api/v1/calls', {
          configurationId,
          to: '+15551230002',
          from: '+15551230001',
          agentId: 'nope',
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await t.call(
          'POST',
          '/api/v1/calls',
          { configurationId, to: '+15551230002', from: '+15551230001' },
          t.otherKey,
        )
      ).status,
    ).toBe(422);
    await t.call('POST', `/api/v1/configurations/${configurationId}/deactivate`);
    expect(
      (
        await t.call('POST', '/api/v1/calls', {
          configurationId,
          to: '+15551230002',
          from: '+15551230001',
        })
      ).status,
    ).toBe(409);
    await t.call('POST', `/api/v1/configurations/${configurationId}/activate`);
    expect(carrier.requests).toHaveLength(0);
  });
});

describe('media tokens', () => {
  it('admit one socket for one call on one provider, once', async () => {
    const grant = { callId: 'call-1', provider: 'twilio' };
    const token = await t.mediaTokens.issue(grant);
    expect(
      await t.mediaTokens.redeem(t.database.sql, token, { callId: 'call-2', provider: 'twilio' }),
    ).toBeUndefined();
    expect(
      await t.mediaTokens.redeem(t.database.sql, token, { callId: 'call-1', provider: 'plivo' }),
    ).toBeUndefined();
    expect(await t.mediaTokens.redeem(t.database.sql, token, grant)).toEqual(grant);
    expect(await t.mediaTokens.redeem(t.database.sql, token, grant)).toBeUndefined(); // replayed
    const forged = await new MediaTokens(randomBytes(32)).issue(grant);
    expect(await t.mediaTokens.redeem(t.database.sql, forged, grant)).toBeUndefined();
    expect(await t.mediaTokens.redeem(t.database.sql, 'not.a.token', grant)).toBeUndefined();
  });
});

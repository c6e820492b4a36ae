/**
 * The official plivo SDK against a local server that answers as Plivo's REST
 * API does. The SDK only ever addresses https://api.plivo.com, so it reaches
 * the simulator through its proxy setting (the simulator's CONNECT tunnel).
 */
import {
  CarrierApiError,
  ConfigurationError,
  createRegistry,
  createWebhookRequest,
  InvalidPayloadError,
  silentLogger,
} from '@patchbay/core';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PlivoConfig, plivo } from '../src/index.js';
import { hangupCallback, plivoConfig } from './fixtures.js';

const ACCOUNT = `/v1/Account/${plivoConfig.auth_id}`;
let carrier: CarrierApiServer;
beforeEach(async () => {
  carrier = await startCarrierApiServer();
});
afterEach(async () => carrier.close());

const routeUrl = (path: string) => `https://voice.example.com/telephony/plivo/cfg-1/${path}`;
const spec = (settings = {}) => plivo({ proxy: carrier.proxyUrl, timeoutMs: 5000, ...settings });
const provider = (config: PlivoConfig = plivoConfig, settings = {}) =>
  spec(settings).create(config, { logger: silentLogger, routeUrl });
/** Plivo's account lookup, which a save makes to prove the credentials. */
const acceptAccountLookup = () =>
  carrier.route('GET', `${ACCOUNT}//`, {
    json: { api_id: 'api-1', account_type: 'standard', auth_id: plivoConfig.auth_id },
  });
const json = (request: { parsedBody: unknown }) => request.parsedBody as Record<string, unknown>;

const placeRequest = {
  to: '+15551230002',
  from: '+15551230001',
  answerUrl: 'https://voice.example.com/telephony/plivo/answer/c1',
  statusCallbackUrl: 'https://voice.example.com/telephony/plivo/status/c1',
  mediaStreamUrl: 'wss://voice.example.com/telephony/plivo/media/c1/token',
};

describe('outbound calls', () => {
  it('fires the call with digits, the answer, hangup and ring URLs, and Basic auth', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, {
      status: 201,
      json: { api_id: 'api-1', message: 'call fired', request_uuid: 'req-1' },
    });
    const placed = await provider().placeCall({ ...placeRequest, ringTimeoutSeconds: 25 });
    expect(placed).toEqual({
      callId: 'req-1',
      status: 'queued',
      from: '+15551230001',
      to: '+15551230002',
      metadata: { requestUuid: 'req-1' },
      warnings: [],
    });
    const [request] = carrier.requestsTo('POST', `${ACCOUNT}/Call/`);
    expect(request!.headers['host']).toBe('api.plivo.com');
    expect(json(request!)).toMatchObject({
      from: '15551230001',
      to: '15551230002',
      answer_url: placeRequest.answerUrl,
      answer_method: 'POST',
      hangup_url: placeRequest.statusCallbackUrl,
      hangup_method: 'POST',
      ring_url: placeRequest.statusCallbackUrl,
      ring_method: 'POST',
      ring_timeout: 25,
    });
    expect(Object.keys(json(request!))).not.toContain('workflow_id');
    const credentials = Buffer.from(
      request!.headers['authorization']!.replace('Basic ', ''),
      'base64',
    ).toString();
    expect(credentials).toBe(`${plivoConfig.auth_id}:${plivoConfig.auth_token}`);
  });

  it('asks for machine detection and warns that it cannot wait for the beep', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, { status: 201, json: { request_uuid: 'req-2' } });
    const placed = await provider().placeCall({
      ...placeRequest,
      answeringMachineDetection: {
        mode: 'detect-beep',
        callbackUrl: 'https://voice.example.com/amd',
      },
    });
    expect(placed.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported', feature: 'answering-machine-detection' }),
    ]);
    expect(json(carrier.requests[0]!)).toMatchObject({
      machine_detection: 'true',
      machine_detection_url: 'https://voice.example.com/amd',
      machine_detection_method: 'POST',
    });
  });

  it('refuses a call without caller ID, and types Plivo’s errors', async () => {
    const { from: _from, ...noCaller } = placeRequest;
    await expect(provider().placeCall(noCaller)).rejects.toSatisfy(ConfigurationError.isInstance);
    carrier.route('POST', `${ACCOUNT}/Call/`, {
      status: 401,
      json: { api_id: 'x', error: 'authentication failed' },
    });
    const error = await provider()
      .placeCall(placeRequest)
      .catch((e: unknown) => e);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 401, code: 'carrier_auth_failed' });
    expect(String((error as Error).message)).not.toContain(plivoConfig.auth_token);
  });

  it('hangs up with DELETE, and counts a call already gone as hung up', async () => {
    carrier.route('DELETE', `${ACCOUNT}/Call/:uuid/`, (r) =>
      r.params['uuid'] === 'gone' ? { status: 404, json: { error: 'not found' } } : { status: 204 },
    );
    await provider().hangUp('11111111-2222-3333-4444-555555555555');
    await provider().hangUp('gone');
    expect(
      carrier.requestsTo('DELETE', `${ACCOUNT}/Call/:uuid/`).map((r) => r.params['uuid']),
    ).toContain('11111111-2222-3333-4444-555555555555');
  });

  it('looks a call up live first, then in the call records', async () => {
    // Live calls: GET /Call/{uuid}?status=live (no trailing slash); records: GET /Call/{uuid}/.
    carrier.route('GET', `${ACCOUNT}/Call/:uuid`, (r) =>
      r.query.get('status') === 'live' && r.params['uuid'] === 'live-1'
        ? {
            json: {
              call_uuid: 'live-1',
              call_status: 'in-progress',
              from: '15551230001',
              to: '15551230002',
            },
          }
        : { status: 404, json: { error: 'not found' } },
    );
    carrier.route('GET', `${ACCOUNT}/Call/:uuid/`, (r) => ({
      json: {
        call_uuid: r.params['uuid'],
        call_state: 'ANSWER',
        call_duration: 42,
        bill_duration: 60,
        from_number: '15551230001',
        to_number: '15551230002',
        call_direction: 'outbound',
        total_amount: '0.01020',
      },
    }));
    expect(await provider().getCall('live-1')).toMatchObject({
      status: 'in-progress',
      from: '+15551230001',
    });
    expect(await provider().getCall('done-1')).toMatchObject({
      status: 'completed',
      carrierStatus: 'ANSWER',
      durationSeconds: 42,
      direction: 'outbound',
    });
    // The original read duration/call_status, which Plivo's call record does not have.
    expect(await provider().getCallCost('done-1')).toEqual({
      callId: 'done-1',
      amount: 0.0102,
      currency: 'USD',
      durationSeconds: 60,
    });
  });
});

describe('responses Plivo sends back', () => {
  it('reads them leniently, and names the field when one does not fit', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, {
      status: 201,
      json: { api_id: 'api-1', message: 'call fired', request_uuid: ['req-1', 'req-2'], extra: 1 },
    });
    expect((await provider().placeCall(placeRequest)).callId).toBe('req-1');

    carrier.route('POST', `${ACCOUNT}/Call/`, {
      status: 201,
      json: { api_id: 'api-1', message: 'call fired', request_uuid: 42 },
    });
    const wrongType = await provider()
      .placeCall(placeRequest)
      .catch((error: unknown) => error);
    expect(CarrierApiError.isInstance(wrongType)).toBe(true);
    expect((wrongType as CarrierApiError).isRetryable).toBe(false);
    expect((wrongType as CarrierApiError).httpStatus).toBe(502);
    expect(String(wrongType)).toMatch(/plivo place call failed: .*request_uuid/);
    const cause = (wrongType as Error).cause;
    expect(InvalidPayloadError.isInstance(cause)).toBe(true);
    expect((cause as InvalidPayloadError).source).toBe('plivo place call response');

    carrier.route('GET', `${ACCOUNT}/Call/:uuid`, { status: 404, json: { error: 'not found' } });
    carrier.route('GET', `${ACCOUNT}/Call/:uuid/`, {
      json: { call_uuid: 'c1', call_state: 'ANSWER', total_amount: 'free' },
    });
    await expect(provider().getCallCost('c1')).rejects.toThrow(/total_amount: expected a number/);
  });
});

describe('phone numbers and the inbound application', () => {
  it('validates ownership by number lookup: 200 owned, 404 not', async () => {
    carrier.route('GET', `${ACCOUNT}/Number/:number/`, (r) =>
      r.params['number'] === '15551230002'
        ? { json: { number: '15551230002', application: '/v1/Account/x/Application/1/' } }
        : { status: 404, json: { error: 'not found' } },
    );
    expect(await provider().validatePhoneNumber('+15551230002')).toEqual({ ok: true });
    expect((await provider().validatePhoneNumber('+15559999999')).ok).toBe(false);
  });

  it('lists numbers across pages', async () => {
    const numbers = Array.from({ length: 23 }, (_, i) => ({
      number: `1555000${String(i).padStart(4, '0')}`,
    }));
    carrier.route('GET', `${ACCOUNT}/Number/`, (r) => {
      const offset = Number(r.query.get('offset') ?? 0);
      return {
        json: {
          meta: { limit: 20, offset, total_count: 23 },
          objects: numbers.slice(offset, offset + 20),
        },
      };
    });
    const owned = await provider().listPhoneNumbers();
    expect(owned).toHaveLength(23);
    expect(owned[22]).toEqual({ address: '+15550000022', carrierId: '15550000022' });
  });

  it('points the application at the host and links the number to it', async () => {
    carrier.route('POST', `${ACCOUNT}/Application/:id/`, {
      status: 202,
      json: { message: 'changed' },
    });
    carrier.route('POST', `${ACCOUNT}/Number/:number/`, {
      status: 202,
      json: { message: 'changed' },
    });
    expect(
      await provider().bindInbound('+15551230002', {
        webhookUrl: 'https://voice.example.com/telephony/inbound',
        statusCallbackUrl: 'https://voice.example.com/telephony/plivo/status',
      }),
    ).toEqual({ ok: true });
    expect(json(carrier.requestsTo('POST', `${ACCOUNT}/Application/:id/`)[0]!)).toMatchObject({
      answer_url: 'https://voice.example.com/telephony/inbound',
      answer_method: 'POST',
      hangup_url: 'https://voice.example.com/telephony/plivo/status',
    });
    expect(json(carrier.requestsTo('POST', `${ACCOUNT}/Number/:number/`)[0]!)).toMatchObject({
      app_id: plivoConfig.application_id,
    });
    const detached = await provider().bindInbound('+15551230002', null);
    expect(detached.ok).toBe(true);
    expect(detached.message).toContain('stays linked');
  });

  it('creates an application on save when none is given, and deletes it with the configuration', async () => {
    carrier.route('POST', `${ACCOUNT}/Application/`, {
      status: 201,
      json: { api_id: 'a', app_id: '98765432109876543', message: 'created' },
    });
    carrier.route('DELETE', `${ACCOUNT}/Application/:id/`, { status: 204 });
    acceptAccountLookup();
    const registry = createRegistry([spec()]);
    const context = {
      logger: silentLogger,
      inboundWebhookUrl: 'https://voice.example.com/telephony/inbound',
    };
    const { application_id: _none, ...withoutApp } = plivoConfig;
    const saved = (await registry.prepareSave(withoutApp, undefined, context)) as PlivoConfig;
    expect(saved).toMatchObject({
      application_id: '98765432109876543',
      managed_application_id: '98765432109876543',
    });
    const created = json(carrier.requestsTo('POST', `${ACCOUNT}/Application/`)[0]!);
    expect(created).toMatchObject({
      answer_url: 'https://voice.example.com/telephony/inbound',
      answer_method: 'POST',
    });
    expect(String(created['app_name'])).toMatch(/^patchbay-[0-9a-f]{12}$/);
    expect(registry.maskConfig(saved)).not.toHaveProperty('managed_application_id');

    // An update that keeps the account makes no new application.
    await registry.prepareSave(registry.maskConfig(saved), saved, context);
    expect(carrier.requestsTo('POST', `${ACCOUNT}/Application/`)).toHaveLength(1);

    await spec().hooks!.afterDelete!(saved, context);
    expect(carrier.requestsTo('DELETE', `${ACCOUNT}/Application/:id/`)[0]?.params['id']).toBe(
      '98765432109876543',
    );
  });

  it('keeps an application the user gave, and does not delete it', async () => {
    acceptAccountLookup();
    const registry = createRegistry([spec()]);
    const context = { logger: silentLogger, inboundWebhookUrl: 'https://h/in' };
    const saved = (await registry.prepareSave(plivoConfig, undefined, context)) as PlivoConfig;
    expect(saved.application_id).toBe(plivoConfig.application_id);
    await spec().hooks!.afterDelete!(saved, context);
    // Only the credential check reached Plivo: no application made or deleted.
    expect(carrier.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${ACCOUNT}//`]);
  });
});

describe('conference transfers', () => {
  it('dials the destination to the transfer route, then moves the caller with aleg_url', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, { status: 201, json: { request_uuid: 'leg-req' } });
    carrier.route('POST', `${ACCOUNT}/Call/:uuid/`, {
      status: 202,
      json: { message: 'call transferred' },
    });
    const started = await provider().transferCall({
      callId: 'caller-1',
      destination: '+15557770000',
      from: '+15551230001',
      transferId: 't-1',
      statusCallbackUrl: 'https://voice.example.com/telephony/plivo/transfer-status/t-1',
      timeoutSeconds: 20,
    });
    expect(started).toEqual({
      transferId: 't-1',
      status: 'pending',
      legCallId: 'leg-req',
      metadata: { conference: 'patchbay-transfer-t-1' },
    });
    expect(json(carrier.requestsTo('POST', `${ACCOUNT}/Call/`)[0]!)).toMatchObject({
      to: '15557770000', // stripped like every other number (the original kept the +)
      from: '15551230001',
      answer_url: 'https://voice.example.com/telephony/plivo/cfg-1/transfer-answer/t-1',
      hangup_url: 'https://voice.example.com/telephony/plivo/transfer-status/t-1',
      ring_timeout: 20,
    });
    await provider().connectTransfer({ callId: 'caller-1', transferId: 't-1' });
    expect(json(carrier.requestsTo('POST', `${ACCOUNT}/Call/:uuid/`)[0]!)).toEqual({
      legs: 'aleg',
      aleg_url: 'https://voice.example.com/telephony/plivo/cfg-1/transfer-answer/t-1?leg=aleg',
      aleg_method: 'POST',
    });
  });

  it('needs the host’s route URLs for transfers', async () => {
    const bare = spec().create(plivoConfig, { logger: silentLogger });
    await expect(
      bare.transferCall({
        callId: 'c',
        destination: '+1555',
        from: '+1556',
        transferId: 't',
        statusCallbackUrl: 'https://h/t',
        timeoutSeconds: 20,
      }),
    ).rejects.toThrow(/routeUrl/);
  });

  it('serves the conference to both legs and reports the destination’s answer once per request', async () => {
    const [route] = spec({ transferAnnouncement: 'Connecting' }).routes!;
    const reported: unknown[] = [];
    const context = {
      config: plivoConfig,
      provider: provider(),
      params: { transferId: 't-1' },
      logger: silentLogger,
      report: async (event: unknown) => void reported.push(event),
    };
    const destination = await route!.handle(
      createWebhookRequest(hangupCallback({ CallUUID: 'leg-1', CallStatus: 'in-progress' })),
      context,
    );
    expect(destination.body).toContain(
      '<Speak>Connecting</Speak><Conference endConferenceOnExit="true" enterSound="" exitSound="">patchbay-transfer-t-1</Conference>',
    );
    const caller = await route!.handle(
      createWebhookRequest({
        ...hangupCallback({ CallUUID: 'caller-1' }),
        url: 'https://voice.example.com/x?leg=aleg',
      }),
      context,
    );
    expect(caller.body).not.toContain('<Speak>');
    expect(reported).toEqual([
      {
        type: 'transfer',
        result: { transferId: 't-1', status: 'answered', legCallId: 'leg-1', metadata: {} },
      },
    ]);
  });

  it('reads the destination leg’s hang-up cause', () => {
    const outcome = (cause: string) =>
      provider().parseTransferCallback(
        createWebhookRequest(hangupCallback(cause ? { HangupCause: cause } : {})),
        't',
      ).status;
    expect(
      ['', 'NORMAL_CLEARING', 'USER_BUSY', 'NO_ANSWER', 'ORIGINATOR_CANCEL', 'CALL_REJECTED'].map(
        outcome,
      ),
    ).toEqual(['pending', 'completed', 'busy', 'no-answer', 'no-answer', 'failed']);
  });
});

describe('credentials', () => {
  it('proves the Auth ID and token on the account’s own details, and reports a refusal', async () => {
    const expected = `Basic ${Buffer.from(`${plivoConfig.auth_id}:${plivoConfig.auth_token}`).toString('base64')}`;
    // The SDK joins its base URL and the action '/' with a slash: Plivo serves `Account/{id}//`.
    carrier.route('GET', `${ACCOUNT}//`, (request) =>
      request.headers['authorization'] === expected
        ? { json: { api_id: 'api-1', account_type: 'standard', auth_id: plivoConfig.auth_id } }
        : { status: 401, body: 'Could not verify your access level for that URL.' },
    );
    expect(await provider().verifyCredentials()).toEqual({ verified: true });
    const refused = await provider({ ...plivoConfig, auth_token: 'made-up-token-value' })
      .verifyCredentials()
      .catch((error: unknown) => error);
    expect(CarrierApiError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ statusCode: 401, operation: 'verify credentials' });
  });
});

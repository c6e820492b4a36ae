/**
 * The provider against a local server that answers as Vobiz's REST API
 * does (paths, X-Auth-ID/X-Auth-Token, JSON bodies and the response shapes
 * of docs.vobiz.ai). Vobiz publishes no Node SDK; the provider uses undici.
 */
import {
  CarrierApiError,
  ConfigurationError,
  createRegistry,
  createWebhookRequest,
  silentLogger,
  UnsupportedFeatureError,
} from '@patchbay/core';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type VobizConfig, vobiz } from '../src/index.js';
import { statusCallback, vobizConfig, vobizForm } from './fixtures.js';

const ACCOUNT = `/api/v1/Account/${vobizConfig.auth_id}`;
let carrier: CarrierApiServer;
beforeEach(async () => {
  carrier = await startCarrierApiServer();
});
afterEach(async () => carrier.close());

const routeUrl = (path: string) => `https://voice.example.com/telephony/vobiz/cfg-1/${path}`;
const spec = (settings = {}) =>
  vobiz({ baseUrl: `${carrier.url}/api`, timeoutMs: 5000, ...settings });
const provider = (config: VobizConfig = vobizConfig, settings = {}) =>
  spec(settings).create(config, { logger: silentLogger, routeUrl });
const json = (request: { parsedBody: unknown }) => request.parsedBody as Record<string, unknown>;

const placeRequest = {
  to: '+919876543210',
  from: '+918069000000',
  answerUrl: 'https://voice.example.com/telephony/vobiz/answer/c1',
  statusCallbackUrl: 'https://voice.example.com/telephony/vobiz/status/c1',
  mediaStreamUrl: 'wss://voice.example.com/telephony/vobiz/media/c1/token',
};

describe('outbound calls', () => {
  it('fires the call as JSON with digits, the callback URLs and the auth headers', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, {
      status: 201,
      json: {
        api_id: '5a9fcfee-3d4c-11ef-bef9-0242ac110005',
        request_uuid: '5a9fd4a0-3d4c-11ef-bef9-0242ac110005',
        message: 'Call fired',
      },
    });
    const placed = await provider().placeCall({ ...placeRequest, ringTimeoutSeconds: 25 });
    expect(placed).toEqual({
      callId: '5a9fd4a0-3d4c-11ef-bef9-0242ac110005',
      status: 'queued',
      from: '+918069000000',
      to: '+919876543210',
      metadata: { requestUuid: '5a9fd4a0-3d4c-11ef-bef9-0242ac110005' },
      warnings: [],
    });
    const [request] = carrier.requestsTo('POST', `${ACCOUNT}/Call/`);
    expect(request!.headers['x-auth-id']).toBe(vobizConfig.auth_id);
    expect(request!.headers['x-auth-token']).toBe(vobizConfig.auth_token);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(json(request!)).toEqual({
      from: '918069000000',
      to: '919876543210',
      answer_url: placeRequest.answerUrl,
      answer_method: 'POST',
      hangup_url: placeRequest.statusCallbackUrl,
      hangup_method: 'POST',
      ring_url: placeRequest.statusCallbackUrl,
      ring_method: 'POST',
      ring_timeout: 25,
    });
  });

  it('asks for machine detection, and warns that it cannot wait for the beep', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, { status: 201, json: { request_uuid: 'r2' } });
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
    const amd = provider().parseAnsweringMachineResult!(
      createWebhookRequest(
        vobizForm('https://voice.example.com/amd', {
          CallUUID: 'u1',
          Machine: 'true',
          Event: 'MachineDetection',
        }),
      ),
    );
    expect(amd).toEqual({ callId: 'u1', answeredBy: 'machine', carrierLabel: 'Machine=true' });
  });

  it('refuses a call without caller ID, and types Vobiz errors without leaking the token', async () => {
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
    expect(String((error as Error).message)).toContain('authentication failed');
    expect(JSON.stringify(error)).not.toContain(vobizConfig.auth_token);
  });

  it('types an unreachable API and a response without a call id', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, { status: 201, json: { message: 'Call fired' } });
    await expect(provider().placeCall(placeRequest)).rejects.toThrow(/no request_uuid/);
    const dead = vobiz({ baseUrl: 'http://127.0.0.1:9/api', timeoutMs: 500 }).create(vobizConfig, {
      logger: silentLogger,
    });
    await expect(dead.placeCall(placeRequest)).rejects.toThrow(/no response/);
  });

  it('hangs up with DELETE, and counts a call already gone as hung up', async () => {
    carrier.route('DELETE', `${ACCOUNT}/Call/:uuid/`, (r) =>
      r.params['uuid'] === 'gone' ? { status: 404, json: { error: 'not found' } } : { status: 204 },
    );
    await provider().hangUp('u1');
    await provider().hangUp('gone');
    expect(carrier.requestsTo('DELETE', `${ACCOUNT}/Call/u1/`)).toHaveLength(1);
    carrier.route('DELETE', `${ACCOUNT}/Call/:uuid/`, { status: 500, json: { error: 'boom' } });
    await expect(provider().hangUp('u1')).rejects.toSatisfy(CarrierApiError.isInstance);
  });
});

describe('call state and cost', () => {
  it('reads a live call, in either shape Vobiz documents', async () => {
    carrier.route('GET', `${ACCOUNT}/Call/:uuid/`, (r) =>
      r.query.get('status') !== 'live'
        ? { status: 500 }
        : r.params['uuid'] === 'flat'
          ? {
              json: {
                call_status: 'in-progress',
                call_uuid: 'flat',
                direction: 'outbound',
                from: '918069000000',
                to: '919876543210',
              },
            }
          : {
              json: {
                calls: [
                  { call_state: 'ACTIVE', call_direction: 'inbound', from_number: '+919876543210' },
                ],
              },
            },
    );
    expect(await provider().getCall('flat')).toEqual({
      callId: 'flat',
      status: 'in-progress',
      carrierStatus: 'in-progress',
      from: '+918069000000',
      to: '+919876543210',
      direction: 'outbound',
    });
    expect(await provider().getCall('wrapped')).toMatchObject({
      status: 'in-progress',
      carrierStatus: 'ACTIVE',
      direction: 'inbound',
    });
  });

  it('falls back to the call record once the call is over, and maps how it ended', async () => {
    const records: Record<string, Record<string, unknown>> = {
      answered: {
        answer_time: '2026-12-01 10:00:03',
        hangup_cause_name: 'NORMAL_CLEARING',
        call_duration: 42,
      },
      busy: { answer_time: null, hangup_cause_name: 'USER_BUSY', call_duration: 0 },
      unanswered: { answer_time: null, hangup_cause_name: 'NO_ANSWER' },
      canceled: { hangup_cause_name: 'ORIGINATOR_CANCEL' },
      rejected: { hangup_cause_name: 'CALL_REJECTED' },
    };
    carrier.route('GET', `${ACCOUNT}/Call/:uuid/`, (r) =>
      r.query.get('status') === 'live'
        ? { status: 404, json: { error: 'call not found' } }
        : {
            json: {
              call_uuid: r.params['uuid'],
              call_direction: 'outbound',
              ...records[r.params['uuid']!],
            },
          },
    );
    const statuses = await Promise.all(
      Object.keys(records).map(async (id) => (await provider().getCall(id)).status),
    );
    expect(statuses).toEqual(['completed', 'busy', 'no-answer', 'canceled', 'failed']);
    expect(await provider().getCall('answered')).toMatchObject({
      durationSeconds: 42,
      direction: 'outbound',
    });
  });

  it('reads the cost from total_cost and billed_duration', async () => {
    carrier.route('GET', `${ACCOUNT}/Call/:uuid/`, {
      json: { total_cost: '0.04', call_rate: '0.02', billed_duration: 120, bill_duration: 97 },
    });
    expect(await provider().getCallCost('u1')).toEqual({
      callId: 'u1',
      amount: 0.04,
      currency: 'USD',
      durationSeconds: 120,
    });
  });

  it('proves credentials by listing live calls, and reports a wrong token as 401', async () => {
    carrier.route('GET', `${ACCOUNT}/Call/`, (r) =>
      r.headers['x-auth-token'] === vobizConfig.auth_token && r.query.get('status') === 'live'
        ? { json: { api_id: 'a', calls: [] } }
        : { status: 401, json: { error: 'invalid credentials' } },
    );
    expect(await provider().verifyCredentials!()).toEqual({ verified: true });
    await expect(
      provider({ ...vobizConfig, auth_token: 'wrong-token-1' }).verifyCredentials!(),
    ).rejects.toMatchObject({ statusCode: 401 });
  });
});

describe('numbers and inbound routing', () => {
  const inventory = Array.from({ length: 150 }, (_, i) => ({
    e164: `+9180690${String(i).padStart(5, '0')}`,
  }));
  const serveInventory = () =>
    carrier.route('GET', `${ACCOUNT}/numbers`, (r) => {
      const page = Number(r.query.get('page'));
      const perPage = Number(r.query.get('per_page'));
      const search = r.query.get('search');
      const matching = search ? inventory.filter((n) => n.e164 === search) : inventory;
      return {
        json: {
          items: matching.slice((page - 1) * perPage, page * perPage),
          total: matching.length,
          page,
          per_page: perPage,
        },
      };
    });

  it('lists every page of numbers, and checks one is the account’s', async () => {
    serveInventory();
    const numbers = await provider().listPhoneNumbers!();
    expect(numbers).toHaveLength(150);
    expect(numbers[149]).toEqual({ address: '+918069000149', carrierId: '+918069000149' });
    expect(carrier.requestsTo('GET', `${ACCOUNT}/numbers`)).toHaveLength(2);
    expect(await provider().validatePhoneNumber!('+918069000007')).toEqual({ ok: true });
    expect(await provider().validatePhoneNumber!('+918069999999')).toMatchObject({ ok: false });
    expect(await provider().validatePhoneNumber!('sip:agent@example.com')).toMatchObject({
      ok: true,
    });
  });

  it('points the application at the host and attaches the number; detaches it again', async () => {
    carrier.route('POST', `${ACCOUNT}/Application/:app/`, { json: { message: 'changed' } });
    carrier.route('POST', `${ACCOUNT}/numbers/:number/application`, {
      json: { message: 'attached' },
    });
    carrier.route('DELETE', `${ACCOUNT}/numbers/:number/application`, { status: 204 });
    const result = await provider().bindInbound!('+918069000000', {
      webhookUrl: 'https://voice.example.com/telephony/inbound',
      statusCallbackUrl: 'https://voice.example.com/telephony/vobiz/status',
    });
    expect(result).toEqual({ ok: true });
    const [app] = carrier.requestsTo(
      'POST',
      `${ACCOUNT}/Application/${vobizConfig.application_id}/`,
    );
    expect(json(app!)).toEqual({
      answer_url: 'https://voice.example.com/telephony/inbound',
      answer_method: 'POST',
      hangup_url: 'https://voice.example.com/telephony/vobiz/status',
      hangup_method: 'POST',
    });
    const [attach] = carrier.requests.filter((r) => r.path.endsWith('/application'));
    expect(attach!.path).toBe(`${ACCOUNT}/numbers/%2B918069000000/application`);
    expect(json(attach!)).toEqual({ application_id: vobizConfig.application_id });
    expect(await provider().bindInbound!('+918069000000', null)).toEqual({ ok: true });
    expect(
      carrier.requestsTo('DELETE', `${ACCOUNT}/numbers/%2B918069000000/application`),
    ).toHaveLength(1);
  });

  it('explains a number Vobiz does not know, and refuses provisioning', async () => {
    carrier.route('POST', `${ACCOUNT}/Application/:app/`, { json: {} });
    carrier.route('POST', `${ACCOUNT}/numbers/:number/application`, {
      status: 404,
      json: { error: 'not found' },
    });
    expect(
      await provider().bindInbound!('+918069000000', {
        webhookUrl: 'https://voice.example.com/in',
      }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('does not know +918069000000') });
    await expect(provider().provisionPhoneNumber!('+91')).rejects.toSatisfy(
      UnsupportedFeatureError.isInstance,
    );
  });
});

describe('the application a save creates', () => {
  const hookContext = {
    logger: silentLogger,
    inboundWebhookUrl: 'https://voice.example.com/telephony/inbound',
  };

  it('creates one when none is given, and deletes only the one it created', async () => {
    carrier.route('POST', `${ACCOUNT}/Application/`, {
      status: 201,
      json: { api_id: 'a', app_id: '98765432109876543', message: 'created' },
    });
    carrier.route('DELETE', `${ACCOUNT}/Application/:app/`, { status: 204 });
    const registry = createRegistry([spec()]);
    const { application_id: _none, ...withoutApp } = vobizConfig;
    const saved = (await spec().hooks!.beforeSave!(
      withoutApp,
      undefined,
      hookContext,
    )) as VobizConfig;
    expect(saved).toMatchObject({
      application_id: '98765432109876543',
      managed_application_id: '98765432109876543',
    });
    const [create] = carrier.requestsTo('POST', `${ACCOUNT}/Application/`);
    expect(json(create!)).toMatchObject({
      answer_url: hookContext.inboundWebhookUrl,
      answer_method: 'POST',
      app_name: expect.stringMatching(/^patchbay-[0-9a-f]{12}$/),
    });
    await spec().hooks!.afterDelete!(saved, hookContext);
    await spec().hooks!.afterDelete!(vobizConfig, hookContext);
    expect(carrier.requestsTo('DELETE', `${ACCOUNT}/Application/98765432109876543/`)).toHaveLength(
      1,
    );
    expect(carrier.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(registry.describe().map((d) => d.name)).toEqual(['vobiz']);
  });

  it('keeps an application the user entered, unless the account changed', async () => {
    carrier.route('POST', `${ACCOUNT.replace(vobizConfig.auth_id, 'MA_NEWACCT1')}/Application/`, {
      status: 201,
      json: { app_id: '111' },
    });
    expect(await spec().hooks!.beforeSave!(vobizConfig, vobizConfig, hookContext)).toBe(
      vobizConfig,
    );
    const moved = { ...vobizConfig, auth_id: 'MA_NEWACCT1' };
    expect(await spec().hooks!.beforeSave!(moved, vobizConfig, hookContext)).toMatchObject({
      application_id: '111',
    });
  });
});

describe('transfers', () => {
  it('dials the destination into a conference, then moves the caller with the Transfer API', async () => {
    carrier.route('POST', `${ACCOUNT}/Call/`, { status: 201, json: { request_uuid: 'leg-1' } });
    carrier.route('POST', `${ACCOUNT}/Call/:uuid/`, {
      status: 202,
      json: { message: 'call transferred', call_uuid: 'caller' },
    });
    const started = await provider().transferCall!({
      callId: 'caller',
      transferId: 't-1',
      destination: '+919999999999',
      from: '+918069000000',
      timeoutSeconds: 20,
      statusCallbackUrl: 'https://voice.example.com/telephony/vobiz/transfers/t-1',
    });
    expect(started).toEqual({
      transferId: 't-1',
      status: 'pending',
      legCallId: 'leg-1',
      metadata: { conference: 'patchbay-transfer-t-1' },
    });
    expect(json(carrier.requestsTo('POST', `${ACCOUNT}/Call/`)[0]!)).toMatchObject({
      to: '919999999999',
      answer_url: routeUrl('transfer-answer/t-1'),
      ring_timeout: 20,
    });
    await provider().connectTransfer!({ callId: 'caller', transferId: 't-1' });
    expect(json(carrier.requestsTo('POST', `${ACCOUNT}/Call/caller/`)[0]!)).toEqual({
      legs: 'aleg',
      aleg_url: `${routeUrl('transfer-answer/t-1')}?leg=aleg`,
      aleg_method: 'POST',
    });
  });

  it('serves the conference, reports the answer, and maps the leg’s end', async () => {
    const route = spec().routes![0]!;
    const reports: unknown[] = [];
    const context = {
      params: { transferId: 't-1' },
      report: async (event: unknown) => {
        reports.push(event);
      },
    };
    const answer = await route.handle(
      createWebhookRequest(vobizForm(routeUrl('transfer-answer/t-1'), { CallUUID: 'leg-1' })),
      context as never,
    );
    expect(String(answer.body)).toContain(
      '<Conference endConferenceOnExit="true" beep="false">patchbay-transfer-t-1</Conference>',
    );
    expect(reports).toEqual([
      {
        type: 'transfer',
        result: { transferId: 't-1', status: 'answered', legCallId: 'leg-1', metadata: {} },
      },
    ]);
    const busy = provider().parseTransferCallback!(
      createWebhookRequest(statusCallback({ HangupCause: 'USER_BUSY', CallUUID: 'leg-1' })),
      't-1',
    );
    expect(busy.status).toBe('busy');
  });
});

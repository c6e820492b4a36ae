/** Vonage's REST APIs over undici, against a local server that answers as Vonage does. */
import {
  CarrierApiError,
  ConfigurationError,
  createWebhookRequest,
  InvalidPayloadError,
  silentLogger,
  UnsupportedFeatureError,
} from '@patchbay/core';
import {
  type CarrierApiServer,
  type RecordedRequest,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { importSPKI, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vonage } from '../src/index.js';
import { applicationKeys, vonageConfig } from './fixtures.js';

let carrier: CarrierApiServer;
beforeEach(async () => {
  carrier = await startCarrierApiServer();
});
afterEach(async () => carrier.close());

const provider = () =>
  vonage({ apiBaseUrl: carrier.url, restBaseUrl: carrier.url }).create(vonageConfig, {
    logger: silentLogger,
  });
const placeRequest = {
  to: '+15551230002',
  from: '+15551230001',
  answerUrl: 'https://voice.example.com/telephony/vonage/answer/c1',
  statusCallbackUrl: 'https://voice.example.com/telephony/vonage/events/c1',
  mediaStreamUrl: 'wss://voice.example.com/telephony/vonage/media/c1/token',
};

async function bearerClaims(request: RecordedRequest) {
  const token = request.headers['authorization']!.replace('Bearer ', '');
  return (await jwtVerify(token, await importSPKI(applicationKeys.publicKey, 'RS256'))).payload;
}

describe('voice calls', () => {
  it('creates a call with digits, POST answer and event URLs, and a verifiable application JWT', async () => {
    carrier.route('POST', '/v1/calls', {
      status: 201,
      json: {
        uuid: 'call-1',
        status: 'started',
        direction: 'outbound',
        conversation_uuid: 'CON-1',
      },
    });
    const placed = await provider().placeCall({
      ...placeRequest,
      ringTimeoutSeconds: 30,
      answeringMachineDetection: { mode: 'detect-beep', callbackUrl: 'https://h/amd' },
    });
    expect(placed).toMatchObject({
      callId: 'call-1',
      status: 'initiated',
      metadata: { conversationUuid: 'CON-1' },
    });
    const [request] = carrier.requests;
    expect(request!.parsedBody).toEqual({
      to: [{ type: 'phone', number: '15551230002' }],
      from: { type: 'phone', number: '15551230001' },
      answer_url: [placeRequest.answerUrl],
      answer_method: 'POST',
      event_url: [placeRequest.statusCallbackUrl],
      event_method: 'POST',
      ringing_timer: 30,
      advanced_machine_detection: { behavior: 'continue', mode: 'detect_beep' },
    });
    expect((await bearerClaims(request!))['application_id']).toBe(vonageConfig.application_id);
  });

  it('hangs up with PUT action=hangup; a call already gone is fine, an error is typed', async () => {
    carrier.route('PUT', '/v1/calls/:uuid', (r) =>
      r.params['uuid'] === 'gone'
        ? { status: 404, json: { title: 'Not found' } }
        : r.params['uuid'] === 'bad'
          ? { status: 500, json: { title: 'Internal' } }
          : { status: 204 },
    );
    await provider().hangUp('call-1');
    await provider().hangUp('gone');
    expect(carrier.requests[0]!.parsedBody).toEqual({ action: 'hangup' });
    const error = await provider()
      .hangUp('bad')
      .catch((e: unknown) => e);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 500, isRetryable: true });
  });

  it('looks a call up and reads its price', async () => {
    carrier.route('GET', '/v1/calls/:uuid', (r) => ({
      json: {
        uuid: r.params['uuid'],
        status: 'completed',
        direction: 'outbound',
        from: { type: 'phone', number: '15551230001' },
        to: { type: 'phone', number: '15551230002' },
        duration: '42',
        price: '0.0167',
        start_time: '2026-11-21T10:00:00.000Z',
        end_time: '2026-11-21T10:00:42.000Z',
      },
    }));
    expect(await provider().getCall('call-1')).toEqual({
      callId: 'call-1',
      status: 'completed',
      carrierStatus: 'completed',
      from: '+15551230001',
      to: '+15551230002',
      direction: 'outbound',
      startedAt: '2026-11-21T10:00:00.000Z',
      endedAt: '2026-11-21T10:00:42.000Z',
      durationSeconds: 42,
    });
    expect(await provider().getCallCost('call-1')).toEqual({
      callId: 'call-1',
      amount: 0.0167,
      currency: 'USD',
      durationSeconds: 42,
    });
  });

  it('names the field when a response does not have the shape Vonage documents', async () => {
    carrier.route('POST', '/v1/calls', {
      status: 201,
      json: { status: 'started', direction: 'outbound', conversation_uuid: 'CON-1' },
    });
    const missing = await provider()
      .placeCall(placeRequest)
      .catch((error: unknown) => error);
    expect(CarrierApiError.isInstance(missing)).toBe(true);
    expect(String(missing)).toMatch(/vonage place call failed: .*uuid/);
    expect(InvalidPayloadError.isInstance((missing as Error).cause)).toBe(true);

    carrier.route('GET', '/v1/calls/:uuid', {
      json: { uuid: 'call-2', status: 'completed', duration: 'long', start_time: 'not a time' },
    });
    await expect(provider().getCall('call-2')).rejects.toThrow(/duration: expected a number/);
    carrier.route('GET', '/v1/calls/:uuid', {
      json: { uuid: 'call-3', status: 'completed', start_time: 'not a time', extra: { a: 1 } },
    });
    // A timestamp that does not parse is passed on as sent, not thrown as a RangeError.
    expect(await provider().getCall('call-3')).toMatchObject({ startedAt: 'not a time' });
  });

  it('refuses a call without caller ID, and transfers with a typed error', async () => {
    const { from: _from, ...noCaller } = placeRequest;
    await expect(provider().placeCall(noCaller)).rejects.toSatisfy(ConfigurationError.isInstance);
    await expect(
      provider().transferCall({
        callId: 'c',
        destination: '+1',
        transferId: 't',
        statusCallbackUrl: 'https://h',
        timeoutSeconds: 1,
      }),
    ).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
    expect(carrier.requests).toHaveLength(0);
  });
});

describe('numbers and the application', () => {
  it('lists and validates numbers with Basic auth', async () => {
    carrier.route('GET', '/account/numbers', (r) => ({
      json:
        r.query.get('pattern') === '15551230002' || !r.query.get('pattern')
          ? { count: 1, numbers: [{ msisdn: '15551230002', country: 'US', type: 'mobile-lvn' }] }
          : { count: 0, numbers: [] },
    }));
    expect(await provider().listPhoneNumbers()).toEqual([
      { address: '+15551230002', carrierId: '15551230002' },
    ]);
    expect(await provider().validatePhoneNumber('+15551230002')).toEqual({ ok: true });
    expect((await provider().validatePhoneNumber('+15559999999')).ok).toBe(false);
    expect(
      Buffer.from(
        carrier.requests[0]!.headers['authorization']!.replace('Basic ', ''),
        'base64',
      ).toString(),
    ).toBe('vonage-api-key:vonage-api-secret');
  });

  it('reads the application, then writes it back whole with the host’s URLs and signed callbacks', async () => {
    const application = {
      id: vonageConfig.application_id,
      name: 'my voice app',
      capabilities: {
        voice: {
          webhooks: { fallback_answer_url: { address: 'https://fallback', http_method: 'GET' } },
          region: 'na-east',
        },
        messages: { webhooks: {} },
      },
      privacy: { improve_ai: false },
    };
    carrier.route('GET', '/v2/applications/:id', { json: application });
    carrier.route('PUT', '/v2/applications/:id', { json: application });
    expect(
      await provider().bindInbound('+15551230002', {
        webhookUrl: 'https://voice.example.com/telephony/inbound',
        statusCallbackUrl: 'https://voice.example.com/telephony/vonage/events',
      }),
    ).toEqual({ ok: true });
    const [, put] = carrier.requests;
    expect(put!.params['id']).toBe(vonageConfig.application_id);
    expect(put!.parsedBody).toEqual({
      name: 'my voice app',
      capabilities: {
        voice: {
          webhooks: {
            fallback_answer_url: { address: 'https://fallback', http_method: 'GET' },
            answer_url: {
              address: 'https://voice.example.com/telephony/inbound',
              http_method: 'POST',
            },
            event_url: {
              address: 'https://voice.example.com/telephony/vonage/events',
              http_method: 'POST',
            },
          },
          region: 'na-east',
          signed_callbacks: true,
        },
        messages: { webhooks: {} },
      },
      privacy: { improve_ai: false },
    });
    expect((await provider().bindInbound('+15551230002', null)).ok).toBe(true);
    expect(carrier.requests).toHaveLength(2);
  });
});

describe('answer NCCO', () => {
  it('connects to the 16 kHz websocket with the call id and parameters as headers', async () => {
    const response = await provider().answerCall({
      callId: 'call-9',
      direction: 'inbound',
      from: '+15551230001',
      to: '+15551230002',
      mediaStreamUrl: 'wss://voice.example.com/media/c9/tok',
      statusCallbackUrl: 'https://voice.example.com/telephony/vonage/events/c9',
      customParameters: { agent: 'echo' },
    });
    expect(response.headers['content-type']).toContain('application/json');
    expect(JSON.parse(response.body)).toEqual([
      {
        action: 'connect',
        eventUrl: ['https://voice.example.com/telephony/vonage/events/c9'],
        eventMethod: 'POST',
        endpoint: [
          {
            type: 'websocket',
            uri: 'wss://voice.example.com/media/c9/tok',
            'content-type': 'audio/l16;rate=16000',
            headers: { agent: 'echo', call_uuid: 'call-9' },
          },
        ],
      },
    ]);
  });

  it('refuses inbound calls with a real NCCO action', () => {
    const busy = JSON.parse(vonage().inbound.reject('concurrency-limit').body);
    expect(busy).toEqual([{ action: 'talk', text: expect.stringContaining('busy') }]);
    expect(createWebhookRequest).toBeDefined();
  });
});

describe('credentials', () => {
  it('proves both the application key (JWT) and the API key and secret', async () => {
    carrier.route('GET', '/v1/calls', {
      json: { count: 0, page_size: 1, _embedded: { calls: [] } },
    });
    carrier.route('GET', '/account/numbers', { json: { count: 0, numbers: [] } });
    expect(await provider().verifyCredentials()).toEqual({ verified: true });
    const [calls, numbers] = carrier.requests;
    expect(calls!.query.get('page_size')).toBe('1');
    expect((await bearerClaims(calls!))['application_id']).toBe(vonageConfig.application_id);
    expect(numbers!.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${vonageConfig.api_key}:${vonageConfig.api_secret}`).toString('base64')}`,
    );
  });

  it('reports either half refused as the carrier’s 401', async () => {
    carrier.route('GET', '/v1/calls', { status: 401, json: { title: 'Unauthorized' } });
    await expect(provider().verifyCredentials()).rejects.toMatchObject({ statusCode: 401 });
    carrier.route('GET', '/v1/calls', { json: { count: 0 } });
    carrier.route('GET', '/account/numbers', {
      status: 401,
      json: { 'error-code': '401', 'error-code-label': 'authentication failed' },
    });
    const refused = await provider()
      .verifyCredentials()
      .catch((error: unknown) => error);
    expect(CarrierApiError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ statusCode: 401 });
  });
});

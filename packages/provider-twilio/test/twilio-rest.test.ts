/** The official twilio SDK, pointed at a local server that answers as Twilio's REST API does. */
import {
  CarrierApiError,
  ConfigurationError,
  createWebhookRequest,
  silentLogger,
  UnsupportedFeatureError,
} from '@patchbay/core';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { twilio } from '../src/index.js';
import { statusCallback, twilioConfig } from './fixtures.js';

const ACCOUNT = `/2010-04-01/Accounts/${twilioConfig.account_sid}`;
let carrier: CarrierApiServer;
beforeEach(async () => {
  carrier = await startCarrierApiServer();
});
afterEach(async () => carrier.close());

const provider = (config = twilioConfig, settings = {}) =>
  twilio({ baseUrl: carrier.url, ...settings }).create(config, { logger: silentLogger });

const callResource = (overrides: Record<string, unknown> = {}) => ({
  sid: 'CA00000000000000000000000000000042',
  account_sid: twilioConfig.account_sid,
  status: 'queued',
  from: '+15551230001',
  to: '+15551230002',
  direction: 'outbound-api',
  start_time: 'Sat, 21 Nov 2026 10:00:00 +0000',
  end_time: null,
  duration: null,
  price: null,
  price_unit: 'USD',
  ...overrides,
});

const placeRequest = {
  to: '+15551230002',
  from: '+15551230001',
  answerUrl: 'https://voice.example.com/telephony/twilio/answer/c1',
  statusCallbackUrl: 'https://voice.example.com/telephony/twilio/status/c1',
  mediaStreamUrl: 'wss://voice.example.com/telephony/twilio/media/c1/token',
};

describe('outbound calls', () => {
  it('creates the call with the answer URL, the four status events and Basic auth', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls.json`, { status: 201, json: callResource() });
    const placed = await provider().placeCall({ ...placeRequest, ringTimeoutSeconds: 25 });
    expect(placed).toMatchObject({
      callId: 'CA00000000000000000000000000000042',
      status: 'queued',
      from: '+15551230001',
      to: '+15551230002',
    });

    const [request] = carrier.requestsTo('POST', `${ACCOUNT}/Calls.json`);
    const form = new URLSearchParams(request!.body);
    expect(form.get('To')).toBe('+15551230002');
    expect(form.get('From')).toBe('+15551230001');
    expect(form.get('Url')).toBe(placeRequest.answerUrl);
    expect(form.get('Method')).toBe('POST');
    expect(form.get('StatusCallback')).toBe(placeRequest.statusCallbackUrl);
    expect(form.getAll('StatusCallbackEvent')).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    expect(form.get('StatusCallbackMethod')).toBe('POST');
    expect(form.get('Timeout')).toBe('25');
    expect(form.has('MachineDetection')).toBe(false);
    // Nothing of the host's own leaks into Twilio's request (the original sent workflow ids).
    expect([...new Set(form.keys())].sort()).toEqual([
      'From',
      'Method',
      'StatusCallback',
      'StatusCallbackEvent',
      'StatusCallbackMethod',
      'Timeout',
      'To',
      'Url',
    ]);
    const credentials = Buffer.from(
      request!.headers['authorization']!.replace('Basic ', ''),
      'base64',
    ).toString();
    expect(credentials).toBe(`${twilioConfig.account_sid}:${twilioConfig.auth_token}`);
    expect(request!.headers['user-agent']).toContain('patchbay-provider-twilio/');
  });

  it('asks for asynchronous answering-machine detection when enabled', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls.json`, { status: 201, json: callResource() });
    await provider({ ...twilioConfig, amd_enabled: true }).placeCall(placeRequest);
    await provider().placeCall({
      ...placeRequest,
      answeringMachineDetection: {
        mode: 'detect-beep',
        callbackUrl: 'https://voice.example.com/amd',
      },
    });
    const [enabled, beep] = carrier
      .requestsTo('POST', `${ACCOUNT}/Calls.json`)
      .map((r) => new URLSearchParams(r.body));
    expect(enabled!.get('MachineDetection')).toBe('Enable');
    expect(enabled!.get('AsyncAmd')).toBe('true');
    expect(enabled!.get('AsyncAmdStatusCallback')).toBe(placeRequest.statusCallbackUrl);
    expect(beep!.get('MachineDetection')).toBe('DetectMessageEnd');
    expect(beep!.get('AsyncAmdStatusCallback')).toBe('https://voice.example.com/amd');
  });

  it('refuses a call without caller ID before calling Twilio', async () => {
    const { from: _from, ...noCaller } = placeRequest;
    await expect(provider().placeCall(noCaller)).rejects.toSatisfy(ConfigurationError.isInstance);
    expect(carrier.requests).toHaveLength(0);
  });

  it('turns Twilio errors into typed errors with Twilio’s code', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls.json`, {
      status: 400,
      json: {
        code: 21211,
        message: "The 'To' number +1555 is not a valid phone number.",
        status: 400,
      },
    });
    const error = await provider()
      .placeCall(placeRequest)
      .catch((e: unknown) => e);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      statusCode: 400,
      carrierCode: '21211',
      isRetryable: false,
      code: 'carrier_api_error',
    });
    carrier.route('GET', `${ACCOUNT}/Calls/:sid.json`, {
      status: 401,
      json: { code: 20003, message: 'Authenticate', status: 401 },
    });
    const auth = await provider()
      .getCall('CA1')
      .catch((e: unknown) => e);
    expect(auth).toMatchObject({ code: 'carrier_auth_failed', statusCode: 401 });
    expect(String((auth as Error).message)).not.toContain(twilioConfig.auth_token);
  });

  it('looks a call up, normalized', async () => {
    carrier.route('GET', `${ACCOUNT}/Calls/:sid.json`, (r) => ({
      json: callResource({
        sid: r.params['sid'],
        status: 'completed',
        duration: '42',
        end_time: 'Sat, 21 Nov 2026 10:00:42 +0000',
      }),
    }));
    expect(await provider().getCall('CA00000000000000000000000000000042')).toEqual({
      callId: 'CA00000000000000000000000000000042',
      status: 'completed',
      carrierStatus: 'completed',
      from: '+15551230001',
      to: '+15551230002',
      direction: 'outbound',
      startedAt: '2026-11-21T10:00:00.000Z',
      endedAt: '2026-11-21T10:00:42.000Z',
      durationSeconds: 42,
    });
  });

  it('hangs up with Status=completed, and counts a call already gone as hung up', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls/CA1.json`, {
      json: callResource({ sid: 'CA1', status: 'completed' }),
    });
    carrier.route('POST', `${ACCOUNT}/Calls/CA404.json`, {
      status: 404,
      json: { code: 20404, message: 'not found', status: 404 },
    });
    await provider().hangUp('CA1');
    await provider().hangUp('CA404');
    expect(
      new URLSearchParams(carrier.requestsTo('POST', `${ACCOUNT}/Calls/CA1.json`)[0]!.body).get(
        'Status',
      ),
    ).toBe('completed');
  });

  it('reports cost as a positive amount, and says when Twilio has not priced the call yet', async () => {
    carrier.route('GET', `${ACCOUNT}/Calls/CA1.json`, {
      json: callResource({ sid: 'CA1', status: 'completed', price: '-0.0085', duration: '42' }),
    });
    carrier.route('GET', `${ACCOUNT}/Calls/CA2.json`, {
      json: callResource({ sid: 'CA2', status: 'in-progress', price: null, duration: null }),
    });
    expect(await provider().getCallCost('CA1')).toEqual({
      callId: 'CA1',
      amount: 0.0085,
      currency: 'USD',
      durationSeconds: 42,
    });
    await expect(provider().getCallCost('CA2')).rejects.toMatchObject({ isRetryable: true });
  });
});

describe('phone numbers', () => {
  const numbers = {
    incoming_phone_numbers: [
      {
        sid: 'PN1',
        phone_number: '+15551230002',
        capabilities: { voice: true, sms: true, mms: false, fax: false },
      },
    ],
    next_page_uri: null,
  };

  it('lists, validates by exact number and skips SIP addresses', async () => {
    carrier.route('GET', `${ACCOUNT}/IncomingPhoneNumbers.json`, (r) => ({
      json:
        r.query.get('PhoneNumber') && r.query.get('PhoneNumber') !== '+15551230002'
          ? { incoming_phone_numbers: [], next_page_uri: null }
          : numbers,
    }));
    expect(await provider().listPhoneNumbers()).toEqual([
      { address: '+15551230002', carrierId: 'PN1', capabilities: ['voice', 'sms'] },
    ]);
    expect(await provider().validatePhoneNumber('+15551230002')).toEqual({ ok: true });
    expect((await provider().validatePhoneNumber('+15559999999')).ok).toBe(false);
    expect((await provider().validatePhoneNumber('sip:alice@example.com')).ok).toBe(true);
    expect(
      carrier.requests
        .filter((r) => r.query.get('PhoneNumber'))
        .map((r) => r.query.get('PhoneNumber')),
    ).toEqual(['+15551230002', '+15559999999']);
  });

  it('points a number’s voice and status webhooks at the host, and detaches it', async () => {
    carrier.route('GET', `${ACCOUNT}/IncomingPhoneNumbers.json`, { json: numbers });
    carrier.route('POST', `${ACCOUNT}/IncomingPhoneNumbers/PN1.json`, {
      json: numbers.incoming_phone_numbers[0],
    });
    expect(
      await provider().bindInbound('+15551230002', {
        webhookUrl: 'https://voice.example.com/telephony/inbound',
        statusCallbackUrl: 'https://voice.example.com/telephony/twilio/status',
      }),
    ).toEqual({ ok: true });
    expect(await provider().bindInbound('+15551230002', null)).toEqual({ ok: true });
    const [bind, detach] = carrier
      .requestsTo('POST', `${ACCOUNT}/IncomingPhoneNumbers/PN1.json`)
      .map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(bind).toEqual({
      VoiceUrl: 'https://voice.example.com/telephony/inbound',
      VoiceMethod: 'POST',
      StatusCallback: 'https://voice.example.com/telephony/twilio/status',
      StatusCallbackMethod: 'POST',
    });
    expect(detach).toEqual({ VoiceUrl: '', StatusCallback: '' });
  });

  it('counts detaching a number the account no longer has as done', async () => {
    carrier.route('GET', `${ACCOUNT}/IncomingPhoneNumbers.json`, {
      json: { incoming_phone_numbers: [], next_page_uri: null },
    });
    expect((await provider().bindInbound('+15550000000', null)).ok).toBe(true);
    expect((await provider().bindInbound('+15550000000', { webhookUrl: 'https://h/in' })).ok).toBe(
      false,
    );
  });

  it('does not provision numbers', async () => {
    await expect(provider().provisionPhoneNumber('+15550000000')).rejects.toSatisfy(
      UnsupportedFeatureError.isInstance,
    );
  });
});

describe('conference transfers', () => {
  it('dials the destination into a conference named after the transfer, then joins the caller', async () => {
    carrier.route('POST', `${ACCOUNT}/Calls.json`, {
      status: 201,
      json: callResource({ sid: 'CA-LEG' }),
    });
    carrier.route('POST', `${ACCOUNT}/Calls/CA-CALLER.json`, {
      json: callResource({ sid: 'CA-CALLER', status: 'in-progress' }),
    });
    const spec = provider(twilioConfig, { transferAnnouncement: 'Connecting you & your caller' });
    const started = await spec.transferCall({
      callId: 'CA-CALLER',
      destination: '+15557770000',
      from: '+15551230001',
      transferId: 't-1',
      statusCallbackUrl: 'https://voice.example.com/telephony/twilio/transfer/t-1',
      timeoutSeconds: 20,
    });
    expect(started).toEqual({
      transferId: 't-1',
      status: 'pending',
      legCallId: 'CA-LEG',
      metadata: { conference: 'patchbay-transfer-t-1' },
    });
    const dial = new URLSearchParams(carrier.requestsTo('POST', `${ACCOUNT}/Calls.json`)[0]!.body);
    expect(dial.get('Timeout')).toBe('20');
    expect(dial.get('Twiml')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Connecting you &amp; your caller</Say><Dial><Conference endConferenceOnExit="true" beep="false">patchbay-transfer-t-1</Conference></Dial></Response>',
    );
    expect(dial.getAll('StatusCallbackEvent')).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);

    await spec.connectTransfer({ callId: 'CA-CALLER', transferId: 't-1' });
    const join = new URLSearchParams(
      carrier.requestsTo('POST', `${ACCOUNT}/Calls/CA-CALLER.json`)[0]!.body,
    );
    expect(join.get('Twiml')).toContain(
      '<Conference endConferenceOnExit="true" beep="false">patchbay-transfer-t-1</Conference>',
    );
  });

  it('reads the destination leg’s progress', () => {
    const leg = (status: string) =>
      provider().parseTransferCallback(createWebhookRequest(statusCallback(status)), 't-1').status;
    expect(
      [
        'queued',
        'ringing',
        'in-progress',
        'completed',
        'busy',
        'no-answer',
        'failed',
        'canceled',
      ].map(leg),
    ).toEqual([
      'pending',
      'pending',
      'answered',
      'completed',
      'busy',
      'no-answer',
      'failed',
      'failed',
    ]);
  });
});

describe('credentials', () => {
  it('proves the Account SID and Auth Token on the account resource, and reports a refusal', async () => {
    const expected = `Basic ${Buffer.from(`${twilioConfig.account_sid}:${twilioConfig.auth_token}`).toString('base64')}`;
    carrier.route('GET', `${ACCOUNT}.json`, (request) =>
      request.headers['authorization'] === expected
        ? { json: { sid: twilioConfig.account_sid, status: 'active' } }
        : { status: 401, json: { code: 20003, message: 'Authenticate', status: 401 } },
    );
    expect(await provider().verifyCredentials()).toEqual({ verified: true });
    const refused = await provider({ ...twilioConfig, auth_token: 'made-up' })
      .verifyCredentials()
      .catch((error: unknown) => error);
    expect(CarrierApiError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ statusCode: 401, operation: 'verify credentials' });
    expect(carrier.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(2).fill(`GET ${ACCOUNT}.json`),
    );
  });
});

/** The official telnyx SDK (its baseURL pointed at a local server that answers as Call Control v2 does). */
import {
  CarrierApiError,
  ConfigurationError,
  createRegistry,
  createWebhookRequest,
  silentLogger,
} from '@patchbay/core';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeClientState,
  type TelnyxConfig,
  TelnyxMediaSerializer,
  telnyx,
} from '../src/index.js';
import { callEvent, telnyxConfig } from './fixtures.js';

let carrier: CarrierApiServer;
beforeEach(async () => {
  carrier = await startCarrierApiServer();
});
afterEach(async () => carrier.close());

const spec = () => telnyx({ baseUrl: `${carrier.url}/v2`, maxRetries: 0 });
const provider = (config: TelnyxConfig = telnyxConfig) =>
  spec().create(config, { logger: silentLogger });
const body = (index = 0) => carrier.requests[index]!.parsedBody as Record<string, unknown>;
const placeRequest = {
  to: '+15551230002',
  from: '+15551230001',
  answerUrl: 'https://voice.example.com/unused',
  statusCallbackUrl: 'https://voice.example.com/telephony/telnyx/events/c1',
  mediaStreamUrl: 'wss://voice.example.com/telephony/telnyx/media/c1/token',
};

describe('call control', () => {
  it('dials with the stream, the per-call webhook and the custom parameters in client_state', async () => {
    carrier.route('POST', '/v2/calls', {
      json: {
        data: {
          call_control_id: 'v3:out-1',
          call_leg_id: 'leg-1',
          call_session_id: 'sess-1',
          record_type: 'call',
        },
      },
    });
    const placed = await provider().placeCall({
      ...placeRequest,
      ringTimeoutSeconds: 25,
      customParameters: { agent: 'echo' },
      answeringMachineDetection: { mode: 'detect', callbackUrl: 'https://h/amd' },
    });
    expect(placed).toMatchObject({
      callId: 'v3:out-1',
      status: 'initiated',
      metadata: { callLegId: 'leg-1', callSessionId: 'sess-1' },
    });
    const { client_state: clientState, ...rest } = body();
    expect(rest).toEqual({
      connection_id: '1234567890',
      to: '+15551230002',
      from: '+15551230001',
      stream_url: placeRequest.mediaStreamUrl,
      stream_track: 'inbound_track',
      stream_bidirectional_mode: 'rtp',
      stream_bidirectional_codec: 'PCMU',
      webhook_url: placeRequest.statusCallbackUrl,
      webhook_url_method: 'POST',
      timeout_secs: 25,
      answering_machine_detection: 'detect',
    });
    expect(decodeClientState(clientState as string)).toEqual({ agent: 'echo' });
    expect(carrier.requests[0]!.headers['authorization']).toBe(`Bearer ${telnyxConfig.api_key}`);
  });

  it('answers an inbound call with streaming, and does nothing for an outbound one', async () => {
    carrier.route('POST', '/v2/calls/:id/actions/answer', { json: { data: { result: 'ok' } } });
    const answer = {
      callId: 'v3:in-1',
      from: '+1',
      to: '+2',
      mediaStreamUrl: 'wss://h/m',
      statusCallbackUrl: 'https://h/s',
      customParameters: {},
    };
    expect(
      JSON.parse((await provider().answerCall({ ...answer, direction: 'inbound' })).body),
    ).toEqual({ status: 'ok' });
    expect(carrier.requests[0]!.path).toBe('/v2/calls/v3:in-1/actions/answer');
    expect(body()).toMatchObject({
      stream_url: 'wss://h/m',
      stream_bidirectional_codec: 'PCMU',
      webhook_url: 'https://h/s',
    });
    await provider().answerCall({ ...answer, direction: 'outbound' });
    expect(carrier.requests).toHaveLength(1);
  });

  it('hangs up; a call that already ended (90018) or is gone counts as done', async () => {
    carrier.route('POST', '/v2/calls/:id/actions/hangup', (r) => {
      const id = decodeURIComponent(r.params['id']!);
      if (id === 'ended')
        return {
          status: 422,
          json: { errors: [{ code: '90018', title: 'Call has already ended' }] },
        };
      if (id === 'invalid')
        return {
          status: 422,
          json: { errors: [{ code: '90015', title: 'Invalid call control id' }] },
        };
      if (id === 'broken')
        return { status: 500, json: { errors: [{ code: '10000', title: 'Internal' }] } };
      return { json: { data: { result: 'ok' } } };
    });
    await provider().hangUp('v3:live');
    await provider().hangUp('ended');
    await expect(provider().hangUp('invalid')).rejects.toMatchObject({
      statusCode: 422,
      carrierCode: '90015',
    });
    await expect(provider().hangUp('broken')).rejects.toSatisfy(
      (e: unknown) => CarrierApiError.isInstance(e) && e.isRetryable,
    );
  });

  it('reads whether a call is alive, and refuses cost', async () => {
    carrier.route('GET', '/v2/calls/:id', (r) => ({
      json: {
        data: {
          call_control_id: decodeURIComponent(r.params['id']!),
          is_alive: r.params['id'] === 'live',
          call_duration: 12,
        },
      },
    }));
    expect(await provider().getCall('live')).toMatchObject({
      status: 'in-progress',
      durationSeconds: 12,
    });
    expect(await provider().getCall('gone')).toMatchObject({ status: 'completed' });
    await expect(provider().getCallCost('live')).rejects.toThrow(/call-cost/);
  });

  it('needs a caller ID and an application', async () => {
    const { from: _from, ...noCaller } = placeRequest;
    await expect(provider().placeCall(noCaller)).rejects.toSatisfy(ConfigurationError.isInstance);
    const { connection_id: _c, ...noApp } = telnyxConfig;
    await expect(provider(noApp as TelnyxConfig).placeCall(placeRequest)).rejects.toThrow(
      /connection_id/,
    );
    expect(carrier.requests).toHaveLength(0);
  });
});

describe('numbers and the application', () => {
  const numbers = {
    data: [{ id: 'pn-1', phone_number: '+15551230002', connection_id: 'other' }],
    meta: { total_pages: 1, page_number: 1 },
  };

  it('lists and validates numbers', async () => {
    carrier.route('GET', '/v2/phone_numbers', (r) => ({
      json:
        r.query.get('filter[phone_number]') === '+15559999999'
          ? { data: [], meta: { total_pages: 1 } }
          : numbers,
    }));
    expect(await provider().listPhoneNumbers()).toEqual([
      { address: '+15551230002', carrierId: 'pn-1' },
    ]);
    expect(await provider().validatePhoneNumber('+15551230002')).toEqual({ ok: true });
    expect((await provider().validatePhoneNumber('+15559999999')).ok).toBe(false);
  });

  it('points the application at the host, keeping its name, and moves the number onto it', async () => {
    carrier.route('GET', '/v2/call_control_applications/:id', {
      json: { data: { id: '1234567890', application_name: 'my app' } },
    });
    carrier.route('PATCH', '/v2/call_control_applications/:id', {
      json: { data: { id: '1234567890' } },
    });
    carrier.route('GET', '/v2/phone_numbers', { json: numbers });
    carrier.route('PATCH', '/v2/phone_numbers/:id', { json: { data: { id: 'pn-1' } } });
    expect(
      await provider().bindInbound('+15551230002', {
        webhookUrl: 'https://voice.example.com/telephony/inbound',
      }),
    ).toEqual({ ok: true });
    expect(carrier.requestsTo('PATCH', '/v2/call_control_applications/:id')[0]!.parsedBody).toEqual(
      {
        application_name: 'my app',
        webhook_event_url: 'https://voice.example.com/telephony/inbound',
      },
    );
    expect(carrier.requestsTo('PATCH', '/v2/phone_numbers/:id')[0]!.parsedBody).toEqual({
      connection_id: '1234567890',
    });
    expect((await provider().bindInbound('+15551230002', null)).ok).toBe(true);
  });

  it('creates an application on save when none is given, and deletes it with the configuration', async () => {
    carrier.route('POST', '/v2/call_control_applications', {
      status: 201,
      json: { data: { id: 5550001, application_name: 'x' } },
    });
    carrier.route('DELETE', '/v2/call_control_applications/:id', {
      json: { data: { id: '5550001' } },
    });
    // A save proves the API key first.
    carrier.route('GET', '/v2/balance', { json: { data: { balance: '1.00', currency: 'USD' } } });
    const registry = createRegistry([spec()]);
    const context = {
      logger: silentLogger,
      inboundWebhookUrl: 'https://voice.example.com/telephony/inbound',
    };
    const { connection_id: _c, ...withoutApp } = telnyxConfig;
    const saved = (await registry.prepareSave(withoutApp, undefined, context)) as TelnyxConfig;
    expect(saved).toMatchObject({ connection_id: '5550001', managed_connection_id: '5550001' });
    expect(carrier.requestsTo('POST', '/v2/call_control_applications')[0]!.parsedBody).toEqual({
      application_name: expect.stringMatching(/^patchbay-[0-9a-f]{12}$/),
      webhook_event_url: 'https://voice.example.com/telephony/inbound',
    });
    await spec().hooks!.afterDelete!(saved, context);
    expect(carrier.requestsTo('DELETE', '/v2/call_control_applications/:id')[0]!.params['id']).toBe(
      '5550001',
    );
    await registry.prepareSave(telnyxConfig, undefined, context);
    // An explicit connection_id creates nothing.
    expect(carrier.requestsTo('POST', '/v2/call_control_applications')).toHaveLength(1);
  });

  it('says a configuration without a public key is not ready', () => {
    const registry = createRegistry([spec()]);
    const { webhook_public_key: _k, ...noKey } = telnyxConfig;
    const checklist = registry.setupChecklist(noKey as TelnyxConfig, {
      activePhoneNumberCount: 1,
      inboundRoutedPhoneNumberCount: 0,
    });
    expect(checklist?.readyForOutbound).toBe(false);
    expect(checklist?.outboundBlockedReason).toContain('public key');
  });
});

describe('conference transfers', () => {
  it('dials the destination, then seeds a conference with it and joins the caller', async () => {
    carrier.route('POST', '/v2/calls', { json: { data: { call_control_id: 'v3:leg' } } });
    carrier.route('POST', '/v2/conferences', { json: { data: { id: 'conf-1' } } });
    carrier.route('POST', '/v2/conferences/:id/actions/join', { json: { data: { result: 'ok' } } });
    const started = await provider().transferCall({
      callId: 'v3:caller',
      destination: '+15557770000',
      from: '+15551230001',
      transferId: 't-1',
      statusCallbackUrl: 'https://h/transfer/t-1',
      timeoutSeconds: 20,
    });
    expect(started).toMatchObject({ legCallId: 'v3:leg', status: 'pending' });
    expect(body()).toMatchObject({
      to: '+15557770000',
      timeout_secs: 20,
      webhook_url: 'https://h/transfer/t-1',
    });
    await expect(
      provider().connectTransfer({ callId: 'v3:caller', transferId: 't-1' }),
    ).rejects.toThrow(/legCallId/);
    await provider().connectTransfer({
      callId: 'v3:caller',
      transferId: 't-1',
      legCallId: 'v3:leg',
    });
    expect(carrier.requestsTo('POST', '/v2/conferences')[0]!.parsedBody).toEqual({
      call_control_id: 'v3:leg',
      name: 'patchbay-transfer-t-1',
      start_conference_on_create: true,
    });
    expect(carrier.requestsTo('POST', '/v2/conferences/:id/actions/join')[0]!.parsedBody).toEqual({
      call_control_id: 'v3:caller',
      end_conference_on_exit: true,
    });
  });

  it('reads the destination leg’s events', () => {
    const outcome = (type: string, cause?: string) =>
      provider().parseTransferCallback(
        createWebhookRequest(callEvent(type, cause ? { hangup_cause: cause } : {})),
        't',
      ).status;
    expect([
      outcome('call.initiated'),
      outcome('call.answered'),
      outcome('call.hangup', 'normal_clearing'),
      outcome('call.hangup', 'user_busy'),
      outcome('call.hangup', 'timeout'),
      outcome('call.hangup', 'call_rejected'),
    ]).toEqual(['pending', 'answered', 'completed', 'busy', 'no-answer', 'failed']);
  });
});

describe('Telnyx media serializer', () => {
  it('decodes A-law when the start says PCMA, and sends PCMU with clear and marks', () => {
    const serializer = new TelnyxMediaSerializer();
    const seen: Int16Array[] = [];
    serializer.decode(
      JSON.stringify({
        event: 'start',
        stream_id: 's',
        start: { call_control_id: 'c', media_format: { encoding: 'PCMA' } },
      }),
      () => {},
    );
    serializer.decode(
      JSON.stringify({
        event: 'media',
        media: { track: 'inbound', payload: Buffer.alloc(160, 0xd5).toString('base64') },
      }),
      (e) => e.type === 'audio' && seen.push(e.samples.slice()),
    );
    serializer.decode(
      JSON.stringify({
        event: 'media',
        media: { track: 'outbound', payload: Buffer.alloc(160, 0xd5).toString('base64') },
      }),
      (e) => e.type === 'audio' && seen.push(e.samples.slice()),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe(8); // A-law 0xd5 is +8, mu-law would read it otherwise
    expect(JSON.parse(serializer.encodeAudio(new Int16Array(160)))).toEqual({
      event: 'media',
      media: { payload: Buffer.alloc(160, 0xff).toString('base64') },
    });
    expect(serializer.encodeClear()).toBe('{"event":"clear"}');
    expect(JSON.parse(serializer.encodeMark('m'))).toEqual({ event: 'mark', mark: { name: 'm' } });
  });
});

describe('credentials', () => {
  it('proves the API key on the balance, and reports a refusal', async () => {
    carrier.route('GET', '/v2/balance', (request) =>
      request.headers['authorization'] === `Bearer ${telnyxConfig.api_key}`
        ? {
            json: {
              data: { balance: '10.00', currency: 'USD', record_type: 'balance' },
            },
          }
        : {
            status: 401,
            json: { errors: [{ code: '10009', title: 'Authentication failed' }] },
          },
    );
    expect(await provider().verifyCredentials()).toEqual({ verified: true });
    const refused = await provider({ ...telnyxConfig, api_key: 'KEY-made-up' })
      .verifyCredentials()
      .catch((error: unknown) => error);
    expect(CarrierApiError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ statusCode: 401, operation: 'verify credentials' });
  });
});

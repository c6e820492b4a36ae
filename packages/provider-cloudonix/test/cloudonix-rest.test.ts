/** The Cloudonix REST API over undici, against a local server that answers as Cloudonix does. */
import {
  CarrierApiError,
  ConfigurationError,
  createRegistry,
  createWebhookRequest,
  silentLogger,
  WebhookSignatureError,
} from '@patchbay/core';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloudonixConfig, cloudonix } from '../src/index.js';
import { cloudonixConfig, cloudonixRequest, inboundRequest } from './fixtures.js';

let carrier: CarrierApiServer;
beforeEach(async () => {
  carrier = await startCarrierApiServer();
});
afterEach(async () => carrier.close());

const spec = () => cloudonix({ baseUrl: carrier.url, transferAnnouncement: 'Connecting' });
const provider = (config: CloudonixConfig = cloudonixConfig) =>
  spec().create(config, { logger: silentLogger });
const json = (index: number) => carrier.requests[index]!.parsedBody as Record<string, unknown>;
const placeRequest = {
  to: '+15551230002',
  from: '+15551230001',
  answerUrl: 'https://h/unused',
  statusCallbackUrl: 'https://voice.example.com/telephony/cloudonix/status/c1',
  mediaStreamUrl: 'wss://voice.example.com/media/c1/tok',
};

describe('configuration save', () => {
  it('looks the domain up, creates a voice application and makes it the default', async () => {
    carrier.route('GET', '/customers/self/domains/:domain', {
      json: { uuid: ' d0f1e2d3-c4b5-a697-8877-665544332211 ', domain: 'acme.cloudonix.net' },
    });
    carrier.route('POST', '/customers/self/domains/:domain/applications', (r) => ({
      status: 201,
      json: { id: 42, name: (r.parsedBody as { name: string }).name, uuid: 'app-uuid-1' },
    }));
    carrier.route('PUT', '/customers/self/domains/:domain', { json: {} });
    const registry = createRegistry([spec()]);
    const saved = (await registry.prepareSave(
      { provider: 'cloudonix', bearer_token: cloudonixConfig.bearer_token, domain_id: 'ACME' },
      undefined,
      { logger: silentLogger, inboundWebhookUrl: 'https://voice.example.com/telephony/inbound' },
    )) as CloudonixConfig;
    expect(saved).toMatchObject({
      domain_id: 'acme.cloudonix.net',
      domain_uuid: 'd0f1e2d3-c4b5-a697-8877-665544332211',
      application_id: 42,
      application_uuid: 'app-uuid-1',
    });
    expect(saved.application_name).toMatch(/^patchbay-[0-9a-f]{12}$/);
    // First the credential check, then the save hook's own lookup.
    expect(carrier.requests.slice(0, 2).map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(2).fill('GET /customers/self/domains/acme.cloudonix.net'),
    );
    expect(json(2)).toEqual({
      name: saved.application_name,
      type: 'cxml',
      url: 'https://voice.example.com/telephony/inbound',
      method: 'POST',
    });
    expect(json(3)).toEqual({ defaultApplication: 42 });
    expect(carrier.requests[0]!.headers['authorization']).toBe(
      `Bearer ${cloudonixConfig.bearer_token}`,
    );
    expect(registry.maskConfig(saved)).not.toHaveProperty('domain_uuid');

    // The same domain again: the credentials are proven, nothing else looked up or created.
    carrier.reset();
    carrier.route('GET', '/customers/self/domains/:domain', { json: { uuid: saved.domain_uuid } });
    await registry.prepareSave(registry.maskConfig(saved), saved, {
      logger: silentLogger,
      inboundWebhookUrl: 'https://h',
    });
    expect(carrier.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /customers/self/domains/acme.cloudonix.net',
    ]);
  });

  it('fails the save when the domain is unknown', async () => {
    carrier.route('GET', '/customers/self/domains/:domain', {
      status: 404,
      json: { message: 'Domain not found' },
    });
    const registry = createRegistry([spec()]);
    await expect(
      registry.prepareSave(
        { provider: 'cloudonix', bearer_token: cloudonixConfig.bearer_token, domain_id: 'nope' },
        undefined,
        { logger: silentLogger, inboundWebhookUrl: 'https://h' },
      ),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('calls', () => {
  it('dials with CXML, caller ID and callback, and hangs up by session', async () => {
    carrier.route('POST', '/calls/:domain/application', {
      json: { token: 'sess-out-1', domainId: 7, subscriberId: 9 },
    });
    carrier.route('DELETE', '/customers/self/domains/:domain/sessions/:token', (r) => ({
      status: r.params['token'] === 'gone' ? 404 : 204,
    }));
    const placed = await provider().placeCall({
      ...placeRequest,
      customParameters: { agent: 'echo' },
    });
    expect(placed).toMatchObject({ callId: 'sess-out-1', status: 'initiated' });
    expect(carrier.requests[0]!.params['domain']).toBe('acme.cloudonix.net');
    expect(json(0)).toEqual({
      destination: '+15551230002',
      'caller-id': '+15551230001',
      cxml: '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://voice.example.com/media/c1/tok"><Parameter name="agent" value="echo"/></Stream></Connect></Response>',
      callback: placeRequest.statusCallbackUrl,
    });
    await provider().hangUp('sess-out-1');
    await provider().hangUp('gone');
    const { from: _from, ...noCaller } = placeRequest;
    await expect(provider().placeCall(noCaller)).rejects.toSatisfy(ConfigurationError.isInstance);
  });

  it('fails a response whose fields are missing or mistyped, naming the field', async () => {
    carrier.route('POST', '/calls/:domain/application', { json: { token: 42 } });
    carrier.route('GET', '/customers/self/domains/:domain/dnids', {
      json: { source: 'not a list' },
    });
    carrier.route('GET', '/customers/self/domains/:domain/sessions/:token', {
      json: { status: 'answered', extra: { kept: true } },
    });
    const placing = provider().placeCall(placeRequest);
    await expect(placing).rejects.toSatisfy(CarrierApiError.isInstance);
    await expect(placing).rejects.toMatchObject({ httpStatus: 502 });
    await expect(placing).rejects.toThrow(/place call.*token/);
    await expect(provider().listPhoneNumbers()).rejects.toThrow(
      /list phone numbers.*expected array/,
    );
    // Fields the provider does not read pass.
    expect(await provider().getCall('sess-1')).toMatchObject({ carrierStatus: 'answered' });
  });

  it('transfers: dials the destination into a conference, then moves the caller by session token', async () => {
    carrier.route('POST', '/calls/:domain/application', { json: { token: 'sess-leg' } });
    carrier.route('POST', '/calls/:domain/sessions/:token/application', { status: 202, json: {} });
    const started = await provider().transferCall({
      callId: 'sess-caller',
      destination: 'sip:agent@pbx.example.com',
      from: '+15551230001',
      transferId: 't-1',
      statusCallbackUrl: 'https://h/transfer/t-1',
      timeoutSeconds: 20,
    });
    expect(started).toMatchObject({
      legCallId: 'sess-leg',
      metadata: { conference: 'patchbay-transfer-t-1' },
    });
    expect(String(json(0)['cxml'])).toContain(
      '<Say>Connecting</Say><Dial><Conference endConferenceOnExit="true" statusCallback="https://h/transfer/t-1" statusCallbackEvent="join" holdMusic="false">patchbay-transfer-t-1</Conference></Dial>',
    );
    await provider().connectTransfer({ callId: 'sess-caller', transferId: 't-1' });
    expect(carrier.requests[1]!.params['token']).toBe('sess-caller');
    expect(String(json(1)['cxml'])).toContain(
      '<Conference endConferenceOnExit="true" beep="false" holdMusic="false">patchbay-transfer-t-1</Conference></Dial><Hangup/>',
    );
    const outcome = (body: unknown) =>
      provider().parseTransferCallback(
        createWebhookRequest(cloudonixRequest('https://h/t', body)),
        't-1',
      ).status;
    expect([
      outcome([{ StatusCallbackEvent: 'participant-join' }]),
      outcome({ status: 'BUSY' }),
      outcome({ status: 'noanswer' }),
      outcome({ status: 'congestion' }),
      outcome({ status: 'ringing' }),
    ]).toEqual(['answered', 'busy', 'no-answer', 'failed', 'pending']);
  });
});

describe('numbers', () => {
  it('lists, validates exact and regex DNIDs, and provisions a missing one', async () => {
    carrier.route('GET', '/customers/self/domains/:domain/dnids', {
      json: [{ source: '+15551230002', dnid: '^\\+15551230002$' }],
    });
    carrier.route('GET', '/customers/self/domains/:domain/dnids/:number', (r) => {
      const number = decodeURIComponent(r.params['number']!);
      if (number === '+15551230002') return { json: { source: '15551230002' } };
      if (number === '+15551230003') return { json: { dnid: '^(\\+15551230003)$' } };
      return { status: 404, json: { message: 'not found' } };
    });
    carrier.route('GET', '/domains/:domain/dnids', { status: 404, json: {} });
    carrier.route('GET', '/domains/:domain/applications/:name', { json: { uuid: 'app-uuid-1' } });
    carrier.route('POST', '/domains/:domain/applications/:uuid/dnids', { status: 201, json: {} });
    expect(await provider().listPhoneNumbers()).toEqual([
      { address: '+15551230002', carrierId: '+15551230002' },
    ]);
    expect(await provider().validatePhoneNumber('+15551230002')).toEqual({ ok: true });
    expect(await provider().validatePhoneNumber('+15551230003')).toEqual({ ok: true });
    expect((await provider().validatePhoneNumber('+15559999999')).ok).toBe(false);
    expect(await provider().provisionPhoneNumber('+15551230004')).toEqual({ ok: true });
    expect(
      carrier.requestsTo('POST', '/domains/:domain/applications/:uuid/dnids')[0]!.parsedBody,
    ).toEqual({
      source: '+15551230004',
      prefix: false,
      expression: false,
      asteriskCompatible: false,
    });
  });

  it('points the voice application at the host', async () => {
    carrier.route('PATCH', '/customers/self/domains/:domain/applications/:name', { json: {} });
    expect(
      await provider().bindInbound('+15551230002', {
        webhookUrl: 'https://voice.example.com/telephony/inbound',
      }),
    ).toEqual({ ok: true });
    expect(carrier.requests[0]!.params['name']).toBe('patchbay-app');
    expect(json(0)).toEqual({ url: 'https://voice.example.com/telephony/inbound', method: 'POST' });
  });
});

describe('request authentication and SIP details', () => {
  it('accepts the domain’s API key and refuses another or none (the original accepted every request)', async () => {
    await expect(
      provider().verifyWebhook(createWebhookRequest(inboundRequest)),
    ).resolves.toBeUndefined();
    await expect(
      provider().verifyWebhook(
        createWebhookRequest(
          cloudonixRequest('https://h/in', {}, 'XIsomeone-else-entirely-0123456789'),
        ),
      ),
    ).rejects.toSatisfy(WebhookSignatureError.isInstance);
    await expect(
      provider().verifyWebhook(createWebhookRequest(cloudonixRequest('https://h/in', {}, ''))),
    ).rejects.toThrow(/missing/);
  });

  it('shows where to point a SIP trunk, once the domain uuid is known', () => {
    expect(provider().sipConnectivity()).toEqual({
      displayName: 'Cloudonix',
      regions: [
        {
          region: 'India',
          inboundTransports: [
            {
              transport: 'udp',
              hostname: 'd0f1e2d3-c4b5-a697-8877-665544332211.in.dimi.tel',
              port: 9060,
              uri: 'd0f1e2d3-c4b5-a697-8877-665544332211.in.dimi.tel:9060',
            },
            {
              transport: 'tcp',
              hostname: 'd0f1e2d3-c4b5-a697-8877-665544332211.in.dimi.tel',
              port: 9060,
              uri: 'd0f1e2d3-c4b5-a697-8877-665544332211.in.dimi.tel:9060;transport=tcp',
            },
            {
              transport: 'tls',
              hostname: 'd0f1e2d3-c4b5-a697-8877-665544332211.in.dimi.tel',
              port: 9443,
              uri: 'd0f1e2d3-c4b5-a697-8877-665544332211.in.dimi.tel:9443;transport=tls',
            },
          ],
          outboundOriginIp: '128.199.27.19',
        },
      ],
    });
    const { domain_uuid: _u, ...noUuid } = cloudonixConfig;
    expect(provider(noUuid as CloudonixConfig).sipConnectivity()).toBeUndefined();
  });
});

describe('credentials', () => {
  it('proves the bearer token on the domain itself, and reports a refusal', async () => {
    carrier.route('GET', '/customers/self/domains/:domain', (request) =>
      request.headers['authorization'] === `Bearer ${cloudonixConfig.bearer_token}`
        ? {
            json: {
              uuid: 'd0f1e2d3-c4b5-a697-8877-665544332211',
              domain: request.params['domain'],
            },
          }
        : { status: 401, json: { message: 'Unauthorized' } },
    );
    expect(await provider().verifyCredentials()).toEqual({ verified: true });
    expect(carrier.requests[0]!.path).toBe(
      `/customers/self/domains/${encodeURIComponent(cloudonixConfig.domain_id)}`,
    );
    const refused = await provider({ ...cloudonixConfig, bearer_token: 'XI-made-up' })
      .verifyCredentials()
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 401, operation: 'verify credentials' });
  });
});

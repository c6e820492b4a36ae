import { CarrierApiError } from '@patchbay/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ACME_TEST_CONFIG, acme } from '../../core/test/example-provider.js';
import { type CarrierApiServer, startCarrierApiServer } from '../src/index.js';

let server: CarrierApiServer;
afterEach(async () => server?.close());

const config = ACME_TEST_CONFIG;

describe('startCarrierApiServer', () => {
  it('answers a provider’s real REST calls and records them', async () => {
    server = await startCarrierApiServer();
    server
      .route('POST', '/accounts/:account/calls', (request) => ({
        status: 201,
        json: { id: `call-for-${request.params['account']}`, status: 'queued' },
      }))
      .route('DELETE', '/accounts/:account/calls/:call', { status: 204 });
    const provider = acme({ baseUrl: server.url }).create(config, { logger: console as never });
    const placed = await provider.placeCall({
      to: '+14155550100',
      from: '+14155550199',
      answerUrl: 'https://h/answer',
      statusCallbackUrl: 'https://h/status',
      mediaStreamUrl: 'wss://h/media',
    });
    expect(placed).toMatchObject({ callId: 'call-for-AC-1', status: 'queued' });
    await provider.hangUp('call-for-AC-1');

    const [create] = server.requestsTo('POST', '/accounts/:account/calls');
    expect(create?.headers['authorization']).toBe('Bearer key-0123456789abcdef');
    expect(create?.parsedBody).toEqual({
      to: '+14155550100',
      from: '+14155550199',
      answer_url: 'https://h/answer',
      status_url: 'https://h/status',
    });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /accounts/AC-1/calls',
      'DELETE /accounts/AC-1/calls/call-for-AC-1',
    ]);
  });

  it('turns carrier errors into typed errors through the provider', async () => {
    server = await startCarrierApiServer();
    server.route('GET', '/accounts/:account/calls/:call', {
      status: 503,
      json: { message: 'try later' },
    });
    const provider = acme({ baseUrl: server.url }).create(config, { logger: console as never });
    const error = await provider.getCall('c1').catch((e: unknown) => e);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 503, isRetryable: true, operation: 'get call' });
  });

  it('answers 404 for routes it does not know, 500 when a route throws, and parses forms', async () => {
    server = await startCarrierApiServer();
    server.route('POST', '/boom', () => {
      throw new Error('broken fixture');
    });
    server.route('POST', '/form/*', (request) => ({
      json: { got: request.parsedBody, rest: request.params['rest'] },
    }));
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}/boom`, { method: 'POST' })).status).toBe(500);
    const form = await fetch(`${server.url}/form/a/b?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'To=%2B1555&Tag=a&Tag=b',
    });
    expect(await form.json()).toEqual({ got: { To: '+1555', Tag: ['a', 'b'] }, rest: 'a/b' });
    expect(server.requests).toHaveLength(3);
    server.reset();
    expect(server.requests).toHaveLength(0);
  });
});

describe('the simulator as an HTTPS proxy target', () => {
  it('answers a CONNECT tunnel to a carrier host name with the test certificate', async () => {
    server = await startCarrierApiServer();
    server.route('GET', '/v1/Account/:id/', (request) => ({
      json: { host: request.headers['host'], id: request.params['id'] },
    }));
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    const https = await import('node:https');
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          'https://api.plivo.com/v1/Account/MA123/',
          { agent: new HttpsProxyAgent(server.proxyUrl) },
          (response) => {
            let text = '';
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ host: 'api.plivo.com', id: 'MA123' });
  });
});

describe('route patterns', () => {
  it('ends a parameter at the first non-word character', async () => {
    server = await startCarrierApiServer();
    server.route('GET', '/Accounts/:account/Calls/:sid.json', (r) => ({ json: r.params }));
    expect(await (await fetch(`${server.url}/Accounts/AC1/Calls/CA9.json`)).json()).toEqual({
      account: 'AC1',
      sid: 'CA9',
    });
    expect((await fetch(`${server.url}/Accounts/AC1/Calls/CA9.xml`)).status).toBe(404);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createWebhookRequest,
  InvalidPayloadError,
  jsonResponse,
  readNodeRequest,
  webhookParameters,
  writeNodeResponse,
  xmlResponse,
} from '../src/index.js';

describe('createWebhookRequest', () => {
  it('lower-cases headers, keeps the raw body and parses a form', () => {
    const request = createWebhookRequest({
      method: 'post',
      url: 'https://voice.example.com:443/telephony/twilio/status?x=1',
      headers: {
        'X-Twilio-Signature': 'abc',
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        Accept: ['a', 'b'],
      },
      body: 'CallSid=CA1&CallStatus=ringing&CallStatus=again',
    });
    expect(request.method).toBe('POST');
    expect(request.headers).toEqual({
      'x-twilio-signature': 'abc',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      accept: 'a, b',
    });
    // The URL is kept as signed: a default port is not dropped.
    expect(request.url).toBe('https://voice.example.com:443/telephony/twilio/status?x=1');
    expect(request.form?.getAll('CallStatus')).toEqual(['ringing', 'again']);
    expect(request.query.get('x')).toBe('1');
    expect(new TextDecoder().decode(request.rawBody)).toBe(
      'CallSid=CA1&CallStatus=ringing&CallStatus=again',
    );
  });

  it('parses JSON and rejects malformed JSON with a typed error', () => {
    const ok = createWebhookRequest({
      method: 'POST',
      url: 'https://h/x',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(ok.json).toEqual({ a: 1 });
    expect(() =>
      createWebhookRequest({
        method: 'POST',
        url: 'https://h/x',
        headers: { 'content-type': 'application/json' },
        body: '{"a":',
      }),
    ).toThrow(InvalidPayloadError);
  });

  it('leaves other content types unparsed and refuses relative URLs', () => {
    const raw = createWebhookRequest({
      method: 'POST',
      url: 'https://h/x',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(raw.form).toBeUndefined();
    expect(raw.json).toBeUndefined();
    expect(() => createWebhookRequest({ method: 'GET', url: '/relative', headers: {} })).toThrow(
      /absolute/,
    );
  });

  it('flattens parameters from form, JSON or query', () => {
    const form = createWebhookRequest({
      method: 'POST',
      url: 'https://h/x?q=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=2',
    });
    expect(webhookParameters(form)).toEqual({ a: '1', b: '2' });
    const json = createWebhookRequest({
      method: 'POST',
      url: 'https://h/x',
      headers: { 'content-type': 'application/json' },
      body: '{"a":"x","n":2,"z":null}',
    });
    expect(webhookParameters(json)).toEqual({ a: 'x', n: '2' });
    expect(
      webhookParameters(
        createWebhookRequest({ method: 'GET', url: 'https://h/x?q=1', headers: {} }),
      ),
    ).toEqual({ q: '1' });
  });
});

describe('node:http adapter', () => {
  it('reads a real request with the configured public origin and writes the response', async () => {
    const seen: unknown[] = [];
    const server = createServer(async (req, res) => {
      try {
        const request = await readNodeRequest(req, {
          publicOrigin: 'https://voice.example.com/',
          maxBodyBytes: 64,
        });
        seen.push({ url: request.url, form: Object.fromEntries(request.form ?? []) });
        writeNodeResponse(res, xmlResponse('<Response/>'));
      } catch (error) {
        writeNodeResponse(res, jsonResponse({ error: (error as Error).message }, 400));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/telephony/x?y=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'A=1',
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toContain('application/xml');
      expect(await ok.text()).toBe('<Response/>');
      expect(seen).toEqual([
        { url: 'https://voice.example.com/telephony/x?y=1', form: { A: '1' } },
      ]);

      const tooBig = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'POST',
        body: 'x'.repeat(100),
      });
      expect(tooBig.status).toBe(400);
      expect(await tooBig.json()).toEqual({
        error: 'Invalid webhook request: body is larger than 64 bytes',
      });
    } finally {
      server.close();
    }
  });
});

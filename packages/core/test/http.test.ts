import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createWebhookRequest,
  InvalidPayloadError,
  jsonResponse,
  PayloadTooLargeError,
  readNodeRequest,
  writeNodeResponse,
  xmlResponse,
} from '../src/index.js';
import { webhookParameters } from '../src/provider-utils.js';

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

  it('refuses a NUL character anywhere in the fields, JSON and query included', () => {
    const refused = (init: { url?: string; body: string; type: string }) => {
      try {
        createWebhookRequest({
          method: 'POST',
          url: init.url ?? 'https://h/x',
          headers: { 'content-type': init.type },
          body: init.body,
        });
        return undefined;
      } catch (error) {
        expect(InvalidPayloadError.isInstance(error)).toBe(true);
        return (error as Error).message;
      }
    };
    const form = 'application/x-www-form-urlencoded';
    expect(refused({ body: 'To=%2B1&From=a%00b', type: form })).toContain('field "From"');
    expect(refused({ body: 'A%00=1', type: form })).toContain('field "A\0"');
    expect(
      refused({ body: '{"data":{"payload":{"to":"x\\u0000"}}}', type: 'application/json' }),
    ).toContain('field "to"');
    expect(refused({ url: 'https://h/x?call=%00', body: '', type: form })).toContain(
      'field "call"',
    );
    expect(refused({ body: 'To=%2B1', type: form })).toBeUndefined();
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
        const status = PayloadTooLargeError.isInstance(error) ? 413 : 400;
        res.setHeader('connection', 'close');
        writeNodeResponse(res, jsonResponse({ error: (error as Error).message }, status));
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

      // Refused by its Content-Length, and by counting when it streams without one: either
      // way the request is still there to answer 413 on.
      const tooBig = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'POST',
        body: 'x'.repeat(100),
      });
      expect(tooBig.status).toBe(413);
      expect(await tooBig.json()).toEqual({ error: 'The body is larger than 64 bytes' });
      const streamed = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'POST',
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 4; i++)
              controller.enqueue(new TextEncoder().encode('x'.repeat(40)));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status).toBe(413);

      const withNul = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'From=%2B1555%00',
      });
      expect(withNul.status).toBe(400);
      expect(await withNul.json()).toEqual({
        error:
          'Invalid webhook request: field "From" contains a NUL character, which no carrier sends',
      });
    } finally {
      server.close();
    }
  });
});

/** Known-answer vectors from the reference (computed with the official SDKs): T1-T12. */
import { createWebhookRequest } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, twilioUrlVariants, verifyTwilioSignature } from '../src/index.js';

const TOKEN = 'twilio-auth-token';
const T2_URL =
  'https://api.example.com/api/v1/telephony/twiml?workflow_id=7&workflow_run_id=123&organization_id=11';
const T2_PARAMS: [string, string][] = [
  ['AccountSid', 'AC00000000000000000000000000000001'],
  ['ApiVersion', '2010-04-01'],
  ['CallSid', 'CA00000000000000000000000000000001'],
  ['CallStatus', 'in-progress'],
  ['Direction', 'outbound-api'],
  ['From', '+15551230001'],
  ['To', '+15551230002'],
];

function request(url: string, params: [string, string][], signature?: string) {
  return createWebhookRequest({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
}

describe('computeTwilioSignature', () => {
  it('T1: reproduces Twilio’s documentation example', () => {
    expect(
      computeTwilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', [
        ['CallSid', 'CA1234567890ABCDE'],
        ['Caller', '+12349013030'],
        ['Digits', '1234'],
        ['From', '+12349013030'],
        ['To', '+18005551212'],
      ]),
    ).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('T2-T5: answer, status, inbound and empty-body vectors', () => {
    expect(computeTwilioSignature(TOKEN, T2_URL, T2_PARAMS)).toBe('VtfzDTsqrP9Y7MNLaXYpZMtyYns=');
    expect(
      computeTwilioSignature(
        TOKEN,
        'https://api.example.com/api/v1/telephony/twilio/status-callback/123',
        [
          ['AccountSid', 'AC00000000000000000000000000000001'],
          ['CallDuration', '42'],
          ['CallSid', 'CA00000000000000000000000000000001'],
          ['CallStatus', 'completed'],
          ['Direction', 'outbound-api'],
          ['From', '+15551230001'],
          ['To', '+15551230002'],
        ],
      ),
    ).toBe('AI3a8ktr93fGZMKXjFDMhVX8PaY=');
    expect(
      computeTwilioSignature(TOKEN, 'https://api.example.com/api/v1/telephony/inbound/run', [
        ['AccountSid', 'AC00000000000000000000000000000001'],
        ['ApiVersion', '2010-04-01'],
        ['CallSid', 'CA00000000000000000000000000000002'],
        ['CallStatus', 'ringing'],
        ['Direction', 'inbound'],
        ['From', '+15551239999'],
        ['FromCountry', 'US'],
        ['To', '+15551230002'],
        ['ToCountry', 'US'],
      ]),
    ).toBe('dtPdldJtvX68XbY+IT8TmcdbJSY=');
    expect(computeTwilioSignature(TOKEN, T2_URL, [])).toBe('/ZDmeL56dkXsGmfBrX4mGvxaayA=');
  });

  it('T10: sorts repeated values, as the Node SDK does', () => {
    expect(
      computeTwilioSignature(TOKEN, 'https://api.example.com/cb', [
        ['StatusCallbackEvent', 'ringing'],
        ['StatusCallbackEvent', 'answered'],
        ['StatusCallbackEvent', 'initiated'],
        ['To', '+1'],
      ]),
    ).toBe('JAqkUDvDreJeKpYpJDzI8epO4KM=');
  });
});

describe('verifyTwilioSignature', () => {
  it('accepts the T2 request', () => {
    expect(() =>
      verifyTwilioSignature(TOKEN, request(T2_URL, T2_PARAMS, 'VtfzDTsqrP9Y7MNLaXYpZMtyYns=')),
    ).not.toThrow();
  });

  it('T6: tolerates a :443 added or dropped between Twilio and us', () => {
    expect(() =>
      verifyTwilioSignature(TOKEN, request(T2_URL, T2_PARAMS, 'AAfZg9qy5C/OJUm0V+6tAxIYfiM=')),
    ).not.toThrow();
    const withPort = T2_URL.replace('api.example.com', 'api.example.com:443');
    expect(() =>
      verifyTwilioSignature(TOKEN, request(withPort, T2_PARAMS, 'VtfzDTsqrP9Y7MNLaXYpZMtyYns=')),
    ).not.toThrow();
    expect(twilioUrlVariants('https://h.example/x?a=1')).toEqual([
      'https://h.example/x?a=1',
      'https://h.example:443/x?a=1',
    ]);
  });

  it('T7-T9: rejects another scheme, a tampered parameter and a reordered query', () => {
    const signature = 'VtfzDTsqrP9Y7MNLaXYpZMtyYns=';
    expect(() =>
      verifyTwilioSignature(
        TOKEN,
        request(T2_URL.replace('https:', 'http:'), T2_PARAMS, signature),
      ),
    ).toThrow(/does not match/);
    const tampered = T2_PARAMS.map(
      ([k, v]) => [k, k === 'CallStatus' ? 'completed' : v] as [string, string],
    );
    expect(() => verifyTwilioSignature(TOKEN, request(T2_URL, tampered, signature))).toThrow(
      /does not match/,
    );
    const reordered =
      'https://api.example.com/api/v1/telephony/twiml?organization_id=11&workflow_id=7&workflow_run_id=123';
    expect(() => verifyTwilioSignature(TOKEN, request(reordered, T2_PARAMS, signature))).toThrow(
      /does not match/,
    );
  });

  it('T11-T12: rejects a missing signature, and a legacy header name', () => {
    expect(() => verifyTwilioSignature(TOKEN, request(T2_URL, T2_PARAMS))).toThrow(/missing/);
    const legacy = createWebhookRequest({
      method: 'POST',
      url: T2_URL,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-webhook-signature': 'VtfzDTsqrP9Y7MNLaXYpZMtyYns=',
      },
      body: new URLSearchParams(T2_PARAMS).toString(),
    });
    expect(() => verifyTwilioSignature(TOKEN, legacy)).toThrow(/missing/);
  });

  it('says which URL and parameters it checked, never the token', () => {
    try {
      verifyTwilioSignature(TOKEN, request(T2_URL, T2_PARAMS, 'wrong='));
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(T2_URL);
      expect(message).toContain('AccountSid, ApiVersion, CallSid, CallStatus, Direction, From, To');
      expect(message).not.toContain(TOKEN);
    }
  });

  it('checks a JSON body through bodySHA256', async () => {
    const { createHash } = await import('node:crypto');
    const body = '{"CallSid":"CA1"}';
    const url = `https://api.example.com/hook?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const signature = computeTwilioSignature(TOKEN, url, []);
    const json = (text: string) =>
      createWebhookRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
        body: text,
      });
    expect(() => verifyTwilioSignature(TOKEN, json(body))).not.toThrow();
    expect(() => verifyTwilioSignature(TOKEN, json('{"CallSid":"CA2"}'))).toThrow(/bodySHA256/);
  });
});

/**
 * Our verifier beside the official SDK's own (`twilio.validateRequest`), on
 * the cases where they once differed: both must accept or refuse each
 * request alike, except where the README says why not.
 */
import { createHmac } from 'node:crypto';
import { createWebhookRequest } from '@patchbay/core';
import twilioSdk from 'twilio';
import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, verifyTwilioSignature } from '../src/index.js';

const TOKEN = 'twilio-auth-token';

/** Signs as the SDK computes (distinct values per name once), over `signedUrl`. */
function sdkStyleSignature(signedUrl: string, params: Record<string, string | string[]>) {
  let data = signedUrl;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const one of values) data += name + one;
  }
  return createHmac('sha1', TOKEN).update(data, 'utf8').digest('base64');
}

function ours(url: string, body: [string, string][], signature: string): boolean {
  try {
    verifyTwilioSignature(
      TOKEN,
      createWebhookRequest({
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
        },
        body: new URLSearchParams(body).toString(),
      }),
    );
    return true;
  } catch {
    return false;
  }
}

/** The body as Express hands it to the SDK: a repeated name becomes an array. */
function sdkParams(body: [string, string][]): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of body) {
    const previous = params[name];
    params[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value];
  }
  return params;
}

const cases: {
  name: string;
  url: string;
  signedUrl: string;
  body: [string, string][];
  sign?: 'ours' | 'sdk';
}[] = [
  {
    name: 'a plain callback',
    url: 'https://voice.example.com/telephony/twilio/status/c1',
    signedUrl: 'https://voice.example.com/telephony/twilio/status/c1',
    body: [
      ['CallSid', 'CA1'],
      ['CallStatus', 'completed'],
    ],
  },
  {
    name: 'the port added by a proxy',
    url: 'https://voice.example.com:443/telephony/inbound',
    signedUrl: 'https://voice.example.com/telephony/inbound',
    body: [['CallSid', 'CA2']],
  },
  {
    name: 'a repeated identical value, as the SDK counts it (once)',
    url: 'https://voice.example.com/telephony/inbound',
    signedUrl: 'https://voice.example.com/telephony/inbound',
    body: [
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'answered'],
      ['CallSid', 'CA3'],
    ],
    sign: 'sdk',
  },
  {
    name: 'repeated distinct values',
    url: 'https://voice.example.com/telephony/inbound',
    signedUrl: 'https://voice.example.com/telephony/inbound',
    body: [
      ['Digits', '2'],
      ['Digits', '1'],
    ],
  },
  {
    name: 'an apostrophe the back end signed escaped',
    url: "https://voice.example.com/telephony/answer?name=o'brien",
    signedUrl: 'https://voice.example.com/telephony/answer?name=o%27brien',
    body: [['CallSid', 'CA4']],
  },
  {
    name: 'another URL',
    url: 'https://voice.example.com/telephony/answer/other',
    signedUrl: 'https://voice.example.com/telephony/answer/c1',
    body: [['CallSid', 'CA5']],
  },
  {
    name: 'a changed parameter',
    url: 'https://voice.example.com/telephony/answer/c1',
    signedUrl: 'https://voice.example.com/telephony/answer/c1',
    body: [['CallSid', 'CA6']],
    sign: 'sdk',
  },
];

describe('signature parity with twilio.validateRequest', () => {
  for (const testCase of cases) {
    it(`agrees on ${testCase.name}`, () => {
      const signedBody =
        testCase.name === 'a changed parameter'
          ? ([['CallSid', 'CA-original']] as [string, string][])
          : testCase.body;
      const signature =
        testCase.sign === 'sdk'
          ? sdkStyleSignature(testCase.signedUrl, sdkParams(signedBody))
          : computeTwilioSignature(TOKEN, testCase.signedUrl, signedBody);
      const sdk = twilioSdk.validateRequest(
        TOKEN,
        signature,
        testCase.url,
        sdkParams(testCase.body),
      );
      expect(ours(testCase.url, testCase.body, signature)).toBe(sdk);
    });
  }

  it('accepts every case Twilio itself signs (all values), which the SDK refuses for repeats', () => {
    // Twilio signs each value of a repeated name; the SDK counts identical ones once.
    const body: [string, string][] = [
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'answered'],
    ];
    const url = 'https://voice.example.com/telephony/inbound';
    const signature = computeTwilioSignature(TOKEN, url, body);
    expect(ours(url, body, signature)).toBe(true);
  });
});

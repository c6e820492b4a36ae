/** Known-answer vectors from the reference (Plivo's Node SDK and the original agree): P1-P14. */
import { createWebhookRequest } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import {
  computePlivoV3Signature,
  plivoV3SigningString,
  verifyPlivoSignature,
} from '../src/index.js';
import { NONCE, P1, P2, P3, plivoForm } from './fixtures.js';

const TOKEN = 'plivo-auth-token';
const P1_SIGNATURE = '0CwDmBwKUbLiCMp0+D3cq+UjIEPLYjcrNAr1BzbPKOs=';
const P1_FIELDS = new URLSearchParams(P1.body as string);
const verify = (init: ReturnType<typeof plivoForm>) =>
  verifyPlivoSignature(TOKEN, createWebhookRequest(init));
const withUrl = (url: string, signature = P1_SIGNATURE, nonce = NONCE) =>
  plivoForm(url, [...P1_FIELDS], signature, nonce);

describe('Plivo V3 signing string and signature', () => {
  it('P1: sorts the query, appends the body and the nonce', () => {
    expect(plivoV3SigningString(P1.url, P1_FIELDS, NONCE)).toBe(
      'https://api.example.com/api/v1/telephony/plivo-xml?organization_id=11&workflow_id=7&workflow_run_id=123.CallStatusin-progressCallUUID11111111-2222-3333-4444-555555555555DirectionoutboundFrom15551230001To15551230002.05429567804466091622',
    );
    expect(computePlivoV3Signature(TOKEN, P1.url, P1_FIELDS, NONCE)).toBe(P1_SIGNATURE);
  });

  it('P2-P6: body only, inbound, query only, an explicit port, neither', () => {
    expect(() => verify(P2)).not.toThrow();
    expect(() => verify(P3)).not.toThrow();
    expect(computePlivoV3Signature(TOKEN, P1.url, [], NONCE)).toBe(
      '8B4rFwyW5gWnbLwPHveWeHcWd65ovPXbsqCp4vDlMBw=',
    );
    const p5 =
      'https://api.example.com:8443/api/v1/telephony/plivo/transfer-xml/transfer-CA1/abc?leg=aleg';
    expect(
      plivoV3SigningString(p5, [['CallUUID', '11111111-2222-3333-4444-555555555555']], NONCE),
    ).toBe(
      'https://api.example.com:8443/api/v1/telephony/plivo/transfer-xml/transfer-CA1/abc?leg=aleg.CallUUID11111111-2222-3333-4444-555555555555.05429567804466091622',
    );
    expect(
      computePlivoV3Signature(
        TOKEN,
        p5,
        [['CallUUID', '11111111-2222-3333-4444-555555555555']],
        NONCE,
      ),
    ).toBe('haBy81EX+U0/O4Q2IBLekVlfQ+h7oOGepBJkLVvH0IM=');
    expect(
      computePlivoV3Signature(
        TOKEN,
        'https://api.example.com/api/v1/telephony/inbound/run',
        [],
        NONCE,
      ),
    ).toBe('WoKnCm0vswwkC6AYJvlsdtRIi5Cjijve5P1QJaJFSl0=');
  });

  it('P13-P14: decodes the query, and hashes non-ASCII as UTF-8', () => {
    expect(
      plivoV3SigningString(
        'https://api.example.com/api/v1/telephony/inbound/run?tag=a%20b',
        [
          ['CallerName', 'John Doe'],
          ['CallUUID', 'u1'],
        ],
        NONCE,
      ),
    ).toBe(
      'https://api.example.com/api/v1/telephony/inbound/run?tag=a b.CallUUIDu1CallerNameJohn Doe.05429567804466091622',
    );
    expect(
      computePlivoV3Signature(
        TOKEN,
        'https://api.example.com/api/v1/telephony/inbound/run?tag=a%20b',
        [
          ['CallerName', 'John Doe'],
          ['CallUUID', 'u1'],
        ],
        NONCE,
      ),
    ).toBe('DuHL5aADh8QYWltwqtK1MCDtiPnxpwNAEWjppns4KkM=');
    expect(
      computePlivoV3Signature(
        TOKEN,
        'https://api.example.com/api/v1/telephony/inbound/run',
        [
          ['CallerName', 'José'],
          ['CallUUID', 'u1'],
        ],
        NONCE,
      ),
    ).toBe('jTKOFJ6gWUmX/1oQsINAu5liYKh8wnBeeRHo8gd5vc4=');
  });
});

describe('verifyPlivoSignature', () => {
  it('P7 and P7b: accepts one of several signatures, with or without spaces', () => {
    expect(() =>
      verify(withUrl(P1.url, `AAAAmBwKUbLiCMp0+D3cq+UjIEPLYjcrNAr1BzbPKOs=,${P1_SIGNATURE}`)),
    ).not.toThrow();
    expect(() => verify(withUrl(P1.url, `x, ${P1_SIGNATURE}`))).not.toThrow();
  });

  it('P9: accepts a reordered query (Plivo sorts it)', () => {
    expect(() =>
      verify(
        withUrl(
          'https://api.example.com/api/v1/telephony/plivo-xml?organization_id=11&workflow_run_id=123&workflow_id=7',
        ),
      ),
    ).not.toThrow();
  });

  it('P8, P10-P12: rejects a wrong or empty nonce, a tampered body, an added :443 and http', () => {
    expect(() => verify(withUrl(P1.url, P1_SIGNATURE, '1'))).toThrow(/does not match/);
    expect(() => verify(withUrl(P1.url, P1_SIGNATURE, ''))).toThrow(/Nonce/);
    const tampered = plivoForm(
      P1.url,
      [...P1_FIELDS].map(([k, v]) => [k, k === 'CallStatus' ? 'completed' : v] as [string, string]),
      P1_SIGNATURE,
    );
    expect(() => verify(tampered)).toThrow(/does not match/);
    expect(() => verify(withUrl(P1.url.replace('api.example.com', 'api.example.com:443')))).toThrow(
      /does not match/,
    );
    expect(() => verify(withUrl(P1.url.replace('https:', 'http:')))).toThrow(/does not match/);
  });

  it('falls back to the main-account header and fails closed without any signature', () => {
    const main = { ...P1, headers: { ...P1.headers, 'x-plivo-signature-ma-v3': P1_SIGNATURE } };
    delete (main.headers as Record<string, string>)['x-plivo-signature-v3'];
    expect(() => verify(main)).not.toThrow();
    expect(() => verify(plivoForm(P1.url, [...P1_FIELDS]))).toThrow(/missing/);
  });
});

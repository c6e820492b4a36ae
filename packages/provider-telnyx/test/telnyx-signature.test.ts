/** The reference's Ed25519 cases (KAT-T1, KAT-T2 and cases 1-10), clock at 1700000000 unless stated. */
import { createWebhookRequest } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import { telnyxConfigSchema, telnyxPublicKeyBytes, verifyTelnyxSignature } from '../src/index.js';
import { KAT_CLOCK, KAT_T1_BODY, KAT_T1_SIGNATURE, PUBLIC_KEY, telnyxRequest } from './fixtures.js';

const kat = (headers: Record<string, string> = {}, body = KAT_T1_BODY) =>
  createWebhookRequest(
    telnyxRequest(body, {
      'telnyx-signature-ed25519': KAT_T1_SIGNATURE,
      'telnyx-timestamp': '1700000000',
      ...headers,
    }),
  );
const at = (seconds: number) => new Date(seconds * 1000);

describe('verifyTelnyxSignature', () => {
  it('cases 1-2: accepts KAT-T1, header names in any case', () => {
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, kat(), KAT_CLOCK)).not.toThrow();
    const mixed = createWebhookRequest(
      telnyxRequest(KAT_T1_BODY, {
        'Telnyx-Signature-Ed25519': KAT_T1_SIGNATURE,
        'Telnyx-Timestamp': '1700000000',
      }),
    );
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, mixed, KAT_CLOCK)).not.toThrow();
  });

  it('cases 3-5: rejects a changed or re-serialized body and another timestamp', () => {
    expect(() =>
      verifyTelnyxSignature(
        PUBLIC_KEY,
        kat({}, KAT_T1_BODY.replace('incoming', 'outgoing')),
        KAT_CLOCK,
      ),
    ).toThrow(/does not verify/);
    expect(() =>
      verifyTelnyxSignature(
        PUBLIC_KEY,
        kat({}, JSON.stringify(JSON.parse(KAT_T1_BODY), null, 2)),
        KAT_CLOCK,
      ),
    ).toThrow(/does not verify/);
    expect(() =>
      verifyTelnyxSignature(PUBLIC_KEY, kat({ 'telnyx-timestamp': '1700000001' }), KAT_CLOCK),
    ).toThrow(/does not verify/);
  });

  it('case 6: the five-minute window, boundaries included', () => {
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, kat(), at(1700000300))).not.toThrow();
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, kat(), at(1700000301))).toThrow(/five minutes/);
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, kat(), at(1699999699))).toThrow(/five minutes/);
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, kat(), at(1699999700))).not.toThrow();
  });

  it('cases 7-9: malformed or missing headers, keys and signatures', () => {
    expect(() =>
      verifyTelnyxSignature(PUBLIC_KEY, kat({ 'telnyx-timestamp': 'not-a-number' }), KAT_CLOCK),
    ).toThrow(/whole number/);
    expect(() =>
      verifyTelnyxSignature(
        PUBLIC_KEY,
        createWebhookRequest(
          telnyxRequest(KAT_T1_BODY, { 'telnyx-signature-ed25519': KAT_T1_SIGNATURE }),
        ),
        KAT_CLOCK,
      ),
    ).toThrow(/telnyx-timestamp/);
    expect(() =>
      verifyTelnyxSignature(
        PUBLIC_KEY,
        createWebhookRequest(telnyxRequest(KAT_T1_BODY, { 'telnyx-timestamp': '1700000000' })),
        KAT_CLOCK,
      ),
    ).toThrow(/missing/);
    expect(() => verifyTelnyxSignature(undefined, kat(), KAT_CLOCK)).toThrow(
      /Set the webhook public key/,
    );
    expect(() =>
      verifyTelnyxSignature(Buffer.alloc(16).toString('base64'), kat(), KAT_CLOCK),
    ).toThrow(/not an Ed25519 key/);
    expect(() => verifyTelnyxSignature(`  ${PUBLIC_KEY}\n`, kat(), KAT_CLOCK)).not.toThrow();
    expect(() =>
      verifyTelnyxSignature(`${PUBLIC_KEY.slice(0, 10)}!${PUBLIC_KEY.slice(11)}`, kat(), KAT_CLOCK),
    ).toThrow(/not an Ed25519 key/);
    expect(() =>
      verifyTelnyxSignature(
        PUBLIC_KEY,
        kat({ 'telnyx-signature-ed25519': Buffer.alloc(32).toString('base64') }),
        KAT_CLOCK,
      ),
    ).toThrow(/64 bytes/);
    expect(() =>
      verifyTelnyxSignature(
        PUBLIC_KEY,
        kat({ 'telnyx-signature-ed25519': `${KAT_T1_SIGNATURE.slice(0, -3)}!==` }),
        KAT_CLOCK,
      ),
    ).toThrow(/64 bytes/);
  });

  it('case 10: KAT-T2 three hundred seconds ahead', () => {
    const t2 = createWebhookRequest(
      telnyxRequest('{"data":{"event_type":"call.hangup"}}', {
        'telnyx-signature-ed25519':
          '5YkaEvX7Gesme8HXlnmosJt1FHX5UN17a2KeL615kdms3fvyMhhIVFA+qCpqUmUcrEGmbf67Y5J7CcGZiZXrCw==',
        'telnyx-timestamp': '1700000300',
      }),
    );
    expect(() => verifyTelnyxSignature(PUBLIC_KEY, t2, KAT_CLOCK)).not.toThrow();
  });
});

describe('the public key’s forms', () => {
  const raw = Buffer.from(PUBLIC_KEY, 'base64');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  const pem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;

  it('verifies with the key as Mission Control shows it, as PEM, as SPKI base64 and as hex', () => {
    for (const key of [
      PUBLIC_KEY,
      ` ${PUBLIC_KEY}\n`,
      pem,
      spki.toString('base64'),
      raw.toString('hex'),
    ]) {
      expect(telnyxPublicKeyBytes(key)?.equals(raw), key).toBe(true);
      expect(() => verifyTelnyxSignature(key, kat(), KAT_CLOCK)).not.toThrow();
    }
  });

  it('refuses what is no Ed25519 key, at save and at verification', () => {
    for (const key of [
      'abc',
      raw.subarray(0, 31).toString('base64'),
      pem.replace('PUBLIC', 'PRIVATE'),
    ])
      expect(telnyxPublicKeyBytes(key)).toBeUndefined();
    const parsed = telnyxConfigSchema.safeParse({
      provider: 'telnyx',
      api_key: 'KEY0123456789',
      webhook_public_key: 'not a key',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['webhook_public_key']);
  });
});

/** Reference vector V1 (HS256 signed webhook) and V2 (RS256 REST JWT structure). */
import { createWebhookRequest } from '@patchbay/core';
import { decodeProtectedHeader, importSPKI, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { unverifiedVonageClaims, VonageTokenMinter, verifyVonageWebhook } from '../src/index.js';
import {
  applicationKeys,
  pinnedClock,
  signLikeVonage,
  V1_BODY,
  V1_EXPIRED_TOKEN,
  V1_IAT,
  V1_TOKEN,
  vonageConfig,
  vonageRequest,
} from './fixtures.js';

const expectations = {
  signatureSecret: vonageConfig.signature_secret,
  apiKey: vonageConfig.api_key,
  applicationId: vonageConfig.application_id,
  maxAgeSeconds: 300,
  now: pinnedClock,
};
const url = 'https://voice.example.com/telephony/inbound';
const verify = (body: string, token?: string, overrides = {}) =>
  verifyVonageWebhook(createWebhookRequest(vonageRequest(url, body, token)), {
    ...expectations,
    ...overrides,
  });

describe('signed Vonage webhooks (V1)', () => {
  it('accepts the reference token for its body, and reads its claims unverified for routing', async () => {
    await expect(verify(V1_BODY, V1_TOKEN)).resolves.toBeUndefined();
    expect(
      unverifiedVonageClaims(createWebhookRequest(vonageRequest(url, V1_BODY, V1_TOKEN)))?.[
        'api_key'
      ],
    ).toBe('vonage-api-key');
  });

  it('rejects another body, secret, account, issuer, or a header that is not Bearer', async () => {
    await expect(verify(V1_BODY.replace('answered', 'completed'), V1_TOKEN)).rejects.toThrow(
      /payload_hash/,
    );
    await expect(verify(V1_BODY, V1_TOKEN, { signatureSecret: 'wrong' })).rejects.toThrow(
      /does not match/,
    );
    await expect(verify(V1_BODY, V1_TOKEN, { signatureSecret: '' })).rejects.toThrow();
    await expect(verify(V1_BODY, V1_TOKEN, { apiKey: 'other-api-key' })).rejects.toThrow(
      /another Vonage account/,
    );
    await expect(
      verify(V1_BODY, await signLikeVonage(V1_BODY, { iss: 'Mallory' })),
    ).rejects.toThrow(/does not match/);
    const basic = createWebhookRequest({
      ...vonageRequest(url, V1_BODY),
      headers: { 'content-type': 'application/json', authorization: `Basic ${V1_TOKEN}` },
    });
    await expect(verifyVonageWebhook(basic, expectations)).rejects.toThrow(/missing/);
  });

  it('rejects the expired variant, and a token older than the allowed age', async () => {
    await expect(
      verify(V1_BODY, V1_EXPIRED_TOKEN, { now: () => new Date((V1_IAT + 120) * 1000) }),
    ).rejects.toThrow(/time window/);
    // The allowed age, plus 30 s for the two clocks' skew.
    await expect(
      verify(V1_BODY, V1_TOKEN, { now: () => new Date((V1_IAT + 331) * 1000) }),
    ).rejects.toThrow(/older than allowed/);
  });

  it('allows Vonage’s clock a little ahead of ours, and says so when it is far ahead', async () => {
    await expect(
      verify(V1_BODY, V1_TOKEN, { now: () => new Date((V1_IAT - 10) * 1000) }),
    ).resolves.toBeUndefined();
    await expect(
      verify(V1_BODY, V1_TOKEN, { now: () => new Date((V1_IAT - 120) * 1000) }),
    ).rejects.toThrow(/issued 120 s in the future: check this machine's clock/);
  });

  it('accepts only HS256: alg none and RS256 tokens are refused', async () => {
    const [header, payload] = V1_TOKEN.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    await expect(verify(V1_BODY, none)).rejects.toThrow();
    const rs256 = await new SignJWT(JSON.parse(Buffer.from(payload!, 'base64url').toString()))
      .setProtectedHeader({ alg: 'RS256' })
      .sign((await import('node:crypto')).createPrivateKey(applicationKeys.privateKey));
    await expect(verify(V1_BODY, rs256)).rejects.toThrow();
    expect(header).toBeDefined();
  });

  it('refuses a body with no payload_hash to check it against', async () => {
    const { SignJWT: Sign } = await import('jose');
    const bare = await new Sign({ iss: 'Vonage', api_key: 'vonage-api-key' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(V1_IAT)
      .sign(new TextEncoder().encode(vonageConfig.signature_secret));
    await expect(verify(V1_BODY, bare)).rejects.toThrow(/no payload_hash/);
    await expect(verify('', bare)).resolves.toBeUndefined();
  });
});

describe('REST application JWTs (V2)', () => {
  it('are RS256 with application_id, whole-second iat, a short exp and a fresh jti', async () => {
    const minter = new VonageTokenMinter(vonageConfig.application_id, vonageConfig.private_key);
    const first = await minter.mint();
    const second = await minter.mint();
    expect(decodeProtectedHeader(first)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const { payload } = await jwtVerify(
      first,
      await importSPKI(applicationKeys.publicKey, 'RS256'),
    );
    expect(payload['application_id']).toBe(vonageConfig.application_id);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(typeof payload.jti).toBe('string');
    const { payload: next } = await jwtVerify(
      second,
      await importSPKI(applicationKeys.publicKey, 'RS256'),
    );
    expect(next.jti).not.toBe(payload.jti);
  });
});

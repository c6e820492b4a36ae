import {
  createMemoryReplayGuard,
  createWebhookRequest,
  silentLogger,
  WebhookSignatureError,
} from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import {
  computeVobizSignature,
  verifyVobizSignatures,
  vobiz,
  vobizSigningString,
} from '../src/index.js';
import {
  INBOUND,
  INBOUND_FIELDS,
  KNOWN_SIGNATURES as K,
  V2_NONCE,
  V3_NONCE,
  vobizConfig,
  vobizForm,
} from './fixtures.js';

const keys = { authToken: vobizConfig.auth_token, parentAuthToken: vobizConfig.parent_auth_token };
const request = (headers: Record<string, string>, url: string = K.inboundUrl) =>
  createWebhookRequest(vobizForm(url, INBOUND_FIELDS, headers));
const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (WebhookSignatureError.isInstance(error)) return error.reason;
    throw error;
  }
  return 'verified';
};

describe('Vobiz signing strings and known answers', () => {
  it('signs the URL without its query, then the nonce, with "." in V3 only', () => {
    const url = 'https://voice.example.com:8443/telephony/vobiz/status/c1?attempt=2#x';
    expect(vobizSigningString(url, '42', 'v3')).toBe(
      'https://voice.example.com:8443/telephony/vobiz/status/c1.42',
    );
    expect(vobizSigningString(url, '42', 'v2')).toBe(
      'https://voice.example.com:8443/telephony/vobiz/status/c142',
    );
  });

  it('computes the known answers of every scheme', () => {
    expect(computeVobizSignature(keys.authToken, K.inboundUrl, V3_NONCE, 'v3')).toBe(K.v3);
    expect(computeVobizSignature(keys.authToken, K.inboundUrl, V2_NONCE, 'v2')).toBe(K.v2);
    expect(computeVobizSignature(keys.parentAuthToken!, K.inboundUrl, V3_NONCE, 'v3')).toBe(K.maV3);
    expect(computeVobizSignature(keys.parentAuthToken!, K.inboundUrl, V2_NONCE, 'v2')).toBe(K.maV2);
    expect(computeVobizSignature(keys.authToken, K.statusUrl, K.statusNonce, 'v3')).toBe(
      K.statusV3,
    );
  });
});

describe('verifyVobizSignatures', () => {
  const v3 = { 'x-vobiz-signature-v3': K.v3, 'x-vobiz-signature-v3-nonce': V3_NONCE };
  const v2 = { 'x-vobiz-signature-v2': K.v2, 'x-vobiz-signature-v2-nonce': V2_NONCE };
  const maV3 = { 'x-vobiz-signature-ma-v3': K.maV3, 'x-vobiz-signature-v3-nonce': V3_NONCE };
  const maV2 = { 'x-vobiz-signature-ma-v2': K.maV2, 'x-vobiz-signature-v2-nonce': V2_NONCE };

  it('accepts each scheme alone, and reports every one that verified', () => {
    expect(verifyVobizSignatures(keys, request(v3))).toEqual([{ scheme: 'v3', nonce: V3_NONCE }]);
    expect(verifyVobizSignatures(keys, request(v2))).toEqual([{ scheme: 'v2', nonce: V2_NONCE }]);
    expect(verifyVobizSignatures(keys, request(maV3))).toEqual([
      { scheme: 'ma-v3', nonce: V3_NONCE },
    ]);
    expect(verifyVobizSignatures(keys, request(maV2))).toEqual([
      { scheme: 'ma-v2', nonce: V2_NONCE },
    ]);
    expect(verifyVobizSignatures(keys, request({ ...v3, ...v2, ...maV3, ...maV2 }))).toHaveLength(
      4,
    );
  });

  it('ignores the query and any body, as Vobiz signs neither', () => {
    const withQuery = createWebhookRequest(
      vobizForm(`${K.inboundUrl}?from=console`, { CallUUID: 'other' }, v3),
    );
    expect(verifyVobizSignatures(keys, withQuery)).toHaveLength(1);
  });

  it('rejects a tampered path, host, port or scheme, and a wrong key', () => {
    for (const url of [
      `${K.inboundUrl}x`,
      K.inboundUrl.replace('voice.', 'evil.'),
      K.inboundUrl.replace('.com/', '.com:443/'),
      K.inboundUrl.replace('https:', 'http:'),
    ])
      expect(failure(() => verifyVobizSignatures(keys, request(v3, url)))).toBe('mismatch');
    expect(failure(() => verifyVobizSignatures({ authToken: 'another-token' }, request(v3)))).toBe(
      'mismatch',
    );
    // A signature made with the nonce of the other scheme does not verify.
    expect(
      failure(() =>
        verifyVobizSignatures(keys, request({ ...v3, 'x-vobiz-signature-v3-nonce': V2_NONCE })),
      ),
    ).toBe('mismatch');
  });

  it('accepts one verifying signature beside one that does not', () => {
    const verified = verifyVobizSignatures(
      keys,
      request({ ...v3, ...v2, 'x-vobiz-signature-v2': 'bm90IGl0' }),
    );
    expect(verified).toEqual([{ scheme: 'v3', nonce: V3_NONCE }]);
  });

  it('fails closed on missing signatures, missing nonces, and the legacy SHA-1 header alone', () => {
    expect(failure(() => verifyVobizSignatures(keys, request({})))).toBe('missing');
    const legacy = failure(() =>
      verifyVobizSignatures(keys, request({ 'x-vobiz-signature': 'c2hhMQ==' })),
    );
    expect(legacy).toBe('missing');
    expect(
      failure(() => verifyVobizSignatures(keys, request({ 'x-vobiz-signature-v3': K.v3 }))),
    ).toBe('malformed');
    expect(
      failure(() =>
        verifyVobizSignatures(
          keys,
          request({ 'x-vobiz-signature-v3': K.v3, 'x-vobiz-signature-v3-nonce': '1'.repeat(200) }),
        ),
      ),
    ).toBe('malformed');
  });

  it('says so when only parent-account signatures came and no parent token is set', () => {
    expect(failure(() => verifyVobizSignatures({ authToken: keys.authToken }, request(maV3)))).toBe(
      'not-configured',
    );
  });
});

describe('replays', () => {
  const provider = (now: { ms: number }, settings = {}) =>
    vobiz(settings).create(vobizConfig, {
      logger: silentLogger,
      replayGuard: createMemoryReplayGuard({ now: () => now.ms }),
    });

  it('refuses a captured signature on another body, on either of its nonces', async () => {
    const now = { ms: 0 };
    const guard = createMemoryReplayGuard({ now: () => now.ms });
    const bound = vobiz().create(vobizConfig, { logger: silentLogger, replayGuard: guard });
    await bound.verifyWebhook(createWebhookRequest(INBOUND));
    const forged = {
      ...INBOUND,
      body: INBOUND.body!.toString().replace('918069000000', '918069000001'),
    };
    await expect(bound.verifyWebhook(createWebhookRequest(forged))).rejects.toMatchObject({
      reason: 'replayed',
    });
    // Stripping the V3 headers leaves the V2 nonce, which was recorded too.
    const v2Only = {
      ...forged,
      headers: Object.fromEntries(
        Object.entries(forged.headers).filter(([name]) => !name.includes('-v3')),
      ),
    };
    await expect(bound.verifyWebhook(createWebhookRequest(v2Only))).rejects.toMatchObject({
      reason: 'replayed',
    });
    // The same delivery again is Vobiz retrying, and passes.
    await expect(bound.verifyWebhook(createWebhookRequest(INBOUND))).resolves.toBeUndefined();
  });

  it('remembers nonces for nonceTtlSeconds: the only expiry a timestamp-less signature has', async () => {
    const now = { ms: 0 };
    const bound = provider(now, { nonceTtlSeconds: 60 });
    await bound.verifyWebhook(createWebhookRequest(INBOUND));
    const other = { ...INBOUND, body: `${INBOUND.body}&Extra=1` };
    now.ms = 59_000;
    await expect(bound.verifyWebhook(createWebhookRequest(other))).rejects.toMatchObject({
      reason: 'replayed',
    });
    now.ms = 61_000;
    await expect(bound.verifyWebhook(createWebhookRequest(other))).resolves.toBeUndefined();
  });

  it('keeps nonces per account', async () => {
    const guard = createMemoryReplayGuard();
    const context = { logger: silentLogger, replayGuard: guard };
    await vobiz().create(vobizConfig, context).verifyWebhook(createWebhookRequest(INBOUND));
    const otherAccount = { ...vobizConfig, auth_id: 'MA_OTHER01' };
    const other = { ...INBOUND, body: `${INBOUND.body}&Extra=1` };
    await expect(
      vobiz().create(otherAccount, context).verifyWebhook(createWebhookRequest(other)),
    ).resolves.toBeUndefined();
  });
});

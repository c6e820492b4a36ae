import { createPublicKey, verify } from 'node:crypto';
import { type WebhookRequest, WebhookSignatureError } from '@patchbay/core';

/** Telnyx's replay window: a webhook older or newer than this (seconds) is refused. */
export const TELNYX_SIGNATURE_TOLERANCE_SECONDS = 300;
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function strictBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !STRICT_BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/**
 * The 32 bytes of an Ed25519 public key, in any form the Telnyx portal or a
 * tool hands out: base64 of the raw key (what Mission Control shows), base64
 * or PEM of its SubjectPublicKeyInfo, or hex. Undefined for anything else.
 */
export function telnyxPublicKeyBytes(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const pem = /^-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----$/.exec(trimmed);
  const body = pem ? pem[1]!.replace(/\s+/g, '') : trimmed;
  if (!pem && /^[0-9a-fA-F]{64}$/.test(body)) return Buffer.from(body, 'hex');
  const bytes = strictBase64(body);
  if (bytes?.length === 32 && !pem) return bytes;
  if (
    bytes?.length === ED25519_SPKI_PREFIX.length + 32 &&
    bytes.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)
  )
    return bytes.subarray(ED25519_SPKI_PREFIX.length);
  return undefined;
}

/**
 * Verifies a Telnyx webhook ("Receiving webhooks"): Ed25519 over
 * `<telnyx-timestamp>|<raw body>` with the account's public key, the
 * timestamp within five minutes of now either way. Node's base64 decoder
 * forgives junk, so both the key and the signature are checked strictly.
 *
 * @throws WebhookSignatureError
 */
export function verifyTelnyxSignature(
  publicKey: string | undefined,
  request: WebhookRequest,
  now: Date = new Date(),
): void {
  const url = request.url;
  const fail = (
    reason: 'missing' | 'mismatch' | 'expired' | 'malformed' | 'not-configured',
    hint: string,
  ) =>
    new WebhookSignatureError('telnyx', reason, {
      url,
      checkedParameters: ['telnyx-timestamp', 'body'],
      hint,
    });
  const key = publicKey?.trim();
  if (!key)
    throw fail(
      'not-configured',
      'Set the webhook public key from Mission Control (Keys & Credentials → Public Key)',
    );
  const signatureText = request.headers['telnyx-signature-ed25519'];
  if (!signatureText) throw fail('missing', 'No telnyx-signature-ed25519 header');
  const timestamp = request.headers['telnyx-timestamp'];
  if (!timestamp) throw fail('missing', 'No telnyx-timestamp header');
  if (!/^\d+$/.test(timestamp))
    throw fail('malformed', 'telnyx-timestamp is not a whole number of seconds');
  if (
    Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) >
    TELNYX_SIGNATURE_TOLERANCE_SECONDS
  ) {
    throw fail('expired', 'telnyx-timestamp is more than five minutes from now');
  }
  const keyBytes = telnyxPublicKeyBytes(key);
  if (!keyBytes)
    throw fail(
      'not-configured',
      'The configured public key is not an Ed25519 key (base64 as Mission Control shows it, PEM, or hex)',
    );
  const signature = strictBase64(signatureText);
  if (signature?.length !== 64)
    throw fail('malformed', 'telnyx-signature-ed25519 is not 64 bytes of base64');
  const message = Buffer.concat([Buffer.from(`${timestamp}|`, 'utf8'), request.rawBody]);
  const keyObject = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, keyBytes]),
    format: 'der',
    type: 'spki',
  });
  if (!verify(null, message, keyObject, signature))
    throw fail('mismatch', 'The Ed25519 signature does not verify for this body and timestamp');
}

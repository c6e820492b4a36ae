import { createHmac, timingSafeEqual } from 'node:crypto';
import { type WebhookRequest, WebhookSignatureError } from '@patchbay/core';

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(?:\?([^#]*))?/i;

function sortedPairs(entries: Iterable<readonly [string, string]>): (readonly [string, string])[] {
  return [...entries].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
}

/**
 * The string Plivo signs for a POST ("Signature Validation (V3)"): the URL
 * without its query, the query's parameters sorted and joined as `k=v&k=v`,
 * the body's parameters sorted and concatenated as `kv`, then `.` and the
 * nonce. The port stays exactly as it is in the URL.
 */
export function plivoV3SigningString(
  url: string,
  bodyParameters: Iterable<readonly [string, string]>,
  nonce: string,
): string {
  const match = URL_PARTS.exec(url);
  const base = match ? `${match[1]}${match[2]}` : url;
  const query = sortedPairs(new URLSearchParams(match?.[3] ?? ''))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const body = sortedPairs(bodyParameters)
    .map(([name, value]) => `${name}${value}`)
    .join('');
  let signed = base;
  if (query && body) signed += `?${query}.${body}`;
  else if (body) signed += `?${body}`;
  else if (query) signed += `?${query}`;
  return `${signed}.${nonce}`;
}

/** HMAC-SHA256 of the V3 signing string, keyed with the Auth Token, base64-encoded. */
export function computePlivoV3Signature(
  authToken: string,
  url: string,
  bodyParameters: Iterable<readonly [string, string]>,
  nonce: string,
): string {
  return createHmac('sha256', authToken)
    .update(plivoV3SigningString(url, bodyParameters, nonce), 'utf8')
    .digest('base64');
}

function equalSignatures(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies a Plivo webhook's V3 signature. `X-Plivo-Signature-V3` (or, when
 * absent, `X-Plivo-Signature-Ma-V3`) may hold several comma-separated
 * signatures; one matching is enough. Whitespace around each is ignored,
 * as the original platform did (Plivo's Node SDK does not).
 *
 * @throws WebhookSignatureError naming the URL and parameters checked.
 */
export function verifyPlivoSignature(authToken: string, request: WebhookRequest): void {
  const header =
    request.headers['x-plivo-signature-v3'] ?? request.headers['x-plivo-signature-ma-v3'];
  const nonce = request.headers['x-plivo-signature-v3-nonce'];
  if (!header) {
    throw new WebhookSignatureError('plivo', 'missing', {
      url: request.url,
      hint: 'No X-Plivo-Signature-V3 header',
    });
  }
  if (!nonce) {
    throw new WebhookSignatureError('plivo', 'malformed', {
      url: request.url,
      hint: 'No X-Plivo-Signature-V3-Nonce header',
    });
  }
  const parameters = request.form ? [...request.form] : [];
  const expected = computePlivoV3Signature(authToken, request.url, parameters, nonce);
  if (header.split(',').some((candidate) => equalSignatures(expected, candidate.trim()))) return;
  throw new WebhookSignatureError('plivo', 'mismatch', {
    url: request.url,
    checkedParameters: [...new Set(parameters.map(([name]) => name))].sort(),
    hint: 'Plivo signs the exact scheme, host and port it called; check them behind any proxy',
  });
}

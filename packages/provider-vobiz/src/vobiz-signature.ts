import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type WebhookRequest, WebhookSignatureError } from '@patchbay/core';

/**
 * The callback signatures Vobiz documents ("Validating Callbacks"), newest
 * first. Each is base64(HMAC-SHA256(token, signing string)) over the URL
 * without its query and a nonce from a companion header; the `ma-` ones use
 * the parent (main) account's token and come only on sub-account callbacks.
 */
export type VobizSignatureScheme = 'v3' | 'v2' | 'ma-v3' | 'ma-v2';

interface SchemeHeaders {
  readonly signature: string;
  readonly nonce: string;
  readonly version: 'v2' | 'v3';
  readonly parent: boolean;
}

const SCHEMES: Readonly<Record<VobizSignatureScheme, SchemeHeaders>> = {
  v3: {
    signature: 'x-vobiz-signature-v3',
    nonce: 'x-vobiz-signature-v3-nonce',
    version: 'v3',
    parent: false,
  },
  v2: {
    signature: 'x-vobiz-signature-v2',
    nonce: 'x-vobiz-signature-v2-nonce',
    version: 'v2',
    parent: false,
  },
  // The MA signatures share their version's nonce header.
  'ma-v3': {
    signature: 'x-vobiz-signature-ma-v3',
    nonce: 'x-vobiz-signature-v3-nonce',
    version: 'v3',
    parent: true,
  },
  'ma-v2': {
    signature: 'x-vobiz-signature-ma-v2',
    nonce: 'x-vobiz-signature-v2-nonce',
    version: 'v2',
    parent: true,
  },
};

/** The header names a signed Vobiz callback carries, for routing and tests. */
export const VOBIZ_SIGNATURE_HEADERS: readonly string[] = Object.values(SCHEMES).map(
  (scheme) => scheme.signature,
);

const MAX_NONCE_LENGTH = 128;

/**
 * What Vobiz signs: the callback URL with its query (and fragment) removed,
 * then the nonce, joined by `.` in V3 and directly in V2. Scheme, host and
 * port stay exactly as in the URL.
 */
export function vobizSigningString(url: string, nonce: string, version: 'v2' | 'v3'): string {
  const cut = url.search(/[?#]/);
  const base = cut === -1 ? url : url.slice(0, cut);
  return version === 'v3' ? `${base}.${nonce}` : `${base}${nonce}`;
}

/** base64(HMAC-SHA256(token, signing string)): what Vobiz puts in a signature header. */
export function computeVobizSignature(
  token: string,
  url: string,
  nonce: string,
  version: 'v2' | 'v3',
): string {
  return createHmac('sha256', token)
    .update(vobizSigningString(url, nonce, version), 'utf8')
    .digest('base64');
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given.trim());
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The tokens a configuration verifies with. */
export interface VobizSigningKeys {
  readonly authToken: string;
  /** A sub-account's parent token, for the MA signatures. */
  readonly parentAuthToken?: string | undefined;
}

/** A signature that verified, and the nonce it was made with. */
export interface VerifiedVobizSignature {
  readonly scheme: VobizSignatureScheme;
  readonly nonce: string;
}

/**
 * Checks every Vobiz signature the request carries that these keys can
 * check, and returns those that verified (at least one). A signature that
 * does not verify while another does is not an error: Vobiz sends V2 and V3
 * side by side, and the MA ones only matter with a parent token.
 *
 * Only the URL and nonce are signed, never the body: pair this with a
 * replay check on the returned nonces (the provider does, with the host's
 * ReplayGuard).
 *
 * The legacy `X-Vobiz-Signature` (HMAC-SHA1, which Vobiz keeps "for
 * backwards compatibility" and tells integrators to avoid) is not accepted.
 *
 * @throws WebhookSignatureError `missing`, `malformed` or `mismatch`
 */
export function verifyVobizSignatures(
  keys: VobizSigningKeys,
  request: WebhookRequest,
): VerifiedVobizSignature[] {
  const present = (Object.keys(SCHEMES) as VobizSignatureScheme[]).filter(
    (scheme) => request.headers[SCHEMES[scheme].signature],
  );
  if (present.length === 0) {
    throw new WebhookSignatureError('vobiz', 'missing', {
      url: request.url,
      hint: request.headers['x-vobiz-signature']
        ? 'Only the legacy HMAC-SHA1 X-Vobiz-Signature is present; Patchbay checks X-Vobiz-Signature-V3 and -V2'
        : 'No X-Vobiz-Signature-V3 or X-Vobiz-Signature-V2 header',
    });
  }
  const verified: VerifiedVobizSignature[] = [];
  let checked = 0;
  for (const scheme of present) {
    const headers = SCHEMES[scheme];
    const token = headers.parent ? keys.parentAuthToken : keys.authToken;
    if (!token) continue;
    const nonce = request.headers[headers.nonce];
    if (!nonce || nonce.length > MAX_NONCE_LENGTH) {
      throw new WebhookSignatureError('vobiz', 'malformed', {
        url: request.url,
        hint: `${headers.signature} comes without a usable ${headers.nonce} header`,
      });
    }
    checked += 1;
    const expected = computeVobizSignature(token, request.url, nonce, headers.version);
    const given = request.headers[headers.signature]!;
    if (given.split(',').some((candidate) => sameSignature(expected, candidate)))
      verified.push({ scheme, nonce });
  }
  if (verified.length > 0) return verified;
  if (checked === 0) {
    throw new WebhookSignatureError('vobiz', 'not-configured', {
      url: request.url,
      hint: 'Only parent-account (MA) signatures came; set parent_auth_token to check them',
    });
  }
  throw new WebhookSignatureError('vobiz', 'mismatch', {
    url: request.url,
    hint: 'Vobiz signs the exact scheme, host, port and path it called, without the query; check them behind any proxy',
  });
}

/** What identifies one delivery: method, URL and body. A carrier's retry repeats it exactly. */
export function vobizRequestFingerprint(request: WebhookRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(request.rawBody)
    .digest('base64url');
}

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { type WebhookRequest, WebhookSignatureError } from '@patchbay/core';
import { decodeJwt, errors, importPKCS8, jwtVerify, SignJWT } from 'jose';

/**
 * Mints the RS256 application JWT Vonage's REST API takes ("Authentication
 * (JWT)"): a fresh `jti` every time and a short life, so a leaked token is
 * worth little.
 */
export class VonageTokenMinter {
  private key: ReturnType<typeof importPKCS8> | undefined;

  constructor(
    private readonly applicationId: string,
    private readonly privateKey: string,
    private readonly lifetimeSeconds = 300,
  ) {}

  async mint(now: Date = new Date()): Promise<string> {
    this.key ??= importPKCS8(this.privateKey.trim(), 'RS256');
    const issuedAt = Math.floor(now.getTime() / 1000);
    return new SignJWT({ application_id: this.applicationId })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.lifetimeSeconds)
      .setJti(randomUUID())
      .sign(await this.key);
  }
}

/** What a signed Vonage webhook must be signed for. */
export interface VonageSignatureExpectations {
  readonly signatureSecret: string;
  readonly apiKey: string;
  readonly applicationId: string;
  /** Oldest `iat` accepted, in seconds; Vonage signs each delivery afresh. */
  readonly maxAgeSeconds: number;
  readonly now?: () => Date;
}

function bearerToken(request: WebhookRequest): string | undefined {
  const header = request.headers['authorization'];
  if (!header) return undefined;
  const [scheme, token, ...rest] = header.trim().split(/\s+/);
  return scheme?.toLowerCase() === 'bearer' && token && rest.length === 0 ? token : undefined;
}

/** The claims of a webhook's JWT, unverified: only for recognising Vonage before any account is known. */
export function unverifiedVonageClaims(
  request: WebhookRequest,
): Record<string, unknown> | undefined {
  const token = bearerToken(request);
  if (!token) return undefined;
  try {
    return decodeJwt(token) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const textEncoder = new TextEncoder();
/** How far Vonage's clock may be ahead of this machine's, in seconds. */
const CLOCK_SKEW_SECONDS = 30;

/**
 * Verifies a signed Vonage webhook ("Signed webhooks"): an HS256 JWT (no other
 * algorithm) signed with the signature secret, issued by `Vonage` within the
 * allowed age, for this account and application, whose `payload_hash` is the
 * SHA-256 of the raw body. A body without a hash to check is refused.
 *
 * @throws WebhookSignatureError
 */
export async function verifyVonageWebhook(
  request: WebhookRequest,
  expected: VonageSignatureExpectations,
): Promise<void> {
  const url = request.url;
  const token = bearerToken(request);
  if (!token) {
    throw new WebhookSignatureError('vonage', 'missing', {
      url,
      hint: 'No "Authorization: Bearer <JWT>" header; turn on signed callbacks for the application',
    });
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, textEncoder.encode(expected.signatureSecret), {
      algorithms: ['HS256'],
      issuer: 'Vonage',
      maxTokenAge: expected.maxAgeSeconds,
      // Vonage's clock and this machine's may differ by a little; a JWT issued a few
      // seconds "in the future" is that, not a forgery.
      clockTolerance: CLOCK_SKEW_SECONDS,
      ...(expected.now ? { currentDate: expected.now() } : {}),
    }));
  } catch (error) {
    const expired =
      error instanceof errors.JWTExpired ||
      (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iat');
    const issuedAt = Number(unverifiedVonageClaims(request)?.['iat']);
    const nowSeconds = (expected.now?.() ?? new Date()).getTime() / 1000;
    const fromTheFuture = expired && issuedAt > nowSeconds + CLOCK_SKEW_SECONDS;
    throw new WebhookSignatureError(
      'vonage',
      expired ? 'expired' : 'mismatch',
      {
        url,
        checkedParameters: ['iss', 'iat', 'exp'],
        hint: fromTheFuture
          ? `The JWT is issued ${Math.round(issuedAt - nowSeconds)} s in the future: check this machine's clock`
          : expired
            ? 'The JWT is older than allowed'
            : 'The JWT does not verify with the signature secret and issuer Vonage',
      },
      { cause: error },
    );
  }
  if (payload['api_key'] !== expected.apiKey) {
    throw new WebhookSignatureError('vonage', 'mismatch', {
      url,
      checkedParameters: ['api_key'],
      hint: 'The JWT is for another Vonage account',
    });
  }
  if (
    payload['application_id'] !== undefined &&
    payload['application_id'] !== expected.applicationId
  ) {
    throw new WebhookSignatureError('vonage', 'mismatch', {
      url,
      checkedParameters: ['application_id'],
      hint: 'The JWT is for another Vonage application',
    });
  }
  const claimedHash = payload['payload_hash'];
  if (claimedHash === undefined) {
    if (request.rawBody.length === 0) return;
    throw new WebhookSignatureError('vonage', 'mismatch', {
      url,
      checkedParameters: ['payload_hash'],
      hint: 'The JWT has no payload_hash for a request with a body',
    });
  }
  const actual = createHash('sha256').update(request.rawBody).digest('hex');
  const claimed = Buffer.from(String(claimedHash).toLowerCase());
  if (claimed.length !== actual.length || !timingSafeEqual(claimed, Buffer.from(actual))) {
    throw new WebhookSignatureError('vonage', 'mismatch', {
      url,
      checkedParameters: ['payload_hash'],
      hint: 'The body does not hash to the payload_hash in the JWT',
    });
  }
}

import { hkdfSync, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type postgres from 'postgres';

const ISSUER = 'patchbay';
const AUDIENCE = 'patchbay-media';

/** What a media socket may carry: one call, on one provider's route. */
export interface MediaGrant {
  readonly callId: string;
  readonly provider: string;
}

/**
 * Short-lived, single-use tokens that admit a carrier's media socket for
 * one call. HS256 with a key derived from the credential key (HKDF), so
 * every process sharing the database shares it without another secret.
 */
export class MediaTokens {
  private readonly key: Uint8Array;

  constructor(
    credentialKey: Buffer,
    private readonly lifetimeSeconds = 300,
  ) {
    this.key = new Uint8Array(
      hkdfSync('sha256', credentialKey, Buffer.alloc(0), 'patchbay media token v1', 32),
    );
  }

  issue(grant: MediaGrant): Promise<string> {
    return new SignJWT({ provider: grant.provider })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(grant.callId)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(this.key);
  }

  /**
   * The grant of a valid, unused token for this call and provider, marking it
   * used; undefined for anything else (expired, forged, replayed, another call's).
   */
  async redeem(
    sql: postgres.Sql,
    token: string,
    expected: MediaGrant,
  ): Promise<MediaGrant | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        subject: expected.callId,
      });
      if (payload['provider'] !== expected.provider || !payload.jti || !payload.exp)
        return undefined;
      const used = await sql`
        insert into media_token_uses (jti, expires_at) values (${payload.jti}, to_timestamp(${payload.exp}))
        on conflict (jti) do nothing returning jti`;
      if (used.length === 0) return undefined;
      await sql`delete from media_token_uses where expires_at < now() - interval '1 hour'`;
      return expected;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}

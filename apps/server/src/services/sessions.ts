import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type postgres from 'postgres';
import { type ApiKeyScope, organizationForApiKey } from './api-keys.js';

/** How long a browser stays signed in, at most: a working day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Who a session acts for, and the token its state-changing requests must echo. */
export interface SessionIdentity {
  readonly sessionId: string;
  readonly organizationId: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly scope: ApiKeyScope;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

/**
 * Browser sessions for the console: an API key is exchanged once for a
 * random token that travels only in an HttpOnly cookie (stored here as its
 * hash), with a second random token the page sends back on every
 * state-changing request (a cross-site form cannot read it). A session acts
 * as its key: it ends when the key is revoked, expires or is deleted.
 */
export class Sessions {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  /** Signs in with an API key; undefined for a key that is unknown, revoked or expired. */
  async signIn(apiKey: string): Promise<{ token: string; identity: SessionIdentity } | undefined> {
    const key = await organizationForApiKey(this.sql, apiKey);
    if (!key) return undefined;
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const id = randomUUID();
    // Never past the key's own expiry.
    const [row] = await this.sql<{ expires_at: Date; name: string }[]>`
      insert into sessions (id, token_hash, csrf_token, api_key_id, expires_at)
      select ${id}, ${hashToken(token)}, ${csrfToken}, k.id,
             least(now() + ${`${this.ttlMs} milliseconds`}::interval, coalesce(k.expires_at, 'infinity'))
      from api_keys k where k.id = ${key.keyId}
      returning expires_at, (select name from api_keys where id = ${key.keyId}) as name`;
    await this.sql`delete from sessions where expires_at < now() - interval '1 day'`;
    return {
      token,
      identity: {
        sessionId: id,
        organizationId: key.organizationId,
        keyId: key.keyId,
        keyName: row!.name,
        scope: key.scope,
        csrfToken,
        expiresAt: row!.expires_at,
      },
    };
  }

  /** The session a cookie's token names, while it and its key are live. */
  async resolve(token: string): Promise<SessionIdentity | undefined> {
    if (token.length === 0 || token.length > 100) return undefined;
    const [row] = await this.sql<
      {
        id: string;
        csrf_token: string;
        expires_at: Date;
        key_id: string;
        name: string;
        organization_id: string;
        scope: ApiKeyScope;
      }[]
    >`
      select s.id, s.csrf_token, s.expires_at, k.id as key_id, k.name, k.organization_id, k.scope
      from sessions s join api_keys k on k.id = s.api_key_id
      where s.token_hash = ${hashToken(token)} and s.expires_at > now()
        and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())`;
    if (!row) return undefined;
    return {
      sessionId: row.id,
      organizationId: row.organization_id,
      keyId: row.key_id,
      keyName: row.name,
      scope: row.scope,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.sql`delete from sessions where id = ${sessionId}`;
  }
}

/** Whether a request's CSRF header is the session's token, compared in constant time. */
export function csrfTokenMatches(session: SessionIdentity, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

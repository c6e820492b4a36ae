import { createHash, randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import { isUuid } from '../storage/owned.js';
import { ServerError } from './server-errors.js';

const KEY_PREFIX = 'pbk_';

/** A new API key: shown once, stored only as its hash. */
export function generateApiKey(): { key: string; hash: Buffer; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, KEY_PREFIX.length + 6) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * What a key may manage: `organization`, its own organization; `deployment`
 * (the first-start key), organizations and their keys too.
 */
export type ApiKeyScope = 'organization' | 'deployment';

/** An API key as lists show it: never the secret, which is stored only as its hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  /** The key's first characters, to tell keys apart. */
  readonly prefix: string;
  readonly scope: ApiKeyScope;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
  /** When the key stops working by itself; null for never. */
  readonly expiresAt: Date | null;
}

/** The organization an API key belongs to, or undefined for an unknown, revoked or expired key. */
export async function organizationForApiKey(
  sql: postgres.Sql,
  key: string,
): Promise<{ organizationId: string; keyId: string; scope: ApiKeyScope } | undefined> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 100) return undefined;
  const [row] = await sql<
    { id: string; organization_id: string; scope: ApiKeyScope; last_used_at: Date | null }[]
  >`
    select id, organization_id, scope, last_used_at from api_keys
    where key_hash = ${hashApiKey(key)} and revoked_at is null
      and (expires_at is null or expires_at > now())`;
  if (!row) return undefined;
  // Kept to the minute: stamping every request would make each API read a database write.
  if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > 60_000)
    await sql`update api_keys set last_used_at = now() where id = ${row.id}`;
  return { organizationId: row.organization_id, keyId: row.id, scope: row.scope };
}

/** Mints a key for an organization; the secret is returned once and stored only as its hash. */
export async function issueApiKey(
  sql: postgres.Sql,
  request: {
    organizationId: string;
    name: string;
    scope?: ApiKeyScope;
    expiresAt?: Date | null | undefined;
  },
): Promise<{ record: ApiKeyRecord; key: string }> {
  const { key, hash, prefix } = generateApiKey();
  const [row] = await sql<ApiKeyRow[]>`
    insert into api_keys (organization_id, name, key_hash, key_prefix, scope, expires_at)
    values (${request.organizationId}, ${request.name}, ${hash}, ${prefix},
            ${request.scope ?? 'organization'}, ${request.expiresAt ?? null})
    returning ${sql.unsafe(API_KEY_COLUMNS)}`;
  return { record: apiKeyRecord(row!), key };
}

/** Every key, or one organization's, oldest first; revoked ones included, marked. */
export async function listApiKeys(
  sql: postgres.Sql,
  organizationId?: string,
): Promise<ApiKeyRecord[]> {
  const rows = await sql<ApiKeyRow[]>`
    select ${sql.unsafe(API_KEY_COLUMNS)} from api_keys
    where ${organizationId === undefined ? sql`true` : sql`organization_id = ${organizationId}`}
    order by created_at, id`;
  return rows.map(apiKeyRecord);
}

/**
 * Revokes a key; every process refuses it from its next request, since each
 * request looks the key up. Returns false when there is no such live key.
 */
export async function revokeApiKey(sql: postgres.Sql, keyId: string): Promise<boolean> {
  const revoked = await sql`
    update api_keys set revoked_at = now() where id = ${keyId} and revoked_at is null returning id`;
  return revoked.length > 0;
}

/**
 * Mints a key through the API: only a deployment key mints another
 * deployment key, and an expiry must lie ahead.
 * @throws ServerError `deployment_key_required`, `invalid_body`
 */
export async function mintApiKey(
  sql: postgres.Sql,
  organizationId: string,
  request: { name: string; scope: ApiKeyScope; expiresAt?: Date | undefined },
  byDeploymentKey: boolean,
): Promise<{ record: ApiKeyRecord; key: string }> {
  if (request.scope === 'deployment' && !byDeploymentKey)
    throw new ServerError(
      'deployment_key_required',
      'Only a deployment key can mint another deployment key',
    );
  if (request.expiresAt && request.expiresAt.getTime() <= Date.now())
    throw new ServerError('invalid_body', 'expiresAt: must lie in the future');
  return issueApiKey(sql, { organizationId, ...request });
}

/**
 * Revokes one of an organization's live keys through the API, which never
 * revokes the last live deployment key: the operator would be locked out
 * (the `keys` command can).
 * @throws ServerError `not_found`, `last_deployment_key`
 */
export async function revokeOrganizationApiKey(
  sql: postgres.Sql,
  organizationId: string,
  keyId: string,
): Promise<void> {
  if (!isUuid(keyId)) throw new ServerError('not_found', 'No such live API key');
  await sql.begin(async (tx) => {
    // Every live deployment key is locked while one is revoked: two revocations at once
    // cannot both see the other key and leave none.
    const deployment = await tx<{ id: string }[]>`
      select id from api_keys where scope = 'deployment' and revoked_at is null
        and (expires_at is null or expires_at > now())
      for update`;
    const [key] = await tx<{ scope: string }[]>`
      select scope from api_keys
      where id = ${keyId} and organization_id = ${organizationId} and revoked_at is null
      for update`;
    if (!key) throw new ServerError('not_found', 'No such live API key');
    if (key.scope === 'deployment' && deployment.length <= 1)
      throw new ServerError(
        'last_deployment_key',
        'This is the last deployment key; mint another first, or use the keys command',
      );
    await tx`update api_keys set revoked_at = now() where id = ${keyId}`;
  });
}

/** A new organization with its first key (organization scope), returned once. */
export async function createOrganization(
  sql: postgres.Sql,
  name: string,
): Promise<{ organizationId: string; key: string; record: ApiKeyRecord }> {
  return sql.begin(async (tx) => {
    const [organization] = await tx<{ id: string }[]>`
      insert into organizations (name) values (${name}) returning id`;
    const issued = await issueApiKey(tx as unknown as postgres.Sql, {
      organizationId: organization!.id,
      name: 'admin',
    });
    return { organizationId: organization!.id, ...issued };
  });
}

/** Organizations, oldest first, with how many live keys each has. */
export async function listOrganizations(
  sql: postgres.Sql,
): Promise<{ id: string; name: string; createdAt: Date; liveKeys: number }[]> {
  const rows = await sql<{ id: string; name: string; created_at: Date; live_keys: number }[]>`
    select o.id, o.name, o.created_at,
           (select count(*)::int from api_keys k
            where k.organization_id = o.id and k.revoked_at is null
              and (k.expires_at is null or k.expires_at > now())) as live_keys
    from organizations o order by o.created_at, o.id`;
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    liveKeys: row.live_keys,
  }));
}

const API_KEY_COLUMNS =
  'id, organization_id, name, key_prefix, scope, created_at, last_used_at, revoked_at, expires_at';

interface ApiKeyRow {
  id: string;
  organization_id: string;
  name: string;
  key_prefix: string;
  scope: ApiKeyScope;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
}

const apiKeyRecord = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  prefix: row.key_prefix,
  scope: row.scope,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
  expiresAt: row.expires_at,
});

/**
 * On a database with no organization, creates one, an admin API key and
 * the built-in echo agent, and returns the key (to print once); otherwise
 * does nothing. Safe when several
 * processes start together: the first one creates, the others see it.
 */
export async function bootstrapOrganization(
  sql: postgres.Sql,
): Promise<{ organizationId: string; apiKey: string; echoAgentId: string } | undefined> {
  return sql.begin(async (tx) => {
    await tx`lock table organizations in exclusive mode`;
    const [existing] = await tx`select id from organizations limit 1`;
    if (existing) return undefined;
    const [organization] = await tx<{ id: string }[]>`
      insert into organizations (name) values ('Default organization') returning id`;
    const { key, hash, prefix } = generateApiKey();
    // The first key manages the deployment: organizations and their keys.
    await tx`
      insert into api_keys (organization_id, name, key_hash, key_prefix, scope)
      values (${organization!.id}, 'admin', ${hash}, ${prefix}, 'deployment')`;
    // Something to answer calls from the first minute: the caller hears themself.
    const [agent] = await tx<{ id: string }[]>`
      insert into agents (organization_id, name, kind, sample_rate)
      values (${organization!.id}, 'Built-in echo', 'echo', 16000) returning id`;
    return { organizationId: organization!.id, apiKey: key, echoAgentId: agent!.id };
  });
}

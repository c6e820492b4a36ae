import { createHash, randomBytes } from 'node:crypto';
import type postgres from 'postgres';

const KEY_PREFIX = 'pbk_';

/** A new API key: shown once, stored only as its hash. */
export function generateApiKey(): { key: string; hash: Buffer; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, KEY_PREFIX.length + 6) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The organization an API key belongs to, or undefined for an unknown or revoked key. */
export async function organizationForApiKey(
  sql: postgres.Sql,
  key: string,
): Promise<{ organizationId: string; keyId: string } | undefined> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 100) return undefined;
  const [row] = await sql<{ id: string; organization_id: string; last_used_at: Date | null }[]>`
    select id, organization_id, last_used_at from api_keys
    where key_hash = ${hashApiKey(key)} and revoked_at is null`;
  if (!row) return undefined;
  // Kept to the minute: stamping every request would make each API read a database write.
  if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > 60_000)
    await sql`update api_keys set last_used_at = now() where id = ${row.id}`;
  return { organizationId: row.organization_id, keyId: row.id };
}

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
    await tx`
      insert into api_keys (organization_id, name, key_hash, key_prefix)
      values (${organization!.id}, 'admin', ${hash}, ${prefix})`;
    // Something to answer calls from the first minute: the caller hears themself.
    const [agent] = await tx<{ id: string }[]>`
      insert into agents (organization_id, name, kind, sample_rate)
      values (${organization!.id}, 'Built-in echo', 'echo', 16000) returning id`;
    return { organizationId: organization!.id, apiKey: key, echoAgentId: agent!.id };
  });
}

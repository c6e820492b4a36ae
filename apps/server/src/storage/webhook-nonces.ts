import type { ReplayGuard } from '@patchbay/core';
import type postgres from 'postgres';

/**
 * Core's ReplayGuard in PostgreSQL: a nonce admitted on one process is
 * known to all. An insert that loses to a concurrent one reads the
 * winner's fingerprint, so two deliveries racing with one nonce cannot
 * both pass unless they are the same request.
 */
export function postgresReplayGuard(sql: postgres.Sql): ReplayGuard {
  let admitted = 0;
  return {
    async admit(nonce, fingerprint, ttlSeconds) {
      // Now and then, drop what has expired; nothing else reads old rows.
      if (++admitted % 500 === 0) await sql`delete from webhook_nonces where expires_at < now()`;
      const [row] = await sql<{ fingerprint: string }[]>`
        insert into webhook_nonces (nonce, fingerprint, expires_at)
        values (${nonce}, ${fingerprint}, now() + ${ttlSeconds} * interval '1 second')
        on conflict (nonce) do update
          set fingerprint = excluded.fingerprint, expires_at = excluded.expires_at
          where webhook_nonces.expires_at < now()
        returning fingerprint`;
      if (row) return true;
      const [existing] = await sql<{ fingerprint: string }[]>`
        select fingerprint from webhook_nonces where nonce = ${nonce}`;
      return existing?.fingerprint === fingerprint;
    },
  };
}

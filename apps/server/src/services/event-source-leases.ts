import type { Logger } from '@patchbay/core';
import postgres from 'postgres';

/**
 * Which process runs a configuration's carrier event connection. Asterisk
 * hands a Stasis application to the newest socket that registers it, so two
 * processes each opening one would take it from each other; a lease makes
 * one process the holder and lets another take over when it goes away.
 */
export interface EventSourceLeases {
  /** True when this process holds, or now took, the configuration's lease. */
  acquire(configurationId: string): Promise<boolean>;
  release(configurationId: string): Promise<void>;
  /** False when the leases this process held were lost (its lease connection broke). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

/** The embedded database is one process: it holds every lease. */
export const soleProcessLeases: EventSourceLeases = {
  acquire: async () => true,
  release: async () => {},
  healthy: async () => true,
  close: async () => {},
};

// The first key of every lease; the second is the configuration id's hash.
const LEASE_NAMESPACE = 4_731_903;

export interface PostgresLeaseOptions {
  /**
   * How long a lease query may go unanswered before this process counts its
   * leases as lost (default 5000 ms). A process that cannot confirm its lease
   * must stop what the lease guards: another may be about to take it.
   */
  readonly answerWithinMs?: number;
}

/** A lease query that got no answer in time. */
class LeaseQueryTimeout extends Error {
  constructor(ms: number) {
    super(`no answer from the lease session in ${ms} ms`);
    this.name = 'LeaseQueryTimeout';
  }
}

/**
 * Leases as PostgreSQL session advisory locks, all held by one connection
 * of the process's own: when the process dies, or that connection breaks,
 * PostgreSQL releases them and another process's next attempt succeeds.
 * A hash collision between two configurations only means one process holds
 * both (session locks are re-entrant), never that one runs nowhere.
 *
 * The connection is a one-connection pool, not `sql.reserve()`: postgres.js
 * 3.4.9 throws an uncatchable error on a reserved connection whose backend
 * died (porsager/postgres#1208), while a pool reconnects. A reconnect is a
 * new session without the locks, which the backend id reveals. A session
 * that stops answering is dropped for a new one, so that, should it answer
 * after all, its locks go with it.
 */
export function postgresLeases(
  url: string,
  logger: Logger,
  options: PostgresLeaseOptions = {},
): EventSourceLeases {
  const answerWithinMs = options.answerWithinMs ?? 5000;
  const openSession = () =>
    postgres(url, {
      max: 1,
      max_lifetime: null,
      connect_timeout: Math.max(1, Math.ceil(answerWithinMs / 1000)),
      onnotice: () => {},
    });
  let session = openSession();
  /** The backend the leases are held in. */
  let backend: number | undefined;
  let lost = false;
  const held = new Set<string>();

  function answered<T>(pending: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LeaseQueryTimeout(answerWithinMs)), answerWithinMs);
    });
    return Promise.race([pending, late]).finally(() => clearTimeout(timer));
  }

  /** Runs one lease query, noticing when the session is no longer the one that held the leases. */
  async function query<T extends { backend: number }>(
    run: (sql: postgres.Sql) => Promise<T[]>,
  ): Promise<T | undefined> {
    try {
      const [row] = await answered(run(session));
      if (backend !== undefined && row!.backend !== backend && held.size > 0) {
        logger.warn({ held: held.size }, 'event source leases lost with their database session');
        lost = true;
        held.clear();
      }
      backend = row!.backend;
      return row;
    } catch (error) {
      if (held.size > 0) {
        logger.warn({ error: String(error), held: held.size }, 'event source lease check failed');
        lost = true;
        held.clear();
      }
      if (error instanceof LeaseQueryTimeout) {
        const silent = session;
        session = openSession();
        backend = undefined;
        void silent.end({ timeout: 0 }).catch(() => {});
      } else {
        // The session may be alive after all: it must not keep what this process let go.
        await answered(session`select pg_advisory_unlock_all()`).catch(() => {});
      }
      return undefined;
    }
  }

  return {
    async acquire(configurationId) {
      if (held.has(configurationId)) return true;
      const row = await query(
        (sql) => sql<{ backend: number; locked: boolean }[]>`
          select pg_backend_pid() as backend,
                 pg_try_advisory_lock(${LEASE_NAMESPACE}, hashtext(${configurationId})) as locked`,
      );
      if (row?.locked) held.add(configurationId);
      return row?.locked === true;
    },
    async release(configurationId) {
      if (!held.delete(configurationId)) return;
      await query(
        (sql) => sql<{ backend: number }[]>`
          select pg_backend_pid() as backend,
                 pg_advisory_unlock(${LEASE_NAMESPACE}, hashtext(${configurationId}))`,
      );
    },
    async healthy() {
      if (held.size > 0)
        await query((sql) => sql<{ backend: number }[]>`select pg_backend_pid() as backend`);
      const ok = !lost;
      lost = false;
      return ok;
    },
    async close() {
      held.clear();
      // Ending the session releases its locks now: the next process takes over at once.
      await session.end({ timeout: 5 });
    },
  };
}

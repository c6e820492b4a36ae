import type { Logger } from '@patchbay/core';
import type postgres from 'postgres';

/**
 * Messages published on any server process and heard by the listeners of
 * their key on every process: in memory on the embedded database (one
 * process), over PostgreSQL LISTEN/NOTIFY otherwise. Call signals (keyed by
 * call) and the call feed (keyed by organization) ride on it.
 */
export interface Bus<T> {
  publish(message: T): Promise<void>;
  /** Listens for one key's messages; returns the way to stop. */
  subscribe(key: string, listener: (message: T) => void): () => void;
  close(): Promise<void>;
}

/** Listeners by key, shared by both transports. */
class Listeners<T> {
  private readonly byKey = new Map<string, Set<(message: T) => void>>();

  constructor(
    private readonly keyOf: (message: T) => string,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  add(key: string, listener: (message: T) => void): () => void {
    const set = this.byKey.get(key) ?? new Set();
    this.byKey.set(key, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
    };
  }

  deliver(message: T): void {
    const key = this.keyOf(message);
    for (const listener of this.byKey.get(key) ?? []) {
      try {
        listener(message);
      } catch (error) {
        this.logger.error({ key, error: String(error) }, `${this.what} listener failed`);
      }
    }
  }
}

/** One process only (the embedded database): messages stay in memory. */
export function localBus<T>(keyOf: (message: T) => string, logger: Logger, what: string): Bus<T> {
  const listeners = new Listeners(keyOf, logger, what);
  return {
    async publish(message) {
      // Delivered after the publisher's own work, as a NOTIFY would be.
      queueMicrotask(() => listeners.deliver(message));
    },
    subscribe: (key, listener) => listeners.add(key, listener),
    async close() {},
  };
}

/**
 * Messages over PostgreSQL LISTEN/NOTIFY on `channel`, so every server
 * process on one database hears them. postgres.js keeps the listening
 * connection open and re-listens after a reconnect. A NOTIFY payload holds
 * at most 8000 bytes: publish ids and small records, not documents.
 */
export async function postgresBus<T>(
  sql: postgres.Sql,
  channel: string,
  keyOf: (message: T) => string,
  logger: Logger,
  what: string,
): Promise<Bus<T>> {
  const listeners = new Listeners(keyOf, logger, what);
  const { unlisten } = await sql.listen(channel, (payload) => {
    let message: T;
    try {
      message = JSON.parse(payload) as T;
    } catch {
      logger.warn({ channel }, `unreadable ${what} ignored`);
      return;
    }
    listeners.deliver(message);
  });
  return {
    async publish(message) {
      await sql`select pg_notify(${channel}, ${JSON.stringify(message)})`;
    },
    subscribe: (key, listener) => listeners.add(key, listener),
    async close() {
      await unlisten().catch(() => {});
    },
  };
}

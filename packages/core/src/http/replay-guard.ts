/**
 * Remembers the nonces of signed webhooks, for carriers whose signature
 * carries a nonce but no timestamp (Vobiz V2/V3): without it, a captured
 * request could be sent again forever.
 *
 * A nonce seen again with the same fingerprint (the same method, URL and
 * body) is a carrier retrying a delivery it thinks failed, and is admitted;
 * seen with anything else, it is a replay.
 */
export interface ReplayGuard {
  /**
   * Records `nonce` for `ttlSeconds`. Resolves true when it is new, or was
   * seen with this same `fingerprint`; false when it was seen with another.
   * `nonce` should already be scoped (provider and account) by the caller.
   */
  admit(nonce: string, fingerprint: string, ttlSeconds: number): Promise<boolean>;
}

/** Options of {@link createMemoryReplayGuard}. */
export interface MemoryReplayGuardOptions {
  /** The most nonces kept; the oldest go first beyond it. Default 100 000. */
  readonly maxEntries?: number;
  /** Milliseconds since the epoch; for tests. */
  readonly now?: () => number;
}

/**
 * A {@link ReplayGuard} in this process's memory. Right for one process;
 * hosts running several behind one URL need a shared one (the reference
 * server keeps nonces in PostgreSQL).
 */
export function createMemoryReplayGuard(options: MemoryReplayGuardOptions = {}): ReplayGuard {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, { fingerprint: string; expiresAt: number }>();
  return {
    async admit(nonce, fingerprint, ttlSeconds) {
      const at = now();
      const previous = seen.get(nonce);
      if (previous && previous.expiresAt > at) return previous.fingerprint === fingerprint;
      seen.delete(nonce);
      seen.set(nonce, { fingerprint, expiresAt: at + ttlSeconds * 1000 });
      // Map iteration is insertion order: the first keys are the oldest.
      for (const key of seen.keys()) {
        if (seen.size <= maxEntries) break;
        seen.delete(key);
      }
      return true;
    },
  };
}

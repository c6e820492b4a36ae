import type { Logger } from '@patchbay/core';
import type postgres from 'postgres';

/** Where a transfer stands, as the server tracks it. */
export type TransferState =
  | 'pending'
  | 'answered'
  | 'connected'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed';

/** A transfer of the call moved on: the process holding its media must hear about it. */
export interface TransferSignal {
  readonly callId: string;
  readonly type: 'transfer';
  readonly transferId: string;
  readonly status: TransferState;
  readonly reason?: string;
}

/** A new media socket for the call was admitted by `instanceId`: any other one closes. */
export interface MediaTakenSignal {
  readonly callId: string;
  readonly type: 'media-taken';
  readonly instanceId: string;
}

export type CallSignal = TransferSignal | MediaTakenSignal;

type Listener = (signal: CallSignal) => void;

/**
 * Delivery of call signals to whichever process holds the call's media
 * socket. A webhook, an API command and the media socket of one call may
 * reach three different processes; a signal published on any of them
 * reaches the listeners on all.
 */
export interface CallSignals {
  publish(signal: CallSignal): Promise<void>;
  /** Listens for one call's signals; returns the way to stop. */
  subscribe(callId: string, listener: Listener): () => void;
  close(): Promise<void>;
}

/** Listeners by call, shared by both transports. */
class Listeners {
  private readonly byCall = new Map<string, Set<Listener>>();

  constructor(private readonly logger: Logger) {}

  add(callId: string, listener: Listener): () => void {
    const set = this.byCall.get(callId) ?? new Set<Listener>();
    this.byCall.set(callId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byCall.get(callId) === set) this.byCall.delete(callId);
    };
  }

  deliver(signal: CallSignal): void {
    for (const listener of this.byCall.get(signal.callId) ?? []) {
      try {
        listener(signal);
      } catch (error) {
        this.logger.error(
          { callId: signal.callId, error: String(error) },
          'call signal listener failed',
        );
      }
    }
  }
}

/** One process only (the embedded database): signals stay in memory. */
export function localCallSignals(logger: Logger): CallSignals {
  const listeners = new Listeners(logger);
  return {
    async publish(signal) {
      // Delivered after the publisher's own work, as a NOTIFY would be.
      queueMicrotask(() => listeners.deliver(signal));
    },
    subscribe: (callId, listener) => listeners.add(callId, listener),
    async close() {},
  };
}

export const CALL_SIGNAL_CHANNEL = 'patchbay_call_signals';

/**
 * Signals over PostgreSQL LISTEN/NOTIFY, so every server process on one
 * database hears them. postgres.js keeps the listening connection open and
 * re-listens after a reconnect.
 */
export async function postgresCallSignals(sql: postgres.Sql, logger: Logger): Promise<CallSignals> {
  const listeners = new Listeners(logger);
  const { unlisten } = await sql.listen(CALL_SIGNAL_CHANNEL, (payload) => {
    let signal: CallSignal;
    try {
      signal = JSON.parse(payload) as CallSignal;
    } catch {
      logger.warn({ channel: CALL_SIGNAL_CHANNEL }, 'unreadable call signal ignored');
      return;
    }
    listeners.deliver(signal);
  });
  return {
    async publish(signal) {
      await sql`select pg_notify(${CALL_SIGNAL_CHANNEL}, ${JSON.stringify(signal)})`;
    },
    subscribe: (callId, listener) => listeners.add(callId, listener),
    async close() {
      await unlisten().catch(() => {});
    },
  };
}

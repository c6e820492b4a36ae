import type { Logger } from '@patchbay/core';
import type postgres from 'postgres';
import { type Bus, localBus, postgresBus } from '../bus.js';

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

/** The carrier's answering-machine detection decided: the agent hears it at once. */
export interface AnsweringMachineSignal {
  readonly callId: string;
  readonly type: 'amd';
  readonly answeredBy: 'human' | 'machine' | 'fax' | 'unknown';
  readonly greeting: 'started' | 'ended' | null;
  readonly carrierLabel: string;
}

export type CallSignal = TransferSignal | MediaTakenSignal | AnsweringMachineSignal;

/**
 * Delivery of call signals to whichever process holds the call's media
 * socket. A webhook, an API command and the media socket of one call may
 * reach three different processes; a signal published on any of them
 * reaches the listeners on all.
 */
export type CallSignals = Bus<CallSignal>;

/** One process only (the embedded database): signals stay in memory. */
export function localCallSignals(logger: Logger): CallSignals {
  return localBus<CallSignal>((signal) => signal.callId, logger, 'call signal');
}

export const CALL_SIGNAL_CHANNEL = 'patchbay_call_signals';

/** Signals over PostgreSQL LISTEN/NOTIFY, so every server process on one database hears them. */
export function postgresCallSignals(sql: postgres.Sql, logger: Logger): Promise<CallSignals> {
  return postgresBus<CallSignal>(
    sql,
    CALL_SIGNAL_CHANNEL,
    (signal) => signal.callId,
    logger,
    'call signal',
  );
}

import type { Logger } from '../logger.js';

/**
 * The normalized status of a call. Every carrier status maps onto one of these.
 * The last five are terminal: once a call has one, it never changes again.
 */
export type CallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

/** Every {@link CallStatus}, in the order a call moves through them. */
export const CALL_STATUSES: readonly CallStatus[] = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
];

/** The statuses after which a call is over. */
export const TERMINAL_CALL_STATUSES: ReadonlySet<CallStatus> = new Set<CallStatus>([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);

/** True when a call with this status is over. */
export function isTerminalCallStatus(status: CallStatus): boolean {
  return TERMINAL_CALL_STATUSES.has(status);
}

/** True for a string that is one of the nine {@link CallStatus} values. */
export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && (CALL_STATUSES as readonly string[]).includes(value);
}

/**
 * Maps a carrier's status vocabulary onto {@link CallStatus}. Matching ignores
 * case and treats `_`, `-` and spaces alike. An unknown status maps to
 * `fallback` and is logged as a warning: carriers add statuses, and a new one
 * must not crash a webhook.
 */
export interface CallStatusMapper {
  (rawStatus: string): CallStatus;
  /** The statuses the mapper knows, as written in its table. */
  readonly known: readonly string[];
}

function statusKey(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-');
}

export function createCallStatusMapper(options: {
  readonly provider: string;
  readonly table: Readonly<Record<string, CallStatus>>;
  /**
   * What an unknown status becomes. Choose a non-terminal status when a wrong
   * "over" would cut a live call short, a terminal one when a wrong "live" would
   * leave a dead call open.
   */
  readonly fallback: CallStatus;
  readonly logger?: Logger;
}): CallStatusMapper {
  const table = new Map<string, CallStatus>();
  for (const [raw, status] of Object.entries(options.table)) table.set(statusKey(raw), status);
  const mapper = (rawStatus: string): CallStatus => {
    const status = table.get(statusKey(rawStatus));
    if (status !== undefined) return status;
    options.logger?.warn(
      { provider: options.provider, rawStatus, fallback: options.fallback },
      'unknown carrier call status; using the fallback',
    );
    return options.fallback;
  };
  return Object.assign(mapper, { known: Object.keys(options.table) });
}

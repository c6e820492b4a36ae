import type { CallStatus, Logger } from '@patchbay/core';
import { createCallStatusMapper } from '@patchbay/core/provider-utils';

/**
 * Plivo's CallStatus values ("Call status") and the Event names its ring and
 * hangup callbacks carry when CallStatus is absent. A stream's start or stop
 * is not the call's: a transfer stops the stream and keeps the call.
 */
export const PLIVO_CALL_STATUSES: Readonly<Record<string, CallStatus>> = {
  queued: 'queued',
  'in-progress': 'in-progress',
  ringing: 'ringing',
  ring: 'ringing',
  completed: 'completed',
  hangup: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  timeout: 'no-answer',
  cancel: 'canceled',
  cancelled: 'canceled',
  failed: 'failed',
  startstream: 'in-progress',
  stopstream: 'in-progress',
  playedstream: 'in-progress',
};

export function createPlivoStatusMapper(logger?: Logger) {
  return createCallStatusMapper({
    provider: 'plivo',
    table: PLIVO_CALL_STATUSES,
    fallback: 'in-progress',
    ...(logger ? { logger } : {}),
  });
}

/** The final state in a Plivo call detail record (`call_state`), as a status. */
export function plivoCallState(state: string | undefined): CallStatus {
  switch ((state ?? '').toUpperCase()) {
    case 'ANSWER':
      return 'completed';
    case 'BUSY':
      return 'busy';
    case 'NO_ANSWER':
    case 'NOANSWER':
      return 'no-answer';
    case 'CANCEL':
    case 'CANCELLED':
      return 'canceled';
    default:
      return 'failed';
  }
}

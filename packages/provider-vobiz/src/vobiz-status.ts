import type { CallStatus, Logger } from '@patchbay/core';
import { createCallStatusMapper } from '@patchbay/core/provider-utils';

/**
 * Vobiz's CallStatus values ("Call status"), and the Event names its ring,
 * answer and hangup callbacks carry ("Event": Ring, StartApp, Hangup,
 * Transfer, Redirect) when CallStatus is absent. A stream's own events are
 * not the call's: a transfer stops the stream and keeps the call.
 */
export const VOBIZ_CALL_STATUSES: Readonly<Record<string, CallStatus>> = {
  queued: 'queued',
  ringing: 'ringing',
  ring: 'ringing',
  'in-progress': 'in-progress',
  startapp: 'in-progress',
  transfer: 'in-progress',
  redirect: 'in-progress',
  startstream: 'in-progress',
  stopstream: 'in-progress',
  playedstream: 'in-progress',
  completed: 'completed',
  hangup: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  timeout: 'no-answer',
  cancel: 'canceled',
  failed: 'failed',
};

export function createVobizStatusMapper(logger?: Logger) {
  return createCallStatusMapper({
    provider: 'vobiz',
    table: VOBIZ_CALL_STATUSES,
    fallback: 'in-progress',
    ...(logger ? { logger } : {}),
  });
}

/**
 * How a finished call ended, from its call detail record: Vobiz's CDR has
 * no final status field, only the hang-up cause and whether it was answered.
 */
export function vobizCdrStatus(record: {
  readonly answered: boolean;
  readonly hangupCause: string | undefined;
}): CallStatus {
  if (record.answered) return 'completed';
  switch ((record.hangupCause ?? '').toUpperCase()) {
    case 'USER_BUSY':
      return 'busy';
    case 'NO_ANSWER':
    case 'NO_USER_RESPONSE':
    case 'ALLOTTED_TIMEOUT':
      return 'no-answer';
    case 'ORIGINATOR_CANCEL':
      return 'canceled';
    default:
      return 'failed';
  }
}

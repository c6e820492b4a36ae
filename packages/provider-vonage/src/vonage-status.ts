import type { AnsweredBy, CallStatus, Logger } from '@patchbay/core';
import { createCallStatusMapper } from '@patchbay/core/provider-utils';

/**
 * Vonage call event statuses ("Voice API reference", event webhook). Events
 * that are not call states (input, record, transfer, machine detection) keep
 * the call as it is.
 */
export const VONAGE_CALL_STATUSES: Readonly<Record<string, CallStatus>> = {
  started: 'initiated',
  ringing: 'ringing',
  answered: 'in-progress',
  completed: 'completed',
  complete: 'completed',
  disconnected: 'completed',
  busy: 'busy',
  rejected: 'busy',
  timeout: 'no-answer',
  unanswered: 'no-answer',
  // Cancelled by the caller before an answer: a cancellation, not a no-answer (the original said no-answer).
  cancelled: 'canceled',
  failed: 'failed',
  human: 'in-progress',
  machine: 'in-progress',
  input: 'in-progress',
  record: 'in-progress',
  transfer: 'in-progress',
};

export function createVonageStatusMapper(logger?: Logger) {
  return createCallStatusMapper({
    provider: 'vonage',
    table: VONAGE_CALL_STATUSES,
    fallback: 'in-progress',
    ...(logger ? { logger } : {}),
  });
}

/** A machine-detection event's status as who answered. */
export function vonageAnsweredBy(status: string): AnsweredBy | undefined {
  if (status === 'human') return 'human';
  if (status === 'machine') return 'machine';
  return undefined;
}

import type { CallStatus, Logger, TransferStatus } from '@patchbay/core';
import { createCallStatusMapper } from '@patchbay/core/provider-utils';

/**
 * A CDR's disposition (ANSWER, BUSY, …) and the status callback's status
 * values, on one table: both arrive at the status route.
 */
export const CLOUDONIX_CALL_STATUSES: Readonly<Record<string, CallStatus>> = {
  answer: 'completed',
  busy: 'busy',
  cancel: 'canceled',
  failed: 'failed',
  congestion: 'failed',
  noanswer: 'no-answer',
  initiated: 'initiated',
  ringing: 'ringing',
  answered: 'in-progress',
  'in-progress': 'in-progress',
  completed: 'completed',
  'no-answer': 'no-answer',
  canceled: 'canceled',
  error: 'failed',
  nocredit: 'failed',
};

export function createCloudonixStatusMapper(logger?: Logger) {
  return createCallStatusMapper({
    provider: 'cloudonix',
    table: CLOUDONIX_CALL_STATUSES,
    fallback: 'in-progress',
    ...(logger ? { logger } : {}),
  });
}

/** The transfer callback: joining the conference means answered; failure statuses end it. */
export function cloudonixTransferStatus(
  event: string | undefined,
  status: string | undefined,
): TransferStatus {
  if (event?.toLowerCase() === 'participant-join') return 'answered';
  switch (status?.toLowerCase()) {
    case 'busy':
      return 'busy';
    case 'noanswer':
    case 'no-answer':
    case 'cancel':
      return 'no-answer';
    case 'nocredit':
    case 'error':
    case 'congestion':
    case 'failed':
      return 'failed';
    default:
      return 'pending';
  }
}

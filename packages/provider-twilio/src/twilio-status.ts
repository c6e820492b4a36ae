import type {
  AnsweredBy,
  AnsweringMachineResult,
  CallStatus,
  Logger,
  TransferStatus,
} from '@patchbay/core';
import { createCallStatusMapper } from '@patchbay/core/provider-utils';

/** Twilio's documented CallStatus values ("Call resource", Status values). */
export const TWILIO_CALL_STATUSES: Readonly<Record<string, CallStatus>> = {
  queued: 'queued',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'in-progress',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  canceled: 'canceled',
  failed: 'failed',
};

/** An unknown status is treated as still live: ending a call on a guess would cut a caller off. */
export function createTwilioStatusMapper(logger?: Logger) {
  return createCallStatusMapper({
    provider: 'twilio',
    table: TWILIO_CALL_STATUSES,
    fallback: 'in-progress',
    ...(logger ? { logger } : {}),
  });
}

/** `AnsweredBy` values ("Answering Machine Detection"). */
/**
 * An `AnsweredBy` label as a detection result: `machine_start` is a machine
 * still greeting; `machine_end_beep`, `_silence` and `_other` one done.
 */
export function twilioMachineResult(callId: string, label: string): AnsweringMachineResult {
  const greeting =
    label === 'machine_start' ? 'started' : label.startsWith('machine_end') ? 'ended' : undefined;
  return {
    callId,
    answeredBy: twilioAnsweredBy(label),
    ...(greeting ? { greeting } : {}),
    carrierLabel: label,
  };
}

export function twilioAnsweredBy(label: string): AnsweredBy {
  if (label === 'human') return 'human';
  if (label === 'fax') return 'fax';
  if (label.startsWith('machine')) return 'machine';
  return 'unknown';
}

/** A transfer destination leg's CallStatus, as a transfer outcome. */
export function twilioTransferStatus(callStatus: string): TransferStatus {
  switch (callStatus) {
    case 'in-progress':
    case 'answered':
      return 'answered';
    case 'completed':
      return 'completed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return 'pending';
  }
}

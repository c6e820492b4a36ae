import type {
  AnsweredBy,
  AnsweringMachineResult,
  CallStatus,
  TransferStatus,
} from '@patchbay/core';

/** Telnyx sometimes writes event types with underscores (`streaming_started`). */
export function normalizeTelnyxEventType(eventType: string): string {
  return eventType.replace(/_/g, '.');
}

/**
 * A call.hangup's cause as a final status (telnyx-node webhooks: call_rejected,
 * normal_clearing, originator_cancel, timeout, time_limit, user_busy,
 * not_found, no_answer, unspecified). The original knew only `busy`, so a busy
 * callee was recorded as completed.
 */
export function telnyxHangupStatus(cause: string | undefined): CallStatus {
  switch (cause) {
    case 'user_busy':
    case 'busy':
      return 'busy';
    case 'no_answer':
    case 'timeout':
      return 'no-answer';
    case 'originator_cancel':
      return 'canceled';
    case 'call_rejected':
    case 'unallocated_number':
    case 'not_found':
      return 'failed';
    default:
      return 'completed';
  }
}

/** A Telnyx call event as a status; undefined for events that say nothing about the call's state. */
export function telnyxEventStatus(eventType: string, hangupCause?: string): CallStatus | undefined {
  switch (eventType) {
    case 'call.initiated':
      return 'initiated';
    case 'call.answered':
    case 'call.bridged':
      return 'in-progress';
    case 'call.hangup':
      return telnyxHangupStatus(hangupCause);
    default:
      return undefined;
  }
}

/**
 * A `call.machine.*` event as a detection result: `detection.ended` says
 * who answered (a machine is then still greeting); `greeting.ended` (with
 * `detect_beep`) says the greeting is over, whatever its `result`.
 */
export function telnyxMachineResult(
  eventType: string,
  callId: string,
  result: string,
): AnsweringMachineResult {
  if (eventType.includes('greeting.ended'))
    return { callId, answeredBy: 'machine', greeting: 'ended', carrierLabel: result };
  const answeredBy = telnyxAnsweredBy(result);
  return {
    callId,
    answeredBy,
    ...(answeredBy === 'machine' ? { greeting: 'started' as const } : {}),
    carrierLabel: result,
  };
}

/** `call.machine.detection.ended` and its premium variant's `result`. */
export function telnyxAnsweredBy(result: string): AnsweredBy {
  if (result === 'human' || result.startsWith('human_')) return 'human';
  if (result === 'machine') return 'machine';
  if (result === 'fax_detected') return 'fax';
  return 'unknown';
}

/** A transfer destination leg's event as a transfer outcome. */
export function telnyxTransferStatus(eventType: string, hangupCause?: string): TransferStatus {
  if (eventType === 'call.answered') return 'answered';
  if (eventType !== 'call.hangup') return 'pending';
  switch (hangupCause) {
    case 'normal_clearing':
      return 'completed';
    case 'user_busy':
    case 'busy':
      return 'busy';
    case 'no_answer':
    case 'timeout':
      return 'no-answer';
    default:
      return 'failed';
  }
}

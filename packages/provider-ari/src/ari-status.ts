import type { CallStatus, TransferStatus } from '@patchbay/core';

/** A channel's ARI state as a call status. */
export function ariChannelStatus(state: string): CallStatus {
  switch (state) {
    case 'Up':
      return 'in-progress';
    case 'Ring':
    case 'Ringing':
      return 'ringing';
    case 'Busy':
      return 'busy';
    case 'Down':
    case 'Rsrvd':
    case 'OffHook':
    case 'Dialing':
      return 'initiated';
    default:
      return 'in-progress';
  }
}

/** How a channel's end came about, as its events told it. */
export interface AriChannelEnd {
  /** ChannelDestroyed's Q.850 cause, when that event came. */
  readonly cause?: number | undefined;
  /** It entered Stasis answered. */
  readonly answered: boolean;
  /** The last DIALSTATUS a `Dial` event gave for it (`BUSY`, `NOANSWER`, …). */
  readonly dialStatus?: string | undefined;
  /** ARI itself hung it up (ChannelHangupRequest `soft`): Patchbay canceled it. */
  readonly hungUpByUs?: boolean;
}

function byDialStatus(dialStatus: string | undefined): CallStatus | undefined {
  switch (dialStatus) {
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
      return 'no-answer';
    case 'CANCEL':
      return 'canceled';
    case 'CONGESTION':
    case 'CHANUNAVAIL':
      return 'failed';
    default:
      return undefined;
  }
}

/**
 * How a call that ends went. An outbound call that is never answered never
 * enters Stasis, so this is the only news of its fate (the original ignored
 * it). `Dial`'s DIALSTATUS comes first: over a `Local/` channel (as 3CX dials)
 * the originated half ends with cause 0 and only Dial says the callee was busy.
 */
export function ariEndStatus(end: AriChannelEnd): CallStatus {
  if (end.answered) return 'completed';
  if (end.hungUpByUs) return 'canceled';
  const dialed = byDialStatus(end.dialStatus);
  if (dialed) return dialed;
  switch (end.cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
      return 'no-answer';
    case 16:
    case 31:
      return 'canceled';
    default:
      return 'failed';
  }
}

/** A transfer destination that ended before it was bridged. */
export function ariTransferStatus(end: Omit<AriChannelEnd, 'answered'>): TransferStatus {
  const status = ariEndStatus({ ...end, answered: false });
  return status === 'busy' || status === 'no-answer' ? status : 'failed';
}

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

/**
 * How a channel that ends says the call went (Q.850 causes on
 * ChannelDestroyed). An outbound call that is never answered never enters
 * Stasis, so this is the only news of its fate; the original ignored it.
 */
export function ariEndStatus(cause: number | undefined, answered: boolean): CallStatus {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
      return 'no-answer';
    case 1:
    case 21:
    case 34:
    case 38:
    case 41:
    case 42:
      return 'failed';
    case 16:
    case 31:
      return answered ? 'completed' : 'canceled';
    default:
      return answered ? 'completed' : 'failed';
  }
}

/** A transfer destination that ended before it was bridged, by Q.850 cause. */
export function ariTransferStatus(cause: number | undefined): TransferStatus {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
      return 'no-answer';
    default:
      return 'failed';
  }
}

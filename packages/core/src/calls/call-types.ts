import type { UnsupportedWarning } from '../errors/unsupported-feature-error.js';
import type { CallStatus } from './call-status.js';

/** Which way a call goes, seen from the voice agent. */
export type CallDirection = 'inbound' | 'outbound';

/** What the carrier said when an outbound call was placed. */
export interface CallInitiation {
  /** The carrier's id for the call. */
  readonly callId: string;
  readonly status: CallStatus;
  /** The caller ID actually presented. */
  readonly from: string;
  readonly to: string;
  /** Carrier-specific values worth keeping with the call (never secrets). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Features that were asked for and skipped. */
  readonly warnings: readonly UnsupportedWarning[];
}

/** A call the carrier is offering to the host, normalized from its inbound webhook. */
export interface InboundCall {
  readonly provider: string;
  readonly callId: string;
  /** Canonical addresses (E.164 with `+` for phone numbers). */
  readonly from: string;
  readonly to: string;
  /** The value to match against the configuration's account id field, if the carrier sends one. */
  readonly accountId: string | undefined;
  readonly status: CallStatus;
  readonly fromCountry?: string;
  readonly toCountry?: string;
  /** Carrier-specific values, e.g. SIP headers or the Telnyx connection id. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A status callback, normalized. */
export interface CallStatusUpdate {
  readonly callId: string;
  readonly status: CallStatus;
  /** The status as the carrier wrote it. */
  readonly carrierStatus: string;
  /** Call duration in seconds, when the carrier reports one. */
  readonly durationSeconds?: number;
  readonly from?: string;
  readonly to?: string;
  readonly direction?: CallDirection;
  /** When the carrier says the call reached this status (ISO 8601). */
  readonly occurredAt?: string;
  /** A carrier-specific reason, e.g. a SIP cause or hang-up source. */
  readonly reason?: string;
  /** An answering-machine result carried in the same callback. */
  readonly answeringMachine?: AnsweringMachineResult;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Who or what answered, as the carrier's answering-machine detection decided. */
export type AnsweredBy = 'human' | 'machine' | 'fax' | 'unknown';

export interface AnsweringMachineResult {
  readonly callId: string;
  readonly answeredBy: AnsweredBy;
  /**
   * For a machine, where its greeting stood when the carrier reported:
   * `started` (a message left now would be cut by the greeting) or `ended`
   * (the beep or the silence after it: leave the message now). Absent when
   * the carrier does not say.
   */
  readonly greeting?: 'started' | 'ended';
  /** The carrier's own label, e.g. `machine_end_beep`. */
  readonly carrierLabel: string;
}

/** What the carrier reports about a call when asked. */
export interface CallDetails {
  readonly callId: string;
  readonly status: CallStatus;
  readonly carrierStatus: string;
  readonly from?: string;
  readonly to?: string;
  readonly direction?: CallDirection;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly durationSeconds?: number;
}

/** What a call cost, when the carrier reports it. */
export interface CallCost {
  readonly callId: string;
  /** In `currency`, as the carrier reports it (a positive number). */
  readonly amount: number;
  /** ISO 4217, e.g. `USD`. */
  readonly currency: string;
  readonly durationSeconds?: number;
}

/** The outcome of an operation on the carrier's side that the host may report but need not fail on. */
export interface SyncResult {
  readonly ok: boolean;
  readonly message?: string;
}

/** A phone number the carrier account owns. */
export interface OwnedPhoneNumber {
  /** Canonical address. */
  readonly address: string;
  readonly carrierId?: string;
  readonly capabilities?: readonly ('voice' | 'sms' | 'mms' | 'fax')[];
}

/** What the host asks for when transferring a live call. */
export interface TransferRequest {
  readonly callId: string;
  /** Canonical address of the destination. */
  readonly destination: string;
  /** Host-chosen id that the transfer's callbacks carry back. */
  readonly transferId: string;
  /** URL the carrier reports the destination leg's progress to. */
  readonly statusCallbackUrl: string;
  /** Seconds to wait for the destination to answer. */
  readonly timeoutSeconds: number;
  /** Caller ID for the destination leg; the original caller's when absent. */
  readonly from?: string;
}

/** Where a transfer stands. */
export type TransferStatus = 'pending' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'completed';

export interface TransferResult {
  readonly transferId: string;
  readonly status: TransferStatus;
  /** The carrier's id for the destination leg. */
  readonly legCallId?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

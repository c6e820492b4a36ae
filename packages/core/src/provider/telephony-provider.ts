import type {
  AnsweringMachineResult,
  CallCost,
  CallDetails,
  CallDirection,
  CallInitiation,
  CallStatusUpdate,
  OwnedPhoneNumber,
  SyncResult,
  TransferRequest,
  TransferResult,
} from '../calls/call-types.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import type { WebhookResponse } from '../http/webhook-response.js';
import type { SipConnectivity } from './setup-checklist.js';

/**
 * What a configured provider can do. Calling a method whose capability is
 * false throws {@link UnsupportedFeatureError}; nothing is silently skipped.
 */
export interface ProviderCapabilities {
  readonly transfers: boolean;
  readonly answeringMachineDetection: boolean;
  readonly callCost: boolean;
  readonly phoneNumberListing: boolean;
  readonly phoneNumberProvisioning: boolean;
  /** Pointing a number's inbound webhook at the host through the carrier's API. */
  readonly inboundBinding: boolean;
}

/**
 * What a credential check found: `verified` when the carrier accepted them,
 * or why this carrier cannot be asked (a PBX whose connection proves them
 * instead).
 */
export type CredentialCheck =
  | { readonly verified: true }
  | { readonly verified: false; readonly reason: string };

/** Answering-machine detection asked for on an outbound call. */
export interface AnsweringMachineDetectionRequest {
  /** `detect`: decide human or machine. `detect-beep`: wait for the greeting's end too. */
  readonly mode: 'detect' | 'detect-beep';
  /** Where the carrier reports the result, if it reports separately. */
  readonly callbackUrl: string;
}

/** An outbound call to place. Every URL is the host's; providers never invent routes. */
export interface PlaceCallRequest {
  /** Canonical address to call. */
  readonly to: string;
  /** Canonical caller ID; required unless the carrier needs none (a PBX). */
  readonly from?: string;
  /** Where a markup carrier fetches the answer document when the call connects. */
  readonly answerUrl: string;
  /** Where the carrier reports status changes. */
  readonly statusCallbackUrl: string;
  /** The media WebSocket URL, for call-control carriers that stream without a document. */
  readonly mediaStreamUrl: string;
  /** Seconds to ring before giving up. */
  readonly ringTimeoutSeconds?: number;
  readonly answeringMachineDetection?: AnsweringMachineDetectionRequest;
  /** Carried through the call and back in the media stream's start event. */
  readonly customParameters?: Readonly<Record<string, string>>;
}

/** Where a number's inbound calls should go. */
export interface InboundBinding {
  /** The host's inbound webhook. */
  readonly webhookUrl: string;
  /** Where the carrier reports inbound calls' status, if it supports a per-number URL. */
  readonly statusCallbackUrl?: string;
}

/** Joins the caller to a transfer whose destination has answered. */
export interface ConnectTransferRequest {
  /** The original (caller's) call. */
  readonly callId: string;
  /** The transfer's id, as given to {@link TelephonyProvider.transferCall}. */
  readonly transferId: string;
  /** The destination leg's call id, from the transfer's result; carriers that bridge legs need it. */
  readonly legCallId?: string;
}

/** How to connect a call that is being answered to the media stream. */
export interface AnswerCallRequest {
  readonly callId: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  /** The authenticated media WebSocket URL (`wss://...`). */
  readonly mediaStreamUrl: string;
  readonly statusCallbackUrl: string;
  /** Carried to the media stream's start event. */
  readonly customParameters: Readonly<Record<string, string>>;
}

/**
 * One carrier account, configured: what the host calls to place, answer,
 * follow and end calls. Created by {@link ProviderSpec.create}.
 */
export interface TelephonyProvider {
  readonly specificationVersion: 'v1';
  /** The spec's name, e.g. `twilio`. */
  readonly provider: string;
  readonly capabilities: ProviderCapabilities;

  /**
   * Proves the configuration's credentials with the cheapest authenticated
   * request the carrier has (an account or balance lookup), so a host can
   * refuse to store an account id with credentials that do not open it.
   * @throws CarrierApiError with status 401 or 403 when the carrier refuses
   * them; without a status when it cannot be reached.
   */
  verifyCredentials(): Promise<CredentialCheck>;

  /** Places an outbound call. @throws CarrierApiError */
  placeCall(request: PlaceCallRequest): Promise<CallInitiation>;
  /** What the carrier knows about a call now. @throws CarrierApiError */
  getCall(callId: string): Promise<CallDetails>;
  /** Ends a call; ending one that is already over is not an error. */
  hangUp(callId: string): Promise<void>;
  /** @throws UnsupportedFeatureError unless `capabilities.callCost`. */
  getCallCost(callId: string): Promise<CallCost>;

  /** @throws UnsupportedFeatureError unless `capabilities.phoneNumberListing`. */
  listPhoneNumbers(): Promise<OwnedPhoneNumber[]>;
  /**
   * Whether the account owns `address` (canonical). `ok: false` means
   * certainly not; a failed lookup throws CarrierApiError instead. A PBX
   * that cannot tell returns `ok: true` explicitly.
   */
  validatePhoneNumber(address: string): Promise<SyncResult>;
  /** Creates the number at the carrier (idempotent). @throws UnsupportedFeatureError */
  provisionPhoneNumber(address: string): Promise<SyncResult>;
  /**
   * Points the number's inbound calls at the host, or detaches it when null
   * (detaching a number the carrier no longer has is a success).
   * @throws UnsupportedFeatureError unless `capabilities.inboundBinding`.
   */
  bindInbound(address: string, binding: InboundBinding | null): Promise<SyncResult>;

  /**
   * Checks a carrier request's signature against this account's secret.
   * Carriers that always sign fail when the signature is missing.
   * @throws WebhookSignatureError
   */
  verifyWebhook(request: WebhookRequest): Promise<void>;
  /**
   * The answer to the carrier's answer or inbound webhook that connects the
   * call to the media stream: a markup document (TwiML, Plivo XML, NCCO), or
   * REST commands and an acknowledgement for call-control carriers.
   */
  answerCall(request: AnswerCallRequest): Promise<WebhookResponse>;
  /** Normalizes a status callback. @throws InvalidPayloadError */
  parseStatusCallback(request: WebhookRequest): CallStatusUpdate;
  /** The answering-machine result in a callback, if there is one. */
  parseAnsweringMachineResult(request: WebhookRequest): AnsweringMachineResult | undefined;

  /**
   * First half of a transfer: dials `destination` into a holding place (a
   * conference) named after the transfer. The destination leg's progress
   * arrives at `request.statusCallbackUrl`; read it with
   * {@link parseTransferCallback}.
   * @throws UnsupportedFeatureError unless `capabilities.transfers`.
   */
  transferCall(request: TransferRequest): Promise<TransferResult>;
  /**
   * Second half: once the destination answered, moves the caller to it. The
   * caller's media stream ends; the agent is out of the call.
   * @throws UnsupportedFeatureError unless `capabilities.transfers`.
   */
  connectTransfer(request: ConnectTransferRequest): Promise<void>;
  /** Normalizes a callback about a transfer's destination leg. @throws InvalidPayloadError */
  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult;

  /** How to reach a bring-your-own-SIP provider; undefined for carriers. */
  sipConnectivity(): SipConnectivity | undefined;
}

import type { CallStatusUpdate, InboundCall, TransferResult } from '../calls/call-types.js';
import type { InboundRejectionReason } from './inbound-rejection.js';

/** What the host decides about an inbound call an event source offers. */
export type InboundDecision =
  | {
      readonly accept: true;
      /** Where the carrier should stream the call's media. */
      readonly mediaStreamUrl: string;
      readonly customParameters?: Readonly<Record<string, string>>;
    }
  | { readonly accept: false; readonly reason: InboundRejectionReason };

/** The host's side of an event source: called as the carrier's events arrive. */
export interface ProviderEventHandlers {
  /** An inbound call is waiting; the source answers and streams it, or refuses it, as decided. */
  inboundCall(call: InboundCall): Promise<InboundDecision>;
  /** A call's state changed (including outbound calls that were never answered). */
  status(update: CallStatusUpdate): void;
  /** A transfer's destination answered or failed. */
  transfer?(result: TransferResult): void;
  /** A caller pressed a key, when the carrier reports it outside the media stream. */
  dtmf?(callId: string, digit: string): void;
  /** The connection to the carrier came up or went down. */
  connection?(state: 'connected' | 'disconnected', detail?: string): void;
}

/**
 * A long-lived connection that delivers a carrier's calls as events instead
 * of webhooks (Asterisk ARI's Stasis application). The host starts one per
 * configuration; it reconnects by itself until stopped.
 */
export interface ProviderEventSource {
  start(handlers: ProviderEventHandlers): Promise<void>;
  stop(): Promise<void>;
}

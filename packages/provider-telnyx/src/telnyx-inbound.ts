import {
  type InboundCall,
  type InboundHandler,
  InvalidPayloadError,
  jsonResponse,
  normalizePhoneAddress,
  type WebhookRequest,
} from '@patchbay/core';
import { normalizeTelnyxEventType } from './telnyx-status.js';
import { readTelnyxEvent } from './telnyx-webhook.js';

const SOURCE = 'Telnyx inbound webhook';

export function telnyxAddress(value: string): string {
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim().toLowerCase();
  }
}

/**
 * Telnyx's `call.initiated` for an incoming call, sent to the Call Control
 * Application's webhook URL. Only that event starts a call: a `call.hangup`
 * from a caller who gave up before the answer reaches the same URL and is
 * refused as input, so it cannot start a second call.
 */
export const telnyxInbound: InboundHandler = {
  matches(request: WebhookRequest): boolean {
    if (request.headers['telnyx-signature-ed25519']) return true;
    const data = (
      request.json as { data?: { record_type?: unknown; event_type?: unknown } } | undefined
    )?.data;
    return (
      data?.record_type === 'event' &&
      typeof data.event_type === 'string' &&
      normalizeTelnyxEventType(data.event_type).startsWith('call.')
    );
  },

  parse(request: WebhookRequest): InboundCall {
    const event = readTelnyxEvent(request, SOURCE);
    const payload = event.payload;
    if (event.eventType !== 'call.initiated')
      throw new InvalidPayloadError(SOURCE, `${event.eventType} does not start a call`);
    if (payload.direction !== 'incoming')
      throw new InvalidPayloadError(SOURCE, `direction is "${payload.direction}", not incoming`);
    if (!payload.from || !payload.to)
      throw new InvalidPayloadError(SOURCE, 'from or to is missing');
    return {
      provider: 'telnyx',
      callId: payload.call_control_id,
      from: telnyxAddress(payload.from),
      to: telnyxAddress(payload.to),
      accountId: payload.connection_id || undefined,
      status: 'ringing',
      metadata: {
        callLegId: (payload as Record<string, unknown>)['call_leg_id'],
        callSessionId: (payload as Record<string, unknown>)['call_session_id'],
      },
    };
  },

  /**
   * Telnyx ignores webhook response bodies: nothing answers the call, but it
   * keeps ringing until it times out. A host that knows the account should
   * also end it with `provider.hangUp(callId)`, as `rejectionNeedsHangUp` says.
   */
  reject: () => jsonResponse({ status: 'rejected' }),
  rejectionNeedsHangUp: true,
};

import {
  type InboundCall,
  type InboundHandler,
  InvalidPayloadError,
  normalizePhoneAddress,
  rejectsAsBusy,
  type WebhookRequest,
  xmlResponse,
} from '@patchbay/core';
import { rejectXml } from './plivo-markup.js';
import { createPlivoStatusMapper } from './plivo-status.js';

const SOURCE = 'Plivo inbound webhook';

/** Plivo sends numbers as digits without `+`; SIP endpoints as `sip:` URIs. */
export function plivoAddress(value: string): string {
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim().toLowerCase();
  }
}

/**
 * Plivo's inbound answer webhook: a V3 signature header and a CallUUID. The
 * call is identified by its CallUUID, never the RequestUUID (which only names
 * an outbound API request). Plivo does not document the account id on
 * answer webhooks; when it is missing, route by the called number and let
 * the signature prove the account.
 */
export const plivoInbound: InboundHandler = {
  matches(request: WebhookRequest): boolean {
    const signed = Boolean(
      request.headers['x-plivo-signature-v3'] || request.headers['x-plivo-signature-ma-v3'],
    );
    return signed && Boolean(request.form?.get('CallUUID'));
  },

  parse(request: WebhookRequest): InboundCall {
    const form = request.form;
    if (!form) throw new InvalidPayloadError(SOURCE, 'expected a form-encoded body');
    const field = (name: string) => {
      const value = form.get(name);
      if (!value) throw new InvalidPayloadError(SOURCE, `the ${name} field is missing`);
      return value;
    };
    const direction = form.get('Direction');
    if (direction && direction !== 'inbound')
      throw new InvalidPayloadError(SOURCE, `Direction is "${direction}", not inbound`);
    const account = form.get('AuthID') ?? form.get('ParentAuthID') ?? undefined;
    return {
      provider: 'plivo',
      callId: field('CallUUID'),
      from: plivoAddress(field('From')),
      to: plivoAddress(field('To')),
      accountId: account || undefined,
      status: createPlivoStatusMapper()(form.get('CallStatus') ?? 'ringing'),
      metadata: {},
    };
  },

  reject(reason) {
    return xmlResponse(rejectXml(rejectsAsBusy(reason) ? 'busy' : 'rejected'));
  },
};

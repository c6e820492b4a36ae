import {
  type InboundCall,
  type InboundHandler,
  normalizePhoneAddress,
  type WebhookRequest,
  xmlResponse,
} from '@patchbay/core';
import { parsePlivoStyleInbound, rejectsAsBusy } from '@patchbay/core/provider-utils';
import { rejectXml } from './plivo-markup.js';
import { createPlivoStatusMapper } from './plivo-status.js';

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
    return parsePlivoStyleInbound(request, {
      carrier: 'Plivo',
      provider: 'plivo',
      mapStatus: createPlivoStatusMapper(),
      address: plivoAddress,
    });
  },

  reject(reason) {
    return xmlResponse(rejectXml(rejectsAsBusy(reason) ? 'busy' : 'rejected'));
  },
};

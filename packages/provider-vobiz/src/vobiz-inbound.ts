import {
  type InboundCall,
  type InboundHandler,
  normalizePhoneAddress,
  type WebhookRequest,
  xmlResponse,
} from '@patchbay/core';
import { parsePlivoStyleInbound, rejectsAsBusy } from '@patchbay/core/provider-utils';
import { rejectXml } from './vobiz-markup.js';
import { VOBIZ_SIGNATURE_HEADERS } from './vobiz-signature.js';
import { createVobizStatusMapper } from './vobiz-status.js';

/** Vobiz sends numbers as digits without `+` (E.164 otherwise); SIP endpoints as `sip:` URIs. */
export function vobizAddress(value: string): string {
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim().toLowerCase();
  }
}

/**
 * Vobiz's answer webhook for an inbound call: a V3 or V2 signature and a
 * CallUUID. Vobiz documents no account id on it; when none is present the
 * host routes by the called number and the signature proves the account.
 */
export const vobizInbound: InboundHandler = {
  matches(request: WebhookRequest): boolean {
    const signed = VOBIZ_SIGNATURE_HEADERS.some((name) => request.headers[name]);
    return signed && Boolean(request.form?.get('CallUUID'));
  },

  parse(request: WebhookRequest): InboundCall {
    return parsePlivoStyleInbound(request, {
      carrier: 'Vobiz',
      provider: 'vobiz',
      mapStatus: createVobizStatusMapper(),
      address: vobizAddress,
    });
  },

  reject(reason) {
    return xmlResponse(rejectXml(rejectsAsBusy(reason) ? 'busy' : 'rejected'));
  },
};

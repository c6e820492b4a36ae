import {
  type InboundCall,
  type InboundHandler,
  InvalidPayloadError,
  normalizePhoneAddress,
  type WebhookRequest,
  xmlResponse,
} from '@patchbay/core';
import { rejectsAsBusy } from '@patchbay/core/provider-utils';
import { rejectTwiml } from './twilio-markup.js';
import { createTwilioStatusMapper } from './twilio-status.js';

const SOURCE = 'Twilio inbound webhook';

/** A Twilio caller or callee: a phone number, a SIP URI, or a `client:` identity. */
export function twilioAddress(value: string, country?: string): string {
  if (value.startsWith('client:')) return value.toLowerCase();
  try {
    return normalizePhoneAddress(value, {
      digitsAreInternational: true,
      ...(country ? { defaultCountry: country } : {}),
    }).canonical;
  } catch {
    // Anonymous and restricted callers arrive as words; keep them as extensions.
    return value.trim().toLowerCase();
  }
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new InvalidPayloadError(SOURCE, `the ${name} field is missing`);
  return value;
}

/**
 * Twilio's inbound voice webhook: recognised by Twilio's own headers, or by a
 * form with CallSid, AccountSid and ApiVersion whose AccountSid is Twilio's
 * (Cloudonix sends a Twilio-like form whose AccountSid has a dot).
 */
export const twilioInbound: InboundHandler = {
  matches(request: WebhookRequest): boolean {
    const headers = request.headers;
    if ((headers['user-agent'] ?? '').toLowerCase().includes('twilioproxy')) return true;
    if (headers['x-twilio-signature'] || headers['i-twilio-idempotency-token']) return true;
    const form = request.form;
    const account = form?.get('AccountSid') ?? '';
    return Boolean(
      form?.get('CallSid') &&
        form.get('ApiVersion') &&
        account.startsWith('AC') &&
        !account.includes('.'),
    );
  },

  parse(request: WebhookRequest): InboundCall {
    const form = request.form;
    if (!form) throw new InvalidPayloadError(SOURCE, 'expected a form-encoded body');
    const direction = form.get('Direction');
    if (direction && direction !== 'inbound') {
      throw new InvalidPayloadError(SOURCE, `Direction is "${direction}", not inbound`);
    }
    const fromCountry = form.get('FromCountry') ?? form.get('CallerCountry') ?? undefined;
    const toCountry = form.get('ToCountry') ?? form.get('CalledCountry') ?? undefined;
    return {
      provider: 'twilio',
      callId: required(form, 'CallSid'),
      from: twilioAddress(required(form, 'From'), fromCountry),
      to: twilioAddress(required(form, 'To'), toCountry),
      accountId: required(form, 'AccountSid'),
      status: createTwilioStatusMapper()(form.get('CallStatus') ?? 'ringing'),
      ...(fromCountry ? { fromCountry } : {}),
      ...(toCountry ? { toCountry } : {}),
      metadata: {},
    };
  },

  reject(reason) {
    return xmlResponse(rejectTwiml(rejectsAsBusy(reason) ? 'busy' : 'rejected'));
  },
};

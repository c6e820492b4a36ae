import {
  type InboundCall,
  type InboundHandler,
  InvalidPayloadError,
  normalizePhoneAddress,
  type WebhookRequest,
  xmlResponse,
} from '@patchbay/core';
import { rejectsAsBusy, webhookParameters } from '@patchbay/core/provider-utils';
import { normalizeCloudonixDomain } from './cloudonix-config.js';
import { rejectCxml } from './cloudonix-markup.js';
import { createCloudonixStatusMapper } from './cloudonix-status.js';

const SOURCE = 'Cloudonix voice application request';

export function cloudonixAddress(value: string): string {
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim().toLowerCase();
  }
}

function fields(request: WebhookRequest): Record<string, unknown> {
  if (request.json !== undefined) {
    if (typeof request.json !== 'object' || request.json === null || Array.isArray(request.json)) {
      throw new InvalidPayloadError(SOURCE, 'expected a JSON object');
    }
    return request.json as Record<string, unknown>;
  }
  return webhookParameters(request);
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Cloudonix's Voice Application request ("Voice Application Request"):
 * recognised by its user agent, its `x-cx-*` headers, or a domain under
 * `.cloudonix.net` (which also tells it from Twilio's look-alike form).
 */
export const cloudonixInbound: InboundHandler = {
  matches(request: WebhookRequest): boolean {
    const headers = request.headers;
    if ((headers['user-agent'] ?? '').toLowerCase().includes('cloudonix')) return true;
    if (
      headers['x-cx-apikey'] ||
      headers['x-cx-domain'] ||
      headers['x-cx-session'] ||
      headers['x-cx-source']
    )
      return true;
    const body = (request.json ?? (request.form ? Object.fromEntries(request.form) : undefined)) as
      | Record<string, unknown>
      | undefined;
    const domain = text(body?.['Domain']) ?? '';
    const account = text(body?.['AccountSid']) ?? '';
    return (
      (Boolean(body?.['SessionData']) && domain.endsWith('.cloudonix.net')) ||
      account.endsWith('.cloudonix.net')
    );
  },

  parse(request: WebhookRequest): InboundCall {
    const body = fields(request);
    const sessionData = body['SessionData'] as Record<string, unknown> | undefined;
    const callId = text(body['Session']) ?? text(body['CallSid']) ?? text(sessionData?.['token']);
    if (!callId) throw new InvalidPayloadError(SOURCE, 'no Session, CallSid or SessionData.token');
    const direction = (text(body['Direction']) ?? 'inbound').toLowerCase();
    if (direction !== 'inbound' && direction !== 'subscriber')
      throw new InvalidPayloadError(SOURCE, `Direction is "${direction}", not inbound`);
    const from = text(body['From']);
    const to = text(body['To']);
    if (!from || !to) throw new InvalidPayloadError(SOURCE, 'From or To is missing');
    const domain =
      text(body['Domain']) ?? text(body['AccountSid']) ?? request.headers['x-cx-domain'];
    const fromCountry = text(body['FromCountry']);
    const toCountry = text(body['ToCountry']);
    return {
      provider: 'cloudonix',
      callId,
      from: cloudonixAddress(from),
      to: cloudonixAddress(to),
      accountId: domain ? normalizeCloudonixDomain(domain) : undefined,
      status: createCloudonixStatusMapper()(text(body['CallStatus']) ?? 'ringing'),
      ...(fromCountry ? { fromCountry } : {}),
      ...(toCountry ? { toCountry } : {}),
      metadata: { callSid: text(body['CallSid']) },
    };
  },

  reject: (reason) => xmlResponse(rejectCxml(rejectsAsBusy(reason))),
};

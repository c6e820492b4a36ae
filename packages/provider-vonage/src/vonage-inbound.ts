import {
  type InboundCall,
  type InboundHandler,
  InvalidPayloadError,
  jsonResponse,
  normalizePhoneAddress,
  type WebhookRequest,
} from '@patchbay/core';
import { rejectsAsBusy } from '@patchbay/core/provider-utils';
import { z } from 'zod';
import { unverifiedVonageClaims } from './vonage-jwt.js';
import { refusalNcco } from './vonage-ncco.js';
import { createVonageStatusMapper } from './vonage-status.js';

const SOURCE = 'Vonage answer webhook';

/** Vonage sends numbers as digits without `+`; SIP and app endpoints as URIs or names. */
export function vonageAddress(value: string): string {
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim().toLowerCase();
  }
}

const answerBody = z.looseObject({
  uuid: z.string().min(1),
  conversation_uuid: z.string().optional(),
  from: z.string().min(1),
  to: z.string().min(1),
  direction: z.string().optional(),
  status: z.string().optional(),
  account_id: z.string().optional(),
});

/** The answer webhook's fields: a POST with JSON, or Vonage's default GET with a query. */
function answerFields(request: WebhookRequest): unknown {
  if (request.json !== undefined) return request.json;
  if (request.method === 'GET') return Object.fromEntries(request.query);
  throw new InvalidPayloadError(SOURCE, 'expected a JSON body or a GET query');
}

/**
 * Vonage's inbound answer webhook. Recognised by the claims of its JWT (read
 * unverified: detection only, verification comes with the account's secret)
 * or by its shape (`uuid`, `conversation_uuid`, `from`, `to`).
 */
export const vonageInbound: InboundHandler = {
  matches(request: WebhookRequest): boolean {
    const claims = unverifiedVonageClaims(request);
    if (claims && (claims['api_key'] !== undefined || claims['application_id'] !== undefined))
      return true;
    const body = request.json as Record<string, unknown> | undefined;
    return Boolean(
      body &&
        typeof body === 'object' &&
        body['uuid'] &&
        body['conversation_uuid'] &&
        body['from'] &&
        body['to'],
    );
  },

  parse(request: WebhookRequest): InboundCall {
    const parsed = answerBody.safeParse(answerFields(request));
    if (!parsed.success) {
      throw new InvalidPayloadError(
        SOURCE,
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      );
    }
    const body = parsed.data;
    if (body.direction && body.direction !== 'inbound')
      throw new InvalidPayloadError(SOURCE, `direction is "${body.direction}", not inbound`);
    const claims = unverifiedVonageClaims(request);
    const account = (claims?.['api_key'] as string | undefined) ?? body.account_id;
    return {
      provider: 'vonage',
      callId: body.uuid,
      from: vonageAddress(body.from),
      to: vonageAddress(body.to),
      accountId: account || undefined,
      status: createVonageStatusMapper()(body.status ?? 'started'),
      metadata: body.conversation_uuid ? { conversationUuid: body.conversation_uuid } : {},
    };
  },

  reject(reason) {
    return jsonResponse(refusalNcco(rejectsAsBusy(reason)));
  },
};

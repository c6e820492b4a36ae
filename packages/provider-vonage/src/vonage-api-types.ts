/**
 * What Vonage's Voice, Numbers and Application APIs send back, as the
 * provider reads them. Lenient: fields the provider does not read pass
 * through (the application is sent back whole on update), and durations and
 * prices are taken as numbers or numeric strings, as Vonage writes them. A
 * field the provider reads that is missing or of another type is a
 * `CarrierApiError` naming it (see `readCarrierResponse`), not a call id of
 * "undefined".
 */
import { carrierNumber, carrierText, readCarrierResponse } from '@patchbay/core/provider-utils';
import { z } from 'zod';

/** An endpoint of a call: `{ "type": "phone", "number": "447700900000" }`. */
const endpoint = z.looseObject({ number: carrierText() }).optional();

/** `POST /v1/calls`. */
export const vonageCreatedCall = z.looseObject({
  uuid: z.string().min(1),
  status: carrierText(),
  conversation_uuid: carrierText(),
});

/** `GET /v1/calls/{uuid}`. */
export const vonageCall = z.looseObject({
  status: z.string().min(1),
  direction: carrierText(),
  from: endpoint,
  to: endpoint,
  start_time: carrierText(),
  end_time: carrierText(),
  duration: carrierNumber(),
  price: carrierNumber(),
  currency: carrierText(),
});

/** `GET /account/numbers`: one page. */
export const vonageNumberPage = z.looseObject({
  count: carrierNumber(),
  numbers: z
    .array(z.looseObject({ msisdn: carrierText(), number: carrierText() }))
    .optional()
    .default([]),
});

/** `GET /v2/applications/{id}`: read to be sent back whole, its voice webhooks changed. */
export const vonageApplication = z.looseObject({
  name: z.string().min(1),
  capabilities: z
    .looseObject({
      voice: z.looseObject({ webhooks: z.record(z.string(), z.unknown()).optional() }).optional(),
    })
    .optional(),
});

/** A Vonage response body read through `schema`. @throws CarrierApiError naming what does not fit */
export function readVonage<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
  return readCarrierResponse(schema, body, { provider: 'vonage', operation });
}

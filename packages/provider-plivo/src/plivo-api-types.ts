/**
 * What Plivo's REST API sends back, as the provider reads it. The schemas are
 * lenient: fields the provider does not read pass through, and the numbers
 * Plivo writes as strings in some responses and as numbers in others are
 * taken either way. A field the provider reads that is missing or of
 * another type is a `CarrierApiError` naming it (see `readCarrierResponse`).
 *
 * The SDK hands responses over with camelCase keys (`requestUuid`) where the
 * API wrote snake_case (`request_uuid`), and has changed that mapping between
 * versions; keys are brought to snake_case before they are checked, so both
 * spellings read the same.
 */
import { carrierNumber, carrierText, readCarrierResponse } from '@patchbay/core/provider-utils';
import { z } from 'zod';

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** An object's own keys in snake_case, one level deep (Plivo's responses are flat). */
function snakeKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [snakeCase(key), field]));
}

const optionalText = carrierText();
const optionalNumber = carrierNumber();

/** `POST /Call/`: the API request's id (a list when one request dialled several numbers). */
export const plivoPlacedCall = z.looseObject({
  request_uuid: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .transform((value) => (Array.isArray(value) ? value[0]! : value)),
});

/** `GET /Call/{uuid}/?status=live`. */
export const plivoLiveCall = z.looseObject({
  call_status: optionalText,
  from: optionalText,
  caller: optionalText,
  to: optionalText,
});

/** `GET /Call/{uuid}/`: the call detail record, once the call is over. */
export const plivoCallRecord = z.looseObject({
  call_state: optionalText,
  call_duration: optionalNumber,
  bill_duration: optionalNumber,
  from_number: optionalText,
  to_number: optionalText,
  call_direction: optionalText,
  total_amount: optionalNumber,
});

/** `GET /Number/`: one page of the account's numbers. */
export const plivoNumberPage = z.array(z.looseObject({ number: z.string().min(1) }));

/** `POST /Application/`. */
export const plivoCreatedApplication = z.looseObject({ app_id: z.string().min(1) });

/** A Plivo SDK result read through `schema`. @throws CarrierApiError naming what does not fit */
export function readPlivo<T>(schema: z.ZodType<T>, response: unknown, operation: string): T {
  const normalized = Array.isArray(response) ? response.map(snakeKeys) : snakeKeys(response);
  return readCarrierResponse(schema, normalized, { provider: 'plivo', operation });
}

import { z } from 'zod';
import { CarrierApiError } from '../errors/carrier-api-error.js';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';

/**
 * A carrier's REST response checked against a lenient schema (fields the
 * provider does not read pass through; `z.looseObject`). A response that
 * lacks a field the provider reads, or has it in another type, is a
 * `CarrierApiError` (HTTP 502: the carrier answered wrongly, not the
 * caller) whose `cause` is an `InvalidPayloadError` naming each such field,
 * instead of a TypeError or an `undefined` deep inside the provider.
 *
 * @throws CarrierApiError (not retryable) with an InvalidPayloadError cause
 */
export function readCarrierResponse<T>(
  schema: z.ZodType<T>,
  response: unknown,
  where: { readonly provider: string; readonly operation: string },
): T {
  const parsed = schema.safeParse(response);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || 'response'}: ${issue.message}`)
    .join('; ');
  const cause = new InvalidPayloadError(`${where.provider} ${where.operation} response`, fields);
  throw new CarrierApiError(
    {
      ...where,
      message: `the response does not have the expected shape (${fields})`,
      isRetryable: false,
    },
    { cause },
  );
}

/** A text field a carrier may leave out, send empty or send as null: read as a string or undefined. */
export function carrierText() {
  return z
    .union([z.string(), z.null()])
    .optional()
    .transform((value) => (value === null || value === '' ? undefined : value));
}

/**
 * A count or an amount, which carriers send as a number in one response and
 * a numeric string (`"0.0102"`) in another: read as a number or undefined.
 */
export function carrierNumber() {
  return z
    .union([z.number(), z.string(), z.null()])
    .optional()
    .refine(
      (value) => typeof value !== 'string' || value === '' || /^-?\d+(\.\d+)?$/.test(value.trim()),
      'expected a number',
    )
    .transform((value) =>
      value === null || value === undefined || value === '' ? undefined : Number(value),
    );
}

/**
 * What Cloudonix's REST API sends back, as the provider reads it. The
 * schemas are lenient: fields the provider does not read pass through, and a
 * text field may come as null. A field the provider needs that is missing or
 * of another type is a `CarrierApiError` naming it (see `readCarrierResponse`).
 */
import { carrierText, readCarrierResponse } from '@patchbay/core/provider-utils';
import { z } from 'zod';

const optionalText = carrierText();
const requiredText = z.string().trim().min(1);

/** `POST /calls/{domain}/application`: the new session, addressed by its token. */
export const cloudonixPlacedCall = z.looseObject({
  token: requiredText,
  subscriberId: z.unknown().optional(),
});

/** The same request for a transfer leg, whose token is only reported when present. */
export const cloudonixDialedLeg = z.looseObject({ token: optionalText });

/** `GET /customers/self/domains/{domain}/sessions/{token}`. */
export const cloudonixSession = z.looseObject({ status: optionalText });

/** One inbound number (DNID) of a domain: the number as dialled, or a pattern. */
export const cloudonixDnid = z.looseObject({ source: optionalText, dnid: optionalText });

/** `GET …/dnids`. */
export const cloudonixDnids = z.array(cloudonixDnid);

/** `GET /domains/{domain}/applications/{name}`; a uuid-less application cannot take numbers. */
export const cloudonixApplication = z.looseObject({ uuid: optionalText });

/** `GET /customers/self/domains/{domain}`. */
export const cloudonixDomain = z.looseObject({ uuid: requiredText });

/** `POST /customers/self/domains/{domain}/applications`. */
export const cloudonixCreatedApplication = z.looseObject({
  id: z.number(),
  name: optionalText,
  uuid: optionalText,
});

/** One of a domain's SIP trunks as the provider reads it; its other fields pass through. */
export interface CloudonixListedTrunk {
  readonly uuid?: string | undefined;
  readonly name?: string | undefined;
  readonly direction?: string | undefined;
  readonly active?: boolean | undefined;
  readonly profile?: Readonly<Record<string, unknown>> | null | undefined;
  readonly [field: string]: unknown;
}

/** A trunk of `GET /domains/{domain}/trunks`. */
export const cloudonixListedTrunk: z.ZodType<CloudonixListedTrunk> = z.looseObject({
  uuid: optionalText,
  name: optionalText,
  direction: optionalText,
  active: z.boolean().optional(),
  profile: z.record(z.string(), z.unknown()).nullish(),
});

/** `GET /domains/{domain}/trunks`. */
export const cloudonixListedTrunks = z.array(cloudonixListedTrunk);

/** `POST /domains/{domain}/trunks`: the new trunk's uuid, which some answers leave out. */
export const cloudonixCreatedTrunk = z.looseObject({ uuid: optionalText });

/** A Cloudonix response read through `schema`. @throws CarrierApiError naming the field */
export function readCloudonix<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
  return readCarrierResponse(schema, body, { provider: 'cloudonix', operation });
}

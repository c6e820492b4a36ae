import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import { dialCodeOf } from './dial-codes.js';

/** The kinds of address a call can have. */
export type PhoneAddressType = 'pstn' | 'sip-uri' | 'extension' | 'channel';

/** A normalized address: what is stored, compared and routed on. */
export interface PhoneAddress {
  /**
   * `+` and digits for PSTN, a lower-cased URI (user part kept) for SIP,
   * lower-cased text for extensions, a PBX dial string exactly as written.
   */
  readonly canonical: string;
  readonly type: PhoneAddressType;
  /** ISO 3166-1 alpha-2 country used to complete a national number. */
  readonly country?: string;
}

export interface NormalizeOptions {
  /**
   * ISO country for numbers written nationally (`020 7946 0018`, `(415) 555-0100`).
   * Never applied to a number written with `+` or `00`.
   */
  readonly defaultCountry?: string;
  /**
   * Treat bare digits as international numbers without their `+`, as several
   * carriers send them in webhooks (`14155550100`). Default false.
   */
  readonly digitsAreInternational?: boolean;
  /**
   * Refuse a number its country's numbering plan says cannot exist (too
   * short or too long for it, or an unknown calling code), by
   * libphonenumber's possibility check. For numbers a person typed; carriers'
   * webhooks are better taken as they come. Default false.
   */
  readonly strict?: boolean;
}

/** A PSTN address, checked against its country's numbering plan when asked to be strict. */
function pstn(
  raw: string,
  canonical: string,
  strict: boolean | undefined,
  country?: string,
): PhoneAddress {
  if (strict) {
    const parsed = parsePhoneNumberFromString(canonical);
    if (!parsed?.isPossible())
      throw new InvalidPayloadError(
        'phone address',
        parsed
          ? `"${raw}" is not a possible ${parsed.country ?? `+${parsed.countryCallingCode}`} number: wrong length for its numbering plan`
          : `"${raw}" has no known country calling code`,
      );
  }
  return country === undefined ? { canonical, type: 'pstn' } : { canonical, type: 'pstn', country };
}

// A PBX dial string: technology, slash, resource (`PJSIP/6001@trunk`, `Local/100@ctx/n`).
const DIAL_STRING = /^[A-Za-z][A-Za-z0-9]*\/\S+$/;
const SIP_URI = /^(sips?):(?:([^@;?]+)@)?([^:;?]+)(?::(\d+))?([;?].*)?$/i;
const DEFAULT_PORT: Record<string, string> = { sip: '5060', sips: '5061' };
// E.164 allows at most 15 digits; fewer than 8 is an extension or short code.
const MIN_PSTN_DIGITS = 8;
const MAX_PSTN_DIGITS = 15;

function normalizeSipUri(input: string): PhoneAddress {
  const match = SIP_URI.exec(input);
  if (!match) return { canonical: input.toLowerCase(), type: 'sip-uri' };
  const [, scheme, user, host, port, tail] = match;
  const lowerScheme = scheme!.toLowerCase();
  const keptPort = port && port !== DEFAULT_PORT[lowerScheme] ? `:${port}` : '';
  return {
    canonical: `${lowerScheme}:${user ? `${user}@` : ''}${host!.toLowerCase()}${keptPort}${(tail ?? '').toLowerCase()}`,
    type: 'sip-uri',
  };
}

/**
 * Normalizes a phone number, SIP URI or extension for storage and matching.
 *
 * - `sip:`/`sips:` URIs: scheme and host lower-cased, default port dropped,
 *   the user part's case kept.
 * - `+` or `00` followed by 8 to 15 digits (spaces, dots, dashes and
 *   parentheses allowed): that international number, whatever
 *   `defaultCountry` says.
 * - 8 to 15 bare digits: a national number of `defaultCountry` (a leading
 *   trunk `0` dropped), unless the digits already start with its calling code
 *   and are long enough to include it (11 digits or more); with
 *   `digitsAreInternational`, an international number without its `+`.
 * - A PBX dial string (`PJSIP/6001@trunk`, `Local/100@Callee-Mixed/n`): kept
 *   as written, since Asterisk's contexts and endpoint names are case-sensitive.
 * - Anything else (short digit strings, names): an extension, lower-cased.
 *
 * @throws InvalidPayloadError for empty input, an unknown country, or bare
 * digits with neither a default country nor `digitsAreInternational`.
 */
export function normalizePhoneAddress(raw: string, options: NormalizeOptions = {}): PhoneAddress {
  if (typeof raw !== 'string') throw new InvalidPayloadError('phone address', 'must be a string');
  const input = raw.trim();
  if (input === '') throw new InvalidPayloadError('phone address', 'must not be empty');
  if (/^sips?:/i.test(input)) return normalizeSipUri(input);
  if (DIAL_STRING.test(input)) return { canonical: input, type: 'channel' };

  const compact = input.replace(/[\s().-]/g, '');
  const international = /^(\+|00)(\d+)$/.exec(compact);
  if (international) {
    const digits = international[2]!;
    if (digits.length >= MIN_PSTN_DIGITS && digits.length <= MAX_PSTN_DIGITS) {
      return pstn(raw, `+${digits}`, options.strict);
    }
    throw new InvalidPayloadError(
      'phone address',
      `"${raw}" has ${digits.length} digits after its international prefix; E.164 numbers have ${MIN_PSTN_DIGITS} to ${MAX_PSTN_DIGITS}`,
    );
  }

  if (
    /^\d+$/.test(compact) &&
    compact.length >= MIN_PSTN_DIGITS &&
    compact.length <= MAX_PSTN_DIGITS
  ) {
    if (options.digitsAreInternational) return pstn(raw, `+${compact}`, options.strict);
    const country = options.defaultCountry?.toUpperCase();
    if (country === undefined) {
      throw new InvalidPayloadError(
        'phone address',
        `"${raw}" is a national number; write it with + and its country code, or give a default country`,
      );
    }
    const dialCode = dialCodeOf(country);
    if (dialCode === undefined) {
      throw new InvalidPayloadError('phone address', `unknown country "${options.defaultCountry}"`);
    }
    const alreadyInternational = compact.startsWith(dialCode) && compact.length >= 11;
    const national = compact.replace(/^0+/, '');
    const digits = alreadyInternational ? compact : dialCode + national;
    if (digits.length > MAX_PSTN_DIGITS) {
      throw new InvalidPayloadError(
        'phone address',
        `"${raw}" is too long for a ${country} number`,
      );
    }
    return pstn(raw, `+${digits}`, options.strict, country);
  }

  return { canonical: input.toLowerCase(), type: 'extension' };
}

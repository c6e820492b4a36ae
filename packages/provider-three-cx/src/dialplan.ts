import { ConfigurationError } from '@patchbay/core';

/** What a `strip_prefix` does to the numbers Patchbay dials. */
export interface StripRule {
  /** The literal prefix numbers must start with to be stripped, e.g. `+39`; undefined without one. */
  readonly prefix: string | undefined;
}

// The one form kept: a literal `+` and digits anchored at the start.
const LITERAL_PREFIX = /^\^\\?\+(\d+)$/;

/**
 * Reads `strip_prefix` (a regex, as the original platform took it). Only
 * `^\+<digits>` (or `^+<digits>`) is accepted; anything else is refused
 * when the configuration is saved, rather than accepted and dialled wrong.
 *
 * @throws ConfigurationError
 */
export function stripRule(stripPrefix: string): StripRule {
  if (stripPrefix === '') return { prefix: undefined };
  const match = LITERAL_PREFIX.exec(stripPrefix);
  if (!match)
    throw new ConfigurationError(
      `Unsupported strip_prefix ${JSON.stringify(stripPrefix)}: use a literal country prefix such as ^\\+39`,
      { code: 'unsupported_strip_prefix' },
    );
  return { prefix: `+${match[1]!}` };
}

/** The number 3CX is sent: without the prefix when it starts with it, else as dialled. */
export function outboundNumber(number: string, rule: StripRule): string {
  return rule.prefix && number.startsWith(rule.prefix) && number.length > rule.prefix.length
    ? number.slice(rule.prefix.length)
    : number;
}

/**
 * The one dialplan context every 3CX endpoint's inbound calls enter. It is
 * static (extensions.conf), written once per Asterisk: each endpoint says
 * which Stasis application its calls go to through its own `set_var`, so a
 * new tenant needs no dialplan of its own.
 */
export const INBOUND_CONTEXT = 'patchbay-3cx-inbound';
/** The channel variable an endpoint sets: `<stasis app>,inbound,<endpoint id>`. */
export const STASIS_VARIABLE = 'PATCHBAY_STASIS';

/** The extensions.conf text of {@link INBOUND_CONTEXT}, as the README shows it. */
export const INBOUND_DIALPLAN = `[${INBOUND_CONTEXT}]
exten => _X.,1,Stasis(\${${STASIS_VARIABLE}})
 same => n,Hangup()
exten => _+X.,1,Stasis(\${${STASIS_VARIABLE}})
 same => n,Hangup()
exten => s,1,Stasis(\${${STASIS_VARIABLE}})
 same => n,Hangup()
`;

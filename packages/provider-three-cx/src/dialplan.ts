import { ConfigurationError } from '@patchbay/core';

/** What a `strip_prefix` means to the outbound context. */
export interface StripRule {
  /** The Asterisk pattern of numbers that start with the prefix, e.g. `_+39X.`; undefined without one. */
  readonly pattern: string | undefined;
  /** How many leading characters those numbers lose before 3CX sees them. */
  readonly skip: number;
}

// The one form a dialplan pattern can express: a literal `+` and digits anchored at the start.
const LITERAL_PREFIX = /^\^\\?\+(\d+)$/;

/**
 * Translates `strip_prefix` (a regex, as the original platform took it) into
 * an Asterisk pattern. Only `^\+<digits>` (or `^+<digits>`) has an exact
 * equivalent; anything else is refused here, when the configuration is
 * saved, rather than accepted and silently dialled wrong.
 *
 * @throws ConfigurationError
 */
export function stripRule(stripPrefix: string): StripRule {
  if (stripPrefix === '') return { pattern: undefined, skip: 0 };
  const match = LITERAL_PREFIX.exec(stripPrefix);
  if (!match)
    throw new ConfigurationError(
      `Unsupported strip_prefix ${JSON.stringify(stripPrefix)}: use a literal country prefix such as ^\\+39`,
      { code: 'unsupported_strip_prefix' },
    );
  const digits = match[1]!;
  // X, not N: numbers whose national part starts with 0 or 1 (Italian landlines) must match too.
  return { pattern: `_+${digits}X.`, skip: digits.length + 1 };
}

/** A row of Asterisk's realtime `extensions` table. */
export interface DialplanRow {
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  readonly app: string;
  readonly appdata: string;
}

/**
 * The two contexts of one 3CX extension. Inbound: the extension itself and a
 * catch-all for any user part 3CX uses, both into the Stasis application
 * with the endpoint id as argument. Outbound: numbers with the prefix lose
 * it; every other number (with or without `+`) is passed on as dialled, so
 * a destination never fails for want of a matching pattern.
 */
export function dialplanRows(options: {
  readonly endpointId: string;
  readonly extension: string;
  readonly stasisApp: string;
  readonly stripPrefix: string;
}): DialplanRow[] {
  const { endpointId, extension, stasisApp } = options;
  const rule = stripRule(options.stripPrefix);
  const outbound = `${endpointId}-outbound`;
  const inbound = `${endpointId}-inbound`;
  const dial = (skip: number) => ({
    priority: 1,
    app: 'Dial',
    appdata: `PJSIP/\${EXTEN${skip > 0 ? `:${skip}` : ''}}@${endpointId},60`,
  });
  const stasis = { priority: 1, app: 'Stasis', appdata: `${stasisApp},inbound,${endpointId}` };
  return [
    ...(rule.pattern ? [{ context: outbound, exten: rule.pattern, ...dial(rule.skip) }] : []),
    { context: outbound, exten: '_+X.', ...dial(0) },
    { context: outbound, exten: '_X.', ...dial(0) },
    { context: inbound, exten: extension, ...stasis },
    { context: inbound, exten: '_X.', ...stasis },
  ];
}

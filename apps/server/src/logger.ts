import type { Logger, ProviderSpec } from '@patchbay/core';
import pino from 'pino';

/** Secrets the server itself handles, whatever carriers are registered. */
const SERVER_SECRETS = ['authorization', 'apiKey', 'password', 'token', 'credentials'];

/**
 * The field names every registered provider marks `sensitive` (`auth_token`,
 * `api_key`, `private_key`, `signature_secret`, `sip_password`, ...), so
 * the log redaction follows the registry instead of a second list kept by
 * hand. Nested fields count by their last segment.
 */
export function sensitiveFieldNames(specs: readonly Pick<ProviderSpec, 'ui'>[]): string[] {
  const names = new Set<string>();
  for (const spec of specs)
    for (const field of spec.ui) if (field.sensitive) names.add(field.name.split('.').at(-1)!);
  return [...names].sort();
}

/**
 * JSON logs with every field that could hold a secret redacted, at the top
 * level or up to two objects down (`{ config: { advanced: { sip_password } } }`);
 * core's Logger shape is pino's, so providers log through it too.
 */
export function createLogger(
  level: string,
  secretFields: readonly string[] = [],
  destination?: pino.DestinationStream,
): Logger & pino.Logger {
  const names = [...new Set([...SERVER_SECRETS, ...secretFields])];
  const paths = names.flatMap((name) => {
    // pino's paths are JavaScript accessors: quote what is not an identifier.
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
    return [key.startsWith('.') ? name : key, `*${key}`, `*.*${key}`];
  });
  const options = { level, redact: { paths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

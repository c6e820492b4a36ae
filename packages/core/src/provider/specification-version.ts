import { ConfigurationError } from '../errors/configuration-error.js';

/**
 * The contract versions this `@patchbay/core` implements. A carrier package
 * built against another version must fail where it is plugged in, with a
 * message saying which package to upgrade, not deep inside a call.
 */
export const SUPPORTED_SPECIFICATION_VERSIONS = ['v1'] as const;

/**
 * Throws a `ConfigurationError` unless `version` is one this core implements.
 * `what` names the object for the message: `Provider "twilio"`,
 * `The media serializer of "twilio"`.
 */
export function checkSpecificationVersion(what: string, version: unknown): void {
  if ((SUPPORTED_SPECIFICATION_VERSIONS as readonly unknown[]).includes(version)) return;
  throw new ConfigurationError(
    `${what} implements specification version ${JSON.stringify(version)}; this @patchbay/core supports ${SUPPORTED_SPECIFICATION_VERSIONS.join(', ')}. Upgrade @patchbay/core or use a matching provider version.`,
    { code: 'unsupported_specification_version' },
  );
}

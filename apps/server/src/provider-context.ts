import type { Logger, ProviderContext } from '@patchbay/core';

/**
 * What a provider bound to one stored configuration gets from the host: the
 * logger, and the public URL of its own routes, which the server mounts at
 * /telephony/<provider>/routes/<configuration id>/<path> so a callback
 * names the configuration whose credentials verify it.
 */
export function providerContext(
  logger: Logger,
  publicBaseUrl: string,
  provider: string,
  configurationId: string,
): ProviderContext {
  return {
    logger,
    routeUrl: (path) =>
      `${publicBaseUrl}/telephony/${provider}/routes/${configurationId}/${path.replace(/^\/+/, '')}`,
  };
}

import { createRegistry, type Logger, type ProviderRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { cloudonix } from '@patchbay/provider-cloudonix';
import { plivo } from '@patchbay/provider-plivo';
import { telnyx } from '@patchbay/provider-telnyx';
import { threeCx } from '@patchbay/provider-three-cx';
import { twilio } from '@patchbay/provider-twilio';
import { vonage } from '@patchbay/provider-vonage';
import postgres from 'postgres';
import type { ServerConfig } from './config.js';

/**
 * Every carrier package the server ships with, registered through core's
 * public API as any host would. Returns what must be closed on shutdown.
 */
export function createServerRegistry(
  config: ServerConfig,
  logger: Logger,
): { registry: ProviderRegistry; close(): Promise<void> } {
  const ara = config.ASTERISK_ARA_DSN
    ? postgres(config.ASTERISK_ARA_DSN, { max: 4, connect_timeout: 10, onnotice: () => {} })
    : undefined;
  const given = <T>(key: string, value: T | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<string, T>);
  const registry = createRegistry(
    [
      twilio(given('baseUrl', config.TWILIO_API_BASE_URL)),
      plivo(given('proxy', config.PLIVO_API_PROXY)),
      vonage({
        ...given('apiBaseUrl', config.VONAGE_API_BASE_URL),
        ...given('restBaseUrl', config.VONAGE_REST_BASE_URL),
      }),
      telnyx(given('baseUrl', config.TELNYX_API_BASE_URL)),
      cloudonix(given('baseUrl', config.CLOUDONIX_API_BASE_URL)),
      ari(),
      threeCx({ ara }),
    ],
    { logger },
  );
  return { registry, close: async () => ara?.end({ timeout: 5 }) };
}

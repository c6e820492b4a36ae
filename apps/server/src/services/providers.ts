import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createRegistry,
  type Logger,
  type ProviderRegistry,
  type ProviderSpec,
} from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { cloudonix } from '@patchbay/provider-cloudonix';
import { plivo } from '@patchbay/provider-plivo';
import { telnyx } from '@patchbay/provider-telnyx';
import { threeCx } from '@patchbay/provider-three-cx';
import { twilio } from '@patchbay/provider-twilio';
import { vobiz } from '@patchbay/provider-vobiz';
import { vonage } from '@patchbay/provider-vonage';
import postgres from 'postgres';
import { type ServerConfig, ServerConfigError } from '../config.js';

/** The carrier specs the server ships with, set up from its configuration. */
export interface ServerProviders {
  readonly specs: Parameters<typeof createRegistry>[0];
  /** Closes what the specs opened (the 3CX bridge's database pool). */
  close(): Promise<void>;
}

/** Every carrier package the server ships with, configured from the environment. */
export function serverProviders(
  config: ServerConfig,
  extra: readonly ProviderSpec[] = [],
): ServerProviders {
  const ara = config.ASTERISK_ARA_DSN
    ? postgres(config.ASTERISK_ARA_DSN, { max: 4, connect_timeout: 10, onnotice: () => {} })
    : undefined;
  const given = <T>(key: string, value: T | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<string, T>);
  return {
    specs: [
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
      vobiz(given('baseUrl', config.VOBIZ_API_BASE_URL)),
      ...extra,
    ],
    close: async () => ara?.end({ timeout: 5 }),
  };
}

/**
 * Every carrier package the server ships with, registered through core's
 * public API as any host would. Returns what must be closed on shutdown.
 */
export function createServerRegistry(
  config: ServerConfig,
  logger: Logger,
  providers = serverProviders(config),
): { registry: ProviderRegistry; close(): Promise<void> } {
  return { registry: createRegistry(providers.specs, { logger }), close: providers.close };
}

/**
 * The carrier packages PROVIDER_MODULES names. Each module's default export
 * (or its `provider` export) is a spec, or a function of no arguments that
 * returns one; paths are read from the working directory.
 * @throws ServerConfigError for a module that cannot be loaded or exports no spec
 */
export async function loadProviderModules(specifiers: readonly string[]): Promise<ProviderSpec[]> {
  const specs: ProviderSpec[] = [];
  for (const specifier of specifiers) {
    const target =
      specifier.startsWith('.') || isAbsolute(specifier)
        ? pathToFileURL(resolve(specifier)).href
        : specifier;
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(target)) as Record<string, unknown>;
    } catch (error) {
      throw new ServerConfigError([
        `PROVIDER_MODULES: ${specifier} cannot be loaded: ${String(error)}`,
      ]);
    }
    const exported = loaded['default'] ?? loaded['provider'];
    const spec = typeof exported === 'function' ? (exported as () => unknown)() : exported;
    if (!spec || typeof spec !== 'object' || typeof (spec as { name?: unknown }).name !== 'string')
      throw new ServerConfigError([
        `PROVIDER_MODULES: ${specifier} exports no provider spec (its default export must be a spec, or a function returning one)`,
      ]);
    specs.push(spec as ProviderSpec);
  }
  return specs;
}

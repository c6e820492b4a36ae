import type {
  Logger,
  ProviderConfigBase,
  ProviderContext,
  ProviderRegistry,
  TelephonyProvider,
} from '@patchbay/core';
import type { CallSignals } from './calls/call-signals.js';
import type { CredentialCipher } from './credentials.js';
import type { Database } from './database/database.js';
import type { MediaTokens } from './media-tokens.js';
import { ServerError } from './server-errors.js';

/** What the server's routes, event sources and media sockets share. */
export interface ServerContext {
  readonly database: Database;
  readonly registry: ProviderRegistry;
  readonly cipher: CredentialCipher;
  readonly mediaTokens: MediaTokens;
  readonly logger: Logger;
  /** Reaches the process that holds a call's media, wherever a webhook or command arrived. */
  readonly signals: CallSignals;
  /**
   * The URL carriers reach this server at (PUBLIC_BASE_URL), or where it
   * listens when that is unset; what webhook signatures are checked against.
   */
  publicBaseUrl(): string;
  /**
   * The base of every URL handed to `provider`'s carrier: PUBLIC_BASE_URL;
   * without it, the listening address only for a PBX that may sit beside
   * this server (Asterisk).
   * @throws ServerError `public_base_url_unset` for a carrier in the cloud
   */
  carrierBaseUrl(provider: string): string;
  /** True once shutdown began: live calls go on, new ones are refused with 503. */
  draining(): boolean;
}

/** A stored configuration row, enough to open it. */
export interface StoredConfiguration {
  readonly id: string;
  readonly provider: string;
  readonly credentials: Uint8Array;
}

/**
 * What a provider bound to one stored configuration gets from the host: the
 * logger, and the public URL of its own routes, which the server mounts at
 * /telephony/<provider>/routes/<configuration id>/<path> so a callback
 * names the configuration whose credentials verify it.
 */
export function providerContext(context: ServerContext, row: StoredConfiguration): ProviderContext {
  return {
    logger: context.logger,
    routeUrl: (path) =>
      `${context.carrierBaseUrl(row.provider)}/telephony/${row.provider}/routes/${row.id}/${path.replace(/^\/+/, '')}`,
  };
}

/** A stored configuration decrypted, and a provider bound to it. */
export function openConfiguration(
  context: ServerContext,
  row: StoredConfiguration,
): { config: ProviderConfigBase; provider: TelephonyProvider } {
  const config = context.cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
  return {
    config,
    provider: context.registry.createProvider(config, providerContext(context, row)),
  };
}

/** The provider bound to a call's configuration. @throws ServerError `configuration_gone` when it was deleted */
export async function callProvider(
  context: ServerContext,
  configurationId: string | null,
): Promise<TelephonyProvider> {
  const [row] = configurationId
    ? await context.database.sql<{ id: string; provider: string; credentials: Uint8Array }[]>`
        select id, provider, credentials from telephony_configurations where id = ${configurationId}`
    : [];
  if (!row) throw new ServerError('configuration_gone', 'The call’s configuration was deleted');
  return openConfiguration(context, row).provider;
}

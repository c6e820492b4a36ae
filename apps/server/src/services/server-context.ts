import type {
  Logger,
  ProviderConfigBase,
  ProviderContext,
  ProviderRegistry,
  ReplayGuard,
  TelephonyProvider,
} from '@patchbay/core';
import type { Database } from '../storage/database.js';
import type { CallFeed } from './calls/call-feed.js';
import type { CallSignals } from './calls/call-signals.js';
import type { CredentialCipher } from './credentials.js';
import type { MediaTokens } from './media-tokens.js';
import type { ServerMetrics } from './metrics.js';
import { ServerError } from './server-errors.js';

/**
 * The URLs this server hands carriers, each built by the module that
 * declares the route serving it (routes/carrier-urls.ts), so a path is
 * written once. `base` is what `carrierBaseUrl` or `publicBaseUrl` gave.
 */
export interface CarrierUrls {
  /** Where a carrier sends inbound calls: what to paste into its console. */
  inbound(base: string): string;
  /** A call's answer document (markup carriers fetch it on answer) and its status callbacks. */
  callbacks(base: string, provider: string, callId: string): CallCallbackUrls;
  /** Where a carrier reports on a transfer's destination leg. */
  transferCallback(base: string, provider: string, transferId: string): string;
  /** A call's media socket, carrying a fresh single-use token. */
  mediaStream(base: string, provider: string, callId: string): Promise<string>;
  /** One of a provider's own routes, for one configuration. */
  providerRoute(base: string, provider: string, configurationId: string, path: string): string;
}

export interface CallCallbackUrls {
  readonly answerUrl: string;
  readonly statusCallbackUrl: string;
  /** Where a carrier that reports answering-machine detection separately sends it. */
  readonly answeringMachineUrl: string;
}

/** What the server's routes, event sources and media sockets share. */
export interface ServerContext {
  /** The URLs handed to carriers. */
  readonly urls: CarrierUrls;
  readonly database: Database;
  readonly registry: ProviderRegistry;
  readonly cipher: CredentialCipher;
  readonly mediaTokens: MediaTokens;
  readonly logger: Logger;
  /** Counters and gauges for GET /metrics. */
  readonly metrics: ServerMetrics;
  /** The deployment's defaults for what organizations may use. */
  readonly limits: { readonly maxConcurrentCalls: number };
  /** Every change to an organization's calls, on every process (the console's live list). */
  readonly feed: CallFeed;
  /** Reaches the process that holds a call's media, wherever a webhook or command arrived. */
  readonly signals: CallSignals;
  /** The nonces of carrier signatures without a timestamp, shared by every process. */
  readonly replayGuard: ReplayGuard;
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
    replayGuard: context.replayGuard,
    routeUrl: (path) =>
      context.urls.providerRoute(context.carrierBaseUrl(row.provider), row.provider, row.id, path),
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

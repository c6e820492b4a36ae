import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger, ProviderRegistry } from '@patchbay/core';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import type { ServerConfig } from './config.js';
import { registerAgentRoutes } from './routes/agent-routes.js';
import { registerApiKeyRoutes } from './routes/api-key-routes.js';
import { createHttpApp } from './routes/app.js';
import { registerCallEventsRoute } from './routes/call-events-route.js';
import { registerCallRoutes } from './routes/call-routes.js';
import { registerCallWebhooks } from './routes/call-webhook-routes.js';
import { carrierUrls } from './routes/carrier-urls.js';
import { registerConfigurationRoutes } from './routes/configuration-routes.js';
import { consoleAssetsDir, registerConsoleRoutes } from './routes/console-routes.js';
import { registerInboundRoute } from './routes/inbound-routes.js';
import { type MediaSockets, registerMediaRoutes } from './routes/media-routes.js';
import { registerMetricsRoute } from './routes/metrics-route.js';
import { registerOrganizationRoutes } from './routes/organization-routes.js';
import { registerPhoneNumberRoutes } from './routes/phone-number-routes.js';
import { registerProviderListRoute } from './routes/provider-list-route.js';
import { registerProviderRoutes } from './routes/provider-routes.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import { registerCarrierRoutes } from './routes/webhooks.js';
import { organizationForApiKey } from './services/api-keys.js';
import { type CallFeed, localCallFeed, postgresCallFeed } from './services/calls/call-feed.js';
import {
  CallLifecycle,
  type CallLifecycleTimings,
  DEFAULT_LIFECYCLE_TIMINGS,
} from './services/calls/call-lifecycle.js';
import {
  type CallSignals,
  localCallSignals,
  postgresCallSignals,
} from './services/calls/call-signals.js';
import { Calls } from './services/calls/calls.js';
import { Transfers } from './services/calls/transfers.js';
import { Configurations } from './services/configurations.js';
import type { CredentialCipher } from './services/credentials.js';
import { postgresLeases, soleProcessLeases } from './services/event-source-leases.js';
import { createEventSources, type EventSources } from './services/event-sources.js';
import type { MediaTokens } from './services/media-tokens.js';
import { ServerMetrics } from './services/metrics.js';
import { fileRecordingStore, Recordings } from './services/recordings.js';
import type { ServerContext } from './services/server-context.js';
import { ServerError } from './services/server-errors.js';
import { Sessions } from './services/sessions.js';
import { Webhooks } from './services/webhooks.js';
import type { Database } from './storage/database.js';
import { postgresReplayGuard } from './storage/webhook-nonces.js';

export interface PatchbayServerOptions {
  readonly config: ServerConfig;
  readonly database: Database;
  readonly registry: ProviderRegistry;
  readonly logger: Logger;
  readonly cipher: CredentialCipher;
  readonly mediaTokens: MediaTokens;
  /**
   * How call signals reach other processes. By default LISTEN/NOTIFY on a
   * PostgreSQL server and in-process on the embedded database (one process).
   */
  readonly signals?: CallSignals;
  /** How call changes reach every process's live call lists; chosen as `signals` is. */
  readonly feed?: CallFeed;
  /**
   * How often each process re-reads the configurations with event
   * connections and checks its leases on them (5 s by default): the most a
   * takeover waits after the holding process dies.
   */
  readonly eventSourceCheckMs?: number;
  /**
   * How often each process sweeps for transfers no carrier reported on,
   * including those of processes that died: 5 s on a shared database, never
   * on the embedded one (its own transfers expire on their own timers).
   */
  readonly transferSweepMs?: number;
  /**
   * How often each process sweeps for live calls nobody can vouch for (a dead
   * process's, media that ended unreported): 15 s on a shared database, 60 s
   * on the embedded one; also once at start-up.
   */
  readonly callSweepMs?: number;
  /** How often each process looks for webhook deliveries that are due (1 s by default). */
  readonly webhookPollMs?: number;
  /** The lifecycle's clocks (defaults in DEFAULT_LIFECYCLE_TIMINGS); shortened in tests. */
  readonly lifecycle?: Partial<CallLifecycleTimings>;
}

const TRANSFER_SWEEP_MS = 5000;
/** The management API's version, as its OpenAPI document states it. */
const API_VERSION = '1.0.0';

export interface PatchbayServer {
  /**
   * Sends a request through the whole HTTP stack (hooks, auth, validation,
   * error handling) without a socket: Fastify's `inject`.
   */
  inject(request: InjectOptions): Promise<LightMyRequestResponse>;
  /** Listening address, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Configurations whose carrier event connection runs in this server. */
  readonly eventSources: EventSources;
  /**
   * Stops taking new calls (inbound webhooks and placed calls get 503 with
   * Retry-After, /readyz turns 503) while everything else, live calls
   * included, goes on. `close` begins with it; call it first to let a load
   * balancer notice before the listener goes away.
   */
  drain(): void;
  /** Drains, stops taking requests, lets live calls finish within `graceMs`, then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Says at start what carriers will not be able to reach. */
function warnAboutPublicUrl(publicUrl: string | undefined, listening: string, logger: Logger) {
  if (publicUrl === undefined) {
    logger.warn(
      { listening },
      'PUBLIC_BASE_URL is not set: calls through cloud carriers are refused until it is (they cannot reach this address); an Asterisk beside this server still works',
    );
    return;
  }
  const { protocol, hostname } = new URL(publicUrl);
  const local = hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
  if (protocol === 'http:' && !local)
    logger.warn(
      { publicUrl },
      'PUBLIC_BASE_URL is plain http: carriers sign webhooks for it, but their media streams need wss://, so put TLS in front (a proxy or tunnel) and give its https URL',
    );
}

/** Starts the HTTP server on the configured host and port. */
export async function startPatchbayServer(options: PatchbayServerOptions): Promise<PatchbayServer> {
  const { config, database, registry, logger, cipher, mediaTokens } = options;
  let draining = false;
  let listeningUrl = '';
  const sessions = new Sessions(database.sql);
  const app = await createHttpApp({
    logger,
    trustedProxies: config.TRUSTED_PROXIES,
    version: API_VERSION,
    maxWebSocketMessageBytes: Math.max(
      ...registry.specs.map((spec) => spec.media.createSerializer().maxMessageBytes),
    ),
    resolveApiKey: (key) => organizationForApiKey(database.sql, key),
    resolveSession: (token) => sessions.resolve(token),
  });
  const open = { auth: 'none' } as const;
  app.get(
    '/healthz',
    {
      config: open,
      schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get('/readyz', { config: open, schema: { hide: true } }, async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining' });
    try {
      await database.sql`select 1`;
      return { status: 'ready', database: database.kind };
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
  app.get('/api/v1/openapi.json', { config: open, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  registerProviderListRoute(app, registry);
  await registerConsoleRoutes(app, consoleAssetsDir(config.CONSOLE_DIR));
  registerAgentRoutes(app, database);
  registerSessionRoutes(app, sessions);
  registerApiKeyRoutes(app, database.sql);
  registerOrganizationRoutes(app, database.sql, config.MAX_CONCURRENT_CALLS);
  const signals =
    options.signals ??
    (database.kind === 'postgres'
      ? await postgresCallSignals(database.sql, logger)
      : localCallSignals(logger));
  const feed =
    options.feed ??
    (database.kind === 'postgres'
      ? await postgresCallFeed(database.sql, logger)
      : localCallFeed(logger));
  // What every route, event source and media socket shares.
  const metrics = new ServerMetrics(database.sql);
  registerMetricsRoute(app, metrics, config.METRICS_TOKEN);
  const context: ServerContext = {
    metrics,
    feed,
    limits: { maxConcurrentCalls: config.MAX_CONCURRENT_CALLS },
    urls: carrierUrls(registry, mediaTokens),
    database,
    registry,
    cipher,
    mediaTokens,
    logger,
    signals,
    replayGuard: postgresReplayGuard(database.sql),
    publicBaseUrl: () => config.PUBLIC_BASE_URL ?? listeningUrl,
    carrierBaseUrl: (provider) => {
      if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL;
      if (registry.get(provider).connectivity === 'sip') return listeningUrl;
      throw new ServerError(
        'public_base_url_unset',
        `Set PUBLIC_BASE_URL to the https URL ${registry.get(provider).displayName} reaches this server at: without it, it would be handed ${listeningUrl}, which it cannot reach`,
      );
    },
    draining: () => draining,
  };
  const transfers = new Transfers(context);
  const instanceTimeoutMs = config.INSTANCE_TIMEOUT_SECONDS * 1000;
  const lifecycle = new CallLifecycle(context, {
    ...DEFAULT_LIFECYCLE_TIMINGS,
    instanceTimeoutMs,
    heartbeatMs: Math.min(DEFAULT_LIFECYCLE_TIMINGS.heartbeatMs, instanceTimeoutMs / 3),
    ...options.lifecycle,
  });
  await lifecycle.start();
  registerPhoneNumberRoutes(app, context);
  const webhooks = new Webhooks(context, {
    allowPrivateUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
    ...(options.webhookPollMs === undefined ? {} : { pollMs: options.webhookPollMs }),
  });
  registerWebhookRoutes(app, webhooks);
  webhooks.start();
  const calls = new Calls(context, transfers);
  const recordings = new Recordings(
    context,
    fileRecordingStore(
      config.RECORDINGS_DIR ?? join(config.PATCHBAY_DATA_DIR, 'recordings'),
      (error) => logger.error({ error: String(error) }, 'writing a recording failed'),
    ),
    config.RECORDING_RETENTION_DAYS,
  );
  recordings.startRetention();
  registerCallRoutes(app, calls, recordings);
  registerCallEventsRoute(app, feed);
  let media: MediaSockets | undefined;
  await registerCarrierRoutes(app, (carrier) => {
    media = registerMediaRoutes(carrier, context, transfers, lifecycle, recordings);
    registerInboundRoute(carrier, context);
    registerCallWebhooks(carrier, context, transfers);
    registerProviderRoutes(carrier, context, transfers);
  });
  // Several processes share a database server; the embedded one is this process's alone.
  const shared = database.kind === 'postgres';
  const eventSources = createEventSources(
    context,
    transfers,
    shared && database.url
      ? {
          leases: postgresLeases(database.url, logger),
          checkIntervalMs: options.eventSourceCheckMs ?? 5000,
        }
      : { leases: soleProcessLeases },
  );
  // A configuration's event connection follows it; failing to restart it must not fail the save.
  const configurations = new Configurations(context, (id) =>
    eventSources
      .refresh(id)
      .catch((error: unknown) =>
        logger.error({ configurationId: id, error: String(error) }, 'event source restart failed'),
      ),
  );
  registerConfigurationRoutes(app, context, configurations);

  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  listeningUrl = `http://${host}:${address.port}`;
  warnAboutPublicUrl(config.PUBLIC_BASE_URL, listeningUrl, logger);
  await eventSources.start();
  // Transfers this process starts expire on their own timers; on a shared database a
  // sweep also catches those of processes that died. PGlite runs queries on this
  // thread, where a poll would stall every call's audio for its duration.
  await transfers.expire();
  const sweepMs = options.transferSweepMs ?? (shared ? TRANSFER_SWEEP_MS : undefined);
  const expiry =
    sweepMs === undefined
      ? undefined
      : setInterval(() => {
          transfers
            .expire()
            .catch((error: unknown) =>
              logger.error({ error: String(error) }, 'expiring unreported transfers failed'),
            );
        }, sweepMs).unref();
  // Calls left live by a process that died (this one, before a restart) are reconciled now.
  const sweepCalls = () =>
    lifecycle
      .sweep()
      .catch((error: unknown) =>
        logger.error({ error: String(error) }, 'sweeping live calls failed'),
      );
  await sweepCalls();
  const callSweep = setInterval(
    sweepCalls,
    options.callSweepMs ?? (shared ? 15_000 : 60_000),
  ).unref();
  return {
    inject: (request) => app.inject(request),
    url: listeningUrl,
    eventSources,
    drain() {
      draining = true;
    },
    async close(graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) {
      draining = true;
      await eventSources.stop();
      // The listener stays open while live calls finish (up to graceMs): carriers and
      // balancers keep getting answers (503 with Retry-After, /readyz 503), not refusals.
      await media!.drain(graceMs);
      // Requests in flight get a second to finish; then their connections close too.
      const timer = setTimeout(() => app.server.closeAllConnections(), 1000);
      await app.close();
      clearTimeout(timer);
      clearInterval(expiry);
      clearInterval(callSweep);
      await lifecycle.stop();
      await webhooks.stop();
      recordings.stopRetention();
      transfers.close();
      // Ours only: a shared bus belongs to whoever passed it in.
      if (!options.signals) await signals.close();
      if (!options.feed) await feed.close();
    },
  };
}

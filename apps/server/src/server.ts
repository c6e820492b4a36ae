import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, ProviderRegistry } from '@patchbay/core';
import { registerAgentRoutes } from './agents.js';
import {
  CallLifecycle,
  type CallLifecycleTimings,
  DEFAULT_LIFECYCLE_TIMINGS,
} from './calls/call-lifecycle.js';
import { registerCallRoutes } from './calls/call-routes.js';
import { type CallSignals, localCallSignals, postgresCallSignals } from './calls/call-signals.js';
import { registerInboundRoute } from './calls/inbound-route.js';
import { Transfers } from './calls/transfers.js';
import type { ServerConfig } from './config.js';
import { registerConfigurationRoutes } from './configurations.js';
import type { CredentialCipher } from './credentials.js';
import type { Database } from './database/database.js';
import { postgresLeases, soleProcessLeases } from './event-source-leases.js';
import { createEventSources, type EventSources } from './event-sources.js';
import { authenticate } from './http/authenticate.js';
import { clientAddress } from './http/client-address.js';
import { errorBody, Router } from './http/router.js';
import { attachMediaSockets } from './media/media-sockets.js';
import type { MediaTokens } from './media-tokens.js';
import { openApiDocument } from './openapi.js';
import { registerPhoneNumberRoutes } from './phone-numbers.js';
import { registerProviderRoutes } from './provider-routes.js';
import type { ServerContext } from './server-context.js';

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
  /** The lifecycle's clocks (defaults in DEFAULT_LIFECYCLE_TIMINGS); shortened in tests. */
  readonly lifecycle?: Partial<CallLifecycleTimings>;
}

const TRANSFER_SWEEP_MS = 5000;

export interface PatchbayServer {
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

function send(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Starts the HTTP server on the configured host and port. */
export async function startPatchbayServer(options: PatchbayServerOptions): Promise<PatchbayServer> {
  const { config, database, registry, logger, cipher, mediaTokens } = options;
  let draining = false;
  let listeningUrl = '';
  const router = new Router()
    .add('GET', '/healthz', async () => ({ status: 200, body: { status: 'ok' } }))
    .add('GET', '/readyz', async () => {
      if (draining) return { status: 503, body: { status: 'draining' } };
      try {
        await database.sql`select 1`;
        return { status: 200, body: { status: 'ready', database: database.kind } };
      } catch {
        return { status: 503, body: { status: 'database unavailable' } };
      }
    })
    .add('GET', '/api/v1/openapi.json', async () => ({
      status: 200,
      body: openApiDocument('0.0.0'),
    }))
    .add('GET', '/api/v1/providers', async (request) => {
      await authenticate(database, request);
      return { status: 200, body: { providers: registry.describe() } };
    });
  registerAgentRoutes(router, database);
  const signals =
    options.signals ??
    (database.kind === 'postgres'
      ? await postgresCallSignals(database.sql, logger)
      : localCallSignals(logger));
  // What every route, event source and media socket shares.
  const context: ServerContext = {
    database,
    registry,
    cipher,
    mediaTokens,
    logger,
    signals,
    publicBaseUrl: () => config.PUBLIC_BASE_URL ?? listeningUrl,
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
  registerPhoneNumberRoutes(router, context);
  registerCallRoutes(router, context, transfers);
  registerInboundRoute(router, context);
  registerProviderRoutes(router, context, transfers);
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
  registerConfigurationRoutes(router, {
    ...context,
    // A configuration's event connection follows it; failing to restart it must not fail the save.
    changed: (id) =>
      eventSources
        .refresh(id)
        .catch((error: unknown) =>
          logger.error(
            { configurationId: id, error: String(error) },
            'event source restart failed',
          ),
        ),
  });

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now();
    const base = config.PUBLIC_BASE_URL ?? `http://${request.headers.host ?? 'localhost'}`;
    // Read now: once a request is done with (a refused upload), its socket may be gone.
    const client = clientAddress(
      request.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      config.TRUSTED_PROXIES,
    );
    router
      .handle(request, base)
      .then((result) => {
        // An upload refused part-way is not read to its end: the connection closes instead.
        const headers =
          result.status === 413 ? { ...result.headers, connection: 'close' } : result.headers;
        if (result.rawBody !== undefined) {
          response.writeHead(result.status, headers);
          response.end(result.rawBody);
        } else send(response, result.status, result.body, headers);
        logger.info(
          {
            method: request.method,
            path: request.url?.split('?')[0],
            client,
            status: result.status,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      })
      .catch((error: unknown) => {
        logger.error({ path: request.url?.split('?')[0], error: String(error) }, 'request failed');
        if (!response.headersSent)
          send(
            response,
            500,
            errorBody('internal_error', 'The server could not handle the request'),
          );
        else response.destroy();
      });
  });
  const media = attachMediaSockets(server, context, transfers, lifecycle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  listeningUrl = `http://${host}:${address.port}`;
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
      await media.drain(graceMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(timer);
      clearInterval(expiry);
      clearInterval(callSweep);
      await lifecycle.stop();
      transfers.close();
      // Ours only: a shared bus belongs to whoever passed it in.
      if (!options.signals) await signals.close();
    },
  };
}

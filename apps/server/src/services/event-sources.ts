import type { InboundDecision, ProviderConfigBase, ProviderEventSource } from '@patchbay/core';
import { admitInboundCall } from './calls/call-admission.js';
import { recordCallStatus } from './calls/call-feed.js';
import type { Transfers } from './calls/transfers.js';
import type { EventSourceLeases } from './event-source-leases.js';
import { providerContext, type ServerContext } from './server-context.js';

interface ConfigurationRow {
  id: string;
  organization_id: string;
  provider: string;
  credentials: Uint8Array;
  is_active: boolean;
  updated_at: Date;
}

/** How long a refresh waits for a source's first connection attempt. */
const START_WAIT_MS = 15_000;
/** How long a status for a carrier call id not (yet) stored is retried: 10 × 200 ms. */
const UNKNOWN_CALL_RETRIES = 10;
const UNKNOWN_CALL_WAIT_MS = 200;

/** An error as shown to operators: no credentials from URLs, and not a novel. */
function connectionDetail(detail: string): string {
  return detail.replace(/\/\/[^/@\s]*@/g, '//').slice(0, 300);
}

/** The event connections of carriers that deliver calls over one (Asterisk ARI, 3CX). */
export interface EventSources {
  /** Starts a source for every active configuration whose carrier has one and whose lease this process gets. */
  start(): Promise<void>;
  /** After a configuration changed here: restart, start or stop its source as it now is. */
  refresh(configurationId: string): Promise<void>;
  /** Configurations whose source runs in this process. */
  readonly running: readonly string[];
  stop(): Promise<void>;
}

export interface EventSourceOptions {
  readonly leases: EventSourceLeases;
  /**
   * How often the process re-reads the configurations (changes made through
   * another process, leases another process gave up) and checks its leases.
   * Absent for a process that is the only one (the embedded database): its
   * own changes arrive through `refresh`, and a poll would only cost it.
   */
  readonly checkIntervalMs?: number;
}

/**
 * Runs one event source per active configuration whose provider declares
 * one, in exactly one process (the one holding the configuration's lease),
 * feeding its calls into the same tables, tokens and media sockets as
 * webhook carriers: an inbound call is taken when the configuration has
 * that number with an agent, and statuses and transfer outcomes are
 * recorded like callbacks.
 */
export function createEventSources(
  context: ServerContext,
  transfers: Transfers,
  options: EventSourceOptions,
): EventSources {
  const { database, registry, logger } = context;
  const { sql } = database;
  const { leases } = options;
  /** Running sources, with the configuration version they run. */
  const sources = new Map<string, { source: ProviderEventSource; version: number }>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // One reconciliation at a time: the timer and a refresh must not start a source twice.
  let reconciling: Promise<void> = Promise.resolve();

  async function startOne(row: ConfigurationRow): Promise<void> {
    const spec = registry.get(row.provider);
    if (!spec.eventSource || !row.is_active) return;
    const config = context.cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
    const source = spec.eventSource(config, providerContext(context, row));
    sources.set(row.id, { source, version: row.updated_at.getTime() });
    const log = { provider: row.provider, configurationId: row.id };
    logger.info(log, 'carrier event source starting in this process');
    const started = source.start({
      inboundCall: async (call): Promise<InboundDecision> => {
        const [number] = await sql<{ agent_id: string | null }[]>`
          select agent_id from phone_numbers where configuration_id = ${row.id} and address = ${call.to}`;
        if (!number) return { accept: false, reason: 'number-not-configured' };
        if (!number.agent_id) return { accept: false, reason: 'agent-not-configured' };
        const admission = await admitInboundCall(context, {
          organizationId: row.organization_id,
          configurationId: row.id,
          agentId: number.agent_id,
          provider: row.provider,
          carrierCallId: call.callId,
          from: call.from,
          to: call.to,
          status: call.status,
        });
        if (!admission.admitted) return { accept: false, reason: 'concurrency-limit' };
        const { callId } = admission;
        logger.info({ ...log, callId, to: call.to }, 'inbound call taken');
        return {
          accept: true,
          mediaStreamUrl: await context.urls.mediaStream(
            context.carrierBaseUrl(row.provider),
            row.provider,
            callId,
          ),
        };
      },
      status: (update) => {
        void (async () => {
          // An outbound call's first event can beat the placing process storing its
          // carrier id (Asterisk reports a busy callee within milliseconds): wait for it.
          for (let attempt = 0; attempt <= UNKNOWN_CALL_RETRIES; attempt++) {
            if (attempt > 0)
              await new Promise((resolve) => setTimeout(resolve, UNKNOWN_CALL_WAIT_MS));
            const [call] = await sql<{ id: string }[]>`
              select id from calls where provider = ${row.provider} and carrier_call_id = ${update.callId}`;
            if (call) {
              await recordCallStatus(context, call.id, update);
              return;
            }
          }
          logger.warn(
            { ...log, carrierCallId: update.callId, status: update.status },
            'status for a call this server does not know',
          );
        })().catch((error: unknown) =>
          logger.error({ ...log, error: String(error) }, 'recording an event status failed'),
        );
      },
      transfer: (result) => {
        transfers
          .record(result, row.id)
          .catch((error: unknown) =>
            logger.error({ ...log, error: String(error) }, 'recording a transfer report failed'),
          );
      },
      connection: (state, detail) => {
        const shown = detail === undefined ? null : connectionDetail(detail);
        logger.info({ ...log, state, detail: shown }, 'carrier event connection');
        // Only a change is written: a source retrying with the same error keeps its `since`.
        sql`
          update telephony_configurations
          set connection_state = ${state}, connection_detail = ${shown}, connection_changed_at = now()
          where id = ${row.id}
            and (connection_state, connection_detail) is distinct from (${state}::text, ${shown}::text)`.catch(
          (error: unknown) =>
            logger.warn({ ...log, error: String(error) }, 'recording the connection state failed'),
        );
      },
    });
    // A source whose first connection attempt hangs must not hold up every other
    // configuration's: it goes on connecting by itself, and failing is logged.
    started.catch((error: unknown) =>
      logger.error({ ...log, error: String(error) }, 'carrier event source failed to start'),
    );
    await Promise.race([
      started,
      new Promise((resolve) => setTimeout(resolve, START_WAIT_MS).unref()),
    ]);
  }

  async function stopOne(configurationId: string): Promise<void> {
    const running = sources.get(configurationId);
    sources.delete(configurationId);
    try {
      await running?.source.stop();
    } finally {
      await leases.release(configurationId);
    }
  }

  const withEventSource = () =>
    registry.specs.filter((spec) => spec.eventSource !== undefined).map((spec) => spec.name);

  /** Makes the running sources match the active configurations this process can lease. */
  async function reconcile(): Promise<void> {
    const providers = withEventSource();
    if (providers.length === 0 || stopped) return;
    if (!(await leases.healthy())) {
      // Our leases are gone, so another process may already run these: stop ours.
      for (const id of [...sources.keys()]) await stopOne(id);
    }
    const rows = await sql<ConfigurationRow[]>`
      select id, organization_id, provider, credentials, is_active, updated_at
      from telephony_configurations where is_active and provider in ${sql(providers)}`;
    const wanted = new Map(rows.map((row) => [row.id, row]));
    for (const [id, running] of [...sources]) {
      const row = wanted.get(id);
      if (!row || row.updated_at.getTime() !== running.version) await stopOne(id);
    }
    for (const row of rows) {
      if (stopped || sources.has(row.id) || !(await leases.acquire(row.id))) continue;
      try {
        await startOne(row);
      } catch (error) {
        // Left for the next round, by this process or another.
        sources.delete(row.id);
        await leases.release(row.id);
        logger.error(
          { provider: row.provider, configurationId: row.id, error: String(error) },
          'carrier event source failed to start',
        );
      }
    }
  }

  const queue = (work: () => Promise<void>): Promise<void> => {
    const next = reconciling.then(work);
    reconciling = next.catch(() => {});
    return next;
  };

  return {
    async start() {
      await queue(reconcile);
      if (options.checkIntervalMs === undefined) return;
      timer = setInterval(() => {
        queue(reconcile).catch((error: unknown) =>
          logger.error({ error: String(error) }, 'event source check failed'),
        );
      }, options.checkIntervalMs);
      timer.unref();
    },
    refresh(configurationId) {
      return queue(async () => {
        await stopOne(configurationId);
        await reconcile();
      });
    },
    get running() {
      return [...sources.keys()];
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await queue(async () => {
        await Promise.all([...sources.keys()].map(stopOne));
      });
      await leases.close();
    },
  };
}

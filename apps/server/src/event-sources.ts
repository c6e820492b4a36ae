import type { InboundDecision, ProviderConfigBase, ProviderEventSource } from '@patchbay/core';
import { admitInboundCall, mediaStreamUrl } from './calls/call-admission.js';
import { recordCallStatus } from './calls/call-store.js';
import type { Transfers } from './calls/transfers.js';
import { providerContext, type ServerContext } from './server-context.js';

interface ConfigurationRow {
  id: string;
  organization_id: string;
  provider: string;
  credentials: Uint8Array;
  is_active: boolean;
}

/** The event connections of carriers that deliver calls over one (Asterisk ARI, 3CX). */
export interface EventSources {
  /** Starts a source for every active configuration whose carrier has one. */
  start(): Promise<void>;
  /** After a configuration changed: restart, start or stop its source as it now is. */
  refresh(configurationId: string): Promise<void>;
  readonly running: readonly string[];
  stop(): Promise<void>;
}

/**
 * Runs one event source per active configuration whose provider declares
 * one, feeding its calls into the same tables, tokens and media sockets as
 * webhook carriers: an inbound call is taken when the configuration has
 * that number with an agent, and statuses are recorded like callbacks.
 */
export function createEventSources(context: ServerContext, transfers: Transfers): EventSources {
  const { database, registry, mediaTokens, logger } = context;
  const { sql } = database;
  const sources = new Map<string, ProviderEventSource>();

  async function startOne(row: ConfigurationRow): Promise<void> {
    const spec = registry.get(row.provider);
    if (!spec.eventSource || !row.is_active) return;
    const config = context.cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
    const source = spec.eventSource(config, providerContext(context, row));
    sources.set(row.id, source);
    const log = { provider: row.provider, configurationId: row.id };
    await source.start({
      inboundCall: async (call): Promise<InboundDecision> => {
        const [number] = await sql<{ agent_id: string | null }[]>`
          select agent_id from phone_numbers where configuration_id = ${row.id} and address = ${call.to}`;
        if (!number) return { accept: false, reason: 'number-not-configured' };
        if (!number.agent_id) return { accept: false, reason: 'agent-not-configured' };
        const callId = await admitInboundCall(sql, {
          organizationId: row.organization_id,
          configurationId: row.id,
          agentId: number.agent_id,
          provider: row.provider,
          carrierCallId: call.callId,
          from: call.from,
          to: call.to,
          status: call.status,
        });
        logger.info({ ...log, callId, to: call.to }, 'inbound call taken');
        return {
          accept: true,
          mediaStreamUrl: await mediaStreamUrl(
            registry,
            mediaTokens,
            context.publicBaseUrl(),
            row.provider,
            callId,
          ),
        };
      },
      status: (update) => {
        void (async () => {
          const [call] = await sql<{ id: string }[]>`
            select id from calls where provider = ${row.provider} and carrier_call_id = ${update.callId}`;
          if (call) await recordCallStatus(sql, call.id, update);
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
      connection: (state, detail) =>
        logger.info({ ...log, state, detail }, 'carrier event connection'),
    });
  }

  async function stopOne(configurationId: string): Promise<void> {
    const source = sources.get(configurationId);
    sources.delete(configurationId);
    await source?.stop();
  }

  const withEventSource = () =>
    registry.specs.filter((spec) => spec.eventSource !== undefined).map((spec) => spec.name);

  return {
    async start() {
      const providers = withEventSource();
      if (providers.length === 0) return;
      const rows = await sql<ConfigurationRow[]>`
        select id, organization_id, provider, credentials, is_active from telephony_configurations
        where is_active and provider in ${sql(providers)}`;
      for (const row of rows) await startOne(row);
    },
    async refresh(configurationId) {
      await stopOne(configurationId);
      const [row] = await sql<ConfigurationRow[]>`
        select id, organization_id, provider, credentials, is_active from telephony_configurations
        where id = ${configurationId}`;
      if (row) await startOne(row);
    },
    get running() {
      return [...sources.keys()];
    },
    async stop() {
      await Promise.all([...sources.keys()].map(stopOne));
    },
  };
}

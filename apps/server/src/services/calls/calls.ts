import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { type CallStatus, PatchbayError } from '@patchbay/core';
import type postgres from 'postgres';
import type { z } from 'zod';
import {
  type CallRow,
  type CallView,
  enqueueCallEvents,
  showCall,
} from '../../storage/call-store.js';
import { findOwned, uniqueViolation } from '../../storage/owned.js';
import { canonicalAddress, defaultCountryOf } from '../phone-numbers.js';
import { callProvider, openConfiguration, type ServerContext } from '../server-context.js';
import { ServerError } from '../server-errors.js';
import { announceCall, recordCallStatus } from './call-feed.js';
import { callLimitError, checkCallLimits } from './call-limits.js';
import type { transferBody } from './transfer-request.js';
import { showTransfer, type TransferRow, type Transfers } from './transfers.js';

export type { CallView };

/** A call with what happened to it: its transfers and every status report, in order. */
export interface CallDetail extends CallView {
  transfers: ReturnType<typeof showTransfer>[];
  events: { status: CallStatus; carrierStatus: string; detail: unknown; at: string }[];
}

export interface PlaceCallRequest {
  configurationId: string;
  to: string;
  from?: string | undefined;
  /** The agent that talks; the built-in echo when absent. */
  agentId?: string | undefined;
  ringTimeoutSeconds?: number | undefined;
  /** Over the configuration's calls per second, wait for a free moment rather than get 429. */
  queue?: boolean | undefined;
  /** Ask the carrier who answered; refused where it cannot tell. */
  answeringMachineDetection?: 'detect' | 'detect-beep' | undefined;
}

/** The longest a queued placement waits for its configuration's rate. */
const MAX_QUEUE_WAIT_MS = 30_000;

/** Statuses of a call that has not ended. */
export const LIVE_CALL_STATUSES: readonly CallStatus[] = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
];

export interface CallFilter {
  limit: number;
  /** Where the previous page stopped (its `nextCursor`). */
  cursor?: string | undefined;
  configurationId?: string | undefined;
  direction?: 'inbound' | 'outbound' | undefined;
  /** One status, or `live` for every status of a call that has not ended. */
  status?: CallStatus | 'live' | undefined;
}

interface ConfigurationForCall {
  id: string;
  provider: string;
  credentials: Uint8Array;
  is_active: boolean;
}

/** A page position: the last call's creation time and id, which order the list. */
const encodeCursor = (row: CallRow) =>
  Buffer.from(`${row.created_at.toISOString()}|${row.id}`).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()))
    throw new ServerError('invalid_querystring', 'cursor: not one this server gave');
  return { createdAt, id };
}

/** Calls: placed through a configuration, read, hung up and transferred on an organization's behalf. */
export class Calls {
  private readonly sql: postgres.Sql;

  constructor(
    private readonly context: ServerContext,
    private readonly transfers: Transfers,
  ) {
    this.sql = context.database.sql;
  }

  /**
   * Places an outbound call answered by an agent. The row is written before
   * the carrier is asked, so its first callback finds it; if the carrier
   * refuses, the call stays, failed, with the reason.
   * @throws ServerError `draining`, `unknown_configuration`, `configuration_inactive`, `unknown_agent`, `caller_id_required`, `public_base_url_unset`, `place_call_failed`
   */
  async place(organizationId: string, request: PlaceCallRequest): Promise<CallView> {
    const { context, sql } = this;
    if (context.draining())
      throw new ServerError('draining', 'This server is shutting down; try another', {
        'retry-after': '5',
      });
    const configuration = await findOwned<ConfigurationForCall>(
      sql,
      'telephony_configurations',
      request.configurationId,
      organizationId,
    );
    if (!configuration) throw new ServerError('unknown_configuration', 'No such configuration');
    if (!configuration.is_active)
      throw new ServerError('configuration_inactive', 'The configuration is deactivated');
    if (request.agentId !== undefined) {
      if (!(await findOwned(sql, 'agents', request.agentId, organizationId)))
        throw new ServerError('unknown_agent', 'No such agent');
    }
    const spec = context.registry.get(configuration.provider);
    const country = await defaultCountryOf(sql, configuration.id);
    const to = canonicalAddress(request.to, country);
    const from = request.from === undefined ? undefined : canonicalAddress(request.from, country);
    if (spec.requiresCallerId && from === undefined)
      throw new ServerError('caller_id_required', `${spec.displayName} needs a caller ID (from)`);
    const { provider } = openConfiguration(context, configuration);
    if (request.answeringMachineDetection && !provider.capabilities.answeringMachineDetection)
      throw new ServerError(
        'amd_unsupported',
        `${spec.displayName} has no answering-machine detection; place the call without answeringMachineDetection`,
      );

    const id = randomUUID();
    // Before anything is written: a server carriers cannot reach refuses here (503).
    const base = context.carrierBaseUrl(configuration.provider);
    const { answeringMachineUrl, ...callbacks } = context.urls.callbacks(
      base,
      configuration.provider,
      id,
    );
    const urls = {
      ...callbacks,
      mediaStreamUrl: await context.urls.mediaStream(base, configuration.provider, id),
    };
    await this.insertWithinLimits(
      organizationId,
      configuration.id,
      request.queue === true,
      async (tx) => {
        await tx`
          insert into calls (id, organization_id, configuration_id, agent_id, provider, direction,
                             from_address, to_address, status, created_at)
          values (${id}, ${organizationId}, ${configuration.id}, ${request.agentId ?? null},
                  ${configuration.provider}, 'outbound', ${from ?? ''}, ${to}, 'queued',
                  clock_timestamp())`;
        await enqueueCallEvents(tx, id, undefined);
      },
    );
    // The call is in the list from now, queued, before the carrier is asked.
    await announceCall(context, id);
    let placed: Awaited<ReturnType<typeof provider.placeCall>>;
    try {
      placed = await context.metrics.timeCarrier(configuration.provider, 'place call', () =>
        provider.placeCall({
          to,
          ...(from === undefined ? {} : { from }),
          ...(request.ringTimeoutSeconds === undefined
            ? {}
            : { ringTimeoutSeconds: request.ringTimeoutSeconds }),
          ...(request.answeringMachineDetection
            ? {
                answeringMachineDetection: {
                  mode: request.answeringMachineDetection,
                  callbackUrl: answeringMachineUrl,
                },
              }
            : {}),
          ...urls,
        }),
      );
    } catch (error) {
      // The call stays, failed, so the caller can see why.
      await this.failPlacing(id, error instanceof Error ? error.message : String(error));
      if (PatchbayError.isInstance(error)) throw error;
      throw new ServerError('place_call_failed', 'The carrier did not take the call');
    }
    // The carrier has the call now: from here a failure is ours, never reported as the call failing.
    try {
      await sql`update calls set carrier_call_id = ${placed.callId}, updated_at = now() where id = ${id}`;
    } catch (error) {
      if (!uniqueViolation(error)) throw error;
      // The carrier named a call we already hold: one of the two would be answered for the other.
      const reason = `${spec.displayName} answered with the id of another call (${placed.callId})`;
      await this.failPlacing(id, reason);
      throw new ServerError('place_call_failed', reason);
    }
    await recordCallStatus(context, id, {
      callId: placed.callId,
      status: placed.status,
      carrierStatus: `placed:${placed.status}`,
      metadata: {},
    });
    const [row] = await sql<CallRow[]>`select * from calls where id = ${id}`;
    return showCall(row!);
  }

  /** Asks the carrier to hang up; the end comes with its report. @throws ServerError `not_found`, `not_connected`, `configuration_gone` */
  async hangUp(organizationId: string, id: string): Promise<CallView> {
    const call = await this.owned(id, organizationId);
    if (!call.carrier_call_id)
      throw new ServerError('not_connected', 'The call never reached the carrier');
    const provider = await callProvider(this.context, call.configuration_id);
    await this.context.metrics.timeCarrier(call.provider, 'hang up', () =>
      provider.hangUp(call.carrier_call_id!),
    );
    return showCall(call);
  }

  /** @throws ServerError `not_found`, and what `Transfers.start` throws */
  async transfer(
    organizationId: string,
    id: string,
    request: z.output<typeof transferBody>,
  ): Promise<ReturnType<typeof showTransfer>> {
    const call = await this.owned(id, organizationId);
    return showTransfer(await this.transfers.start(call.id, request, 'api'));
  }

  /** Newest first, a page at a time. @throws ServerError `invalid_querystring` for a cursor this server did not give */
  async list(
    organizationId: string,
    filter: CallFilter,
  ): Promise<{ calls: CallView[]; nextCursor: string | null }> {
    const sql = this.sql;
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const statuses =
      filter.status === undefined
        ? undefined
        : filter.status === 'live'
          ? [...LIVE_CALL_STATUSES]
          : [filter.status];
    const rows = await sql<CallRow[]>`
      select * from calls
      where organization_id = ${organizationId}
        ${filter.configurationId === undefined ? sql`` : sql`and configuration_id = ${filter.configurationId}`}
        ${filter.direction === undefined ? sql`` : sql`and direction = ${filter.direction}`}
        ${statuses === undefined ? sql`` : sql`and status in ${sql(statuses)}`}
        ${after === undefined ? sql`` : sql`and (created_at, id) < (${after.createdAt}, ${after.id})`}
      order by created_at desc, id desc
      limit ${filter.limit + 1}`;
    const page = rows.slice(0, filter.limit);
    return {
      calls: page.map(showCall),
      nextCursor: rows.length > filter.limit ? encodeCursor(page.at(-1)!) : null,
    };
  }

  /** @throws ServerError `not_found` */
  async get(organizationId: string, id: string): Promise<CallDetail> {
    const row = await this.owned(id, organizationId);
    const events = await this.sql<
      { status: CallStatus; carrier_status: string; detail: unknown; created_at: Date }[]
    >`select status, carrier_status, detail, created_at from call_events where call_id = ${row.id} order by id`;
    const transfers: TransferRow[] = await this.transfers.forCall(row.id);
    return {
      ...showCall(row),
      transfers: transfers.map(showTransfer),
      events: events.map((event) => ({
        status: event.status,
        carrierStatus: event.carrier_status,
        detail: event.detail,
        at: event.created_at.toISOString(),
      })),
    };
  }

  /**
   * Writes a new outbound call if its organization and configuration have
   * room, else refuses with 429. Over the configuration's calls per second,
   * a caller that asked to queue waits for the next free moment (up to
   * MAX_QUEUE_WAIT_MS) instead.
   */
  private async insertWithinLimits(
    organizationId: string,
    configurationId: string,
    queue: boolean,
    insert: (tx: postgres.TransactionSql) => Promise<unknown>,
  ): Promise<void> {
    const giveUpAt = Date.now() + MAX_QUEUE_WAIT_MS;
    for (;;) {
      const refusal = await this.sql.begin(async (tx) => {
        const refused = await checkCallLimits(tx, {
          organizationId,
          configurationId,
          defaultOrganizationLimit: this.context.limits.maxConcurrentCalls,
          outbound: true,
        });
        if (!refused) await insert(tx);
        return refused;
      });
      if (!refusal) return;
      const wait = refusal.limit === 'rate' ? refusal.retryAfterMs : undefined;
      if (!queue || wait === undefined || Date.now() + wait > giveUpAt)
        throw callLimitError(refusal);
      await setTimeout(wait);
    }
  }

  private async owned(id: string | undefined, organizationId: string): Promise<CallRow> {
    const row = await findOwned<CallRow>(this.sql, 'calls', id, organizationId);
    if (!row) throw new ServerError('not_found', 'No such call');
    return row;
  }

  private async failPlacing(id: string, reason: string): Promise<void> {
    await recordCallStatus(this.context, id, {
      callId: id,
      status: 'failed',
      carrierStatus: 'place-call-error',
      reason,
      metadata: {},
    });
  }
}

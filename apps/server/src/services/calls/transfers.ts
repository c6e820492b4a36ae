import { randomUUID } from 'node:crypto';
import { PatchbayError, type TransferResult } from '@patchbay/core';
import type { z } from 'zod';
import type { CallRow } from '../../storage/call-store.js';
import { enqueueTransferEvent } from '../../storage/call-store.js';
import { isUuid, uniqueViolation } from '../../storage/owned.js';
import { canonicalAddress, defaultCountryOf } from '../phone-numbers.js';
import { callProvider, type ServerContext } from '../server-context.js';
import { ServerError } from '../server-errors.js';
import type { CallSignals, TransferSignal, TransferState } from './call-signals.js';
import type { transferBody } from './transfer-request.js';

export interface TransferRow {
  id: string;
  call_id: string;
  destination: string;
  caller_id: string | null;
  status: TransferState;
  reason: string | null;
  leg_call_id: string | null;
  requested_by: 'api' | 'agent';
  deadline_at: Date;
  connected_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const showTransfer = (row: TransferRow) => ({
  id: row.id,
  callId: row.call_id,
  destination: row.destination,
  callerId: row.caller_id,
  status: row.status,
  reason: row.reason,
  legCallId: row.leg_call_id,
  requestedBy: row.requested_by,
  createdAt: row.created_at.toISOString(),
  connectedAt: row.connected_at?.toISOString() ?? null,
});

/** Time the carrier gets past the ring timeout to report before a transfer counts as timed out. */
const REPORT_MARGIN_SECONDS = 15;

/**
 * Conference transfers of live calls, requested over the API or by the
 * agent. State lives in the `transfers` table, and every step is a
 * conditional update (`where status = …`), so a carrier that reports an
 * outcome twice, or to two processes, causes one side effect; the process
 * holding the call's media hears each step as a call signal.
 *
 * pending → answered → connected → completed, or pending → busy | no-answer
 * | failed (the carrier said so, it could not dial, the caller could not be
 * joined, or nobody reported before the deadline).
 */
export class Transfers {
  private readonly sql;
  private readonly signals: CallSignals;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly context: ServerContext) {
    this.sql = context.database.sql;
    this.signals = context.signals;
  }

  /**
   * Dials `destination` for a live call; the caller stays with the agent
   * until it answers.
   * @throws ServerError `call_not_live`, `transfer_in_progress`, `transfers_unsupported`
   */
  async start(
    callId: string,
    request: z.output<typeof transferBody>,
    requestedBy: TransferRow['requested_by'],
  ): Promise<TransferRow> {
    const [call] = await this.sql<CallRow[]>`select * from calls where id = ${callId}`;
    if (!call) throw new ServerError('not_found', 'No such call');
    if (!call.carrier_call_id || call.status !== 'in-progress')
      throw new ServerError('call_not_live', 'Only an answered, live call can be transferred');
    const provider = await callProvider(this.context, call.configuration_id);
    const base = this.context.carrierBaseUrl(call.provider);
    if (!provider.capabilities.transfers)
      throw new ServerError(
        'transfers_unsupported',
        `${this.context.registry.get(call.provider).displayName} cannot transfer calls`,
      );
    const country = await defaultCountryOf(this.sql, call.configuration_id);
    const destination = canonicalAddress(request.destination, country);
    // Our side of the call: the number we called from, or the one that was called.
    const ours = call.direction === 'outbound' ? call.from_address : call.to_address;
    const callerId =
      request.from === undefined ? ours || undefined : canonicalAddress(request.from, country);

    const id = randomUUID();
    let row: TransferRow;
    try {
      const [inserted] = await this.sql<TransferRow[]>`
        insert into transfers (id, call_id, destination, caller_id, status, requested_by, deadline_at)
        values (${id}, ${call.id}, ${destination}, ${callerId ?? null}, 'pending', ${requestedBy},
                now() + make_interval(secs => ${request.timeoutSeconds + REPORT_MARGIN_SECONDS}))
        returning *`;
      row = inserted!;
    } catch (error) {
      if (uniqueViolation(error))
        throw new ServerError('transfer_in_progress', 'The call already has a transfer under way');
      throw error;
    }
    // Before the carrier is asked: its first report may come back faster than its answer.
    await this.publish(row, 'pending');
    try {
      const placed = await provider.transferCall({
        callId: call.carrier_call_id,
        destination,
        transferId: id,
        statusCallbackUrl: this.context.urls.transferCallback(base, call.provider, id),
        timeoutSeconds: request.timeoutSeconds,
        ...(callerId === undefined ? {} : { from: callerId }),
      });
      if (placed.legCallId) {
        const [updated] = await this.sql<TransferRow[]>`
          update transfers set leg_call_id = coalesce(leg_call_id, ${placed.legCallId}), updated_at = now()
          where id = ${id} returning *`;
        row = updated ?? row;
      }
    } catch (error) {
      await this.move(row, ['pending'], 'failed', 'carrier-refused');
      if (PatchbayError.isInstance(error)) throw error;
      throw new ServerError('transfer_failed', 'The carrier did not dial the destination');
    }
    this.context.logger.info({ callId: call.id, transferId: id, requestedBy }, 'transfer dialing');
    this.expireAt(row.deadline_at);
    return row;
  }

  /**
   * What a carrier reported about a transfer's destination leg. With
   * `configurationId` (the configuration whose credentials verified the
   * report) a transfer of another configuration is not found.
   */
  async record(result: TransferResult, configurationId: string): Promise<'applied' | 'ignored'> {
    const [row] = !isUuid(result.transferId)
      ? []
      : await this.sql<(TransferRow & { carrier_call_id: string })[]>`
      select t.*, c.carrier_call_id from transfers t join calls c on c.id = t.call_id
      where t.id = ${result.transferId} and c.configuration_id = ${configurationId}`;
    if (!row) {
      this.context.logger.warn({ transferId: result.transferId }, 'report for an unknown transfer');
      return 'ignored';
    }
    const leg = result.legCallId ?? null;
    switch (result.status) {
      case 'pending':
        if (leg && !row.leg_call_id)
          await this
            .sql`update transfers set leg_call_id = ${leg} where id = ${row.id} and leg_call_id is null`;
        return 'ignored';
      case 'answered': {
        const answered = await this.move(row, ['pending'], 'answered', undefined, leg);
        if (!answered) return 'ignored';
        await this.connect(answered, row.carrier_call_id, configurationId);
        return 'applied';
      }
      case 'completed':
        // Ended after it was answered: the conversation is over; before: it never took the caller.
        if (await this.move(row, ['answered', 'connected'], 'completed')) return 'applied';
        return (await this.move(row, ['pending'], 'failed', 'destination-ended'))
          ? 'applied'
          : 'ignored';
      default:
        return (await this.move(row, ['pending'], result.status, result.status))
          ? 'applied'
          : 'ignored';
    }
  }

  /** Fails the transfers nobody reported on before their deadline; returns how many. */
  async expire(): Promise<number> {
    const expired = await this.sql<(TransferRow & { configuration_id: string | null })[]>`
      update transfers t set status = 'failed', reason = 'timeout', updated_at = now()
      from calls c
      where c.id = t.call_id and t.status = 'pending' and t.deadline_at < now()
      returning t.*, c.configuration_id`;
    for (const row of expired) {
      await this.publish(row, 'failed', 'timeout');
      await this.hangUpLeg(row, row.configuration_id);
    }
    return expired.length;
  }

  /** Checks for expired transfers just after `deadline`, from this process. */
  private expireAt(deadline: Date): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.expire().catch((error: unknown) =>
          this.context.logger.error({ error: String(error) }, 'expiring transfers failed'),
        );
      },
      Math.max(0, deadline.getTime() - Date.now()) + 250,
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Drops the expiry timers of this process (shutting down). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  async forCall(callId: string): Promise<TransferRow[]> {
    return this.sql<TransferRow[]>`
      select * from transfers where call_id = ${callId} order by created_at, id`;
  }

  /** Joins the caller to the destination, once: only the process that moved it to answered gets here. */
  private async connect(
    row: TransferRow,
    carrierCallId: string,
    configurationId: string,
  ): Promise<void> {
    try {
      const provider = await callProvider(this.context, configurationId);
      await provider.connectTransfer({
        callId: carrierCallId,
        transferId: row.id,
        ...(row.leg_call_id ? { legCallId: row.leg_call_id } : {}),
      });
    } catch (error) {
      this.context.logger.error(
        { callId: row.call_id, transferId: row.id, error: String(error) },
        'joining the caller to the transfer failed',
      );
      if (await this.move(row, ['answered'], 'failed', 'connect-failed'))
        await this.hangUpLeg(row, configurationId);
      return;
    }
    await this.move(row, ['answered'], 'connected');
  }

  /** Moves a transfer on if it is still in one of `from`; returns the row moved, else undefined. */
  private async move(
    row: TransferRow,
    from: readonly TransferState[],
    to: TransferState,
    reason?: string,
    leg?: string | null,
  ): Promise<TransferRow | undefined> {
    const moved = await this.sql.begin(async (tx) => {
      const [changed] = await tx<TransferRow[]>`
        update transfers set status = ${to}, reason = coalesce(${reason ?? null}, reason),
          leg_call_id = coalesce(leg_call_id, ${leg ?? null}), updated_at = now(),
          connected_at = case when ${to} = 'connected' then now() else connected_at end
        where id = ${row.id} and status in ${tx(from)}
        returning *`;
      // The host application hears of it in the same transaction: never lost, never twice.
      if (changed && to === 'connected')
        await enqueueTransferEvent(tx, changed.call_id, showTransfer(changed));
      return changed;
    });
    if (moved) await this.publish(moved, to, reason);
    return moved;
  }

  private async hangUpLeg(row: TransferRow, configurationId: string | null): Promise<void> {
    if (!row.leg_call_id) return;
    try {
      await (await callProvider(this.context, configurationId)).hangUp(row.leg_call_id);
    } catch (error) {
      this.context.logger.warn(
        { transferId: row.id, error: String(error) },
        'hanging up an abandoned transfer leg failed',
      );
    }
  }

  private async publish(row: TransferRow, status: TransferState, reason?: string): Promise<void> {
    const signal: TransferSignal = {
      callId: row.call_id,
      type: 'transfer',
      transferId: row.id,
      status,
      ...(reason ? { reason } : {}),
    };
    await this.signals
      .publish(signal)
      .catch((error: unknown) =>
        this.context.logger.error(
          { transferId: row.id, error: String(error) },
          'call signal not sent',
        ),
      );
  }
}

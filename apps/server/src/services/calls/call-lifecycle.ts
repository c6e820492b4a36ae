import { randomUUID } from 'node:crypto';
import { isTerminalCallStatus } from '@patchbay/core';
import type { ServerContext } from '../server-context.js';
import { callProvider } from '../server-context.js';
import { recordCallStatus } from './call-feed.js';

/** How the lifecycle keeps time; shortened in tests. */
export interface CallLifecycleTimings {
  /** How often this process says it is alive (10 s). */
  readonly heartbeatMs: number;
  /** A process not seen for this long is dead, and its calls are orphans (30 s). */
  readonly instanceTimeoutMs: number;
  /** After media ends, how long a carrier's own report is waited for before asking it (5 s). */
  readonly mediaEndGraceMs: number;
  /** A live call with no media and no news for this long is looked into (3 min: ringing plus setup). */
  readonly idleCallMs: number;
  /** How long a call the carrier cannot tell about stays live before it is closed as failed (2 min). */
  readonly unknownBoundMs: number;
}

export const DEFAULT_LIFECYCLE_TIMINGS: CallLifecycleTimings = {
  heartbeatMs: 10_000,
  instanceTimeoutMs: 30_000,
  mediaEndGraceMs: 5_000,
  idleCallMs: 180_000,
  unknownBoundMs: 120_000,
};

/** Reconciliations run at once; the rest wait their turn. */
const RECONCILE_CONCURRENCY = 4;

interface LiveCallRow {
  id: string;
  configuration_id: string | null;
  carrier_call_id: string | null;
  status: string;
  answered_at: Date | null;
  media_instance: string | null;
  updated_at: Date;
}

/**
 * Makes every call reach a terminal status once it has ended in the world,
 * whatever is lost on the way: media starting marks the call in progress;
 * media ending with no carrier report asks the carrier, and hangs up a call
 * the carrier still has once nobody holds its media; calls held by a process
 * that died (kill -9, a crash) or that never got media are found by a sweep
 * and reconciled the same way. A carrier that cannot say keeps a call live
 * for a bound, then it is closed as failed. Several processes sweep one
 * database without stepping on each other: each claims the calls it
 * reconciles with `for update skip locked`.
 */
export class CallLifecycle {
  readonly instanceId = randomUUID();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly queued: (() => Promise<void>)[] = [];
  private running = 0;

  constructor(
    private readonly context: ServerContext,
    private readonly timings: CallLifecycleTimings = DEFAULT_LIFECYCLE_TIMINGS,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => {
      this.beat().catch((error: unknown) =>
        this.context.logger.warn({ error: String(error) }, 'instance heartbeat failed'),
      );
    }, this.timings.heartbeatMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queued.length = 0;
    await this.context.database.sql`delete from server_instances where id = ${this.instanceId}`;
  }

  private async beat(): Promise<void> {
    await this.context.database.sql`
      insert into server_instances (id) values (${this.instanceId})
      on conflict (id) do update set seen_at = now()`;
  }

  /** The carrier's media reached this process: the call is answered and held here. */
  async mediaStarted(callId: string): Promise<void> {
    const { sql } = this.context.database;
    await sql`update calls set media_instance = ${this.instanceId} where id = ${callId}`;
    await recordCallStatus(this.context, callId, {
      callId,
      status: 'in-progress',
      carrierStatus: 'media-started',
      metadata: {},
    });
  }

  /** The media ended here. Unless the carrier reports the end itself, it is asked after a grace. */
  async mediaEnded(callId: string): Promise<void> {
    await this.context.database.sql`
      update calls set media_instance = null,
        reconcile_after = now() + ${`${this.timings.mediaEndGraceMs} milliseconds`}::interval
      where id = ${callId} and media_instance = ${this.instanceId}`;
    this.later(this.timings.mediaEndGraceMs, () => this.reconcileOne(callId));
  }

  private later(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.queued.push(work);
      this.runQueued();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Runs queued reconciliations a few at a time. Calls that end together
   * (a carrier outage, the end of a load test) fall due together; run at
   * once, a hundred carrier lookups and their writes would land in one burst
   * on the thread that carries every call's audio.
   */
  private runQueued(): void {
    while (this.running < RECONCILE_CONCURRENCY && this.queued.length > 0) {
      const work = this.queued.shift()!;
      this.running++;
      work()
        .catch((error: unknown) =>
          this.context.logger.error({ error: String(error) }, 'reconciling a call failed'),
        )
        .finally(() => {
          this.running--;
          this.runQueued();
        });
    }
  }

  /**
   * Finds live calls nobody can vouch for (media held by a process that is
   * gone, media ended without a report, no media and no news for a while)
   * and reconciles them. Returns how many it looked at.
   */
  async sweep(): Promise<number> {
    const { sql } = this.context.database;
    const claimed = await sql<{ id: string }[]>`
      update calls set reconcile_after = now() + ${`${this.timings.instanceTimeoutMs} milliseconds`}::interval
      where id in (
        select c.id from calls c
        left join server_instances i on i.id = c.media_instance
        where c.status in ('queued', 'initiated', 'ringing', 'in-progress')
          and (c.reconcile_after is null or c.reconcile_after <= now())
          and (
            (c.media_instance is not null
              and (i.id is null or i.seen_at < now() - ${`${this.timings.instanceTimeoutMs} milliseconds`}::interval))
            or (c.media_instance is null and c.reconcile_after is not null)
            or (c.media_instance is null
              and c.updated_at < now() - ${`${this.timings.idleCallMs} milliseconds`}::interval)
          )
        for update of c skip locked
        limit 100)
      returning id`;
    for (const { id } of claimed) await this.reconcileOne(id);
    return claimed.length;
  }

  /** Asks the carrier how one call stands, and ends it in Patchbay if it has ended, or must end. */
  async reconcileOne(callId: string): Promise<void> {
    const { sql } = this.context.database;
    const [call] = await sql<LiveCallRow[]>`
      select c.id, c.configuration_id, c.carrier_call_id, c.status, c.answered_at, c.media_instance,
             c.updated_at
      from calls c where c.id = ${callId}`;
    if (!call || isTerminalCallStatus(call.status as never)) return;
    const [holder] = call.media_instance
      ? await sql<{ alive: boolean }[]>`
          select seen_at > now() - ${`${this.timings.instanceTimeoutMs} milliseconds`}::interval as alive
          from server_instances where id = ${call.media_instance}`
      : [];
    if (holder?.alive) return; // a live process holds its media: nothing is lost
    const log = { callId, carrierCallId: call.carrier_call_id };
    try {
      if (!call.carrier_call_id) throw new Error('the carrier never named the call');
      const provider = await callProvider(this.context, call.configuration_id);
      const details = await provider.getCall(call.carrier_call_id);
      if (isTerminalCallStatus(details.status)) {
        await recordCallStatus(this.context, callId, {
          callId,
          status: details.status,
          carrierStatus: `reconciled:${details.carrierStatus}`,
          reason: 'reported by the carrier when asked',
          ...(details.durationSeconds === undefined
            ? {}
            : { durationSeconds: details.durationSeconds }),
          metadata: {},
        });
        this.context.logger.info(
          { ...log, status: details.status },
          'call reconciled with the carrier',
        );
        return;
      }
      const [transferred] = await sql`
        select 1 from transfers where call_id = ${callId} and status = 'connected'`;
      if (call.answered_at && !transferred) {
        // Still up at the carrier with nobody holding its media: the agent is gone, so end it.
        await provider.hangUp(call.carrier_call_id);
        await recordCallStatus(this.context, callId, {
          callId,
          status: 'completed',
          carrierStatus: `reconciled:${details.carrierStatus}`,
          reason: 'media ended; the call was hung up',
          metadata: {},
        });
        this.context.logger.info(log, 'call with no media hung up');
        return;
      }
      // Ringing or being set up, or joined to a transfer's destination: look again later.
      await sql`update calls set reconcile_after = now() + ${`${this.timings.instanceTimeoutMs} milliseconds`}::interval where id = ${callId}`;
    } catch (error) {
      const age = Date.now() - call.updated_at.getTime();
      if (age >= this.timings.unknownBoundMs) {
        await recordCallStatus(this.context, callId, {
          callId,
          status: 'failed',
          carrierStatus: 'unreconciled',
          reason: `the carrier could not say how the call ended: ${String(error)}`.slice(0, 500),
          metadata: {},
        });
        this.context.logger.warn(
          { ...log, error: String(error) },
          'call closed as failed: the carrier could not say',
        );
        return;
      }
      this.context.logger.warn(
        { ...log, error: String(error) },
        'the carrier could not say how a call stands; asking again later',
      );
      await sql`update calls set reconcile_after = now() + ${`${this.timings.mediaEndGraceMs} milliseconds`}::interval where id = ${callId}`;
      this.later(this.timings.unknownBoundMs - age, () => this.reconcileOne(callId));
    }
  }
}

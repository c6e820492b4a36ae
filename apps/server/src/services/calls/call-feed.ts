import {
  type AnsweringMachineResult,
  type CallStatusUpdate,
  isTerminalCallStatus,
  type Logger,
  type MediaHealth,
} from '@patchbay/core';
import type postgres from 'postgres';
import {
  type CallRow,
  type CallView,
  type StatusOutcome,
  showCall,
  recordAnsweringMachine as storeAnsweringMachine,
  recordCallStatus as storeCallStatus,
  recordMediaHealth as storeMediaHealth,
} from '../../storage/call-store.js';
import { type Bus, localBus, postgresBus } from '../bus.js';
import type { ServerContext } from '../server-context.js';

/** A call of the organization changed: how it stood right after the change. */
export interface CallFeedEvent {
  readonly organizationId: string;
  readonly call: CallView;
}

/** A NOTIFY payload holds 8000 bytes; a carrier's error text must not push a call past it. */
const MAX_REASON_CHARS = 1000;

/**
 * Every change to an organization's calls, on every server process: what
 * the console's live call list (GET /api/v1/calls/events) follows. Each
 * event is the call as it stood just after the change, read by the process
 * that made it, so readers see every state in the order it was reached.
 */
export type CallFeed = Bus<CallFeedEvent>;

export const CALL_FEED_CHANNEL = 'patchbay_call_feed';

export function localCallFeed(logger: Logger): CallFeed {
  return localBus<CallFeedEvent>((event) => event.organizationId, logger, 'call feed event');
}

export function postgresCallFeed(sql: postgres.Sql, logger: Logger): Promise<CallFeed> {
  return postgresBus<CallFeedEvent>(
    sql,
    CALL_FEED_CHANNEL,
    (event) => event.organizationId,
    logger,
    'call feed event',
  );
}

/**
 * Records a carrier's status report (once, forward only: see storage) and,
 * when it changed the call, tells the organization's feed. A feed that
 * cannot be told is logged, never the caller's failure: the call's record is
 * what matters, and readers catch up on their next read.
 */
export async function recordCallStatus(
  context: ServerContext,
  callId: string,
  update: CallStatusUpdate,
): Promise<StatusOutcome> {
  const outcome = await storeCallStatus(context.database.sql, callId, update);
  if (outcome === 'applied') {
    const call = await announceCall(context, callId);
    if (call && isTerminalCallStatus(call.status))
      context.metrics.callsEnded.inc({ provider: call.provider, status: call.status });
  }
  return outcome;
}

/**
 * Records an answering-machine result, and tells the feed and the process
 * holding the call's media (which tells the agent). A signal that cannot be
 * sent is logged: the result is on the call either way.
 */
export async function recordAnsweringMachine(
  context: ServerContext,
  callId: string,
  result: AnsweringMachineResult,
): Promise<'applied' | 'duplicate'> {
  const outcome = await storeAnsweringMachine(context.database.sql, callId, result);
  if (outcome === 'applied') {
    await announceCall(context, callId);
    await context.signals
      .publish({
        callId,
        type: 'amd',
        answeredBy: result.answeredBy,
        greeting: result.greeting ?? null,
        carrierLabel: result.carrierLabel.slice(0, 200),
      })
      .catch((error: unknown) =>
        context.logger.warn({ callId, error: String(error) }, 'could not signal the AMD result'),
      );
  }
  return outcome;
}

/**
 * Keeps how a call's media fared, and counts it in the metrics; a failure
 * is logged, never thrown: the call itself is unaffected.
 */
export async function recordMediaHealth(
  context: ServerContext,
  callId: string,
  provider: string,
  health: MediaHealth,
): Promise<void> {
  context.metrics.mediaEnded(provider, health);
  try {
    await storeMediaHealth(context.database.sql, callId, health);
  } catch (error) {
    context.logger.error({ callId, error: String(error) }, 'recording media health failed');
  }
}

/** Tells the call's organization's feed that it changed; returns the call as it now stands. */
export async function announceCall(
  context: ServerContext,
  callId: string,
): Promise<CallView | undefined> {
  try {
    const [row] = await context.database.sql<CallRow[]>`select * from calls where id = ${callId}`;
    if (!row) return undefined;
    const call = showCall(row);
    await context.feed.publish({
      organizationId: row.organization_id,
      call: { ...call, reason: call.reason?.slice(0, MAX_REASON_CHARS) ?? null },
    });
    return call;
  } catch (error) {
    context.logger.warn({ callId, error: String(error) }, 'call feed not told of a change');
    return undefined;
  }
}

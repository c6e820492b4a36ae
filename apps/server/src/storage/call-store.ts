import {
  type AnsweringMachineResult,
  type CallStatus,
  type CallStatusUpdate,
  isTerminalCallStatus,
  type MediaHealth,
} from '@patchbay/core';
import type postgres from 'postgres';

// Statuses only move forward; any terminal status ends the call for good.
const RANK: Record<CallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

export type StatusOutcome = 'applied' | 'recorded' | 'duplicate';

/**
 * Records a carrier's status report for a call, once: a retried callback
 * (same status and carrier status) is a no-op, a report older than what is
 * known is kept as an event without moving the call back, and the first
 * terminal status is final. One transaction with the call row locked, so
 * concurrent callbacks on several processes serialize.
 */
export async function recordCallStatus(
  sql: postgres.Sql,
  callId: string,
  update: CallStatusUpdate,
): Promise<StatusOutcome> {
  return sql.begin(async (tx) => {
    const [call] = await tx<{ status: CallStatus }[]>`
      select status from calls where id = ${callId} for update`;
    if (!call) throw new Error(`call ${callId} does not exist`);
    const detail = {
      ...(update.reason ? { reason: update.reason } : {}),
      ...(update.durationSeconds === undefined ? {} : { durationSeconds: update.durationSeconds }),
      ...(update.occurredAt ? { occurredAt: update.occurredAt } : {}),
    };
    const inserted = await tx`
      insert into call_events (call_id, status, carrier_status, dedupe_key, detail)
      values (${callId}, ${update.status}, ${update.carrierStatus},
              ${`${update.status}|${update.carrierStatus}`}, ${tx.json(detail)})
      on conflict (call_id, dedupe_key) do nothing
      returning id`;
    if (inserted.length === 0) return 'duplicate';
    const current = call.status;
    if (isTerminalCallStatus(current) || RANK[update.status] <= RANK[current]) return 'recorded';
    const terminal = isTerminalCallStatus(update.status);
    await tx`
      update calls set
        status = ${update.status},
        carrier_status = ${update.carrierStatus},
        reason = coalesce(${update.reason ?? null}, reason),
        duration_seconds = coalesce(${update.durationSeconds ?? null}::integer, duration_seconds),
        answered_at = case when ${update.status} = 'in-progress' then coalesce(answered_at, now()) else answered_at end,
        ended_at = case when ${terminal} then now() else ended_at end,
        updated_at = now()
      where id = ${callId}`;
    await enqueueCallEvents(tx, callId, current);
    return 'applied';
  });
}

export interface CallRow {
  id: string;
  organization_id: string;
  configuration_id: string | null;
  agent_id: string | null;
  provider: string;
  direction: 'inbound' | 'outbound';
  from_address: string;
  to_address: string;
  carrier_call_id: string | null;
  status: CallStatus;
  carrier_status: string | null;
  reason: string | null;
  duration_seconds: number | null;
  answered_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  answered_by: AnsweringMachineResult['answeredBy'] | null;
  answering_machine: AnsweringMachineDetail | null;
  media_health: MediaHealth | null;
  recording: RecordingFacts | null;
}

/** A call's finished recording, as the call keeps it; the audio is in the recording store. */
export interface RecordingFacts {
  readonly durationMs: number;
  readonly bytes: number;
  readonly sampleRate: number;
  readonly channels: ('caller' | 'agent')[];
  readonly createdAt: string;
}

/** What the call keeps of the carrier's answering-machine detection, beside `answered_by`. */
export interface AnsweringMachineDetail {
  readonly greeting: 'started' | 'ended' | null;
  readonly carrierLabel: string;
  readonly at: string;
}

export const showCall = (row: CallRow) => ({
  id: row.id,
  provider: row.provider,
  direction: row.direction,
  from: row.from_address,
  to: row.to_address,
  status: row.status,
  carrierStatus: row.carrier_status,
  carrierCallId: row.carrier_call_id,
  reason: row.reason,
  durationSeconds: row.duration_seconds,
  configurationId: row.configuration_id,
  agentId: row.agent_id,
  createdAt: row.created_at.toISOString(),
  answeredAt: row.answered_at?.toISOString() ?? null,
  endedAt: row.ended_at?.toISOString() ?? null,
  answeredBy: row.answered_by,
  answeringMachine: row.answering_machine,
  mediaHealth: row.media_health,
  recording: row.recording,
});

/**
 * A recording finished: kept on the call and announced as
 * `recording.ready`, in one transaction.
 */
export async function recordRecording(
  sql: postgres.Sql,
  callId: string,
  facts: RecordingFacts,
): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx<CallRow[]>`
      update calls set recording = ${tx.json(facts as never)} where id = ${callId} returning *`;
    if (!row) return;
    await enqueueEvent(tx, row, 'recording.ready', `${callId}:recording.ready:${facts.createdAt}`, {
      call: showCall(row),
      recording: facts,
    });
  });
}

/** Forgets a call's recording (its audio is the store's to delete). */
export async function forgetRecording(sql: postgres.Sql, callId: string): Promise<void> {
  await sql`update calls set recording = null where id = ${callId}`;
}

/** Calls whose recordings are older than `days`, for the retention sweep. */
export async function expiredRecordings(sql: postgres.Sql, days: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from calls
    where recording is not null
      and (recording->>'createdAt')::timestamptz < now() - make_interval(days => ${days}::int)
    limit 500`;
  return rows.map((row) => row.id);
}

/** Keeps how the call's media fared, as its bridge counted it. */
export async function recordMediaHealth(
  sql: postgres.Sql,
  callId: string,
  health: MediaHealth,
): Promise<void> {
  await sql`update calls set media_health = ${sql.json(health as never)} where id = ${callId}`;
}

/** A call with its configuration's sealed credentials, to verify a webhook about it. */
export async function callWithCredentials(
  sql: postgres.Sql,
  callId: string,
): Promise<(CallRow & { credentials: Uint8Array }) | undefined> {
  const [row] = await sql<(CallRow & { credentials: Uint8Array })[]>`
    select c.*, t.credentials
    from calls c join telephony_configurations t on t.id = c.configuration_id
    where c.id = ${callId}`;
  return row;
}

/** The call a transfer belongs to. */
export async function callIdOfTransfer(
  sql: postgres.Sql,
  transferId: string,
): Promise<string | undefined> {
  const [row] = await sql<{ call_id: string }[]>`
    select call_id from transfers where id = ${transferId}`;
  return row?.call_id;
}

/** Our call that a carrier names by its own id, within one configuration. */
export async function callIdForCarrierCall(
  sql: postgres.Sql,
  provider: string,
  carrierCallId: string,
  configurationId: string,
): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from calls where provider = ${provider} and carrier_call_id = ${carrierCallId}
      and configuration_id = ${configurationId}`;
  return row?.id;
}

/** What a media socket needs of its call: who is on it and which agent answers. */
export interface MediaCallRow {
  id: string;
  provider: string;
  configuration_id: string | null;
  carrier_call_id: string | null;
  direction: 'inbound' | 'outbound';
  from_address: string;
  to_address: string;
  kind: string | null;
  url: string | null;
  sample_rate: number | null;
  /** Its agent records every call, or the number it came in on or went out from does. */
  record_calls: boolean;
}

export async function mediaCall(
  sql: postgres.Sql,
  callId: string,
): Promise<MediaCallRow | undefined> {
  const [row] = await sql<MediaCallRow[]>`
    select c.id, c.provider, c.configuration_id, c.carrier_call_id, c.direction,
           c.from_address, c.to_address,
           a.kind, a.url, a.sample_rate,
           (coalesce(a.record_calls, false) or exists (
             select 1 from phone_numbers p
             where p.configuration_id = c.configuration_id and p.record_calls
               and p.address = case when c.direction = 'inbound' then c.to_address
                                    else c.from_address end)) as record_calls
    from calls c left join agents a on a.id = c.agent_id where c.id = ${callId}`;
  return row;
}

/** A call as the API shows it. */
export type CallView = ReturnType<typeof showCall>;

/** What the host application hears of a call. */
export type CallEventType =
  | 'call.started'
  | 'call.answered'
  | 'call.ended'
  | 'call.amd'
  | 'call.transferred'
  | 'recording.ready';

export const CALL_EVENT_TYPES: readonly CallEventType[] = [
  'call.started',
  'call.answered',
  'call.ended',
  'call.amd',
  'call.transferred',
  'recording.ready',
];

/** The events a call's move from `before` (undefined: it was just written) to its row's status says. */
export function callEventsOf(before: CallStatus | undefined, row: CallRow): CallEventType[] {
  const events: CallEventType[] = [];
  if (before === undefined) events.push('call.started');
  if (row.status === 'in-progress' && before !== 'in-progress') events.push('call.answered');
  if (isTerminalCallStatus(row.status) && (before === undefined || !isTerminalCallStatus(before)))
    events.push('call.ended');
  return events;
}

/**
 * Puts a call's events in the outbox of every endpoint of its organization
 * that asked for them, inside the caller's transaction: the events exist if
 * and only if the change does. Each event once per endpoint, however often
 * it is enqueued.
 */
export async function enqueueCallEvents(
  tx: postgres.TransactionSql,
  callId: string,
  before: CallStatus | undefined,
): Promise<void> {
  const [row] = await tx<CallRow[]>`select * from calls where id = ${callId}`;
  if (!row) return;
  for (const type of callEventsOf(before, row))
    await enqueueEvent(tx, row, type, `${callId}:${type}`, { call: showCall(row) });
}

/**
 * Records what the carrier's answering-machine detection said, once per
 * result (a retried callback is a no-op); a later result (the greeting
 * ended) replaces an earlier one on the call. Kept among the call's events
 * and announced to the organization's webhooks as `call.amd`, in one
 * transaction.
 */
export async function recordAnsweringMachine(
  sql: postgres.Sql,
  callId: string,
  result: AnsweringMachineResult,
): Promise<'applied' | 'duplicate'> {
  return sql.begin(async (tx) => {
    const [call] = await tx<{ status: CallStatus }[]>`
      select status from calls where id = ${callId} for update`;
    if (!call) throw new Error(`call ${callId} does not exist`);
    const detail: AnsweringMachineDetail = {
      greeting: result.greeting ?? null,
      carrierLabel: result.carrierLabel,
      at: new Date().toISOString(),
    };
    const key = `amd|${result.answeredBy}|${result.greeting ?? ''}|${result.carrierLabel}`;
    const inserted = await tx`
      insert into call_events (call_id, status, carrier_status, dedupe_key, detail)
      values (${callId}, ${call.status}, ${`amd:${result.carrierLabel}`}, ${key},
              ${tx.json({ answeredBy: result.answeredBy, greeting: detail.greeting })})
      on conflict (call_id, dedupe_key) do nothing
      returning id`;
    if (inserted.length === 0) return 'duplicate';
    const [row] = await tx<CallRow[]>`
      update calls set answered_by = ${result.answeredBy},
        answering_machine = ${tx.json(detail as never)}, updated_at = now()
      where id = ${callId} returning *`;
    await enqueueEvent(tx, row!, 'call.amd', `${callId}:${key}`, {
      call: showCall(row!),
      answeringMachine: { answeredBy: result.answeredBy, ...detail },
    });
    return 'applied';
  });
}

/** A call's transfer connected: the caller now talks to the destination, not the agent. */
export async function enqueueTransferEvent(
  tx: postgres.TransactionSql,
  callId: string,
  transfer: Record<string, unknown> & { id: string },
): Promise<void> {
  const [row] = await tx<CallRow[]>`select * from calls where id = ${callId}`;
  if (!row) return;
  await enqueueEvent(tx, row, 'call.transferred', `${callId}:call.transferred:${transfer.id}`, {
    call: showCall(row),
    transfer,
  });
}

async function enqueueEvent(
  tx: postgres.TransactionSql,
  row: CallRow,
  type: CallEventType,
  dedupeKey: string,
  data: Record<string, unknown>,
): Promise<void> {
  const payload = { type, createdAt: new Date().toISOString(), data };
  await tx`
    insert into webhook_deliveries (endpoint_id, event_type, dedupe_key, payload)
    select e.id, ${type}, ${dedupeKey}, ${tx.json(payload as never)}
    from webhook_endpoints e
    where e.organization_id = ${row.organization_id}
      and (e.events is null or ${type} = any(e.events))
    on conflict (endpoint_id, dedupe_key) do nothing`;
}

import type postgres from 'postgres';
import { ServerError } from '../server-errors.js';

/** What a new call is counted against. */
export interface CallSlotRequest {
  readonly organizationId: string;
  readonly configurationId: string;
  /** The deployment's limit for organizations that have none of their own. */
  readonly defaultOrganizationLimit: number;
  /** Outbound calls also keep to the configuration's calls per second. */
  readonly outbound: boolean;
}

/** Why a call was not given a slot. */
export type CallLimitRefusal =
  | { readonly limit: 'organization' | 'configuration'; readonly allowed: number }
  | { readonly limit: 'rate'; readonly allowed: number; readonly retryAfterMs: number };

const LIVE = ['queued', 'initiated', 'ringing', 'in-progress'];

/**
 * Checks a new call against its organization's and configuration's limits,
 * inside the transaction that then writes the call. The organization's and
 * the configuration's rows stay locked until that transaction ends, so
 * calls placed at once on any number of processes are counted one after
 * another and a limit of 10 starts exactly 10. The count is of the calls
 * themselves, not a counter: a slot comes back when its call ends, however
 * it ends (a status callback, the lifecycle's reconciliation of a dead
 * process's calls).
 * @returns undefined when the call may start
 */
export async function checkCallLimits(
  tx: postgres.TransactionSql,
  request: CallSlotRequest,
): Promise<CallLimitRefusal | undefined> {
  const [organization] = await tx<{ max_concurrent_calls: number | null }[]>`
    select max_concurrent_calls from organizations where id = ${request.organizationId} for update`;
  const [configuration] = await tx<
    { max_concurrent_calls: number | null; max_calls_per_second: number | null }[]
  >`
    select max_concurrent_calls, max_calls_per_second from telephony_configurations
    where id = ${request.configurationId} for update`;
  const organizationLimit = organization?.max_concurrent_calls ?? request.defaultOrganizationLimit;
  const [live] = await tx<{ organization: number; configuration: number }[]>`
    select count(*)::int as organization,
           (count(*) filter (where configuration_id = ${request.configurationId}))::int as configuration
    from calls where organization_id = ${request.organizationId} and status in ${tx(LIVE)}`;
  if (live!.organization >= organizationLimit)
    return { limit: 'organization', allowed: organizationLimit };
  const configurationLimit = configuration?.max_concurrent_calls;
  if (configurationLimit != null && live!.configuration >= configurationLimit)
    return { limit: 'configuration', allowed: configurationLimit };
  const perSecond = configuration?.max_calls_per_second;
  if (request.outbound && perSecond != null) {
    // The window is the last second of wall time (clock_timestamp, not the transaction's start:
    // a placement that waited for the lock must not count as earlier than it is).
    const [recent] = await tx<{ placed: number; oldest: Date | null }[]>`
      select count(*)::int as placed, min(created_at) as oldest from calls
      where configuration_id = ${request.configurationId} and direction = 'outbound'
        and created_at > clock_timestamp() - interval '1 second'`;
    if (recent!.placed >= Math.max(1, Math.floor(perSecond))) {
      const retryAfterMs = recent!.oldest
        ? Math.max(1, recent!.oldest.getTime() + 1000 - Date.now())
        : 1000;
      return { limit: 'rate', allowed: perSecond, retryAfterMs };
    }
  }
  return undefined;
}

/** The API's answer to a refused outbound call: 429 with Retry-After. */
export function callLimitError(refusal: CallLimitRefusal): ServerError {
  if (refusal.limit === 'rate')
    return new ServerError(
      'call_rate_limited',
      `The configuration places at most ${refusal.allowed} call(s) a second; try again shortly, or send queue: true`,
      { 'retry-after': String(Math.ceil(refusal.retryAfterMs / 1000)) },
    );
  return new ServerError(
    'call_limit_reached',
    `The ${refusal.limit} has ${refusal.allowed} live call(s), its limit; one must end first`,
    { 'retry-after': '5' },
  );
}

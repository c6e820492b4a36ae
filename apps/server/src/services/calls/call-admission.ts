import { randomUUID } from 'node:crypto';
import type { CallStatus } from '@patchbay/core';
import { enqueueCallEvents } from '../../storage/call-store.js';
import type { ServerContext } from '../server-context.js';
import { announceCall, recordCallStatus } from './call-feed.js';
import { checkCallLimits } from './call-limits.js';

/** An inbound call the server decided to take. */
export interface AdmittedCall {
  readonly organizationId: string;
  readonly configurationId: string;
  readonly agentId: string;
  readonly provider: string;
  readonly carrierCallId: string;
  readonly from: string;
  readonly to: string;
  readonly status: CallStatus;
}

/** The carrier status a call refused for its limits is recorded with. */
const REFUSED_FOR_LIMIT = 'refused:concurrency-limit';

/**
 * Records an inbound call once (a carrier that offers the same call again
 * gets the same answer) and returns its id; or, when its organization or
 * configuration has as many live calls as its limit, records it as refused
 * (busy, with the reason) and says so, for the carrier to hear busy.
 */
export async function admitInboundCall(
  context: ServerContext,
  call: AdmittedCall,
): Promise<{ admitted: true; callId: string } | { admitted: false; callId: string }> {
  const id = randomUUID();
  const outcome = await context.database.sql.begin(async (tx) => {
    const [existing] = await tx<{ id: string; carrier_status: string | null }[]>`
      select id, carrier_status from calls
      where provider = ${call.provider} and carrier_call_id = ${call.carrierCallId}`;
    if (existing)
      return {
        callId: existing.id,
        admitted: existing.carrier_status !== REFUSED_FOR_LIMIT,
        fresh: false,
      };
    const refusal = await checkCallLimits(tx, {
      organizationId: call.organizationId,
      configurationId: call.configurationId,
      defaultOrganizationLimit: context.limits.maxConcurrentCalls,
      outbound: false,
    });
    const [row] = await tx<{ id: string }[]>`
      insert into calls (id, organization_id, configuration_id, agent_id, provider, direction,
                         from_address, to_address, carrier_call_id, status, carrier_status,
                         reason, ended_at, created_at)
      values (${id}, ${call.organizationId}, ${call.configurationId}, ${call.agentId},
              ${call.provider}, 'inbound', ${call.from}, ${call.to}, ${call.carrierCallId},
              ${refusal ? 'busy' : 'queued'}, ${refusal ? REFUSED_FOR_LIMIT : null},
              ${refusal ? `the ${refusal.limit}'s limit of ${refusal.allowed} live calls` : null},
              ${refusal ? new Date() : null}, clock_timestamp())
      on conflict (provider, carrier_call_id) do update set updated_at = now()
      returning id`;
    if (row!.id === id) await enqueueCallEvents(tx, id, undefined);
    return { callId: row!.id, admitted: refusal === undefined, fresh: row!.id === id };
  });
  if (outcome.fresh && outcome.admitted)
    await recordCallStatus(context, id, {
      callId: call.carrierCallId,
      status: call.status,
      carrierStatus: `inbound:${call.status}`,
      metadata: {},
    });
  else if (outcome.fresh) await announceCall(context, id);
  return outcome.admitted
    ? { admitted: true, callId: outcome.callId }
    : { admitted: false, callId: outcome.callId };
}

import { randomUUID } from 'node:crypto';
import type { CallStatus } from '@patchbay/core';
import type { ServerContext } from '../server-context.js';
import { recordCallStatus } from './call-feed.js';

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

/**
 * Records an inbound call once (a carrier that offers the same call again
 * gets the same row) and returns its id.
 */
export async function admitInboundCall(
  context: ServerContext,
  call: AdmittedCall,
): Promise<string> {
  const id = randomUUID();
  const [row] = await context.database.sql<{ id: string }[]>`
    insert into calls (id, organization_id, configuration_id, agent_id, provider, direction,
                       from_address, to_address, carrier_call_id, status)
    values (${id}, ${call.organizationId}, ${call.configurationId}, ${call.agentId},
            ${call.provider}, 'inbound', ${call.from}, ${call.to}, ${call.carrierCallId}, 'queued')
    on conflict (provider, carrier_call_id) do update set updated_at = now()
    returning id`;
  if (row!.id === id)
    await recordCallStatus(context, id, {
      callId: call.carrierCallId,
      status: call.status,
      carrierStatus: `inbound:${call.status}`,
      metadata: {},
    });
  return row!.id;
}

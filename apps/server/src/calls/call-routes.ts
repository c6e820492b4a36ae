import { randomUUID } from 'node:crypto';
import { PatchbayError } from '@patchbay/core';
import { z } from 'zod';
import { findOwned, uniqueViolation } from '../database/owned.js';
import { errorResponses, type PatchbayApp } from '../http/app.js';
import { mediaStreamUrl } from '../media/media-sockets.js';
import { canonicalAddress, defaultCountryOf } from '../phone-numbers.js';
import { callProvider, openConfiguration, type ServerContext } from '../server-context.js';
import { ServerError } from '../server-errors.js';
import { type CallRow, recordCallStatus, showCall } from './call-store.js';
import { callbackUrls } from './call-webhook.js';
import { transferBody } from './transfer-request.js';
import { showTransfer, type Transfers } from './transfers.js';

export const placeCallBody = z
  .object({
    configurationId: z.string(),
    to: z.string().min(1).max(200),
    from: z.string().min(1).max(200).optional(),
    /** The agent that talks; the built-in echo when absent. */
    agentId: z.string().optional(),
    ringTimeoutSeconds: z.number().int().min(5).max(600).optional(),
  })
  .meta({
    examples: [
      {
        configurationId: '5f0c6f43-7c1e-4b0a-9d0e-2f4a8c9b1d20',
        to: '+14155550123',
        from: '+14155550100',
        agentId: '0b8e3c9a-2d4f-4c61-9a7e-5d3b2c1f0e99',
      },
    ],
  });

/** The URLs a carrier uses for one call; the media URL carries a single-use token as its last segment. */
async function callUrls(context: ServerContext, provider: string, callId: string) {
  const base = context.carrierBaseUrl(provider);
  return {
    ...callbackUrls(base, provider, callId),
    mediaStreamUrl: await mediaStreamUrl(
      context.registry,
      context.mediaTokens,
      base,
      provider,
      callId,
    ),
  };
}

/** A call as the API shows it; read with its transfers and events it says more. */
const callSchema = z
  .looseObject({
    id: z.uuid(),
    provider: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    from: z.string(),
    to: z.string(),
    status: z.string(),
    configurationId: z.uuid().nullable(),
    agentId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Call' });
const transferSchema = z
  .looseObject({ id: z.uuid(), status: z.string(), destination: z.string() })
  .meta({ id: 'Transfer' });

interface ConfigurationForCall {
  id: string;
  provider: string;
  credentials: Uint8Array;
  is_active: boolean;
}

/**
 * Calls under /api/v1/calls (place, read, hang up, transfer), and the
 * carriers' answer, status and transfer callbacks under /telephony.
 */
export function registerCallRoutes(
  app: PatchbayApp,
  context: ServerContext,
  transfers: Transfers,
): void {
  const { database, registry } = context;
  const { sql } = database;

  async function ownedCall(id: string | undefined, organizationId: string): Promise<CallRow> {
    const row = await findOwned<CallRow>(sql, 'calls', id, organizationId);
    if (!row) throw new ServerError('not_found', 'No such call');
    return row;
  }

  const tags = ['calls'];
  const auth = { auth: 'api-key' } as const;
  const idParams = z.object({ id: z.string() });

  app.post(
    '/api/v1/calls',
    {
      config: auth,
      schema: {
        operationId: 'placeCall',
        summary: 'Place an outbound call through a configuration, answered by an agent',
        tags,
        body: placeCallBody,
        response: {
          201: callSchema,
          ...errorResponses(400, 409, 422, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, body } = request;
      if (context.draining())
        throw new ServerError('draining', 'This server is shutting down; try another', {
          'retry-after': '5',
        });
      const configuration = await findOwned<ConfigurationForCall>(
        sql,
        'telephony_configurations',
        body.configurationId,
        organizationId,
      );
      if (!configuration) throw new ServerError('unknown_configuration', 'No such configuration');
      if (!configuration.is_active)
        throw new ServerError('configuration_inactive', 'The configuration is deactivated');
      if (body.agentId !== undefined) {
        if (!(await findOwned(sql, 'agents', body.agentId, organizationId)))
          throw new ServerError('unknown_agent', 'No such agent');
      }
      const spec = registry.get(configuration.provider);
      const country = await defaultCountryOf(sql, configuration.id);
      const to = canonicalAddress(body.to, country);
      const from = body.from === undefined ? undefined : canonicalAddress(body.from, country);
      if (spec.requiresCallerId && from === undefined)
        throw new ServerError('caller_id_required', `${spec.displayName} needs a caller ID (from)`);
      const { provider } = openConfiguration(context, configuration);

      const id = randomUUID();
      // Before anything is written: a server carriers cannot reach refuses here (503).
      const urls = await callUrls(context, configuration.provider, id);
      await sql`
        insert into calls (id, organization_id, configuration_id, agent_id, provider, direction,
                           from_address, to_address, status)
        values (${id}, ${organizationId}, ${configuration.id}, ${body.agentId ?? null},
                ${configuration.provider}, 'outbound', ${from ?? ''}, ${to}, 'queued')`;
      let placed: Awaited<ReturnType<typeof provider.placeCall>>;
      try {
        placed = await provider.placeCall({
          to,
          ...(from === undefined ? {} : { from }),
          ...(body.ringTimeoutSeconds === undefined
            ? {}
            : { ringTimeoutSeconds: body.ringTimeoutSeconds }),
          ...urls,
        });
      } catch (error) {
        // The call stays, failed, so the caller can see why.
        await recordCallStatus(sql, id, {
          callId: id,
          status: 'failed',
          carrierStatus: 'place-call-error',
          reason: error instanceof Error ? error.message : String(error),
          metadata: {},
        });
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
        await recordCallStatus(sql, id, {
          callId: id,
          status: 'failed',
          carrierStatus: 'place-call-error',
          reason,
          metadata: {},
        });
        throw new ServerError('place_call_failed', reason);
      }
      await recordCallStatus(sql, id, {
        callId: placed.callId,
        status: placed.status,
        carrierStatus: `placed:${placed.status}`,
        metadata: {},
      });
      const [row] = await sql<CallRow[]>`select * from calls where id = ${id}`;
      return reply.code(201).send(showCall(row!));
    },
  );
  app.post(
    '/api/v1/calls/:id/hangup',
    {
      config: auth,
      schema: {
        operationId: 'hangUpCall',
        summary: 'Hang up a call',
        tags,
        params: idParams,
        response: { 202: callSchema, ...errorResponses(404, 409, 502) },
      },
    },
    async (request, reply) => {
      const call = await ownedCall(request.params.id, request.organizationId);
      if (!call.carrier_call_id)
        throw new ServerError('not_connected', 'The call never reached the carrier');
      const provider = await callProvider(context, call.configuration_id);
      await provider.hangUp(call.carrier_call_id);
      return reply.code(202).send(showCall(call));
    },
  );
  app.post(
    '/api/v1/calls/:id/transfer',
    {
      config: auth,
      schema: {
        operationId: 'transferCall',
        summary:
          'Transfer a live call to a number or SIP URI; the caller stays with the agent until it answers',
        tags,
        params: idParams,
        body: transferBody,
        response: {
          202: transferSchema,
          ...errorResponses(400, 404, 409, 422, 502),
        },
      },
    },
    async (request, reply) => {
      const call = await ownedCall(request.params.id, request.organizationId);
      const transfer = await transfers.start(call.id, request.body, 'api');
      return reply.code(202).send(showTransfer(transfer));
    },
  );
  app.get(
    '/api/v1/calls',
    {
      config: auth,
      schema: {
        operationId: 'listCalls',
        summary: 'Calls, newest first',
        tags,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ calls: z.array(callSchema) }), ...errorResponses(400) },
      },
    },
    async (request) => {
      const rows = await sql<CallRow[]>`
        select * from calls where organization_id = ${request.organizationId}
        order by created_at desc, id limit ${request.query.limit}`;
      return { calls: rows.map(showCall) };
    },
  );
  app.get(
    '/api/v1/calls/:id',
    {
      config: auth,
      schema: {
        operationId: 'getCall',
        summary: 'A call with its transfers and status events',
        tags,
        params: idParams,
        response: { 200: callSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const row = await ownedCall(request.params.id, request.organizationId);
      const events = await sql<
        { status: string; carrier_status: string; detail: unknown; created_at: Date }[]
      >`select status, carrier_status, detail, created_at from call_events where call_id = ${row.id} order by id`;
      return {
        ...showCall(row),
        transfers: (await transfers.forCall(row.id)).map(showTransfer),
        events: events.map((event) => ({
          status: event.status,
          carrierStatus: event.carrier_status,
          detail: event.detail,
          at: event.created_at.toISOString(),
        })),
      };
    },
  );
}

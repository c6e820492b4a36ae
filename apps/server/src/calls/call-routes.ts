import { randomUUID } from 'node:crypto';
import { PatchbayError } from '@patchbay/core';
import { z } from 'zod';
import { findOwned } from '../database/owned.js';
import { authenticate } from '../http/authenticate.js';
import { isUuid, parseBody } from '../http/body.js';
import { HttpError, type Router, readJsonBody } from '../http/router.js';
import { canonicalAddress } from '../phone-numbers.js';
import { openConfiguration, type ServerContext } from '../server-context.js';
import { mediaStreamUrl } from './call-admission.js';
import { type CallRow, recordCallStatus, showCall } from './call-store.js';
import { callProvider, verifiedCallWebhook } from './call-webhook.js';
import { showTransfer, type Transfers, transferBody } from './transfers.js';

export const placeCallBody = z.object({
  configurationId: z.string(),
  to: z.string().min(1).max(200),
  from: z.string().min(1).max(200).optional(),
  /** The agent that talks; the built-in echo when absent. */
  agentId: z.string().optional(),
  ringTimeoutSeconds: z.number().int().min(5).max(600).optional(),
});

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
  router: Router,
  context: ServerContext,
  transfers: Transfers,
): void {
  const { database, registry, logger } = context;
  const { sql } = database;

  /** The URLs a carrier uses for one call; the media URL carries a single-use token as its last segment. */
  async function callUrls(provider: string, callId: string) {
    const base = context.publicBaseUrl();
    return {
      answerUrl: `${base}/telephony/${provider}/answer/${callId}`,
      statusCallbackUrl: `${base}/telephony/${provider}/status/${callId}`,
      mediaStreamUrl: await mediaStreamUrl(registry, context.mediaTokens, base, provider, callId),
    };
  }

  async function ownedCall(id: string | undefined, organizationId: string): Promise<CallRow> {
    const row = await findOwned<CallRow>(sql, 'calls', id, organizationId);
    if (!row) throw new HttpError(404, 'not_found', 'No such call');
    return row;
  }

  router
    .add('POST', '/api/v1/calls', async (request) => {
      const organizationId = await authenticate(database, request);
      if (context.draining())
        throw new HttpError(503, 'draining', 'This server is shutting down; try another', {
          'retry-after': '5',
        });
      const body = parseBody(placeCallBody, await readJsonBody(request));
      const configuration = await findOwned<ConfigurationForCall>(
        sql,
        'telephony_configurations',
        body.configurationId,
        organizationId,
      );
      if (!configuration)
        throw new HttpError(422, 'unknown_configuration', 'No such configuration');
      if (!configuration.is_active)
        throw new HttpError(409, 'configuration_inactive', 'The configuration is deactivated');
      if (body.agentId !== undefined) {
        if (!(await findOwned(sql, 'agents', body.agentId, organizationId)))
          throw new HttpError(422, 'unknown_agent', 'No such agent');
      }
      const spec = registry.get(configuration.provider);
      const to = canonicalAddress(body.to);
      const from = body.from === undefined ? undefined : canonicalAddress(body.from);
      if (spec.requiresCallerId && from === undefined)
        throw new HttpError(
          422,
          'caller_id_required',
          `${spec.displayName} needs a caller ID (from)`,
        );
      const { provider } = openConfiguration(context, configuration);

      const id = randomUUID();
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
          ...(await callUrls(configuration.provider, id)),
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
        throw new HttpError(502, 'place_call_failed', 'The carrier did not take the call');
      }
      // The carrier has the call now: from here a failure is ours, never reported as the call failing.
      await sql`update calls set carrier_call_id = ${placed.callId}, updated_at = now() where id = ${id}`;
      await recordCallStatus(sql, id, {
        callId: placed.callId,
        status: placed.status,
        carrierStatus: `placed:${placed.status}`,
        metadata: {},
      });
      const [row] = await sql<CallRow[]>`select * from calls where id = ${id}`;
      return { status: 201, body: showCall(row!) };
    })
    .add('POST', '/api/v1/calls/:id/hangup', async (request) => {
      const organizationId = await authenticate(database, request);
      const call = await ownedCall(request.params['id'], organizationId);
      if (!call.carrier_call_id)
        throw new HttpError(409, 'not_connected', 'The call never reached the carrier');
      const provider = await callProvider(context, call.configuration_id);
      await provider.hangUp(call.carrier_call_id);
      return { status: 202, body: showCall(call) };
    })
    .add('POST', '/api/v1/calls/:id/transfer', async (request) => {
      const organizationId = await authenticate(database, request);
      const call = await ownedCall(request.params['id'], organizationId);
      const body = parseBody(transferBody, await readJsonBody(request));
      const transfer = await transfers.start(call.id, body, 'api');
      return { status: 202, body: showTransfer(transfer) };
    })
    .add('GET', '/api/v1/calls', async (request) => {
      const organizationId = await authenticate(database, request);
      const limit = Math.min(
        Math.max(Number(request.url.searchParams.get('limit') ?? 50) || 50, 1),
        200,
      );
      const rows = await sql<CallRow[]>`
        select * from calls where organization_id = ${organizationId}
        order by created_at desc, id limit ${limit}`;
      return { status: 200, body: { calls: rows.map(showCall) } };
    })
    .add('GET', '/api/v1/calls/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      const row = await ownedCall(request.params['id'], organizationId);
      const events = await sql<
        { status: string; carrier_status: string; detail: unknown; created_at: Date }[]
      >`select status, carrier_status, detail, created_at from call_events where call_id = ${row.id} order by id`;
      return {
        status: 200,
        body: {
          ...showCall(row),
          transfers: (await transfers.forCall(row.id)).map(showTransfer),
          events: events.map((event) => ({
            status: event.status,
            carrierStatus: event.carrier_status,
            detail: event.detail,
            at: event.created_at.toISOString(),
          })),
        },
      };
    })
    .add('POST', '/telephony/:provider/answer/:callId', async (request) => {
      const { call, provider } = await verifiedCallWebhook(
        context,
        request,
        request.params['callId'],
      );
      const urls = await callUrls(call.provider, call.id);
      const answer = await provider.answerCall({
        callId: call.carrier_call_id ?? call.id,
        direction: call.direction,
        from: call.from_address,
        to: call.to_address,
        mediaStreamUrl: urls.mediaStreamUrl,
        statusCallbackUrl: urls.statusCallbackUrl,
        customParameters: { patchbayCallId: call.id },
      });
      return { status: answer.status, rawBody: answer.body, headers: answer.headers };
    })
    .add('POST', '/telephony/:provider/status/:callId', async (request) => {
      const { call, provider, webhook } = await verifiedCallWebhook(
        context,
        request,
        request.params['callId'],
      );
      const update = provider.parseStatusCallback(webhook);
      const outcome = await recordCallStatus(sql, call.id, update);
      logger.info({ callId: call.id, status: update.status, outcome }, 'call status');
      return { status: 204, rawBody: '' };
    })
    .add('POST', '/telephony/:provider/transfers/:transferId', async (request) => {
      const transferId = request.params['transferId'];
      const [transfer] = isUuid(transferId)
        ? await sql<{ call_id: string }[]>`select call_id from transfers where id = ${transferId}`
        : [];
      if (!transfer) throw new HttpError(404, 'not_found', 'No such transfer');
      const { call, provider, webhook } = await verifiedCallWebhook(
        context,
        request,
        transfer.call_id,
      );
      const result = provider.parseTransferCallback(webhook, transferId!);
      const outcome = await transfers.record(result, call.configuration_id!);
      logger.info(
        { callId: call.id, transferId, status: result.status, outcome },
        'transfer report',
      );
      return { status: 204, rawBody: '' };
    });
}

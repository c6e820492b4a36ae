import {
  type Logger,
  type ProviderConfigBase,
  type ProviderRegistry,
  readNodeRequest,
  WebhookSignatureError,
} from '@patchbay/core';
import type { CredentialCipher } from '../credentials.js';
import type { Database } from '../database/database.js';
import { authenticate } from '../http/authenticate.js';
import { isUuid } from '../http/body.js';
import { HttpError, type Router } from '../http/router.js';
import { type CallRow, recordCallStatus, showCall } from './call-store.js';

export interface CallRoutesContext {
  readonly database: Database;
  readonly registry: ProviderRegistry;
  readonly cipher: CredentialCipher;
  readonly logger: Logger;
  publicBaseUrl(): string;
}

/** Reading calls under /api/v1/calls, and the carriers' status callbacks under /telephony. */
export function registerCallRoutes(router: Router, context: CallRoutesContext): void {
  const { database, registry, cipher, logger } = context;
  const { sql } = database;

  router
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
      const id = request.params['id'];
      const [row] = isUuid(id)
        ? await sql<
            CallRow[]
          >`select * from calls where id = ${id} and organization_id = ${organizationId}`
        : [];
      if (!row) throw new HttpError(404, 'not_found', 'No such call');
      const events = await sql<
        { status: string; carrier_status: string; detail: unknown; created_at: Date }[]
      >`select status, carrier_status, detail, created_at from call_events where call_id = ${row.id} order by id`;
      return {
        status: 200,
        body: {
          ...showCall(row),
          events: events.map((event) => ({
            status: event.status,
            carrierStatus: event.carrier_status,
            detail: event.detail,
            at: event.created_at.toISOString(),
          })),
        },
      };
    })
    .add('POST', '/telephony/:provider/status/:callId', async (request) => {
      const callId = request.params['callId'];
      const [call] = isUuid(callId)
        ? await sql<
            { id: string; provider: string; credentials: Uint8Array; configuration_id: string }[]
          >`
            select c.id, c.provider, t.credentials, t.id as configuration_id
            from calls c join telephony_configurations t on t.id = c.configuration_id
            where c.id = ${callId}`
        : [];
      if (!call || call.provider !== request.params['provider'])
        throw new HttpError(404, 'not_found', 'No such call');
      const config = cipher.decrypt(call.credentials, call.configuration_id) as ProviderConfigBase;
      const provider = registry.createProvider(config, { logger });
      const webhook = await readNodeRequest(request.raw, { publicOrigin: context.publicBaseUrl() });
      try {
        // Verified before anything is written.
        await provider.verifyWebhook(webhook);
      } catch (error) {
        if (WebhookSignatureError.isInstance(error))
          logger.warn(
            { provider: call.provider, callId: call.id, reason: error.message },
            'status callback refused',
          );
        throw error;
      }
      const update = provider.parseStatusCallback(webhook);
      const outcome = await recordCallStatus(sql, call.id, update);
      logger.info({ callId: call.id, status: update.status, outcome }, 'call status');
      return { status: 204, rawBody: '' };
    });
}

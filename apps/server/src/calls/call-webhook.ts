import { type TelephonyProvider, WebhookSignatureError } from '@patchbay/core';
import type { FastifyRequest } from 'fastify';
import { isUuid } from '../database/owned.js';
import { carrierWebhook } from '../http/webhooks.js';
import { openConfiguration, type ServerContext } from '../server-context.js';
import { ServerError } from '../server-errors.js';
import type { CallRow } from './call-store.js';

/** The provider bound to a call's configuration. @throws ServerError `configuration_gone` when it was deleted */
export async function callProvider(
  context: ServerContext,
  configurationId: string | null,
): Promise<TelephonyProvider> {
  const [row] = configurationId
    ? await context.database.sql<{ id: string; provider: string; credentials: Uint8Array }[]>`
        select id, provider, credentials from telephony_configurations where id = ${configurationId}`
    : [];
  if (!row) throw new ServerError('configuration_gone', 'The call’s configuration was deleted');
  return openConfiguration(context, row).provider;
}

/**
 * A carrier's webhook about one of our calls, with its signature checked
 * against the call's configuration before the caller reads or writes more.
 * @throws ServerError `not_found` for an unknown call or a provider that is not the call's
 * @throws WebhookSignatureError (401) for a bad signature
 */
export async function verifiedCallWebhook(
  context: ServerContext,
  request: FastifyRequest,
  providerName: string,
  callId: string | undefined,
) {
  const { sql } = context.database;
  const [call] = isUuid(callId)
    ? await sql<(CallRow & { credentials: Uint8Array })[]>`
        select c.*, t.credentials
        from calls c join telephony_configurations t on t.id = c.configuration_id
        where c.id = ${callId}`
    : [];
  if (!call || call.provider !== providerName) throw new ServerError('not_found', 'No such call');
  const { provider } = openConfiguration(context, {
    id: call.configuration_id!,
    provider: call.provider,
    credentials: call.credentials,
  });
  const webhook = carrierWebhook(request, context.publicBaseUrl());
  try {
    await provider.verifyWebhook(webhook);
  } catch (error) {
    if (WebhookSignatureError.isInstance(error))
      context.logger.warn(
        { provider: call.provider, callId: call.id, reason: error.message },
        'carrier webhook refused',
      );
    throw error;
  }
  return { call, provider, webhook };
}

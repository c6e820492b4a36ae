import type { ProviderEvent } from '@patchbay/core';
import { recordCallStatus } from './calls/call-store.js';
import type { Transfers } from './calls/transfers.js';
import { isUuid } from './database/owned.js';
import type { PatchbayApp } from './http/app.js';
import { carrierWebhook, sendWebhookResponse } from './http/webhooks.js';
import { openConfiguration, type ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

/**
 * Every spec's own routes, at /telephony/<provider>/routes/<configuration>/<path>
 * (the URL `routeUrl` hands the provider). The configuration in the path
 * names the credentials; the signature is verified with them before the
 * route runs, always. What a route reports is recorded like any callback.
 */
export function registerProviderRoutes(
  carrier: PatchbayApp,
  context: ServerContext,
  transfers: Transfers,
): void {
  const { database, registry, logger } = context;
  const { sql } = database;

  async function report(
    provider: string,
    configurationId: string,
    event: ProviderEvent,
  ): Promise<void> {
    if (event.type === 'call-status') {
      const [call] = await sql<{ id: string }[]>`
        select id from calls where provider = ${provider} and carrier_call_id = ${event.update.callId}
          and configuration_id = ${configurationId}`;
      if (call) await recordCallStatus(sql, call.id, event.update);
      return;
    }
    if (event.type === 'transfer') {
      await transfers.record(event.result, configurationId);
      return;
    }
    logger.info({ provider, event: event.type }, 'provider route event');
  }

  for (const { provider, route } of registry.routes()) {
    carrier.route({
      method: route.method,
      url: `/telephony/${provider}/routes/:configurationId/${route.path}`,
      handler: async (request, reply) => {
        const { configurationId, ...params } = request.params as Record<string, string>;
        const [row] = isUuid(configurationId)
          ? await sql<{ id: string; credentials: Uint8Array }[]>`
            select id, credentials from telephony_configurations
            where id = ${configurationId} and provider = ${provider}`
          : [];
        if (!row) throw new ServerError('not_found', 'No such configuration');
        const base = context.publicBaseUrl();
        const { config, provider: bound } = openConfiguration(context, { ...row, provider });
        const webhook = carrierWebhook(request, base);
        await bound.verifyWebhook(webhook);
        const response = await route.handle(webhook, {
          config,
          provider: bound,
          params,
          logger,
          report: (event) => report(provider, row.id, event),
        });
        return sendWebhookResponse(reply, response);
      },
    });
  }
}

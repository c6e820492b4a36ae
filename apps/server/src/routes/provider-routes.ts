import { type ProviderEvent, WebhookSignatureError } from '@patchbay/core';
import { recordCallStatus } from '../services/calls/call-feed.js';
import type { Transfers } from '../services/calls/transfers.js';
import { openConfiguration, type ServerContext } from '../services/server-context.js';
import { ServerError } from '../services/server-errors.js';
import { callIdForCarrierCall } from '../storage/call-store.js';
import { configurationCredentials } from '../storage/configuration-store.js';
import { isUuid } from '../storage/owned.js';
import type { PatchbayApp } from './app.js';
import { carrierWebhook, sendWebhookResponse } from './webhooks.js';

/** Where a provider's own route `path` for one configuration is served (below). */
export function providerRouteUrl(
  base: string,
  provider: string,
  configurationId: string,
  path: string,
): string {
  return `${base}/telephony/${provider}/routes/${configurationId}/${path.replace(/^\/+/, '')}`;
}

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
      const callId = await callIdForCarrierCall(
        sql,
        provider,
        event.update.callId,
        configurationId,
      );
      if (callId) await recordCallStatus(context, callId, event.update);
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
        const row = isUuid(configurationId)
          ? await configurationCredentials(sql, configurationId, provider)
          : undefined;
        if (!row) throw new ServerError('not_found', 'No such configuration');
        const base = context.publicBaseUrl();
        const { config, provider: bound } = openConfiguration(context, { ...row, provider });
        const webhook = carrierWebhook(request, base);
        await bound.verifyWebhook(webhook).catch((error: unknown) => {
          if (WebhookSignatureError.isInstance(error))
            context.metrics.signatureFailures.inc({ provider });
          throw error;
        });
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

import { createWebhookRequest, type WebhookRequest, type WebhookResponse } from '@patchbay/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PatchbayApp } from './app.js';

/**
 * A carrier's request as providers read it: the public URL the carrier
 * signed (this server's PUBLIC_BASE_URL and the request's path and query),
 * and the body byte for byte, for signature checks.
 */
export function carrierWebhook(request: FastifyRequest, publicBaseUrl: string): WebhookRequest {
  return createWebhookRequest({
    method: request.method,
    url: `${publicBaseUrl}${request.url}`,
    headers: request.headers,
    ...(Buffer.isBuffer(request.body) ? { body: request.body } : {}),
  });
}

/** Sends a provider's answer (TwiML, an NCCO, an acknowledgement) as it is. */
export function sendWebhookResponse(reply: FastifyReply, response: WebhookResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/**
 * Declares carrier-facing routes: hidden from the management API's document,
 * open (their signatures are verified instead), and given their bodies as
 * raw bytes whatever the content type, since a signature covers the bytes.
 */
export async function registerCarrierRoutes(
  app: PatchbayApp,
  declare: (carrier: PatchbayApp) => void,
): Promise<void> {
  await app.register(async (carrier) => {
    carrier.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
      route.config = { ...route.config, auth: 'none' };
    });
    carrier.removeAllContentTypeParsers();
    carrier.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    declare(carrier);
  });
}

import { z } from 'zod';
import { CALL_EVENT_TYPES, type CallEventType, type Webhooks } from '../services/webhooks.js';
import { errorResponses, type PatchbayApp } from './app.js';

const eventType = z.enum(CALL_EVENT_TYPES as [CallEventType, ...CallEventType[]]);

const endpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(eventType).nullable().describe('The events it hears; null for all'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });

const deliverySchema = z
  .object({
    id: z.uuid().describe('Also the body’s id and the Patchbay-Delivery header: dedupe by it'),
    eventType: z.string(),
    createdAt: z.iso.datetime(),
    attempts: z.number().int(),
    deliveredAt: z.iso.datetime().nullable(),
    nextAttemptAt: z.iso.datetime().nullable().describe('Null once delivered or given up'),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

/**
 * /api/v1/webhooks: where the organization hears of its calls
 * (`call.started`, `call.answered`, `call.ended`, `call.amd`, `call.transferred`), each POST signed with the
 * endpoint's secret (`Patchbay-Signature: t=…,v1=…`) and retried with
 * backoff until it is answered 2xx.
 */
export function registerWebhookRoutes(app: PatchbayApp, webhooks: Webhooks): void {
  const tags = ['webhooks'];
  const auth = { auth: 'api-key' } as const;
  const idParams = z.object({ id: z.string() });

  app.post(
    '/api/v1/webhooks',
    {
      config: auth,
      schema: {
        operationId: 'createWebhook',
        summary: 'Register an endpoint for call events; its signing secret is in this answer only',
        tags,
        body: z
          .object({
            url: z.url({ protocol: /^https?$/ }).max(2000),
            events: z.array(eventType).min(1).optional().describe('All when absent'),
          })
          .meta({ examples: [{ url: 'https://app.example.com/patchbay-events' }] }),
        response: {
          201: z.object({
            endpoint: endpointSchema,
            secret: z.string().describe('Verify each delivery’s Patchbay-Signature with it'),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await webhooks.create(request.organizationId, request.body)),
  );
  app.get(
    '/api/v1/webhooks',
    {
      config: auth,
      schema: {
        operationId: 'listWebhooks',
        summary: 'The organization’s webhook endpoints (never their secrets)',
        tags,
        response: { 200: z.object({ webhooks: z.array(endpointSchema) }) },
      },
    },
    async (request) => ({ webhooks: await webhooks.list(request.organizationId) }),
  );
  app.delete(
    '/api/v1/webhooks/:id',
    {
      config: auth,
      schema: {
        operationId: 'deleteWebhook',
        summary: 'Remove an endpoint and its pending deliveries',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config: auth,
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: 'An endpoint’s newest deliveries, with their attempts',
        tags,
        params: idParams,
        response: {
          200: z.object({ deliveries: z.array(deliverySchema) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => ({
      deliveries: await webhooks.deliveries(request.organizationId, request.params.id),
    }),
  );
}

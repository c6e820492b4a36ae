import { z } from 'zod';
import { PhoneNumbers } from '../services/phone-numbers.js';
import type { ServerContext } from '../services/server-context.js';
import { errorResponses, type PatchbayApp } from './app.js';

export const phoneNumberCreateBody = z
  .object({
    address: z.string().min(1).max(200),
    configurationId: z.string(),
    agentId: z.string().nullable().optional(),
    recordCalls: z
      .boolean()
      .optional()
      .describe('Record every call on this number, whichever agent answers (default false)'),
  })
  .meta({
    examples: [
      {
        address: '+14155550100',
        configurationId: '5f0c6f43-7c1e-4b0a-9d0e-2f4a8c9b1d20',
        agentId: '0b8e3c9a-2d4f-4c61-9a7e-5d3b2c1f0e99',
      },
    ],
  });
export const phoneNumberUpdateBody = z.object({
  configurationId: z.string().optional(),
  agentId: z.string().nullable().optional(),
  recordCalls: z.boolean().optional(),
});

const phoneNumberSchema = z
  .object({
    id: z.uuid(),
    address: z.string(),
    provider: z.string(),
    configurationId: z.uuid(),
    agentId: z.uuid().nullable(),
    recordCalls: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'PhoneNumber' });

/**
 * /api/v1/phone-numbers: numbers a configuration answers, each with the agent
 * inbound calls reach (services/phone-numbers.ts).
 */
export function registerPhoneNumberRoutes(app: PatchbayApp, context: ServerContext): void {
  const phoneNumbers = new PhoneNumbers(context);
  const tags = ['phone-numbers'];
  const auth = { auth: 'api-key' } as const;
  const idParams = z.object({ id: z.string() });

  app.get(
    '/api/v1/phone-numbers',
    {
      config: auth,
      schema: {
        operationId: 'listPhoneNumbers',
        summary: 'List phone numbers',
        tags,
        response: {
          200: z.object({ phoneNumbers: z.array(phoneNumberSchema) }),
        },
      },
    },
    async (request) => ({ phoneNumbers: await phoneNumbers.list(request.organizationId) }),
  );
  app.post(
    '/api/v1/phone-numbers',
    {
      config: auth,
      schema: {
        operationId: 'createPhoneNumber',
        summary:
          'Register a number (canonical address) for a configuration and agent, once the carrier confirms the account holds it',
        tags,
        body: phoneNumberCreateBody,
        response: {
          201: phoneNumberSchema,
          ...errorResponses(400, 409, 422, 502),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await phoneNumbers.create(request.organizationId, request.body)),
  );
  app.get(
    '/api/v1/phone-numbers/:id',
    {
      config: auth,
      schema: {
        operationId: 'getPhoneNumber',
        summary: 'Read a phone number',
        tags,
        params: idParams,
        response: { 200: phoneNumberSchema, ...errorResponses(404) },
      },
    },
    async (request) => phoneNumbers.get(request.organizationId, request.params.id),
  );
  app.put(
    '/api/v1/phone-numbers/:id',
    {
      config: auth,
      schema: {
        operationId: 'updatePhoneNumber',
        summary: 'Move a number to another configuration (proven with the carrier) or agent',
        tags,
        params: idParams,
        body: phoneNumberUpdateBody,
        response: {
          200: phoneNumberSchema,
          ...errorResponses(400, 404, 409, 422, 502),
        },
      },
    },
    async (request) => phoneNumbers.update(request.organizationId, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/phone-numbers/:id',
    {
      config: auth,
      schema: {
        operationId: 'deletePhoneNumber',
        summary: 'Forget a number',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await phoneNumbers.remove(request.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

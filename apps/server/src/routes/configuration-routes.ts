import type { ProviderRegistry } from '@patchbay/core';
import { z } from 'zod';
import type { Configurations } from '../services/configurations.js';
import { countryCode } from '../services/phone-numbers.js';
import type { ServerContext } from '../services/server-context.js';
import { errorResponses, type PatchbayApp } from './app.js';

/**
 * A configuration's carrier settings as submitted: `provider` names the
 * carrier, the rest is that carrier's form (GET /api/v1/providers), checked
 * in full by the registry's save pipeline (422 naming each field).
 */
const configFields = (registry: ProviderRegistry) =>
  z
    .looseObject({
      provider: z.enum(registry.names as [string, ...string[]]).describe('A registered carrier'),
    })
    .meta({
      // For the document only: each carrier's own form, so it says how to write one.
      // Validation stays the registry's, whose 422 names every field at once.
      oneOf: registry.specs.map((spec) => {
        const { $schema: _dialect, ...form } = z.toJSONSchema(spec.configSchema, {
          io: 'input',
          unrepresentable: 'any',
        });
        return { title: spec.displayName, ...form };
      }),
    });

/** A limit of live calls at once; null for none of its own. */
export const concurrentCallLimit = z.number().int().min(1).max(100_000).nullable().optional();

/** A configuration's own limits, within its organization's. */
const limitFields = {
  maxConcurrentCalls: concurrentCallLimit.describe(
    'Live calls through this configuration at once; null for no limit of its own',
  ),
  maxCallsPerSecond: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .nullable()
    .optional()
    .describe('Outbound calls placed per second at most (carriers throttle bursts); null for none'),
};

const configurationBodies = (registry: ProviderRegistry) => ({
  create: z
    .object({
      name: z.string().trim().min(1).max(100),
      config: configFields(registry),
      defaultCountry: countryCode.nullable().optional(),
      ...limitFields,
    })
    .meta({
      examples: [
        {
          name: 'Twilio production',
          defaultCountry: 'US',
          config: {
            provider: 'twilio',
            account_sid: 'AC0123456789abcdef0123456789abcdef',
            auth_token: 'your-auth-token',
          },
        },
      ],
    }),
  update: z
    .object({
      name: z.string().trim().min(1).max(100).optional(),
      config: configFields(registry).optional(),
      defaultCountry: countryCode.nullable().optional(),
      ...limitFields,
    })
    .refine(
      (body) => Object.values(body).some((value) => value !== undefined),
      'change name, config, defaultCountry or a limit',
    ),
});

const configurationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    provider: z.string(),
    accountId: z.string().nullable(),
    defaultCountry: z
      .string()
      .nullable()
      .describe('Where national numbers are read; the organization’s when null'),
    maxConcurrentCalls: z.number().int().nullable(),
    maxCallsPerSecond: z.number().nullable(),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    config: z.record(z.string(), z.unknown()).describe('Secrets masked'),
    connection: z
      .object({
        state: z.string(),
        detail: z.string().nullable(),
        since: z.iso.datetime().nullable(),
      })
      .nullable()
      .describe('The event connection of a carrier that calls over one (Asterisk)'),
    setup: z.object({
      inboundWebhookUrl: z
        .string()
        .nullable()
        .describe(
          'The URL to paste into the carrier’s console for inbound calls; null when the carrier calls over a connection, or PUBLIC_BASE_URL is unset',
        ),
      checklist: z
        .object({
          steps: z.array(
            z.object({
              key: z.string(),
              title: z.string(),
              description: z.string(),
              complete: z.boolean(),
              blocksOutbound: z.boolean(),
            }),
          ),
          readyForOutbound: z.boolean(),
          outboundBlockedReason: z.string().nullable(),
          docsUrl: z.string().optional(),
        })
        .nullable()
        .describe('What is still missing; null when nothing ever is'),
    }),
  })
  .meta({ id: 'Configuration' });
const idParams = z.object({ id: z.string() });

/** Configuration CRUD under /api/v1/configurations (services/configurations.ts). */
export function registerConfigurationRoutes(
  app: PatchbayApp,
  context: ServerContext,
  configurations: Configurations,
): void {
  const { registry } = context;
  const bodies = configurationBodies(registry);
  const tags = ['configurations'];
  const auth = { auth: 'api-key' } as const;

  app.get(
    '/api/v1/configurations',
    {
      config: auth,
      schema: {
        operationId: 'listConfigurations',
        summary: 'List telephony configurations (secrets masked)',
        tags,
        response: {
          200: z.object({ configurations: z.array(configurationSchema) }),
        },
      },
    },
    async (request) => ({ configurations: await configurations.list(request.organizationId) }),
  );
  app.post(
    '/api/v1/configurations',
    {
      config: auth,
      schema: {
        operationId: 'createConfiguration',
        summary:
          'Create a configuration: the carrier proves its credentials, then the provider’s save hook runs',
        tags,
        body: bodies.create,
        response: {
          201: configurationSchema,
          ...errorResponses(400, 409, 422, 502),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await configurations.create(request.organizationId, request.body)),
  );
  app.get(
    '/api/v1/configurations/:id',
    {
      config: auth,
      schema: {
        operationId: 'getConfiguration',
        summary: 'Read a configuration (secrets masked)',
        tags,
        params: idParams,
        response: { 200: configurationSchema, ...errorResponses(404) },
      },
    },
    async (request) => configurations.get(request.organizationId, request.params.id),
  );
  app.put(
    '/api/v1/configurations/:id',
    {
      config: auth,
      schema: {
        operationId: 'updateConfiguration',
        summary: 'Update; a masked secret sent back keeps the stored one',
        tags,
        params: idParams,
        body: bodies.update,
        response: {
          200: configurationSchema,
          ...errorResponses(400, 404, 409, 422, 502),
        },
      },
    },
    async (request) =>
      configurations.update(request.organizationId, request.params.id, request.body),
  );
  for (const [action, active, summary] of [
    ['activate', true, 'Take calls again'],
    ['deactivate', false, 'Refuse inbound and outbound calls'],
  ] as const)
    app.post(
      `/api/v1/configurations/:id/${action}`,
      {
        config: auth,
        schema: {
          operationId: `${action}Configuration`,
          summary,
          tags,
          params: idParams,
          response: { 200: configurationSchema, ...errorResponses(404) },
        },
      },
      async (request) =>
        configurations.setActive(request.organizationId, request.params.id, active),
    );
  app.delete(
    '/api/v1/configurations/:id',
    {
      config: auth,
      schema: {
        operationId: 'deleteConfiguration',
        summary: 'Delete after the provider’s deprovision hook',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404, 502) },
      },
    },
    async (request, reply) => {
      await configurations.remove(request.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

import type postgres from 'postgres';
import { z } from 'zod';
import {
  createOrganization,
  listApiKeys,
  listOrganizations,
  mintApiKey,
  revokeOrganizationApiKey,
} from '../services/api-keys.js';
import { Organizations } from '../services/organizations.js';
import { countryCode } from '../services/phone-numbers.js';
import { apiKeySchema, keyBody, mintRequest, newApiKeySchema, showKey } from './api-key-routes.js';
import { errorResponses, type PatchbayApp } from './app.js';
import { concurrentCallLimit } from './configuration-routes.js';

const ownOrganizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    defaultCountry: z
      .string()
      .nullable()
      .describe('Where national numbers are read, unless a configuration says otherwise'),
    maxConcurrentCalls: z
      .number()
      .int()
      .describe('Live calls it may have at once; more are refused (429 outbound, busy inbound)'),
    maxConcurrentCallsIsDefault: z
      .boolean()
      .describe('True while the deployment’s MAX_CONCURRENT_CALLS applies'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'OwnOrganization' });

const organizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    liveKeys: z.number().int(),
  })
  .meta({ id: 'Organization' });

const organizationChange = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    defaultCountry: countryCode.nullable().optional(),
  })
  .refine(
    (body) => body.name !== undefined || body.defaultCountry !== undefined,
    'change name or defaultCountry',
  );

/**
 * The organization a key acts for (read it, rename it, set its default
 * country), and, for a deployment key (the first-start key), every
 * organization: create one with its first key, rename, delete, and manage
 * its keys.
 */
/** What only a deployment key may change as well: an organization's call limit. */
const deploymentOrganizationChange = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    defaultCountry: countryCode.nullable().optional(),
    maxConcurrentCalls: concurrentCallLimit.describe(
      'Null returns the organization to the deployment’s default',
    ),
  })
  .refine(
    (body) => Object.values(body).some((value) => value !== undefined),
    'change name, defaultCountry or maxConcurrentCalls',
  );

export function registerOrganizationRoutes(
  app: PatchbayApp,
  sql: postgres.Sql,
  defaultMaxConcurrentCalls: number,
): void {
  const organizations = new Organizations(sql, defaultMaxConcurrentCalls);
  const own = { config: { auth: 'api-key' as const } };

  app.get(
    '/api/v1/organization',
    {
      ...own,
      schema: {
        operationId: 'getOrganization',
        summary: 'The organization this key acts for',
        tags: ['organization'],
        response: { 200: ownOrganizationSchema },
      },
    },
    async (request) => organizations.get(request.organizationId),
  );
  app.patch(
    '/api/v1/organization',
    {
      ...own,
      schema: {
        operationId: 'updateOrganization',
        summary: 'Rename the organization, or set where national numbers are read',
        tags: ['organization'],
        body: organizationChange,
        response: { 200: ownOrganizationSchema, ...errorResponses(400) },
      },
    },
    async (request) => organizations.update(request.organizationId, request.body),
  );

  const tags = ['organizations'];
  const deployment = { config: { auth: 'deployment-key' as const } };
  const idParams = z.object({ id: z.string() });
  /** The organization named in the path. @throws ServerError `not_found` */
  const existing = async (id: string) => (await organizations.get(id)).id;

  app.get(
    '/api/v1/organizations',
    {
      ...deployment,
      schema: {
        operationId: 'listOrganizations',
        summary: 'Every organization of the deployment (deployment key)',
        tags,
        response: {
          200: z.object({ organizations: z.array(organizationSchema) }),
          ...errorResponses(403),
        },
      },
    },
    async () => ({
      organizations: (await listOrganizations(sql)).map((org) => ({
        ...org,
        createdAt: org.createdAt.toISOString(),
      })),
    }),
  );
  app.post(
    '/api/v1/organizations',
    {
      ...deployment,
      schema: {
        operationId: 'createOrganization',
        summary: 'Create an organization and its first key, shown in this response only',
        tags,
        body: z.object({ name: z.string().trim().min(1).max(100) }),
        response: {
          201: z.object({
            organization: organizationSchema,
            key: z.string(),
            apiKey: apiKeySchema,
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (request, reply) => {
      const created = await createOrganization(sql, request.body.name);
      return reply.code(201).send({
        organization: {
          id: created.organizationId,
          name: request.body.name,
          createdAt: created.record.createdAt.toISOString(),
          liveKeys: 1,
        },
        key: created.key,
        apiKey: showKey(created.record),
      });
    },
  );
  app.patch(
    '/api/v1/organizations/:id',
    {
      ...deployment,
      schema: {
        operationId: 'updateOrganizationById',
        summary:
          'Rename an organization, set its default country or its call limit (deployment key)',
        tags,
        params: idParams,
        body: deploymentOrganizationChange,
        response: { 200: ownOrganizationSchema, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => organizations.update(request.params.id, request.body),
  );
  app.delete(
    '/api/v1/organizations/:id',
    {
      ...deployment,
      schema: {
        operationId: 'deleteOrganization',
        summary:
          'Delete an organization with its keys, agents and call history (deployment key); refused while it has configurations or live calls',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      await organizations.remove(request.params.id, request.organizationId);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v1/organizations/:id/api-keys',
    {
      ...deployment,
      schema: {
        operationId: 'listOrganizationApiKeys',
        summary: 'An organization’s keys (deployment key)',
        tags,
        params: idParams,
        response: {
          200: z.object({ apiKeys: z.array(apiKeySchema) }),
          ...errorResponses(403, 404),
        },
      },
    },
    async (request) => ({
      apiKeys: (await listApiKeys(sql, await existing(request.params.id))).map(showKey),
    }),
  );
  app.post(
    '/api/v1/organizations/:id/api-keys',
    {
      ...deployment,
      schema: {
        operationId: 'createOrganizationApiKey',
        summary: 'Mint a key for an organization (deployment key)',
        tags,
        params: idParams,
        body: keyBody,
        response: { 201: newApiKeySchema, ...errorResponses(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const issued = await mintApiKey(
        sql,
        await existing(request.params.id),
        mintRequest(request.body),
        true,
      );
      return reply.code(201).send({ apiKey: showKey(issued.record), key: issued.key });
    },
  );
  app.delete(
    '/api/v1/organizations/:id/api-keys/:keyId',
    {
      ...deployment,
      schema: {
        operationId: 'revokeOrganizationApiKey',
        summary: 'Revoke an organization’s key (deployment key)',
        tags,
        params: z.object({ id: z.string(), keyId: z.string() }),
        response: { 204: z.null(), ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      await revokeOrganizationApiKey(sql, await existing(request.params.id), request.params.keyId);
      return reply.code(204).send(null);
    },
  );
}

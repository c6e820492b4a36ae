import { z } from 'zod';
import {
  type ApiKeyRecord,
  createOrganization,
  issueApiKey,
  listApiKeys,
  listOrganizations,
} from './api-keys.js';
import type { Database } from './database/database.js';
import { isUuid } from './database/owned.js';
import { errorResponses, type PatchbayApp } from './http/app.js';
import { countryCode } from './phone-numbers.js';
import { ServerError } from './server-errors.js';

const apiKeySchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to tell keys apart'),
    scope: z.enum(['organization', 'deployment']),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().describe('To the minute'),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });
const newApiKeySchema = z
  .object({
    apiKey: apiKeySchema,
    key: z.string().describe('The secret, shown only in this response'),
  })
  .meta({ id: 'NewApiKey' });
const organizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    liveKeys: z.number().int(),
  })
  .meta({ id: 'Organization' });

const keyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scope: z.enum(['organization', 'deployment']).default('organization'),
});

const showKey = (key: ApiKeyRecord) => ({
  id: key.id,
  organizationId: key.organizationId,
  name: key.name,
  prefix: key.prefix,
  scope: key.scope,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

/**
 * API keys and organizations. Any key manages its own organization's keys
 * (mint, list without secrets, revoke); a deployment key (the first-start
 * key) also creates organizations and manages their keys. A revoked key is
 * refused from the next request on every process, since each request looks
 * its key up. The last live deployment key cannot be revoked through the
 * API: the operator would be locked out (the `keys` command can).
 */
export function registerApiKeyRoutes(app: PatchbayApp, database: Database): void {
  const { sql } = database;
  const tags = ['api-keys'];

  async function revoke(keyId: string, organizationId: string) {
    if (!isUuid(keyId)) throw new ServerError('not_found', 'No such live API key');
    await sql.begin(async (tx) => {
      // Every live deployment key is locked while one is revoked: two revocations at once
      // cannot both see the other key and leave none.
      const deployment = await tx<{ id: string }[]>`
        select id from api_keys where scope = 'deployment' and revoked_at is null for update`;
      const [key] = await tx<{ scope: string }[]>`
        select scope from api_keys
        where id = ${keyId} and organization_id = ${organizationId} and revoked_at is null
        for update`;
      if (!key) throw new ServerError('not_found', 'No such live API key');
      if (key.scope === 'deployment' && deployment.length <= 1)
        throw new ServerError(
          'last_deployment_key',
          'This is the last deployment key; mint another first, or use the keys command',
        );
      await tx`update api_keys set revoked_at = now() where id = ${keyId}`;
    });
  }

  async function mint(organizationId: string, body: z.output<typeof keyBody>, deployment: boolean) {
    if (body.scope === 'deployment' && !deployment)
      throw new ServerError(
        'deployment_key_required',
        'Only a deployment key can mint another deployment key',
      );
    const issued = await issueApiKey(sql, { organizationId, name: body.name, scope: body.scope });
    return { apiKey: showKey(issued.record), key: issued.key };
  }

  app.get(
    '/api/v1/api-keys',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'listApiKeys',
        summary: 'This organization’s API keys, revoked ones included; never their secrets',
        tags,
        response: { 200: z.object({ apiKeys: z.array(apiKeySchema) }) },
      },
    },
    async (request) => ({
      apiKeys: (await listApiKeys(sql, request.organizationId)).map(showKey),
    }),
  );
  app.post(
    '/api/v1/api-keys',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'createApiKey',
        summary: 'Mint a key for this organization; its secret is in this response only',
        tags,
        body: keyBody,
        response: { 201: newApiKeySchema, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await mint(request.organizationId, request.body, request.apiKeyScope === 'deployment'),
        ),
  );
  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke one of this organization’s keys; refused from the next request on',
        tags,
        params: z.object({ id: z.string() }),
        response: { 204: z.null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await revoke(request.params.id, request.organizationId);
      return reply.code(204).send(null);
    },
  );

  const ownOrganizationSchema = z
    .object({
      id: z.uuid(),
      name: z.string(),
      defaultCountry: z
        .string()
        .nullable()
        .describe('Where national numbers are read, unless a configuration says otherwise'),
      createdAt: z.iso.datetime(),
    })
    .meta({ id: 'OwnOrganization' });
  type OrganizationRow = {
    id: string;
    name: string;
    default_country: string | null;
    created_at: Date;
  };
  const showOrganization = (row: OrganizationRow) => ({
    id: row.id,
    name: row.name,
    defaultCountry: row.default_country,
    createdAt: row.created_at.toISOString(),
  });
  app.get(
    '/api/v1/organization',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'getOrganization',
        summary: 'The organization this key acts for',
        tags: ['organization'],
        response: { 200: ownOrganizationSchema },
      },
    },
    async (request) => {
      const [row] = await sql<OrganizationRow[]>`
        select id, name, default_country, created_at from organizations
        where id = ${request.organizationId}`;
      return showOrganization(row!);
    },
  );
  app.patch(
    '/api/v1/organization',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'updateOrganization',
        summary: 'Rename the organization, or set where national numbers are read',
        tags: ['organization'],
        body: z
          .object({
            name: z.string().trim().min(1).max(100).optional(),
            defaultCountry: countryCode.nullable().optional(),
          })
          .refine(
            (body) => body.name !== undefined || body.defaultCountry !== undefined,
            'change name or defaultCountry',
          ),
        response: { 200: ownOrganizationSchema, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { name, defaultCountry } = request.body;
      const [row] = await sql<OrganizationRow[]>`
        update organizations set
          name = coalesce(${name ?? null}, name),
          default_country = ${defaultCountry === undefined ? sql`default_country` : defaultCountry}
        where id = ${request.organizationId}
        returning id, name, default_country, created_at`;
      return showOrganization(row!);
    },
  );

  const orgTags = ['organizations'];
  const deployment = { auth: 'deployment-key' } as const;
  const orgParams = z.object({ id: z.string() });
  const ownedOrganization = async (id: string) => {
    const [row] = isUuid(id) ? await sql`select id from organizations where id = ${id}` : [];
    if (!row) throw new ServerError('not_found', 'No such organization');
    return id;
  };

  app.get(
    '/api/v1/organizations',
    {
      config: deployment,
      schema: {
        operationId: 'listOrganizations',
        summary: 'Every organization of the deployment (deployment key)',
        tags: orgTags,
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
      config: deployment,
      schema: {
        operationId: 'createOrganization',
        summary: 'Create an organization and its first key, shown in this response only',
        tags: orgTags,
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
  app.get(
    '/api/v1/organizations/:id/api-keys',
    {
      config: deployment,
      schema: {
        operationId: 'listOrganizationApiKeys',
        summary: 'An organization’s keys (deployment key)',
        tags: orgTags,
        params: orgParams,
        response: {
          200: z.object({ apiKeys: z.array(apiKeySchema) }),
          ...errorResponses(403, 404),
        },
      },
    },
    async (request) => ({
      apiKeys: (await listApiKeys(sql, await ownedOrganization(request.params.id))).map(showKey),
    }),
  );
  app.post(
    '/api/v1/organizations/:id/api-keys',
    {
      config: deployment,
      schema: {
        operationId: 'createOrganizationApiKey',
        summary: 'Mint a key for an organization (deployment key)',
        tags: orgTags,
        params: orgParams,
        body: keyBody,
        response: { 201: newApiKeySchema, ...errorResponses(400, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await mint(await ownedOrganization(request.params.id), request.body, true)),
  );
  app.delete(
    '/api/v1/organizations/:id/api-keys/:keyId',
    {
      config: deployment,
      schema: {
        operationId: 'revokeOrganizationApiKey',
        summary: 'Revoke an organization’s key (deployment key)',
        tags: orgTags,
        params: z.object({ id: z.string(), keyId: z.string() }),
        response: { 204: z.null(), ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      await revoke(request.params.keyId, await ownedOrganization(request.params.id));
      return reply.code(204).send(null);
    },
  );
}

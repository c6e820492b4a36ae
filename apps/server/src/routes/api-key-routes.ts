import type postgres from 'postgres';
import { z } from 'zod';
import {
  type ApiKeyRecord,
  listApiKeys,
  mintApiKey,
  revokeOrganizationApiKey,
} from '../services/api-keys.js';
import { errorResponses, type PatchbayApp } from './app.js';

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to tell keys apart'),
    scope: z.enum(['organization', 'deployment']),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().describe('To the minute'),
    revokedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable().describe('Refused from then on; null for never'),
  })
  .meta({ id: 'ApiKey' });

export const newApiKeySchema = z
  .object({
    apiKey: apiKeySchema,
    key: z.string().describe('The secret, shown only in this response'),
  })
  .meta({ id: 'NewApiKey' });

export const keyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scope: z.enum(['organization', 'deployment']).default('organization'),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the key stops working by itself (ISO 8601, in the future)'),
  })
  .meta({ examples: [{ name: 'CI', expiresAt: '2027-06-30T00:00:00Z' }] });

export const showKey = (key: ApiKeyRecord) => ({
  id: key.id,
  organizationId: key.organizationId,
  name: key.name,
  prefix: key.prefix,
  scope: key.scope,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
  expiresAt: key.expiresAt?.toISOString() ?? null,
});

/** What a key mint request asks for, as the service takes it. */
export const mintRequest = (body: z.output<typeof keyBody>) => ({
  name: body.name,
  scope: body.scope,
  ...(body.expiresAt === undefined ? {} : { expiresAt: new Date(body.expiresAt) }),
});

/**
 * An organization's own API keys: any key mints (with a name and, if it
 * should lapse, an expiry), lists (never the secret again) and revokes its
 * organization's keys. A revoked or expired key is refused from the next
 * request on every process, since each request looks its key up. The last
 * live deployment key cannot be revoked through the API: the operator would
 * be locked out (the `keys` command can).
 */
export function registerApiKeyRoutes(app: PatchbayApp, sql: postgres.Sql): void {
  const tags = ['api-keys'];
  const auth = { auth: 'api-key' } as const;

  app.get(
    '/api/v1/api-keys',
    {
      config: auth,
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
      config: auth,
      schema: {
        operationId: 'createApiKey',
        summary: 'Mint a key for this organization; its secret is in this response only',
        tags,
        body: keyBody,
        response: { 201: newApiKeySchema, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) => {
      const issued = await mintApiKey(
        sql,
        request.organizationId,
        mintRequest(request.body),
        request.apiKeyScope === 'deployment',
      );
      return reply.code(201).send({ apiKey: showKey(issued.record), key: issued.key });
    },
  );
  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: auth,
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke one of this organization’s keys; refused from the next request on',
        tags,
        params: z.object({ id: z.string() }),
        response: { 204: z.null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await revokeOrganizationApiKey(sql, request.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

import { randomUUID } from 'node:crypto';
import { PatchbayError, type ProviderConfigBase } from '@patchbay/core';
import { z } from 'zod';
import { findOwned, uniqueViolation } from './database/owned.js';
import { authenticate } from './http/authenticate.js';
import { parseBody } from './http/body.js';
import { HttpError, type RouteRequest, type Router, readJsonBody } from './http/router.js';
import type { ServerContext } from './server-context.js';

export interface ConfigurationRoutesContext extends ServerContext {
  /** Told after a configuration was created, changed, (de)activated or deleted. */
  changed?(configurationId: string): Promise<void>;
}

interface ConfigurationRow {
  id: string;
  name: string;
  provider: string;
  account_id: string | null;
  credentials: Uint8Array;
  is_active: boolean;
  connection_state: string | null;
  connection_detail: string | null;
  connection_changed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const configurationCreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  config: z.record(z.string(), z.unknown()),
});
export const configurationUpdateBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((body) => body.name !== undefined || body.config !== undefined, 'change name or config');

/** Configuration CRUD under /api/v1/configurations; credentials encrypted, secrets masked on every read. */
export function registerConfigurationRoutes(
  router: Router,
  context: ConfigurationRoutesContext,
): void {
  const { database, registry, cipher } = context;
  const { sql } = database;
  const hookContext = () => ({
    logger: context.logger,
    inboundWebhookUrl: `${context.publicBaseUrl()}/telephony/inbound`,
  });

  const show = (row: ConfigurationRow) => ({
    id: row.id,
    name: row.name,
    provider: row.provider,
    // Some carriers' account ids are secrets too (Plivo's auth_id, Vonage's api_key).
    accountId:
      row.account_id === null ? null : registry.maskAccountId(row.provider, row.account_id),
    active: row.is_active,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    config: registry.maskConfig(cipher.decrypt(row.credentials, row.id) as ProviderConfigBase),
    // Carriers that deliver calls over a connection (Asterisk): how it stands.
    connection:
      registry.get(row.provider).eventSource === undefined
        ? null
        : {
            state: row.is_active ? (row.connection_state ?? 'connecting') : 'stopped',
            detail: row.is_active ? row.connection_detail : null,
            since: row.connection_changed_at?.toISOString() ?? null,
          },
  });

  async function load(request: RouteRequest, organizationId: string): Promise<ConfigurationRow> {
    const row = await findOwned<ConfigurationRow>(
      sql,
      'telephony_configurations',
      request.params['id'],
      organizationId,
    );
    if (!row) throw new HttpError(404, 'not_found', 'No such configuration');
    return row;
  }

  async function nameTaken(organizationId: string, name: string, except?: string): Promise<void> {
    const [row] = await sql`
      select 1 from telephony_configurations
      where organization_id = ${organizationId} and name = ${name} and id is distinct from ${except ?? null}::uuid`;
    if (row)
      throw new HttpError(
        409,
        'name_taken',
        `A configuration named ${JSON.stringify(name)} exists`,
      );
  }

  /** A save hook reached the carrier, then our write failed: undo at the carrier, best effort. */
  async function compensate(saved: ProviderConfigBase, error: unknown): Promise<never> {
    try {
      await registry.get(saved.provider).hooks?.afterDelete?.(saved as never, hookContext());
    } catch (undo) {
      context.logger.error(
        { provider: saved.provider, error: String(undo) },
        'could not undo a carrier-side save after the database write failed',
      );
    }
    throw error;
  }

  router
    .add('GET', '/api/v1/configurations', async (request) => {
      const organizationId = await authenticate(database, request);
      const rows = await sql<ConfigurationRow[]>`
        select * from telephony_configurations where organization_id = ${organizationId} order by created_at, id`;
      return { status: 200, body: { configurations: rows.map(show) } };
    })
    .add('POST', '/api/v1/configurations', async (request) => {
      const organizationId = await authenticate(database, request);
      const body = parseBody(configurationCreateBody, await readJsonBody(request));
      await nameTaken(organizationId, body.name);
      const saved = await registry.prepareSave(body.config, undefined, hookContext());
      const id = randomUUID();
      try {
        const [row] = await sql<ConfigurationRow[]>`
          insert into telephony_configurations
            (id, organization_id, name, provider, account_id, credentials)
          values (${id}, ${organizationId}, ${body.name}, ${saved.provider},
                  ${registry.accountIdOf(saved) ?? null}, ${cipher.encrypt(saved, id)})
          returning *`;
        await context.changed?.(id);
        return { status: 201, body: show(row!) };
      } catch (error) {
        return compensate(saved, error);
      }
    })
    .add('GET', '/api/v1/configurations/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      return { status: 200, body: show(await load(request, organizationId)) };
    })
    .add('PUT', '/api/v1/configurations/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      const body = parseBody(configurationUpdateBody, await readJsonBody(request));
      const row = await load(request, organizationId);
      const stored = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
      if (body.name) await nameTaken(organizationId, body.name, row.id);
      const saved = body.config
        ? await registry.prepareSave(body.config, stored, hookContext())
        : stored;
      const accountId = registry.accountIdOf(saved) ?? null;
      let updated: ConfigurationRow | undefined;
      try {
        updated = await sql.begin(async (tx) => {
          // The numbers follow their configuration's carrier account, still one owner per number.
          await tx`update phone_numbers set account_id = ${accountId ?? ''} where configuration_id = ${row.id}`;
          const [changed] = await tx<ConfigurationRow[]>`
            update telephony_configurations set
              name = ${body.name ?? row.name},
              account_id = ${accountId},
              credentials = ${cipher.encrypt(saved, row.id)},
              updated_at = now()
            where id = ${row.id}
            returning *`;
          return changed;
        });
      } catch (error) {
        if (uniqueViolation(error))
          throw new HttpError(
            409,
            'number_taken',
            'A number of this configuration is already registered for the new carrier account',
          );
        throw error;
      }
      await context.changed?.(row.id);
      return { status: 200, body: show(updated!) };
    })
    .add('POST', '/api/v1/configurations/:id/activate', async (request) => {
      const organizationId = await authenticate(database, request);
      const row = await load(request, organizationId);
      const [updated] = await sql<ConfigurationRow[]>`
        update telephony_configurations set is_active = true, updated_at = now()
        where id = ${row.id} returning *`;
      await context.changed?.(row.id);
      return { status: 200, body: show(updated!) };
    })
    .add('POST', '/api/v1/configurations/:id/deactivate', async (request) => {
      const organizationId = await authenticate(database, request);
      const row = await load(request, organizationId);
      const [updated] = await sql<ConfigurationRow[]>`
        update telephony_configurations set is_active = false, updated_at = now()
        where id = ${row.id} returning *`;
      await context.changed?.(row.id);
      return { status: 200, body: show(updated!) };
    })
    .add('DELETE', '/api/v1/configurations/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      const row = await load(request, organizationId);
      const stored = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
      // Release what the carrier holds first: if it refuses, the row stays, so nothing is orphaned.
      try {
        await registry.get(stored.provider).hooks?.afterDelete?.(stored as never, hookContext());
      } catch (error) {
        if (PatchbayError.isInstance(error)) throw error;
        throw new HttpError(
          502,
          'deprovision_failed',
          'The carrier-side cleanup failed; nothing was deleted',
        );
      }
      await sql`delete from telephony_configurations where id = ${row.id}`;
      await context.changed?.(row.id);
      return { status: 204 };
    });
}

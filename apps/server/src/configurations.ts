import { randomUUID } from 'node:crypto';
import { PatchbayError, type ProviderConfigBase, type ProviderRegistry } from '@patchbay/core';
import { z } from 'zod';
import { findOwned, uniqueViolation } from './database/owned.js';
import { errorResponses, type PatchbayApp } from './http/app.js';
import { countryCode } from './phone-numbers.js';
import type { ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

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
  default_country: string | null;
  connection_state: string | null;
  connection_detail: string | null;
  connection_changed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

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

const configurationBodies = (registry: ProviderRegistry) => ({
  create: z
    .object({
      name: z.string().trim().min(1).max(100),
      config: configFields(registry),
      defaultCountry: countryCode.nullable().optional(),
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
    })
    .refine(
      (body) =>
        body.name !== undefined || body.config !== undefined || body.defaultCountry !== undefined,
      'change name, config or defaultCountry',
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

/** Configuration CRUD under /api/v1/configurations; credentials encrypted, secrets masked on every read. */
export function registerConfigurationRoutes(
  app: PatchbayApp,
  context: ConfigurationRoutesContext,
): void {
  const { database, registry, cipher } = context;
  const { sql } = database;
  /**
   * What a save or delete hook gets. A save hook may hand the inbound URL to
   * the carrier (an application pointed at it), so for a provider that has
   * one it must be a URL the carrier can reach, or the save is refused.
   */
  const hookContext = (savingFor?: string) => {
    const base =
      savingFor && registry.get(savingFor).hooks?.beforeSave
        ? context.carrierBaseUrl(savingFor)
        : context.publicBaseUrl();
    return { logger: context.logger, inboundWebhookUrl: `${base}/telephony/inbound` };
  };

  /** How many of each configuration's numbers are active and routed, for its setup checklist. */
  async function numberCounts(ids: readonly string[]) {
    const rows = ids.length
      ? await sql<{ configuration_id: string; numbers: number; routed: number }[]>`
          select configuration_id, count(*)::int as numbers, count(agent_id)::int as routed
          from phone_numbers where configuration_id in ${sql(ids)} group by configuration_id`
      : [];
    return new Map(rows.map((row) => [row.configuration_id, row]));
  }

  /**
   * What to do at the carrier, and what is still missing: the inbound URL to
   * paste into its console (none for a carrier that calls over a connection,
   * and none while PUBLIC_BASE_URL is unset: there is no URL to give), and
   * the provider's checklist.
   */
  function setup(
    row: ConfigurationRow,
    config: ProviderConfigBase,
    numbers?: { numbers: number; routed: number },
  ) {
    const spec = registry.get(row.provider);
    let inboundWebhookUrl: string | null = null;
    if (spec.eventSource === undefined) {
      try {
        inboundWebhookUrl = `${context.carrierBaseUrl(row.provider)}/telephony/inbound`;
      } catch {
        // PUBLIC_BASE_URL unset: there is no URL to give, and the server warned at start.
      }
    }
    const checklist = registry.setupChecklist(config, {
      activePhoneNumberCount: numbers?.numbers ?? 0,
      inboundRoutedPhoneNumberCount: numbers?.routed ?? 0,
    });
    return {
      inboundWebhookUrl,
      checklist: checklist
        ? {
            ...checklist,
            steps: [...checklist.steps],
            outboundBlockedReason: checklist.outboundBlockedReason ?? null,
          }
        : null,
    };
  }

  const show = (row: ConfigurationRow, numbers?: { numbers: number; routed: number }) => {
    const config = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      // Some carriers' account ids are secrets too (Plivo's auth_id, Vonage's api_key).
      accountId:
        row.account_id === null ? null : registry.maskAccountId(row.provider, row.account_id),
      defaultCountry: row.default_country,
      active: row.is_active,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      config: registry.maskConfig(config),
      // Carriers that deliver calls over a connection (Asterisk): how it stands.
      connection:
        registry.get(row.provider).eventSource === undefined
          ? null
          : {
              state: row.is_active ? (row.connection_state ?? 'connecting') : 'stopped',
              detail: row.is_active ? row.connection_detail : null,
              since: row.connection_changed_at?.toISOString() ?? null,
            },
      setup: setup(row, config, numbers),
    };
  };

  /** One configuration as reads show it, with its numbers counted. */
  const showOne = async (row: ConfigurationRow) =>
    show(row, (await numberCounts([row.id])).get(row.id));

  async function load(id: string, organizationId: string): Promise<ConfigurationRow> {
    const row = await findOwned<ConfigurationRow>(
      sql,
      'telephony_configurations',
      id,
      organizationId,
    );
    if (!row) throw new ServerError('not_found', 'No such configuration');
    return row;
  }

  async function nameTaken(organizationId: string, name: string, except?: string): Promise<void> {
    const [row] = await sql`
      select 1 from telephony_configurations
      where organization_id = ${organizationId} and name = ${name} and id is distinct from ${except ?? null}::uuid`;
    if (row)
      throw new ServerError('name_taken', `A configuration named ${JSON.stringify(name)} exists`);
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
    async (request) => {
      const rows = await sql<ConfigurationRow[]>`
        select * from telephony_configurations where organization_id = ${request.organizationId}
        order by created_at, id`;
      const counts = await numberCounts(rows.map((row) => row.id));
      return { configurations: rows.map((row) => show(row, counts.get(row.id))) };
    },
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
    async (request, reply) => {
      const { organizationId, body } = request;
      await nameTaken(organizationId, body.name);
      const saved = await registry.prepareSave(
        body.config,
        undefined,
        hookContext(body.config.provider),
      );
      const id = randomUUID();
      try {
        const [row] = await sql<ConfigurationRow[]>`
          insert into telephony_configurations
            (id, organization_id, name, provider, account_id, credentials, default_country)
          values (${id}, ${organizationId}, ${body.name}, ${saved.provider},
                  ${registry.accountIdOf(saved) ?? null}, ${cipher.encrypt(saved, id)},
                  ${body.defaultCountry ?? null})
          returning *`;
        await context.changed?.(id);
        return reply.code(201).send(await showOne(row!));
      } catch (error) {
        return compensate(saved, error);
      }
    },
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
    async (request) => showOne(await load(request.params.id, request.organizationId)),
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
    async (request) => {
      const { organizationId, body } = request;
      const row = await load(request.params.id, organizationId);
      const stored = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
      if (body.name) await nameTaken(organizationId, body.name, row.id);
      const saved = body.config
        ? await registry.prepareSave(body.config, stored, hookContext(stored.provider))
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
              default_country = ${body.defaultCountry === undefined ? row.default_country : body.defaultCountry},
              updated_at = now()
            where id = ${row.id}
            returning *`;
          return changed;
        });
      } catch (error) {
        if (uniqueViolation(error))
          throw new ServerError(
            'number_taken',
            'A number of this configuration is already registered for the new carrier account',
          );
        throw error;
      }
      await context.changed?.(row.id);
      return showOne(updated!);
    },
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
      async (request) => {
        const row = await load(request.params.id, request.organizationId);
        const [updated] = await sql<ConfigurationRow[]>`
          update telephony_configurations set is_active = ${active}, updated_at = now()
          where id = ${row.id} returning *`;
        await context.changed?.(row.id);
        return showOne(updated!);
      },
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
      const row = await load(request.params.id, request.organizationId);
      const stored = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
      // Release what the carrier holds first: if it refuses, the row stays, so nothing is orphaned.
      try {
        await registry.get(stored.provider).hooks?.afterDelete?.(stored as never, hookContext());
      } catch (error) {
        if (PatchbayError.isInstance(error)) throw error;
        throw new ServerError(
          'deprovision_failed',
          'The carrier-side cleanup failed; nothing was deleted',
        );
      }
      await sql`delete from telephony_configurations where id = ${row.id}`;
      await context.changed?.(row.id);
      return reply.code(204).send(null);
    },
  );
}

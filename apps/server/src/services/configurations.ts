import { randomUUID } from 'node:crypto';
import { PatchbayError, type ProviderConfigBase } from '@patchbay/core';
import type postgres from 'postgres';
import { findOwned, uniqueViolation } from '../storage/owned.js';
import type { ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

interface ConfigurationRow {
  id: string;
  name: string;
  provider: string;
  account_id: string | null;
  credentials: Uint8Array;
  is_active: boolean;
  default_country: string | null;
  max_concurrent_calls: number | null;
  max_calls_per_second: number | null;
  connection_state: string | null;
  connection_detail: string | null;
  connection_changed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface NumberCounts {
  numbers: number;
  routed: number;
}

/** A configuration as the API shows it: secrets masked, with what is left to set up. */
export interface ConfigurationView {
  id: string;
  name: string;
  provider: string;
  accountId: string | null;
  defaultCountry: string | null;
  /** Live calls through it at once, within its organization's limit; null for no limit of its own. */
  maxConcurrentCalls: number | null;
  /** Outbound calls it places per second at most; null for no limit. */
  maxCallsPerSecond: number | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  config: Record<string, unknown>;
  connection: { state: string; detail: string | null; since: string | null } | null;
  setup: {
    inboundWebhookUrl: string | null;
    checklist: {
      steps: {
        key: string;
        title: string;
        description: string;
        complete: boolean;
        blocksOutbound: boolean;
      }[];
      readyForOutbound: boolean;
      outboundBlockedReason: string | null;
      docsUrl?: string;
    } | null;
  };
}

export interface ConfigurationCreate {
  name: string;
  /** The carrier's form, `provider` naming it; the registry checks the rest. */
  config: { provider: string } & Record<string, unknown>;
  defaultCountry?: string | null | undefined;
  maxConcurrentCalls?: number | null | undefined;
  maxCallsPerSecond?: number | null | undefined;
}

export interface ConfigurationChange {
  name?: string | undefined;
  config?: ({ provider: string } & Record<string, unknown>) | undefined;
  defaultCountry?: string | null | undefined;
  maxConcurrentCalls?: number | null | undefined;
  maxCallsPerSecond?: number | null | undefined;
}

/**
 * Telephony configurations: a carrier account's credentials (encrypted at
 * rest, masked on every read), proven with the carrier and passed through
 * the provider's save hooks; a carrier-side save is undone when our write
 * fails, and a delete releases the carrier's side first.
 */
export class Configurations {
  private readonly sql: postgres.Sql;

  constructor(
    private readonly context: ServerContext,
    /** Told after a configuration was created, changed, (de)activated or deleted. */
    private readonly changed: (configurationId: string) => Promise<void> = async () => {},
  ) {
    this.sql = context.database.sql;
  }

  async list(organizationId: string): Promise<ConfigurationView[]> {
    const rows = await this.sql<ConfigurationRow[]>`
      select * from telephony_configurations where organization_id = ${organizationId}
      order by created_at, id`;
    const counts = await this.numberCounts(rows.map((row) => row.id));
    return rows.map((row) => this.show(row, counts.get(row.id)));
  }

  /** @throws ServerError `not_found` */
  async get(organizationId: string, id: string): Promise<ConfigurationView> {
    return this.showOne(await this.load(id, organizationId));
  }

  /**
   * The carrier proves the credentials, then the provider's save hook runs.
   * @throws ServerError `name_taken`, and the registry's validation and carrier errors
   */
  async create(organizationId: string, request: ConfigurationCreate): Promise<ConfigurationView> {
    const { registry, cipher } = this.context;
    await this.nameTaken(organizationId, request.name);
    const saved = await registry.prepareSave(
      request.config,
      undefined,
      this.hookContext(request.config.provider),
    );
    const id = randomUUID();
    try {
      const [row] = await this.sql<ConfigurationRow[]>`
        insert into telephony_configurations
          (id, organization_id, name, provider, account_id, credentials, default_country,
           max_concurrent_calls, max_calls_per_second)
        values (${id}, ${organizationId}, ${request.name}, ${saved.provider},
                ${registry.accountIdOf(saved) ?? null}, ${cipher.encrypt(saved, id)},
                ${request.defaultCountry ?? null}, ${request.maxConcurrentCalls ?? null},
                ${request.maxCallsPerSecond ?? null})
        returning *`;
      await this.changed(id);
      return await this.showOne(row!);
    } catch (error) {
      return this.compensate(saved, error);
    }
  }

  /**
   * A masked secret sent back keeps the stored one; the numbers follow the
   * configuration's carrier account.
   * @throws ServerError `not_found`, `name_taken`, `number_taken`, and the registry's errors
   */
  async update(
    organizationId: string,
    id: string,
    change: ConfigurationChange,
  ): Promise<ConfigurationView> {
    const { registry, cipher } = this.context;
    const row = await this.load(id, organizationId);
    const stored = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
    if (change.name) await this.nameTaken(organizationId, change.name, row.id);
    const saved = change.config
      ? await registry.prepareSave(change.config, stored, this.hookContext(stored.provider))
      : stored;
    const accountId = registry.accountIdOf(saved) ?? null;
    let updated: ConfigurationRow | undefined;
    try {
      updated = await this.sql.begin(async (tx) => {
        // The numbers follow their configuration's carrier account, still one owner per number.
        await tx`update phone_numbers set account_id = ${accountId ?? ''} where configuration_id = ${row.id}`;
        const [changed] = await tx<ConfigurationRow[]>`
          update telephony_configurations set
            name = ${change.name ?? row.name},
            account_id = ${accountId},
            credentials = ${cipher.encrypt(saved, row.id)},
            default_country = ${change.defaultCountry === undefined ? row.default_country : change.defaultCountry},
            max_concurrent_calls = ${change.maxConcurrentCalls === undefined ? row.max_concurrent_calls : change.maxConcurrentCalls},
            max_calls_per_second = ${change.maxCallsPerSecond === undefined ? row.max_calls_per_second : change.maxCallsPerSecond},
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
    await this.changed(row.id);
    return this.showOne(updated!);
  }

  /** Takes calls again, or refuses inbound and outbound ones. @throws ServerError `not_found` */
  async setActive(organizationId: string, id: string, active: boolean): Promise<ConfigurationView> {
    const row = await this.load(id, organizationId);
    const [updated] = await this.sql<ConfigurationRow[]>`
      update telephony_configurations set is_active = ${active}, updated_at = now()
      where id = ${row.id} returning *`;
    await this.changed(row.id);
    return this.showOne(updated!);
  }

  /**
   * Deletes after the provider's deprovision hook: if the carrier refuses,
   * the row stays, so nothing is orphaned.
   * @throws ServerError `not_found`, `deprovision_failed`
   */
  async remove(organizationId: string, id: string): Promise<void> {
    const row = await this.load(id, organizationId);
    const stored = this.context.cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
    try {
      await this.context.registry
        .get(stored.provider)
        .hooks?.afterDelete?.(stored as never, this.hookContext());
    } catch (error) {
      if (PatchbayError.isInstance(error)) throw error;
      throw new ServerError(
        'deprovision_failed',
        'The carrier-side cleanup failed; nothing was deleted',
      );
    }
    await this.sql`delete from telephony_configurations where id = ${row.id}`;
    await this.changed(row.id);
  }

  /**
   * What a save or delete hook gets. A save hook may hand the inbound URL to
   * the carrier (an application pointed at it), so for a provider that has
   * one it must be a URL the carrier can reach, or the save is refused.
   */
  private hookContext(savingFor?: string) {
    const { context } = this;
    const base =
      savingFor && context.registry.get(savingFor).hooks?.beforeSave
        ? context.carrierBaseUrl(savingFor)
        : context.publicBaseUrl();
    return { logger: context.logger, inboundWebhookUrl: context.urls.inbound(base) };
  }

  /** How many of each configuration's numbers are active and routed, for its setup checklist. */
  private async numberCounts(ids: readonly string[]): Promise<Map<string, NumberCounts>> {
    const sql = this.sql;
    const rows = ids.length
      ? await sql<({ configuration_id: string } & NumberCounts)[]>`
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
  private setup(
    row: ConfigurationRow,
    config: ProviderConfigBase,
    numbers?: NumberCounts,
  ): ConfigurationView['setup'] {
    const { context } = this;
    const spec = context.registry.get(row.provider);
    let inboundWebhookUrl: string | null = null;
    if (spec.eventSource === undefined) {
      try {
        inboundWebhookUrl = context.urls.inbound(context.carrierBaseUrl(row.provider));
      } catch {
        // PUBLIC_BASE_URL unset: there is no URL to give, and the server warned at start.
      }
    }
    const checklist = context.registry.setupChecklist(config, {
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

  private show(row: ConfigurationRow, numbers?: NumberCounts): ConfigurationView {
    const { registry, cipher } = this.context;
    const config = cipher.decrypt(row.credentials, row.id) as ProviderConfigBase;
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      // Some carriers' account ids are secrets too (Plivo's auth_id, Vonage's api_key).
      accountId:
        row.account_id === null ? null : registry.maskAccountId(row.provider, row.account_id),
      defaultCountry: row.default_country,
      maxConcurrentCalls: row.max_concurrent_calls,
      maxCallsPerSecond: row.max_calls_per_second,
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
      setup: this.setup(row, config, numbers),
    };
  }

  /** One configuration as reads show it, with its numbers counted. */
  private async showOne(row: ConfigurationRow): Promise<ConfigurationView> {
    return this.show(row, (await this.numberCounts([row.id])).get(row.id));
  }

  private async load(id: string, organizationId: string): Promise<ConfigurationRow> {
    const row = await findOwned<ConfigurationRow>(
      this.sql,
      'telephony_configurations',
      id,
      organizationId,
    );
    if (!row) throw new ServerError('not_found', 'No such configuration');
    return row;
  }

  private async nameTaken(organizationId: string, name: string, except?: string): Promise<void> {
    const [row] = await this.sql`
      select 1 from telephony_configurations
      where organization_id = ${organizationId} and name = ${name} and id is distinct from ${except ?? null}::uuid`;
    if (row)
      throw new ServerError('name_taken', `A configuration named ${JSON.stringify(name)} exists`);
  }

  /** A save hook reached the carrier, then our write failed: undo at the carrier, best effort. */
  private async compensate(saved: ProviderConfigBase, error: unknown): Promise<never> {
    try {
      await this.context.registry
        .get(saved.provider)
        .hooks?.afterDelete?.(saved as never, this.hookContext());
    } catch (undo) {
      this.context.logger.error(
        { provider: saved.provider, error: String(undo) },
        'could not undo a carrier-side save after the database write failed',
      );
    }
    throw error;
  }
}

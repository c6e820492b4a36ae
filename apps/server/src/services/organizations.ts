import type postgres from 'postgres';
import { isUuid } from '../storage/owned.js';
import { ServerError } from './server-errors.js';

interface OrganizationRow {
  id: string;
  name: string;
  default_country: string | null;
  max_concurrent_calls: number | null;
  created_at: Date;
}

/** An organization as the API shows it to its own keys. */
export interface Organization {
  id: string;
  name: string;
  defaultCountry: string | null;
  /** Live calls it may have at once: its own limit, else the deployment's. */
  maxConcurrentCalls: number;
  /** True while it has no limit of its own (MAX_CONCURRENT_CALLS applies). */
  maxConcurrentCallsIsDefault: boolean;
  createdAt: string;
}

export interface OrganizationChange {
  name?: string | undefined;
  defaultCountry?: string | null | undefined;
  /** Only a deployment key may change it; null returns to the deployment's default. */
  maxConcurrentCalls?: number | null | undefined;
}

/**
 * The deployment's organizations: each key reads and changes its own; a
 * deployment key renames and deletes others (creating them, with their first
 * key, is `createOrganization` in api-keys.ts).
 */
export class Organizations {
  constructor(
    private readonly sql: postgres.Sql,
    /** The deployment's MAX_CONCURRENT_CALLS. */
    private readonly defaultMaxConcurrentCalls: number,
  ) {}

  private show(row: OrganizationRow): Organization {
    return {
      id: row.id,
      name: row.name,
      defaultCountry: row.default_country,
      maxConcurrentCalls: row.max_concurrent_calls ?? this.defaultMaxConcurrentCalls,
      maxConcurrentCallsIsDefault: row.max_concurrent_calls === null,
      createdAt: row.created_at.toISOString(),
    };
  }

  /** @throws ServerError `not_found` */
  async get(id: string): Promise<Organization> {
    const [row] = isUuid(id)
      ? await this.sql<OrganizationRow[]>`
          select id, name, default_country, max_concurrent_calls, created_at
          from organizations where id = ${id}`
      : [];
    if (!row) throw new ServerError('not_found', 'No such organization');
    return this.show(row);
  }

  /** Renames it, or sets where national numbers are read. @throws ServerError `not_found` */
  async update(id: string, change: OrganizationChange): Promise<Organization> {
    const sql = this.sql;
    const [row] = isUuid(id)
      ? await sql<OrganizationRow[]>`
          update organizations set
            name = coalesce(${change.name ?? null}, name),
            default_country = ${change.defaultCountry === undefined ? sql`default_country` : change.defaultCountry},
            max_concurrent_calls = ${change.maxConcurrentCalls === undefined ? sql`max_concurrent_calls` : change.maxConcurrentCalls}
          where id = ${id}
          returning id, name, default_country, max_concurrent_calls, created_at`
      : [];
    if (!row) throw new ServerError('not_found', 'No such organization');
    return this.show(row);
  }

  /**
   * Deletes an organization with its keys, agents and call history. Refused
   * while it has configurations (deleting each releases what the carrier
   * holds for it, which a cascade would skip) or live calls (they would go
   * on in the world with no record), and for the deleting key's own
   * organization.
   * @throws ServerError `not_found`, `own_organization`, `organization_not_empty`, `calls_live`
   */
  async remove(id: string, byOrganizationId: string): Promise<void> {
    if (id === byOrganizationId)
      throw new ServerError(
        'own_organization',
        'A deployment key cannot delete its own organization; use another organization’s deployment key',
      );
    await this.get(id);
    await this.sql.begin(async (tx) => {
      // Locked, so no configuration or call is added between the checks and the delete.
      await tx`select id from organizations where id = ${id} for update`;
      const [counts] = await tx<{ configurations: number; live: number }[]>`
        select
          (select count(*)::int from telephony_configurations where organization_id = ${id}) as configurations,
          (select count(*)::int from calls where organization_id = ${id}
             and status in ('queued', 'initiated', 'ringing', 'in-progress')) as live`;
      if (counts!.configurations > 0)
        throw new ServerError(
          'organization_not_empty',
          `The organization has ${counts!.configurations} configuration(s); delete them first, so each releases what the carrier holds`,
        );
      if (counts!.live > 0)
        throw new ServerError('calls_live', `The organization has ${counts!.live} live call(s)`);
      await tx`delete from organizations where id = ${id}`;
    });
  }
}

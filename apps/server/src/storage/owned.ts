import type postgres from 'postgres';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is simply not found (and never reaches SQL as a cast error). */
export const isUuid = (value: string | undefined): value is string => UUID.test(value ?? '');

/** The tables whose rows belong to one organization. */
export type OwnedTable = 'agents' | 'phone_numbers' | 'telephony_configurations' | 'calls';

/**
 * The organization's row of `table` with this id, or undefined: another
 * organization's row is as absent as a missing one, and a malformed id
 * never reaches SQL as a cast error.
 */
export async function findOwned<T extends object>(
  sql: postgres.Sql,
  table: OwnedTable,
  id: string | null | undefined,
  organizationId: string,
): Promise<T | undefined> {
  if (!isUuid(id ?? undefined)) return undefined;
  const [row] = await sql<T[]>`
    select * from ${sql(table)} where id = ${id!} and organization_id = ${organizationId}`;
  return row;
}

/** True for PostgreSQL's unique_violation: the row a write would add exists already. */
export function uniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '23505';
}

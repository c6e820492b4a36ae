import { CarrierApiError, normalizePhoneAddress, PatchbayError } from '@patchbay/core';
import { isSupportedCountry } from 'libphonenumber-js';
import type postgres from 'postgres';
import { z } from 'zod';
import { findOwned, uniqueViolation } from '../storage/owned.js';
import { openConfiguration, type ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

/**
 * How the server stores and matches an address a person gave (through the
 * API or an agent): a number with `+` or `00`, checked against its
 * country's numbering plan; a national number only with a default country
 * (guessing one stored `4155550101` as a Swiss `+4155550101`); SIP URIs,
 * extensions and PBX dial strings as core normalizes them.
 * @throws InvalidPayloadError (400) for something that is no address
 */
export const canonicalAddress = (value: string, defaultCountry?: string | null): string =>
  normalizePhoneAddress(value, { strict: true, ...(defaultCountry ? { defaultCountry } : {}) })
    .canonical;

/** A default country: ISO 3166-1 alpha-2, one libphonenumber knows the numbering plan of. */
export const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code, such as US or GB')
  .refine((code) => isSupportedCountry(code), 'a country with a known numbering plan')
  .describe('National numbers (without + or 00) are read in this country');

/** The country a configuration reads national numbers in: its own, else its organization's. */
export async function defaultCountryOf(
  sql: postgres.Sql,
  configurationId: string | null,
): Promise<string | undefined> {
  if (!configurationId) return undefined;
  const [row] = await sql<{ country: string | null }[]>`
    select coalesce(t.default_country, o.default_country) as country
    from telephony_configurations t join organizations o on o.id = t.organization_id
    where t.id = ${configurationId}`;
  return row?.country ?? undefined;
}

interface NumberRow {
  id: string;
  address: string;
  configuration_id: string;
  provider: string;
  agent_id: string | null;
  record_calls: boolean;
  created_at: Date;
}

/** A phone number as the API shows it. */
export interface PhoneNumber {
  id: string;
  address: string;
  provider: string;
  configurationId: string;
  agentId: string | null;
  recordCalls: boolean;
  createdAt: string;
}

const show = (row: NumberRow): PhoneNumber => ({
  id: row.id,
  address: row.address,
  provider: row.provider,
  configurationId: row.configuration_id,
  agentId: row.agent_id,
  recordCalls: row.record_calls,
  createdAt: row.created_at.toISOString(),
});

const taken = () =>
  new ServerError('number_taken', 'This number is already registered for that carrier account');

/**
 * The numbers a configuration answers, each with the agent inbound calls
 * reach. Addresses are stored canonical (`+E.164`, SIP URI or extension);
 * one number has one owner per carrier account, whichever organization
 * asks (the conflict does not say whose it is).
 */
export class PhoneNumbers {
  private readonly sql: postgres.Sql;

  constructor(private readonly context: ServerContext) {
    this.sql = context.database.sql;
  }

  async list(organizationId: string): Promise<PhoneNumber[]> {
    const rows = await this.sql<NumberRow[]>`
      select * from phone_numbers where organization_id = ${organizationId}
      order by created_at, id`;
    return rows.map(show);
  }

  /** @throws ServerError `not_found` */
  async get(organizationId: string, id: string): Promise<PhoneNumber> {
    return show(await this.load(id, organizationId));
  }

  /**
   * Registers a number once the carrier confirms the account holds it.
   * @throws ServerError `unknown_configuration`, `unknown_agent`, `number_not_owned`, `number_taken`, `carrier_credentials_refused`, `carrier_unavailable`
   */
  async create(
    organizationId: string,
    request: {
      address: string;
      configurationId: string;
      agentId?: string | null | undefined;
      recordCalls?: boolean | undefined;
    },
  ): Promise<PhoneNumber> {
    const target = await this.configuration(request.configurationId, organizationId);
    const address = canonicalAddress(request.address, await defaultCountryOf(this.sql, target.id));
    const agentId = await this.agent(request.agentId, organizationId);
    await this.proveOwnership(target.id, address);
    try {
      const [row] = await this.sql<NumberRow[]>`
        insert into phone_numbers (organization_id, configuration_id, address, provider, account_id,
                                   agent_id, record_calls)
        values (${organizationId}, ${target.id}, ${address}, ${target.provider},
                ${target.account_id ?? ''}, ${agentId}, ${request.recordCalls ?? false})
        returning *`;
      return show(row!);
    } catch (error) {
      if (uniqueViolation(error)) throw taken();
      throw error;
    }
  }

  /**
   * Moves a number to another configuration (proven with the carrier) or agent.
   * @throws ServerError as `create` does, and `not_found`
   */
  async update(
    organizationId: string,
    id: string,
    change: {
      configurationId?: string | undefined;
      agentId?: string | null | undefined;
      recordCalls?: boolean | undefined;
    },
  ): Promise<PhoneNumber> {
    const row = await this.load(id, organizationId);
    const target = change.configurationId
      ? await this.configuration(change.configurationId, organizationId)
      : undefined;
    const agentId =
      change.agentId === undefined
        ? row.agent_id
        : await this.agent(change.agentId, organizationId);
    if (target && target.id !== row.configuration_id)
      await this.proveOwnership(target.id, row.address);
    const sql = this.sql;
    try {
      const [updated] = await sql<NumberRow[]>`
        update phone_numbers set
          configuration_id = ${target?.id ?? row.configuration_id},
          provider = ${target?.provider ?? row.provider},
          account_id = ${target ? (target.account_id ?? '') : sql`account_id`},
          agent_id = ${agentId},
          record_calls = ${change.recordCalls ?? row.record_calls}
        where id = ${row.id} returning *`;
      return show(updated!);
    } catch (error) {
      if (uniqueViolation(error)) throw taken();
      throw error;
    }
  }

  /** @throws ServerError `not_found` */
  async remove(organizationId: string, id: string): Promise<void> {
    const row = await this.load(id, organizationId);
    await this.sql`delete from phone_numbers where id = ${row.id}`;
  }

  /**
   * Binds a number only once the carrier, asked with the configuration's own
   * credentials, confirms the account holds it: an Account SID is no secret,
   * so without this anyone could save it with a made-up token and take the
   * owner's number (and its inbound calls) by registering it first.
   */
  private async proveOwnership(configurationId: string, address: string): Promise<void> {
    const [row] = await this.sql<{ id: string; provider: string; credentials: Uint8Array }[]>`
      select id, provider, credentials from telephony_configurations where id = ${configurationId}`;
    if (!row) throw new ServerError('unknown_configuration', 'No such configuration');
    let result: { ok: boolean; message?: string | undefined };
    try {
      result = await openConfiguration(this.context, row).provider.validatePhoneNumber(address);
    } catch (error) {
      if (CarrierApiError.isInstance(error) && [401, 403].includes(error.statusCode ?? 0))
        throw new ServerError(
          'carrier_credentials_refused',
          `The carrier refused this configuration's credentials, so it cannot confirm that ${address} is the account's`,
        );
      if (PatchbayError.isInstance(error))
        throw new ServerError(
          'carrier_unavailable',
          `The carrier could not be asked whether ${address} is the account's: ${error.message}`,
        );
      throw error;
    }
    if (!result.ok)
      throw new ServerError(
        'number_not_owned',
        result.message ?? `The carrier says ${address} is not a number of this account`,
      );
  }

  private async configuration(id: string | undefined, organizationId: string) {
    const row = await findOwned<{ id: string; provider: string; account_id: string | null }>(
      this.sql,
      'telephony_configurations',
      id,
      organizationId,
    );
    if (!row) throw new ServerError('unknown_configuration', 'No such configuration');
    return row;
  }

  private async agent(id: string | null | undefined, organizationId: string) {
    if (id === null || id === undefined) return null;
    if (!(await findOwned(this.sql, 'agents', id, organizationId)))
      throw new ServerError('unknown_agent', 'No such agent');
    return id;
  }

  private async load(id: string | undefined, organizationId: string): Promise<NumberRow> {
    const row = await findOwned<NumberRow>(this.sql, 'phone_numbers', id, organizationId);
    if (!row) throw new ServerError('not_found', 'No such phone number');
    return row;
  }
}

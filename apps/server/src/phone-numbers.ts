import { CarrierApiError, normalizePhoneAddress, PatchbayError } from '@patchbay/core';
import { isSupportedCountry } from 'libphonenumber-js';
import type postgres from 'postgres';
import { z } from 'zod';
import { findOwned, uniqueViolation } from './database/owned.js';
import { errorResponses, type PatchbayApp } from './http/app.js';
import { openConfiguration, type ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

export const phoneNumberCreateBody = z
  .object({
    address: z.string().min(1).max(200),
    configurationId: z.string(),
    agentId: z.string().nullable().optional(),
  })
  .meta({
    examples: [
      {
        address: '+14155550100',
        configurationId: '5f0c6f43-7c1e-4b0a-9d0e-2f4a8c9b1d20',
        agentId: '0b8e3c9a-2d4f-4c61-9a7e-5d3b2c1f0e99',
      },
    ],
  });
export const phoneNumberUpdateBody = z.object({
  configurationId: z.string().optional(),
  agentId: z.string().nullable().optional(),
});

interface NumberRow {
  id: string;
  address: string;
  configuration_id: string;
  provider: string;
  agent_id: string | null;
  created_at: Date;
}

const phoneNumberSchema = z
  .object({
    id: z.uuid(),
    address: z.string(),
    provider: z.string(),
    configurationId: z.uuid(),
    agentId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'PhoneNumber' });

const show = (row: NumberRow) => ({
  id: row.id,
  address: row.address,
  provider: row.provider,
  configurationId: row.configuration_id,
  agentId: row.agent_id,
  createdAt: row.created_at.toISOString(),
});

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
/**
 * /api/v1/phone-numbers: numbers a configuration answers, each with the agent
 * inbound calls reach. Addresses are stored canonical (`+E.164`, SIP URI or
 * extension); one number has one owner per carrier account, whichever
 * organization asks (the conflict does not say whose it is).
 */
export function registerPhoneNumberRoutes(app: PatchbayApp, context: ServerContext): void {
  const { database } = context;
  const { sql } = database;

  /**
   * Binds a number only once the carrier, asked with the configuration's own
   * credentials, confirms the account holds it: an Account SID is no secret,
   * so without this anyone could save it with a made-up token and take the
   * owner's number (and its inbound calls) by registering it first.
   */
  async function proveOwnership(configurationId: string, address: string): Promise<void> {
    const [row] = await sql<{ id: string; provider: string; credentials: Uint8Array }[]>`
      select id, provider, credentials from telephony_configurations where id = ${configurationId}`;
    if (!row) throw new ServerError('unknown_configuration', 'No such configuration');
    let result: { ok: boolean; message?: string | undefined };
    try {
      result = await openConfiguration(context, row).provider.validatePhoneNumber(address);
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

  async function configuration(id: string | undefined, organizationId: string) {
    const row = await findOwned<{ id: string; provider: string; account_id: string | null }>(
      sql,
      'telephony_configurations',
      id,
      organizationId,
    );
    if (!row) throw new ServerError('unknown_configuration', 'No such configuration');
    return row;
  }

  async function agent(id: string | null | undefined, organizationId: string) {
    if (id === null || id === undefined) return null;
    if (!(await findOwned(sql, 'agents', id, organizationId)))
      throw new ServerError('unknown_agent', 'No such agent');
    return id;
  }

  async function load(id: string | undefined, organizationId: string): Promise<NumberRow> {
    const row = await findOwned<NumberRow>(sql, 'phone_numbers', id, organizationId);
    if (!row) throw new ServerError('not_found', 'No such phone number');
    return row;
  }

  const owned = () =>
    new ServerError('number_taken', 'This number is already registered for that carrier account');

  const tags = ['phone-numbers'];
  const auth = { auth: 'api-key' } as const;
  const idParams = z.object({ id: z.string() });

  app.get(
    '/api/v1/phone-numbers',
    {
      config: auth,
      schema: {
        operationId: 'listPhoneNumbers',
        summary: 'List phone numbers',
        tags,
        response: {
          200: z.object({ phoneNumbers: z.array(phoneNumberSchema) }),
        },
      },
    },
    async (request) => {
      const rows = await sql<NumberRow[]>`
        select * from phone_numbers where organization_id = ${request.organizationId}
        order by created_at, id`;
      return { phoneNumbers: rows.map(show) };
    },
  );
  app.post(
    '/api/v1/phone-numbers',
    {
      config: auth,
      schema: {
        operationId: 'createPhoneNumber',
        summary:
          'Register a number (canonical address) for a configuration and agent, once the carrier confirms the account holds it',
        tags,
        body: phoneNumberCreateBody,
        response: {
          201: phoneNumberSchema,
          ...errorResponses(400, 409, 422, 502),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, body } = request;
      const target = await configuration(body.configurationId, organizationId);
      const address = canonicalAddress(body.address, await defaultCountryOf(sql, target.id));
      const agentId = await agent(body.agentId, organizationId);
      await proveOwnership(target.id, address);
      try {
        const [row] = await sql<NumberRow[]>`
          insert into phone_numbers (organization_id, configuration_id, address, provider, account_id, agent_id)
          values (${organizationId}, ${target.id}, ${address}, ${target.provider},
                  ${target.account_id ?? ''}, ${agentId})
          returning *`;
        return reply.code(201).send(show(row!));
      } catch (error) {
        if (uniqueViolation(error)) throw owned();
        throw error;
      }
    },
  );
  app.get(
    '/api/v1/phone-numbers/:id',
    {
      config: auth,
      schema: {
        operationId: 'getPhoneNumber',
        summary: 'Read a phone number',
        tags,
        params: idParams,
        response: { 200: phoneNumberSchema, ...errorResponses(404) },
      },
    },
    async (request) => show(await load(request.params.id, request.organizationId)),
  );
  app.put(
    '/api/v1/phone-numbers/:id',
    {
      config: auth,
      schema: {
        operationId: 'updatePhoneNumber',
        summary: 'Move a number to another configuration (proven with the carrier) or agent',
        tags,
        params: idParams,
        body: phoneNumberUpdateBody,
        response: {
          200: phoneNumberSchema,
          ...errorResponses(400, 404, 409, 422, 502),
        },
      },
    },
    async (request) => {
      const { organizationId, body } = request;
      const row = await load(request.params.id, organizationId);
      const target = body.configurationId
        ? await configuration(body.configurationId, organizationId)
        : undefined;
      const agentId =
        body.agentId === undefined ? row.agent_id : await agent(body.agentId, organizationId);
      if (target && target.id !== row.configuration_id)
        await proveOwnership(target.id, row.address);
      try {
        const [updated] = await sql<NumberRow[]>`
          update phone_numbers set
            configuration_id = ${target?.id ?? row.configuration_id},
            provider = ${target?.provider ?? row.provider},
            account_id = ${target ? (target.account_id ?? '') : sql`account_id`},
            agent_id = ${agentId}
          where id = ${row.id} returning *`;
        return show(updated!);
      } catch (error) {
        if (uniqueViolation(error)) throw owned();
        throw error;
      }
    },
  );
  app.delete(
    '/api/v1/phone-numbers/:id',
    {
      config: auth,
      schema: {
        operationId: 'deletePhoneNumber',
        summary: 'Forget a number',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const row = await load(request.params.id, request.organizationId);
      await sql`delete from phone_numbers where id = ${row.id}`;
      return reply.code(204).send(null);
    },
  );
}

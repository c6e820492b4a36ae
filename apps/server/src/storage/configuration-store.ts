import type postgres from 'postgres';

/** One configuration's sealed credentials, if it exists and is `provider`'s. */
export async function configurationCredentials(
  sql: postgres.Sql,
  configurationId: string,
  provider: string,
): Promise<{ id: string; credentials: Uint8Array } | undefined> {
  const [row] = await sql<{ id: string; credentials: Uint8Array }[]>`
    select id, credentials from telephony_configurations
    where id = ${configurationId} and provider = ${provider}`;
  return row;
}

/** A registered number an inbound call may be for, with its configuration. */
export interface InboundCandidate {
  phone_number_id: string;
  organization_id: string;
  agent_id: string | null;
  configuration_id: string;
  credentials: Uint8Array;
  is_active: boolean;
}

/**
 * The registrations of `address` with this carrier, oldest first: in the
 * account the carrier named, or in every account when it names none (the
 * webhook's signature then tells whose it is).
 */
export async function inboundCandidates(
  sql: postgres.Sql,
  provider: string,
  address: string,
  accountId: string | undefined,
): Promise<InboundCandidate[]> {
  return sql<InboundCandidate[]>`
    select p.id as phone_number_id, p.organization_id, p.agent_id,
           t.id as configuration_id, t.credentials, t.is_active
    from phone_numbers p join telephony_configurations t on t.id = p.configuration_id
    where p.provider = ${provider} and p.address = ${address}
      and (${accountId ?? null}::text is null or p.account_id = ${accountId ?? null})
    order by p.created_at
    limit 10`;
}

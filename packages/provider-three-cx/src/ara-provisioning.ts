import { CarrierApiError } from '@patchbay/core';
import type { Sql, TransactionSql } from 'postgres';
import { INBOUND_CONTEXT, STASIS_VARIABLE } from './dialplan.js';
import { endpointId } from './endpoint-id.js';
import type { ThreeCxConfig } from './three-cx-config.js';

/** The Stasis application of a configuration: minted on create; one saved before that uses the ARI user. */
export function threeCxStasisApplication(config: ThreeCxConfig): string {
  return config.stasis_app_name ?? config.app_name;
}

/** The endpoint id of a configuration. */
export const threeCxEndpointId = (config: Pick<ThreeCxConfig, 'sip_domain' | 'extension'>) =>
  endpointId(config.sip_domain, config.extension);

/** Every ARA row one configuration needs, by table; pure, so the rows can be checked without a database. */
export interface AraRows {
  readonly ps_auths: Record<string, string | number>;
  readonly ps_aors: Record<string, string | number>;
  readonly ps_endpoints: Record<string, string | number>;
  readonly ps_registrations: Record<string, string | number>;
}

/** `1156.3cx.cloud:5070` as its host and the SIP URI it is reached at. */
function sipTarget(domain: string): { host: string; uri: string } {
  return { host: domain.replace(/:\d+$/, ''), uri: `sip:${domain}` };
}

export function araRows(config: ThreeCxConfig): AraRows {
  const id = threeCxEndpointId(config);
  const target = sipTarget(config.sip_domain);
  return {
    ps_auths: {
      id,
      auth_type: 'userpass',
      username: config.extension,
      password: config.sip_password,
    },
    ps_aors: {
      id,
      // Without a contact chan_pjsip has no URI to send Dial() to.
      contact: target.uri,
      max_contacts: 1,
      qualify_frequency: 60,
    },
    ps_endpoints: {
      id,
      transport: config.transport_name,
      aors: id,
      // No inbound `auth`: 3CX's INVITEs to the registered contact would be
      // challenged, and a registration-based trunk does not answer challenges.
      // They are tied to this endpoint by the registration's `line` instead.
      outbound_auth: id,
      context: INBOUND_CONTEXT,
      set_var: `${STASIS_VARIABLE}=${threeCxStasisApplication(config)},inbound,${id}`,
      disallow: 'all',
      allow: 'ulaw,alaw',
      from_domain: target.host,
      from_user: config.extension,
      identify_by: 'username',
    },
    ps_registrations: {
      id,
      transport: config.transport_name,
      outbound_auth: id,
      server_uri: target.uri,
      client_uri: `sip:${config.extension}@${config.sip_domain}`,
      contact_user: config.extension,
      expiration: 300,
      retry_interval: 60,
      // 3CX's INVITEs come From the caller, not the extension: the registration's
      // line parameter is what ties them to this endpoint.
      line: 'yes',
      endpoint: id,
    },
  };
}

const PJSIP_TABLES = ['ps_registrations', 'ps_endpoints', 'ps_aors', 'ps_auths'] as const;

/**
 * Deletes the endpoints' rows, and the per-endpoint dialplan contexts that
 * versions before 0.2 wrote to a realtime `extensions` table, if there is one.
 */
async function deleteEndpoints(
  tx: TransactionSql,
  ids: readonly string[],
  tables: readonly (typeof PJSIP_TABLES)[number][] = PJSIP_TABLES,
): Promise<void> {
  for (const table of tables) await tx`delete from ${tx(table)} where id in ${tx(ids)}`;
  if (tables !== PJSIP_TABLES) return;
  const [legacy] = await tx<{ present: boolean }[]>`
    select to_regclass('extensions') is not null as present`;
  if (!legacy?.present) return;
  const contexts = ids.flatMap((id) => [`${id}-inbound`, `${id}-outbound`]);
  await tx`delete from extensions where context in ${tx(contexts)}`;
}

/**
 * A database failure as a typed error. postgres.js errors carry the query's
 * parameters (the SIP password among them), so only the server's message
 * and code travel on; the original error is never attached.
 */
function araFailure(operation: string, error: unknown): CarrierApiError {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return new CarrierApiError({
    provider: 'three_cx',
    operation,
    message: `${typeof message === 'string' ? message : 'database error'}. Nothing was changed in Asterisk's realtime tables`,
    ...(typeof code === 'string' ? { carrierCode: code } : {}),
  });
}

/**
 * Writes the extension's PJSIP registration, endpoint, auth and AOR into
 * Asterisk's realtime tables in one transaction. Running it again writes
 * the same rows. It does not make Asterisk act on them: see
 * {@link reloadRegistrations}.
 *
 * @throws CarrierApiError when the database refuses; nothing is written then
 */
export async function provisionThreeCx(ara: Sql, config: ThreeCxConfig): Promise<AraRows> {
  const rows = araRows(config);
  try {
    await ara.begin(async (tx) => {
      await deleteEndpoints(tx, [rows.ps_auths['id'] as string]);
      await tx`insert into ps_auths ${tx(rows.ps_auths)}`;
      await tx`insert into ps_aors ${tx(rows.ps_aors)}`;
      await tx`insert into ps_endpoints ${tx(rows.ps_endpoints)}`;
      await tx`insert into ps_registrations ${tx(rows.ps_registrations)}`;
    });
  } catch (error) {
    throw araFailure('provision Asterisk realtime', error);
  }
  return rows;
}

/**
 * Whether Asterisk's realtime tables hold an endpoint with this id already.
 *
 * @throws CarrierApiError when the database cannot be asked
 */
export async function endpointExists(ara: Sql, id: string): Promise<boolean> {
  try {
    return (await ara`select 1 from ps_endpoints where id = ${id}`).length > 0;
  } catch (error) {
    throw araFailure('look up the Asterisk endpoint', error);
  }
}

/**
 * Removes only the extension's registration row, so a reload of the
 * registration module sends its un-REGISTER while the auth still exists.
 *
 * @throws CarrierApiError when the database refuses
 */
export async function removeRegistration(ara: Sql, config: ThreeCxConfig): Promise<void> {
  try {
    await ara.begin((tx) => deleteEndpoints(tx, [threeCxEndpointId(config)], ['ps_registrations']));
  } catch (error) {
    throw araFailure('remove the Asterisk registration', error);
  }
}

/**
 * Removes the extension's rows in one transaction; rows already gone are fine.
 *
 * @throws CarrierApiError when the database refuses; nothing is removed then
 */
export async function deprovisionThreeCx(ara: Sql, config: ThreeCxConfig): Promise<void> {
  try {
    await ara.begin((tx) => deleteEndpoints(tx, [threeCxEndpointId(config)]));
  } catch (error) {
    throw araFailure('deprovision Asterisk realtime', error);
  }
}

import { CarrierApiError } from '@patchbay/core';
import type { Sql, TransactionSql } from 'postgres';
import { type DialplanRow, dialplanRows } from './dialplan.js';
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
  readonly extensions: readonly DialplanRow[];
}

export function araRows(config: ThreeCxConfig): AraRows {
  const id = threeCxEndpointId(config);
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
      contact: `sip:${config.sip_domain}`,
      max_contacts: 1,
      qualify_frequency: 60,
    },
    ps_endpoints: {
      id,
      transport: config.transport_name,
      aors: id,
      auth: id,
      outbound_auth: id,
      context: `${id}-inbound`,
      disallow: 'all',
      allow: 'ulaw,alaw',
      from_domain: config.sip_domain,
      from_user: config.extension,
      identify_by: 'auth_username,username',
    },
    ps_registrations: {
      id,
      transport: config.transport_name,
      outbound_auth: id,
      server_uri: `sip:${config.sip_domain}`,
      client_uri: `sip:${config.extension}@${config.sip_domain}`,
      contact_user: config.extension,
      expiration: 300,
      retry_interval: 60,
      // 3CX's INVITEs come From the caller, not the extension: the registration's
      // line parameter is what ties them to this endpoint.
      line: 'yes',
      endpoint: id,
    },
    extensions: dialplanRows({
      endpointId: id,
      extension: config.extension,
      stasisApp: threeCxStasisApplication(config),
      stripPrefix: config.strip_prefix,
    }),
  };
}

const PJSIP_TABLES = ['ps_registrations', 'ps_endpoints', 'ps_aors', 'ps_auths'] as const;

async function deleteEndpoints(tx: TransactionSql, ids: readonly string[]): Promise<void> {
  for (const table of PJSIP_TABLES) await tx`delete from ${tx(table)} where id in ${tx(ids)}`;
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
 * Writes the extension's PJSIP registration, endpoint and dialplan into
 * Asterisk's realtime tables in one transaction: the rows of `config`, and
 * of `previous` removed (a changed domain or extension must not leave a
 * registration behind that keeps registering to 3CX). Running it again
 * writes the same rows.
 *
 * @throws CarrierApiError when the database refuses; nothing is written then
 */
export async function provisionThreeCx(
  ara: Sql,
  config: ThreeCxConfig,
  previous?: ThreeCxConfig,
): Promise<AraRows> {
  const rows = araRows(config);
  const ids = [
    ...new Set([rows.ps_auths['id'] as string, ...(previous ? [threeCxEndpointId(previous)] : [])]),
  ];
  try {
    await ara.begin(async (tx) => {
      await deleteEndpoints(tx, ids);
      await tx`insert into ps_auths ${tx(rows.ps_auths)}`;
      await tx`insert into ps_aors ${tx(rows.ps_aors)}`;
      await tx`insert into ps_endpoints ${tx(rows.ps_endpoints)}`;
      await tx`insert into ps_registrations ${tx(rows.ps_registrations)}`;
      await tx`insert into extensions ${tx(rows.extensions as DialplanRow[])}`;
    });
  } catch (error) {
    throw araFailure('provision Asterisk realtime', error);
  }
  return rows;
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

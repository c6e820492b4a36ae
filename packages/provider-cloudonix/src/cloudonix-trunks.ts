import { CarrierApiError, ConfigurationError, type Logger } from '@patchbay/core';
import {
  type CloudonixListedTrunk,
  cloudonixCreatedTrunk,
  cloudonixListedTrunks,
  readCloudonix,
} from './cloudonix-api-types.js';
import {
  CLOUDONIX_REGIONS,
  type CloudonixConfig,
  type CloudonixTrunk,
} from './cloudonix-config.js';

type Json = Record<string, unknown>;

/** How the trunk code reaches the API: the spec's request helper, bound to a configuration. */
export type CloudonixCall = (
  operation: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options?: { json?: unknown; ok?: readonly number[] },
) => Promise<{ status: number; body: unknown }>;

// Profile keys Patchbay owns; any other key someone set at Cloudonix is kept on update.
const MANAGED_PROFILE_KEYS = [
  'hostname',
  'domain',
  'ruri-domain',
  'connection-timeout',
  'provisional-timeout',
  'authentication',
];

/** A trunk as Patchbay writes it. */
export interface DesiredTrunk extends Json {
  readonly profile: Readonly<Record<string, unknown>>;
}

/** The trunk as Cloudonix should hold it: out through the region's edge to the SIP domain. */
export function desiredTrunk(trunk: CloudonixTrunk): DesiredTrunk {
  const region = CLOUDONIX_REGIONS[trunk.region as keyof typeof CLOUDONIX_REGIONS];
  return {
    name: trunk.name,
    ip: region.edgeIp,
    port: region.sipPort,
    transport: 'udp',
    prefix: '',
    direction: 'public-outbound',
    profile: { domain: trunk.sip_domain, 'ruri-domain': trunk.sip_domain },
  };
}

const trunksPath = (config: CloudonixConfig) =>
  `/domains/${encodeURIComponent(config.domain_id)}/trunks`;

async function listTrunks(
  call: CloudonixCall,
  config: CloudonixConfig,
): Promise<CloudonixListedTrunk[]> {
  const { status, body } = await call('list trunks', 'GET', trunksPath(config), { ok: [200, 404] });
  if (status === 404) return [];
  return readCloudonix(cloudonixListedTrunks, body, 'list trunks');
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The update that makes `existing` what `desired` says, or undefined when nothing differs. */
export function trunkUpdate(
  existing: CloudonixListedTrunk,
  desired: DesiredTrunk,
): DesiredTrunk | undefined {
  const existingProfile = existing.profile ?? {};
  const kept = Object.fromEntries(
    Object.entries(existingProfile).filter(([key]) => !MANAGED_PROFILE_KEYS.includes(key)),
  );
  const update: DesiredTrunk = {
    ...desired,
    active: true,
    profile: { ...kept, ...desired.profile },
  };
  const differs = ['name', 'ip', 'transport', 'prefix', 'direction', 'active'].some(
    (key) => !sameValue(existing[key], update[key]),
  );
  const portDiffers = Number(existing['port']) !== update['port'];
  const profileDiffers = !sameValue(
    Object.fromEntries(Object.entries(existingProfile).sort()),
    Object.fromEntries(Object.entries(update.profile).sort()),
  );
  return differs || portDiffers || profileDiffers ? update : undefined;
}

async function deactivate(
  call: CloudonixCall,
  config: CloudonixConfig,
  listed: readonly CloudonixListedTrunk[],
  uuid: string,
): Promise<void> {
  const existing = listed.find((trunk) => trunk.uuid === uuid);
  if (!existing || existing.active === false) return;
  await call('deactivate trunk', 'PUT', `${trunksPath(config)}/${encodeURIComponent(uuid)}`, {
    json: { active: false },
    ok: [200, 204],
  });
}

/**
 * Makes the domain's outbound trunks match the configuration: creates or
 * updates enabled ones (a PUT only when something differs), deactivates
 * disabled ones and those the configuration no longer lists. Only trunks
 * whose uuid Patchbay stored are ever deactivated, never one matched by
 * name alone, and none is deleted. Returns the uuids by trunk name.
 */
export async function applyCloudonixTrunks(
  call: CloudonixCall,
  config: CloudonixConfig,
  storedIds: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  if (config.trunks.length === 0 && Object.keys(storedIds).length === 0) return {};
  const listed = await listTrunks(call, config);
  const ids: Record<string, string> = {};
  for (const trunk of config.trunks) {
    const storedId = storedIds[trunk.name];
    const byId = storedId ? listed.find((item) => item.uuid === storedId) : undefined;
    const byName = listed.filter((item) => item.name === trunk.name);
    const existing = byId ?? byName.find((item) => item.direction === 'public-outbound');
    if (!existing && byName.length > 0)
      throw new ConfigurationError(
        `The Cloudonix domain already has a trunk named ${JSON.stringify(trunk.name)} for another direction; choose another name`,
        { code: 'trunk_name_taken' },
      );
    if (!trunk.enabled) {
      if (storedId) {
        await deactivate(call, config, listed, storedId);
        ids[trunk.name] = storedId;
      }
      continue;
    }
    const desired = desiredTrunk(trunk);
    if (existing?.uuid !== undefined) {
      const uuid = existing.uuid;
      const update = trunkUpdate(existing, desired);
      if (update)
        await call('update trunk', 'PUT', `${trunksPath(config)}/${encodeURIComponent(uuid)}`, {
          json: update,
          ok: [200, 204],
        });
      ids[trunk.name] = uuid;
      continue;
    }
    const { body } = await call('create trunk', 'POST', trunksPath(config), {
      json: desired,
      ok: [200, 201],
    });
    let uuid = readCloudonix(cloudonixCreatedTrunk, body ?? {}, 'create trunk').uuid;
    if (uuid === undefined) {
      const again = await listTrunks(call, config);
      uuid = again.find((item) => item.name === trunk.name)?.uuid;
    }
    if (uuid === undefined)
      throw new CarrierApiError({
        provider: 'cloudonix',
        operation: 'create trunk',
        message: 'Cloudonix did not return the new trunk’s uuid',
      });
    ids[trunk.name] = uuid;
  }
  for (const [name, uuid] of Object.entries(storedIds))
    if (!(name in ids)) await deactivate(call, config, listed, uuid);
  return ids;
}

/** Deactivates every trunk Patchbay created for the configuration; best effort, as deleting must not be blocked by Cloudonix. */
export async function deactivateCloudonixTrunks(
  call: CloudonixCall,
  config: CloudonixConfig,
  logger: Logger,
): Promise<void> {
  const ids = Object.values(config.trunk_ids ?? {});
  if (ids.length === 0) return;
  try {
    const listed = await listTrunks(call, config);
    for (const uuid of ids) await deactivate(call, config, listed, uuid);
  } catch (error) {
    logger.warn(
      { provider: 'cloudonix', domain: config.domain_id, error: String(error) },
      'could not deactivate the configuration’s Cloudonix trunks',
    );
  }
}

/**
 * The trunk a call from `callerId` leaves through: the trunk that number is
 * assigned to if that trunk is enabled (assigned to a disabled one: none),
 * else the only enabled trunk, else none (Cloudonix chooses).
 */
export function pinnedTrunk(config: CloudonixConfig, callerId: string): string | undefined {
  const assigned = config.trunks.find((trunk) => trunk.numbers.includes(callerId));
  if (assigned) return assigned.enabled ? assigned.name : undefined;
  const enabled = config.trunks.filter((trunk) => trunk.enabled);
  return enabled.length === 1 ? enabled[0]!.name : undefined;
}

import { randomBytes } from 'node:crypto';
import type { ProviderHookContext } from '@patchbay/core';
import {
  cloudonixCreatedApplication,
  cloudonixDomain,
  readCloudonix,
} from './cloudonix-api-types.js';
import type { CloudonixConfig } from './cloudonix-config.js';
import { applyCloudonixTrunks } from './cloudonix-trunks.js';

/** The spec's request helper: one Cloudonix API call with a configuration's bearer token. */
export type CloudonixConfiguredCall = (
  config: CloudonixConfig,
  operation: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options?: { json?: unknown; ok?: readonly number[] },
) => Promise<{ status: number; body: unknown }>;

/**
 * What a configuration needs on Cloudonix before it is stored, made or found
 * there: the domain's uuid, a voice application pointing at the host (made
 * when there is none, or when the domain changed under a hand-named one) set
 * as the domain's default, and the SIP trunks the configuration lists.
 * Returns the configuration with the ids it learned.
 */
export async function provisionCloudonix(
  next: CloudonixConfig,
  previous: CloudonixConfig | undefined,
  context: ProviderHookContext,
  request: CloudonixConfiguredCall,
): Promise<CloudonixConfig> {
  let config = next;
  const domain = encodeURIComponent(config.domain_id);
  if (!config.domain_uuid) {
    const { body } = await request(
      config,
      'look up domain',
      'GET',
      `/customers/self/domains/${domain}`,
    );
    config = {
      ...config,
      domain_uuid: readCloudonix(cloudonixDomain, body, 'look up domain').uuid,
    };
  }
  // An application named by hand on another domain is that domain's: make a new one.
  const movedDomain =
    previous !== undefined &&
    previous.domain_id !== config.domain_id &&
    config.application_name === previous.application_name;
  if (!config.application_name || movedDomain) {
    const name = `patchbay-${randomBytes(6).toString('hex')}`;
    const { body } = await request(
      config,
      'create voice application',
      'POST',
      `/customers/self/domains/${domain}/applications`,
      {
        json: { name, type: 'cxml', url: context.inboundWebhookUrl, method: 'POST' },
        ok: [200, 201],
      },
    );
    const created = readCloudonix(cloudonixCreatedApplication, body, 'create voice application');
    await request(config, 'set default application', 'PUT', `/customers/self/domains/${domain}`, {
      json: { defaultApplication: created.id },
      ok: [200, 204],
    });
    config = {
      ...config,
      application_name: created.name ?? name,
      application_id: created.id,
      ...(created.uuid === undefined ? {} : { application_uuid: created.uuid }),
    };
  }
  const trunkIds = await applyCloudonixTrunks(
    (operation, method, path, options) => request(config, operation, method, path, options),
    config,
    config.trunk_ids ?? {},
  );
  const { trunk_ids: _previousIds, ...rest } = config;
  return Object.keys(trunkIds).length > 0 ? { ...rest, trunk_ids: trunkIds } : rest;
}

import { CarrierApiError } from '@patchbay/core';
import { ariFetch } from '@patchbay/provider-ari';
import type { ThreeCxConfig } from './three-cx-config.js';

const RELOAD_TIMEOUT_MS = 10_000;
export const REGISTRATION_MODULE = 'res_pjsip_outbound_registration.so';

/**
 * Asks the configuration's Asterisk (over ARI) to reload its outbound
 * registration module. Asterisk reads realtime registrations only when that
 * module loads or reloads, so without this a saved extension never
 * registers and a deleted one stays registered (seen on Asterisk 22.11).
 *
 * @throws CarrierApiError when Asterisk cannot be reached or refuses
 */
export async function reloadRegistrations(
  config: Pick<ThreeCxConfig, 'ari_endpoint' | 'app_name' | 'app_password'>,
): Promise<void> {
  let response: Response;
  try {
    response = await ariFetch(
      {
        ariEndpoint: config.ari_endpoint,
        username: config.app_name,
        password: config.app_password,
      },
      `/asterisk/modules/${REGISTRATION_MODULE}`,
      { method: 'PUT', timeoutMs: RELOAD_TIMEOUT_MS },
    );
  } catch (cause) {
    throw new CarrierApiError(
      {
        provider: 'three_cx',
        operation: 'reload registrations',
        message: `Asterisk could not be asked to reload ${REGISTRATION_MODULE}: ${(cause as Error).message}`,
      },
      { cause },
    );
  }
  await response.body?.cancel();
  if (!response.ok)
    throw new CarrierApiError({
      provider: 'three_cx',
      operation: 'reload registrations',
      message:
        response.status === 401
          ? 'Asterisk refused the ARI user and password'
          : `Asterisk answered the reload of ${REGISTRATION_MODULE} with ${response.status}`,
      statusCode: response.status,
    });
}

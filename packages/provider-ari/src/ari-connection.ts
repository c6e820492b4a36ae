import { CarrierApiError } from '@patchbay/core';
import { type AriClient, connect } from 'ari-client';
import type { AriConfig } from './ari-config.js';

/** The Stasis application of a configuration: minted on create; legacy ones without it used the ARI user. */
export function stasisApplication(config: AriConfig): string {
  return config.stasis_app_name ?? config.app_name;
}

/** Connects ari-client, which loads the API from the Asterisk it talks to. @throws CarrierApiError */
export async function connectAri(config: AriConfig): Promise<AriClient> {
  try {
    return await connect(config.ari_endpoint, config.app_name, config.app_password);
  } catch (error) {
    throw new CarrierApiError(
      { provider: 'ari', operation: 'connect', message: ariMessage(error), ...statusOf(error) },
      { cause: error },
    );
  }
}

function ariMessage(error: unknown): string {
  const text = (error as { message?: unknown })?.message;
  if (typeof text === 'string' && text !== '') {
    try {
      const parsed = JSON.parse(text) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      // plain text
    }
    return text.split('\n')[0]!;
  }
  return String(error);
}

function statusOf(error: unknown): { statusCode?: number } {
  const text = ariMessage(error).toLowerCase();
  if (text.includes('not found')) return { statusCode: 404 };
  if (text.includes('authentication') || text.includes('unauthorized')) return { statusCode: 401 };
  return {};
}

/** Runs an ari-client call, turning failures into typed errors (404 when ARI says not found). */
export async function callAri<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new CarrierApiError(
      { provider: 'ari', operation, message: ariMessage(error), ...statusOf(error) },
      { cause: error },
    );
  }
}

/** The same, where "not found" means the work is already done. */
export async function callAriIgnoringMissing(
  operation: string,
  call: () => Promise<unknown>,
): Promise<void> {
  try {
    await callAri(operation, call);
  } catch (error) {
    if (!(CarrierApiError.isInstance(error) && error.statusCode === 404)) throw error;
  }
}

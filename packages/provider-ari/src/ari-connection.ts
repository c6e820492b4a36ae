import { CarrierApiError, PatchbayError } from '@patchbay/core';
import { type AriClient, connect } from 'ari-client';
import type { AsteriskTarget } from './asterisk-target.js';

/** Connects ari-client, which loads the API from the Asterisk it talks to. @throws CarrierApiError */
export async function connectAri(target: AsteriskTarget): Promise<AriClient> {
  try {
    return await connect(target.ariEndpoint, target.username, target.password);
  } catch (error) {
    throw new CarrierApiError(
      {
        provider: target.provider,
        operation: 'connect',
        message: ariMessage(error),
        ...statusOf(error),
      },
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

/**
 * Runs an ari-client call, turning Asterisk's failures into typed errors
 * (404 when ARI says not found). A Patchbay error raised while preparing the
 * call (a refused destination) is the caller's, and passes through as is.
 */
export async function callAri<T>(
  operation: string,
  call: () => Promise<T>,
  provider = 'ari',
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (PatchbayError.isInstance(error)) throw error;
    throw new CarrierApiError(
      { provider, operation, message: ariMessage(error), ...statusOf(error) },
      { cause: error },
    );
  }
}

/** The same, where "not found" means the work is already done. */
export async function callAriIgnoringMissing(
  operation: string,
  call: () => Promise<unknown>,
  provider = 'ari',
): Promise<void> {
  try {
    await callAri(operation, call, provider);
  } catch (error) {
    if (!(CarrierApiError.isInstance(error) && error.statusCode === 404)) throw error;
  }
}

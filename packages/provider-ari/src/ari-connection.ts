import { CarrierApiError, PatchbayError } from '@patchbay/core';
import { type AriClient, connect } from 'ari-client';
import { loadWithAriCredentials, withAriCredentials } from './ari-credentials.js';
import type { AsteriskTarget } from './asterisk-target.js';

const PROBE_TIMEOUT_MS = 10_000;

/**
 * A plain HTTP request to ARI (`path` below `/ari`), with the credentials in
 * the header only: an endpoint URL holding some must not echo them anywhere.
 * For what ari-client cannot do or must not be trusted with.
 */
export function ariFetch(
  target: Pick<AsteriskTarget, 'ariEndpoint' | 'username' | 'password'>,
  path: string,
  options: { readonly method?: string; readonly timeoutMs?: number } = {},
): Promise<Response> {
  const endpoint = new URL(`${target.ariEndpoint.replace(/\/+$/, '')}/ari${path}`);
  endpoint.username = '';
  endpoint.password = '';
  return fetch(endpoint, {
    method: options.method ?? 'GET',
    headers: {
      authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`,
    },
    signal: AbortSignal.timeout(options.timeoutMs ?? PROBE_TIMEOUT_MS),
  });
}

const fetchDefinition = (target: AsteriskTarget, path: string) => ariFetch(target, path);

function refused(target: AsteriskTarget, status: number, what: string): CarrierApiError {
  return new CarrierApiError({
    provider: target.provider,
    operation: 'connect',
    message:
      status === 401
        ? 'Asterisk refused the ARI user and password'
        : `Asterisk answered ${what} with ${status}`,
    statusCode: status,
  });
}

/**
 * Asks Asterisk for every API definition ari-client will load. swagger-client
 * throws an uncatchable error (it ends the process) when any of them answers
 * anything but success, as a real Asterisk whose `make install` stopped before
 * installing its rest-api files does for all but resources.json.
 * @throws CarrierApiError unless every one answers 200
 */
async function probeAri(target: AsteriskTarget): Promise<void> {
  const index = await fetchDefinition(target, '/api-docs/resources.json');
  if (!index.ok) {
    await index.body?.cancel();
    throw refused(target, index.status, 'the API definitions');
  }
  const listed = ((await index.json()) as { apis?: { path?: unknown }[] }).apis ?? [];
  for (const api of listed) {
    if (typeof api.path !== 'string') continue;
    const path = api.path.replace('{format}', 'json');
    const definition = await fetchDefinition(target, path);
    await definition.body?.cancel();
    if (!definition.ok) throw refused(target, definition.status, `the API definition ${path}`);
  }
}

/**
 * Connects ari-client, which loads the API from the Asterisk it talks to.
 * Asterisk is asked first, with the configuration's credentials: swagger-client
 * throws an uncatchable error (it would end the process) when the API
 * definitions answer anything but success.
 * @throws CarrierApiError
 */
export async function connectAri(target: AsteriskTarget, timeoutMs?: number): Promise<AriClient> {
  try {
    await probeAri(target);
    return await loadWithAriCredentials(
      target,
      () => connect(target.ariEndpoint, target.username, target.password),
      timeoutMs,
    );
  } catch (error) {
    if (PatchbayError.isInstance(error)) throw error;
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
  /** Whose credentials the call goes out with; required once several Asterisks are in use. */
  target?: AsteriskTarget,
): Promise<T> {
  try {
    return await (target ? withAriCredentials(target, call) : call());
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
  target?: AsteriskTarget,
): Promise<void> {
  try {
    await callAri(operation, call, provider, target);
  } catch (error) {
    if (!(CarrierApiError.isInstance(error) && error.statusCode === 404)) throw error;
  }
}

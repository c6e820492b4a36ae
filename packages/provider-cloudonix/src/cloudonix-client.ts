import { CarrierApiError } from '@patchbay/core';
import { request as undiciRequest } from 'undici';
import { VERSION } from './version.js';

/** Where the Cloudonix API is (a simulator in tests). */
export interface CloudonixClientSettings {
  /** Default `https://api.cloudonix.io`. */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
}

/** One call to the Cloudonix REST API with the domain's API key. @throws CarrierApiError */
export async function cloudonixRequest(
  settings: CloudonixClientSettings,
  token: string,
  operation: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { json?: unknown; ok?: readonly number[] } = {},
): Promise<{ status: number; body: unknown }> {
  const base = (settings.baseUrl ?? 'https://api.cloudonix.io').replace(/\/+$/, '');
  let response: Awaited<ReturnType<typeof undiciRequest>>;
  try {
    response = await undiciRequest(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'user-agent': `patchbay-provider-cloudonix/${VERSION}`,
        ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
      headersTimeout: settings.timeoutMs ?? 10_000,
      bodyTimeout: settings.timeoutMs ?? 10_000,
    });
  } catch (cause) {
    throw new CarrierApiError(
      { provider: 'cloudonix', operation, message: `no response (${(cause as Error).message})` },
      { cause },
    );
  }
  const text = await response.body.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message.
  }
  const ok = options.ok ?? [200];
  if (!ok.includes(response.statusCode)) {
    const message =
      typeof body === 'object' && body !== null
        ? String((body as Record<string, unknown>)['message'] ?? JSON.stringify(body).slice(0, 200))
        : String(body ?? '').slice(0, 200);
    // 429: Cloudonix allows 10 requests per domain per 10 seconds.
    throw new CarrierApiError({
      provider: 'cloudonix',
      operation,
      message: message || 'no details',
      statusCode: response.statusCode,
    });
  }
  return { status: response.statusCode, body };
}

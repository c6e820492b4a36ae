import { CarrierApiError } from '@patchbay/core';
import { request as undiciRequest } from 'undici';
import { VERSION } from './version.js';

/** Where the Vobiz API is (a simulator in tests), and how long to wait for it. */
export interface VobizClientSettings {
  /** Default `https://api.vobiz.ai/api`. */
  readonly baseUrl?: string;
  /** Per request, milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
}

export interface VobizCredentials {
  readonly auth_id: string;
  readonly auth_token: string;
}

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * One call to Vobiz's REST API, authenticated with the X-Auth-ID and
 * X-Auth-Token headers; `path` is relative to the account
 * (`/Call/` is `/v1/Account/{auth_id}/Call/`). Vobiz publishes no Node SDK.
 *
 * @throws CarrierApiError for no answer, or a status outside `ok`
 */
export async function vobizRequest(
  settings: VobizClientSettings,
  credentials: VobizCredentials,
  operation: string,
  method: Method,
  path: string,
  options: {
    readonly json?: unknown;
    readonly query?: Readonly<Record<string, string | number>>;
    readonly ok?: readonly number[];
  } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const base = (settings.baseUrl ?? 'https://api.vobiz.ai/api').replace(/\/+$/, '');
  const url = new URL(`${base}/v1/Account/${encodeURIComponent(credentials.auth_id)}${path}`);
  for (const [name, value] of Object.entries(options.query ?? {}))
    url.searchParams.set(name, String(value));
  const timeout = settings.timeoutMs ?? 10_000;
  let response: Awaited<ReturnType<typeof undiciRequest>>;
  try {
    response = await undiciRequest(url, {
      method,
      headers: {
        'x-auth-id': credentials.auth_id,
        'x-auth-token': credentials.auth_token,
        accept: 'application/json',
        'user-agent': `patchbay-provider-vobiz/${VERSION}`,
        ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  } catch (cause) {
    throw new CarrierApiError(
      { provider: 'vobiz', operation, message: `no response (${(cause as Error).message})` },
      { cause },
    );
  }
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const ok = options.ok ?? [200];
  if (!ok.includes(response.statusCode)) {
    const fields = (parsed ?? {}) as Record<string, unknown>;
    const detail = fields['error'] ?? fields['message'] ?? fields['detail'];
    throw new CarrierApiError({
      provider: 'vobiz',
      operation,
      message: (typeof detail === 'string' ? detail : text).slice(0, 300) || 'no details',
      statusCode: response.statusCode,
    });
  }
  if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
    throw new CarrierApiError({
      provider: 'vobiz',
      operation,
      message: `the response is not a JSON object: ${text.slice(0, 120)}`,
      statusCode: response.statusCode,
    });
  }
  return { status: response.statusCode, body: parsed as Record<string, unknown> };
}

import { CarrierApiError } from '@patchbay/core';
import { request as undiciRequest } from 'undici';
import { VERSION } from './version.js';

/** Where Vonage's APIs are; override to reach a simulator or a regional endpoint. */
export interface VonageClientSettings {
  /** Voice and Application APIs (default `https://api.nexmo.com`). */
  readonly apiBaseUrl?: string;
  /** Numbers API (default `https://rest.nexmo.com`). */
  readonly restBaseUrl?: string;
  /** Request timeout, milliseconds (default 10 000). */
  readonly timeoutMs?: number;
}

export interface VonageResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One HTTP call to Vonage; failures to connect become retryable CarrierApiErrors. */
export async function vonageFetch(
  operation: string,
  url: string,
  options: { method: string; authorization: string; json?: unknown; timeoutMs?: number },
): Promise<VonageResponse> {
  let response: Awaited<ReturnType<typeof undiciRequest>>;
  try {
    response = await undiciRequest(url, {
      method: options.method as 'GET',
      headers: {
        authorization: options.authorization,
        accept: 'application/json',
        'user-agent': `patchbay-provider-vonage/${VERSION}`,
        ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
      headersTimeout: options.timeoutMs ?? 10_000,
      bodyTimeout: options.timeoutMs ?? 10_000,
    });
  } catch (cause) {
    throw new CarrierApiError(
      { provider: 'vonage', operation, message: `no response (${(cause as Error).message})` },
      { cause },
    );
  }
  const text = await response.body.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.statusCode, body };
}

/** Throws a CarrierApiError unless the status is one of `ok`. */
export function expectStatus(
  operation: string,
  response: VonageResponse,
  ok: readonly number[],
): void {
  if (ok.includes(response.status)) return;
  const body = response.body as
    | { title?: string; detail?: string; type?: string; error_title?: string }
    | string
    | undefined;
  const message =
    typeof body === 'string'
      ? body.slice(0, 200)
      : [body?.title ?? body?.error_title, body?.detail].filter(Boolean).join(': ') || 'no details';
  throw new CarrierApiError({
    provider: 'vonage',
    operation,
    message,
    statusCode: response.status,
    ...(typeof body === 'object' && body?.type ? { carrierCode: body.type } : {}),
  });
}

export function basicAuthorization(apiKey: string, apiSecret: string): string {
  return `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
}

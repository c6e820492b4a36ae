import { CarrierApiError } from '@patchbay/core';
import Telnyx from 'telnyx';
import { VERSION } from './version.js';

/** Settings of the Telnyx REST client, beyond the API key. */
export interface TelnyxClientSettings {
  /** API base instead of `https://api.telnyx.com/v2` (a simulator, a proxy). */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  /** Retries of idempotent failures by the SDK (its default is 2). */
  readonly maxRetries?: number;
}

export function createTelnyxClient(apiKey: string, settings: TelnyxClientSettings): Telnyx {
  return new Telnyx({
    apiKey,
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    defaultHeaders: { 'x-patchbay-provider': `telnyx/${VERSION}` },
  });
}

interface TelnyxApiErrorShape {
  status?: number;
  error?: { errors?: { code?: string; title?: string; detail?: string }[] };
  message?: string;
}

/** Telnyx's own error codes on a failed request. */
export function telnyxErrorCodes(error: unknown): string[] {
  return ((error as TelnyxApiErrorShape)?.error?.errors ?? []).map((e) => String(e.code ?? ''));
}

/** Runs an SDK call, turning its failures into typed errors. */
export async function callTelnyx<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const shape = error as TelnyxApiErrorShape;
    const first = shape?.error?.errors?.[0];
    throw new CarrierApiError(
      {
        provider: 'telnyx',
        operation,
        message: first
          ? [first.title, first.detail].filter(Boolean).join(': ')
          : (shape?.message ?? String(error)).split('\n')[0]!,
        ...(typeof shape?.status === 'number' ? { statusCode: shape.status } : {}),
        ...(first?.code ? { carrierCode: first.code } : {}),
      },
      { cause: error },
    );
  }
}

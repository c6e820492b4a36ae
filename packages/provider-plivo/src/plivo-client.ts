import { CarrierApiError } from '@patchbay/core';
import * as plivo from 'plivo';

/** Settings of the Plivo REST client, beyond the account's credentials. */
export interface PlivoClientSettings {
  /**
   * An HTTP proxy for Plivo's API (a corporate proxy, or a carrier simulator
   * in tests). Plivo's SDK always addresses `https://api.plivo.com`.
   */
  readonly proxy?: string;
  /** Request timeout, milliseconds (Plivo's SDK uses 5 s for voice otherwise). */
  readonly timeoutMs?: number;
}

export type PlivoClient = InstanceType<typeof plivo.Client>;

export function createPlivoClient(
  authId: string,
  authToken: string,
  settings: PlivoClientSettings,
): PlivoClient {
  return new plivo.Client(authId, authToken, {
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
    ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
  });
}

const STATUS_OF: Record<string, number> = {
  InvalidRequestError: 400,
  AuthenticationError: 401,
  ResourceNotFoundError: 404,
  NotAcceptableError: 406,
  ServerError: 500,
};

/** The HTTP status of what Plivo's SDK threw: its error classes, an axios error, or a string. */
function statusOf(error: unknown): number | undefined {
  const candidate = error as {
    status?: unknown;
    response?: { status?: number };
    name?: string;
    constructor?: { name?: string };
  };
  if (typeof candidate?.status === 'number') return candidate.status;
  if (typeof candidate?.response?.status === 'number') return candidate.response.status;
  const name = candidate?.constructor?.name ?? candidate?.name;
  return name ? STATUS_OF[name] : undefined;
}

/** Runs an SDK call, turning its failures into typed errors. */
export async function callPlivo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    // The SDK throws its own error classes (some without a message), axios errors, or strings.
    const message = (error as { message?: unknown } | undefined)?.message;
    const text = typeof message === 'string' && message !== '' ? message : String(error);
    throw new CarrierApiError(
      {
        provider: 'plivo',
        operation,
        // The SDK sometimes throws a stack trace string; keep the first line.
        message: text.split('\n')[0]!.slice(0, 300),
        ...(status === undefined ? {} : { statusCode: status }),
      },
      { cause: error },
    );
  }
}

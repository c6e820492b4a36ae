import { CarrierApiError } from '@patchbay/core';
import twilio from 'twilio';
import { VERSION } from './version.js';

type TwilioClient = ReturnType<typeof twilio>;
type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/** Settings of the Twilio REST client, beyond the account's credentials. */
export interface TwilioClientSettings {
  /**
   * Send REST calls to this origin instead of `https://api.twilio.com` (a
   * carrier simulator in tests, or a proxy). The path stays Twilio's.
   */
  readonly baseUrl?: string;
  /** Request timeout, milliseconds (the SDK's default otherwise). */
  readonly timeoutMs?: number;
}

/**
 * The official SDK's client for one account. With `baseUrl`, its own
 * RequestClient still does the HTTP; only the origin is swapped, through the
 * SDK's `httpClient` extension point.
 */
export function createTwilioClient(
  accountSid: string,
  authToken: string,
  settings: TwilioClientSettings,
): TwilioClient {
  const inner = new twilio.RequestClient(
    settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs },
  );
  const base = settings.baseUrl?.replace(/\/+$/, '');
  const httpClient = base
    ? ({
        request: (options: RequestOptions) => {
          const target = new URL(options.uri);
          return inner.request({ ...options, uri: `${base}${target.pathname}${target.search}` });
        },
      } as unknown as InstanceType<typeof twilio.RequestClient>)
    : inner;
  return twilio(accountSid, authToken, {
    httpClient,
    userAgentExtensions: [`patchbay-provider-twilio/${VERSION}`],
  });
}

interface TwilioRestError {
  status?: number;
  code?: number;
  message?: string;
  moreInfo?: string;
}

/** Turns what the SDK threw into a {@link CarrierApiError}. */
export function twilioApiError(operation: string, error: unknown): CarrierApiError {
  const rest = error as TwilioRestError;
  const status = typeof rest?.status === 'number' ? rest.status : undefined;
  return new CarrierApiError(
    {
      provider: 'twilio',
      operation,
      message: rest?.message ?? String(error),
      ...(status === undefined ? {} : { statusCode: status }),
      ...(rest?.code === undefined ? {} : { carrierCode: rest.code }),
    },
    { cause: error },
  );
}

/** Runs an SDK call, turning its failures into typed errors. */
export async function callTwilio<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw twilioApiError(operation, error);
  }
}

export type { TwilioClient };

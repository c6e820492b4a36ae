import { markedErrorCheck, PatchbayError, type PatchbayErrorOptions } from './patchbay-error.js';

const MARKER = Symbol.for('patchbay.error.carrier-api');

/**
 * A carrier's REST API refused or failed a request. `isRetryable` follows the
 * usual HTTP rule (408, 409, 429 and 5xx, or no response at all).
 */
export class CarrierApiError extends PatchbayError {
  readonly [MARKER] = true;
  readonly provider: string;
  /** What was being done, e.g. `place call`, `list phone numbers`. */
  readonly operation: string;
  /** The carrier's HTTP status; undefined when no response arrived. */
  readonly statusCode: number | undefined;
  /** The carrier's own error code, when it sent one. */
  readonly carrierCode: string | undefined;
  readonly isRetryable: boolean;

  constructor(
    details: {
      provider: string;
      operation: string;
      message: string;
      statusCode?: number;
      carrierCode?: string | number;
      isRetryable?: boolean;
    },
    options: PatchbayErrorOptions = {},
  ) {
    const status = details.statusCode;
    super(
      status === 401 || status === 403 ? 'carrier_auth_failed' : 'carrier_api_error',
      `${details.provider} ${details.operation} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${details.message}`,
      502,
      options,
    );
    this.name = 'CarrierApiError';
    this.provider = details.provider;
    this.operation = details.operation;
    this.statusCode = status;
    this.carrierCode = details.carrierCode === undefined ? undefined : String(details.carrierCode);
    this.isRetryable =
      details.isRetryable ??
      (status === undefined || status === 408 || status === 409 || status === 429 || status >= 500);
  }

  static override isInstance = markedErrorCheck<CarrierApiError>(MARKER);

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      provider: this.provider,
      operation: this.operation,
      statusCode: this.statusCode,
      carrierCode: this.carrierCode,
      isRetryable: this.isRetryable,
    };
  }
}

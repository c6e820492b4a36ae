import { markedErrorCheck, PatchbayError, type PatchbayErrorOptions } from './patchbay-error.js';

const MARKER = Symbol.for('patchbay.error.webhook-signature');

/** Why a signature check failed. */
export type SignatureFailureReason =
  | 'missing'
  | 'mismatch'
  | 'expired'
  | 'malformed'
  | 'replayed'
  | 'not-configured';

/**
 * A webhook failed its carrier signature check. Says which URL and which
 * parameter names were checked, so a proxy rewriting the URL is easy to spot,
 * and never the secret, the expected signature or parameter values.
 */
export class WebhookSignatureError extends PatchbayError {
  readonly [MARKER] = true;
  readonly provider: string;
  readonly reason: SignatureFailureReason;
  /** The URL the signature was computed over (as the host reported it). */
  readonly url: string;
  /** Names of the parameters included in the check, in the order used. */
  readonly checkedParameters: readonly string[];

  constructor(
    provider: string,
    reason: SignatureFailureReason,
    details: { url: string; checkedParameters?: readonly string[]; hint?: string },
    options: PatchbayErrorOptions = {},
  ) {
    const parameters = details.checkedParameters ?? [];
    const message =
      `${provider} webhook signature ${reasonText[reason]} for ${details.url}` +
      (parameters.length > 0 ? ` (checked parameters: ${parameters.join(', ')})` : '') +
      (details.hint ? `. ${details.hint}` : '');
    super('webhook_signature_invalid', message, 401, options);
    this.name = 'WebhookSignatureError';
    this.provider = provider;
    this.reason = reason;
    this.url = details.url;
    this.checkedParameters = parameters;
  }

  static override isInstance = markedErrorCheck<WebhookSignatureError>(MARKER);

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      provider: this.provider,
      reason: this.reason,
      url: this.url,
      checkedParameters: this.checkedParameters,
    };
  }
}

const reasonText: Record<SignatureFailureReason, string> = {
  missing: 'is missing',
  mismatch: 'does not match',
  expired: 'is outside its allowed time window',
  malformed: 'is malformed',
  replayed: 'was already used with another request',
  'not-configured': 'cannot be checked: no verification key is configured',
};

import { markedErrorCheck, PatchbayError } from './patchbay-error.js';

const MARKER = Symbol.for('patchbay.error.unsupported-feature');

/** Features a carrier may lack. Open: a plugin may name its own. */
export type TelephonyFeature =
  | 'transfer'
  | 'answering-machine-detection'
  | 'call-cost'
  | 'phone-number-provisioning'
  | 'inbound-binding'
  | 'phone-number-listing'
  | 'mark'
  | 'clear'
  | (string & {});

/**
 * The carrier cannot do what was asked, and proceeding without it would be
 * wrong. Check the provider's `capabilities` first to avoid it. When a
 * feature is optional for the call to proceed, providers return an
 * {@link UnsupportedWarning} instead.
 */
export class UnsupportedFeatureError extends PatchbayError {
  readonly [MARKER] = true;
  readonly provider: string;
  readonly feature: TelephonyFeature;

  constructor(provider: string, feature: TelephonyFeature, details?: string) {
    super(
      'unsupported_feature',
      `${provider} does not support ${feature}${details ? `: ${details}` : ''}`,
      501,
    );
    this.name = 'UnsupportedFeatureError';
    this.provider = provider;
    this.feature = feature;
  }

  static override isInstance = markedErrorCheck<UnsupportedFeatureError>(MARKER);

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider, feature: this.feature };
  }
}

/** A feature that was asked for and skipped, while the operation went ahead. */
export interface UnsupportedWarning {
  readonly type: 'unsupported';
  readonly feature: TelephonyFeature;
  readonly details?: string;
}

import { markedErrorCheck, PatchbayError, type PatchbayErrorOptions } from './patchbay-error.js';

const MARKER = Symbol.for('patchbay.error.configuration');

/** One problem with one field of a configuration. */
export interface ConfigurationIssue {
  /** Dotted path of the field, e.g. `credentials.auth_token`; empty for the whole object. */
  readonly path: string;
  readonly message: string;
}

/**
 * A configuration is invalid or incomplete: it fails its schema, names an
 * unknown provider, or lacks something the carrier needs (a public key to
 * verify webhooks, a caller ID). Never carries secret values.
 */
export class ConfigurationError extends PatchbayError {
  readonly [MARKER] = true;
  readonly issues: readonly ConfigurationIssue[];

  constructor(
    message: string,
    options: PatchbayErrorOptions & { issues?: readonly ConfigurationIssue[]; code?: string } = {},
  ) {
    super(options.code ?? 'configuration_invalid', message, 422, options);
    this.name = 'ConfigurationError';
    this.issues = options.issues ?? [];
  }

  static override isInstance = markedErrorCheck<ConfigurationError>(MARKER);

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

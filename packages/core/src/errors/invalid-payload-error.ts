import { markedErrorCheck, PatchbayError, type PatchbayErrorOptions } from './patchbay-error.js';

const MARKER = Symbol.for('patchbay.error.invalid-payload');

/**
 * Input from outside could not be understood: a malformed webhook body, a
 * media message that fails its schema, truncated base64, a phone address
 * that is not one. The message names what was expected, never a secret.
 */
export class InvalidPayloadError extends PatchbayError {
  readonly [MARKER] = true;
  /** Where the input came from, e.g. `twilio media message`, `phone address`. */
  readonly source: string;

  constructor(source: string, message: string, options: PatchbayErrorOptions = {}) {
    super('invalid_payload', `Invalid ${source}: ${message}`, 400, options);
    this.name = 'InvalidPayloadError';
    this.source = source;
  }

  static override isInstance = markedErrorCheck<InvalidPayloadError>(MARKER);

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), source: this.source };
  }
}

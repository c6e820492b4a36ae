import { markedErrorCheck, PatchbayError, type PatchbayErrorOptions } from './patchbay-error.js';

const MARKER = Symbol.for('patchbay.error.payload-too-large');

/**
 * A request body is larger than the host accepts. Hosts answer 413 and
 * should close the connection rather than read the rest of the upload.
 */
export class PayloadTooLargeError extends PatchbayError {
  readonly [MARKER] = true;
  /** The limit that was passed, in bytes. */
  readonly limitBytes: number;

  constructor(limitBytes: number, options: PatchbayErrorOptions = {}) {
    super('payload_too_large', `The body is larger than ${limitBytes} bytes`, 413, options);
    this.name = 'PayloadTooLargeError';
    this.limitBytes = limitBytes;
  }

  static override isInstance = markedErrorCheck<PayloadTooLargeError>(MARKER);

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), limitBytes: this.limitBytes };
  }
}

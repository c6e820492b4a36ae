const MARKER = Symbol.for('patchbay.error');

/** Options every Patchbay error takes. */
export interface PatchbayErrorOptions {
  /** The error that caused this one. */
  readonly cause?: unknown;
}

/**
 * Base of every error Patchbay throws. `code` is stable across versions and
 * safe to branch on; `httpStatus` is what a host should answer with when the
 * error ends a request.
 *
 * Use {@link PatchbayError.isInstance} rather than `instanceof`: it also
 * recognises errors from a second copy of this package in `node_modules`.
 */
export class PatchbayError extends Error {
  readonly [MARKER] = true;
  readonly code: string;
  readonly httpStatus: number;

  constructor(
    code: string,
    message: string,
    httpStatus: number,
    options: PatchbayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PatchbayError';
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /** True for any Patchbay error, from this copy of the package or another. */
  static isInstance(error: unknown): error is PatchbayError {
    return typeof error === 'object' && error !== null && MARKER in error;
  }

  /** A plain object for logs and API bodies: code, message and the subclass's own safe fields. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Marks a subclass so its own `isInstance` works across package copies too. */
export function markedErrorCheck<T extends PatchbayError>(
  marker: symbol,
): (error: unknown) => error is T {
  return (error: unknown): error is T =>
    PatchbayError.isInstance(error) &&
    (error as unknown as Record<symbol, unknown>)[marker] === true;
}

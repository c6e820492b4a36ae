/** An HTTP error with a stable code, for failures that are not PatchbayErrors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Sent with the error, e.g. `retry-after`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The one shape of every error the API answers with. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

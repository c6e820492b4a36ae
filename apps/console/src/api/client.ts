import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];
export type Provider = Schemas['Provider'];
export type UiField = Schemas['UiField'];
export type Configuration = Schemas['Configuration'];
export type Call = Schemas['Call'];
export type CallDetail = Schemas['CallDetail'];
export type PhoneNumber = Schemas['PhoneNumber'];
export type Agent = Schemas['Agent'];
export type ApiKey = Schemas['ApiKey'];
export type Session = Schemas['Session'];
export type CallStatus = Call['status'];

/** What a failed request said: the server's code, message and, for a form, each field's issue. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The session's CSRF token lives in memory only; the session itself is an HttpOnly cookie.
let csrfToken: string | undefined;
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

const sendCsrfToken: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !['GET', 'HEAD', 'OPTIONS'].includes(request.method))
      request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
});
api.use(sendCsrfToken);

/** The data of a response, or its error as an {@link ApiError}. */
export async function unwrap<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  const body = (error ?? {}) as {
    error?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
  };
  throw new ApiError(
    response.status,
    body.error?.code ?? 'http_error',
    body.error?.message ?? `${response.status} ${response.statusText}`,
    body.error?.issues ?? [],
  );
}

/** The JSON body an operation takes, from the server's schema. */
export type JsonBody<
  P extends keyof paths,
  M extends 'post' | 'put' | 'patch',
> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The query parameters a GET takes. */
export type QueryOf<P extends keyof paths> = paths[P]['get'] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

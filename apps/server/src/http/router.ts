import type { IncomingMessage } from 'node:http';
import { PatchbayError, readNodeBody } from '@patchbay/core';

/** A request as route handlers see it. */
export interface RouteRequest {
  readonly raw: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
}

/** What a handler returns: a status and a JSON body (or none). */
export interface RouteResult {
  readonly status: number;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is (a carrier's XML, an empty 204), instead of `body`. */
  readonly rawBody?: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: RouteRequest) => Promise<RouteResult>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
}

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

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** Paths like `/api/v1/calls/:callId`; a parameter matches one path segment. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** Finds and runs the route; every failure becomes a JSON error with its status. */
  async handle(raw: IncomingMessage, baseUrl: string): Promise<RouteResult> {
    const url = new URL(raw.url ?? '/', baseUrl);
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== raw.method) continue;
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(
          route.names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]),
        );
      } catch {
        return { status: 400, body: errorBody('invalid_path', 'The path is not valid UTF-8') };
      }
      return this.run(route.handler, { raw, url, params });
    }
    return pathMatched
      ? { status: 405, body: errorBody('method_not_allowed', `${raw.method} is not allowed here`) }
      : { status: 404, body: errorBody('not_found', `No route for ${url.pathname}`) };
  }

  private async run(handler: RouteHandler, request: RouteRequest): Promise<RouteResult> {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof HttpError)
        return {
          status: error.status,
          body: errorBody(error.code, error.message),
          headers: error.headers,
        };
      if (PatchbayError.isInstance(error))
        return { status: error.httpStatus, body: { error: error.toJSON() } };
      throw error;
    }
  }
}

/**
 * The request's JSON body.
 * @throws PayloadTooLargeError (413) over 1 MiB
 * @throws HttpError 415 when not JSON, 400 when malformed or holding a NUL character
 */
export async function readJsonBody(request: RouteRequest): Promise<unknown> {
  const type = request.raw.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
  const body = await readNodeBody(request.raw);
  let nul: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'), (key, value) => {
      if (
        nul === undefined &&
        (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000')))
      )
        nul = key;
      return value;
    });
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON');
  }
  // PostgreSQL cannot store a NUL character in text: refuse it here, naming the field.
  if (nul !== undefined)
    throw new HttpError(
      400,
      'invalid_string',
      `${nul === '' ? 'The body' : `"${nul}"`} contains a NUL character, which cannot be stored`,
    );
  return parsed;
}

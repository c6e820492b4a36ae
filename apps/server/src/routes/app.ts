import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { type Logger, PatchbayError } from '@patchbay/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  errorBody,
  SERVER_ERRORS,
  ServerError,
  type ServerErrorCode,
} from '../services/server-errors.js';
import { csrfTokenMatches, type SessionIdentity } from '../services/sessions.js';
import { clientAddress } from './client-address.js';

/** The server's Fastify instance, typed by the zod schemas its routes declare. */
export type PatchbayApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `api-key`: the route acts for the organization of the request's bearer
     * key, or of the console session its cookie names (whose state-changing
     * requests must carry the session's CSRF token). `deployment-key`: the same, and the key must be a deployment key
     * (the first-start key, or one minted as such), since the route manages
     * organizations. `none`: open (health checks, and carriers' webhooks,
     * which verify their signatures instead). Every /api route must say which.
     */
    auth?: 'api-key' | 'deployment-key' | 'none';
  }
  interface FastifyRequest {
    /** The organization the API key acts for, on routes that take a key. */
    organizationId: string;
    /** The key itself, and what it may manage, on routes that take one. */
    apiKeyId: string;
    apiKeyScope: 'organization' | 'deployment';
    /** The console session the request came with, if it came by cookie rather than a bearer key. */
    session: SessionIdentity | null;
  }
}

/** The cookie a console session travels in (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'patchbay_session';
/** The header a session's state-changing requests echo its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every body, API or webhook, is read up to this size; larger is 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request id a client or proxy may choose; anything else gets a fresh one. */
const GIVEN_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The schema of every error body, for the OpenAPI document. */
export const errorSchema = z
  .object({
    error: z
      .object({
        code: z.string().describe(
          `Stable, safe to branch on: ${Object.entries(SERVER_ERRORS)
            .map(([code, { status, meaning }]) => `${code} (${status}: ${meaning})`)
            .join('; ')}; or a package's own (configuration_invalid, carrier_api_error, …)`,
        ),
        message: z.string().describe('For people; never a secret'),
        issues: z
          .array(
            z.object({
              path: z.string().describe('Dotted path of the field, e.g. config.auth_token'),
              message: z.string(),
            }),
          )
          .optional()
          .describe('With configuration_invalid: what is wrong with each field'),
      })
      .loose(),
  })
  .meta({ id: 'Error' });

/** Error responses for a route's schema: each status answers with {@link errorSchema}. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorSchema]));
}

export interface HttpAppOptions {
  readonly logger: Logger;
  readonly trustedProxies: readonly string[];
  /** The management API's version, for the OpenAPI document. */
  readonly version: string;
  /**
   * The largest WebSocket message read at all (the largest carrier dialect's
   * limit); each media bridge then holds its own carrier to its own.
   */
  readonly maxWebSocketMessageBytes: number;
  /** Who a console session's cookie token acts for, or undefined for none live. */
  resolveSession(token: string): Promise<SessionIdentity | undefined>;
  /** Who an API key acts for, or undefined for an unknown or revoked key. */
  resolveApiKey(
    key: string,
  ): Promise<
    { organizationId: string; keyId: string; scope: 'organization' | 'deployment' } | undefined
  >;
}

/**
 * The HTTP layer every route is declared on: zod schemas validate params
 * and bodies and make the OpenAPI document; an `auth` hook resolves API
 * keys; one error handler turns typed errors into `{ error: { code,
 * message } }` with their status; every response carries `x-request-id`,
 * which every access log line names.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<PatchbayApp> {
  const { logger } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    // Media tokens (signed JWTs, about 300 characters) travel as a path segment: carriers drop
    // a stream URL's query.
    routerOptions: { maxParamLength: 2048 },
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && GIVEN_REQUEST_ID.test(given) ? given : randomUUID();
    },
    // The server answers while it drains (503 from its own routes), then closes itself.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('organizationId', '');
  app.decorateRequest('apiKeyId', '');
  app.decorateRequest('apiKeyScope', 'organization');
  app.decorateRequest('mediaCall', null);
  app.decorateRequest('session', null);
  await app.register(fastifyCookie);

  // The API speaks JSON only (carriers' routes take any body, raw): anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Routes declare themselves whole: /api routes say how they authenticate and name
  // their operation; the methods each path answers are kept for 405's Allow header.
  const methodsByPattern = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    let entry = methodsByPattern.get(route.url);
    if (!entry) {
      entry = { pattern: pathPattern(route.url), methods: new Set() };
      methodsByPattern.set(route.url, entry);
    }
    for (const method of methods) entry.methods.add(method);
    if (methods.includes('HEAD') && methods.length === 1) return;
    if (route.url.startsWith('/api/')) {
      const auth = route.config?.auth;
      if (auth === undefined)
        throw new Error(`${methods.join(',')} ${route.url} must declare config.auth`);
      const schema = (route.schema ?? {}) as Record<string, unknown>;
      if (!schema['hide'] && typeof schema['operationId'] !== 'string')
        throw new Error(`${methods.join(',')} ${route.url} must name its operationId`);
      // What every route of its kind may answer is said once, here, not in each declaration:
      // a key can be refused (401), a body too large (413) or not JSON (415).
      const implied = [...(auth === 'none' ? [] : [401]), ...(schema['body'] ? [413, 415] : [])];
      const response = { ...(schema['response'] as Record<number, unknown> | undefined) };
      for (const status of implied) response[status] ??= errorSchema;
      route.schema = {
        ...schema,
        ...(schema['hide'] ? {} : { response }),
        // Open operations say so (an empty list), rather than leaving it unsaid.
        security: auth === 'none' ? [] : [{ apiKey: [] }, { session: [] }],
      };
    }
  });

  // Upgrades go through the same routing and hooks as any request; the media routes admit
  // a socket (its call and single-use token) in preValidation, before it is upgraded.
  await app.register(fastifyWebsocket, {
    options: { maxPayload: options.maxWebSocketMessageBytes, perMessageDeflate: false },
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Patchbay management API',
        version: options.version,
        description:
          'Carrier configurations, phone numbers, agents and calls of one organization, chosen by the API key.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, `pbk_…`' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description:
              'A console session (POST /api/v1/session); state-changing requests also send its csrfToken as X-CSRF-Token',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Schemas with a `.meta({ id })` become components, referenced where they are used; the
    // input twins of response-only schemas are referenced nowhere, so they are left out.
    transformObject: (input) => withoutUnusedSchemas(jsonSchemaTransformObject(input)),
  });

  /** The bearer key, else the session cookie; a session's unsafe requests must echo its CSRF token. */
  async function authenticate(request: FastifyRequest) {
    const authorization = request.headers.authorization;
    const cookie = request.cookies[SESSION_COOKIE];
    if (authorization === undefined && cookie !== undefined) {
      const session = await options.resolveSession(cookie);
      if (!session) throw new ServerError('unauthenticated', 'The session ended; sign in again');
      const given = request.headers[CSRF_HEADER];
      if (
        !SAFE_METHODS.has(request.method) &&
        !csrfTokenMatches(session, typeof given === 'string' ? given : undefined)
      )
        throw new ServerError(
          'csrf_token_invalid',
          `A session's ${request.method} must send its csrfToken as ${CSRF_HEADER}`,
        );
      request.session = session;
      return session;
    }
    const key = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!key)
      throw new ServerError('unauthenticated', 'Send an API key as Authorization: Bearer <key>');
    const found = await options.resolveApiKey(key);
    if (!found) throw new ServerError('unauthenticated', 'The API key is unknown or revoked');
    return found;
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const auth = request.routeOptions.config.auth;
    if (auth !== 'api-key' && auth !== 'deployment-key') return;
    const found = await authenticate(request);
    if (auth === 'deployment-key' && found.scope !== 'deployment')
      throw new ServerError(
        'deployment_key_required',
        'Managing organizations takes a deployment key (the first-start key, or one minted with scope deployment)',
      );
    request.organizationId = found.organizationId;
    request.apiKeyId = found.keyId;
    request.apiKeyScope = found.scope;
  });

  app.addHook('onResponse', async (request, reply) => {
    logger.info(
      {
        requestId: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        client: clientAddress(
          request.socket.remoteAddress,
          request.headers['x-forwarded-for'],
          options.trustedProxies,
        ),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = new Set<string>();
    for (const { pattern, methods } of methodsByPattern.values())
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    if (allowed.size > 0)
      return answer(reply, 'method_not_allowed', `${request.method} is not allowed here`, {
        allow: [...allowed].sort().join(', '),
      });
    return answer(reply, 'not_found', `No route for ${path}`);
  });

  app.setErrorHandler((error: FastifyError, request, reply) =>
    answerError(error, reply, (level, fields, message) =>
      logger[level]({ requestId: request.id, path: request.url.split('?')[0], ...fields }, message),
    ),
  );
  return app;
}

/** Answers with a catalogued error: its status, `{ error: { code, message } }`, and any headers. */
function answer(
  reply: FastifyReply,
  code: ServerErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): FastifyReply {
  return reply.code(SERVER_ERRORS[code].status).headers(headers).send(errorBody(code, message));
}

/** The status, body and headers for whatever a route threw. */
function answerError(
  error: FastifyError,
  reply: FastifyReply,
  log: (level: 'warn' | 'error', fields: Record<string, unknown>, message: string) => void,
): FastifyReply {
  if (error instanceof ServerError) {
    // The server's own refusals (draining, PUBLIC_BASE_URL unset, a carrier that said no)
    // are worth a line; faults below are errors.
    if (error.status >= 500)
      log('warn', { code: error.code, reason: error.message }, 'request refused');
    return answer(reply, error.code, error.message, error.headers);
  }
  if (PatchbayError.isInstance(error)) {
    if (error.httpStatus >= 500)
      log('warn', { error: error.toJSON() }, 'carrier or provider failed');
    return reply.code(error.httpStatus).send({ error: error.toJSON() });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const detail = error.validation
      .map(
        (issue) => `${issue.instancePath.slice(1).replaceAll('/', '.') || where}: ${issue.message}`,
      )
      .join('; ');
    return answer(reply, `invalid_${where}` as ServerErrorCode, detail);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // The rest of the upload is not read: the connection closes instead.
      return answer(reply, 'payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes`, {
        connection: 'close',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(reply, 'unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(reply, 'invalid_json', 'The body is not valid JSON');
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return reply.code(error.statusCode).send(errorBody('bad_request', error.message));
  log('error', { error: String(error) }, 'request failed');
  return answer(reply, 'internal_error', 'The server could not handle the request');
}

/**
 * A JSON body, refusing what PostgreSQL cannot store (a NUL character)
 * with a 400 that names the field.
 * @throws ServerError `invalid_json` or `invalid_string`
 */
export function parseJsonBody(text: string): unknown {
  let nul: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value) => {
      if (
        nul === undefined &&
        (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000')))
      )
        nul = key;
      return value;
    });
  } catch {
    throw new ServerError('invalid_json', 'The body is not valid JSON');
  }
  if (nul !== undefined)
    throw new ServerError(
      'invalid_string',
      `${nul === '' ? 'The body' : `"${nul}"`} contains a NUL character, which cannot be stored`,
    );
  return parsed;
}

/** The document without component schemas that nothing references. */
function withoutUnusedSchemas<T>(document: T): T {
  const { components, ...rest } = document as {
    components?: { schemas?: Record<string, unknown> };
  };
  const schemas = components?.schemas;
  if (!schemas) return document;
  // What the paths reference, then what those schemas reference in turn, until nothing new.
  const used = new Set<string>();
  let pending = [JSON.stringify(rest)];
  while (pending.length > 0) {
    const next: string[] = [];
    for (const text of pending)
      for (const name of Object.keys(schemas))
        if (!used.has(name) && text.includes(`"#/components/schemas/${name}"`)) {
          used.add(name);
          next.push(JSON.stringify(schemas[name]));
        }
    pending = next;
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...rest, components: { ...components, schemas: kept } } as T;
}

/** A route path (`/api/v1/calls/:id`, `/x/*`) as a pattern over concrete paths. */
function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? '[^/]+'
        : segment === '*'
          ? '.*'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

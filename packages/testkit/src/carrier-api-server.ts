import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The test CA that signed the simulator's certificate for carrier API host
 * names. A test process that trusts it (`NODE_EXTRA_CA_CERTS`, set before the
 * process starts) can let an SDK that only speaks to `https://api.<carrier>`
 * reach the simulator through {@link CarrierApiServer.proxyUrl}.
 */
export const TEST_CA_CERT_PATH: string = findCertificate('test-ca.pem');

function findCertificate(name: string): string {
  // From src/ in the repository or dist/ when installed: certs/ sits beside both.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'certs', name), join(here, 'certs', name)];
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/** A request the server received, as recorded. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed by content type: a form as a plain object, JSON as its value. */
  readonly parsedBody: unknown;
  /** Values of the route's `:name` segments. */
  readonly params: Readonly<Record<string, string>>;
}

/** What a route answers. */
export interface CarrierReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON with `content-type: application/json`. */
  readonly json?: unknown;
  /** Sent as is. */
  readonly body?: string;
  /** Milliseconds to wait before answering. */
  readonly delayMs?: number;
}

export type CarrierRouteHandler = (
  request: RecordedRequest,
) => CarrierReply | Promise<CarrierReply>;

/**
 * A local HTTP server that answers like a carrier's REST API. Point the
 * carrier's official SDK at `url`, declare the routes a test needs, and assert
 * on `requests` afterwards: the SDK's real HTTP goes over a real socket.
 */
export interface CarrierApiServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /**
   * An HTTP proxy (the same port) that accepts `CONNECT api.<carrier>:443`
   * and answers the tunnelled HTTPS with this server, using a certificate
   * from {@link TEST_CA_CERT_PATH}. For SDKs whose base URL is fixed but
   * which take a proxy, as a corporate network would use.
   */
  readonly proxyUrl: string;
  /** Every request, in arrival order, including ones no route matched. */
  readonly requests: RecordedRequest[];
  /**
   * Answers `method` requests to `path` (`:name` matches one segment, `*` the
   * rest); declaring the same method and path again replaces the answer.
   */
  route(method: string, path: string, handler: CarrierRouteHandler | CarrierReply): this;
  /** The recorded requests for one method and route pattern. */
  requestsTo(method: string, path: string): RecordedRequest[];
  /** Forgets recorded requests (routes stay). */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly matcher: RegExp;
  readonly names: string[];
  readonly handler: CarrierRouteHandler;
}

function compile(pattern: string): { matcher: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment === '*') {
        names.push('rest');
        return '(.*)';
      }
      // `:name` runs to the first non-word character, so `:sid.json` is a parameter and a suffix.
      return segment
        .split(/(:\w+)/)
        .map((part) => {
          if (part.startsWith(':')) {
            names.push(part.slice(1));
            return '([^/]+?)';
          }
          return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
    })
    .join('/');
  return { matcher: new RegExp(`^${source}$`), names };
}

function parseBody(contentType: string, body: string): unknown {
  if (body === '') return undefined;
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(body)) {
      const existing = form[key];
      form[key] =
        existing === undefined
          ? value
          : Array.isArray(existing)
            ? [...existing, value]
            : [existing, value];
    }
    return form;
  }
  return undefined;
}

/** Starts a {@link CarrierApiServer} on a free loopback port. */
export async function startCarrierApiServer(): Promise<CarrierApiServer> {
  const routes: Route[] = [];
  const requests: RecordedRequest[] = [];

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(incoming.url ?? '/', 'http://carrier.local');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = (incoming.method ?? 'GET').toUpperCase();
    let matched: { route: Route; params: Record<string, string> } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const match = route.matcher.exec(url.pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1]!);
      });
      matched = { route, params };
      break;
    }
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      parsedBody: parseBody(headers['content-type'] ?? '', body),
      params: matched?.params ?? {},
    };
    requests.push(recorded);
    let reply: CarrierReply;
    try {
      reply = matched
        ? await matched.route.handler(recorded)
        : { status: 404, json: { message: `No simulated route for ${method} ${url.pathname}` } };
    } catch (error) {
      reply = { status: 500, json: { message: `Simulated route threw: ${String(error)}` } };
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    const replyHeaders: Record<string, string> = { ...(reply.headers ?? {}) };
    let replyBody = reply.body ?? '';
    if (reply.json !== undefined) {
      replyHeaders['content-type'] ??= 'application/json';
      replyBody = JSON.stringify(reply.json);
    }
    outgoing.writeHead(reply.status ?? 200, replyHeaders);
    outgoing.end(replyBody);
  };

  const respond = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    handle(incoming, outgoing).catch((error) => {
      outgoing.writeHead(500);
      outgoing.end(String(error));
    });
  };
  const server: Server = createServer(respond);
  const tunnels = createTlsServer(
    {
      key: readFileSync(findCertificate('carrier.key')),
      cert: readFileSync(findCertificate('carrier.pem')),
    },
    respond,
  );
  const openSockets = new Set<Socket>();
  server.on('connect', (_request: IncomingMessage, socket: Socket, head: Buffer) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    // The TLS server takes the tunnel as if a client had connected to it.
    tunnels.emit('connection', socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: CarrierApiServer = {
    url: `http://127.0.0.1:${port}`,
    proxyUrl: `http://127.0.0.1:${port}`,
    requests,
    route(method, path, handler) {
      const { matcher, names } = compile(path);
      // Declaring a route again replaces it, so a test can change the carrier's answer midway.
      const existing = routes.findIndex(
        (route) => route.method === method.toUpperCase() && route.pattern === path,
      );
      if (existing >= 0) routes.splice(existing, 1);
      routes.push({
        method: method.toUpperCase(),
        pattern: path,
        matcher,
        names,
        handler: typeof handler === 'function' ? handler : () => handler,
      });
      return api;
    },
    requestsTo(method, path) {
      const { matcher } = compile(path);
      return requests.filter((r) => r.method === method.toUpperCase() && matcher.test(r.path));
    },
    reset() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of openSockets) socket.destroy();
        tunnels.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return api;
}

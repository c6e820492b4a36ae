import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

/** A channel as ARI describes it ("Channel" model in channels.json). */
export interface AriChannel {
  id: string;
  name: string;
  state: 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  accountcode: string;
  dialplan: {
    context: string;
    exten: string;
    priority: number;
    app_name: string;
    app_data: string;
  };
  creationtime: string;
  language: string;
}

/** How an originated call ends up: answered (the default), or destroyed with a Q.850 cause. */
export type OriginateOutcome =
  | { answer: true; afterMs?: number }
  | { cause: number; causeText: string; afterMs?: number };

/** One chan_websocket media connection the simulator opened to the host (externalMedia). */
export interface AriMediaSession {
  readonly channelId: string;
  /** The URL it connected to, query included. */
  readonly url: string;
  /** Binary frames the host sent (agent audio). */
  readonly audio: Uint8Array[];
  /** Text commands the host sent (FLUSH_MEDIA, MARK_MEDIA …, HANGUP). */
  readonly commands: string[];
  /** Sends caller audio (mu-law bytes) to the host. */
  sendAudio(bytes: Uint8Array): void;
  /** Sends a control message, e.g. `DTMF_END digit:5`. */
  sendText(text: string): void;
  close(): void;
}

export interface AriSimulatorOptions {
  readonly username?: string;
  readonly password?: string;
  /** websocket_client.conf: section name → uri, for externalMedia over chan_websocket. */
  readonly websocketClients?: Readonly<Record<string, string>>;
  /** Where the ARI api-docs JSON files are (the repository's copy by default). */
  readonly apiDocsDir?: string;
}

/** A recorded ARI REST request. */
export interface AriRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * A local Asterisk as ARI clients see it: the real API definition files
 * (so `ari-client` builds its API from them), Basic or api_key auth, the
 * events WebSocket per Stasis application, channels, bridges, and
 * externalMedia that dials out to the host like chan_websocket does. Tests
 * drive calls through it and read what the host did.
 */
export interface AriSimulator {
  /** `http://127.0.0.1:<port>` (the ARI endpoint, without `/ari`). */
  readonly url: string;
  readonly requests: AriRequest[];
  readonly channels: Map<string, AriChannel>;
  readonly bridges: Map<string, { id: string; channels: string[] }>;
  readonly mediaSessions: AriMediaSession[];
  /** Stasis applications with an open events socket. */
  applications(): string[];
  /**
   * The applications of every events socket opened so far, in order: two
   * hosts competing for one application show up here as repeated entries.
   */
  readonly eventConnections: readonly (readonly string[])[];
  /** Events sent, in order, as [application, event]. */
  readonly events: [string, Record<string, unknown>][];
  /** Decides how originated calls go (default: answered after 20 ms). */
  onOriginate(decide: (channel: AriChannel, query: URLSearchParams) => OriginateOutcome): void;
  /** A call reaching `Stasis(app)` from the dialplan. */
  placeInboundCall(options: {
    app: string;
    exten: string;
    callerNumber: string;
    answered?: boolean;
    /** The `Stasis(app,<args>)` arguments of the dialplan that sent the call; none by default. */
    args?: readonly string[];
    /** The dialplan context the call arrived in; `from-trunk` by default. */
    context?: string;
  }): AriChannel;
  sendDtmf(channelId: string, digit: string): void;
  /** The far end hangs up. */
  hangUp(channelId: string, cause?: number, causeText?: string): void;
  /** Resolves when an event matching `predicate` has been sent. */
  waitForEvent(
    predicate: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  waitForMedia(timeoutMs?: number): Promise<AriMediaSession>;
  /** Drops every events socket (the host should reconnect). */
  dropConnections(): void;
  close(): Promise<void>;
}

function defaultApiDocsDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return (
    [join(here, '..', 'ari-api-docs'), join(here, 'ari-api-docs')].find((p) => existsSync(p)) ??
    join(here, '..', 'ari-api-docs')
  );
}

function newChannel(
  id: string,
  name: string,
  state: AriChannel['state'],
  callerNumber: string,
  exten: string,
): AriChannel {
  return {
    id,
    name,
    state,
    caller: { name: '', number: callerNumber },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: { context: 'from-trunk', exten, priority: 1, app_name: 'Stasis', app_data: '' },
    creationtime: new Date().toISOString(),
    language: 'en',
  };
}

/** Starts an {@link AriSimulator} on a free loopback port. */
export async function startAriSimulator(options: AriSimulatorOptions = {}): Promise<AriSimulator> {
  const username = options.username ?? 'patchbay';
  const password = options.password ?? 'secret';
  const docsDir = options.apiDocsDir ?? defaultApiDocsDir();
  const requests: AriRequest[] = [];
  const channels = new Map<string, AriChannel>();
  const bridges = new Map<string, { id: string; channels: string[] }>();
  const mediaSessions: AriMediaSession[] = [];
  const events: [string, Record<string, unknown>][] = [];
  const sockets = new Map<string, Set<WebSocket>>();
  const channelApp = new Map<string, string>();
  const eventWaiters: {
    predicate: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }[] = [];
  const mediaWaiters: ((session: AriMediaSession) => void)[] = [];
  let decide: (channel: AriChannel, query: URLSearchParams) => OriginateOutcome = () => ({
    answer: true,
    afterMs: 20,
  });
  let base = '';

  const emit = (app: string, event: Record<string, unknown>) => {
    const full = {
      ...event,
      timestamp: new Date().toISOString(),
      application: app,
      asterisk_id: 'sim',
    };
    events.push([app, full]);
    for (const socket of sockets.get(app) ?? [])
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(full));
    for (const waiter of [...eventWaiters]) {
      if (waiter.predicate(full)) {
        eventWaiters.splice(eventWaiters.indexOf(waiter), 1);
        waiter.resolve(full);
      }
    }
  };

  const authorized = (request: IncomingMessage, url: URL) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Basic '))
      return Buffer.from(header.slice(6), 'base64').toString() === `${username}:${password}`;
    const key = url.searchParams.get('api_key');
    return key === `${username}:${password}`;
  };

  const destroy = (id: string, cause = 16, causeText = 'Normal Clearing') => {
    const channel = channels.get(id);
    if (!channel) return false;
    const app = channelApp.get(id);
    channels.delete(id);
    for (const bridge of bridges.values())
      bridge.channels = bridge.channels.filter((c) => c !== id);
    if (app) {
      emit(app, { type: 'StasisEnd', channel });
      emit(app, {
        type: 'ChannelDestroyed',
        channel: { ...channel, state: 'Down' },
        cause,
        cause_txt: causeText,
      });
    }
    for (const session of mediaSessions) if (session.channelId === id) session.close();
    return true;
  };

  const openMedia = (channel: AriChannel, uri: string) => {
    const socket = new WebSocket(uri, 'media');
    const audio: Uint8Array[] = [];
    const commands: string[] = [];
    let playedUntil = 0;
    const session: AriMediaSession = {
      channelId: channel.id,
      url: uri,
      audio,
      commands,
      sendAudio: (bytes) => socket.readyState === WebSocket.OPEN && socket.send(bytes),
      sendText: (text) => socket.readyState === WebSocket.OPEN && socket.send(text),
      close: () => socket.close(),
    };
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        audio.push(new Uint8Array(bytes));
        // Asterisk plays 160-byte ulaw frames on its own 20 ms clock.
        playedUntil = Math.max(playedUntil, Date.now()) + (bytes.length / 160) * 20;
        return;
      }
      const command = bytes.toString('utf8');
      commands.push(command);
      const [name, id] = command.split(' ');
      if (name === 'FLUSH_MEDIA') playedUntil = Date.now();
      if (name === 'MARK_MEDIA') {
        setTimeout(
          () => session.sendText(`MEDIA_MARK_PROCESSED correlation_id:${id ?? ''}`),
          Math.max(0, playedUntil - Date.now()),
        );
      }
      if (name === 'HANGUP') destroy(channel.id);
    });
    socket.on('open', () => {
      session.sendText(
        `MEDIA_START connection_id:${randomUUID()} channel:${channel.name} channel_id:${channel.id} format:ulaw optimal_frame_size:160 ptime:20`,
      );
      mediaSessions.push(session);
      for (const waiter of mediaWaiters.splice(0)) waiter(session);
      const app = channelApp.get(channel.id);
      if (app) emit(app, { type: 'StasisStart', args: [], channel });
    });
    socket.on('close', () => {
      if (channels.has(channel.id)) destroy(channel.id);
    });
    socket.on('error', () => {});
  };

  const json = (response: ServerResponse, status: number, body?: unknown) => {
    response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', base);
    const method = (request.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/ari/, '');
    requests.push({ method, path, query: url.searchParams });
    // Asterisk asks for credentials on every /ari resource, its API definitions included.
    if (!authorized(request, url)) {
      response.writeHead(401, {
        'www-authenticate': 'Basic realm="Asterisk REST Interface"',
        'content-type': 'application/json',
      });
      return response.end('{"message":"Authentication required"}');
    }
    const docs = /^\/api-docs\/(\w+)\.json$/.exec(path);
    if (docs) {
      const file = join(docsDir, `${docs[1]}.json`);
      if (!existsSync(file)) return json(response, 404, { message: 'Resource not found' });
      // Asterisk writes its own address into basePath; so does this.
      const document = JSON.parse(readFileSync(file, 'utf8'));
      document.basePath = `${base}/ari`;
      return json(response, 200, document);
    }
    const q = url.searchParams;
    const answerMatch = /^\/channels\/([^/]+)\/answer$/.exec(path);
    const channelMatch = /^\/channels\/([^/]+)$/.exec(path);
    const bridgeMemberMatch = /^\/bridges\/([^/]+)\/(addChannel|removeChannel)$/.exec(path);
    const bridgeMatch = /^\/bridges\/([^/]+)$/.exec(path);
    if (method === 'POST' && path === '/channels') {
      const app = q.get('app') ?? '';
      const endpoint = q.get('endpoint') ?? '';
      const id = q.get('channelId') ?? `sim-${randomUUID()}`;
      const channel = newChannel(
        id,
        `${endpoint}-${id.slice(-8)}`,
        'Down',
        q.get('callerId') ?? '',
        endpoint.replace(/^\w+\//, ''),
      );
      channels.set(id, channel);
      channelApp.set(id, app);
      const args = (q.get('appArgs') ?? '').split(',').filter((a) => a !== '');
      const outcome = decide(channel, q);
      setTimeout(() => {
        if (!channels.has(id)) return;
        if ('answer' in outcome) {
          channel.state = 'Up';
          emit(app, { type: 'StasisStart', args, channel });
        } else {
          destroy(id, outcome.cause, outcome.causeText);
        }
      }, outcome.afterMs ?? 20);
      return json(response, 200, channel);
    }
    if (method === 'POST' && path === '/channels/externalMedia') {
      const app = q.get('app') ?? '';
      const id = q.get('channelId') ?? `sim-ext-${randomUUID()}`;
      const host = q.get('external_host') ?? '';
      const uri = options.websocketClients?.[host];
      if (q.get('transport') !== 'websocket' || q.get('encapsulation') !== 'none')
        return json(response, 400, { message: 'only websocket/none is simulated' });
      if (!uri) return json(response, 400, { message: `No websocket client named ${host}` });
      const data = /^v\((.*)\)$/.exec(q.get('transport_data') ?? '')?.[1] ?? '';
      const query = data === '' ? '' : data.split(',').join('&');
      const channel = newChannel(id, `WebSocket/${host}/${id}`, 'Up', '', '');
      channels.set(id, channel);
      channelApp.set(id, app);
      openMedia(channel, query ? `${uri}${uri.includes('?') ? '&' : '?'}${query}` : uri);
      return json(response, 200, channel);
    }
    if (answerMatch && method === 'POST') {
      const channel = channels.get(decodeURIComponent(answerMatch[1]!));
      if (!channel) return json(response, 404, { message: 'Channel not found' });
      channel.state = 'Up';
      const app = channelApp.get(channel.id);
      if (app) emit(app, { type: 'ChannelStateChange', channel });
      return json(response, 204);
    }
    if (channelMatch) {
      const id = decodeURIComponent(channelMatch[1]!);
      if (method === 'GET')
        return channels.has(id)
          ? json(response, 200, channels.get(id))
          : json(response, 404, { message: 'Channel not found' });
      if (method === 'DELETE')
        return destroy(id)
          ? json(response, 204)
          : json(response, 404, { message: 'Channel not found' });
    }
    if (method === 'POST' && path === '/bridges') {
      const id = q.get('bridgeId') ?? `bridge-${randomUUID()}`;
      bridges.set(id, { id, channels: [] });
      return json(response, 200, {
        id,
        technology: 'simple_bridge',
        bridge_type: q.get('type') ?? 'mixing',
        bridge_class: 'stasis',
        creator: 'Stasis',
        name: q.get('name') ?? '',
        channels: [],
      });
    }
    if (bridgeMemberMatch && method === 'POST') {
      const bridge = bridges.get(decodeURIComponent(bridgeMemberMatch[1]!));
      if (!bridge) return json(response, 404, { message: 'Bridge not found' });
      const listed = (q.get('channel') ?? '').split(',').filter(Boolean);
      if (listed.some((c) => !channels.has(c)))
        return json(response, 400, { message: 'Channel not found' });
      bridge.channels =
        bridgeMemberMatch[2] === 'addChannel'
          ? [...new Set([...bridge.channels, ...listed])]
          : bridge.channels.filter((c) => !listed.includes(c));
      return json(response, 204);
    }
    if (bridgeMatch && method === 'GET') {
      const bridge = bridges.get(decodeURIComponent(bridgeMatch[1]!));
      return bridge
        ? json(response, 200, { ...bridge, technology: 'simple_bridge', bridge_type: 'mixing' })
        : json(response, 404, { message: 'Bridge not found' });
    }
    if (bridgeMatch && method === 'DELETE') {
      return bridges.delete(decodeURIComponent(bridgeMatch[1]!))
        ? json(response, 204)
        : json(response, 404, { message: 'Bridge not found' });
    }
    return json(response, 404, { message: 'Resource not found' });
  };

  const eventConnections: string[][] = [];
  const server = createServer(handle);
  const eventsServer = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', base);
    if (url.pathname !== '/ari/events' || !authorized(request, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    const apps = (url.searchParams.get('app') ?? '').split(',').filter(Boolean);
    eventsServer.handleUpgrade(request, socket, head, (ws) => {
      eventConnections.push(apps);
      for (const app of apps) {
        // Asterisk gives an application to the newest socket that registers it.
        for (const previous of sockets.get(app) ?? [])
          previous.send(JSON.stringify({ type: 'ApplicationReplaced', application: app }));
        sockets.set(app, new Set([ws]));
      }
      ws.on('close', () => {
        for (const app of apps) sockets.get(app)?.delete(ws);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    channels,
    bridges,
    mediaSessions,
    events,
    eventConnections,
    applications: () =>
      [...sockets.entries()]
        .filter(([, set]) => [...set].some((s) => s.readyState === WebSocket.OPEN))
        .map(([app]) => app),
    onOriginate(next) {
      decide = next;
    },
    placeInboundCall({ app, exten, callerNumber, answered, args = [], context }) {
      const id = `sim-in-${randomUUID()}`;
      const channel = newChannel(
        id,
        `PJSIP/trunk-${id.slice(-8)}`,
        answered ? 'Up' : 'Ring',
        callerNumber,
        exten,
      );
      if (context) channel.dialplan.context = context;
      channel.dialplan.app_data = [app, ...args].join(',');
      channels.set(id, channel);
      channelApp.set(id, app);
      emit(app, { type: 'StasisStart', args: [...args], channel });
      return channel;
    },
    sendDtmf(channelId, digit) {
      const channel = channels.get(channelId);
      const app = channelApp.get(channelId);
      if (channel && app)
        emit(app, { type: 'ChannelDtmfReceived', digit, duration_ms: 120, channel });
    },
    hangUp(channelId, cause = 16, causeText = 'Normal Clearing') {
      destroy(channelId, cause, causeText);
    },
    waitForEvent(predicate, timeoutMs = 5000) {
      const found = events.map(([, e]) => e).find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching ARI event within ${timeoutMs} ms`)),
          timeoutMs,
        );
        eventWaiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    waitForMedia(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no media connection within ${timeoutMs} ms`)),
          timeoutMs,
        );
        mediaWaiters.push((session) => {
          clearTimeout(timer);
          resolve(session);
        });
      });
    },
    dropConnections() {
      for (const set of sockets.values()) for (const socket of set) socket.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of mediaSessions) session.close();
        for (const client of eventsServer.clients) client.terminate();
        eventsServer.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

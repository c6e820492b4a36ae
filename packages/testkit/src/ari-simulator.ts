import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulawEncode } from '@patchbay/audio';
import { WebSocket, WebSocketServer } from 'ws';

/** A channel as ARI describes it ("Channel" model in channels.json). */
export interface AriChannel {
  id: string;
  name: string;
  state: 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';
  protocol_id: string;
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

/**
 * How the far end of an originated call behaves: it answers (the default),
 * or refuses with a Q.850 cause (17 busy, 21 rejected, 34 congestion, …),
 * or rings until the originate timeout runs out (19, no answer). For a
 * `Local/` endpoint this is the callee that the Local channel's dialplan
 * dials, and the events are those of the Local pair, as Asterisk sends them.
 */
export type OriginateOutcome =
  | {
      answer: true;
      afterMs?: number;
      /** The callee sends 180 Ringing before it answers (default); false answers at once with 200. */
      ringing?: boolean;
    }
  | {
      cause: number;
      causeText?: string;
      afterMs?: number;
      /**
       * The callee sends 180 Ringing before it refuses or the timeout runs
       * out. Default: true for 19 (a phone nobody picks up still rings),
       * false otherwise (a busy phone refuses at once).
       */
      ringing?: boolean;
    };

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
  /** Sends a control message as chan_websocket would, e.g. `MEDIA_XOFF`. */
  sendText(text: string): void;
  close(): void;
}

/**
 * Plays a caller on a media session: `frames` 20 ms mu-law frames of a tone,
 * one every 20 ms, then waits (5 s at most) until the host has sent back
 * `expectBytes` of audio. Resolves with how many bytes came back in all.
 */
export async function speakOnAriMedia(
  session: AriMediaSession,
  { frames = 25, expectBytes = 160 * 15 }: { frames?: number; expectBytes?: number } = {},
): Promise<number> {
  const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin(i / 3)));
  const frame = new Uint8Array(160);
  mulawEncode(tone, frame);
  for (let n = 0; n < frames; n++) {
    session.sendAudio(frame);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const received = () => session.audio.reduce((sum, chunk) => sum + chunk.length, 0);
  const deadline = Date.now() + 5000;
  while (received() < expectBytes && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return received();
}

export interface AriSimulatorOptions {
  readonly username?: string;
  readonly password?: string;
  /** websocket_client.conf: section name → uri, for externalMedia over chan_websocket. */
  readonly websocketClients?: Readonly<Record<string, string>>;
  /** Where the ARI api-docs JSON files are (the repository's copy by default). */
  readonly apiDocsDir?: string;
  /** How long chan_websocket tries an unreachable media server before the channel fails (1500 ms, as recorded). */
  readonly mediaConnectFailureMs?: number;
}

/** A recorded ARI REST request. */
export interface AriRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * A local Asterisk as ARI clients see it, re-based on recordings of a real
 * Asterisk 22 (`fixtures/asterisk/*.json`, replayed against it by its
 * tests): the real API definition files, Basic or api_key auth, the events
 * WebSocket per Stasis application with Asterisk's subscription rules (a
 * dialplan channel is the application's only while it is in Stasis unless
 * the application subscribes to it; originated and externalMedia channels
 * are subscribed from birth), channels, bridges, Local channel pairs,
 * externalMedia that dials out to the host like chan_websocket does, and
 * restarts. Tests drive calls through it and read what the host did.
 */
export interface AriSimulator {
  /** `http://127.0.0.1:<port>` (the ARI endpoint, without `/ari`). */
  readonly url: string;
  readonly requests: AriRequest[];
  /** Live channels by id. */
  readonly channels: Map<string, AriChannel>;
  readonly bridges: Map<string, { id: string; channels: string[] }>;
  readonly mediaSessions: AriMediaSession[];
  /** Stasis applications registered by an open events socket. */
  applications(): string[];
  /**
   * The applications of every events socket opened so far, in order: two
   * hosts competing for one application show up here as repeated entries.
   */
  readonly eventConnections: readonly (readonly string[])[];
  /** Events sent, in order, as [application, event]. */
  readonly events: [string, Record<string, unknown>][];
  /** Modules reloaded through `PUT /asterisk/modules/{module}`, in order. */
  readonly reloads: readonly string[];
  /** Decides how originated calls go (default: answered after 20 ms). */
  onOriginate(decide: (channel: AriChannel, query: URLSearchParams) => OriginateOutcome): void;
  /**
   * A call reaching `Stasis(app)` from the dialplan. When no events socket
   * has the application registered, Stasis() fails and the call is hung up
   * with no event, as Asterisk does.
   */
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
  /** The caller presses a key: ARI's ChannelDtmfReceived, and `DTMF_END` on the media socket bridged with it. */
  sendDtmf(channelId: string, digit: string): void;
  /** The far end hangs up (a SIP BYE): the events of a remote hang-up. */
  hangUp(channelId: string, cause?: number, causeText?: string): void;
  /** Another client registers the application (ApplicationReplaced on the old socket). */
  takeOverApplication(app: string): Promise<{ close(): Promise<void> }>;
  /**
   * `core restart now`: every channel is hung up (cause 4), the events
   * sockets close abnormally, and for `downMs` (default 500) ARI refuses
   * everything; then it answers again with no channels and no bridges.
   */
  restart(downMs?: number): Promise<void>;
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

/** What the simulator knows of a channel beyond its ARI model. */
interface ChannelState {
  readonly model: AriChannel;
  /** The Stasis application it is in, if any. */
  stasisApp: string | undefined;
  /** Applications that get its events outside Stasis: its originator and explicit subscribers. */
  readonly subscribers: Set<string>;
  /** It came from the dialplan: after Stasis the dialplan runs on, to its Hangup(). */
  readonly fromDialplan: boolean;
  readonly kind: 'sip' | 'local1' | 'local2' | 'media';
  bridge: string | undefined;
  /** The other half of a Local pair, or the callee a Local `;2` dialed. */
  partner: string | undefined;
  callee: string | undefined;
  media: MediaState | undefined;
  timers: NodeJS.Timeout[];
}

interface MediaState {
  readonly session: AriMediaSession;
  readonly socket: WebSocket;
}

const CAUSE_TEXT: Readonly<Record<number, string>> = {
  0: 'Unknown',
  3: 'No route to destination',
  4: 'Send special information tone',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  34: 'Circuit/channel congestion',
};

/** Dial's DIALSTATUS for a refusal cause. */
function dialStatus(cause: number): string {
  if (cause === 17) return 'BUSY';
  if (cause === 19) return 'NOANSWER';
  if (cause === 34 || cause === 42) return 'CONGESTION';
  return 'CHANUNAVAIL';
}

/** Starts an {@link AriSimulator} on a free loopback port. */
export async function startAriSimulator(options: AriSimulatorOptions = {}): Promise<AriSimulator> {
  const username = options.username ?? 'patchbay';
  const password = options.password ?? 'secret';
  const docsDir = options.apiDocsDir ?? defaultApiDocsDir();
  const connectFailureMs = options.mediaConnectFailureMs ?? 1500;
  const requests: AriRequest[] = [];
  const channels = new Map<string, AriChannel>();
  const states = new Map<string, ChannelState>();
  const bridges = new Map<string, { id: string; channels: string[] }>();
  const bridgeSubscribers = new Map<string, Set<string>>();
  const mediaSessions: AriMediaSession[] = [];
  const reloads: string[] = [];
  const events: [string, Record<string, unknown>][] = [];
  /** The socket each application's events go to: the newest that registered it. */
  const registered = new Map<string, WebSocket>();
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
  let down = false;
  let sequence = 0;
  let pointer = 0x7f0000001000;
  let uniqueId = Math.floor(Date.now() / 1000);

  const nextSequence = () => (++sequence).toString(16).padStart(8, '0');
  const newId = () => `${uniqueId}.${sequence++}`;
  const now = () => new Date().toISOString().replace('Z', '+0000');

  const send = (app: string, event: Record<string, unknown>) => {
    const full = { ...event, timestamp: now(), asterisk_id: '02:00:00:00:00:01', application: app };
    events.push([app, full]);
    const socket = registered.get(app);
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(full));
    for (const waiter of [...eventWaiters]) {
      if (waiter.predicate(full)) {
        eventWaiters.splice(eventWaiters.indexOf(waiter), 1);
        waiter.resolve(full);
      }
    }
  };

  /** The applications that hear about a channel now. */
  const audience = (state: ChannelState, extra?: Iterable<string>) => {
    const apps = new Set(state.subscribers);
    if (state.stasisApp) apps.add(state.stasisApp);
    for (const app of extra ?? []) apps.add(app);
    return apps;
  };
  const snapshot = (state: ChannelState) => structuredClone(state.model);
  const channelEvent = (
    state: ChannelState,
    type: string,
    fields: Record<string, unknown> = {},
    extra?: Iterable<string>,
  ) => {
    for (const app of audience(state, extra))
      send(app, { type, ...fields, channel: snapshot(state) });
  };
  const dialEvent = (peer: ChannelState, status: string, caller?: ChannelState) => {
    for (const app of audience(peer, caller ? audience(caller) : undefined))
      send(app, {
        type: 'Dial',
        dialstatus: status,
        forward: '',
        dialstring: peer.model.dialplan.exten,
        ...(caller ? { caller: snapshot(caller) } : {}),
        peer: snapshot(peer),
      });
  };
  const setState = (state: ChannelState, next: AriChannel['state']) => {
    state.model.state = next;
    channelEvent(state, 'ChannelStateChange');
  };

  const addChannel = (init: {
    id: string;
    name: string;
    state: AriChannel['state'];
    kind: ChannelState['kind'];
    fromDialplan: boolean;
    subscribers?: Iterable<string>;
    callerNumber?: string;
    exten?: string | undefined;
    context?: string | undefined;
  }): ChannelState => {
    const model: AriChannel = {
      id: init.id,
      name: init.name,
      state: init.state,
      protocol_id: init.kind === 'sip' ? crypto.randomUUID() : '',
      caller: { name: '', number: init.callerNumber ?? '' },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: {
        context: init.context ?? 'default',
        exten: init.exten ?? 's',
        priority: 1,
        app_name: '',
        app_data: '',
      },
      creationtime: now(),
      language: 'en',
    };
    const state: ChannelState = {
      model,
      stasisApp: undefined,
      subscribers: new Set(init.subscribers ?? []),
      fromDialplan: init.fromDialplan,
      kind: init.kind,
      bridge: undefined,
      partner: undefined,
      callee: undefined,
      media: undefined,
      timers: [],
    };
    channels.set(model.id, model);
    states.set(model.id, state);
    return state;
  };

  const leaveBridge = (state: ChannelState) => {
    const id = state.bridge;
    if (!id) return;
    state.bridge = undefined;
    const bridge = bridges.get(id);
    if (!bridge) return;
    bridge.channels = bridge.channels.filter((c) => c !== state.model.id);
    for (const app of audience(state, bridgeSubscribers.get(id)))
      send(app, {
        type: 'ChannelLeftBridge',
        bridge: bridgeModel(bridge),
        channel: snapshot(state),
      });
  };

  const enterStasis = (state: ChannelState, app: string, args: readonly string[]) => {
    state.stasisApp = app;
    state.model.dialplan.app_name = 'Stasis';
    channelEvent(state, 'StasisStart', { args: [...args] });
  };
  const leaveStasis = (state: ChannelState) => {
    if (!state.stasisApp) return;
    channelEvent(state, 'StasisEnd');
    state.stasisApp = undefined;
  };

  /** The last of a channel: its media closed, its bridge left, ChannelDestroyed to whoever still listens. */
  const finish = (state: ChannelState, cause: number) => {
    for (const timer of state.timers) clearTimeout(timer);
    channels.delete(state.model.id);
    states.delete(state.model.id);
    channelEvent(state, 'ChannelDestroyed', { cause, cause_txt: CAUSE_TEXT[cause] ?? 'Unknown' });
    state.media?.socket.close(1000);
  };

  /**
   * A channel in or out of Stasis hung up. `soft` is ARI's own hang-up
   * (DELETE /channels: cause 32 on the request, as Asterisk reports a soft
   * hang-up), otherwise the far end's (no cause on the request).
   */
  const hangUpChannel = (
    state: ChannelState,
    how: { soft: boolean; cause: number; requestCause?: number },
  ) => {
    const requestFields: Record<string, unknown> = how.soft
      ? { cause: how.requestCause ?? 32, soft: true }
      : how.requestCause !== undefined
        ? { cause: how.requestCause }
        : {};
    channelEvent(state, 'ChannelHangupRequest', requestFields);
    if (state.kind === 'local1' && state.model.state !== 'Up') return cancelLocal(state, how.cause);
    if (state.model.state !== 'Up' && state.kind === 'sip' && !state.fromDialplan) {
      // Ringing out: Dial ends without an answer.
      dialEvent(state, 'NOANSWER');
      return finish(state, how.cause);
    }
    leaveBridge(state);
    leaveStasis(state);
    if (state.kind === 'local1') return hangUpLocalPair(state, how.cause);
    // Back in the dialplan after Stasis, the channel runs on to Hangup().
    if (state.fromDialplan) channelEvent(state, 'ChannelHangupRequest', { cause: 16, soft: true });
    finish(state, how.cause);
  };

  /** An answered Local ;1 hung up: its ;2 follows, and with it the callee. */
  const hangUpLocalPair = (one: ChannelState, cause: number) => {
    const two = one.partner ? states.get(one.partner) : undefined;
    const callee = two?.callee ? states.get(two.callee) : undefined;
    if (two) channelEvent(two, 'ChannelHangupRequest', { cause: 16 });
    finish(one, cause);
    if (two) {
      channelEvent(two, 'ChannelHangupRequest', { cause: 16, soft: true });
      finish(two, cause);
    }
    if (callee) finish(callee, cause);
  };

  /** A Local ;1 hung up (or timed out) before its callee answered. */
  const cancelLocal = (one: ChannelState, cause: number) => {
    const two = one.partner ? states.get(one.partner) : undefined;
    const callee = two?.callee ? states.get(two.callee) : undefined;
    if (cause === 16) dialEvent(one, 'NOANSWER');
    if (two) channelEvent(two, 'ChannelHangupRequest', { cause });
    finish(one, cause);
    if (callee && two) {
      dialEvent(callee, 'CANCEL', two);
      finish(callee, cause);
    }
    if (two) {
      channelEvent(two, 'ChannelHangupRequest', { cause: 16, soft: true });
      finish(two, cause);
    }
  };

  const bridgeModel = (bridge: { id: string; channels: string[] }) => ({
    id: bridge.id,
    technology: 'simple_bridge',
    bridge_type: 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: bridge.id,
    channels: [...bridge.channels],
    creationtime: now(),
    video_mode: 'none',
  });

  const openMedia = (state: ChannelState, client: string, uri: string, app: string) => {
    const socket = new WebSocket(uri, 'media');
    const audio: Uint8Array[] = [];
    const commands: string[] = [];
    let playedUntil = 0;
    let opened = false;
    const session: AriMediaSession = {
      channelId: state.model.id,
      url: uri,
      audio,
      commands,
      sendAudio: (bytes) => socket.readyState === WebSocket.OPEN && socket.send(bytes),
      sendText: (text) => socket.readyState === WebSocket.OPEN && socket.send(text),
      close: () => socket.close(),
    };
    state.media = { session, socket };
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
        // Plain-text control mode answers with the bare id after the command.
        setTimeout(
          () => session.sendText(`MEDIA_MARK_PROCESSED ${id ?? ''}`),
          Math.max(10, playedUntil - Date.now()),
        );
      }
      if (name === 'HANGUP' && states.has(state.model.id))
        hangUpChannel(state, { soft: false, cause: 16, requestCause: 16 });
    });
    socket.on('open', () => {
      opened = true;
      session.sendText(
        `MEDIA_START connection_id:${client} channel:${state.model.name} channel_id:${state.model.id} format:ulaw optimal_frame_size:160 ptime:20`,
      );
      mediaSessions.push(session);
      for (const waiter of mediaWaiters.splice(0)) waiter(session);
      if (!states.has(state.model.id)) return;
      dialEvent(state, '');
      setState(state, 'Up');
      dialEvent(state, 'ANSWER');
      enterStasis(state, app, []);
    });
    socket.on('close', () => {
      // The host closing the socket hangs the channel up, like a HANGUP.
      if (opened && states.has(state.model.id))
        hangUpChannel(state, { soft: false, cause: 16, requestCause: 16 });
    });
    socket.on('error', () => {
      if (opened || !states.has(state.model.id)) return;
      // chan_websocket retries per websocket_client.conf, then fails the channel.
      state.timers.push(
        setTimeout(() => states.has(state.model.id) && finish(state, 3), connectFailureMs),
      );
    });
  };

  /** The far end of an originated call, after the Dial starts. */
  const progressOriginate = (
    state: ChannelState,
    app: string,
    args: string[],
    outcome: OriginateOutcome,
    timeoutSeconds: number,
  ) => {
    const answer = 'answer' in outcome;
    const cause = answer ? 0 : outcome.cause;
    const ringsFirst = answer ? outcome.ringing !== false : (outcome.ringing ?? cause === 19);
    // A callee nobody answers: it rings at once, and the originate timeout ends it.
    const waitMs = answer || cause !== 19 ? (outcome.afterMs ?? 20) : timeoutSeconds * 1000;
    /** A callee that will not answer still rings first, at once, while the channel lives. */
    const ringBeforeRefusing = (ring: () => void) => {
      if (answer || !ringsFirst) return;
      const ringAt = Math.min(outcome.afterMs ?? 20, waitMs);
      state.timers.push(setTimeout(() => states.has(state.model.id) && ring(), ringAt));
    };
    if (state.kind === 'sip') {
      ringBeforeRefusing(() => {
        setState(state, 'Ringing');
        dialEvent(state, 'RINGING');
      });
      state.timers.push(
        setTimeout(() => {
          if (!states.has(state.model.id)) return;
          if (answer) {
            if (ringsFirst) {
              setState(state, 'Ringing');
              dialEvent(state, 'RINGING');
            }
            setState(state, 'Up');
            dialEvent(state, 'ANSWER');
            enterStasis(state, app, args);
          } else if (cause === 19) {
            finish(state, 19);
          } else {
            channelEvent(state, 'ChannelHangupRequest', { cause });
            dialEvent(state, dialStatus(cause));
            finish(state, cause);
          }
        }, waitMs),
      );
      return;
    }
    // Local/<exten>@<context>: the ;2 half runs the dialplan, which dials the callee.
    const two = states.get(state.partner ?? '')!;
    const callee = addChannel({
      id: newId(),
      name: `PJSIP/callee-${nextSequence()}`,
      state: 'Down',
      kind: 'sip',
      fromDialplan: false,
    });
    two.callee = callee.model.id;
    dialEvent(callee, '', two);
    ringBeforeRefusing(() => {
      setState(state, 'Ringing');
      callee.model.state = 'Ringing';
      dialEvent(callee, 'RINGING', two);
      dialEvent(state, 'RINGING');
    });
    state.timers.push(
      setTimeout(() => {
        if (!states.has(state.model.id)) return;
        if (answer) {
          setState(state, 'Ringing');
          dialEvent(state, 'RINGING');
          callee.model.state = 'Ringing';
          dialEvent(callee, 'RINGING', two);
          callee.model.state = 'Up';
          dialEvent(callee, 'ANSWER', two);
          setState(two, 'Up');
          setState(state, 'Up');
          dialEvent(state, 'ANSWER');
          enterStasis(state, app, args);
        } else if (cause === 19) {
          cancelLocal(state, 19);
        } else {
          // The refusal is the callee's: ;1 ends with cause 0 and only Dial says why.
          dialEvent(callee, dialStatus(cause), two);
          finish(callee, cause);
          setState(two, 'Busy');
          dialEvent(state, dialStatus(cause));
          channelEvent(two, 'ChannelHangupRequest', { cause: 0 });
          finish(state, 0);
          channelEvent(two, 'ChannelHangupRequest', { cause: 16, soft: true });
          finish(two, cause);
        }
      }, waitMs),
    );
  };

  const authorized = (request: IncomingMessage, url: URL) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Basic '))
      return Buffer.from(header.slice(6), 'base64').toString() === `${username}:${password}`;
    const key = url.searchParams.get('api_key');
    return key === `${username}:${password}`;
  };

  const json = (response: ServerResponse, status: number, body?: unknown) => {
    response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };

  const applicationModel = (app: string) => ({
    name: app,
    channel_ids: [...states.values()]
      .filter((s) => s.subscribers.has(app) || s.stasisApp === app)
      .map((s) => s.model.id),
    bridge_ids: [...bridgeSubscribers].filter(([, apps]) => apps.has(app)).map(([id]) => id),
    endpoint_ids: [],
    device_names: [],
    events_allowed: [],
    events_disallowed: [],
  });

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    if (down) {
      request.socket.destroy();
      return;
    }
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
    const applicationMatch = /^\/applications\/([^/]+)$/.exec(path);
    if (applicationMatch && method === 'GET') {
      const app = decodeURIComponent(applicationMatch[1]!);
      // Asterisk keeps an application nobody holds any more (inactive: its
      // events go nowhere, Stasis() refuses new calls) until its channels and
      // bridges leave; only then is the name gone.
      const model = applicationModel(app);
      const held = registered.get(app)?.readyState === WebSocket.OPEN;
      return held || model.channel_ids.length > 0 || model.bridge_ids.length > 0
        ? json(response, 200, model)
        : json(response, 404, { message: `Application '${app}' not found` });
    }
    const subscriptionMatch = /^\/applications\/([^/]+)\/subscription$/.exec(path);
    if (subscriptionMatch && (method === 'POST' || method === 'DELETE')) {
      const app = decodeURIComponent(subscriptionMatch[1]!);
      for (const source of (q.get('eventSource') ?? '').split(',')) {
        const [kind, id] = source.split(':');
        const target = kind === 'channel' ? states.get(id ?? '') : undefined;
        if (kind === 'channel' && !target)
          return json(response, 422, { message: 'Event source does not exist' });
        if (method === 'POST') target?.subscribers.add(app);
        else target?.subscribers.delete(app);
      }
      return json(response, 200, applicationModel(app));
    }
    if (method === 'POST' && path === '/channels') {
      const app = q.get('app') ?? '';
      const endpoint = q.get('endpoint') ?? '';
      const id = q.get('channelId') ?? newId();
      if (states.has(id))
        return json(response, 409, { message: 'Channel with given unique ID already exists' });
      const local = /^Local\/([^@]+)@([^/]+)(\/n)?$/i.exec(endpoint);
      const technology = /^(\w+)\/([^@/]+)(?:@([^/]+))?/.exec(endpoint);
      if (!local && !technology) return json(response, 400, { message: 'Invalid endpoint' });
      const args = (q.get('appArgs') ?? '').split(',').filter((a) => a !== '');
      let state: ChannelState;
      if (local) {
        const seq = nextSequence();
        state = addChannel({
          id,
          name: `Local/${local[1]}@${local[2]}-${seq};1`,
          state: 'Down',
          kind: 'local1',
          fromDialplan: false,
          subscribers: [app],
          exten: local[1],
          context: local[2],
        });
        const two = addChannel({
          id: `${id};2`,
          name: `Local/${local[1]}@${local[2]}-${seq};2`,
          state: 'Ring',
          kind: 'local2',
          fromDialplan: true,
          subscribers: [app],
          exten: local[1],
          context: local[2],
        });
        state.partner = two.model.id;
        two.partner = id;
      } else {
        state = addChannel({
          id,
          name: `${technology![1]}/${technology![3] ?? technology![2]}-${nextSequence()}`,
          state: 'Down',
          kind: 'sip',
          fromDialplan: false,
          subscribers: [app],
          callerNumber: q.get('callerId') ?? '',
          exten: technology![2],
        });
      }
      const outcome = decide(state.model, q);
      const body = snapshot(state);
      json(response, 200, body);
      dialEvent(state, '');
      progressOriginate(state, app, args, outcome, Number(q.get('timeout') ?? 30));
      return;
    }
    if (method === 'POST' && path === '/channels/externalMedia') {
      const app = q.get('app') ?? '';
      const id = q.get('channelId') ?? newId();
      const client = q.get('external_host') ?? '';
      const uri = options.websocketClients?.[client];
      if (q.get('transport') !== 'websocket' || q.get('encapsulation') !== 'none')
        return json(response, 400, { message: 'only websocket/none is simulated' });
      if (uri === undefined)
        return json(response, 400, { message: `No websocket client named ${client}` });
      const data = /^v\((.*)\)$/.exec(q.get('transport_data') ?? '')?.[1] ?? '';
      const query = data === '' ? '' : data.split(',').join('&');
      pointer += 0x1000;
      const state = addChannel({
        id,
        name: `WebSocket/${client}/0x${pointer.toString(16)}`,
        state: 'Down',
        kind: 'media',
        fromDialplan: false,
        subscribers: [app],
      });
      json(response, 200, snapshot(state));
      openMedia(state, client, query ? `${uri}${uri.includes('?') ? '&' : '?'}${query}` : uri, app);
      return;
    }
    if (answerMatch && method === 'POST') {
      const state = states.get(decodeURIComponent(answerMatch[1]!));
      if (!state) return json(response, 404, { message: 'Channel not found' });
      if (!state.stasisApp)
        return json(response, 409, { message: 'Channel not in Stasis application' });
      if (state.model.state !== 'Up') setState(state, 'Up');
      return json(response, 204);
    }
    if (channelMatch) {
      const state = states.get(decodeURIComponent(channelMatch[1]!));
      if (method === 'GET')
        return state
          ? json(response, 200, snapshot(state))
          : json(response, 404, { message: 'Channel not found' });
      if (method === 'DELETE') {
        if (!state) return json(response, 404, { message: 'Channel not found' });
        hangUpChannel(state, { soft: true, cause: 16 });
        return json(response, 204);
      }
    }
    const moduleMatch = /^\/asterisk\/modules\/([^/]+)$/.exec(path);
    if (moduleMatch && method === 'PUT') {
      reloads.push(decodeURIComponent(moduleMatch[1]!));
      return json(response, 204);
    }
    if (method === 'GET' && path === '/channels')
      return json(response, 200, [...states.values()].map(snapshot));
    if (method === 'POST' && path === '/bridges') {
      const id = q.get('bridgeId') ?? crypto.randomUUID();
      const bridge = { id, channels: [] as string[] };
      bridges.set(id, bridge);
      bridgeSubscribers.set(id, new Set());
      return json(response, 200, bridgeModel(bridge));
    }
    if (bridgeMemberMatch && method === 'POST') {
      const bridge = bridges.get(decodeURIComponent(bridgeMemberMatch[1]!));
      if (!bridge) return json(response, 404, { message: 'Bridge not found' });
      const listed = (q.get('channel') ?? '').split(',').filter(Boolean);
      const members = listed.map((c) => states.get(c));
      if (members.some((m) => !m)) return json(response, 400, { message: 'Channel not found' });
      if (bridgeMemberMatch[2] === 'addChannel') {
        if (members.some((m) => !m!.stasisApp))
          return json(response, 422, { message: 'Channel not in Stasis application' });
        for (const member of members as ChannelState[]) {
          if (member.bridge === bridge.id) continue;
          member.bridge = bridge.id;
          bridge.channels.push(member.model.id);
          // An application whose channel enters a bridge hears of the bridge from then on.
          if (member.stasisApp) bridgeSubscribers.get(bridge.id)?.add(member.stasisApp);
          for (const app of audience(member, bridgeSubscribers.get(bridge.id)))
            send(app, {
              type: 'ChannelEnteredBridge',
              bridge: bridgeModel(bridge),
              channel: snapshot(member),
            });
        }
      } else {
        if (members.some((m) => m!.bridge !== bridge.id))
          return json(response, 422, { message: 'Channel not in this bridge' });
        for (const member of members as ChannelState[]) leaveBridge(member);
      }
      return json(response, 204);
    }
    if (bridgeMatch && method === 'GET') {
      const bridge = bridges.get(decodeURIComponent(bridgeMatch[1]!));
      return bridge
        ? json(response, 200, bridgeModel(bridge))
        : json(response, 404, { message: 'Bridge not found' });
    }
    if (bridgeMatch && method === 'DELETE') {
      const id = decodeURIComponent(bridgeMatch[1]!);
      const bridge = bridges.get(id);
      if (!bridge) return json(response, 404, { message: 'Bridge not found' });
      for (const member of [...bridge.channels]) {
        const state = states.get(member);
        if (state) leaveBridge(state);
      }
      bridges.delete(id);
      for (const app of bridgeSubscribers.get(id) ?? [])
        send(app, { type: 'BridgeDestroyed', bridge: bridgeModel(bridge) });
      bridgeSubscribers.delete(id);
      return json(response, 204);
    }
    return json(response, 404, { message: 'Resource not found' });
  };

  const eventConnections: string[][] = [];
  const server = createServer(handle);
  const eventsServer = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', base);
    if (down) {
      socket.destroy();
      return;
    }
    if (url.pathname !== '/ari/events' || !authorized(request, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    const apps = (url.searchParams.get('app') ?? '').split(',').filter(Boolean);
    eventsServer.handleUpgrade(request, socket, head, (ws) => {
      eventConnections.push(apps);
      for (const app of apps) {
        // Asterisk gives an application to the newest socket that registers it.
        const previous = registered.get(app);
        if (previous?.readyState === WebSocket.OPEN)
          previous.send(
            JSON.stringify({
              type: 'ApplicationReplaced',
              timestamp: now(),
              application: app,
              asterisk_id: '02:00:00:00:00:01',
            }),
          );
        registered.set(app, ws);
      }
      ws.on('close', () => {
        // The application goes with its socket, even if an older socket is still open.
        for (const app of apps) if (registered.get(app) === ws) registered.delete(app);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const restart = async (downMs = 500) => {
    // Newest first, as Asterisk walks its channels on shutdown.
    const live = [...states.values()].filter((s) => s.kind !== 'local2').reverse();
    // Asterisk hangs everything up in phases: requests, bridges, Stasis, dialplan, destruction.
    for (const state of live) {
      channelEvent(state, 'ChannelHangupRequest', { cause: 4, soft: true });
      leaveBridge(state);
    }
    for (const state of live) leaveStasis(state);
    for (const state of live)
      if (state.fromDialplan)
        channelEvent(state, 'ChannelHangupRequest', { cause: 16, soft: true });
    for (const state of [...states.values()].reverse()) finish(state, 16);
    bridges.clear();
    bridgeSubscribers.clear();
    down = true;
    for (const client of eventsServer.clients) client.terminate();
    registered.clear();
    server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    uniqueId += 1000;
    down = false;
  };

  return {
    url: base,
    requests,
    channels,
    bridges,
    mediaSessions,
    events,
    reloads,
    eventConnections,
    applications: () =>
      [...registered.entries()].filter(([, s]) => s.readyState === WebSocket.OPEN).map(([a]) => a),
    onOriginate(next) {
      decide = next;
    },
    placeInboundCall({ app, exten, callerNumber, answered, args = [], context }) {
      const state = addChannel({
        id: newId(),
        name: `PJSIP/caller-${nextSequence()}`,
        state: answered ? 'Up' : 'Ring',
        kind: 'sip',
        fromDialplan: true,
        callerNumber,
        exten,
        context: context ?? 'from-trunk',
      });
      state.model.dialplan.app_data = [app, ...args].join(',');
      if (registered.get(app)?.readyState === WebSocket.OPEN) enterStasis(state, app, args);
      // Stasis() of an application nobody registered fails, and the dialplan hangs up.
      else finish(state, 16);
      return snapshot(state);
    },
    sendDtmf(channelId, digit) {
      const state = states.get(channelId);
      if (!state) return;
      channelEvent(state, 'ChannelDtmfReceived', { digit, duration_ms: 120 });
      const bridge = state.bridge ? bridges.get(state.bridge) : undefined;
      for (const member of bridge?.channels ?? []) {
        const media = states.get(member)?.media;
        if (media) media.session.sendText(`DTMF_END digit:${digit} channel_id:${member}`);
      }
    },
    hangUp(channelId, cause = 16) {
      const state = states.get(channelId);
      if (state) hangUpChannel(state, { soft: false, cause });
    },
    async takeOverApplication(app) {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/ari/events?app=${app}`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        },
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return {
        close: () =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.close();
          }),
      };
    },
    restart,
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
      for (const client of eventsServer.clients) client.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const state of states.values()) for (const timer of state.timers) clearTimeout(timer);
        for (const session of mediaSessions) session.close();
        for (const client of eventsServer.clients) client.terminate();
        eventsServer.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import {
  type CallStatus,
  type InboundDecision,
  type Logger,
  normalizePhoneAddress,
  type ProviderEventHandlers,
  type ProviderEventSource,
} from '@patchbay/core';
import { rejectsAsBusy } from '@patchbay/core/provider-utils';
import type { AriClient } from 'ari-client';
import { ariFetch, callAri, callAriIgnoringMissing, connectAri } from './ari-connection.js';
import {
  BRIDGE_PREFIX,
  bridgeId,
  decodeMediaArgument,
  EXT_PREFIX,
  isLocalSecondHalf,
  mediaChannelId,
  OUTBOUND_ARG,
  TRANSFER_ARG,
  TRANSFER_PREFIX,
  transportData,
} from './ari-naming.js';
import { ariChannelStatus, ariEndStatus, ariTransferStatus } from './ari-status.js';
import type { AsteriskTarget } from './asterisk-target.js';

interface AriChannelEvent {
  id: string;
  state: string;
  name?: string;
  caller?: { number?: string };
  dialplan?: { exten?: string };
}

interface AriBridgeEvent {
  id: string;
  channels?: string[];
}

/** Reconnection: 1 s doubling to 5 min; a connection up for 30 s resets it. */
export interface AriReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly stableAfterMs: number;
  /**
   * How long one attempt (API definitions, then the events socket) may take
   * before it counts as failed; 10 s by default. ari-client itself waits
   * forever on an events socket Asterisk refuses.
   */
  readonly attemptTimeoutMs?: number;
}

/** `work`, or a rejection once `ms` pass without it settling. */
async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const DEFAULT_POLICY: AriReconnectPolicy = {
  initialDelayMs: 1000,
  maxDelayMs: 300_000,
  stableAfterMs: 30_000,
};

/**
 * A channel that left Stasis with no ChannelDestroyed after it is taken as
 * ended after this long. With the subscription in place ChannelDestroyed
 * follows StasisEnd within a millisecond; without it (the caller hung up
 * before the subscription was made) it never comes.
 */
const STASIS_END_GRACE_MS = 250;
/** How long the agent's media may stay up outside the bridge after a transfer, if the host never closes it. */
const ORPHANED_MEDIA_MS = 10_000;
/** How long an ended channel's id is remembered, so late events about it change nothing. */
const ENDED_MEMORY_MS = 60_000;

/** What GET /applications/{name} tells of an application. */
interface AriApplication {
  channel_ids?: string[];
  bridge_ids?: string[];
}

/**
 * Asks Asterisk whether another client still holds the application. A 404
 * says the name is free. A 200 is ambiguous: Asterisk keeps an application
 * nobody holds any more (inactive: Stasis() refuses new calls, its events go
 * nowhere) for as long as channels or bridges are subscribed to it, so after
 * the other client left mid-call it stays until those calls end. Such an
 * application shows only what this source started; one that shows nothing,
 * or anything else, is someone's. Errors count as free: connecting says more.
 */
async function applicationHeld(
  target: AsteriskTarget,
  ours: (kind: 'channel' | 'bridge', id: string) => boolean,
): Promise<boolean> {
  try {
    const response = await ariFetch(
      target,
      `/applications/${encodeURIComponent(target.stasisApp)}`,
      { timeoutMs: 5000 },
    );
    if (!response.ok) {
      await response.body?.cancel();
      return false;
    }
    const application = (await response.json()) as AriApplication;
    const channels = application.channel_ids ?? [];
    const bridges = application.bridge_ids ?? [];
    if (channels.length === 0 && bridges.length === 0) return true;
    return !(
      channels.every((id) => ours('channel', id)) && bridges.every((id) => ours('bridge', id))
    );
  } catch {
    return false;
  }
}

function address(value: string | undefined): string {
  if (!value) return 'anonymous';
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim();
  }
}

/** What the events told of one call or transfer leg while it lives. */
interface LiveChannel {
  readonly kind: 'call' | 'leg';
  answered: boolean;
  /** Set once StasisEnd came: waiting for ChannelDestroyed, or for the grace to run out. */
  endTimer?: NodeJS.Timeout;
  /** Why the call failed, when Patchbay's side (its media) made it fail. */
  failure?: { reason: string };
}

/** What Dial and ChannelHangupRequest said of a channel before it ended. */
interface EndClues {
  dialStatus?: string;
  hungUpByUs?: boolean;
}

/**
 * One configuration's Stasis application: a single events connection (a
 * Stasis name is delivered to the newest socket only, so one per name),
 * reconnected with backoff until stopped. It answers and streams inbound
 * calls the host accepts, streams outbound calls once they answer, bridges
 * each caller with its externalMedia channel, reports how calls end (also
 * those never answered), transfers, and tears calls down.
 *
 * Everything it needs is in the events and the channel names, so whichever
 * process holds the events connection can take over live calls.
 */
export class AriEventSource implements ProviderEventSource {
  private client: AriClient | undefined;
  private handlers: ProviderEventHandlers | undefined;
  private stopped = true;
  private delay: number;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly live = new Map<string, LiveChannel>();
  private readonly clues = new Map<string, EndClues>();
  private readonly ended = new Map<string, NodeJS.Timeout>();
  /** externalMedia channels that connected (entered Stasis). */
  private readonly mediaUp = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly target: AsteriskTarget,
    private readonly logger: Logger,
    private readonly policy: AriReconnectPolicy = DEFAULT_POLICY,
  ) {
    this.delay = policy.initialDelayMs;
  }

  async start(handlers: ProviderEventHandlers): Promise<void> {
    this.handlers = handlers;
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    for (const timer of [...this.timers, ...this.ended.values()]) clearTimeout(timer);
    for (const channel of this.live.values()) clearTimeout(channel.endTimer);
    this.timers.clear();
    this.dropClient();
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    try {
      client?.stop();
    } catch {
      // already closed
    }
  }

  private later(ms: number, work: () => Promise<void> | void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void Promise.resolve()
        .then(work)
        .catch((error: unknown) =>
          this.logger.error(
            { provider: this.target.provider, error: String(error) },
            'ARI follow-up failed',
          ),
        );
    }, ms);
    this.timers.add(timer);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const timeout = this.policy.attemptTimeoutMs ?? 10_000;
    try {
      const client = await within(
        connectAri(this.target, timeout),
        timeout,
        'loading the ARI definitions',
      );
      if (this.stopped) return;
      this.client = client;
      this.listen(client);
      await within(client.start(this.target.stasisApp), timeout, 'opening the ARI events socket');
      this.connected();
    } catch (error) {
      this.logger.warn(
        { provider: this.target.provider, error: String(error), retryInMs: this.delay },
        'ARI events connection failed',
      );
      this.handlers?.connection?.('disconnected', String(error));
      // A half-open attempt must not linger beside the next one.
      this.dropClient();
      this.scheduleReconnect();
    }
  }

  private connected(): void {
    this.handlers?.connection?.('connected');
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => {
      this.delay = this.policy.initialDelayMs;
    }, this.policy.stableAfterMs);
    void this.reconcile();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.stableTimer);
    clearTimeout(this.retryTimer);
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.policy.maxDelayMs);
    this.retryTimer = setTimeout(() => void this.connect(), wait);
  }

  /** Registers the application again once Asterisk says no other client holds it. */
  private scheduleReclaim(): void {
    if (this.stopped) return;
    clearTimeout(this.stableTimer);
    clearTimeout(this.retryTimer);
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.policy.maxDelayMs);
    this.retryTimer = setTimeout(() => {
      void applicationHeld(this.target, (kind, id) => this.started(kind, id)).then((held) =>
        held ? this.scheduleReclaim() : this.connect(),
      );
    }, wait);
  }

  /** Whether a channel or bridge is one this source made or took: a call, its media, its bridge, a transfer leg. */
  private started(kind: 'channel' | 'bridge', id: string): boolean {
    if (kind === 'bridge') return id.startsWith(BRIDGE_PREFIX);
    const base = isLocalSecondHalf(id) ? id.slice(0, -';2'.length) : id;
    return (
      this.live.has(id) ||
      this.live.has(base) ||
      id.startsWith(EXT_PREFIX) ||
      id.startsWith(TRANSFER_PREFIX)
    );
  }

  /**
   * After a reconnect (an Asterisk restart, a network cut), calls this source
   * saw alive may have ended while nobody listened: ask Asterisk for each, and
   * end those it no longer has.
   */
  private async reconcile(): Promise<void> {
    const client = this.client;
    if (!client) return;
    for (const id of [...this.live.keys()]) {
      const found = await this.call('read channel', () =>
        client.channels['get']!({ channelId: id }),
      )
        .then(() => true)
        .catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode === 404) return false;
          throw error;
        })
        .catch(() => true);
      if (!found) await this.end(id, undefined, 'gone after reconnect');
    }
  }

  private listen(client: AriClient): void {
    const on = (name: string, work: (event: Record<string, unknown>) => Promise<void> | void) =>
      client.on(
        name,
        (event: Record<string, unknown>) =>
          void Promise.resolve()
            .then(() => work(event))
            .catch((error: unknown) =>
              this.logger.error(
                { provider: this.target.provider, event: name, error: String(error) },
                'ARI event handling failed',
              ),
            ),
      );
    const channelOf = (event: Record<string, unknown>) => event['channel'] as AriChannelEvent;
    // The second half of a Local channel belongs to the dialplan, never to a call of ours.
    const ours = (channel: AriChannelEvent | undefined): channel is AriChannelEvent =>
      channel !== undefined && !isLocalSecondHalf(channel.id);

    on('StasisStart', async (event) => {
      const channel = channelOf(event);
      if (ours(channel)) await this.onStasisStart((event['args'] as string[]) ?? [], channel);
    });
    on('StasisEnd', (event) => {
      const channel = channelOf(event);
      if (ours(channel)) this.onStasisEnd(channel);
    });
    on('ChannelDestroyed', async (event) => {
      const channel = channelOf(event);
      if (ours(channel)) await this.onDestroyed(channel, event['cause'] as number | undefined);
    });
    on('ChannelHangupRequest', (event) => {
      const channel = channelOf(event);
      if (ours(channel) && event['soft'] === true) this.clue(channel.id).hungUpByUs = true;
    });
    on('Dial', (event) => {
      const peer = event['peer'] as AriChannelEvent | undefined;
      const status = event['dialstatus'];
      if (ours(peer) && typeof status === 'string' && status !== '' && status !== 'RINGING')
        this.clue(peer.id).dialStatus = status;
    });
    on('ChannelLeftBridge', async (event) => {
      const channel = channelOf(event);
      const bridge = event['bridge'] as AriBridgeEvent | undefined;
      if (ours(channel) && bridge) await this.onLeftBridge(channel, bridge);
    });
    on('ChannelStateChange', (event) => {
      const channel = channelOf(event);
      if (!ours(channel) || channel.id.startsWith(EXT_PREFIX)) return;
      if (channel.id.startsWith(TRANSFER_PREFIX)) return;
      this.handlers?.status({
        callId: channel.id,
        status: ariChannelStatus(channel.state),
        carrierStatus: channel.state,
        metadata: {},
      });
    });
    // DTMF is taken from the media socket (DTMF_END), which the media bridge
    // hands the agent; ChannelDtmfReceived reports the same digits a second time.
    on('ApplicationReplaced', () => {
      // Asterisk now sends this application's calls to the other client (when
      // it leaves, nobody has the application and every call fails). Taking it
      // straight back would fight a live client, or another process of this
      // deployment during a lease hand-over: wait until the name is free.
      this.logger.warn(
        { provider: this.target.provider, app: this.target.stasisApp },
        'another client took over the Stasis application; waiting for it to leave',
      );
      this.handlers?.connection?.(
        'disconnected',
        'another client took over the Stasis application',
      );
      this.dropClient();
      this.scheduleReclaim();
    });
    // ari-client retries a dropped socket by itself; say so, and when it gives up, start over.
    client.on('WebSocketReconnecting', (error: unknown) => {
      if (this.client !== client) return;
      this.handlers?.connection?.(
        'disconnected',
        `ARI events socket lost${error instanceof Error ? `: ${error.message}` : ''}`,
      );
    });
    let opened = false;
    client.on('WebSocketConnected', () => {
      // The first open is reported by connect(); later ones are ari-client's reconnects.
      if (opened && this.client === client) this.connected();
      opened = true;
    });
    client.on('WebSocketMaxRetries', () => {
      if (this.client !== client) return;
      this.handlers?.connection?.('disconnected', 'ARI events socket lost');
      this.client = undefined;
      this.scheduleReconnect();
    });
  }

  private clue(id: string): EndClues {
    let clue = this.clues.get(id);
    if (!clue) {
      clue = {};
      this.clues.set(id, clue);
    }
    return clue;
  }

  private call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return callAri(operation, work, this.target.provider, this.target);
  }

  private callIgnoringMissing(operation: string, work: () => Promise<unknown>): Promise<void> {
    return callAriIgnoringMissing(operation, work, this.target.provider, this.target);
  }

  private rest(): AriClient {
    if (!this.client) throw new Error('ARI is not connected');
    return this.client;
  }

  /**
   * A channel from the dialplan is the application's only while it is in
   * Stasis: its ChannelDestroyed goes to nobody unless the application
   * subscribes to it (real Asterisk; recorded in the testkit's fixtures).
   */
  private async subscribe(channelId: string): Promise<void> {
    const client = this.rest();
    await this.callIgnoringMissing('subscribe to channel', () =>
      client.applications['subscribe']!({
        applicationName: this.target.stasisApp,
        eventSource: `channel:${channelId}`,
      }),
    ).catch((error: unknown) =>
      // StasisEnd still ends the call; only the cause is lost.
      this.logger.warn(
        { provider: this.target.provider, channelId, error: String(error) },
        'subscribing to a channel failed',
      ),
    );
  }

  private async onStasisStart(args: string[], channel: AriChannelEvent): Promise<void> {
    if (this.ended.has(channel.id)) return;
    if (channel.id.startsWith(EXT_PREFIX)) return this.onMediaUp(channel);
    if (args[0] === TRANSFER_ARG) {
      this.live.set(channel.id, { kind: 'leg', answered: true });
      await this.subscribe(channel.id);
      this.handlers?.transfer?.({
        transferId: args[1] ?? '',
        status: 'answered',
        legCallId: channel.id,
        metadata: {},
      });
      return;
    }
    this.live.set(channel.id, { kind: 'call', answered: channel.state === 'Up' });
    await this.subscribe(channel.id);
    if (args[0] === OUTBOUND_ARG && args[1]) {
      this.handlers?.status({
        callId: channel.id,
        status: 'in-progress',
        carrierStatus: 'StasisStart',
        metadata: {},
      });
      await this.startMedia(channel.id, decodeMediaArgument(args[1]));
      return;
    }
    await this.onInbound(channel, args);
  }

  private async onMediaUp(media: AriChannelEvent): Promise<void> {
    this.mediaUp.add(media.id);
    const caller = media.id.slice(EXT_PREFIX.length);
    const client = this.rest();
    if (!this.live.has(caller)) {
      // The caller left while the media was connecting.
      await this.callIgnoringMissing('hang up media', () =>
        client.channels['hangup']!({ channelId: media.id, reason: 'normal' }),
      );
      return;
    }
    await this.call('create bridge', () =>
      client.bridges['create']!({
        type: 'mixing',
        bridgeId: bridgeId(caller),
        name: bridgeId(caller),
      }),
    );
    await this.call('bridge caller and media', () =>
      client.bridges['addChannel']!({
        bridgeId: bridgeId(caller),
        channel: [caller, media.id].join(','),
      }),
    );
  }

  private async onInbound(channel: AriChannelEvent, args: readonly string[]): Promise<void> {
    const handlers = this.handlers;
    if (!handlers) return;
    let decision: InboundDecision;
    try {
      decision = await handlers.inboundCall({
        provider: this.target.provider,
        callId: channel.id,
        from: address(channel.caller?.number),
        to: address(channel.dialplan?.exten),
        accountId: this.target.inboundAccountId?.({ args, exten: channel.dialplan?.exten }),
        status: channel.state === 'Up' ? 'in-progress' : 'ringing',
        metadata: { channelName: channel.name, stasisArgs: args },
      });
    } catch (error) {
      this.logger.error(
        { provider: this.target.provider, error: String(error) },
        'inbound decision failed; hanging up',
      );
      decision = { accept: false, reason: 'internal-error' };
    }
    const client = this.rest();
    if (!decision.accept) {
      await this.callIgnoringMissing('reject call', () =>
        client.channels['hangup']!({
          channelId: channel.id,
          reason: rejectsAsBusy(decision.reason) ? 'busy' : 'rejected',
        }),
      );
      return;
    }
    if (!this.live.has(channel.id)) return; // the caller gave up while the host decided
    // A dialplan may Answer() before Stasis(); answer only what rings.
    if (channel.state !== 'Up') {
      await this.call('answer call', () => client.channels['answer']!({ channelId: channel.id }));
      const live = this.live.get(channel.id);
      if (live) live.answered = true;
    }
    await this.startMedia(channel.id, decision.mediaStreamUrl, decision.customParameters);
  }

  private async startMedia(
    callerId: string,
    mediaStreamUrl: string,
    customParameters?: Readonly<Record<string, string>>,
  ): Promise<void> {
    const client = this.rest();
    await this.call('start media', () =>
      client.channels['externalMedia']!({
        app: this.target.stasisApp,
        external_host: this.target.mediaClient,
        format: 'ulaw',
        transport: 'websocket',
        encapsulation: 'none',
        connection_type: 'client',
        direction: 'both',
        transport_data: transportData(mediaStreamUrl, customParameters),
        channelId: mediaChannelId(callerId),
      }),
    );
  }

  private onStasisEnd(channel: AriChannelEvent): void {
    const live = this.live.get(channel.id);
    if (!live || live.endTimer) return;
    live.endTimer = setTimeout(
      () => void this.end(channel.id, undefined, 'StasisEnd').catch(() => {}),
      STASIS_END_GRACE_MS,
    );
  }

  /**
   * A person (caller or transfer destination) left one of our bridges, which
   * only happens when they hang up: the conversation is over for whoever is
   * left in it. The agent's media leaving is a transfer's swap instead.
   */
  private async onLeftBridge(channel: AriChannelEvent, bridge: AriBridgeEvent): Promise<void> {
    const client = this.client;
    if (!client || !bridge.id.startsWith(bridgeId(''))) return;
    if (channel.id.startsWith(EXT_PREFIX)) {
      // If the host never closes the agent's media after a transfer, it must not stay up alone.
      this.later(ORPHANED_MEDIA_MS, () =>
        this.callIgnoringMissing('hang up orphaned media', () =>
          client.channels['hangup']!({ channelId: channel.id, reason: 'normal' }),
        ),
      );
      return;
    }
    for (const other of bridge.channels ?? [])
      if (other !== channel.id)
        await this.callIgnoringMissing('hang up bridged party', () =>
          client.channels['hangup']!({ channelId: other, reason: 'normal' }),
        );
    await this.callIgnoringMissing('destroy bridge', () =>
      client.bridges['destroy']!({ bridgeId: bridge.id }),
    );
  }

  private async onDestroyed(channel: AriChannelEvent, cause: number | undefined): Promise<void> {
    if (channel.id.startsWith(EXT_PREFIX)) return this.onMediaDestroyed(channel.id, cause);
    await this.end(channel.id, cause, `ChannelDestroyed:${cause ?? 'unknown'}`);
  }

  /** The agent's media ended. Unless a transfer put someone else in the bridge, the call ends too. */
  private async onMediaDestroyed(mediaId: string, cause: number | undefined): Promise<void> {
    const caller = mediaId.slice(EXT_PREFIX.length);
    const connected = this.mediaUp.delete(mediaId);
    const client = this.client;
    if (!client) return;
    const live = this.live.get(caller);
    if (!connected && live) {
      // chan_websocket never reached the media server: Asterisk answered
      // externalMedia 200 and fails the channel about 1.5 s later (cause 3).
      live.failure = { reason: `the media connection failed (cause ${cause ?? 'unknown'})` };
      this.logger.warn(
        { provider: this.target.provider, callId: caller, cause },
        'media never connected; ending the call',
      );
    }
    const bridge = await this.call('read bridge', () =>
      client.bridges['get']!({ bridgeId: bridgeId(caller) }),
    ).catch(() => undefined);
    const others = ((bridge as AriBridgeEvent | undefined)?.channels ?? []).filter(
      (id) => id !== caller && id !== mediaId,
    );
    if (others.length === 0)
      await this.callIgnoringMissing('hang up caller', () =>
        client.channels['hangup']!({ channelId: caller, reason: 'normal' }),
      );
  }

  /** The one report of how a call or transfer leg ended, and the teardown of what hung off it. */
  private async end(id: string, cause: number | undefined, carrierStatus: string): Promise<void> {
    if (this.ended.has(id)) return;
    this.ended.set(
      id,
      setTimeout(() => this.ended.delete(id), ENDED_MEMORY_MS),
    );
    const live = this.live.get(id);
    this.live.delete(id);
    clearTimeout(live?.endTimer);
    const clues = this.clues.get(id) ?? {};
    this.clues.delete(id);
    // A call that left Stasis unanswered with no cause known is a caller who gave up ringing.
    const knownCause = cause ?? (live && !live.answered ? 16 : undefined);
    const end = { cause: knownCause, answered: live?.answered ?? false, ...clues };
    if (id.startsWith(TRANSFER_PREFIX)) {
      this.handlers?.transfer?.({
        transferId: id.slice(TRANSFER_PREFIX.length),
        status: live?.answered ? 'completed' : ariTransferStatus(end),
        legCallId: id,
        metadata: { cause, dialStatus: clues.dialStatus },
      });
      return;
    }
    const status: CallStatus = live?.failure ? 'failed' : ariEndStatus(end);
    this.handlers?.status({
      callId: id,
      status,
      carrierStatus: clues.dialStatus ? `${carrierStatus}:${clues.dialStatus}` : carrierStatus,
      ...(live?.failure ? { reason: live.failure.reason } : {}),
      metadata: {},
    });
    const client = this.client;
    // A call that never entered Stasis has no media or bridge to tear down.
    if (!client || !live) return;
    // Tear down what hung off this call: its media, its bridge and anyone left in it.
    const bridge = await this.call('read bridge', () =>
      client.bridges['get']!({ bridgeId: bridgeId(id) }),
    ).catch(() => undefined);
    for (const other of (bridge as AriBridgeEvent | undefined)?.channels ?? [])
      if (other !== id)
        await this.callIgnoringMissing('hang up bridged party', () =>
          client.channels['hangup']!({ channelId: other, reason: 'normal' }),
        );
    await this.callIgnoringMissing('hang up media', () =>
      client.channels['hangup']!({ channelId: mediaChannelId(id), reason: 'normal' }),
    );
    await this.callIgnoringMissing('destroy bridge', () =>
      client.bridges['destroy']!({ bridgeId: bridgeId(id) }),
    );
  }
}

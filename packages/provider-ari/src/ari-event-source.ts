import {
  type InboundDecision,
  type Logger,
  normalizePhoneAddress,
  type ProviderEventHandlers,
  type ProviderEventSource,
} from '@patchbay/core';
import type { AriClient } from 'ari-client';
import { callAri, callAriIgnoringMissing, connectAri } from './ari-connection.js';
import {
  bridgeId,
  decodeMediaArgument,
  EXT_PREFIX,
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

function address(value: string | undefined): string {
  if (!value) return 'anonymous';
  try {
    return normalizePhoneAddress(value, { digitsAreInternational: true }).canonical;
  } catch {
    return value.trim().toLowerCase();
  }
}

/**
 * One configuration's Stasis application: a single events connection (a
 * Stasis name is delivered to the newest socket only, so one per name),
 * reconnected with backoff until stopped. It answers and streams inbound
 * calls the host accepts, streams outbound calls once they answer, bridges
 * each caller with its externalMedia channel, reports how calls end (also
 * those never answered), transfers, DTMF, and tears calls down.
 */
export class AriEventSource implements ProviderEventSource {
  private client: AriClient | undefined;
  private handlers: ProviderEventHandlers | undefined;
  private stopped = true;
  private delay: number;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  /** Channels that entered Stasis answered, so their end is a completion rather than a failure. */
  private readonly answered = new Set<string>();

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
    const client = this.client;
    this.client = undefined;
    try {
      client?.stop();
    } catch {
      // already closed
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const timeout = this.policy.attemptTimeoutMs ?? 10_000;
    try {
      const client = await within(connectAri(this.target), timeout, 'loading the ARI definitions');
      if (this.stopped) return;
      this.client = client;
      this.listen(client);
      await within(client.start(this.target.stasisApp), timeout, 'opening the ARI events socket');
      this.handlers?.connection?.('connected');
      this.stableTimer = setTimeout(() => {
        this.delay = this.policy.initialDelayMs;
      }, this.policy.stableAfterMs);
    } catch (error) {
      this.logger.warn(
        { provider: this.target.provider, error: String(error), retryInMs: this.delay },
        'ARI events connection failed',
      );
      this.handlers?.connection?.('disconnected', String(error));
      // A half-open attempt must not linger beside the next one.
      const abandoned = this.client;
      this.client = undefined;
      try {
        abandoned?.stop();
      } catch {
        // never opened
      }
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.stableTimer);
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.policy.maxDelayMs);
    this.retryTimer = setTimeout(() => void this.connect(), wait);
  }

  private listen(client: AriClient): void {
    const safely = (name: string, work: () => Promise<void>) =>
      work().catch((error: unknown) =>
        this.logger.error(
          { provider: this.target.provider, event: name, error: String(error) },
          'ARI event handling failed',
        ),
      );
    client.on(
      'StasisStart',
      (event: { args?: string[] }, channel: AriChannelEvent) =>
        void safely('StasisStart', () => this.onStasisStart(event.args ?? [], channel)),
    );
    client.on(
      'ChannelDestroyed',
      (event: { cause?: number; cause_txt?: string }, channel: AriChannelEvent) =>
        void safely('ChannelDestroyed', () =>
          this.onDestroyed(channel, event.cause, event.cause_txt),
        ),
    );
    client.on('ChannelStateChange', (_event: unknown, channel: AriChannelEvent) => {
      if (!channel.id.startsWith(EXT_PREFIX) && !channel.id.startsWith(TRANSFER_PREFIX)) {
        this.handlers?.status({
          callId: channel.id,
          status: ariChannelStatus(channel.state),
          carrierStatus: channel.state,
          metadata: {},
        });
      }
    });
    client.on('ChannelDtmfReceived', (event: { digit?: string }, channel: AriChannelEvent) => {
      if (event.digit && !channel.id.startsWith(EXT_PREFIX))
        this.handlers?.dtmf?.(channel.id, event.digit);
    });
    client.on('ApplicationReplaced', () =>
      this.logger.warn(
        { provider: this.target.provider, app: this.target.stasisApp },
        'another client took over the Stasis application',
      ),
    );
    // ari-client retries a dropped socket itself; when it gives up, start over.
    client.on('WebSocketMaxRetries', () => {
      this.handlers?.connection?.('disconnected', 'ARI events socket lost');
      this.client = undefined;
      this.scheduleReconnect();
    });
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

  private async onStasisStart(args: string[], channel: AriChannelEvent): Promise<void> {
    if (channel.id.startsWith(EXT_PREFIX)) {
      // Our media channel is up: bridge it with its caller.
      const caller = channel.id.slice(EXT_PREFIX.length);
      const client = this.rest();
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
          channel: [caller, channel.id].join(','),
        }),
      );
      return;
    }
    this.answered.add(channel.id);
    if (args[0] === TRANSFER_ARG) {
      this.handlers?.transfer?.({
        transferId: args[1] ?? '',
        status: 'answered',
        legCallId: channel.id,
        metadata: {},
      });
      return;
    }
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
          reason: decision.reason === 'concurrency-limit' ? 'busy' : 'rejected',
        }),
      );
      return;
    }
    // A dialplan may Answer() before Stasis(); answer only what rings.
    if (channel.state !== 'Up')
      await this.call('answer call', () => client.channels['answer']!({ channelId: channel.id }));
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

  private async onDestroyed(
    channel: AriChannelEvent,
    cause: number | undefined,
    causeText: string | undefined,
  ): Promise<void> {
    const client = this.client;
    if (channel.id.startsWith(EXT_PREFIX)) {
      // The agent's media ended. Unless a transfer put someone else in the bridge, the call ends too.
      const caller = channel.id.slice(EXT_PREFIX.length);
      if (!client) return;
      const bridge = await this.call('read bridge', () =>
        client.bridges['get']!({ bridgeId: bridgeId(caller) }),
      ).catch(() => undefined);
      const others = ((bridge as { channels?: string[] } | undefined)?.channels ?? []).filter(
        (id) => id !== caller && id !== channel.id,
      );
      if (others.length === 0)
        await this.callIgnoringMissing('hang up caller', () =>
          client.channels['hangup']!({ channelId: caller, reason: 'normal' }),
        );
      return;
    }
    const wasAnswered = this.answered.delete(channel.id);
    if (channel.id.startsWith(TRANSFER_PREFIX)) {
      const transferId = channel.id.slice(TRANSFER_PREFIX.length);
      this.handlers?.transfer?.({
        transferId,
        status: wasAnswered ? 'completed' : ariTransferStatus(cause),
        legCallId: channel.id,
        metadata: { cause, causeText },
      });
    } else {
      this.handlers?.status({
        callId: channel.id,
        status: ariEndStatus(cause, wasAnswered),
        carrierStatus: `ChannelDestroyed:${cause ?? 'unknown'}`,
        ...(causeText ? { reason: causeText } : {}),
        metadata: {},
      });
    }
    if (!client) return;
    // Tear down what hung off this call: its bridge, its media, a transferred party.
    const bridge = await this.call('read bridge', () =>
      client.bridges['get']!({ bridgeId: bridgeId(channel.id) }),
    ).catch(() => undefined);
    for (const other of (bridge as { channels?: string[] } | undefined)?.channels ?? []) {
      if (other !== channel.id)
        await this.callIgnoringMissing('hang up bridged party', () =>
          client.channels['hangup']!({ channelId: other, reason: 'normal' }),
        );
    }
    await this.callIgnoringMissing('hang up media', () =>
      client.channels['hangup']!({ channelId: mediaChannelId(channel.id), reason: 'normal' }),
    );
    await this.callIgnoringMissing('destroy bridge', () =>
      client.bridges['destroy']!({ bridgeId: bridgeId(channel.id) }),
    );
  }
}

import { createResampler, type Resampler } from '@patchbay/audio';
import { PatchbayError } from '../errors/patchbay-error.js';
import { type Logger, silentLogger } from '../logger.js';
import { type CarrierSocket, SOCKET_OPEN, toCarrierMessage } from './carrier-socket.js';
import type { MediaEvent, MediaSerializer, MediaStartEvent } from './media-serializer.js';
import { SampleQueue } from './sample-queue.js';

/** What the agent learns when the carrier's stream starts. */
export interface MediaStreamInfo {
  readonly callId: string | undefined;
  readonly streamId: string | undefined;
  readonly customParameters: Readonly<Record<string, string>>;
  /** The agent-side sample rate of every audio frame. */
  readonly sampleRate: number;
}

/** Why a bridge ended. */
export type MediaBridgeEndReason =
  | 'carrier-stop'
  | 'carrier-closed'
  | 'agent-closed'
  | 'hang-up'
  | 'transferred';

/**
 * The voice agent's side of a bridge: called with caller audio and events.
 * Exceptions thrown here are logged and do not end the call.
 */
export interface MediaAgent {
  start?(info: MediaStreamInfo): void;
  /** 16-bit PCM at the agent's rate; a reused buffer, valid during the call only. */
  audio(samples: Int16Array): void;
  dtmf?(digit: string): void;
  /**
   * A mark the agent placed was reached: `played` is true when the caller
   * heard everything before it, false when a clear dropped it first.
   */
  mark?(name: string, played: boolean): void;
  stop?(reason: MediaBridgeEndReason): void;
}

/** Time source, replaceable in tests. */
export interface BridgeClock {
  now(): number;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  /**
   * One-shot timers. With them the bridge wakes only when it next has
   * something to send; without them it polls every half frame while busy.
   */
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

export interface MediaBridgeOptions {
  readonly socket: CarrierSocket;
  readonly serializer: MediaSerializer;
  readonly agent: MediaAgent;
  /** Sample rate the agent sends and receives, e.g. 16000 or 24000. */
  readonly agentSampleRate: number;
  /**
   * How far ahead of the caller's ear the bridge may send audio, in
   * milliseconds (default 80). Enough to ride out network jitter, small
   * enough that a barge-in cuts the agent off at once even where the carrier
   * cannot clear its queue.
   */
  readonly leadMs?: number;
  readonly logger?: Logger;
  readonly clock?: BridgeClock;
}

/** One carrier media socket joined to one agent. */
export interface MediaBridge {
  /** Queues agent audio (16-bit PCM at the agent rate) to play to the caller. */
  sendAudio(samples: Int16Array): void;
  /** Barge-in: drops every queued sample and asks the carrier to drop its own. */
  clear(): void;
  /** Places a mark after the audio queued so far; the agent hears back when it plays. */
  mark(name: string): void;
  /** Ends the call from the agent's side (the carrier's hang-up message where it has one). */
  hangUp(): void;
  /**
   * Closes the media socket. `transferred` says the caller went on to
   * someone else (the agent's stop carries it); the default is `agent-closed`.
   */
  close(reason?: 'agent-closed' | 'transferred'): void;
  readonly ended: boolean;
  /** Milliseconds of agent audio queued and not yet sent. */
  readonly queuedMs: number;
}

const realClock: BridgeClock = {
  now: () => performance.now(),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface PendingMark {
  readonly name: string;
  /** Queue position the mark follows. */
  readonly position: number;
  /** When the caller will have heard it, by the bridge's clock; set once sent. */
  playsAt: number;
}

class Bridge implements MediaBridge {
  private readonly socket: CarrierSocket;
  private readonly serializer: MediaSerializer;
  private readonly agent: MediaAgent;
  private readonly logger: Logger;
  private readonly clock: BridgeClock;
  private readonly leadMs: number;
  private readonly frameMs: number;
  private readonly frameSamples: number;
  private readonly wireRate: number;
  private readonly agentRate: number;
  private readonly toAgent: Resampler | undefined;
  private readonly toCaller: Resampler | undefined;
  private readonly carrierMarks: boolean;
  private readonly queue = new SampleQueue();
  private readonly frame: Int16Array;
  private agentBuffer = new Int16Array(0);
  private callerBuffer = new Int16Array(0);
  private readonly agentViews = new Map<number, Int16Array>();
  /** Marks queued behind audio not yet sent, in order. */
  private readonly queuedMarks: PendingMark[] = [];
  /** Marks sent, awaiting the carrier's echo or the playout clock. */
  private readonly sentMarks: PendingMark[] = [];
  /** When the carrier will have played everything sent so far. */
  private horizon = 0;
  private timer: unknown;
  /** When the one-shot timer fires; infinity when none is set. */
  private wakeAt = Number.POSITIVE_INFINITY;
  private endReason: MediaBridgeEndReason | undefined;
  /** For a carrier that is silent when the caller is: when caller audio began, and how much came since. */
  private callerClock: unknown;
  private callerSince = 0;
  private callerSamples = 0;
  private silence: Int16Array | undefined;
  private readonly emitEvent = (event: MediaEvent) => this.onEvent(event);

  constructor(options: MediaBridgeOptions) {
    this.socket = options.socket;
    this.serializer = options.serializer;
    this.agent = options.agent;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? realClock;
    this.leadMs = options.leadMs ?? 80;
    const audio = options.serializer.audio;
    this.wireRate = audio.sampleRate;
    this.agentRate = options.agentSampleRate;
    this.frameMs = audio.frameMs;
    this.frameSamples = Math.round((audio.sampleRate * audio.frameMs) / 1000);
    this.frame = new Int16Array(this.frameSamples);
    if (this.agentRate !== this.wireRate) {
      this.toAgent = createResampler({ from: this.wireRate, to: this.agentRate });
      this.toCaller = createResampler({ from: this.agentRate, to: this.wireRate });
    }
    this.carrierMarks = this.serializer.encodeMark('probe') !== undefined;
    if (audio.continuous === false) this.silence = new Int16Array(this.frameSamples);

    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', () => this.end('carrier-closed'));
    this.socket.on('error', (error) => {
      this.logger.warn({ error: error.message }, 'media socket error');
    });
  }

  get ended(): boolean {
    return this.endReason !== undefined;
  }

  get queuedMs(): number {
    return (this.queue.length / this.wireRate) * 1000;
  }

  sendAudio(samples: Int16Array): void {
    if (this.ended) return;
    if (this.toCaller === undefined) {
      this.queue.push(samples);
    } else {
      const needed = this.toCaller.maxOutputLength(samples.length);
      if (this.callerBuffer.length < needed) this.callerBuffer = new Int16Array(needed * 2);
      const count = this.toCaller.processInto(samples, this.callerBuffer);
      this.queue.push(this.callerBuffer, count);
    }
    this.pump();
  }

  mark(name: string): void {
    if (this.ended) return;
    this.queuedMarks.push({ name, position: this.queue.written, playsAt: 0 });
    this.pump();
  }

  clear(): void {
    if (this.ended) return;
    this.queue.clear();
    // What the agent sends next is a new utterance: no filter tail from the old one.
    this.toCaller?.reset();
    const message = this.serializer.encodeClear();
    if (message !== undefined) {
      this.send(message);
      this.horizon = this.clock.now();
    }
    // Everything not yet confirmed as heard is now unheard. A carrier echo
    // that arrives later for one of these finds nothing and is ignored.
    for (const mark of this.sentMarks.splice(0)) this.notifyMark(mark.name, false);
    for (const mark of this.queuedMarks.splice(0)) this.notifyMark(mark.name, false);
    this.updateTimer();
  }

  hangUp(): void {
    if (this.ended) return;
    const message = this.serializer.encodeHangUp();
    if (message !== undefined) this.send(message);
    // The reason is settled before the socket closes: its close event may fire at once.
    this.end('hang-up');
    this.closeSocket(1000, 'hang-up');
  }

  close(reason: 'agent-closed' | 'transferred' = 'agent-closed'): void {
    if (this.ended) return;
    this.end(reason);
    this.closeSocket(1000, reason === 'transferred' ? 'transferred' : 'agent closed');
  }

  private onMessage(data: Uint8Array | ArrayBuffer | Uint8Array[], isBinary: boolean): void {
    if (this.ended) return;
    try {
      this.serializer.decode(toCarrierMessage(data, isBinary), this.emitEvent);
    } catch (error) {
      // A bad message costs one message, never the call.
      this.logger.warn(
        { error: PatchbayError.isInstance(error) ? error.toJSON() : String(error) },
        'ignored a media message that could not be decoded',
      );
    }
  }

  private onEvent(event: MediaEvent): void {
    switch (event.type) {
      case 'audio':
        this.callerSamples += event.samples.length;
        this.deliverAudio(event.samples);
        break;
      case 'start':
        this.callAgent(() => this.agent.start?.(this.streamInfo(event)));
        this.startCallerClock();
        break;
      case 'dtmf':
        this.callAgent(() => this.agent.dtmf?.(event.digit));
        break;
      case 'mark': {
        const index = this.sentMarks.findIndex((mark) => mark.name === event.name);
        if (index !== -1) {
          // A carrier plays in order: every mark before this one has played too.
          for (const mark of this.sentMarks.splice(0, index + 1)) this.notifyMark(mark.name, true);
        }
        break;
      }
      case 'stop':
        this.end('carrier-stop');
        break;
    }
  }

  /**
   * Keeps the agent's audio on the wall clock when the carrier sends nothing
   * while the caller is silent: every frame period, whatever the caller's
   * audio falls short of real time by more than a frame is made up with
   * silence frames (at most a second's worth at once, after a stall).
   */
  private startCallerClock(): void {
    if (this.silence === undefined || this.callerClock !== undefined) return;
    this.callerSince = this.clock.now();
    this.callerSamples = 0;
    this.callerClock = this.clock.setInterval(() => this.fillCallerSilence(), this.frameMs);
  }

  private fillCallerSilence(): void {
    const silence = this.silence;
    if (this.ended || silence === undefined) return;
    const due = ((this.clock.now() - this.callerSince) * this.wireRate) / 1000;
    let missing = due - this.callerSamples;
    if (missing < 2 * this.frameSamples) return;
    const most = Math.ceil(1000 / this.frameMs);
    for (let n = 0; n < most && missing >= this.frameSamples; n++) {
      this.callerSamples += silence.length;
      missing -= silence.length;
      this.deliverAudio(silence);
    }
    // Beyond a second behind (the process stalled), start the clock again from now.
    if (missing >= this.frameSamples) {
      this.callerSince = this.clock.now();
      this.callerSamples = 0;
    }
  }

  private streamInfo(event: MediaStartEvent): MediaStreamInfo {
    return {
      callId: event.callId,
      streamId: event.streamId,
      customParameters: event.customParameters,
      sampleRate: this.agentRate,
    };
  }

  private deliverAudio(samples: Int16Array): void {
    if (this.toAgent === undefined) {
      this.callAgent(() => this.agent.audio(samples));
      return;
    }
    const needed = this.toAgent.maxOutputLength(samples.length);
    if (this.agentBuffer.length < needed) {
      this.agentBuffer = new Int16Array(needed * 2);
      this.agentViews.clear();
    }
    const count = this.toAgent.processInto(samples, this.agentBuffer);
    // Frames come in a steady size, so one view per size serves every frame.
    let view = this.agentViews.get(count);
    if (view === undefined) {
      view = this.agentBuffer.subarray(0, count);
      this.agentViews.set(count, view);
    }
    this.callAgent(() => this.agent.audio(view));
  }

  /**
   * Sends frames while the carrier holds less than `leadMs` of unplayed audio.
   * The horizon is when the carrier will have played all it was sent: each
   * frame moves it one frame on, and real time catches up with it.
   */
  private pump(): void {
    if (this.ended) return;
    const now = this.clock.now();
    if (this.horizon < now) this.horizon = now;
    while (this.horizon - now < this.leadMs) {
      const queued = this.queue.length;
      if (queued >= this.frameSamples) {
        this.queue.readInto(this.frame, this.frameSamples);
      } else if (queued > 0 && this.horizon - now < this.frameMs) {
        // About to run dry with a partial frame: pad it rather than hold it back.
        const count = this.queue.readInto(this.frame, queued);
        this.frame.fill(0, count);
      } else {
        break;
      }
      this.send(this.serializer.encodeAudio(this.frame));
      this.horizon += this.frameMs;
      this.releaseMarks();
    }
    // Marks placed with nothing queued before them are due at once.
    if (this.queue.length === 0) this.releaseMarks();
    this.settleLocalMarks(now);
    this.updateTimer();
  }

  /** Sends the marks whose audio has all been sent. */
  private releaseMarks(): void {
    while (this.queuedMarks.length > 0 && this.queuedMarks[0]!.position <= this.queue.consumed) {
      const mark = this.queuedMarks.shift()!;
      mark.playsAt = this.horizon;
      if (this.carrierMarks) this.send(this.serializer.encodeMark(mark.name)!);
      this.sentMarks.push(mark);
    }
  }

  /** Without carrier marks, a mark has played when the playout clock passes it. */
  private settleLocalMarks(now: number): void {
    if (this.carrierMarks) return;
    while (this.sentMarks.length > 0 && this.sentMarks[0]!.playsAt <= now) {
      this.notifyMark(this.sentMarks.shift()!.name, true);
    }
  }

  private updateTimer(): void {
    if (this.clock.setTimeout && this.clock.clearTimeout) {
      this.scheduleWakeUp();
      return;
    }
    const busy =
      this.queue.length > 0 ||
      this.queuedMarks.length > 0 ||
      (!this.carrierMarks && this.sentMarks.length > 0);
    if (busy && this.timer === undefined && !this.ended) {
      this.timer = this.clock.setInterval(() => this.pump(), this.frameMs / 2);
    } else if (!busy && this.timer !== undefined) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * One timer at the next moment pump() can do something: when the lead
   * allows another full frame, when a partial frame must be padded out
   * before the carrier runs dry, or when a local mark plays. An agent that
   * keeps pace (an echo, streaming TTS) refills the queue before then, so a
   * steady call wakes no timer at all; a per-call poll would cost every
   * live call a hundred wake-ups a second.
   */
  private scheduleWakeUp(): void {
    let due = Number.POSITIVE_INFINITY;
    if (!this.ended) {
      if (this.queue.length >= this.frameSamples) due = this.horizon - this.leadMs;
      else if (this.queue.length > 0) due = this.horizon - this.frameMs;
      if (!this.carrierMarks && this.sentMarks.length > 0)
        due = Math.min(due, this.sentMarks[0]!.playsAt);
    }
    if (due === this.wakeAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout!(this.timer);
    this.timer = undefined;
    this.wakeAt = due;
    if (due === Number.POSITIVE_INFINITY) return;
    // Strictly after `due`: pump() sends while the horizon is less than the lead ahead.
    const delay = Math.max(1, Math.floor(due - this.clock.now()) + 1);
    this.timer = this.clock.setTimeout!(() => {
      this.timer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, delay);
  }

  private notifyMark(name: string, played: boolean): void {
    this.callAgent(() => this.agent.mark?.(name, played));
  }

  private callAgent(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error({ error: String(error) }, 'media agent callback threw');
    }
  }

  private send(message: string | Uint8Array): void {
    if (this.socket.readyState !== SOCKET_OPEN) return;
    try {
      this.socket.send(message);
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'media socket send failed');
    }
  }

  private closeSocket(code: number, reason: string): void {
    try {
      if (this.socket.readyState === SOCKET_OPEN) this.socket.close(code, reason);
    } catch (error) {
      this.logger.debug({ error: String(error) }, 'media socket close failed');
    }
  }

  private end(reason: MediaBridgeEndReason): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    if (this.callerClock !== undefined) {
      this.clock.clearInterval(this.callerClock);
      this.callerClock = undefined;
    }
    if (this.timer !== undefined) {
      if (this.clock.setTimeout && this.clock.clearTimeout) this.clock.clearTimeout(this.timer);
      else this.clock.clearInterval(this.timer);
      this.timer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
    }
    for (const mark of [...this.sentMarks.splice(0), ...this.queuedMarks.splice(0)]) {
      this.notifyMark(mark.name, false);
    }
    this.queue.clear();
    this.callAgent(() => this.agent.stop?.(reason));
  }
}

/**
 * Joins one carrier media socket to one agent: decodes the carrier's dialect,
 * resamples between the wire rate and the agent's, cuts agent audio into the
 * carrier's frames and paces them to real time, forwards DTMF, honours
 * clear and marks, and ends once from whichever side closes first.
 *
 * Steady state allocates nothing in the bridge itself; a JSON dialect's
 * serializer still makes one string per frame, as its wire format requires.
 */
export function createMediaBridge(options: MediaBridgeOptions): MediaBridge {
  if (!Number.isInteger(options.agentSampleRate) || options.agentSampleRate < 8000) {
    throw new RangeError(
      `agentSampleRate must be a whole number >= 8000, got ${options.agentSampleRate}`,
    );
  }
  return new Bridge(options);
}

import { createResampler, type Resampler } from '@patchbay/audio';
import { PatchbayError } from '../errors/patchbay-error.js';
import { type Logger, silentLogger } from '../logger.js';
import { checkSpecificationVersion } from '../provider/specification-version.js';
import type { MediaTap } from './call-recording.js';
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
  | 'transferred'
  /** The carrier's peer sent what the dialect never sends (a message over its size limit). */
  | 'protocol-violation';

/**
 * The voice agent's side of a bridge: called with caller audio and events.
 * Exceptions thrown here are logged and do not end the call.
 */
export interface MediaAgent {
  start?(info: MediaStreamInfo): void;
  /**
   * One frame of caller audio: 16-bit PCM at the agent's rate, always a whole
   * frame of the carrier's `frameMs` (320 samples for 20 ms at 16 kHz). A
   * reused buffer, valid during the call only: copy it to keep it.
   */
  audio(samples: Int16Array): void;
  dtmf?(digit: string): void;
  /**
   * A mark the agent placed was reached: `played` is true when the caller
   * heard everything before it, false when a clear dropped it first.
   */
  mark?(name: string, played: boolean): void;
  stop?(reason: MediaBridgeEndReason): void;
  /**
   * The playback queue went back below half its high-water mark after
   * `sendAudio` returned false: the agent may send again.
   */
  drain?(): void;
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
  /**
   * Runs `callback` once, after the I/O of the current turn (the default
   * clock uses `setImmediate`). With it, what every bridge sends in one turn
   * goes to the sockets together at the end of the turn: a peer sleeping in
   * its event loop is woken once for the lot rather than once per message
   * (measured on loopback: a fifth less CPU in the load generator, a little
   * less in the server). Without it, messages are sent as they are made.
   */
  defer?(callback: () => void): void;
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
  /**
   * Agent audio queued beyond this many milliseconds makes `sendAudio`
   * return false (default 10 000): an agent that generates faster than real
   * time should wait for `drain` before sending more.
   */
  readonly queueHighWaterMs?: number;
  /**
   * Agent audio beyond this many milliseconds queued is dropped, so no agent
   * can make a call hold unbounded memory (default 60 000).
   */
  readonly queueLimitMs?: number;
  /**
   * How far ahead of real time the carrier may run with caller audio, in
   * milliseconds (default 2000): enough for a burst after network jitter.
   * Audio beyond it is dropped before it costs resampling or reaches the
   * agent, so a peer flooding one call cannot take the CPU from the others.
   */
  readonly callerBurstMs?: number;
  /**
   * Hears both sides for a recording, at the agent's rate: the caller's
   * audio as it arrives, the agent's at the time the carrier plays it.
   */
  readonly tap?: MediaTap;
  readonly logger?: Logger;
  readonly clock?: BridgeClock;
}

/** One carrier media socket joined to one agent. */
export interface MediaBridge {
  /**
   * Queues agent audio (16-bit PCM at the agent rate) to play to the caller.
   * Returns false once the queue is past its high-water mark, as a Node
   * stream's `write` does: wait for the agent's `drain` before sending more.
   * Audio past the queue's limit is dropped.
   */
  sendAudio(samples: Int16Array): boolean;
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
  /** Milliseconds of agent audio dropped so far because the queue was at its limit. */
  readonly droppedMs: number;
  /** How the call's audio has fared so far; read it when the call ends for the whole call. */
  readonly health: MediaHealth;
}

/**
 * What a person asks when a caller complains about a call's audio, counted
 * by the bridge as the call runs (without allocating per frame).
 */
export interface MediaHealth {
  /** Caller audio messages the carrier sent. */
  readonly callerFrames: number;
  /**
   * Pauses of more than two frames (40 ms at 20 ms frames) between the
   * carrier's audio messages: frames late or missing. Not counted for
   * carriers that send nothing while the caller is silent (`continuous: false`).
   */
  readonly callerGaps: number;
  /** The longest such pause, in milliseconds. */
  readonly longestCallerGapMs: number;
  /** Interarrival jitter of the carrier's audio (RFC 3550's estimator), in milliseconds. */
  readonly jitterMs: number;
  /** Caller audio dropped because the carrier sent faster than real time, in milliseconds. */
  readonly droppedCallerMs: number;
  /**
   * Times the caller heard a gap mid-utterance: the agent's next audio came
   * within a second of its last, but after the carrier had run out of audio
   * to play (for more than a frame).
   */
  readonly agentUnderruns: number;
  /** The most agent audio queued at once, in milliseconds. */
  readonly peakQueuedMs: number;
  /** Barge-ins: clears of the agent's queued audio. */
  readonly clears: number;
  /** Agent audio dropped at the queue's limit, in milliseconds. */
  readonly droppedAgentMs: number;
}

const realClock: BridgeClock = {
  now: () => performance.now(),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  defer: (callback) => {
    setImmediate(callback);
  },
};

/** A resampler and the output buffer it reuses, grown only when a longer chunk arrives. */
class ResamplingStage {
  /** Holds the last `process` call's samples (its return value says how many). */
  output = new Int16Array(0);

  constructor(readonly resampler: Resampler) {}

  process(samples: Int16Array): number {
    const needed = this.resampler.maxOutputLength(samples.length);
    if (this.output.length < needed) this.output = new Int16Array(needed * 2);
    return this.resampler.processInto(samples, this.output);
  }
}

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
  private readonly toAgent: ResamplingStage | undefined;
  private readonly toCaller: ResamplingStage | undefined;
  private readonly tap: MediaTap | undefined;
  /** The agent's audio as played, back at the agent's rate, for the tap only. */
  private readonly toTap: ResamplingStage | undefined;
  private tapView: Int16Array | undefined;
  private readonly carrierMarks: boolean;
  private readonly queue = new SampleQueue();
  private readonly frame: Int16Array;
  private readonly maxMessageBytes: number;
  private readonly highWaterSamples: number;
  private readonly limitSamples: number;
  /** Past the high-water mark since sendAudio last said so: the agent waits for drain. */
  private agentWaiting = false;
  /** Agent audio dropped at the queue limit since the last warning, and in all. */
  private droppedAgentSamples = 0;
  private droppedAgentTotal = 0;
  /** Caller audio the carrier may still send ahead of real time (a token bucket). */
  private callerAllowance: number;
  private readonly callerBurst: number;
  private callerAllowanceAt: number | undefined;
  private droppedCallerSamples = 0;
  /** The frame being filled for the agent, handed over only when whole. */
  private readonly agentFrame: Int16Array;
  private agentFrameFill = 0;
  private agentFramePrimed = false;
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
  // Media health, kept as plain numbers so counting costs nothing per frame.
  private readonly continuous: boolean;
  private callerFrames = 0;
  private callerGaps = 0;
  private longestCallerGapMs = 0;
  private lastCallerAt: number | undefined;
  private lastCallerSamples = 0;
  private jitterMs = 0;
  private droppedCallerTotal = 0;
  private agentUnderruns = 0;
  private lastAgentAudioAt: number | undefined;
  private peakQueuedSamples = 0;
  private clears = 0;

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
    this.agentFrame = new Int16Array(Math.round((this.agentRate * this.frameMs) / 1000));
    this.maxMessageBytes = options.serializer.maxMessageBytes;
    const samplesIn = (ms: number) => Math.round((ms * this.wireRate) / 1000);
    this.highWaterSamples = samplesIn(options.queueHighWaterMs ?? 10_000);
    this.limitSamples = Math.max(this.highWaterSamples, samplesIn(options.queueLimitMs ?? 60_000));
    this.callerBurst = samplesIn(options.callerBurstMs ?? 2000);
    this.callerAllowance = this.callerBurst;
    if (this.agentRate !== this.wireRate) {
      this.toAgent = new ResamplingStage(
        createResampler({ from: this.wireRate, to: this.agentRate }),
      );
      this.toCaller = new ResamplingStage(
        createResampler({ from: this.agentRate, to: this.wireRate }),
      );
    }
    this.tap = options.tap;
    this.toTap =
      this.tap !== undefined && this.agentRate !== this.wireRate
        ? new ResamplingStage(createResampler({ from: this.wireRate, to: this.agentRate }))
        : undefined;
    this.carrierMarks = this.serializer.encodeMark('probe') !== undefined;
    this.continuous = audio.continuous !== false;
    if (!this.continuous) this.silence = new Int16Array(this.frameSamples);

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

  get droppedMs(): number {
    return (this.droppedAgentTotal / this.wireRate) * 1000;
  }

  get health(): MediaHealth {
    const ms = (samples: number) => Math.round((samples / this.wireRate) * 1000);
    return {
      callerFrames: this.callerFrames,
      callerGaps: this.callerGaps,
      longestCallerGapMs: Math.round(this.longestCallerGapMs),
      jitterMs: Math.round(this.jitterMs * 10) / 10,
      droppedCallerMs: ms(this.droppedCallerTotal),
      agentUnderruns: this.agentUnderruns,
      peakQueuedMs: ms(this.peakQueuedSamples),
      clears: this.clears,
      droppedAgentMs: ms(this.droppedAgentTotal),
    };
  }

  sendAudio(samples: Int16Array): boolean {
    if (this.ended) return false;
    this.countUnderrun();
    const room = this.limitSamples - this.queue.length;
    if (room <= 0) {
      // Full: dropped before it costs a resampling.
      this.dropAgentAudio(Math.round((samples.length * this.wireRate) / this.agentRate));
    } else {
      let source = samples;
      let count = samples.length;
      if (this.toCaller !== undefined) {
        count = this.toCaller.process(samples);
        source = this.toCaller.output;
      }
      const accepted = Math.min(count, room);
      this.queue.push(source, accepted);
      if (accepted < count) this.dropAgentAudio(count - accepted);
      if (this.queue.length > this.peakQueuedSamples) this.peakQueuedSamples = this.queue.length;
    }
    this.pump();
    if (this.queue.length >= this.highWaterSamples) this.agentWaiting = true;
    return !this.agentWaiting;
  }

  /**
   * An underrun: audio arrives within a second of the agent's last (so mid-
   * utterance, no clear between), yet the carrier ran out of audio to play
   * more than a frame ago, so the caller heard a hole.
   */
  private countUnderrun(): void {
    const now = this.clock.now();
    if (
      this.lastAgentAudioAt !== undefined &&
      now - this.lastAgentAudioAt < 1000 &&
      this.queue.length === 0 &&
      now - this.horizon > this.frameMs
    )
      this.agentUnderruns += 1;
    this.lastAgentAudioAt = now;
  }

  /** Counts agent audio that found the queue full; warns once per overflow. */
  private dropAgentAudio(samples: number): void {
    if (this.droppedAgentSamples === 0)
      this.logger.warn(
        { queuedMs: Math.round(this.queuedMs) },
        'agent audio dropped: the playback queue is full',
      );
    this.droppedAgentSamples += samples;
    this.droppedAgentTotal += samples;
  }

  mark(name: string): void {
    if (this.ended) return;
    this.queuedMarks.push({ name, position: this.queue.written, playsAt: 0 });
    this.pump();
  }

  clear(): void {
    if (this.ended) return;
    this.clears += 1;
    // A new utterance follows: the pause before it is no underrun.
    this.lastAgentAudioAt = undefined;
    this.queue.clear();
    this.queueDrained();
    // What the agent sends next is a new utterance: no filter tail from the old one.
    this.toCaller?.resampler.reset();
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
    const size = Array.isArray(data)
      ? data.reduce((total, part) => total + part.byteLength, 0)
      : data.byteLength;
    if (size > this.maxMessageBytes) {
      this.logger.warn(
        { bytes: size, limit: this.maxMessageBytes },
        'media socket closed: a message larger than the carrier ever sends',
      );
      this.end('protocol-violation');
      this.closeSocket(1009, 'message too big');
      return;
    }
    try {
      if (!isBinary && this.serializer.decodeText !== undefined && !Array.isArray(data))
        this.serializer.decodeText(
          data instanceof ArrayBuffer ? new Uint8Array(data) : data,
          this.emitEvent,
        );
      else this.serializer.decode(toCarrierMessage(data, isBinary), this.emitEvent);
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
        this.countCallerArrival(event.samples.length);
        if (!this.withinCallerAllowance(event.samples.length)) break;
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
   * Interarrival jitter as RFC 3550 estimates it (J += (|D| - J) / 16, D the
   * arrival spacing less the audio's own length), and pauses over two frames.
   */
  private countCallerArrival(samples: number): void {
    const now = this.clock.now();
    this.callerFrames += 1;
    if (this.lastCallerAt !== undefined) {
      const spacing = now - this.lastCallerAt;
      const expected = (this.lastCallerSamples / this.wireRate) * 1000;
      this.jitterMs += (Math.abs(spacing - expected) - this.jitterMs) / 16;
      if (this.continuous && spacing > 2 * this.frameMs) {
        this.callerGaps += 1;
        if (spacing > this.longestCallerGapMs) this.longestCallerGapMs = spacing;
      }
    }
    this.lastCallerAt = now;
    this.lastCallerSamples = samples;
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

  /**
   * A token bucket of `callerBurstMs`, refilled at the wire rate: a carrier
   * sending in real time never runs it down; one sending faster finds the
   * excess dropped, with a warning once per flood.
   */
  private withinCallerAllowance(samples: number): boolean {
    const now = this.clock.now();
    if (this.callerAllowanceAt !== undefined) {
      const refill = ((now - this.callerAllowanceAt) * this.wireRate) / 1000;
      this.callerAllowance = Math.min(this.callerBurst, this.callerAllowance + refill);
    }
    this.callerAllowanceAt = now;
    if (samples <= this.callerAllowance) {
      this.callerAllowance -= samples;
      if (this.droppedCallerSamples > 0 && this.callerAllowance > this.callerBurst / 2) {
        this.logger.warn(
          { droppedMs: Math.round((this.droppedCallerSamples / this.wireRate) * 1000) },
          'caller audio flood over',
        );
        this.droppedCallerSamples = 0;
      }
      return true;
    }
    if (this.droppedCallerSamples === 0)
      this.logger.warn(
        { burstMs: Math.round((this.callerBurst / this.wireRate) * 1000) },
        'caller audio dropped: the carrier sends faster than real time',
      );
    this.droppedCallerSamples += samples;
    this.droppedCallerTotal += samples;
    return false;
  }

  private streamInfo(event: MediaStartEvent): MediaStreamInfo {
    return {
      callId: event.callId,
      streamId: event.streamId,
      customParameters: event.customParameters,
      sampleRate: this.agentRate,
    };
  }

  /**
   * Resamples caller audio to the agent's rate and hands it over in whole
   * frames: a resampler's first output is short by its filter delay, and some
   * carriers send the caller's own packet size (30 ms), yet the agent is
   * promised one frame per `frameMs`. Each frame goes as soon as it is whole,
   * so a steady carrier's frames reach the agent without waiting for the next.
   */
  private deliverAudio(samples: Int16Array): void {
    let source = samples;
    let count = samples.length;
    if (this.toAgent !== undefined) {
      count = this.toAgent.process(samples);
      source = this.toAgent.output;
    }
    const frame = this.agentFrame;
    let fill = this.agentFrameFill;
    if (!this.agentFramePrimed && count > 0) {
      // The resampler's first output is short by its delay. Holding it for the next carrier
      // frame would make every frame after it a frame late; silence in front keeps them on time.
      this.agentFramePrimed = true;
      if (count < frame.length) {
        fill = frame.length - count;
        frame.fill(0, 0, fill);
      }
    }
    for (let i = 0; i < count; i++) {
      frame[fill++] = source[i]!;
      if (fill === frame.length) {
        this.callAgent(this.deliverAgentFrame);
        fill = 0;
      }
    }
    this.agentFrameFill = fill;
  }

  private readonly deliverAgentFrame = () => {
    this.tap?.caller(this.agentFrame, this.clock.now());
    this.agent.audio(this.agentFrame);
  };

  /** The frame just sent, for the recording, at the time it plays. */
  private tapAgentFrame(playsAt: number): void {
    const tap = this.tap;
    if (tap === undefined) return;
    if (this.toTap === undefined) {
      tap.agent(this.frame, playsAt);
      return;
    }
    const count = this.toTap.process(this.frame);
    const output = this.toTap.output;
    // One view of the resampler's reused buffer, made again only when its length or buffer changes.
    if (this.tapView?.length !== count || this.tapView.buffer !== output.buffer)
      this.tapView = output.subarray(0, count);
    tap.agent(this.tapView, playsAt);
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
      this.tapAgentFrame(this.horizon);
      this.horizon += this.frameMs;
      this.releaseMarks();
    }
    // Marks placed with nothing queued before them are due at once.
    if (this.queue.length === 0) this.releaseMarks();
    if (this.agentWaiting && this.queue.length <= this.highWaterSamples / 2) this.queueDrained();
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

  /** Tells a waiting agent there is room again. */
  private queueDrained(): void {
    if (this.droppedAgentSamples > 0) {
      this.logger.warn(
        { droppedMs: Math.round((this.droppedAgentSamples / this.wireRate) * 1000) },
        'agent audio overflow over',
      );
      this.droppedAgentSamples = 0;
    }
    if (!this.agentWaiting) return;
    this.agentWaiting = false;
    this.callAgent(() => this.agent.drain?.());
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
    if (this.clock.defer) outgoing.add(this, message, this.clock.defer);
    else this.deliver(message);
  }

  /** Hands a message to the socket now; the outgoing batch calls it at the end of the turn. */
  deliver(message: string | Uint8Array): void {
    if (this.socket.readyState !== SOCKET_OPEN) return;
    try {
      this.socket.send(message);
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'media socket send failed');
    }
  }

  private closeSocket(code: number, reason: string): void {
    // What this bridge queued this turn (a hang-up message, the last frames) goes before the close.
    outgoing.flush();
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
 * The messages every bridge made this turn, in order, sent together when
 * the turn's I/O is done (see `BridgeClock.defer`). Two parallel arrays,
 * reused, so a frame costs no allocation here.
 */
class OutgoingBatch {
  private readonly bridges: Bridge[] = [];
  private readonly messages: (string | Uint8Array)[] = [];
  /** The next message to deliver: a flush started inside another goes on from there. */
  private next = 0;
  private scheduled = false;
  private readonly flushNow = () => this.flush();

  add(bridge: Bridge, message: string | Uint8Array, defer: (callback: () => void) => void): void {
    this.bridges.push(bridge);
    this.messages.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    defer(this.flushNow);
  }

  flush(): void {
    this.scheduled = false;
    // A socket that fails while sending can close its bridge, which flushes again from inside
    // this loop: the shared cursor keeps that from sending any message twice.
    while (this.next < this.bridges.length) {
      const i = this.next++;
      this.bridges[i]!.deliver(this.messages[i]!);
    }
    this.bridges.length = 0;
    this.messages.length = 0;
    this.next = 0;
  }
}

const outgoing = new OutgoingBatch();

/**
 * Joins one carrier media socket to one agent: decodes the carrier's dialect,
 * resamples between the wire rate and the agent's, cuts agent audio into the
 * carrier's frames and paces them to real time, forwards DTMF, honours
 * clear and marks, and ends once from whichever side closes first.
 *
 * Steady state allocates nothing in the bridge itself, nor in a serializer
 * that reads text frames as bytes (`decodeText`); a JSON dialect's
 * serializer still makes one string per frame it sends, as its wire format
 * requires.
 */
export function createMediaBridge(options: MediaBridgeOptions): MediaBridge {
  if (!Number.isInteger(options.agentSampleRate) || options.agentSampleRate < 8000) {
    throw new RangeError(
      `agentSampleRate must be a whole number >= 8000, got ${options.agentSampleRate}`,
    );
  }
  checkSpecificationVersion(
    'The media serializer',
    (options.serializer as { specificationVersion?: unknown }).specificationVersion,
  );
  return new Bridge(options);
}

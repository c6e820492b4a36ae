/**
 * A call's recording as the media bridge hears it: two channels (the caller
 * left, the agent right) of 16-bit PCM at one rate, laid on the wall clock
 * so both stay in step and a silent side is silence, never missing time.
 * Audio is kept only until it is `slackMs` old, then handed to the sink as
 * interleaved PCM: the recording goes to storage as the call goes.
 */

/** Where a recording's PCM goes: a WAV file, in the reference server. */
export interface RecordingSink {
  /**
   * Interleaved stereo 16-bit little-endian PCM, in order. `totalBytes`
   * is the data written so far including this chunk, for a header kept
   * current so a recording cut short stays playable.
   */
  append(pcm: Uint8Array, totalBytes: number): void;
  /** The last audio has been appended; `totalBytes` is final. */
  finish(totalBytes: number): Promise<void>;
}

/** What the media bridge feeds a recording: each side's audio, and when it was heard. */
export interface MediaTap {
  /** The caller's audio, at the recording's rate, as it arrived. */
  caller(samples: Int16Array, atMs: number): void;
  /** The agent's audio, at the recording's rate, at the time the carrier plays it. */
  agent(samples: Int16Array, atMs: number): void;
}

export interface CallRecorderOptions {
  readonly sampleRate: number;
  readonly sink: RecordingSink;
  /** How long audio waits for the other side before it is written; default 500 ms. */
  readonly slackMs?: number;
  /** The most audio one side may run ahead of the wall clock; default 2 s. */
  readonly aheadMs?: number;
  /**
   * Audio arriving up to this much later than the end of a side's last audio
   * continues it without a gap: network jitter, not silence. Later than that,
   * the pause is recorded as silence. Default 60 ms.
   */
  readonly jitterMs?: number;
}

/** One side's samples on the call's timeline, in a ring that wraps at its size. */
class Track {
  /** The absolute sample index the next sample of this side goes to. */
  position = 0;

  constructor(readonly ring: Int16Array) {}

  /**
   * Places samples at `start`, or right after this side's last audio when
   * `start` is within `tolerance` of it (jitter) or before it (a burst);
   * never over what was already written (`floor`).
   */
  place(samples: Int16Array, start: number, floor: number, tolerance: number): void {
    const contiguous = start - this.position <= tolerance ? this.position : start;
    let at = Math.max(contiguous, floor);
    const size = this.ring.length;
    for (let i = 0; i < samples.length; i++, at++) this.ring[at % size] = samples[i]!;
    this.position = at;
  }
}

/**
 * Aligns and interleaves a call's two sides; see the module comment. Feed it
 * with {@link CallRecorder.tap}, call {@link CallRecorder.flush} now and
 * then (each flush writes what is older than the slack), and
 * {@link CallRecorder.finish} once at the end.
 */
export class CallRecorder {
  private readonly rate: number;
  private readonly sink: RecordingSink;
  private readonly slackSamples: number;
  private readonly jitterSamples: number;
  private readonly caller: Track;
  private readonly agent: Track;
  private origin: number | undefined;
  /** Everything before this absolute index has gone to the sink. */
  private written = 0;
  private bytes = 0;
  private finished = false;

  constructor(options: CallRecorderOptions) {
    this.rate = options.sampleRate;
    this.sink = options.sink;
    this.slackSamples = Math.round(((options.slackMs ?? 500) * this.rate) / 1000);
    this.jitterSamples = Math.round(((options.jitterMs ?? 60) * this.rate) / 1000);
    const ringSize =
      this.slackSamples + Math.round(((options.aheadMs ?? 2000) * this.rate) / 1000) * 2;
    this.caller = new Track(new Int16Array(ringSize));
    this.agent = new Track(new Int16Array(ringSize));
  }

  /** Milliseconds of recording written or waiting. */
  get durationMs(): number {
    return (Math.max(this.written, this.caller.position, this.agent.position) / this.rate) * 1000;
  }

  readonly tap: MediaTap = {
    caller: (samples, atMs) => this.place(this.caller, samples, atMs),
    agent: (samples, atMs) => this.place(this.agent, samples, atMs),
  };

  private place(track: Track, samples: Int16Array, atMs: number): void {
    if (this.finished) return;
    this.origin ??= atMs;
    const start = Math.round(((atMs - this.origin) * this.rate) / 1000);
    // Audio further ahead of what was written than the ring holds: write up to where it fits.
    const end = Math.max(start, track.position, this.written) + samples.length;
    if (end - this.written > this.caller.ring.length)
      this.writeUntil(end - this.caller.ring.length);
    track.place(samples, start, this.written, this.jitterSamples);
  }

  /** Writes everything older than the slack, as of `nowMs`. */
  flush(nowMs: number): void {
    if (this.origin === undefined || this.finished) return;
    const now = Math.round(((nowMs - this.origin) * this.rate) / 1000);
    this.writeUntil(now - this.slackSamples);
  }

  /** Writes what is left, up to the later of `nowMs` and either side's last audio, and closes. */
  async finish(nowMs: number): Promise<void> {
    if (this.finished) return;
    if (this.origin !== undefined) {
      const now = Math.round(((nowMs - this.origin) * this.rate) / 1000);
      this.writeUntil(Math.max(now, this.caller.position, this.agent.position));
    }
    this.finished = true;
    await this.sink.finish(this.bytes);
  }

  private writeUntil(end: number): void {
    const count = end - this.written;
    if (count <= 0) return;
    const pcm = new Uint8Array(count * 4);
    const view = new DataView(pcm.buffer);
    const size = this.caller.ring.length;
    for (let i = 0; i < count; i++) {
      const slot = (this.written + i) % size;
      view.setInt16(i * 4, this.caller.ring[slot]!, true);
      view.setInt16(i * 4 + 2, this.agent.ring[slot]!, true);
      // Written: the slot is silence for whatever comes round to it next.
      this.caller.ring[slot] = 0;
      this.agent.ring[slot] = 0;
    }
    this.written = end;
    this.bytes += pcm.length;
    this.sink.append(pcm, this.bytes);
  }
}

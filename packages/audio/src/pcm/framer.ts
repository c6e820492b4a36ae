/** Options of {@link createFramer}. */
export interface FramerOptions {
  /** Samples per frame: 160 is 20 ms at 8 kHz, 320 is 20 ms at 16 kHz. */
  readonly frameSize: number;
}

/** Cuts a stream of arbitrary chunks into frames of exactly `frameSize` samples. */
export interface Framer<S extends Int16Array | Uint8Array> {
  readonly frameSize: number;
  /** Samples waiting for the rest of their frame. */
  readonly pending: number;
  /**
   * Adds a chunk and calls `onFrame` for every frame it completes, in order.
   *
   * A frame lying wholly inside `chunk` is passed as a view into it (no copy);
   * a frame that spans chunks is assembled in the framer's own buffer. Either
   * way the frame is only valid during the call: copy it to keep it.
   */
  push(chunk: S, onFrame: (frame: S) => void): void;
  /**
   * Ends the stream: when samples are pending, pads them with `fill` (silence
   * by default) to one last frame and passes it to `onFrame`.
   */
  flush(onFrame: (frame: S) => void, fill?: number): void;
  /** Drops pending samples. */
  reset(): void;
}

class ChunkFramer<S extends Int16Array | Uint8Array> implements Framer<S> {
  private readonly carry: S;
  private carried = 0;

  constructor(
    readonly frameSize: number,
    carry: S,
    private readonly silenceValue: number,
  ) {
    this.carry = carry;
  }

  get pending(): number {
    return this.carried;
  }

  push(chunk: S, onFrame: (frame: S) => void): void {
    const size = this.frameSize;
    let position = 0;
    if (this.carried > 0) {
      const take = Math.min(size - this.carried, chunk.length);
      for (let i = 0; i < take; i++) this.carry[this.carried + i] = chunk[i]!;
      this.carried += take;
      position = take;
      if (this.carried < size) return;
      this.carried = 0;
      onFrame(this.carry);
    }
    while (chunk.length - position >= size) {
      onFrame(chunk.subarray(position, position + size) as S);
      position += size;
    }
    const rest = chunk.length - position;
    for (let i = 0; i < rest; i++) this.carry[i] = chunk[position + i]!;
    this.carried = rest;
  }

  flush(onFrame: (frame: S) => void, fill = this.silenceValue): void {
    if (this.carried === 0) return;
    this.carry.fill(fill, this.carried);
    this.carried = 0;
    onFrame(this.carry);
  }

  reset(): void {
    this.carried = 0;
  }
}

function checkFrameSize(frameSize: number): void {
  if (!Number.isInteger(frameSize) || frameSize < 1) {
    throw new RangeError(`frameSize must be a whole number >= 1, got ${frameSize}`);
  }
}

/**
 * Creates a framer for 16-bit PCM samples.
 *
 * @example
 * const framer = createFramer({ frameSize: 160 });
 * framer.push(decoded, (frame) => socket.send(encode(frame)));
 */
export function createFramer(options: FramerOptions): Framer<Int16Array> {
  checkFrameSize(options.frameSize);
  return new ChunkFramer(options.frameSize, new Int16Array(options.frameSize), 0);
}

/**
 * Creates a framer for one-byte-per-sample audio (G.711). Flushing pads with
 * `silenceByte` (0xff is mu-law silence, 0xd5 A-law).
 */
export function createByteFramer(
  options: FramerOptions & { readonly silenceByte: number },
): Framer<Uint8Array> {
  checkFrameSize(options.frameSize);
  return new ChunkFramer(options.frameSize, new Uint8Array(options.frameSize), options.silenceByte);
}

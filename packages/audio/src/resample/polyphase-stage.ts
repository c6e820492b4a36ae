import {
  createFirKernel,
  type FirKernel,
  type StageShape,
  type StreamPosition,
} from './fir-kernel.js';

/**
 * One streaming rational stage: upsample by `up`, low-pass with a prototype
 * filter at the upsampled rate, keep every `down`-th sample. Only the products
 * that survive are computed (the polyphase form), and each output is aligned
 * to the filter's centre, so the stage adds no phase shift: it holds back
 * instead.
 *
 * Output n is y[n] = sum_i h[n*down + c - up*i] * x[i] with c the prototype's
 * centre tap: for P = n*down + c, the newest input it needs is floor(P / up)
 * and the taps it needs are the phase P mod up.
 */
export class PolyphaseStage {
  readonly up: number;
  readonly down: number;
  /** Input samples the stage holds back before it can emit an output, at its input rate. */
  readonly delayInputSamples: number;

  private readonly kernel: FirKernel;
  private readonly shape: StageShape;
  private readonly maxLead: number;
  private readonly initialPhase: number;
  private readonly initialNewest: number;
  private readonly position: StreamPosition = { held: 0, phase: 0, newest: 0 };
  private inputCount = 0;
  private outputCount = 0;
  /** Set by `finish`: the next call starts a new stream. */
  private ended = false;

  constructor(prototype: Float64Array, up: number, down: number, simd: boolean) {
    if (prototype.length % 2 !== 1) throw new RangeError('prototype length must be odd');
    this.up = up;
    this.down = down;
    this.kernel = createFirKernel(prototype, up, simd);
    this.shape = { up, stepWhole: Math.floor(down / up), stepFraction: down % up };
    const center = (prototype.length - 1) / 2;
    this.maxLead = Math.max(...this.kernel.table.lead);
    this.initialPhase = center % up;
    this.initialNewest = Math.floor(center / up) + this.maxLead;
    this.delayInputSamples = center / up;
    this.reset();
  }

  /** This stage's outputs from the last `process` or `finish`, from index 0. */
  get output(): Float32Array | Float64Array {
    return this.kernel.output;
  }

  /** Forgets all input: the next sample starts a new stream. */
  reset(): void {
    this.kernel.reserve(this.maxLead, 0, 0);
    // The maxLead leading zeros stand for the silence before the stream began.
    this.kernel.history.fill(0, 0, this.maxLead);
    this.position.held = this.maxLead;
    this.position.phase = this.initialPhase;
    this.position.newest = this.initialNewest;
    this.inputCount = 0;
    this.outputCount = 0;
    this.ended = false;
  }

  /** Most outputs that `inputLength` more inputs can produce. */
  maxOutputFor(inputLength: number): number {
    return Math.ceil(((inputLength + 1) * this.up) / this.down) + 1;
  }

  /**
   * Takes `length` samples of `input` and emits every output they complete
   * into {@link output}. Returns how many. Allocates only when a chunk is
   * larger than any before it.
   */
  process(input: ArrayLike<number>, length: number): number {
    if (this.ended) this.reset();
    this.append(input, length, 0);
    return this.emit(Number.POSITIVE_INFINITY);
  }

  /**
   * Takes the last `length` samples of the stream and emits every output whose
   * time falls inside the input received, ceil(inputs * up / down) in all.
   * The next call starts a new stream.
   */
  finish(input: ArrayLike<number>, length: number): number {
    if (this.ended) this.reset();
    const padding = Math.ceil(this.delayInputSamples) + 1;
    this.append(input, length, padding);
    const expected = Math.ceil((this.inputCount * this.up) / this.down);
    // The zeros stand for silence after the end; they are not input.
    const written = this.emit(expected - this.outputCount);
    this.ended = true;
    return written;
  }

  private append(input: ArrayLike<number>, length: number, zeros: number): void {
    const position = this.position;
    const total = length + zeros;
    this.kernel.reserve(position.held + total, this.maxOutputFor(total), position.held);
    const history = this.kernel.history;
    let held = position.held;
    if (this.kernel.appendInt16 !== undefined && input instanceof Int16Array) {
      this.kernel.appendInt16(input, length, held);
      held += length;
    } else {
      for (let i = 0; i < length; i++) history[held++] = input[i]!;
    }
    if (zeros > 0) history.fill(0, held, held + zeros);
    position.held = held + zeros;
    this.inputCount += length;
  }

  /**
   * Writes the first `count` of {@link output} as 16-bit PCM (rounded and
   * clamped) into `target` from `offset`, where the kernel has a fast way;
   * returns false, writing nothing, where it has not.
   */
  writeInt16(count: number, target: Int16Array, offset: number): boolean {
    if (this.kernel.writeInt16 === undefined) return false;
    this.kernel.writeInt16(count, target, offset);
    return true;
  }

  private emit(limit: number): number {
    const position = this.position;
    const written = this.kernel.emit(position, this.shape, limit);
    this.outputCount += written;
    // Keep only what future outputs can still reach.
    const discard = Math.min(position.newest - this.maxLead, position.held);
    if (discard > 0) {
      this.kernel.history.copyWithin(0, discard, position.held);
      position.held -= discard;
      position.newest -= discard;
    }
    return written;
  }
}

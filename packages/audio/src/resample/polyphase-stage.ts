/**
 * One streaming rational stage: upsample by `up`, low-pass with a prototype
 * filter at the upsampled rate, keep every `down`-th sample. Only the products
 * that survive are computed (the polyphase form), and each output is aligned to
 * the filter's centre, so the stage adds no phase shift: it holds back instead.
 *
 * Output n is y[n] = sum_i h[n*down + c - up*i] * x[i] with c the prototype's
 * centre tap. For P = n*down + c, the newest input it needs is floor(P / up) and
 * the taps it needs are the phase P mod up.
 */
export class PolyphaseStage {
  readonly up: number;
  readonly down: number;
  /** Input samples the stage holds back before it can emit an output, at its input rate. */
  readonly delayInputSamples: number;

  private readonly coefficients: Float64Array;
  private readonly phaseStart: Int32Array;
  private readonly phaseLength: Int32Array;
  /** How far before the newest needed input each phase's first tap reaches. */
  private readonly phaseLead: Int32Array;
  /** 1 where a phase's taps read the same backwards, so pairs of inputs can share a multiply. */
  private readonly phaseSymmetric: Uint8Array;
  private readonly maxLead: number;
  private readonly initialPhase: number;
  private readonly initialNewest: number;
  private readonly stepWhole: number;
  private readonly stepFraction: number;

  private history: Float64Array;
  private held = 0;
  private phase = 0;
  /** Index in `history` of the newest input the next output needs. */
  private newest = 0;
  private inputCount = 0;
  private outputCount = 0;

  constructor(prototype: Float64Array, up: number, down: number, initialCapacity = 1024) {
    if (prototype.length % 2 !== 1) throw new RangeError('prototype length must be odd');
    this.up = up;
    this.down = down;
    const center = (prototype.length - 1) / 2;

    const starts: number[] = [];
    const lengths: number[] = [];
    const leads: number[] = [];
    const symmetric: number[] = [];
    const flat: number[] = [];
    for (let phase = 0; phase < up; phase++) {
      // Taps h[phase + up*k] meet x[newest - k]; store them oldest-input first.
      const count = Math.ceil((prototype.length - phase) / up);
      const taps: number[] = [];
      for (let m = 0; m < count; m++) taps.push(prototype[phase + up * (count - 1 - m)]!);
      // Exact zeros at either end (half-band phases are all zero but one) cost nothing to skip.
      let first = 0;
      let last = count - 1;
      while (first < last && taps[first] === 0) first++;
      while (last > first && taps[last] === 0) last--;
      starts.push(flat.length);
      lengths.push(last - first + 1);
      leads.push(count - 1 - first);
      const kept = taps.slice(first, last + 1);
      symmetric.push(kept.every((tap, i) => tap === kept[kept.length - 1 - i]) ? 1 : 0);
      flat.push(...kept);
    }
    this.coefficients = Float64Array.from(flat);
    this.phaseStart = Int32Array.from(starts);
    this.phaseLength = Int32Array.from(lengths);
    this.phaseLead = Int32Array.from(leads);
    this.phaseSymmetric = Uint8Array.from(symmetric);
    this.maxLead = Math.max(...leads);
    this.initialPhase = center % up;
    this.initialNewest = Math.floor(center / up) + this.maxLead;
    this.stepWhole = Math.floor(down / up);
    this.stepFraction = down % up;
    this.delayInputSamples = center / up;
    this.history = new Float64Array(this.maxLead + initialCapacity);
    this.reset();
  }

  /** Forgets all input: the next sample starts a new stream. */
  reset(): void {
    // The maxLead leading zeros stand for the silence before the stream began.
    this.history.fill(0, 0, this.maxLead);
    this.held = this.maxLead;
    this.phase = this.initialPhase;
    this.newest = this.initialNewest;
    this.inputCount = 0;
    this.outputCount = 0;
  }

  /** Most outputs that `inputLength` more inputs can produce. */
  maxOutputFor(inputLength: number): number {
    return Math.ceil(((inputLength + 1) * this.up) / this.down) + 1;
  }

  /**
   * Takes `length` samples of `input` (any numeric array; values are used as
   * they are) and writes every output they complete to `output` from `offset`.
   * Returns how many it wrote. Allocates only when a chunk is larger than any
   * before it.
   */
  process(
    input: ArrayLike<number>,
    length: number,
    output: Float64Array,
    offset: number,
    limit = Number.POSITIVE_INFINITY,
  ): number {
    this.ensureCapacity(length);
    const history = this.history;
    let held = this.held;
    for (let i = 0; i < length; i++) history[held++] = input[i]!;
    this.held = held;
    this.inputCount += length;
    return this.emit(output, offset, limit);
  }

  /**
   * Ends the stream: emits every output whose time falls inside the input
   * received (ceil(inputs * up / down) in all), then resets.
   */
  flush(output: Float64Array, offset: number): number {
    const expected = Math.ceil((this.inputCount * this.up) / this.down);
    const padding = Math.ceil(this.delayInputSamples) + 1;
    this.ensureCapacity(padding);
    this.history.fill(0, this.held, this.held + padding);
    this.held += padding;
    const written = this.emit(output, offset, expected - this.outputCount);
    this.reset();
    return written;
  }

  private ensureCapacity(incoming: number): void {
    if (this.held + incoming <= this.history.length) return;
    const grown = new Float64Array(Math.max(this.held + incoming, this.history.length * 2));
    grown.set(this.history.subarray(0, this.held));
    this.history = grown;
  }

  private emit(output: Float64Array, offset: number, limit: number): number {
    const history = this.history;
    const coefficients = this.coefficients;
    const phaseStart = this.phaseStart;
    const phaseLength = this.phaseLength;
    const phaseLead = this.phaseLead;
    const up = this.up;
    const stepWhole = this.stepWhole;
    const stepFraction = this.stepFraction;
    const held = this.held;
    let phase = this.phase;
    let newest = this.newest;
    let written = 0;

    const phaseSymmetric = this.phaseSymmetric;

    while (newest < held && written < limit) {
      const start = phaseStart[phase]!;
      const length = phaseLength[phase]!;
      const first = newest - phaseLead[phase]!;
      output[offset + written++] =
        phaseSymmetric[phase] === 1
          ? foldedDot(coefficients, start, length, history, first)
          : dot(coefficients, start, length, history, first);
      phase += stepFraction;
      newest += stepWhole;
      if (phase >= up) {
        phase -= up;
        newest++;
      }
    }

    this.phase = phase;
    this.outputCount += written;
    // Keep only what future outputs can still reach.
    const discard = Math.min(newest - this.maxLead, held);
    if (discard > 0) {
      history.copyWithin(0, discard, held);
      this.held = held - discard;
      this.newest = newest - discard;
    } else {
      this.newest = newest;
    }
    return written;
  }
}

// Four accumulators: one running sum would make every add wait for the
// previous one (a floating-point add takes several cycles), and the order is
// still fixed, so results do not depend on chunking.

/** sum of taps[start + k] * samples[first + k] for k < length. */
function dot(
  taps: Float64Array,
  start: number,
  length: number,
  samples: Float64Array,
  first: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const offset = first - start;
  const end = start + length;
  let k = start;
  for (const unrolledEnd = end - 3; k < unrolledEnd; k += 4) {
    s0 += taps[k]! * samples[offset + k]!;
    s1 += taps[k + 1]! * samples[offset + k + 1]!;
    s2 += taps[k + 2]! * samples[offset + k + 2]!;
    s3 += taps[k + 3]! * samples[offset + k + 3]!;
  }
  for (; k < end; k++) s0 += taps[k]! * samples[offset + k]!;
  return s0 + s1 + (s2 + s3);
}

/** {@link dot} for taps that are their own mirror image: half the multiplies. */
function foldedDot(
  taps: Float64Array,
  start: number,
  length: number,
  samples: Float64Array,
  first: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const pairs = length >> 1;
  const last = first + length - 1;
  let k = 0;
  for (const unrolledEnd = pairs - 3; k < unrolledEnd; k += 4) {
    s0 += taps[start + k]! * (samples[first + k]! + samples[last - k]!);
    s1 += taps[start + k + 1]! * (samples[first + k + 1]! + samples[last - k - 1]!);
    s2 += taps[start + k + 2]! * (samples[first + k + 2]! + samples[last - k - 2]!);
    s3 += taps[start + k + 3]! * (samples[first + k + 3]! + samples[last - k - 3]!);
  }
  for (; k < pairs; k++) s0 += taps[start + k]! * (samples[first + k]! + samples[last - k]!);
  if (length % 2 === 1) s1 += taps[start + pairs]! * samples[first + pairs]!;
  return s0 + s1 + (s2 + s3);
}

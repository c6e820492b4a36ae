import { designKaiserLowpass, designLowpassToSpec, type LowpassSpec } from './fir-design.js';
import { simdAvailable } from './fir-kernel.js';
import { PolyphaseStage } from './polyphase-stage.js';

/**
 * Named trade-offs between sharpness, latency and speed.
 *
 * - `low`: passband to 80% of the lower Nyquist, 0.5 dB ripple, 70 dB stopband.
 * - `medium` (default): passband to 85% of the lower Nyquist (3400 Hz at
 *   8 kHz), under 0.1 dB ripple, 100 dB stopband.
 * - `high`: passband to 90% (3600 Hz at 8 kHz), under 0.05 dB ripple, 120 dB.
 */
export type ResamplerQuality = 'low' | 'medium' | 'high';

/** Sample formats a resampler reads and writes. */
export type ResamplerFormat = 'int16' | 'float32';

/**
 * The inner loop a resampler runs: WebAssembly SIMD in float32 where the
 * runtime has it (Node.js 16.4+, current browsers), else JavaScript in float64.
 */
export type ResamplerEngine = 'wasm-simd' | 'javascript';

interface QualityPreset {
  readonly passFraction: number;
  readonly rippleDb: number;
  readonly stopDb: number;
}

// Each preset's ripple is the budget for the whole chain; the stopband gets
// 5 dB of margin so the measured figure clears the promised one.
const PRESETS: Record<ResamplerQuality, QualityPreset> = {
  low: { passFraction: 0.8, rippleDb: 0.5, stopDb: 70 },
  medium: { passFraction: 0.85, rippleDb: 0.1, stopDb: 100 },
  high: { passFraction: 0.9, rippleDb: 0.05, stopDb: 120 },
};

const STOP_MARGIN_DB = 5;
/** Above this many phases a rational ratio is refused: its prototype would not fit a sane cache. */
const MAX_PHASES = 1024;

/** Options of {@link createResampler}. */
export interface ResamplerOptions<F extends ResamplerFormat = 'int16'> {
  /** Input sample rate, Hz. */
  readonly from: number;
  /** Output sample rate, Hz. */
  readonly to: number;
  /** Filter quality; `medium` by default. */
  readonly quality?: ResamplerQuality;
  /**
   * `int16` (default): Int16Array in and out, rounded and clamped on output.
   * `float32`: Float32Array in and out, no rounding or clamping.
   */
  readonly format?: F;
  /**
   * Run the WebAssembly SIMD kernel where the runtime supports it (default
   * true). `false` forces the JavaScript kernel, e.g. where a content security
   * policy forbids WebAssembly. Both meet the same quality figures.
   */
  readonly simd?: boolean;
}

type SamplesOf<F extends ResamplerFormat> = F extends 'float32' ? Float32Array : Int16Array;

/** A streaming, stateful sample-rate converter for one mono stream. */
export interface Resampler<S extends Int16Array | Float32Array = Int16Array> {
  readonly from: number;
  readonly to: number;
  readonly quality: ResamplerQuality;
  /** Which kernel runs: see {@link ResamplerOptions.simd}. */
  readonly engine: ResamplerEngine;
  /**
   * How long the output lags the input, in seconds: the filter delay that the
   * resampler holds back so that its output is aligned with its input.
   */
  readonly latencySeconds: number;
  /** Largest number of samples {@link processInto} can write for `inputLength` input samples. */
  maxOutputLength(inputLength: number): number;
  /** Converts a chunk and returns a new array with every output sample it completed. */
  process(input: S): S;
  /**
   * Converts a chunk into `output` from `offset` and returns how many samples
   * it wrote. This is the allocation-free path: size `output` with
   * {@link maxOutputLength}.
   */
  processInto(input: S, output: S, offset?: number): number;
  /** Ends the stream: returns what was held back, then starts afresh. */
  flush(): S;
  /** {@link flush} into a caller buffer; returns how many samples it wrote. */
  flushInto(output: S, offset?: number): number;
  /** Drops all state; the next chunk starts a new stream. */
  reset(): void;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function factorsOfTwoAndThree(n: number): number[] | undefined {
  const factors: number[] = [];
  let rest = n;
  while (rest % 3 === 0) {
    factors.push(3);
    rest /= 3;
  }
  while (rest % 2 === 0) {
    factors.push(2);
    rest /= 2;
  }
  return rest === 1 ? factors : undefined;
}

interface StagePlan {
  readonly up: number;
  readonly down: number;
  readonly inputRate: number;
  /** Passband and stopband edges, Hz. */
  readonly passHz: number;
  readonly stopHz: number;
  readonly passRipple: number;
  readonly stopRipple: number;
  readonly kind: 'remez' | 'halfband' | 'kaiser';
}

/**
 * Splits a conversion into stages. Ratios made of 2s and 3s become chains:
 * when decimating, loose stages first and the sharp one last at the lowest
 * rate; when interpolating, the sharp one first (a half-band filter for 2x)
 * and loose ones after. Anything else is one polyphase stage.
 *
 * Decimation stops at the output Nyquist, so nothing above it folds back.
 * Interpolation stops at the first image of the passband edge.
 */
function planStages(from: number, to: number, preset: QualityPreset): StagePlan[] {
  if (from === to) return [];
  const lowerNyquist = Math.min(from, to) / 2;
  const passHz = preset.passFraction * lowerNyquist;
  const stopRipple = 10 ** (-(preset.stopDb + STOP_MARGIN_DB) / 20);
  const divisor = gcd(from, to);
  const up = to / divisor;
  const down = from / divisor;

  const chain = up === 1 ? factorsOfTwoAndThree(down) : down === 1 ? factorsOfTwoAndThree(up) : [];
  const stageCount = chain && chain.length > 0 ? chain.length : 1;
  // Ripples of cascaded stages add (in dB, at worst); split the budget.
  const passRipple = 10 ** (preset.rippleDb / 2 / stageCount / 20) - 1;

  if (chain === undefined || chain.length <= 1 || (up > 1 && down > 1)) {
    const stopHz = to < from ? to / 2 : Math.min(from - passHz, to / 2);
    const prototypeRate = from * up;
    const equirippleLength = (preset.stopDb + 10) / (14.6 * ((stopHz - passHz) / prototypeRate));
    const halfband = up === 2 && down === 1 && Math.abs(stopHz + passHz - from) < 1e-9;
    // Remez at start-up is quick up to about a thousand taps; longer
    // prototypes (many phases, as 44.1 kHz <-> 48 kHz) use a Kaiser window.
    const kind = halfband ? 'halfband' : up > 8 || equirippleLength > 1200 ? 'kaiser' : 'remez';
    return [
      {
        up,
        down,
        inputRate: from,
        passHz,
        stopHz,
        passRipple: halfband ? Math.min(passRipple, stopRipple) : passRipple,
        stopRipple,
        kind,
      },
    ];
  }

  const stages: StagePlan[] = [];
  if (up === 1) {
    // Decimate: each stage only has to keep out what would fold below the final stopband.
    const finalStop = to / 2;
    let rate = from;
    for (const factor of chain) {
      const outRate = rate / factor;
      const isLast = outRate === to;
      stages.push({
        up: 1,
        down: factor,
        inputRate: rate,
        passHz,
        stopHz: isLast ? finalStop : outRate - finalStop,
        passRipple,
        stopRipple,
        kind: 'remez',
      });
      rate = outRate;
    }
  } else {
    // Interpolate: 2x first (half-band at the lowest rate), then 3x.
    const factors = [...chain].sort((a, b) => a - b);
    let rate = from;
    let previousStop = 0;
    for (const factor of factors) {
      const outRate = rate * factor;
      const stopHz =
        stages.length === 0 ? Math.min(rate - passHz, outRate / 2) : rate - previousStop;
      const halfband = factor === 2 && Math.abs(stopHz + passHz - rate) < 1e-9;
      stages.push({
        up: factor,
        down: 1,
        inputRate: rate,
        passHz,
        stopHz,
        passRipple: halfband ? Math.min(passRipple, stopRipple) : passRipple,
        stopRipple,
        kind: halfband ? 'halfband' : 'remez',
      });
      previousStop = stopHz;
      rate = outRate;
    }
  }
  return stages;
}

const prototypeCache = new Map<string, Float64Array>();

function prototypeFor(plan: StagePlan): Float64Array {
  const key = `${plan.kind}:${plan.up}:${plan.down}:${plan.inputRate}:${plan.passHz}:${plan.stopHz}:${plan.passRipple}:${plan.stopRipple}`;
  let taps = prototypeCache.get(key);
  if (taps === undefined) {
    const rate = plan.inputRate * plan.up;
    const spec: LowpassSpec = {
      passEdge: plan.passHz / rate,
      stopEdge: plan.stopHz / rate,
      passRipple: plan.passRipple,
      stopRipple: plan.stopRipple,
    };
    if (plan.kind === 'kaiser') {
      taps = designKaiserLowpass(spec, plan.up);
    } else {
      taps = designLowpassToSpec(spec, plan.kind === 'halfband');
      if (plan.up !== 1) for (let i = 0; i < taps.length; i++) taps[i]! *= plan.up;
    }
    prototypeCache.set(key, taps);
  }
  return taps;
}

function checkRate(name: string, rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1000 || rate > 768000) {
    throw new RangeError(`${name} must be a whole number of Hz from 1000 to 768000, got ${rate}`);
  }
  return rate;
}

class ChainResampler<S extends Int16Array | Float32Array> implements Resampler<S> {
  readonly latencySeconds: number;
  readonly engine: ResamplerEngine;
  private readonly stages: PolyphaseStage[];
  private readonly makeOutput: (length: number) => S;
  private readonly writeOutput: (
    source: ArrayLike<number>,
    length: number,
    output: S,
    offset: number,
  ) => void;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly quality: ResamplerQuality,
    format: ResamplerFormat,
    simd: boolean,
  ) {
    const plans = planStages(from, to, PRESETS[quality]);
    const useSimd = simd && simdAvailable();
    this.engine = useSimd ? 'wasm-simd' : 'javascript';
    this.stages = plans.map(
      (plan) => new PolyphaseStage(prototypeFor(plan), plan.up, plan.down, useSimd),
    );
    this.latencySeconds = plans.reduce(
      (sum, plan, i) => sum + this.stages[i]!.delayInputSamples / plan.inputRate,
      0,
    );
    if (format === 'float32') {
      this.makeOutput = (length) => new Float32Array(length) as S;
      this.writeOutput = writeFloat32 as unknown as typeof this.writeOutput;
    } else {
      this.makeOutput = (length) => new Int16Array(length) as S;
      this.writeOutput = writeInt16 as unknown as typeof this.writeOutput;
    }
  }

  maxOutputLength(inputLength: number): number {
    let length = inputLength;
    for (const stage of this.stages) length = stage.maxOutputFor(length);
    return length;
  }

  process(input: S): S {
    const buffer = this.makeOutput(this.maxOutputLength(input.length));
    const written = this.processInto(input, buffer);
    return written === buffer.length ? buffer : (buffer.slice(0, written) as S);
  }

  processInto(input: S, output: S, offset = 0): number {
    let source: ArrayLike<number> = input;
    let length = input.length;
    for (const stage of this.stages) {
      length = stage.process(source, length);
      source = stage.output;
    }
    return this.deliver(source, length, output, offset);
  }

  flush(): S {
    // Each stage holds back under a filter length of input; bound the tail by that.
    let bound = 0;
    for (const stage of this.stages)
      bound = stage.maxOutputFor(bound + stage.delayInputSamples + 2);
    const buffer = this.makeOutput(bound);
    const written = this.flushInto(buffer);
    return buffer.slice(0, written) as S;
  }

  flushInto(output: S, offset = 0): number {
    // A stage's tail passes through the stages after it before they finish.
    let source: ArrayLike<number> = [];
    let length = 0;
    for (const stage of this.stages) {
      length = stage.finish(source, length);
      source = stage.output;
    }
    return this.deliver(source, length, output, offset);
  }

  reset(): void {
    for (const stage of this.stages) stage.reset();
  }

  private deliver(source: ArrayLike<number>, length: number, output: S, offset: number): number {
    if (offset < 0 || offset + length > output.length) {
      throw new RangeError(
        `output has room for ${output.length - offset} samples from offset ${offset}, ${length} are needed; size it with maxOutputLength()`,
      );
    }
    const last = this.stages[this.stages.length - 1];
    const wroteInt16 =
      output instanceof Int16Array &&
      last !== undefined &&
      source === last.output &&
      last.writeInt16(length, output, offset);
    if (!wroteInt16) this.writeOutput(source, length, output, offset);
    return length;
  }
}

function writeInt16(
  source: ArrayLike<number>,
  length: number,
  output: Int16Array,
  offset: number,
): void {
  for (let i = 0; i < length; i++) {
    const value = Math.round(source[i]!);
    output[offset + i] = Math.min(Math.max(value, -32768), 32767);
  }
}

function writeFloat32(
  source: ArrayLike<number>,
  length: number,
  output: Float32Array,
  offset: number,
): void {
  for (let i = 0; i < length; i++) output[offset + i] = source[i]!;
}

/**
 * Creates a streaming resampler from `from` Hz to `to` Hz for one mono stream.
 *
 * Output is aligned with input (the filter delay is held back, not added),
 * chunk boundaries do not change it, and after {@link Resampler.flush} a stream
 * of N input samples has given exactly ceil(N * to / from) output samples.
 * Filters are designed on first use of a rate pair and cached.
 *
 * @example
 * const toAgent = createResampler({ from: 8000, to: 16000 });
 * const pcm16k = toAgent.process(mulawDecode(payload));
 */
export function createResampler(options: ResamplerOptions<'int16'>): Resampler<Int16Array>;
export function createResampler<F extends ResamplerFormat>(
  options: ResamplerOptions<F>,
): Resampler<SamplesOf<F>>;
export function createResampler(
  options: ResamplerOptions<ResamplerFormat>,
): Resampler<Int16Array | Float32Array> {
  const from = checkRate('from', options.from);
  const to = checkRate('to', options.to);
  const quality = options.quality ?? 'medium';
  if (!(quality in PRESETS)) {
    throw new RangeError(
      `quality must be one of ${Object.keys(PRESETS).join(', ')}, got ${quality}`,
    );
  }
  const format = options.format ?? 'int16';
  if (format !== 'int16' && format !== 'float32') {
    throw new RangeError(`format must be int16 or float32, got ${format}`);
  }
  const divisor = gcd(from, to);
  if (to / divisor > MAX_PHASES) {
    throw new RangeError(
      `${from} Hz to ${to} Hz needs ${to / divisor} filter phases; at most ${MAX_PHASES} are supported`,
    );
  }
  return new ChainResampler(from, to, quality, format, options.simd ?? true);
}

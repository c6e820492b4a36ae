import { FIR_KERNEL_WASM_BASE64 } from './fir-kernel-wasm.js';
import { buildPhaseTable, type PhaseTable } from './phase-table.js';

/** The position of a stage in its stream, which a kernel advances as it emits. */
export interface StreamPosition {
  /** Samples in the history buffer. */
  held: number;
  /** Phase of the next output. */
  phase: number;
  /** Index in the history of the newest input the next output needs. */
  newest: number;
}

/** The rate-change constants a kernel needs. */
export interface StageShape {
  readonly up: number;
  readonly stepWhole: number;
  readonly stepFraction: number;
}

/**
 * Where a stage keeps its input history and output, and the loop that turns
 * one into the other. Views are valid until the next `reserve`.
 */
export interface FirKernel {
  readonly table: PhaseTable;
  readonly history: Float32Array | Float64Array;
  readonly output: Float32Array | Float64Array;
  /** Makes room for `historyLength` inputs (keeping the first `keep`) and `outputLength` outputs. */
  reserve(historyLength: number, outputLength: number, keep: number): void;
  /** Emits outputs while their inputs are held, at most `limit`; advances `position`. */
  emit(position: StreamPosition, shape: StageShape, limit: number): number;
  /**
   * Optional: copies `length` samples of 16-bit PCM into the history from
   * index `at` (room already reserved), faster than a sample-by-sample copy.
   */
  appendInt16?(input: Int16Array, length: number, at: number): void;
  /**
   * Optional: writes the first `count` outputs as 16-bit PCM into `output`
   * from `offset`, rounded as Math.round and clamped, as the plain path does.
   */
  writeInt16?(count: number, output: Int16Array, offset: number): void;
}

function grownLength(current: number, needed: number): number {
  return needed <= current ? current : Math.max(needed, current * 2);
}

/** Plain JavaScript in float64: runs everywhere. */
export class JsFirKernel implements FirKernel {
  readonly table: PhaseTable;
  history = new Float64Array(0);
  output = new Float64Array(0);

  constructor(prototype: Float64Array, up: number) {
    this.table = buildPhaseTable(prototype, up, 1);
  }

  reserve(historyLength: number, outputLength: number, keep: number): void {
    if (historyLength > this.history.length) {
      const grown = new Float64Array(grownLength(this.history.length, historyLength));
      grown.set(this.history.subarray(0, keep));
      this.history = grown;
    }
    if (outputLength > this.output.length) {
      this.output = new Float64Array(grownLength(this.output.length, outputLength));
    }
  }

  emit(position: StreamPosition, shape: StageShape, limit: number): number {
    const { coefficients, start, length, lead, symmetric } = this.table;
    const history = this.history;
    const output = this.output;
    const { up, stepWhole, stepFraction } = shape;
    const held = position.held;
    let phase = position.phase;
    let newest = position.newest;
    let written = 0;
    while (newest < held && written < limit) {
      const first = newest - lead[phase]!;
      output[written++] =
        symmetric[phase] === 1
          ? foldedDot(coefficients, start[phase]!, length[phase]!, history, first)
          : dot(coefficients, start[phase]!, length[phase]!, history, first);
      phase += stepFraction;
      newest += stepWhole;
      if (phase >= up) {
        phase -= up;
        newest++;
      }
    }
    position.phase = phase;
    position.newest = newest;
    return written;
  }
}

// Four accumulators: one running sum would make every add wait for the
// previous one (a floating-point add takes several cycles). The order is
// still fixed, so results do not depend on chunking.

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

const PAGE = 65536;
const ALIGN = 16;
const align = (offset: number) => Math.ceil(offset / ALIGN) * ALIGN;

// The few WebAssembly types used here: TypeScript keeps the full set in the
// DOM library, which a Node.js package should not pull in.
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { readonly exports: Record<string, unknown> };
}

let compiled: WasmModule | null | undefined;

/** The SIMD kernel module, or null where this runtime cannot run WebAssembly SIMD. */
function simdModule(): WasmModule | null {
  if (compiled === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      const bytes = Uint8Array.from(atob(FIR_KERNEL_WASM_BASE64), (c) => c.charCodeAt(0));
      compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when this runtime runs the WebAssembly SIMD kernel. */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

type EmitExport = (...args: number[]) => number;

/**
 * WebAssembly SIMD in float32, four taps an instruction. Each stage owns a
 * small instance (its own memory), so nothing has to be freed by hand: it
 * goes when the stage does.
 */
export class WasmFirKernel implements FirKernel {
  readonly table: PhaseTable;
  history: Float32Array;
  output: Float32Array;
  private readonly memory: WasmMemory;
  private readonly run: EmitExport;
  private readonly coefficientOffset: number;
  private readonly tableOffset: number;
  private readonly historyOffset: number;
  private historyCapacity = 0;
  private outputCapacity = 0;
  private outputOffset = 0;
  /** Bytes 0-7, where the kernel leaves the phase and newest index it stopped at. */
  private state: Int32Array;
  private readonly widen: (source: number, target: number, count: number) => void;
  private readonly narrow: (source: number, target: number, count: number) => void;
  /** 16-bit PCM on its way in or out, as long as the history or the output, whichever is longer. */
  private stagingOffset = 0;
  private staging: Int16Array;

  constructor(module: WasmModule, prototype: Float64Array, up: number) {
    this.table = buildPhaseTable(prototype, up, 4);
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(module);
    this.memory = instance.exports['memory'] as WasmMemory;
    this.run = instance.exports['emit'] as EmitExport;
    this.widen = instance.exports['widen'] as (
      source: number,
      target: number,
      count: number,
    ) => void;
    this.narrow = instance.exports['narrow'] as (
      source: number,
      target: number,
      count: number,
    ) => void;
    const phases = this.table.start.length;
    this.coefficientOffset = ALIGN; // bytes 0-7 carry the kernel's phase and newest back
    this.tableOffset = align(this.coefficientOffset + 4 * this.table.coefficients.length);
    this.historyOffset = align(this.tableOffset + 12 * phases);
    this.history = new Float32Array(0);
    this.output = new Float32Array(0);
    this.state = new Int32Array(0);
    this.staging = new Int16Array(0);
    this.reserve(1024, 1024, 0);
    new Float32Array(
      this.memory.buffer,
      this.coefficientOffset,
      this.table.coefficients.length,
    ).set(this.table.coefficients);
    const entries = new Int32Array(this.memory.buffer, this.tableOffset, 3 * phases);
    for (let p = 0; p < phases; p++) {
      entries[3 * p] = this.table.start[p]!;
      entries[3 * p + 1] = this.table.length[p]!;
      entries[3 * p + 2] = this.table.lead[p]!;
    }
  }

  reserve(historyLength: number, outputLength: number, _keep: number): void {
    if (historyLength <= this.historyCapacity && outputLength <= this.outputCapacity) return;
    // History sits at a fixed offset, so growing it keeps its samples; the
    // output after it only ever holds the last call's results.
    this.historyCapacity = grownLength(this.historyCapacity, historyLength);
    this.outputCapacity = grownLength(this.outputCapacity, outputLength);
    this.outputOffset = align(this.historyOffset + 4 * this.historyCapacity);
    this.stagingOffset = align(this.outputOffset + 4 * this.outputCapacity);
    const stagingLength = Math.max(this.historyCapacity, this.outputCapacity);
    const needed = this.stagingOffset + 2 * stagingLength;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / PAGE));
    this.history = new Float32Array(this.memory.buffer, this.historyOffset, this.historyCapacity);
    this.output = new Float32Array(this.memory.buffer, this.outputOffset, this.outputCapacity);
    this.staging = new Int16Array(this.memory.buffer, this.stagingOffset, stagingLength);
    this.state = new Int32Array(this.memory.buffer, 0, 2);
  }

  appendInt16(input: Int16Array, length: number, at: number): void {
    const staging = this.staging;
    if (length === input.length) staging.set(input);
    else for (let i = 0; i < length; i++) staging[i] = input[i]!;
    this.widen(this.stagingOffset, this.historyOffset + 4 * at, length);
  }

  writeInt16(count: number, output: Int16Array, offset: number): void {
    this.narrow(this.outputOffset, this.stagingOffset, count);
    const staging = this.staging;
    for (let i = 0; i < count; i++) output[offset + i] = staging[i]!;
  }

  emit(position: StreamPosition, shape: StageShape, limit: number): number {
    const written = this.run(
      this.coefficientOffset,
      this.tableOffset,
      this.historyOffset,
      this.outputOffset,
      position.held,
      position.phase,
      position.newest,
      Math.min(limit, 0x7fffffff),
      shape.up,
      shape.stepWhole,
      shape.stepFraction,
    );
    position.phase = this.state[0]!;
    position.newest = this.state[1]!;
    return written;
  }
}

/** Picks the SIMD kernel where it can run and `simd` allows it, else the JavaScript one. */
export function createFirKernel(prototype: Float64Array, up: number, simd: boolean): FirKernel {
  const module = simd ? simdModule() : null;
  return module ? new WasmFirKernel(module, prototype, up) : new JsFirKernel(prototype, up);
}

/** A prototype filter split into the sub-filters of a polyphase stage. */
export interface PhaseTable {
  /** Every phase's taps, oldest input first, one after another. */
  readonly coefficients: Float64Array;
  /** Where each phase's taps start in `coefficients`. */
  readonly start: Int32Array;
  readonly length: Int32Array;
  /** How far before the newest input it needs each phase's first tap reaches. */
  readonly lead: Int32Array;
  /** 1 where a phase's taps read the same backwards. */
  readonly symmetric: Uint8Array;
}

/**
 * Splits `prototype` into `up` phases. Output n needs taps h[phase + up*k]
 * against inputs x[newest - k]; they are stored oldest input first. Zero taps
 * at either end are dropped (a half-band filter's phases are all zero but
 * one), then each phase is padded at its front with zeros to a multiple of
 * `block` taps, for kernels that work `block` taps at a time. Front padding
 * reads older inputs, which the stage always keeps.
 */
export function buildPhaseTable(prototype: Float64Array, up: number, block: number): PhaseTable {
  const coefficients: number[] = [];
  const start: number[] = [];
  const length: number[] = [];
  const lead: number[] = [];
  const symmetric: number[] = [];
  for (let phase = 0; phase < up; phase++) {
    const count = Math.ceil((prototype.length - phase) / up);
    const taps: number[] = [];
    for (let m = 0; m < count; m++) taps.push(prototype[phase + up * (count - 1 - m)]!);
    let first = 0;
    let last = count - 1;
    while (first < last && taps[first] === 0) first++;
    while (last > first && taps[last] === 0) last--;
    const kept = taps.slice(first, last + 1);
    symmetric.push(kept.every((tap, i) => tap === kept[kept.length - 1 - i]) ? 1 : 0);
    const padding = (block - (kept.length % block)) % block;
    start.push(coefficients.length);
    length.push(kept.length + padding);
    lead.push(count - 1 - first + padding);
    for (let i = 0; i < padding; i++) coefficients.push(0);
    coefficients.push(...kept);
  }
  return {
    coefficients: Float64Array.from(coefficients),
    start: Int32Array.from(start),
    length: Int32Array.from(length),
    lead: Int32Array.from(lead),
    symmetric: Uint8Array.from(symmetric),
  };
}

/** Test signals and measurements shared by the resampler tests. */

/** Deterministic uniform noise in [0, 1) (a Lehmer generator), so runs are reproducible. */
export function createRandom(seed = 1): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** A sine as float samples (amplitude in full-scale units: 1.0 = 0 dBFS). */
export function tone(frequency: number, rate: number, length: number, amplitude: number) {
  return Float32Array.from(
    { length },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate),
  );
}

/**
 * A sine rounded to 16 bits after adding triangular dither of `ditherLsb`
 * peak amplitude (0 for plain rounding).
 */
export function tone16(
  frequency: number,
  rate: number,
  length: number,
  amplitude: number,
  ditherLsb = 0,
  random = createRandom(7),
): Int16Array {
  return Int16Array.from({ length }, (_, i) => {
    const dither = ditherLsb * (random() - random());
    const value = 32768 * amplitude * Math.sin((2 * Math.PI * frequency * i) / rate) + dither;
    return Math.max(-32768, Math.min(32767, Math.round(value)));
  });
}

export interface ToneFit {
  /** Fitted amplitude of the tone. */
  amplitude: number;
  /** Root-mean-square of what is left after removing the fitted tone and DC. */
  residualRms: number;
}

/**
 * Least-squares fit of a*cos + b*sin + c at a known frequency over
 * `samples[start, end)`: the tone's amplitude, and everything else as a
 * residual (distortion, noise, aliases and images together).
 */
export function fitTone(
  samples: ArrayLike<number>,
  frequency: number,
  rate: number,
  start: number,
  end: number,
): ToneFit {
  const omega = (2 * Math.PI * frequency) / rate;
  // Normal equations for [cos, sin, 1].
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const v = [0, 0, 0];
  for (let n = start; n < end; n++) {
    const basis = [Math.cos(omega * n), Math.sin(omega * n), 1];
    const y = samples[n]!;
    for (let r = 0; r < 3; r++) {
      v[r]! += basis[r]! * y;
      for (let c = 0; c < 3; c++) m[r * 3 + c]! += basis[r]! * basis[c]!;
    }
  }
  const [a, b, c] = solve3(m, v);
  let residual = 0;
  for (let n = start; n < end; n++) {
    const e = samples[n]! - (a * Math.cos(omega * n) + b * Math.sin(omega * n) + c);
    residual += e * e;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(residual / (end - start)) };
}

function solve3(m: number[], v: number[]): [number, number, number] {
  const a = m.slice();
  const b = v.slice();
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++)
      if (Math.abs(a[r * 3 + col]!) > Math.abs(a[pivot * 3 + col]!)) pivot = r;
    for (let c = 0; c < 3; c++)
      [a[col * 3 + c], a[pivot * 3 + c]] = [a[pivot * 3 + c]!, a[col * 3 + c]!];
    [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r * 3 + col]! / a[col * 3 + col]!;
      for (let c = 0; c < 3; c++) a[r * 3 + c]! -= f * a[col * 3 + c]!;
      b[r]! -= f * b[col]!;
    }
  }
  return [b[0]! / a[0]!, b[1]! / a[4]!, b[2]! / a[8]!];
}

/** Root-mean-square of `samples[start, end)`. */
export function rms(samples: ArrayLike<number>, start: number, end: number): number {
  let sum = 0;
  for (let n = start; n < end; n++) sum += samples[n]! ** 2;
  return Math.sqrt(sum / (end - start));
}

export const decibels = (ratio: number) => 20 * Math.log10(ratio);

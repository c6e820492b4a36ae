/**
 * Linear-phase low-pass FIR design: Parks-McClellan (Remez exchange) for the
 * short equiripple filters of the telephony stages, and Kaiser-windowed sinc
 * for long polyphase prototypes where an equiripple design would be too slow
 * to compute at start-up.
 *
 * Frequencies are in cycles per sample (0 to 0.5).
 */

/** What a low-pass filter must achieve. */
export interface LowpassSpec {
  /** Upper edge of the passband, cycles/sample. */
  readonly passEdge: number;
  /** Lower edge of the stopband, cycles/sample. */
  readonly stopEdge: number;
  /** Largest allowed passband deviation from unity, as a linear amplitude. */
  readonly passRipple: number;
  /** Largest allowed stopband amplitude, linear. */
  readonly stopRipple: number;
}

/** Kaiser's estimate of the length an equiripple design needs (Oppenheim & Schafer eq. 7.104). */
export function estimateEquirippleLength(spec: LowpassSpec): number {
  const attenuation = -10 * Math.log10(spec.passRipple * spec.stopRipple) - 13;
  const width = spec.stopEdge - spec.passEdge;
  return Math.ceil(attenuation / (14.6 * width)) + 1;
}

/**
 * Zero-phase amplitude of a symmetric odd-length filter at `frequency`.
 * Used to check a design against its spec.
 */
export function amplitudeAt(taps: Float64Array, frequency: number): number {
  const center = (taps.length - 1) / 2;
  const omega = 2 * Math.PI * frequency;
  let sum = taps[center]!;
  for (let k = 1; k <= center; k++) sum += 2 * taps[center - k]! * Math.cos(omega * k);
  return sum;
}

/** Worst passband deviation and stopband amplitude of `taps`, sampled densely. */
export function measureLowpass(
  taps: Float64Array,
  passEdge: number,
  stopEdge: number,
): { passDeviation: number; stopAmplitude: number } {
  const points = Math.max(512, taps.length * 8);
  let passDeviation = 0;
  for (let i = 0; i <= points; i++) {
    const deviation = Math.abs(amplitudeAt(taps, (passEdge * i) / points) - 1);
    if (deviation > passDeviation) passDeviation = deviation;
  }
  let stopAmplitude = 0;
  for (let i = 0; i <= points; i++) {
    const amplitude = Math.abs(amplitudeAt(taps, stopEdge + ((0.5 - stopEdge) * i) / points));
    if (amplitude > stopAmplitude) stopAmplitude = amplitude;
  }
  return { passDeviation, stopAmplitude };
}

/**
 * Barycentric weights for Lagrange interpolation through `nodes`, each scaled
 * by a common factor. The product runs in strided order with every factor
 * doubled, as in McClellan's original program, so that it neither overflows nor
 * underflows for a few hundred nodes.
 */
function barycentricWeights(nodes: Float64Array, count: number, out: Float64Array): void {
  const stride = Math.floor((count - 1) / 15) + 1;
  for (let k = 0; k < count; k++) {
    const xk = nodes[k]!;
    let product = 1;
    for (let start = 0; start < stride; start++) {
      for (let j = start; j < count; j += stride) {
        if (j !== k) product *= 2 * (xk - nodes[j]!);
      }
    }
    out[k] = 1 / product;
  }
}

/**
 * Equiripple low-pass of odd length `length` by the Remez exchange algorithm,
 * minimizing the weighted error with passband weight 1 and stopband weight
 * `passRipple / stopRipple`.
 */
export function designRemezLowpass(
  length: number,
  passEdge: number,
  stopEdge: number,
  stopWeight: number,
): Float64Array {
  if (length % 2 !== 1 || length < 3) throw new RangeError('Remez design needs an odd length >= 3');
  const terms = (length + 1) / 2; // cosine terms; the alternation has terms + 1 points
  const density = 16;
  const step = 0.5 / (density * terms);

  const frequencies: number[] = [];
  const passCount = Math.max(2, Math.ceil(passEdge / step) + 1);
  for (let i = 0; i < passCount; i++) frequencies.push((passEdge * i) / (passCount - 1));
  const stopCount = Math.max(2, Math.ceil((0.5 - stopEdge) / step) + 1);
  for (let i = 0; i < stopCount; i++) {
    frequencies.push(stopEdge + ((0.5 - stopEdge) * i) / (stopCount - 1));
  }
  const gridSize = frequencies.length;
  const gridX = Float64Array.from(frequencies, (f) => Math.cos(2 * Math.PI * f));
  const isPass = (index: number) => index < passCount;

  const extremal = new Int32Array(terms + 1);
  for (let j = 0; j <= terms; j++) extremal[j] = Math.round((j * (gridSize - 1)) / terms);

  const x = new Float64Array(terms + 1);
  const weights = new Float64Array(terms + 1);
  const values = new Float64Array(terms + 1);
  const error = new Float64Array(gridSize);
  let interpolationCount = terms;

  const interpolate = (at: number): number => {
    let numerator = 0;
    let denominator = 0;
    for (let j = 0; j < interpolationCount; j++) {
      const diff = at - x[j]!;
      if (diff === 0) return values[j]!;
      const w = weights[j]! / diff;
      numerator += w * values[j]!;
      denominator += w;
    }
    return numerator / denominator;
  };

  for (let iteration = 0; iteration < 250; iteration++) {
    for (let j = 0; j <= terms; j++) x[j] = gridX[extremal[j]!]!;
    barycentricWeights(x, terms + 1, weights);

    let numerator = 0;
    let denominator = 0;
    for (let j = 0; j <= terms; j++) {
      const pass = isPass(extremal[j]!);
      const sign = j % 2 === 0 ? 1 : -1;
      numerator += weights[j]! * (pass ? 1 : 0);
      denominator += (sign * weights[j]!) / (pass ? 1 : stopWeight);
    }
    const delta = numerator / denominator;
    for (let j = 0; j <= terms; j++) {
      const pass = isPass(extremal[j]!);
      const sign = j % 2 === 0 ? 1 : -1;
      values[j] = (pass ? 1 : 0) - (sign * delta) / (pass ? 1 : stopWeight);
    }
    // Interpolate through the first `terms` points only: the polynomial has
    // degree terms - 1. Their weights lose the factor of the dropped point.
    const last = x[terms]!;
    for (let j = 0; j < terms; j++) weights[j] = weights[j]! * 2 * (x[j]! - last);
    interpolationCount = terms;

    for (let i = 0; i < gridSize; i++) {
      const pass = isPass(i);
      error[i] = (pass ? 1 : stopWeight) * ((pass ? 1 : 0) - interpolate(gridX[i]!));
    }

    const candidates = findAlternation(error, passCount, terms + 1);
    if (candidates === undefined) break;
    let changed = false;
    for (let j = 0; j <= terms; j++) {
      if (extremal[j] !== candidates[j]) changed = true;
      extremal[j] = candidates[j]!;
    }
    if (!changed) break;
    let largest = 0;
    for (let j = 0; j <= terms; j++) largest = Math.max(largest, Math.abs(error[extremal[j]!]!));
    if (largest - Math.abs(delta) <= 1e-9 * largest) break;
  }

  // Sample the amplitude at `length` equally spaced frequencies and invert the
  // cosine series: h[n] = (1/N) sum A(w_m) cos(w_m (n - center)).
  const center = terms - 1;
  const samples = new Float64Array(length);
  for (let m = 0; m < length; m++) samples[m] = interpolate(Math.cos((2 * Math.PI * m) / length));
  const taps = new Float64Array(length);
  for (let k = 0; k <= center; k++) {
    let sum = 0;
    for (let m = 0; m < length; m++) sum += samples[m]! * Math.cos((2 * Math.PI * m * k) / length);
    taps[center - k] = sum / length;
    taps[center + k] = sum / length;
  }
  return taps;
}

/**
 * Picks `count` alternating extrema of the error curve: local extrema within
 * each band (band edges included), runs of one sign merged to their largest
 * member, and surplus points dropped from whichever end is smaller.
 */
function findAlternation(
  error: Float64Array,
  passCount: number,
  count: number,
): Int32Array | undefined {
  const picks: number[] = [];
  const bands: [number, number][] = [
    [0, passCount - 1],
    [passCount, error.length - 1],
  ];
  for (const [first, last] of bands) {
    for (let i = first; i <= last; i++) {
      const e = error[i]!;
      const before = i > first ? error[i - 1]! : undefined;
      const after = i < last ? error[i + 1]! : undefined;
      const isPeak =
        e > 0
          ? (before === undefined || e >= before) && (after === undefined || e > after)
          : (before === undefined || e <= before) && (after === undefined || e < after);
      if (isPeak && e !== 0) picks.push(i);
    }
  }
  const alternating: number[] = [];
  for (const index of picks) {
    const previous = alternating[alternating.length - 1];
    if (previous !== undefined && Math.sign(error[previous]!) === Math.sign(error[index]!)) {
      if (Math.abs(error[index]!) > Math.abs(error[previous]!)) {
        alternating[alternating.length - 1] = index;
      }
    } else {
      alternating.push(index);
    }
  }
  while (alternating.length > count) {
    const first = Math.abs(error[alternating[0]!]!);
    const last = Math.abs(error[alternating[alternating.length - 1]!]!);
    if (first < last) alternating.shift();
    else alternating.pop();
  }
  return alternating.length === count ? Int32Array.from(alternating) : undefined;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Kaiser-windowed sinc low-pass meeting `spec` (the window's ripple is equal in
 * both bands, so the smaller of the two ripples decides). `gain` scales the
 * passband, as an interpolator by L needs gain L.
 */
export function designKaiserLowpass(spec: LowpassSpec, gain = 1): Float64Array {
  const ripple = Math.min(spec.passRipple, spec.stopRipple);
  const attenuation = -20 * Math.log10(ripple);
  // Kaiser's empirical formulas for the shape parameter and the length.
  const beta =
    attenuation > 50
      ? 0.1102 * (attenuation - 8.7)
      : attenuation >= 21
        ? 0.5842 * (attenuation - 21) ** 0.4 + 0.07886 * (attenuation - 21)
        : 0;
  const width = 2 * Math.PI * (spec.stopEdge - spec.passEdge);
  let length = Math.ceil((attenuation - 7.95) / (2.285 * width)) + 1;
  if (length % 2 === 0) length++;
  const center = (length - 1) / 2;
  const cutoff = (spec.passEdge + spec.stopEdge) / 2;
  const norm = besselI0(beta);
  const taps = new Float64Array(length);
  for (let n = 0; n < length; n++) {
    const t = n - center;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const ratio = t / center;
    taps[n] = (gain * sinc * besselI0(beta * Math.sqrt(Math.max(0, 1 - ratio * ratio)))) / norm;
  }
  return taps;
}

/**
 * Shortest equiripple low-pass that meets `spec` on a dense check, starting
 * from Kaiser's length estimate. `halfband` forces the length to 4k - 1 and
 * makes the odd-offset taps exactly zero, which the symmetric spec of a
 * half-band filter yields up to rounding anyway.
 */
export function designLowpassToSpec(spec: LowpassSpec, halfband = false): Float64Array {
  const stopWeight = spec.passRipple / spec.stopRipple;
  let length = estimateEquirippleLength(spec);
  const lengthStep = halfband ? 4 : 2;
  if (halfband) length = Math.ceil((length + 1) / 4) * 4 - 1;
  else if (length % 2 === 0) length++;
  // The estimate is usually within a few taps; the loop guards the rest.
  for (let attempt = 0; attempt < 64; attempt++, length += lengthStep) {
    const taps = designRemezLowpass(length, spec.passEdge, spec.stopEdge, stopWeight);
    if (halfband) {
      const center = (length - 1) / 2;
      for (let k = 2; k <= center; k += 2) {
        taps[center - k] = 0;
        taps[center + k] = 0;
      }
      taps[center] = 0.5;
    }
    const { passDeviation, stopAmplitude } = measureLowpass(taps, spec.passEdge, spec.stopEdge);
    if (passDeviation <= spec.passRipple && stopAmplitude <= spec.stopRipple) return taps;
  }
  throw new Error(
    `No equiripple low-pass found for pass ${spec.passEdge} / stop ${spec.stopEdge} within 128 extra taps`,
  );
}

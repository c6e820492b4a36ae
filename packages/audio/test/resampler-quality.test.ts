/**
 * Measured quality of the default resampler on the telephony pairs. The
 * filters are deterministic, so these are exact properties, not timings.
 * Float32 mode measures the filters themselves (no output rounding to hide
 * a small alias); the THD+N test runs the int16 path a carrier stream takes.
 */
import { describe, expect, it } from 'vitest';
import { createResampler } from '../src/index.js';
import { decibels, fitTone, rms, tone, tone16 } from './signal.js';

const GATED_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [8000, 16000],
  [16000, 8000],
  [24000, 8000],
  [48000, 8000],
  [8000, 24000],
];

/** Frequencies spread over [low, high] and kept off any common grid of the rates. */
function spread(low: number, high: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => {
    const f = low + ((high - low) * k) / (count - 1);
    return k === 0 || k === count - 1 ? f : f + Math.SQRT2 * ((k % 5) - 2);
  });
}

const ENGINES = [
  { engine: 'wasm-simd', simd: true },
  { engine: 'javascript', simd: false },
] as const;

function convertFloat(from: number, to: number, input: Float32Array, simd: boolean): Float32Array {
  const resampler = createResampler({ from, to, format: 'float32', simd });
  const head = resampler.process(input);
  const tail = resampler.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Skips 20 ms at both ends, where the stream starts and stops. */
function steadyRange(length: number, rate: number): [number, number] {
  const edge = Math.ceil(0.02 * rate);
  return [edge, length - edge];
}

describe.each(
  ENGINES.flatMap(({ engine, simd }) =>
    GATED_PAIRS.map(([from, to]) => ({ engine, simd, from, to })),
  ),
)('$from Hz -> $to Hz at the default quality ($engine)', ({ engine, simd, from, to }) => {
  it('runs the engine it says', () => {
    expect(createResampler({ from, to, simd }).engine).toBe(engine);
  });

  const amplitude = 0.5; // -6 dBFS
  const seconds = 0.5;

  it('keeps passband ripple within 0.1 dB over 150-3400 Hz', () => {
    const gains = spread(150, 3400, 40).map((frequency) => {
      const out = convertFloat(from, to, tone(frequency, from, from * seconds, amplitude), simd);
      const [start, end] = steadyRange(out.length, to);
      return decibels(fitTone(out, frequency, to, start, end).amplitude / amplitude);
    });
    const ripple = Math.max(...gains) - Math.min(...gains);
    expect(ripple).toBeLessThanOrEqual(0.1);
  });

  if (to < from) {
    it('keeps every tone above the output Nyquist at least 100 dB down', () => {
      const worst = Math.max(
        ...spread(to / 2 + 1, from / 2 - 1, 48).map((frequency) => {
          const out = convertFloat(
            from,
            to,
            tone(frequency, from, from * seconds, amplitude),
            simd,
          );
          const [start, end] = steadyRange(out.length, to);
          return decibels((Math.SQRT2 * rms(out, start, end)) / amplitude);
        }),
      );
      expect(worst).toBeLessThanOrEqual(-100);
    });
  } else {
    it('keeps images of passband tones at least 100 dB down', () => {
      const worst = Math.max(
        ...spread(150, 3400, 40).map((frequency) => {
          const out = convertFloat(
            from,
            to,
            tone(frequency, from, from * seconds, amplitude),
            simd,
          );
          const [start, end] = steadyRange(out.length, to);
          const fit = fitTone(out, frequency, to, start, end);
          return decibels((Math.SQRT2 * fit.residualRms) / fit.amplitude);
        }),
      );
      expect(worst).toBeLessThanOrEqual(-100);
    });
  }

  it('reaches THD+N of -88 dB or better for a -6 dBFS tone on 16-bit samples', () => {
    for (const frequency of [997, 2311.7, 3203.3]) {
      const resampler = createResampler({ from, to, simd });
      const input = tone16(frequency, from, from * seconds, amplitude);
      const out = Int16Array.from([...resampler.process(input), ...resampler.flush()]);
      const [start, end] = steadyRange(out.length, to);
      const fit = fitTone(out, frequency, to, start, end);
      const thdPlusNoise = decibels(fit.residualRms / (fit.amplitude / Math.SQRT2));
      expect(thdPlusNoise, `${frequency} Hz`).toBeLessThanOrEqual(-88);
    }
  });

  it('holds back at most 5 ms and says how much', () => {
    const resampler = createResampler({ from, to, simd });
    const frame = from / 50; // 20 ms
    const frameOut = new Int16Array(resampler.maxOutputLength(frame));
    let produced = 0;
    for (let i = 0; i < 50; i++) {
      produced += resampler.processInto(tone16(440, from, frame, 0.25), frameOut);
    }
    const heldBack = (to - produced) / to;
    expect(heldBack).toBeLessThanOrEqual(0.005);
    expect(Math.abs(heldBack - resampler.latencySeconds)).toBeLessThanOrEqual(
      1.5 / Math.min(from, to),
    );
  });

  it('aligns output with input: no phase shift at 1 kHz', () => {
    const out = convertFloat(from, to, tone(1000, from, from * seconds, amplitude), simd);
    const [start, end] = steadyRange(out.length, to);
    // fitTone on a pure sine: the cosine part is the phase error.
    const omega = (2 * Math.PI * 1000) / to;
    let cosine = 0;
    let sine = 0;
    for (let n = start; n < end; n++) {
      cosine += out[n]! * Math.cos(omega * n);
      sine += out[n]! * Math.sin(omega * n);
    }
    const phaseError = Math.abs(Math.atan2(cosine, sine));
    expect(phaseError).toBeLessThan(1e-3);
  });
});

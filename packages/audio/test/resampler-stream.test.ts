import { describe, expect, it } from 'vitest';
import { createResampler, type ResamplerQuality } from '../src/index.js';
import { createRandom, tone16 } from './signal.js';

const RATES = [8000, 16000, 24000, 44100, 48000];
const PAIRS = RATES.flatMap((from) =>
  RATES.filter((to) => to !== from).map((to) => [from, to] as const),
);
const QUALITIES: ResamplerQuality[] = ['low', 'medium', 'high'];

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A speech-like test signal: two tones plus noise, in 16 bits. */
function testSignal(rate: number, length: number): Int16Array {
  const random = createRandom(11);
  const a = tone16(310, rate, length, 0.3);
  const b = tone16(2100, rate, length, 0.2);
  return Int16Array.from(a, (v, i) => v + b[i]! + Math.round((random() - 0.5) * 2000));
}

describe.each(QUALITIES.flatMap((quality) => [true, false].map((simd) => ({ quality, simd }))))(
  'streaming contract at $quality quality, simd: $simd',
  ({ quality, simd }) => {
    it.each(PAIRS)('%i -> %i: random chunks give the same samples as one chunk', (from, to) => {
      const input = testSignal(from, Math.round(from * 0.3) + 7);
      const resampler = createResampler({ from, to, quality, simd });
      const whole = concat([resampler.process(input), resampler.flush()]);

      const random = createRandom(from + to);
      const parts: Int16Array[] = [];
      for (let pos = 0; pos < input.length; ) {
        const size = Math.min(input.length - pos, Math.floor(random() * 500));
        parts.push(resampler.process(input.subarray(pos, pos + size)));
        pos += size;
      }
      parts.push(resampler.flush());
      const chunked = concat(parts);

      expect(whole.length).toBe(Math.ceil((input.length * to) / from));
      expect(chunked).toEqual(whole);
    });
  },
);

describe('createResampler', () => {
  it('never drifts: output count tracks input time exactly over a long stream', () => {
    const resampler = createResampler({ from: 44100, to: 8000 });
    const frame = new Int16Array(441); // 10 ms
    const out = new Int16Array(resampler.maxOutputLength(frame.length));
    let produced = 0;
    for (let i = 0; i < 6000; i++) produced += resampler.processInto(frame, out); // one minute
    produced += resampler.flushInto(new Int16Array(1000));
    expect(produced).toBe(60 * 8000);
  });

  it('starts a new stream after flush and after reset', () => {
    const resampler = createResampler({ from: 16000, to: 8000 });
    const input = testSignal(16000, 3200);
    const first = concat([resampler.process(input), resampler.flush()]);
    const second = concat([resampler.process(input), resampler.flush()]);
    expect(second).toEqual(first);
    resampler.process(input.subarray(0, 1000));
    resampler.reset();
    expect(concat([resampler.process(input), resampler.flush()])).toEqual(first);
  });

  it('writes into a caller buffer at an offset and refuses one too small', () => {
    const resampler = createResampler({ from: 8000, to: 16000 });
    const input = testSignal(8000, 160);
    const out = new Int16Array(resampler.maxOutputLength(160) + 10);
    const written = resampler.processInto(input, out, 10);
    // The first call holds back the filter delay: 2.6875 ms is 43 samples at 16 kHz.
    expect(written).toBe(320 - Math.round(resampler.latencySeconds * 16000));
    expect(out.subarray(0, 10)).toEqual(new Int16Array(10));
    expect(() => resampler.processInto(input, new Int16Array(10))).toThrow(/maxOutputLength/);
  });

  it('clamps rather than wraps when the filter overshoots full scale', () => {
    // A full-scale square wave rings past 32767 at its edges (Gibbs).
    const square = Int16Array.from({ length: 1600 }, (_, i) =>
      Math.floor(i / 20) % 2 ? 32767 : -32768,
    );
    const out = createResampler({ from: 8000, to: 16000 }).process(square);
    const wrapped = out.some((v, i) => i > 0 && Math.abs(v - out[i - 1]!) > 40000);
    expect(wrapped).toBe(false);
    expect(Math.max(...out)).toBe(32767);
  });

  it('rounds and clamps 16-bit output exactly as Math.round on its float output, in chunks of any length', () => {
    // The WebAssembly engine widens and narrows 16-bit samples itself, eight at a time with a
    // scalar tail: every chunk length, and values past full scale, must match the plain rule.
    const loud = Int16Array.from(testSignal(48000, 4000), (v, i) => (i % 500 < 40 ? 32767 : v * 4));
    for (const [from, to] of [
      [8000, 16000],
      [16000, 8000],
      [8000, 24000],
      [48000, 8000],
    ] as const) {
      for (const chunk of [1, 7, 8, 9, 160, 333]) {
        const int16 = createResampler({ from, to });
        const float = createResampler({ from, to, format: 'float32' });
        expect(int16.engine).toBe('wasm-simd');
        for (let start = 0; start < 1200; start += chunk) {
          const part = loud.subarray(start, start + chunk);
          const got = Array.from(int16.process(part));
          const expected = Array.from(float.process(Float32Array.from(part)), (value) =>
            Math.min(Math.max(Math.round(value), -32768), 32767),
          );
          expect(got, `${from} -> ${to} in chunks of ${chunk}`).toEqual(expected);
        }
      }
    }
  });

  it('converts float32 streams without rounding', () => {
    const resampler = createResampler({ from: 8000, to: 16000, format: 'float32' });
    const out = resampler.process(
      Float32Array.from({ length: 800 }, (_, i) => 0.001 * Math.sin(i / 3)),
    );
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.some((v) => v !== 0 && Math.abs(v) < 0.001)).toBe(true);
  });

  it('rejects bad options with a message that names the option', () => {
    expect(() => createResampler({ from: 8000.5, to: 16000 })).toThrow(
      /from must be a whole number/,
    );
    expect(() => createResampler({ from: 8000, to: 0 })).toThrow(/to must be/);
    // @ts-expect-error: not a quality
    expect(() => createResampler({ from: 8000, to: 16000, quality: 'best' })).toThrow(/quality/);
    expect(() => createResampler({ from: 44100, to: 44101 })).toThrow(/phases/);
  });

  it('gives the same audio on both engines, to within a least significant bit', () => {
    const input = testSignal(48000, 48000);
    const simd = createResampler({ from: 48000, to: 8000 });
    const plain = createResampler({ from: 48000, to: 8000, simd: false });
    const a = concat([simd.process(input), simd.flush()]);
    const b = concat([plain.process(input), plain.flush()]);
    expect(a.length).toBe(b.length);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1);
  });

  it('grows its buffers for a chunk larger than any before', () => {
    const resampler = createResampler({ from: 8000, to: 48000 });
    const small = resampler.process(testSignal(8000, 160));
    const large = resampler.process(testSignal(8000, 80000)); // 10 s at once
    expect(small.length + large.length).toBe(
      6 * 80160 - Math.round(resampler.latencySeconds * 48000),
    );
  });

  it('passes audio straight through when the rates are equal', () => {
    const resampler = createResampler({ from: 16000, to: 16000 });
    const input = testSignal(16000, 320);
    expect(concat([resampler.process(input), resampler.flush()])).toEqual(input);
    expect(resampler.latencySeconds).toBe(0);
  });
});

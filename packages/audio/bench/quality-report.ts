// Measured quality of every resampler preset on the telephony pairs, printed
// as Markdown for the README. Run: pnpm --filter @patchbay/audio quality
import { createResampler, type ResamplerQuality } from '../src/index.js';
import { decibels, fitTone, rms, tone, tone16 } from '../test/signal.js';

const PAIRS: ReadonlyArray<readonly [number, number]> = [
  [8000, 16000],
  [16000, 8000],
  [24000, 8000],
  [48000, 8000],
  [8000, 24000],
  [8000, 48000],
  [16000, 24000],
  [44100, 8000],
  [44100, 48000],
];
const QUALITIES: ResamplerQuality[] = ['low', 'medium', 'high'];
const PASS_FRACTION: Record<ResamplerQuality, number> = { low: 0.8, medium: 0.85, high: 0.9 };

function run(from: number, to: number, quality: ResamplerQuality, input: Float32Array) {
  const resampler = createResampler({ from, to, quality, format: 'float32' });
  return Float32Array.from([...resampler.process(input), ...resampler.flush()]);
}

function spread(low: number, high: number, count: number): number[] {
  return Array.from(
    { length: count },
    (_, k) => low + ((high - low) * k) / (count - 1) + (k % 3) * 0.71,
  );
}

console.log(
  '| pair | quality | passband | ripple (dB) | alias / image (dB) | THD+N int16 (dB) | delay (ms) |',
);
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
for (const [from, to] of PAIRS) {
  for (const quality of QUALITIES) {
    const passHz = PASS_FRACTION[quality] * (Math.min(from, to) / 2);
    const amplitude = 0.5;
    const length = from / 2;
    const edge = (rate: number, n: number): [number, number] => [
      Math.ceil(0.02 * rate),
      n - Math.ceil(0.02 * rate),
    ];

    const gains = spread(150, passHz - 1, 30).map((f) => {
      const out = run(from, to, quality, tone(f, from, length, amplitude));
      return decibels(fitTone(out, f, to, ...edge(to, out.length)).amplitude / amplitude);
    });
    const ripple = Math.max(...gains) - Math.min(...gains);

    let leak: number;
    if (to < from) {
      leak = Math.max(
        ...spread(to / 2 + 1, from / 2 - 5, 30).map((f) => {
          const out = run(from, to, quality, tone(f, from, length, amplitude));
          return decibels((Math.SQRT2 * rms(out, ...edge(to, out.length))) / amplitude);
        }),
      );
    } else {
      leak = Math.max(
        ...spread(150, passHz - 1, 30).map((f) => {
          const out = run(from, to, quality, tone(f, from, length, amplitude));
          const fit = fitTone(out, f, to, ...edge(to, out.length));
          return decibels((Math.SQRT2 * fit.residualRms) / fit.amplitude);
        }),
      );
    }

    const resampler = createResampler({ from, to, quality });
    const out = Int16Array.from([
      ...resampler.process(tone16(997, from, length, amplitude)),
      ...resampler.flush(),
    ]);
    const fit = fitTone(out, 997, to, ...edge(to, out.length));
    const thdN = decibels(fit.residualRms / (fit.amplitude / Math.SQRT2));

    console.log(
      `| ${from} -> ${to} | ${quality} | 150-${Math.round(passHz)} Hz | ${ripple.toFixed(3)} | ${leak.toFixed(1)} | ${thdN.toFixed(1)} | ${(resampler.latencySeconds * 1000).toFixed(2)} |`,
    );
  }
}

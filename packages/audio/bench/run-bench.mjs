// Speed of @patchbay/audio beside the libraries a user would otherwise pick,
// on 20 ms frames, one core. Run with `pnpm bench` (it pins to core 0 with
// taskset). Prints a Markdown table; ratios are what the targets are set in.
import { availableParallelism } from 'node:os';
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import createSpeexNonSimd from '@echogarden/speex-resampler-wasm';
import createSpeexSimd from '@echogarden/speex-resampler-wasm/simd';
import alawmulaw from 'alawmulaw';
import g711 from 'g711';
import {
  alawDecode,
  alawEncode,
  createResampler,
  mulawDecode,
  mulawEncode,
} from '../dist/index.js';

const FRAME_MS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 150);

/** Median nanoseconds per call of `step(i)` over several timed rounds, after a warm-up. */
function measure(step) {
  let i = 0;
  const runFor = (ms) => {
    const deadline = process.hrtime.bigint() + BigInt(ms * 1e6);
    let calls = 0;
    const start = process.hrtime.bigint();
    let now = start;
    while (now < deadline) {
      for (let k = 0; k < 64; k++) step(i++);
      calls += 64;
      now = process.hrtime.bigint();
    }
    return Number(now - start) / calls;
  };
  runFor(ROUND_MS * 2);
  const rounds = Array.from({ length: ROUNDS }, () => runFor(ROUND_MS)).sort((a, b) => a - b);
  return rounds[Math.floor(ROUNDS / 2)];
}

/** One second of a speech-like signal (gliding harmonics plus noise) as 20 ms frames. */
function speechFrames(rate) {
  const frameSize = (rate * FRAME_MS) / 1000;
  let seed = 12345;
  const noise = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const frames = [];
  let phase = 0;
  for (let f = 0; f < 50; f++) {
    const frame = new Int16Array(frameSize);
    for (let n = 0; n < frameSize; n++) {
      const t = (f * frameSize + n) / rate;
      const pitch = 120 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
      phase += (2 * Math.PI * pitch) / rate;
      let v = 0;
      for (let h = 1; h <= 20 && h * pitch < rate / 2; h++) v += Math.sin(h * phase) / h;
      frame[n] = Math.round(6000 * v + 800 * noise());
    }
    frames.push(frame);
  }
  return frames;
}

const rows = [];
const verdicts = [];
const fmt = (x, digits = 2) => x.toFixed(digits);

function report(group, name, ns, reference) {
  const realtime = (FRAME_MS * 1e6) / ns;
  rows.push({ group, name, ns, realtime, ratio: reference === undefined ? 1 : reference / ns });
}

function verdict(label, ratio, target) {
  verdicts.push(
    `${ratio >= target ? 'met ' : 'MISS'}  ${label}: ${fmt(ratio)}x (target >= ${target}x)`,
  );
}

// ---- G.711 -------------------------------------------------------------

function g711Bench() {
  const frames = speechFrames(8000);
  const encodeTable = mulawEncode(Int16Array.from({ length: 65536 }, (_, i) => (i << 16) >> 16));
  const decodeTable = mulawDecode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const codeFrames = frames.map((frame) => mulawEncode(frame));
  const codes = new Uint8Array(160);
  const pcm = new Int16Array(160);
  const n = frames.length;

  const encodeCeiling = measure((i) => {
    const frame = frames[i % n];
    for (let k = 0; k < frame.length; k++) codes[k] = encodeTable[frame[k] & 0xffff];
  });
  report('mu-law encode 160', 'lookup-table loop (ceiling)', encodeCeiling);
  const ours = measure((i) => mulawEncode(frames[i % n], codes));
  report('mu-law encode 160', '@patchbay/audio mulawEncode (output buffer)', ours, encodeCeiling);
  report(
    'mu-law encode 160',
    '@patchbay/audio mulawEncode (new array)',
    measure((i) => mulawEncode(frames[i % n])),
    encodeCeiling,
  );
  report(
    'mu-law encode 160',
    'alawmulaw mulaw.encode',
    measure((i) => alawmulaw.mulaw.encode(frames[i % n])),
    encodeCeiling,
  );
  report(
    'mu-law encode 160',
    'g711 ulawFromPCM',
    measure((i) => g711.ulawFromPCM(frames[i % n])),
    encodeCeiling,
  );
  verdict('mu-law encode vs lookup-table ceiling', encodeCeiling / ours, 0.85);

  const decodeCeiling = measure((i) => {
    const frame = codeFrames[i % n];
    for (let k = 0; k < frame.length; k++) pcm[k] = decodeTable[frame[k]];
  });
  report('mu-law decode 160', 'lookup-table loop (ceiling)', decodeCeiling);
  const oursDecode = measure((i) => mulawDecode(codeFrames[i % n], pcm));
  report(
    'mu-law decode 160',
    '@patchbay/audio mulawDecode (output buffer)',
    oursDecode,
    decodeCeiling,
  );
  report(
    'mu-law decode 160',
    '@patchbay/audio mulawDecode (new array)',
    measure((i) => mulawDecode(codeFrames[i % n])),
    decodeCeiling,
  );
  report(
    'mu-law decode 160',
    'alawmulaw mulaw.decode',
    measure((i) => alawmulaw.mulaw.decode(codeFrames[i % n])),
    decodeCeiling,
  );
  report(
    'mu-law decode 160',
    'g711 ulawToPCM',
    measure((i) => g711.ulawToPCM(codeFrames[i % n], 16)),
    decodeCeiling,
  );
  verdict('mu-law decode vs lookup-table ceiling', decodeCeiling / oursDecode, 0.9);

  const alawFrames = frames.map((frame) => alawEncode(frame));
  const alawOursEncode = measure((i) => alawEncode(frames[i % n], codes));
  report(
    'A-law encode 160',
    '@patchbay/audio alawEncode (output buffer)',
    alawOursEncode,
    encodeCeiling,
  );
  report(
    'A-law encode 160',
    'alawmulaw alaw.encode',
    measure((i) => alawmulaw.alaw.encode(frames[i % n])),
    encodeCeiling,
  );
  report(
    'A-law encode 160',
    'g711 alawFromPCM',
    measure((i) => g711.alawFromPCM(frames[i % n])),
    encodeCeiling,
  );
  verdict('A-law encode vs lookup-table ceiling', encodeCeiling / alawOursEncode, 0.85);
  const alawOursDecode = measure((i) => alawDecode(alawFrames[i % n], pcm));
  report(
    'A-law decode 160',
    '@patchbay/audio alawDecode (output buffer)',
    alawOursDecode,
    decodeCeiling,
  );
  report(
    'A-law decode 160',
    'alawmulaw alaw.decode',
    measure((i) => alawmulaw.alaw.decode(alawFrames[i % n])),
    decodeCeiling,
  );
  report(
    'A-law decode 160',
    'g711 alawToPCM',
    measure((i) => g711.alawToPCM(alawFrames[i % n], 16)),
    decodeCeiling,
  );
  verdict('A-law decode vs lookup-table ceiling', decodeCeiling / alawOursDecode, 0.9);
}

// ---- Resampling --------------------------------------------------------

async function speexResampler(factory, from, to, quality) {
  const wasm = await factory();
  const errorPtr = wasm._malloc(4);
  const state = wasm._speex_resampler_init(1, from, to, quality, errorPtr);
  const inSize = (from * FRAME_MS) / 1000;
  const outCapacity = Math.ceil((inSize * to) / from) + 64;
  const inPtr = wasm._malloc(inSize * 2);
  const outPtr = wasm._malloc(outCapacity * 2);
  const inLenPtr = wasm._malloc(4);
  const outLenPtr = wasm._malloc(4);
  const out = new Int16Array(outCapacity);
  return (frame) => {
    wasm.HEAP16.set(frame, inPtr >> 1);
    wasm.HEAPU32[inLenPtr >> 2] = frame.length;
    wasm.HEAPU32[outLenPtr >> 2] = outCapacity;
    wasm._speex_resampler_process_int(state, 0, inPtr, inLenPtr, outPtr, outLenPtr);
    const written = wasm.HEAPU32[outLenPtr >> 2];
    const heap = wasm.HEAP16;
    const base = outPtr >> 1;
    for (let k = 0; k < written; k++) out[k] = heap[base + k];
    return written;
  };
}

async function resamplerBench(from, to) {
  const group = `resample ${from / 1000}k -> ${to / 1000}k`;
  const frames = speechFrames(from);
  const floatFrames = frames.map((frame) => Float32Array.from(frame, (v) => v / 32768));
  const n = frames.length;

  const ours = createResampler({ from, to });
  const out = new Int16Array(ours.maxOutputLength(frames[0].length));
  const oursNs = measure((i) => ours.processInto(frames[i % n], out));

  const src = await libsamplerate.create(1, from, to, {
    converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST,
  });
  const srcOut = new Float32Array(Math.ceil((frames[0].length * to) / from) + 64);
  const srcNs = measure((i) => src.full(floatFrames[i % n], srcOut));
  src.destroy();

  const speex = await speexResampler(createSpeexNonSimd, from, to, 5);
  const speexNs = measure((i) => speex(frames[i % n]));
  const speexSimd = await speexResampler(createSpeexSimd, from, to, 5);
  const speexSimdNs = measure((i) => speexSimd(frames[i % n]));

  report(group, '@patchbay/audio createResampler (processInto)', oursNs, oursNs);
  report(group, 'libsamplerate-js SRC_SINC_FASTEST (default)', srcNs, oursNs);
  report(group, 'echogarden speex-wasm quality 5', speexNs, oursNs);
  report(group, 'echogarden speex-wasm/simd quality 5', speexSimdNs, oursNs);
  verdict(`${group} vs libsamplerate-js default`, srcNs / oursNs, 5);
  verdict(`${group} vs speex quality 5`, speexNs / oursNs, 0.5);
  verdict(`${group} vs speex/simd quality 5`, speexSimdNs / oursNs, 0.5);
}

console.log(
  `# @patchbay/audio benchmark\n\nNode ${process.version}, ${process.platform}/${process.arch}, ` +
    `${availableParallelism()} core(s) visible to this process, 20 ms frames, median of ${ROUNDS} rounds of ${ROUND_MS} ms.\n`,
);
g711Bench();
for (const [from, to] of [
  [8000, 16000],
  [16000, 8000],
  [24000, 8000],
  [48000, 8000],
  [8000, 24000],
]) {
  await resamplerBench(from, to);
}

console.log('| operation | implementation | ns / frame | x real time | ratio |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(
    `| ${row.group} | ${row.name} | ${fmt(row.ns, 0)} | ${fmt(row.realtime, 0)} | ${fmt(row.ratio)} |`,
  );
}
console.log(
  "\nRatio: G.711 rows are the ceiling's time over this row's (1.00 = as fast as the plain table loop); " +
    "resampler rows are this row's time over @patchbay/audio's (above 1 = @patchbay/audio is faster).\n",
);
console.log('Targets:\n');
for (const line of verdicts) console.log(`    ${line}`);

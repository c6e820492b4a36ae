// Speed of @patchbay/audio beside the libraries a user would otherwise pick,
// on 20 ms frames, one core. Run with `pnpm bench` (it pins to core 0 with
// taskset). Prints a Markdown table; ratios are what the targets are set in.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
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

/**
 * A timing loop compiled afresh for each candidate. One shared loop would see
 * every candidate's closure at its call site, turn megamorphic after the
 * first, and inline only that one: whichever ran first would look fastest.
 */
function createRunner() {
  return new Function(
    'step',
    'deadline',
    `let calls = 0;
     const start = process.hrtime.bigint();
     let now = start;
     while (now < deadline) {
       for (let k = 0; k < 64; k++) step(calls + k);
       calls += 64;
       now = process.hrtime.bigint();
     }
     return Number(now - start) / calls;`,
  );
}

/** Median nanoseconds per call of `step(i)` over several timed rounds, after a warm-up. */
function measure(step) {
  const runner = createRunner();
  const runFor = (ms) => runner(step, process.hrtime.bigint() + BigInt(ms * 1e6));
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

// Each candidate is timed in a process of its own: V8 keeps type feedback per
// function, so a library warmed up (or a helper called another way) in the
// same process skews whatever is measured after it.
const cases = [];
const addCase = (group, name, setup) => cases.push({ group, name, setup });

// ---- G.711 -------------------------------------------------------------

const FRAMES_8K = () => speechFrames(8000);
const ENCODE_TABLE = () => {
  const table = new Uint8Array(65536);
  const all = Int16Array.from({ length: 65536 }, (_, i) => (i << 16) >> 16);
  mulawEncode(all).forEach((code, i) => {
    table[i] = code;
  });
  return table;
};

function g711Cases(law, encode, decode, thirdParty) {
  const encodeGroup = `${law} encode 160`;
  const decodeGroup = `${law} decode 160`;
  addCase(encodeGroup, 'lookup-table loop (ceiling)', () => {
    const frames = FRAMES_8K();
    const table =
      law === 'mu-law'
        ? ENCODE_TABLE()
        : alawEncode(Int16Array.from({ length: 65536 }, (_, i) => (i << 16) >> 16));
    const codes = new Uint8Array(160);
    return (i) => {
      const frame = frames[i % 50];
      for (let k = 0; k < frame.length; k++) codes[k] = table[frame[k] & 0xffff];
    };
  });
  addCase(encodeGroup, '@patchbay/audio (output buffer)', () => {
    const frames = FRAMES_8K();
    const codes = new Uint8Array(160);
    return (i) => encode(frames[i % 50], codes);
  });
  addCase(encodeGroup, '@patchbay/audio (new array)', () => {
    const frames = FRAMES_8K();
    return (i) => encode(frames[i % 50]);
  });
  for (const [name, fn] of thirdParty.encode) {
    addCase(encodeGroup, name, () => {
      const frames = FRAMES_8K();
      return (i) => fn(frames[i % 50]);
    });
  }
  const codeFrames = () => FRAMES_8K().map((frame) => Uint8Array.from(encode(frame)));
  addCase(decodeGroup, 'lookup-table loop (ceiling)', () => {
    const frames = codeFrames();
    const table = Int16Array.from(decode(Uint8Array.from({ length: 256 }, (_, i) => i)));
    const pcm = new Int16Array(160);
    return (i) => {
      const frame = frames[i % 50];
      for (let k = 0; k < frame.length; k++) pcm[k] = table[frame[k]];
    };
  });
  addCase(decodeGroup, '@patchbay/audio (output buffer)', () => {
    const frames = codeFrames();
    const pcm = new Int16Array(160);
    return (i) => decode(frames[i % 50], pcm);
  });
  addCase(decodeGroup, '@patchbay/audio (new array)', () => {
    const frames = codeFrames();
    return (i) => decode(frames[i % 50]);
  });
  for (const [name, fn] of thirdParty.decode) {
    addCase(decodeGroup, name, () => {
      const frames = codeFrames();
      return (i) => fn(frames[i % 50]);
    });
  }
}

g711Cases('mu-law', mulawEncode, mulawDecode, {
  encode: [
    ['alawmulaw mulaw.encode', (f) => alawmulaw.mulaw.encode(f)],
    ['g711 ulawFromPCM', (f) => g711.ulawFromPCM(f)],
  ],
  decode: [
    ['alawmulaw mulaw.decode', (f) => alawmulaw.mulaw.decode(f)],
    ['g711 ulawToPCM', (f) => g711.ulawToPCM(f, 16)],
  ],
});
g711Cases('A-law', alawEncode, alawDecode, {
  encode: [
    ['alawmulaw alaw.encode', (f) => alawmulaw.alaw.encode(f)],
    ['g711 alawFromPCM', (f) => g711.alawFromPCM(f)],
  ],
  decode: [
    ['alawmulaw alaw.decode', (f) => alawmulaw.alaw.decode(f)],
    ['g711 alawToPCM', (f) => g711.alawToPCM(f, 16)],
  ],
});

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

const RESAMPLE_PAIRS = [
  [8000, 16000],
  [16000, 8000],
  [24000, 8000],
  [48000, 8000],
  [8000, 24000],
];
const OURS = '@patchbay/audio createResampler (processInto)';
const LIBSAMPLERATE = 'libsamplerate-js SRC_SINC_FASTEST (default)';
const SPEEX = 'echogarden speex-wasm quality 5';
const SPEEX_SIMD = 'echogarden speex-wasm/simd quality 5';

for (const [from, to] of RESAMPLE_PAIRS) {
  const group = `resample ${from / 1000}k -> ${to / 1000}k`;
  addCase(group, OURS, () => {
    const frames = speechFrames(from);
    const resampler = createResampler({ from, to });
    const out = new Int16Array(resampler.maxOutputLength(frames[0].length));
    return (i) => resampler.processInto(frames[i % 50], out);
  });
  addCase(group, LIBSAMPLERATE, async () => {
    const frames = speechFrames(from).map((frame) => Float32Array.from(frame, (v) => v / 32768));
    const src = await libsamplerate.create(1, from, to, {
      converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST,
    });
    const out = new Float32Array(Math.ceil((frames[0].length * to) / from) + 64);
    return (i) => src.full(frames[i % 50], out);
  });
  addCase(group, SPEEX, async () => {
    const frames = speechFrames(from);
    const speex = await speexResampler(createSpeexNonSimd, from, to, 5);
    return (i) => speex(frames[i % 50]);
  });
  addCase(group, SPEEX_SIMD, async () => {
    const frames = speechFrames(from);
    const speex = await speexResampler(createSpeexSimd, from, to, 5);
    return (i) => speex(frames[i % 50]);
  });
}

// ---- Running -----------------------------------------------------------

const caseArgument = process.argv.indexOf('--case');
if (caseArgument !== -1) {
  const chosen = cases[Number(process.argv[caseArgument + 1])];
  const step = await chosen.setup();
  process.stdout.write(JSON.stringify({ ns: measure(step) }));
  process.exit(0);
}

const fmt = (x, digits = 2) => x.toFixed(digits);
const results = new Map();
for (const [index, entry] of cases.entries()) {
  // Child processes inherit this process's CPU affinity (taskset).
  const output = execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--case', String(index)],
    {
      encoding: 'utf8',
    },
  );
  results.set(`${entry.group}|${entry.name}`, JSON.parse(output).ns);
}
const timeOf = (group, name) => results.get(`${group}|${name}`);

console.log(
  `# @patchbay/audio benchmark\n\nNode ${process.version}, ${process.platform}/${process.arch}, ` +
    `${availableParallelism()} core(s) visible, 20 ms frames, each row in a fresh process, ` +
    `median of ${ROUNDS} rounds of ${ROUND_MS} ms.\n`,
);
console.log('| operation | implementation | ns / frame | x real time | ratio |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const entry of cases) {
  const ns = timeOf(entry.group, entry.name);
  const isG711 = entry.group.includes('law');
  const reference = isG711
    ? timeOf(entry.group, 'lookup-table loop (ceiling)')
    : timeOf(entry.group, OURS);
  const ratio = isG711 ? reference / ns : ns / reference;
  console.log(
    `| ${entry.group} | ${entry.name} | ${fmt(ns, 0)} | ${fmt((FRAME_MS * 1e6) / ns, 0)} | ${fmt(ratio)} |`,
  );
}
console.log(
  "\nRatio: G.711 rows are the ceiling's time over this row's (1.00 = as fast as the plain table loop); " +
    "resampler rows are this row's time over @patchbay/audio's (above 1 = @patchbay/audio is faster).\n",
);

const verdicts = [];
const verdict = (label, ratio, target) =>
  verdicts.push(
    `${ratio >= target ? 'met ' : 'MISS'}  ${label}: ${fmt(ratio)}x (target >= ${target}x)`,
  );
for (const law of ['mu-law', 'A-law']) {
  const ours = '@patchbay/audio (output buffer)';
  const ceiling = 'lookup-table loop (ceiling)';
  verdict(
    `${law} encode vs lookup-table ceiling`,
    timeOf(`${law} encode 160`, ceiling) / timeOf(`${law} encode 160`, ours),
    0.85,
  );
  verdict(
    `${law} decode vs lookup-table ceiling`,
    timeOf(`${law} decode 160`, ceiling) / timeOf(`${law} decode 160`, ours),
    0.9,
  );
}
for (const [from, to] of RESAMPLE_PAIRS) {
  const group = `resample ${from / 1000}k -> ${to / 1000}k`;
  const ours = timeOf(group, OURS);
  verdict(`${group} vs libsamplerate-js default`, timeOf(group, LIBSAMPLERATE) / ours, 5);
  verdict(`${group} vs speex quality 5`, timeOf(group, SPEEX) / ours, 0.5);
  verdict(
    `${group} vs speex/simd quality 5 (not a target; for reference)`,
    timeOf(group, SPEEX_SIMD) / ours,
    0.5,
  );
}
console.log('Targets:\n');
for (const line of verdicts) console.log(`    ${line}`);

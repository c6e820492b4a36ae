/**
 * The audio path of one phone call, end to end, with @patchbay/audio:
 *
 *   agent speech 16 kHz PCM -> 8 kHz -> mu-law 20 ms frames   (what a carrier receives)
 *   mu-law frames -> 8 kHz PCM -> 16 kHz PCM                  (what the agent hears back)
 *
 * Writes both sides as WAV files and prints what it did.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createByteFramer,
  createResampler,
  MULAW_SILENCE,
  mulawDecode,
  mulawEncode,
  readWav,
  samplesPerDuration,
  writeWav,
} from '@patchbay/audio';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    input: { type: 'string', default: join(here, '../assets/speech-16k.wav') },
    'out-dir': { type: 'string', default: join(here, '../out') },
  },
});
const outDir = values['out-dir'];
mkdirSync(outDir, { recursive: true });

const CARRIER_RATE = 8000;
const FRAME_MS = 20;

const speech = readWav(new Uint8Array(readFileSync(values.input)));
if (speech.channels !== 1)
  throw new Error(`expected a mono recording, got ${speech.channels} channels`);
const agentRate = speech.sampleRate;
const started = performance.now();

// Agent -> carrier: resample to 8 kHz, encode, cut into the 20 ms frames a media socket carries.
const toCarrier = createResampler({ from: agentRate, to: CARRIER_RATE });
const framer = createByteFramer({
  frameSize: samplesPerDuration(CARRIER_RATE, FRAME_MS),
  silenceByte: MULAW_SILENCE,
});
const carrierFrames: Uint8Array[] = [];
const keepFrame = (frame: Uint8Array) => carrierFrames.push(frame.slice());
const agentChunk = samplesPerDuration(agentRate, FRAME_MS);
for (let offset = 0; offset < speech.samples.length; offset += agentChunk) {
  const chunk = speech.samples.subarray(offset, offset + agentChunk);
  framer.push(mulawEncode(toCarrier.process(chunk)), keepFrame);
}
framer.push(mulawEncode(toCarrier.flush()), keepFrame);
framer.flush(keepFrame);

// Carrier -> agent: decode each frame and resample back to the agent's rate.
const toAgent = createResampler({ from: CARRIER_RATE, to: agentRate });
const heard: Int16Array[] = [];
for (const frame of carrierFrames) heard.push(toAgent.process(mulawDecode(frame)));
heard.push(toAgent.flush());
const elapsedMs = performance.now() - started;

function concat<T extends Uint8Array | Int16Array>(parts: T[], into: T): T {
  let offset = 0;
  for (const part of parts) {
    into.set(part, offset);
    offset += part.length;
  }
  return into;
}
const carrierCodes = concat(
  carrierFrames,
  new Uint8Array(carrierFrames.length * carrierFrames[0]!.length),
);
const agentAudio = concat(heard, new Int16Array(heard.reduce((n, part) => n + part.length, 0)));

const carrierFile = join(outDir, 'carrier-8k-mulaw.wav');
const agentFile = join(outDir, `agent-${agentRate / 1000}k.wav`);
writeFileSync(
  carrierFile,
  writeWav({ sampleRate: CARRIER_RATE, samples: mulawDecode(carrierCodes), encoding: 'mulaw' }),
);
writeFileSync(agentFile, writeWav({ sampleRate: agentRate, samples: agentAudio }));

// How close the round trip stays to the original, within the telephone band it can carry.
const original = speech.samples;
const length = Math.min(original.length, agentAudio.length);
let signal = 0;
let error = 0;
for (let i = 0; i < length; i++) {
  signal += original[i]! ** 2;
  error += (original[i]! - agentAudio[i]!) ** 2;
}
const seconds = original.length / agentRate;
const show = (path: string) => relative(process.cwd(), path);

console.log(`Input:   ${show(values.input)}: ${seconds.toFixed(2)} s of speech at ${agentRate} Hz`);
console.log(
  `Carrier: ${carrierFrames.length} mu-law frames of ${FRAME_MS} ms at ${CARRIER_RATE} Hz ` +
    `(${carrierCodes.length} bytes) -> ${show(carrierFile)}`,
);
console.log(`Agent:   ${agentAudio.length} samples at ${agentRate} Hz -> ${show(agentFile)}`);
console.log(
  `Resampler delay: ${(toCarrier.latencySeconds * 1000).toFixed(2)} ms down, ` +
    `${(toAgent.latencySeconds * 1000).toFixed(2)} ms up (held back, output stays aligned)`,
);
console.log(
  `Round trip vs original: ${(10 * Math.log10(signal / error)).toFixed(1)} dB SNR ` +
    '(the loss is what a phone line removes: everything above 3.4 kHz, and G.711 quantization)',
);
console.log(
  `Took ${elapsedMs.toFixed(1)} ms for ${seconds.toFixed(2)} s of audio ` +
    `(${((seconds * 1000) / elapsedMs).toFixed(0)}x real time, including filter design)`,
);

// Writes vobiz-media-call.jsonl: a Vobiz audio stream session carrying the
// first second of the repository's espeak-ng recording, as Vobiz documents it ("Stream Events").
// Run from the repository root after `pnpm build`:
//   node packages/provider-vobiz/test/__fixtures__/make-transcript.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createResampler, mulawEncode, readWav } from '../../../audio/dist/index.js';

const speech = readWav(
  new Uint8Array(readFileSync('examples/audio-pipeline/assets/speech-16k.wav')),
);
const pcm8k = createResampler({ from: 16000, to: 8000 }).process(
  speech.samples.subarray(8000, 24000),
);
const streamId = '20170ada-f610-433b-8758-c02a2aab3662';
const callId = '11111111-2222-3333-4444-555555555555';
const lines = [
  {
    event: 'start',
    sequenceNumber: 0,
    start: {
      callId,
      streamId,
      accountId: '4242',
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000 },
    },
    extra_headers: 'agent=6563686f,campaign=737072696e67',
  },
];
for (let chunk = 0; chunk * 160 < pcm8k.length; chunk++) {
  const frame = pcm8k.subarray(chunk * 160, chunk * 160 + 160);
  lines.push({
    event: 'media',
    sequenceNumber: chunk + 1,
    streamId,
    media: {
      track: 'inbound',
      timestamp: String(1700000000000 + chunk * 20),
      chunk: chunk + 1,
      payload: Buffer.from(mulawEncode(frame)).toString('base64'),
    },
  });
}
lines.push({
  event: 'dtmf',
  sequenceNumber: 52,
  streamId,
  dtmf: { track: 'inbound', digit: '5', timestamp: '1700000001040' },
});
lines.push({ event: 'playedStream', sequenceNumber: 53, streamId, name: 'greeting' });
lines.push({ event: 'clearedAudio', sequenceNumber: 54, streamId });
writeFileSync(
  new URL('./vobiz-media-call.jsonl', import.meta.url),
  `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
);

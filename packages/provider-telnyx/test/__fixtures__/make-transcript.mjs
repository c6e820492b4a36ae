// Writes telnyx-media-call.jsonl: a Telnyx media stream carrying the first
// second of the repository's espeak-ng recording as 8 kHz PCMU, as Telnyx
// sends it. Run from the repository root after `pnpm build`:
//   node packages/provider-telnyx/test/__fixtures__/make-transcript.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createResampler, mulawEncode, readWav } from '../../../audio/dist/index.js';

const speech = readWav(
  new Uint8Array(readFileSync('examples/audio-pipeline/assets/speech-16k.wav')),
);
const pcm8k = createResampler({ from: 16000, to: 8000 }).process(
  speech.samples.subarray(8000, 24000),
);
const streamId = '32de0dea-53cb-4b21-89a4-9e8a3d4a8c8f';
const callControlId = 'v3:kat-call-control-id';
const lines = [
  { event: 'connected', version: '1.0.0' },
  {
    event: 'start',
    sequence_number: '1',
    start: {
      user_id: '3e6f995f-85f7-4705-9741-53b116d28237',
      call_control_id: callControlId,
      call_session_id: 'kat-session',
      from: '+15551230001',
      to: '+15551230002',
      tags: [],
      client_state: Buffer.from(JSON.stringify({ agent: 'echo' })).toString('base64'),
      media_format: { encoding: 'PCMU', sample_rate: 8000, channels: 1 },
    },
    stream_id: streamId,
  },
];
for (let chunk = 0; chunk * 160 < pcm8k.length; chunk++) {
  const frame = pcm8k.subarray(chunk * 160, chunk * 160 + 160);
  lines.push({
    event: 'media',
    sequence_number: String(chunk + 2),
    media: {
      track: 'inbound',
      chunk: String(chunk + 1),
      timestamp: String(chunk * 20),
      payload: Buffer.from(mulawEncode(frame)).toString('base64'),
    },
    stream_id: streamId,
  });
}
lines.push({ event: 'dtmf', sequence_number: '53', dtmf: { digit: '5' }, stream_id: streamId });
lines.push({
  event: 'mark',
  sequence_number: '54',
  mark: { name: 'greeting' },
  stream_id: streamId,
});
lines.push({
  event: 'stop',
  sequence_number: '55',
  stop: { user_id: '3e6f995f', call_control_id: callControlId },
  stream_id: streamId,
});
writeFileSync(
  new URL('./telnyx-media-call.jsonl', import.meta.url),
  `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
);

// Writes vonage-media-call.jsonl: a Vonage voice WebSocket session carrying the
// first second of the repository's espeak-ng recording (16 kHz linear PCM in
// 640-byte binary frames), as Vonage sends it. Run from the repository root:
//   node packages/provider-vonage/test/__fixtures__/make-transcript.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { readWav } from '../../../audio/dist/index.js';

const speech = readWav(
  new Uint8Array(readFileSync('examples/audio-pipeline/assets/speech-16k.wav')),
);
const pcm = speech.samples.subarray(8000, 24000);
const lines = [
  JSON.stringify({
    event: 'websocket:connected',
    'content-type': 'audio/l16;rate=16000',
    call_uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    agent: 'echo',
  }),
];
for (let offset = 0; offset < pcm.length; offset += 320) {
  const frame = pcm.subarray(offset, offset + 320);
  lines.push(
    JSON.stringify({
      $binary: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64'),
    }),
  );
}
lines.push(JSON.stringify({ event: 'websocket:dtmf', digit: '5', duration: 260 }));
lines.push(JSON.stringify({ event: 'websocket:notify', payload: { name: 'greeting' } }));
lines.push(JSON.stringify({ event: 'websocket:cleared' }));
writeFileSync(new URL('./vonage-media-call.jsonl', import.meta.url), `${lines.join('\n')}\n`);

// Writes twilio-media-call.jsonl: a Twilio Media Streams session carrying the
// first second of the repository's espeak-ng recording, as Twilio sends it.
// Run from the repository root after `pnpm build`:
//   node packages/provider-twilio/test/__fixtures__/make-transcript.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createResampler, mulawEncode, readWav } from '../../../audio/dist/index.js';

const speech = readWav(
  new Uint8Array(readFileSync('examples/audio-pipeline/assets/speech-16k.wav')),
);
const pcm8k = createResampler({ from: 16000, to: 8000 }).process(
  speech.samples.subarray(8000, 24000),
);
const streamSid = 'MZ00000000000000000000000000000001';
const callSid = 'CA00000000000000000000000000000001';
const lines = [
  { event: 'connected', protocol: 'Call', version: '1.0.0' },
  {
    event: 'start',
    sequenceNumber: '1',
    start: {
      accountSid: 'AC00000000000000000000000000000001',
      streamSid,
      callSid,
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: { agent: 'echo', campaign: 'spring' },
    },
    streamSid,
  },
];
for (let chunk = 0; chunk * 160 < pcm8k.length; chunk++) {
  const frame = pcm8k.subarray(chunk * 160, chunk * 160 + 160);
  lines.push({
    event: 'media',
    sequenceNumber: String(chunk + 2),
    media: {
      track: 'inbound',
      chunk: String(chunk + 1),
      timestamp: String(chunk * 20),
      payload: Buffer.from(mulawEncode(frame)).toString('base64'),
    },
    streamSid,
  });
}
lines.push({
  event: 'dtmf',
  streamSid,
  sequenceNumber: '53',
  dtmf: { track: 'inbound_track', digit: '5' },
});
lines.push({ event: 'mark', sequenceNumber: '54', streamSid, mark: { name: 'greeting' } });
lines.push({
  event: 'stop',
  sequenceNumber: '55',
  streamSid,
  stop: { accountSid: 'AC00000000000000000000000000000001', callSid },
});
writeFileSync(
  new URL('./twilio-media-call.jsonl', import.meta.url),
  `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
);

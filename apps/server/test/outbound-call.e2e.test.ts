/**
 * An outbound Twilio call end to end: placed through the API with the
 * official SDK against a local Twilio, answered with a signed webhook, its
 * media socket admitted by the single-use token, real speech streamed in
 * real time and echoed back by the built-in agent, the status recorded.
 */
import { readFileSync } from 'node:fs';
import { createResampler, mulawDecode, mulawEncode, readWav } from '@patchbay/audio';
import { createRegistry } from '@patchbay/core';
import { computeTwilioSignature, twilio } from '@patchbay/provider-twilio';
import {
  type CarrierApiServer,
  connectCarrierMedia,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

const ACCOUNT_SID = 'AC00000000000000000000000000000001';
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const CALL_SID = 'CA00000000000000000000000000000042';
let carrier: CarrierApiServer;
let t: TestServer;

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    status: 201,
    json: { sid: CALL_SID, status: 'queued', to: '+15551230002', from: '+15551230001' },
  });
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
});

/** One second of the committed espeak-ng recording, as Twilio sends it: 20 ms mu-law frames at 8 kHz. */
function speechFrames(): Uint8Array[] {
  const wav = readWav(
    new Uint8Array(
      readFileSync(
        new URL('../../../examples/audio-pipeline/assets/speech-16k.wav', import.meta.url),
      ),
    ),
  );
  const narrow = createResampler({ from: wav.sampleRate, to: 8000 }).process(
    wav.samples.subarray(0, wav.sampleRate),
  );
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset + 160 <= narrow.length; offset += 160)
    frames.push(mulawEncode(narrow.subarray(offset, offset + 160)));
  return frames;
}

async function signedPost(path: string, fields: Record<string, string>) {
  const signature = computeTwilioSignature(
    AUTH_TOKEN,
    `https://voice.example.com${path}`,
    Object.entries(fields),
  );
  return fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

it('places, answers, streams speech through the echo agent, and completes', async () => {
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const agent = await t.call('POST', '/api/v1/agents', {
    name: 'Echo',
    kind: 'echo',
    sampleRate: 16000,
  });
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    agentId: agent.body.id,
    to: '+15551230002',
    from: '+15551230001',
  });
  expect(placed.status).toBe(201);
  const callId = placed.body.id as string;

  // Twilio fetches the answer document once the callee picks up.
  const callFields = {
    CallSid: CALL_SID,
    AccountSid: ACCOUNT_SID,
    From: '+15551230001',
    To: '+15551230002',
    CallStatus: 'in-progress',
    Direction: 'outbound-api',
  };
  const answer = await signedPost(`/telephony/twilio/answer/${callId}`, callFields);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/xml/);
  const twiml = await answer.text();
  const streamUrl = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  expect(streamUrl).toMatch(
    new RegExp(
      `^wss://voice\\.example\\.com/telephony/twilio/media/${callId}/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`,
    ),
  );
  const local = streamUrl!.replace('wss://voice.example.com', t.server.url.replace('http', 'ws'));

  const media = await connectCarrierMedia(local);
  const frames = speechFrames();
  const start = (sequence: number) => ({ sequenceNumber: String(sequence), streamSid: 'MZ1' });
  await media.play(
    [
      JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
      JSON.stringify({
        event: 'start',
        ...start(1),
        start: {
          streamSid: 'MZ1',
          accountSid: ACCOUNT_SID,
          callSid: CALL_SID,
          tracks: ['inbound'],
          customParameters: { patchbayCallId: callId },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
      ...frames.map((frame, n) =>
        JSON.stringify({
          event: 'media',
          ...start(n + 2),
          media: {
            track: 'inbound',
            chunk: String(n + 1),
            timestamp: String(n * 20),
            payload: Buffer.from(frame).toString('base64'),
          },
        }),
      ),
    ],
    { isAudio: (message) => typeof message === 'string' && message.includes('"media"') },
  );

  // The echo comes back as Twilio media messages on the same stream, carrying the speech's energy.
  const echoed = () =>
    media.received
      .filter((message): message is string => typeof message === 'string')
      .map(
        (message) =>
          JSON.parse(message) as { event: string; streamSid?: string; media?: { payload: string } },
      )
      .filter((message) => message.event === 'media');
  await expect
    .poll(() => echoed().length, { timeout: 5000 })
    .toBeGreaterThanOrEqual(frames.length - 5);
  expect(echoed().every((message) => message.streamSid === 'MZ1')).toBe(true);
  const energy = (bytes: Uint8Array) =>
    mulawDecode(bytes).reduce((sum, sample) => sum + Math.abs(sample), 0);
  const sent = frames.reduce((sum, frame) => sum + energy(frame), 0);
  const back = echoed().reduce(
    (sum, message) => sum + energy(new Uint8Array(Buffer.from(message.media!.payload, 'base64'))),
    0,
  );
  expect(back / sent).toBeGreaterThan(0.8);
  expect(back / sent).toBeLessThan(1.2);

  // The same URL again is refused: the token was single use.
  await expect(connectCarrierMedia(local)).rejects.toThrow(/401/);

  media.send(
    JSON.stringify({
      event: 'stop',
      ...start(frames.length + 2),
      stop: { accountSid: ACCOUNT_SID, callSid: CALL_SID },
    }),
  );
  await media.close(); // Twilio closes the socket after its stop message
  const completed = await signedPost(`/telephony/twilio/status/${callId}`, {
    ...callFields,
    CallStatus: 'completed',
    CallDuration: '3',
  });
  expect(completed.status).toBe(204);
  const { body } = await t.call('GET', `/api/v1/calls/${callId}`);
  expect(body).toMatchObject({ status: 'completed', durationSeconds: 3 });
}, 30_000);

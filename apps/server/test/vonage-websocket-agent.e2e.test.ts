/**
 * An inbound Vonage call at 16 kHz through a websocket agent: the signed
 * answer webhook routed by number, the NCCO's websocket endpoint admitted
 * by its token, L16 speech from the caller reaching the agent unchanged (no
 * resampling at equal rates) and the agent's audio reaching the caller.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readWav } from '@patchbay/audio';
import { createRegistry } from '@patchbay/core';
import { vonage } from '@patchbay/provider-vonage';
import {
  type CarrierApiServer,
  connectCarrierMedia,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { startAgentServer, startTestServer, type TestServer } from './helpers.js';

const SIGNATURE_SECRET = 'vonage-signature-secret-for-tests';
const API_KEY = 'vonage-api-key';
const APPLICATION_ID = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
let t: TestServer;
let carrier: CarrierApiServer;
let agentServer: WebSocketServer;
let agentUrl: string;
const agentAudio: Buffer[] = [];
let agentStart: Record<string, unknown> | undefined;

beforeAll(async () => {
  // The local Vonage confirms the account holds the number registered below.
  carrier = await startCarrierApiServer();
  carrier.route('GET', '/account/numbers', {
    json: { count: 1, numbers: [{ msisdn: '15551230002', country: 'US', type: 'mobile-lvn' }] },
  });
  // A save proves the application key with a list of one call (and the API key on the numbers).
  carrier.route('GET', '/v1/calls', { json: { count: 0, page_size: 1, _embedded: { calls: [] } } });
  t = await startTestServer(
    createRegistry([vonage({ apiBaseUrl: carrier.url, restBaseUrl: carrier.url })]),
  );
  ({ server: agentServer, url: agentUrl } = await startAgentServer((socket) => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if (message['type'] === 'start') agentStart = message;
        return;
      }
      agentAudio.push(Buffer.from(data as Buffer));
      socket.send(data); // the bot answers with what it heard
    });
  }));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
  agentServer?.close();
});

async function signedAnswer(body: string): Promise<{ status: number; text: string }> {
  const token = await new SignJWT({
    iss: 'Vonage',
    payload_hash: createHash('sha256').update(body).digest('hex'),
    api_key: API_KEY,
    application_id: APPLICATION_ID,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(`jti-${Math.random()}`)
    .sign(new TextEncoder().encode(SIGNATURE_SECRET));
  const response = await fetch(`${t.server.url}/telephony/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

it('carries a 16 kHz Vonage call to a websocket agent and back, sample for sample', async () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: 'Vonage',
    config: {
      provider: 'vonage',
      application_id: APPLICATION_ID,
      private_key: privateKey,
      api_key: API_KEY,
      api_secret: 'vonage-api-secret',
      signature_secret: SIGNATURE_SECRET,
    },
  });
  expect(configuration.status).toBe(201);
  const agent = await t.call('POST', '/api/v1/agents', {
    name: 'Bot 16k',
    kind: 'websocket',
    url: agentUrl,
    sampleRate: 16000,
  });
  await t.call('POST', '/api/v1/phone-numbers', {
    address: '+15551230002',
    configurationId: configuration.body.id,
    agentId: agent.body.id,
  });

  const answer = await signedAnswer(
    JSON.stringify({
      from: '15551239999',
      to: '15551230002',
      uuid: 'vonage-call-uuid-1',
      conversation_uuid: 'CON-1',
      status: 'started',
      direction: 'inbound',
    }),
  );
  expect(answer.status).toBe(200);
  const ncco = JSON.parse(answer.text) as {
    action: string;
    endpoint?: { uri: string; 'content-type': string }[];
  }[];
  const endpoint = ncco.find((action) => action.action === 'connect')!.endpoint![0]!;
  expect(endpoint['content-type']).toBe('audio/l16;rate=16000');
  const media = await connectCarrierMedia(
    endpoint.uri.replace('wss://voice.example.com', t.server.url.replace('http', 'ws')),
  );

  // Half a second of the espeak-ng recording, 640-byte L16 frames as Vonage sends them.
  const wav = readWav(
    new Uint8Array(
      readFileSync(
        new URL('../../../examples/audio-pipeline/assets/speech-16k.wav', import.meta.url),
      ),
    ),
  );
  const speech = Buffer.from(wav.samples.buffer, wav.samples.byteOffset, 16000 * 2 * 0.5);
  const frames = Array.from(
    { length: speech.length / 640 },
    (_, n) => new Uint8Array(speech.subarray(n * 640, (n + 1) * 640)),
  );
  await media.play(
    [
      JSON.stringify({ event: 'websocket:connected', 'content-type': 'audio/l16;rate=16000' }),
      ...frames,
    ],
    {
      isAudio: (message) => typeof message !== 'string',
    },
  );

  await expect.poll(() => Buffer.concat(agentAudio).length, { timeout: 5000 }).toBe(speech.length);
  expect(agentStart).toMatchObject({
    type: 'start',
    direction: 'inbound',
    from: '+15551239999',
    to: '+15551230002',
    audio: { sampleRate: 16000 },
  });
  expect(Buffer.concat(agentAudio).equals(speech)).toBe(true);
  const back = () =>
    Buffer.concat(media.received.filter((m): m is Uint8Array => typeof m !== 'string'));
  await expect.poll(() => back().length, { timeout: 5000 }).toBe(speech.length);
  expect(back().equals(speech)).toBe(true);
  await media.close();
}, 30_000);

/** A call through a websocket agent speaking the agent-stream protocol (docs/agent-stream.md). */
import { createRegistry } from '@patchbay/core';
import { twilio } from '@patchbay/provider-twilio';
import {
  type CarrierApiServer,
  connectCarrierMedia,
  startCarrierApiServer,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { startAgentServer, startTestServer, type TestServer } from './helpers.js';
import {
  ACCOUNT_SID,
  acceptTwilioAccount,
  acceptTwilioCalls,
  echoedMedia,
  isTwilioMedia,
  placeAndAnswer,
  speechFrames,
  twilioDtmf,
  twilioMedia,
  twilioStart,
  twilioStop,
} from './twilio-call.js';

let carrier: CarrierApiServer;
let t: TestServer;
let agentServer: WebSocketServer;
let agentUrl: string;
const agentSeen: {
  protocol: string;
  text: Record<string, unknown>[];
  audioBytes: number;
  socket?: WebSocket;
} = {
  protocol: '',
  text: [],
  audioBytes: 0,
};

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  acceptTwilioCalls(carrier);
  t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
  // A bot: echoes the caller's audio, marks the first reply, answers nonsense, hears DTMF.
  ({ server: agentServer, url: agentUrl } = await startAgentServer((socket) => {
    agentSeen.protocol = socket.protocol;
    agentSeen.socket = socket;
    let marked = false;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        agentSeen.text.push(JSON.parse(String(data)));
        return;
      }
      agentSeen.audioBytes += (data as Buffer).length;
      socket.send(data);
      if (!marked) {
        marked = true;
        socket.send(JSON.stringify({ type: 'mark', name: 'first-reply' }));
        socket.send(JSON.stringify({ type: 'dance' }));
        socket.send(Buffer.alloc(3)); // not whole samples
      }
    });
  }));
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
  agentServer?.close();
});

it('streams the caller to the agent as 16 kHz PCM and the agent back to the caller, with marks and DTMF', async () => {
  const agent = await t.call('POST', '/api/v1/agents', {
    name: 'Bot',
    kind: 'websocket',
    url: agentUrl,
    sampleRate: 16000,
  });
  const { callId, mediaUrl } = await placeAndAnswer(t, agent.body.id);
  const media = await connectCarrierMedia(mediaUrl);
  const frames = speechFrames(1);
  await media.play(
    [...twilioStart(callId), ...frames.map(twilioMedia), twilioDtmf('7', frames.length + 2)],
    { isAudio: isTwilioMedia },
  );

  await expect
    .poll(() => agentSeen.text.find((m) => m['type'] === 'dtmf'))
    .toEqual({ type: 'dtmf', digit: '7' });
  expect(agentSeen.protocol).toBe('patchbay.agent-stream.v1');
  expect(agentSeen.text[0]).toEqual({
    type: 'start',
    version: 1,
    callId,
    direction: 'outbound',
    from: '+15551230001',
    to: '+15551230002',
    audio: { encoding: 'pcm16le', sampleRate: 16000, channels: 1, frameMs: 20 },
    customParameters: { patchbayCallId: callId },
  });
  // One second of caller audio at 16 kHz, 16-bit: 32 000 bytes (less the resampler's held-back delay).
  expect(agentSeen.audioBytes).toBeGreaterThan(30_000);
  expect(agentSeen.audioBytes).toBeLessThanOrEqual(32_000);
  await expect
    .poll(() => echoedMedia(media.received).length, { timeout: 5000 })
    .toBeGreaterThanOrEqual(frames.length - 5);
  // Twilio echoes a mark once the audio before it has played.
  const mark = await media.waitFor(
    (message) => typeof message === 'string' && message.includes('"event":"mark"'),
  );
  media.send(mark);
  await expect
    .poll(() => agentSeen.text.find((m) => m['type'] === 'mark'), { timeout: 5000 })
    .toEqual({ type: 'mark', name: 'first-reply', played: true });
  expect(
    agentSeen.text
      .filter((m) => m['type'] === 'error')
      .map((m) => m['code'])
      .sort(),
  ).toEqual(['odd_length', 'unknown_type']);

  // Barge-in: two seconds of reply and a mark behind it, then clear. The carrier is told to
  // drop what it buffered, the unsent audio never goes out, and the mark reports unplayed.
  const sentBefore = echoedMedia(media.received).length;
  agentSeen.socket!.send(Buffer.alloc(2 * 16000 * 2, 0x11));
  agentSeen.socket!.send(JSON.stringify({ type: 'mark', name: 'long-reply' }));
  agentSeen.socket!.send(JSON.stringify({ type: 'clear' }));
  await media.waitFor((message) => typeof message === 'string' && message.includes('"clear"'));
  await expect
    .poll(() => agentSeen.text.find((m) => m['name'] === 'long-reply'))
    .toEqual({ type: 'mark', name: 'long-reply', played: false });
  await new Promise((resolve) => setTimeout(resolve, 200));
  // At most the lead the bridge keeps ahead of playout (80 ms: four frames) went out.
  expect(echoedMedia(media.received).length - sentBefore).toBeLessThanOrEqual(5);

  media.send(twilioStop(frames.length + 3));
  await expect.poll(() => agentSeen.text.at(-1)).toEqual({ type: 'stop', reason: 'carrier-stop' });
  await media.close();
}, 30_000);

it('tells an agent that sends faster than real time to pause, drops past the limit, resumes after', async () => {
  const seen: Record<string, unknown>[] = [];
  let bot: WebSocket | undefined;
  const greedy = await startAgentServer((socket) => {
    bot = socket;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) seen.push(JSON.parse(String(data)));
    });
  });
  try {
    const agent = await t.call('POST', '/api/v1/agents', {
      name: 'Greedy bot',
      kind: 'websocket',
      url: greedy.url,
      sampleRate: 16000,
    });
    // The local Twilio gives this call a SID of its own.
    carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
      status: 201,
      json: { sid: 'CA00000000000000000000000000000043', status: 'queued' },
    });
    const { callId, mediaUrl } = await placeAndAnswer(t, agent.body.id);
    const media = await connectCarrierMedia(mediaUrl);
    await media.play([...twilioStart(callId), ...speechFrames(0.1).map(twilioMedia)], {
      isAudio: isTwilioMedia,
    });
    await expect.poll(() => seen.find((m) => m['type'] === 'start')).toBeDefined();
    const seconds = (n: number) => Buffer.alloc(n * 16000 * 2, 0x11);
    // Twelve seconds of reply at once: past the ten-second high-water mark.
    bot!.send(seconds(12));
    await expect
      .poll(() => seen.find((m) => m['type'] === 'pause'))
      .toMatchObject({
        type: 'pause',
        queuedMs: expect.any(Number),
      });
    expect(seen.filter((m) => m['type'] === 'error')).toEqual([]);
    // An agent that does not wait: past sixty seconds queued, audio is dropped and it is told.
    for (let i = 0; i < 4; i++) bot!.send(seconds(15));
    await expect
      .poll(() => seen.find((m) => m['type'] === 'error'))
      .toMatchObject({ type: 'error', code: 'audio_dropped' });
    expect(seen.filter((m) => m['type'] === 'pause')).toHaveLength(1);
    // A barge-in empties the queue: the agent may go on at once.
    bot!.send(JSON.stringify({ type: 'clear' }));
    await expect
      .poll(() => seen.find((m) => m['type'] === 'resume'))
      .toMatchObject({
        type: 'resume',
        queuedMs: 0,
      });
    media.send(twilioStop(10));
    await media.close();
  } finally {
    greedy.server.close();
  }
}, 30_000);

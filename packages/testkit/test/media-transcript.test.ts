import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulawDecode, mulawEncode } from '@patchbay/audio';
import { createMediaBridge } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { acme } from '../../core/test/example-provider.js';
import { connectCarrierMedia, loadTranscript } from '../src/index.js';

async function echoHost() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  server.on('connection', (socket) => {
    const bridge = createMediaBridge({
      socket,
      serializer: acme().media.createSerializer(),
      agentSampleRate: 16000,
      agent: {
        audio: (samples) => bridge.sendAudio(samples),
        dtmf: () => bridge.mark('after-dtmf'),
        stop: () => socket.close(1000),
      },
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/media`, close: () => server.close() };
}

const frame = (n: number) =>
  JSON.stringify({
    event: 'audio',
    payload: Buffer.from(
      mulawEncode(
        Int16Array.from({ length: 160 }, (_, i) =>
          Math.round(6000 * Math.sin(((n * 160 + i) * 2 * Math.PI * 440) / 8000)),
        ),
      ),
    ).toString('base64'),
  });

describe('carrier media sessions', () => {
  it('plays a transcript in real time and collects the host’s answers', async () => {
    const host = await echoHost();
    const session = await connectCarrierMedia(host.url);
    const transcript = [
      JSON.stringify({ event: 'start', call_id: 'c', stream_id: 's', params: {} }),
      ...Array.from({ length: 25 }, (_, n) => frame(n)),
      JSON.stringify({ event: 'dtmf', digit: '1' }),
    ];
    const started = performance.now();
    await session.play(transcript);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(25 * 20 - 5); // real time, not a burst
    const mark = await session.waitFor((m) => typeof m === 'string' && m.includes('"mark"'), 2000);
    expect(JSON.parse(mark as string)).toEqual({ event: 'mark', name: 'after-dtmf' });
    session.send(JSON.stringify({ event: 'stop' }));
    expect((await session.closed).code).toBe(1000);
    host.close();

    const echoed = session.received.filter((m) => typeof m === 'string' && m.includes('"audio"'));
    const samples = echoed.flatMap((m) =>
      Array.from(mulawDecode(Buffer.from(JSON.parse(m as string).payload, 'base64'))),
    );
    // 500 ms in, 500 ms back (minus what the two resamplers hold back, padded to whole frames).
    expect(samples.length).toBeGreaterThanOrEqual(3840);
    expect(samples.length % 160).toBe(0);
  });

  it('loads transcripts with text and binary frames', () => {
    const path = join(tmpdir(), `transcript-${process.pid}.jsonl`);
    writeFileSync(path, `# a comment\n{"event":"start"}\n\n{"$binary":"AAEC"}\n`);
    expect(loadTranscript(path)).toEqual(['{"event":"start"}', new Uint8Array([0, 1, 2])]);
  });

  it('times out waiting for a message that never comes', async () => {
    const host = await echoHost();
    const session = await connectCarrierMedia(host.url);
    await expect(session.waitFor(() => false, 50)).rejects.toThrow(/no matching media message/);
    await session.close();
    host.close();
  });
});

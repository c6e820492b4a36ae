import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { mulawDecode, mulawEncode } from '@patchbay/audio';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type BridgeClock,
  type CarrierSocket,
  ConfigurationError,
  createMediaBridge,
  type MediaAgent,
  type MediaSerializer,
} from '../src/index.js';
import { acme } from './example-provider.js';

class FakeSocket extends EventEmitter {
  readyState = 1;
  readonly sent: (string | Uint8Array)[] = [];
  closedWith: number | undefined;
  send(data: string | Uint8Array) {
    this.sent.push(data);
  }
  close(code = 1000) {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closedWith = code;
    this.emit('close', code);
  }
  /** The carrier sends a JSON message. */
  deliver(message: unknown) {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }
  messages(event: string) {
    return this.sent.map((m) => JSON.parse(m as string)).filter((m) => m.event === event);
  }
}

/** Millisecond-stepped time with interval and one-shot timers, like the real clock. */
class FakeClock implements BridgeClock {
  time = 1000;
  private timers = new Map<number, { callback: () => void; every: number; next: number }>();
  private nextId = 1;
  now = () => this.time;
  setInterval(callback: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.set(id, { callback, every: ms, next: this.time + ms });
    return id;
  }
  clearInterval(handle: unknown) {
    this.timers.delete(handle as number);
  }
  setTimeout(callback: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.set(id, {
      callback: () => {
        this.timers.delete(id);
        callback();
      },
      every: Number.POSITIVE_INFINITY,
      next: this.time + ms,
    });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.timers.delete(handle as number);
  }
  /** Timer callbacks run so far. */
  fired = 0;
  get active() {
    return this.timers.size;
  }
  advance(ms: number) {
    const end = this.time + ms;
    while (this.time < end) {
      this.time += 1;
      for (const timer of [...this.timers.values()]) {
        if (timer.next <= this.time) {
          timer.next += timer.every;
          this.fired++;
          timer.callback();
        }
      }
    }
  }
}

function recordingAgent() {
  const events: unknown[] = [];
  const audio: Int16Array[] = [];
  const agent: MediaAgent = {
    start: (info) => events.push({ start: info }),
    audio: (samples) => audio.push(samples.slice()),
    dtmf: (digit) => events.push({ dtmf: digit }),
    mark: (name, played) => events.push({ mark: name, played }),
    stop: (reason) => events.push({ stop: reason }),
    drain: () => events.push('drain'),
  };
  return { agent, events, audio };
}

function setup(
  options: {
    serializer?: MediaSerializer;
    agentSampleRate?: number;
    leadMs?: number;
    queueHighWaterMs?: number;
    queueLimitMs?: number;
    /** A clock with intervals only, as custom clocks written before one-shot timers have. */
    intervalsOnly?: boolean;
  } = {},
) {
  const socket = new FakeSocket();
  const clock = new FakeClock();
  const { agent, events, audio } = recordingAgent();
  const warn = vi.fn();
  const bridge = createMediaBridge({
    socket: socket as unknown as CarrierSocket,
    serializer: options.serializer ?? acme().media.createSerializer(),
    agent,
    agentSampleRate: options.agentSampleRate ?? 16000,
    leadMs: options.leadMs ?? 80,
    ...(options.queueHighWaterMs === undefined
      ? {}
      : { queueHighWaterMs: options.queueHighWaterMs }),
    ...(options.queueLimitMs === undefined ? {} : { queueLimitMs: options.queueLimitMs }),
    clock: options.intervalsOnly
      ? {
          now: clock.now,
          setInterval: (callback, ms) => clock.setInterval(callback, ms),
          clearInterval: (handle) => clock.clearInterval(handle),
        }
      : clock,
    logger: { debug() {}, info() {}, warn, error() {} },
  });
  return { socket, clock, bridge, events, audio, warn };
}

const tone = (rate: number, ms: number, hz = 440) =>
  Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );

describe('media bridge: agent to caller', () => {
  it.each([
    ['one-shot timers', false],
    ['an interval-only clock', true],
  ])(
    'paces a burst of speech to real time, never more than the lead ahead (%s)',
    (_, intervalsOnly) => {
      const { socket, clock, bridge } = setup({ intervalsOnly });
      bridge.sendAudio(tone(16000, 2000)); // two seconds of TTS at once
      const frames = () => socket.messages('audio').length;
      expect(frames()).toBe(4); // 80 ms lead = 4 frames of 20 ms
      expect(bridge.queuedMs).toBeGreaterThan(1800);
      for (let t = 0; t < 1000; t += 10) {
        clock.advance(10);
        const sentMs = frames() * 20;
        const elapsed = clock.time - 1000;
        expect(sentMs - elapsed).toBeLessThanOrEqual(80 + 20);
        expect(sentMs - elapsed).toBeGreaterThanOrEqual(60);
      }
      clock.advance(1200);
      // Every sample arrives, in exact 20 ms frames at the wire rate (the last one padded).
      expect(frames()).toBe(100);
      for (const message of socket.messages('audio'))
        expect(Buffer.from(message.payload, 'base64').length).toBe(160);
      expect(clock.active).toBe(0); // idle bridges keep no timer
    },
  );

  it('wakes once per frame while playing out a burst, where polling woke every half frame', () => {
    const burst = (intervalsOnly: boolean) => {
      const { socket, clock, bridge } = setup({ intervalsOnly });
      bridge.sendAudio(tone(16000, 2000));
      clock.advance(2200);
      return { frames: socket.messages('audio').length, fired: clock.fired };
    };
    const oneShot = burst(false);
    const polled = burst(true);
    expect(oneShot.frames).toBe(100);
    expect(polled.frames).toBe(100);
    expect(polled.fired).toBeGreaterThan(190);
    expect(oneShot.fired).toBeLessThanOrEqual(100);
  });

  it('resamples agent audio to the wire rate without losing the tone', () => {
    const { socket, clock, bridge } = setup({ agentSampleRate: 24000 });
    bridge.sendAudio(tone(24000, 500, 1000));
    clock.advance(600);
    const samples = socket
      .messages('audio')
      .flatMap((m) => Array.from(mulawDecode(Buffer.from(m.payload, 'base64'))));
    expect(samples.length).toBe(4000);
    // 1 kHz at 8 kHz: a period of 8 samples; compare with the ideal after the filter delay settles.
    let error = 0;
    let power = 0;
    for (let i = 400; i < 3600; i++) {
      const ideal = 8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000);
      error += (samples[i]! - ideal) ** 2;
      power += ideal ** 2;
    }
    expect(10 * Math.log10(power / error)).toBeGreaterThan(30); // G.711 quantization bounds it
  });

  it('clears on barge-in: drops queued audio, tells the carrier, reports marks unheard', () => {
    const { socket, clock, bridge, events } = setup();
    bridge.sendAudio(tone(16000, 1000));
    bridge.mark('sentence-1');
    bridge.sendAudio(tone(16000, 1000));
    bridge.mark('sentence-2');
    clock.advance(200);
    const sentBefore = socket.messages('audio').length;
    bridge.clear();
    expect(socket.messages('clear')).toHaveLength(1);
    expect(bridge.queuedMs).toBe(0);
    expect(events).toEqual([
      { mark: 'sentence-1', played: false },
      { mark: 'sentence-2', played: false },
    ]);
    clock.advance(1000);
    expect(socket.messages('audio').length).toBe(sentBefore);
    // A late echo of a cleared mark changes nothing.
    socket.deliver({ event: 'mark', name: 'sentence-1' });
    expect(events).toHaveLength(2);
  });

  it('reports a mark played when the carrier echoes it, in order', () => {
    const { socket, clock, bridge, events } = setup();
    bridge.sendAudio(tone(16000, 100));
    bridge.mark('a');
    bridge.sendAudio(tone(16000, 100));
    bridge.mark('b');
    clock.advance(300);
    const order = socket.sent.map((m) => JSON.parse(m as string).event);
    expect(order.indexOf('mark')).toBe(5); // right after the fifth 20 ms frame
    expect(socket.messages('mark').map((m) => m.name)).toEqual(['a', 'b']);
    expect(events).toEqual([]);
    socket.deliver({ event: 'mark', name: 'b' }); // implies a played too
    expect(events).toEqual([
      { mark: 'a', played: true },
      { mark: 'b', played: true },
    ]);
  });

  it('uses its own playout clock for marks where the carrier has none', () => {
    const serializer = { ...acme().media.createSerializer(), encodeMark: () => undefined };
    const { socket, clock, bridge, events } = setup({ serializer });
    bridge.sendAudio(tone(16000, 200));
    bridge.mark('done');
    clock.advance(150);
    expect(events).toEqual([]);
    clock.advance(100);
    expect(events).toEqual([{ mark: 'done', played: true }]);
    expect(socket.messages('mark')).toHaveLength(0);
  });
});

/** The example dialect, from a carrier that sends nothing while the caller is silent (Asterisk). */
function gappySerializer(): MediaSerializer {
  const inner = acme().media.createSerializer();
  return {
    specificationVersion: inner.specificationVersion,
    audio: { ...inner.audio, continuous: false },
    maxMessageBytes: inner.maxMessageBytes,
    decode: (input, emit) => inner.decode(input, emit),
    encodeAudio: (samples) => inner.encodeAudio(samples),
    encodeClear: () => inner.encodeClear(),
    encodeMark: (name) => inner.encodeMark(name),
    encodeHangUp: () => inner.encodeHangUp(),
  };
}

describe('media bridge: caller to agent', () => {
  it('keeps the agent on the wall clock when the carrier goes quiet with the caller', () => {
    const { socket, clock, audio, bridge } = setup({
      serializer: gappySerializer(),
      agentSampleRate: 8000,
    });
    socket.deliver({ event: 'start', call_id: 'c1', stream_id: 's1', params: {} });
    const caller = Buffer.from(mulawEncode(tone(8000, 20))).toString('base64');
    for (let i = 0; i < 10; i++) {
      socket.deliver({ event: 'audio', payload: caller });
      clock.advance(20);
    }
    const spoken = audio.length;
    expect(spoken).toBe(10);
    // The caller stops sending for a second: the agent still gets a frame every 20 ms, silent.
    clock.advance(1000);
    const filled = audio.slice(spoken);
    expect(filled.length).toBeGreaterThanOrEqual(48);
    expect(filled.length).toBeLessThanOrEqual(50);
    expect(filled.every((frame) => frame.length === 160 && frame.every((v) => v === 0))).toBe(true);
    // Speech again: delivered as it comes, with no more filling while it does.
    const before = audio.length;
    for (let i = 0; i < 10; i++) {
      socket.deliver({ event: 'audio', payload: caller });
      clock.advance(20);
    }
    expect(audio.length - before).toBe(10);
    bridge.close();
    expect(clock.active).toBe(0);
  });

  it('adds nothing for a carrier that streams steadily', () => {
    const { socket, clock, audio } = setup({ agentSampleRate: 8000 });
    socket.deliver({ event: 'start', call_id: 'c1', stream_id: 's1', params: {} });
    clock.advance(1000);
    expect(audio).toEqual([]);
  });

  it('hands the agent the start, audio at its rate, DTMF and the stop', () => {
    const { socket, events, audio } = setup({ agentSampleRate: 16000 });
    socket.deliver({ event: 'start', call_id: 'c1', stream_id: 's1', params: { agent: 'echo' } });
    for (let i = 0; i < 50; i++) {
      socket.deliver({
        event: 'audio',
        payload: Buffer.from(mulawEncode(tone(8000, 20))).toString('base64'),
      });
    }
    socket.deliver({ event: 'dtmf', digit: '5' });
    socket.deliver({ event: 'stop' });
    expect(events).toEqual([
      {
        start: {
          callId: 'c1',
          streamId: 's1',
          customParameters: { agent: 'echo' },
          sampleRate: 16000,
        },
      },
      { dtmf: '5' },
      { stop: 'carrier-stop' },
    ]);
    // Whole 20 ms frames from the first one on, each as soon as its carrier frame came: the
    // first starts with the resampler's delay as silence rather than wait for the second.
    expect(audio.length).toBe(50);
    expect(audio.every((frame) => frame.length === 320)).toBe(true);
    expect(audio[0]![0]).toBe(0);
    expect(audio[0]!.some((sample) => Math.abs(sample) > 1000)).toBe(true);
  });

  it('hands the agent 20 ms frames when the carrier sends the caller’s 30 ms packets', () => {
    const { socket, audio } = setup({ agentSampleRate: 8000 });
    socket.deliver({ event: 'start', call_id: 'c1', stream_id: 's1' });
    const packet = tone(8000, 30);
    for (let i = 0; i < 10; i++)
      socket.deliver({
        event: 'audio',
        payload: Buffer.from(mulawEncode(packet)).toString('base64'),
      });
    expect(audio.map((frame) => frame.length)).toEqual(Array(15).fill(160));
    // In order and whole: the frames joined are the packets joined.
    const joined = Int16Array.from(audio.flatMap((frame) => Array.from(frame)));
    const expected = mulawDecode(mulawEncode(packet));
    for (let i = 0; i < joined.length; i++) expect(joined[i]).toBe(expected[i % 240]);
  });

  it('drops caller audio sent faster than real time beyond a two-second burst', () => {
    const { socket, clock, audio, warn } = setup({ agentSampleRate: 8000 });
    socket.deliver({ event: 'start', call_id: 'c1', stream_id: 's1' });
    const frame = Buffer.from(mulawEncode(tone(8000, 20))).toString('base64');
    // Ten seconds of audio in one instant: two get through, the rest is dropped unheard.
    for (let i = 0; i < 500; i++) socket.deliver({ event: 'audio', payload: frame });
    expect(audio.length).toBe(100);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ burstMs: 2000 }),
      expect.stringContaining('faster than real time'),
    );
    // Then at real time, nothing more is lost.
    for (let i = 0; i < 100; i++) {
      clock.advance(20);
      socket.deliver({ event: 'audio', payload: frame });
    }
    expect(audio.length).toBe(200);
  });

  it('closes the socket with 1009 when a message is larger than the carrier ever sends', () => {
    const { socket, events, warn } = setup();
    socket.deliver({ event: 'audio', payload: 'A'.repeat(5000) });
    expect(socket.closedWith).toBe(1009);
    expect(events).toEqual([{ stop: 'protocol-violation' }]);
    expect(warn).toHaveBeenCalledWith(
      { bytes: expect.any(Number), limit: 4096 },
      expect.stringContaining('larger than the carrier ever sends'),
    );
  });

  it('ignores a malformed message with a warning and keeps the call', () => {
    const { socket, events, warn } = setup();
    socket.emit('message', Buffer.from('{not json'), false);
    socket.deliver({ event: 'audio', payload: 42 });
    socket.deliver({ event: 'teleport' });
    socket.deliver({ event: 'dtmf', digit: '#' });
    expect(warn).toHaveBeenCalledTimes(3);
    expect(events).toEqual([{ dtmf: '#' }]);
  });
});

describe('media bridge: a bounded playback queue', () => {
  it('says when to wait, drops what is past the limit, and says when to go on', () => {
    const { socket, clock, bridge, events, warn } = setup({
      queueHighWaterMs: 1000,
      queueLimitMs: 2000,
    });
    expect(bridge.sendAudio(tone(16000, 900))).toBe(true);
    expect(bridge.sendAudio(tone(16000, 200))).toBe(false); // past the high-water mark
    expect(bridge.sendAudio(tone(16000, 3000))).toBe(false); // an agent that does not wait
    expect(bridge.queuedMs).toBeLessThanOrEqual(2000);
    expect(bridge.droppedMs).toBeGreaterThan(3000 - 1000);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ queuedMs: expect.any(Number) }),
      expect.stringContaining('playback queue is full'),
    );
    expect(events).toEqual([]);
    // It plays out in real time; below half the high-water mark the agent hears `drain`.
    clock.advance(1400);
    expect(events).toEqual([]);
    clock.advance(200);
    expect(events).toEqual(['drain']);
    expect(bridge.queuedMs).toBeLessThanOrEqual(500);
    expect(bridge.sendAudio(tone(16000, 100))).toBe(true);
    clock.advance(1000);
    // Exactly what fitted was played: the 80 ms lead already sent, 2 s queued, the 100 ms after.
    expect(socket.messages('audio').length).toBe(109);
  });

  it('a barge-in empties the queue and lets the agent go on at once', () => {
    const { bridge, events } = setup({ queueHighWaterMs: 500, queueLimitMs: 1000 });
    expect(bridge.sendAudio(tone(16000, 800))).toBe(false);
    bridge.clear();
    expect(events).toEqual(['drain']);
    expect(bridge.sendAudio(tone(16000, 100))).toBe(true);
  });
});

describe('media bridge: ending', () => {
  it('ends once when the carrier closes, reporting unplayed marks', () => {
    const { socket, bridge, events, clock } = setup();
    bridge.sendAudio(tone(16000, 500));
    bridge.mark('m');
    socket.close(1006);
    socket.close(1006);
    expect(events).toEqual([{ mark: 'm', played: false }, { stop: 'carrier-closed' }]);
    expect(bridge.ended).toBe(true);
    bridge.sendAudio(tone(16000, 100)); // ignored, no throw
    expect(clock.active).toBe(0);
  });

  it('closes the socket when the agent hangs up or closes', () => {
    const first = setup();
    first.bridge.hangUp();
    expect(first.socket.messages('hangup')).toHaveLength(1);
    expect(first.socket.closedWith).toBe(1000);
    expect(first.events).toEqual([{ stop: 'hang-up' }]);

    const second = setup();
    second.bridge.close();
    expect(second.socket.messages('hangup')).toHaveLength(0);
    expect(second.events).toEqual([{ stop: 'agent-closed' }]);

    const third = setup();
    third.bridge.close('transferred');
    third.bridge.close();
    expect(third.socket.closedWith).toBe(1000);
    expect(third.events).toEqual([{ stop: 'transferred' }]);
  });

  it('refuses a nonsense agent rate', () => {
    expect(() => setup({ agentSampleRate: 100 })).toThrow(/agentSampleRate/);
  });
});

describe('media bridge sends of one turn', () => {
  /** A clock whose deferred work runs when the test says the turn is over. */
  class DeferringClock extends FakeClock {
    readonly deferred: (() => void)[] = [];
    defer = (callback: () => void) => {
      this.deferred.push(callback);
    };
    endTurn() {
      for (const callback of this.deferred.splice(0)) callback();
    }
  }
  const bridgeOn = (socket: FakeSocket, clock: DeferringClock) => {
    const bridge = createMediaBridge({
      socket: socket as unknown as CarrierSocket,
      serializer: acme().media.createSerializer(),
      agentSampleRate: 8000,
      agent: { audio: () => {}, stop: () => {} },
      clock,
    });
    socket.deliver({ event: 'start', call_id: 'c', stream_id: 's', params: {} });
    return bridge;
  };

  it('goes out together at the end of the turn, in order, and before a close', () => {
    const clock = new DeferringClock();
    const first = new FakeSocket();
    const second = new FakeSocket();
    const a = bridgeOn(first, clock);
    const b = bridgeOn(second, clock);
    a.sendAudio(new Int16Array(160).fill(100));
    b.sendAudio(new Int16Array(160).fill(200));
    a.mark('after-first');
    expect(first.sent).toEqual([]);
    expect(second.sent).toEqual([]);
    // One deferral for the whole turn, whichever bridge sent first.
    expect(clock.deferred).toHaveLength(1);
    clock.endTurn();
    expect(first.sent).toHaveLength(2);
    expect(second.sent).toHaveLength(1);
    expect(JSON.parse(first.sent[1] as string)).toMatchObject({
      event: 'mark',
      name: 'after-first',
    });

    // A hang-up queued this turn reaches the carrier before the socket closes.
    b.sendAudio(new Int16Array(160).fill(300));
    b.hangUp();
    expect(second.sent.slice(1).map((m) => JSON.parse(m as string).event)).toEqual([
      'audio',
      'hangup',
    ]);
    expect(second.closedWith).toBe(1000);
  });

  it('sends nothing twice when a send closes a bridge in the middle of the batch', () => {
    const clock = new DeferringClock();
    const failing = new FakeSocket();
    const other = new FakeSocket();
    const a = bridgeOn(failing, clock);
    const b = bridgeOn(other, clock);
    // The carrier's socket fails on the first send, and the host hangs the bridge up there.
    const handed: string[] = [];
    failing.send = (data) => {
      handed.push(JSON.parse(data as string).event);
      a.hangUp();
    };
    a.sendAudio(new Int16Array(160).fill(100));
    b.mark('one');
    b.mark('two');
    clock.endTurn();
    expect(handed).toEqual(['audio', 'hangup']);
    expect(other.sent.map((m) => JSON.parse(m as string).name)).toEqual(['one', 'two']);
  });
});

describe('media bridge contract version', () => {
  it('refuses a serializer of a contract version this core does not implement', () => {
    const serializer = { ...acme().media.createSerializer(), specificationVersion: 'v2' };
    expect(() =>
      createMediaBridge({
        socket: new FakeSocket() as unknown as CarrierSocket,
        serializer: serializer as unknown as MediaSerializer,
        agentSampleRate: 16000,
        agent: { audio: () => {}, stop: () => {} },
      }),
    ).toThrow(ConfigurationError);
  });
});

describe('media bridge over a real WebSocket', () => {
  it('echoes caller audio back through a ws socket', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const bridged = new Promise<void>((resolve) => {
      server.on('connection', (socket) => {
        // A ws socket is a CarrierSocket as it is: this line is the type check.
        const carrier: CarrierSocket = socket;
        const bridge = createMediaBridge({
          socket: carrier,
          serializer: acme().media.createSerializer(),
          agentSampleRate: 8000,
          agent: { audio: (samples) => bridge.sendAudio(samples), stop: () => resolve() },
        });
      });
    });
    await new Promise((resolve) => server.on('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const received: number[] = [];
    client.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.event === 'audio')
        received.push(...mulawDecode(Buffer.from(message.payload, 'base64')));
    });
    await new Promise((resolve) => client.on('open', resolve));
    const sent = tone(8000, 200);
    for (let i = 0; i < 10; i++) {
      client.send(
        JSON.stringify({
          event: 'audio',
          payload: Buffer.from(mulawEncode(sent.subarray(i * 160, i * 160 + 160))).toString(
            'base64',
          ),
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 350));
    client.send(JSON.stringify({ event: 'stop' }));
    await bridged;
    client.close();
    server.close();
    expect(received.length).toBe(1600);
    expect(received).toEqual(Array.from(mulawDecode(mulawEncode(sent))));
  });
});

describe('media health', () => {
  const frame = () => Buffer.from(mulawEncode(tone(8000, 20))).toString('base64');
  const start = (socket: FakeSocket) =>
    socket.deliver({ event: 'start', call_id: 'c', stream_id: 's', params: {} });

  it('counts late frames, their longest pause and the arrival jitter of a carrier on time and not', () => {
    const { socket, clock, bridge } = setup();
    start(socket);
    for (let n = 0; n < 50; n++) {
      socket.deliver({ event: 'audio', payload: frame() });
      clock.advance(20);
    }
    expect(bridge.health).toMatchObject({ callerFrames: 50, callerGaps: 0, jitterMs: 0 });
    clock.advance(100); // the network held two frames back, then a late burst
    socket.deliver({ event: 'audio', payload: frame() });
    socket.deliver({ event: 'audio', payload: frame() });
    clock.advance(60);
    socket.deliver({ event: 'audio', payload: frame() });
    const health = bridge.health;
    expect(health.callerFrames).toBe(53);
    expect(health.callerGaps).toBe(2);
    expect(health.longestCallerGapMs).toBe(120);
    expect(health.jitterMs).toBeGreaterThan(5);
  });

  it('counts underruns mid-utterance, clears, and the queue’s peak', () => {
    const { socket, clock, bridge } = setup();
    start(socket);
    bridge.sendAudio(tone(16000, 200));
    expect(bridge.health.peakQueuedMs).toBeGreaterThanOrEqual(100);
    clock.advance(200);
    // The next chunk of the same utterance comes 300 ms late: the caller heard a hole.
    clock.advance(300);
    bridge.sendAudio(tone(16000, 100));
    expect(bridge.health.agentUnderruns).toBe(1);
    // A barge-in, then a new utterance after a pause: no underrun.
    bridge.clear();
    clock.advance(300);
    bridge.sendAudio(tone(16000, 100));
    expect(bridge.health).toMatchObject({ agentUnderruns: 1, clears: 1, droppedAgentMs: 0 });
  });
});

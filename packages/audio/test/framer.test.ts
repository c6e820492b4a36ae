import { describe, expect, it } from 'vitest';
import { createByteFramer, createFramer, MULAW_SILENCE } from '../src/index.js';
import { createRandom } from './signal.js';

describe('createFramer', () => {
  it('cuts random chunks into exact frames, in order, losing nothing', () => {
    const stream = Int16Array.from({ length: 5000 }, (_, i) => i);
    const framer = createFramer({ frameSize: 160 });
    const frames: number[][] = [];
    const random = createRandom(3);
    for (let pos = 0; pos < stream.length; ) {
      const size = Math.min(stream.length - pos, Math.floor(random() * 400));
      framer.push(stream.subarray(pos, pos + size), (frame) => {
        expect(frame.length).toBe(160);
        frames.push(Array.from(frame));
      });
      pos += size;
    }
    expect(framer.pending).toBe(5000 % 160);
    framer.flush((frame) => frames.push(Array.from(frame)));
    expect(framer.pending).toBe(0);
    const flat = frames.flat();
    expect(flat.slice(0, 5000)).toEqual(Array.from(stream));
    expect(flat.slice(5000)).toEqual(new Array(160 - (5000 % 160)).fill(0));
  });

  it('passes whole frames inside a chunk as views, without copying', () => {
    const chunk = new Int16Array(480);
    const framer = createFramer({ frameSize: 160 });
    const buffers: ArrayBufferLike[] = [];
    framer.push(chunk, (frame) => buffers.push(frame.buffer));
    expect(buffers).toEqual([chunk.buffer, chunk.buffer, chunk.buffer]);
  });

  it('flushes nothing when no samples are pending', () => {
    const framer = createFramer({ frameSize: 4 });
    let calls = 0;
    framer.push(new Int16Array(8), () => calls++);
    framer.flush(() => calls++);
    expect(calls).toBe(2);
  });

  it('drops pending samples on reset', () => {
    const framer = createFramer({ frameSize: 4 });
    framer.push(new Int16Array([1, 2, 3]), () => {});
    framer.reset();
    const frames: number[][] = [];
    framer.push(new Int16Array([5, 6, 7, 8]), (frame) => frames.push(Array.from(frame)));
    expect(frames).toEqual([[5, 6, 7, 8]]);
  });

  it('rejects a bad frame size', () => {
    expect(() => createFramer({ frameSize: 0 })).toThrow(/frameSize/);
    expect(() => createFramer({ frameSize: 1.5 })).toThrow(RangeError);
  });
});

describe('createByteFramer', () => {
  it('pads the last G.711 frame with the codec silence byte', () => {
    const framer = createByteFramer({ frameSize: 4, silenceByte: MULAW_SILENCE });
    const frames: number[][] = [];
    framer.push(new Uint8Array([1, 2, 3, 4, 5]), (frame) => frames.push(Array.from(frame)));
    framer.flush((frame) => frames.push(Array.from(frame)));
    expect(frames).toEqual([
      [1, 2, 3, 4],
      [5, 0xff, 0xff, 0xff],
    ]);
  });
});

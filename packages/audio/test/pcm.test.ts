import { describe, expect, it } from 'vitest';
import {
  ALAW_SILENCE,
  alawDecode,
  float32ToPcm16,
  MULAW_SILENCE,
  mulawDecode,
  pcm16FromBytes,
  pcm16ToBytes,
  pcm16ToFloat32,
  samplesPerDuration,
  silence,
} from '../src/index.js';

describe('pcm16FromBytes / pcm16ToBytes', () => {
  const samples = new Int16Array([0, 1, -1, 32767, -32768, 0x1234]);
  const bytes = new Uint8Array([0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0x80, 0x34, 0x12]);

  it('reads little-endian bytes, as a view when aligned', () => {
    const view = pcm16FromBytes(bytes);
    expect(view).toEqual(samples);
    expect(view.buffer).toBe(bytes.buffer);
  });

  it('copies bytes at an odd offset, as Node.js Buffers often are', () => {
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const odd = shifted.subarray(1);
    const read = pcm16FromBytes(odd);
    expect(read).toEqual(samples);
    expect(read.buffer).not.toBe(shifted.buffer);
  });

  it('fills a caller buffer', () => {
    const out = new Int16Array(10);
    expect(pcm16FromBytes(bytes, out)).toBe(out);
    expect(out.subarray(0, 6)).toEqual(samples);
  });

  it('writes little-endian bytes, as a view or into a caller buffer', () => {
    expect(pcm16ToBytes(samples)).toEqual(bytes);
    const out = new Uint8Array(12);
    expect(pcm16ToBytes(samples, out)).toBe(out);
    expect(out).toEqual(bytes);
  });

  it('rejects half a sample and short outputs', () => {
    expect(() => pcm16FromBytes(new Uint8Array(3))).toThrow(/even number of bytes/);
    expect(() => pcm16FromBytes(bytes, new Int16Array(2))).toThrow(RangeError);
    expect(() => pcm16ToBytes(samples, new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('float conversion', () => {
  it('maps full scale to [-1, 1) and back, clamping overs', () => {
    expect(Array.from(pcm16ToFloat32(new Int16Array([-32768, 0, 16384])))).toEqual([-1, 0, 0.5]);
    expect(Array.from(float32ToPcm16(new Float32Array([-1, 0, 0.5, 1, 2, -3])))).toEqual([
      -32768, 0, 16384, 32767, 32767, -32768,
    ]);
  });

  it('round-trips every 16-bit value', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    expect(float32ToPcm16(pcm16ToFloat32(all))).toEqual(all);
  });
});

describe('silence', () => {
  it('decodes to zero in every encoding', () => {
    expect(silence('pcm16', 160)).toEqual(new Int16Array(160));
    expect(silence('mulaw', 160).every((b) => b === MULAW_SILENCE)).toBe(true);
    expect(mulawDecode(silence('mulaw', 4))).toEqual(new Int16Array(4));
    // A-law has no exact zero: its smallest step decodes to +/-8.
    expect(alawDecode(silence('alaw', 4))).toEqual(new Int16Array(4).fill(8));
    expect(silence('alaw', 1)[0]).toBe(ALAW_SILENCE);
  });

  it('rejects a bad length or encoding', () => {
    expect(() => silence('pcm16', -1)).toThrow(RangeError);
    // @ts-expect-error: not an encoding
    expect(() => silence('opus', 1)).toThrow(/unknown encoding/);
  });

  it('counts samples per duration', () => {
    expect(samplesPerDuration(8000, 20)).toBe(160);
    expect(samplesPerDuration(16000, 20)).toBe(320);
    expect(samplesPerDuration(44100, 20)).toBe(882);
  });
});

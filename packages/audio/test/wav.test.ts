import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mulawEncode, readWav, WavFormatError, writeWav } from '../src/index.js';
import { fixturePath } from './fixtures.js';

const fixture = (name: string) => new Uint8Array(readFileSync(fixturePath(`wav/${name}`)));

describe('readWav', () => {
  it.each(['mulaw', 'alaw'])('decodes a %s file exactly as sox does', (law) => {
    const coded = readWav(fixture(`sweep-${law}.wav`));
    const reference = readWav(fixture(`sweep-${law}-decoded-by-sox.wav`));
    expect(coded.encoding).toBe(law);
    expect(reference.encoding).toBe('pcm16');
    expect(coded.sampleRate).toBe(8000);
    expect(coded.samples.length).toBe(400);
    expect(coded.samples).toEqual(reference.samples);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with interleaved channels', () => {
    const audio = readWav(fixture('three-channel-extensible.wav'));
    expect(audio).toMatchObject({ sampleRate: 16000, channels: 3, encoding: 'pcm16' });
    expect(audio.samples.length).toBe(480);
    // The first two frames as `sox three-channel-extensible.wav -t s16 - | od -td2` prints them.
    expect(Array.from(audio.samples.subarray(0, 6))).toEqual([387, 777, 1173, 3905, 7690, 11239]);
  });

  it('gives typed errors for what it cannot read', () => {
    expect(() => readWav(new Uint8Array(10))).toThrow(WavFormatError);
    const file = fixture('sweep-mulaw-decoded-by-sox.wav');
    expect(() => readWav(file.subarray(0, 30))).toThrow(/fmt chunk|no fmt/);
    const float = writeWav({ sampleRate: 8000, samples: new Int16Array(4) });
    new DataView(float.buffer).setUint16(20, 3, true); // IEEE float
    expect(() => readWav(float)).toThrow(/unsupported WAV format tag 3/);
  });
});

describe('writeWav', () => {
  it('round-trips PCM16, mu-law and A-law through readWav', () => {
    const samples = Int16Array.from({ length: 801 }, (_, i) => Math.round(9000 * Math.sin(i / 5)));
    const pcm = readWav(writeWav({ sampleRate: 16000, samples }));
    expect(pcm).toMatchObject({ sampleRate: 16000, channels: 1, encoding: 'pcm16' });
    expect(pcm.samples).toEqual(samples);

    const mulaw = writeWav({ sampleRate: 8000, samples, encoding: 'mulaw' });
    expect(mulaw.length).toBe(44 + 801 + 1); // odd data size is padded
    expect(mulaw.subarray(44, 44 + 801)).toEqual(mulawEncode(samples));
    expect(readWav(mulaw).samples.length).toBe(801);

    const alaw = readWav(writeWav({ sampleRate: 8000, samples, encoding: 'alaw', channels: 1 }));
    expect(alaw.encoding).toBe('alaw');
  });

  it('writes the same bytes sox does for a PCM16 file', () => {
    const reference = fixture('sweep-mulaw-decoded-by-sox.wav');
    const audio = readWav(reference);
    const ours = writeWav({ sampleRate: audio.sampleRate, samples: audio.samples });
    // sox adds no extra chunks for mono 16-bit PCM, so the files match byte for byte.
    expect(ours).toEqual(reference);
  });

  it('rejects bad rates and channel counts', () => {
    expect(() => writeWav({ sampleRate: 0, samples: new Int16Array(1) })).toThrow(/sampleRate/);
    expect(() => writeWav({ sampleRate: 8000, samples: new Int16Array(1), channels: 0 })).toThrow(
      /channels/,
    );
  });
});

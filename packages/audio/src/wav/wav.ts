import { alawDecode, alawEncode, mulawDecode, mulawEncode } from '../g711/g711.js';
import type { AudioEncoding } from '../pcm/silence.js';

/** A WAV file that cannot be read: not RIFF/WAVE, truncated, or an unsupported format. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

/** Decoded audio of a WAV file. */
export interface WavAudio {
  readonly sampleRate: number;
  readonly channels: number;
  /** How the file stored the samples. */
  readonly encoding: AudioEncoding;
  /** The samples as 16-bit PCM (G.711 is decoded), channels interleaved. */
  readonly samples: Int16Array;
}

/** Audio to write with {@link writeWav}. */
export interface WavInput {
  readonly sampleRate: number;
  /** Interleaved 16-bit samples. */
  readonly samples: Int16Array;
  /** 1 unless given. */
  readonly channels?: number;
  /** How to store the samples: `pcm16` (default), or G.711 `mulaw` / `alaw` at 8 bits. */
  readonly encoding?: AudioEncoding;
}

// WAVE format tags (RFC 2361).
const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

const FORMAT_TAGS: Record<AudioEncoding, number> = {
  pcm16: FORMAT_PCM,
  alaw: FORMAT_ALAW,
  mulaw: FORMAT_MULAW,
};

function fourCC(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

/**
 * Reads a RIFF/WAVE file holding 16-bit PCM, mu-law or A-law (plain or
 * WAVE_FORMAT_EXTENSIBLE).
 *
 * @throws WavFormatError for anything else, or for a truncated file.
 */
export function readWav(file: Uint8Array): WavAudio {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 12 || fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let format: { encoding: AudioEncoding; channels: number; sampleRate: number } | undefined;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = fourCC(view, offset);
    const declared = view.getUint32(offset + 4, true);
    const start = offset + 8;
    // Streaming writers leave the data size at 0 or 0xffffffff; take what is there.
    const size = Math.min(declared, file.length - start);
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError('fmt chunk is shorter than 16 bytes');
      let tag = view.getUint16(start, true);
      const channels = view.getUint16(start + 2, true);
      const sampleRate = view.getUint32(start + 4, true);
      const bits = view.getUint16(start + 14, true);
      if (tag === FORMAT_EXTENSIBLE) {
        if (size < 40) throw new WavFormatError('WAVE_FORMAT_EXTENSIBLE fmt chunk is truncated');
        // The sub-format GUID starts with the plain format tag.
        tag = view.getUint16(start + 24, true);
      }
      const encoding = (Object.keys(FORMAT_TAGS) as AudioEncoding[]).find(
        (name) => FORMAT_TAGS[name] === tag,
      );
      const expectedBits = encoding === 'pcm16' ? 16 : 8;
      if (encoding === undefined || bits !== expectedBits) {
        throw new WavFormatError(
          `unsupported WAV format tag ${tag} with ${bits} bits; 16-bit PCM, mu-law and A-law are read`,
        );
      }
      if (channels < 1 || sampleRate < 1) {
        throw new WavFormatError(`invalid WAV format: ${channels} channels at ${sampleRate} Hz`);
      }
      format = { encoding, channels, sampleRate };
    } else if (id === 'data') {
      if (format === undefined) throw new WavFormatError('data chunk comes before fmt chunk');
      const data = file.subarray(start, start + size);
      let samples: Int16Array;
      if (format.encoding === 'pcm16') {
        const count = Math.floor(data.length / 2);
        samples = new Int16Array(count);
        for (let i = 0; i < count; i++) samples[i] = view.getInt16(start + 2 * i, true);
      } else {
        samples = format.encoding === 'mulaw' ? mulawDecode(data) : alawDecode(data);
      }
      return { ...format, samples };
    }
    // Chunks are padded to an even length.
    offset = start + declared + (declared % 2);
  }
  throw new WavFormatError(format ? 'WAV file has no data chunk' : 'WAV file has no fmt chunk');
}

/** Writes a canonical 44-byte-header WAV file. */
export function writeWav(input: WavInput): Uint8Array {
  const channels = input.channels ?? 1;
  const encoding = input.encoding ?? 'pcm16';
  if (!Number.isInteger(input.sampleRate) || input.sampleRate < 1) {
    throw new RangeError(`sampleRate must be a whole number >= 1, got ${input.sampleRate}`);
  }
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a whole number >= 1, got ${channels}`);
  }
  const bytesPerSample = encoding === 'pcm16' ? 2 : 1;
  const dataSize = input.samples.length * bytesPerSample;
  const file = new Uint8Array(44 + dataSize + (dataSize % 2));
  const view = new DataView(file.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < 4; i++) file[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, file.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_TAGS[encoding], true);
  view.setUint16(22, channels, true);
  view.setUint32(24, input.sampleRate, true);
  view.setUint32(28, input.sampleRate * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  ascii(36, 'data');
  view.setUint32(40, dataSize, true);
  const data = file.subarray(44, 44 + dataSize);
  if (encoding === 'pcm16') {
    for (let i = 0; i < input.samples.length; i++)
      view.setInt16(44 + 2 * i, input.samples[i]!, true);
  } else if (encoding === 'mulaw') {
    mulawEncode(input.samples, data);
  } else {
    alawEncode(input.samples, data);
  }
  return file;
}

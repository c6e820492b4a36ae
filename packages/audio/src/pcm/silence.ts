import { ALAW_SILENCE } from '../g711/alaw.js';
import { MULAW_SILENCE } from '../g711/mulaw.js';

/** Wire encodings of telephony audio. */
export type AudioEncoding = 'pcm16' | 'mulaw' | 'alaw';

/** Samples in `milliseconds` of audio at `sampleRate` (rounded to the nearest sample). */
export function samplesPerDuration(sampleRate: number, milliseconds: number): number {
  return Math.round((sampleRate * milliseconds) / 1000);
}

/**
 * A frame of digital silence: zeros for PCM16 (as Int16Array), the codec's
 * zero byte for G.711 (0xff mu-law, 0xd5 A-law, as Uint8Array).
 */
export function silence(encoding: 'pcm16', samples: number): Int16Array;
export function silence(encoding: 'mulaw' | 'alaw', samples: number): Uint8Array;
export function silence(encoding: AudioEncoding, samples: number): Int16Array | Uint8Array;
export function silence(encoding: AudioEncoding, samples: number): Int16Array | Uint8Array {
  if (!Number.isInteger(samples) || samples < 0) {
    throw new RangeError(`samples must be a whole number >= 0, got ${samples}`);
  }
  switch (encoding) {
    case 'pcm16':
      return new Int16Array(samples);
    case 'mulaw':
      return new Uint8Array(samples).fill(MULAW_SILENCE);
    case 'alaw':
      return new Uint8Array(samples).fill(ALAW_SILENCE);
    default:
      throw new RangeError(`unknown encoding ${String(encoding)}`);
  }
}

import { alawDecodeTable, alawEncodeTable } from './alaw.js';
import { mulawDecodeTable, mulawEncodeTable } from './mulaw.js';

function checkOutput<T extends Uint8Array | Int16Array>(
  output: T,
  length: number,
  fn: string,
): void {
  if (output.length < length) {
    throw new RangeError(
      `${fn}: output buffer holds ${output.length} samples but ${length} are needed`,
    );
  }
}

function encodeWith(
  table: Uint8Array,
  samples: Int16Array,
  output: Uint8Array | undefined,
  fn: string,
): Uint8Array {
  const length = samples.length;
  let codes: Uint8Array;
  if (output === undefined) {
    codes = new Uint8Array(length);
  } else {
    checkOutput(output, length, fn);
    codes = output;
  }
  for (let i = 0; i < length; i++) codes[i] = table[samples[i]! & 0xffff]!;
  return codes;
}

function decodeWith(
  table: Int16Array,
  codes: Uint8Array,
  output: Int16Array | undefined,
  fn: string,
): Int16Array {
  const length = codes.length;
  let samples: Int16Array;
  if (output === undefined) {
    samples = new Int16Array(length);
  } else {
    checkOutput(output, length, fn);
    samples = output;
  }
  for (let i = 0; i < length; i++) samples[i] = table[codes[i]!]!;
  return samples;
}

/**
 * Encodes 16-bit linear PCM to G.711 mu-law, one byte per sample.
 *
 * Pass `output` (at least `samples.length` long) to encode without allocating;
 * it is filled from index 0 and returned. Without it a new array is returned.
 * Bit-exact with ITU-T G.191.
 */
export function mulawEncode(samples: Int16Array, output?: Uint8Array): Uint8Array {
  return encodeWith(mulawEncodeTable(), samples, output, 'mulawEncode');
}

/**
 * Decodes G.711 mu-law bytes to 16-bit linear PCM.
 *
 * Pass `output` (at least `codes.length` long) to decode without allocating.
 */
export function mulawDecode(codes: Uint8Array, output?: Int16Array): Int16Array {
  return decodeWith(mulawDecodeTable(), codes, output, 'mulawDecode');
}

/**
 * Encodes 16-bit linear PCM to G.711 A-law, one byte per sample.
 *
 * Pass `output` (at least `samples.length` long) to encode without allocating.
 * Bit-exact with ITU-T G.191.
 */
export function alawEncode(samples: Int16Array, output?: Uint8Array): Uint8Array {
  return encodeWith(alawEncodeTable(), samples, output, 'alawEncode');
}

/**
 * Decodes G.711 A-law bytes to 16-bit linear PCM.
 *
 * Pass `output` (at least `codes.length` long) to decode without allocating.
 */
export function alawDecode(codes: Uint8Array, output?: Int16Array): Int16Array {
  return decodeWith(alawDecodeTable(), codes, output, 'alawDecode');
}

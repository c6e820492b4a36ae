/**
 * G.711 mu-law, bit-exact with the ITU-T G.191 Software Tool Library (`g711.c`).
 *
 * G.191 truncates the magnitude (it does not round) and takes the one's
 * complement of a negative sample, so -1 encodes like 0 with the sign bit
 * cleared. sox rounds to 14 bits first and disagrees on 510 inputs; the common
 * npm libraries disagree on 127 negative inputs at segment boundaries.
 */

/** The mu-law byte for digital silence (positive zero). */
export const MULAW_SILENCE = 0xff;

function mulawEncodeSample(sample: number): number {
  // 33 is the bias that makes mu-law's segments start at powers of two.
  let magnitude = (sample < 0 ? ~sample >> 2 : sample >> 2) + 33;
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1;
  for (let rest = magnitude >> 6; rest !== 0; rest >>= 1) segment++;
  const mantissa = 0x0f - ((magnitude >> segment) & 0x0f);
  const code = ((0x08 - segment) << 4) | mantissa;
  return sample >= 0 ? code | 0x80 : code;
}

function mulawDecodeCode(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
  return code < 0x80 ? -magnitude : magnitude;
}

let encodeTable: Uint8Array | undefined;
let decodeTable: Int16Array | undefined;

/** Code for every 16-bit sample, indexed by `sample & 0xffff`. Built once, on first use. */
export function mulawEncodeTable(): Uint8Array {
  if (encodeTable === undefined) {
    encodeTable = new Uint8Array(65536);
    for (let sample = -32768; sample < 32768; sample++) {
      encodeTable[sample & 0xffff] = mulawEncodeSample(sample);
    }
  }
  return encodeTable;
}

/** Linear value of every mu-law code 0..255. Built once, on first use. */
export function mulawDecodeTable(): Int16Array {
  if (decodeTable === undefined) {
    decodeTable = new Int16Array(256);
    for (let code = 0; code < 256; code++) decodeTable[code] = mulawDecodeCode(code);
  }
  return decodeTable;
}

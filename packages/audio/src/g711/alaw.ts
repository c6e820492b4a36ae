/**
 * G.711 A-law, bit-exact with the ITU-T G.191 Software Tool Library (`g711.c`).
 * Like mu-law there, a negative sample's magnitude is its one's complement and
 * is truncated to 12 bits, where sox rounds to 13 bits first.
 */

/** The A-law byte for digital silence (positive zero, even bits toggled). */
export const ALAW_SILENCE = 0xd5;

function alawEncodeSample(sample: number): number {
  let magnitude = sample < 0 ? ~sample >> 4 : sample >> 4;
  if (magnitude > 15) {
    let exponent = 1;
    while (magnitude > 16 + 15) {
      magnitude >>= 1;
      exponent++;
    }
    magnitude = magnitude - 16 + (exponent << 4);
  }
  if (sample >= 0) magnitude |= 0x80;
  // A-law transmits with every even bit inverted (G.711 section 3), which keeps
  // enough transitions on the line for silence.
  return magnitude ^ 0x55;
}

function alawDecodeCode(code: number): number {
  const untoggled = (code ^ 0x55) & 0x7f;
  const exponent = untoggled >> 4;
  let mantissa = untoggled & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 0x08;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 127 ? mantissa : -mantissa;
}

let encodeTable: Uint8Array | undefined;
let decodeTable: Int16Array | undefined;

/** Code for every 16-bit sample, indexed by `sample & 0xffff`. Built once, on first use. */
export function alawEncodeTable(): Uint8Array {
  if (encodeTable === undefined) {
    encodeTable = new Uint8Array(65536);
    for (let sample = -32768; sample < 32768; sample++) {
      encodeTable[sample & 0xffff] = alawEncodeSample(sample);
    }
  }
  return encodeTable;
}

/** Linear value of every A-law code 0..255. Built once, on first use. */
export function alawDecodeTable(): Int16Array {
  if (decodeTable === undefined) {
    decodeTable = new Int16Array(256);
    for (let code = 0; code < 256; code++) decodeTable[code] = alawDecodeCode(code);
  }
  return decodeTable;
}

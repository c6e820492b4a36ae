import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALAW_SILENCE,
  alawDecode,
  alawEncode,
  MULAW_SILENCE,
  mulawDecode,
  mulawEncode,
} from '../src/index.js';
import { fixturePath } from './fixtures.js';

const everySample = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const everyCode = Uint8Array.from({ length: 256 }, (_, i) => i);

function decodeTruth(file: string): Int16Array {
  const bytes = readFileSync(fixturePath(`g711/${file}`));
  const truth = new Int16Array(256);
  for (let i = 0; i < 256; i++) truth[i] = bytes.readInt16LE(i * 2);
  return truth;
}

describe.each([
  {
    law: 'mu-law',
    encode: mulawEncode,
    decode: mulawDecode,
    silence: MULAW_SILENCE,
    encodeFile: 'mulaw-encode.bin',
    decodeFile: 'mulaw-decode.s16le',
    encodeSha: '90c29de505fb68e766118303bd552a16005dcf810873698bee1d8f3b247ce28c',
  },
  {
    law: 'A-law',
    encode: alawEncode,
    decode: alawDecode,
    silence: ALAW_SILENCE,
    encodeFile: 'alaw-encode.bin',
    decodeFile: 'alaw-decode.s16le',
    encodeSha: '38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b',
  },
])('G.711 $law', ({ law, encode, decode, silence, encodeFile, decodeFile, encodeSha }) => {
  it('encodes all 65 536 inputs exactly as the ITU-T G.191 table', () => {
    const truth = new Uint8Array(readFileSync(fixturePath(`g711/${encodeFile}`)));
    const codes = encode(everySample);
    const mismatches = codes.reduce((n, code, i) => n + (code === truth[i] ? 0 : 1), 0);
    expect(mismatches).toBe(0);
    expect(createHash('sha256').update(codes).digest('hex')).toBe(encodeSha);
  });

  it('decodes all 256 codes exactly as the ITU-T G.191 table', () => {
    expect(Array.from(decode(everyCode))).toEqual(Array.from(decodeTruth(decodeFile)));
  });

  it('gives back every code when a decoded value is encoded again', () => {
    const changed = Array.from(encode(decode(everyCode)))
      .map((code, i) => [i, code])
      .filter(([i, code]) => i !== code);
    // mu-law has a negative zero (0x7f) that decodes to 0, and 0 encodes as
    // positive zero; A-law has no such pair.
    expect(changed).toEqual(law === 'mu-law' ? [[0x7f, 0xff]] : []);
  });

  it('encodes silence as its silence byte', () => {
    expect(encode(new Int16Array(4))).toEqual(new Uint8Array(4).fill(silence));
  });

  it('writes into a caller buffer without allocating a result', () => {
    const out = new Uint8Array(8).fill(7);
    const returned = encode(new Int16Array([0, 1000, -1000]), out);
    expect(returned).toBe(out);
    expect(out[3]).toBe(7);
    const pcm = new Int16Array(8);
    expect(decode(out.subarray(0, 3), pcm)).toBe(pcm);
    expect(pcm[0]).toBe(decode(new Uint8Array([silence]))[0]);
  });

  it('rejects an output buffer that is too small', () => {
    expect(() => encode(new Int16Array(4), new Uint8Array(3))).toThrow(RangeError);
    expect(() => decode(new Uint8Array(4), new Int16Array(3))).toThrow(/holds 3 samples/);
  });
});

/** True on little-endian hosts, where PCM16 LE bytes can be viewed in place as Int16Array. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads little-endian 16-bit PCM bytes as samples.
 *
 * Without `output`, aligned input on a little-endian host is returned as a
 * view over the same memory (no copy; writes show through both ways). A
 * Node.js Buffer from a socket is often at an odd offset; then the bytes are
 * copied. With `output`, samples are always copied into it.
 *
 * @throws RangeError when the byte count is odd (half a sample).
 */
export function pcm16FromBytes(bytes: Uint8Array, output?: Int16Array): Int16Array {
  if (bytes.length % 2 !== 0) {
    throw new RangeError(`PCM16 needs an even number of bytes, got ${bytes.length}`);
  }
  const count = bytes.length / 2;
  if (output === undefined && HOST_IS_LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  }
  const samples = output ?? new Int16Array(count);
  if (samples.length < count) {
    throw new RangeError(`output holds ${samples.length} samples, ${count} are needed`);
  }
  for (let i = 0; i < count; i++) {
    const value = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    samples[i] = value;
  }
  return samples;
}

/**
 * Writes samples as little-endian 16-bit PCM bytes.
 *
 * Without `output` on a little-endian host this is a view over the samples'
 * memory (no copy). With `output` (at least 2 bytes per sample), bytes are
 * copied into it.
 */
export function pcm16ToBytes(samples: Int16Array, output?: Uint8Array): Uint8Array {
  const byteLength = samples.length * 2;
  if (output === undefined && HOST_IS_LITTLE_ENDIAN) {
    return new Uint8Array(samples.buffer, samples.byteOffset, byteLength);
  }
  const bytes = output ?? new Uint8Array(byteLength);
  if (bytes.length < byteLength) {
    throw new RangeError(`output holds ${bytes.length} bytes, ${byteLength} are needed`);
  }
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i]!;
    bytes[2 * i] = value & 0xff;
    bytes[2 * i + 1] = (value >> 8) & 0xff;
  }
  return bytes;
}

/** Converts 16-bit samples to floats in [-1, 1). */
export function pcm16ToFloat32(samples: Int16Array, output?: Float32Array): Float32Array {
  const floats = output ?? new Float32Array(samples.length);
  if (floats.length < samples.length) {
    throw new RangeError(`output holds ${floats.length} samples, ${samples.length} are needed`);
  }
  for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
  return floats;
}

/** Converts floats to 16-bit samples, rounding and clamping to [-32768, 32767]. */
export function float32ToPcm16(samples: Float32Array, output?: Int16Array): Int16Array {
  const ints = output ?? new Int16Array(samples.length);
  if (ints.length < samples.length) {
    throw new RangeError(`output holds ${ints.length} samples, ${samples.length} are needed`);
  }
  for (let i = 0; i < samples.length; i++) {
    const value = Math.round(samples[i]! * 32768);
    ints[i] = Math.min(Math.max(value, -32768), 32767);
  }
  return ints;
}

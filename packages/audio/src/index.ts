/**
 * @patchbay/audio: the sound path of a phone call, in plain TypeScript with
 * no runtime dependencies. G.711 codecs, streaming resamplers, PCM framing,
 * and WAV files for examples and tests.
 */
export { ALAW_SILENCE } from './g711/alaw.js';
export { alawDecode, alawEncode, mulawDecode, mulawEncode } from './g711/g711.js';
export { MULAW_SILENCE } from './g711/mulaw.js';
export {
  createByteFramer,
  createFramer,
  type Framer,
  type FramerOptions,
} from './pcm/framer.js';
export { float32ToPcm16, pcm16FromBytes, pcm16ToBytes, pcm16ToFloat32 } from './pcm/pcm16.js';
export { type AudioEncoding, samplesPerDuration, silence } from './pcm/silence.js';
export {
  createResampler,
  type Resampler,
  type ResamplerEngine,
  type ResamplerFormat,
  type ResamplerOptions,
  type ResamplerQuality,
} from './resample/resampler.js';
export { readWav, type WavAudio, WavFormatError, type WavInput, writeWav } from './wav/wav.js';

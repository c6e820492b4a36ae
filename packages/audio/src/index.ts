export { ALAW_SILENCE } from './g711/alaw.js';
export { alawDecode, alawEncode, mulawDecode, mulawEncode } from './g711/g711.js';
export { MULAW_SILENCE } from './g711/mulaw.js';
export {
  createResampler,
  type Resampler,
  type ResamplerFormat,
  type ResamplerOptions,
  type ResamplerQuality,
} from './resample/resampler.js';

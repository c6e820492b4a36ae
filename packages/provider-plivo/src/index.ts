/** @patchbay/provider-plivo: Plivo Voice and audio streaming for Patchbay. */
export type { PlivoClientSettings } from './plivo-client.js';
export { type PlivoConfig, type PlivoConfigInput, plivoConfigSchema } from './plivo-config.js';
export { plivoInbound } from './plivo-inbound.js';
export {
  conferenceXml,
  decodePlivoExtraHeaders,
  encodePlivoExtraHeaders,
  plivoTransferConferenceName,
  rejectXml,
  streamXml,
} from './plivo-markup.js';
export { PLIVO_AUDIO, PlivoMediaSerializer } from './plivo-media-serializer.js';
export { type PlivoSettings, plivo } from './plivo-provider.js';
export {
  computePlivoV3Signature,
  plivoV3SigningString,
  verifyPlivoSignature,
} from './plivo-signature.js';
export { PLIVO_CALL_STATUSES } from './plivo-status.js';
export { VERSION } from './version.js';

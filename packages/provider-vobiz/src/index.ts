/** @patchbay/provider-vobiz: Vobiz Voice and audio streaming for Patchbay. */

export { VERSION } from './version.js';
export type { VobizClientSettings } from './vobiz-client.js';
export { type VobizConfig, type VobizConfigInput, vobizConfigSchema } from './vobiz-config.js';
export { vobizInbound } from './vobiz-inbound.js';
export {
  conferenceXml,
  rejectXml,
  streamXml,
  vobizTransferConferenceName,
} from './vobiz-markup.js';
export { VOBIZ_AUDIO, VobizMediaSerializer } from './vobiz-media-serializer.js';
export { type VobizSettings, vobiz } from './vobiz-provider.js';
export {
  computeVobizSignature,
  type VerifiedVobizSignature,
  VOBIZ_SIGNATURE_HEADERS,
  type VobizSignatureScheme,
  type VobizSigningKeys,
  verifyVobizSignatures,
  vobizRequestFingerprint,
  vobizSigningString,
} from './vobiz-signature.js';
export { VOBIZ_CALL_STATUSES } from './vobiz-status.js';

/** @patchbay/provider-telnyx: Telnyx Call Control and media streaming for Patchbay. */

export type { TelnyxClientSettings } from './telnyx-client.js';
export { decodeClientState, encodeClientState } from './telnyx-client-state.js';
export { type TelnyxConfig, type TelnyxConfigInput, telnyxConfigSchema } from './telnyx-config.js';
export { telnyxInbound } from './telnyx-inbound.js';
export { TELNYX_AUDIO, TelnyxMediaSerializer } from './telnyx-media-serializer.js';
export { type TelnyxSettings, telnyx } from './telnyx-provider.js';
export {
  TELNYX_SIGNATURE_TOLERANCE_SECONDS,
  telnyxPublicKeyBytes,
  verifyTelnyxSignature,
} from './telnyx-signature.js';
export { normalizeTelnyxEventType, telnyxHangupStatus } from './telnyx-status.js';
export { VERSION } from './version.js';

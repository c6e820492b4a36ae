/** @patchbay/provider-vonage: Vonage Voice API and WebSockets for Patchbay. */

export { VERSION } from './version.js';
export { basicAuthorization, type VonageClientSettings } from './vonage-client.js';
export { type VonageConfig, type VonageConfigInput, vonageConfigSchema } from './vonage-config.js';
export { vonageInbound } from './vonage-inbound.js';
export {
  unverifiedVonageClaims,
  type VonageSignatureExpectations,
  VonageTokenMinter,
  verifyVonageWebhook,
} from './vonage-jwt.js';
export { VONAGE_AUDIO, VonageMediaSerializer } from './vonage-media-serializer.js';
export { refusalNcco, websocketNcco } from './vonage-ncco.js';
export { type VonageSettings, vonage } from './vonage-provider.js';
export { VONAGE_CALL_STATUSES } from './vonage-status.js';

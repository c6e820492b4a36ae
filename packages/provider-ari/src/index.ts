/** @patchbay/provider-ari: Asterisk through ARI (Stasis application, chan_websocket media) for Patchbay. */
export {
  type AriConfig,
  type AriConfigInput,
  ariConfigSchema,
  ariConnectionFields,
  ariConnectionUiFields,
} from './ari-config.js';
export { ariFetch, callAri, callAriIgnoringMissing, connectAri } from './ari-connection.js';
export { AriEventSource, type AriReconnectPolicy } from './ari-event-source.js';
export { ARI_AUDIO, AriMediaSerializer, parseAsteriskControl } from './ari-media-serializer.js';
export {
  bridgeId,
  decodeMediaArgument,
  dialString,
  encodeMediaArgument,
  mediaChannelId,
  transferChannelId,
  transportData,
} from './ari-naming.js';
export {
  type AriSettings,
  ari,
  asteriskSetupChecklist,
  createAsteriskProvider,
} from './ari-provider.js';
export {
  type AriChannelEnd,
  ariChannelStatus,
  ariEndStatus,
  ariTransferStatus,
} from './ari-status.js';
export {
  type AsteriskTarget,
  ariTarget,
  stasisApplication,
  withStasisApplication,
} from './asterisk-target.js';
export { VERSION } from './version.js';

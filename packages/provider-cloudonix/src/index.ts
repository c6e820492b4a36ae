/** @patchbay/provider-cloudonix: Cloudonix (bring your own SIP) for Patchbay. */

export type { CloudonixListedTrunk } from './cloudonix-api-types.js';
export { verifyCloudonixApiKey } from './cloudonix-auth.js';
export type { CloudonixClientSettings } from './cloudonix-client.js';
export {
  CLOUDONIX_REGIONS,
  type CloudonixConfig,
  type CloudonixConfigInput,
  type CloudonixRegion,
  type CloudonixTrunk,
  cloudonixConfigSchema,
  cloudonixTrunkSchema,
  normalizeCloudonixDomain,
} from './cloudonix-config.js';
export { cloudonixInbound } from './cloudonix-inbound.js';
export {
  connectStreamCxml,
  rejectCxml,
  transferCallerCxml,
  transferDestinationCxml,
} from './cloudonix-markup.js';
export { CLOUDONIX_AUDIO, CloudonixMediaSerializer } from './cloudonix-media-serializer.js';
export { type CloudonixSettings, cloudonix } from './cloudonix-provider.js';
export { CLOUDONIX_CALL_STATUSES } from './cloudonix-status.js';
export {
  type DesiredTrunk,
  desiredTrunk,
  pinnedTrunk,
  trunkUpdate,
} from './cloudonix-trunks.js';
export { VERSION } from './version.js';

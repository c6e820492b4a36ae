/** @patchbay/provider-three-cx: 3CX through an Asterisk bridge provisioned in PostgreSQL, for Patchbay. */
export {
  type AraRows,
  araRows,
  deprovisionThreeCx,
  provisionThreeCx,
  threeCxEndpointId,
  threeCxStasisApplication,
} from './ara-provisioning.js';
export { type DialplanRow, dialplanRows, type StripRule, stripRule } from './dialplan.js';
export { endpointId, MAX_ENDPOINT_ID_LENGTH } from './endpoint-id.js';
export { type ThreeCxConfig, threeCxConfigSchema } from './three-cx-config.js';
export { type ThreeCxSettings, threeCx, threeCxTarget } from './three-cx-provider.js';
export { VERSION } from './version.js';

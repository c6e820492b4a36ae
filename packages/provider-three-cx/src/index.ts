/** @patchbay/provider-three-cx: 3CX through an Asterisk bridge provisioned in PostgreSQL, for Patchbay. */
export {
  type AraRows,
  araRows,
  deprovisionThreeCx,
  provisionThreeCx,
  removeRegistration,
  threeCxEndpointId,
  threeCxStasisApplication,
} from './ara-provisioning.js';
export { REGISTRATION_MODULE, reloadRegistrations } from './asterisk-registrations.js';
export {
  INBOUND_CONTEXT,
  INBOUND_DIALPLAN,
  outboundNumber,
  STASIS_VARIABLE,
  type StripRule,
  stripRule,
} from './dialplan.js';
export { endpointId, MAX_ENDPOINT_ID_LENGTH } from './endpoint-id.js';
export {
  type ThreeCxConfig,
  type ThreeCxConfigInput,
  threeCxConfigSchema,
} from './three-cx-config.js';
export { type ThreeCxSettings, threeCx, threeCxTarget } from './three-cx-provider.js';
export { VERSION } from './version.js';

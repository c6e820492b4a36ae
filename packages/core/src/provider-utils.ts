/**
 * @patchbay/core/provider-utils: building blocks for writing a carrier
 * package (media codecs and the JSON media dialect, the Plivo-style XML
 * dialect, webhook response and markup helpers, status mapping, carrier
 * response readers, setup checklists). Hosts do not need them: everything a
 * host calls is in `@patchbay/core`.
 */

export { type CallStatusMapper, createCallStatusMapper } from './calls/call-status.js';
export {
  conferenceTransferRoute,
  type PlivoStyleFields,
  parsePlivoStyleInbound,
  parsePlivoStyleMachineDetection,
  parsePlivoStyleStatusCallback,
  parsePlivoStyleTransferCallback,
  plivoStyleConferenceXml,
  plivoStyleRejectXml,
  plivoStyleStreamXml,
  transferStatusFromHangupCause,
} from './dialects/plivo-style.js';
export {
  PLIVO_STYLE_AUDIO,
  PlivoStyleMediaSerializer,
  type PlivoStyleStreamOptions,
} from './dialects/plivo-style-media.js';
export { carrierNumber, carrierText, readCarrierResponse } from './http/carrier-response.js';
export { decodeHexParameters, encodeHexParameters } from './http/hex-parameters.js';
export { webhookParameters } from './http/webhook-request.js';
export { escapeXml } from './http/webhook-response.js';
export {
  Base64G711Codec,
  checkMediaMessage,
  dtmfEvent,
  type G711Law,
  JsonMediaReader,
  mediaPayloadOf,
  readJsonMediaMessage,
} from './media/json-media.js';
export {
  JsonMediaSerializer,
  type JsonMediaSerializerOptions,
} from './media/json-media-serializer.js';
export { rejectsAsBusy } from './provider/inbound-rejection.js';
export { callerIdChecklist, setupChecklist } from './provider/setup-checklist.js';

/**
 * @patchbay/core: the contract every Patchbay carrier package implements and
 * every host builds on.
 */

export {
  CALL_STATUSES,
  type CallStatus,
  isCallStatus,
  isTerminalCallStatus,
  TERMINAL_CALL_STATUSES,
} from './calls/call-status.js';
export type {
  AnsweredBy,
  AnsweringMachineResult,
  CallCost,
  CallDetails,
  CallDirection,
  CallInitiation,
  CallStatusUpdate,
  InboundCall,
  OwnedPhoneNumber,
  SyncResult,
  TransferRequest,
  TransferResult,
  TransferStatus,
} from './calls/call-types.js';
export { CarrierApiError } from './errors/carrier-api-error.js';
export { ConfigurationError, type ConfigurationIssue } from './errors/configuration-error.js';
export { InvalidPayloadError } from './errors/invalid-payload-error.js';
export { PatchbayError, type PatchbayErrorOptions } from './errors/patchbay-error.js';
export { PayloadTooLargeError } from './errors/payload-too-large-error.js';
export {
  type TelephonyFeature,
  UnsupportedFeatureError,
  type UnsupportedWarning,
} from './errors/unsupported-feature-error.js';
export {
  type SignatureFailureReason,
  WebhookSignatureError,
} from './errors/webhook-signature-error.js';
export {
  type NodeRequestOptions,
  readNodeBody,
  readNodeRequest,
  writeNodeResponse,
} from './http/node-http.js';
export {
  createMemoryReplayGuard,
  type MemoryReplayGuardOptions,
  type ReplayGuard,
} from './http/replay-guard.js';
export {
  createWebhookRequest,
  type WebhookRequest,
  type WebhookRequestInit,
} from './http/webhook-request.js';
export {
  emptyResponse,
  jsonResponse,
  type WebhookResponse,
  xmlResponse,
} from './http/webhook-response.js';
export { type Logger, silentLogger } from './logger.js';
export {
  CallRecorder,
  type CallRecorderOptions,
  type MediaTap,
  type RecordingSink,
} from './media/call-recording.js';
export { type CarrierSocket, SOCKET_OPEN, toCarrierMessage } from './media/carrier-socket.js';
export {
  type BridgeClock,
  createMediaBridge,
  type MediaAgent,
  type MediaBridge,
  type MediaBridgeEndReason,
  type MediaBridgeOptions,
  type MediaHealth,
  type MediaStreamInfo,
} from './media/media-bridge.js';
export type {
  CarrierMessage,
  MediaAudioEvent,
  MediaDtmfEvent,
  MediaEvent,
  MediaMarkEvent,
  MediaSerializer,
  MediaSerializerOptions,
  MediaStartEvent,
  MediaStopEvent,
  WireAudioFormat,
} from './media/media-serializer.js';
export {
  type NormalizeOptions,
  normalizePhoneAddress,
  type PhoneAddress,
  type PhoneAddressType,
} from './phone/phone-address.js';
export type { InboundRejectionReason } from './provider/inbound-rejection.js';
export type { ProviderEvent } from './provider/provider-event.js';
export type {
  InboundDecision,
  ProviderEventHandlers,
  ProviderEventSource,
} from './provider/provider-event-source.js';
export type {
  InboundHandler,
  ProviderConfigBase,
  ProviderContext,
  ProviderHookContext,
  ProviderHooks,
  ProviderRoute,
  ProviderRouteContext,
  ProviderSpec,
  ServerManagedField,
} from './provider/provider-spec.js';
export type {
  ConfigurationState,
  SetupChecklist,
  SetupStep,
  SipConnectivity,
} from './provider/setup-checklist.js';
export { SUPPORTED_SPECIFICATION_VERSIONS } from './provider/specification-version.js';
export type {
  AnswerCallRequest,
  AnsweringMachineDetectionRequest,
  ConnectTransferRequest,
  CredentialCheck,
  InboundBinding,
  PlaceCallRequest,
  ProviderCapabilities,
  TelephonyProvider,
} from './provider/telephony-provider.js';
export type { UiField, UiFieldType } from './provider/ui-field.js';
export {
  createRegistry,
  type InboundMatch,
  type ProviderConfigInput,
  type ProviderConfigOf,
  type ProviderDescription,
  type ProviderRegistry,
  type SaveContext,
} from './registry/registry.js';
export { isMaskOf, maskSecret } from './registry/secret-mask.js';
export { VERSION } from './version.js';

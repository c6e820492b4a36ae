/**
 * @patchbay/testkit: what a Patchbay carrier package tests itself with.
 */
export {
  type AriChannel,
  type AriMediaSession,
  type AriRequest,
  type AriSimulator,
  type AriSimulatorOptions,
  type OriginateOutcome,
  speakOnAriMedia,
  startAriSimulator,
} from './ari-simulator.js';
export {
  type AsteriskRecording,
  type AsteriskRecordingStep,
  asteriskRecordingNames,
  loadAsteriskRecording,
} from './asterisk-recordings.js';
export {
  type CarrierApiServer,
  type CarrierReply,
  type CarrierRouteHandler,
  type RecordedRequest,
  startCarrierApiServer,
  TEST_CA_CERT_PATH,
} from './carrier-api-server.js';
export {
  type CarrierMediaSession,
  connectCarrierMedia,
  loadTranscript,
  type TranscriptEntry,
} from './media-transcript.js';
export { describeProviderContract, type ProviderContractFixtures } from './provider-contract.js';
export {
  exerciseMediaUrl,
  freePort,
  type MediaUrlExercise,
  plivoStyleStream,
  type ReadmeHost,
  type ReadmeHostOptions,
  startReadmeHost,
} from './readme-host.js';
export {
  startTestDatabase,
  type TestDatabase,
  type TestDatabaseOptions,
} from './test-database.js';
export { startWebSocketHost, type WebSocketHost } from './websocket-host.js';

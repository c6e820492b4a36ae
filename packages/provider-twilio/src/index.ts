/** @patchbay/provider-twilio: Twilio Programmable Voice and Media Streams for Patchbay. */
export type { TwilioClientSettings } from './twilio-client.js';
export {
  type TwilioConfig,
  type TwilioConfigInput,
  twilioConfig,
  twilioConfigSchema,
} from './twilio-config.js';
export { twilioInbound } from './twilio-inbound.js';
export {
  conferenceTwiml,
  connectStreamTwiml,
  rejectTwiml,
  transferConferenceName,
} from './twilio-markup.js';
export { TWILIO_AUDIO, TwilioMediaSerializer } from './twilio-media-serializer.js';
export { type TwilioSettings, twilio } from './twilio-provider.js';
export {
  computeTwilioSignature,
  twilioUrlVariants,
  verifyTwilioSignature,
} from './twilio-signature.js';
export { TWILIO_CALL_STATUSES } from './twilio-status.js';
export { VERSION } from './version.js';

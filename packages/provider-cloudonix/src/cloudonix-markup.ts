import { escapeXml } from '@patchbay/core/provider-utils';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** CXML that connects the call to a media stream (CXML `<Connect><Stream>`, Twilio-compatible). */
export function connectStreamCxml(
  mediaStreamUrl: string,
  customParameters: Readonly<Record<string, string>> = {},
): string {
  const parameters = Object.entries(customParameters)
    .map(([name, value]) => `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('');
  return `${XML_DECLARATION}<Response><Connect><Stream url="${escapeXml(mediaStreamUrl)}">${parameters}</Stream></Connect></Response>`;
}

/** Refuses an inbound call without a word about the host's configuration. */
export function rejectCxml(busy: boolean): string {
  return `${XML_DECLARATION}<Response><Reject reason="${busy ? 'busy' : 'rejected'}"/></Response>`;
}

/** The conference a transfer meets in, derived from its id. */
export function cloudonixTransferConference(transferId: string): string {
  return `patchbay-transfer-${transferId}`;
}

/** The destination leg: joins the conference and reports when it does. */
export function transferDestinationCxml(
  conference: string,
  callbackUrl: string,
  announcement?: string,
): string {
  const say = announcement ? `<Say>${escapeXml(announcement)}</Say>` : '';
  return `${XML_DECLARATION}<Response>${say}<Dial><Conference endConferenceOnExit="true" statusCallback="${escapeXml(callbackUrl)}" statusCallbackEvent="join" holdMusic="false">${escapeXml(conference)}</Conference></Dial></Response>`;
}

/** The caller's leg, moved into the transfer's conference. */
export function transferCallerCxml(conference: string): string {
  return `${XML_DECLARATION}<Response><Dial><Conference endConferenceOnExit="true" beep="false" holdMusic="false">${escapeXml(conference)}</Conference></Dial><Hangup/></Response>`;
}

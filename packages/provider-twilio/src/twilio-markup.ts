import { escapeXml } from '@patchbay/core/provider-utils';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * TwiML that connects the call to a bidirectional Media Stream (TwiML Voice:
 * `<Connect><Stream>`). `<Parameter>`s arrive in the stream's start event as
 * `customParameters`. Twilio drops query strings from the stream URL, so any
 * token must be in its path.
 */
export function connectStreamTwiml(options: {
  readonly mediaStreamUrl: string;
  readonly statusCallbackUrl?: string;
  readonly customParameters?: Readonly<Record<string, string>>;
}): string {
  const callback = options.statusCallbackUrl
    ? ` statusCallback="${escapeXml(options.statusCallbackUrl)}" statusCallbackMethod="POST"`
    : '';
  const parameters = Object.entries(options.customParameters ?? {})
    .map(([name, value]) => `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('');
  return `${XML_DECLARATION}<Response><Connect><Stream url="${escapeXml(options.mediaStreamUrl)}"${callback}>${parameters}</Stream></Connect></Response>`;
}

/**
 * Refuses an incoming call without answering it (`<Reject>`), so the caller
 * is not billed and hears a busy signal or a disconnect, never a message about
 * the host's configuration.
 */
export function rejectTwiml(reason: 'busy' | 'rejected'): string {
  return `${XML_DECLARATION}<Response><Reject reason="${reason}"/></Response>`;
}

/** Joins the call to a conference that ends when this participant leaves. */
export function conferenceTwiml(name: string, announcement?: string): string {
  const say = announcement ? `<Say>${escapeXml(announcement)}</Say>` : '';
  return `${XML_DECLARATION}<Response>${say}<Dial><Conference endConferenceOnExit="true" beep="false">${escapeXml(name)}</Conference></Dial></Response>`;
}

/** The conference a transfer meets in: derived from its id, so no state is needed to find it. */
export function transferConferenceName(transferId: string): string {
  return `patchbay-transfer-${transferId}`;
}

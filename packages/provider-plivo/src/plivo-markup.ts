import {
  decodeHexParameters,
  encodeHexParameters,
  plivoStyleConferenceXml,
  plivoStyleRejectXml,
  plivoStyleStreamXml,
} from '@patchbay/core/provider-utils';

// Plivo's <Stream extraHeaders> is at most 512 bytes of alphanumerics.
const EXTRA_HEADERS_LIMIT = 512;

/**
 * Custom parameters as `extraHeaders`. Plivo allows only alphanumerics, so
 * names must be alphanumeric and every value travels hex-encoded (UTF-8);
 * {@link decodePlivoExtraHeaders} reverses it.
 */
export function encodePlivoExtraHeaders(parameters: Readonly<Record<string, string>>): string {
  return encodeHexParameters(parameters, {
    source: 'Plivo stream parameters',
    maxLength: EXTRA_HEADERS_LIMIT,
  });
}

/** Reads the `extra_headers` Plivo sends back in the stream's start event. */
export function decodePlivoExtraHeaders(
  header: string | Record<string, unknown> | undefined,
): Record<string, string> {
  return decodeHexParameters(header);
}

/** Plivo XML that streams the call both ways over a WebSocket (the Stream element). */
export function streamXml(options: {
  readonly mediaStreamUrl: string;
  readonly statusCallbackUrl?: string;
  readonly customParameters?: Readonly<Record<string, string>>;
}): string {
  return plivoStyleStreamXml({ carrier: 'Plivo', ...options });
}

/** Refuses a call without answering it (`<Hangup reason>`). */
export const rejectXml = plivoStyleRejectXml;

/** Joins the call to a conference that ends when this participant leaves. */
export function conferenceXml(name: string, announcement?: string): string {
  return plivoStyleConferenceXml(name, announcement, 'enterSound="" exitSound=""');
}

/** The conference a transfer meets in, derived from its id. */
export function plivoTransferConferenceName(transferId: string): string {
  return `patchbay-transfer-${transferId}`;
}

import { escapeXml, InvalidPayloadError } from '@patchbay/core';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const ALPHANUMERIC = /^[A-Za-z0-9]+$/;
// Plivo's <Stream extraHeaders> is at most 512 bytes of alphanumerics.
const EXTRA_HEADERS_LIMIT = 512;

/**
 * Custom parameters as `extraHeaders`. Plivo allows only alphanumerics, so
 * names must be alphanumeric and every value travels hex-encoded (UTF-8);
 * {@link decodePlivoExtraHeaders} reverses it.
 */
export function encodePlivoExtraHeaders(parameters: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(parameters).map(([name, value]) => {
    if (!ALPHANUMERIC.test(name)) {
      throw new InvalidPayloadError(
        'Plivo stream parameters',
        `parameter name "${name}" must be letters and digits only`,
      );
    }
    return `${name}=${Buffer.from(value, 'utf8').toString('hex')}`;
  });
  const header = pairs.join(',');
  if (header.length > EXTRA_HEADERS_LIMIT) {
    throw new InvalidPayloadError(
      'Plivo stream parameters',
      `they take ${header.length} bytes encoded; Plivo allows ${EXTRA_HEADERS_LIMIT}`,
    );
  }
  return header;
}

/** Reads the `extra_headers` Plivo sends back in the stream's start event. */
export function decodePlivoExtraHeaders(
  header: string | Record<string, unknown> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined || header === '') return out;
  const pairs =
    typeof header === 'string'
      ? header.split(/[,;]/).map((pair) => pair.split('=') as [string, string | undefined])
      : Object.entries(header).map(([key, value]) => [key, String(value)] as [string, string]);
  for (const [rawName, value = ''] of pairs) {
    // Plivo may prefix custom headers (X-PH-); the name is what follows.
    const name = rawName.trim().replace(/^x-ph-/i, '');
    if (!name) continue;
    out[name] = /^(?:[0-9a-f]{2})*$/i.test(value)
      ? Buffer.from(value, 'hex').toString('utf8')
      : value;
  }
  return out;
}

/** Plivo XML that streams the call both ways over a WebSocket ("Stream XML element"). */
export function streamXml(options: {
  readonly mediaStreamUrl: string;
  readonly statusCallbackUrl?: string;
  readonly customParameters?: Readonly<Record<string, string>>;
}): string {
  const callback = options.statusCallbackUrl
    ? ` statusCallbackUrl="${escapeXml(options.statusCallbackUrl)}" statusCallbackMethod="POST"`
    : '';
  const extra =
    Object.keys(options.customParameters ?? {}).length > 0
      ? ` extraHeaders="${encodePlivoExtraHeaders(options.customParameters!)}"`
      : '';
  return `${XML_DECLARATION}<Response><Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000"${callback}${extra}>${escapeXml(options.mediaStreamUrl)}</Stream></Response>`;
}

/** Refuses a call without answering it: `<Hangup reason>` ("Hangup XML element"). */
export function rejectXml(reason: 'busy' | 'rejected'): string {
  return `${XML_DECLARATION}<Response><Hangup reason="${reason}"/></Response>`;
}

/** Joins the call to a conference that ends when this participant leaves. */
export function conferenceXml(name: string, announcement?: string): string {
  const speak = announcement ? `<Speak>${escapeXml(announcement)}</Speak>` : '';
  return `${XML_DECLARATION}<Response>${speak}<Conference endConferenceOnExit="true" enterSound="" exitSound="">${escapeXml(name)}</Conference></Response>`;
}

/** The conference a transfer meets in, derived from its id. */
export function plivoTransferConferenceName(transferId: string): string {
  return `patchbay-transfer-${transferId}`;
}

/** What a provider answers a carrier's request with, independent of any web framework. */
export interface WebhookResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An XML document (TwiML, Plivo XML, Cloudonix CXML), status 200 unless given. */
export function xmlResponse(document: string, status = 200): WebhookResponse {
  return { status, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: document };
}

/** A JSON body (NCCO, acknowledgements), status 200 unless given. */
export function jsonResponse(value: unknown, status = 200): WebhookResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

/** No body, e.g. 204 after a status callback. */
export function emptyResponse(status = 204): WebhookResponse {
  return { status, headers: {}, body: '' };
}

/** Escapes text for an XML attribute or element. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

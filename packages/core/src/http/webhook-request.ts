import { InvalidPayloadError } from '../errors/invalid-payload-error.js';

/**
 * A carrier's HTTP request, independent of any web framework. Hosts build it
 * with {@link createWebhookRequest}; providers read it and never see the
 * framework. Signature checks work on `url` and `rawBody` byte for byte.
 */
export interface WebhookRequest {
  /** Upper-case method, e.g. `POST`. */
  readonly method: string;
  /**
   * The full public URL the carrier requested and signed: scheme, host, path
   * and query, as the carrier saw it (not the host's internal address behind
   * a proxy).
   */
  readonly url: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body exactly as received. */
  readonly rawBody: Uint8Array;
  /** Fields of an `application/x-www-form-urlencoded` body, in order, repeats kept. */
  readonly form: URLSearchParams | undefined;
  /** The parsed value of an `application/json` body. */
  readonly json: unknown;
  /** The query string's parameters. */
  readonly query: URLSearchParams;
}

/** What a host knows about a request before Patchbay parses it. */
export interface WebhookRequestInit {
  readonly method: string;
  /** Public URL as the carrier signed it; see {@link WebhookRequest.url}. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: Uint8Array | string;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Builds a {@link WebhookRequest}: lower-cases headers, keeps the raw body,
 * and parses it by its content type.
 *
 * @throws InvalidPayloadError when the URL is not absolute, the body claims
 * to be JSON and is not, or a field holds a NUL character.
 */
export function createWebhookRequest(init: WebhookRequestInit): WebhookRequest {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(init.url);
  } catch (cause) {
    throw new InvalidPayloadError('webhook request', `URL must be absolute, got "${init.url}"`, {
      cause,
    });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  const rawBody =
    init.body === undefined
      ? new Uint8Array(0)
      : typeof init.body === 'string'
        ? new TextEncoder().encode(init.body)
        : init.body;

  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  let form: URLSearchParams | undefined;
  let json: unknown;
  if (rawBody.length > 0) {
    const text = textDecoder.decode(rawBody);
    if (mediaType === 'application/x-www-form-urlencoded') {
      form = new URLSearchParams(text);
    } else if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw new InvalidPayloadError('webhook request', 'body is not valid JSON', { cause });
      }
    }
  }
  const field = nulField(form, json, parsedUrl.searchParams);
  if (field !== undefined)
    throw new InvalidPayloadError(
      'webhook request',
      `${field === '' ? 'the body' : `field "${field}"`} contains a NUL character, which no carrier sends`,
    );
  return {
    method: init.method.toUpperCase(),
    // Kept exactly as given: URL normalization (default ports, escapes) would break signatures.
    url: init.url,
    headers,
    rawBody,
    form,
    json,
    query: parsedUrl.searchParams,
  };
}

/**
 * The first field (name or value) holding a NUL character: text no carrier
 * sends and PostgreSQL cannot store, so it is refused before anyone reads it.
 */
function nulField(
  form: URLSearchParams | undefined,
  json: unknown,
  query: URLSearchParams,
): string | undefined {
  for (const params of [form, query]) {
    if (params === undefined) continue;
    for (const [key, value] of params) if (key.includes('\0') || value.includes('\0')) return key;
  }
  const visit = (value: unknown, key: string): string | undefined => {
    if (typeof value === 'string') return value.includes('\0') ? key : undefined;
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [name, inner] of Object.entries(value)) {
      if (name.includes('\0')) return name;
      const found = visit(inner, name);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(json, '');
}

/** The body's parameters as one flat record: form fields, else JSON object fields, else query. */
export function webhookParameters(request: WebhookRequest): Record<string, string> {
  const out: Record<string, string> = {};
  if (request.form) {
    for (const [key, value] of request.form) out[key] = value;
  } else if (
    typeof request.json === 'object' &&
    request.json !== null &&
    !Array.isArray(request.json)
  ) {
    for (const [key, value] of Object.entries(request.json)) {
      if (value === null || value === undefined) continue;
      out[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  } else {
    for (const [key, value] of request.query) out[key] = value;
  }
  return out;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError } from '../errors/payload-too-large-error.js';
import { createWebhookRequest, type WebhookRequest } from './webhook-request.js';
import type { WebhookResponse } from './webhook-response.js';

/** How to learn the public URL a carrier used for a request reaching node:http. */
export interface NodeRequestOptions {
  /**
   * The public origin carriers reach this server at, e.g.
   * `https://voice.example.com`. The request's path and query are appended.
   * This is the safe choice behind a proxy: nothing is taken from headers.
   */
  readonly publicOrigin: string;
  /** Largest body accepted, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a node:http request's body, at most `maxBodyBytes` of it (1 MiB by
 * default). A larger body is refused by its Content-Length before a byte is
 * read, else as soon as it passes the limit; either way the request is not
 * destroyed, so the host can still answer 413 on it (with
 * `connection: close`, which ends the rest of the upload).
 *
 * @throws PayloadTooLargeError
 */
export function readNodeBody(
  request: IncomingMessage,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<Uint8Array> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    request.resume();
    return Promise.reject(new PayloadTooLargeError(maxBodyBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        reject(new PayloadTooLargeError(maxBodyBytes));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    request.on('error', reject);
  });
}

/**
 * Reads a node:http request into a {@link WebhookRequest}.
 *
 * @throws PayloadTooLargeError when the body is larger than allowed
 * @throws InvalidPayloadError when it is not valid JSON, or holds a NUL character
 */
export async function readNodeRequest(
  request: IncomingMessage,
  options: NodeRequestOptions,
): Promise<WebhookRequest> {
  const body = await readNodeBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const origin = options.publicOrigin.replace(/\/+$/, '');
  return createWebhookRequest({
    method: request.method ?? 'GET',
    url: `${origin}${request.url ?? '/'}`,
    headers: request.headers,
    body,
  });
}

/** Writes a {@link WebhookResponse} to a node:http response and ends it. */
export function writeNodeResponse(
  response: ServerResponse,
  webhookResponse: WebhookResponse,
): void {
  response.writeHead(webhookResponse.status, webhookResponse.headers);
  response.end(webhookResponse.body);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
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

/**
 * Reads a node:http request into a {@link WebhookRequest}.
 *
 * @throws InvalidPayloadError when the body is larger than allowed or not valid JSON.
 */
export async function readNodeRequest(
  request: IncomingMessage,
  options: NodeRequestOptions,
): Promise<WebhookRequest> {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      throw new InvalidPayloadError('webhook request', `body is larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  const origin = options.publicOrigin.replace(/\/+$/, '');
  return createWebhookRequest({
    method: request.method ?? 'GET',
    url: `${origin}${request.url ?? '/'}`,
    headers: request.headers,
    body: new Uint8Array(Buffer.concat(chunks)),
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

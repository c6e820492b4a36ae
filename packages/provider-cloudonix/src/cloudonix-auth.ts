import { timingSafeEqual } from 'node:crypto';
import { type WebhookRequest, WebhookSignatureError } from '@patchbay/core';

/**
 * Cloudonix signs nothing. It sends the domain's API key in `x-cx-apikey`, so
 * a request is accepted when that header equals the configured key (compared
 * in constant time) and refused otherwise. The original platform logged a
 * mismatch and accepted the request anyway.
 *
 * @throws WebhookSignatureError
 */
export function verifyCloudonixApiKey(bearerToken: string, request: WebhookRequest): void {
  const given = request.headers['x-cx-apikey'];
  if (!given) {
    throw new WebhookSignatureError('cloudonix', 'missing', {
      url: request.url,
      checkedParameters: ['x-cx-apikey'],
      hint: 'Cloudonix requests carry the API key in x-cx-apikey',
    });
  }
  const a = Buffer.from(given);
  const b = Buffer.from(bearerToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new WebhookSignatureError('cloudonix', 'mismatch', {
      url: request.url,
      checkedParameters: ['x-cx-apikey'],
      hint: 'The request carries another API key than this configuration',
    });
  }
}

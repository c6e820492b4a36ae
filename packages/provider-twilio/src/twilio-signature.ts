import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse, stringify } from 'node:querystring';
import { type WebhookRequest, WebhookSignatureError } from '@patchbay/core';

/**
 * Twilio's request signature ("Webhooks security"): HMAC-SHA1 keyed with the
 * Auth Token over the full URL followed by every POST parameter, names
 * sorted, each name immediately followed by its value (a repeated name once
 * per value, values sorted), base64-encoded.
 */
export function computeTwilioSignature(
  authToken: string,
  url: string,
  parameters: Iterable<readonly [string, string]>,
): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of parameters) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of byName.get(name)!.sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

const URL_PARTS = /^(https?):\/\/([^/?#]*?)(:\d+)?([/?#].*)?$/i;

/**
 * The URLs Twilio may have signed for one received URL: as received, without
 * its port, and with the scheme's default port. Twilio's own SDKs accept all
 * three, because proxies add or drop `:443`.
 */
export function twilioUrlVariants(url: string): string[] {
  const match = URL_PARTS.exec(url);
  if (!match) return [url];
  const [, scheme, host, port, rest = ''] = match;
  const withoutPort = `${scheme}://${host}${rest}`;
  const defaultPort = scheme!.toLowerCase() === 'https' ? ':443' : ':80';
  const withDefaultPort = `${scheme}://${host}${defaultPort}${rest}`;
  return [...new Set([url, port ? withoutPort : withDefaultPort])];
}

/**
 * The URL as the WHATWG parser writes it (an apostrophe in the query becomes
 * `%27`), and that again with the query re-encoded as Node's legacy
 * `querystring` would: forms a back end may have signed, which Twilio's Node
 * SDK accepts too, tried only after the URL as received.
 */
function normalizedUrls(url: string): string[] {
  let normalized: string;
  try {
    normalized = new URL(url).toString();
  } catch {
    return [];
  }
  const urls = [normalized];
  const query = normalized.indexOf('?');
  if (query !== -1 && query < normalized.length - 1)
    urls.push(`${normalized.slice(0, query)}?${stringify(parse(normalized.slice(query + 1)))}`);
  return urls.flatMap(twilioUrlVariants);
}

function equalSignatures(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies `X-Twilio-Signature` on a webhook, as Twilio signed it.
 *
 * Form bodies are signed through their parameters. A JSON body is signed
 * through the URL's `bodySHA256` parameter (the hex SHA-256 of the body),
 * with no parameters.
 *
 * @throws WebhookSignatureError naming the URL and the parameters checked.
 */
export function verifyTwilioSignature(authToken: string, request: WebhookRequest): void {
  const given = request.headers['x-twilio-signature'];
  if (!given) {
    throw new WebhookSignatureError('twilio', 'missing', {
      url: request.url,
      hint: 'The X-Twilio-Signature header is absent; every Twilio webhook carries one',
    });
  }
  const bodyHash = request.query.get('bodySHA256');
  let parameters: [string, string][];
  if (bodyHash !== null) {
    const actual = createHash('sha256').update(request.rawBody).digest('hex');
    if (!equalSignatures(actual, bodyHash.toLowerCase())) {
      throw new WebhookSignatureError('twilio', 'mismatch', {
        url: request.url,
        checkedParameters: ['bodySHA256'],
        hint: 'The body does not hash to the bodySHA256 in the URL',
      });
    }
    parameters = [];
  } else {
    parameters = request.form ? [...request.form] : [];
  }
  // As Twilio signs (every value), then as Twilio's Node SDK checks (a value repeated under
  // one name counted once): a repeated identical value adds nothing a signature could protect.
  const parameterSets = [parameters, withoutRepeatedValues(parameters)];
  const urls = [...twilioUrlVariants(request.url), ...normalizedUrls(request.url)];
  for (const url of new Set(urls)) {
    for (const set of parameterSets)
      if (equalSignatures(computeTwilioSignature(authToken, url, set), given)) return;
  }
  throw new WebhookSignatureError('twilio', 'mismatch', {
    url: request.url,
    checkedParameters: [...new Set(parameters.map(([name]) => name))].sort(),
    hint: 'Twilio signs the exact public URL it was given: check the scheme, host, path and query order behind any proxy',
  });
}

/** The parameters with each value repeated under one name kept once. */
function withoutRepeatedValues(parameters: readonly [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return parameters.filter(([name, value]) => {
    const key = `${name}\u0000${value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

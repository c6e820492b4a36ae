import { InvalidPayloadError } from '../errors/invalid-payload-error.js';

const ALPHANUMERIC = /^[A-Za-z0-9]+$/;
const HEX = /^(?:[0-9a-f]{2})*$/i;

/**
 * Custom parameters as `name=hex,name=hex`, for carriers whose stream
 * element passes only letters and digits through to the socket (Plivo's and
 * Vobiz's `extraHeaders`): names must be alphanumeric, values travel as the
 * hex of their UTF-8. {@link decodeHexParameters} reverses it.
 *
 * @throws InvalidPayloadError for a name that is not alphanumeric, or a result over `maxLength`
 */
export function encodeHexParameters(
  parameters: Readonly<Record<string, string>>,
  options: { readonly source: string; readonly maxLength: number },
): string {
  const pairs = Object.entries(parameters).map(([name, value]) => {
    if (!ALPHANUMERIC.test(name)) {
      throw new InvalidPayloadError(
        options.source,
        `parameter name "${name}" must be letters and digits only`,
      );
    }
    return `${name}=${Buffer.from(value, 'utf8').toString('hex')}`;
  });
  const encoded = pairs.join(',');
  if (encoded.length > options.maxLength) {
    throw new InvalidPayloadError(
      options.source,
      `they take ${encoded.length} bytes encoded; at most ${options.maxLength} are allowed`,
    );
  }
  return encoded;
}

/**
 * Reads parameters back from a stream's start message: a `k=v,k=v` string
 * (`;` also separates) or an object. Hex values are decoded; anything else
 * is kept as sent. A carrier's prefix on custom headers (`X-PH-`) is dropped.
 */
export function decodeHexParameters(
  encoded: string | Readonly<Record<string, unknown>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (encoded === undefined || encoded === '') return out;
  const pairs =
    typeof encoded === 'string'
      ? encoded.split(/[,;]/).map((pair) => pair.split('=') as [string, string | undefined])
      : Object.entries(encoded).map(([key, value]) => [key, String(value)] as [string, string]);
  for (const [rawName, value = ''] of pairs) {
    const name = rawName.trim().replace(/^x-ph-/i, '');
    if (!name) continue;
    out[name] = HEX.test(value) ? Buffer.from(value, 'hex').toString('utf8') : value;
  }
  return out;
}

import { createHash } from 'node:crypto';
import { ConfigurationError } from '@patchbay/core';

/**
 * Asterisk's realtime `context` columns are VARCHAR(40) and the longest
 * context is `<id>-outbound`, so an endpoint id has at most 31 characters.
 */
export const MAX_ENDPOINT_ID_LENGTH = 40 - '-outbound'.length;

/**
 * The PJSIP id (auth, AOR, endpoint, registration) of one 3CX extension:
 * `patchbay_<domain slug>_<extension>`, readable in `pjsip show endpoints`.
 * Domains too long for that get `pb_<10 hex of the slug's SHA-256>_<extension>`,
 * still unique per domain and stable across saves.
 *
 * @throws ConfigurationError when even the short form exceeds 31 characters
 */
export function endpointId(sipDomain: string, extension: string): string {
  const slug = sipDomain
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const ext = extension.replace(/[^A-Za-z0-9]/g, '');
  if (slug === '' || ext === '')
    throw new ConfigurationError(
      'The 3CX SIP domain and extension must contain letters or digits',
      {
        code: 'invalid_endpoint_id',
      },
    );
  const readable = `patchbay_${slug}_${ext}`;
  if (readable.length <= MAX_ENDPOINT_ID_LENGTH) return readable;
  const short = `pb_${createHash('sha256').update(slug).digest('hex').slice(0, 10)}_${ext}`;
  if (short.length <= MAX_ENDPOINT_ID_LENGTH) return short;
  throw new ConfigurationError(
    `The 3CX extension ${JSON.stringify(extension)} is too long for an Asterisk endpoint id (${MAX_ENDPOINT_ID_LENGTH} characters at most)`,
    { code: 'invalid_endpoint_id' },
  );
}

/**
 * Telnyx carries `client_state` (base64) through a call: every webhook and the
 * media stream's start event return it. Patchbay puts the host's custom
 * parameters there as JSON.
 */
export function encodeClientState(
  parameters: Readonly<Record<string, string>>,
): string | undefined {
  return Object.keys(parameters).length === 0
    ? undefined
    : Buffer.from(JSON.stringify(parameters), 'utf8').toString('base64');
}

/** Reads custom parameters back from `client_state`; anything that is not Patchbay's JSON gives none. */
export function decodeClientState(state: string | null | undefined): Record<string, string> {
  if (!state) return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(state, 'base64').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(
      Object.entries(value).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  } catch {
    return {};
  }
}

// Channels and bridges are named after what they are, so any process reading
// the events can tell how they relate without shared state.

export const EXT_PREFIX = 'patchbay-ext-';
export const TRANSFER_PREFIX = 'patchbay-xfer-';
export const BRIDGE_PREFIX = 'patchbay-bridge-';
export const OUTBOUND_ARG = 'patchbay-out';
export const TRANSFER_ARG = 'patchbay-transfer';

export const mediaChannelId = (callerId: string) => `${EXT_PREFIX}${callerId}`;
export const bridgeId = (callerId: string) => `${BRIDGE_PREFIX}${callerId}`;
export const transferChannelId = (transferId: string) => `${TRANSFER_PREFIX}${transferId}`;

/**
 * The `;2` half of a Local channel Patchbay originated (ARI names it
 * `<id>;2`). It runs the dialplan, not a call of ours, yet its events reach
 * the application.
 */
export const isLocalSecondHalf = (channelId: string) => channelId.endsWith(';2');

/** encodeURIComponent leaves `!'()*` as they are; chan_websocket's `v(...)` cannot hold parentheses. */
const strictlyEncoded = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** The media URL's query (plus custom parameters) as the `v(...)` transport data of externalMedia. */
export function transportData(
  mediaStreamUrl: string,
  customParameters: Readonly<Record<string, string>> = {},
): string {
  const query = new URL(mediaStreamUrl).searchParams;
  for (const [name, value] of Object.entries(customParameters)) query.set(name, value);
  // chan_websocket splits v() on commas and appends the pairs as a query: each must be URL-safe.
  const pairs = [...query].map(
    ([name, value]) => `${strictlyEncoded(name)}=${strictlyEncoded(value)}`,
  );
  return `v(${pairs.join(',')})`;
}

/** Carries the media URL through `appArgs` (Asterisk splits on commas, so base64url). */
export const encodeMediaArgument = (mediaStreamUrl: string) =>
  Buffer.from(mediaStreamUrl, 'utf8').toString('base64url');
export const decodeMediaArgument = (argument: string) =>
  Buffer.from(argument, 'base64url').toString('utf8');

/** The dial string for a destination: a channel string as is, anything else through the template. */
export function dialString(template: string, destination: string): string {
  return /^(PJSIP|SIP|IAX2|DAHDI|Local)\//i.test(destination)
    ? destination
    : template.replace('{to}', destination);
}

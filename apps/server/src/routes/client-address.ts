import { isIP } from 'node:net';

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

/**
 * The address of the client behind a request, for logs: the socket's peer,
 * unless that peer is a trusted proxy, in which case X-Forwarded-For is read
 * from the right, past every trusted proxy, to the first address that is not
 * one. Untrusted peers cannot make the server believe a forwarded address.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: readonly string[],
): string | undefined {
  if (peer === undefined) return undefined;
  const trusted = new Set(trustedProxies.map(plain));
  let client = plain(peer);
  if (!trusted.has(client) || forwardedFor === undefined) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => plain(hop.trim()));
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index]!;
    // Garbage in the header ends the walk at the last address we could vouch for.
    if (isIP(hop) === 0) break;
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}

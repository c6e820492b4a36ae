import { describe, expect, it } from 'vitest';
import { clientAddress } from '../src/routes/client-address.js';

describe('clientAddress', () => {
  it('is the peer when the peer is not a trusted proxy, whatever it forwards', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', [])).toBe('203.0.113.9');
    expect(clientAddress('203.0.113.9', '198.51.100.1', ['10.0.0.1'])).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', undefined, [])).toBe('203.0.113.9');
  });

  it('reads X-Forwarded-For from the right, past trusted proxies only', () => {
    const trusted = ['10.0.0.1', '10.0.0.2'];
    expect(clientAddress('10.0.0.1', '198.51.100.7', trusted)).toBe('198.51.100.7');
    // The leftmost entry is the client's own claim: a spoofed one is not reached.
    expect(clientAddress('10.0.0.1', '1.2.3.4, 198.51.100.7, 10.0.0.2', trusted)).toBe(
      '198.51.100.7',
    );
    expect(clientAddress('::ffff:10.0.0.1', ['198.51.100.7', '10.0.0.2'], trusted)).toBe(
      '198.51.100.7',
    );
    expect(clientAddress('10.0.0.1', 'not-an-ip, 10.0.0.2', trusted)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.1', undefined, trusted)).toBe('10.0.0.1');
  });
});

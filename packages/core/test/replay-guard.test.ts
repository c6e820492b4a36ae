import { describe, expect, it } from 'vitest';
import { createMemoryReplayGuard, InvalidPayloadError } from '../src/index.js';
import { decodeHexParameters, encodeHexParameters } from '../src/provider-utils.js';

describe('createMemoryReplayGuard', () => {
  it('admits a new nonce and a retry of the same request, refuses it with another', async () => {
    const guard = createMemoryReplayGuard();
    expect(await guard.admit('vobiz:MA1:123', 'request-a', 60)).toBe(true);
    expect(await guard.admit('vobiz:MA1:123', 'request-a', 60)).toBe(true);
    expect(await guard.admit('vobiz:MA1:123', 'request-b', 60)).toBe(false);
    expect(await guard.admit('vobiz:MA2:123', 'request-b', 60)).toBe(true);
  });

  it('forgets a nonce once its time is up', async () => {
    let now = 1_000_000;
    const guard = createMemoryReplayGuard({ now: () => now });
    await guard.admit('n', 'a', 10);
    now += 9_999;
    expect(await guard.admit('n', 'b', 10)).toBe(false);
    now += 2;
    expect(await guard.admit('n', 'b', 10)).toBe(true);
  });

  it('keeps at most maxEntries nonces, dropping the oldest', async () => {
    const guard = createMemoryReplayGuard({ maxEntries: 2 });
    await guard.admit('first', 'a', 60);
    await guard.admit('second', 'a', 60);
    await guard.admit('third', 'a', 60);
    expect(await guard.admit('first', 'other', 60)).toBe(true);
    expect(await guard.admit('third', 'other', 60)).toBe(false);
  });
});

describe('hex parameters', () => {
  it('round-trips UTF-8 values through letters and digits only', () => {
    const encoded = encodeHexParameters(
      { agent: 'échο', campaign: 'spring sale' },
      { source: 'test', maxLength: 512 },
    );
    expect(encoded).toMatch(/^[A-Za-z0-9=,]+$/);
    expect(decodeHexParameters(encoded)).toEqual({ agent: 'échο', campaign: 'spring sale' });
  });

  it('refuses names with other characters, and results over the limit', () => {
    expect(() => encodeHexParameters({ 'a-b': '1' }, { source: 'test', maxLength: 512 })).toThrow(
      InvalidPayloadError,
    );
    expect(() =>
      encodeHexParameters({ a: 'x'.repeat(300) }, { source: 'test', maxLength: 512 }),
    ).toThrow(/602 bytes encoded; at most 512/);
  });

  it('reads objects, prefixed names and values that are not hex', () => {
    expect(decodeHexParameters({ 'X-PH-agent': '6563686f', plain: 'not hex' })).toEqual({
      agent: 'echo',
      plain: 'not hex',
    });
    expect(decodeHexParameters(undefined)).toEqual({});
  });
});

import { CarrierApiError, InvalidPayloadError } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import { callAri } from '../src/index.js';

describe('callAri', () => {
  it('turns Asterisk failures into typed carrier errors, 404 for not found', async () => {
    const error = await callAri(
      'get call',
      async () => {
        throw new Error('{"message":"Channel not found"}');
      },
      'three_cx',
    ).catch((caught: unknown) => caught);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'three_cx', operation: 'get call', statusCode: 404 });
  });

  it('lets a Patchbay error from preparing the call through as it is', async () => {
    const refused = new InvalidPayloadError('destination', 'not a number');
    await expect(
      callAri('originate', async () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
  });
});

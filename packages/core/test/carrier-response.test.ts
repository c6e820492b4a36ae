import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CarrierApiError, InvalidPayloadError } from '../src/index.js';
import { carrierNumber, carrierText, readCarrierResponse } from '../src/provider-utils.js';

const where = { provider: 'acme', operation: 'get call' };
const call = z.looseObject({ id: z.string(), price: carrierNumber(), note: carrierText() });

describe('readCarrierResponse', () => {
  it('passes fields it does not read and reads numbers and text leniently', () => {
    expect(
      readCarrierResponse(call, { id: 'c1', price: '0.0102', note: '', extra: [1] }, where),
    ).toEqual({ id: 'c1', price: 0.0102, note: undefined, extra: [1] });
    expect(readCarrierResponse(call, { id: 'c1', price: 3, note: null }, where)).toEqual({
      id: 'c1',
      price: 3,
      note: undefined,
    });
  });

  it('names every field that does not fit, as a 502 that is not retried', () => {
    const error = (() => {
      try {
        return readCarrierResponse(call, { price: 'free', note: 7 }, where);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(CarrierApiError.isInstance(error)).toBe(true);
    const carrierError = error as CarrierApiError;
    expect(carrierError).toMatchObject({ httpStatus: 502, isRetryable: false, provider: 'acme' });
    expect(carrierError.message).toMatch(
      /^acme get call failed: .*id: .*price: expected a number.*note: /,
    );
    expect(InvalidPayloadError.isInstance(carrierError.cause)).toBe(true);
    expect((carrierError.cause as InvalidPayloadError).source).toBe('acme get call response');
  });
});

import { describe, expect, it, vi } from 'vitest';
import {
  CarrierApiError,
  ConfigurationError,
  InvalidPayloadError,
  PatchbayError,
  UnsupportedFeatureError,
  WebhookSignatureError,
} from '../src/index.js';

describe('Patchbay errors', () => {
  it('carry a stable code and an HTTP status', () => {
    expect(new ConfigurationError('bad')).toMatchObject({
      code: 'configuration_invalid',
      httpStatus: 422,
    });
    expect(new InvalidPayloadError('x', 'y')).toMatchObject({
      code: 'invalid_payload',
      httpStatus: 400,
    });
    expect(new UnsupportedFeatureError('acme', 'transfer')).toMatchObject({
      code: 'unsupported_feature',
      httpStatus: 501,
    });
    expect(new WebhookSignatureError('acme', 'missing', { url: 'https://h/x' })).toMatchObject({
      code: 'webhook_signature_invalid',
      httpStatus: 401,
    });
    expect(
      new CarrierApiError({
        provider: 'acme',
        operation: 'place call',
        message: 'no',
        statusCode: 401,
      }),
    ).toMatchObject({ code: 'carrier_auth_failed', httpStatus: 502 });
  });

  it('derive retryability from the carrier status', () => {
    const retryable = (statusCode?: number) =>
      new CarrierApiError({
        provider: 'p',
        operation: 'o',
        message: 'm',
        ...(statusCode === undefined ? {} : { statusCode }),
      }).isRetryable;
    expect([408, 409, 429, 500, 503].map(retryable)).toEqual([true, true, true, true, true]);
    expect([400, 401, 404, 422].map(retryable)).toEqual([false, false, false, false]);
    expect(retryable(undefined)).toBe(true);
  });

  it('say which URL and parameters a signature check covered, never values', () => {
    const error = new WebhookSignatureError('twilio', 'mismatch', {
      url: 'https://voice.example.com/telephony/twilio/status',
      checkedParameters: ['CallSid', 'CallStatus'],
    });
    expect(error.message).toBe(
      'twilio webhook signature does not match for https://voice.example.com/telephony/twilio/status (checked parameters: CallSid, CallStatus)',
    );
    expect(error.toJSON()).toMatchObject({
      reason: 'mismatch',
      checkedParameters: ['CallSid', 'CallStatus'],
    });
  });

  it('are recognised across two copies of the package', async () => {
    vi.resetModules();
    const copy = await import('../src/errors/configuration-error.js?copy' as string);
    const foreign = new copy.ConfigurationError('from another copy');
    expect(foreign).not.toBeInstanceOf(ConfigurationError);
    expect(PatchbayError.isInstance(foreign)).toBe(true);
    expect(ConfigurationError.isInstance(foreign)).toBe(true);
    expect(InvalidPayloadError.isInstance(foreign)).toBe(false);
    expect(PatchbayError.isInstance(new Error('plain'))).toBe(false);
  });

  it('keep the cause', () => {
    const cause = new Error('socket hang up');
    expect(
      new CarrierApiError({ provider: 'p', operation: 'o', message: 'm' }, { cause }).cause,
    ).toBe(cause);
  });
});

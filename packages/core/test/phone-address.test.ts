import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, normalizePhoneAddress } from '../src/index.js';

const canonical = (raw: string, options = {}) => normalizePhoneAddress(raw, options).canonical;

describe('normalizePhoneAddress', () => {
  it('keeps E.164 numbers written with +, whatever the default country', () => {
    expect(normalizePhoneAddress('+1 (978) 991-1885')).toEqual({
      canonical: '+19789911885',
      type: 'pstn',
    });
    // The original rewrote this as +9114155551234.
    expect(canonical('+14155551234', { defaultCountry: 'IN' })).toBe('+14155551234');
  });

  it('reads the 00 international prefix as +', () => {
    // The original produced +4444207946011 here.
    expect(canonical('0044 20 7946 0110', { defaultCountry: 'GB' })).toBe('+442079460110');
    expect(canonical('00 1 415 555 0100')).toBe('+14155550100');
  });

  it('completes national numbers with the default country, dropping a trunk 0', () => {
    expect(normalizePhoneAddress('080 4307 1383', { defaultCountry: 'in' })).toEqual({
      canonical: '+918043071383',
      type: 'pstn',
      country: 'IN',
    });
    expect(canonical('020 7946 0110', { defaultCountry: 'GB' })).toBe('+442079460110');
    expect(canonical('(415) 555-0100', { defaultCountry: 'US' })).toBe('+14155550100');
    // An Indian mobile that starts with 91 is still national: too short to include the code.
    expect(canonical('9123456789', { defaultCountry: 'IN' })).toBe('+919123456789');
    // Long enough to include it: already international.
    expect(canonical('919123456789', { defaultCountry: 'IN' })).toBe('+919123456789');
    expect(canonical('14155550100', { defaultCountry: 'US' })).toBe('+14155550100');
  });

  it('treats bare digits as international when the carrier sends them so', () => {
    expect(canonical('14155550100', { digitsAreInternational: true })).toBe('+14155550100');
  });

  it('normalizes SIP URIs: scheme and host lower-cased, default port dropped, user kept', () => {
    expect(normalizePhoneAddress('SIP:Alice@Example.COM:5060;Transport=TCP')).toEqual({
      canonical: 'sip:Alice@example.com;transport=tcp',
      type: 'sip-uri',
    });
    expect(canonical('sips:Bob@PBX.example.com:5061')).toBe('sips:Bob@pbx.example.com');
    expect(canonical('sip:100@10.0.0.5:5080')).toBe('sip:100@10.0.0.5:5080');
    expect(canonical('sip:gateway.example.com')).toBe('sip:gateway.example.com');
  });

  it('keeps short numbers and names as extensions', () => {
    expect(normalizePhoneAddress('Ext 101')).toEqual({ canonical: 'ext 101', type: 'extension' });
    expect(normalizePhoneAddress('1001')).toEqual({ canonical: '1001', type: 'extension' });
  });

  it('keeps PBX dial strings as written: Asterisk contexts and endpoints are case-sensitive', () => {
    expect(normalizePhoneAddress('Local/100@Callee-Mixed/n')).toEqual({
      canonical: 'Local/100@Callee-Mixed/n',
      type: 'channel',
    });
    expect(normalizePhoneAddress(' PJSIP/Alice@Office ')).toEqual({
      canonical: 'PJSIP/Alice@Office',
      type: 'channel',
    });
  });

  it('refuses, when strict, numbers their country’s numbering plan says cannot exist', () => {
    const strict = { strict: true };
    expect(canonical('+1 415 555 0100', strict)).toBe('+14155550100');
    expect(canonical('020 7946 0110', { ...strict, defaultCountry: 'GB' })).toBe('+442079460110');
    // One digit short of a US number, and a calling code no country has.
    expect(() => normalizePhoneAddress('+1 415 555 010', strict)).toThrow(
      /not a possible \+1 number/,
    );
    expect(() => normalizePhoneAddress('+999 1234 5678', strict)).toThrow(/no known country/);
    expect(() => normalizePhoneAddress('415 555 010', { ...strict, defaultCountry: 'US' })).toThrow(
      /wrong length/,
    );
    // Not strict: as carriers send them.
    expect(canonical('+1 415 555 010')).toBe('+1415555010');
  });

  it('gives typed errors for what it cannot normalize', () => {
    expect(() => normalizePhoneAddress('   ')).toThrow(InvalidPayloadError);
    expect(() => normalizePhoneAddress('4155550100')).toThrow(/national number/);
    expect(() => normalizePhoneAddress('4155550100', { defaultCountry: 'XX' })).toThrow(
      /unknown country/,
    );
    expect(() => normalizePhoneAddress('+1234567')).toThrow(/8 to 15/);
    expect(() => normalizePhoneAddress('+1234567890123456')).toThrow(/8 to 15/);
    // @ts-expect-error: not a string
    expect(() => normalizePhoneAddress(null)).toThrow(InvalidPayloadError);
  });
});

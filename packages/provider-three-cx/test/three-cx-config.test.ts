import { createRegistry, silentLogger } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import {
  endpointId,
  INBOUND_CONTEXT,
  INBOUND_DIALPLAN,
  MAX_ENDPOINT_ID_LENGTH,
  outboundNumber,
  stripRule,
  threeCx,
  threeCxConfigSchema,
  threeCxTarget,
} from '../src/index.js';
import { threeCxConfig } from './fixtures.js';

describe('endpoint ids', () => {
  it('slug the domain and keep the extension’s letters and digits (the reference’s examples)', () => {
    expect(endpointId('1156.3cx.cloud', '12611')).toBe('patchbay_1156_3cx_cloud_12611');
    expect(endpointId('ACME.PBX.3CX.cloud', '200')).toBe('patchbay_acme_pbx_3cx_cloud_200');
    expect(endpointId('foo..bar--baz', '9')).toBe('patchbay_foo_bar_baz_9');
  });

  it('shorten long domains to a stable hash so every context fits VARCHAR(40)', () => {
    // The reference's failing case: 36 characters, a 45-character outbound context.
    const id = endpointId('sales.mycompany.my3cx.eu', '1000');
    expect(id).toMatch(/^pb_[0-9a-f]{10}_1000$/);
    expect(id).toBe(endpointId('SALES.mycompany.my3cx.eu', '1000'));
    expect(id).not.toBe(endpointId('support.mycompany.my3cx.eu', '1000'));
    expect(`${id}-outbound`.length).toBeLessThanOrEqual(40);
    expect(MAX_ENDPOINT_ID_LENGTH).toBe(31);
  });

  it('refuse what cannot make an id', () => {
    expect(() => endpointId('...', '12')).toThrow(/letters or digits/);
    expect(() => endpointId('pbx.example.com', 'x'.repeat(20))).toThrow(/too long/);
  });
});

describe('strip prefixes', () => {
  it.each([
    ['', undefined],
    ['^\\+39', '+39'],
    ['^+39', '+39'],
    ['^\\+1', '+1'],
  ])('%j strips %j', (prefix, stripped) => {
    expect(stripRule(prefix)).toEqual({ prefix: stripped });
  });

  it.each(['^\\+[0-9]{2}', '\\+39', '^\\+39$', '^39', '^\\+39|^\\+41'])(
    'refuses %j, which is not a literal prefix',
    (prefix) => {
      expect(() => stripRule(prefix)).toThrow(/Unsupported strip_prefix/);
    },
  );

  it('strips the prefix from matching numbers and passes every other number on', () => {
    const rule = stripRule('^\\+39');
    expect(outboundNumber('+390612345678', rule)).toBe('0612345678');
    expect(outboundNumber('+4930123456', rule)).toBe('+4930123456');
    expect(outboundNumber('200', rule)).toBe('200');
    expect(outboundNumber('+39', rule)).toBe('+39');
  });

  it('routes every endpoint through one static context, by the variable its endpoint sets', () => {
    expect(INBOUND_DIALPLAN).toContain(`[${INBOUND_CONTEXT}]`);
    expect(INBOUND_DIALPLAN).toContain('exten => _X.,1,Stasis(${PATCHBAY_STASIS})');
  });
});

describe('configuration', () => {
  const submitted = {
    provider: 'three_cx',
    ari_endpoint: 'http://asterisk.example.com:8088/',
    app_name: 'patchbay',
    app_password: 'ari-secret',
    ws_client_name: 'patchbay',
    sip_domain: '  1156.3CX.Cloud ',
    extension: ' 12611 ',
    sip_password: '3cx-sip-secret',
  };

  it('trims and lower-cases the domain, trims the extension, and fills the defaults', () => {
    expect(threeCxConfigSchema.parse(submitted)).toEqual({
      ...submitted,
      ari_endpoint: 'http://asterisk.example.com:8088',
      sip_domain: '1156.3cx.cloud',
      extension: '12611',
      strip_prefix: '',
      from_numbers: [],
      transport_name: 'transport-udp',
    });
  });

  it('names the field that is wrong', () => {
    const issues = (value: Record<string, unknown>) =>
      threeCxConfigSchema
        .safeParse({ ...submitted, ...value })
        .error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues({ strip_prefix: '^\\+[0-9]{2}' })).toEqual([
      ['strip_prefix', expect.stringMatching(/Unsupported strip_prefix/)],
    ]);
    expect(issues({ extension: '12 611' })?.[0]?.[0]).toBe('extension');
    expect(issues({ extension: 'x'.repeat(30) })).toEqual([
      ['extension', expect.stringMatching(/too long for an Asterisk endpoint id/)],
    ]);
    expect(issues({ sip_domain: 'pbx example.com' })?.[0]?.[0]).toBe('sip_domain');
    // A 3CX on another port than 5060 is a domain with its port.
    expect(issues({ sip_domain: 'pbx.example.com:5070' })).toBeUndefined();
    expect(issues({ ws_client_name: '' })?.[0]?.[0]).toBe('ws_client_name');
  });

  it('masks both passwords on read and keys accounts by extension', () => {
    const registry = createRegistry([threeCx()], { logger: silentLogger });
    const masked = registry.maskConfig(threeCxConfig());
    expect(JSON.stringify(masked)).not.toContain('3cx-sip-secret');
    expect(JSON.stringify(masked)).not.toContain('"secret"');
    expect(registry.accountIdOf(threeCxConfig())).toBe('12611');
  });

  it('dials the endpoint directly, prefix stripped, and refuses anything that is not a number', () => {
    const target = threeCxTarget(threeCxConfig());
    expect(target.dialString('+390612345678')).toBe(
      'PJSIP/0612345678@patchbay_1156_3cx_cloud_12611',
    );
    expect(target.dialString('200')).toBe('PJSIP/200@patchbay_1156_3cx_cloud_12611');
    for (const bad of ['200@other-context', '1/2', '', '+39 06 1234'])
      expect(() => target.dialString(bad)).toThrow(/not a number or extension/);
  });
});

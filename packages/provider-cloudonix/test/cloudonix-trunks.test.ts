/** Outbound trunks, against a local server that answers as Cloudonix's trunk API does. */
import { createRegistry, silentLogger } from '@patchbay/core';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CloudonixConfig,
  cloudonix,
  cloudonixConfigSchema,
  pinnedTrunk,
} from '../src/index.js';
import { cloudonixConfig } from './fixtures.js';

let carrier: CarrierApiServer;
let trunks: Record<string, unknown>[];
beforeEach(async () => {
  carrier = await startCarrierApiServer();
  trunks = [];
  carrier.route('GET', '/customers/self/domains/:domain', { json: { uuid: 'd1e2' } });
  // A small stateful trunk store, as Cloudonix keeps one per domain.
  carrier.route('GET', '/domains/:domain/trunks', () => ({ json: trunks }));
  carrier.route('POST', '/domains/:domain/trunks', (r) => {
    const created = {
      ...(r.parsedBody as Record<string, unknown>),
      uuid: `trunk-${trunks.length + 1}`,
      active: true,
    };
    trunks.push(created);
    return { status: 201, json: created };
  });
  carrier.route('PUT', '/domains/:domain/trunks/:uuid', (r) => {
    const trunk = trunks.find((t) => t['uuid'] === r.params['uuid']);
    if (!trunk) return { status: 404, json: { message: 'no such trunk' } };
    Object.assign(trunk, r.parsedBody);
    return { json: trunk };
  });
});
afterEach(async () => carrier.close());

const KAT_TOKEN = 'secret-token';
const context = { logger: silentLogger, inboundWebhookUrl: 'https://voice.example.com/inbound' };
const registry = () => createRegistry([cloudonix({ baseUrl: carrier.url })]);
const base = {
  provider: 'cloudonix',
  bearer_token: KAT_TOKEN,
  domain_id: 'friendly-name.cloudonix.net',
  application_name: 'patchbay-app',
};
const save = async (submitted: Record<string, unknown>, stored?: CloudonixConfig) =>
  (await registry().prepareSave(submitted, stored, context)) as CloudonixConfig;
const trunkCalls = () => carrier.requests.filter((r) => r.path.includes('/trunks'));
const trunkRequests = () => trunkCalls().map((r) => `${r.method} ${r.path}`);

describe('trunks on save', () => {
  it('create one with the reference payload: one GET, one POST, its uuid stored server-side', async () => {
    const saved = await save({
      ...base,
      trunks: [{ name: 'dograh-carrier', region: 'India', sip_domain: 'sip.example.com' }],
    });
    expect(trunkRequests()).toEqual([
      'GET /domains/friendly-name.cloudonix.net/trunks',
      'POST /domains/friendly-name.cloudonix.net/trunks',
    ]);
    expect(trunkCalls()[1]!.body).toBe(
      '{"name":"dograh-carrier","ip":"128.199.27.19","port":9060,"transport":"udp","prefix":"","direction":"public-outbound","profile":{"domain":"sip.example.com","ruri-domain":"sip.example.com"}}',
    );
    expect(trunkCalls()[1]!.headers['authorization']).toBe(`Bearer ${KAT_TOKEN}`);
    expect(saved.trunk_ids).toEqual({ 'dograh-carrier': 'trunk-1' });
    expect(registry().maskConfig(saved)).not.toHaveProperty('trunk_ids');
  });

  it('update only what differs, keeping profile keys set at Cloudonix, and skip the PUT when nothing does', async () => {
    const first = await save({
      ...base,
      trunks: [{ name: 'carrier', region: 'Global', sip_domain: 'sip.example.com' }],
    });
    trunks[0]!['profile'] = { ...(trunks[0]!['profile'] as object), 'trunk-sip-headers': 'x' };
    trunks[0]!['port'] = '5060'; // Cloudonix may give numbers back as strings
    carrier.reset();
    await save({ ...base, trunks: first.trunks }, first);
    expect(trunkRequests()).toEqual(['GET /domains/friendly-name.cloudonix.net/trunks']);

    carrier.reset();
    await save(
      { ...base, trunks: [{ name: 'carrier', region: 'uae', sip_domain: 'pbx.example.com' }] },
      first,
    );
    expect(trunkRequests()).toEqual([
      'GET /domains/friendly-name.cloudonix.net/trunks',
      'PUT /domains/friendly-name.cloudonix.net/trunks/trunk-1',
    ]);
    expect(trunkCalls()[1]!.parsedBody).toEqual({
      name: 'carrier',
      ip: '20.233.60.70',
      port: 9081,
      transport: 'udp',
      prefix: '',
      direction: 'public-outbound',
      active: true,
      profile: {
        'trunk-sip-headers': 'x',
        domain: 'pbx.example.com',
        'ruri-domain': 'pbx.example.com',
      },
    });
  });

  it('deactivate only trunks whose uuid was stored, never one matched by name, and delete none', async () => {
    trunks.push({ uuid: 'theirs', name: 'legacy', direction: 'public-outbound', active: true });
    const saved = await save({
      ...base,
      trunks: [
        { name: 'carrier', region: 'Global', sip_domain: 'sip.example.com' },
        { name: 'legacy', region: 'Global', sip_domain: 'old.example.com' },
      ],
    });
    expect(saved.trunk_ids).toEqual({ carrier: 'trunk-2', legacy: 'theirs' });

    // Disabled: kept, inactive.
    const disabled = await save(
      {
        ...base,
        trunks: [
          { name: 'carrier', region: 'Global', sip_domain: 'sip.example.com', enabled: false },
        ],
      },
      { ...saved, trunk_ids: { carrier: 'trunk-2' } },
    );
    expect(trunks.find((t) => t['uuid'] === 'trunk-2')?.['active']).toBe(false);
    expect(trunks.find((t) => t['uuid'] === 'theirs')?.['active']).toBe(true);
    expect(disabled.trunk_ids).toEqual({ carrier: 'trunk-2' });

    // Deleting the configuration deactivates what it stored, and nothing else.
    trunks.find((t) => t['uuid'] === 'trunk-2')!['active'] = true;
    carrier.reset();
    await registry().get('cloudonix').hooks!.afterDelete!(disabled, context);
    expect(trunkRequests()).toEqual([
      'GET /domains/friendly-name.cloudonix.net/trunks',
      'PUT /domains/friendly-name.cloudonix.net/trunks/trunk-2',
    ]);
    expect(trunkCalls()[1]!.parsedBody).toEqual({ active: false });
    expect(trunks).toHaveLength(2);
  });

  it('refuse a name the domain uses for another direction', async () => {
    trunks.push({ uuid: 'in-1', name: 'carrier', direction: 'public-inbound', active: true });
    await expect(
      save({
        ...base,
        trunks: [{ name: 'carrier', region: 'Global', sip_domain: 's.example.com' }],
      }),
    ).rejects.toMatchObject({ code: 'trunk_name_taken' });
    expect(trunkRequests()).toEqual(['GET /domains/friendly-name.cloudonix.net/trunks']);
  });
});

describe('trunk settings', () => {
  const parse = (trunk: Record<string, unknown>) =>
    cloudonixConfigSchema.safeParse({ ...base, trunks: [trunk] });

  it('take regions in any case and refuse unknown ones, listing the choices', () => {
    expect(parse({ name: 'a', region: 'india', sip_domain: 's' }).data?.trunks[0]?.region).toBe(
      'India',
    );
    expect(parse({ name: 'a', region: 'Mars', sip_domain: 's' }).error?.issues[0]?.message).toBe(
      'unknown region "Mars": use one of Global, India, UAE',
    );
    expect(parse({ name: 'my trunk', region: 'Global', sip_domain: 's' }).success).toBe(false);
    expect(parse({ name: 'a', region: 'Global', sip_domain: '  ' }).success).toBe(false);
  });
});

describe('trunk pinning', () => {
  const config = (trunkList: unknown[]) =>
    cloudonixConfigSchema.parse({ ...cloudonixConfig, trunks: trunkList });
  const trunk = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    region: 'Global',
    sip_domain: 'sip.example.com',
    ...extra,
  });

  it('follows the caller ID’s trunk, else the only enabled one, else leaves it to Cloudonix', () => {
    expect(
      pinnedTrunk(
        config([trunk('a', { numbers: ['+1555'], enabled: false }), trunk('b')]),
        '+1555',
      ),
    ).toBeUndefined();
    expect(pinnedTrunk(config([trunk('a'), trunk('b', { enabled: false })]), '+1666')).toBe('a');
    expect(pinnedTrunk(config([trunk('a'), trunk('b')]), '+1666')).toBeUndefined();
    expect(pinnedTrunk(config([trunk('a'), trunk('b', { numbers: ['+1666'] })]), '+1666')).toBe(
      'b',
    );
  });

  it('puts the pinned trunk in the dial request, and no trunk key otherwise', async () => {
    carrier.route('POST', '/calls/:domain/application', { json: { token: 'sess-1' } });
    const request = {
      to: '+15551230002',
      from: '+15551230001',
      answerUrl: 'https://h/unused',
      statusCallbackUrl: 'https://h/status',
      mediaStreamUrl: 'wss://h/media',
    };
    const spec = cloudonix({ baseUrl: carrier.url });
    await spec.create(config([trunk('only')]), { logger: silentLogger }).placeCall(request);
    await spec.create(config([]), { logger: silentLogger }).placeCall(request);
    const bodies = carrier.requests.map((r) => r.parsedBody as Record<string, unknown>);
    expect(bodies[0]?.['trunk']).toBe('only');
    expect(bodies[1]).not.toHaveProperty('trunk');
  });
});

import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ConfigurationError,
  createMemoryReplayGuard,
  createRegistry,
  createWebhookRequest,
  maskSecret,
  type ProviderSpec,
  type UiField,
} from '../src/index.js';
import { ACME_TEST_CONFIG, type AcmeConfig, acme } from './example-provider.js';

const hookContext = {
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  inboundWebhookUrl: 'https://h/telephony/inbound',
  // These tests are about the pipeline; proving credentials has its own below.
  verifyCredentials: false,
};

const stored: AcmeConfig = {
  provider: 'acme',
  account_id: 'AC-1',
  api_key: 'key-0123456789abcdef',
  signing_secret: 'secret-0123456789',
  region: 'us',
  advanced: { sip_password: 'sip-pass-0123456789' },
  application_id: 'app-AC-1',
};

/** A second provider, for union and ordering tests. */
function zeta(): ProviderSpec<{ provider: 'zeta'; token: string }> {
  const base = acme() as unknown as ProviderSpec<{ provider: 'zeta'; token: string }>;
  return {
    ...base,
    name: 'zeta',
    displayName: 'Zeta',
    configSchema: z.object({ provider: z.literal('zeta'), token: z.string() }),
    ui: [{ name: 'token', label: 'Token', type: 'password', required: true, sensitive: true }],
    accountIdField: undefined as unknown as string,
    requiresCallerId: false,
    inbound: { ...base.inbound, matches: () => true },
  };
}

describe('createRegistry', () => {
  it('hands a provider everything the host put in its context', () => {
    const spec = acme();
    const create = vi.spyOn(spec, 'create');
    const replayGuard = createMemoryReplayGuard();
    const routeUrl = (path: string) => `https://h/${path}`;
    createRegistry([spec]).createProvider(stored, { replayGuard, routeUrl });
    expect(create.mock.calls[0]![1]).toMatchObject({ replayGuard, routeUrl });
  });

  it('sorts providers by name and refuses a second spec under one name', () => {
    const one = acme();
    const registry = createRegistry([zeta(), one, one]);
    expect(registry.names).toEqual(['acme', 'zeta']);
    expect(() => createRegistry([acme(), acme()])).toThrow(/already registered/);
    expect(() => createRegistry([])).toThrow(ConfigurationError);
  });

  it('refuses a spec of a version it does not know, saying what to do', () => {
    const future = { ...acme(), specificationVersion: 'v2' } as unknown as ProviderSpec;
    expect(() => createRegistry([future])).toThrow(/specification version "v2".*supports v1/);
  });

  it('refuses a provider of a version it does not know where the spec creates one', () => {
    const spec = acme();
    const mismatched: ProviderSpec<AcmeConfig> = {
      ...spec,
      create: (config, context) => ({
        ...spec.create(config, context),
        specificationVersion: 'v2' as 'v1',
      }),
    };
    const registry = createRegistry([mismatched]);
    expect(() => registry.createProvider(ACME_TEST_CONFIG)).toThrow(
      /TelephonyProvider that "acme" creates implements specification version "v2"/,
    );
  });

  it('type-checks createProvider against the specs it was given', () => {
    const registry = createRegistry([acme()]);
    const { region: _region, ...withoutDefaults } = ACME_TEST_CONFIG;
    // What the schema defaults may be left out; a validated configuration is taken as it is.
    expect(registry.createProvider(withoutDefaults).provider).toBe('acme');
    expect(registry.createProvider(registry.parseConfig(ACME_TEST_CONFIG)).provider).toBe('acme');
    // @ts-expect-error: a misspelt field does not compile
    registry.createProvider({ ...withoutDefaults, acount_id: 'AC1' });
    // @ts-expect-error: nor does a missing one, which also fails at run time
    expect(() => registry.createProvider({ provider: 'acme' })).toThrow(ConfigurationError);
    // A list known only at run time takes any configuration and checks it then.
    const plugins: ProviderSpec[] = [acme() as unknown as ProviderSpec];
    expect(() => createRegistry(plugins).createProvider({ provider: 'acme' })).toThrow(
      ConfigurationError,
    );
  });

  it('refuses a bad name and a route declared twice', () => {
    expect(() =>
      createRegistry([{ ...acme(), name: 'Acme Telecom' } as unknown as ProviderSpec]),
    ).toThrow(/lower-case/);
    expect(() =>
      createRegistry([{ ...acme(), name: 'acme_telecom-2' } as unknown as ProviderSpec]),
    ).not.toThrow();
    const route = {
      method: 'POST' as const,
      path: 'x',
      handle: async () => ({ status: 200, headers: {}, body: '' }),
    };
    expect(() => createRegistry([{ ...acme(), routes: [route, route] }])).toThrow(
      /route POST x twice/,
    );
  });

  it('refuses an object-list without item fields, or with a secret among them', () => {
    const list = (itemFields?: UiField[]) =>
      ({
        ...acme(),
        ui: [{ name: 'trunks', label: 'Trunks', type: 'object-list', required: false, itemFields }],
      }) as unknown as ProviderSpec;
    expect(() => createRegistry([list()])).toThrow(/object-list without itemFields/);
    expect(() =>
      createRegistry([
        list([
          {
            name: 'password',
            label: 'Password',
            type: 'password',
            required: true,
            sensitive: true,
          },
        ]),
      ]),
    ).toThrow(/sensitive item field/);
    const registry = createRegistry([
      list([{ name: 'host', label: 'Host', type: 'text', required: true }]),
    ]);
    expect(registry.describe()[0]!.fields[0]!.itemFields).toHaveLength(1);
  });

  it('validates configurations through the discriminated union', () => {
    const registry = createRegistry([acme(), zeta()]);
    expect(registry.configSchema.safeParse({ provider: 'zeta', token: 't' }).success).toBe(true);
    expect(registry.configSchema.safeParse({ provider: 'acme', token: 't' }).success).toBe(false);
    expect(() => registry.parseConfig({ provider: 'nope' })).toThrow(
      /Unknown provider "nope"; registered: acme, zeta/,
    );
    try {
      registry.parseConfig({ provider: 'acme', account_id: '', api_key: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
        'account_id',
        'api_key',
        'signing_secret',
      ]);
    }
  });

  it('masks every sensitive field, nested ones too, and hides server-managed fields', () => {
    const registry = createRegistry([acme()]);
    const masked = registry.maskConfig(stored);
    expect(masked).toEqual({
      provider: 'acme',
      account_id: 'AC-1',
      api_key: maskSecret(stored.api_key),
      signing_secret: maskSecret(stored.signing_secret),
      region: 'us',
      advanced: { sip_password: maskSecret(stored.advanced!.sip_password) },
    });
    expect(masked['api_key']).toBe('****************cdef');
    expect(JSON.stringify(masked)).not.toContain('0123456789');
    expect(stored.api_key).toBe('key-0123456789abcdef'); // the stored object is untouched
  });

  it('masks short secrets whole and keeps their length', () => {
    expect(maskSecret('abc')).toBe('***');
    expect(maskSecret('12345678901')).toBe('***********');
    expect(maskSecret('123456789012')).toBe('********9012');
    expect(maskSecret(undefined)).toBe('');
  });

  it('restores stored secrets whose mask comes back, and stores anything else', async () => {
    const registry = createRegistry([acme()]);
    const submitted = { ...registry.maskConfig(stored), signing_secret: 'new-secret-value' };
    const saved = (await registry.prepareSave(submitted, stored, hookContext)) as AcmeConfig;
    expect(saved.api_key).toBe(stored.api_key);
    expect(saved.advanced?.sip_password).toBe(stored.advanced?.sip_password);
    expect(saved.signing_secret).toBe('new-secret-value');
    // A mask of some other value is stored as typed, not "restored".
    const other = await registry.prepareSave(
      { ...submitted, api_key: maskSecret('a-different-key-value') },
      stored,
      hookContext,
    );
    expect((other as AcmeConfig).api_key).toBe(maskSecret('a-different-key-value'));
  });

  it('never takes server-managed fields from a client and keeps them across updates', async () => {
    const registry = createRegistry([acme()]);
    const created = (await registry.prepareSave(
      { ...stored, application_id: 'forged' },
      undefined,
      hookContext,
    )) as AcmeConfig;
    expect(created.application_id).toBe('app-AC-1'); // minted by the hook, not the client's value

    const kept = (await registry.prepareSave(
      { ...registry.maskConfig(stored) },
      { ...stored, application_id: 'app-original' } as AcmeConfig,
      hookContext,
    )) as AcmeConfig;
    expect(kept.application_id).toBe('app-original');

    // Account-scoped: a new account drops it, so the hook looks it up again.
    const moved = (await registry.prepareSave(
      { ...registry.maskConfig(stored), account_id: 'AC-2' },
      { ...stored, application_id: 'app-original' } as AcmeConfig,
      hookContext,
    )) as AcmeConfig;
    expect(moved.application_id).toBe('app-AC-2');
  });

  it('refuses to turn one provider into another, and lets a hook refuse a save', async () => {
    const registry = createRegistry([acme(), zeta()]);
    await expect(
      registry.prepareSave({ provider: 'zeta', token: 'x' }, stored, hookContext),
    ).rejects.toThrow(/cannot become/);
    const picky: ProviderSpec<AcmeConfig> = {
      ...acme(),
      hooks: {
        beforeSave: async () => {
          throw new ConfigurationError('carrier says no');
        },
      },
    };
    await expect(
      createRegistry([picky]).prepareSave(stored, undefined, hookContext),
    ).rejects.toThrow('carrier says no');
  });

  it('proves the credentials with the carrier before the hook runs or anything is stored', async () => {
    const asked: string[] = [];
    let hooked = 0;
    const carrier = (status: number) =>
      createRegistry([
        {
          ...acme({
            fetch: async (url, init) => {
              asked.push(`${init?.method} ${String(url)}`);
              return new Response(status === 200 ? '{}' : '{"error":"bad key"}', { status });
            },
          }),
          hooks: {
            beforeSave: async (next) => {
              hooked++;
              return next;
            },
          },
        },
      ]);
    const context = { ...hookContext, verifyCredentials: true };
    const refused = await carrier(401)
      .prepareSave(stored, undefined, context)
      .catch((error: unknown) => error);
    expect(ConfigurationError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'carrier_credentials_refused', httpStatus: 422 });
    expect(String((refused as Error).message)).not.toContain(stored.api_key);
    expect(hooked).toBe(0);
    // A carrier that fails (not a refusal) is its own error: the save can be tried again.
    await expect(carrier(503).prepareSave(stored, undefined, context)).rejects.toMatchObject({
      code: 'carrier_api_error',
      httpStatus: 502,
    });
    expect(hooked).toBe(0);
    await expect(carrier(200).prepareSave(stored, undefined, context)).resolves.toMatchObject({
      account_id: 'AC-1',
    });
    expect(hooked).toBe(1);
    expect(asked).toEqual(Array(3).fill('GET https://api.acme.invalid/accounts/AC-1'));
  });

  it('reads account ids through the spec field, and masks them where that field is a secret', () => {
    const registry = createRegistry([acme(), zeta()]);
    expect(registry.accountIdOf(stored)).toBe('AC-1');
    expect(registry.maskAccountId('acme', 'AC-1')).toBe('AC-1');
    const keyed = createRegistry([{ ...acme(), accountIdField: 'api_key' }]);
    expect(keyed.maskAccountId('acme', stored.api_key)).toBe(maskSecret(stored.api_key));
    expect(registry.accountIdOf({ ...stored, account_id: '' } as AcmeConfig)).toBeUndefined();
    expect(registry.accountIdOf({ provider: 'zeta', token: 'x' } as never)).toBeUndefined();
  });

  it('derives readiness: a caller ID is needed unless the spec says otherwise', () => {
    const registry = createRegistry([acme(), zeta()]);
    const none = registry.setupChecklist(stored, {
      activePhoneNumberCount: 0,
      inboundRoutedPhoneNumberCount: 0,
    });
    expect(none?.readyForOutbound).toBe(false);
    expect(none?.outboundBlockedReason).toContain('Acme Telecom');
    expect(
      registry.setupChecklist(stored, {
        activePhoneNumberCount: 1,
        inboundRoutedPhoneNumberCount: 0,
      })?.readyForOutbound,
    ).toBe(true);
    expect(
      registry.setupChecklist({ provider: 'zeta', token: 'x' } as never, {
        activePhoneNumberCount: 0,
        inboundRoutedPhoneNumberCount: 0,
      }),
    ).toBeUndefined();
  });

  it('dispatches inbound webhooks in name order, surviving a matcher that throws', () => {
    const warn = vi.fn();
    const broken: ProviderSpec<AcmeConfig> = {
      ...acme(),
      name: 'aardvark' as 'acme',
      inbound: {
        ...acme().inbound,
        matches: () => {
          throw new Error('boom');
        },
      },
    };
    const registry = createRegistry([zeta(), acme(), broken], {
      logger: { debug() {}, info() {}, warn, error() {} },
    });
    const request = createWebhookRequest({
      method: 'POST',
      url: 'https://h/telephony/inbound',
      headers: { 'user-agent': 'Acme-Webhooks/1.0', 'content-type': 'application/json' },
      body: JSON.stringify({
        event: 'call.incoming',
        call_id: 'c1',
        from: '14155550100',
        to: '14155550199',
        account_id: 'AC-1',
      }),
    });
    const match = registry.matchInbound(request);
    expect(match?.spec.name).toBe('acme'); // before zeta, which claims everything
    expect(match?.call).toMatchObject({
      callId: 'c1',
      from: '+14155550100',
      to: '+14155550199',
      accountId: 'AC-1',
    });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('describes providers for a configuration form', () => {
    const [description] = createRegistry([acme()]).describe();
    expect(description).toMatchObject({
      name: 'acme',
      displayName: 'Acme Telecom',
      connectivity: 'api',
      requiresCallerId: true,
    });
    expect(description?.fields.filter((f) => f.sensitive).map((f) => f.name)).toEqual([
      'api_key',
      'signing_secret',
      'advanced.sip_password',
    ]);
  });
});

import { z } from 'zod';
import type { InboundCall } from '../calls/call-types.js';
import { CarrierApiError } from '../errors/carrier-api-error.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import { type Logger, silentLogger } from '../logger.js';
import type {
  ProviderConfigBase,
  ProviderContext,
  ProviderHookContext,
  ProviderRoute,
  ProviderSpec,
} from '../provider/provider-spec.js';
import {
  type ConfigurationState,
  callerIdChecklist,
  type SetupChecklist,
} from '../provider/setup-checklist.js';
import { checkSpecificationVersion } from '../provider/specification-version.js';
import type { TelephonyProvider } from '../provider/telephony-provider.js';
import type { UiField } from '../provider/ui-field.js';
import { cloneJson, deletePath, getPath, setPath } from './dotted-path.js';
import { isMaskOf, maskSecret } from './secret-mask.js';

// biome-ignore lint/suspicious/noExplicitAny: a registry holds specs of every config type
type AnySpec = ProviderSpec<any>;

/**
 * A configuration for one of `TSpec`'s providers as you write it (its
 * schema's input): `ProviderConfigInput<ReturnType<typeof twilio>>`. Over a
 * union of specs, the union of their inputs, told apart by `provider`.
 */
export type ProviderConfigInput<TSpec> = TSpec extends {
  // biome-ignore lint/suspicious/noExplicitAny: only the input side is read
  readonly configSchema: z.ZodType<any, infer TInput>;
}
  ? TInput
  : never;

/** A validated configuration for one of `TSpec`'s providers (its schema's output). */
export type ProviderConfigOf<TSpec> = TSpec extends {
  // biome-ignore lint/suspicious/noExplicitAny: only the output side is read
  readonly configSchema: z.ZodType<infer TConfig, any>;
}
  ? TConfig
  : never;

/** A provider as a configuration form or provider picker shows it. */
export interface ProviderDescription {
  readonly name: string;
  readonly displayName: string;
  readonly description?: string;
  readonly docsUrl?: string;
  readonly connectivity: 'api' | 'sip';
  readonly requiresCallerId: boolean;
  readonly audio: AnySpec['audio'];
  readonly fields: readonly UiField[];
}

/** An inbound webhook recognised by one of the registered specs. */
export interface InboundMatch {
  readonly spec: AnySpec;
  readonly call: InboundCall;
}

/** What {@link ProviderRegistry.prepareSave} needs besides the submitted body. */
export interface SaveContext extends ProviderHookContext {
  /**
   * Ask the carrier to prove the credentials before anything else happens
   * (default true). Off only for a host importing configurations it already
   * trusts, or one that has no network.
   */
  readonly verifyCredentials?: boolean;
}

/**
 * The registered providers and everything hosts derive from them. Built once
 * from an explicit list: there is no global registry and no provider list in
 * core.
 *
 * When `createRegistry` is given its specs as a list it can see (`[twilio(),
 * plivo()]`), `TConfig` and `TConfigInput` are the union of their validated
 * and written configurations, so `createProvider` refuses a misspelt or
 * missing field at compile time; for a list known only at run time (a host's
 * plugins) they are any configuration.
 */
export interface ProviderRegistry<
  TConfigInput = unknown,
  TConfig extends ProviderConfigBase = ProviderConfigBase,
> {
  /** Specs sorted by name; this is also the order inbound detection tries them in. */
  readonly specs: readonly AnySpec[];
  readonly names: readonly string[];
  /** The discriminated union of every provider's configuration, on `provider`. */
  readonly configSchema: z.ZodType<ProviderConfigBase>;
  /** @throws ConfigurationError for an unknown name. */
  get(name: string): AnySpec;
  find(name: string): AnySpec | undefined;
  /** UI metadata of every provider. */
  describe(): ProviderDescription[];
  /** Validates a configuration. @throws ConfigurationError with one issue per problem. */
  parseConfig(input: unknown): TConfig;
  /** A copy safe to show: secrets masked, server-managed fields removed. */
  maskConfig(config: ProviderConfigBase): Record<string, unknown>;
  /**
   * The save pipeline: discard client values of server-managed fields, put
   * stored secrets back where their mask was submitted, carry server-managed
   * values over (except account-scoped ones when the account changes),
   * validate, prove the credentials with the carrier
   * (`TelephonyProvider.verifyCredentials`), run the provider's `beforeSave`
   * hook. `stored` is undefined on create.
   * @throws ConfigurationError (`carrier_credentials_refused` when the carrier
   * refuses the credentials), CarrierApiError when it cannot be asked, or
   * whatever the hook throws.
   */
  prepareSave(
    submitted: unknown,
    stored: ProviderConfigBase | undefined,
    context: SaveContext,
  ): Promise<ProviderConfigBase>;
  /** The account id of a configuration, or undefined when its provider has none or it is empty. */
  accountIdOf(config: ProviderConfigBase): string | undefined;
  /**
   * An account id as reads may show it: masked like any secret where the
   * provider marks its field sensitive (Plivo's `auth_id`, Vonage's
   * `api_key`), as is otherwise.
   */
  maskAccountId(provider: string, accountId: string): string;
  /** Readiness; undefined means always ready (no caller ID needed, no checklist). */
  setupChecklist(config: ProviderConfigBase, state: ConfigurationState): SetupChecklist | undefined;
  /** Tries each spec's `matches` in name order and parses with the first that claims the request. */
  matchInbound(request: WebhookRequest): InboundMatch | undefined;
  /**
   * A provider bound to a configuration, validated first (JavaScript callers
   * and stored configurations get the same checks). For a configuration of
   * unknown shape, validate it first: `createProvider(registry.parseConfig(raw))`.
   * @throws ConfigurationError
   */
  createProvider(
    config: TConfigInput | TConfig,
    context?: Partial<ProviderContext>,
  ): TelephonyProvider;
  /** Every spec's own routes, with their provider's name. */
  routes(): { provider: string; route: ProviderRoute<ProviderConfigBase> }[];
}

/**
 * An account id is no secret: without this, anyone could store someone
 * else's with made-up credentials and act as its owner wherever the id alone
 * decides (inbound routing, number ownership).
 */
async function proveCredentials(
  spec: AnySpec,
  config: ProviderConfigBase,
  context: SaveContext,
): Promise<void> {
  try {
    const check = await spec.create(config, { logger: context.logger }).verifyCredentials();
    if (!check.verified)
      context.logger.debug(
        { provider: spec.name, reason: check.reason },
        'credentials not verifiable at save',
      );
  } catch (error) {
    if (CarrierApiError.isInstance(error) && (error.statusCode === 401 || error.statusCode === 403))
      throw new ConfigurationError(
        `${spec.displayName} refused these credentials (HTTP ${error.statusCode}); nothing was saved`,
        { code: 'carrier_credentials_refused', cause: error },
      );
    throw error;
  }
}

// Underscores too: stored configurations of the original platform say `three_cx`.
const NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

function checkSpec(spec: AnySpec): void {
  checkSpecificationVersion(
    `Provider "${String(spec.name)}"`,
    (spec as { specificationVersion?: unknown }).specificationVersion,
  );
  if (typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name)) {
    throw new ConfigurationError(
      `Provider name ${JSON.stringify(spec.name)} must be lower-case letters, digits, dashes and underscores`,
      { code: 'invalid_provider_spec' },
    );
  }
  for (const field of spec.ui) {
    if (field.type === 'object-list' && !field.itemFields?.length) {
      throw new ConfigurationError(
        `Provider "${spec.name}" field ${field.name} is an object-list without itemFields`,
        { code: 'invalid_provider_spec' },
      );
    }
    if (field.itemFields?.some((item) => item.sensitive)) {
      throw new ConfigurationError(
        `Provider "${spec.name}" field ${field.name} has a sensitive item field; secrets need a fixed path`,
        { code: 'invalid_provider_spec' },
      );
    }
  }
  const seen = new Set<string>();
  for (const route of spec.routes ?? []) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) {
      throw new ConfigurationError(`Provider "${spec.name}" declares the route ${key} twice`, {
        code: 'invalid_provider_spec',
      });
    }
    seen.add(key);
  }
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigurationError(`${what} must be an object`);
  }
  return input as Record<string, unknown>;
}

/**
 * Builds a registry from provider specs. A name given twice with different
 * specs throws; the same spec object twice counts once.
 *
 * @example
 * const registry = createRegistry([twilio(), plivo()]);
 */
export function createRegistry<const TSpecs extends readonly AnySpec[]>(
  specs: TSpecs,
  options: { logger?: Logger } = {},
): ProviderRegistry<ProviderConfigInput<TSpecs[number]>, ProviderConfigOf<TSpecs[number]>> {
  const logger = options.logger ?? silentLogger;
  const byName = new Map<string, AnySpec>();
  for (const spec of specs) {
    checkSpec(spec);
    const existing = byName.get(spec.name);
    if (existing !== undefined && existing !== spec) {
      throw new ConfigurationError(`Provider "${spec.name}" is already registered`, {
        code: 'duplicate_provider',
      });
    }
    byName.set(spec.name, spec);
  }
  const sorted = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (sorted.length === 0) {
    throw new ConfigurationError('A registry needs at least one provider', {
      code: 'empty_registry',
    });
  }

  let configSchema: z.ZodType<ProviderConfigBase>;
  try {
    configSchema = z.discriminatedUnion(
      'provider',
      // biome-ignore lint/suspicious/noExplicitAny: zod's union wants object schemas; specs promise them
      sorted.map((spec) => spec.configSchema) as any,
    ) as unknown as z.ZodType<ProviderConfigBase>;
  } catch (cause) {
    throw new ConfigurationError(
      'Every provider configSchema must be a zod object whose provider field is z.literal(name)',
      { code: 'invalid_provider_spec', cause },
    );
  }

  const get = (name: string): AnySpec => {
    const spec = byName.get(name);
    if (spec === undefined) {
      throw new ConfigurationError(
        `Unknown provider "${name}"; registered: ${sorted.map((s) => s.name).join(', ')}`,
        { code: 'unknown_provider', issues: [{ path: 'provider', message: 'unknown provider' }] },
      );
    }
    return spec;
  };

  const sensitivePaths = (spec: AnySpec) =>
    spec.ui.filter((field) => field.sensitive).map((field) => field.name);

  const accountIdOf = (config: ProviderConfigBase): string | undefined => {
    const spec = byName.get(config.provider);
    if (spec?.accountIdField === undefined) return undefined;
    const value = getPath(config, spec.accountIdField);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };

  const parseConfig = (input: unknown): ProviderConfigBase => {
    const object = asObject(input, 'A configuration');
    const spec = get(String(object['provider']));
    const result = spec.configSchema.safeParse(object);
    if (!result.success) {
      throw new ConfigurationError(`Invalid ${spec.displayName} configuration`, {
        issues: issuesOf(result.error),
      });
    }
    return result.data;
  };

  const registry: ProviderRegistry = {
    specs: sorted,
    names: sorted.map((spec) => spec.name),
    configSchema,
    get,
    find: (name) => byName.get(name),

    describe: () =>
      sorted.map((spec) => ({
        name: spec.name,
        displayName: spec.displayName,
        ...(spec.description === undefined ? {} : { description: spec.description }),
        ...(spec.docsUrl === undefined ? {} : { docsUrl: spec.docsUrl }),
        connectivity: spec.connectivity,
        requiresCallerId: spec.requiresCallerId,
        audio: spec.audio,
        fields: spec.ui,
      })),

    parseConfig,

    maskConfig(config) {
      const spec = get(config.provider);
      const copy = cloneJson(config) as unknown as Record<string, unknown>;
      for (const path of sensitivePaths(spec)) {
        const value = getPath(copy, path);
        if (value !== undefined && value !== null && value !== '')
          setPath(copy, path, maskSecret(value));
      }
      for (const field of spec.serverManagedFields ?? []) deletePath(copy, field.path);
      return copy;
    },

    async prepareSave(submitted, stored, context) {
      const draft = cloneJson(asObject(submitted, 'A configuration'));
      const spec = get(String(draft['provider']));
      if (stored !== undefined && stored.provider !== spec.name) {
        throw new ConfigurationError(
          `A ${stored.provider} configuration cannot become a ${spec.name} one; create a new configuration`,
          { code: 'provider_change' },
        );
      }
      for (const field of spec.serverManagedFields ?? []) deletePath(draft, field.path);
      if (stored !== undefined) {
        for (const path of sensitivePaths(spec)) {
          const storedValue = getPath(stored, path);
          if (isMaskOf(getPath(draft, path), storedValue)) setPath(draft, path, storedValue);
        }
        const accountChanged =
          spec.accountIdField !== undefined &&
          accountIdOf(draft as unknown as ProviderConfigBase) !== accountIdOf(stored);
        for (const field of spec.serverManagedFields ?? []) {
          const storedValue = getPath(stored, field.path);
          if (storedValue === undefined || (field.accountScoped && accountChanged)) continue;
          setPath(draft, field.path, cloneJson(storedValue));
        }
      }
      const validated = parseConfig(draft);
      if (context.verifyCredentials !== false) await proveCredentials(spec, validated, context);
      if (spec.hooks?.beforeSave === undefined) return validated;
      return parseConfig(await spec.hooks.beforeSave(validated, stored, context));
    },

    accountIdOf,

    maskAccountId(provider, accountId) {
      const spec = get(provider);
      return spec.accountIdField !== undefined && sensitivePaths(spec).includes(spec.accountIdField)
        ? maskSecret(accountId)
        : accountId;
    },

    setupChecklist(config, state) {
      const spec = get(config.provider);
      if (spec.setupChecklist) return spec.setupChecklist(config, state);
      if (!spec.requiresCallerId) return undefined;
      return callerIdChecklist(spec.displayName, state, spec.docsUrl);
    },

    matchInbound(request) {
      for (const spec of sorted) {
        let claimed = false;
        try {
          claimed = spec.inbound.matches(request);
        } catch (error) {
          logger.warn(
            { provider: spec.name, error },
            'inbound matches() threw; treating as no match',
          );
        }
        if (claimed) return { spec, call: spec.inbound.parse(request) };
      }
      return undefined;
    },

    createProvider(config, context = {}) {
      const validated = parseConfig(config);
      const provider = get(validated.provider).create(validated, {
        ...context,
        logger: context.logger ?? logger,
      });
      checkSpecificationVersion(
        `The TelephonyProvider that "${validated.provider}" creates`,
        (provider as { specificationVersion?: unknown }).specificationVersion,
      );
      return provider;
    },

    routes: () =>
      sorted.flatMap((spec) =>
        (spec.routes ?? []).map((route) => ({ provider: spec.name, route })),
      ),
  };
  // One implementation serves every registry; the type parameters only narrow what callers may pass.
  return registry as ProviderRegistry<
    ProviderConfigInput<TSpecs[number]>,
    ProviderConfigOf<TSpecs[number]>
  >;
}

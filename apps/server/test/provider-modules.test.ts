/** PROVIDER_MODULES: a plugin author's carrier package loaded into the reference server. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ServerConfigError } from '../src/config.js';
import { loadProviderModules } from '../src/services/providers.js';

const file = (name: string) =>
  fileURLToPath(new URL(`./fixtures/provider-modules/${name}`, import.meta.url));

describe('loadProviderModules', () => {
  it('takes a spec, a factory of one, or a `provider` export', async () => {
    const specs = await loadProviderModules([
      file('spec.mjs'),
      file('factory.mjs'),
      file('named.mjs'),
    ]);
    expect(specs.map((spec) => spec.name)).toEqual(['one', 'two', 'three']);
  });

  it('refuses, naming the module, what cannot be loaded or is no spec', async () => {
    await expect(loadProviderModules([file('missing.mjs')])).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof ServerConfigError &&
        error.message.includes('missing.mjs cannot be loaded'),
    );
    await expect(loadProviderModules([file('nothing.mjs')])).rejects.toThrow(
      /nothing\.mjs exports no provider spec/,
    );
  });
});

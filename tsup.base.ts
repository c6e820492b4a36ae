import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM + CJS + .d.ts from
 * src/index.ts for Node 20, with the package's version compiled in as
 * __PACKAGE_VERSION__. Run from the package's folder (turbo does).
 */
export function packageBuild(overrides: Options = {}) {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    treeshake: true,
    define: { __PACKAGE_VERSION__: JSON.stringify(version) },
    ...overrides,
  });
}

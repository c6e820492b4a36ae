import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // The suite calls vitest's describe/it in the user's test run: never bundle it.
  external: ['vitest', '@patchbay/core', 'ws'],
});

import { packageBuild } from '../../tsup.base.js';

// The suite calls vitest's describe/it inside the user's test run: never bundle it.
export default packageBuild({
  external: [
    'vitest',
    '@patchbay/core',
    'ws',
    'postgres',
    '@electric-sql/pglite',
    '@electric-sql/pglite-socket',
  ],
});

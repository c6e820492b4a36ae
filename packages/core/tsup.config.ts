import { packageBuild } from '../../tsup.base.js';

// Two entry points sharing one copy of each module (splitting), so an error
// class or codec is the same object whichever entry it came through.
export default packageBuild({
  entry: ['src/index.ts', 'src/provider-utils.ts'],
  splitting: true,
});

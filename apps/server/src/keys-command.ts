/** `pnpm --filter @patchbay/server keys …`: see keys-cli.ts. */
import { keysCli } from './keys-cli.js';

// pnpm hands a script the `--` that separates its own options.
process.exitCode = await keysCli(process.argv.slice(2).filter((arg) => arg !== '--'));

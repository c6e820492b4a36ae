import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Path of a file in this package's recorded test data (`test/__fixtures__`). */
export function fixturePath(relativePath: string): string {
  return join(here, '__fixtures__', relativePath);
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The Plivo SDK only talks to https://api.plivo.com; tests reach the local
// carrier server through its proxy setting, so workers trust its test CA
// (Node reads NODE_EXTRA_CA_CERTS only at start-up).
const testkit = dirname(createRequire(import.meta.url).resolve('@patchbay/testkit/package.json'));
process.env['NODE_EXTRA_CA_CERTS'] = join(testkit, 'certs', 'test-ca.pem');

export default mergeConfig(shared, defineConfig({}));

import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Test workers are forked from this process, so they start trusting the
// simulator's test CA (Node reads NODE_EXTRA_CA_CERTS only at start-up).
process.env['NODE_EXTRA_CA_CERTS'] = new URL('./certs/test-ca.pem', import.meta.url).pathname;

export default mergeConfig(shared, defineConfig({}));

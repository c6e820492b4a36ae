import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Browser tests start a server and Chromium: give them room, one file at a time.
export default mergeConfig(
  shared,
  defineConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false } }),
);

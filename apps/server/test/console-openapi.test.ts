/**
 * The console's API types are generated from the OpenAPI document it keeps
 * (apps/console/src/api/openapi.json). This test is what keeps that copy
 * true: it must be exactly what the server, with its shipped carriers,
 * documents. `UPDATE_CONSOLE_OPENAPI=1` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ProviderRegistry, silentLogger } from '@patchbay/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadServerConfig } from '../src/config.js';
import { createServerRegistry } from '../src/services/providers.js';
import { startTestServer, type TestServer } from './helpers.js';

const COPY = fileURLToPath(new URL('../../console/src/api/openapi.json', import.meta.url));
let t: TestServer;
let registry: ProviderRegistry;
let closeProviders: () => Promise<void>;
beforeAll(async () => {
  const created = createServerRegistry(
    loadServerConfig({ PUBLIC_BASE_URL: 'https://voice.example.com' }),
    silentLogger,
  );
  registry = created.registry;
  closeProviders = created.close;
  t = await startTestServer(registry);
});
afterAll(async () => {
  await t?.close();
  await closeProviders?.();
});

it('matches the copy the console generates its types from', async () => {
  const served = await (await fetch(`${t.server.url}/api/v1/openapi.json`)).json();
  if (process.env['UPDATE_CONSOLE_OPENAPI'] === '1')
    writeFileSync(COPY, `${JSON.stringify(served, null, 2)}\n`);
  expect(
    JSON.parse(readFileSync(COPY, 'utf8')),
    'apps/console/src/api/openapi.json is stale: run UPDATE_CONSOLE_OPENAPI=1 pnpm --filter @patchbay/server exec vitest run test/console-openapi.test.ts',
  ).toEqual(served);
});

it('says how to build the console when there is none to serve', async () => {
  const bare = await startTestServer(registry, t, {
    env: { CONSOLE_DIR: '/nonexistent/console' },
  });
  try {
    const response = await fetch(`${bare.server.url}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('The console is not built');
    expect((await fetch(`${bare.server.url}/calls`)).status).toBe(404);
  } finally {
    await bare.close();
  }
});

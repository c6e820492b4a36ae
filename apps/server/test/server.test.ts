import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@patchbay/core';
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, ServerConfigError } from '../src/config.js';
import { type PatchbayServer, startPatchbayServer } from '../src/server.js';
import { bootstrapOrganization, organizationForApiKey } from '../src/services/api-keys.js';
import { CredentialCipher } from '../src/services/credentials.js';
import { MediaTokens } from '../src/services/media-tokens.js';
import { createServerRegistry } from '../src/services/providers.js';
import { openDatabase } from '../src/storage/database.js';
import { MIGRATIONS, migrate } from '../src/storage/migrations.js';
import { serverDatabase } from './helpers.js';

describe('configuration from the environment', () => {
  it('fills defaults and normalizes', () => {
    const config = loadServerConfig({ PUBLIC_BASE_URL: 'https://voice.example.com/', PORT: '' });
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'https://voice.example.com',
      TRUSTED_PROXIES: [],
      PATCHBAY_DATA_DIR: '.patchbay',
      SHUTDOWN_GRACE_SECONDS: 30,
    });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadServerConfig({
        PORT: 'eighty',
        PUBLIC_BASE_URL: 'voice.example.com',
        DATABASE_URL: 'mysql://x',
        CREDENTIAL_ENCRYPTION_KEY: 'short',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServerConfigError);
    const problems = (error as ServerConfigError).problems.map((line) => line.split(':')[0]);
    expect(problems.sort()).toEqual(
      ['CREDENTIAL_ENCRYPTION_KEY', 'DATABASE_URL', 'PORT', 'PUBLIC_BASE_URL'].sort(),
    );
  });

  it('allows several worker processes only on a database server', () => {
    expect(() => loadServerConfig({ WORKERS: '2' })).toThrow(/WORKERS above 1 needs DATABASE_URL/);
    expect(() => loadServerConfig({ WORKERS: '0' })).toThrow(/WORKERS must be at least 1/);
    expect(
      loadServerConfig({ WORKERS: '2', DATABASE_URL: 'postgres://db.internal/patchbay' }).WORKERS,
    ).toBe(2);
  });
});

describe('database', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await startTestDatabase();
  });
  afterAll(async () => test?.close());

  it('migrates once, however often it is asked, and concurrently too', async () => {
    const results = await Promise.all([migrate(test.sql), migrate(test.sql)]);
    expect(results.flat()).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(await migrate(test.sql)).toEqual([]);
  });

  it('creates the first organization and its admin key once; the key authenticates until revoked', async () => {
    await migrate(test.sql);
    const created = await bootstrapOrganization(test.sql);
    expect(created?.apiKey).toMatch(/^pbk_[A-Za-z0-9_-]{43}$/);
    expect(
      await test.sql`select name, kind from agents where id = ${created!.echoAgentId}`,
    ).toEqual([{ name: 'Built-in echo', kind: 'echo' }]);
    expect(await bootstrapOrganization(test.sql)).toBeUndefined();
    const [stored] = await test.sql`select key_hash, key_prefix from api_keys`;
    expect(JSON.stringify(stored)).not.toContain(created!.apiKey);
    // The first-start key manages the deployment (organizations and their keys).
    expect(await organizationForApiKey(test.sql, created!.apiKey)).toMatchObject({
      organizationId: created!.organizationId,
      scope: 'deployment',
    });
    expect(await organizationForApiKey(test.sql, `${created!.apiKey}x`)).toBeUndefined();
    // Use is stamped, but not rewritten on every request.
    const stamped = (await test.sql`select last_used_at from api_keys`)[0]!['last_used_at'];
    expect(stamped).toBeInstanceOf(Date);
    await organizationForApiKey(test.sql, created!.apiKey);
    expect((await test.sql`select last_used_at from api_keys`)[0]!['last_used_at']).toEqual(
      stamped,
    );
    await test.sql`update api_keys set revoked_at = now()`;
    expect(await organizationForApiKey(test.sql, created!.apiKey)).toBeUndefined();
  });

  it('keeps the embedded database in its data directory across restarts', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'patchbay-data-'));
    try {
      const first = await openDatabase({ dataDirectory: directory });
      expect(first.kind).toBe('embedded');
      await migrate(first.sql);
      expect(await bootstrapOrganization(first.sql)).toBeDefined();
      await first.close();
      const second = await openDatabase({ dataDirectory: directory });
      expect(await migrate(second.sql)).toEqual([]);
      expect(await bootstrapOrganization(second.sql)).toBeUndefined();
      await second.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    // Two cold PGlite starts (WebAssembly compile plus initdb) on a loaded machine.
  }, 60_000);
});

describe('HTTP server', () => {
  let test: TestDatabase;
  let server: PatchbayServer;
  let apiKey: string;
  /** What the server logged, as (level, fields, message). */
  const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const line =
    (level: string) =>
    (fields: Record<string, unknown>, message = '') =>
      void logged.push({ level, fields, message });
  const recordingLogger = {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  } as unknown as Logger;
  beforeAll(async () => {
    test = await startTestDatabase();
    await migrate(test.sql);
    apiKey = (await bootstrapOrganization(test.sql))!.apiKey;
    const database = serverDatabase(test);
    const config = loadServerConfig({ PORT: '0', PUBLIC_BASE_URL: 'https://voice.example.com' });
    server = await startPatchbayServer({
      config,
      database,
      registry: createServerRegistry(config, silentLogger).registry,
      logger: recordingLogger,
      cipher: new CredentialCipher(randomBytes(32)),
      mediaTokens: new MediaTokens(randomBytes(32)),
    });
  });
  afterAll(async () => {
    await server?.close(1000);
    await test?.close();
  });

  const get = (path: string, key?: string) =>
    fetch(`${server.url}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

  it('answers health and readiness', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      database: test.kind === 'pglite' ? 'embedded' : 'postgres',
    });
  });

  it('refuses a NUL character in any string with a 400 naming the field (PostgreSQL cannot store it)', async () => {
    const post = (body: string) =>
      fetch(`${server.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body,
      });
    const refused = await post('{"name":"Front\\u0000desk","kind":"echo"}');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_string', message: expect.stringContaining('"name"') },
    });
    expect((await post('{"name":"Front desk NUL test","kind":"echo"}')).status).toBe(201);
  });

  it('answers 413 to any body over 1 MiB, API or webhook, streamed or not, and logs its line', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const post = (path: string, type: string, body: string | ReadableStream<Uint8Array>) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': type },
        body,
        duplex: 'half',
      } as RequestInit);
    const streamed = () =>
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < 32; i++)
            controller.enqueue(new TextEncoder().encode(big.slice(0, 65536)));
          controller.close();
        },
      });
    logged.length = 0;
    const refusals = [
      await post('/api/v1/agents', 'application/json', `{"name":"${big}"}`),
      await post('/api/v1/agents', 'application/json', streamed()),
      await post('/telephony/inbound', 'application/x-www-form-urlencoded', `To=${big}`),
      await post('/telephony/inbound', 'application/x-www-form-urlencoded', streamed()),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(413);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'payload_too_large',
      );
    }
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(
      logged.filter((entry) => entry.message === 'request').map((entry) => entry.fields['status']),
    ).toEqual([413, 413, 413, 413]);
    // The server is none the worse for it.
    expect((await get('/healthz')).status).toBe(200);
  });

  it('refuses a webhook with a NUL character with a 400, before anything is stored', async () => {
    const refused = await fetch(`${server.url}/telephony/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'CallSid=CA1&AccountSid=AC1&From=%2B15551230001&To=%2B1555%00&CallStatus=ringing',
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_payload', message: expect.stringContaining('field "To"') },
    });
  });

  it('refuses the API without a valid key, saying why', async () => {
    const missing = await get('/api/v1/providers');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect((await get('/api/v1/providers', 'pbk_not-a-key')).status).toBe(401);
  });

  it('lists every registered carrier with its configuration form, secrets marked', async () => {
    const response = await get('/api/v1/providers', apiKey);
    expect(response.status).toBe(200);
    const { providers } = (await response.json()) as {
      providers: { name: string; fields: { name: string; sensitive?: boolean }[] }[];
    };
    expect(providers.map((provider) => provider.name)).toEqual([
      'ari',
      'cloudonix',
      'plivo',
      'telnyx',
      'three_cx',
      'twilio',
      'vobiz',
      'vonage',
    ]);
    const threeCx = providers.find((provider) => provider.name === 'three_cx');
    expect(threeCx?.fields.find((field) => field.name === 'sip_password')?.sensitive).toBe(true);
  });

  it('says 404 for unknown paths, 405 with Allow for a wrong method, and answers HEAD', async () => {
    expect((await get('/nope')).status).toBe(404);
    const wrong = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(await wrong.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const item = await fetch(`${server.url}/api/v1/agents/${'0'.repeat(8)}`, { method: 'PATCH' });
    expect(item.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT');
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('names every request: its id in the response header and in its log line', async () => {
    logged.length = 0;
    const chosen = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'lb-42' } });
    expect(chosen.headers.get('x-request-id')).toBe('lb-42');
    const minted = await get('/api/v1/agents');
    const id = minted.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // A header that could forge log lines is not taken.
    const forged = await fetch(`${server.url}/healthz`, {
      headers: { 'x-request-id': 'x'.repeat(65) },
    });
    expect(forged.headers.get('x-request-id')).not.toBe('x'.repeat(65));
    await expect
      .poll(() =>
        logged.filter((entry) => entry.message === 'request').map((e) => e.fields['requestId']),
      )
      .toEqual(expect.arrayContaining(['lb-42', id]));
  });
});

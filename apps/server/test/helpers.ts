import { randomBytes } from 'node:crypto';
import { type ProviderRegistry, silentLogger } from '@patchbay/core';
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import { bootstrapOrganization, generateApiKey } from '../src/api-keys.js';
import { loadServerConfig } from '../src/config.js';
import { CredentialCipher } from '../src/credentials.js';
import { migrate } from '../src/database/migrations.js';
import { MediaTokens } from '../src/media-tokens.js';
import { type PatchbayServer, startPatchbayServer } from '../src/server.js';

/** A server on a fresh test database, with two organizations' API keys and a JSON client. */
export interface TestServer {
  readonly server: PatchbayServer;
  readonly database: TestDatabase;
  readonly apiKey: string;
  readonly otherKey: string;
  readonly mediaTokens: MediaTokens;
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startTestServer(registry: ProviderRegistry): Promise<TestServer> {
  const database = await startTestDatabase();
  await migrate(database.sql);
  const apiKey = (await bootstrapOrganization(database.sql))!.apiKey;
  const other = generateApiKey();
  await database.sql`
    with org as (insert into organizations (name) values ('Other') returning id)
    insert into api_keys (organization_id, name, key_hash, key_prefix)
    select id, 'admin', ${other.hash}, ${other.prefix} from org`;
  const key = randomBytes(32);
  const server = await startPatchbayServer({
    config: loadServerConfig({ PORT: '0', PUBLIC_BASE_URL: 'https://voice.example.com' }),
    database: { sql: database.sql, kind: 'postgres', close: async () => {} },
    registry,
    logger: silentLogger,
    cipher: new CredentialCipher(key),
    mediaTokens: new MediaTokens(key),
  });
  return {
    server,
    database,
    apiKey,
    otherKey: other.key,
    mediaTokens: new MediaTokens(key),
    async call(method, path, body, key = apiKey) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.close(1000);
      await database.close();
    },
  };
}

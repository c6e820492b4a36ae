import { randomBytes } from 'node:crypto';
import { type ProviderRegistry, silentLogger } from '@patchbay/core';
import { startTestDatabase, startWebSocketHost, type TestDatabase } from '@patchbay/testkit';
import postgres from 'postgres';
import type { WebSocket, WebSocketServer } from 'ws';
import { loadServerConfig } from '../src/config.js';
import {
  type PatchbayServer,
  type PatchbayServerOptions,
  startPatchbayServer,
} from '../src/server.js';
import { bootstrapOrganization, generateApiKey } from '../src/services/api-keys.js';
import { type CallFeed, localCallFeed } from '../src/services/calls/call-feed.js';
import { type CallSignals, localCallSignals } from '../src/services/calls/call-signals.js';
import { CredentialCipher } from '../src/services/credentials.js';
import { AGENT_STREAM_PROTOCOL } from '../src/services/media/websocket-agent.js';
import { MediaTokens } from '../src/services/media-tokens.js';
import type { Database } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrations.js';

/** A server on a fresh test database, with two organizations' API keys and a JSON client. */
export interface TestServer {
  readonly server: PatchbayServer;
  readonly database: TestDatabase;
  readonly apiKey: string;
  readonly otherKey: string;
  readonly mediaTokens: MediaTokens;
  readonly credentialKey: Buffer;
  /** The in-process signal bus, on the embedded database only. */
  readonly signals: CallSignals | undefined;
  /** The in-process call feed, on the embedded database only. */
  readonly feed: CallFeed | undefined;
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * The test database as the server sees it: a PostgreSQL server, or on PGlite
 * the embedded kind (one session, in-process signals, no leases). Closing
 * it is the test's business.
 */
export function serverDatabase(database: TestDatabase, sql = database.sql): Database {
  return database.kind === 'pglite'
    ? { sql, kind: 'embedded', close: async () => {} }
    : { sql, kind: 'postgres', url: database.url, close: async () => {} };
}

export async function startTestServer(
  registry: ProviderRegistry,
  /** Another server's database and keys: a second process of the same deployment. */
  share?: TestServer,
  options: Pick<
    PatchbayServerOptions,
    'eventSourceCheckMs' | 'transferSweepMs' | 'callSweepMs' | 'lifecycle' | 'webhookPollMs'
  > & {
    /** Environment the server's configuration is read from, over the tests' defaults. */
    env?: Record<string, string | undefined>;
    logger?: PatchbayServerOptions['logger'];
  } = {},
): Promise<TestServer> {
  const database = share?.database ?? (await startTestDatabase());
  let apiKey = share?.apiKey;
  let otherKey = share?.otherKey;
  if (!share) {
    await migrate(database.sql);
    apiKey = (await bootstrapOrganization(database.sql))!.apiKey;
    const other = generateApiKey();
    await database.sql`
      with org as (insert into organizations (name) values ('Other') returning id)
      insert into api_keys (organization_id, name, key_hash, key_prefix)
      select id, 'admin', ${other.hash}, ${other.prefix} from org`;
    otherKey = other.key;
  }
  const key = share?.credentialKey ?? randomBytes(32);
  // A second server on a real PostgreSQL gets its own connections, as a second process would;
  // the embedded database serves one connection, so there the client is shared.
  const ownSql =
    share && database.kind === 'postgres'
      ? postgres(database.url, { max: 4, onnotice: () => {} })
      : undefined;
  const sql = ownSql ?? database.sql;
  // On PGlite (one session, no NOTIFY over its socket) both servers are one process in
  // effect, so they share the in-process signal bus; on PostgreSQL each LISTENs itself.
  const embedded = database.kind === 'pglite';
  const signals = embedded ? (share?.signals ?? localCallSignals(silentLogger)) : undefined;
  const feed = embedded ? (share?.feed ?? localCallFeed(silentLogger)) : undefined;
  const { env, logger, ...serverOptions } = options;
  const server = await startPatchbayServer({
    config: loadServerConfig({ PORT: '0', PUBLIC_BASE_URL: 'https://voice.example.com', ...env }),
    database: serverDatabase(database, sql),
    ...(signals ? { signals } : {}),
    ...(feed ? { feed } : {}),
    ...serverOptions,
    registry,
    logger: logger ?? silentLogger,
    cipher: new CredentialCipher(key),
    mediaTokens: new MediaTokens(key),
  });
  return {
    server,
    database,
    signals,
    feed,
    apiKey: apiKey!,
    otherKey: otherKey!,
    credentialKey: key,
    mediaTokens: new MediaTokens(key),
    // The management API needs no socket: requests go through the whole stack in-process.
    async call(method, path, body, key = apiKey!) {
      const response = await server.inject({
        method: method as 'GET',
        url: path,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      const text = response.body;
      return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.close(1000);
      await ownSql?.end({ timeout: 5 });
      if (!share) await database.close();
    },
  };
}

/**
 * A bot on loopback that accepts the agent-stream subprotocol, as a voice
 * agent would; `url` is what an agent of kind `websocket` points at.
 */
export async function startAgentServer(
  onConnection: (socket: WebSocket) => void,
): Promise<{ server: WebSocketServer; url: string }> {
  const { server, url } = await startWebSocketHost({
    protocol: AGENT_STREAM_PROTOCOL,
    path: '/bot',
    onConnection,
  });
  return { server, url };
}

/** Saves, through `server`'s API, an ARI configuration for the Asterisk (simulator) at `endpoint`. */
export function saveAriConfiguration(
  server: TestServer,
  name: string,
  endpoint: string,
  password = 'ari-secret',
  key?: string,
) {
  return server.call(
    'POST',
    '/api/v1/configurations',
    {
      name,
      config: {
        provider: 'ari',
        ari_endpoint: endpoint,
        app_name: 'patchbay',
        app_password: password,
        ws_client_name: 'patchbay-media',
      },
    },
    key,
  );
}

import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A database for one test file: its own schema, on a real or embedded PostgreSQL. */
export interface TestDatabase {
  /** `postgres` when a PostgreSQL server answered, `pglite` for the embedded one. */
  readonly kind: 'postgres' | 'pglite';
  /** A connection URL whose search_path is this database's schema. */
  readonly url: string;
  /** A postgres.js client on that schema. */
  readonly sql: postgres.Sql;
  /** The schema every table goes into. */
  readonly schema: string;
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Skip any server and use the embedded PGlite, as a machine without
   * PostgreSQL would. `PATCHBAY_TEST_DATABASE=embedded` does the same for a whole run.
   */
  readonly embedded?: boolean;
}

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const probe = postgres(url, { max: 1, connect_timeout: 2, idle_timeout: 1, onnotice: () => {} });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

/**
 * A fresh schema on `TEST_DATABASE_URL`, else on the PostgreSQL at
 * 127.0.0.1:5432 when it answers, else on an embedded PGlite served over its
 * socket server, so the same SQL (postgres.js) runs in every case and a
 * machine without a database server still runs the tests instead of
 * skipping them. PGlite is a single session: its client gets one connection.
 */
export async function startTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const embedded = options.embedded ?? process.env['PATCHBAY_TEST_DATABASE'] === 'embedded';
  const configured = embedded ? undefined : process.env['TEST_DATABASE_URL'];
  let baseUrl: string;
  let kind: TestDatabase['kind'];
  let stopEmbedded: (() => Promise<void>) | undefined;
  let max = 4;
  if (configured) {
    baseUrl = configured;
    kind = 'postgres';
  } else if (!embedded && (await reachable(LOCAL_POSTGRES))) {
    baseUrl = LOCAL_POSTGRES;
    kind = 'postgres';
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
    await server.start();
    baseUrl = `postgres://postgres@${server.getServerConn()}/postgres`;
    kind = 'pglite';
    max = 1;
    stopEmbedded = async () => {
      await server.stop();
      await db.close();
    };
  }
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  await admin.end();
  const url = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const sql = postgres(baseUrl, { max, onnotice: () => {}, connection: { search_path: schema } });
  return {
    kind,
    url,
    sql,
    schema,
    async close() {
      try {
        await sql.unsafe(`drop schema if exists ${schema} cascade`);
      } finally {
        await sql.end({ timeout: 5 });
        await stopEmbedded?.();
      }
    },
  };
}

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import postgres from 'postgres';

/** The server's one SQL layer: postgres.js on a real server or on the embedded PGlite. */
export interface Database {
  readonly sql: postgres.Sql;
  /** `embedded` is one process only: PGlite is a single session and does not deliver NOTIFY over its socket. */
  readonly kind: 'postgres' | 'embedded';
  /**
   * The server's URL, for the few things that need a connection of their
   * own (event source leases); absent on the embedded database.
   */
  readonly url?: string;
  /** Where the embedded database keeps its files. */
  readonly dataDirectory?: string;
  close(): Promise<void>;
}

const quiet = { onnotice: () => {} };

/** Opens `url`, or an embedded PGlite under `dataDirectory` served to postgres.js over its socket server. */
export async function openDatabase(options: {
  readonly url?: string | undefined;
  readonly dataDirectory: string;
}): Promise<Database> {
  if (options.url) {
    const sql = postgres(options.url, { max: 10, ...quiet });
    return { sql, kind: 'postgres', url: options.url, close: () => sql.end({ timeout: 5 }) };
  }
  const directory = resolve(options.dataDirectory, 'pgdata');
  await mkdir(directory, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(directory);
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  // PGlite is one session: a second connection would interleave transactions.
  const sql = postgres(`postgres://postgres@${server.getServerConn()}/postgres`, {
    max: 1,
    ...quiet,
  });
  return {
    sql,
    kind: 'embedded',
    dataDirectory: join(resolve(options.dataDirectory)),
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await db.close();
    },
  };
}

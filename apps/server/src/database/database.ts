import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
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

/**
 * Opens `url`, or an embedded PGlite under `dataDirectory`, on a worker
 * thread, served to postgres.js over its socket server.
 */
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
  const embedded = await startEmbeddedDatabase(directory);
  // PGlite is one session: a second connection would interleave transactions.
  const sql = postgres(`postgres://postgres@${embedded.connection}/postgres`, {
    max: 1,
    ...quiet,
  });
  return {
    sql,
    kind: 'embedded',
    dataDirectory: join(resolve(options.dataDirectory)),
    async close() {
      await sql.end({ timeout: 5 });
      await embedded.close();
    },
  };
}

/** PGlite and its socket server on a worker thread, so its queries never run on the media thread. */
async function startEmbeddedDatabase(
  directory: string,
): Promise<{ connection: string; close(): Promise<void> }> {
  const worker = new Worker(new URL('./embedded-database-worker.mjs', import.meta.url), {
    workerData: { directory },
  });
  const next = (type: string) =>
    new Promise<{ connection?: string }>((resolve, reject) => {
      const onMessage = (message: { type?: string; connection?: string }) => {
        if (message?.type !== type) return;
        cleanUp();
        resolve(message);
      };
      const onError = (error: Error) => {
        cleanUp();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanUp();
        reject(new Error(`the embedded database stopped (exit ${code}) before it was ${type}`));
      };
      const cleanUp = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  const { connection } = await next('ready');
  return {
    connection: connection!,
    async close() {
      const closed = next('closed');
      worker.postMessage({ type: 'close' });
      await closed;
      await worker.terminate();
    },
  };
}

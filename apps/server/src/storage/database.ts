import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  const releaseDirectory = await claimDataDirectory(resolve(options.dataDirectory));
  const embedded = await startEmbeddedDatabase(directory).catch(async (error: unknown) => {
    await releaseDirectory();
    throw error;
  });
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
      await releaseDirectory();
    },
  };
}

/** Thrown when another live process has the embedded database open. */
export class DataDirectoryInUseError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${directory} is open in process ${pid}: stop it first (PGlite serves one process), or run both on a PostgreSQL server with DATABASE_URL`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

/**
 * Marks the data directory as this process's (`patchbay.pid`). PGlite takes
 * no lock of its own, and two processes writing one data directory would
 * corrupt it; a mark left by a process that died is taken over.
 */
async function claimDataDirectory(directory: string): Promise<() => Promise<void>> {
  const marker = join(directory, 'patchbay.pid');
  for (;;) {
    try {
      await writeFile(marker, String(process.pid), { flag: 'wx' });
      return () => rm(marker, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(marker, 'utf8').catch(() => ''));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder))
      throw new DataDirectoryInUseError(directory, holder);
    await rm(marker, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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

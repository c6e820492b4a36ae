/**
 * The embedded PostgreSQL (PGlite) on a thread of its own, served over its
 * socket server. PGlite runs each query synchronously in WebAssembly: on the
 * server's own thread, a burst of queries (a hundred calls starting or
 * ending together) stalled every call's audio for its duration.
 *
 * Plain JavaScript, so it loads as a worker wherever the server runs (tsx,
 * Vitest, plain Node). Messages: in `close`; out `ready` with the connection
 * address, then `closed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const db = await PGlite.create(workerData.directory);
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
await server.start();
parentPort.on('message', async (message) => {
  if (message?.type !== 'close') return;
  await server.stop();
  await db.close();
  parentPort.postMessage({ type: 'closed' });
});
parentPort.postMessage({ type: 'ready', connection: server.getServerConn() });

import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test database, for the failures a network
 * causes: a connection reset, or a database that stops answering.
 */
export interface DatabaseProxy {
  /** The database's URL, through the proxy. */
  readonly url: string;
  /** The next bytes any client sends are answered with a TCP reset instead. */
  resetOnNextSend(): void;
  /** From now on nothing passes either way, as behind a dead link; open connections stay open. */
  stall(): void;
  /** Closes every connection through the proxy, both sides. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startDatabaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const target = new URL(databaseUrl);
  let resetArmed = false;
  let stalled = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (bytes) => {
      if (resetArmed) {
        resetArmed = false;
        client.resetAndDestroy();
        upstream.destroy();
      } else if (!stalled) upstream.write(bytes);
    });
    upstream.on('data', (bytes) => {
      if (!stalled) client.write(bytes);
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: url.toString(),
    resetOnNextSend: () => {
      resetArmed = true;
    },
    stall: () => {
      stalled = true;
    },
    dropAll,
    close: async () => {
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A WebSocket server on loopback standing for a host's media or agent endpoint. */
export interface WebSocketHost {
  readonly server: WebSocketServer;
  /** `ws://127.0.0.1:<port><path>`: what the peer under test dials. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a loopback WebSocket server that accepts only `protocol` (as
 * chan_websocket's `media` or Patchbay's agent-stream subprotocol) and hands
 * each connection to `onConnection`.
 */
export async function startWebSocketHost(options: {
  readonly protocol: string;
  readonly path?: string;
  readonly onConnection?: (socket: WebSocket, request: IncomingMessage) => void;
}): Promise<WebSocketHost> {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (protocols) => (protocols.has(options.protocol) ? options.protocol : false),
  });
  await new Promise((resolve) => server.once('listening', resolve));
  if (options.onConnection) server.on('connection', options.onConnection);
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `ws://127.0.0.1:${port}${options.path ?? '/'}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/**
 * The ceiling for `bench:load`: a bare `ws` server that sends every media
 * message straight back, on the same frames, with none of Patchbay's work.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
server.on('listening', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : address}\n`);
});
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    // Only audio comes back, as Twilio's would from an agent.
    if (!isBinary && String(data).includes('"event":"media"')) socket.send(data, { binary: false });
  });
});
// Exits through Node's own path on SIGTERM, so --cpu-prof and the like write their files.
process.once('SIGTERM', () => process.exit(0));

/**
 * A carrier on a plain node:http server, no framework: answer calls with the
 * carrier's media stream, verify every webhook, and bridge the stream to an
 * echo agent. Each provider package's example builds its configuration from
 * the environment and hands it here; the host is the same for all of them.
 */
import { createServer } from 'node:http';
import {
  createMediaBridge,
  createRegistry,
  jsonResponse,
  PatchbayError,
  readNodeRequest,
  writeNodeResponse,
} from '@patchbay/core';
import { WebSocketServer } from 'ws';

export interface ServeProviderOptions {
  /** The carrier's name in messages, e.g. `Twilio`. */
  readonly carrier: string;
  readonly port?: number;
  /** The URL the carrier reaches, e.g. an ngrok tunnel; `http://localhost:<port>` by default. */
  readonly publicUrl?: string;
}

/** Serves `/answer`, `/status` and the `/media` socket for one configuration of `spec`. */
export function serveProvider(
  spec: Parameters<typeof createRegistry>[0][number],
  config: unknown,
  options: ServeProviderOptions,
): void {
  const port = options.port ?? Number(process.env['PORT'] ?? 3000);
  const publicUrl = options.publicUrl ?? process.env['PUBLIC_URL'] ?? `http://localhost:${port}`;
  const registry = createRegistry([spec]);
  const provider = registry.createProvider(config);

  const server = createServer(async (req, res) => {
    try {
      const request = await readNodeRequest(req, { publicOrigin: publicUrl });
      await provider.verifyWebhook(request); // every request, before anything is read
      if (request.method === 'POST' && req.url?.startsWith('/answer')) {
        const call = spec.inbound.parse(request);
        writeNodeResponse(
          res,
          await provider.answerCall({
            ...call,
            direction: 'inbound',
            mediaStreamUrl: `${publicUrl.replace(/^http/, 'ws')}/media`,
            statusCallbackUrl: `${publicUrl}/status`,
            customParameters: {},
          }),
        );
      } else if (req.url?.startsWith('/status')) {
        const update = provider.parseStatusCallback(request);
        console.log(`call ${update.callId}: ${update.status}`);
        writeNodeResponse(res, jsonResponse({ ok: true }));
      } else {
        writeNodeResponse(res, jsonResponse({ error: 'not found' }, 404));
      }
    } catch (error) {
      const status = PatchbayError.isInstance(error) ? error.httpStatus : 500;
      console.warn(String(error));
      writeNodeResponse(
        res,
        jsonResponse({ error: PatchbayError.isInstance(error) ? error.code : 'internal' }, status),
      );
    }
  });

  // A real host authenticates the media socket (a signed token in the URL path); see apps/server.
  new WebSocketServer({ server, path: '/media' }).on('connection', (socket) => {
    const bridge = createMediaBridge({
      socket,
      serializer: spec.media.createSerializer(),
      agentSampleRate: 16000,
      agent: {
        start: (info) => console.log(`stream for call ${info.callId} started`),
        audio: (samples) => bridge.sendAudio(samples), // the echo agent
        stop: (reason) => console.log(`stream ended: ${reason}`),
      },
    });
  });

  server.listen(port, () =>
    console.log(`${options.carrier} example listening on ${port}; webhooks at ${publicUrl}/answer`),
  );
}

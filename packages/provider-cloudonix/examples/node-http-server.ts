/**
 * Cloudonix on a plain node:http server, no framework: answer calls with a Media
 * Stream, verify every webhook, and bridge the stream to an echo agent.
 *
 *   CLOUDONIX_API_KEY=XI... CLOUDONIX_DOMAIN=acme.cloudonix.net PUBLIC_URL=https://abc.ngrok.app \
 *     pnpm --filter @patchbay/provider-cloudonix example
 *
 * Then set your Cloudonix voice application's URL to
 * ${PUBLIC_URL}/answer (POST) and call one of the domain's numbers: you hear yourself.
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
import { cloudonix } from '../src/index.js';

const port = Number(process.env['PORT'] ?? 3000);
const publicUrl = process.env['PUBLIC_URL'] ?? `http://localhost:${port}`;
const registry = createRegistry([cloudonix()]);
const spec = registry.get('cloudonix');
const provider = registry.createProvider({
  provider: 'cloudonix',
  bearer_token: process.env['CLOUDONIX_API_KEY'] ?? 'XIreplace-with-your-api-key',
  domain_id: process.env['CLOUDONIX_DOMAIN'] ?? 'acme.cloudonix.net',
});

const server = createServer(async (req, res) => {
  try {
    const request = await readNodeRequest(req, { publicOrigin: publicUrl });
    await provider.verifyWebhook(request); // every Cloudonix request (by its API key), before anything is read
    if (request.method === 'POST' && req.url?.startsWith('/answer')) {
      const call = spec.inbound.parse(request);
      const media = `${publicUrl.replace(/^http/, 'ws')}/media`;
      writeNodeResponse(
        res,
        await provider.answerCall({
          ...call,
          direction: 'inbound',
          mediaStreamUrl: media,
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

// A real host authenticates the media socket (a signed token in the URL path).
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
  console.log(`Cloudonix example listening on ${port}; webhooks at ${publicUrl}/answer`),
);

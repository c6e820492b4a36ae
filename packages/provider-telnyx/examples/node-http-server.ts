/**
 * Telnyx on a plain node:http server, no framework: answer calls with a Media
 * Stream, verify every webhook, and bridge the stream to an echo agent.
 *
 *   TELNYX_API_KEY=KEY... TELNYX_CONNECTION_ID=... TELNYX_PUBLIC_KEY=... PUBLIC_URL=https://abc.ngrok.app \
 *     pnpm --filter @patchbay/provider-telnyx example
 *
 * Then set your Call Control Application's webhook URL to
 * ${PUBLIC_URL}/answer and call one of its numbers: you hear yourself.
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
import { telnyx } from '../src/index.js';

const port = Number(process.env['PORT'] ?? 3000);
const publicUrl = process.env['PUBLIC_URL'] ?? `http://localhost:${port}`;
const registry = createRegistry([telnyx()]);
const spec = registry.get('telnyx');
const provider = registry.createProvider({
  provider: 'telnyx',
  api_key: process.env['TELNYX_API_KEY'] ?? 'replace-with-your-api-key',
  connection_id: process.env['TELNYX_CONNECTION_ID'] ?? 'replace-me',
  webhook_public_key: process.env['TELNYX_PUBLIC_KEY'],
});

const server = createServer(async (req, res) => {
  try {
    const request = await readNodeRequest(req, { publicOrigin: publicUrl });
    await provider.verifyWebhook(request); // every Telnyx request, before anything is read
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
  console.log(`Telnyx example listening on ${port}; webhooks at ${publicUrl}/answer`),
);

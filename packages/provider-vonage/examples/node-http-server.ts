/**
 * Vonage on a plain node:http server, no framework: answer calls with a Media
 * Stream, verify every webhook, and bridge the stream to an echo agent.
 *
 *   VONAGE_APPLICATION_ID=... VONAGE_PRIVATE_KEY_FILE=private.key VONAGE_API_KEY=... VONAGE_API_SECRET=... VONAGE_SIGNATURE_SECRET=... PUBLIC_URL=https://abc.ngrok.app \
 *     pnpm --filter @patchbay/provider-vonage example
 *
 * Then set your Vonage application's Answer URL (HTTP POST, signed callbacks on) to
 * ${PUBLIC_URL}/answer and call its number: you hear yourself.
 */
import { readFileSync } from 'node:fs';
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
import { vonage } from '../src/index.js';

const port = Number(process.env['PORT'] ?? 3000);
const publicUrl = process.env['PUBLIC_URL'] ?? `http://localhost:${port}`;
const registry = createRegistry([vonage()]);
const spec = registry.get('vonage');
const provider = registry.createProvider({
  provider: 'vonage',
  application_id: process.env['VONAGE_APPLICATION_ID'] ?? '00000000-0000-0000-0000-000000000000',
  private_key: process.env['VONAGE_PRIVATE_KEY_FILE']
    ? readFileSync(process.env['VONAGE_PRIVATE_KEY_FILE'], 'utf8')
    : '-----BEGIN PRIVATE KEY-----\nreplace-me\n-----END PRIVATE KEY-----',
  api_key: process.env['VONAGE_API_KEY'] ?? 'replace-me',
  api_secret: process.env['VONAGE_API_SECRET'] ?? 'replace-me',
  signature_secret: process.env['VONAGE_SIGNATURE_SECRET'] ?? 'replace-me',
});

const server = createServer(async (req, res) => {
  try {
    const request = await readNodeRequest(req, { publicOrigin: publicUrl });
    await provider.verifyWebhook(request); // every Vonage request, before anything is read
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
  console.log(`Vonage example listening on ${port}; webhooks at ${publicUrl}/answer`),
);

import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CallFeed } from '../services/calls/call-feed.js';
import type { PatchbayApp } from './app.js';

/** A comment line this often keeps proxies and browsers from timing an idle stream out. */
const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/v1/calls/events: the organization's calls as they start, change
 * status and end, as server-sent events (`event: call`, data a Call), from
 * whichever server process the change happened on. Authorized like the API
 * (a bearer key, or the console's session cookie, which is what a browser's
 * EventSource sends). A reader that reconnects reads the list again: events
 * are not replayed.
 */
export function registerCallEventsRoute(app: PatchbayApp, feed: CallFeed): void {
  const open = new Set<ServerResponse>();
  // Streams never end by themselves: end them before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get(
    '/api/v1/calls/events',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'streamCallEvents',
        summary: 'The organization’s calls as they change, as server-sent events',
        tags: ['calls'],
        produces: ['text/event-stream'],
        response: {
          200: z
            .string()
            .describe(
              'text/event-stream: `event: call` with a Call as its data, each time one starts, changes status or ends',
            ),
        },
      },
    },
    async (request, reply) => {
      const { organizationId } = request;
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx would otherwise hold events back in its buffer.
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      stream.write('retry: 3000\n\n');
      open.add(stream);
      const unsubscribe = feed.subscribe(organizationId, ({ call }) => {
        if (!stream.writableEnded)
          stream.write(`event: call\nid: ${call.id}\ndata: ${JSON.stringify(call)}\n\n`);
      });
      const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      keepAlive.unref();
      stream.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
        open.delete(stream);
      });
    },
  );
}

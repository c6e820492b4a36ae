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
import { serveProvider } from '@patchbay/example-node-http-host';
import { telnyx } from '../src/index.js';

// The host (node:http, verified webhooks, echo agent) is shared by every carrier's example.
serveProvider(
  telnyx(),
  {
    provider: 'telnyx',
    api_key: process.env['TELNYX_API_KEY'] ?? 'replace-with-your-api-key',
    connection_id: process.env['TELNYX_CONNECTION_ID'] ?? 'replace-me',
    webhook_public_key: process.env['TELNYX_PUBLIC_KEY'],
  },
  { carrier: 'Telnyx' },
);

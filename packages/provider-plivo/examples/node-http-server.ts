/**
 * Plivo on a plain node:http server, no framework: answer calls with a Media
 * Stream, verify every webhook, and bridge the stream to an echo agent.
 *
 *   PLIVO_AUTH_ID=MA... PLIVO_AUTH_TOKEN=... PUBLIC_URL=https://abc.ngrok.app \
 *     pnpm --filter @patchbay/provider-plivo example
 *
 * Then set your Plivo application's Answer URL to
 * ${PUBLIC_URL}/answer (HTTP POST) and call it: you hear yourself.
 */
import { serveProvider } from '@patchbay/example-node-http-host';
import { plivo } from '../src/index.js';

// The host (node:http, verified webhooks, echo agent) is shared by every carrier's example.
serveProvider(
  plivo(),
  {
    provider: 'plivo',
    auth_id: process.env['PLIVO_AUTH_ID'] ?? 'MA0000000000000000AA',
    auth_token: process.env['PLIVO_AUTH_TOKEN'] ?? 'replace-with-your-auth-token',
    application_id: process.env['PLIVO_APP_ID'] ?? '00000000000000000',
  },
  { carrier: 'Plivo' },
);

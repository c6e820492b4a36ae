/**
 * Vobiz on a plain node:http server, no framework: answer calls with an
 * audio stream, verify every callback, and bridge the stream to an echo agent.
 *
 *   VOBIZ_AUTH_ID=MA_... VOBIZ_AUTH_TOKEN=... VOBIZ_APP_ID=... PUBLIC_URL=https://abc.ngrok.app \
 *     pnpm --filter @patchbay/provider-vobiz example
 *
 * Then set your Vobiz application's Answer URL to ${PUBLIC_URL}/answer
 * (POST) and call one of its numbers: you hear yourself.
 */
import { serveProvider } from '@patchbay/example-node-http-host';
import { vobiz } from '../src/index.js';

// The host (node:http, verified webhooks, echo agent) is shared by every carrier's example.
serveProvider(
  vobiz(),
  {
    provider: 'vobiz',
    auth_id: process.env['VOBIZ_AUTH_ID'] ?? 'MA_EXAMPLE1',
    auth_token: process.env['VOBIZ_AUTH_TOKEN'] ?? 'replace-with-your-auth-token',
    application_id: process.env['VOBIZ_APP_ID'] ?? '00000000000000000',
  },
  { carrier: 'Vobiz' },
);

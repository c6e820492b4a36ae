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
import { serveProvider } from '@patchbay/example-node-http-host';
import { cloudonix } from '../src/index.js';

// The host (node:http, verified webhooks, echo agent) is shared by every carrier's example.
serveProvider(
  cloudonix(),
  {
    provider: 'cloudonix',
    bearer_token: process.env['CLOUDONIX_API_KEY'] ?? 'XIreplace-with-your-api-key',
    domain_id: process.env['CLOUDONIX_DOMAIN'] ?? 'acme.cloudonix.net',
  },
  { carrier: 'Cloudonix' },
);

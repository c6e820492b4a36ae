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
import { serveProvider } from '@patchbay/example-node-http-host';
import { vonage } from '../src/index.js';

// The host (node:http, verified webhooks, echo agent) is shared by every carrier's example.
serveProvider(
  vonage(),
  {
    provider: 'vonage',
    application_id: process.env['VONAGE_APPLICATION_ID'] ?? '00000000-0000-0000-0000-000000000000',
    private_key: process.env['VONAGE_PRIVATE_KEY_FILE']
      ? readFileSync(process.env['VONAGE_PRIVATE_KEY_FILE'], 'utf8')
      : '-----BEGIN PRIVATE KEY-----\nreplace-me\n-----END PRIVATE KEY-----',
    api_key: process.env['VONAGE_API_KEY'] ?? 'replace-me',
    api_secret: process.env['VONAGE_API_SECRET'] ?? 'replace-me',
    signature_secret: process.env['VONAGE_SIGNATURE_SECRET'] ?? 'replace-me',
  },
  { carrier: 'Vonage' },
);

/**
 * Twilio on a plain node:http server, no framework: answer calls with a Media
 * Stream, verify every webhook, and bridge the stream to an echo agent.
 *
 *   TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... PUBLIC_URL=https://abc.ngrok.app \
 *     pnpm --filter @patchbay/provider-twilio example
 *
 * Then set your Twilio number's "A call comes in" webhook to
 * ${PUBLIC_URL}/answer (HTTP POST) and call it: you hear yourself.
 */
import { serveProvider } from '@patchbay/example-node-http-host';
import { twilio } from '../src/index.js';

// The host (node:http, verified webhooks, echo agent) is shared by every carrier's example.
serveProvider(
  twilio(),
  {
    provider: 'twilio',
    account_sid: process.env['TWILIO_ACCOUNT_SID'] ?? 'AC00000000000000000000000000000000',
    auth_token: process.env['TWILIO_AUTH_TOKEN'] ?? 'replace-with-your-auth-token',
  },
  { carrier: 'Twilio' },
);

/**
 * Saves a 3CX configuration the way a host does: validate, mint the Stasis
 * application, provision Asterisk's realtime tables and ask that Asterisk
 * (over ARI at `ari_endpoint`) to reload its outbound registrations, so it
 * registers the extension. Prints the rows written.
 *
 *   ASTERISK_ARA_DSN=postgres://asterisk@127.0.0.1:5432/asterisk npx tsx examples/provision.ts
 *
 * The database needs Asterisk's realtime tables (contrib/realtime/postgresql).
 */
import { createRegistry } from '@patchbay/core';
import postgres from 'postgres';
import { araRows, type ThreeCxConfig, threeCx } from '../src/index.js';

const dsn = process.env['ASTERISK_ARA_DSN'];
if (!dsn)
  throw new Error('Set ASTERISK_ARA_DSN to the PostgreSQL Asterisk reads its realtime config from');

const ara = postgres(dsn, { max: 2 });
try {
  const registry = createRegistry([threeCx({ ara })]);
  const saved = (await registry.prepareSave(
    {
      provider: 'three_cx',
      ari_endpoint: 'http://127.0.0.1:8088',
      app_name: 'patchbay',
      app_password: 'change-me',
      ws_client_name: 'patchbay-media',
      sip_domain: '1156.3cx.cloud',
      extension: '12611',
      sip_password: 'the-extension-sip-password',
      strip_prefix: '^\\+39',
    },
    undefined,
    { logger: console, inboundWebhookUrl: 'https://voice.example.com/telephony/inbound' },
  )) as ThreeCxConfig;
  console.log('stored (masked):', registry.maskConfig(saved));
  const { ps_auths: _secret, ...visible } = araRows(saved);
  console.log('written to Asterisk realtime:', JSON.stringify(visible, null, 2));
} finally {
  await ara.end();
}

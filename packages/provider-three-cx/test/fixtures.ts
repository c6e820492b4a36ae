import { readFile } from 'node:fs/promises';
import type { Sql } from 'postgres';
import type { ThreeCxConfig } from '../src/index.js';

/** The reference's known-answer configuration, with Patchbay's minted Stasis application. */
export function threeCxConfig(ariEndpoint = 'http://127.0.0.1:8088'): ThreeCxConfig {
  return {
    provider: 'three_cx',
    ari_endpoint: ariEndpoint,
    app_name: 'patchbay',
    app_password: 'secret',
    ws_client_name: 'patchbay',
    stasis_app_name: 'patchbay_0123456789ab',
    sip_domain: '1156.3cx.cloud',
    extension: '12611',
    sip_password: '3cx-sip-secret',
    strip_prefix: '^\\+39',
    from_numbers: [],
    transport_name: 'transport-udp',
  };
}

/** Asterisk's own realtime DDL for the five tables (tag 22.10.1), as the reference captured it. */
export async function createAraTables(sql: Sql): Promise<void> {
  const ddl = await readFile(new URL('./fixtures/ara-realtime-ddl.sql', import.meta.url), 'utf8');
  await sql.unsafe(ddl).simple();
}

/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside
 * `postgres` and `ws`, and the README's `server.mjs` run unchanged against
 * Asterisk's realtime tables on the test PostgreSQL and the testkit's
 * Asterisk simulator. It provisions the extension and has Asterisk reload
 * its registrations, echoes a call of the extension, and reports its end.
 */
import {
  type AriSimulator,
  freePort,
  type ReadmeHost,
  speakOnAriMedia,
  startAriSimulator,
  startReadmeHost,
  startTestDatabase,
  type TestDatabase,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAraTables } from './fixtures.js';

const ENDPOINT = 'patchbay_1156_3cx_cloud_12611';
let database: TestDatabase;
let simulator: AriSimulator;
let host: ReadmeHost | undefined;
let port: number;

beforeAll(async () => {
  database = await startTestDatabase();
  // The host opens its own connection; the embedded database serves one at a time.
  if (database.kind !== 'postgres') return;
  await createAraTables(database.sql);
  port = await freePort();
  simulator = await startAriSimulator({
    username: 'patchbay',
    password: 'readme-secret',
    websocketClients: { patchbay: `ws://127.0.0.1:${port}/media` },
  });
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-ari', 'provider-three-cx'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['postgres@^3.4.9', 'ws@^8.18.0'],
    port,
    env: {
      ASTERISK_ARA_DSN: database.url,
      ARI_URL: simulator.url,
      ARI_USER: 'patchbay',
      ARI_PASSWORD: 'readme-secret',
      THREECX_SIP_DOMAIN: '1156.3cx.cloud',
      THREECX_EXTENSION: '12611',
      THREECX_SIP_PASSWORD: '3cx-sip-secret',
    },
  });
}, 240_000);

afterAll(async () => {
  await host?.close();
  await simulator?.close();
  await database?.close();
});

it('provisions the extension, echoes its call, and reports the end', async (context) => {
  // Needs a PostgreSQL server: the host and the test each hold a connection.
  if (database.kind !== 'postgres') context.skip();
  await expect.poll(() => simulator.applications(), { timeout: 10_000 }).toHaveLength(1);
  const [app] = simulator.applications();
  expect(host!.output()).toContain(`extension 12611 on ${app}`);
  // Provisioned: the endpoint routes the extension's calls to that application.
  const [endpoint] = await database.sql<{ context: string; set_var: string }[]>`
    select context, set_var from ps_endpoints where id = ${ENDPOINT}`;
  expect(endpoint?.set_var).toContain(app);
  expect(simulator.reloads).toContain('res_pjsip_outbound_registration.so');

  const caller = simulator.placeInboundCall({
    app: app!,
    exten: '12611',
    callerNumber: '+390612345678',
    args: ['inbound', ENDPOINT],
    context: endpoint!.context,
  });
  const session = await simulator.waitForMedia();
  await expect
    .poll(() => host!.output(), { timeout: 5000 })
    .toContain(`call ${caller.id} from +390612345678 to 12611`);

  // The echo comes back: at least 15 of the 25 frames played (the bridge's lead holds some).
  expect(await speakOnAriMedia(session)).toBeGreaterThanOrEqual(160 * 15);

  simulator.hangUp(caller.id, 16, 'Normal Clearing');
  await expect
    .poll(() => host!.output(), { timeout: 5000 })
    .toContain(`call ${caller.id}: completed`);
}, 60_000);

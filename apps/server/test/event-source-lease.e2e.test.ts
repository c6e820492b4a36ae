/**
 * Two servers of one deployment and one Asterisk: Asterisk gives a Stasis
 * application to the newest socket, so only the process holding the
 * configuration's lease may open it; when that lease goes (the process
 * stopped, or its database session died) the connection moves on.
 */
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { type AriSimulator, startAriSimulator } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveAriConfiguration, startTestServer, type TestServer } from './helpers.js';

let a: TestServer;
let b: TestServer;
let simulator: AriSimulator;
const CHECK_MS = 200;

beforeAll(async () => {
  const registry = () =>
    createRegistry([
      ari({ reconnect: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 1000 } }),
    ]);
  a = await startTestServer(registry(), undefined, { eventSourceCheckMs: CHECK_MS });
  b = await startTestServer(registry(), a, { eventSourceCheckMs: CHECK_MS });
  simulator = await startAriSimulator({ username: 'patchbay', password: 'ari-secret' });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await simulator?.close();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, CHECK_MS * 4));

it('runs each event connection in one process, follows changes made in the other, and hands over', async (context) => {
  // On PGlite the two servers are one process in effect (one session, no locks between them).
  if (a.database.kind !== 'postgres') context.skip();
  const created = await saveAriConfiguration(b, 'Office Asterisk', simulator.url);
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const app = created.body.config.stasis_app_name as string;
  const opened = () => simulator.eventConnections.filter((apps) => apps.includes(app)).length;
  const holders = () => [a, b].filter((server) => server.server.eventSources.running.includes(id));

  await expect.poll(() => simulator.applications()).toEqual([app]);
  await settle();
  expect(opened()).toBe(1);
  expect(holders()).toHaveLength(1);

  // Deactivated through the process that does not hold it: the holder notices and lets go.
  const [holder] = holders();
  const other = holder === a ? b : a;
  expect((await other.call('POST', `/api/v1/configurations/${id}/deactivate`)).status).toBe(200);
  await expect.poll(() => holders()).toHaveLength(0);
  await expect.poll(() => simulator.applications()).toEqual([]);
  expect((await other.call('POST', `/api/v1/configurations/${id}/activate`)).status).toBe(200);
  await expect.poll(() => simulator.applications()).toEqual([app]);
  await settle();
  expect(opened()).toBe(2);
  expect(holders()).toHaveLength(1);

  // The holder's database session dies, as when its process is killed: PostgreSQL frees the
  // lease, the old holder stops its connection at its next check, and one process (either)
  // runs it again, without opening it more than once.
  const before = opened();
  await a.database.sql`
    select pg_terminate_backend(pid) from pg_locks
    where locktype = 'advisory' and classid = 4731903
      and objid = (hashtext(${id})::bigint & 4294967295)::text::oid`;
  await expect.poll(() => opened(), { timeout: 5000 }).toBe(before + 1);
  // The old holder learns of it at its next check, which a loaded machine may run late.
  await expect.poll(() => holders(), { timeout: 5000 }).toHaveLength(1);
  await settle();
  expect(opened()).toBe(before + 1);
  expect(holders()).toHaveLength(1);
  expect(simulator.applications()).toEqual([app]);

  // The holder shuts down: the other process takes the connection over.
  const leaving = holders()[0]!;
  await leaving.server.eventSources.stop();
  await expect.poll(() => holders()).toEqual([leaving === a ? b : a]);
  await expect.poll(() => simulator.applications()).toEqual([app]);
  expect(opened()).toBe(before + 2);
}, 30_000);

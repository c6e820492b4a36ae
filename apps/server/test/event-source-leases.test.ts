/**
 * The PostgreSQL leases that keep a carrier event connection in one process,
 * when the lease session breaks or stops answering.
 */
import type { Logger } from '@patchbay/core';
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type EventSourceLeases, postgresLeases } from '../src/services/event-source-leases.js';
import { type DatabaseProxy, startDatabaseProxy } from './database-proxy.js';

let database: TestDatabase;
let proxy: DatabaseProxy;
const open: EventSourceLeases[] = [];
const warnings: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (_fields, message) => warnings.push(message),
  error: (_fields, message) => warnings.push(message),
};
const leasesAt = (url: string) => {
  const leases = postgresLeases(url, logger, { answerWithinMs: 300 });
  open.push(leases);
  return leases;
};

beforeAll(async () => {
  database = await startTestDatabase();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((leases) => leases.close()));
  await proxy?.close();
  warnings.length = 0;
});
afterAll(async () => {
  await database?.close();
});

it('counts the leases lost when the session stops answering, and lets them go to another process', async (context) => {
  // Advisory locks between sessions need a PostgreSQL server; the embedded database is one process.
  if (database.kind !== 'postgres') context.skip();
  proxy = await startDatabaseProxy(database.url);
  const holder = leasesAt(proxy.url);
  const other = leasesAt(database.url);
  expect(await holder.acquire('configuration-1')).toBe(true);
  expect(await other.acquire('configuration-1')).toBe(false);
  expect(await holder.healthy()).toBe(true);

  proxy.stall();
  expect(await holder.healthy()).toBe(false);
  expect(warnings).toContain('event source lease check failed');
  // The silent session was dropped; once the database sees it gone, the lease is free.
  proxy.dropAll();
  await expect.poll(() => other.acquire('configuration-1'), { timeout: 10_000 }).toBe(true);
});

it('counts the leases lost when the session is reset, and answers again on a new one', async (context) => {
  if (database.kind !== 'postgres') context.skip();
  proxy = await startDatabaseProxy(database.url);
  const holder = leasesAt(proxy.url);
  const other = leasesAt(database.url);
  expect(await holder.acquire('configuration-2')).toBe(true);

  proxy.resetOnNextSend();
  expect(await holder.healthy()).toBe(false);
  // The reset closed the session, and with it the lock: whoever asks first now holds it.
  await expect.poll(() => other.acquire('configuration-2'), { timeout: 10_000 }).toBe(true);
  expect(await holder.acquire('configuration-2')).toBe(false);
  expect(await holder.healthy()).toBe(true);
});

/**
 * The server runs a patched postgres.js 3.4.9 (patches/postgres@3.4.9.patch).
 * These tests put a TCP proxy between the client and the database, so the
 * failures the patch is for happen on cue rather than once in a few hundred
 * CI runs.
 */
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DatabaseProxy, startDatabaseProxy } from './database-proxy.js';

/** Settles with what the query did, or says it never answered. */
async function outcome(query: Promise<unknown>, waitMs = 5000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('never answered'), waitMs);
  });
  try {
    return await Promise.race([
      query.then(
        () => 'answered',
        (error: unknown) => `failed: ${(error as Error).message}`,
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

let database: TestDatabase;
let proxy: DatabaseProxy;
beforeAll(async () => {
  database = await startTestDatabase();
  proxy = await startDatabaseProxy(database.url);
});
afterAll(async () => {
  await proxy?.close();
  await database?.close();
});

it('fails a query sent on a connection between its socket error and its close, and goes on with a new one', async () => {
  // One connection, as the event-source lease session has: the query sent right after the
  // error (a lease check's clean-up) waited for good before the patch, and so did end().
  const sql = postgres(proxy.url, { max: 1, onnotice: () => {} });
  try {
    expect(await outcome(sql`select 1`)).toBe('answered');
    proxy.resetOnNextSend();
    let sentAfterError: Promise<string> | undefined;
    const first = await outcome(
      sql`select 2`.catch((error: unknown) => {
        // Sent from the error handler itself: the socket has failed, its close is still to come.
        sentAfterError = outcome(sql`select 3`);
        throw error;
      }),
    );
    expect(first).toMatch(/^failed: .*ECONNRESET/);
    expect(await sentAfterError).toMatch(/^(failed|answered)/);
    expect(await outcome(sql`select 4`)).toBe('answered');
  } finally {
    expect(await outcome(sql.end({ timeout: 5 }).then(() => []))).toBe('answered');
  }
});

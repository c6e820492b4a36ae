/**
 * The call list: newest first, a page at a time with a cursor, filtered by
 * configuration, direction and status; one organization never sees
 * another's calls.
 */
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveAriConfiguration, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let organizationId: string;
const ids: string[] = [];
beforeAll(async () => {
  t = await startTestServer(createRegistry([ari()]));
  organizationId = (await t.call('GET', '/api/v1/organization')).body.id;
  const configuration = (await saveAriConfiguration(t, 'pbx', 'http://127.0.0.1:9')).body
    .id as string;
  // Seven calls a second apart, the last two in the same instant: the id breaks the tie.
  const statuses = [
    'completed',
    'busy',
    'in-progress',
    'completed',
    'ringing',
    'failed',
    'completed',
  ];
  for (const [i, status] of statuses.entries()) {
    const id = crypto.randomUUID();
    ids.push(id);
    await t.database.sql`
      insert into calls (id, organization_id, configuration_id, provider, direction,
                         from_address, to_address, status, created_at)
      values (${id}, ${organizationId}, ${i % 2 === 0 ? configuration : null}, 'ari',
              ${i < 4 ? 'inbound' : 'outbound'}, '+15551230000', '7001', ${status},
              ${new Date(Date.UTC(2026, 0, 1, 0, 0, Math.min(i, 5)))})`;
  }
  ids.push(configuration);
});
afterAll(async () => t?.close());

const list = async (query: string, key?: string) => {
  const answer = await t.call('GET', `/api/v1/calls${query}`, undefined, key);
  expect(answer.status).toBe(200);
  return answer.body as { calls: { id: string; status: string }[]; nextCursor: string | null };
};

it('pages through every call, newest first, each once', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.calls.map((call) => call.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  expect(pages).toBe(3);
  const newestFirst = (await list('?limit=200')).calls.map((call) => call.id);
  expect(seen).toEqual(newestFirst);
  expect(new Set(seen).size).toBe(7);
  expect(newestFirst.slice(2)).toEqual(ids.slice(0, 5).reverse());
});

it('filters by status, live calls, direction and configuration', async () => {
  expect((await list('?status=completed')).calls).toHaveLength(3);
  expect((await list('?status=live')).calls.map((call) => call.status).sort()).toEqual([
    'in-progress',
    'ringing',
  ]);
  expect((await list('?direction=outbound')).calls).toHaveLength(3);
  const configuration = ids.at(-1)!;
  expect((await list(`?configurationId=${configuration}`)).calls).toHaveLength(4);
  expect((await list(`?configurationId=${configuration}&status=completed`)).calls).toHaveLength(2);
});

it('refuses what it cannot read, and shows another organization nothing', async () => {
  for (const query of ['?status=lost', '?cursor=bm9wZQ', '?limit=0', '?configurationId=x'])
    expect((await t.call('GET', `/api/v1/calls${query}`)).status).toBe(400);
  expect((await list('', t.otherKey)).calls).toEqual([]);
});

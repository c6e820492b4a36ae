/**
 * The operator's way back in: organizations and keys from the command line,
 * on the embedded database, which a running server must not share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keysCli } from '../src/keys-cli.js';
import { organizationForApiKey } from '../src/services/api-keys.js';
import { openDatabase } from '../src/storage/database.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'patchbay-keys-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function keys(...argv: string[]) {
  const out: string[] = [];
  const errors: string[] = [];
  const code = await keysCli(
    argv,
    { PATCHBAY_DATA_DIR: directory },
    (line) => out.push(line),
    (line) => errors.push(line),
  );
  return { code, out: out.join('\n'), errors: errors.join('\n') };
}

it('creates an organization and keys, lists them without secrets, and revokes one', async () => {
  const created = await keys('create-org', 'Acme');
  expect(created.code).toBe(0);
  const organizationId = /organization ([0-9a-f-]{36})/.exec(created.out)![1]!;
  const firstKey = /(pbk_[A-Za-z0-9_-]{43})/.exec(created.out)![1]!;

  const minted = await keys('create', '--org', organizationId, '--name', 'ci');
  expect(minted.code).toBe(0);
  const secondKey = /(pbk_[A-Za-z0-9_-]{43})/.exec(minted.out)![1]!;
  const secondId = /key ([0-9a-f-]{36})/.exec(minted.out)![1]!;

  const until = '2099-01-01T00:00:00.000Z';
  const lapsing = await keys(
    'create',
    '--org',
    organizationId,
    '--name',
    'temp',
    '--expires',
    until,
  );
  expect(lapsing.code).toBe(0);
  expect(
    (await keys('create', '--org', organizationId, '--name', 'x', '--expires', '2001-01-01'))
      .errors,
  ).toContain('--expires must be a time in the future');

  const listed = await keys('list', '--org', organizationId);
  expect(listed.out.split('\n')).toHaveLength(3);
  expect(listed.out).toContain(`live until ${until}`);
  expect(listed.out).toContain('"ci"');
  expect(listed.out).not.toContain(firstKey);
  expect(listed.out).not.toContain(secondKey);

  expect((await keys('revoke', secondId)).code).toBe(0);
  expect((await keys('revoke', secondId)).code).toBe(2); // already revoked
  const database = await openDatabase({ dataDirectory: directory });
  try {
    expect(await organizationForApiKey(database.sql, secondKey)).toBeUndefined();
    expect(await organizationForApiKey(database.sql, firstKey)).toMatchObject({
      organizationId,
      scope: 'organization',
    });
    // A server has the embedded database open: the command refuses rather than corrupt it.
    const refused = await keys('orgs');
    expect(refused.code).toBe(1);
    expect(refused.errors).toMatch(/is open in process \d+/);
  } finally {
    await database.close();
  }
  // Each command boots the embedded database afresh (seven times here): seconds each on a
  // busy two-core machine running the other suites beside it.
}, 180_000);

it('explains itself when used wrongly', async () => {
  const nothing = await keys();
  expect(nothing.code).toBe(2);
  expect(nothing.out).toContain('Usage: keys');
  const badOrg = await keys('create', '--org', 'acme', '--name', 'x');
  expect(badOrg.code).toBe(2);
  expect(badOrg.errors).toContain('--org must be a UUID');
  expect((await keys('teleport')).errors).toContain('unknown command "teleport"');
}, 60_000);

/**
 * Organizations and API keys through the API: every organization manages its
 * own keys; the deployment key (the first-start key) creates organizations;
 * a revoked key is refused from the next request.
 */
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveAriConfiguration, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(createRegistry([ari()]));
});
afterAll(async () => t?.close());

it('lets an organization mint, list and revoke its own keys, and no one else’s', async () => {
  const minted = await t.call('POST', '/api/v1/api-keys', { name: 'ci' }, t.otherKey);
  expect(minted.status).toBe(201);
  expect(minted.body.key).toMatch(/^pbk_/);
  expect(minted.body.apiKey).toMatchObject({ name: 'ci', scope: 'organization', revokedAt: null });
  expect((await t.call('GET', '/api/v1/agents', undefined, minted.body.key)).status).toBe(200);

  const listed = await t.call('GET', '/api/v1/api-keys', undefined, t.otherKey);
  expect(listed.body.apiKeys.map((key: { name: string }) => key.name)).toEqual(['admin', 'ci']);
  expect(JSON.stringify(listed.body)).not.toContain(minted.body.key);
  expect(listed.body.apiKeys[1].lastUsedAt).not.toBeNull();

  // Another organization cannot see or revoke it.
  const id = minted.body.apiKey.id;
  expect((await t.call('DELETE', `/api/v1/api-keys/${id}`)).status).toBe(404);
  expect((await t.call('DELETE', `/api/v1/api-keys/${id}`, undefined, t.otherKey)).status).toBe(
    204,
  );
  const refused = await t.call('GET', '/api/v1/agents', undefined, minted.body.key);
  expect(refused.status).toBe(401);
  expect(
    (await t.call('POST', '/api/v1/api-keys', { name: 'x', scope: 'deployment' }, t.otherKey)).body
      .error.code,
  ).toBe('deployment_key_required');
});

it('lets the deployment key create organizations, whose keys manage only themselves', async () => {
  const created = await t.call('POST', '/api/v1/organizations', { name: 'Acme' });
  expect(created.status).toBe(201);
  const acmeKey = created.body.key as string;
  const acmeId = created.body.organization.id as string;
  expect((await t.call('GET', '/api/v1/agents', undefined, acmeKey)).body.agents).toEqual([]);
  const forbidden = await t.call('GET', '/api/v1/organizations', undefined, acmeKey);
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.code).toBe('deployment_key_required');

  const organizations = await t.call('GET', '/api/v1/organizations');
  expect(organizations.body.organizations.map((org: { name: string }) => org.name)).toContain(
    'Acme',
  );
  const second = await t.call('POST', `/api/v1/organizations/${acmeId}/api-keys`, {
    name: 'ops',
  });
  expect(second.status).toBe(201);
  const keys = await t.call('GET', `/api/v1/organizations/${acmeId}/api-keys`);
  expect(keys.body.apiKeys).toHaveLength(2);
  expect(
    (await t.call('DELETE', `/api/v1/organizations/${acmeId}/api-keys/${second.body.apiKey.id}`))
      .status,
  ).toBe(204);
  expect((await t.call('GET', '/api/v1/agents', undefined, second.body.key)).status).toBe(401);
  expect(
    (await t.call('GET', `/api/v1/organizations/${crypto.randomUUID()}/api-keys`)).status,
  ).toBe(404);
});

it('mints keys that lapse: refused once their expiry has passed, and never minted expired', async () => {
  const past = await t.call('POST', '/api/v1/api-keys', {
    name: 'late',
    expiresAt: '2020-01-01T00:00:00Z',
  });
  expect(past.status).toBe(400);
  expect(past.body.error.message).toContain('expiresAt');
  expect(
    (await t.call('POST', '/api/v1/api-keys', { name: 'x', expiresAt: 'next week' })).status,
  ).toBe(400);

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const lapsing = await t.call('POST', '/api/v1/api-keys', { name: 'contractor', expiresAt });
  expect(lapsing.status).toBe(201);
  expect(lapsing.body.apiKey.expiresAt).toBe(expiresAt);
  expect((await t.call('GET', '/api/v1/agents', undefined, lapsing.body.key)).status).toBe(200);
  // The hour passes.
  await t.database.sql`
    update api_keys set expires_at = now() - interval '1 second' where id = ${lapsing.body.apiKey.id}`;
  const refused = await t.call('GET', '/api/v1/agents', undefined, lapsing.body.key);
  expect(refused.status).toBe(401);
});

it('lets the deployment key rename and delete organizations, but not while they hold anything live', async () => {
  const created = await t.call('POST', '/api/v1/organizations', { name: 'Short-lived' });
  const { id } = created.body.organization as { id: string };
  const key = created.body.key as string;

  const renamed = await t.call('PATCH', `/api/v1/organizations/${id}`, { name: 'Renamed' });
  expect(renamed.status).toBe(200);
  expect(renamed.body).toMatchObject({ id, name: 'Renamed', defaultCountry: null });
  expect((await t.call('GET', '/api/v1/organization', undefined, key)).body.name).toBe('Renamed');
  // Its own key renames itself, never another.
  expect((await t.call('PATCH', `/api/v1/organizations/${id}`, { name: 'x' }, key)).status).toBe(
    403,
  );

  // A configuration holds carrier-side state its own delete releases: not cascaded away.
  const configuration = await saveAriConfiguration(t, 'pbx', 'http://127.0.0.1:9', 'secret', key);
  expect(configuration.status).toBe(201);
  const notEmpty = await t.call('DELETE', `/api/v1/organizations/${id}`);
  expect(notEmpty.status).toBe(409);
  expect(notEmpty.body.error.code).toBe('organization_not_empty');
  expect(
    (await t.call('DELETE', `/api/v1/configurations/${configuration.body.id}`, undefined, key))
      .status,
  ).toBe(204);

  // A live call would go on in the world with no record of it.
  const [call] = await t.database.sql<{ id: string }[]>`
    insert into calls (id, organization_id, provider, direction, from_address, to_address, status)
    values (${crypto.randomUUID()}, ${id}, 'ari', 'inbound', '+15551230000', '7001', 'in-progress') returning id`;
  expect((await t.call('DELETE', `/api/v1/organizations/${id}`)).body.error.code).toBe(
    'calls_live',
  );
  await t.database.sql`update calls set status = 'completed' where id = ${call!.id}`;

  const own = (await t.call('GET', '/api/v1/organization')).body.id as string;
  expect((await t.call('DELETE', `/api/v1/organizations/${own}`)).body.error.code).toBe(
    'own_organization',
  );
  expect((await t.call('DELETE', `/api/v1/organizations/${id}`)).status).toBe(204);
  expect((await t.call('GET', '/api/v1/agents', undefined, key)).status).toBe(401);
  expect((await t.call('DELETE', `/api/v1/organizations/${id}`)).status).toBe(404);
  expect(
    (await t.call('PATCH', `/api/v1/organizations/${crypto.randomUUID()}`, { name: 'y' })).status,
  ).toBe(404);
});

it('keeps the last deployment key: revoking it would lock the operator out', async () => {
  const own = (await t.call('GET', '/api/v1/api-keys')).body.apiKeys.find(
    (key: { scope: string; revokedAt: string | null }) =>
      key.scope === 'deployment' && key.revokedAt === null,
  );
  const last = await t.call('DELETE', `/api/v1/api-keys/${own.id}`);
  expect(last.status).toBe(409);
  expect(last.body.error.code).toBe('last_deployment_key');
  const spare = await t.call('POST', '/api/v1/api-keys', { name: 'spare', scope: 'deployment' });
  expect(spare.status).toBe(201);
  expect(
    (await t.call('DELETE', `/api/v1/api-keys/${own.id}`, undefined, spare.body.key)).status,
  ).toBe(204);
  expect((await t.call('GET', '/api/v1/organizations', undefined, spare.body.key)).status).toBe(
    200,
  );

  // Two deployment keys revoking each other at once: one of them stays.
  const other = await t.call(
    'POST',
    '/api/v1/api-keys',
    { name: 'other', scope: 'deployment' },
    spare.body.key,
  );
  const outcomes = await Promise.all([
    t.call('DELETE', `/api/v1/api-keys/${other.body.apiKey.id}`, undefined, spare.body.key),
    t.call('DELETE', `/api/v1/api-keys/${spare.body.apiKey.id}`, undefined, other.body.key),
  ]);
  // The other is refused: as the last deployment key (409), or as revoked already (401).
  expect(outcomes.filter((outcome) => outcome.status === 204)).toHaveLength(1);
  const [{ live }] = (await t.database.sql`
    select count(*)::int as live from api_keys
    where scope = 'deployment' and revoked_at is null`) as unknown as [{ live: number }];
  expect(live).toBe(1);
});

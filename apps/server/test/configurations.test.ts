/** Configuration CRUD over HTTP, on the local PostgreSQL or the embedded one. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { threeCx } from '@patchbay/provider-three-cx';
import { startAriSimulator, startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialCipher, loadCredentialKey } from '../src/services/credentials.js';
import { startTestServer, type TestServer } from './helpers.js';

describe('credential encryption', () => {
  it('round-trips, and refuses a ciphertext moved to another row or tampered with', () => {
    const cipher = new CredentialCipher(randomBytes(32));
    const sealed = cipher.encrypt({ app_password: 'hunter2-secret' }, 'row-1');
    expect(sealed.includes(Buffer.from('hunter2-secret'))).toBe(false);
    expect(cipher.decrypt(sealed, 'row-1')).toEqual({ app_password: 'hunter2-secret' });
    expect(() => cipher.decrypt(sealed, 'row-2')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered, 'row-1')).toThrow();
  });

  it('keeps one key file in the embedded data directory, readable only by its owner', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'patchbay-key-'));
    try {
      const first = await loadCredentialKey({ dataDirectory: directory });
      const second = await loadCredentialKey({ dataDirectory: directory });
      expect(second.equals(first)).toBe(true);
      expect((await stat(join(directory, 'credential.key'))).mode & 0o777).toBe(0o600);
      expect((await readFile(join(directory, 'credential.key'), 'utf8')).trim()).toBe(
        first.toString('base64'),
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('uses the configured key, and refuses a database server without one', async () => {
    const key = randomBytes(32);
    expect((await loadCredentialKey({ configured: key.toString('hex') })).equals(key)).toBe(true);
    await expect(loadCredentialKey({})).rejects.toThrow(/CREDENTIAL_ENCRYPTION_KEY/);
  });
});

describe('/api/v1/configurations', () => {
  let test: TestDatabase;
  let ara: TestDatabase;
  let t: TestServer;
  let otherKey: string;

  beforeAll(async () => {
    ara = await startTestDatabase();
    t = await startTestServer(createRegistry([ari(), threeCx({ ara: ara.sql })]));
    test = t.database;
    otherKey = t.otherKey;
  });
  afterAll(async () => {
    await t?.close();
    await ara?.close();
  });
  beforeEach(async () => {
    await test.sql`delete from telephony_configurations`;
  });

  const call = (method: string, path: string, body?: unknown, key?: string) =>
    t.call(method, `/api/v1/configurations${path}`, body, key);
  const ariConfig = {
    provider: 'ari',
    ari_endpoint: 'http://pbx.example.com:8088',
    app_name: 'patchbay',
    app_password: 'ari-password-secret',
    ws_client_name: 'patchbay-media',
  };

  it('creates, lists, reads and updates with secrets masked and restored, encrypted at rest', async () => {
    const created = await call('POST', '', { name: 'Office PBX', config: ariConfig });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Office PBX', provider: 'ari', active: true });
    // Asterisk calls over its connection: nothing to paste, and its checklist says where the
    // credentials are proven instead.
    expect(created.body.setup.inboundWebhookUrl).toBeNull();
    expect(created.body.setup.checklist.steps.map((step: { key: string }) => step.key)).toEqual([
      'ari-credentials',
    ]);
    expect(created.body.config.app_password).not.toBe('ari-password-secret');
    expect(created.body.config.stasis_app_name).toMatch(/^patchbay_[0-9a-f]{12}$/);
    const id = created.body.id as string;

    const [row] = await test.sql`select credentials from telephony_configurations where id = ${id}`;
    expect(Buffer.from(row!['credentials']).includes(Buffer.from('ari-password-secret'))).toBe(
      false,
    );

    expect((await call('GET', '')).body.configurations.map((c: { id: string }) => c.id)).toEqual([
      id,
    ]);
    // The masked read, sent back with one change, keeps the stored password.
    const updated = await call('PUT', `/${id}`, {
      config: { ...created.body.config, dial_template: 'PJSIP/{to}@carrier' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.config).toMatchObject({
      dial_template: 'PJSIP/{to}@carrier',
      app_password: created.body.config.app_password,
      stasis_app_name: created.body.config.stasis_app_name,
    });
    expect(JSON.stringify(updated.body)).not.toContain('ari-password-secret');

    expect((await call('POST', `/${id}/deactivate`)).body.active).toBe(false);
    expect((await call('POST', `/${id}/activate`)).body.active).toBe(true);
  });

  it('answers bad input with the status that says what was wrong, writing nothing', async () => {
    const invalid = await call('POST', '', {
      name: 'x',
      config: { ...ariConfig, ari_endpoint: 'nope' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('configuration_invalid');
    expect((await call('POST', '', { config: ariConfig })).status).toBe(400);
    // An unknown or missing carrier is the body's fault, said with the field's name.
    for (const config of [{ provider: 'fax' }, { ari_endpoint: 'http://pbx' }]) {
      const unknown = await call('POST', '', { name: 'x', config });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({
        code: 'invalid_body',
        message: expect.stringContaining('config.provider'),
      });
    }
    const notJson = await fetch(`${t.server.url}/api/v1/configurations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(notJson.status).toBe(415);
    const broken = await fetch(`${t.server.url}/api/v1/configurations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(broken.status).toBe(400);
    expect((await test.sql`select count(*)::int as n from telephony_configurations`)[0]!['n']).toBe(
      0,
    );

    await call('POST', '', { name: 'Taken', config: ariConfig });
    expect((await call('POST', '', { name: 'Taken', config: ariConfig })).status).toBe(409);
  });

  it('keeps organizations apart', async () => {
    const { body } = await call('POST', '', { name: 'Mine', config: ariConfig });
    expect((await call('GET', `/${body.id}`, undefined, otherKey)).status).toBe(404);
    expect((await call('DELETE', `/${body.id}`, undefined, otherKey)).status).toBe(404);
    expect((await call('GET', '', undefined, otherKey)).body.configurations).toEqual([]);
    expect((await call('GET', '/not-a-uuid')).status).toBe(404);
  });

  it('deletes through the provider’s deprovision hook, and keeps the row when the carrier side refuses', async () => {
    // The Asterisk whose registrations a save and a delete reload.
    const asterisk = await startAriSimulator({ username: 'patchbay', password: 'ari-secret' });
    const threeCxConfig = {
      provider: 'three_cx',
      ari_endpoint: asterisk.url,
      app_name: 'patchbay',
      app_password: 'ari-secret',
      ws_client_name: 'patchbay-media',
      sip_domain: '1156.3cx.cloud',
      extension: '12611',
      sip_password: '3cx-sip-secret',
    };
    // No realtime tables yet: provisioning fails, so the save fails and nothing is stored.
    const refused = await call('POST', '', { name: '3CX', config: threeCxConfig });
    expect(refused.status).toBe(502);
    expect(JSON.stringify(refused.body)).not.toContain('3cx-sip-secret');
    expect((await call('GET', '')).body.configurations).toEqual([]);

    const ddl = await readFile(
      new URL(
        '../../../packages/provider-three-cx/test/fixtures/ara-realtime-ddl.sql',
        import.meta.url,
      ),
      'utf8',
    );
    await ara.sql.unsafe(ddl).simple();
    const created = await call('POST', '', { name: '3CX', config: threeCxConfig });
    expect(created.status).toBe(201);
    expect(created.body.accountId).toBe('12611');
    expect(await ara.sql`select id from ps_endpoints`).toEqual([
      { id: 'patchbay_1156_3cx_cloud_12611' },
    ]);

    await ara.sql`alter table ps_endpoints rename to ps_endpoints_gone`;
    const kept = await call('DELETE', `/${created.body.id}`);
    expect(kept.status).toBe(502);
    expect((await call('GET', `/${created.body.id}`)).status).toBe(200);
    await ara.sql`alter table ps_endpoints_gone rename to ps_endpoints`;

    expect((await call('DELETE', `/${created.body.id}`)).status).toBe(204);
    expect((await call('GET', `/${created.body.id}`)).status).toBe(404);
    expect(await ara.sql`select id from ps_endpoints`).toEqual([]);
    expect(asterisk.reloads.length).toBeGreaterThanOrEqual(3);
    await asterisk.close();
  });
});

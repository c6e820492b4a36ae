/** Provisioning against Asterisk's own realtime DDL on a real PostgreSQL (or the embedded one). */
import { inspect } from 'node:util';
import { CarrierApiError, ConfigurationError, createRegistry, silentLogger } from '@patchbay/core';
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deprovisionThreeCx, provisionThreeCx, threeCx } from '../src/index.js';
import { createAraTables, threeCxConfig } from './fixtures.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
  await createAraTables(database.sql);
});
afterAll(async () => database?.close());
beforeEach(async () => {
  await database.sql`truncate ps_auths, ps_aors, ps_endpoints, ps_registrations, extensions`;
});

const ID = 'patchbay_1156_3cx_cloud_12611';

async function snapshot() {
  const { sql } = database;
  return {
    auths: await sql`select id, auth_type, username, password from ps_auths order by id`,
    aors: await sql`select id, contact, max_contacts, qualify_frequency from ps_aors order by id`,
    endpoints: await sql`
      select id, transport, aors, auth, outbound_auth, context, disallow, allow, from_domain,
             from_user, identify_by
      from ps_endpoints order by id`,
    registrations: await sql`
      select id, transport, outbound_auth, server_uri, client_uri, contact_user, expiration,
             retry_interval, line, endpoint
      from ps_registrations order by id`,
    extensions: await sql`
      select context, exten, priority, app, appdata from extensions order by context, exten`,
  };
}

describe('provisioning', () => {
  it('writes the reference’s known-answer rows, plus what makes calls route', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    expect(await snapshot()).toEqual({
      auths: [{ id: ID, auth_type: 'userpass', username: '12611', password: '3cx-sip-secret' }],
      aors: [{ id: ID, contact: 'sip:1156.3cx.cloud', max_contacts: 1, qualify_frequency: 60 }],
      endpoints: [
        {
          id: ID,
          transport: 'transport-udp',
          aors: ID,
          auth: ID,
          outbound_auth: ID,
          context: `${ID}-inbound`,
          disallow: 'all',
          allow: 'ulaw,alaw',
          from_domain: '1156.3cx.cloud',
          from_user: '12611',
          identify_by: 'auth_username,username',
        },
      ],
      registrations: [
        {
          id: ID,
          transport: 'transport-udp',
          outbound_auth: ID,
          server_uri: 'sip:1156.3cx.cloud',
          client_uri: 'sip:12611@1156.3cx.cloud',
          contact_user: '12611',
          expiration: 300,
          retry_interval: 60,
          line: 'yes',
          endpoint: ID,
        },
      ],
      extensions: [
        {
          context: `${ID}-inbound`,
          exten: '12611',
          priority: 1,
          app: 'Stasis',
          appdata: `patchbay_0123456789ab,inbound,${ID}`,
        },
        {
          context: `${ID}-inbound`,
          exten: '_X.',
          priority: 1,
          app: 'Stasis',
          appdata: `patchbay_0123456789ab,inbound,${ID}`,
        },
        {
          context: `${ID}-outbound`,
          exten: '_+39X.',
          priority: 1,
          app: 'Dial',
          appdata: `PJSIP/\${EXTEN:3}@${ID},60`,
        },
        {
          context: `${ID}-outbound`,
          exten: '_+X.',
          priority: 1,
          app: 'Dial',
          appdata: `PJSIP/\${EXTEN}@${ID},60`,
        },
        {
          context: `${ID}-outbound`,
          exten: '_X.',
          priority: 1,
          app: 'Dial',
          appdata: `PJSIP/\${EXTEN}@${ID},60`,
        },
      ],
    });
  });

  it('writes the same rows when saved again', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    const first = await snapshot();
    await provisionThreeCx(database.sql, threeCxConfig(), threeCxConfig());
    expect(await snapshot()).toEqual(first);
  });

  it('removes the old extension’s registration when the domain or extension changes (the original left it registering)', async () => {
    const before = threeCxConfig();
    await provisionThreeCx(database.sql, before);
    const after = { ...before, sip_domain: 'acme.3cx.eu', extension: '200' };
    await provisionThreeCx(database.sql, after, before);
    const rows = await snapshot();
    expect(rows.registrations.map((row) => row['id'])).toEqual(['patchbay_acme_3cx_eu_200']);
    expect(rows.auths.map((row) => row['id'])).toEqual(['patchbay_acme_3cx_eu_200']);
    expect(new Set(rows.extensions.map((row) => row['context']))).toEqual(
      new Set(['patchbay_acme_3cx_eu_200-inbound', 'patchbay_acme_3cx_eu_200-outbound']),
    );
  });

  it('leaves other extensions alone', async () => {
    await provisionThreeCx(database.sql, { ...threeCxConfig(), extension: '300' });
    await provisionThreeCx(database.sql, threeCxConfig());
    await deprovisionThreeCx(database.sql, threeCxConfig());
    const rows = await snapshot();
    expect(rows.endpoints.map((row) => row['id'])).toEqual(['patchbay_1156_3cx_cloud_300']);
    expect(rows.extensions).toHaveLength(5);
  });

  it('rolls everything back when one write fails, and the error carries no password', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    const before = await snapshot();
    await database.sql`alter table extensions rename to extensions_gone`;
    try {
      const changed = { ...threeCxConfig(), sip_password: 'new-sip-secret' };
      const error = await provisionThreeCx(database.sql, changed, threeCxConfig()).catch(
        (caught: unknown) => caught,
      );
      expect(CarrierApiError.isInstance(error)).toBe(true);
      expect((error as CarrierApiError).httpStatus).toBe(502);
      expect((error as Error).message).toMatch(/extensions.*Nothing was changed/);
      const shown = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
      expect(shown).not.toContain('new-sip-secret');
      expect(shown).not.toContain('3cx-sip-secret');
    } finally {
      await database.sql`alter table extensions_gone rename to extensions`;
    }
    expect(await snapshot()).toEqual(before);
  });

  it('deprovisions in one go, and twice is fine', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    await deprovisionThreeCx(database.sql, threeCxConfig());
    await deprovisionThreeCx(database.sql, threeCxConfig());
    expect(Object.values(await snapshot()).flat()).toEqual([]);
  });
});

describe('the spec’s hooks', () => {
  const context = { logger: silentLogger, inboundWebhookUrl: 'https://voice.example.com/inbound' };
  const submitted = {
    provider: 'three_cx',
    ari_endpoint: 'http://asterisk.example.com:8088',
    app_name: 'patchbay',
    app_password: 'ari-secret',
    ws_client_name: 'patchbay',
    sip_domain: '1156.3cx.cloud',
    extension: '12611',
    sip_password: '3cx-sip-secret',
  };

  it('mint a Stasis application on create, write it into the dialplan, and keep it on update', async () => {
    const registry = createRegistry([threeCx({ ara: database.sql })]);
    const created = (await registry.prepareSave(submitted, undefined, context)) as ReturnType<
      typeof threeCxConfig
    >;
    expect(created.stasis_app_name).toMatch(/^patchbay_[0-9a-f]{12}$/);
    const [inbound] = await database.sql`select appdata from extensions where exten = '12611'`;
    expect(inbound?.['appdata']).toBe(`${created.stasis_app_name},inbound,${ID}`);

    const updated = (await registry.prepareSave(
      { ...registry.maskConfig(created), stasis_app_name: 'patchbay_chosen', strip_prefix: '^+1' },
      created,
      context,
    )) as ReturnType<typeof threeCxConfig>;
    expect(updated.stasis_app_name).toBe(created.stasis_app_name);
    expect(updated.sip_password).toBe('3cx-sip-secret'); // the mask came back
    expect((await snapshot()).auths[0]?.['password']).toBe('3cx-sip-secret');
    expect((await snapshot()).extensions.map((row) => row['exten'])).toContain('_+1X.');

    await registry.get('three_cx').hooks!.afterDelete!(updated, context);
    expect(Object.values(await snapshot()).flat()).toEqual([]);
  });

  it('refuse to save without an ARA database, naming what to set', async () => {
    const registry = createRegistry([threeCx({ ara: undefined })]);
    const error = await registry
      .prepareSave(submitted, undefined, context)
      .catch((e: unknown) => e);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/ASTERISK_ARA_DSN/);
  });
});

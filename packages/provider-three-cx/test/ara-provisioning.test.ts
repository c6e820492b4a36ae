/** Provisioning against Asterisk's own realtime DDL on a real PostgreSQL (or the embedded one). */
import { inspect } from 'node:util';
import { CarrierApiError, ConfigurationError, createRegistry, silentLogger } from '@patchbay/core';
import {
  type AriSimulator,
  startAriSimulator,
  startTestDatabase,
  type TestDatabase,
} from '@patchbay/testkit';
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
      select id, transport, aors, auth, outbound_auth, context, set_var, disallow, allow,
             from_domain, from_user, identify_by
      from ps_endpoints order by id`,
    registrations: await sql`
      select id, transport, outbound_auth, server_uri, client_uri, contact_user, expiration,
             retry_interval, line, endpoint
      from ps_registrations order by id`,
    extensions: await sql`select context, exten from extensions order by context, exten`,
  };
}

describe('provisioning', () => {
  it('writes the reference’s known-answer rows, plus what makes calls route, and no dialplan', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    expect(await snapshot()).toEqual({
      auths: [{ id: ID, auth_type: 'userpass', username: '12611', password: '3cx-sip-secret' }],
      aors: [{ id: ID, contact: 'sip:1156.3cx.cloud', max_contacts: 1, qualify_frequency: 60 }],
      endpoints: [
        {
          id: ID,
          transport: 'transport-udp',
          aors: ID,
          // No inbound auth: 3CX's INVITEs to the registered contact are not challenged.
          auth: null,
          outbound_auth: ID,
          context: 'patchbay-3cx-inbound',
          set_var: `PATCHBAY_STASIS=patchbay_0123456789ab,inbound,${ID}`,
          disallow: 'all',
          allow: 'ulaw,alaw',
          from_domain: '1156.3cx.cloud',
          from_user: '12611',
          identify_by: 'username',
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
      extensions: [],
    });
  });

  it('writes a domain with a port into the URIs, and only its host into from_domain', async () => {
    await provisionThreeCx(database.sql, {
      ...threeCxConfig(),
      sip_domain: 'pbx.example.com:5070',
    });
    const rows = await snapshot();
    expect(rows.registrations[0]).toMatchObject({
      server_uri: 'sip:pbx.example.com:5070',
      client_uri: 'sip:12611@pbx.example.com:5070',
    });
    expect(rows.endpoints[0]).toMatchObject({ from_domain: 'pbx.example.com' });
  });

  it('writes the same rows when saved again', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    const first = await snapshot();
    await provisionThreeCx(database.sql, threeCxConfig());
    expect(await snapshot()).toEqual(first);
  });

  it('removes the dialplan rows earlier versions wrote for the endpoint', async () => {
    await database.sql`insert into extensions (context, exten, priority, app, appdata)
      values (${`${ID}-inbound`}, '_X.', 1, 'Stasis', 'x'), (${`${ID}-outbound`}, '_X.', 1, 'Dial', 'y'),
             ('someone-else', '_X.', 1, 'Dial', 'z')`;
    await provisionThreeCx(database.sql, threeCxConfig());
    expect((await snapshot()).extensions).toEqual([{ context: 'someone-else', exten: '_X.' }]);
  });

  it('leaves other extensions alone', async () => {
    await provisionThreeCx(database.sql, { ...threeCxConfig(), extension: '300' });
    await provisionThreeCx(database.sql, threeCxConfig());
    await deprovisionThreeCx(database.sql, threeCxConfig());
    const rows = await snapshot();
    expect(rows.endpoints.map((row) => row['id'])).toEqual(['patchbay_1156_3cx_cloud_300']);
  });

  it('rolls everything back when one write fails, and the error carries no password', async () => {
    await provisionThreeCx(database.sql, threeCxConfig());
    const before = await snapshot();
    await database.sql`alter table ps_registrations rename to ps_registrations_gone`;
    try {
      const changed = { ...threeCxConfig(), sip_password: 'new-sip-secret' };
      const error = await provisionThreeCx(database.sql, changed).catch(
        (caught: unknown) => caught,
      );
      expect(CarrierApiError.isInstance(error)).toBe(true);
      expect((error as CarrierApiError).httpStatus).toBe(502);
      expect((error as Error).message).toMatch(/ps_registrations.*Nothing was changed/);
      const shown = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
      expect(shown).not.toContain('new-sip-secret');
      expect(shown).not.toContain('3cx-sip-secret');
    } finally {
      await database.sql`alter table ps_registrations_gone rename to ps_registrations`;
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
  let asterisk: AriSimulator;
  beforeAll(async () => {
    asterisk = await startAriSimulator({ username: 'patchbay', password: 'ari-secret' });
  });
  afterAll(async () => asterisk?.close());
  const submitted = () => ({
    provider: 'three_cx',
    ari_endpoint: asterisk.url,
    app_name: 'patchbay',
    app_password: 'ari-secret',
    ws_client_name: 'patchbay',
    sip_domain: '1156.3cx.cloud',
    extension: '12611',
    sip_password: '3cx-sip-secret',
  });
  const REGISTRATION = 'res_pjsip_outbound_registration.so';

  it('mint a Stasis application, route the endpoint to it, make Asterisk register, and keep it on update', async () => {
    const registry = createRegistry([threeCx({ ara: database.sql })]);
    const reloadsBefore = asterisk.reloads.length;
    const created = (await registry.prepareSave(submitted(), undefined, context)) as ReturnType<
      typeof threeCxConfig
    >;
    expect(created.stasis_app_name).toMatch(/^patchbay_[0-9a-f]{12}$/);
    const [endpoint] = await database.sql`select set_var from ps_endpoints where id = ${ID}`;
    expect(endpoint?.['set_var']).toBe(`PATCHBAY_STASIS=${created.stasis_app_name},inbound,${ID}`);
    // Asterisk reads realtime registrations only when the module (re)loads.
    expect(asterisk.reloads.slice(reloadsBefore)).toEqual([REGISTRATION]);

    const updated = (await registry.prepareSave(
      { ...registry.maskConfig(created), stasis_app_name: 'patchbay_chosen', sip_password: 'new' },
      created,
      context,
    )) as ReturnType<typeof threeCxConfig>;
    expect(updated.stasis_app_name).toBe(created.stasis_app_name);
    expect((await snapshot()).auths[0]?.['password']).toBe('new');
    expect(asterisk.reloads.slice(reloadsBefore)).toEqual([REGISTRATION, REGISTRATION]);

    await registry.get('three_cx').hooks!.afterDelete!(updated, context);
    expect(Object.values(await snapshot()).flat()).toEqual([]);
  });

  it('refuse a second configuration for an extension another one registers, leaving it alone', async () => {
    const registry = createRegistry([threeCx({ ara: database.sql })]);
    const first = (await registry.prepareSave(submitted(), undefined, context)) as ReturnType<
      typeof threeCxConfig
    >;
    const before = await snapshot();
    const second = await registry
      .prepareSave(submitted(), undefined, context)
      .catch((error: unknown) => error);
    expect(ConfigurationError.isInstance(second)).toBe(true);
    expect(second).toMatchObject({ code: 'extension_taken', httpStatus: 422 });
    // The first one's rows (and its Stasis application) are untouched.
    expect(await snapshot()).toEqual(before);
    const [endpoint] = await database.sql`select set_var from ps_endpoints where id = ${ID}`;
    expect(endpoint?.['set_var']).toContain(first.stasis_app_name);
    // Saving the first one again is not a takeover.
    await registry.prepareSave(registry.maskConfig(first), first, context);
    await registry.get('three_cx').hooks!.afterDelete!(first, context);
  });

  it('un-register a changed extension while its auth still exists, then remove it', async () => {
    const registry = createRegistry([threeCx({ ara: database.sql })]);
    const created = (await registry.prepareSave(submitted(), undefined, context)) as ReturnType<
      typeof threeCxConfig
    >;
    const reloadsBefore = asterisk.reloads.length;
    await registry.prepareSave(
      { ...registry.maskConfig(created), extension: '200' },
      created,
      context,
    );
    // One reload with the old registration gone (it un-registers), one for the new.
    expect(asterisk.reloads.length - reloadsBefore).toBe(2);
    const rows = await snapshot();
    expect(rows.registrations.map((row) => row['id'])).toEqual(['patchbay_1156_3cx_cloud_200']);
    expect(rows.auths.map((row) => row['id'])).toEqual(['patchbay_1156_3cx_cloud_200']);
  });

  it('change nothing when Asterisk cannot be asked to pick the rows up', async () => {
    const registry = createRegistry([threeCx({ ara: database.sql })]);
    const error = await registry
      .prepareSave({ ...submitted(), ari_endpoint: 'http://127.0.0.1:9' }, undefined, context)
      .catch((e: unknown) => e);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/res_pjsip_outbound_registration/);
    expect(Object.values(await snapshot()).flat()).toEqual([]);
  });

  it('refuse to save without an ARA database, naming what to set', async () => {
    const registry = createRegistry([threeCx({ ara: undefined })]);
    const error = await registry
      .prepareSave(submitted(), undefined, context)
      .catch((e: unknown) => e);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/ASTERISK_ARA_DSN/);
  });
});

import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let configurationId: string;
beforeAll(async () => {
  t = await startTestServer(createRegistry([ari()]));
  const created = await t.call('POST', '/api/v1/configurations', {
    name: 'PBX',
    config: {
      provider: 'ari',
      ari_endpoint: 'http://pbx.example.com:8088',
      app_name: 'patchbay',
      app_password: 'ari-password-secret',
      ws_client_name: 'patchbay-media',
    },
  });
  configurationId = created.body.id;
});
afterAll(async () => t?.close());

describe('/api/v1/agents', () => {
  it('creates echo and websocket agents, refusing what could not work', async () => {
    const echo = await t.call('POST', '/api/v1/agents', { name: 'Echo', kind: 'echo' });
    expect(echo).toMatchObject({ status: 201, body: { kind: 'echo', sampleRate: 16000 } });
    const bot = await t.call('POST', '/api/v1/agents', {
      name: 'Bot',
      kind: 'websocket',
      url: 'wss://bot.example.com/stream',
      sampleRate: 24000,
    });
    expect(bot.body).toMatchObject({ url: 'wss://bot.example.com/stream', sampleRate: 24000 });
    expect(
      (await t.call('POST', '/api/v1/agents', { name: 'x', kind: 'websocket', url: 'http://a' }))
        .status,
    ).toBe(400);
    expect(
      (await t.call('POST', '/api/v1/agents', { name: 'x', kind: 'echo', sampleRate: 11025 }))
        .status,
    ).toBe(400);
    expect((await t.call('POST', '/api/v1/agents', { name: 'Echo', kind: 'echo' })).status).toBe(
      409,
    );
    const renamed = await t.call('PUT', `/api/v1/agents/${echo.body.id}`, {
      name: 'Echo 8k',
      kind: 'echo',
      sampleRate: 8000,
    });
    expect(renamed.body).toMatchObject({ name: 'Echo 8k', sampleRate: 8000 });
    expect(
      (await t.call('GET', `/api/v1/agents/${bot.body.id}`, undefined, t.otherKey)).status,
    ).toBe(404);
  });
});

describe('/api/v1/phone-numbers', () => {
  it('stores numbers canonical, with their agent, one owner per carrier account', async () => {
    const { body: agent } = await t.call('POST', '/api/v1/agents', {
      name: 'Receptionist',
      kind: 'echo',
    });
    const created = await t.call('POST', '/api/v1/phone-numbers', {
      address: '00 44 20 7946 0018',
      configurationId,
      agentId: agent.id,
    });
    expect(created).toMatchObject({
      status: 201,
      body: { address: '+442079460018', provider: 'ari', configurationId, agentId: agent.id },
    });
    expect(
      (
        await t.call('POST', '/api/v1/phone-numbers', {
          address: '+44 20 7946 0018',
          configurationId,
        })
      ).status,
    ).toBe(409);
    expect(
      (await t.call('POST', '/api/v1/phone-numbers', { address: '6001', configurationId })).body
        .address,
    ).toBe('6001');
    expect(
      (await t.call('POST', '/api/v1/phone-numbers', { address: '  ', configurationId })).status,
    ).toBe(400);
    expect(
      (
        await t.call('POST', '/api/v1/phone-numbers', {
          address: '+15551230001',
          configurationId: '00000000-0000-0000-0000-000000000000',
        })
      ).status,
    ).toBe(422);
    // Another organization cannot use this organization's configuration.
    expect(
      (
        await t.call(
          'POST',
          '/api/v1/phone-numbers',
          { address: '+15551230001', configurationId },
          t.otherKey,
        )
      ).status,
    ).toBe(422);

    // Deleting the agent leaves the number, without an agent.
    await t.call('DELETE', `/api/v1/agents/${agent.id}`);
    expect(
      (await t.call('GET', `/api/v1/phone-numbers/${created.body.id}`)).body.agentId,
    ).toBeNull();
    const list = await t.call('GET', '/api/v1/phone-numbers');
    expect(list.body.phoneNumbers.map((n: { address: string }) => n.address)).toEqual([
      '+442079460018',
      '6001',
    ]);
    expect((await t.call('DELETE', `/api/v1/phone-numbers/${created.body.id}`)).status).toBe(204);
  });
});

describe('national numbers and default countries', () => {
  const register = (address: string, configuration = configurationId) =>
    t.call('POST', '/api/v1/phone-numbers', { address, configurationId: configuration });

  it('refuses a national number until there is a country to read it in, then reads it there', async () => {
    // Once silently stored as +4155550101, a Swiss-looking number.
    const guessed = await register('4155550101');
    expect(guessed.status).toBe(400);
    expect(guessed.body.error.message).toContain('national number');

    const organization = await t.call('PATCH', '/api/v1/organization', { defaultCountry: 'US' });
    expect(organization.body).toMatchObject({ defaultCountry: 'US' });
    expect((await register('(415) 555-0101')).body.address).toBe('+14155550101');

    // A configuration's own country wins over the organization's.
    const london = await t.call('POST', '/api/v1/configurations', {
      name: 'London PBX',
      defaultCountry: 'GB',
      config: {
        provider: 'ari',
        ari_endpoint: 'http://pbx.example.com:8088',
        app_name: 'london',
        app_password: 'ari-password-secret',
        ws_client_name: 'patchbay-media',
      },
    });
    expect(london.body.defaultCountry).toBe('GB');
    expect((await register('020 7946 0110', london.body.id)).body.address).toBe('+442079460110');
    await t.call('PATCH', '/api/v1/organization', { defaultCountry: null });
  });

  it('refuses numbers that cannot exist, and countries it does not know', async () => {
    const short = await register('+1 415 555 010');
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/not a possible \+1 number/);
    const unknown = await t.call('PATCH', '/api/v1/organization', { defaultCountry: 'XX' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('defaultCountry');
  });
});

/**
 * Asterisk through ARI: the server opens the configuration's Stasis events
 * connection itself, takes an inbound call for a registered extension, and
 * Asterisk's chan_websocket media reaches the echo agent through the query
 * form of the media URL.
 */
import { mulawEncode } from '@patchbay/audio';
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { type AriSimulator, startAriSimulator } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import {
  saveAriConfiguration,
  startAgentServer,
  startTestServer,
  type TestServer,
} from './helpers.js';

let t: TestServer;
let simulator: AriSimulator;
let agentServer: WebSocketServer;
let agentUrl: string;
/** Text messages each agent connection received, newest connection last. */
const agentSessions: Record<string, unknown>[][] = [];

beforeAll(async () => {
  t = await startTestServer(
    createRegistry([
      ari({ reconnect: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 1000 } }),
    ]),
  );
  simulator = await startAriSimulator({
    username: 'patchbay',
    password: 'ari-secret',
    // websocket_client.conf: Asterisk dials this URI and appends the call's query.
    websocketClients: {
      'patchbay-media': `${t.server.url.replace('http', 'ws')}/telephony/ari/media`,
    },
  });
  ({ server: agentServer, url: agentUrl } = await startAgentServer((socket) => {
    const text: Record<string, unknown>[] = [];
    agentSessions.push(text);
    socket.on('message', (data, isBinary) => {
      if (isBinary) socket.send(data);
      else text.push(JSON.parse(String(data)));
    });
  }));
});
afterAll(async () => {
  await t?.close();
  await simulator?.close();
  agentServer?.close();
});

const tone = (n: number) =>
  mulawEncode(
    Int16Array.from({ length: 160 }, (_, i) =>
      Math.round(8000 * Math.sin(((n * 160 + i) * 2 * Math.PI * 440) / 8000)),
    ),
  );

it('runs the Stasis connection of each active configuration and streams its inbound calls to the agent', async () => {
  const configuration = await saveAriConfiguration(t, 'Office Asterisk', simulator.url);
  expect(configuration.status).toBe(201);
  const app = configuration.body.config.stasis_app_name as string;
  await expect.poll(() => simulator.applications()).toEqual([app]);
  const agent = await t.call('POST', '/api/v1/agents', { name: 'Echo', kind: 'echo' });
  await t.call('POST', '/api/v1/phone-numbers', {
    address: '6001',
    configurationId: configuration.body.id,
    agentId: agent.body.id,
  });

  // An extension nobody registered is refused.
  const stranger = simulator.placeInboundCall({ app, exten: '6999', callerNumber: '+15551239999' });
  await expect.poll(() => simulator.channels.has(stranger.id)).toBe(false);

  const caller = simulator.placeInboundCall({ app, exten: '6001', callerNumber: '+15551239999' });
  const session = await simulator.waitForMedia();
  expect(session.url).toMatch(/\/telephony\/ari\/media\?call=[0-9a-f-]{36}&token=/);
  for (let n = 0; n < 25; n++) session.sendAudio(tone(n));
  await expect
    .poll(() => session.audio.reduce((sum, chunk) => sum + chunk.length, 0), { timeout: 3000 })
    .toBeGreaterThanOrEqual(3200);

  const calls = (await t.call('GET', '/api/v1/calls')).body.calls;
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    provider: 'ari',
    direction: 'inbound',
    to: '6001',
    carrierCallId: caller.id,
  });

  simulator.hangUp(caller.id, 16, 'Normal Clearing');
  await expect
    .poll(async () => (await t.call('GET', `/api/v1/calls/${calls[0].id}`)).body.status)
    .toBe('completed');

  // Deactivating the configuration closes its Stasis connection.
  await t.call('POST', `/api/v1/configurations/${configuration.body.id}/deactivate`);
  expect(t.server.eventSources.running).toEqual([]);
}, 30_000);

it('transfers an Asterisk call reported over the events connection: busy first, then joined', async () => {
  const configuration = await saveAriConfiguration(t, 'Branch Asterisk', simulator.url);
  const app = configuration.body.config.stasis_app_name as string;
  await expect.poll(() => simulator.applications()).toContain(app);
  const agent = await t.call('POST', '/api/v1/agents', { name: 'Echo 2', kind: 'echo' });
  await t.call('POST', '/api/v1/phone-numbers', {
    address: '7001',
    configurationId: configuration.body.id,
    agentId: agent.body.id,
  });
  const caller = simulator.placeInboundCall({ app, exten: '7001', callerNumber: '+15551238888' });
  await simulator.waitForMedia();
  const [call] = (await t.call('GET', '/api/v1/calls')).body.calls.filter(
    (row: { carrierCallId: string }) => row.carrierCallId === caller.id,
  );
  await expect
    .poll(async () => (await t.call('GET', `/api/v1/calls/${call.id}`)).body.status)
    .toBe('in-progress');
  const transfers = async () => (await t.call('GET', `/api/v1/calls/${call.id}`)).body.transfers;

  // The destination is busy: Asterisk reports it on the events connection, the caller stays.
  simulator.onOriginate(() => ({ cause: 17, causeText: 'User busy' }));
  const busy = await t.call('POST', `/api/v1/calls/${call.id}/transfer`, { destination: '7002' });
  expect(busy.status).toBe(202);
  await expect.poll(async () => (await transfers())[0]?.status).toBe('busy');
  expect(simulator.channels.has(`patchbay-ext-${caller.id}`)).toBe(true);

  // Answered: the destination takes the agent's place in the caller's bridge.
  simulator.onOriginate(() => ({ answer: true, afterMs: 20 }));
  const joined = await t.call('POST', `/api/v1/calls/${call.id}/transfer`, { destination: '7002' });
  expect(joined.status).toBe(202);
  await expect.poll(async () => (await transfers())[1]?.status).toBe('connected');
  const leg = `patchbay-xfer-${joined.body.id}`;
  expect(simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels).toEqual([caller.id, leg]);
  await expect.poll(() => simulator.channels.has(`patchbay-ext-${caller.id}`)).toBe(false);
  simulator.hangUp(caller.id, 16, 'Normal Clearing');
}, 30_000);

it('shows how each configuration’s event connection stands, without its credentials', async () => {
  const good = await saveAriConfiguration(t, 'Good Asterisk', simulator.url);
  const refused = await saveAriConfiguration(
    t,
    'Wrong password',
    simulator.url.replace('http://', 'http://patchbay:leaked-in-url@'),
    'not-the-secret',
  );
  const connection = async (id: string) =>
    (await t.call('GET', `/api/v1/configurations/${id}`)).body.connection;
  await expect.poll(async () => (await connection(good.body.id))?.state).toBe('connected');
  await expect.poll(async () => (await connection(refused.body.id))?.state).toBe('disconnected');
  const failure = await connection(refused.body.id);
  expect(failure.since).toMatch(/^\d{4}-/);
  expect(JSON.stringify(failure)).not.toMatch(/not-the-secret|leaked-in-url/);

  await t.call('POST', `/api/v1/configurations/${refused.body.id}/deactivate`);
  expect(await connection(refused.body.id)).toEqual({
    state: 'stopped',
    detail: null,
    since: failure.since,
  });
  const agent = await t.call('POST', '/api/v1/agents', { name: 'Not a carrier', kind: 'echo' });
  expect(agent.status).toBe(201);
}, 30_000);

it('lets a websocket agent hear a transfer connect before its media ends as transferred', async () => {
  const configuration = await saveAriConfiguration(t, 'Agent Asterisk', simulator.url);
  const app = configuration.body.config.stasis_app_name as string;
  await expect.poll(() => simulator.applications()).toContain(app);
  const bot = await t.call('POST', '/api/v1/agents', {
    name: 'Transfer bot',
    kind: 'websocket',
    url: agentUrl,
    sampleRate: 8000,
  });
  await t.call('POST', '/api/v1/phone-numbers', {
    address: '8001',
    configurationId: configuration.body.id,
    agentId: bot.body.id,
  });
  const caller = simulator.placeInboundCall({ app, exten: '8001', callerNumber: '+15551237777' });
  await simulator.waitForMedia();
  await expect.poll(() => agentSessions.length).toBeGreaterThan(0);
  const agent = agentSessions.at(-1)!;
  const [call] = (await t.call('GET', '/api/v1/calls')).body.calls.filter(
    (row: { carrierCallId: string }) => row.carrierCallId === caller.id,
  );
  simulator.onOriginate(() => ({ answer: true, afterMs: 20 }));
  const started = await t.call('POST', `/api/v1/calls/${call.id}/transfer`, {
    destination: '8002',
  });
  expect(started.status).toBe(202);
  await expect.poll(() => agent.at(-1)).toEqual({ type: 'stop', reason: 'transferred' });
  expect(agent.filter((m) => m['type'] === 'transfer').map((m) => m['status'])).toEqual([
    'pending',
    'answered',
    'connected',
  ]);
  // The caller stays with the destination; when they hang up, the call and transfer end.
  simulator.hangUp(caller.id);
  await expect
    .poll(async () => (await t.call('GET', `/api/v1/calls/${call.id}`)).body.status)
    .toBe('completed');
  await expect.poll(() => simulator.channels.size).toBe(0);
  await expect.poll(() => simulator.bridges.size).toBe(0);
}, 30_000);

it('records a busy that Asterisk reports before the placing request has stored the call', async () => {
  const configuration = await saveAriConfiguration(t, 'Busy Asterisk', simulator.url);
  const app = configuration.body.config.stasis_app_name as string;
  await expect.poll(() => simulator.applications()).toContain(app);
  const agent = await t.call('POST', '/api/v1/agents', { name: 'Echo 3', kind: 'echo' });
  // The callee refuses at once: the events arrive while POST /calls is still answering.
  simulator.onOriginate(() => ({ cause: 17, afterMs: 0 }));
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    agentId: agent.body.id,
    to: '6010',
  });
  expect(placed.status).toBe(201);
  await expect
    .poll(async () => (await t.call('GET', `/api/v1/calls/${placed.body.id}`)).body.status, {
      timeout: 5000,
    })
    .toBe('busy');
}, 30_000);

/**
 * ari-client against the testkit's ARI simulator, with chan_websocket media
 * dialing a real media server and a core media bridge running an echo agent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { mulawEncode } from '@patchbay/audio';
import {
  type CallStatusUpdate,
  createMediaBridge,
  type InboundCall,
  type MediaBridge,
  type ProviderEventHandlers,
  silentLogger,
  type TransferResult,
} from '@patchbay/core';
import {
  type AriSimulator,
  startAriSimulator,
  startWebSocketHost,
  type WebSocketHost,
} from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AriConfig, ari } from '../src/index.js';
import { ariConfig } from './fixtures.js';

let simulator: AriSimulator;
let mediaHost: WebSocketHost;
let mediaBase: string;
const bridges: {
  url: string;
  bridge: MediaBridge;
  dtmf: string[];
  marks: [string, boolean][];
  streamIds: (string | undefined)[];
  stops: string[];
}[] = [];
let stopSource: (() => Promise<void>) | undefined;

beforeEach(async () => {
  mediaHost = await startWebSocketHost({
    protocol: 'media',
    path: '/ari-media',
    onConnection: (socket, request) => {
      const dtmf: string[] = [];
      const marks: [string, boolean][] = [];
      const streamIds: (string | undefined)[] = [];
      const stops: string[] = [];
      const bridge = createMediaBridge({
        socket,
        serializer: ari().media.createSerializer(),
        agentSampleRate: 16000,
        agent: {
          start: (info) => streamIds.push(info.streamId),
          audio: (samples) => bridge.sendAudio(samples),
          dtmf: (digit) => dtmf.push(digit),
          mark: (name, played) => marks.push([name, played]),
          stop: (reason) => stops.push(reason),
        },
      });
      bridges.push({ url: request.url ?? '', bridge, dtmf, marks, streamIds, stops });
    },
  });
  mediaBase = mediaHost.url;
  simulator = await startAriSimulator({
    username: 'patchbay',
    password: 'secret',
    // `unreachable` is a websocket_client.conf section whose server is down.
    websocketClients: { patchbay: mediaBase, unreachable: 'ws://127.0.0.1:9/ari-media' },
    mediaConnectFailureMs: 200,
  });
});

afterEach(async () => {
  await stopSource?.();
  stopSource = undefined;
  bridges.length = 0;
  await simulator.close();
  await mediaHost.close();
});

function recorder() {
  const statuses: CallStatusUpdate[] = [];
  const transfers: TransferResult[] = [];
  const inbound: InboundCall[] = [];
  const dtmf: string[] = [];
  const connection: string[] = [];
  return { statuses, transfers, inbound, dtmf, connection };
}

async function startSource(
  decide: ProviderEventHandlers['inboundCall'],
  config: Partial<AriConfig> = {},
) {
  const seen = recorder();
  const source = ari({ reconnect: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 1000 } })
    .eventSource!({ ...ariConfig(simulator.url), ...config }, { logger: silentLogger });
  await source.start({
    inboundCall: async (call) => {
      seen.inbound.push(call);
      return decide(call);
    },
    status: (update) => seen.statuses.push(update),
    transfer: (result) => seen.transfers.push(result),
    dtmf: (_callId, digit) => seen.dtmf.push(digit),
    connection: (state, detail) => seen.connection.push(detail ? `${state}: ${detail}` : state),
  });
  stopSource = () => source.stop();
  await expect.poll(() => simulator.applications()).toEqual(['patchbay_0123456789ab']);
  return seen;
}

const frame = (n: number) =>
  mulawEncode(
    Int16Array.from({ length: 160 }, (_, i) =>
      Math.round(8000 * Math.sin(((n * 160 + i) * 2 * Math.PI * 440) / 8000)),
    ),
  );

describe('inbound calls', () => {
  it('answers, streams to the host over chan_websocket, bridges, echoes audio, forwards DTMF and flushes on barge-in', async () => {
    const seen = await startSource(async () => ({
      accept: true,
      mediaStreamUrl: `${mediaBase}?call=c-1&token=t-1`,
      customParameters: { agent: 'echo' },
    }));
    const caller = simulator.placeInboundCall({
      app: 'patchbay_0123456789ab',
      exten: '6001',
      callerNumber: '+15551239999',
    });
    const session = await simulator.waitForMedia();
    expect(seen.inbound[0]).toMatchObject({
      provider: 'ari',
      callId: caller.id,
      from: '+15551239999',
      to: '6001',
      status: 'ringing',
    });
    expect(session.url).toBe(`${mediaBase}?call=c-1&token=t-1&agent=echo`);
    expect(simulator.channels.get(caller.id)?.state).toBe('Up');
    await expect
      .poll(() => simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels)
      .toEqual([caller.id, `patchbay-ext-${caller.id}`]);

    for (let n = 0; n < 25; n++) session.sendAudio(frame(n));
    await expect
      .poll(() => session.audio.reduce((sum, chunk) => sum + chunk.length, 0), { timeout: 3000 })
      .toBeGreaterThanOrEqual(3200);
    expect(session.audio.every((chunk) => chunk.length === 160)).toBe(true);

    session.sendText('DTMF_END digit:7');
    await expect.poll(() => bridges[0]?.dtmf).toEqual(['7']);
    bridges[0]!.bridge.clear();
    await expect.poll(() => session.commands).toContain('FLUSH_MEDIA');

    simulator.hangUp(caller.id, 16, 'Normal Clearing');
    await expect
      .poll(() => seen.statuses.at(-1))
      .toMatchObject({ callId: caller.id, status: 'completed' });
    await expect.poll(() => simulator.channels.has(`patchbay-ext-${caller.id}`)).toBe(false);
    await expect.poll(() => simulator.bridges.has(`patchbay-bridge-${caller.id}`)).toBe(false);
  });

  it('refuses a call the host turns down, busy at the concurrency limit', async () => {
    await startSource(async () => ({ accept: false, reason: 'concurrency-limit' }));
    const caller = simulator.placeInboundCall({
      app: 'patchbay_0123456789ab',
      exten: '6001',
      callerNumber: '+15551239999',
    });
    await expect.poll(() => simulator.channels.has(caller.id)).toBe(false);
    const hangup = simulator.requests.find(
      (r) => r.method === 'DELETE' && r.path === `/channels/${caller.id}`,
    );
    expect(hangup?.query.get('reason')).toBe('busy');
  });

  it('hangs the caller up when the agent’s media ends', async () => {
    await startSource(async () => ({ accept: true, mediaStreamUrl: `${mediaBase}?call=c-2` }));
    const caller = simulator.placeInboundCall({
      app: 'patchbay_0123456789ab',
      exten: '6001',
      callerNumber: '+15551239999',
      answered: true,
    });
    await simulator.waitForMedia();
    await expect.poll(() => bridges.length).toBe(1);
    expect(simulator.requests.some((r) => r.path === `/channels/${caller.id}/answer`)).toBe(false); // already Up
    await expect
      .poll(() => simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels.length)
      .toBe(2);
    bridges[0]!.bridge.close();
    await expect.poll(() => simulator.channels.has(caller.id)).toBe(false);
  });
});

describe('outbound calls', () => {
  it('originates through the dial template, streams once answered, and reports the answer', async () => {
    const seen = await startSource(async () => ({ accept: false, reason: 'internal-error' }));
    const provider = ari().create(ariConfig(simulator.url), { logger: silentLogger });
    const placed = await provider.placeCall({
      to: '+15551230002',
      from: '+15551230001',
      answerUrl: 'https://h/unused',
      statusCallbackUrl: 'https://h/unused',
      mediaStreamUrl: `${mediaBase}?call=out-1&token=t`,
    });
    const originate = simulator.requests.find((r) => r.method === 'POST' && r.path === '/channels');
    expect(originate?.query.get('endpoint')).toBe('PJSIP/+15551230002@trunk');
    expect(originate?.query.get('app')).toBe('patchbay_0123456789ab');
    expect(originate?.query.get('callerId')).toBe('+15551230001');
    const session = await simulator.waitForMedia();
    expect(session.url).toBe(`${mediaBase}?call=out-1&token=t`);
    await expect.poll(() => seen.statuses.map((s) => s.status)).toContain('in-progress');
    expect(await provider.getCall(placed.callId)).toMatchObject({
      status: 'in-progress',
      carrierStatus: 'Up',
    });
    await provider.hangUp(placed.callId);
    await provider.hangUp(placed.callId); // already gone: fine
    expect(await provider.getCall(placed.callId)).toMatchObject({
      status: 'completed',
      carrierStatus: 'gone',
    });
  });

  it('reports calls that are never answered, by their Q.850 cause (the original never did)', async () => {
    const seen = await startSource(async () => ({ accept: false, reason: 'internal-error' }));
    const provider = ari().create(ariConfig(simulator.url), { logger: silentLogger });
    const causes: [number, string][] = [
      [17, 'busy'],
      [19, 'no-answer'],
      [21, 'failed'],
    ];
    for (const [cause, expected] of causes) {
      simulator.onOriginate(() => ({ cause, causeText: `cause ${cause}` }));
      const placed = await provider.placeCall({
        to: '6001',
        ringTimeoutSeconds: 1,
        answerUrl: 'https://h',
        statusCallbackUrl: 'https://h',
        mediaStreamUrl: `${mediaBase}?call=x`,
      });
      await expect
        .poll(() => ended(seen, placed.callId).map((s) => s.status), { timeout: 3000 })
        .toEqual([expected]);
    }
    expect(simulator.mediaSessions).toHaveLength(0);
  });
});

describe('transfers by bridge', () => {
  it('dials the destination, then swaps the agent’s media for it in the caller’s bridge', async () => {
    const seen = await startSource(async () => ({
      accept: true,
      mediaStreamUrl: `${mediaBase}?call=c-3`,
    }));
    const provider = ari().create(ariConfig(simulator.url), { logger: silentLogger });
    const caller = simulator.placeInboundCall({
      app: 'patchbay_0123456789ab',
      exten: '6001',
      callerNumber: '+15551239999',
    });
    await simulator.waitForMedia();
    await expect
      .poll(() => simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels.length)
      .toBe(2);
    const started = await provider.transferCall({
      callId: caller.id,
      destination: '6002',
      transferId: 't-1',
      statusCallbackUrl: 'https://h',
      timeoutSeconds: 20,
    });
    expect(started.legCallId).toBe('patchbay-xfer-t-1');
    await expect
      .poll(() => seen.transfers[0])
      .toMatchObject({ transferId: 't-1', status: 'answered', legCallId: 'patchbay-xfer-t-1' });
    await provider.connectTransfer({ callId: caller.id, transferId: 't-1' });
    await expect
      .poll(() => simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels)
      .toEqual([caller.id, 'patchbay-xfer-t-1']);
    // The agent's media stays up until the host has told the agent and closes it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(simulator.channels.has(`patchbay-ext-${caller.id}`)).toBe(true);
    expect(bridges[0]!.stops).toEqual([]);
    bridges[0]!.bridge.close('transferred');
    await expect.poll(() => simulator.channels.has(`patchbay-ext-${caller.id}`)).toBe(false);
    expect(simulator.channels.has(caller.id)).toBe(true);
    // When the caller leaves, the destination is hung up and the bridge destroyed.
    simulator.hangUp(caller.id);
    await expect.poll(() => simulator.channels.has('patchbay-xfer-t-1')).toBe(false);
    await expect.poll(() => simulator.bridges.size).toBe(0);
  });

  it('reports a destination that never answered', async () => {
    const seen = await startSource(async () => ({ accept: false, reason: 'internal-error' }));
    const provider = ari().create(ariConfig(simulator.url), { logger: silentLogger });
    simulator.onOriginate(() => ({ cause: 17, causeText: 'User busy' }));
    await provider.transferCall({
      callId: 'c',
      destination: '6002',
      transferId: 't-2',
      statusCallbackUrl: 'https://h',
      timeoutSeconds: 20,
    });
    await expect.poll(() => seen.transfers[0]).toMatchObject({ transferId: 't-2', status: 'busy' });
  });
});

describe('the events connection', () => {
  it('comes back after Asterisk drops it', async () => {
    await startSource(async () => ({ accept: false, reason: 'internal-error' }));
    simulator.dropConnections();
    await expect
      .poll(() => simulator.applications(), { timeout: 8000 })
      .toEqual(['patchbay_0123456789ab']);
  });

  it('keeps retrying while Asterisk is unreachable, and connects when it is back', async () => {
    const statesSeen: string[] = [];
    const source = ari({ reconnect: { initialDelayMs: 50, maxDelayMs: 100, stableAfterMs: 1000 } })
      .eventSource!(ariConfig('http://127.0.0.1:9'), { logger: silentLogger });
    await source.start({
      inboundCall: async () => ({ accept: false, reason: 'internal-error' }),
      status: () => {},
      connection: (state) => statesSeen.push(state),
    });
    await expect.poll(() => statesSeen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(statesSeen)).toEqual(new Set(['disconnected']));
    await source.stop();
  });

  it('reports a refused password as a failed attempt and keeps trying', async () => {
    const details: string[] = [];
    const source = ari({ reconnect: { initialDelayMs: 50, maxDelayMs: 100, stableAfterMs: 1000 } })
      .eventSource!(
      { ...ariConfig(simulator.url), app_password: 'wrong' },
      { logger: silentLogger },
    );
    await source.start({
      inboundCall: async () => ({ accept: false, reason: 'internal-error' }),
      status: () => {},
      connection: (state, detail) => details.push(`${state}: ${detail}`),
    });
    await expect.poll(() => details.length).toBeGreaterThanOrEqual(2);
    expect(details[0]).toMatch(/^disconnected: .*401|Authentication/);
    expect(simulator.applications()).toEqual([]);
    await source.stop();
  });

  it('gives up on an events socket that never opens, and tries again', async () => {
    // Serves the real API definitions but leaves the events upgrade hanging.
    const stall = createServer(async (request, response) => {
      try {
        const upstream = await fetch(`${simulator.url}${request.url}`, {
          headers: { authorization: request.headers.authorization ?? '' },
        });
        const body = (await upstream.text()).replaceAll(simulator.url, stallUrl);
        response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
      } catch {
        response.destroy(); // the simulator closed with the test
      }
    });
    const held: Duplex[] = [];
    stall.on('upgrade', (_request, socket) => held.push(socket));
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    const stallUrl = `http://127.0.0.1:${(stall.address() as AddressInfo).port}`;
    const details: string[] = [];
    const source = ari({
      reconnect: {
        initialDelayMs: 50,
        maxDelayMs: 100,
        stableAfterMs: 1000,
        attemptTimeoutMs: 300,
      },
    }).eventSource!(ariConfig(stallUrl), { logger: silentLogger });
    try {
      await source.start({
        inboundCall: async () => ({ accept: false, reason: 'internal-error' }),
        status: () => {},
        connection: (state, detail) => details.push(`${state}: ${detail}`),
      });
      expect(details[0]).toMatch(/events socket took longer than 300 ms/);
      await expect.poll(() => held.length).toBeGreaterThanOrEqual(2);
    } finally {
      await source.stop();
      for (const socket of held) socket.destroy();
      stall.close();
    }
  });
});

/** Inbound call answered and bridged with the agent's media; resolves once both sit in the bridge. */
async function connectedInboundCall(seen: Awaited<ReturnType<typeof startSource>>) {
  const caller = simulator.placeInboundCall({
    app: 'patchbay_0123456789ab',
    exten: '6001',
    callerNumber: '+15551239999',
  });
  const session = await simulator.waitForMedia();
  await expect
    .poll(() => simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels.length)
    .toBe(2);
  await expect.poll(() => bridges.length).toBeGreaterThan(0);
  return { caller, session, seen, media: bridges.at(-1)! };
}

const accept = async () => ({ accept: true as const, mediaStreamUrl: `${mediaBase}?call=c` });
const ended = (seen: { statuses: CallStatusUpdate[] }, callId: string) =>
  seen.statuses.filter(
    (s) => s.callId === callId && !['ringing', 'in-progress', 'initiated'].includes(s.status),
  );

describe('calls end as on a real Asterisk (fixtures/asterisk)', () => {
  it('subscribes to each call, so a caller’s hang-up brings ChannelDestroyed and ends the call once', async () => {
    const seen = await startSource(accept);
    const { caller, media } = await connectedInboundCall(seen);
    const subscribe = simulator.requests.find(
      (r) => r.path === '/applications/patchbay_0123456789ab/subscription',
    );
    expect(subscribe?.query.get('eventSource')).toBe(`channel:${caller.id}`);
    simulator.hangUp(caller.id);
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['completed']);
    await expect.poll(() => simulator.channels.has(`patchbay-ext-${caller.id}`)).toBe(false);
    await expect.poll(() => simulator.bridges.size).toBe(0);
    await expect.poll(() => media.stops).toEqual(['carrier-closed']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(ended(seen, caller.id)).toHaveLength(1);
  });

  it('ends a call at StasisEnd when the caller hung up before the subscription existed', async () => {
    const seen = await startSource(accept);
    const caller = simulator.placeInboundCall({
      app: 'patchbay_0123456789ab',
      exten: '6001',
      callerNumber: '+15551239999',
    });
    // Same tick: Asterisk sends StasisEnd and, with nobody subscribed, no ChannelDestroyed.
    simulator.hangUp(caller.id);
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['canceled']);
    expect(ended(seen, caller.id)[0]?.carrierStatus).toBe('StasisEnd');
    expect(simulator.mediaSessions).toHaveLength(0);
  });

  it('ends the call and its bridge when ARI hangs the caller up (POST /calls/:id/hangup)', async () => {
    const seen = await startSource(accept);
    const { caller } = await connectedInboundCall(seen);
    await ari().create(ariConfig(simulator.url), { logger: silentLogger }).hangUp(caller.id);
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['completed']);
    await expect.poll(() => simulator.bridges.size).toBe(0);
    await expect.poll(() => simulator.channels.size).toBe(0);
  });

  it('ends the call when the agent hangs up (HANGUP on the media socket), leaving no bridge', async () => {
    const seen = await startSource(accept);
    const { caller, media, session } = await connectedInboundCall(seen);
    media.bridge.hangUp();
    await expect.poll(() => session.commands).toContain('HANGUP');
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['completed']);
    await expect.poll(() => simulator.bridges.size).toBe(0);
    await expect.poll(() => simulator.channels.size).toBe(0);
  });

  it('acknowledges marks from plain-text MEDIA_MARK_PROCESSED <id>', async () => {
    const seen = await startSource(accept);
    const { media, session } = await connectedInboundCall(seen);
    media.bridge.sendAudio(new Int16Array(320 * 5));
    media.bridge.mark('greeting-done');
    await expect.poll(() => session.commands).toContain('MARK_MEDIA greeting-done');
    await expect.poll(() => media.marks).toEqual([['greeting-done', true]]);
  });

  it('gives the agent a steady 20 ms stream though Asterisk sends nothing while the caller is silent', async () => {
    const heard: number[] = [];
    const seen = await startSource(accept);
    await connectedInboundCall(seen);
    const media = bridges.at(-1)!;
    // The echo agent answers every frame it hears: count what comes back while the caller says nothing.
    const session = simulator.mediaSessions.at(-1)!;
    const before = session.audio.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    heard.push(session.audio.length - before);
    expect(heard[0]).toBeGreaterThanOrEqual(20);
    expect(media.stops).toEqual([]);
  });

  it('delivers each DTMF digit once, from the media socket, and names the stream by its channel', async () => {
    const seen = await startSource(accept);
    const { caller, media } = await connectedInboundCall(seen);
    simulator.sendDtmf(caller.id, '5');
    await expect.poll(() => media.dtmf).toEqual(['5']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.dtmf).toEqual([]);
    expect(media.streamIds).toEqual([`patchbay-ext-${caller.id}`]);
  });

  it('fails a call whose media server cannot be reached, and hangs the caller up', async () => {
    const seen = await startSource(accept, { ws_client_name: 'unreachable' });
    const caller = simulator.placeInboundCall({
      app: 'patchbay_0123456789ab',
      exten: '6001',
      callerNumber: '+15551239999',
    });
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['failed']);
    expect(ended(seen, caller.id)[0]?.reason).toMatch(/media connection failed \(cause 3\)/);
    await expect.poll(() => simulator.channels.size).toBe(0);
  });

  it('ends the caller left alone when the transfer destination hangs up', async () => {
    const seen = await startSource(accept);
    const provider = ari().create(ariConfig(simulator.url), { logger: silentLogger });
    const { caller, media } = await connectedInboundCall(seen);
    await provider.transferCall({
      callId: caller.id,
      destination: '6002',
      transferId: 't-9',
      statusCallbackUrl: 'https://h',
      timeoutSeconds: 20,
    });
    await expect.poll(() => seen.transfers[0]?.status).toBe('answered');
    await provider.connectTransfer({ callId: caller.id, transferId: 't-9' });
    media.bridge.close('transferred');
    simulator.hangUp('patchbay-xfer-t-9');
    await expect.poll(() => seen.transfers.map((t) => t.status)).toEqual(['answered', 'completed']);
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['completed']);
    await expect.poll(() => simulator.channels.size).toBe(0);
    await expect.poll(() => simulator.bridges.size).toBe(0);
  });
});

describe('outbound calls over Local channels (how 3CX dials)', () => {
  for (const [cause, expected] of [
    [17, 'busy'],
    [19, 'no-answer'],
  ] as const)
    it(`reports ${expected} from Dial's DIALSTATUS though the originated half ends with cause ${cause === 17 ? 0 : cause}`, async () => {
      const seen = await startSource(async () => ({ accept: false, reason: 'internal-error' }));
      const provider = ari().create(
        { ...ariConfig(simulator.url), dial_template: 'Local/{to}@Callee-Mixed/n' },
        { logger: silentLogger },
      );
      simulator.onOriginate(() => ({ cause }));
      const placed = await provider.placeCall({
        to: '6002',
        ringTimeoutSeconds: 1,
        answerUrl: 'https://h',
        statusCallbackUrl: 'https://h',
        mediaStreamUrl: `${mediaBase}?call=x`,
      });
      await expect
        .poll(() => ended(seen, placed.callId).map((s) => s.status), { timeout: 3000 })
        .toEqual([expected]);
      // The ;2 half is the dialplan's, not a call: no report of it, no requests about it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen.statuses.filter((s) => s.callId.endsWith(';2'))).toEqual([]);
      expect(simulator.requests.filter((r) => r.path.includes(';2'))).toEqual([]);
    });

  it('streams an answered Local call and ends it with its ;2 half', async () => {
    const seen = await startSource(async () => ({ accept: false, reason: 'internal-error' }));
    const provider = ari().create(
      { ...ariConfig(simulator.url), dial_template: 'Local/{to}@Callee-Mixed/n' },
      { logger: silentLogger },
    );
    const placed = await provider.placeCall({
      to: '6002',
      answerUrl: 'https://h',
      statusCallbackUrl: 'https://h',
      mediaStreamUrl: `${mediaBase}?call=local`,
    });
    await simulator.waitForMedia();
    await provider.hangUp(placed.callId);
    await expect.poll(() => ended(seen, placed.callId).map((s) => s.status)).toEqual(['completed']);
    await expect.poll(() => simulator.channels.size).toBe(0);
    expect(seen.statuses.filter((s) => s.callId.endsWith(';2'))).toEqual([]);
  });
});

/** Another client registers the application; resolves once the source said so. */
async function takenOver(seen: Awaited<ReturnType<typeof startSource>>) {
  const intruder = await simulator.takeOverApplication('patchbay_0123456789ab');
  await expect
    .poll(() => seen.connection)
    .toContain('disconnected: another client took over the Stasis application');
  return intruder;
}

describe('the Stasis application’s owner', () => {
  it('says so when another client takes the application over, and takes it back', async () => {
    const seen = await startSource(accept);
    const intruder = await takenOver(seen);
    await intruder.close();
    await expect
      .poll(() => seen.connection.filter((s) => s === 'connected').length)
      .toBeGreaterThanOrEqual(2);
    await connectedInboundCall(seen);
  });

  // Asterisk keeps an application nobody holds for as long as channels are in it
  // (fixtures/asterisk/app-replaced-mid-call.json): a 404 never comes while the call lasts.
  it('takes the application back when the other client left while a call was still in it', async () => {
    const seen = await startSource(accept);
    const { caller } = await connectedInboundCall(seen);
    const intruder = await takenOver(seen);
    await intruder.close();
    await expect
      .poll(() => seen.connection.filter((s) => s === 'connected').length)
      .toBeGreaterThanOrEqual(2);
    // The call's events come to this source again, so its end is reported.
    simulator.hangUp(caller.id);
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['completed']);
    await connectedInboundCall(seen);
  });

  it('leaves the application to a client that holds it with no call of ours', async () => {
    const seen = await startSource(accept);
    const intruder = await takenOver(seen);
    const asked = () =>
      simulator.requests.filter((r) => r.path === '/applications/patchbay_0123456789ab').length;
    // Several looks at the application, and the other client keeps it throughout.
    await expect.poll(asked).toBeGreaterThanOrEqual(2);
    expect(seen.connection.filter((s) => s === 'connected')).toHaveLength(1);
    await intruder.close();
  });

  it('reports an Asterisk restart and ends the calls it took with it', async () => {
    const seen = await startSource(accept);
    const { caller } = await connectedInboundCall(seen);
    await simulator.restart(300);
    await expect.poll(() => ended(seen, caller.id).map((s) => s.status)).toEqual(['completed']);
    await expect.poll(() => seen.connection.some((s) => s.startsWith('disconnected'))).toBe(true);
    await expect
      .poll(() => seen.connection.filter((s) => s === 'connected').length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(2);
    await connectedInboundCall(seen);
  });
});

/**
 * Calls through the shared Asterisk implementation, against the testkit's
 * ARI simulator, with chan_websocket media reaching a real media server.
 */
import { type CallStatusUpdate, type InboundCall, silentLogger } from '@patchbay/core';
import {
  type AriSimulator,
  startAriSimulator,
  startWebSocketHost,
  type WebSocketHost,
} from '@patchbay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { threeCx } from '../src/index.js';
import { threeCxConfig } from './fixtures.js';

const APP = 'patchbay_0123456789ab';
const ENDPOINT = 'patchbay_1156_3cx_cloud_12611';

let simulator: AriSimulator;
let mediaHost: WebSocketHost;
let mediaBase: string;
let stopSource: (() => Promise<void>) | undefined;

beforeEach(async () => {
  mediaHost = await startWebSocketHost({ protocol: 'media', path: '/ari-media' });
  mediaBase = mediaHost.url;
  simulator = await startAriSimulator({
    username: 'patchbay',
    password: 'secret',
    websocketClients: { patchbay: mediaBase },
  });
});

afterEach(async () => {
  await stopSource?.();
  stopSource = undefined;
  await simulator.close();
  await mediaHost.close();
});

async function startSource(decide: (call: InboundCall) => Promise<boolean>) {
  const statuses: CallStatusUpdate[] = [];
  const inbound: InboundCall[] = [];
  const source = threeCx({
    reconnect: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 1000 },
  }).eventSource!(threeCxConfig(simulator.url), { logger: silentLogger });
  await source.start({
    inboundCall: async (call) => {
      inbound.push(call);
      return (await decide(call))
        ? { accept: true, mediaStreamUrl: `${mediaBase}?call=${call.callId}` }
        : { accept: false, reason: 'number-not-configured' };
    },
    status: (update) => statuses.push(update),
  });
  stopSource = () => source.stop();
  await expect.poll(() => simulator.applications()).toEqual([APP]);
  return { statuses, inbound };
}

describe('3CX calls through Asterisk', () => {
  it('take inbound calls from the provisioned dialplan as the extension’s, with media', async () => {
    const seen = await startSource(async () => true);
    const caller = simulator.placeInboundCall({
      app: APP,
      exten: '12611',
      callerNumber: '+390612345678',
      args: ['inbound', ENDPOINT],
      context: `${ENDPOINT}-inbound`,
    });
    const session = await simulator.waitForMedia();
    expect(seen.inbound[0]).toMatchObject({
      provider: 'three_cx',
      callId: caller.id,
      from: '+390612345678',
      accountId: '12611',
      status: 'ringing',
    });
    expect(session.url).toBe(`${mediaBase}?call=${caller.id}`);
    await expect
      .poll(() => simulator.bridges.get(`patchbay-bridge-${caller.id}`)?.channels)
      .toEqual([caller.id, `patchbay-ext-${caller.id}`]);
    simulator.hangUp(caller.id, 16);
    await expect
      .poll(() => seen.statuses.at(-1))
      .toMatchObject({ callId: caller.id, status: 'completed' });
  });

  it('serve two tenants on one Asterisk, each call reaching its own configuration', async () => {
    const tenants = [
      threeCxConfig(simulator.url),
      {
        ...threeCxConfig(simulator.url),
        sip_domain: 'acme.3cx.eu',
        extension: '200',
        stasis_app_name: 'patchbay_acme00000000',
      },
    ];
    const seen: InboundCall[][] = [[], []];
    const sources = tenants.map((config) =>
      threeCx().eventSource!(config, { logger: silentLogger }),
    );
    await Promise.all(
      sources.map((source, n) =>
        source.start({
          inboundCall: async (call) => {
            seen[n]!.push(call);
            return { accept: false, reason: 'number-not-configured' };
          },
          status: () => {},
        }),
      ),
    );
    stopSource = async () => {
      await Promise.all(sources.map((source) => source.stop()));
    };
    await expect
      .poll(() => simulator.applications().sort())
      .toEqual([APP, 'patchbay_acme00000000']);
    simulator.placeInboundCall({
      app: 'patchbay_acme00000000',
      exten: '200',
      callerNumber: '+41445550000',
      args: ['inbound', 'patchbay_acme_3cx_eu_200'],
    });
    simulator.placeInboundCall({
      app: APP,
      exten: '12611',
      callerNumber: '+390612345678',
      args: ['inbound', ENDPOINT],
    });
    await expect.poll(() => seen.map((calls) => calls.length)).toEqual([1, 1]);
    expect(seen[0]![0]).toMatchObject({ accountId: '12611', from: '+390612345678' });
    expect(seen[1]![0]).toMatchObject({ accountId: '200', from: '+41445550000' });
  });

  it('report a call for another endpoint under the extension it was dialled to', async () => {
    const seen = await startSource(async () => false);
    simulator.placeInboundCall({
      app: APP,
      exten: '300',
      callerNumber: '+390612345678',
      args: ['inbound', 'patchbay_1156_3cx_cloud_300'],
    });
    await expect.poll(() => seen.inbound[0]?.accountId).toBe('300');
  });

  it('originate straight to the endpoint, prefix stripped, with the default caller id, and stream once answered', async () => {
    const seen = await startSource(async () => false);
    const provider = threeCx().create(
      { ...threeCxConfig(simulator.url), from_numbers: ['+390299999999'] },
      { logger: silentLogger },
    );
    const placed = await provider.placeCall({
      to: '+390612345678',
      answerUrl: 'https://h/unused',
      statusCallbackUrl: 'https://h/unused',
      mediaStreamUrl: `${mediaBase}?call=out-1`,
    });
    const originate = simulator.requests.find((r) => r.method === 'POST' && r.path === '/channels');
    expect(originate?.query.get('endpoint')).toBe(`PJSIP/0612345678@${ENDPOINT}`);
    expect(originate?.query.get('app')).toBe(APP);
    expect(originate?.query.get('callerId')).toBe('+390299999999');
    const session = await simulator.waitForMedia();
    expect(session.url).toBe(`${mediaBase}?call=out-1`);
    await expect.poll(() => seen.statuses.map((s) => s.status)).toContain('in-progress');
    await provider.hangUp(placed.callId);
    expect(await provider.getCall(placed.callId)).toMatchObject({ status: 'completed' });
  });

  it('refuse a destination that is not a number or extension, before calling Asterisk', async () => {
    const provider = threeCx().create(threeCxConfig(simulator.url), { logger: silentLogger });
    await expect(
      provider.placeCall({
        to: '100@other-tenant-outbound',
        answerUrl: 'https://h/unused',
        statusCallbackUrl: 'https://h/unused',
        mediaStreamUrl: `${mediaBase}?call=out-2`,
      }),
    ).rejects.toMatchObject({ name: 'InvalidPayloadError', httpStatus: 400 });
    expect(simulator.requests.some((r) => r.method === 'POST' && r.path === '/channels')).toBe(
      false,
    );
  });

  it('dial transfer destinations through the same endpoint', async () => {
    await startSource(async () => false);
    const provider = threeCx().create(threeCxConfig(simulator.url), { logger: silentLogger });
    const result = await provider.transferCall({
      callId: 'caller-1',
      transferId: 't-1',
      destination: '200',
      timeoutSeconds: 20,
      statusCallbackUrl: 'https://h/unused',
    });
    expect(result).toMatchObject({ status: 'pending', legCallId: 'patchbay-xfer-t-1' });
    const originate = simulator.requests.find(
      (r) => r.method === 'POST' && r.path.startsWith('/channels'),
    );
    expect(originate?.query.get('endpoint')).toBe(`PJSIP/200@${ENDPOINT}`);
    expect(originate?.query.get('appArgs')).toBe('patchbay-transfer,t-1');
  });

  it('report Asterisk errors under its own name', async () => {
    const provider = threeCx().create(
      { ...threeCxConfig(simulator.url), app_password: 'wrong' },
      { logger: silentLogger },
    );
    await expect(provider.getCall('nope')).rejects.toMatchObject({
      name: 'CarrierApiError',
      provider: 'three_cx',
    });
  });
});

import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { type AriSimulator, startAriSimulator, startWebSocketHost } from '../src/index.js';

// ari-client is CommonJS without types: the official client, used as a black box.
const ari = createRequire(import.meta.url)('ari-client') as {
  connect(url: string, user: string, password: string): Promise<AriClient>;
};
interface AriClient {
  on(event: string, listener: (...args: unknown[]) => void): void;
  start(app: string): Promise<void>;
  stop(): void;
  channels: {
    originate(params: Record<string, unknown>): Promise<{ id: string }>;
    get(params: { channelId: string }): Promise<{ state: string }>;
  };
}

let simulator: AriSimulator | undefined;
afterEach(async () => simulator?.close());

describe('ARI simulator', () => {
  it('serves the real API definitions, so ari-client connects and starts a Stasis app', async () => {
    simulator = await startAriSimulator();
    const client = await ari.connect(simulator.url, 'patchbay', 'secret');
    const started = new Promise<unknown[]>((resolve) =>
      client.on('StasisStart', (...args) => resolve(args)),
    );
    await client.start('patchbay-test');
    await expect.poll(() => simulator!.applications()).toEqual(['patchbay-test']);
    expect(simulator.eventConnections).toEqual([['patchbay-test']]);
    const channel = await client.channels.originate({
      endpoint: 'PJSIP/6001',
      app: 'patchbay-test',
      appArgs: 'pb,abc',
    });
    const [event] = (await started) as [{ args: string[]; channel: { id: string; state: string } }];
    expect(event.args).toEqual(['pb', 'abc']);
    expect(event.channel.id).toBe(channel.id);
    expect((await client.channels.get({ channelId: channel.id })).state).toBe('Up');
    client.stop();
  });

  it('refuses wrong credentials like Asterisk', async () => {
    simulator = await startAriSimulator();
    const response = await fetch(`${simulator.url}/ari/channels`, {
      headers: { authorization: `Basic ${Buffer.from('patchbay:wrong').toString('base64')}` },
    });
    expect(response.status).toBe(401);
  });

  it('dials the host for externalMedia over websocket, with the v() parameters as its query', async () => {
    const received: string[] = [];
    const host = await startWebSocketHost({
      protocol: 'media',
      path: '/media',
      onConnection: (socket, request) => {
        received.push(request.url ?? '');
        socket.on('message', (data, binary) => !binary && received.push(String(data)));
      },
    });
    simulator = await startAriSimulator({ websocketClients: { patchbay: host.url } });
    const auth = `Basic ${Buffer.from('patchbay:secret').toString('base64')}`;
    const response = await fetch(
      `${simulator.url}/ari/channels/externalMedia?app=a&external_host=patchbay&format=ulaw&transport=websocket&encapsulation=none&connection_type=client&direction=both&transport_data=v(call=c1,token=t1)&channelId=ext-1`,
      { method: 'POST', headers: { authorization: auth } },
    );
    expect(response.status).toBe(200);
    const session = await simulator.waitForMedia();
    expect(session.url).toBe(`${host.url}?call=c1&token=t1`);
    expect(host.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/media$/);
    await expect.poll(() => received).toEqual(['/media?call=c1&token=t1']);
    await host.close();
  });
});

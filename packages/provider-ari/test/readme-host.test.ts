/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside `ws`,
 * and the README's `server.mjs` run unchanged against the testkit's
 * Asterisk simulator. A call sent to the Stasis application is answered and
 * streamed over chan_websocket to the host, which echoes it; the media
 * query opens once; a hang-up is reported.
 */
import {
  type AriSimulator,
  freePort,
  type ReadmeHost,
  speakOnAriMedia,
  startAriSimulator,
  startReadmeHost,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';

const APP = 'patchbay_0123456789ab';
let simulator: AriSimulator;
let host: ReadmeHost;
let port: number;

beforeAll(async () => {
  port = await freePort();
  simulator = await startAriSimulator({
    username: 'patchbay',
    password: 'readme-secret',
    websocketClients: { patchbay: `ws://127.0.0.1:${port}/media` },
  });
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-ari'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['ws@^8.18.0'],
    port,
    env: { ARI_URL: simulator.url, ARI_USER: 'patchbay', ARI_PASSWORD: 'readme-secret' },
  });
}, 240_000);

afterAll(async () => {
  await host?.close();
  await simulator?.close();
});

/** The HTTP status a WebSocket upgrade to `url` gets (0 when it opens). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'media');
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(0);
    });
    socket.once('error', () => resolve(-1));
  });
}

it('answers a call from the dialplan, echoes its media, and reports its end', async () => {
  await expect.poll(() => simulator.applications(), { timeout: 10_000 }).toEqual([APP]);
  const caller = simulator.placeInboundCall({
    app: APP,
    exten: '6001',
    callerNumber: '+15551239999',
  });
  const session = await simulator.waitForMedia();
  expect(session.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/media\\?call=`));
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${caller.id} from +15551239999 to 6001`);

  // The echo comes back: at least 15 of the 25 frames played (the bridge's lead holds some).
  expect(await speakOnAriMedia(session)).toBeGreaterThanOrEqual(160 * 15);

  // The media query opened once; a second use, or a forged one, is refused before the upgrade.
  expect(await upgradeStatus(session.url)).toBe(401);
  const forged = new URL(session.url);
  forged.searchParams.set('token', 'forged');
  expect(await upgradeStatus(forged.toString())).toBe(401);

  simulator.hangUp(caller.id, 16, 'Normal Clearing');
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${caller.id}: completed`);
}, 60_000);

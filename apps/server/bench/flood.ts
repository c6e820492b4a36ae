/**
 * `pnpm bench:flood`: can one call's media peer hurt the others? Well-behaved
 * simulated Twilio calls stream 20 ms frames in real time to the echo agent
 * while the management API is polled; then the same again with flooding
 * peers on calls of their own:
 *
 * - two peers sending 6 s of audio per message at ten times real time (the
 *   flood that once took a call's echo to 95 of 301 frames): the dialect's
 *   16 KiB limit closes their sockets (1009), so they keep coming back on
 *   new calls, as an attacker would;
 * - `big`: the largest message Twilio's dialect allows (1.5 s of audio) at
 *   ten times real time;
 * - `fast`: ordinary 20 ms frames at ten times real time.
 *
 * It reports the good calls' echo ratio (echoes received / frames sent, the
 * worst call's too), the API's p50/p99 and the server's RSS before and after.
 * Every loop is bounded by `--seconds`; all traffic stays on loopback. Not a
 * test: the figures depend on the machine.
 *
 *   pnpm bench:flood [--calls 20] [--seconds 15] [--flood-rate 10] [--database-url postgres://…]
 */
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import {
  FRAME,
  openTwilioMedia,
  type PatchbayTarget,
  percentile,
  startPatchbay,
  twilioMediaMessage,
  usage,
} from './harness.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    calls: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '15' },
    'database-url': { type: 'string' },
    /** How many times real time each flooding peer sends its audio. */
    'flood-rate': { type: 'string', default: '10' },
  },
});
const CALLS = Number(values.calls);
const SECONDS = Number(values.seconds);
const FLOOD_RATE = Number(values['flood-rate']);

/** The largest Twilio media message under the 16 KiB limit: 12 000 mu-law bytes, 1.5 s. */
const BIG_PAYLOAD = Buffer.alloc(12_000, 0x7f).toString('base64');
/** Past the limit: 6 s of audio in one message. */
const OVERSIZE_PAYLOAD = Buffer.alloc(48_000, 0x7f).toString('base64');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PhaseResult {
  echoRatio: number;
  worstCallRatio: number;
  apiP50: number;
  apiP99: number;
  apiRequests: number;
  floodMessages: number;
  /** Flooding sockets opened in all (those closed for oversize messages come back). */
  floodSockets: number;
  /** Close codes the flooding sockets saw. */
  closeCodes: Record<number, number>;
}

/** Polls GET /api/v1/calls back to back (one at a time) until `until`; returns each latency. */
async function pollApi(target: PatchbayTarget, until: number): Promise<number[]> {
  const latencies: number[] = [];
  while (performance.now() < until) {
    const started = performance.now();
    const response = await fetch(`${target.base}/api/v1/calls`, {
      headers: { authorization: `Bearer ${target.apiKey}` },
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`API answered ${response.status}`);
    latencies.push(performance.now() - started);
    await sleep(20);
  }
  return latencies;
}

/** One flooding peer: what it sent, how often it had to come back, how it was closed. */
interface Flooder {
  messages: number;
  sockets: number;
  readonly closeCodes: Record<number, number>;
}

/**
 * Sends `payload` every `everyMs` on a call of its own until `until`; when
 * the server closes the socket, comes back on a new call.
 */
async function flood(
  target: PatchbayTarget,
  index: number,
  payload: string,
  everyMs: number,
  until: number,
  flooder: Flooder,
): Promise<void> {
  const started = performance.now();
  let sent = 0;
  while (performance.now() < until) {
    const socket = await openTwilioMedia(await target.urlFor(), index);
    flooder.sockets++;
    socket.once('close', (code) => {
      flooder.closeCodes[code] = (flooder.closeCodes[code] ?? 0) + 1;
    });
    while (performance.now() < until && socket.readyState === socket.OPEN) {
      socket.send(twilioMediaMessage(index, sent, payload));
      sent++;
      flooder.messages++;
      const wait = started + sent * everyMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    if (socket.readyState === socket.OPEN) socket.terminate();
  }
}

async function phase(target: PatchbayTarget, withFlood: boolean, offset: number) {
  const sockets: WebSocket[] = [];
  const echoes: number[] = [];
  for (let index = 0; index < CALLS; index++) {
    const socket = await openTwilioMedia(await target.urlFor(), offset + index);
    echoes.push(0);
    socket.on('message', (data) => {
      if (String(data).includes('"event":"media"')) echoes[index]!++;
    });
    sockets.push(socket);
  }
  const until = performance.now() + SECONDS * 1000;
  const flooder: Flooder = { messages: 0, sockets: 0, closeCodes: {} };
  const floods: Promise<void>[] = [];
  if (withFlood) {
    // At ten times real time: 6 s every 600 ms (twice), 1.5 s every 150 ms, 20 ms every 2 ms.
    const peer = (n: number, payload: string, audioMs: number) =>
      floods.push(flood(target, offset + CALLS + n, payload, audioMs / FLOOD_RATE, until, flooder));
    peer(0, OVERSIZE_PAYLOAD, 6000);
    peer(1, OVERSIZE_PAYLOAD, 6000);
    peer(2, BIG_PAYLOAD, 1500);
    peer(3, FRAME, 20);
  }
  const api = pollApi(target, until);
  const frames = (SECONDS * 1000) / 20;
  const started = performance.now();
  for (let frame = 0; frame < frames; frame++) {
    const wait = started + frame * 20 - performance.now();
    if (wait > 0) await sleep(wait);
    for (let index = 0; index < sockets.length; index++)
      sockets[index]!.send(twilioMediaMessage(offset + index, frame));
  }
  const latencies = Float64Array.from(await api).sort();
  await Promise.all(floods);
  await sleep(500); // the last echoes
  for (const socket of sockets) socket.terminate();
  const ratios = echoes.map((count) => count / frames);
  return {
    echoRatio: ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length,
    worstCallRatio: Math.min(...ratios),
    apiP50: percentile(latencies, 50),
    apiP99: percentile(latencies, 99),
    apiRequests: latencies.length,
    floodMessages: flooder.messages,
    floodSockets: flooder.sockets,
    closeCodes: flooder.closeCodes,
  } satisfies PhaseResult;
}

const describe = (label: string, result: PhaseResult) =>
  `${label.padEnd(11)} echo ${(result.echoRatio * 100).toFixed(2)}% (worst call ${(result.worstCallRatio * 100).toFixed(2)}%), API p50 ${result.apiP50.toFixed(1)} ms p99 ${result.apiP99.toFixed(1)} ms over ${result.apiRequests} requests` +
  (result.floodMessages > 0
    ? `; flood: ${result.floodMessages} messages on ${result.floodSockets} sockets, closed ${JSON.stringify(result.closeCodes)}`
    : '');

console.log(
  `bench:flood, ${CALLS} good calls for ${SECONDS} s per phase, flooding peers at ${FLOOD_RATE}x real time; Node ${process.version}; Patchbay on ${values['database-url'] ? 'PostgreSQL' : 'the embedded database'}`,
);
const target = await startPatchbay({ agentRate: 16000, databaseUrl: values['database-url'] });
try {
  const idle = await usage(target.pid);
  // Warm-up, unmeasured: JIT and first-use paths.
  await phase(target, false, 0).catch(() => undefined);
  const quiet = await phase(target, false, 1000);
  const beforeFlood = await usage(target.pid);
  const flooded = await phase(target, true, 2000);
  const afterFlood = await usage(target.pid);
  console.log(describe('no flood', quiet));
  console.log(describe('with flood', flooded));
  console.log(
    `server RSS: idle ${idle.rssMb.toFixed(0)} MB, before the flood ${beforeFlood.rssMb.toFixed(0)} MB, after ${afterFlood.rssMb.toFixed(0)} MB`,
  );
} finally {
  await target.stop();
}

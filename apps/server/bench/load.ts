/**
 * `pnpm bench:load`: concurrent simulated Twilio calls streaming 20 ms
 * mu-law frames in real time through the Patchbay server (its own process,
 * embedded database) to the built-in echo agent, beside a bare `ws` echo
 * server on the same frames as the ceiling. Calls arrive through the real
 * inbound route with signed webhooks and media tokens.
 *
 * For each step of concurrent calls it reports p50/p99 turnaround (frame
 * sent to its echo received), frames lost, and the server's CPU and memory
 * per call; the capacity is the most calls held with p99 under 20 ms and no
 * frame lost. Not a test: numbers depend on the machine.
 *
 *   pnpm bench:load [--steps 50,100,200,300,400] [--seconds 10] [--server-flags "--cpu-prof"]
 */
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import {
  firstLine,
  openTwilioMedia,
  percentile,
  spawnLogged,
  startPatchbay,
  type Target,
  twilioMediaMessage,
  usage,
} from './harness.js';

const { values } = parseArgs({
  // `pnpm bench:load -- --steps …` hands the script the `--` too.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    steps: { type: 'string', default: '50,100,200,300,400,500' },
    seconds: { type: 'string', default: '10' },
    /** Seconds of an unmeasured first round of the same number of calls. */
    warmup: { type: 'string', default: '3' },
    /** The echo agent's sample rate: 16000 resamples every frame both ways, 8000 none. */
    'agent-rate': { type: 'string', default: '16000' },
    /** Every call's frames on the same 20 ms boundary instead of spread over the period. */
    aligned: { type: 'boolean', default: false },
    /** Extra Node flags for the Patchbay server, e.g. "--cpu-prof --cpu-prof-dir=prof" or "--trace-gc". */
    'server-flags': { type: 'string', default: '' },
    /**
     * A PostgreSQL server (postgres://…/db) to run Patchbay on instead of the
     * embedded database: each step gets a fresh database there, dropped after.
     */
    'database-url': { type: 'string' },
  },
});
const STEPS = values.steps.split(',').map(Number);
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = Number(values.warmup);

interface Step {
  calls: number;
  p50: number;
  p99: number;
  lost: number;
  sent: number;
  cpuPercent: number;
  rssMb: number;
  /** Growth over the idle server, per call. */
  rssPerCallKb: number;
  /** How late the generator started its 20 ms ticks (p99): past a few ms, the generator is the bottleneck. */
  tickLateP99: number;
  /** The server's event-loop delay during the step, where it reports one (ms). */
  loopDelay: { p99Ms: number; maxMs: number } | undefined;
}

/** Opens `count` media sockets from `urlFor`, streams `seconds` of frames on each, and measures. */
async function runStep(count: number, target: Target, pid: number, seconds: number): Promise<Step> {
  const idle = await usage(pid);
  const sockets: WebSocket[] = [];
  const urls: string[] = [];
  const pending: number[][] = [];
  const turnaround: number[] = [];
  let sent = 0;
  let received = 0;
  for (let index = 0; index < count; index++) {
    const url = await target.urlFor();
    urls.push(url);
    const socket = await openTwilioMedia(url, index);
    const queue: number[] = [];
    pending.push(queue);
    socket.on('message', (data) => {
      const text = String(data);
      if (!text.includes('"event":"media"')) return;
      const sentAt = queue.shift();
      if (sentAt !== undefined) {
        turnaround.push(performance.now() - sentAt);
        received++;
      }
    });
    sockets.push(socket);
  }
  await target.eventLoopDelay?.(); // starts this step's window
  const before = await usage(pid);
  const started = performance.now();
  const frames = (seconds * 1000) / 20;
  // Independent calls tick at independent phases: call i sends in 1 ms slot i mod 20 of
  // each 20 ms period. --aligned puts every call on the same boundary, a worst case.
  const slots = values.aligned ? 1 : 20;
  const lateness = new Float64Array(frames * slots);
  for (let frame = 0; frame < frames; frame++) {
    for (let slot = 0; slot < slots; slot++) {
      const due = started + frame * 20 + slot;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lateness[frame * slots + slot] = performance.now() - due;
      for (let index = slot; index < sockets.length; index += slots) {
        const message = twilioMediaMessage(index, frame);
        pending[index]!.push(performance.now());
        sockets[index]!.send(message);
        sent++;
      }
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last echoes
  const after = await usage(pid);
  const elapsed = performance.now() - started;
  const loopDelay = await target.eventLoopDelay?.();
  for (const socket of sockets) socket.terminate();
  // The calls end as they would in the world: the carrier says so.
  await Promise.all(urls.map((url) => target.endCall(url)));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sorted = Float64Array.from(turnaround).sort();
  return {
    calls: count,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lost: sent - received,
    sent,
    cpuPercent: ((after.cpuMs - before.cpuMs) / elapsed) * 100,
    rssMb: after.rssMb,
    rssPerCallKb: ((after.rssMb - idle.rssMb) * 1024) / count,
    tickLateP99: percentile(lateness.sort(), 99),
    loopDelay,
  };
}

async function ceiling(): Promise<Target> {
  const child = spawnLogged(process.execPath, ['--import', 'tsx', 'bench/echo-ceiling.ts'], {});
  const [, port] = await firstLine(child, /^(\d+)$/m);
  return {
    pid: child.pid!,
    urlFor: async () => `ws://127.0.0.1:${port}/`,
    endCall: async () => {},
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const held = (step: Step) => step.p99 < 20 && step.lost === 0;

async function ramp(name: string, start: () => Promise<Target>): Promise<Step[]> {
  const steps: Step[] = [];
  for (const calls of STEPS) {
    const target = await start();
    try {
      // A first round of calls warms the server up (JIT, pools, first-use paths); a stall
      // then would leave its echoes queued behind real-time pacing for the whole step.
      if (WARMUP_SECONDS > 0) await runStep(calls, target, target.pid, WARMUP_SECONDS);
      const step = await runStep(calls, target, target.pid, SECONDS);
      steps.push(step);
      console.log(
        `${name.padEnd(9)} ${String(calls).padStart(4)} calls: p50 ${step.p50.toFixed(2)} ms, p99 ${step.p99.toFixed(2)} ms, lost ${step.lost}/${step.sent}, server CPU ${step.cpuPercent.toFixed(0)}% (${(step.cpuPercent / calls).toFixed(2)}%/call), RSS ${step.rssMb.toFixed(0)} MB (${step.rssPerCallKb >= 0 ? '+' : ''}${step.rssPerCallKb.toFixed(0)} KB/call over idle), generator late p99 ${step.tickLateP99.toFixed(1)} ms${step.loopDelay ? `, server event-loop delay p99 ${step.loopDelay.p99Ms.toFixed(1)} ms, max ${step.loopDelay.maxMs.toFixed(1)} ms (sampled every 10 ms: an idle loop reads about 10)` : ''}`,
      );
      if (!held(step)) break;
    } finally {
      await target.stop();
    }
  }
  return steps;
}

const capacity = (steps: Step[]) => Math.max(0, ...steps.filter(held).map((step) => step.calls));

console.log(
  `bench:load, ${SECONDS} s per step after ${WARMUP_SECONDS} s of warm-up, steps ${STEPS.join(', ')}, frames ${values.aligned ? 'aligned' : 'spread over the 20 ms period'}; Node ${process.version}; Patchbay on ${values['database-url'] ? 'PostgreSQL' : 'the embedded database'}`,
);
const patchbaySteps = await ramp('patchbay', () =>
  startPatchbay({
    agentRate: Number(values['agent-rate']),
    serverFlags: values['server-flags'],
    databaseUrl: values['database-url'],
  }),
);
const ceilingSteps = await ramp('ws echo', ceiling);
const ours = capacity(patchbaySteps);
const theirs = capacity(ceilingSteps);
console.log(
  `\nCapacity (p99 < 20 ms, no frame lost): Patchbay ${ours} calls, bare ws echo ${theirs} calls` +
    (theirs > 0 ? `, ratio ${(ours / theirs).toFixed(2)}` : '') +
    (theirs === Math.max(...STEPS) ? ' (the ceiling held every step: raise --steps)' : ''),
);

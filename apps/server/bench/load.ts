/**
 * `pnpm bench:load`: concurrent simulated Twilio calls streaming 20 ms
 * mu-law frames in real time through the Patchbay server (its own process)
 * to the built-in echo agent, beside a bare `ws` echo server on the same
 * frames as the ceiling. Calls arrive through the real inbound route with
 * signed webhooks and media tokens.
 *
 * One command measures every target in turn: Patchbay on the embedded
 * database, on PostgreSQL, on PostgreSQL with WORKERS=2, and the ws echo.
 * Each target is ramped through the steps `--runs` times (a fresh server for
 * every step); a step is held when p99 turnaround (frame sent to its echo
 * received) is under 20 ms and no frame is lost, and a run's capacity is the
 * last step held before the first that was not. The capacity reported is the
 * median of the runs, with their spread. A step where the generator itself
 * ran late (its tick lateness p99 over `--generator-late-ms`) proves nothing
 * about the server: a run that fails there reports no capacity beyond the
 * last step before it, marked as limited by the generator.
 *
 *   pnpm bench:load [--steps 100,200,300,400,500] [--runs 3] [--seconds 10]
 *                   [--targets embedded,postgres,workers,ws] [--database-url postgres://…]
 *
 * Not a test: the numbers depend on the machine.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import type WebSocket from 'ws';
import {
  firstLine,
  openTwilioMedia,
  percentile,
  type ServerLoopReading,
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
    steps: { type: 'string', default: '100,200,300,400,500' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    /** Seconds of an unmeasured first round of the same number of calls. */
    warmup: { type: 'string', default: '3' },
    /** Which systems to measure, in this order: embedded, postgres, workers (PostgreSQL, WORKERS=2), ws. */
    targets: { type: 'string', default: 'embedded,postgres,workers,ws' },
    /** The echo agent's sample rate: 16000 resamples every frame both ways, 8000 none. */
    'agent-rate': { type: 'string', default: '16000' },
    /** Every call's frames on the same 20 ms boundary instead of spread over the period. */
    aligned: { type: 'boolean', default: false },
    /** Extra Node flags for the servers under test, e.g. "--cpu-prof --cpu-prof-dir=prof" or "--trace-gc". */
    'server-flags': { type: 'string', default: '' },
    /**
     * The PostgreSQL server for the postgres and workers targets: each step
     * gets a fresh database there, dropped after. Default: DATABASE_URL, else
     * the local server if one answers.
     */
    'database-url': { type: 'string' },
    /** Generator tick lateness (p99, ms) past which a step measures the generator, not the server. */
    'generator-late-ms': { type: 'string', default: '10' },
  },
});
const STEPS = values.steps.split(',').map(Number);
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = Number(values.warmup);
const GENERATOR_LATE_MS = Number(values['generator-late-ms']);
const SERVER_FLAGS = values['server-flags'].split(' ').filter(Boolean);

interface Step {
  calls: number;
  p50: number;
  p99: number;
  lost: number;
  sent: number;
  cpuPercent: number;
  /** The server's main threads (its event loops) alone. */
  mainThreadPercent: number;
  rssMb: number;
  /** Growth over the idle server, per call. */
  rssPerCallKb: number;
  /** How late the generator started its 20 ms ticks (p99): past a few ms, the generator is the bottleneck. */
  tickLateP99: number;
  /** The generator's own CPU during the step (% of one core). */
  generatorCpuPercent: number;
  /** The server's event loop and garbage collector during the step, where it reports them. */
  loop:
    | (ServerLoopReading & { gcCountDelta: number; gcMsDelta: number; majorGcDelta: number })
    | undefined;
}

/** Opens `count` media sockets, streams `seconds` of frames on each, and measures. */
async function runStep(count: number, target: Target, seconds: number): Promise<Step> {
  const pid = target.pid;
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
  const loopBefore = await target.eventLoopDelay?.(); // also starts this step's histogram window
  const before = await usage(pid);
  const generatorBefore = process.cpuUsage();
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
  const generatorUsed = process.cpuUsage(generatorBefore);
  const elapsed = performance.now() - started;
  const loopAfter = await target.eventLoopDelay?.();
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
    mainThreadPercent: ((after.mainThreadCpuMs - before.mainThreadCpuMs) / elapsed) * 100,
    rssMb: after.rssMb,
    rssPerCallKb: ((after.rssMb - idle.rssMb) * 1024) / count,
    tickLateP99: percentile(lateness.sort(), 99),
    generatorCpuPercent: ((generatorUsed.user + generatorUsed.system) / 1000 / elapsed) * 100,
    loop:
      loopBefore && loopAfter
        ? {
            ...loopAfter,
            gcCountDelta: loopAfter.gcCount - loopBefore.gcCount,
            gcMsDelta: loopAfter.gcMs - loopBefore.gcMs,
            majorGcDelta: loopAfter.majorGcCount - loopBefore.majorGcCount,
          }
        : undefined,
  };
}

async function ceiling(): Promise<Target> {
  const child = spawnLogged(
    process.execPath,
    [...SERVER_FLAGS, '--import', 'tsx', 'bench/echo-ceiling.ts'],
    {},
  );
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
/** A step the server did not survive (it exited, or refused the calls). */
const FAILED_STEP: Step = {
  calls: 0,
  p50: Number.NaN,
  p99: Number.POSITIVE_INFINITY,
  lost: Number.POSITIVE_INFINITY,
  sent: 0,
  cpuPercent: Number.NaN,
  mainThreadPercent: Number.NaN,
  rssMb: Number.NaN,
  rssPerCallKb: Number.NaN,
  tickLateP99: 0,
  generatorCpuPercent: Number.NaN,
  loop: undefined,
};
const generatorLimited = (step: Step) => step.tickLateP99 > GENERATOR_LATE_MS;

interface Run {
  steps: Step[];
  /** The last step held before the first that was not (0 when the first failed). */
  capacity: number;
  /** The run stopped at a step where the generator ran late: its capacity is a lower bound. */
  generatorLimited: boolean;
}

function describe(name: string, run: number, step: Step): string {
  const loop = step.loop
    ? `, loop delay p99 ${step.loop.p99Ms.toFixed(1)} max ${step.loop.maxMs.toFixed(1)} ms, GC ${step.loop.gcCountDelta} pauses ${step.loop.gcMsDelta.toFixed(0)} ms (${step.loop.majorGcDelta} major)`
    : '';
  return `${name.padEnd(10)} run ${run} ${String(step.calls).padStart(4)} calls: p50 ${step.p50.toFixed(2)} p99 ${step.p99.toFixed(2)} ms, lost ${step.lost}/${step.sent}, CPU ${step.cpuPercent.toFixed(0)}% (${(step.cpuPercent / step.calls).toFixed(3)}%/call; main thread ${step.mainThreadPercent.toFixed(0)}%), RSS ${step.rssMb.toFixed(0)} MB, generator late p99 ${step.tickLateP99.toFixed(1)} ms CPU ${step.generatorCpuPercent.toFixed(0)}%${loop}${held(step) ? '' : generatorLimited(step) ? '  NOT HELD (generator late)' : '  NOT HELD'}`;
}

async function ramp(name: string, run: number, start: () => Promise<Target>): Promise<Run> {
  const steps: Step[] = [];
  for (const calls of STEPS) {
    const target = await start();
    try {
      // A first round of calls warms the server up (JIT, pools, first-use paths); a stall
      // then would leave its echoes queued behind real-time pacing for the whole step.
      let step: Step;
      try {
        if (WARMUP_SECONDS > 0) await runStep(calls, target, WARMUP_SECONDS);
        step = await runStep(calls, target, SECONDS);
      } catch (error) {
        // A server that fails under load has not held the step; the bench goes on with the next.
        console.log(
          `${name.padEnd(10)} run ${run} ${String(calls).padStart(4)} calls: FAILED: ${String(error)}`,
        );
        steps.push({ ...FAILED_STEP, calls });
        break;
      }
      steps.push(step);
      console.log(describe(name, run, step));
      if (!held(step)) break;
    } finally {
      await target.stop();
    }
  }
  const failed = steps.find((step) => !held(step));
  const heldSteps = steps.filter((step) => failed === undefined || step.calls < failed.calls);
  return {
    steps,
    capacity: Math.max(0, ...heldSteps.map((step) => step.calls)),
    generatorLimited: failed !== undefined && generatorLimited(failed),
  };
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** The local PostgreSQL, if one answers. */
async function localPostgres(): Promise<string | undefined> {
  const url =
    values['database-url'] ??
    process.env['DATABASE_URL'] ??
    'postgres://postgres@127.0.0.1:5432/test';
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return url;
  } catch {
    return undefined;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

interface TargetPlan {
  readonly name: string;
  readonly start: () => Promise<Target>;
}

const agentRate = Number(values['agent-rate']);
const databaseUrl = await localPostgres();
const plans: TargetPlan[] = [];
for (const name of values.targets.split(',')) {
  if (name === 'embedded')
    plans.push({
      name,
      start: () => startPatchbay({ agentRate, serverFlags: values['server-flags'] }),
    });
  else if (name === 'postgres' || name === 'workers') {
    if (!databaseUrl) {
      console.log(`${name}: skipped, no PostgreSQL answers (give --database-url or DATABASE_URL)`);
      continue;
    }
    const workers = name === 'workers' ? 2 : 1;
    plans.push({
      name: workers > 1 ? 'workers=2' : name,
      start: () =>
        startPatchbay({ agentRate, serverFlags: values['server-flags'], databaseUrl, workers }),
    });
  } else if (name === 'ws') plans.push({ name: 'ws echo', start: ceiling });
  else throw new Error(`unknown target ${name}: embedded, postgres, workers or ws`);
}

console.log(
  `bench:load, ${RUNS} runs, ${SECONDS} s per step after ${WARMUP_SECONDS} s of warm-up, steps ${STEPS.join(', ')}, frames ${values.aligned ? 'aligned' : 'spread over the 20 ms period'}, agent at ${agentRate} Hz; Node ${process.version}; a step holds with p99 < 20 ms and no frame lost; event-loop delay is sampled every 10 ms (an idle loop reads about 10)`,
);
const results = new Map<string, Run[]>();
// Runs interleave targets (all targets' run 1, then run 2, …) so drift in the machine
// touches every target alike.
for (let run = 1; run <= RUNS; run++) {
  for (const plan of plans) {
    const runs = results.get(plan.name) ?? [];
    runs.push(await ramp(plan.name, run, plan.start));
    results.set(plan.name, runs);
  }
}

const ceilingRuns = results.get('ws echo');
const ceilingCapacity = ceilingRuns ? median(ceilingRuns.map((run) => run.capacity)) : undefined;
/** Median CPU per call of a target's runs at `calls`, where every run reached that step. */
function cpuPerCallAt(runs: Run[], calls: number): number | undefined {
  const readings = runs.flatMap((run) => run.steps.filter((step) => step.calls === calls));
  if (readings.length === 0) return undefined;
  return median(readings.map((step) => step.cpuPercent / calls));
}

console.log(
  '\n| target | capacity, median of runs | runs | vs ws echo | CPU per call at the capacity | vs ws echo at the same calls | loop delay p99 at the capacity |',
);
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: |');
for (const [name, runs] of results) {
  const capacities = runs.map((run) => run.capacity);
  const capacity = median(capacities);
  const limited = runs.some((run) => run.generatorLimited && run.capacity === capacity);
  const spread = runs
    .map((run) => `${run.capacity}${run.generatorLimited ? '+ (generator late)' : ''}`)
    .join(', ');
  const maxed = capacity === Math.max(...STEPS);
  const capacityText = `${limited ? '≥ ' : ''}${capacity}${maxed ? ' (every step held: raise --steps)' : ''}`;
  const ratio =
    ceilingCapacity && name !== 'ws echo' && !limited
      ? (capacity / ceilingCapacity).toFixed(2)
      : '—';
  const cpu = cpuPerCallAt(runs, capacity);
  const ceilingCpu = ceilingRuns ? cpuPerCallAt(ceilingRuns, capacity) : undefined;
  const loops = runs.flatMap((run) =>
    run.steps.filter((step) => step.calls === capacity && step.loop),
  );
  const loop =
    loops.length > 0 ? `${median(loops.map((step) => step.loop!.p99Ms)).toFixed(1)} ms` : '—';
  console.log(
    `| ${name} | ${capacityText} | ${spread} | ${ratio} | ${cpu === undefined ? '—' : `${cpu.toFixed(3)} %`} | ${cpu !== undefined && ceilingCpu !== undefined && name !== 'ws echo' ? `${(cpu / ceilingCpu).toFixed(2)}x` : '—'} | ${loop} |`,
  );
}
if (ceilingCapacity === 0)
  console.log(
    '\nThe ws echo held no step: the machine cannot run this load at all; the ratios mean nothing.',
  );

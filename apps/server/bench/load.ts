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
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { computeTwilioSignature } from '@patchbay/provider-twilio';
import postgres from 'postgres';
import WebSocket from 'ws';

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
const ACCOUNT_SID = 'AC00000000000000000000000000000001';
const AUTH_TOKEN = 'bench-auth-token-0123456789';
const FRAME = Buffer.alloc(160, 0x7f).toString('base64'); // mu-law frame of a quiet signal

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
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** utime+stime in ms and RSS in MB of a process and its children (cluster workers), from /proc. */
async function usage(pid: number): Promise<{ cpuMs: number; rssMb: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const own = { cpuMs: ticks * 10, rssMb: rssKb / 1024 };
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(' ')
    .filter(Boolean)
    .map(Number);
  for (const child of children) {
    const used = await usage(child).catch(() => ({ cpuMs: 0, rssMb: 0 }));
    own.cpuMs += used.cpuMs;
    own.rssMb += used.rssMb;
  }
  return own;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Opens `count` media sockets from `urlFor`, streams `seconds` of frames on each, and measures. */
async function runStep(
  count: number,
  urlFor: () => Promise<string>,
  pid: number,
  seconds: number,
): Promise<Step> {
  const idle = await usage(pid);
  const sockets: WebSocket[] = [];
  const pending: number[][] = [];
  const turnaround: number[] = [];
  let sent = 0;
  let received = 0;
  for (let index = 0; index < count; index++) {
    const url = await urlFor();
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_q, r) =>
        reject(new Error(`media refused: ${r.statusCode}`)),
      );
    });
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
    socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    socket.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: `MZ${index}`,
        start: {
          streamSid: `MZ${index}`,
          accountSid: ACCOUNT_SID,
          callSid: `CA${index}`,
          tracks: ['inbound'],
          customParameters: {},
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    sockets.push(socket);
  }
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
        const message = `{"event":"media","sequenceNumber":"${frame + 2}","streamSid":"MZ${index}","media":{"track":"inbound","chunk":"${frame + 1}","timestamp":"${frame * 20}","payload":"${FRAME}"}}`;
        pending[index]!.push(performance.now());
        sockets[index]!.send(message);
        sent++;
      }
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last echoes
  const after = await usage(pid);
  const elapsed = performance.now() - started;
  for (const socket of sockets) socket.terminate();
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
  };
}

function spawnLogged(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Waits for `pattern` on the child's stdout; what it prints after that goes to our stderr. */
async function firstLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let buffer = '';
  let found = false;
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      if (found) return void process.stderr.write(chunk);
      buffer += String(chunk);
      const match = pattern.exec(buffer);
      if (match) {
        found = true;
        resolve(match);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${buffer}`)));
  });
}

/** A new database on the server `url` names, so every step starts from a first start. */
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `patchbay_bench_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A system under load: its process id and how to get one call's media URL. */
interface Target {
  readonly pid: number;
  urlFor(): Promise<string>;
  stop(): Promise<void>;
}

async function patchbay(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-bench-'));
  const database = values['database-url'] ? await freshDatabase(values['database-url']) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const flags = values['server-flags'].split(' ').filter(Boolean);
  // A local Twilio confirms the account holds the number, as the server checks before binding it.
  // It also answers the call lookups the server makes when a bench call's media ends.
  const carrier = createHttpServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://twilio');
    const call = /\/Calls\/(CA\w+)\.json$/.exec(url.pathname)?.[1];
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify(
        call
          ? { sid: call, status: 'completed', duration: '10' }
          : {
              incoming_phone_numbers: [
                { sid: 'PN1', phone_number: url.searchParams.get('PhoneNumber') },
              ],
              next_page_uri: null,
            },
      ),
    );
  });
  await new Promise<void>((resolve) => carrier.listen(0, '127.0.0.1', resolve));
  const carrierUrl = `http://127.0.0.1:${(carrier.address() as AddressInfo).port}`;
  const child = spawnLogged(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], {
    PORT: String(port),
    TWILIO_API_BASE_URL: carrierUrl,
    PUBLIC_BASE_URL: base,
    PATCHBAY_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(database
      ? {
          DATABASE_URL: database.url,
          CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        }
      : {}),
  });
  const [, apiKey] = await firstLine(child, /(pbk_[A-Za-z0-9_-]{43})/);
  const api = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const configuration = await api('/api/v1/configurations', {
    name: 'Bench',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const agent = await api('/api/v1/agents', {
    name: 'Echo',
    kind: 'echo',
    sampleRate: Number(values['agent-rate']),
  });
  await api('/api/v1/phone-numbers', {
    address: '+15551230002',
    configurationId: configuration.id,
    agentId: agent.id,
  });
  let callNumber = 0;
  return {
    pid: child.pid!,
    // Each call arrives as a signed inbound webhook; the TwiML names its media URL.
    async urlFor() {
      const fields = {
        CallSid: `CA${String(++callNumber).padStart(32, '0')}`,
        AccountSid: ACCOUNT_SID,
        From: '+15551239999',
        To: '+15551230002',
        CallStatus: 'ringing',
        Direction: 'inbound',
      };
      const signature = computeTwilioSignature(
        AUTH_TOKEN,
        `${base}/telephony/inbound`,
        Object.entries(fields),
      );
      const response = await fetch(`${base}/telephony/inbound`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
        },
        body: new URLSearchParams(fields).toString(),
      });
      const url = /<Stream url="([^"]+)"/.exec(await response.text())?.[1];
      if (!url) throw new Error('no stream URL in the answer');
      return url;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
      carrier.close();
      await database?.drop();
    },
  };
}

async function ceiling(): Promise<Target> {
  const child = spawnLogged(process.execPath, ['--import', 'tsx', 'bench/echo-ceiling.ts'], {});
  const [, port] = await firstLine(child, /^(\d+)$/m);
  return {
    pid: child.pid!,
    urlFor: async () => `ws://127.0.0.1:${port}/`,
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
      if (WARMUP_SECONDS > 0) await runStep(calls, target.urlFor, target.pid, WARMUP_SECONDS);
      const step = await runStep(calls, target.urlFor, target.pid, SECONDS);
      steps.push(step);
      console.log(
        `${name.padEnd(9)} ${String(calls).padStart(4)} calls: p50 ${step.p50.toFixed(2)} ms, p99 ${step.p99.toFixed(2)} ms, lost ${step.lost}/${step.sent}, server CPU ${step.cpuPercent.toFixed(0)}% (${(step.cpuPercent / calls).toFixed(2)}%/call), RSS ${step.rssMb.toFixed(0)} MB (${step.rssPerCallKb >= 0 ? '+' : ''}${step.rssPerCallKb.toFixed(0)} KB/call over idle), generator late p99 ${step.tickLateP99.toFixed(1)} ms`,
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
const patchbaySteps = await ramp('patchbay', patchbay);
const ceilingSteps = await ramp('ws echo', ceiling);
const ours = capacity(patchbaySteps);
const theirs = capacity(ceilingSteps);
console.log(
  `\nCapacity (p99 < 20 ms, no frame lost): Patchbay ${ours} calls, bare ws echo ${theirs} calls` +
    (theirs > 0 ? `, ratio ${(ours / theirs).toFixed(2)}` : '') +
    (theirs === Math.max(...STEPS) ? ' (the ceiling held every step: raise --steps)' : ''),
);

/**
 * What the load benchmarks share: the Patchbay server in its own process
 * behind a local Twilio, Twilio media messages, and /proc readings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeTwilioSignature } from '@patchbay/provider-twilio';
import postgres from 'postgres';
import WebSocket from 'ws';

export const ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const AUTH_TOKEN = 'bench-auth-token-0123456789';
/** A mu-law frame of a quiet signal, base64. */
export const FRAME = Buffer.alloc(160, 0x7f).toString('base64');

/** Opens a Twilio media socket at `url` and sends `connected` and `start` for stream `MZ<index>`. */
export async function openTwilioMedia(url: string, index: number): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_q, r) =>
      reject(new Error(`media refused: ${r.statusCode}`)),
    );
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
  return socket;
}

/** Twilio's media message for frame `frame` of stream `MZ<index>`. */
export function twilioMediaMessage(index: number, frame: number, payload = FRAME): string {
  return `{"event":"media","sequenceNumber":"${frame + 2}","streamSid":"MZ${index}","media":{"track":"inbound","chunk":"${frame + 1}","timestamp":"${frame * 20}","payload":"${payload}"}}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** utime+stime of one /proc stat file, in ms. */
async function cpuMsOf(statPath: string): Promise<number> {
  const stat = (await readFile(statPath, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(stat[11]) + Number(stat[12])) * 10;
}

/**
 * utime+stime in ms and RSS in MB of a process and its children (cluster
 * workers), from /proc; `mainThreadCpuMs` is the CPU of the main threads
 * alone (the event loops that carry the media), without GC helpers and
 * worker threads.
 */
export async function usage(
  pid: number,
): Promise<{ cpuMs: number; rssMb: number; mainThreadCpuMs: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const own = {
    cpuMs: await cpuMsOf(`/proc/${pid}/stat`),
    rssMb: rssKb / 1024,
    mainThreadCpuMs: await cpuMsOf(`/proc/${pid}/task/${pid}/stat`),
  };
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(' ')
    .filter(Boolean)
    .map(Number);
  for (const child of children) {
    const used = await usage(child).catch(() => ({ cpuMs: 0, rssMb: 0, mainThreadCpuMs: 0 }));
    own.cpuMs += used.cpuMs;
    own.rssMb += used.rssMb;
    own.mainThreadCpuMs += used.mainThreadCpuMs;
  }
  return own;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function spawnLogged(
  command: string,
  args: string[],
  env: Record<string, string>,
): ChildProcess {
  return spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Waits for `pattern` on the child's stdout; what it prints after that goes to our stderr. */
export async function firstLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
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
export async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
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
export interface Target {
  readonly pid: number;
  urlFor(): Promise<string>;
  /**
   * The call behind a media URL ended in the world: what the carrier says
   * then (Twilio's `completed` status callback), so the server does not
   * have to go and ask.
   */
  endCall(url: string): Promise<void>;
  stop(): Promise<void>;
  /**
   * The server's event-loop delay since the last call (p99 and max, ms),
   * where it reports one: read from its /metrics, whose histogram each
   * scrape resets. Call once before a step to start its window.
   */
  eventLoopDelay?(): Promise<ServerLoopReading>;
}

/** What the server's /metrics says of its event loop and garbage collector since the last reading. */
export interface ServerLoopReading {
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Collections and the time they took in all (cumulative counters: the caller takes differences). */
  readonly gcCount: number;
  readonly gcMs: number;
  readonly majorGcCount: number;
}

/** The Patchbay server as a target, with its address and admin key for API calls. */
export interface PatchbayTarget extends Target {
  readonly base: string;
  readonly apiKey: string;
}

export interface PatchbayTargetOptions {
  /** The echo agent's sample rate: 16000 resamples every frame both ways, 8000 none. */
  readonly agentRate: number;
  /** Extra Node flags for the server process, e.g. `--cpu-prof`. */
  readonly serverFlags?: string;
  /** A PostgreSQL server to run on, a fresh database on it; the embedded one otherwise. */
  readonly databaseUrl?: string | undefined;
  /** Server processes sharing the port (WORKERS); above 1 needs `databaseUrl`. */
  readonly workers?: number;
}

/**
 * `src/main.ts` in its own process on a fresh data directory (or database),
 * with a Twilio configuration, the echo agent and one inbound number; each
 * `urlFor()` is a new call through the signed inbound webhook.
 */
export async function startPatchbay(options: PatchbayTargetOptions): Promise<PatchbayTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-bench-'));
  const database = options.databaseUrl ? await freshDatabase(options.databaseUrl) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const flags = (options.serverFlags ?? '').split(' ').filter(Boolean);
  // A local Twilio accepts the account (a save proves its credentials) and confirms it holds
  // the number, as the server checks before binding it. It also answers the call lookups the
  // server makes when a bench call's media ends.
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
    WORKERS: String(options.workers ?? 1),
    // One organization places every call: its default limit (10) would refuse the load itself.
    MAX_CONCURRENT_CALLS: '100000',
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
    sampleRate: options.agentRate,
  });
  await api('/api/v1/phone-numbers', {
    address: '+15551230002',
    configurationId: configuration.id,
    agentId: agent.id,
  });
  let callNumber = 0;
  /** Each media URL's call, for its status callback. */
  const callNumbers = new Map<string, number>();
  return {
    pid: child.pid!,
    base,
    apiKey: apiKey!,
    async eventLoopDelay() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const seconds = (name: string) =>
        Number(
          new RegExp(`^patchbay_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(
            text,
          )?.[1] ?? Number.NaN,
        );
      let gcCount = 0;
      let gcMs = 0;
      let majorGcCount = 0;
      for (const match of text.matchAll(
        /^patchbay_process_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)$/gm,
      )) {
        const value = Number(match[3]);
        if (match[1] === 'sum') gcMs += value * 1000;
        else {
          gcCount += value;
          if (match[2] === 'major') majorGcCount += value;
        }
      }
      return {
        p99Ms: seconds('p99') * 1000,
        maxMs: seconds('max') * 1000,
        gcCount,
        gcMs,
        majorGcCount,
      };
    },
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
      callNumbers.set(url, callNumber);
      return url;
    },
    async endCall(url) {
      const callId = /\/media\/([^/]+)\//.exec(new URL(url).pathname)?.[1];
      const callNumber = callNumbers.get(url);
      if (!callId || callNumber === undefined) return;
      const path = `/telephony/twilio/status/${callId}`;
      const fields = {
        CallSid: `CA${String(callNumber).padStart(32, '0')}`,
        AccountSid: ACCOUNT_SID,
        From: '+15551239999',
        To: '+15551230002',
        CallStatus: 'completed',
        CallDuration: '10',
        Direction: 'inbound',
      };
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': computeTwilioSignature(
            AUTH_TOKEN,
            `${base}${path}`,
            Object.entries(fields),
          ),
        },
        body: new URLSearchParams(fields).toString(),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`status callback: ${response.status}`);
      callNumbers.delete(url);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
      carrier.close();
      await database?.drop();
    },
  };
}

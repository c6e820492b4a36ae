/**
 * What the browser tests run against: the real server (`src/main.ts`, as
 * `pnpm start` runs it) on a fresh embedded database, a local Twilio that
 * answers its REST calls, and Debian's Chromium driven by playwright-core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SERVER_DIR = fileURLToPath(new URL('../../server/', import.meta.url));

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'twilio-token-for-console-tests';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A local Twilio: the account lookup a save makes, and the number inventory. */
export async function startLocalTwilio(): Promise<CarrierApiServer> {
  const carrier = await startCarrierApiServer();
  const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}.json`, (request) =>
    request.headers['authorization'] === expected
      ? { json: { sid: ACCOUNT_SID, status: 'active', type: 'Full' } }
      : { status: 401, json: { code: 20003, message: 'Authenticate', status: 401 } },
  );
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`, (r) => ({
    json: {
      incoming_phone_numbers: [{ sid: 'PN1', phone_number: r.query.get('PhoneNumber') }],
      next_page_uri: null,
    },
  }));
  return carrier;
}

export interface RunningServer {
  readonly url: string;
  /** The organization key the server printed on its first start. */
  readonly apiKey: string;
  /** Calls the management API as a script would, with the key. */
  // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever the API answered
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Starts `src/main.ts` with its own data directory; resolves once it printed its key and is ready. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-console-'));
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      PATCHBAY_DATA_DIR: dataDir,
      PUBLIC_BASE_URL: url,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const apiKey = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start:\n${output}`)),
      90_000,
    );
    const check = setInterval(() => {
      const key = /pbk_[A-Za-z0-9_-]+/.exec(output)?.[0];
      if (key) {
        clearInterval(check);
        clearTimeout(timer);
        resolve(key);
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${output}`));
    });
  });
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 200) throw new Error(`the server never became ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    apiKey,
    async call(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless; the tests fail, never skip, when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH). The browser tests do not skip.`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Writes a page's screenshot for the README when UPDATE_SCREENSHOTS=1. */
export function screenshotPath(name: string): string | undefined {
  return process.env['UPDATE_SCREENSHOTS'] === '1'
    ? fileURLToPath(new URL(`../docs/screenshots/${name}.png`, import.meta.url))
    : undefined;
}

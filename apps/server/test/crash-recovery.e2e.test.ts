/**
 * kill -9 in the middle of a call: the server process dies with the call
 * live and no carrier callback ever comes. The next process to start finds
 * the call held by a process that is gone, asks the carrier, and ends it.
 * Real processes (`src/main.ts`), a real signal, on PostgreSQL when the
 * machine has one (an embedded data directory otherwise).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CarrierApiServer,
  connectCarrierMedia,
  startCarrierApiServer,
  startTestDatabase,
  type TestDatabase,
} from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  acceptTwilioAccount,
  isTwilioMedia,
  signedTwilioPost,
  speechFrames,
  twilioCallFields,
  twilioMedia,
  twilioStart,
} from './twilio-call.js';

const CALL = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/:sid.json`;
let carrier: CarrierApiServer;
let database: TestDatabase;
let dataDirectory: string;
let carrierSays = 'in-progress';
const children: ChildProcess[] = [];

beforeAll(async () => {
  carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  let placed = 0;
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, () => ({
    status: 201,
    json: { sid: `CA${String(777 + placed++).padStart(32, '0')}`, status: 'queued' },
  }));
  carrier.route('GET', CALL, (request) => ({
    json: { sid: request.params['sid'], status: carrierSays, duration: '12' },
  }));
  database = await startTestDatabase();
  dataDirectory = await mkdtemp(join(tmpdir(), 'patchbay-crash-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await carrier?.close();
  await database?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

const port = 20_000 + Math.floor(Math.random() * 20_000);
const env = {
  ...process.env,
  PORT: String(port),
  PUBLIC_BASE_URL: 'https://voice.example.com',
  CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  INSTANCE_TIMEOUT_SECONDS: '2',
  // One call at a time: the killed process's call holds the organization's only slot.
  MAX_CONCURRENT_CALLS: '1',
  LOG_LEVEL: 'info',
};

/** Starts `src/main.ts` and resolves with its admin key (first start) once it listens. */
function startServer(): Promise<{ child: ChildProcess; apiKey: string | undefined }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...env,
      TWILIO_API_BASE_URL: carrier.url,
      ...(database.kind === 'postgres'
        ? { DATABASE_URL: database.url }
        : { PATCHBAY_DATA_DIR: dataDirectory }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Patchbay server listening')) {
        // The first start prints the admin key after the listening line.
        setTimeout(() => {
          clearTimeout(timer);
          resolve({ child, apiKey: /pbk_[\w-]+/.exec(output)?.[0] });
        }, 300);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

const base = `http://127.0.0.1:${port}`;
async function call(apiKey: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

it('ends, after a restart, a call whose process was killed with -9 and whose carrier callback never came, and frees its slot', async () => {
  const first = await startServer();
  const apiKey = first.apiKey!;
  expect(apiKey).toMatch(/^pbk_/);
  const configuration = await call(apiKey, 'POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const agents = (await call(apiKey, 'GET', '/api/v1/agents')).body;
  const placed = await call(apiKey, 'POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    agentId: (agents.agents ?? agents)[0].id,
    to: '+15551230002',
    from: '+15551230001',
  });
  expect(placed.status).toBe(201);
  const callId = placed.body.id as string;
  const server = { server: { url: base } } as Parameters<typeof signedTwilioPost>[0];
  const answer = await signedTwilioPost(
    server,
    `/telephony/twilio/answer/${callId}`,
    twilioCallFields,
  );
  const streamUrl = /<Stream url="([^"]+)"/.exec(await answer.text())![1]!;
  const media = await connectCarrierMedia(
    streamUrl.replace('wss://voice.example.com', base.replace('http', 'ws')),
  );
  await media.play([...twilioStart(callId), ...speechFrames(0.2).map(twilioMedia)], {
    isAudio: isTwilioMedia,
  });
  await expect
    .poll(async () => (await call(apiKey, 'GET', `/api/v1/calls/${callId}`)).body.status)
    .toBe('in-progress');

  const overLimit = await call(apiKey, 'POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230003',
    from: '+15551230001',
  });
  expect(overLimit.body.error.code).toBe('call_limit_reached');

  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  // The caller hung up meanwhile; the callback that would have said so went to a dead process.
  carrierSays = 'completed';
  await new Promise((resolve) => setTimeout(resolve, 2500));

  await startServer();
  await expect
    .poll(async () => (await call(apiKey, 'GET', `/api/v1/calls/${callId}`)).body, {
      timeout: 15_000,
    })
    .toMatchObject({ status: 'completed', carrierStatus: 'reconciled:completed' });
  expect(carrier.requestsTo('GET', CALL).length).toBeGreaterThan(0);
  // The dead process's call ended, so its slot is free again: no counter was left behind.
  const afterRecovery = await call(apiKey, 'POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    to: '+15551230003',
    from: '+15551230001',
  });
  expect(afterRecovery.status).toBe(201);
}, 120_000);

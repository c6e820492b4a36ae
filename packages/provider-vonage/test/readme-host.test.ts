/**
 * The README's host, as a newcomer meets it: the packages packed from this
 * repository, installed with plain npm in an empty directory beside `ws`,
 * and the README's `server.mjs` run unchanged. A signed answer webhook gets
 * an NCCO with a media URL; that URL opens once and echoes the caller's
 * 16 kHz audio in binary frames; unsigned webhooks and reused media URLs
 * are refused.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exerciseMediaUrl, type ReadmeHost, startReadmeHost } from '@patchbay/testkit';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applicationKeys, vonageConfig } from './fixtures.js';

let host: ReadmeHost;
let keyDirectory: string;

beforeAll(async () => {
  keyDirectory = await mkdtemp(join(tmpdir(), 'patchbay-vonage-key-'));
  const keyFile = join(keyDirectory, 'private.key');
  await writeFile(keyFile, applicationKeys.privateKey);
  host = await startReadmeHost({
    readme: new URL('../README.md', import.meta.url).pathname,
    packages: ['audio', 'core', 'provider-vonage'].map(
      (name) => new URL(`../../${name}`, import.meta.url).pathname,
    ),
    dependencies: ['ws@^8.18.0'],
    env: {
      VONAGE_APPLICATION_ID: vonageConfig.application_id,
      VONAGE_PRIVATE_KEY_FILE: keyFile,
      VONAGE_API_KEY: vonageConfig.api_key,
      VONAGE_API_SECRET: vonageConfig.api_secret,
      VONAGE_SIGNATURE_SECRET: vonageConfig.signature_secret,
    },
  });
}, 240_000);

afterAll(async () => {
  await host?.close();
  if (keyDirectory) await rm(keyDirectory, { recursive: true, force: true });
});

/** Posts JSON as Vonage does: a JWT signed with the signature secret, the body's hash inside. */
async function post(path: string, fields: Record<string, unknown>, secret?: string) {
  const body = JSON.stringify(fields);
  const token = await new SignJWT({
    iss: 'Vonage',
    payload_hash: createHash('sha256').update(body).digest('hex'),
    api_key: vonageConfig.api_key,
    application_id: vonageConfig.application_id,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(secret ?? vonageConfig.signature_secret));
  return fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
}

const uuid = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
const inbound = {
  from: '15551230001',
  to: '15551230002',
  uuid,
  conversation_uuid: `CON-${uuid}`,
  status: 'started',
  direction: 'inbound',
};

it('answers a signed inbound call, bridges its media once, and refuses forgeries', async () => {
  expect((await post('/answer', inbound, 'someone-elses-secret')).status).toBe(401);

  const answer = await post('/answer', inbound);
  expect(answer.status).toBe(200);
  const ncco = (await answer.json()) as {
    action: string;
    endpoint?: { type: string; uri: string; 'content-type': string }[];
  }[];
  const endpoint = ncco.find((action) => action.action === 'connect')?.endpoint?.[0];
  expect(endpoint).toMatchObject({ type: 'websocket', 'content-type': 'audio/l16;rate=16000' });
  expect(endpoint!.uri).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/media/${uuid}/`));
  await expect
    .poll(() => host.output(), { timeout: 5000 })
    .toContain(`call ${uuid} from +15551230001 to +15551230002`);

  // 20 ms of 16 kHz 16-bit PCM: a quiet tone, as Vonage sends it in binary frames.
  const frame = new Uint8Array(640);
  const samples = new Int16Array(frame.buffer);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(2000 * Math.sin(i / 5));
  const { answers, reuseStatus } = await exerciseMediaUrl(endpoint!.uri, {
    opening: [
      JSON.stringify({
        event: 'websocket:connected',
        'content-type': 'audio/l16;rate=16000',
        call_uuid: uuid,
      }),
    ],
    frame: () => frame,
  });
  const echo = answers[0]!;
  expect(Buffer.isBuffer(echo)).toBe(true);
  expect(echo).toHaveLength(640);
  // The URL opened once; a second use is refused before the upgrade.
  expect(reuseStatus).toBe(401);

  const completed = await post('/events', { ...inbound, status: 'completed', duration: '3' });
  expect(completed.status).toBe(200);
  await expect.poll(() => host.output(), { timeout: 5000 }).toContain(`call ${uuid}: completed`);
}, 60_000);

/**
 * `WORKERS=2`: the primary migrates and bootstraps once, two server
 * processes share the port, and a stop signal drains both.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

it('runs the configured number of server processes on one port, and stops them all', async (context) => {
  // Several processes need a database server; PGlite serves one (reported as skipped).
  if (database.kind !== 'postgres') context.skip();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('..', import.meta.url),
    env: {
      ...process.env,
      WORKERS: '2',
      PORT: '0',
      DATABASE_URL: database.url,
      CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await expect
      .poll(() => output.match(/"msg":"Patchbay server listening"/g)?.length ?? 0, {
        timeout: 20_000,
      })
      .toBe(2);
    const workers = new Set(
      [...output.matchAll(/"pid":(\d+)[^\n]*"msg":"Patchbay server listening"/g)].map((m) => m[1]),
    );
    expect(workers.size).toBe(2);
    expect(workers.has(String(child.pid))).toBe(false);
    // One organization, one key, printed once by the primary.
    await expect.poll(() => output.match(/^ {2}pbk_/gm)?.length ?? 0).toBe(1);
    const url = /"url":"(http:\/\/[^"]+)","workers":2/.exec(output)![1]!;
    const ready = await fetch(`${url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'postgres' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.match(/"msg":"shutting down"/g)).toHaveLength(2);
  } finally {
    child.kill('SIGKILL');
  }
}, 40_000);

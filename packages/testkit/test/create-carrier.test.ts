/**
 * `pnpm create-carrier`: what it generates builds, type-checks and passes
 * the provider contract suite as it is, the way a plugin author first runs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const packages = join(root, 'packages');
// Beside the real packages, so the generated tsconfig finds the repository's base config.
const target = mkdtempSync(join(packages, '.create-carrier-check-'));
afterAll(() => rmSync(target, { recursive: true, force: true }));

const run = (command: string, args: string[], cwd = target) =>
  execFileSync(process.execPath, [command, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });

it('generates a carrier that type-checks and passes the contract suite as generated', () => {
  const output = run(
    join(root, 'scripts/create-carrier.mjs'),
    ['acme-voice', '--dir', target],
    root,
  );
  expect(output).toContain('Created @patchbay/provider-acme-voice');
  const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
  expect(manifest).toMatchObject({ name: '@patchbay/provider-acme-voice', sideEffects: false });
  expect(readFileSync(join(target, 'src/index.ts'), 'utf8')).toContain(
    'export { type AcmeVoiceSettings, acmeVoice }',
  );

  // What pnpm install would link: core, the testkit and zod.
  mkdirSync(join(target, 'node_modules/@patchbay'), { recursive: true });
  symlinkSync(join(packages, 'core'), join(target, 'node_modules/@patchbay/core'));
  symlinkSync(join(packages, 'testkit'), join(target, 'node_modules/@patchbay/testkit'));
  symlinkSync(join(packages, 'testkit/node_modules/zod'), join(target, 'node_modules/zod'));

  run(join(root, 'node_modules/typescript/bin/tsc'), ['--noEmit', '-p', target]);
  const tested = run(join(packages, 'testkit/node_modules/vitest/vitest.mjs'), [
    'run',
    '--root',
    target,
  ]).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  expect(tested).toMatch(/Tests\s+\d+ passed/);
  expect(tested).not.toMatch(/failed/);
}, 180_000);

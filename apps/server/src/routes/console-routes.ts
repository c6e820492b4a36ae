import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { PatchbayApp } from './app.js';

/** The console's client-side routes: each is the same page, which routes in the browser. */
export const CONSOLE_PAGES = [
  '/',
  '/sign-in',
  '/carriers',
  '/carriers/*',
  '/numbers',
  '/agents',
  '/calls',
  '/calls/*',
  '/api-keys',
] as const;

// Scripts only from this origin, never inline; never framed. Inline styles are allowed:
// the dialog library sets its scroll lock with a <style> element, and styles run no code.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Where the built console is: `CONSOLE_DIR`, else the workspace's @patchbay/console. */
export function consoleAssetsDir(configured: string | undefined): string | undefined {
  if (configured) return configured;
  try {
    const manifest = createRequire(import.meta.url).resolve('@patchbay/console/package.json');
    return join(dirname(manifest), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * Serves the web console at `/`: its hashed assets (cached for a year)
 * and, for each of its pages, its one HTML document (never cached, so a
 * new build is picked up). Without a build, `/` says how to make one.
 */
export async function registerConsoleRoutes(
  app: PatchbayApp,
  assetsDir: string | undefined,
): Promise<void> {
  const index = assetsDir ? join(assetsDir, 'index.html') : undefined;
  if (!assetsDir || !index || !existsSync(index)) {
    app.get('/', { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>Patchbay</title><p>The console is not built. Run <code>pnpm start</code> (or <code>pnpm --filter @patchbay/console build</code>) and reload.</p>',
        ),
    );
    return;
  }
  const page = readFileSync(index);
  await app.register(fastifyStatic, {
    root: join(assetsDir, 'assets'),
    prefix: '/assets/',
    // One route per built file, found at start: an unknown asset is a plain 404.
    wildcard: false,
    immutable: true,
    maxAge: '365d',
    index: false,
  });
  for (const path of CONSOLE_PAGES)
    app.get(path, { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' })
        .type('text/html; charset=utf-8')
        .send(page),
    );
}

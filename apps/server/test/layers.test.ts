/**
 * The server's modules depend one way, as the packages do: routes (HTTP,
 * Fastify, the carriers' URLs) → services (calls, configurations, keys: no
 * HTTP) → storage (the database and its queries). The entry points wire
 * them together; config and logger are leaves anyone may use.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

type Layer = 'entry' | 'routes' | 'services' | 'storage' | 'leaf';

const ENTRY_POINTS = new Set(['main.ts', 'server.ts', 'keys-cli.ts', 'keys-command.ts']);
const LEAVES = new Set(['config.ts', 'logger.ts']);

function layerOf(file: string): Layer {
  const [top] = file.split('/');
  if (top === 'routes' || top === 'services' || top === 'storage') return top;
  if (ENTRY_POINTS.has(file)) return 'entry';
  if (LEAVES.has(file)) return 'leaf';
  throw new Error(`${file} is in no layer: put it under routes/, services/ or storage/`);
}

/** What each layer may import from this package. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  entry: ['entry', 'routes', 'services', 'storage', 'leaf'],
  routes: ['routes', 'services', 'storage', 'leaf'],
  services: ['services', 'storage', 'leaf'],
  storage: ['storage', 'leaf'],
  leaf: [],
};

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [relative(SRC, path)] : [];
  });
}

/** Every module a file imports, type-only imports included: a type is a dependency too. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true);
  return info.importedFiles.map((imported) => imported.fileName);
}

const files = sourceFiles();

describe('apps/server depends one way: routes → services → storage', () => {
  it('puts every module in a layer', () => {
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(() => layerOf(file)).not.toThrow();
  });

  it('imports only from its own layer or a lower one', () => {
    const wrong: string[] = [];
    for (const file of files)
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = relative(SRC, resolve(SRC, dirname(file), specifier)).replace(
          /\.js$/,
          '.ts',
        );
        const from = layerOf(file);
        const to = layerOf(target);
        if (!MAY_IMPORT[from].includes(to))
          wrong.push(`${file} (${from}) imports ${target} (${to})`);
      }
    expect(wrong).toEqual([]);
  });

  it('leaves SQL to services and storage: a route handler reads no table itself', () => {
    const query = /\b(sql|tx)(<[^`]*>)?`/;
    const wrong = files.filter(
      (file) => layerOf(file) === 'routes' && query.test(readFileSync(join(SRC, file), 'utf8')),
    );
    expect(wrong).toEqual([]);
  });

  it('keeps HTTP out of services and storage', () => {
    const wrong = files
      .filter((file) => ['services', 'storage'].includes(layerOf(file)))
      .flatMap((file) =>
        importsOf(file)
          .filter((specifier) => /^(fastify|@fastify\/|light-my-request)/.test(specifier))
          .map((specifier) => `${file} imports ${specifier}`),
      );
    expect(wrong).toEqual([]);
  });
});

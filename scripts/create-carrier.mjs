#!/usr/bin/env node
// Scaffolds a carrier package: `pnpm create-carrier <name> [--dir <path>]`.
// What it writes is a working carrier (the Plivo-style dialect core ships,
// an HMAC signature to replace with the carrier's own) that builds,
// type-checks and passes the provider contract suite as generated: edit it
// into the real carrier, fixture by fixture. See docs/writing-a-carrier.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const templates = fileURLToPath(new URL('./carrier-template/', import.meta.url));

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' }, display: { type: 'string' } },
});
const name = positionals[0];
if (!name || !/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(name)) {
  process.stderr.write(
    'usage: pnpm create-carrier <name> [--display "Display Name"] [--dir <path>]\n' +
      '  <name>: lower-case letters, digits and dashes, e.g. acme-voice\n',
  );
  process.exit(2);
}
// Identifiers derived from the name: acme-voice -> acmeVoice, AcmeVoice, acme_voice.
const words = name.split('-');
const camel =
  words[0] +
  words
    .slice(1)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
const pascal = camel[0].toUpperCase() + camel.slice(1);
const id = words.join('_');
const display = values.display ?? words.map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
const target = values.dir ?? join(root, 'packages', `provider-${name}`);
if (existsSync(target) && readdirSync(target).length > 0) {
  process.stderr.write(`${target} exists and is not empty\n`);
  process.exit(2);
}

const replace = (text) =>
  text
    .replaceAll('__name__', name)
    .replaceAll('__id__', id)
    .replaceAll('__camel__', camel)
    .replaceAll('__Pascal__', pascal)
    .replaceAll('__Display__', display);

const written = [];
function copy(from, to) {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const destination = join(to, replace(entry).replace(/\.tmpl$/, ''));
    if (statSync(source).isDirectory()) copy(source, destination);
    else {
      mkdirSync(dirname(destination), { recursive: true });
      writeFileSync(destination, replace(readFileSync(source, 'utf8')));
      written.push(relative(process.cwd(), destination));
    }
  }
}
copy(templates, target);
process.stdout.write(
  `Created @patchbay/provider-${name} in ${relative(process.cwd(), target) || '.'}:\n${written
    .map((file) => `  ${file}`)
    .join('\n')}\n\nNext: pnpm install, then pnpm --filter @patchbay/provider-${name} test.\n` +
    'Replace the template signature, callbacks and stream with the carrier’s own, fixture by fixture (docs/writing-a-carrier.md).\n',
);

// Fails the build when the console grows past its budget: what a first visit
// downloads (every JavaScript and CSS file, gzipped), in KiB.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BUDGET_KIB = { js: 150, css: 6 };
const assets = new URL('../dist/assets/', import.meta.url);
const totals = { js: 0, css: 0 };
for (const name of readdirSync(assets)) {
  const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : undefined;
  if (kind) totals[kind] += gzipSync(readFileSync(join(assets.pathname, name))).length / 1024;
}
let over = false;
for (const kind of ['js', 'css']) {
  const line = `${kind}: ${totals[kind].toFixed(1)} KiB gzipped (budget ${BUDGET_KIB[kind]} KiB)`;
  if (totals[kind] > BUDGET_KIB[kind]) {
    over = true;
    console.error(`over budget: ${line}`);
  } else console.log(line);
}
if (over) process.exit(1);

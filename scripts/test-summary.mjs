// Adds up the JSON reports vitest left in every package (test-results/vitest.json)
// and prints one plain closing line, "N passed, N failed", for CI to read.
// Exits non-zero when no report exists: a run that tested nothing is not a pass.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
for (const area of ['packages', 'apps']) {
  if (!existsSync(area)) continue;
  for (const name of readdirSync(area)) {
    const file = join(area, name, 'test-results', 'vitest.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    reports++;
  }
}
if (reports === 0) {
  console.error('test-summary: no vitest report found; did the tests run?');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

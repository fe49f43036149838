#!/usr/bin/env node
// `npm test`: the full suite on a fresh machine. Installs what is missing, builds, then runs
//   lint + format check · layering check · unit tests (Node 20) · end-to-end tests (real processes, SIGKILL crash
//   loop, tamper detection, CLI) · unit tests again under Node 22 and 24 (official binaries from the npm registry).
// Extra arguments are passed to vitest (e.g. `npm test -- -t proof`), which then runs only the Node 20 phases.
import path from 'node:path';
import { build, ensureNodeBinary, ensureNodeModules, root, run, step } from './setup.mjs';

const extra = process.argv.slice(2);
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const results = [];

function phase(name, fn) {
  const started = performance.now();
  try {
    fn();
    results.push({ name, ok: true, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    results.push({ name, ok: false, seconds: (performance.now() - started) / 1000 });
    process.stderr.write(`\n✗ ${name}: ${error.message}\n`);
  }
}

ensureNodeModules();
build();
phase('lint and format (biome)', () =>
  run(process.execPath, [path.join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', '.']),
);
phase('layering (scripts/check-deps.mjs)', () => run(process.execPath, [path.join(root, 'scripts', 'check-deps.mjs')]));
phase(`unit tests, Node ${process.version}`, () => {
  step(`Unit tests on Node ${process.version}`);
  run(process.execPath, [vitest, 'run', '--project', 'unit', ...extra]);
});
phase(`end-to-end tests, Node ${process.version}`, () => {
  step('End-to-end tests (real node processes, SIGKILL crash loop, tamper detection, CLI)');
  run(process.execPath, [vitest, 'run', '--project', 'e2e', ...extra]);
});
if (extra.length === 0) {
  for (const version of ['22.23.3', '24.9.0']) {
    phase(`unit tests, Node ${version}`, () => {
      const { bin, actual } = ensureNodeBinary(version);
      step(`Unit tests on Node ${actual}`);
      run(bin, [vitest, 'run', '--project', 'unit']);
    });
  }
}

process.stderr.write('\nSummary\n');
for (const r of results) process.stderr.write(`  ${r.ok ? '✓' : '✗'} ${r.name.padEnd(40)} ${r.seconds.toFixed(1)} s\n`);
if (results.some((r) => !r.ok)) process.exit(1);

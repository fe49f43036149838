#!/usr/bin/env node
// `npm test`: the full suite on a fresh machine. Installs what is missing, builds, then runs
//   lint + format check · layering check · unit tests (Node 20) · end-to-end tests (real processes, SIGKILL crash
//   loop, tamper detection, CLI) · unit tests again under Node 22 and 24 (official binaries from the npm registry).
// Extra arguments are passed to vitest (e.g. `npm test -- -t proof`), which then runs only the Node 20 phases.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeBinary, ensureNodeModules, root, run, step } from './setup.mjs';

const extra = process.argv.slice(2);
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const results = [];
// Each vitest phase also runs scripts/failure-reporter.mjs, which writes every failure (failed tests, failed hooks,
// files that did not load, unhandled errors) with its first error line; the summary repeats them, so the end of a long
// CI log says what failed without scrolling back.
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'lianzheng-test-'));
const failureReporter = path.join(root, 'scripts', 'failure-reporter.mjs');
let reports = 0;

function vitestRun(node, args) {
  const file = path.join(reportDir, `failures-${++reports}.jsonl`);
  try {
    // With a filter (`npm test -- test/crash.test.ts`), one of the two projects may have nothing to run.
    const filtered = extra.length > 0 ? ['--passWithNoTests'] : [];
    run(node, [vitest, 'run', ...args, ...filtered, '--reporter=default', `--reporter=${failureReporter}`], {
      env: { ...process.env, LIANZHENG_FAILURES_FILE: file },
    });
  } catch (error) {
    error.failures = failuresOf(file);
    throw error;
  }
}

function failuresOf(file) {
  if (!existsSync(file)) return ['(no failure recorded: vitest itself failed — see the log above)'];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const { where, message } = JSON.parse(l);
      return `${where}: ${message}`;
    });
}

function phase(name, fn) {
  const started = performance.now();
  try {
    fn();
    results.push({ name, ok: true, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    results.push({ name, ok: false, seconds: (performance.now() - started) / 1000, failures: error.failures ?? [] });
    process.stderr.write(`\n✗ ${name}: ${error.message}\n`);
  }
}

ensureNodeModules();
// etcd (the consortium tests run a real 3-member cluster) from Debian's etcd-server; Chromium for the web app's
// browser tests, with the CJK fonts without which Chinese text renders as empty boxes.
ensureDebianPackages(['etcd-server', 'chromium', 'fonts-noto-cjk']);
build();
phase('lint and format (biome)', () =>
  run(process.execPath, [path.join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', '.']),
);
phase('layering (scripts/check-deps.mjs)', () => run(process.execPath, [path.join(root, 'scripts', 'check-deps.mjs')]));
phase(`unit tests, Node ${process.version}`, () => {
  step(`Unit tests on Node ${process.version}`);
  vitestRun(process.execPath, ['--project', 'unit', ...extra]);
});
phase(`end-to-end tests, Node ${process.version}`, () => {
  step('End-to-end tests (real node processes, SIGKILL crash loop, tamper detection, CLI)');
  vitestRun(process.execPath, ['--project', 'e2e', ...extra]);
});
if (extra.length === 0) {
  for (const version of ['22.23.3', '24.9.0']) {
    phase(`unit tests, Node ${version}`, () => {
      const { bin, actual } = ensureNodeBinary(version);
      step(`Unit tests on Node ${actual}`);
      vitestRun(bin, ['--project', 'unit']);
    });
  }
}

process.stderr.write('\nSummary\n');
for (const r of results) {
  process.stderr.write(`  ${r.ok ? '✓' : '✗'} ${r.name.padEnd(40)} ${r.seconds.toFixed(1)} s\n`);
  for (const f of r.failures ?? []) process.stderr.write(`      ✗ ${f}\n`);
}
rmSync(reportDir, { recursive: true, force: true });
if (results.some((r) => !r.ok)) process.exit(1);

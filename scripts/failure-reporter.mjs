// A vitest reporter that writes every failure of a run as JSON lines to $LIANZHENG_FAILURES_FILE: failed tests, and
// also what the built-in JSON reporter leaves out — a failed beforeAll/afterAll hook (its suite's error; the tests
// under it are then only "skipped"), an error while loading a file, and unhandled errors. scripts/test.mjs repeats
// them in its summary, so the end of a long CI log says what failed.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

const out = process.env.LIANZHENG_FAILURES_FILE;

function firstLine(error) {
  const text = String(error?.message ?? error ?? '');
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '(no message)';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function write(entry) {
  if (out) appendFileSync(out, `${JSON.stringify(entry)}\n`);
}

export default class FailureReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    for (const mod of testModules) {
      const file = path.relative(process.cwd(), mod.moduleId);
      for (const e of mod.errors()) write({ where: `${file} (loading the file)`, message: firstLine(e) });
      for (const suite of mod.children.allSuites()) {
        const skipped = [...suite.children.allTests()].filter((t) => t.result().state === 'skipped').length;
        for (const e of suite.errors()) {
          const note = skipped > 0 ? ` — ${skipped} test(s) under it not run` : '';
          write({ where: `${file} › ${suite.fullName} (hook)${note}`, message: firstLine(e) });
        }
      }
      for (const test of mod.children.allTests()) {
        const r = test.result();
        if (r.state === 'failed') write({ where: `${file} › ${test.fullName}`, message: firstLine(r.errors?.[0]) });
      }
    }
    for (const e of unhandledErrors ?? []) write({ where: 'unhandled error', message: firstLine(e) });
  }
}

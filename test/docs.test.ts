import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { errorTables } from '@lianzheng/node';
import { sdkErrors } from '@lianzheng/sdk';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../scripts/gen-errors-doc.mjs';
import { root } from './helpers/nodeProcess.js';

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (p.endsWith('.ts') || p.endsWith('.tsx')) yield p;
  }
}

const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

describe('documentation stays true', () => {
  it('docs/errors.md is exactly what the error tables generate (run node scripts/gen-errors-doc.mjs)', async () => {
    expect(read('docs/errors.md')).toBe(await renderErrorsDoc());
  });

  it('every error code raised in the source is registered, and no code is registered twice', async () => {
    const { cliErrors } = await import('@lianzheng/cli');
    const tables = [...Object.values(errorTables), sdkErrors, cliErrors];
    const registered = new Map<string, number>();
    for (const t of tables) for (const code of Object.keys(t)) registered.set(code, (registered.get(code) ?? 0) + 1);
    expect([...registered].filter(([, n]) => n > 1)).toEqual([]);
    const used = new Set<string>();
    const pattern =
      /(?:LianzhengError|nodeError|protocolError|runtimeError)\(\s*'([A-Z][A-Z0-9_]+)'|code: '([A-Z][A-Z0-9_]+)'|error\.code === '([A-Z][A-Z0-9_]+)'/g;
    for (const pkg of ['protocol', 'runtime', 'node', 'sdk', 'cli', 'portal']) {
      for (const file of sourceFiles(path.join(root, 'packages', pkg, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(pattern)) used.add((m[1] ?? m[2] ?? m[3])!);
      }
    }
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((c) => !registered.has(c))).toEqual([]);
    // The web app's plain-language messages are for registered codes only, in both languages.
    const { errorMessages } = await import('../packages/portal/src/app/errorMessages.js');
    expect(Object.keys(errorMessages.zh).filter((c) => !registered.has(c))).toEqual([]);
    expect(Object.keys(errorMessages.en).sort()).toEqual(Object.keys(errorMessages.zh).sort());
  });

  it('the README shows the two commands, and CI runs the README test command', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });

  it('ARCHITECTURE.md covers every package and every file it points to exists', () => {
    const arch = read('ARCHITECTURE.md');
    for (const pkg of readdirSync(path.join(root, 'packages'))) expect(arch).toContain(`packages/${pkg}`);
    const refs = [...arch.matchAll(/`((?:packages|scripts|test|bench|docs)\/[^`\s]+?\.(?:ts|mjs|md|json))`/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((r) => !existsSync(path.join(root, r)))).toEqual([]);
  });

  it('every ADR has context, decision and consequences', () => {
    const dir = path.join(root, 'docs', 'adr');
    const adrs = readdirSync(dir).filter((f) => /^\d{4}-.*\.md$/.test(f));
    expect(adrs.length).toBeGreaterThanOrEqual(5);
    for (const f of adrs) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      for (const heading of ['## Context', '## Decision', '## Consequences'])
        expect(text, `${f} lacks ${heading}`).toContain(heading);
    }
  });
});

#!/usr/bin/env node
// Enforces the layering of ARCHITECTURE.md: which packages a package may import, and that the pure layers
// (protocol, runtime, sdk) do no I/O of their own (no node: built-ins, no process.env, no Node-only packages).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const rules = {
  // @scure/base: audited base58/base64 from the noble family (did:key, PEM); browser-safe, no dependencies.
  protocol: { internal: [], external: ['@noble/curves', '@noble/hashes', '@scure/base'], pure: true },
  // QuickJS-ng as WebAssembly for sandboxed contracts: the glue only; the node reads, meters and compiles the wasm.
  runtime: {
    internal: ['protocol'],
    external: ['quickjs-emscripten-core', '@jitl/quickjs-ng-wasmfile-release-sync'],
    pure: true,
  },
  sdk: { internal: ['protocol'], external: [], pure: true },
  node: { internal: ['protocol', 'runtime'], external: ['*'], pure: false },
  cli: { internal: ['protocol', 'runtime', 'node', 'sdk'], external: ['*'], pure: false },
  // The web app runs in a browser: it reaches nodes through the SDK only, never node or runtime.
  portal: {
    internal: ['protocol', 'sdk'],
    external: [
      'react',
      'react-dom',
      'antd',
      '@ant-design/icons',
      'echarts',
      'i18next',
      'react-i18next',
      'react-router',
      'qrcode.react',
      'jsqr',
    ],
    pure: true,
  },
};

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts') || p.endsWith('.tsx')) yield p;
  }
}

const problems = [];
for (const [pkg, rule] of Object.entries(rules)) {
  for (const file of files(path.join(root, 'packages', pkg, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(root, file);
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    )) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) continue;
      if (spec.startsWith('@lianzheng/')) {
        const target = spec.split('/')[1];
        if (!rule.internal.includes(target)) problems.push(`${rel}: ${pkg} must not import @lianzheng/${target}`);
        continue;
      }
      if (spec.startsWith('node:')) {
        if (rule.pure) problems.push(`${rel}: ${pkg} is pure and must not import ${spec}`);
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!rule.external.includes('*') && !rule.external.includes(name)) {
        problems.push(`${rel}: ${pkg} must not depend on ${name}`);
      }
    }
    if (rule.pure && /\bprocess\.(env|argv|exit)\b/.test(text))
      problems.push(`${rel}: ${pkg} is pure and must not touch process`);
  }
}
if (problems.length > 0) {
  console.error(`Layering violations (see ARCHITECTURE.md):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layering ok: protocol ← runtime ← node ← cli; sdk ← protocol; pure layers do no I/O');

#!/usr/bin/env node
// Contract sandbox micro-benchmark (no HTTP, no storage): the overhead of a sandboxed call against the same logic as a
// native (system-contract-style) function, the fuel a call uses, and wall time per fuel for the denial-of-service
// patterns of the escape catalogue (fuel must track work, whatever the contract does). `node bench/micro-sandbox.mjs`.
import os from 'node:os';
import { loadMeteredQuickJs } from '../packages/node/dist/sandbox/quickjs.js';
import { ContractSandbox, defaultSandboxLimits } from '../packages/runtime/dist/index.js';

const started = performance.now();
const wasm = await loadMeteredQuickJs();
const loadMs = performance.now() - started;
const sandbox = await ContractSandbox.create(wasm, {}, { now: () => performance.now() });

function mapHost(state, events) {
  return (op, args) => {
    if (op === 'get') return state.get(args[0]) ?? null;
    if (op === 'put') return void state.set(args[0], args[1]);
    if (op === 'emit') return void events.push({ name: args[0], data: args[1] });
    throw Object.assign(new Error(`unknown op ${op}`), { code: 'ARGS_INVALID' });
  };
}

// The same logic twice: read a counter, check the caller's role, write it back increased, emit an event.
const SOURCE = `
module.exports.bump = (args, ctx) => {
  if (!ctx.caller.roles.includes('clerk')) throw Object.assign(new Error('clerks only'), { code: 'NOT_CLERK' });
  const key = 'counter/' + args.name;
  const n = lz.get(key) ?? 0;
  lz.put(key, n + args.by);
  lz.emit('bumped', { name: args.name, value: n + args.by });
  return n + args.by;
};`;
function nativeBump(args, ctx, host) {
  if (!ctx.caller.roles.includes('clerk')) throw Object.assign(new Error('clerks only'), { code: 'NOT_CLERK' });
  const key = `counter/${args.name}`;
  const n = host('get', [key]) ?? 0;
  host('put', [key, n + args.by]);
  host('emit', ['bumped', { name: args.name, value: n + args.by }]);
  return n + args.by;
}

const context = { caller: { org: 'market', roles: ['clerk'] }, height: 1, time: 0 };
function rate(fn, seconds = 2) {
  for (let i = 0; i < 50; i++) fn(i);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) fn(n++);
  return n / ((performance.now() - t0) / 1000);
}

const nativeState = new Map();
const native = rate((i) => nativeBump({ name: `c${i % 100}`, by: 1 }, context, mapHost(nativeState, [])));
const sandboxState = new Map();
let fuel = 0;
const sandboxed = rate((i) => {
  const out = sandbox.run(
    SOURCE,
    { method: 'bump', args: { name: `c${i % 100}`, by: 1 }, context },
    mapHost(sandboxState, []),
  );
  if (out.status !== 'ok') throw new Error(JSON.stringify(out));
  fuel = out.fuelUsed;
});

const DOS = {
  'empty loop': 'for (;;) {}',
  'indexOf over 4 MB': 'const s = "x".repeat(4e6); for (;;) s.indexOf("y");',
  'repeat 1 MB': 'for (;;) "x".repeat(1e6);',
  'JSON round trips':
    'const o = Array.from({ length: 1e4 }, (_, i) => ({ i })); for (;;) JSON.parse(JSON.stringify(o));',
  'catastrophic regex': '/^(a+)+$/.test("a".repeat(40) + "b");',
  'catch overflow, recurse': 'function f() { try { return f(); } catch (e) { return f(); } } f();',
  'allocate objects': 'const a = []; for (;;) a.push({ x: a.length });',
  'host call flood': 'for (;;) lz.get("k");',
};
const perFuel = [];
for (const [name, body] of Object.entries(DOS)) {
  const source = `module.exports.main = () => { ${body} };`;
  const t0 = performance.now();
  const out = sandbox.run(source, { method: 'main', args: {}, context }, mapHost(new Map(), []));
  const ms = performance.now() - t0;
  perFuel.push({
    name,
    code: out.status === 'ok' ? 'ok' : out.code,
    fuel: out.fuelUsed,
    ms,
    msPerGfuel: (ms / out.fuelUsed) * 1e9,
  });
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`Contract sandbox — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
console.log(`  metering + compiling the interpreter at start-up   ${fmt(loadMs)} ms`);
console.log(`  native call (same logic, JS function)              ${fmt(native)} calls/s`);
console.log(`  sandboxed call (metered QuickJS, snapshot restore) ${fmt(sandboxed)} calls/s, ${fmt(fuel)} fuel each`);
console.log(`  overhead: a sandboxed call costs                    ${(native / sandboxed).toFixed(0)} × a native call`);
console.log(`  wall time per 10⁹ fuel (default per-call limit ${fmt(defaultSandboxLimits.fuel)}):`);
for (const r of perFuel) {
  console.log(
    `    ${r.name.padEnd(26)} ${r.code.padEnd(24)} ${fmt(r.msPerGfuel).padStart(6)} ms  (${fmt(r.ms)} ms for ${fmt(r.fuel)} fuel)`,
  );
}
const worst = Math.max(...perFuel.map((r) => r.msPerGfuel));
const best = Math.min(...perFuel.map((r) => r.msPerGfuel));
console.log(
  `  spread worst/best: ${(worst / best).toFixed(1)} ×; worst case of a call at the default limit ≈ ${fmt(worst)} ms`,
);

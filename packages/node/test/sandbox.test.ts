/**
 * The contract sandbox: the metering pass, host API round trips, deterministic fuel, and a catalogue of escape and
 * denial-of-service attempts. Every attempt must end inside the sandbox — a coded failure or an exactly expected
 * harmless result — with the same outcome and the same fuel on a second, independent engine; none may reach a host
 * object, a clock, randomness or the file system, and none may take the process down.
 */

import {
  ContractSandbox,
  defaultSandboxLimits,
  type HostHandler,
  METERED_QUICKJS_SHA256,
  type SandboxLimits,
  type SandboxOutcome,
  SandboxWallClockError,
} from '@lianzheng/runtime';
import binaryen from 'binaryen';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MeterError, meterWasm } from '../src/sandbox/meter.js';
import { loadMeteredQuickJs, meteredQuickJsBytes } from '../src/sandbox/quickjs.js';

let sandbox: ContractSandbox;
let other: ContractSandbox;

beforeAll(async () => {
  const wasm = await loadMeteredQuickJs();
  sandbox = await ContractSandbox.create(wasm, {}, { now: () => performance.now() });
  other = await ContractSandbox.create(wasm);
}, 60_000);

/** A host with an in-memory state, recording every call. */
function memoryHost(initial: Record<string, unknown> = {}) {
  const state = new Map(Object.entries(initial));
  const calls: { op: string; args: readonly unknown[] }[] = [];
  const events: unknown[] = [];
  const host: HostHandler = (op, args) => {
    calls.push({ op, args });
    switch (op) {
      case 'get':
        return state.get(String(args[0])) ?? null;
      case 'put':
        state.set(String(args[0]), args[1]);
        return null;
      case 'del':
        state.delete(String(args[0]));
        return null;
      case 'range':
        return [...state.entries()]
          .filter(([k]) => k.startsWith(String(args[0])))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, value]) => ({ key, value }));
      case 'emit':
        events.push({ name: args[0], data: args[1] });
        return null;
      default:
        throw Object.assign(new Error(`unknown host operation ${op}`), { code: 'ARGS_INVALID' });
    }
  };
  return { state, calls, events, host };
}

const CONTEXT = {
  caller: { kind: 'member', org: 'market', roles: ['caseworker'] },
  height: 7,
  time: 1_767_225_600_000,
};
/** The catalogue runs with a fifth of the default fuel: enough to reach every limit, and quicker. */
const CATALOGUE_LIMITS: SandboxLimits = { ...defaultSandboxLimits, fuel: 200_000_000 };

function run(source: string, method = 'main', args: unknown = {}, limits = defaultSandboxLimits): SandboxOutcome {
  return sandbox.run(source, { method, args, context: CONTEXT }, memoryHost().host, limits);
}

describe('metering pass', () => {
  it('builds the interpreter the protocol pins, byte for byte, every time', async () => {
    const a = await meteredQuickJsBytes();
    expect(a.sha256).toBe(METERED_QUICKJS_SHA256);
    const b = await meteredQuickJsBytes();
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
  });

  it('charges a loop per iteration and a function per entry, exactly as PROTOCOL.md §16 says', async () => {
    // (func $f (param $n i32) (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
    const m = new binaryen.Module();
    m.addGlobal('sp', binaryen.i32, true, m.i32.const(0));
    const body = m.loop(
      'l',
      m.block(null, [
        m.local.set(0, m.i32.sub(m.local.get(0, binaryen.i32), m.i32.const(1))),
        m.br('l', m.local.get(0, binaryen.i32)),
      ]),
    );
    m.addFunction('f', binaryen.i32, binaryen.none, [], body);
    m.addFunctionExport('f', 'f');
    const bytes = m.emitBinary();
    m.dispose();
    const { bytes: metered, stats } = meterWasm(binaryen, bytes);
    expect(stats).toEqual({ functions: 1, charges: 3, bulkOps: 0 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(metered), {});
    const fuel = instance.exports.lzfuel as WebAssembly.Global;
    const f = instance.exports.f as (n: number) => void;
    for (const n of [1, 2, 10, 1000]) {
      fuel.value = 1_000_000n;
      f(n);
      // Entry: the loop node + 1 = 2. Loop head each iteration: body block (1) + 1 = 2.
      // Inner block's run, each iteration: local.set, i32.sub, local.get, const, br_if, local.get = 6.
      expect(1_000_000n - (fuel.value as bigint)).toBe(BigInt(2 + n * (2 + 6)));
    }
    fuel.value = 20n;
    expect(() => f(100)).toThrow(WebAssembly.RuntimeError);
  });

  it('refuses a module with an expression it does not know how to meter', () => {
    const m = new binaryen.Module();
    m.setFeatures(binaryen.Features.ReferenceTypes | binaryen.Features.BulkMemory);
    m.addGlobal('sp', binaryen.i32, true, m.i32.const(0));
    m.addTable('t', 1, 1);
    m.addFunction('f', binaryen.none, binaryen.i32, [], m.table.size('t'));
    const bytes = m.emitBinary();
    m.dispose();
    expect(() => meterWasm(binaryen, bytes)).toThrow(MeterError);
  });
});

describe('contract sandbox: host API', () => {
  it('calls a method with its arguments and context, reads and writes state through the host, emits events', () => {
    const h = memoryHost({ 'count/a': 2 });
    const source = `
      module.exports.bump = (args, ctx) => {
        const n = lz.get('count/' + args.name) ?? 0;
        lz.put('count/' + args.name, n + args.by);
        lz.emit('bumped', { name: args.name, by: args.by, caller: ctx.caller.org, height: ctx.height });
        return { before: n, after: n + args.by, keys: lz.range('count/').map((e) => e.key) };
      };`;
    const out = sandbox.run(source, { method: 'bump', args: { name: 'a', by: 3 }, context: CONTEXT }, h.host);
    expect(out).toMatchObject({ status: 'ok', result: { before: 2, after: 5, keys: ['count/a'] } });
    expect(h.state.get('count/a')).toBe(5);
    expect(h.events).toEqual([{ name: 'bumped', data: { name: 'a', by: 3, caller: 'market', height: 7 } }]);
  });

  it('a coded host error reaches the contract as an exception it may catch', () => {
    const out = run(`module.exports.main = () => { try { lz.call('x', 'y', {}); } catch (e) { return e.code; } };`);
    expect(out).toMatchObject({ status: 'ok', result: 'ARGS_INVALID' });
  });

  it('a thrown error is CONTRACT_FAILED with the contract code leading the message, never a node code', () => {
    const out = run(
      `module.exports.main = () => { const e = new Error('taken'); e.code = 'POLICY_DENIED'; throw e; };`,
    );
    expect(out).toMatchObject({ status: 'failed', code: 'CONTRACT_FAILED', message: '[POLICY_DENIED] taken' });
    expect(run(`module.exports.other = () => 1;`)).toMatchObject({ status: 'failed', code: 'CONTRACT_FAILED' });
  });

  it('state written by one call is not visible to the next: every call starts from the same snapshot', () => {
    const source = `module.exports.main = () => { const seen = globalThis.seen ?? 0; globalThis.seen = seen + 1; return seen; };`;
    expect(run(source)).toMatchObject({ status: 'ok', result: 0 });
    expect(run(source)).toMatchObject({ status: 'ok', result: 0 });
  });

  it('fuel is deterministic: the same call uses the same fuel on two engines, whatever ran before', () => {
    const source = `module.exports.main = (a) => { let s = 0; const m = new Map(); for (let i = 0; i < a.n; i++) { s += i % 7; m.set({ i }, i); } return s; };`;
    for (const n of [0, 10, 1_000, 20_000]) {
      run('module.exports.main = () => { const junk = []; for (let i = 0; i < 5000; i++) junk.push({ i }); };');
      const a = sandbox.run(source, { method: 'main', args: { n }, context: {} }, memoryHost().host);
      const b = other.run(source, { method: 'main', args: { n }, context: {} }, memoryHost().host);
      expect(a).toEqual(b);
      expect(a.status).toBe('ok');
    }
  });

  it('a stack overflow is the same coded failure even when the host stack is already deep', () => {
    const deep = (n: number): SandboxOutcome =>
      n === 0 ? run('module.exports.main = () => { function f(n) { return f(n + 1) + 1; } f(0); };') : deep(n - 1);
    const shallow = run('module.exports.main = () => { function f(n) { return f(n + 1) + 1; } f(0); };');
    expect(shallow).toMatchObject({ status: 'failed', code: 'CONTRACT_STACK_OVERFLOW' });
    expect(deep(2_000)).toEqual(shallow);
  });

  it('the wall-clock guard is a last resort that throws (the node stops), never an outcome', async () => {
    const guarded = await ContractSandbox.create(
      await loadMeteredQuickJs(),
      { wallClockMs: 20 },
      { now: () => performance.now() },
    );
    const spin = 'module.exports.main = () => { for (;;) {} };';
    expect(() =>
      guarded.run(spin, { method: 'main', args: {}, context: {} }, memoryHost().host, {
        ...defaultSandboxLimits,
        fuel: 50_000_000_000,
      }),
    ).toThrow(SandboxWallClockError);
    // The engine is restored and usable afterwards.
    expect(
      guarded.run('module.exports.main = () => 42;', { method: 'main', args: {}, context: {} }, memoryHost().host),
    ).toMatchObject({
      status: 'ok',
      result: 42,
    });
  });

  it('more work costs more fuel, and out of fuel uses exactly the limit', () => {
    const source = `module.exports.main = (a) => { let s = 0; for (let i = 0; i < a.n; i++) s += i; return s; };`;
    const small = run(source, 'main', { n: 1000 });
    const large = run(source, 'main', { n: 100_000 });
    expect(large.fuelUsed).toBeGreaterThan(small.fuelUsed * 10);
    const limits = { ...defaultSandboxLimits, fuel: 1_000_000 };
    expect(run(source, 'main', { n: 1e9 }, limits)).toEqual({
      status: 'failed',
      code: 'CONTRACT_OUT_OF_FUEL',
      message: 'the call ran out of fuel',
      fuelUsed: 1_000_000,
    });
  });

  it('property: random inputs give identical outcomes and fuel on two independent engines', () => {
    const source = `
      module.exports.main = (a) => {
        const words = String(a.text).split(/\\s+/).filter(Boolean);
        const counts = {};
        for (const w of words) counts[w] = (counts[w] ?? 0) + 1;
        if (a.n % 5 === 0) throw Object.assign(new Error('multiple of five'), { code: 'BAD_N' });
        lz.put('words/' + a.n, counts);
        return { words: words.length, top: Object.keys(counts).sort().slice(0, 3), got: lz.get('words/' + a.n) };
      };`;
    fc.assert(
      fc.property(fc.record({ text: fc.string({ maxLength: 200 }), n: fc.integer() }), (args) => {
        const a = sandbox.run(source, { method: 'main', args, context: CONTEXT }, memoryHost().host);
        const b = other.run(source, { method: 'main', args, context: CONTEXT }, memoryHost().host);
        expect(b).toEqual(a);
      }),
      { numRuns: 150 },
    );
  });
});

type Expectation = { readonly failed: string | readonly string[] } | { readonly result: unknown };
/** Escape and DoS attempts. Each ends as `failed` (one of the codes) or returns exactly `result`. */
const CATALOGUE: readonly { readonly name: string; readonly source: string; readonly expect: Expectation }[] = [
  // Unbounded work: fuel stops it, whatever does the work.
  { name: 'infinite loop', source: 'while (true) {}', expect: { failed: 'CONTRACT_OUT_OF_FUEL' } },
  {
    name: 'infinite for(;;) with arithmetic',
    source: 'let x = 0; for (;;) x = (x * 31 + 7) % 1000003;',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'label/continue loop',
    source: 'a: while (true) { continue a; }',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'generator that never ends',
    source: 'function* g() { while (true) yield 1; } for (const x of g()) {}',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'built-in doing the work: indexOf over 4 MB, in a loop',
    source: 'const s = "x".repeat(4e6); let n = 0; for (;;) n += s.indexOf("y");',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'built-in doing the work: repeat in a loop',
    source: 'for (;;) "x".repeat(1e6);',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'built-in doing the work: Array indexOf over 100k',
    source: 'const a = new Array(1e5).fill(1); for (;;) a.indexOf(2);',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'built-in doing the work: JSON round trips',
    source: 'const o = Array.from({ length: 1e4 }, (_, i) => ({ i })); for (;;) JSON.parse(JSON.stringify(o));',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'built-in doing the work: sort of 100k numbers',
    source:
      'const a = Array.from({ length: 1e5 }, (_, i) => (i * 7919) % 1e5); for (;;) a.slice().sort((x, y) => x - y);',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'built-in doing the work: string concatenation copies',
    source: 'const s = "x".repeat(1e6); let t; for (;;) t = s + "y";',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'sort with a looping comparator',
    source: '[3, 2, 1].sort(() => { while (true) {} });',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'catastrophic regex',
    source: '/^(a+)+$/.test("a".repeat(40) + "b");',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'catastrophic regex (nested alternation)',
    source: '/^(a|aa)+$/.test("a".repeat(60) + "b");',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'catastrophic regex on a replace',
    source: '"a".repeat(40).concat("!").replace(/^(a*)*$/, "x");',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  { name: 'host call flood', source: 'while (true) lz.get("k");', expect: { failed: 'CONTRACT_OUT_OF_FUEL' } },
  {
    name: 'catch out-of-fuel and carry on',
    source: 'for (;;) { try { while (true) {} } catch (e) {} }',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'catch host out-of-fuel and return',
    source: 'try { while (true) lz.get("k"); } catch (e) { return "survived"; }',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'getter that loops during JSON.stringify of a host argument',
    source: 'return lz.put("k", { get x() { while (true) {} } });',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'Proxy that loops as a host argument',
    source: 'return lz.put("k", new Proxy({}, { ownKeys: () => { while (true) {} } }));',
    expect: { failed: 'CONTRACT_OUT_OF_FUEL' },
  },
  {
    name: 'throw an object whose message getter loops',
    source: 'throw { get message() { while (true) {} } };',
    expect: { failed: ['CONTRACT_OUT_OF_FUEL', 'CONTRACT_FAILED'] },
  },
  {
    name: 'BigInt exponent bomb',
    source: 'return String(2n ** 100000000n).length;',
    expect: { failed: ['CONTRACT_OUT_OF_FUEL', 'CONTRACT_OUT_OF_MEMORY', 'CONTRACT_FAILED'] },
  },
  // Recursion: the stack limit stops it, or fuel does.
  {
    name: 'deep recursion',
    source: 'function f(n) { return f(n + 1) + 1; } f(0);',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'mutual recursion',
    source: 'const a = (n) => b(n) + 1; const b = (n) => a(n) + 1; a(0);',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'catch stack overflow and recurse again',
    source: 'function f() { try { return f(); } catch (e) { return f(); } } return f();',
    expect: { failed: ['CONTRACT_OUT_OF_FUEL', 'CONTRACT_STACK_OVERFLOW'] },
  },
  {
    name: 'recursion through a getter',
    source: 'const o = { get x() { return this.x; } }; return o.x;',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'recursion through toString',
    source: 'const o = { toString() { return "" + this; } }; return "" + o;',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'recursion through a Proxy trap',
    source: 'const p = new Proxy({}, { get: (t, k) => p[k] }); return p.x;',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'deeply nested JSON.parse (C recursion on the native stack)',
    source: 'return JSON.parse("[".repeat(200000) + "]".repeat(200000));',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'deeply nested array literal in eval',
    source: 'return eval("[".repeat(100000) + "]".repeat(100000));',
    expect: { failed: 'CONTRACT_STACK_OVERFLOW' },
  },
  {
    name: 'deeply nested regex groups',
    source: 'return new RegExp("(?:".repeat(50000) + ")".repeat(50000)).test("");',
    expect: { failed: ['CONTRACT_STACK_OVERFLOW', 'CONTRACT_FAILED'] },
  },
  // Memory: the memory limit stops it, or fuel does.
  {
    name: 'memory bomb: array of strings',
    source: 'const a = []; while (true) a.push("x".repeat(100000) + a.length);',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_OUT_OF_FUEL'] },
  },
  {
    name: 'memory bomb: giant string doubling',
    source: 'let s = "x"; while (true) s = s + s;',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_FAILED'] },
  },
  {
    name: 'giant repeat',
    source: '"x".repeat(2 ** 29);',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_FAILED'] },
  },
  {
    name: 'giant array allocation',
    source: 'new Array(2 ** 30).fill(1);',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_OUT_OF_FUEL', 'CONTRACT_FAILED'] },
  },
  {
    name: 'typed array bomb',
    source: 'new Uint8Array(2 ** 30);',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_FAILED'] },
  },
  {
    name: 'huge object keys',
    source: 'const o = {}; for (let i = 0; ; i++) o["k" + i] = i;',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_OUT_OF_FUEL'] },
  },
  {
    name: 'Map growth',
    source: 'const m = new Map(); for (let i = 0; ; i++) m.set(i, [i]);',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_OUT_OF_FUEL'] },
  },
  {
    name: 'string split bomb',
    source: 'return "x".repeat(5000000).split("").length;',
    expect: { failed: ['CONTRACT_OUT_OF_MEMORY', 'CONTRACT_OUT_OF_FUEL'] },
  },
  {
    name: 'catch out-of-memory and allocate again',
    source: 'for (;;) { try { const a = []; for (;;) a.push([a.length]); } catch (e) {} }',
    expect: { failed: ['CONTRACT_OUT_OF_FUEL', 'CONTRACT_OUT_OF_MEMORY'] },
  },
  {
    name: 'oversized host message',
    source: 'return lz.put("k", "x".repeat(300000));',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  { name: 'oversized result', source: 'return "x".repeat(300000);', expect: { failed: 'CONTRACT_MESSAGE_TOO_LARGE' } },
  // No clock, randomness, I/O, modules or host objects.
  { name: 'no clock: Date', source: 'return typeof Date;', expect: { result: 'undefined' } },
  { name: 'no clock: performance', source: 'return typeof performance;', expect: { result: 'undefined' } },
  { name: 'no randomness: Math.random', source: 'return typeof Math.random;', expect: { result: 'undefined' } },
  { name: 'no randomness: crypto', source: 'return typeof crypto;', expect: { result: 'undefined' } },
  { name: 'no process', source: 'return typeof process;', expect: { result: 'undefined' } },
  { name: 'no require', source: 'return typeof require;', expect: { result: 'undefined' } },
  { name: 'no import()', source: 'return import("fs");', expect: { failed: 'CONTRACT_FAILED' } },
  { name: 'no import() through eval', source: 'return eval("import(\'fs\')");', expect: { failed: 'CONTRACT_FAILED' } },
  { name: 'no static import', source: 'return eval("import fs from \'fs\'");', expect: { failed: 'CONTRACT_FAILED' } },
  { name: 'no setTimeout', source: 'return typeof setTimeout;', expect: { result: 'undefined' } },
  { name: 'no Promise (async tricks)', source: 'return typeof Promise;', expect: { result: 'undefined' } },
  {
    name: 'async function',
    source: 'const f = async () => 1; return typeof f();',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  {
    name: 'async generator',
    source: 'async function* g() { yield 1; } return typeof g().next();',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  {
    name: 'await in a module-looking contract',
    source: 'return eval("await 1");',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  { name: 'no raw host function', source: 'return typeof __host;', expect: { result: 'undefined' } },
  {
    name: 'no std / os modules',
    source: 'return [typeof std, typeof os, typeof scriptArgs, typeof print];',
    expect: { result: ['undefined', 'undefined', 'undefined', 'undefined'] },
  },
  { name: 'no WebAssembly inside the sandbox', source: 'return typeof WebAssembly;', expect: { result: 'undefined' } },
  {
    name: 'no SharedArrayBuffer / Atomics wait',
    source: 'return typeof Atomics === "object" ? typeof Atomics.wait : "none";',
    expect: { result: 'none' },
  },
  {
    name: 'globalThis enumeration shows nothing of the host',
    source:
      'return Object.getOwnPropertyNames(globalThis).filter((n) => /process|require|fs|host|Date|random|setTimeout|console/i.test(n));',
    expect: { result: [] },
  },
  // Constructor chains and code generation: they reach only the guest's own global.
  {
    name: 'constructor chain to Function',
    source: 'return (() => {}).constructor("return typeof process")();',
    expect: { result: 'undefined' },
  },
  {
    name: 'constructor chain via a host answer',
    source: 'const v = lz.range("", {}); return v.constructor.constructor("return typeof globalThis.process")();',
    expect: { result: 'undefined' },
  },
  {
    name: 'constructor chain via the lz object',
    source: 'return lz.get.constructor("return typeof __host")();',
    expect: { result: 'undefined' },
  },
  {
    name: 'generator function constructor',
    source:
      'const G = Object.getPrototypeOf(function* () {}).constructor; return G("yield typeof require")().next().value;',
    expect: { result: 'undefined' },
  },
  { name: 'eval', source: 'return eval("typeof require");', expect: { result: 'undefined' } },
  {
    name: 'indirect eval reaches the same empty global',
    source: 'return (0, eval)("typeof process + typeof Date");',
    expect: { result: 'undefinedundefined' },
  },
  // The host API cannot be changed or confused.
  {
    name: 'overwrite the host API',
    source: 'lz.get = () => 1; return lz.get("k");',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  {
    name: 'redefine lz',
    source: 'globalThis.lz = { get: () => 1 }; return lz.get("k");',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  { name: 'delete lz', source: 'delete globalThis.lz; return typeof lz;', expect: { failed: 'CONTRACT_FAILED' } },
  {
    name: 'replace JSON.stringify used by the wrappers',
    source:
      'const s = JSON.stringify; JSON.stringify = () => \'["k"]\'; const v = lz.get("other"); JSON.stringify = s; return v;',
    expect: { result: null },
  },
  {
    name: 'replace JSON.parse used by the wrappers',
    source:
      'const p = JSON.parse; JSON.parse = () => ({ v: "forged" }); const v = lz.get("k"); JSON.parse = p; return v;',
    expect: { result: 'v' },
  },
  {
    name: 'prototype pollution of Object',
    source: 'Object.prototype.polluted = 1; return lz.get("x");',
    expect: { result: null },
  },
  {
    name: 'prototype pollution through JSON (__proto__)',
    source: 'lz.put("k", JSON.parse(\'{"__proto__": {"admin": true}}\')); return ({}).admin ?? null;',
    expect: { result: null },
  },
  {
    name: 'Array.prototype pollution before a range',
    source: 'Array.prototype.map = () => "forged"; return lz.range("", {}).length;',
    expect: { result: 1 },
  },
  {
    name: 'Symbol.toPrimitive on a key',
    source: 'return lz.get({ [Symbol.toPrimitive]() { return "k"; } });',
    expect: { result: null },
  },
  {
    name: 'toJSON that throws',
    source: 'return lz.put("k", { toJSON() { throw new Error("boom"); } });',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  {
    name: 'unknown host operation through the raw channel',
    source: 'return lz.call("identity", "enrol", {});',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  { name: 'cyclic result', source: 'const o = {}; o.o = o; return o;', expect: { failed: 'CONTRACT_FAILED' } },
  { name: 'BigInt result', source: 'return 1n;', expect: { failed: 'CONTRACT_FAILED' } },
  // Errors and stacks reveal nothing of the host; syntax tricks do not leave the wrapper.
  {
    name: 'Error.prepareStackTrace reaches nothing',
    source:
      'let seen = "not called"; Error.prepareStackTrace = (e, frames) => { seen = typeof process + frames.length; return 1; }; try { null.x; } catch (e) {} return seen;',
    expect: { result: 'undefined0' },
  },
  {
    name: 'stack trace content',
    source: 'try { null.x; } catch (e) { return /\\/work|node:|file:/.test(String(e.stack)); }',
    expect: { result: false },
  },
  { name: 'throw a non-error', source: 'throw 42;', expect: { failed: 'CONTRACT_FAILED' } },
  {
    name: 'arguments.callee in strict mode',
    source: 'return (function () { return arguments.callee; })();',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  { name: 'with statement (strict mode)', source: 'with ({}) {}', expect: { failed: 'CONTRACT_FAILED' } },
  {
    name: 'escape the method wrapper with a syntax trick',
    source: '}); globalThis.x = 1; ({',
    expect: { failed: 'CONTRACT_FAILED' },
  },
  { name: 'close the program comment', source: '*/ return 1; /*', expect: { failed: 'CONTRACT_FAILED' } },
];

describe('contract sandbox: escape and denial-of-service catalogue', () => {
  it(`has at least 50 attempts (${CATALOGUE.length})`, () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(50);
  });

  for (const c of CATALOGUE) {
    const want = 'failed' in c.expect ? `fails (${[c.expect.failed].flat().join(' or ')})` : 'is harmless';
    it(`${c.name}: ${want}, identical on a second engine`, () => {
      const source = `module.exports.main = () => { ${c.source} };`;
      const call = { method: 'main', args: {}, context: CONTEXT };
      const first = sandbox.run(source, call, memoryHost({ k: 'v' }).host, CATALOGUE_LIMITS);
      const second = other.run(source, call, memoryHost({ k: 'v' }).host, CATALOGUE_LIMITS);
      expect(second).toEqual(first);
      expect(first.fuelUsed).toBeLessThanOrEqual(CATALOGUE_LIMITS.fuel);
      if ('failed' in c.expect) {
        expect(first.status, JSON.stringify(first)).toBe('failed');
        expect([c.expect.failed].flat()).toContain(first.status === 'failed' ? first.code : '');
      } else {
        expect(first, JSON.stringify(first)).toMatchObject({ status: 'ok', result: c.expect.result });
      }
    });
  }
});

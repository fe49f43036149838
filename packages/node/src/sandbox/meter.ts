/**
 * Deterministic fuel metering for the contract sandbox: a WebAssembly-to-WebAssembly rewrite of the QuickJS
 * interpreter (docs/adr/0011-contract-sandbox.md, PROTOCOL.md §16).
 *
 * Counting JavaScript "steps" with QuickJS's interrupt handler is not enough: the handler runs once every ten
 * thousand backward jumps or calls, and a built-in such as `String.prototype.indexOf` on a 4 MB string does
 * milliseconds of work in one step (2,000 such calls ran 19 s on one tick). So we meter the interpreter itself: every
 * straight run of WebAssembly instructions pays for its instructions before it runs, and bulk memory operations pay
 * per 16 bytes. Fuel is a mutable i64 global (`lzfuel`); when a payment takes it below zero the module traps
 * (`unreachable`) and the host restores the interpreter's memory from a snapshot. The charges are fixed by this pass
 * and the input module, so the same call uses the same fuel on every node.
 *
 * Charging rule. A *run* is a maximal sequence of children of a block that contains no nested block, loop, if or try
 * (those are boundaries: code after them can be reached by a branch without executing what came before). Each run is
 * charged, at its start, one unit per expression node it contains, including the operands of its expressions and one
 * unit for each boundary that ends it. A loop charges its body's run at the loop head (every iteration); each arm of
 * an if or try charges its own runs; a function charges its top-level run at entry. Code that can execute is always
 * inside a run whose charge executed first, so fuel is never under-charged; it is over-charged only when a branch
 * leaves a run early.
 */
import { WASM_MAX_CALL_DEPTH } from '@lianzheng/runtime';
import type Binaryen from 'binaryen';

/** binaryen.js's expression wrappers, which its type declarations leave out. */
interface Wrappers {
  Loop: { setBody(loop: number, body: number): void };
  If: { setIfTrue(e: number, arm: number): void; setIfFalse(e: number, arm: number): void };
  MemoryCopy: { setSize(e: number, size: number): void };
  MemoryFill: { setSize(e: number, size: number): void };
  Function: { getBody(f: number): number; setBody(f: number, body: number): void };
  Return: { setValue(e: number, value: number): void };
  Block: {
    insertChildAt(block: number, index: number, child: number): void;
    setChildAt(b: number, i: number, c: number): void;
  };
  _BinaryenFunctionAddVar(f: number, type: number): number;
}
type BinaryenModule = typeof Binaryen;
type Replace = (node: number) => void;
type Module = InstanceType<BinaryenModule['Module']>;

/** Export names the host uses: the fuel counter and the C stack pointer (reset after a trap). */
export const FUEL_EXPORT = 'lzfuel';
export const STACK_POINTER_EXPORT = 'lzsp';
export const DEPTH_EXPORT = 'lzdepth';
/** Bytes of memory.copy / memory.fill per fuel unit. */
export const BULK_BYTES_PER_FUEL_SHIFT = 4;

export interface MeterStats {
  readonly functions: number;
  readonly charges: number;
  readonly bulkOps: number;
}

export class MeterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeterError';
  }
}

/** Returns the metered module's bytes. Pure: the same input and binaryen version give the same bytes. */
export function meterWasm(binaryen: BinaryenModule, input: Uint8Array): { bytes: Uint8Array; stats: MeterStats } {
  const B = binaryen as BinaryenModule & Wrappers;
  const m: Module = B.readBinary(input);
  try {
    m.setFeatures(
      B.Features.MVP |
        B.Features.MutableGlobals |
        B.Features.NontrappingFPToInt |
        B.Features.SignExt |
        B.Features.BulkMemory |
        B.Features.BulkMemoryOpt |
        B.Features.CallIndirectOverlong |
        B.Features.Multivalue |
        B.Features.ReferenceTypes,
    );
    if (m.getNumGlobals() !== 1) {
      throw new MeterError(`expected one global (the C stack pointer), found ${m.getNumGlobals()}`);
    }
    const stackPointer = B.getGlobalInfo(m.getGlobalByIndex(0));
    if (!stackPointer.mutable || stackPointer.type !== B.i32)
      throw new MeterError('the only global is not a mutable i32');
    const FUEL = 'lz_fuel';
    // Large enough for the module's start-up code; the host sets it before every call.
    m.addGlobal(FUEL, B.i64, true, m.i64.const(1n << 62n));
    m.addGlobalExport(FUEL, FUEL_EXPORT);
    m.addGlobalExport(stackPointer.name, STACK_POINTER_EXPORT);
    const DEPTH = 'lz_depth';
    m.addGlobal(DEPTH, B.i32, true, m.i32.const(0));
    m.addGlobalExport(DEPTH, DEPTH_EXPORT);
    const enter = () =>
      m.block(null, [
        m.global.set(DEPTH, m.i32.add(m.global.get(DEPTH, B.i32), m.i32.const(1))),
        m.if(m.i32.gt_u(m.global.get(DEPTH, B.i32), m.i32.const(WASM_MAX_CALL_DEPTH)), m.unreachable()),
      ]);
    const leave = () => m.global.set(DEPTH, m.i32.sub(m.global.get(DEPTH, B.i32), m.i32.const(1)));

    const check = () => m.if(m.i64.lt_s(m.global.get(FUEL, B.i64), m.i64.const(0n)), m.unreachable());
    const charge = (cost: number) =>
      m.block(null, [m.global.set(FUEL, m.i64.sub(m.global.get(FUEL, B.i64), m.i64.const(BigInt(cost)))), check()]);
    const chargeBytes = (local: number) =>
      m.block(null, [
        m.global.set(
          FUEL,
          m.i64.sub(
            m.global.get(FUEL, B.i64),
            m.i64.extend_u(m.i32.shr_u(m.local.get(local, B.i32), m.i32.const(BULK_BYTES_PER_FUEL_SHIFT))),
          ),
        ),
        check(),
      ]);

    const leaf = new Set([B.UnreachableId, B.NopId, B.LocalGetId, B.GlobalGetId, B.ConstId, B.MemorySizeId, B.PopId]);
    const boundary = new Set([B.BlockId, B.LoopId, B.IfId]);
    let charges = 0;
    let bulkOps = 0;
    let functions = 0;

    for (let fi = 0; fi < m.getNumFunctions(); fi++) {
      const f = m.getFunctionByIndex(fi);
      const info = B.getFunctionInfo(f);
      if (info.module !== '' && info.module !== null) continue; // an import: the host's code
      let temp = -1;
      const tempLocal = (): number => {
        if (temp < 0) temp = B._BinaryenFunctionAddVar(f, B.i32);
        return temp;
      };
      const results = info.results;
      if (results !== B.none && B.expandType(results).length !== 1) {
        throw new MeterError(`function ${info.name} returns several values`);
      }
      const resultLocal = results === B.none ? -1 : B._BinaryenFunctionAddVar(f, results);
      /** A return leaves the frame: count it out first (its value is computed before). */
      const meterReturn = (e: number, value: number, replace: Replace | undefined): void => {
        if (value !== 0) {
          B.Return.setValue(
            e,
            m.block(null, [m.local.set(resultLocal, value), leave(), m.local.get(resultLocal, results)], results),
          );
          return;
        }
        if (replace === undefined) throw new MeterError(`a return in an unexpected place in function ${info.name}`);
        replace(m.block(null, [leave(), e], B.unreachable));
      };
      const sum = (list: readonly number[]) => list.reduce((s, c) => s + walk(c), 0);
      const armed = (arm: number): number => {
        let node = arm;
        const cost = walk(arm, (n) => {
          node = n;
        });
        charges++;
        return m.block(null, [charge(cost), node], B.getExpressionType(arm));
      };
      const meterBlock = (block: number, children: readonly number[]) => {
        const runs: [start: number, cost: number][] = [];
        let start = 0;
        let cost = 0;
        children.forEach((child, i) => {
          cost += walk(child, (n) => B.Block.setChildAt(block, i, n));
          if (boundary.has(B.getExpressionId(child))) {
            runs.push([start, cost]);
            start = i + 1;
            cost = 0;
          }
        });
        if (start < children.length) runs.push([start, cost]);
        for (let r = runs.length - 1; r >= 0; r--) {
          const [at, c] = runs[r] as [number, number];
          if (c === 0) continue;
          B.Block.insertChildAt(block, at, charge(c));
          charges++;
        }
      };
      // The cost an expression adds to the run it is in; nested control flow is metered in place.
      const walk = (e: number, replace?: Replace): number => {
        if (e === 0) return 0;
        const id = B.getExpressionId(e);
        if (leaf.has(id)) return 1;
        const x = B.getExpressionInfo(e) as unknown as Record<string, unknown> & { id: number; type: number };
        const one = (k: string) => walk(x[k] as number);
        switch (id) {
          case B.BlockId:
            meterBlock(e, x.children as number[]);
            return 1;
          case B.LoopId: {
            let body = x.body as number;
            const cost = walk(body, (n) => {
              body = n;
            });
            B.Loop.setBody(e, m.block(null, [charge(cost + 1), body], x.type));
            charges++;
            return 1;
          }
          case B.IfId: {
            const cost = one('condition');
            B.If.setIfTrue(e, armed(x.ifTrue as number));
            if (x.ifFalse) B.If.setIfFalse(e, armed(x.ifFalse as number));
            return 1 + cost;
          }
          case B.BreakId:
          case B.SwitchId:
            return 1 + one('condition') + one('value');
          case B.CallId:
            return 1 + sum(x.operands as number[]);
          case B.CallIndirectId:
            return 1 + one('target') + sum(x.operands as number[]);
          case B.ReturnId: {
            const cost = 1 + one('value');
            meterReturn(e, x.value as number, replace);
            return cost;
          }
          case B.LocalSetId:
          case B.GlobalSetId:
          case B.DropId:
          case B.UnaryId:
            return 1 + one('value');
          case B.LoadId:
            return 1 + one('ptr');
          case B.StoreId:
            return 1 + one('ptr') + one('value');
          case B.BinaryId:
            return 1 + one('left') + one('right');
          case B.SelectId:
            return 1 + one('ifTrue') + one('ifFalse') + one('condition');
          case B.MemoryGrowId:
            return 1 + one('delta');
          case B.MemoryCopyId:
          case B.MemoryFillId: {
            const cost = 1 + one('dest') + (id === B.MemoryCopyId ? one('source') : one('value')) + one('size');
            const t = tempLocal();
            const sized = m.block(
              null,
              [m.local.set(t, x.size as number), chargeBytes(t), m.local.get(t, B.i32)],
              B.i32,
            );
            if (id === B.MemoryCopyId) B.MemoryCopy.setSize(e, sized);
            else B.MemoryFill.setSize(e, sized);
            bulkOps++;
            return cost;
          }
          default:
            // A construct this pass does not know could hide unmetered work: refuse rather than guess.
            throw new MeterError(`unmetered WebAssembly expression (binaryen id ${id}) in function ${info.name}`);
        }
      };
      let body = B.Function.getBody(f);
      const cost = walk(body, (n) => {
        body = n;
      });
      const wrapped =
        results === B.none
          ? m.block(null, [charge(cost + 1), enter(), body, leave()], B.none)
          : m.block(
              null,
              [charge(cost + 1), enter(), m.local.set(resultLocal, body), leave(), m.local.get(resultLocal, results)],
              results,
            );
      B.Function.setBody(f, wrapped);
      charges++;
      functions++;
    }
    if (!m.validate()) throw new MeterError('the metered module does not validate');
    return { bytes: m.emitBinary(), stats: { functions, charges, bulkOps } };
  } finally {
    m.dispose();
  }
}

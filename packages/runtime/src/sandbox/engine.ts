/**
 * The QuickJS engine behind the contract sandbox: QuickJS-ng compiled to WebAssembly (quickjs-emscripten), metered
 * by the node's rewrite of that WebAssembly (packages/node/src/sandbox/meter.ts), never Node's `vm`.
 *
 * One engine holds one interpreter: a runtime, a context, the host function and the prelude. Right after they are
 * set up, the engine takes a snapshot of the interpreter's whole linear memory (up to the allocator's break) and of
 * the C stack pointer; after every call, whatever happened (a result, a thrown error, a trap on exhausted fuel), it
 * writes the snapshot back. Every call therefore starts from bit-identical memory, which is what makes fuel
 * deterministic: QuickJS hashes object addresses (shapes, Map keys), so its instruction counts would otherwise depend
 * on what earlier calls left in the allocator. Fuel is the module's own counter (an i64 global decremented before each
 * straight run of instructions; see meter.ts); exhausting it traps, and the trap is the out-of-fuel outcome.
 *
 * The runtime package does no I/O: the node reads, meters and compiles the WebAssembly and passes the module in.
 */
import './webassembly.js';
import variant from '@jitl/quickjs-ng-wasmfile-release-sync';
import {
  type Intrinsics,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/** Limits fixed for the consortium: they change outcomes, so every node must use the same (PROTOCOL.md §16). */
export interface EngineLimits {
  readonly memoryBytes: number;
  readonly stackBytes: number;
}

export const defaultEngineLimits: EngineLimits = { memoryBytes: 16 * 1024 * 1024, stackBytes: 256 * 1024 };

/** What a call ended with, before the sandbox gives it meaning. */
export type EngineOutcome =
  | { readonly kind: 'value'; readonly text: string; readonly fuelUsed: number }
  | {
      readonly kind: 'thrown';
      readonly name: string;
      readonly message: string;
      readonly code: string | undefined;
      readonly fuelUsed: number;
    }
  | { readonly kind: 'outOfFuel'; readonly fuelUsed: number }
  /** The WebAssembly call depth passed the metering pass's limit (deep C recursion): a stack overflow. */
  | { readonly kind: 'tooDeep'; readonly fuelUsed: number }
  /** The interpreter aborted (a QuickJS assertion): deterministic like everything else, and recovered by the restore. */
  | { readonly kind: 'aborted'; readonly message: string; readonly fuelUsed: number };

/** Answers one host call: JSON text in (the arguments array), JSON text out. */
export type HostFunction = (op: string, argsJson: string) => string;

/** Thrown (not returned) when the wall-clock guard fires: the node must stop, loudly. */
export class SandboxWallClockError extends Error {
  constructor(ms: number) {
    super(`a contract call ran for more than ${ms} ms of wall time: stopping (deterministic fuel did not stop it)`);
    this.name = 'SandboxWallClockError';
  }
}

/** The engine cannot be set up (a module that is not the metered QuickJS, a memory layout it does not expect). */
export class SandboxEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxEngineError';
  }
}

export interface EngineDeps {
  /**
   * A monotonic clock in ms for the last-resort wall-clock guard (the node passes `performance.now`). Without one
   * there is no guard, and fuel alone bounds a call.
   */
  readonly now?: () => number;
}

export interface EngineOptions {
  readonly limits?: EngineLimits;
  /** Last resort: a call running longer than this stops the node (never a receipt). */
  readonly wallClockMs?: number;
  /** Guest code evaluated once, before the snapshot (the sandbox's prelude). */
  readonly prelude: string;
}

/** Intrinsics: no Date (no clock), no Promise (no job queue outliving a call); the rest is plain ECMAScript. */
const INTRINSICS: Intrinsics = {
  BaseObjects: true,
  Date: false,
  Eval: true,
  StringNormalize: true,
  RegExp: true,
  JSON: true,
  Proxy: true,
  MapSet: true,
  TypedArrays: true,
  Promise: false,
};

interface EmscriptenHeap {
  _malloc(size: number): number;
  _free(ptr: number): void;
}

const PAGE = 65536;
/**
 * Deepest WebAssembly call nesting the metering pass allows (it traps on entering one frame more). QuickJS checks its
 * own stack limit on the C shadow stack, but C recursion that keeps its locals in WebAssembly locals (the JSON parser
 * on `[[[[…`) uses only the engine's native stack, whose size is the host's, not the protocol's: running out of it
 * would be a host RangeError that depends on the machine. So the pass counts depth itself, the same on every node.
 */
export const WASM_MAX_CALL_DEPTH = 2_000;

export class QuickJsEngine {
  private host: HostFunction | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  private wallClock = false;
  private busy = false;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly ctx: QuickJSContext,
    private readonly memory: WebAssembly.Memory,
    private readonly fuel: WebAssembly.Global,
    private readonly stackPointer: WebAssembly.Global,
    /** WebAssembly call depth (the metering pass traps past its limit); back to 0 after every call. */
    private readonly depth: WebAssembly.Global,
    private readonly snapshot: {
      readonly bytes: Uint8Array;
      readonly brkAddress: number;
      readonly stackPointer: number;
    },
    private readonly wallClockMs: number,
    private readonly deps: EngineDeps,
  ) {}

  /** Instantiates the metered module, sets up the interpreter and takes the snapshot. */
  static async create(wasm: WebAssembly.Module, opts: EngineOptions, deps: EngineDeps = {}): Promise<QuickJsEngine> {
    const limits = opts.limits ?? defaultEngineLimits;
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 32768 });
    let exports: WebAssembly.Exports | undefined;
    const module = await newQuickJSWASMModuleFromVariant(
      newVariant(variant as unknown as QuickJSSyncVariant, {
        wasmMemory: memory,
        emscriptenModule: {
          instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
            const instance = new WebAssembly.Instance(wasm, imports);
            exports = instance.exports;
            done(instance);
            return instance.exports;
          },
        } as never,
      }),
    );
    const fuel = exports?.lzfuel;
    const stackPointer = exports?.lzsp;
    const depth = exports?.lzdepth;
    if (
      !(fuel instanceof WebAssembly.Global) ||
      !(stackPointer instanceof WebAssembly.Global) ||
      !(depth instanceof WebAssembly.Global)
    ) {
      throw new SandboxEngineError('the WebAssembly module is not the metered QuickJS (no lzfuel / lzsp / lzdepth)');
    }
    const runtime = module.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    const ctx = runtime.newContext({ intrinsics: INTRINSICS });
    // The engine object does not exist yet: the host function and interrupt handler reach it through `holder`.
    const holder: { engine?: QuickJsEngine } = {};
    runtime.setInterruptHandler(() => holder.engine?.interrupt() ?? false);
    const hostFn = ctx.newFunction('__host', (op: QuickJSHandle, args: QuickJSHandle) => {
      const engine = holder.engine;
      if (engine === undefined) throw new SandboxEngineError('host call outside a contract call');
      return ctx.newString(engine.hostCall(ctx.getString(op), ctx.getString(args)));
    });
    ctx.setProp(ctx.global, '__host', hostFn);
    hostFn.dispose();
    const prelude = ctx.evalCode(opts.prelude, 'prelude.js', { type: 'global', strict: true });
    if (prelude.error !== undefined) {
      const message = JSON.stringify(ctx.dump(prelude.error));
      prelude.error.dispose();
      throw new SandboxEngineError(`the sandbox prelude failed: ${message}`);
    }
    prelude.value.dispose();
    const snapshot = takeSnapshot(module, memory, stackPointer);
    depth.value = 0;
    const engine = new QuickJsEngine(
      runtime,
      ctx,
      memory,
      fuel,
      stackPointer,
      depth,
      snapshot,
      opts.wallClockMs ?? 60_000,
      deps,
    );
    holder.engine = engine;
    return engine;
  }

  /** Bytes written back after each call (the interpreter's memory up to the allocator's break at snapshot time). */
  get snapshotBytes(): number {
    return this.snapshot.bytes.length;
  }

  /**
   * Evaluates `program` (a script whose completion value is a JSON text) with `fuel` units and `host` answering host
   * calls; restores the snapshot afterwards. Calls do not nest.
   */
  call(program: string, fuel: number, host: HostFunction): EngineOutcome {
    if (this.busy) throw new SandboxEngineError('engine calls do not nest');
    if (!Number.isSafeInteger(fuel) || fuel < 1) throw new SandboxEngineError('fuel must be a positive integer');
    this.busy = true;
    this.host = host;
    this.wallClock = false;
    const now = this.deps.now;
    this.deadline = now === undefined ? Number.POSITIVE_INFINITY : now() + this.wallClockMs;
    this.fuel.value = BigInt(fuel);
    const used = () => {
      const left = this.fuel.value as bigint;
      return left < 0n ? fuel : fuel - Number(left);
    };
    try {
      let outcome: EngineOutcome;
      try {
        outcome = this.evaluate(program, used);
      } catch (error) {
        if ((this.fuel.value as bigint) < 0n) outcome = { kind: 'outOfFuel', fuelUsed: fuel };
        else if (error instanceof WebAssembly.RuntimeError && (this.depth.value as number) > WASM_MAX_CALL_DEPTH) {
          outcome = { kind: 'tooDeep', fuelUsed: used() };
        } else if (error instanceof WebAssembly.RuntimeError) {
          outcome = { kind: 'aborted', message: error.message, fuelUsed: used() };
        } else throw error;
      }
      if (this.wallClock) throw new SandboxWallClockError(this.wallClockMs);
      return outcome;
    } finally {
      this.restore();
      this.host = undefined;
      this.busy = false;
    }
  }

  private evaluate(program: string, used: () => number): EngineOutcome {
    const ctx = this.ctx;
    const result = ctx.evalCode(program, 'contract.js', { type: 'global', strict: true });
    if (result.error === undefined) {
      const value = result.value;
      const text = ctx.typeof(value) === 'string' ? ctx.getString(value) : 'null';
      return { kind: 'value', text, fuelUsed: used() };
    }
    const error = result.error;
    let name = '';
    let message = '';
    let code: string | undefined;
    if (ctx.typeof(error) === 'object') {
      const read = (key: string): string | undefined => {
        const h = ctx.getProp(error, key);
        return ctx.typeof(h) === 'string' ? ctx.getString(h) : undefined;
      };
      name = read('name') ?? '';
      message = read('message') ?? '';
      code = read('code');
    } else {
      message = 'the contract threw a value that is not an error';
    }
    return { kind: 'thrown', name, message, code, fuelUsed: used() };
  }

  /** Host call from the guest: pays nothing here (the sandbox charges through `charge`) and answers JSON text. */
  private hostCall(op: string, argsJson: string): string {
    const host = this.host;
    if (host === undefined) throw new SandboxEngineError('host call outside a contract call');
    return host(op, argsJson);
  }

  /** Fuel left in the current call (0 when exhausted). */
  remaining(): number {
    const left = this.fuel.value as bigint;
    return left < 0n ? 0 : Number(left);
  }

  /** Takes `units` of fuel for host work; false when that exhausts the fuel (the guest then gets an error). */
  charge(units: number): boolean {
    const left = (this.fuel.value as bigint) - BigInt(units);
    this.fuel.value = left < 0n ? -1n : left;
    return left >= 0n;
  }

  private interrupt(): boolean {
    const now = this.deps.now;
    if (now !== undefined && now() > this.deadline) {
      this.wallClock = true;
      return true;
    }
    return false;
  }

  /** Writes the snapshot back: memory up to the larger of the two breaks, the stack pointer. */
  private restore(): void {
    const { bytes, brkAddress, stackPointer } = this.snapshot;
    const view = new DataView(this.memory.buffer);
    const brk = view.getUint32(brkAddress, true);
    const heap = new Uint8Array(this.memory.buffer);
    heap.set(bytes, 0);
    if (brk > bytes.length) heap.fill(0, bytes.length, Math.min(brk, heap.length));
    this.stackPointer.value = stackPointer;
    this.depth.value = 0;
  }

  /** Frees the interpreter (tests; a node keeps its engine for its lifetime). */
  dispose(): void {
    this.ctx.dispose();
    this.runtime.dispose();
  }
}

/**
 * Finds the allocator's break (sbrk's pointer, a word in the static data) by allocating 8 MiB and looking for the word
 * that moved past it, then puts memory back as it was and returns the snapshot up to the break.
 */
function takeSnapshot(
  module: QuickJSWASMModule,
  memory: WebAssembly.Memory,
  stackPointer: WebAssembly.Global,
): { bytes: Uint8Array; brkAddress: number; stackPointer: number } {
  const heap = (module as unknown as { module?: EmscriptenHeap }).module;
  if (heap === undefined || typeof heap._malloc !== 'function' || typeof heap._free !== 'function') {
    throw new SandboxEngineError('the QuickJS module does not expose its allocator');
  }
  const sp = stackPointer.value as number;
  const whole = new Uint8Array(memory.buffer.slice(0));
  const before = new Uint32Array(whole.buffer, 0, Math.min(whole.length, 1 << 20) / 4);
  const size = 8 << 20;
  const ptr = heap._malloc(size);
  if (ptr === 0) throw new SandboxEngineError('the QuickJS allocator refused 8 MiB while calibrating');
  const after = new Uint32Array(memory.buffer, 0, before.length);
  let brkAddress = -1;
  for (let i = 0; i < before.length; i++) {
    const v = after[i] as number;
    if (v !== before[i] && v >= ptr + size && v < ptr + size + 16 * PAGE) {
      brkAddress = i * 4;
      break;
    }
  }
  heap._free(ptr);
  new Uint8Array(memory.buffer).set(whole, 0);
  stackPointer.value = sp;
  if (brkAddress < 0) throw new SandboxEngineError('could not find the allocator break in the QuickJS memory');
  const brk = new DataView(memory.buffer).getUint32(brkAddress, true);
  if (brk <= sp || brk > memory.buffer.byteLength) {
    throw new SandboxEngineError(`implausible allocator break ${brk} (stack pointer ${sp})`);
  }
  return { bytes: whole.slice(0, brk), brkAddress, stackPointer: sp };
}

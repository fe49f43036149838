/**
 * The contract sandbox: untrusted contract code runs in the metered QuickJS engine (engine.ts), never in Node's `vm`.
 * The guest has no clock, randomness, I/O or host object: its only way out is the frozen `lz` object, which sends JSON
 * text through one host function, so no reference to a host object ever enters the guest. Fuel is deterministic
 * (WebAssembly instructions of the interpreter plus host-call charges); running out is a failed call with the same fuel
 * on every node. A wall-clock deadline exists only as a last resort, and it is fatal for the node, never a receipt
 * (docs/adr/0011-contract-sandbox.md, PROTOCOL.md §16).
 */
import { canonicalize, isLianzhengError, type JsonValue } from '@lianzheng/protocol';
import {
  type EngineDeps,
  type EngineLimits,
  type EngineOutcome,
  QuickJsEngine,
  SandboxEngineError,
  SandboxWallClockError,
} from './engine.js';

export interface SandboxLimits {
  /** Fuel for one call: metered interpreter instructions plus host charges. */
  readonly fuel: number;
  /** Largest JSON text crossing the host boundary in one host call, one answer or the result. */
  readonly maxMessageBytes: number;
}

export const defaultSandboxLimits: SandboxLimits = { fuel: 1_000_000_000, maxMessageBytes: 256 * 1024 };

/** Fuel charged by the host per call and per byte of JSON crossing the boundary (both directions). */
export const HOST_FUEL = { perCall: 20_000, perByte: 16 } as const;

/** Fuel of the running call, for host work that must be paid for (a nested call, an index update). */
export interface FuelMeter {
  remaining(): number;
  /** Takes `units`; false when that exhausts the fuel (the call then ends out of fuel). */
  charge(units: number): boolean;
}

/** What the guest may ask of the host. The host answers with JSON, or throws a coded error. */
export type HostHandler = (op: string, args: readonly unknown[], meter: FuelMeter) => unknown;

export type SandboxOutcome =
  | { readonly status: 'ok'; readonly result: unknown; readonly fuelUsed: number }
  | { readonly status: 'failed'; readonly code: string; readonly message: string; readonly fuelUsed: number };

export interface ContractCall {
  readonly method: string;
  /** JSON value passed as the method's first argument. */
  readonly args: unknown;
  /** What the contract may know about the call (caller identity and roles, block height and time): JSON. */
  readonly context: unknown;
}

const MAX_MESSAGE_CHARS = 512;

/** Guest-side prelude, run once before the snapshot: hides the raw host function behind JSON-only wrappers. */
export const PRELUDE = `
"use strict";
(() => {
  const raw = globalThis.__host;
  delete globalThis.__host;
  // The wrappers keep their own JSON functions: a contract replacing JSON.parse fools only its own code.
  const { parse, stringify } = JSON;
  const call = (op, ...args) => {
    const answer = parse(raw(op, stringify(args)));
    if (answer.e !== undefined) { const err = new Error(answer.e.message); err.code = answer.e.code; throw err; }
    return answer.v;
  };
  Object.defineProperty(globalThis, 'lz', {
    value: Object.freeze({
      get: (key) => call('get', key),
      put: (key, value) => call('put', key, value),
      del: (key) => call('del', key),
      range: (prefix, options) => call('range', prefix, options ?? {}),
      emit: (name, data) => call('emit', name, data),
      call: (contract, method, args) => call('call', contract, method, args),
    }),
  });
  delete Math.random;
  if (typeof Error.stackTraceLimit === 'number') Error.stackTraceLimit = 0;
})();
`;

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{2,63}$/;

export interface ContractSandboxOptions {
  readonly limits?: EngineLimits;
  readonly wallClockMs?: number;
}

export class ContractSandbox {
  private constructor(private readonly engine: QuickJsEngine) {}

  /** `wasm` is the metered QuickJS module (the node meters and compiles it: packages/node/src/sandbox). */
  static async create(
    wasm: WebAssembly.Module,
    opts: ContractSandboxOptions = {},
    deps: EngineDeps = {},
  ): Promise<ContractSandbox> {
    return new ContractSandbox(await QuickJsEngine.create(wasm, { ...opts, prelude: PRELUDE }, deps));
  }

  /**
   * Evaluates a contract's code and lists its methods (deployment checks it this way: code that does not evaluate,
   * or has no methods, is refused). No host calls are allowed.
   */
  methods(source: string, fuel: number): SandboxOutcome {
    const refuse = JSON.stringify({
      e: { code: 'CONTRACT_INVALID', message: 'a contract may not call the host while it loads' },
    });
    return interpret(
      this.engine.call(methodsProgram(source), fuel, () => refuse),
      defaultSandboxLimits,
    );
  }

  /**
   * Runs one method of a contract. `source` is the compiled contract: a script that assigns its methods to
   * `module.exports` (docs/contracts.md). The outcome is a pure function of (source, call, host answers, limits).
   */
  run(
    source: string,
    call: ContractCall,
    host: HostHandler,
    limits: SandboxLimits = defaultSandboxLimits,
  ): SandboxOutcome {
    const method = JSON.stringify(call.method);
    const program =
      `(() => { "use strict"; const module = { exports: {} };\n` +
      `(function (module, exports) {\n${source}\n})(module, module.exports);\n` +
      `const m = module.exports[${method}];\n` +
      `if (typeof m !== 'function' || !Object.prototype.hasOwnProperty.call(module.exports, ${method})) ` +
      `{ throw new Error('the contract has no method ' + ${method}); }\n` +
      `const r = m(JSON.parse(${JSON.stringify(canonicalize((call.args ?? null) as JsonValue))}), ` +
      `Object.freeze(JSON.parse(${JSON.stringify(canonicalize((call.context ?? null) as JsonValue))})));\n` +
      `return JSON.stringify(r === undefined ? null : r); })()`;
    const engine = this.engine;
    const answer = (text: string): string => {
      if (!engine.charge(Math.ceil(text.length * HOST_FUEL.perByte))) return outOfFuel;
      return text;
    };
    const outOfFuel = JSON.stringify({ e: { code: 'CONTRACT_OUT_OF_FUEL', message: 'out of fuel' } });
    // A host error that means "this node cannot go on" (damaged storage) must not become the guest's exception.
    let fatal: unknown;
    const outcome = engine.call(program, limits.fuel, (op, argsJson) => {
      if (fatal !== undefined) return outOfFuel;
      if (!engine.charge(HOST_FUEL.perCall + argsJson.length * HOST_FUEL.perByte)) return outOfFuel;
      if (argsJson.length > limits.maxMessageBytes) {
        return JSON.stringify({ e: { code: 'CONTRACT_MESSAGE_TOO_LARGE', message: 'host call arguments too large' } });
      }
      try {
        const value = host(op, JSON.parse(argsJson) as unknown[], engine);
        // Canonical JSON: the same value gives the same text (and so the same fuel) however it was built.
        const text = canonicalize({ v: (value === undefined ? null : value) as JsonValue });
        if (text.length > limits.maxMessageBytes) {
          return JSON.stringify({ e: { code: 'CONTRACT_MESSAGE_TOO_LARGE', message: 'host answer too large' } });
        }
        return answer(text);
      } catch (error) {
        const stops =
          (isLianzhengError(error) && FATAL_HOST_CODES.has(error.code)) ||
          error instanceof SandboxWallClockError ||
          error instanceof SandboxEngineError;
        if (stops) {
          fatal = error;
          return outOfFuel;
        }
        const e = error as { code?: unknown; message?: unknown };
        return answer(
          JSON.stringify({
            e: {
              code: typeof e.code === 'string' ? e.code : 'CONTRACT_HOST_ERROR',
              message: truncate(String(e.message ?? 'host error')),
            },
          }),
        );
      }
    });
    if (fatal !== undefined) throw fatal;
    return interpret(outcome, limits);
  }
}

/** Host errors that stop the node rather than fail the call. */
const FATAL_HOST_CODES = new Set(['STATE_CORRUPT', 'SANDBOX_UNAVAILABLE']);

/** The program that lists a contract's methods (own enumerable function properties of `module.exports`, sorted). */
function methodsProgram(source: string): string {
  return (
    `(() => { "use strict"; const module = { exports: {} };\n` +
    `(function (module, exports) {\n${source}\n})(module, module.exports);\n` +
    `return JSON.stringify(Object.keys(module.exports).filter((k) => typeof module.exports[k] === 'function').sort()); })()`
  );
}

function interpret(outcome: EngineOutcome, limits: SandboxLimits): SandboxOutcome {
  const fuelUsed = outcome.fuelUsed;
  switch (outcome.kind) {
    case 'outOfFuel':
      return { status: 'failed', code: 'CONTRACT_OUT_OF_FUEL', message: 'the call ran out of fuel', fuelUsed };
    case 'tooDeep':
      return {
        status: 'failed',
        code: 'CONTRACT_STACK_OVERFLOW',
        message: 'the call exceeded the stack limit',
        fuelUsed,
      };
    case 'aborted':
      return { status: 'failed', code: 'CONTRACT_ABORTED', message: 'the interpreter stopped the call', fuelUsed };
    case 'value': {
      if (outcome.text.length > limits.maxMessageBytes) {
        return { status: 'failed', code: 'CONTRACT_MESSAGE_TOO_LARGE', message: 'result too large', fuelUsed };
      }
      return { status: 'ok', result: JSON.parse(outcome.text) as unknown, fuelUsed };
    }
    case 'thrown': {
      const { name, message, code } = outcome;
      if (name === 'InternalError' && /out of memory/.test(message)) {
        return {
          status: 'failed',
          code: 'CONTRACT_OUT_OF_MEMORY',
          message: 'the call exceeded the memory limit',
          fuelUsed,
        };
      }
      if ((name === 'InternalError' || name === 'RangeError') && /stack overflow|call stack size/i.test(message)) {
        return {
          status: 'failed',
          code: 'CONTRACT_STACK_OVERFLOW',
          message: 'the call exceeded the stack limit',
          fuelUsed,
        };
      }
      // Whatever the guest throws is CONTRACT_FAILED: a contract cannot make its failure look like the node's own
      // (POLICY_DENIED, IDENTITY_REVOKED, …). Its own code, when it gives one, leads the message.
      const tag = code !== undefined && CODE_PATTERN.test(code) ? `[${code}] ` : '';
      const prefix = name === '' || name === 'Error' ? '' : `${name}: `;
      return { status: 'failed', code: 'CONTRACT_FAILED', message: truncate(`${tag}${prefix}${message}`), fuelUsed };
    }
  }
}

/**
 * SHA-256 of the metered interpreter (QuickJS-ng from @jitl/quickjs-ng-wasmfile-release-sync 0.32.0, metered by
 * binaryen 132 with packages/node/src/sandbox/meter.ts). Fuel is counted by these bytes, so they are part of the
 * protocol: a node that builds different bytes refuses to start.
 */
export const METERED_QUICKJS_SHA256 = '1b413c7cbedd25a26883e3fdf13eb84226ecacafd09468f2e0489e37b6740331';

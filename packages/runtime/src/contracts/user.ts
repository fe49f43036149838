/**
 * User contracts: code deployed through governance (`gov` action `deployContract`) and run in the sandbox
 * (../sandbox). This module is the host side: what a contract may read and write, the key index behind `lz.range`,
 * read-only calls to other user contracts, and the checks a deployment must pass (PROTOCOL.md §16.4).
 */
import type { JsonObject, JsonValue, Principal } from '@lianzheng/protocol';
import { canonicalize, LianzhengError } from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import type { ContractSandbox, FuelMeter, HostHandler, SandboxOutcome } from '../sandbox/sandbox.js';
import { GOV_CONTRACT, govKeys } from './gov.js';

/** The deployment record under `gov` / `contract/<name>` (§15.10, §16.4). */
export interface UserContractRecord {
  readonly name: string;
  readonly version: number;
  readonly language: 'javascript' | 'typescript';
  /** H(UTF-8(code)): the JavaScript the sandbox runs. */
  readonly codeHash: string;
  /** H(UTF-8(source)): the text as written (TypeScript or JavaScript); auditors recompile it to `code`. */
  readonly sourceHash?: string;
  /** Methods the code exports, sorted. */
  readonly methods?: readonly string[];
  readonly proposal: string;
  readonly height: number;
}

/** State access the host needs, across namespaces (the executor's call state implements it). */
export interface UserStateAccess {
  readIn(contract: string, key: string): JsonValue | null;
  writeIn(contract: string, key: string, value: JsonValue | null): void;
  emitAs(contract: string, name: string, data: JsonValue): void;
}

/** What a contract learns about its call (its second argument), frozen. */
export interface UserCallContext {
  readonly caller: Principal;
  readonly cosigners: readonly string[];
  readonly txId: string;
  readonly height: number;
  readonly time: number;
  readonly contract: { readonly name: string; readonly version: number };
}

/** The caller as a contract sees it: always the same members, however the principal was resolved. */
export function callerOf(p: Principal): Principal {
  return {
    kind: p.kind,
    key: p.key,
    ...(p.org === undefined ? {} : { org: p.org }),
    ...(p.member === undefined ? {} : { member: p.member }),
    ...(p.subject === undefined ? {} : { subject: p.subject }),
    roles: [...p.roles],
    attrs: { ...p.attrs },
  };
}

/** The deployment record and code of `name`, which must export `method`. */
export function deployed(
  access: UserStateAccess,
  name: string,
  method: string,
): { record: UserContractRecord; code: string } {
  const record = access.readIn(GOV_CONTRACT, govKeys.contract(name)) as UserContractRecord | null;
  if (record === null) throw runtimeError('CONTRACT_UNKNOWN', `no contract named ${name}`, { contract: name });
  if (!(record.methods ?? []).includes(method)) {
    throw runtimeError('METHOD_UNKNOWN', `${name} has no method ${method}`, { contract: name, method });
  }
  const code = access.readIn(GOV_CONTRACT, govKeys.code(name, record.version));
  if (typeof code !== 'string') throw new LianzhengError('STATE_CORRUPT', `the code of ${name} is missing`);
  return { record, code };
}

export const USER_KEY_MAX = 256;
const KEY_PATTERN = /^[\x21-\x7e\u00a0-\uffff][\x20-\x7e\u00a0-\uffff]*$/;
const EVENT_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/**
 * The key index behind `lz.range` (PROTOCOL.md §16.4). Keys are grouped in buckets by their part up to the first `/`;
 * a bucket is a list of pages of sorted keys (at most INDEX_PAGE_KEYS each, split in two when full) and a directory of
 * those pages by first key. Index records live in the contract's namespace under keys a contract cannot write (they
 * start with U+0001). A new or removed key rewrites one page, and the directory only when a page's first key changes.
 */
const INDEX_PREFIX = '\u0001index/';
const PAGE_PREFIX = '\u0001page/';
export const INDEX_PAGE_KEYS = 128;
/** Pages per bucket (so at least 64 × this many keys share a prefix before CONTRACT_INDEX_FULL). */
export const INDEX_BUCKET_PAGES = 16_384;
export const RANGE_LIMIT_MAX = 1_000;
/** Fuel per character of index record rewritten by a new or deleted key. */
const INDEX_FUEL_PER_BYTE = 4;

/** The directory of a bucket: its pages in key order, each with its first key. */
interface IndexDirectory {
  readonly pages: { readonly id: number; readonly first: string }[];
  /** The id of the next page to create. */
  readonly next: number;
}

/** The page of a directory that holds (or would hold) `key`: the last whose first key is ≤ key, else the first. */
function pageFor(dir: IndexDirectory, key: string): number {
  let lo = 0;
  let hi = dir.pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((dir.pages[mid]?.first as string) <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > USER_KEY_MAX || !KEY_PATTERN.test(key)) {
    throw runtimeError(
      'ARGS_INVALID',
      `a state key is a string of 1–${USER_KEY_MAX} printable characters not starting with a space`,
      {
        field: 'key',
      },
    );
  }
  return key;
}

/** The bucket of a key: up to and including its first `/`, or '' for keys without one. */
function bucketOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash + 1);
}

function sortedInsert(list: string[], key: string): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === key) return false;
  list.splice(lo, 0, key);
  return true;
}

export interface InvokeOptions {
  readonly record: UserContractRecord;
  readonly code: string;
  readonly method: string;
  readonly args: JsonValue;
  readonly context: UserCallContext;
  readonly fuel: number;
}

/**
 * Runs user contracts. `sandbox` runs top-level calls; `nested` (a second engine) runs the read-only calls a contract
 * makes to another (`lz.call`), one level deep.
 */
export class UserContracts {
  constructor(
    private readonly sandbox: ContractSandbox,
    private readonly nested?: ContractSandbox,
  ) {}

  /** Methods of `code`; throws CONTRACT_INVALID when it does not load or exports no method. */
  methods(code: string, fuel: number): string[] {
    const out = this.sandbox.methods(code, fuel);
    if (out.status !== 'ok' || !Array.isArray(out.result) || out.result.length === 0) {
      const why = out.status === 'ok' ? 'it exports no method' : `${out.code}: ${out.message}`;
      throw runtimeError('CONTRACT_INVALID', `the contract code does not load in the sandbox (${why})`, {
        ...(out.status === 'ok' ? {} : { cause: out.code }),
      });
    }
    return out.result as string[];
  }

  /** A call that may write (a transaction, a migration). */
  invoke(access: UserStateAccess, opts: InvokeOptions): SandboxOutcome {
    const host = this.host(access, opts.record, false, opts.context);
    return this.sandbox.run(opts.code, { method: opts.method, args: opts.args, context: opts.context }, host, {
      fuel: opts.fuel,
      maxMessageBytes: 256 * 1024,
    });
  }

  /**
   * Calls a deployed contract by name for the executor's own machinery (workflow checks read-only, workflow effects
   * with writes). Unknown contract or method: CONTRACT_UNKNOWN / METHOD_UNKNOWN.
   */
  callByName(
    access: UserStateAccess,
    opts: {
      readonly contract: string;
      readonly method: string;
      readonly args: JsonValue;
      readonly context: UserCallContext;
      readonly fuel: number;
      readonly readOnly: boolean;
    },
  ): SandboxOutcome {
    const { record, code } = deployed(access, opts.contract, opts.method);
    const context = { ...opts.context, contract: { name: record.name, version: record.version } };
    return this.sandbox.run(
      code,
      { method: opts.method, args: opts.args, context: opts.readOnly ? { ...context, readOnly: true } : context },
      this.host(access, record, opts.readOnly, context),
      { fuel: opts.fuel, maxMessageBytes: 256 * 1024 },
    );
  }

  private host(
    access: UserStateAccess,
    record: UserContractRecord,
    readOnly: boolean,
    context: UserCallContext,
  ): HostHandler {
    const contract = record.name;
    const writable = (op: string) => {
      if (readOnly) throw runtimeError('CONTRACT_READ_ONLY', `${op} is not allowed in a read-only call`);
    };
    return (op: string, args: readonly unknown[], meter: FuelMeter): unknown => {
      switch (op) {
        case 'get':
          return access.readIn(contract, checkKey(args[0]));
        case 'read': {
          if (typeof args[0] !== 'string')
            throw runtimeError('ARGS_INVALID', 'read(contract, key)', { field: 'contract' });
          return access.readIn(args[0], checkKey(args[1]));
        }
        case 'put': {
          writable('put');
          const key = checkKey(args[0]);
          const value = (args[1] ?? null) as JsonValue;
          if (value === null)
            throw runtimeError('ARGS_INVALID', 'put needs a value (use del to remove)', { field: 'value' });
          if (access.readIn(contract, key) === null) this.index(access, contract, key, true, meter);
          access.writeIn(contract, key, value);
          return null;
        }
        case 'del': {
          writable('del');
          const key = checkKey(args[0]);
          if (access.readIn(contract, key) !== null) this.index(access, contract, key, false, meter);
          access.writeIn(contract, key, null);
          return null;
        }
        case 'range':
          return this.range(access, contract, args[0], args[1]);
        case 'emit': {
          writable('emit');
          const name = args[0];
          if (typeof name !== 'string' || !EVENT_PATTERN.test(name)) {
            throw runtimeError('ARGS_INVALID', 'an event name is 1–64 letters, digits, _ . -, starting with a letter', {
              field: 'name',
            });
          }
          access.emitAs(contract, name, (args[1] ?? null) as JsonValue);
          return null;
        }
        case 'call':
          if (readOnly || this.nested === undefined) {
            throw runtimeError('CONTRACT_CALL_DEPTH', 'a read-only call cannot call further contracts');
          }
          return this.callOther(access, args, meter, context);
        default:
          throw runtimeError('ARGS_INVALID', `unknown host operation ${op}`, { field: 'op' });
      }
    };
  }

  /** Keeps the index of `contract` in step with a key coming into (`add`) or going out of existence. */
  private index(access: UserStateAccess, contract: string, key: string, add: boolean, meter: FuelMeter): void {
    const bucket = bucketOf(key);
    const dirKey = `${INDEX_PREFIX}${bucket}`;
    const pageKey = (id: number) => `${PAGE_PREFIX}${bucket}/${id}`;
    const write = (k: string, value: JsonValue | null) => {
      if (value !== null && !meter.charge(canonicalize(value).length * INDEX_FUEL_PER_BYTE)) {
        throw runtimeError('CONTRACT_OUT_OF_FUEL', 'out of fuel');
      }
      access.writeIn(contract, k, value);
    };
    const found = access.readIn(contract, dirKey) as IndexDirectory | null;
    if (found === null) {
      if (!add) return;
      write(pageKey(0), [key]);
      write(dirKey, { pages: [{ id: 0, first: key }], next: 1 } as unknown as JsonValue);
      return;
    }
    const dir = { pages: [...found.pages], next: found.next };
    const at = pageFor(dir, key);
    const entry = dir.pages[at] as { id: number; first: string };
    const keys = ((access.readIn(contract, pageKey(entry.id)) as string[] | null) ?? []).slice();
    let dirChanged = false;
    if (add) {
      if (!sortedInsert(keys, key)) return;
      if (keys.length > INDEX_PAGE_KEYS) {
        if (dir.pages.length >= INDEX_BUCKET_PAGES) {
          throw runtimeError('CONTRACT_INDEX_FULL', `too many keys share the prefix ${bucket}`, { bucket });
        }
        const right = keys.splice(keys.length >> 1);
        const id = dir.next;
        dir.next = id + 1;
        dir.pages.splice(at + 1, 0, { id, first: right[0] as string });
        write(pageKey(id), right);
        dirChanged = true;
      }
    } else {
      const i = keys.indexOf(key);
      if (i < 0) return;
      keys.splice(i, 1);
    }
    if (keys.length === 0) {
      dir.pages.splice(at, 1);
      access.writeIn(contract, pageKey(entry.id), null);
      dirChanged = true;
    } else {
      write(pageKey(entry.id), keys);
      if (keys[0] !== entry.first) {
        dir.pages[at] = { id: entry.id, first: keys[0] as string };
        dirChanged = true;
      }
    }
    if (dirChanged) write(dirKey, dir.pages.length === 0 ? null : (dir as unknown as JsonValue));
  }

  private range(access: UserStateAccess, contract: string, prefixArg: unknown, optionsArg: unknown): JsonValue {
    if (typeof prefixArg !== 'string' || !prefixArg.includes('/')) {
      throw runtimeError(
        'CONTRACT_RANGE_INVALID',
        'range(prefix) needs a prefix with a "/" (keys are indexed by the part before it)',
      );
    }
    const options = (optionsArg ?? {}) as { limit?: unknown; after?: unknown };
    const limit = options.limit === undefined ? 100 : options.limit;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > RANGE_LIMIT_MAX) {
      throw runtimeError('CONTRACT_RANGE_INVALID', `limit must be an integer in 1…${RANGE_LIMIT_MAX}`);
    }
    const after = options.after;
    if (after !== undefined && typeof after !== 'string')
      throw runtimeError('CONTRACT_RANGE_INVALID', 'after must be a key');
    const bucket = bucketOf(prefixArg);
    const dir = access.readIn(contract, `${INDEX_PREFIX}${bucket}`) as IndexDirectory | null;
    const out: JsonObject[] = [];
    if (dir === null) return out;
    const from = after !== undefined && after > prefixArg ? after : prefixArg;
    for (let p = pageFor(dir, from); p < dir.pages.length && out.length < limit; p++) {
      const id = (dir.pages[p] as { id: number }).id;
      for (const key of (access.readIn(contract, `${PAGE_PREFIX}${bucket}/${id}`) as string[] | null) ?? []) {
        if (key < prefixArg || (after !== undefined && key <= after)) continue;
        if (!key.startsWith(prefixArg)) return out;
        out.push({ key, value: access.readIn(contract, key) });
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** `lz.call(contract, method, args)`: a read-only call of another user contract, paid from the caller's fuel. */
  private callOther(
    access: UserStateAccess,
    args: readonly unknown[],
    meter: FuelMeter,
    caller: UserCallContext,
  ): JsonValue {
    const [name, method, callArgs] = args;
    if (typeof name !== 'string' || typeof method !== 'string') {
      throw runtimeError('ARGS_INVALID', 'call(contract, method, args)', { field: 'contract' });
    }
    const { record, code } = deployed(access, name, method);
    const nested = this.nested as ContractSandbox;
    const fuel = meter.remaining();
    if (fuel < 1) throw runtimeError('CONTRACT_OUT_OF_FUEL', 'out of fuel');
    // The called contract sees the same caller and block, its own name, and that it may not write.
    const context: UserCallContext & { readOnly: true } = {
      ...caller,
      contract: { name, version: record.version },
      readOnly: true,
    };
    const out = nested.run(
      code,
      { method, args: (callArgs ?? null) as JsonValue, context },
      this.host(access, record, true, context),
      { fuel, maxMessageBytes: 256 * 1024 },
    );
    if (!meter.charge(out.fuelUsed)) throw runtimeError('CONTRACT_OUT_OF_FUEL', 'out of fuel');
    if (out.status === 'failed') throw runtimeError(out.code as 'CONTRACT_FAILED', out.message, { contract: name });
    return out.result as JsonValue;
  }
}

import type { JsonObject, JsonValue } from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';

/** What a system contract sees while it runs: its own namespace, read-only views of others, block facts. */
export interface CallContext {
  readonly txId: string;
  /** Signer public key, hex. */
  readonly signer: string;
  /** Organisation the signer belongs to. */
  readonly org: string;
  readonly height: number;
  /** Block time, ms since the epoch. */
  readonly time: number;
  get(key: string): JsonValue | null;
  put(key: string, value: JsonValue): void;
  delete(key: string): void;
  readOther(contract: string, key: string): JsonValue | null;
  emit(name: string, data: JsonValue): void;
}

export interface ContractMethod<A> {
  /** Validates arguments; throws ARGS_INVALID. Runs at admission and again at execution. */
  readonly parseArgs: (args: JsonObject) => A;
  /** Runs the method. Throw a coded LianzhengError to fail the transaction with that code. */
  readonly execute: (ctx: CallContext, args: A) => JsonValue | undefined;
}

export interface SystemContract {
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each method has its own argument type.
  readonly methods: Readonly<Record<string, ContractMethod<any>>>;
}

/** Small argument checkers that name the field they reject. */
export function argsObject(args: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) throw runtimeError('ARGS_INVALID', `unknown argument ${key}`, { field: `args.${key}` });
  }
}

export function argString(
  args: JsonObject,
  field: string,
  opts: { min?: number; max: number; pattern?: RegExp },
): string {
  const v = args[field];
  if (typeof v !== 'string' || v.length < (opts.min ?? 1) || v.length > opts.max || !(opts.pattern?.test(v) ?? true)) {
    throw runtimeError('ARGS_INVALID', `args.${field} must be a string of ${opts.min ?? 1}–${opts.max} characters`, {
      field: `args.${field}`,
    });
  }
  return v;
}

export function argOptionalString(args: JsonObject, field: string, max: number): string | undefined {
  return args[field] === undefined ? undefined : argString(args, field, { min: 0, max });
}

import type { ConsortiumView, CryptoSuite, JsonObject, JsonValue, PolicyObject, Principal } from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import type { UserContracts, UserStateAccess } from './user.js';

/** Read-only access to the state as the call sees it (the block's earlier writes included). */
export interface StateReader {
  readOther(contract: string, key: string): JsonValue | null;
}

/** What a system contract sees while it runs: its own namespace, read-only views of others, block facts. */
export interface CallContext extends StateReader, UserStateAccess {
  readonly txId: string;
  /** Signer public key, hex. */
  readonly signer: string;
  /** The signer's identity (for `identity.enrol`, the identity its certificate describes). */
  readonly principal: Principal;
  /** Public keys (hex) whose co-signatures verified; they may or may not be registered identities. */
  readonly cosigners: readonly string[];
  /** Organisation of a member signer, '' for citizens and enterprises. */
  readonly org: string;
  readonly height: number;
  /** Block time, ms since the epoch. */
  readonly time: number;
  /** The consortium configuration in force for this block. */
  readonly config: ConsortiumView;
  /** Version of that configuration (`gov` / `config`). */
  readonly configVersion: number;
  readonly suite: CryptoSuite;
  get(key: string): JsonValue | null;
  put(key: string, value: JsonValue): void;
  delete(key: string): void;
  emit(name: string, data: JsonValue): void;
  /** Marks the call's writes and events so far; the returned function takes back everything after the mark. */
  savepoint(): () => void;
  /** User contracts (deployment checks and migrations), when this process has a sandbox. */
  readonly userContracts: UserContracts | undefined;
}

/** Facts available before a call runs, to authorise it. */
export interface AuthContext extends StateReader {
  readonly signer: string;
  readonly height: number;
  readonly time: number;
  readonly config: ConsortiumView;
  readonly suite: CryptoSuite;
}

export interface ContractMethod<A> {
  /** Validates arguments; throws ARGS_INVALID. Runs at admission and again at execution. */
  readonly parseArgs: (args: JsonObject) => A;
  /** Runs the method. Throw a coded LianzhengError to fail the transaction with that code. */
  readonly execute: (ctx: CallContext, args: A) => JsonValue | undefined;
  /** What the call acts on, for the policy predicates `ownOrg` and `self`. */
  readonly object?: (ctx: AuthContext, args: A) => PolicyObject | undefined;
  /**
   * The identity the call is authorised as when the signer is not registered yet (enrolment with a certificate).
   * Throws a coded error when the arguments do not establish one.
   */
  readonly principal?: (ctx: AuthContext, args: A) => Principal;
  /**
   * Public keys (hex) that must co-sign the transaction (proof of possession of a key being registered). Checked at
   * admission; at execution a transaction without them is dropped, not recorded, so that stripping a co-signature
   * from someone else's envelope cannot use up its id (docs/PROTOCOL.md §15).
   */
  readonly requiredCosigners?: (args: A) => readonly string[];
}

/** The first required co-signer missing from `cosigners`, or undefined. */
export function missingCosigner<A>(
  method: ContractMethod<A>,
  args: A,
  cosigners: readonly string[],
): string | undefined {
  return method.requiredCosigners?.(args).find((k) => !cosigners.includes(k));
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

export function argOptionalInt(args: JsonObject, field: string, min: number, max: number): number | undefined {
  const v = args[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw runtimeError('ARGS_INVALID', `args.${field} must be an integer in ${min}…${max}`, { field: `args.${field}` });
  }
  return v;
}

export function argBoolean(args: JsonObject, field: string): boolean {
  const v = args[field];
  if (typeof v !== 'boolean')
    throw runtimeError('ARGS_INVALID', `args.${field} must be true or false`, { field: `args.${field}` });
  return v;
}

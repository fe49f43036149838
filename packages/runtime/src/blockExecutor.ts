import {
  type BlockHeader,
  blockHash,
  bytesToHex,
  type ConfigRecord,
  type ConsortiumConfig,
  ConsortiumView,
  type ContractEvent,
  type Cosignature,
  type CryptoSuite,
  canonicalize,
  certificateFromBase64,
  checkMemberCertificate,
  configOfGenesis,
  DEFAULT_CONTRACT_FUEL,
  describePolicy,
  equalBytes,
  evaluatePolicy,
  GENESIS_PARENT,
  type Genesis,
  IDENTITY_CONTRACT,
  identityKeys,
  isLianzhengError,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  memberKeyRecord,
  merkleRootFromLeafHashes,
  type PolicyObject,
  type Principal,
  policyUsesQuorum,
  protocolError,
  type Receipt,
  receiptHashFromCanonical,
  stateKeyPath,
  stateValueHashText,
  type Transaction,
  transactionLeafHash,
  utf8Length,
} from '@lianzheng/protocol';
import {
  type AuthContext,
  type CallContext,
  type ContractMethod,
  missingCosigner,
  type StateReader,
  type SystemContract,
} from './contracts/contract.js';
import { credentialContract } from './contracts/credential.js';
import { GOV_CONFIG_KEY, GOV_CONTRACT, govContract, govKeys } from './contracts/gov.js';
import { identityContract } from './contracts/identity.js';
import { kvContract } from './contracts/kv.js';
import { notaryContract } from './contracts/notary.js';
import { privacyContract } from './contracts/privacy.js';
import { recordsContract } from './contracts/records.js';
import { callerOf, type UserContractRecord, type UserContracts } from './contracts/user.js';
import { workflowContract } from './contracts/workflow.js';
import { type RuntimeErrorCode, runtimeError } from './errors.js';
import { IdentityResolver } from './identity.js';
import { SandboxEngineError, SandboxWallClockError } from './sandbox/engine.js';
import {
  EMPTY_SLOT,
  type NewPage,
  rootHash,
  type Slot,
  type StaleValue,
  type StateTree,
  type StateUpdate,
} from './stateTree.js';

/** A transaction whose signatures and form were checked at admission, ready for ordering and execution. */
export interface CandidateTx {
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly sig: Uint8Array;
  readonly tx: Transaction;
  /** JCS of `tx`. */
  readonly canonical: string;
  /** Co-signatures (verified at admission), sorted by signer. */
  readonly cosigs?: readonly Cosignature[];
  /** TH("lianzheng/cosigs", JCS(cosigs)) when there are co-signatures. */
  readonly cosigsDigest?: Uint8Array;
}

/** State values by location (the height a leaf records, and the key path), including blocks not yet durable. */
export interface ValueSource {
  getValue(height: number, keyPath: Uint8Array): string | undefined;
}

/** Whether a transaction id is already in the ledger (committed or in a block being committed). */
export interface TxIndexReader {
  has(idHex: string): boolean;
}

export interface PreviousBlock {
  readonly header: BlockHeader;
  readonly hashHex: string;
  readonly root: Slot;
}

export interface BlockProposal {
  readonly height: number;
  readonly time: number;
  readonly txs: readonly CandidateTx[];
  /**
   * etcd ordering: the revision of the batch the block is cut from. The block is committed even when every
   * transaction is dropped, so that the chain records every batch of the ordering log (PROTOCOL.md §18.3).
   */
  readonly rev?: number;
  /** etcd ordering: the node key that signed the batch; its transactions are dropped unless it is a node key. */
  readonly proposer?: string;
}

export interface StateWrite {
  readonly contract: string;
  readonly key: string;
  /** Canonical JSON text, or null for a deletion. */
  readonly value: string | null;
}

export interface DroppedTx {
  readonly tx: CandidateTx;
  readonly code: string;
  readonly message: string;
}

export interface ExecutedBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly txs: readonly CandidateTx[];
  readonly receipts: readonly Receipt[];
  readonly receiptCanonicals: readonly string[];
  readonly dropped: readonly DroppedTx[];
  readonly writes: readonly StateWrite[];
  /** Values written by this block (stored under height ‖ keyPath). */
  readonly newValues: readonly { readonly keyPath: Uint8Array; readonly text: string }[];
  /** State pages written by this block, in key order. */
  readonly newPages: readonly NewPage[];
  /** Page versions and values this block superseded (they remain readable at earlier heights). */
  readonly stalePages: readonly Uint8Array[];
  readonly staleValues: readonly StaleValue[];
  readonly root: Slot;
  /** The new consortium configuration when the block changed it (it governs the next block). */
  readonly config?: ConfigRecord;
}

export interface BlockExecutorOptions {
  readonly contracts: readonly SystemContract[];
}

export const defaultBlockExecutorOptions: BlockExecutorOptions = {
  contracts: [
    notaryContract,
    kvContract,
    identityContract,
    govContract,
    workflowContract,
    privacyContract,
    credentialContract,
    recordsContract,
  ],
};

export interface BlockExecutorDeps {
  readonly suite: CryptoSuite;
  readonly tree: StateTree;
  readonly values: ValueSource;
  readonly txIndex: TxIndexReader;
  /** Chain id and suite come from here; everything else from the configuration in the state. */
  readonly genesis: Genesis;
  /** Runs user contracts; without it, a block that calls one cannot be executed (SANDBOX_UNAVAILABLE, fatal). */
  readonly contracts?: UserContracts;
  /** Called when a system contract throws something that is not a coded error (a bug); never changes results. */
  readonly onInternalError?: (error: unknown, tx: CandidateTx) => void;
}

/** What admission checks about a transaction whose signatures verified. */
export interface AdmissionRequest {
  readonly tx: Transaction;
  /** Public keys of verified co-signatures. */
  readonly cosigners: readonly string[];
  /** Bytes of the canonical body. */
  readonly size: number;
  readonly now: number;
}

const overlayKey = (contract: string, key: string): string => `${contract}\u0000${key}`;

/** Reads state at a root (the latest executed block), for admission and queries. */
class RootReader implements StateReader {
  root: Slot = EMPTY_SLOT;
  private readonly deps: BlockExecutorDeps;

  constructor(deps: BlockExecutorDeps) {
    this.deps = deps;
  }

  readOther(contract: string, key: string): JsonValue | null {
    const keyPath = stateKeyPath(this.deps.suite, contract, key);
    const leaf = this.deps.tree.get(this.root, keyPath);
    if (leaf === null) return null;
    const text = this.deps.values.getValue(leaf.valueHeight, keyPath);
    if (text === undefined) {
      throw new LianzhengError('STATE_CORRUPT', 'a state value the tree refers to is missing', {
        details: { contract, key, height: leaf.valueHeight },
      });
    }
    return JSON.parse(text) as JsonValue;
  }
}

function parseConfigRecord(
  suite: CryptoSuite,
  value: JsonValue | null,
): { record: ConfigRecord; view: ConsortiumView } {
  if (value === null) {
    throw new LianzhengError('STATE_CORRUPT', 'the consortium configuration (gov/config) is missing from the state');
  }
  const record = value as unknown as ConfigRecord;
  return { record, view: new ConsortiumView(suite, record) };
}

/**
 * Order-execute: takes an ordered block proposal, drops what must not be in a block (duplicates, expired), checks
 * every remaining transaction's identity and policy, runs it against the state, and produces receipts, the state
 * changes and the header. Pure with respect to its inputs — the same proposal on the same state gives the same block
 * on every node. It also answers admission (identity and policy against the latest executed state).
 */
export class BlockExecutor {
  private readonly contracts: ReadonlyMap<string, SystemContract>;
  private readonly deps: BlockExecutorDeps;
  private readonly resolver = new IdentityResolver();
  private readonly head: RootReader;
  private headHeight = -1;
  private headRootHash: Uint8Array = new Uint8Array(0);
  private record: ConfigRecord | undefined;
  private view: ConsortiumView | undefined;

  constructor(opts: BlockExecutorOptions, deps: BlockExecutorDeps) {
    this.contracts = new Map(opts.contracts.map((c) => [c.name, c]));
    this.deps = deps;
    this.head = new RootReader(deps);
  }

  /** Points the executor at a committed state (startup, or a verifier starting at some height). */
  reset(root: Slot, height: number): void {
    this.head.root = root;
    this.headHeight = height;
    this.headRootHash = rootHash(root);
    const { record, view } = parseConfigRecord(this.deps.suite, this.head.readOther(GOV_CONTRACT, GOV_CONFIG_KEY));
    this.record = record;
    this.view = view;
    this.resolver.clear();
  }

  /** The consortium configuration in force for the next block. */
  get config(): ConsortiumView {
    if (this.view === undefined) throw runtimeError('STATE_CORRUPT', 'the executor has not been reset to a state');
    return this.view;
  }

  get configRecord(): ConfigRecord {
    if (this.record === undefined) throw runtimeError('STATE_CORRUPT', 'the executor has not been reset to a state');
    return this.record;
  }

  /** Read access to the latest executed state. */
  get state(): StateReader {
    return this.head;
  }

  /** Height of the latest executed block. */
  get height(): number {
    return this.headHeight;
  }

  /**
   * Resolves a public key to a usable identity against the latest executed state (sessions, API reads). Throws the
   * coded reason when it is unknown, revoked, expired or no longer trusted.
   */
  resolve(publicKey: string, now: number): Principal {
    return this.resolver.resolve(this.head, this.config, publicKey, this.headHeight + 1, now);
  }

  /**
   * Admission: chain id, validity window against `now`, size, contract, method and arguments, the signer's identity
   * and the method's policy, evaluated against the latest executed state (the block after it is the earliest the
   * transaction can land in). Throws coded errors. Execution checks identity and policy again.
   */
  admit(r: AdmissionRequest): Principal {
    const { tx } = r;
    const config = this.config.config;
    if (tx.chainId !== config.chainId) {
      throw protocolError('TX_CHAIN_ID_MISMATCH', `transaction is for chain ${tx.chainId}, this is ${config.chainId}`, {
        expected: config.chainId,
      });
    }
    if (tx.expiresAt < r.now)
      throw protocolError('TX_EXPIRED', 'transaction has expired', { expiresAt: tx.expiresAt, now: r.now });
    if (tx.expiresAt > r.now + config.limits.maxTxTtlMs) {
      throw protocolError('TX_EXPIRY_TOO_FAR', 'expiresAt is too far in the future', {
        maxTxTtlMs: config.limits.maxTxTtlMs,
      });
    }
    if (r.size > config.limits.maxTxBytes) {
      throw protocolError('TX_TOO_LARGE', `transaction is ${r.size} bytes; the limit is ${config.limits.maxTxBytes}`, {
        size: r.size,
        maxTxBytes: config.limits.maxTxBytes,
      });
    }
    const method = this.method(tx, this.head);
    const args = method.parseArgs(tx.args);
    const missing = missingCosigner(method, args, r.cosigners);
    if (missing !== undefined) {
      throw runtimeError('IDENTITY_KEY_NOT_PROVEN', 'the new key must co-sign the transaction (proof of possession)', {
        key: missing,
      });
    }
    return this.authorize(this.head, this.config, tx, r.cosigners, method, args, this.headHeight + 1, r.now);
  }

  /** Whether `principal` may read through the API what `policyKey` (e.g. `identity.members`) guards. */
  allowsView(policyKey: string, principal: Principal, object?: PolicyObject): boolean {
    const [contract, view] = policyKey.split('.') as [string, string];
    const policy = this.config.policyFor(contract, view);
    return (
      policy !== undefined &&
      evaluatePolicy(policy, {
        signer: principal,
        cosigners: [],
        ...(object === undefined ? {} : { object }),
        orgs: this.config.policyOrgs,
      })
    );
  }

  // biome-ignore lint/suspicious/noExplicitAny: arguments of any method.
  private method(tx: Transaction, state: StateReader): ContractMethod<any> {
    const contract = this.contracts.get(tx.contract);
    if (contract === undefined) return this.userMethod(tx, state);
    const method = Object.hasOwn(contract.methods, tx.method) ? contract.methods[tx.method] : undefined;
    if (method === undefined) {
      throw runtimeError('METHOD_UNKNOWN', `${tx.contract} has no method ${tx.method}`, {
        contract: tx.contract,
        method: tx.method,
      });
    }
    return method;
  }

  /** A method of a user contract deployed through governance (PROTOCOL.md §16.4). */
  private userMethod(tx: Transaction, state: StateReader): ContractMethod<JsonObject> {
    const name = tx.contract;
    const record = state.readOther(GOV_CONTRACT, govKeys.contract(name)) as UserContractRecord | null;
    if (record === null) throw runtimeError('CONTRACT_UNKNOWN', `no contract named ${name}`, { contract: name });
    if (!(record.methods ?? []).includes(tx.method)) {
      throw runtimeError('METHOD_UNKNOWN', `${name} has no method ${tx.method}`, { contract: name, method: tx.method });
    }
    return {
      parseArgs: (args) => args,
      execute: (ctx, args) => {
        const host = this.deps.contracts;
        if (host === undefined) {
          throw new LianzhengError(
            'SANDBOX_UNAVAILABLE',
            `block calls the user contract ${name}, and this process has no sandbox`,
          );
        }
        const code = ctx.readOther(GOV_CONTRACT, govKeys.code(name, record.version));
        if (typeof code !== 'string') {
          throw new LianzhengError('STATE_CORRUPT', `the code of ${name} version ${record.version} is missing`);
        }
        const out = host.invoke(ctx, {
          record,
          code,
          method: tx.method,
          args,
          context: {
            caller: callerOf(ctx.principal),
            cosigners: ctx.cosigners,
            txId: ctx.txId,
            height: ctx.height,
            time: ctx.time,
            contract: { name, version: record.version },
          },
          fuel: ctx.config.config.limits.contractFuel ?? DEFAULT_CONTRACT_FUEL,
        });
        (ctx as CallState).fuel = out.fuelUsed;
        if (out.status === 'failed') throw runtimeError(out.code as RuntimeErrorCode, out.message);
        return out.result as JsonValue;
      },
    };
  }

  /** Identity and policy of one call. Returns the principal the call runs as. */
  private authorize(
    state: StateReader,
    view: ConsortiumView,
    tx: Transaction,
    cosigners: readonly string[],
    // biome-ignore lint/suspicious/noExplicitAny: arguments of any method.
    method: ContractMethod<any>,
    args: unknown,
    height: number,
    time: number,
  ): Principal {
    const auth: AuthContext = {
      signer: tx.signer,
      height,
      time,
      config: view,
      suite: this.deps.suite,
      readOther: (c, k) => state.readOther(c, k),
    };
    const principal =
      method.principal === undefined
        ? this.resolver.resolve(state, view, tx.signer, height, time)
        : method.principal(auth, args);
    const policy = view.policyFor(tx.contract, tx.method);
    if (policy === undefined) {
      throw runtimeError('POLICY_DENIED', `no policy allows ${tx.contract}.${tx.method}`, {
        policy: `${tx.contract}.${tx.method}`,
      });
    }
    const object = method.object?.(auth, args);
    const counted: Principal[] = [];
    if (cosigners.length > 0 && policyUsesQuorum(policy)) {
      for (const key of cosigners) {
        try {
          counted.push(this.resolver.resolve(state, view, key, height, time));
        } catch (error) {
          // A co-signer that is not a usable identity simply does not count towards a quorum.
          if (!isLianzhengError(error) || error.code === 'STATE_CORRUPT') throw error;
        }
      }
    }
    const allowed = evaluatePolicy(policy, {
      signer: principal,
      cosigners: counted,
      ...(object === undefined ? {} : { object }),
      orgs: view.policyOrgs,
    });
    if (!allowed) {
      throw runtimeError('POLICY_DENIED', `${tx.contract}.${tx.method} requires ${describePolicy(policy)}`, {
        policy: `${tx.contract}.${tx.method}`,
        requires: policy,
      });
    }
    return principal;
  }

  execute(prev: PreviousBlock, proposal: BlockProposal): ExecutedBlock {
    const { suite } = this.deps;
    if (proposal.height !== prev.header.height + 1) {
      throw new LianzhengError('BLOCK_HEIGHT_INVALID', 'proposal does not follow the previous block', {
        details: { previous: prev.header.height, proposed: proposal.height },
      });
    }
    if (this.headHeight !== prev.header.height || !equalBytes(this.headRootHash, rootHash(prev.root))) {
      this.reset(prev.root, prev.header.height);
    }
    if (proposal.rev !== undefined && !(proposal.rev > (prev.header.rev ?? 0))) {
      throw new LianzhengError('BLOCK_HEIGHT_INVALID', 'ordering revision does not increase', {
        details: { previous: prev.header.rev ?? 0, proposed: proposal.rev },
      });
    }
    const view = this.config;
    const config = view.config;
    const time = Math.max(proposal.time, prev.header.time);
    const proposerKnown = proposal.proposer === undefined || view.nodeKeys.has(proposal.proposer);
    const blockState = new Map<string, string | null>();
    const call = new CallState(
      this.deps,
      prev.root,
      blockState,
      proposal.height,
      time,
      view,
      this.configRecord.version,
    );
    const included: CandidateTx[] = [];
    const receipts: Receipt[] = [];
    const receiptCanonicals: string[] = [];
    const dropped: DroppedTx[] = [];
    const seen = new Set<string>();
    const maxTxs = config.ordering.maxBlockTxs;

    for (const candidate of proposal.txs) {
      const drop = proposerKnown
        ? this.dropReason(candidate, time, seen, config)
        : { code: 'BATCH_PROPOSER_UNKNOWN', message: 'the batch was not signed by a node of the consortium' };
      if (drop !== null) {
        dropped.push({ tx: candidate, ...drop });
        continue;
      }
      if (included.length >= maxTxs) {
        dropped.push({ tx: candidate, code: 'BLOCK_FULL', message: 'block is full' });
        continue;
      }
      seen.add(candidate.idHex);
      included.push(candidate);
      const receipt = this.run(candidate, call, blockState, view);
      receipts.push(receipt);
      receiptCanonicals.push(canonicalize(receipt));
    }

    const writes: StateWrite[] = [];
    const updates: StateUpdate[] = [];
    const newValues: { keyPath: Uint8Array; text: string }[] = [];
    let newConfig: string | undefined;
    for (const [k, value] of blockState) {
      const sep = k.indexOf('\u0000');
      const contract = k.slice(0, sep);
      const key = k.slice(sep + 1);
      writes.push({ contract, key, value });
      if (contract === GOV_CONTRACT && key === GOV_CONFIG_KEY && value !== null) newConfig = value;
      const keyPath = call.keyPath(k, contract, key);
      if (value === null) updates.push({ keyPath, valueHash: null });
      else {
        newValues.push({ keyPath, text: value });
        updates.push({ keyPath, valueHash: stateValueHashText(suite, value) });
      }
    }
    const { root, newPages, stalePages, staleValues } = this.deps.tree.applyBatch(prev.root, updates, proposal.height);

    const txLeaves = included.map((t) => transactionLeafHash(suite, t.id, t.sig, t.cosigsDigest));
    const receiptLeaves = receiptCanonicals.map((c) => suite.merkleLeaf(receiptHashFromCanonical(suite, c)));
    const header: BlockHeader = {
      v: 1,
      chainId: config.chainId,
      height: proposal.height,
      time,
      parent: prev.hashHex,
      txCount: included.length,
      txRoot: bytesToHex(merkleRootFromLeafHashes(suite, txLeaves)),
      receiptRoot: bytesToHex(merkleRootFromLeafHashes(suite, receiptLeaves)),
      stateRoot: bytesToHex(rootHash(root)),
      ...(proposal.rev === undefined ? {} : { rev: proposal.rev }),
    };
    const hash = blockHash(suite, header);
    let configRecord: ConfigRecord | undefined;
    if (included.length > 0 || proposal.rev !== undefined) {
      // The block will be committed: it is the new head for admission, and a new configuration governs what follows.
      this.head.root = root;
      this.headHeight = proposal.height;
      this.headRootHash = rootHash(root);
      if (newConfig !== undefined) {
        const parsed = parseConfigRecord(suite, JSON.parse(newConfig) as JsonValue);
        this.record = parsed.record;
        this.view = parsed.view;
        this.resolver.clear();
        configRecord = parsed.record;
      }
    }
    return {
      header,
      hash,
      hashHex: bytesToHex(hash),
      txs: included,
      receipts,
      receiptCanonicals,
      dropped,
      writes,
      newValues,
      newPages,
      stalePages,
      staleValues,
      root,
      ...(configRecord === undefined ? {} : { config: configRecord }),
    };
  }

  private dropReason(
    c: CandidateTx,
    time: number,
    seen: ReadonlySet<string>,
    config: ConsortiumConfig,
  ): { code: string; message: string } | null {
    if (seen.has(c.idHex) || this.deps.txIndex.has(c.idHex)) {
      return { code: 'TX_DUPLICATE', message: 'transaction is already in the ledger' };
    }
    if (c.tx.chainId !== config.chainId) {
      return { code: 'TX_CHAIN_ID_MISMATCH', message: 'transaction is for another chain' };
    }
    if (utf8Length(c.canonical) > config.limits.maxTxBytes) {
      return { code: 'TX_TOO_LARGE', message: 'transaction is larger than limits.maxTxBytes' };
    }
    if (c.tx.expiresAt < time) return { code: 'TX_EXPIRED', message: 'transaction expired before it was ordered' };
    if (c.tx.expiresAt > time + config.limits.maxTxTtlMs) {
      return { code: 'TX_EXPIRY_TOO_FAR', message: 'expiresAt is too far in the future' };
    }
    if (this.lacksRequiredCosigner(c)) {
      return { code: 'IDENTITY_KEY_NOT_PROVEN', message: 'a key the transaction registers did not co-sign it' };
    }
    return null;
  }

  /** Whether the method requires co-signers the candidate lacks (unknown method or bad arguments: not a drop). */
  private lacksRequiredCosigner(c: CandidateTx): boolean {
    const contract = this.contracts.get(c.tx.contract);
    const method =
      contract !== undefined && Object.hasOwn(contract.methods, c.tx.method)
        ? contract.methods[c.tx.method]
        : undefined;
    if (method?.requiredCosigners === undefined) return false;
    let args: unknown;
    try {
      args = method.parseArgs(c.tx.args);
    } catch {
      return false;
    }
    return missingCosigner(method, args, c.cosigs?.map((x) => x.signer) ?? []) !== undefined;
  }

  private run(
    candidate: CandidateTx,
    call: CallState,
    blockState: Map<string, string | null>,
    view: ConsortiumView,
  ): Receipt {
    const { tx, idHex } = candidate;
    call.begin(idHex, tx.signer, tx.contract, candidate.cosigs?.map((c) => c.signer) ?? []);
    try {
      const method = this.method(tx, call);
      const args = method.parseArgs(tx.args);
      const cosigners = call.cosigners;
      const principal = this.authorize(call, view, tx, cosigners, method, args, call.height, call.time);
      call.principal = principal;
      call.org = principal.org ?? '';
      const result = method.execute(call, args);
      const events = call.events;
      for (const [k, v] of call.writes) {
        blockState.set(k, v);
        if (k.startsWith(IDENTITY_KEY_PREFIX)) this.resolver.invalidate(k.slice(IDENTITY_KEY_PREFIX.length));
      }
      const fuel = call.fuel === undefined ? {} : { fuel: call.fuel };
      return result === undefined
        ? { tx: idHex, status: 'ok', events, ...fuel }
        : { tx: idHex, status: 'ok', events, result, ...fuel };
    } catch (error) {
      // Damaged storage, or a process that cannot run the chain's contracts, is not the transaction's fault: stop
      // rather than record a different block than healthy nodes.
      if (isLianzhengError(error) && FATAL_CODES.has(error.code)) throw error;
      if (isLianzhengError(error)) {
        const fuel = call.fuel === undefined ? {} : { fuel: call.fuel };
        return { tx: idHex, status: 'failed', code: error.code, message: error.message, events: [], ...fuel };
      }
      // The sandbox's wall-clock guard, or an engine that cannot work: wall time is not deterministic, so no receipt —
      // the node stops, loudly.
      if (error instanceof SandboxWallClockError || error instanceof SandboxEngineError) throw error;
      this.deps.onInternalError?.(error, candidate);
      return {
        tx: idHex,
        status: 'failed',
        code: 'CONTRACT_INTERNAL_ERROR',
        message: 'system contract failed unexpectedly',
        events: [],
      };
    }
  }
}

/** Errors that stop the node instead of failing a transaction. */
const FATAL_CODES = new Set(['STATE_CORRUPT', 'SANDBOX_UNAVAILABLE']);

/** Overlay keys of identity key records: a write to one invalidates the resolver's cache entry. */
const IDENTITY_KEY_PREFIX = `${IDENTITY_CONTRACT}\u0000key/`;

const NO_PRINCIPAL: Principal = { kind: 'member', key: '', roles: [], attrs: {} };

/**
 * The call context, reused for every transaction of a block (one object per block instead of a set of closures per
 * transaction). `begin` resets it; writes land in `writes` and are merged into the block only if the call succeeds.
 */
class CallState implements CallContext {
  txId = '';
  signer = '';
  org = '';
  contract = '';
  principal: Principal = NO_PRINCIPAL;
  cosigners: readonly string[] = [];
  writes = new Map<string, string | null>();
  events: ContractEvent[] = [];
  /** Fuel of the call, when it ran a user contract (it goes into the receipt). */
  fuel: number | undefined;
  readonly userContracts: UserContracts | undefined;
  readonly height: number;
  readonly time: number;
  readonly config: ConsortiumView;
  readonly configVersion: number;
  readonly suite: CryptoSuite;
  private readonly deps: BlockExecutorDeps;
  private readonly root: Slot;
  private readonly blockState: ReadonlyMap<string, string | null>;
  private readonly keyPaths = new Map<string, Uint8Array>();

  constructor(
    deps: BlockExecutorDeps,
    root: Slot,
    blockState: ReadonlyMap<string, string | null>,
    height: number,
    time: number,
    config: ConsortiumView,
    configVersion: number,
  ) {
    this.deps = deps;
    this.suite = deps.suite;
    this.userContracts = deps.contracts;
    this.root = root;
    this.blockState = blockState;
    this.height = height;
    this.time = time;
    this.config = config;
    this.configVersion = configVersion;
  }

  /** Key path of an overlay key, computed once per block (a read and the write that follows share it). */
  keyPath(overlay: string, contract: string, key: string): Uint8Array {
    let path = this.keyPaths.get(overlay);
    if (path === undefined) {
      path = stateKeyPath(this.deps.suite, contract, key);
      this.keyPaths.set(overlay, path);
    }
    return path;
  }

  /** The value before this block, read through the state tree of the previous block. */
  private committed(overlay: string, contract: string, key: string): string | null {
    const keyPath = this.keyPath(overlay, contract, key);
    const leaf = this.deps.tree.get(this.root, keyPath);
    if (leaf === null) return null;
    const text = this.deps.values.getValue(leaf.valueHeight, keyPath);
    if (text === undefined) {
      throw new LianzhengError('STATE_CORRUPT', 'a state value the tree refers to is missing', {
        details: { contract, key, height: leaf.valueHeight },
      });
    }
    return text;
  }

  begin(txId: string, signer: string, contract: string, cosigners: readonly string[]): void {
    this.txId = txId;
    this.signer = signer;
    this.contract = contract;
    this.cosigners = cosigners;
    this.principal = NO_PRINCIPAL;
    this.org = '';
    this.writes = new Map();
    this.events = [];
    this.fuel = undefined;
  }

  savepoint(): () => void {
    const writes = new Map(this.writes);
    const events = this.events.length;
    return () => {
      this.writes = writes;
      this.events.length = events;
    };
  }

  readIn(contract: string, key: string): JsonValue | null {
    return this.readOther(contract, key);
  }

  writeIn(contract: string, key: string, value: JsonValue | null): void {
    this.writes.set(overlayKey(contract, key), value === null ? null : canonicalize(value));
  }

  emitAs(contract: string, name: string, data: JsonValue): void {
    this.events.push({ contract, name, data });
  }

  readOther(contract: string, key: string): JsonValue | null {
    const k = overlayKey(contract, key);
    let text = this.writes.get(k);
    if (text === undefined) text = this.blockState.get(k);
    if (text === undefined) text = this.committed(k, contract, key);
    return text === null ? null : (JSON.parse(text) as JsonValue);
  }

  get(key: string): JsonValue | null {
    return this.readOther(this.contract, key);
  }

  put(key: string, value: JsonValue): void {
    this.writes.set(overlayKey(this.contract, key), canonicalize(value));
  }

  delete(key: string): void {
    this.writes.set(overlayKey(this.contract, key), null);
  }

  emit(name: string, data: JsonValue): void {
    this.events.push({ contract: this.contract, name, data });
  }
}

/**
 * Block 0: no transactions; the state holds the consortium configuration (`gov` / `config`, version 1) and the
 * genesis members' identity records (`identity` / `key/<pk>` and `cert/<fingerprint>`).
 */
export function executeGenesis(
  deps: { readonly suite: CryptoSuite; readonly tree: StateTree },
  genesis: Genesis,
  emptyRoot: Slot,
): ExecutedBlock {
  const { suite, tree } = deps;
  const config = configOfGenesis(genesis);
  const record: ConfigRecord = { version: 1, height: 0, config };
  const view = new ConsortiumView(suite, record);
  const writes: StateWrite[] = [
    { contract: GOV_CONTRACT, key: GOV_CONFIG_KEY, value: canonicalize(record as unknown as JsonValue) },
  ];
  for (const b64 of genesis.members) {
    const info = checkMemberCertificate(suite, view, certificateFromBase64(b64), genesis.time);
    const member = memberKeyRecord(info, 0);
    writes.push({
      contract: IDENTITY_CONTRACT,
      key: identityKeys.key(info.publicKey),
      value: canonicalize(member as unknown as JsonValue),
    });
    writes.push({ contract: IDENTITY_CONTRACT, key: identityKeys.cert(info.fingerprint), value: canonicalize(b64) });
  }
  const newValues = writes.map((w) => ({ keyPath: stateKeyPath(suite, w.contract, w.key), text: w.value as string }));
  const updates = newValues.map((v) => ({ keyPath: v.keyPath, valueHash: stateValueHashText(suite, v.text) }));
  const { root, newPages, stalePages, staleValues } = tree.applyBatch(emptyRoot, updates, 0);
  const emptyRootHex = bytesToHex(merkleRootFromLeafHashes(suite, []));
  const header: BlockHeader = {
    v: 1,
    chainId: genesis.chainId,
    height: 0,
    time: genesis.time,
    parent: GENESIS_PARENT,
    txCount: 0,
    txRoot: emptyRootHex,
    receiptRoot: emptyRootHex,
    stateRoot: bytesToHex(rootHash(root)),
  };
  const hash = blockHash(suite, header);
  return {
    header,
    hash,
    hashHex: bytesToHex(hash),
    txs: [],
    receipts: [],
    receiptCanonicals: [],
    dropped: [],
    writes,
    newValues,
    newPages,
    stalePages,
    staleValues,
    root,
    config: record,
  };
}

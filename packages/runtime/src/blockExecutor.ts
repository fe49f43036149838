import {
  type BlockHeader,
  blockHash,
  bytesToHex,
  type ContractEvent,
  type CryptoSuite,
  canonicalize,
  GENESIS_PARENT,
  type Genesis,
  isLianzhengError,
  type JsonValue,
  LianzhengError,
  merkleRootFromLeafHashes,
  protocolError,
  type Receipt,
  receiptHashFromCanonical,
  stateKeyPath,
  stateValueHashText,
  type Transaction,
} from '@lianzheng/protocol';
import type { CallContext, SystemContract } from './contracts/contract.js';
import { kvContract } from './contracts/kv.js';
import { notaryContract } from './contracts/notary.js';
import { runtimeError } from './errors.js';
import { type NewPage, rootHash, type Slot, type StaleValue, type StateTree, type StateUpdate } from './stateTree.js';

/** A transaction whose signature and form were checked at admission, ready for ordering and execution. */
export interface CandidateTx {
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly sig: Uint8Array;
  readonly tx: Transaction;
  /** JCS of `tx`. */
  readonly canonical: string;
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
}

export interface BlockExecutorOptions {
  readonly contracts: readonly SystemContract[];
}

export const defaultBlockExecutorOptions: BlockExecutorOptions = { contracts: [notaryContract, kvContract] };

export interface BlockExecutorDeps {
  readonly suite: CryptoSuite;
  readonly tree: StateTree;
  readonly values: ValueSource;
  readonly txIndex: TxIndexReader;
  readonly genesis: Genesis;
  /** Called when a system contract throws something that is not a coded error (a bug); never changes results. */
  readonly onInternalError?: (error: unknown, tx: CandidateTx) => void;
}

/** The system contract that holds the consortium configuration. */
export const SYS_CONTRACT = 'sys';
export const SYS_CONFIG_KEY = 'config';

const overlayKey = (contract: string, key: string): string => `${contract}\u0000${key}`;

/**
 * Order-execute: takes an ordered block proposal, drops what must not be in a block (duplicates, expired), runs
 * every remaining transaction against the state, and produces receipts, the state changes and the header.
 * Pure with respect to its inputs — the same proposal on the same state gives the same block on every node.
 */
export class BlockExecutor {
  private readonly contracts: ReadonlyMap<string, SystemContract>;
  private readonly deps: BlockExecutorDeps;
  private readonly members: ReadonlyMap<string, string>;

  constructor(opts: BlockExecutorOptions, deps: BlockExecutorDeps) {
    this.contracts = new Map(opts.contracts.map((c) => [c.name, c]));
    this.deps = deps;
    const members = new Map<string, string>();
    for (const org of deps.genesis.orgs) for (const k of org.keys) members.set(k.publicKey, org.id);
    this.members = members;
  }

  /** Organisation of a member key, or undefined when the key is not a member. */
  orgOf(publicKeyHex: string): string | undefined {
    return this.members.get(publicKeyHex);
  }

  /**
   * Admission checks that do not need the signature: chain id, validity window against `now`, that the signer is
   * a member, and that the contract, method and arguments are well formed. Throws coded errors.
   */
  checkTx(tx: Transaction, now: number): void {
    const { genesis } = this.deps;
    if (tx.chainId !== genesis.chainId) {
      throw protocolError(
        'TX_CHAIN_ID_MISMATCH',
        `transaction is for chain ${tx.chainId}, this is ${genesis.chainId}`,
        {
          expected: genesis.chainId,
        },
      );
    }
    if (tx.expiresAt < now)
      throw protocolError('TX_EXPIRED', 'transaction has expired', { expiresAt: tx.expiresAt, now });
    if (tx.expiresAt > now + genesis.limits.maxTxTtlMs) {
      throw protocolError('TX_EXPIRY_TOO_FAR', 'expiresAt is too far in the future', {
        maxTxTtlMs: genesis.limits.maxTxTtlMs,
      });
    }
    if (this.members.get(tx.signer) === undefined) {
      throw runtimeError('TX_SIGNER_NOT_AUTHORISED', 'signer is not a member key of the consortium');
    }
    this.checkCall(tx);
  }

  /** That the contract and method exist and the arguments are well formed. Throws coded errors. */
  checkCall(tx: Transaction): void {
    this.method(tx).parseArgs(tx.args);
  }

  private method(tx: Transaction) {
    const contract = this.contracts.get(tx.contract);
    if (contract === undefined) {
      throw runtimeError('CONTRACT_UNKNOWN', `no contract named ${tx.contract}`, { contract: tx.contract });
    }
    const method = Object.hasOwn(contract.methods, tx.method) ? contract.methods[tx.method] : undefined;
    if (method === undefined) {
      throw runtimeError('METHOD_UNKNOWN', `${tx.contract} has no method ${tx.method}`, {
        contract: tx.contract,
        method: tx.method,
      });
    }
    return method;
  }

  execute(prev: PreviousBlock, proposal: BlockProposal): ExecutedBlock {
    const { suite, genesis } = this.deps;
    if (proposal.height !== prev.header.height + 1) {
      throw new LianzhengError('BLOCK_HEIGHT_INVALID', 'proposal does not follow the previous block', {
        details: { previous: prev.header.height, proposed: proposal.height },
      });
    }
    const time = Math.max(proposal.time, prev.header.time);
    const blockState = new Map<string, string | null>();
    const call = new CallState(this.deps, prev.root, blockState, proposal.height, time);
    const included: CandidateTx[] = [];
    const receipts: Receipt[] = [];
    const receiptCanonicals: string[] = [];
    const dropped: DroppedTx[] = [];
    const seen = new Set<string>();
    const maxTxs = genesis.ordering.maxBlockTxs;

    for (const candidate of proposal.txs) {
      const drop = this.dropReason(candidate, time, seen);
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
      const receipt = this.run(candidate, call, blockState);
      receipts.push(receipt);
      receiptCanonicals.push(canonicalize(receipt));
    }

    const writes: StateWrite[] = [];
    const updates: StateUpdate[] = [];
    const newValues: { keyPath: Uint8Array; text: string }[] = [];
    for (const [k, value] of blockState) {
      const sep = k.indexOf('\u0000');
      const contract = k.slice(0, sep);
      const key = k.slice(sep + 1);
      writes.push({ contract, key, value });
      const keyPath = call.keyPath(k, contract, key);
      if (value === null) updates.push({ keyPath, valueHash: null });
      else {
        newValues.push({ keyPath, text: value });
        updates.push({ keyPath, valueHash: stateValueHashText(suite, value) });
      }
    }
    const { root, newPages, stalePages, staleValues } = this.deps.tree.applyBatch(prev.root, updates, proposal.height);

    const txLeaves = included.map((t) => suite.merkleLeaf(t.id, t.sig));
    const receiptLeaves = receiptCanonicals.map((c) => suite.merkleLeaf(receiptHashFromCanonical(suite, c)));
    const header: BlockHeader = {
      v: 1,
      chainId: genesis.chainId,
      height: proposal.height,
      time,
      parent: prev.hashHex,
      txCount: included.length,
      txRoot: bytesToHex(merkleRootFromLeafHashes(suite, txLeaves)),
      receiptRoot: bytesToHex(merkleRootFromLeafHashes(suite, receiptLeaves)),
      stateRoot: bytesToHex(rootHash(root)),
    };
    const hash = blockHash(suite, header);
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
    };
  }

  private dropReason(
    c: CandidateTx,
    time: number,
    seen: ReadonlySet<string>,
  ): { code: string; message: string } | null {
    if (seen.has(c.idHex) || this.deps.txIndex.has(c.idHex)) {
      return { code: 'TX_DUPLICATE', message: 'transaction is already in the ledger' };
    }
    if (c.tx.chainId !== this.deps.genesis.chainId) {
      return { code: 'TX_CHAIN_ID_MISMATCH', message: 'transaction is for another chain' };
    }
    if (c.tx.expiresAt < time) return { code: 'TX_EXPIRED', message: 'transaction expired before it was ordered' };
    if (c.tx.expiresAt > time + this.deps.genesis.limits.maxTxTtlMs) {
      return { code: 'TX_EXPIRY_TOO_FAR', message: 'expiresAt is too far in the future' };
    }
    return null;
  }

  private run(candidate: CandidateTx, call: CallState, blockState: Map<string, string | null>): Receipt {
    const { tx, idHex } = candidate;
    const org = this.members.get(tx.signer);
    try {
      if (org === undefined)
        throw runtimeError('TX_SIGNER_NOT_AUTHORISED', 'signer is not a member key of the consortium');
      const method = this.method(tx);
      const args = method.parseArgs(tx.args);
      call.begin(idHex, tx.signer, org, tx.contract);
      const result = method.execute(call, args);
      const events = call.events;
      for (const [k, v] of call.writes) blockState.set(k, v);
      return result === undefined ? { tx: idHex, status: 'ok', events } : { tx: idHex, status: 'ok', events, result };
    } catch (error) {
      // Damaged storage is not the transaction's fault: stop rather than record a different block than healthy nodes.
      if (isLianzhengError(error) && error.code === 'STATE_CORRUPT') throw error;
      if (isLianzhengError(error)) {
        return { tx: idHex, status: 'failed', code: error.code, message: error.message, events: [] };
      }
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

/**
 * The call context, reused for every transaction of a block (one object per block instead of a set of closures per
 * transaction). `begin` resets it; writes land in `writes` and are merged into the block only if the call succeeds.
 */
class CallState implements CallContext {
  txId = '';
  signer = '';
  org = '';
  contract = '';
  writes = new Map<string, string | null>();
  events: ContractEvent[] = [];
  readonly height: number;
  readonly time: number;
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
  ) {
    this.deps = deps;
    this.root = root;
    this.blockState = blockState;
    this.height = height;
    this.time = time;
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

  begin(txId: string, signer: string, org: string, contract: string): void {
    this.txId = txId;
    this.signer = signer;
    this.org = org;
    this.contract = contract;
    this.writes = new Map();
    this.events = [];
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

/** Block 0: no transactions; the state holds the consortium configuration (the genesis document). */
export function executeGenesis(
  deps: { readonly suite: CryptoSuite; readonly tree: StateTree },
  genesis: Genesis,
  emptyRoot: Slot,
): ExecutedBlock {
  const { suite, tree } = deps;
  const value = canonicalize(genesis);
  const keyPath = stateKeyPath(suite, SYS_CONTRACT, SYS_CONFIG_KEY);
  const valueHash = stateValueHashText(suite, value);
  const { root, newPages, stalePages, staleValues } = tree.applyBatch(emptyRoot, [{ keyPath, valueHash }], 0);
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
    writes: [{ contract: SYS_CONTRACT, key: SYS_CONFIG_KEY, value }],
    newValues: [{ keyPath, text: value }],
    newPages,
    stalePages,
    staleValues,
    root,
  };
}

import {
  type BlockHeader,
  blockHashFromCanonical,
  bytesToHex,
  bytesToUtf8,
  type Cosignature,
  type CryptoSuite,
  canonicalize,
  GENESIS_PARENT,
  type Genesis,
  HashTag,
  hexToBytes,
  type Transaction,
} from '@lianzheng/protocol';
import {
  BlockExecutor,
  type CandidateTx,
  decodeSlot,
  defaultBlockExecutorOptions,
  EMPTY_SLOT,
  type ExecutedBlock,
  executeGenesis,
  type PreviousBlock,
  rootHash,
  type Slot,
  StateTree,
  type UserContracts,
} from '@lianzheng/runtime';
import type { ChainStore } from './chainStore.js';
import type { VerifyBlockResponse } from './chainWorker.js';
import { nodeError } from './errors.js';
import { createUserContracts } from './sandbox/quickjs.js';
import { checkStateStoreInWorker, type WorkerPool } from './workerPool.js';

export interface VerifyChainOptions {
  readonly from: number;
  readonly to: number;
  /** Verify every transaction signature (attestation signatures are always verified). */
  readonly signatures: boolean;
  /** Re-execute every block from genesis and compare receipts, state roots and header hashes. */
  readonly replay: boolean;
  /** Also check every stored state page, value and the latest state table against the state tree. */
  readonly storeChecks: boolean;
  /** Blocks handed to workers ahead of the one being checked. */
  readonly window: number;
}

export interface VerifyProgress {
  readonly height: number;
  readonly to: number;
  readonly txs: number;
  readonly phase: 'blocks' | 'store';
}

export interface VerifyReport {
  readonly from: number;
  readonly to: number;
  readonly blocks: number;
  readonly txs: number;
  readonly signatures: number;
  readonly replayed: boolean;
  readonly pages: number;
  readonly values: number;
  readonly seconds: number;
}

export interface VerifyChainDeps {
  readonly store: ChainStore;
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly pool: WorkerPool;
  readonly onProgress?: (p: VerifyProgress) => void;
  /** The user-contract host for replay (created when absent). */
  readonly contracts?: UserContracts;
}

function corrupt(height: number, reason: string, message: string, extra: Record<string, unknown> = {}): never {
  throw nodeError('STORE_CORRUPT', `block ${height}: ${message}`, { height, reason, ...extra });
}

/** In-memory state for replay: the chain is re-executed without touching the store being verified. */
class ReplayState {
  readonly values = new Map<string, string>();
  readonly ids = new Set<string>();
  readonly pages = new Map<string, Uint8Array>();

  getValue(height: number, keyPath: Uint8Array): string | undefined {
    return this.values.get(`${height}:${bytesToHex(keyPath)}`);
  }
  has(idHex: string): boolean {
    return this.ids.has(idHex);
  }
  getPage(key: Uint8Array): Uint8Array | undefined {
    return this.pages.get(bytesToHex(key));
  }
  apply(block: ExecutedBlock): void {
    const h = block.header.height;
    for (const v of block.newValues) this.values.set(`${h}:${bytesToHex(v.keyPath)}`, v.text);
    for (const t of block.txs) this.ids.add(t.idHex);
    for (const p of block.newPages) this.pages.set(bytesToHex(p.key), p.bytes);
    // Replay only ever reads the newest version: forget what this block superseded, so memory follows the live
    // state rather than the whole history.
    for (const key of block.stalePages) this.pages.delete(bytesToHex(key));
    for (const v of block.staleValues) this.values.delete(`${v.height}:${bytesToHex(v.keyPath)}`);
  }
}

/**
 * Re-verifies stored blocks: per block (in parallel worker threads) the header hash, every transaction id and
 * signature, the transaction and receipt Merkle roots and the attestations; in order on this thread the hash chain,
 * time order, state-root records and the transaction index; with `replay`, a re-execution from genesis that must
 * reproduce every header byte for byte. The first failure throws STORE_CORRUPT naming the height and the reason.
 */
export async function verifyChain(opts: VerifyChainOptions, deps: VerifyChainDeps): Promise<VerifyReport> {
  const started = performance.now();
  const { store, suite, genesis, pool } = deps;
  const { from, to } = opts;
  if (opts.replay && from !== 0)
    throw nodeError('CONFIG_INVALID', 'replay starts at genesis (from = 0)', { field: 'from' });
  const inflight = new Map<number, Promise<VerifyBlockResponse>>();
  let nextToSend = from;
  const send = () => {
    while (nextToSend <= to && inflight.size < opts.window) {
      const h = nextToSend++;
      const header = store.headerBytes(h);
      const block = store.rawBlock(h);
      if (header === undefined || block === undefined) {
        inflight.set(h, Promise.resolve({ ok: false, reason: 'missing', message: 'block is missing from the store' }));
        continue;
      }
      const request = pool.verifyBlock({
        height: h,
        header,
        block: block.txs,
        receipts: block.receipts,
        attestations: block.attestations,
        checkSignatures: opts.signatures,
      });
      // If verification stops early (the first corrupt block), requests still in the window are never awaited; mark
      // them handled so closing the pool cannot turn them into an unhandled rejection.
      request.catch(() => undefined);
      inflight.set(h, request);
    }
  };

  const replay = opts.replay ? new ReplayState() : null;
  const contracts = replay === null ? undefined : (deps.contracts ?? (await createUserContracts()));
  const replayTree = replay === null ? null : new StateTree({ cachePages: 65_536 }, { hash: suite, pages: replay });
  const executor =
    replay === null || replayTree === null
      ? null
      : new BlockExecutor(defaultBlockExecutorOptions, {
          suite,
          tree: replayTree,
          values: replay,
          txIndex: replay,
          genesis,
          ...(contracts === undefined ? {} : { contracts }),
        });
  let replayPrev: PreviousBlock | null = null;
  let prevHeader: BlockHeader | undefined = from > 0 ? store.header(from - 1) : undefined;
  let prevHash = from > 0 ? bytesToHex(blockHashOf(store, suite, from - 1)) : GENESIS_PARENT;
  let txs = 0;
  let signatures = 0;
  // Every stored state page and value, on a thread of its own while this one re-executes the chain.
  const storeCheck = opts.storeChecks
    ? checkStateStoreInWorker({
        path: store.path,
        suite: genesis.suite,
        to,
        complete: from === 0 && to === store.height(),
      })
    : null;
  storeCheck?.catch(() => undefined);

  send();
  for (let h = from; h <= to; h++) {
    const result = await inflight.get(h)!;
    inflight.delete(h);
    send();
    if (!result.ok)
      corrupt(h, result.reason, result.message, result.index === undefined ? {} : { index: result.index });
    const header = store.header(h)!;
    if (header.chainId !== genesis.chainId) corrupt(h, 'chain-id', 'header names another chain');
    if (header.parent !== prevHash) corrupt(h, 'parent', 'header.parent is not the hash of the previous block');
    if (prevHeader !== undefined && header.time < prevHeader.time) corrupt(h, 'time', 'block time goes backwards');
    const rootBytes = store.root(h);
    if (rootBytes === undefined) corrupt(h, 'state-root', 'state root record is missing');
    let root: Slot;
    try {
      root = decodeSlot(suite, rootBytes);
    } catch {
      corrupt(h, 'state-root', 'state root record is malformed');
    }
    if (bytesToHex(rootHash(root)) !== header.stateRoot)
      corrupt(h, 'state-root', 'stored root does not match header.stateRoot');
    result.txIds.forEach((id, index) => {
      const loc = store.txLocation(hexToBytes(id));
      if (loc === undefined || loc.height !== h || loc.index !== index) {
        corrupt(h, 'tx-index', `transaction index entry for transaction ${index} is wrong`, { index });
      }
    });
    if (executor !== null && replay !== null && replayTree !== null) {
      let executed: ExecutedBlock;
      if (h === 0) executed = executeGenesis({ suite, tree: replayTree }, genesis, EMPTY_SLOT);
      else {
        const records = store.txs(h)!;
        const candidates: CandidateTx[] = records.map((r, i) => ({
          id: hexToBytes(result.txIds[i]!),
          idHex: result.txIds[i]!,
          sig: r.sig,
          tx: JSON.parse(bytesToUtf8(r.body)) as Transaction,
          canonical: bytesToUtf8(r.body),
          ...(r.cosigs.length === 0
            ? {}
            : {
                cosigs: JSON.parse(bytesToUtf8(r.cosigs)) as Cosignature[],
                cosigsDigest: suite.tagged(HashTag.cosigs, r.cosigs),
              }),
        }));
        executed = executor.execute(replayPrev!, { height: h, time: header.time, txs: candidates });
        if (executed.dropped.length > 0) {
          corrupt(
            h,
            'replay',
            `transaction ${executed.dropped[0]!.tx.idHex} should not be in this block (${executed.dropped[0]!.code})`,
          );
        }
      }
      if (executed.hashHex !== result.blockHash) {
        const field = (['stateRoot', 'receiptRoot', 'txRoot', 'time', 'parent', 'txCount'] as const).find(
          (f) => executed.header[f] !== header[f],
        );
        if (field === 'receiptRoot') {
          // Say which receipt differs, and how: what an operator needs to find the cause.
          const stored = store.receipts(h) ?? [];
          const index = executed.receipts.findIndex((r, i) => canonicalize(r) !== canonicalize(stored[i] ?? null));
          corrupt(h, 'replay', `re-execution gives a different receipt for transaction ${index}`, {
            field,
            index,
            stored: stored[index] ?? null,
            replayed: executed.receipts[index] ?? null,
          });
        }
        corrupt(h, 'replay', `re-execution gives a different ${field ?? 'header'}`, { field: field ?? 'header' });
      }
      replay.apply(executed);
      replayPrev = { header: executed.header, hashHex: executed.hashHex, root: executed.root };
    }
    txs += result.txs;
    signatures += result.signatures;
    prevHeader = header;
    prevHash = result.blockHash;
    deps.onProgress?.({ height: h, to, txs, phase: 'blocks' });
  }

  let pages = 0;
  let values = 0;
  if (storeCheck !== null) {
    deps.onProgress?.({ height: to, to, txs, phase: 'store' });
    const checked = await storeCheck;
    if (!checked.ok) corrupt(checked.height, checked.reason, checked.message);
    pages = checked.pages;
    values = checked.values;
  }
  if (opts.storeChecks && from === 0 && to === store.height()) {
    let indexed = 0;
    for (const _ of store.allTxIndex()) indexed++;
    if (indexed !== txs) corrupt(to, 'tx-index', `transaction index has ${indexed} entries for ${txs} transactions`);
  }
  return {
    from,
    to,
    blocks: to - from + 1,
    txs,
    signatures,
    replayed: opts.replay,
    pages,
    values,
    seconds: (performance.now() - started) / 1000,
  };
}

function blockHashOf(store: ChainStore, suite: CryptoSuite, height: number): Uint8Array {
  const bytes = store.headerBytes(height);
  if (bytes === undefined) corrupt(height, 'missing', 'header is missing');
  return blockHashFromCanonical(suite, bytes);
}

import {
  type Attestation,
  type BlockHeader,
  type BlockView,
  blockHashFromCanonical,
  bytesToHex,
  bytesToUtf8,
  type ChainInfo,
  type Checkpoint,
  type Cosignature,
  type CryptoSuite,
  type Genesis,
  genesisHash,
  hexToBytes,
  type JsonValue,
  merkleInclusionPath,
  merkleLevels,
  merklePathToHex,
  NOTARY_CERTIFICATE_TYPE,
  type NotaryAlgorithm,
  type NotaryCertificate,
  notaryRecordKey,
  receiptHashFromCanonical,
  type SignedTransaction,
  type StateView,
  stateKeyPath,
  stateProofToJson,
  type Transaction,
  type TxProof,
  type TxStatus,
  transactionIdFromCanonical,
} from '@lianzheng/protocol';
import { decodeSlot, type StateTree } from '@lianzheng/runtime';
import type { ChainStore, StoredTx } from './chainStore.js';
import { storedTxLeaf } from './chainWorker.js';
import { nodeError } from './errors.js';

export interface ChainQueriesDeps {
  readonly store: ChainStore;
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly tree: StateTree;
  /** Latest durable height: nothing above it is ever returned. */
  readonly durableHeight: () => number;
  /** Highest block certified by a quorum (etcd ordering); the durable height with solo. */
  readonly certifiedHeight: () => number;
  readonly isPending: (idHex: string) => boolean;
  readonly dropped: (idHex: string) => { code: string; message: string } | undefined;
}

/** Read-only views of the durable chain, with proofs. Used by the HTTP API and by the CLI on a data directory. */
export class ChainQueries {
  private readonly deps: ChainQueriesDeps;
  private readonly levelsCache = new Map<number, { tx: Uint8Array[][]; receipt: Uint8Array[][] }>();

  constructor(deps: ChainQueriesDeps) {
    this.deps = deps;
  }

  info(): ChainInfo {
    const { genesis, suite } = this.deps;
    return {
      chainId: genesis.chainId,
      suite: genesis.suite,
      genesisHash: bytesToHex(genesisHash(suite, genesis)),
      height: this.deps.durableHeight(),
      genesis,
    };
  }

  private checkHeight(height: number): void {
    if (!Number.isSafeInteger(height) || height < 0 || height > this.deps.durableHeight()) {
      throw nodeError('HEIGHT_NOT_AVAILABLE', `no durable block at height ${height}`, {
        height,
        latest: this.deps.durableHeight(),
      });
    }
  }

  private checkCertified(height: number): void {
    const certified = this.deps.certifiedHeight();
    if (height > certified) {
      throw nodeError('PROOF_NOT_CERTIFIED', `block ${height} is not certified by a quorum yet; retry in a moment`, {
        height,
        certified,
      });
    }
  }

  /**
   * Certified blocks from `from` (for a peer catching up): header, hash, signed transactions and the attestations
   * that certified them; at most `limit` blocks and about 20,000 transactions.
   */
  syncBlocks(
    from: number,
    limit: number,
  ): {
    blocks: { header: BlockHeader; hash: string; txs: readonly SignedTransaction[]; attestations: Attestation[] }[];
  } {
    const to = Math.min(this.deps.certifiedHeight(), from + limit - 1);
    const blocks = [];
    let txs = 0;
    for (let h = from; h <= to && txs < 20_000; h++) {
      const view = this.block(h, true);
      const signed = view.txs ?? [];
      txs += signed.length;
      blocks.push({
        header: view.header,
        hash: view.hash,
        txs: signed,
        attestations: this.deps.store.attestations(h) ?? [],
      });
    }
    return { blocks };
  }

  header(height: number): BlockHeader {
    this.checkHeight(height);
    const header = this.deps.store.header(height);
    if (header === undefined) throw nodeError('BLOCK_NOT_FOUND', `no block at height ${height}`, { height });
    return header;
  }

  /** The signed header at `height`; by default the latest certified one (etcd ordering) or the latest durable one. */
  checkpoint(height = this.deps.certifiedHeight()): Checkpoint {
    const header = this.header(height);
    const bytes = this.deps.store.headerBytes(height)!;
    return {
      header,
      blockHash: bytesToHex(blockHashFromCanonical(this.deps.suite, bytes)),
      attestations: this.deps.store.attestations(height) ?? [],
    };
  }

  block(height: number, full: boolean): BlockView {
    const header = this.header(height);
    const records = this.deps.store.txs(height) ?? [];
    const txIds = records.map((r) => bytesToHex(transactionIdFromCanonical(this.deps.suite, r.body)));
    const hash = this.checkpoint(height).blockHash;
    if (!full) return { header, hash, txIds };
    return {
      header,
      hash,
      txIds,
      txs: records.map(signedOf),
      receipts: this.deps.store.receipts(height) ?? [],
    };
  }

  txStatus(idHex: string): TxStatus {
    const id = hexToBytes(idHex, 'id', 32);
    const location = this.deps.store.txLocation(id);
    if (location !== undefined && location.height <= this.deps.durableHeight()) {
      const record = this.deps.store.tx(location.height, location.index);
      const receipts = this.deps.store.receipts(location.height);
      const header = this.deps.store.header(location.height);
      if (record === undefined || receipts === undefined || header === undefined) {
        throw nodeError('STORE_CORRUPT', 'transaction index points at a missing record', {
          height: location.height,
          reason: 'tx-index',
        });
      }
      return {
        id: idHex,
        status: 'committed',
        height: location.height,
        index: location.index,
        time: header.time,
        tx: signedOf(record),
        receipt: receipts[location.index]!,
      };
    }
    if (this.deps.isPending(idHex) || location !== undefined) return { id: idHex, status: 'pending' };
    const dropped = this.deps.dropped(idHex);
    if (dropped !== undefined) return { id: idHex, status: 'dropped', ...dropped };
    throw nodeError('TX_NOT_FOUND', 'no transaction with this id', { id: idHex });
  }

  private levels(height: number): { tx: Uint8Array[][]; receipt: Uint8Array[][] } {
    let levels = this.levelsCache.get(height);
    if (levels === undefined) {
      const { suite, store } = this.deps;
      const records = store.txs(height) ?? [];
      const txLeaves = records.map((r) => storedTxLeaf(suite, r).leaf);
      const receiptLeaves = (store.receiptBytes(height) ?? []).map((c) =>
        suite.merkleLeaf(receiptHashFromCanonical(suite, c)),
      );
      levels = { tx: merkleLevels(suite, txLeaves), receipt: merkleLevels(suite, receiptLeaves) };
      this.levelsCache.set(height, levels);
      if (this.levelsCache.size > 32) this.levelsCache.delete(this.levelsCache.keys().next().value as number);
    }
    return levels;
  }

  txProof(idHex: string): TxProof {
    const status = this.txStatus(idHex);
    if (status.status !== 'committed') {
      throw nodeError('TX_NOT_FOUND', 'the transaction is not in a durable block yet', {
        id: idHex,
        status: status.status,
      });
    }
    this.checkCertified(status.height);
    const levels = this.levels(status.height);
    return {
      height: status.height,
      index: status.index,
      tx: status.tx,
      receipt: status.receipt,
      txPath: merklePathToHex(merkleInclusionPath(levels.tx, status.index)),
      receiptPath: merklePathToHex(merkleInclusionPath(levels.receipt, status.index)),
      checkpoint: this.checkpoint(status.height),
    };
  }

  /** Value of (contract, key) at `height` (default: latest durable), read through the authenticated tree. */
  state(contract: string, key: string, opts: { height?: number; proof?: boolean } = {}): StateView {
    // A proof is only as good as its checkpoint: by default, prove against the latest certified block.
    const height = opts.height ?? (opts.proof === true ? this.deps.certifiedHeight() : this.deps.durableHeight());
    this.checkHeight(height);
    if (opts.proof === true) this.checkCertified(height);
    const { suite, store, tree } = this.deps;
    const rootBytes = store.root(height);
    if (rootBytes === undefined)
      throw nodeError('STORE_CORRUPT', `state root of block ${height} is missing`, { height, reason: 'root' });
    const root = decodeSlot(suite, rootBytes);
    const keyPath = stateKeyPath(suite, contract, key);
    const leaf = tree.get(root, keyPath);
    let value: JsonValue | null = null;
    if (leaf !== null) {
      const text = store.value(leaf.valueHeight, keyPath);
      if (text === undefined) throw nodeError('STORE_CORRUPT', 'state value is missing', { height, reason: 'value' });
      value = JSON.parse(text) as JsonValue;
    }
    if (!opts.proof) {
      if (value === null)
        throw nodeError('STATE_KEY_NOT_FOUND', `${contract}/${key} has no value at height ${height}`, { height });
      return { contract, key, height, value };
    }
    return {
      contract,
      key,
      height,
      value,
      proof: stateProofToJson(tree.prove(root, keyPath)),
      checkpoint: this.checkpoint(height),
    };
  }

  /** The 存证 certificate of a notarised document. */
  notaryCertificate(alg: NotaryAlgorithm, hash: string): NotaryCertificate {
    const view = this.state('notary', notaryRecordKey(alg, hash));
    const record = view.value as { txId: string };
    return {
      type: NOTARY_CERTIFICATE_TYPE,
      v: 1,
      chainId: this.deps.genesis.chainId,
      suite: this.deps.genesis.suite,
      document: { alg, hash },
      proof: this.txProof(record.txId),
    };
  }
}

/** A stored transaction record as the API shows it: body, signature and, when present, co-signatures. */
function signedOf(r: StoredTx): SignedTransaction {
  const signed = { tx: JSON.parse(bytesToUtf8(r.body)) as Transaction, sig: bytesToHex(r.sig) };
  return r.cosigs.length === 0 ? signed : { ...signed, cosigs: JSON.parse(bytesToUtf8(r.cosigs)) as Cosignature[] };
}

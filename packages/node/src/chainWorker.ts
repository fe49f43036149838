/**
 * Worker-thread entry. Admission: everything that can be checked about a transaction without state — strict
 * parsing, shape, chain id, expiry, canonical size, id, signature and co-signatures — runs here so the main thread
 * only checks identity and policy, orders and executes. Verification: the per-block checks of `lianzheng verify`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  assertSignedTransaction,
  attestationBody,
  attestationDigest,
  type BatchHeader,
  blockHash,
  bytesToHex,
  bytesToUtf8,
  type ConsortiumConfig,
  type Cosignature,
  type CryptoSuite,
  canonicalize,
  cosignaturesDigest,
  decodeCanonical,
  equalBytes,
  HashTag,
  hexToBytes,
  isHex,
  isLianzhengError,
  merkleRootFromLeafHashes,
  openBatch,
  parseJsonStrict,
  protocolError,
  receiptHashFromCanonical,
  type SuiteId,
  stateValueHashText,
  type Transaction,
  transactionIdFromCanonical,
  transactionLeafHash,
  utf8ToBytes,
  verifyCosignatures,
} from '@lianzheng/protocol';
import { type CandidateTx, decodeSlot, StateTree } from '@lianzheng/runtime';
import { ChainStore, decodeRecords, decodeTxRecords, type StoredTx } from './chainStore.js';
import { nativeSuite } from './nativeSuite.js';

export interface WorkerConfig {
  readonly suite: SuiteId;
  readonly chainId: string;
  /** Hard cap on a transaction body, bytes, before hashing (the configured limit is checked on the main thread). */
  readonly maxTxBytes: number;
  readonly maxBatchTxs: number;
  /** Attesting node keys: public key hex → node id. */
  readonly attestors: readonly (readonly [string, string])[];
}

/** Largest transaction body any configuration may allow (`limits.maxTxBytes` ≤ this). */
export const MAX_TX_BYTES = 16 * 1024 * 1024;

/** Worker settings derived from the chain's genesis (chain id and suite never change; solo attestors neither). */
export function workerConfigFromGenesis(genesis: ConsortiumConfig, maxBatchTxs: number): WorkerConfig {
  return {
    suite: genesis.suite,
    chainId: genesis.chainId,
    maxTxBytes: MAX_TX_BYTES,
    maxBatchTxs,
    attestors: genesis.orgs.flatMap((o) => o.nodes.map((n) => [n.publicKey, n.id] as const)),
  };
}

/** The id, leaf hash and parsed co-signatures of a stored transaction. */
export function storedTxLeaf(
  suite: CryptoSuite,
  t: StoredTx,
): { id: Uint8Array; leaf: Uint8Array; cosigs: Cosignature[] | undefined } {
  const id = transactionIdFromCanonical(suite, t.body);
  if (t.cosigs.length === 0) return { id, leaf: transactionLeafHash(suite, id, t.sig), cosigs: undefined };
  const cosigs = JSON.parse(bytesToUtf8(t.cosigs)) as Cosignature[];
  return { id, leaf: transactionLeafHash(suite, id, t.sig, suite.tagged(HashTag.cosigs, t.cosigs)), cosigs };
}

/** The executor's view of a transaction the workers verified (their hex strings are well-formed). */
export function candidateOf(r: Extract<AdmitResult, { ok: true }>): CandidateTx {
  return {
    id: Buffer.from(r.idHex, 'hex'),
    idHex: r.idHex,
    sig: Buffer.from(r.sigHex, 'hex'),
    tx: r.tx as Transaction,
    canonical: r.canonical,
    ...(r.cosigs === undefined ? {} : { cosigs: r.cosigs, cosigsDigest: Buffer.from(r.cosigsDigest as string, 'hex') }),
  };
}

/** The most transactions an ordered batch or block may carry (the configuration's `maxBlockTxs` ceiling). */
const MAX_ORDERED_TXS = 100_000;

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type AdmitResult =
  | {
      readonly ok: true;
      readonly idHex: string;
      readonly sigHex: string;
      readonly canonical: string;
      /** Bytes of the canonical body. */
      readonly size: number;
      readonly tx: unknown;
      readonly cosigs?: readonly Cosignature[];
      /** TH("lianzheng/cosigs", JCS(cosigs)), hex. */
      readonly cosigsDigest?: string;
    }
  | { readonly ok: false; readonly error: WireError };

export interface AdmitRequest {
  readonly kind: 'admit';
  /** Either one signed transaction (JSON text) or a JSON array of them. */
  readonly body: string;
  readonly batch: boolean;
  readonly now: number;
  /**
   * Transactions already ordered (from an etcd batch or a peer's block): only what is deterministic is checked here —
   * shape, canonical form, id, signature, co-signatures — because every node must reach the same verdict. Expiry,
   * size and duplicates are the executor's drop rules (PROTOCOL.md §5.5).
   */
  readonly ordered?: boolean;
}

/** Opens an ordering batch read from etcd (header, hash, node signature) and checks each of its transactions. */
export interface OpenBatchRequest {
  readonly kind: 'batch';
  readonly value: string;
}

export type OpenBatchResponse =
  | { readonly header: BatchHeader; readonly results: AdmitResult[] }
  | { readonly error: WireError };

export type AdmitResponse = { readonly results: AdmitResult[] } | { readonly error: WireError };

export interface VerifyBlockRequest {
  readonly kind: 'verifyBlock';
  readonly height: number;
  readonly header: Uint8Array;
  readonly block: Uint8Array;
  readonly receipts: Uint8Array;
  readonly attestations: Uint8Array;
  readonly checkSignatures: boolean;
}

export type VerifyBlockResponse =
  | {
      readonly ok: true;
      readonly blockHash: string;
      readonly txIds: string[];
      readonly txs: number;
      readonly signatures: number;
    }
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly index?: number };

export function toWireError(e: unknown): WireError {
  if (isLianzhengError(e)) {
    return e.details === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, details: e.details };
  }
  return { code: 'INTERNAL', message: 'unexpected error during admission' };
}

export class Admission {
  private readonly suite: CryptoSuite;
  private readonly config: WorkerConfig;
  private readonly attestors: ReadonlyMap<string, string>;

  constructor(config: WorkerConfig) {
    this.config = config;
    this.suite = nativeSuite(config.suite);
    this.attestors = new Map(config.attestors);
  }

  openBatch(request: OpenBatchRequest): OpenBatchResponse {
    let opened: ReturnType<typeof openBatch>;
    try {
      opened = openBatch(this.suite, this.config.chainId, request.value);
    } catch (e) {
      return { error: toWireError(e) };
    }
    const r = this.admit({ kind: 'admit', body: opened.txsText, batch: true, now: 0, ordered: true });
    if ('error' in r) return r;
    if (r.results.length !== opened.header.count) {
      return { error: { code: 'BATCH_INVALID', message: 'header.count does not match the transactions' } };
    }
    return { header: opened.header, results: r.results };
  }

  admit(request: AdmitRequest): AdmitResponse {
    const ordered = request.ordered === true;
    if (!request.batch) return { results: [this.admitOne(request.body, request.now, null, ordered)] };
    let items: unknown;
    try {
      items = parseJsonStrict(request.body);
    } catch (e) {
      return { error: toWireError(e) };
    }
    if (!Array.isArray(items)) {
      return {
        error: { code: 'REQUEST_MALFORMED', message: 'a batch body must be a JSON array of signed transactions' },
      };
    }
    if (items.length > (ordered ? MAX_ORDERED_TXS : this.config.maxBatchTxs)) {
      return {
        error: {
          code: 'BATCH_TOO_LARGE',
          message: `a batch may hold at most ${this.config.maxBatchTxs} transactions`,
          details: { maxBatchTxs: this.config.maxBatchTxs },
        },
      };
    }
    return { results: items.map((item) => this.admitOne(null, request.now, item, ordered)) };
  }

  private admitOne(text: string | null, now: number, parsed: unknown, ordered: boolean): AdmitResult {
    try {
      const value = text === null ? parsed : parseJsonStrict(text);
      const signed = assertSignedTransaction(value, this.suite);
      const { tx } = signed;
      if (tx.chainId !== this.config.chainId) {
        throw protocolError(
          'TX_CHAIN_ID_MISMATCH',
          `transaction is for chain ${tx.chainId}, this is ${this.config.chainId}`,
          {
            expected: this.config.chainId,
          },
        );
      }
      if (!ordered && tx.expiresAt < now)
        throw protocolError('TX_EXPIRED', 'transaction has expired', { expiresAt: tx.expiresAt, now });
      const canonical = canonicalize(tx);
      const bytes = utf8ToBytes(canonical);
      if (!ordered && bytes.length > this.config.maxTxBytes) {
        throw protocolError(
          'TX_TOO_LARGE',
          `transaction is ${bytes.length} bytes; the limit is ${this.config.maxTxBytes}`,
          { size: bytes.length, maxTxBytes: this.config.maxTxBytes },
        );
      }
      // Identity, policy and the configured size and validity limits are checked on the main thread against the
      // latest state; signatures are checked here, off the main thread.
      const id = transactionIdFromCanonical(this.suite, bytes);
      if (!this.suite.verify(hexToBytes(tx.signer), id, hexToBytes(signed.sig))) {
        throw protocolError('TX_SIGNATURE_INVALID', 'signature does not verify for this transaction and signer');
      }
      const base = { ok: true as const, idHex: bytesToHex(id), sigHex: signed.sig, canonical, size: bytes.length, tx };
      if (signed.cosigs === undefined) return base;
      if (!verifyCosignatures(this.suite, id, signed.cosigs)) {
        throw protocolError('COSIG_INVALID', 'a co-signature does not verify over the transaction id');
      }
      const digest = cosignaturesDigest(this.suite, signed.cosigs);
      return { ...base, cosigs: signed.cosigs, cosigsDigest: bytesToHex(digest) };
    } catch (e) {
      return { ok: false, error: toWireError(e) };
    }
  }

  /** Stateless checks of one stored block: hashes, signatures, Merkle roots, attestations. */
  verifyBlock(r: VerifyBlockRequest): VerifyBlockResponse {
    const fail = (reason: string, message: string, index?: number): VerifyBlockResponse =>
      index === undefined ? { ok: false, reason, message } : { ok: false, reason, message, index };
    const { suite } = this;
    let header: ReturnType<typeof JSON.parse>;
    try {
      header = decodeCanonical(r.header);
    } catch {
      return fail('header-encoding', 'stored header is not canonical JSON');
    }
    const hash = blockHash(suite, header);
    let txs: ReturnType<typeof decodeTxRecords>;
    let receipts: Uint8Array[];
    try {
      txs = decodeTxRecords(Buffer.from(r.block.buffer, r.block.byteOffset, r.block.byteLength));
      receipts = decodeRecords(Buffer.from(r.receipts.buffer, r.receipts.byteOffset, r.receipts.byteLength));
    } catch {
      return fail('block-encoding', 'stored block or receipts are malformed');
    }
    if (header.height !== r.height) return fail('height', `header says height ${header.height}`);
    if (txs.length !== header.txCount)
      return fail('tx-count', `header.txCount is ${header.txCount}, block holds ${txs.length}`);
    if (receipts.length !== txs.length) return fail('receipt-count', 'receipt count differs from transaction count');
    const txIds: string[] = [];
    const txLeaves: Uint8Array[] = [];
    let signatures = 0;
    for (let i = 0; i < txs.length; i++) {
      const t = txs[i]!;
      let id: Uint8Array;
      let leaf: Uint8Array;
      let cosigs: Cosignature[] | undefined;
      try {
        ({ id, leaf, cosigs } = storedTxLeaf(suite, t));
      } catch {
        return fail('tx-encoding', `co-signatures of transaction ${i} are not valid JSON`, i);
      }
      txIds.push(bytesToHex(id));
      txLeaves.push(leaf);
      if (r.checkSignatures) {
        let signer: Uint8Array;
        try {
          signer = hexToBytes((JSON.parse(bytesToUtf8(t.body)) as { signer: string }).signer, 'tx.signer');
        } catch {
          return fail('tx-encoding', `transaction ${i} is not valid JSON`, i);
        }
        if (!suite.verify(signer, id, t.sig))
          return fail('tx-signature', `signature of transaction ${i} does not verify`, i);
        signatures++;
        if (cosigs !== undefined) {
          let ok = false;
          try {
            ok = verifyCosignatures(suite, id, cosigs);
          } catch {
            ok = false;
          }
          if (!ok) return fail('tx-signature', `a co-signature of transaction ${i} does not verify`, i);
          signatures += cosigs.length;
        }
      }
    }
    if (bytesToHex(merkleRootFromLeafHashes(suite, txLeaves)) !== header.txRoot) {
      return fail('tx-root', 'transactions do not hash to header.txRoot');
    }
    const receiptLeaves = receipts.map((c) => suite.merkleLeaf(receiptHashFromCanonical(suite, c)));
    if (bytesToHex(merkleRootFromLeafHashes(suite, receiptLeaves)) !== header.receiptRoot) {
      return fail('receipt-root', 'receipts do not hash to header.receiptRoot');
    }
    let attestations: { node: string; publicKey: string; sig: string }[];
    try {
      attestations = JSON.parse(bytesToUtf8(r.attestations));
    } catch {
      return fail('attestation-encoding', 'stored attestations are not JSON');
    }
    if (!Array.isArray(attestations) || attestations.length === 0)
      return fail('attestation', 'block has no attestation');
    const digest = attestationDigest(suite, attestationBody(header, hash));
    for (const a of attestations) {
      // A key genesis lists must carry its node's name. Nodes that joined later by a governance vote are not in the
      // workers' genesis view; their signatures must still verify, and whether they formed a quorum is what
      // verifyCheckpoint checks against the configuration (PROTOCOL.md §18.5).
      const known = this.attestors.get(a.publicKey);
      if (known !== undefined ? known !== a.node : typeof a.node !== 'string' || !isHex(a.publicKey))
        return fail('attestation', `attestation by unknown node ${a.node}`);
      if (!suite.verify(hexToBytes(a.publicKey), digest, hexToBytes(a.sig, 'sig', 64))) {
        return fail('attestation', `attestation signature of ${a.node} does not verify`);
      }
      signatures++;
    }
    return { ok: true, blockHash: bytesToHex(hash), txIds, txs: txs.length, signatures };
  }
}

export interface StoreCheckRequest {
  readonly path: string;
  readonly suite: SuiteId;
  readonly to: number;
  /** Also compare page and value counts with the tables (only meaningful when `to` is the latest height). */
  readonly complete: boolean;
}

export type StoreCheckResponse =
  | { readonly ok: true; readonly pages: number; readonly values: number }
  | { readonly ok: false; readonly height: number; readonly reason: string; readonly message: string };

/**
 * Every stored state page and value, checked against the hashes above it: for each height, the pages and values that
 * height wrote (the rest belong to earlier heights). Runs on its own thread with its own read-only LMDB handle.
 */
export function checkStateStore(r: StoreCheckRequest): StoreCheckResponse {
  const suite = nativeSuite(r.suite);
  const store = ChainStore.open({ path: r.path, readOnly: true });
  try {
    const tree = new StateTree({ cachePages: 65_536 }, { hash: suite, pages: { getPage: (k) => store.page(k) } });
    let pages = 0;
    let values = 0;
    for (let h = 0; h <= r.to; h++) {
      const rootBytes = store.root(h);
      if (rootBytes === undefined)
        return { ok: false, height: h, reason: 'state-root', message: 'state root record is missing' };
      try {
        for (const item of tree.walkVersion(decodeSlot(suite, rootBytes), h)) {
          if (item.type === 'page') {
            pages++;
            continue;
          }
          const text = store.value(h, item.leaf.keyPath);
          if (text === undefined || !equalBytes(stateValueHashText(suite, text), item.leaf.valueHash)) {
            return {
              ok: false,
              height: h,
              reason: 'state-value',
              message: 'a state value is missing or does not match its leaf',
            };
          }
          values++;
        }
      } catch (error) {
        if (isLianzhengError(error) && error.code === 'STATE_CORRUPT') {
          return { ok: false, height: h, reason: 'state-page', message: error.message };
        }
        throw error;
      }
    }
    if (r.complete && pages !== store.countPages()) {
      return {
        ok: false,
        height: r.to,
        reason: 'state-page',
        message: `${store.countPages() - pages} stored state pages belong to no version`,
      };
    }
    if (r.complete && values !== store.countValues()) {
      return {
        ok: false,
        height: r.to,
        reason: 'state-value',
        message: `${store.countValues() - values} stored values belong to no leaf`,
      };
    }
    return { ok: true, pages, values };
  } finally {
    void store.close();
  }
}

if (parentPort !== null && workerData?.lianzhengStoreCheck !== undefined) {
  parentPort.postMessage(checkStateStore(workerData.lianzhengStoreCheck as StoreCheckRequest));
}

if (parentPort !== null && workerData?.lianzhengWorker === true) {
  const admission = new Admission(workerData.config as WorkerConfig);
  const port = parentPort;
  port.on('message', (message: { seq: number; request: AdmitRequest | OpenBatchRequest | VerifyBlockRequest }) => {
    let response: unknown;
    try {
      const request = message.request;
      response =
        request.kind === 'admit'
          ? admission.admit(request)
          : request.kind === 'batch'
            ? admission.openBatch(request)
            : admission.verifyBlock(request);
    } catch (e) {
      response = { error: toWireError(e) };
    }
    port.postMessage({ seq: message.seq, response });
  });
}

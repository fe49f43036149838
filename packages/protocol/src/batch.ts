import { bytesToHex, hexToBytes, isHex } from './bytes.js';
import { canonicalize, parseJsonStrict } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { HashTag } from './hash.js';
import type { CryptoSuite } from './suite.js';
import { CHAIN_ID_PATTERN } from './transaction.js';

/**
 * An ordering batch: what a node writes to the etcd ordering cluster (docs/PROTOCOL.md §18.2). The value of the etcd
 * key is `JCS(header) ‖ "\n" ‖ txs`, where `txs` is the JSON array of signed transactions exactly as the node sends
 * it and the header commits to it by hash. The node signs the header without `sig`; every node checks the signature
 * before it executes the block cut from the batch.
 */
export interface BatchHeader {
  readonly v: 1;
  readonly chainId: string;
  /** Node id and organisation of the proposing node, and its node key (hex). */
  readonly node: string;
  readonly org: string;
  readonly publicKey: string;
  /** The proposer's clock when it cut the batch, ms since the epoch (the block time is max(this, parent time)). */
  readonly time: number;
  /** Number of transactions in `txs`. */
  readonly count: number;
  /** TH("lianzheng/batch/txs", UTF-8 bytes of the txs array text). */
  readonly txs: string;
  /** Signature over TH("lianzheng/batch", JCS(header without sig)). */
  readonly sig: string;
}

export type UnsignedBatchHeader = Omit<BatchHeader, 'sig'>;

const FIELDS = ['v', 'chainId', 'node', 'org', 'publicKey', 'time', 'count', 'txs', 'sig'];

/** The largest batch a node accepts from the ordering cluster, in bytes of the whole value. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export function batchTxsHash(suite: CryptoSuite, txsText: string): string {
  return bytesToHex(suite.taggedText(HashTag.batchTxs, txsText));
}

export function batchSigningDigest(suite: CryptoSuite, header: UnsignedBatchHeader): Uint8Array {
  const { v, chainId, node, org, publicKey, time, count, txs } = header;
  return suite.taggedText(HashTag.batch, canonicalize({ v, chainId, node, org, publicKey, time, count, txs }));
}

export function encodeBatch(header: BatchHeader, txsText: string): string {
  return `${canonicalize(header as unknown as Record<string, string | number>)}\n${txsText}`;
}

function invalid(reason: string, message: string): never {
  throw protocolError('BATCH_INVALID', message, { reason });
}

/**
 * Splits and checks a batch value: header shape, chain id, the hash of the transactions and the node's signature.
 * Whether the key belongs to a node of the consortium is decided by the executor against the configuration of the
 * block (the proposer). The transactions themselves are checked one by one afterwards.
 */
export function openBatch(
  suite: CryptoSuite,
  chainId: string,
  value: string,
): { readonly header: BatchHeader; readonly txsText: string } {
  if (value.length > MAX_BATCH_BYTES) invalid('size', 'batch is larger than 16 MiB');
  const nl = value.indexOf('\n');
  if (nl < 0) invalid('format', 'batch has no header line');
  let parsed: unknown;
  try {
    parsed = parseJsonStrict(value.slice(0, nl));
  } catch {
    invalid('header', 'batch header is not strict JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) invalid('header', 'malformed header');
  const h = parsed as Record<string, unknown>;
  for (const k of Object.keys(h)) if (!FIELDS.includes(k)) invalid('header', `unknown header field ${k}`);
  if (h.v !== 1) invalid('header', 'header.v must be 1');
  if (typeof h.chainId !== 'string' || !CHAIN_ID_PATTERN.test(h.chainId)) invalid('header', 'bad header.chainId');
  if (h.chainId !== chainId) invalid('chain-id', `batch is for chain ${h.chainId}`);
  if (typeof h.node !== 'string' || h.node.length === 0 || h.node.length > 64) invalid('header', 'bad header.node');
  if (typeof h.org !== 'string' || h.org.length === 0 || h.org.length > 64) invalid('header', 'bad header.org');
  if (!isHex(h.publicKey) || (h.publicKey as string).length > 200) invalid('header', 'bad header.publicKey');
  if (!Number.isSafeInteger(h.time) || (h.time as number) < 0) invalid('header', 'bad header.time');
  if (!Number.isSafeInteger(h.count) || (h.count as number) < 0) invalid('header', 'bad header.count');
  if (!isHex(h.txs, 32)) invalid('header', 'bad header.txs');
  if (!isHex(h.sig, 64)) invalid('header', 'bad header.sig');
  const header = h as unknown as BatchHeader;
  const txsText = value.slice(nl + 1);
  if (batchTxsHash(suite, txsText) !== header.txs) invalid('txs-hash', 'transactions do not hash to header.txs');
  const digest = batchSigningDigest(suite, header);
  if (!suite.verify(hexToBytes(header.publicKey, 'publicKey'), digest, hexToBytes(header.sig, 'sig', 64))) {
    invalid('signature', `batch signature of ${header.node} does not verify`);
  }
  return { header, txsText };
}

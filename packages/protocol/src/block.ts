import { bytesToHex, isHex } from './bytes.js';
import { canonicalize, type JsonValue } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { type Hasher, HashTag } from './hash.js';
import { CHAIN_ID_PATTERN, CONTRACT_PATTERN } from './transaction.js';

/** Block header. docs/PROTOCOL.md §6. The block hash is TH("lianzheng/header", JCS(header)). */
export interface BlockHeader {
  readonly v: 1;
  readonly chainId: string;
  readonly height: number;
  /** Block time, ms since the Unix epoch; never decreases along the chain. */
  readonly time: number;
  /** Hash of the previous header; 64 zeros at height 0. */
  readonly parent: string;
  readonly txCount: number;
  /** RFC 9162 root over the leaves id ‖ sig of the block's transactions, in block order. */
  readonly txRoot: string;
  /** RFC 9162 root over the receipt hashes, in block order. */
  readonly receiptRoot: string;
  /** State root after executing this block. */
  readonly stateRoot: string;
  /**
   * Ordering position (etcd ordering only): the etcd revision of the batch this block was cut from. Strictly
   * increasing along the chain; absent in `solo` chains and at height 0. docs/PROTOCOL.md §18.
   */
  readonly rev?: number;
}

export const RECEIPT_STATUS = { ok: 'ok', failed: 'failed' } as const;
export type ReceiptStatus = (typeof RECEIPT_STATUS)[keyof typeof RECEIPT_STATUS];

export interface ContractEvent {
  readonly contract: string;
  readonly name: string;
  readonly data: JsonValue;
}

/** Outcome of one transaction. A failed transaction is in the block; its writes are discarded. */
export interface Receipt {
  readonly tx: string;
  readonly status: ReceiptStatus;
  /** Error code when failed (docs/errors.md). */
  readonly code?: string;
  readonly message?: string;
  readonly events: readonly ContractEvent[];
  readonly result?: JsonValue;
  /** Fuel used by a call of a user contract (PROTOCOL.md §16); absent for system contracts. */
  readonly fuel?: number;
}

export function headerCanonical(header: BlockHeader): string {
  return canonicalize(header);
}

export function blockHash(h: Hasher, header: BlockHeader): Uint8Array {
  return h.taggedText(HashTag.header, headerCanonical(header));
}

/** Block hash from the stored canonical header bytes (no re-encoding). */
export function blockHashFromCanonical(h: Hasher, canonical: Uint8Array): Uint8Array {
  return h.tagged(HashTag.header, canonical);
}

export function receiptHash(h: Hasher, receipt: Receipt): Uint8Array {
  return h.taggedText(HashTag.receipt, canonicalize(receipt));
}

export function receiptHashFromCanonical(h: Hasher, canonical: string | Uint8Array): Uint8Array {
  return typeof canonical === 'string'
    ? h.taggedText(HashTag.receipt, canonical)
    : h.tagged(HashTag.receipt, canonical);
}

const HEADER_FIELDS = [
  'v',
  'chainId',
  'height',
  'time',
  'parent',
  'txCount',
  'txRoot',
  'receiptRoot',
  'stateRoot',
  'rev',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function assertBlockHeader(value: unknown): BlockHeader {
  const bad = (field: string): never => {
    throw protocolError('HEADER_MALFORMED', `header.${field} is missing or malformed`, { field: `header.${field}` });
  };
  if (!isRecord(value)) bad('');
  const h = value as Record<string, unknown>;
  for (const key of Object.keys(h)) if (!HEADER_FIELDS.includes(key)) bad(key);
  if (h.v !== 1) bad('v');
  if (typeof h.chainId !== 'string' || !CHAIN_ID_PATTERN.test(h.chainId)) bad('chainId');
  if (!isCount(h.height)) bad('height');
  if (!isCount(h.time)) bad('time');
  if (!isCount(h.txCount)) bad('txCount');
  if (h.rev !== undefined && !(isCount(h.rev) && h.rev > 0 && (h.height as number) > 0)) bad('rev');
  for (const f of ['parent', 'txRoot', 'receiptRoot', 'stateRoot'] as const) if (!isHex(h[f], 32)) bad(f);
  return h as unknown as BlockHeader;
}

export function assertReceipt(value: unknown): Receipt {
  const bad = (field: string): never => {
    throw protocolError('RECEIPT_MALFORMED', `receipt.${field} is missing or malformed`, {
      field: `receipt.${field}`,
    });
  };
  if (!isRecord(value)) bad('');
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!['tx', 'status', 'code', 'message', 'events', 'result', 'fuel'].includes(key)) bad(key);
  }
  if (!isHex(r.tx, 32)) bad('tx');
  if (r.status !== 'ok' && r.status !== 'failed') bad('status');
  if (r.code !== undefined && typeof r.code !== 'string') bad('code');
  if (r.message !== undefined && typeof r.message !== 'string') bad('message');
  if (r.fuel !== undefined && !(Number.isSafeInteger(r.fuel) && (r.fuel as number) >= 0)) bad('fuel');
  if (!Array.isArray(r.events)) bad('events');
  for (const e of r.events as unknown[]) {
    if (!isRecord(e) || typeof e.contract !== 'string' || !CONTRACT_PATTERN.test(e.contract)) bad('events');
    if (typeof (e as Record<string, unknown>).name !== 'string' || !('data' in (e as object))) bad('events');
  }
  return r as unknown as Receipt;
}

export const GENESIS_PARENT = bytesToHex(new Uint8Array(32));

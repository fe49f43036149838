import type { BlockHeader, Receipt } from './block.js';
import type { JsonValue } from './canonicalJson.js';
import type { Checkpoint } from './checkpoint.js';
import type { Genesis } from './genesis.js';
import type { StateProofJson } from './stateProof.js';
import type { SignedTransaction } from './transaction.js';

/**
 * JSON bodies of the node's REST API (docs/PROTOCOL.md §14), shared by the node that produces them and the SDK that
 * reads them.
 */

/** `GET /v1/transactions/{id}`. */
export type TxStatus =
  | {
      readonly id: string;
      readonly status: 'committed';
      readonly height: number;
      readonly index: number;
      readonly time: number;
      readonly tx: SignedTransaction;
      readonly receipt: Receipt;
    }
  | { readonly id: string; readonly status: 'pending' }
  | { readonly id: string; readonly status: 'dropped'; readonly code: string; readonly message: string };

/** `GET /v1/blocks/{height}` (`txs` and `receipts` with `full=true`). */
export interface BlockView {
  readonly header: BlockHeader;
  readonly hash: string;
  readonly txIds: readonly string[];
  readonly txs?: readonly SignedTransaction[];
  readonly receipts?: readonly Receipt[];
}

/** `GET /v1/state/{contract}/{key}` (`proof` and `checkpoint` with `proof=true`). */
export interface StateView {
  readonly contract: string;
  readonly key: string;
  readonly height: number;
  readonly value: JsonValue | null;
  readonly proof?: StateProofJson;
  readonly checkpoint?: Checkpoint;
}

/** `GET /v1/chain`. */
export interface ChainInfo {
  readonly chainId: string;
  readonly suite: string;
  readonly genesisHash: string;
  readonly height: number;
  readonly genesis: Genesis;
}

/** Blocks and committed transactions of one day (China time, UTC+8) in `GET /v1/stats/chain`. */
export interface ChainStatsDay {
  /** `YYYY-MM-DD`, China time. */
  readonly date: string;
  readonly blocks: number;
  /** Committed transactions: `ok` + `failed` (by receipt status). */
  readonly transactions: number;
  readonly ok: number;
  readonly failed: number;
}

/**
 * `GET /v1/stats/chain`: throughput per day over the last `days` days, today (the node's clock) last and partial.
 * Not about persons, so nothing is suppressed (docs/statistics.md).
 */
export interface ChainStatsView {
  /** Every day of the window, oldest first, days without blocks included as zeros. */
  readonly days: readonly ChainStatsDay[];
  /** Sums over `days`. */
  readonly totals: Omit<ChainStatsDay, 'date'>;
  /** The latest durable block. */
  readonly height: number;
  /** ms since the epoch. */
  readonly generatedAt: number;
}

import type { Attestation } from '@lianzheng/protocol';
import type { BlockProposal, CandidateTx } from '@lianzheng/runtime';

/** A block taken from a peer: the ledger re-executes it and must reach `expect.hash`, or rejects it. */
export interface SyncedProposal {
  readonly expect: { readonly hash: string; readonly attestations: readonly Attestation[] };
}

/**
 * The boundary between ordering and execution, in the spirit of CometBFT's ABCI: the orderer sees admitted
 * transactions as opaque items and hands back a total order cut into block proposals; execution never knows which
 * engine produced them. `solo` cuts blocks in-process; the `etcd` engine (consortium mode) implements the same
 * interface over an etcd cluster's revision order.
 */
export interface Orderer {
  readonly type: 'solo' | 'etcd';
  /** Hands admitted transactions to ordering. */
  submit(txs: readonly CandidateTx[]): void;
  /**
   * The proposal for `height` with at most `maxTxs` transactions (the configuration's `ordering.maxBlockTxs`, which
   * governance may change), waiting until there is something to order. Resolves null once the orderer is closed.
   */
  next(height: number, maxTxs: number): Promise<(BlockProposal & Partial<SyncedProposal>) | null>;
  /** A block from a peer did not re-execute to the expected hash: the orderer drops it and asks another peer. */
  rejectSynced?(height: number, reason: string): void;
  /** Transactions handed over but not yet cut into a proposal. */
  readonly queued: number;
  close(): void;
}

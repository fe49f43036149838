import type { BlockProposal, CandidateTx } from '@lianzheng/runtime';

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
  next(height: number, maxTxs: number): Promise<BlockProposal | null>;
  /** Transactions handed over but not yet cut into a proposal. */
  readonly queued: number;
  close(): void;
}

import type { CandidateTx } from '@lianzheng/runtime';

export interface MempoolOptions {
  /** Most admitted transactions waiting for a durable block; beyond this submissions get 429. */
  readonly maxTxs: number;
}

export const defaultMempoolOptions: MempoolOptions = { maxTxs: 30_000 };

/**
 * Admitted transactions not yet in a durable block: duplicate suppression and back-pressure. It does not order
 * anything; the orderer does.
 */
export class Mempool {
  private readonly pending = new Map<string, CandidateTx>();
  readonly maxTxs: number;

  constructor(opts: MempoolOptions) {
    this.maxTxs = opts.maxTxs;
  }

  get size(): number {
    return this.pending.size;
  }

  get free(): number {
    return Math.max(0, this.maxTxs - this.pending.size);
  }

  has(idHex: string): boolean {
    return this.pending.has(idHex);
  }

  /** False when the id is already pending. */
  add(tx: CandidateTx): boolean {
    if (this.pending.has(tx.idHex)) return false;
    this.pending.set(tx.idHex, tx);
    return true;
  }

  remove(idHex: string): void {
    this.pending.delete(idHex);
  }
}

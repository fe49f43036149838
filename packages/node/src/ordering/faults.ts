import type { BlockProposal, CandidateTx } from '@lianzheng/runtime';
import type { Orderer, SyncedProposal } from './orderer.js';

/**
 * Deliberate faults for the consortium tests (set with LIANZHENG_FAULT_INJECTION; never in production). A node with
 * `tamper-execution` leaves the last transaction of every batch out of its blocks, so its blocks and state differ
 * from everyone else's: the other nodes must notice at the first such block (PROTOCOL.md §18.5).
 */
export type FaultInjection = 'tamper-execution';

export function isFaultInjection(value: string): value is FaultInjection {
  return value === 'tamper-execution';
}

export class TamperingOrderer implements Orderer {
  private readonly inner: Orderer;

  constructor(inner: Orderer) {
    this.inner = inner;
  }

  get type(): Orderer['type'] {
    return this.inner.type;
  }

  get queued(): number {
    return this.inner.queued;
  }

  submit(txs: readonly CandidateTx[]): void {
    this.inner.submit(txs);
  }

  async next(height: number, maxTxs: number): Promise<(BlockProposal & Partial<SyncedProposal>) | null> {
    const p = await this.inner.next(height, maxTxs);
    if (p === null || p.expect !== undefined || p.txs.length === 0) return p;
    return { ...p, txs: p.txs.slice(0, -1) };
  }

  rejectSynced(height: number, reason: string): void {
    this.inner.rejectSynced?.(height, reason);
  }

  close(): void {
    this.inner.close();
  }
}

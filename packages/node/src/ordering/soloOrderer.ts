import type { BlockProposal, CandidateTx } from '@lianzheng/runtime';
import type { Clock } from '../clock.js';
import type { Orderer } from './orderer.js';

/**
 * In-process ordering for a single node: arrival order is the total order. A proposal is cut as soon as the
 * executor asks for one and something is queued, so while one block is being executed and flushed the next one
 * fills up — group commit without a timer, low latency when idle and large blocks under load.
 */
export class SoloOrderer implements Orderer {
  readonly type = 'solo' as const;
  private queue: CandidateTx[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly clock: Clock;

  constructor(deps: { readonly clock: Clock }) {
    this.clock = deps.clock;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  submit(txs: readonly CandidateTx[]): void {
    for (const t of txs) this.queue.push(t);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async next(height: number, maxTxs: number): Promise<BlockProposal | null> {
    while (this.queued === 0) {
      if (this.closed) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.closed) return null;
    const end = Math.min(this.queue.length, this.head + maxTxs);
    const txs = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head > 65_536 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return { height, time: this.clock.now(), txs };
  }

  close(): void {
    this.closed = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

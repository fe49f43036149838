import { describe, expect, it } from 'vitest';
import { NodeMetrics } from '../src/metrics.js';

function loopDelay(text: string, quantile: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`lianzheng_event_loop_delay_seconds{quantile="${quantile}"}`));
  if (line === undefined) throw new Error(`no event-loop delay line for quantile ${quantile}`);
  return Number(line.split(' ')[1]);
}

/** Blocks the event loop for about `ms` milliseconds. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose: the monitor must see the loop held up
  }
}

describe('NodeMetrics event-loop delay', () => {
  it('reports fixed windows: a second scrape sees the same figures as the first', async () => {
    const metrics = new NodeMetrics();
    try {
      await new Promise((r) => setTimeout(r, 20));
      busy(120);
      await new Promise((r) => setTimeout(r, 20));
      const first = await metrics.registry.metrics();
      const second = await metrics.registry.metrics();
      expect(loopDelay(first, '1')).toBeGreaterThan(0.1);
      // Before, each scrape reset the histogram: the second scraper saw almost nothing of the stall.
      expect(loopDelay(second, '1')).toBe(loopDelay(first, '1'));
    } finally {
      metrics.close();
    }
  });
});

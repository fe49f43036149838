/**
 * The operations page's reading of the node's Prometheus text: samples with and without labels, escaped label values,
 * special values and timestamps, declared counters without samples, and lines it must skip rather than misread.
 */
import { describe, expect, it } from 'vitest';
import { metricSum, parsePrometheusText } from '../src/admin/parsePrometheusText.js';

const TEXT = [
  '# HELP lianzheng_blocks_committed_total Blocks made durable',
  '# TYPE lianzheng_blocks_committed_total counter',
  'lianzheng_blocks_committed_total 42',
  '',
  '# HELP lianzheng_txs_committed_total Transactions in durable blocks, by receipt status',
  '# TYPE lianzheng_txs_committed_total counter',
  'lianzheng_txs_committed_total{status="ok"} 120',
  'lianzheng_txs_committed_total{status="failed"} 3',
  '# TYPE lianzheng_admissions_total counter',
  'lianzheng_admissions_total{result="ok"} 123',
  'lianzheng_admissions_total{result="MEMPOOL_FULL"} 2',
  'lianzheng_admissions_total{result="TX_EXPIRED"} 1 1767225600000',
  '# TYPE lianzheng_private_reads_total counter',
  '# TYPE lianzheng_event_loop_delay_seconds gauge',
  'lianzheng_event_loop_delay_seconds{quantile="0.99"} 1.5e-3',
  'lianzheng_certificate_expiry_seconds{kind="ca",org="a \\"b\\", c\\\\d",id="x"} -Inf',
  'lianzheng_weird{a="1"b="2"} 5',
  'lianzheng_not_a_number NaN',
  'lianzheng_garbage x12',
  'not a sample at all',
].join('\n');

describe('parsePrometheusText', () => {
  const m = parsePrometheusText(TEXT);

  it('reads samples, labels (escapes included), exponents, -Inf, NaN and timestamps', () => {
    expect(m.samples).toContainEqual({ name: 'lianzheng_blocks_committed_total', labels: {}, value: 42 });
    expect(m.samples).toContainEqual({
      name: 'lianzheng_admissions_total',
      labels: { result: 'TX_EXPIRED' },
      value: 1,
    });
    expect(m.samples).toContainEqual({
      name: 'lianzheng_event_loop_delay_seconds',
      labels: { quantile: '0.99' },
      value: 0.0015,
    });
    expect(m.samples).toContainEqual({
      name: 'lianzheng_certificate_expiry_seconds',
      labels: { kind: 'ca', org: 'a "b", c\\d', id: 'x' },
      value: Number.NEGATIVE_INFINITY,
    });
    expect(m.samples.find((s) => s.name === 'lianzheng_not_a_number')?.value).toBeNaN();
  });

  it('skips what is not a well-formed sample instead of misreading it', () => {
    const names = m.samples.map((s) => s.name);
    expect(names).not.toContain('lianzheng_weird');
    expect(names).not.toContain('lianzheng_garbage');
    expect(names).not.toContain('not');
    expect(m.samples).toHaveLength(9);
  });

  it('sums by label; a declared counter without samples is 0, an absent metric undefined', () => {
    expect(metricSum(m, 'lianzheng_txs_committed_total')).toBe(123);
    expect(metricSum(m, 'lianzheng_txs_committed_total', (l) => l.status === 'failed')).toBe(3);
    expect(metricSum(m, 'lianzheng_admissions_total', (l) => l.result !== 'ok')).toBe(3);
    expect(metricSum(m, 'lianzheng_private_reads_total', (l) => l.decision === 'denied')).toBe(0);
    expect(metricSum(m, 'lianzheng_no_such_metric')).toBeUndefined();
  });
});

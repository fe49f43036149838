import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The event-loop delay is reported over fixed windows of this length, whoever scrapes and however often. */
const LOOP_DELAY_WINDOW_MS = 15_000;

/** Prometheus metrics of one node. Names carry units; nothing registers in prom-client's global registry. */
export class NodeMetrics {
  readonly registry = new Registry();

  /** The quantiles of the last complete window (seconds), until the first window completes: the running one. */
  private loopDelayWindow: Record<string, number> | undefined;
  private readonly loopDelayTimer: NodeJS.Timeout;

  constructor() {
    this.loopDelay.enable();
    // Rotating on a timer rather than at each scrape: two scrapers (Prometheus and the operations page) would
    // otherwise each see a sliver of the other's window.
    this.loopDelayTimer = setInterval(() => {
      this.loopDelayWindow = this.loopDelayQuantiles();
      this.loopDelay.reset();
    }, LOOP_DELAY_WINDOW_MS);
    this.loopDelayTimer.unref();
  }

  close(): void {
    clearInterval(this.loopDelayTimer);
    this.loopDelay.disable();
  }

  private loopDelayQuantiles(): Record<string, number> {
    const h = this.loopDelay;
    const out: Record<string, number> = {};
    for (const q of [50, 99, 100]) out[String(q / 100)] = (q === 100 ? h.max : h.percentile(q)) / 1e9;
    return out;
  }

  readonly blockHeight = new Gauge({
    name: 'lianzheng_block_height',
    help: 'Height of the latest durable block',
    registers: [this.registry],
  });
  readonly blocksCommitted = new Counter({
    name: 'lianzheng_blocks_committed_total',
    help: 'Blocks made durable',
    registers: [this.registry],
  });
  readonly txsCommitted = new Counter({
    name: 'lianzheng_txs_committed_total',
    help: 'Transactions in durable blocks, by receipt status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly txsDropped = new Counter({
    name: 'lianzheng_txs_dropped_total',
    help: 'Ordered transactions left out of blocks (duplicate, expired), by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly admissions = new Counter({
    name: 'lianzheng_admissions_total',
    help: 'Submitted transactions by admission result code (ok or an error code)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly mempoolSize = new Gauge({
    name: 'lianzheng_mempool_txs',
    help: 'Transactions admitted and not yet durable',
    registers: [this.registry],
  });
  readonly blockTxs = new Histogram({
    name: 'lianzheng_block_txs',
    help: 'Transactions per block',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 4000, 8000],
    registers: [this.registry],
  });
  readonly executeSeconds = new Histogram({
    name: 'lianzheng_block_execute_seconds',
    help: 'Time to execute a block and compute its state root',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'lianzheng_block_commit_seconds',
    help: 'Time from handing a block to storage until it is durable on disk',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly loopSeconds = new Counter({
    name: 'lianzheng_commit_loop_seconds_total',
    help: 'Time the commit loop spent per stage: waiting for ordering, executing, handing to storage, waiting for disk flushes, yielding to I/O',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });
  readonly flushSeconds = new Histogram({
    name: 'lianzheng_store_flush_seconds',
    help: 'Duration of one group commit: writing the queued blocks in one LMDB transaction and syncing it to disk',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly groupBlocks = new Histogram({
    name: 'lianzheng_store_group_blocks',
    help: 'Blocks written together in one group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 5 });
  readonly eventLoopDelay = new Gauge({
    name: 'lianzheng_event_loop_delay_seconds',
    help: 'Event-loop delay of the node main thread over the last complete 15-second window, by quantile',
    labelNames: ['quantile'] as const,
    registers: [this.registry],
    collect: () => {
      const window = this.loopDelayWindow ?? this.loopDelayQuantiles();
      for (const [quantile, seconds] of Object.entries(window)) this.eventLoopDelay.set({ quantile }, seconds);
    },
  });
  readonly privateRecords = new Gauge({
    name: 'lianzheng_private_records',
    help: 'Personal records held encrypted in this node’s private-data store',
    registers: [this.registry],
  });
  readonly privateMissing = new Gauge({
    name: 'lianzheng_private_records_missing',
    help: 'Active personal records this node should hold (its organisation owns or reads them) but does not, at the last check',
    registers: [this.registry],
  });
  readonly credentialsIssued = new Counter({
    name: 'lianzheng_credentials_issued_total',
    help: 'E-licences this node signed with a seal and anchored for a workflow outcome',
    registers: [this.registry],
  });
  readonly credentialsCollected = new Counter({
    name: 'lianzheng_credentials_collected_total',
    help: 'E-licences collected by their holders (the node copy destroyed)',
    registers: [this.registry],
  });
  readonly credentialIssueFailures = new Counter({
    name: 'lianzheng_credential_issue_failures_total',
    help: 'Attempts to issue an e-licence that failed (retried every 30 s)',
    registers: [this.registry],
  });
  readonly privateErasures = new Counter({
    name: 'lianzheng_private_erasures_total',
    help: 'Personal records whose key material this node destroyed after an approved erasure',
    registers: [this.registry],
  });
  readonly privateTransfers = new Counter({
    name: 'lianzheng_private_transfers_total',
    help: 'Personal records handed over between nodes, by direction (in, out)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  readonly privateReads = new Counter({
    name: 'lianzheng_private_reads_total',
    help: 'Reads of personal records through this node, by recorded decision (allowed, denied)',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });
  readonly stateAlarm = new Gauge({
    name: 'lianzheng_integrity_alarm',
    help: '1 when this node found stored data that fails verification, or (etcd ordering) computed a block other than the quorum certified',
    registers: [this.registry],
  });
  readonly certifiedHeight = new Gauge({
    name: 'lianzheng_certified_height',
    help: 'Highest block certified by a quorum of organisations (etcd ordering; equals the block height with solo)',
    registers: [this.registry],
  });
  readonly peerDivergence = new Gauge({
    name: 'lianzheng_peer_divergence',
    help: '1 for a node seen attesting values that differ from a certified block',
    labelNames: ['node'] as const,
    registers: [this.registry],
  });
  readonly orderingPuts = new Counter({
    name: 'lianzheng_ordering_batch_puts_total',
    help: 'Batch writes to the etcd ordering cluster, by result (ok, retry)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly orderingPutSeconds = new Histogram({
    name: 'lianzheng_ordering_batch_put_seconds',
    help: 'Time to write one batch to etcd (from cutting it until etcd acknowledged it)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly orderingBatchTxs = new Histogram({
    name: 'lianzheng_ordering_batch_txs',
    help: 'Transactions per batch this node wrote to etcd',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });
  readonly orderingReconnects = new Counter({
    name: 'lianzheng_ordering_watch_reconnects_total',
    help: 'Times the etcd watch broke (member down, leader lost, stream ended) and was resumed',
    registers: [this.registry],
  });
  readonly orderingBadBatches = new Counter({
    name: 'lianzheng_ordering_bad_batches_total',
    help: 'Batches read from etcd that failed their checks (their blocks hold no transactions)',
    registers: [this.registry],
  });
  readonly syncedBlocks = new Counter({
    name: 'lianzheng_sync_blocks_total',
    help: 'Certified blocks taken from peers (catching up past compacted etcd history, or joining)',
    registers: [this.registry],
  });
  readonly syncRejected = new Counter({
    name: 'lianzheng_sync_rejected_total',
    help: 'Blocks from peers that did not verify or re-execute to the hash given',
    registers: [this.registry],
  });

  readonly certificateExpiry = new Gauge({
    name: 'lianzheng_certificate_expiry_seconds',
    help: 'Seconds until a certificate expires (negative once it has): this node (kind=node) and the CA roots (kind=ca)',
    labelNames: ['kind', 'org', 'id'] as const,
    registers: [this.registry],
  });
  readonly membersExpiring = new Gauge({
    name: 'lianzheng_member_certificates_expiring',
    help: 'Enrolled, unrevoked member certificates that expire within the warning period (30 days)',
    registers: [this.registry],
  });

  /** Sets the certificate gauges from a health report (called when /metrics is scraped). */
  observeCertificates(
    h: {
      readonly node: { kind: string; org: string; id: string; notAfter: number } | null;
      readonly ca: readonly { kind: string; org: string; id: string; notAfter: number }[];
      readonly membersExpiring: number;
    },
    now: number,
  ): void {
    this.certificateExpiry.reset();
    for (const c of h.node === null ? h.ca : [h.node, ...h.ca]) {
      this.certificateExpiry.set({ kind: c.kind, org: c.org, id: c.id }, Math.round((c.notAfter - now) / 1000));
    }
    this.membersExpiring.set(h.membersExpiring);
  }
}

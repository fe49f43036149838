import {
  type BatchHeader,
  batchSigningDigest,
  batchTxsHash,
  bytesToHex,
  type CryptoSuite,
  encodeBatch,
} from '@lianzheng/protocol';
import type { BlockProposal, CandidateTx } from '@lianzheng/runtime';
import type { Logger } from 'pino';
import { candidateOf } from '../chainWorker.js';
import type { Clock } from '../clock.js';
import { nodeError } from '../errors.js';
import type { NodeIdentity } from '../ledger.js';
import type { NodeMetrics } from '../metrics.js';
import type { WorkerPool } from '../workerPool.js';
import { type EtcdClient, EtcdCompactedError, type EtcdEvent } from './etcdClient.js';
import type { Orderer, SyncedProposal } from './orderer.js';
import type { PeerBlocks, PeerSync } from './peerSync.js';

export interface EtcdOrdererOptions {
  /** Key prefix of this chain in etcd, e.g. `/lianzheng/<chainId>`. */
  readonly prefix: string;
  /** Largest batch value a node writes (bytes of the transactions text). */
  readonly maxBatchBytes: number;
  /** Batch puts a node keeps in flight; while they are, new transactions gather into the next batch. */
  readonly maxPutsInFlight: number;
  /** Batches opened (signatures checked by the workers) ahead of execution. */
  readonly openAhead: number;
  /** Own batches older than this many blocks below the certified height are deleted from etcd. */
  readonly retainBlocks: number;
}

export const defaultEtcdOrdererOptions = {
  maxBatchBytes: 4 * 1024 * 1024,
  maxPutsInFlight: 2,
  openAhead: 32,
  retainBlocks: 2_000,
} as const;

export interface EtcdOrdererDeps {
  readonly etcd: EtcdClient;
  readonly suite: CryptoSuite;
  readonly chainId: string;
  readonly genesisHash: string;
  readonly identity: NodeIdentity;
  readonly pool: WorkerPool;
  readonly peers: PeerSync;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  /** Height and ordering revision of the last block this node has (0 at genesis). */
  readonly head: () => { readonly height: number; readonly rev: number };
  /** Ordering revision of a stored block (for deleting old batches). */
  readonly revAt: (height: number) => number | undefined;
  /** Height certified by a quorum (for deleting old batches). */
  readonly certifiedHeight: () => number;
}

/** A block source item: a batch from etcd (or a block from a peer) on its way to execution. */
interface Item {
  readonly rev: number;
  readonly ready: Promise<Omit<BlockProposal, 'height'> & { readonly expect?: SyncedProposal['expect'] }>;
}

/**
 * Ordering over an etcd cluster (docs/PROTOCOL.md §18, ADR 0013). Each node writes the transactions it admitted as
 * signed batches under `<prefix>/b/<node>/<hash>` with a compare-and-swap put (create revision = 0), so a retried put
 * of the same batch never creates a second entry. Every node watches `<prefix>/b/` from the revision after its last
 * block: etcd's revision order is the total order and each batch becomes exactly one block, so all nodes cut the same
 * blocks. When etcd has compacted the history a node needs, it takes certified blocks from its peers instead
 * (verifying and re-executing them) and resumes the watch after them.
 */
export class EtcdOrderer implements Orderer {
  readonly type = 'etcd' as const;
  private readonly opts: EtcdOrdererOptions;
  private readonly deps: EtcdOrdererDeps;
  private queue: CandidateTx[] = [];
  private putsInFlight = 0;
  private maxTxs = 1000;
  /** Own batches written but not yet seen back from the watch: key → what they hold (no need to re-verify). */
  private readonly own = new Map<string, { value: string; time: number; txs: CandidateTx[] }>();
  private readonly items: Item[] = [];
  private itemsWake: (() => void) | null = null;
  private spaceWake: (() => void) | null = null;
  private closed = false;
  /** Aborts the current watch (closing, or a peer block that did not verify). */
  private controller = new AbortController();
  /** Bumped when queued items are thrown away, so a catch-up in progress stops pushing stale ones. */
  private generation = 0;
  private watching: Promise<void> | null = null;
  /** Ordering revision of the last item handed to the ledger. */
  private lastRev = 0;
  private cleanupTimer: NodeJS.Timeout | null = null;
  private genesisRevision = 0;
  /** Whether the watch is streaming (false while etcd is unreachable or the node is catching up from peers). */
  status: 'starting' | 'watching' | 'catching-up' | 'unavailable' = 'starting';

  constructor(opts: EtcdOrdererOptions, deps: EtcdOrdererDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Claims the chain's prefix in etcd (or checks that it holds this chain), then watches for batches. Returns at once:
   * the node serves reads while etcd is unreachable. `onStarted` gets the chain's first revision in etcd;
   * `onFatal` an error the node must stop on (the prefix belongs to another chain).
   */
  start(hooks: { onStarted: (startRevision: number) => void; onFatal: (error: unknown) => void }): void {
    this.watching = this.run(hooks.onStarted).catch((error) => {
      if (this.closed) return;
      this.deps.log.fatal({ err: error }, 'etcd ordering failed');
      hooks.onFatal(error);
    });
    this.cleanupTimer = setInterval(() => void this.cleanup(), 10_000);
    this.cleanupTimer.unref();
  }

  private async run(onStarted: (startRevision: number) => void): Promise<void> {
    const marker = `${this.opts.prefix}/genesis`;
    let put: { revision: number; created: boolean } | undefined;
    for (let attempt = 0; put === undefined; attempt++) {
      try {
        put = await this.deps.etcd.putIfAbsent(marker, this.deps.genesisHash);
      } catch (error) {
        if (this.closed) return;
        this.status = 'unavailable';
        if (attempt % 10 === 0) this.deps.log.warn({ err: error }, 'etcd ordering cluster unreachable; retrying');
        await sleep(500);
      }
    }
    if (!put.created) {
      const kv = await this.deps.etcd.get(marker);
      const stored = kv === undefined ? '' : Buffer.from(kv.value).toString('utf8');
      if (stored !== this.deps.genesisHash) {
        throw nodeError('ORDERING_CHAIN_MISMATCH', `etcd prefix ${this.opts.prefix} belongs to another chain`, {
          prefix: this.opts.prefix,
        });
      }
    }
    this.genesisRevision = put.revision;
    this.lastRev = this.deps.head().rev;
    onStarted(put.revision);
    await this.watchLoop();
  }

  /** The revision at which this chain's log starts in etcd (the genesis marker's). */
  get startRevision(): number {
    return this.genesisRevision;
  }

  submit(txs: readonly CandidateTx[]): void {
    for (const t of txs) this.queue.push(t);
    this.flush();
  }

  /** Cuts and writes batches while puts are free: adaptive batching, no timer. */
  private flush(): void {
    while (!this.closed && this.queue.length > 0 && this.putsInFlight < this.opts.maxPutsInFlight) {
      let bytes = 2;
      let n = 0;
      while (n < this.queue.length && n < this.maxTxs) {
        const size = this.queue[n]!.canonical.length + 200;
        if (n > 0 && bytes + size > this.opts.maxBatchBytes) break;
        bytes += size;
        n++;
      }
      const txs = this.queue.slice(0, n);
      this.queue = this.queue.slice(n);
      this.putsInFlight++;
      void this.writeBatch(txs).finally(() => {
        this.putsInFlight--;
        this.flush();
      });
    }
  }

  private async writeBatch(txs: CandidateTx[]): Promise<void> {
    const { suite, identity, etcd, clock, log, metrics } = this.deps;
    const txsText = `[${txs.map(signedText).join(',')}]`;
    const unsigned = {
      v: 1 as const,
      chainId: this.deps.chainId,
      node: identity.node,
      org: identity.org,
      publicKey: bytesToHex(identity.publicKey),
      time: clock.now(),
      count: txs.length,
      txs: batchTxsHash(suite, txsText),
    };
    const header: BatchHeader = {
      ...unsigned,
      sig: bytesToHex(await identity.signer.sign(batchSigningDigest(suite, unsigned))),
    };
    const key = `${this.opts.prefix}/b/${identity.node}/${header.txs}`;
    const value = encodeBatch(header, txsText);
    this.own.set(key, { value, time: header.time, txs });
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return;
      try {
        const { created } = await etcd.putIfAbsent(key, value);
        // Already there (an earlier attempt of this put went through, or the same transactions were batched before):
        // its event may have passed already, so do not keep the entry; the batch is then opened like anyone else's.
        if (!created) this.own.delete(key);
        metrics.orderingPuts.inc({ result: 'ok' });
        metrics.orderingPutSeconds.observe((performance.now() - started) / 1000);
        metrics.orderingBatchTxs.observe(txs.length);
        return;
      } catch (error) {
        metrics.orderingPuts.inc({ result: 'retry' });
        if (attempt % 20 === 0) log.warn({ err: error, txs: txs.length }, 'batch not written to etcd yet; retrying');
        await sleep(Math.min(50 * 2 ** attempt, 1_000));
      }
    }
  }

  /**
   * An empty batch: moves the log past a compaction point when nothing else would (a node catching up while the
   * chain is idle), and lets an operator check the ordering path end to end.
   */
  async writeEmptyBatch(): Promise<void> {
    await this.writeBatch([]);
  }

  async next(height: number, maxTxs: number): Promise<(BlockProposal & Partial<SyncedProposal>) | null> {
    this.maxTxs = maxTxs;
    for (;;) {
      while (this.items.length === 0) {
        if (this.closed) return null;
        await new Promise<void>((resolve) => {
          this.itemsWake = resolve;
        });
      }
      if (this.closed) return null;
      const item = this.items.shift()!;
      const wake = this.spaceWake;
      this.spaceWake = null;
      wake?.();
      let proposal: Awaited<Item['ready']>;
      try {
        proposal = await item.ready;
      } catch (error) {
        if (this.closed) return null;
        // Only blocks from peers can fail here (a batch from etcd always yields a proposal, possibly empty).
        this.rejectSynced(height, (error as Error).message);
        continue;
      }
      if (this.closed) return null;
      this.lastRev = item.rev;
      return { ...proposal, height };
    }
  }

  /** A peer's block did not verify (or re-execute to the hash the peer gave): drop what came with it, start over. */
  rejectSynced(height: number, reason: string): void {
    this.deps.log.error({ height, reason }, 'a block from a peer did not verify; asking another peer');
    this.deps.metrics.syncRejected.inc();
    this.generation++;
    this.items.length = 0;
    this.lastRev = this.deps.head().rev;
    this.deps.peers.skipCurrent();
    this.controller.abort();
  }

  private push(item: Item): void {
    this.items.push(item);
    const wake = this.itemsWake;
    this.itemsWake = null;
    wake?.();
  }

  private async waitForSpace(): Promise<void> {
    while (this.items.length >= this.opts.openAhead && !this.closed) {
      await new Promise<void>((resolve) => {
        this.spaceWake = resolve;
      });
    }
  }

  private async watchLoop(): Promise<void> {
    const { etcd, log, metrics } = this.deps;
    while (!this.closed) {
      if (this.controller.signal.aborted) this.controller = new AbortController();
      const generation = this.generation;
      // Resume after the last batch queued for execution (or executed).
      const queuedRev = this.items.length > 0 ? this.items[this.items.length - 1]!.rev : this.lastRev;
      const from = Math.max(queuedRev + 1, this.genesisRevision);
      try {
        this.status = 'watching';
        await etcd.watch(
          `${this.opts.prefix}/b/`,
          from,
          async (events) => {
            for (const e of events) {
              if (e.type !== 'put') continue;
              await this.waitForSpace();
              if (generation !== this.generation) return;
              this.push({ rev: e.kv.modRevision, ready: this.open(e) });
            }
          },
          this.controller.signal,
          {
            onConnected: () => {
              this.status = 'watching';
            },
            onReconnect: (error) => {
              this.status = 'unavailable';
              metrics.orderingReconnects.inc();
              log.warn(
                { reason: (error as Error)?.message ?? String(error), endpoint: etcd.endpoint },
                'etcd watch interrupted; reconnecting',
              );
            },
          },
        );
      } catch (error) {
        if (this.closed) return;
        if (!(error instanceof EtcdCompactedError)) throw error;
        this.status = 'catching-up';
        log.warn(
          { needed: from, compacted: error.compactRevision },
          'etcd no longer holds the batches this node needs; catching up from peers',
        );
        await this.catchUp(error.compactRevision);
      }
    }
  }

  /** Whether everything handed to the ledger has executed (its head is the last item's block). */
  private drained(): boolean {
    return this.items.length === 0 && this.deps.head().rev === this.lastRev;
  }

  /**
   * Takes certified blocks from the peers until this node's ordering position is at or past the compaction point.
   * Waits for the items already queued to execute first, so the position is exact.
   */
  private async catchUp(compactRevision: number): Promise<void> {
    const { peers, log, metrics } = this.deps;
    let attempt = 0;
    while (!this.closed) {
      while (!this.drained() && !this.closed) await sleep(20);
      const generation = this.generation;
      const head = this.deps.head();
      if (head.rev + 1 >= compactRevision) return;
      let got: PeerBlocks | null = null;
      try {
        got = await peers.fetch(head.height + 1);
      } catch (error) {
        if (attempt++ % 10 === 0) log.warn({ err: error }, 'no peer served blocks; retrying');
      }
      if (got === null || got.blocks.length === 0) {
        // The peers are no further than this node: nothing certified lies past the compaction point yet. An empty
        // batch after the compaction point moves every node's chain there.
        if (attempt++ % 4 === 0) await this.writeEmptyBatch().catch(() => undefined);
        await sleep(500);
        continue;
      }
      for (const b of got.blocks) {
        await this.waitForSpace();
        if (generation !== this.generation) break;
        const rev = b.header.rev ?? 0;
        this.push({
          rev,
          ready: this.deps.pool.admit({ body: b.txsText, batch: true, now: 0, ordered: true }).then((r) => {
            if ('error' in r) throw nodeError('SYNC_FAILED', r.error.message, { reason: 'transactions' });
            const txs: CandidateTx[] = [];
            for (const x of r.results) {
              if (!x.ok) throw nodeError('SYNC_FAILED', 'a transaction of a peer block does not verify');
              txs.push(candidateOf(x));
            }
            return {
              time: b.header.time,
              txs,
              ...(b.header.rev === undefined ? {} : { rev: b.header.rev }),
              expect: { hash: b.hash, attestations: b.attestations },
            };
          }),
        });
      }
      metrics.syncedBlocks.inc(got.blocks.length);
    }
  }

  private async open(e: EtcdEvent): Promise<Omit<BlockProposal, 'height'>> {
    const rev = e.kv.modRevision;
    const value = Buffer.from(e.kv.value.buffer, e.kv.value.byteOffset, e.kv.value.byteLength).toString('utf8');
    const own = this.own.get(e.kv.key);
    if (own !== undefined) {
      this.own.delete(e.kv.key);
      // Our own batch, byte for byte: its transactions were verified at admission.
      if (own.value === value) {
        return { time: own.time, txs: own.txs, rev, proposer: bytesToHex(this.deps.identity.publicKey) };
      }
    }
    // A batch must yield a proposal whatever happens (skipping one would fork this node): retry the workers.
    let r: Awaited<ReturnType<WorkerPool['openBatch']>> | undefined;
    while (r === undefined) {
      try {
        r = await this.deps.pool.openBatch(value);
      } catch (error) {
        if (this.closed) throw error;
        this.deps.log.warn({ err: error }, 'worker failed while opening a batch; retrying');
        await sleep(100);
      }
    }
    if ('error' in r) {
      this.deps.metrics.orderingBadBatches.inc();
      this.deps.log.warn({ key: e.kv.key, rev, error: r.error }, 'ordering batch rejected; its block is empty');
      return { time: 0, txs: [], rev };
    }
    const txs: CandidateTx[] = [];
    let bad = 0;
    for (const x of r.results) {
      if (x.ok) txs.push(candidateOf(x));
      else bad++;
    }
    if (bad > 0) {
      this.deps.metrics.txsDropped.inc({ code: 'TX_SIGNATURE_INVALID' }, bad);
      this.deps.log.warn({ key: e.kv.key, rev, bad }, 'transactions of a batch did not verify and were left out');
    }
    return { time: r.header.time, txs, rev, proposer: r.header.publicKey };
  }

  /** Deletes own batches that lie well below the certified height (keeps etcd small; history is in the blocks). */
  private async cleanup(): Promise<void> {
    const below = this.deps.certifiedHeight() - this.opts.retainBlocks;
    if (below <= 0) return;
    const rev = this.deps.revAt(below);
    if (rev === undefined) return;
    try {
      const { kvs } = await this.deps.etcd.range(`${this.opts.prefix}/b/${this.deps.identity.node}/`, {
        keysOnly: true,
        maxCreateRevision: rev,
        limit: 5_000,
      });
      if (kvs.length > 0) await this.deps.etcd.deleteKeys(kvs.map((k) => k.key));
    } catch (error) {
      this.deps.log.debug({ err: error }, 'cleanup of old batches skipped');
    }
  }

  close(): void {
    this.closed = true;
    if (this.cleanupTimer !== null) clearInterval(this.cleanupTimer);
    this.controller.abort();
    for (const wake of [this.itemsWake, this.spaceWake]) wake?.();
    this.itemsWake = null;
    this.spaceWake = null;
  }

  /** Resolves when the watch loop has ended (after close). */
  async stopped(): Promise<void> {
    await this.watching;
  }
}

function signedText(t: CandidateTx): string {
  const sig = bytesToHex(t.sig);
  return t.cosigs === undefined
    ? `{"sig":"${sig}","tx":${t.canonical}}`
    : `{"cosigs":${JSON.stringify(t.cosigs)},"sig":"${sig}","tx":${t.canonical}}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import {
  type Attestation,
  type AttestationBody,
  attestationBody,
  attestationDigest,
  type BlockHeader,
  blockHash,
  bytesToHex,
  type Consortium,
  type ConsortiumView,
  type CryptoSuite,
  consortiumFromGenesis,
  type Genesis,
  type Receipt,
} from '@lianzheng/protocol';
import {
  type BlockExecutor,
  type CandidateTx,
  decodeSlot,
  type ExecutedBlock,
  type PageSource,
  type PreviousBlock,
  type TxIndexReader,
  type ValueSource,
} from '@lianzheng/runtime';
import type { Logger } from 'pino';
import type { AttestationRecord, Certifier } from './certifier.js';
import type { ChainStore } from './chainStore.js';
import type { Clock } from './clock.js';
import { nodeError } from './errors.js';
import type { Signer } from './keystore.js';
import type { Mempool } from './mempool.js';
import type { NodeMetrics } from './metrics.js';
import type { Orderer } from './ordering/orderer.js';

/** The node's own attesting identity. */
export interface NodeIdentity {
  readonly node: string;
  readonly org: string;
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
}

/** The node's attestation of a block, signed through its {@link Signer}. */
export async function signAttestation(
  suite: CryptoSuite,
  body: AttestationBody,
  identity: NodeIdentity,
): Promise<Attestation> {
  const sig = await identity.signer.sign(attestationDigest(suite, body));
  return { node: identity.node, org: identity.org, publicKey: bytesToHex(identity.publicKey), sig: bytesToHex(sig) };
}

function recordOf(a: Attestation, body: AttestationBody): AttestationRecord {
  return {
    node: a.node,
    org: a.org,
    publicKey: a.publicKey,
    sig: a.sig,
    height: body.height,
    blockHash: body.blockHash,
    stateRoot: body.stateRoot,
  };
}

export interface DurableBlock {
  /** When the block became durable (the node's wall clock, ms since the epoch). */
  readonly durableAt: number;
  readonly header: BlockHeader;
  readonly hash: string;
  readonly txIds: readonly string[];
  readonly receipts: readonly Receipt[];
  readonly attestations: readonly Attestation[];
}

export type TxOutcome =
  | { readonly status: 'committed'; readonly height: number; readonly index: number; readonly receipt: Receipt }
  | { readonly status: 'dropped'; readonly code: string; readonly message: string };

export interface LedgerOptions {
  /** Blocks executed ahead of the last durable one (pipelining execution with the disk flush). */
  readonly maxInFlight: number;
  /** Dropped-transaction outcomes remembered for status queries. */
  readonly rememberDropped: number;
}

export const defaultLedgerOptions: LedgerOptions = { maxInFlight: 64, rememberDropped: 100_000 };

export interface LedgerDeps {
  readonly store: ChainStore;
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly executor: BlockExecutor;
  readonly pending: PendingBlocks;
  readonly orderer: Orderer;
  readonly mempool: Mempool;
  readonly identity: NodeIdentity;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  /** A storage or execution failure the node must not continue after (never ignore an fsync error). */
  readonly onFatal: (error: unknown) => void;
  /** etcd ordering: exchanges attestations and certifies blocks (absent with solo). */
  readonly certifier?: Certifier;
}

/**
 * Blocks executed and handed to storage but not yet durable. Execution of the next block reads through them, so
 * execution overlaps the disk flush of the previous block without ever seeing stale state.
 */
export class PendingBlocks implements ValueSource, TxIndexReader, PageSource {
  // One index per kind over all pending blocks (lookups are O(1) however many blocks are in flight); each block
  // remembers its keys so that releasing it removes exactly what it added.
  private readonly blocks: { height: number; ids: string[]; pages: string[]; values: string[] }[] = [];
  private readonly ids = new Set<string>();
  private readonly pages = new Map<string, Uint8Array>();
  private readonly values = new Map<string, string>();
  private readonly store: ChainStore;

  constructor(store: ChainStore) {
    this.store = store;
  }

  get size(): number {
    return this.blocks.length;
  }

  push(block: ExecutedBlock): void {
    const h = block.header.height;
    const ids = block.txs.map((t) => t.idHex);
    for (const id of ids) this.ids.add(id);
    const pages: string[] = [];
    for (const p of block.newPages) {
      const key = bytesToHex(p.key);
      pages.push(key);
      this.pages.set(key, p.bytes);
    }
    const values: string[] = [];
    for (const v of block.newValues) {
      const key = `${h}:${bytesToHex(v.keyPath)}`;
      values.push(key);
      this.values.set(key, v.text);
    }
    this.blocks.push({ height: h, ids, pages, values });
  }

  /** Forget blocks up to `height`: they are durable and readable from the store. */
  release(height: number): void {
    while (this.blocks.length > 0 && this.blocks[0]!.height <= height) {
      const b = this.blocks.shift()!;
      for (const id of b.ids) this.ids.delete(id);
      for (const key of b.pages) this.pages.delete(key);
      for (const key of b.values) this.values.delete(key);
    }
  }

  getValue(height: number, keyPath: Uint8Array): string | undefined {
    if (this.values.size > 0) {
      const text = this.values.get(`${height}:${bytesToHex(keyPath)}`);
      if (text !== undefined) return text;
    }
    return this.store.value(height, keyPath);
  }

  has(idHex: string): boolean {
    return this.ids.has(idHex) || this.store.hasTx(idHex);
  }

  getPage(key: Uint8Array): Uint8Array | undefined {
    if (this.pages.size > 0) {
      const page = this.pages.get(bytesToHex(key));
      if (page !== undefined) return page;
    }
    return this.store.page(key);
  }
}

/**
 * The commit loop: takes proposals from the orderer, executes them, signs an attestation, writes each block in one
 * durable transaction and only then publishes it (events, waiters, API heights). Nothing is reported committed
 * before it is on disk.
 */
export class Ledger {
  private readonly opts: LedgerOptions;
  private readonly deps: LedgerDeps;
  private head: PreviousBlock;
  private durable: number;
  private running: Promise<void> | null = null;
  private stopping = false;
  private readonly listeners = new Set<(block: DurableBlock) => void>();
  private readonly waiters = new Map<string, ((outcome: TxOutcome) => void)[]>();
  private readonly dropped = new Map<string, TxOutcome>();

  constructor(opts: LedgerOptions, deps: LedgerDeps) {
    this.opts = opts;
    this.deps = deps;
    const height = deps.store.height();
    if (height < 0) throw nodeError('STORE_EMPTY', 'the store holds no chain');
    const header = deps.store.header(height);
    const root = deps.store.root(height);
    if (header === undefined || root === undefined) {
      throw nodeError('STORE_CORRUPT', `block ${height} is incomplete`, { height, reason: 'missing' });
    }
    this.head = { header, hashHex: bytesToHex(blockHash(deps.suite, header)), root: decodeSlot(deps.suite, root) };
    deps.executor.reset(this.head.root, height);
    this.durable = height;
    deps.metrics.blockHeight.set(height);
  }

  /** Height of the latest block that is on disk; the API never shows anything above it. */
  get durableHeight(): number {
    return this.durable;
  }

  get headHeight(): number {
    return this.head.header.height;
  }

  /** Ordering revision of the executed head (etcd ordering; 0 at genesis and with solo). */
  get headRev(): number {
    return this.head.header.rev ?? 0;
  }

  start(): void {
    if (this.running !== null) return;
    this.running = this.loop().catch((error) => {
      this.deps.log.fatal({ err: error }, 'commit loop failed');
      this.deps.onFatal(error);
    });
  }

  /** Stops taking proposals and waits until every executed block is durable. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.deps.orderer.close();
    await this.running;
  }

  onBlock(listener: (block: DurableBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Outcome of a transaction that was dropped by ordering (duplicate, expired), if remembered. */
  droppedOutcome(idHex: string): TxOutcome | undefined {
    return this.dropped.get(idHex);
  }

  /** Resolves when the transaction is in a durable block or dropped; null after `timeoutMs`. */
  waitFor(idHex: string, timeoutMs: number): Promise<TxOutcome | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(idHex);
        if (list !== undefined) {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.waiters.delete(idHex);
        }
        resolve(null);
      }, timeoutMs);
      const done = (outcome: TxOutcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const list = this.waiters.get(idHex);
      if (list === undefined) this.waiters.set(idHex, [done]);
      else list.push(done);
    });
  }

  private async loop(): Promise<void> {
    const { orderer, executor, store, pending, metrics, log } = this.deps;
    const inFlight: Promise<void>[] = [];
    const stage = (name: string, since: number): number => {
      const now = performance.now();
      metrics.loopSeconds.inc({ stage: name }, (now - since) / 1000);
      return now;
    };
    while (!this.stopping) {
      let t = performance.now();
      const proposal = await orderer.next(this.head.header.height + 1, executor.config.config.ordering.maxBlockTxs);
      if (proposal === null) break;
      const started = stage('order', t);
      const view = executor.config;
      let block: ExecutedBlock;
      try {
        block = executor.execute(this.head, proposal);
      } catch (error) {
        // A block from a peer may be anything; one from our own ordering failing is an invariant broken.
        if (proposal.expect === undefined || orderer.rejectSynced === undefined) throw error;
        orderer.rejectSynced(proposal.height, (error as Error).message);
        continue;
      }
      t = stage('execute', started);
      metrics.executeSeconds.observe((t - started) / 1000);
      if (proposal.expect !== undefined && block.hashHex !== proposal.expect.hash) {
        orderer.rejectSynced?.(
          proposal.height,
          `re-executed to ${block.hashHex}, the peer gave ${proposal.expect.hash}`,
        );
        continue;
      }
      if (block.dropped.length > 0) this.recordDropped(block);
      // With etcd ordering every batch is a block, even when all of its transactions were dropped (PROTOCOL.md §18.3).
      if (block.txs.length === 0 && proposal.rev === undefined) continue;
      const body = attestationBody(block.header, block.hash);
      const attestation = await signAttestation(this.deps.suite, body, this.deps.identity);
      const attestations = [attestation];
      const { certifier } = this.deps;
      if (certifier !== undefined) {
        if (proposal.expect !== undefined) {
          const given = proposal.expect.attestations.filter((a) => a.publicKey !== attestation.publicKey);
          attestations.push(...given);
          certifier.receive(given.map((a) => recordOf(a, body)));
        }
        certifier.executed(recordOf(attestation, body), this.trustOf(view), proposal.expect === undefined);
      }
      pending.push(block);
      this.head = { header: block.header, hashHex: block.hashHex, root: block.root };
      const writeStarted = performance.now();
      const durable = store.writeBlock(block, attestations).then(() => {
        metrics.commitSeconds.observe((performance.now() - writeStarted) / 1000);
        this.publish(block, attestations);
      });
      inFlight.push(durable);
      t = stage('store', t);
      if (inFlight.length >= this.opts.maxInFlight) {
        await inFlight.shift();
        t = stage('flush', t);
      }
      // Always yield to the event loop between blocks (an already-durable promise above resolves as a microtask and
      // would not): admission responses, worker results and durability callbacks must get through, or the HTTP side
      // starves and the verification workers sit idle.
      await new Promise<void>((resolve) => setImmediate(resolve));
      stage('yield', t);
      log.debug({ height: block.header.height, txs: block.txs.length }, 'block executed');
    }
    await Promise.all(inFlight);
  }

  private trust: { view: ConsortiumView; consortium: Consortium } | null = null;

  /** The consortium that certifies blocks governed by `view` (recomputed only when the configuration changes). */
  private trustOf(view: ConsortiumView): Consortium {
    if (this.trust?.view !== view) this.trust = { view, consortium: consortiumFromGenesis(view.config) };
    return this.trust.consortium;
  }

  private recordDropped(block: ExecutedBlock): void {
    for (const d of block.dropped) {
      const outcome: TxOutcome = { status: 'dropped', code: d.code, message: d.message };
      // A duplicate of a committed transaction keeps reporting the committed one, so it is not remembered here.
      if (d.code !== 'TX_DUPLICATE') {
        this.dropped.set(d.tx.idHex, outcome);
        if (this.dropped.size > this.opts.rememberDropped)
          this.dropped.delete(this.dropped.keys().next().value as string);
        this.deps.mempool.remove(d.tx.idHex);
      }
      this.deps.metrics.txsDropped.inc({ code: d.code });
      this.notify(d.tx.idHex, outcome);
    }
    this.deps.metrics.mempoolSize.set(this.deps.mempool.size);
  }

  private publish(block: ExecutedBlock, attestations: Attestation[]): void {
    const { pending, mempool, metrics } = this.deps;
    const height = block.header.height;
    this.durable = height;
    pending.release(height);
    let failed = 0;
    block.txs.forEach((t: CandidateTx, index) => {
      mempool.remove(t.idHex);
      const receipt = block.receipts[index]!;
      if (receipt.status !== 'ok') failed++;
      this.notify(t.idHex, { status: 'committed', height, index, receipt });
    });
    this.deps.certifier?.durable(height);
    metrics.blockHeight.set(height);
    metrics.blocksCommitted.inc();
    metrics.txsCommitted.inc({ status: 'ok' }, block.txs.length - failed);
    if (failed > 0) metrics.txsCommitted.inc({ status: 'failed' }, failed);
    metrics.blockTxs.observe(block.txs.length);
    metrics.mempoolSize.set(mempool.size);
    if (this.listeners.size > 0) {
      const event: DurableBlock = {
        durableAt: this.deps.clock.now(),
        header: block.header,
        hash: block.hashHex,
        txIds: block.txs.map((t) => t.idHex),
        receipts: block.receipts,
        attestations,
      };
      for (const l of this.listeners) {
        try {
          l(event);
        } catch (error) {
          this.deps.log.error({ err: error }, 'block listener failed');
        }
      }
    }
  }

  private notify(idHex: string, outcome: TxOutcome): void {
    const list = this.waiters.get(idHex);
    if (list === undefined) return;
    this.waiters.delete(idHex);
    for (const w of list) w(outcome);
  }
}

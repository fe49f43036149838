import path from 'node:path';
import type { ConsortiumView, OrderingHealthView, PolicyObject, Principal } from '@lianzheng/protocol';
import {
  attestationBody,
  bytesToHex,
  type CryptoSuite,
  canonicalize,
  consortiumFromGenesis,
  type Genesis,
  genesisHash,
  LianzhengError,
  type Transaction,
} from '@lianzheng/protocol';
import {
  BlockExecutor,
  type CandidateTx,
  defaultBlockExecutorOptions,
  defaultStateTreeOptions,
  EMPTY_SLOT,
  executeGenesis,
  StateTree,
  type UserContracts,
} from '@lianzheng/runtime';
import { type Logger, pino } from 'pino';
import { Certifier } from './certifier.js';
import { ChainQueries } from './chainQueries.js';
import { ChainStore } from './chainStore.js';
import { type VerifyReport, verifyChain } from './chainVerifier.js';
import { type AdmitResult, candidateOf, toWireError, type WireError, workerConfigFromGenesis } from './chainWorker.js';
import { type Clock, systemClock } from './clock.js';
import { CredentialIssuer, type SealKey } from './credentialIssuer.js';
import { nodeError } from './errors.js';
import { HOME_FILES, loadGenesis, loadNodeConfig, type NodeConfig } from './home.js';
import { openKeyFile, resolvePassphrase, type Signer } from './keystore.js';
import {
  defaultLedgerOptions,
  Ledger,
  type NodeIdentity,
  PendingBlocks,
  signAttestation,
  type TxOutcome,
} from './ledger.js';
import { defaultMempoolOptions, Mempool } from './mempool.js';
import { NodeMetrics } from './metrics.js';
import { nativeSuite } from './nativeSuite.js';
import { defaultEtcdClientOptions, EtcdClient } from './ordering/etcdClient.js';
import { defaultEtcdOrdererOptions, EtcdOrderer } from './ordering/etcdOrderer.js';
import { type FaultInjection, TamperingOrderer } from './ordering/faults.js';
import type { Orderer } from './ordering/orderer.js';
import { defaultPeerSyncOptions, PeerSync } from './ordering/peerSync.js';
import { SoloOrderer } from './ordering/soloOrderer.js';
import { PrivacyService } from './privacyService.js';
import { PrivateStore } from './privateStore.js';
import { defaultRecordsIndexOptions, RecordsIndex } from './recordsIndex.js';
import { createUserContracts } from './sandbox/quickjs.js';
import { defaultWorkerPoolOptions, WorkerPool } from './workerPool.js';

export interface NodeOptions {
  readonly home: string;
  readonly workers: number;
  readonly mempoolMaxTxs: number;
  readonly maxBatchTxs: number;
  /** Blocks re-verified at startup (hashes, signatures, roots, attestations); 0 turns the check off. */
  readonly verifyRecentBlocks: number;
  /** Transactions accepted for verification but not yet answered by the workers, before 429. */
  readonly maxAdmissionBacklog: number;
  readonly maxInFlight: number;
  /** Test-only deliberate faults (ordering/faults.ts); never set in production. */
  readonly faultInjection?: FaultInjection;
}

export const defaultNodeOptions = (): Omit<NodeOptions, 'home'> => ({
  workers: defaultWorkerPoolOptions().threads,
  mempoolMaxTxs: defaultMempoolOptions.maxTxs,
  maxBatchTxs: 2000,
  verifyRecentBlocks: 64,
  maxAdmissionBacklog: 50_000,
  maxInFlight: defaultLedgerOptions.maxInFlight,
});

export interface NodeDeps {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Called on a failure the node must not continue after (storage error, execution invariant). */
  readonly onFatal?: (error: unknown) => void;
  /**
   * Passphrase of the node key file. Default: LIANZHENG_PASSPHRASE / LIANZHENG_PASSPHRASE_FILE, then a terminal
   * prompt (keystore.ts resolvePassphrase).
   */
  readonly passphrase?: string;
  /** A signer for the node key (e.g. an HSM); when given, the key file is not opened. */
  readonly signer?: Signer;
}

export type SubmitResult =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly error: WireError };

/** Options from node.json, then explicit overrides, then defaults. */
export function resolveNodeOptions(
  home: string,
  config: NodeConfig,
  overrides: Partial<NodeOptions> = {},
): NodeOptions {
  const d = defaultNodeOptions();
  return {
    home,
    workers: overrides.workers ?? config.workers ?? d.workers,
    mempoolMaxTxs: overrides.mempoolMaxTxs ?? config.mempoolMaxTxs ?? d.mempoolMaxTxs,
    maxBatchTxs: overrides.maxBatchTxs ?? config.maxBatchTxs ?? d.maxBatchTxs,
    verifyRecentBlocks: overrides.verifyRecentBlocks ?? config.verifyRecentBlocks ?? d.verifyRecentBlocks,
    maxAdmissionBacklog: overrides.maxAdmissionBacklog ?? d.maxAdmissionBacklog,
    maxInFlight: overrides.maxInFlight ?? d.maxInFlight,
    ...(overrides.faultInjection === undefined ? {} : { faultInjection: overrides.faultInjection }),
  };
}

/**
 * One ledger node: storage, admission workers, mempool, ordering (solo), execution and the commit loop.
 * The HTTP API (api/server.ts) is a thin layer over `submit` and `chain`.
 */
export class LianzhengNode {
  readonly options: NodeOptions;
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  readonly store: ChainStore;
  readonly metrics: NodeMetrics;
  readonly log: Logger;
  readonly chain: ChainQueries;
  readonly ledger: Ledger;
  readonly identity: NodeIdentity;
  readonly startedAt: number;
  readonly startupCheck: VerifyReport | null;
  private readonly pool: WorkerPool;
  private readonly mempool: Mempool;
  private readonly orderer: Orderer;
  /** etcd ordering: the orderer, the etcd client and the certifier (null with solo). */
  readonly consortiumMode: {
    readonly orderer: EtcdOrderer;
    readonly etcd: EtcdClient;
    readonly certifier: Certifier;
    readonly prefix: string;
  } | null;
  private readonly executor: BlockExecutor;
  private readonly pending: PendingBlocks;
  readonly clock: Clock;
  /** Personal data: the private-data store kept in step with the chain (privacyService.ts). Set by `open`. */
  privacy!: PrivacyService;
  /** E-licences: issues the credentials workflow outcomes entitle applicants to (credentialIssuer.ts). Set by `open`. */
  credentials!: CredentialIssuer;
  /** Public records (信息公开): the index behind `GET /v1/records` (recordsIndex.ts). Set by `open`. */
  records!: RecordsIndex;
  private admissionBacklog = 0;
  private stopping = false;

  private constructor(init: {
    options: NodeOptions;
    config: NodeConfig;
    genesis: Genesis;
    suite: CryptoSuite;
    store: ChainStore;
    metrics: NodeMetrics;
    log: Logger;
    identity: NodeIdentity;
    pool: WorkerPool;
    clock: Clock;
    startupCheck: VerifyReport | null;
    onFatal: (error: unknown) => void;
    contracts: UserContracts;
  }) {
    this.options = init.options;
    this.config = init.config;
    this.genesis = init.genesis;
    this.suite = init.suite;
    this.store = init.store;
    this.metrics = init.metrics;
    this.log = init.log;
    this.identity = init.identity;
    this.pool = init.pool;
    this.clock = init.clock;
    this.startupCheck = init.startupCheck;
    this.startedAt = init.clock.now();
    this.pending = new PendingBlocks(this.store);
    this.store.onGroupCommit = (blocks, seconds) => {
      this.metrics.flushSeconds.observe(seconds);
      this.metrics.groupBlocks.observe(blocks);
    };
    const tree = new StateTree(defaultStateTreeOptions, {
      hash: this.suite,
      pages: this.pending,
      alloc: Buffer.allocUnsafe,
    });
    this.executor = new BlockExecutor(defaultBlockExecutorOptions, {
      suite: this.suite,
      tree,
      values: this.pending,
      txIndex: this.pending,
      genesis: this.genesis,
      contracts: init.contracts,
      onInternalError: (error, tx) => this.log.error({ err: error, tx: tx.idHex }, 'system contract failed'),
    });
    this.mempool = new Mempool({ maxTxs: this.options.mempoolMaxTxs });
    this.consortiumMode = this.genesis.ordering.type === 'etcd' ? this.createEtcdOrdering() : null;
    this.orderer = this.consortiumMode?.orderer ?? new SoloOrderer({ clock: this.clock });
    this.ledger = new Ledger(
      { ...defaultLedgerOptions, maxInFlight: this.options.maxInFlight },
      {
        store: this.store,
        suite: this.suite,
        genesis: this.genesis,
        executor: this.executor,
        pending: this.pending,
        orderer: this.options.faultInjection === 'tamper-execution' ? new TamperingOrderer(this.orderer) : this.orderer,
        mempool: this.mempool,
        identity: this.identity,
        clock: this.clock,
        log: this.log,
        metrics: this.metrics,
        onFatal: init.onFatal,
        ...(this.consortiumMode === null ? {} : { certifier: this.consortiumMode.certifier }),
      },
    );
    this.chain = new ChainQueries({
      store: this.store,
      suite: this.suite,
      genesis: this.genesis,
      tree: new StateTree({ cachePages: 16_384 }, { hash: this.suite, pages: { getPage: (k) => this.store.page(k) } }),
      durableHeight: () => this.ledger.durableHeight,
      certifiedHeight: () =>
        this.consortiumMode === null
          ? this.ledger.durableHeight
          : Math.min(this.consortiumMode.certifier.certifiedHeight, this.ledger.durableHeight),
      isPending: (id) => this.mempool.has(id),
      dropped: (id) => {
        const o = this.ledger.droppedOutcome(id);
        return o?.status === 'dropped' ? { code: o.code, message: o.message } : undefined;
      },
    });
  }

  private createEtcdOrdering(): NonNullable<LianzhengNode['consortiumMode']> {
    const settings = this.config.etcd;
    if (settings === undefined) {
      throw nodeError('CONFIG_INVALID', 'this chain orders through etcd: set `etcd.endpoints` in node.json', {
        field: 'etcd',
      });
    }
    const prefix = settings.prefix ?? `/lianzheng/${this.genesis.chainId}`;
    // Each node starts at another member (by its position in genesis), so the cluster's load is spread.
    const position = this.genesis.orgs.flatMap((o) => o.nodes).findIndex((n) => n.id === this.identity.node);
    const etcd = new EtcdClient({
      ...defaultEtcdClientOptions,
      endpoints: settings.endpoints,
      startAt: Math.max(0, position),
    });
    const certifier = new Certifier(
      { chainId: this.genesis.chainId, prefix, retainBlocks: defaultEtcdOrdererOptions.retainBlocks },
      {
        trust: () => consortiumFromGenesis(this.executor.config.config),
        etcd,
        suite: this.suite,
        identity: this.identity,
        store: this.store,
        log: this.log,
        metrics: this.metrics,
      },
    );
    const peers = new PeerSync(
      { ...defaultPeerSyncOptions, peers: this.config.peers ?? [] },
      { suite: this.suite, log: this.log, trust: () => consortiumFromGenesis(this.executor.config.config) },
    );
    const orderer = new EtcdOrderer(
      { ...defaultEtcdOrdererOptions, prefix },
      {
        etcd,
        suite: this.suite,
        chainId: this.genesis.chainId,
        genesisHash: bytesToHex(genesisHash(this.suite, this.genesis)),
        identity: this.identity,
        pool: this.pool,
        peers,
        clock: this.clock,
        log: this.log,
        metrics: this.metrics,
        head: () => ({ height: this.ledger.headHeight, rev: this.ledger.headRev }),
        revAt: (height) => this.store.header(height)?.rev,
        certifiedHeight: () => certifier.certifiedHeight,
      },
    );
    return { orderer, etcd, certifier, prefix };
  }

  /** Starts ordering (etcd: claims the chain's prefix and watches in the background) and the commit loop. */
  private startLoops(onFatal: (error: unknown) => void): void {
    const etcd = this.consortiumMode;
    if (etcd !== null) {
      etcd.orderer.start({
        onStarted: (startRevision) => etcd.certifier.start(startRevision),
        onFatal,
      });
    }
    this.ledger.start();
  }

  /** Opens the node in `home`: creates block 0 on first start, re-verifies recent blocks, starts committing. */
  static async open(home: string, overrides: Partial<NodeOptions> = {}, deps: NodeDeps = {}): Promise<LianzhengNode> {
    const config = await loadNodeConfig(home);
    const genesis = await loadGenesis(home);
    const options = resolveNodeOptions(home, config, overrides);
    const log =
      deps.log ??
      pino({ level: config.logLevel ?? 'info', redact: { paths: ['*.secretKey', 'secretKey'], remove: true } });
    const clock = deps.clock ?? systemClock;
    const onFatal =
      deps.onFatal ??
      ((error: unknown) => {
        log.fatal({ err: error }, 'stopping: the node cannot continue safely');
        process.exit(70);
      });
    const suite = nativeSuite(genesis.suite);
    // One passphrase opens the node key file and the private-data store's master key.
    const passphrase = await resolvePassphrase({
      passphrase: deps.passphrase,
      promptLabel: `Passphrase of ${config.keyFile}`,
    });
    const signer = deps.signer ?? (await openKeyFile(path.resolve(home, config.keyFile), passphrase)).signer;
    const identity = checkIdentity(genesis, config, signer);
    const contracts = await createUserContracts();
    // The two stores' master keys (scrypt each) are derived side by side on libuv's thread pool.
    const [opened, openedOutbox] = await Promise.allSettled([
      PrivateStore.open({ dir: path.join(home, HOME_FILES.private), suite: genesis.suite, passphrase }, { log }),
      PrivateStore.open({ dir: path.join(home, HOME_FILES.outbox), suite: genesis.suite, passphrase }, { log }),
    ]);
    const closeOpened = () => {
      for (const r of [opened, openedOutbox]) if (r.status === 'fulfilled') r.value.close();
    };
    if (opened.status === 'rejected' || openedOutbox.status === 'rejected') {
      closeOpened();
      throw opened.status === 'rejected' ? opened.reason : (openedOutbox as PromiseRejectedResult).reason;
    }
    const privateStore = opened.value;
    const outbox = openedOutbox.value;
    let seals: SealKey[];
    try {
      seals = await Promise.all((config.seals ?? []).map((f) => openSeal(path.resolve(home, f), passphrase, genesis)));
    } catch (error) {
      closeOpened();
      throw error;
    }
    const store = ChainStore.open({ path: path.join(home, HOME_FILES.db) });
    const metrics = new NodeMetrics();
    const pool = new WorkerPool({ threads: options.workers }, workerConfigFromGenesis(genesis, options.maxBatchTxs));
    try {
      const stored = store.genesis();
      if (stored === undefined) {
        const tree = new StateTree(defaultStateTreeOptions, { hash: suite, pages: { getPage: (k) => store.page(k) } });
        const block = executeGenesis({ suite, tree }, genesis, EMPTY_SLOT);
        const attestation = await signAttestation(suite, attestationBody(block.header, block.hash), identity);
        await store.writeBlock(block, [attestation], genesis);
        log.info({ chainId: genesis.chainId, hash: block.hashHex }, 'genesis block written');
      } else if (canonicalize(stored) !== canonicalize(genesis)) {
        throw nodeError('STORE_CHAIN_MISMATCH', 'the data directory holds another chain than genesis.json', {
          stored: stored.chainId,
          given: genesis.chainId,
        });
      }
      let startupCheck: VerifyReport | null = null;
      const height = store.height();
      if (options.verifyRecentBlocks > 0) {
        try {
          startupCheck = await verifyChain(
            {
              from: Math.max(0, height - options.verifyRecentBlocks + 1),
              to: height,
              signatures: true,
              replay: false,
              storeChecks: false,
              window: 2 * pool.size,
            },
            { store, suite, genesis, pool },
          );
        } catch (error) {
          metrics.stateAlarm.set(1);
          throw error;
        }
      }
      const node = new LianzhengNode({
        options,
        config,
        genesis,
        suite,
        store,
        metrics,
        log,
        identity,
        pool,
        clock,
        startupCheck,
        onFatal,
        contracts,
      });
      if (!node.consortium.nodeKeys.has(bytesToHex(identity.publicKey))) {
        log.warn(
          { node: identity.node, org: identity.org },
          'this node key is not a node of the consortium (yet): its batches and attestations count only from the block whose configuration lists it',
        );
      }
      node.privacy = new PrivacyService(node, privateStore);
      node.privacy.start();
      node.credentials = new CredentialIssuer(node, outbox, seals);
      node.credentials.start();
      node.records = new RecordsIndex(defaultRecordsIndexOptions, {
        chain: node.chain,
        ledger: node.ledger,
        stateKeys: (contract, prefix, opts) => node.stateKeys(contract, prefix, opts),
        log: log.child({ component: 'records' }),
      });
      node.records.start();
      node.startLoops(onFatal);
      log.info({ chainId: genesis.chainId, height, node: identity.node }, 'node started');
      return node;
    } catch (error) {
      await pool.close();
      await store.close();
      privateStore.close();
      outbox.close();
      throw error;
    }
  }

  /** Ordering and certification status for /health. */
  orderingHealth(): OrderingHealthView {
    const m = this.consortiumMode;
    if (m === null) return { type: 'solo' };
    return {
      type: 'etcd',
      status: m.orderer.status,
      endpoint: m.etcd.endpoint,
      prefix: m.prefix,
      certifiedHeight: m.certifier.certifiedHeight,
      alarm: m.certifier.alarm,
      divergentNodes: Object.fromEntries(m.certifier.divergent),
      peerHeights: Object.fromEntries(m.certifier.peerHeights),
    };
  }

  get uptimeSeconds(): number {
    return Math.round((this.clock.now() - this.startedAt) / 1000);
  }

  get mempoolSize(): number {
    return this.mempool.size;
  }

  get workers(): number {
    return this.pool.size;
  }

  /**
   * Admits one signed transaction (JSON text) or a batch (JSON array text). Per-transaction failures are results;
   * failures of the request as a whole (node full, malformed batch) throw coded errors.
   */
  async submit(body: string, batch: boolean): Promise<SubmitResult[]> {
    if (this.stopping) throw nodeError('NODE_STOPPING', 'the node is shutting down');
    if (this.mempool.free === 0 || this.admissionBacklog >= this.options.maxAdmissionBacklog) {
      this.metrics.admissions.inc({ result: 'MEMPOOL_FULL' });
      throw nodeError('MEMPOOL_FULL', 'the node is saturated; retry shortly', { mempool: this.mempool.size });
    }
    const weight = batch ? Math.max(1, Math.round(body.length / 400)) : 1;
    this.admissionBacklog += weight;
    let response: Awaited<ReturnType<WorkerPool['admit']>>;
    try {
      response = await this.pool.admit({ body, batch, now: this.clock.now() });
    } finally {
      this.admissionBacklog -= weight;
    }
    if ('error' in response) {
      this.metrics.admissions.inc({ result: response.error.code });
      throw new LianzhengError(
        response.error.code,
        response.error.message,
        response.error.details === undefined ? {} : { details: response.error.details },
      );
    }
    const accepted: CandidateTx[] = [];
    const rejected = new Map<string, number>();
    const results = response.results.map((r) => {
      const result = this.accept(r, accepted);
      if (!result.ok) rejected.set(result.error.code, (rejected.get(result.error.code) ?? 0) + 1);
      return result;
    });
    // One metric update per request, not per transaction: prom-client label lookups are not free.
    if (accepted.length > 0) this.metrics.admissions.inc({ result: 'ok' }, accepted.length);
    for (const [code, n] of rejected) this.metrics.admissions.inc({ result: code }, n);
    if (accepted.length > 0) {
      this.orderer.submit(accepted);
      this.metrics.mempoolSize.set(this.mempool.size);
    }
    return results;
  }

  private accept(r: AdmitResult, accepted: CandidateTx[]): SubmitResult {
    if (!r.ok) return r;
    try {
      const tx = r.tx as Transaction;
      this.executor.admit({ tx, cosigners: r.cosigs?.map((c) => c.signer) ?? [], size: r.size, now: this.clock.now() });
      if (this.mempool.has(r.idHex)) {
        throw new LianzhengError('TX_DUPLICATE', 'this transaction is already pending', {
          details: { status: 'pending' },
        });
      }
      if (this.pending.has(r.idHex)) {
        throw new LianzhengError('TX_DUPLICATE', 'this transaction is already committed', {
          details: { status: 'committed' },
        });
      }
      if (this.mempool.free === 0) throw nodeError('MEMPOOL_FULL', 'the node is saturated; retry shortly');
      const candidate = candidateOf(r);
      this.mempool.add(candidate);
      accepted.push(candidate);
      return { ok: true, id: r.idHex };
    } catch (error) {
      return { ok: false, error: toWireError(error) };
    }
  }

  waitFor(idHex: string, timeoutMs: number): Promise<TxOutcome | null> {
    return this.ledger.waitFor(idHex, timeoutMs);
  }

  /** The consortium configuration that governs the next block (the latest executed state). */
  get consortium(): ConsortiumView {
    return this.executor.config;
  }

  /** The identity a public key stands for now, or a coded error (unknown, revoked, expired, organisation removed). */
  resolveIdentity(publicKey: string): Principal {
    return this.executor.resolve(publicKey, this.clock.now());
  }

  /** Whether `principal` satisfies the read policy `contract.view` of the current configuration on `object`. */
  allowsView(policy: string, principal: Principal, object?: PolicyObject): boolean {
    return this.executor.allowsView(policy, principal, object);
  }

  /** Keys of a contract's state under `prefix`, in order (the storage index; values via `chain.state`). */
  stateKeys(contract: string, prefix: string, opts: { after?: string; limit?: number } = {}): string[] {
    return [...this.store.stateKeysOf(contract, prefix, opts)].map((k) => k.key);
  }

  /** Stops admission, lets every executed block become durable, closes workers and storage. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.credentials.stop();
    await this.ledger.stop();
    this.records.stop();
    this.privacy.close();
    this.credentials.outbox.close();
    if (this.consortiumMode !== null) {
      await this.consortiumMode.orderer.stopped();
      await this.consortiumMode.certifier.close();
      this.consortiumMode.etcd.close();
    }
    await this.pool.close();
    await this.store.flushed();
    await this.store.close();
    this.metrics.close();
    this.log.info({ height: this.ledger.durableHeight }, 'node stopped');
  }
}

/** Opens a seal key file of `node.json` `seals`: a key of one of the consortium's organisations. */
async function openSeal(file: string, passphrase: string, genesis: Genesis): Promise<SealKey> {
  const key = await openKeyFile(file, passphrase);
  if (key.suite !== genesis.suite || !genesis.orgs.some((o) => o.id === key.org)) {
    throw nodeError('CONFIG_INVALID', `${file} is not a seal key of an organisation of this chain`, { field: 'seals' });
  }
  return { id: key.id, org: key.org, publicKey: key.publicKey, exportSecretKey: () => key.exportSecretKey() };
}

function checkIdentity(genesis: Genesis, config: NodeConfig, key: Signer): NodeIdentity {
  const org = genesis.orgs.find((o) => o.id === config.org);
  const entry = org?.nodes.find((n) => n.id === config.nodeId);
  if (entry !== undefined && entry.publicKey !== bytesToHex(key.publicKey)) {
    throw nodeError('CONFIG_INVALID', `the key file is not the key genesis lists for ${config.nodeId}`, {
      field: 'keyFile',
    });
  }
  if (entry === undefined && genesis.ordering.type === 'solo') {
    throw nodeError('CONFIG_INVALID', `genesis has no node ${config.nodeId} of organisation ${config.org}`, {
      field: 'nodeId',
    });
  }
  // etcd ordering: a node added by a governance vote is not in genesis; its batches and attestations count from the
  // block whose configuration lists its key (checked once the chain is loaded, see open()).
  return { node: config.nodeId, org: config.org, publicKey: key.publicKey, signer: key };
}

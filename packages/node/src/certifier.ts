import {
  type Attestation,
  attestationDigest,
  blockHashFromCanonical,
  bytesToHex,
  type Consortium,
  type CryptoSuite,
  hexToBytes,
  isHex,
  parseJsonStrict,
} from '@lianzheng/protocol';
import type { Logger } from 'pino';
import type { ChainStore } from './chainStore.js';
import type { NodeIdentity } from './ledger.js';
import type { NodeMetrics } from './metrics.js';
import { type EtcdClient, EtcdCompactedError } from './ordering/etcdClient.js';

/** One node's signed statement about one block, as exchanged between nodes (PROTOCOL.md §18.5). */
export interface AttestationRecord extends Attestation {
  readonly height: number;
  readonly blockHash: string;
  readonly stateRoot: string;
}

export interface CertifierOptions {
  readonly chainId: string;
  /** Key prefix of this chain in etcd. */
  readonly prefix: string;
  /** Own attestation keys this many blocks below the certified height are deleted from etcd. */
  readonly retainBlocks: number;
}

export interface CertifierDeps {
  /** The consortium as of this node's head (checks attestations of blocks no longer held in memory). */
  readonly trust: () => Consortium;
  readonly etcd: EtcdClient;
  readonly suite: CryptoSuite;
  readonly identity: NodeIdentity;
  readonly store: ChainStore;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
}

/** This node disagrees with a quorum: it computed other values than the organisations that certified the block. */
export interface StateAlarm {
  readonly height: number;
  readonly own: { readonly blockHash: string; readonly stateRoot: string };
  readonly quorum: { readonly blockHash: string; readonly stateRoot: string; readonly orgs: readonly string[] };
  readonly since: number;
}

interface Own {
  readonly record: AttestationRecord;
  readonly trust: Consortium;
  readonly publish: boolean;
  durable: boolean;
}

interface Entry {
  own?: Own;
  /** Node key → its attestation of this height (the first one seen). */
  readonly received: Map<string, AttestationRecord>;
  /** Node keys whose signature verified / failed (checked once, when the node's own values are known). */
  readonly valid: Set<string>;
  readonly invalid: Set<string>;
  done: boolean;
}

const pad = (n: number): string => String(n).padStart(16, '0');
/** Attestations further ahead of this node's own head than this are not kept (it certifies later heights anyway). */
const MAX_AHEAD = 20_000;
/** Stored but uncertified blocks re-evaluated after a restart (the latest ones). */
const MAX_UNCERTIFIED_ON_START = 10_000;
/** Certified heights kept in memory to notice a node that attests differently after certification. */
const KEEP_BEHIND = 64;

export function assertAttestationRecord(value: unknown): AttestationRecord | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const r = value as Record<string, unknown>;
  const ok =
    Number.isSafeInteger(r.height) &&
    (r.height as number) > 0 &&
    isHex(r.blockHash, 32) &&
    isHex(r.stateRoot, 32) &&
    typeof r.node === 'string' &&
    typeof r.org === 'string' &&
    isHex(r.publicKey) &&
    isHex(r.sig, 64) &&
    Object.keys(r).length === 7;
  return ok ? (r as unknown as AttestationRecord) : null;
}

/**
 * Attestation and certification in etcd mode (docs/PROTOCOL.md §18.5). Every node signs (chain id, height, block hash,
 * state root) of each block it executes and publishes its signatures under `<prefix>/a/<node>/<height>`; it watches
 * everyone else's. A block is certified when organisations exceeding the configured quorum (default 2/3 of the
 * organisations that run nodes) signed the same values as this node; the certifying signatures are stored with the
 * block and `/v1/checkpoints/latest` serves the highest certified block. When a quorum signed other values than this
 * node computed, the node raises the alarm (health red, `lianzheng_integrity_alarm`, an error log) and stops
 * certifying; a peer that signs values differing from the quorum is reported (`lianzheng_peer_divergence`).
 */
export class Certifier {
  private readonly opts: CertifierOptions;
  private readonly deps: CertifierDeps;
  private readonly entries = new Map<number, Entry>();
  private outbox: AttestationRecord[] = [];
  private publishing = false;
  private certified: number;
  private ownHeight = 0;
  private readonly abort = new AbortController();
  private watching: Promise<void> | null = null;
  private cleanupTimer: NodeJS.Timeout | null = null;
  private stateAlarm: StateAlarm | null = null;
  /** Peers seen signing values that differ from a certified block: node id → first such height. */
  readonly divergent = new Map<string, number>();
  /** Height of the latest attestation seen from each node. */
  readonly peerHeights = new Map<string, number>();
  private closed = false;
  private readonly listeners = new Set<(height: number, at: number) => void>();

  constructor(opts: CertifierOptions, deps: CertifierDeps) {
    this.opts = opts;
    this.deps = deps;
    this.certified = deps.store.certifiedHeight() ?? 0;
    deps.metrics.certifiedHeight.set(this.certified);
  }

  get certifiedHeight(): number {
    return this.certified;
  }

  get alarm(): StateAlarm | null {
    return this.stateAlarm;
  }

  /** Calls `listener` with the new certified height (and the time, ms) whenever it rises. */
  onCertified(listener: (height: number, at: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts watching the other nodes' attestations from `startRevision` (the chain's first revision in etcd). Blocks
   * this node stored before a restart but saw no quorum for are evaluated again as the attestations arrive.
   */
  start(startRevision: number): void {
    const { store, identity } = this.deps;
    const top = store.height();
    const self = bytesToHex(identity.publicKey);
    for (let h = Math.max(this.certified + 1, top - MAX_UNCERTIFIED_ON_START + 1); h <= top; h++) {
      const header = store.header(h);
      const bytes = store.headerBytes(h);
      const own = store.attestations(h)?.find((a) => a.publicKey === self);
      if (header === undefined || bytes === undefined || own === undefined) continue;
      const record: AttestationRecord = {
        ...own,
        height: h,
        blockHash: bytesToHex(blockHashFromCanonical(this.deps.suite, bytes)),
        stateRoot: header.stateRoot,
      };
      this.executed(record, this.deps.trust(), false);
      this.entry(h).own!.durable = true;
    }
    this.watching = this.watchLoop(startRevision).catch((error) => {
      if (!this.closed) this.deps.log.error({ err: error }, 'attestation watch failed');
    });
    this.cleanupTimer = setInterval(() => void this.cleanup(), 10_000);
    this.cleanupTimer.unref();
  }

  private entry(height: number): Entry {
    let e = this.entries.get(height);
    if (e === undefined) {
      e = { received: new Map(), valid: new Set(), invalid: new Set(), done: false };
      this.entries.set(height, e);
    }
    return e;
  }

  /**
   * This node executed a block: remember its values and the consortium that certifies it. The attestation is
   * published once the block is durable (never before: a node that crashed could otherwise have signed a block it
   * then lost), unless the block came certified from a peer (`publish` false).
   */
  executed(record: AttestationRecord, trust: Consortium, publish: boolean): void {
    const h = record.height;
    this.ownHeight = Math.max(this.ownHeight, h);
    const e = this.entry(h);
    e.own = { record, trust, publish, durable: false };
    e.received.set(record.publicKey, record);
    e.valid.add(record.publicKey);
  }

  /** The block at `height` is on disk: publish this node's attestation; the block may now be certified. */
  durable(height: number): void {
    const e = this.entries.get(height);
    if (e?.own === undefined) return;
    e.own.durable = true;
    if (e.own.publish) {
      this.outbox.push(e.own.record);
      void this.publish();
    }
    this.evaluate(height, e);
  }

  /** Attestations of other nodes (from etcd, or delivered with a peer's block). */
  receive(records: readonly AttestationRecord[]): void {
    const self = this.deps.identity;
    for (const r of records) {
      if (r.node === self.node || r.height > this.ownHeight + MAX_AHEAD) continue;
      const prev = this.peerHeights.get(r.node) ?? 0;
      if (r.height > prev) this.peerHeights.set(r.node, r.height);
      if (r.height <= this.certified - KEEP_BEHIND && !this.entries.has(r.height)) {
        // A late attestation (a node catching up) of a block certified long ago: compare it with the stored block.
        this.checkLate(r);
        continue;
      }
      const e = this.entry(r.height);
      const earlier = e.received.get(r.publicKey);
      if (earlier !== undefined) {
        // The same node signing two different blocks at one height is faulty (equivocation).
        if (earlier.blockHash !== r.blockHash || earlier.stateRoot !== r.stateRoot) this.flag(r, r.height);
        continue;
      }
      e.received.set(r.publicKey, r);
      if (e.own?.durable === true) this.evaluate(r.height, e);
    }
  }

  private evaluate(height: number, e: Entry): void {
    const own = e.own!;
    const { log, metrics } = this.deps;
    // Group the verified attestations by the values they sign.
    const groups = new Map<string, { blockHash: string; stateRoot: string; orgs: Set<string>; atts: Attestation[] }>();
    for (const [key, r] of e.received) {
      if (!e.valid.has(key)) {
        if (e.invalid.has(key)) continue;
        const ok = this.verifies(r, own.trust);
        (ok ? e.valid : e.invalid).add(key);
        if (!ok) {
          log.warn({ height, node: r.node }, 'attestation with an unknown key or a bad signature ignored');
          continue;
        }
      }
      const id = `${r.blockHash}/${r.stateRoot}`;
      let g = groups.get(id);
      if (g === undefined) {
        g = { blockHash: r.blockHash, stateRoot: r.stateRoot, orgs: new Set(), atts: [] };
        groups.set(id, g);
      }
      g.orgs.add(r.org);
      g.atts.push({ node: r.node, org: r.org, publicKey: r.publicKey, sig: r.sig });
    }
    const { numerator, denominator } = own.trust.quorum;
    const meets = (orgs: number) => orgs * denominator > numerator * own.trust.orgsWithNodes;
    const mine = groups.get(`${own.record.blockHash}/${own.record.stateRoot}`);
    for (const g of groups.values()) {
      if (g === mine || !meets(g.orgs.size)) continue;
      if (this.stateAlarm === null) {
        this.stateAlarm = {
          height,
          own: { blockHash: own.record.blockHash, stateRoot: own.record.stateRoot },
          quorum: { blockHash: g.blockHash, stateRoot: g.stateRoot, orgs: [...g.orgs] },
          since: Date.now(),
        };
        metrics.stateAlarm.set(1);
        log.error(
          { height, own: this.stateAlarm.own, quorum: this.stateAlarm.quorum },
          'ALARM: a quorum certified other values than this node computed; this node no longer certifies its state',
        );
      }
    }
    if (mine !== undefined && meets(mine.orgs.size)) {
      // Anyone who signed something else for a certified block is faulty (or tampered with).
      for (const g of groups.values()) {
        if (g === mine) continue;
        for (const a of g.atts) this.flag({ ...a, height, blockHash: g.blockHash, stateRoot: g.stateRoot }, height);
      }
      if (!e.done && this.stateAlarm === null) {
        e.done = true;
        this.deps.store.putAttestations(height, mine.atts);
        if (height > this.certified) {
          this.certified = height;
          this.deps.store.putCertifiedHeight(height);
          metrics.certifiedHeight.set(height);
          const at = Date.now();
          for (const l of this.listeners) l(height, at);
        }
      }
    }
    this.prune();
  }

  private checkLate(r: AttestationRecord): void {
    const { suite, store } = this.deps;
    const header = store.header(r.height);
    const bytes = store.headerBytes(r.height);
    if (header === undefined || bytes === undefined) return;
    const hash = bytesToHex(blockHashFromCanonical(suite, bytes));
    if (hash === r.blockHash && header.stateRoot === r.stateRoot) return;
    if (this.verifies(r, this.deps.trust())) this.flag(r, r.height);
  }

  private verifies(r: AttestationRecord, trust: Consortium): boolean {
    const attestor = trust.attestors.get(r.publicKey);
    const { suite } = this.deps;
    return (
      attestor !== undefined &&
      attestor.node === r.node &&
      attestor.org === r.org &&
      suite.verify(
        attestor.publicKey,
        attestationDigest(suite, {
          chainId: this.opts.chainId,
          height: r.height,
          blockHash: r.blockHash,
          stateRoot: r.stateRoot,
        }),
        hexToBytes(r.sig, 'sig', 64),
      )
    );
  }

  private flag(r: AttestationRecord, height: number): void {
    if (this.divergent.has(r.node)) return;
    this.divergent.set(r.node, height);
    this.deps.metrics.peerDivergence.set({ node: r.node }, 1);
    this.deps.log.error(
      { height, node: r.node, org: r.org, signed: { blockHash: r.blockHash, stateRoot: r.stateRoot } },
      'ALARM: a node attested values that differ from the certified block',
    );
  }

  private prune(): void {
    if (this.entries.size < 4 * KEEP_BEHIND) return;
    for (const h of this.entries.keys()) if (h < this.certified - KEEP_BEHIND) this.entries.delete(h);
  }

  /** Sends queued own attestations to etcd, one put at a time (they gather while a put is in flight). */
  private async publish(): Promise<void> {
    if (this.publishing) return;
    this.publishing = true;
    try {
      while (this.outbox.length > 0 && !this.closed) {
        const records = this.outbox;
        this.outbox = [];
        const last = records[records.length - 1]!;
        const key = `${this.opts.prefix}/a/${this.deps.identity.node}/${pad(last.height)}`;
        for (let attempt = 0; !this.closed; attempt++) {
          try {
            await this.deps.etcd.putIfAbsent(key, JSON.stringify(records));
            break;
          } catch (error) {
            if (attempt % 20 === 0) this.deps.log.warn({ err: error }, 'attestations not published yet; retrying');
            await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1_000)));
          }
        }
      }
    } finally {
      this.publishing = false;
    }
  }

  private async watchLoop(startRevision: number): Promise<void> {
    let from = startRevision;
    while (!this.closed) {
      try {
        await this.deps.etcd.watch(
          `${this.opts.prefix}/a/`,
          from,
          (events, revision) => {
            from = revision + 1;
            for (const e of events) {
              if (e.type !== 'put') continue;
              let parsed: unknown;
              try {
                parsed = parseJsonStrict(Buffer.from(e.kv.value).toString('utf8'));
              } catch {
                continue;
              }
              if (!Array.isArray(parsed) || parsed.length > 100_000) continue;
              const records: AttestationRecord[] = [];
              for (const x of parsed) {
                const r = assertAttestationRecord(x);
                if (r !== null) records.push(r);
              }
              this.receive(records);
            }
          },
          this.abort.signal,
        );
      } catch (error) {
        if (!(error instanceof EtcdCompactedError)) throw error;
        // Older attestations are gone; later ones certify later blocks (and, by the hash chain, these).
        from = error.compactRevision;
      }
    }
  }

  private async cleanup(): Promise<void> {
    const below = this.certified - this.opts.retainBlocks;
    if (below <= 0) return;
    const base = `${this.opts.prefix}/a/${this.deps.identity.node}/`;
    try {
      await this.deps.etcd.deleteRange(base, `${base}${pad(below)}`);
    } catch (error) {
      this.deps.log.debug({ err: error }, 'cleanup of old attestations skipped');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.cleanupTimer !== null) clearInterval(this.cleanupTimer);
    this.abort.abort();
    await this.watching;
  }
}

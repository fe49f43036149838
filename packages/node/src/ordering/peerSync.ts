import {
  type Attestation,
  assertBlockHeader,
  assertCheckpoint,
  type BlockHeader,
  blockHash,
  bytesToHex,
  type Consortium,
  type CryptoSuite,
  verifyCheckpoint,
} from '@lianzheng/protocol';
import type { Logger } from 'pino';
import { nodeError } from '../errors.js';

export interface PeerBlock {
  readonly header: BlockHeader;
  readonly hash: string;
  /** The block's signed transactions as a JSON array text (checked again by the workers). */
  readonly txsText: string;
  /** The attestations the peer holds for the block (a certifying set). */
  readonly attestations: readonly Attestation[];
}

export interface PeerBlocks {
  readonly peer: string;
  readonly blocks: readonly PeerBlock[];
}

export interface PeerSyncOptions {
  /** Base URLs of the other nodes' APIs, e.g. `http://127.0.0.1:7071`. */
  readonly peers: readonly string[];
  readonly timeoutMs: number;
  /** Blocks asked for per request. */
  readonly maxBlocks: number;
}

export const defaultPeerSyncOptions = { timeoutMs: 15_000, maxBlocks: 64 } as const;

export interface PeerSyncDeps {
  readonly suite: CryptoSuite;
  /** The consortium (node keys, quorum) that certifies blocks, as of this node's head. */
  readonly trust: () => Consortium;
  readonly log: Logger;
  readonly fetch?: typeof fetch;
}

/**
 * Certified blocks from the other nodes (`GET /v1/sync/blocks`), for a node that is behind and cannot read the
 * batches from etcd any more (compacted), or that joins late. Nothing is taken on trust: each block's header must
 * hash to the hash given and chain to the one before, the last block must carry attestations of a quorum of
 * organisations (verified against the consortium this node knows), and the ledger then re-executes every block and
 * must reach the same hash before it stores it.
 */
export class PeerSync {
  private readonly opts: PeerSyncOptions;
  private readonly deps: PeerSyncDeps;
  private readonly fetchFn: typeof fetch;
  private current = 0;

  constructor(opts: PeerSyncOptions, deps: PeerSyncDeps) {
    this.opts = opts;
    this.deps = deps;
    this.fetchFn = deps.fetch ?? fetch;
  }

  get configured(): boolean {
    return this.opts.peers.length > 0;
  }

  /** The peer that served the last blocks gave something that did not verify: prefer the next one. */
  skipCurrent(): void {
    this.current++;
  }

  /**
   * Certified blocks from `from` on, from the first peer that has any; empty when no peer is ahead. Throws
   * SYNC_FAILED when no peer answered with blocks that verify.
   */
  async fetch(from: number): Promise<PeerBlocks> {
    const n = this.opts.peers.length;
    if (n === 0) throw nodeError('SYNC_FAILED', 'no peers configured (node.json `peers`)', { reason: 'no-peers' });
    let answered = false;
    let lastError: unknown;
    for (let i = 0; i < n; i++) {
      const peer = this.opts.peers[(this.current + i) % n]!;
      try {
        const blocks = await this.fromPeer(peer, from);
        answered = true;
        if (blocks.length > 0) {
          this.current = (this.current + i) % n;
          return { peer, blocks };
        }
      } catch (error) {
        lastError = error;
        this.deps.log.warn({ peer, err: error }, 'peer did not serve verifiable blocks');
      }
    }
    if (answered) return { peer: '', blocks: [] };
    throw nodeError(
      'SYNC_FAILED',
      `no peer served blocks (${(lastError as Error)?.message ?? 'none answered'})`,
      { reason: 'unreachable' },
      lastError,
    );
  }

  private async fromPeer(peer: string, from: number): Promise<PeerBlock[]> {
    const response = await this.fetchFn(`${peer}/v1/sync/blocks?from=${from}&limit=${this.opts.maxBlocks}`, {
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { blocks?: unknown };
    if (!Array.isArray(body.blocks)) throw new Error('malformed answer: no blocks');
    const { suite } = this.deps;
    const out: PeerBlock[] = [];
    let parent: string | undefined;
    for (const [i, raw] of (body.blocks as unknown[]).entries()) {
      const b = raw as { header?: unknown; hash?: unknown; txs?: unknown; attestations?: unknown };
      const header = assertBlockHeader(b.header);
      if (header.height !== from + i) throw new Error(`block ${i} has height ${header.height}`);
      const hash = bytesToHex(blockHash(suite, header));
      if (hash !== b.hash) throw new Error(`block ${header.height} does not hash to the hash given`);
      if (parent !== undefined && header.parent !== parent) throw new Error(`block ${header.height} breaks the chain`);
      if (!Array.isArray(b.txs) || b.txs.length !== header.txCount) {
        throw new Error(`block ${header.height} does not hold txCount transactions`);
      }
      const { attestations } = assertCheckpoint({ header, blockHash: hash, attestations: b.attestations });
      out.push({ header, hash, txsText: JSON.stringify(b.txs), attestations });
      parent = hash;
    }
    const last = out[out.length - 1];
    if (last !== undefined) {
      // A quorum certified the last block, hence (by the hash chain) every block before it. Checked against the
      // consortium this node knows so far: attestations of nodes that joined later are left out of this pre-check
      // (the certifier checks each block exactly, against its own configuration, once executed).
      const trust = this.deps.trust();
      verifyCheckpoint(suite, trust, {
        header: last.header,
        blockHash: last.hash,
        attestations: last.attestations.filter((a) => trust.attestors.has(a.publicKey)),
      });
    }
    return out;
  }
}

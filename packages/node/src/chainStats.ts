/**
 * Throughput of the chain per day in China time (UTC+8), for dashboards (`GET /v1/stats/chain`): blocks and committed
 * transactions by receipt status. These are counts about the ledger, not about persons, so nothing is suppressed
 * (docs/statistics.md).
 *
 * Each block is read once: the counts are kept per day for one contiguous range of heights, which grows downwards when
 * a request reaches further back and upwards as blocks commit. The range always starts at the first block of a day,
 * so every day in it is complete; a request costs only the blocks committed since the last one. A receipt's status is
 * read from the end of its stored canonical JSON (members sorted: `status` then `tx` close every receipt), without
 * parsing the events and results before it.
 */
import { type BlockHeader, type ChainStatsDay, type ChainStatsView, utf8ToBytes } from '@lianzheng/protocol';
import { nodeError } from './errors.js';

const DAY = 86_400_000;
/** China Standard Time, UTC+8 all year. */
const CHINA_OFFSET = 8 * 3_600_000;

export interface ChainStatsOptions {
  /** Days when a request names none. */
  readonly defaultDays: number;
  /** The most days a request may ask for. */
  readonly maxDays: number;
  /** Blocks read between two yields to the event loop while catching up. */
  readonly blocksPerYield: number;
}

export const defaultChainStatsOptions: ChainStatsOptions = { defaultDays: 14, maxDays: 90, blocksPerYield: 1_000 };

/** What the counts are read from: the chain store, or anything with its two read methods. */
export interface ChainStatsSource {
  header(height: number): BlockHeader | undefined;
  receiptBytes(height: number): Uint8Array[] | undefined;
}

export interface ChainStatsDeps {
  readonly store: ChainStatsSource;
  /** Only durable blocks are counted. */
  readonly durableHeight: () => number;
  readonly now: () => number;
}

/** The day number (days since 1970-01-01, China time) of a time. */
export function chinaDay(time: number): number {
  return Math.floor((time + CHINA_OFFSET) / DAY);
}

/** `YYYY-MM-DD` of a day number. */
export function chinaDate(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

const TX_TAIL = 64 + 2; // the transaction id in hex, then `"}`
const OK_TAIL = utf8ToBytes('"status":"ok","tx":"');
const FAILED_TAIL = utf8ToBytes('"status":"failed","tx":"');

function endsWithAt(bytes: Uint8Array, end: number, tail: Uint8Array): boolean {
  const start = end - tail.length;
  if (start < 0) return false;
  for (let i = 0; i < tail.length; i++) if (bytes[start + i] !== tail[i]) return false;
  return true;
}

/**
 * The status of a stored receipt (its RFC 8785 canonical JSON) from its last bytes. Anything else is a stored receipt
 * that is not canonical: the store is damaged (the startup check and `lianzheng verify` say where).
 */
export function receiptStatusOf(bytes: Uint8Array, height: number): 'ok' | 'failed' {
  const end = bytes.length - TX_TAIL;
  if (endsWithAt(bytes, end, OK_TAIL)) return 'ok';
  if (endsWithAt(bytes, end, FAILED_TAIL)) return 'failed';
  throw nodeError('STORE_CORRUPT', `a stored receipt of block ${height} is not canonical`, {
    height,
    reason: 'receipt',
  });
}

interface DayCounts {
  blocks: number;
  ok: number;
  failed: number;
}

export class ChainStats {
  readonly opts: ChainStatsOptions;
  private readonly deps: ChainStatsDeps;
  /** Counts by day number, for the blocks of `[from, to]`. */
  private readonly counts = new Map<number, DayCounts>();
  private from = 0;
  private to = -1;
  /** Scans run one at a time, so that concurrent requests never count a block twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: Partial<ChainStatsOptions>, deps: ChainStatsDeps) {
    this.opts = { ...defaultChainStatsOptions, ...opts };
    this.deps = deps;
  }

  /** Blocks and transactions per day over the last `days` days (today, by the clock, the last). */
  read(days: number = this.opts.defaultDays): Promise<ChainStatsView> {
    if (!Number.isSafeInteger(days) || days < 1 || days > this.opts.maxDays) {
      throw nodeError('REQUEST_MALFORMED', `days must be an integer from 1 to ${this.opts.maxDays}`, {
        field: 'days',
        min: 1,
        max: this.opts.maxDays,
      });
    }
    const run = this.queue.then(() => this.readNow(days));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readNow(days: number): Promise<ChainStatsView> {
    const now = this.deps.now();
    const height = this.deps.durableHeight();
    const today = chinaDay(now);
    const first = today - days + 1;
    await this.cover(this.firstHeightOf(first, height), height);
    const out: ChainStatsDay[] = [];
    const totals = { blocks: 0, transactions: 0, ok: 0, failed: 0 };
    for (let day = first; day <= today; day++) {
      const c = this.counts.get(day) ?? { blocks: 0, ok: 0, failed: 0 };
      out.push({ date: chinaDate(day), blocks: c.blocks, transactions: c.ok + c.failed, ok: c.ok, failed: c.failed });
      totals.blocks += c.blocks;
      totals.ok += c.ok;
      totals.failed += c.failed;
    }
    totals.transactions = totals.ok + totals.failed;
    return { days: out, totals, height, generatedAt: now };
  }

  /** The lowest height ≥ 1 whose block time falls on `day` or later (block times never decrease); height + 1 if none. */
  private firstHeightOf(day: number, height: number): number {
    let lo = 1;
    let hi = height + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (chinaDay(this.headerAt(mid).time) >= day) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Makes `[start, height]` part of the counted range (the genesis block, height 0, is never counted). */
  private async cover(start: number, height: number): Promise<void> {
    if (start > height) return;
    if (this.to < this.from || start > this.to + 1) {
      // Nothing counted yet, or a gap since the last request: start afresh rather than read the blocks in between.
      this.counts.clear();
      this.from = start;
      this.to = start - 1;
    }
    if (start < this.from) {
      await this.scan(start, this.from - 1);
      this.from = start;
    }
    if (height > this.to) {
      await this.scan(this.to + 1, height);
      this.to = height;
    }
  }

  private async scan(from: number, to: number): Promise<void> {
    for (let h = from; h <= to; h++) {
      const day = chinaDay(this.headerAt(h).time);
      let c = this.counts.get(day);
      if (c === undefined) {
        c = { blocks: 0, ok: 0, failed: 0 };
        this.counts.set(day, c);
      }
      c.blocks++;
      for (const receipt of this.deps.store.receiptBytes(h) ?? []) {
        if (receiptStatusOf(receipt, h) === 'ok') c.ok++;
        else c.failed++;
      }
      if ((h - from + 1) % this.opts.blocksPerYield === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private headerAt(height: number): BlockHeader {
    const header = this.deps.store.header(height);
    if (header === undefined) {
      throw nodeError('STORE_CORRUPT', `durable block ${height} has no stored header`, { height, reason: 'header' });
    }
    return header;
  }
}

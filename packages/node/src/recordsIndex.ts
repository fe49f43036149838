/**
 * The in-memory index of public records (信息公开, docs/records.md) behind `GET /v1/records`: one entry per record,
 * as its latest version shows it, newest publication first, with the lower-cased text a search looks through. Built
 * at start from the state (the node's key index of the `records` contract, values read at the durable height) and
 * kept in step by the `recordPublished` / `recordWithdrawn` events of durable blocks, so it never shows anything that
 * is not in a durable block. Nothing here is trusted by a client: every version can be verified with a state proof.
 */
import {
  isLianzhengError,
  type JsonValue,
  RECORDS_CONTRACT,
  type RecordCategory,
  type RecordHead,
  type RecordSummary,
  type RecordVersion,
  recordKeys,
} from '@lianzheng/protocol';
import type { Logger } from 'pino';
import type { ChainQueries } from './chainQueries.js';
import type { DurableBlock, Ledger } from './ledger.js';

export interface RecordsIndexOptions {
  /** Keys read per page of the node's key index while building. */
  readonly pageSize: number;
}

export const defaultRecordsIndexOptions: RecordsIndexOptions = { pageSize: 1_000 };

export interface RecordsIndexDeps {
  readonly chain: Pick<ChainQueries, 'state'>;
  readonly ledger: Pick<Ledger, 'durableHeight' | 'onBlock'>;
  /** Keys of a contract's state under a prefix, in order (`LianzhengNode.stateKeys`). */
  readonly stateKeys: (contract: string, prefix: string, opts: { after?: string; limit?: number }) => string[];
  readonly log: Logger;
}

export interface RecordsQuery {
  /** Case-insensitive substring of the title, summary, tags or body of the latest version. */
  readonly q?: string;
  readonly org?: string;
  readonly category?: RecordCategory;
  readonly tag?: string;
  readonly limit: number;
  /** Position after which to continue (from a previous page's `next`). */
  readonly after?: RecordsCursor;
}

/** A place in the order of the list: newest publication (height) first, then by `<org>/<id>`. */
export interface RecordsCursor {
  readonly height: number;
  readonly key: string;
}

interface Entry {
  readonly key: string;
  readonly summary: RecordSummary;
  /** Lower-cased title, summary, tags and body, separated by newlines. */
  readonly text: string;
}

const cursorOf = (e: Entry): RecordsCursor => ({ height: e.summary.height, key: e.key });

/** Whether `a` comes before `b` in the list order. */
function before(a: RecordsCursor, b: RecordsCursor): boolean {
  return a.height !== b.height ? a.height > b.height : a.key < b.key;
}

export class RecordsIndex {
  private readonly opts: RecordsIndexOptions;
  private readonly deps: RecordsIndexDeps;
  private readonly byKey = new Map<string, Entry>();
  /** Every entry in list order. */
  private readonly order: Entry[] = [];
  private indexedHeight = -1;
  private unsubscribe: (() => void) | null = null;

  constructor(opts: RecordsIndexOptions, deps: RecordsIndexDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  /** The durable height the index reflects. */
  get height(): number {
    return this.indexedHeight;
  }

  get size(): number {
    return this.order.length;
  }

  /** Builds the index from the state at the durable height and follows durable blocks from there. */
  start(): void {
    const height = this.deps.ledger.durableHeight;
    let after: string | undefined;
    for (;;) {
      const page = this.deps.stateKeys(RECORDS_CONTRACT, '', {
        limit: this.opts.pageSize,
        ...(after === undefined ? {} : { after }),
      });
      for (const key of page) {
        // A head is `<org>/<id>`; versions (`<org>/<id>/v/<n>`) are read through their head.
        const slash = key.indexOf('/');
        if (slash <= 0 || key.indexOf('/', slash + 1) >= 0) continue;
        const entry = this.entryOf(key.slice(0, slash), key.slice(slash + 1), height);
        if (entry === null) continue;
        this.byKey.set(entry.key, entry);
        this.order.push(entry);
      }
      if (page.length < this.opts.pageSize) break;
      after = page[page.length - 1];
    }
    this.order.sort((a, b) => (before(cursorOf(a), cursorOf(b)) ? -1 : 1));
    this.indexedHeight = height;
    this.unsubscribe = this.deps.ledger.onBlock((b) => this.onBlock(b));
    this.deps.log.info({ records: this.order.length, height }, 'public records indexed');
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** One page of records matching `query`, and where the next page starts (when there is one). */
  list(query: RecordsQuery): { items: RecordSummary[]; next?: RecordsCursor } {
    const q = query.q === undefined || query.q === '' ? undefined : query.q.toLowerCase();
    let i = 0;
    if (query.after !== undefined) {
      // First entry after the cursor (binary search: the order is total).
      let lo = 0;
      let hi = this.order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const e = this.order[mid] as Entry;
        if (!before(query.after, cursorOf(e))) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const items: RecordSummary[] = [];
    let last: Entry | undefined;
    for (; i < this.order.length; i++) {
      const e = this.order[i] as Entry;
      const s = e.summary;
      if (query.org !== undefined && s.org !== query.org) continue;
      if (query.category !== undefined && s.category !== query.category) continue;
      if (query.tag !== undefined && !s.tags.includes(query.tag)) continue;
      if (q !== undefined && !e.text.includes(q)) continue;
      if (items.length === query.limit) {
        return { items, next: cursorOf(last as Entry) };
      }
      items.push(s);
      last = e;
    }
    return { items };
  }

  private onBlock(block: DurableBlock): void {
    const height = block.header.height;
    for (const receipt of block.receipts) {
      if (receipt.status !== 'ok') continue;
      for (const e of receipt.events) {
        if (e.contract !== RECORDS_CONTRACT) continue;
        const { org, id } = e.data as { org?: unknown; id?: unknown };
        if (typeof org === 'string' && typeof id === 'string') this.refresh(org, id, height);
      }
    }
    this.indexedHeight = height;
  }

  private read(key: string, height: number): JsonValue | null {
    try {
      return this.deps.chain.state(RECORDS_CONTRACT, key, { height }).value;
    } catch (error) {
      if (isLianzhengError(error) && error.code === 'STATE_KEY_NOT_FOUND') return null;
      throw error;
    }
  }

  /** Reads a record's head and latest version at `height` and puts it in its place. */
  private refresh(org: string, id: string, height: number): void {
    const entry = this.entryOf(org, id, height);
    if (entry === null) return;
    this.remove(entry.key);
    this.byKey.set(entry.key, entry);
    const at = this.order.findIndex((e) => before(cursorOf(entry), cursorOf(e)));
    this.order.splice(at < 0 ? this.order.length : at, 0, entry);
  }

  /** A record as its head and latest version at `height` show it; null when it has no head there. */
  private entryOf(org: string, id: string, height: number): Entry | null {
    const key = recordKeys.head(org, id);
    const head = this.read(key, height) as RecordHead | null;
    // Listed by the key index but not durable yet: its block's event brings it in.
    if (head === null) return null;
    const latest = this.read(recordKeys.version(org, id, head.latest), height) as RecordVersion | null;
    if (latest === null) {
      this.deps.log.error({ org, id, version: head.latest, height }, 'a record head names a version the state lacks');
      return null;
    }
    const summary: RecordSummary = {
      org,
      id,
      version: latest.version,
      category: latest.category,
      title: latest.title,
      ...(latest.summary === undefined ? {} : { summary: latest.summary }),
      tags: latest.tags,
      ...(latest.effective === undefined ? {} : { effective: latest.effective }),
      publishedAt: head.updated.time,
      createdAt: head.created.time,
      height: head.updated.height,
      withdrawn: head.withdrawn !== undefined,
    };
    const text = [latest.title, latest.summary ?? '', ...latest.tags, latest.body].join('\n').toLowerCase();
    return { key, summary, text };
  }

  private remove(key: string): void {
    const old = this.byKey.get(key);
    if (old === undefined) return;
    this.byKey.delete(key);
    this.order.splice(this.order.indexOf(old), 1);
  }
}

import {
  type Attestation,
  assertGenesis,
  type BlockHeader,
  bytesToUtf8,
  canonicalize,
  decodeCanonical,
  type Genesis,
  hexToBytes,
  type JsonValue,
  type Receipt,
  utf8ToBytes,
} from '@lianzheng/protocol';
import { type ExecutedBlock, encodeSlot, valueKey } from '@lianzheng/runtime';
import { type Database, open, type RootDatabase } from 'lmdb';
import { nodeError } from './errors.js';
import { nativeSuite } from './nativeSuite.js';

/** One stored transaction: canonical body bytes, the 64-byte signature and the canonical co-signature list. */

/**
 * Contracts whose state keys the node indexes for listing (`stateKeysOf`: members, proposals). Not `notary` or `kv`:
 * their keys are looked up, never listed, and indexing every one would add a random-key B-tree insert per
 * transaction to each group commit.
 */
export const LISTED_CONTRACTS: ReadonlySet<string> = new Set([
  'identity',
  'gov',
  'workflow',
  'privacy',
  'credential',
  'records',
]);

export interface StoredTx {
  readonly body: Uint8Array;
  readonly sig: Uint8Array;
  /** JCS of the co-signature list; empty when the transaction has none. */
  readonly cosigs: Uint8Array;
}

export interface TxLocation {
  readonly height: number;
  readonly index: number;
}

export interface ChainStoreOptions {
  readonly path: string;
  /** Largest size the memory map may grow to, bytes. */
  readonly mapSize: number;
  readonly readOnly: boolean;
}

export const defaultChainStoreOptions = {
  mapSize: 64 * 1024 ** 3,
  readOnly: false,
} as const satisfies Partial<ChainStoreOptions>;

const FORMAT = 2;
const EMPTY = Buffer.alloc(0);
const GROUP_MAX_TXS = 4000;

/**
 * Embedded storage on LMDB (ADR 0001). Everything a block changes is written in one LMDB transaction; LMDB's
 * copy-on-write B-tree makes that transaction atomic, and `overlappingSync` flushes it to disk once, off the main
 * thread. Keys and value encodings are described in docs/adr/0001-storage.md.
 */
export class ChainStore {
  private readonly env: RootDatabase;
  private readonly meta: Database<Buffer, string>;
  private readonly headers: Database<Buffer, number>;
  private readonly blocks: Database<Buffer, number>;
  private readonly receiptsDb: Database<Buffer, number>;
  private readonly roots: Database<Buffer, number>;
  private readonly attestationsDb: Database<Buffer, number>;
  private readonly txIndex: Database<Buffer, Buffer>;
  private readonly values: Database<Buffer, Buffer>;
  private readonly pages: Database<Buffer, Buffer>;
  private readonly stateKeys: Database<Buffer, Buffer>;
  private genesisCache: Genesis | undefined;
  /** Blocks waiting for the next group commit, with the callbacks of their durability promises. */
  private queue: {
    block: ExecutedBlock;
    attestations: readonly Attestation[];
    genesis: Genesis | undefined;
    done: () => void;
    fail: (e: unknown) => void;
  }[] = [];
  private flushing = false;
  /** Observer of each group commit (blocks in it, seconds to durable), for metrics. */
  onGroupCommit: ((blocks: number, seconds: number) => void) | undefined;

  /** Directory of the LMDB environment. */
  readonly path: string;

  private constructor(env: RootDatabase, path: string) {
    this.env = env;
    this.path = path;
    const sub = <K extends import('lmdb').Key>(name: string) => env.openDB<Buffer, K>({ name, encoding: 'binary' });
    // Raw binary keys (ordered-binary would wrap them and range scans would not see them).
    const hashKeyed = (name: string) => env.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' });
    this.meta = sub<string>('meta');
    this.headers = sub<number>('headers');
    this.blocks = sub<number>('blocks');
    this.receiptsDb = sub<number>('receipts');
    this.roots = sub<number>('roots');
    this.attestationsDb = sub<number>('attestations');
    this.txIndex = hashKeyed('txindex');
    this.values = hashKeyed('values');
    this.pages = hashKeyed('pages');
    this.stateKeys = hashKeyed('statekeys');
  }

  static open(opts: Pick<ChainStoreOptions, 'path'> & Partial<ChainStoreOptions>): ChainStore {
    const options = { ...defaultChainStoreOptions, ...opts };
    const env = open({
      path: options.path,
      mapSize: options.mapSize,
      maxDbs: 16,
      readOnly: options.readOnly,
      // Commits are visible at once and flushed to disk by a background sync; a block is acknowledged only after
      // `flushed` resolves, so an acknowledged block survives power loss, and kill -9 can never tear a block.
      overlappingSync: true,
      encoding: 'binary',
    });
    const store = new ChainStore(env, options.path);
    const format = store.meta.get('format');
    if (format === undefined) {
      if (!options.readOnly) store.meta.putSync('format', Buffer.from([FORMAT]));
    } else if (format[0] !== FORMAT) {
      throw nodeError(
        'STORE_CORRUPT',
        `the data directory uses storage format ${format[0]}; this release reads format ${FORMAT} (re-create it)`,
        { reason: 'format', format: format[0] },
      );
    }
    return store;
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  /** Makes the next reads see every committed write (lmdb-js otherwise reuses a read snapshot within a turn). */
  resetReadSnapshot(): void {
    this.env.resetReadTxn();
  }

  /** Resolves when everything written so far is on disk. */
  /**
   * Waits until this thread's reads see block `height`. lmdb-js keeps a read snapshot for the rest of the event-loop
   * turn in which it was taken, so a snapshot taken while a group was being committed can miss it even after
   * `flushed` resolved. The commit loop forgets a block's in-memory copy (PendingBlocks) as soon as the block is
   * durable, and then reads it from here: without this, a read could miss the block (a duplicate transaction not
   * recognised as one, found in the consortium tests).
   */
  private async visible(height: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.env.resetReadTxn();
      if (this.height() >= height) return;
      if (attempt >= 1_000) {
        throw nodeError('STORE_CORRUPT', `block ${height} was written but does not become readable`, {
          height,
          reason: 'visibility',
        });
      }
      await this.env.committed;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  flushed(): Promise<void> {
    return Promise.resolve(this.env.flushed).then(() => undefined);
  }

  genesis(): Genesis | undefined {
    if (this.genesisCache === undefined) {
      const bytes = this.meta.get('genesis');
      if (bytes === undefined) return undefined;
      this.genesisCache = assertGenesis(decodeCanonical(bytes), nativeSuite);
    }
    return this.genesisCache;
  }

  /** Height of the last committed block, or -1 for an empty store. */
  height(): number {
    const bytes = this.meta.get('height');
    return bytes === undefined ? -1 : Number(bytes.readBigUInt64BE(0));
  }

  headerBytes(height: number): Uint8Array | undefined {
    return this.headers.get(height);
  }

  header(height: number): BlockHeader | undefined {
    const bytes = this.headers.get(height);
    return bytes === undefined ? undefined : (JSON.parse(bytesToUtf8(bytes)) as BlockHeader);
  }

  txs(height: number): StoredTx[] | undefined {
    const bytes = this.blocks.get(height);
    return bytes === undefined ? undefined : decodeTxRecords(bytes);
  }

  tx(height: number, index: number): StoredTx | undefined {
    const bytes = this.blocks.get(height);
    return bytes === undefined ? undefined : decodeTxRecord(bytes, index);
  }

  /** The stored records of one block as they are on disk (for verification in worker threads). */
  rawBlock(height: number): { txs: Buffer; receipts: Buffer; attestations: Buffer } | undefined {
    const txs = this.blocks.get(height);
    const receipts = this.receiptsDb.get(height);
    const attestations = this.attestationsDb.get(height);
    if (txs === undefined || receipts === undefined || attestations === undefined) return undefined;
    return { txs, receipts, attestations };
  }

  receiptBytes(height: number): Uint8Array[] | undefined {
    const bytes = this.receiptsDb.get(height);
    return bytes === undefined ? undefined : decodeRecords(bytes);
  }

  receipts(height: number): Receipt[] | undefined {
    return this.receiptBytes(height)?.map((b) => JSON.parse(bytesToUtf8(b)) as Receipt);
  }

  root(height: number): Uint8Array | undefined {
    return this.roots.get(height);
  }

  /** etcd ordering: the highest block a quorum certified (PROTOCOL.md §18.5); undefined before the first. */
  certifiedHeight(): number | undefined {
    const bytes = this.meta.get('certified');
    return bytes === undefined ? undefined : Number(bytes.readBigUInt64BE(0));
  }

  putCertifiedHeight(height: number): void {
    const bytes = Buffer.allocUnsafe(8);
    bytes.writeBigUInt64BE(BigInt(height), 0);
    void this.meta.put('certified', bytes);
  }

  /** Replaces the attestations stored with a durable block by the set that certified it. */
  putAttestations(height: number, attestations: readonly Attestation[]): void {
    void this.attestationsDb.put(height, Buffer.from(utf8ToBytes(canonicalize(attestations))));
  }

  attestations(height: number): Attestation[] | undefined {
    const bytes = this.attestationsDb.get(height);
    return bytes === undefined ? undefined : (JSON.parse(bytesToUtf8(bytes)) as Attestation[]);
  }

  txLocation(id: Uint8Array): TxLocation | undefined {
    const bytes = this.txIndex.get(toBuffer(id));
    return bytes === undefined ? undefined : { height: Number(bytes.readBigUInt64BE(0)), index: bytes.readUInt32BE(8) };
  }

  hasTx(idHex: string): boolean {
    return this.txIndex.doesExist(Buffer.from(idHex, 'hex'));
  }

  /** A state value (canonical JSON text) by location: the height a leaf records and the key path. */
  value(height: number, keyPath: Uint8Array): string | undefined {
    return this.values.get(toBuffer(valueKey(height, keyPath)))?.toString('utf8');
  }

  /** A state page by its version key (runtime/stateTree.ts `pageKey`). */
  page(key: Uint8Array): Uint8Array | undefined {
    return this.pages.get(toBuffer(key));
  }

  countValues(): number {
    return this.values.getCount();
  }

  *allTxIndex(): Generator<{ id: Uint8Array; location: TxLocation }> {
    for (const { key, value } of this.txIndex.getRange({})) {
      yield { id: key, location: { height: Number(value.readBigUInt64BE(0)), index: value.readUInt32BE(8) } };
    }
  }

  /**
   * State keys of a contract in {@link LISTED_CONTRACTS} that start with `prefix`, in byte order, after `after` (exclusive), at most `limit`,
   * with the height of their last write. A node-local index (not part of the state commitment), kept in the same
   * LMDB transaction as the block that wrote the keys.
   */
  *stateKeysOf(
    contract: string,
    prefix: string,
    opts: { after?: string; limit?: number } = {},
  ): Generator<{ key: string; height: number }> {
    const base = `${contract}\u0000`;
    const start = Buffer.from(base + (opts.after !== undefined && opts.after >= prefix ? opts.after : prefix), 'utf8');
    const end = Buffer.from(`${base}${prefix}\uffff`, 'utf8');
    let n = 0;
    for (const { key, value } of this.stateKeys.getRange({ start, end })) {
      const k = key.toString('utf8').slice(base.length);
      if (opts.after !== undefined && k <= opts.after) continue;
      if (!k.startsWith(prefix)) continue;
      if (opts.limit !== undefined && n >= opts.limit) return;
      n++;
      yield { key: k, height: Number(value.readBigUInt64BE(0)) };
    }
  }

  countPages(): number {
    return this.pages.getCount();
  }

  /**
   * Writes one block and everything it changes; resolves once it is durable. Group commit: while one LMDB
   * transaction is being flushed, further blocks queue up and are then written together in the next transaction
   * with a single sync, so the number of syncs adapts to the disk instead of to the block rate. Blocks are written
   * in order and each transaction holds whole blocks only.
   */
  writeBlock(block: ExecutedBlock, attestations: readonly Attestation[], genesis?: Genesis): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.queue.push({ block, attestations, genesis, done, fail });
      if (!this.flushing) void this.commitQueued();
    });
  }

  private async commitQueued(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      // At most GROUP_MAX_TXS transactions per group: issuing a group's writes is one synchronous stretch of the
      // event loop, which must stay short; whatever remains goes into the next group right after this one.
      let take = 0;
      let txs = 0;
      while (take < this.queue.length && (take === 0 || txs + this.queue[take]!.block.txs.length <= GROUP_MAX_TXS)) {
        txs += this.queue[take]!.block.txs.length;
        take++;
      }
      const group = this.queue.slice(0, take);
      this.queue = this.queue.slice(take);
      try {
        // All puts in one event turn: lmdb-js commits them in one transaction.
        const started = performance.now();
        for (const item of group) this.putBlock(item.block, item.attestations, item.genesis);
        await this.flushed();
        await this.visible(group[group.length - 1]!.block.header.height);
        this.onGroupCommit?.(group.length, (performance.now() - started) / 1000);
        for (const item of group) item.done();
      } catch (error) {
        for (const item of group) item.fail(error);
        for (const item of this.queue) item.fail(error);
        this.queue = [];
      }
    }
    this.flushing = false;
  }

  private putBlock(block: ExecutedBlock, attestations: readonly Attestation[], genesis: Genesis | undefined): void {
    const h = block.header.height;
    if (genesis !== undefined) this.meta.put('genesis', Buffer.from(utf8ToBytes(canonicalize(genesis))));
    this.headers.put(h, Buffer.from(utf8ToBytes(canonicalize(block.header))));
    this.blocks.put(
      h,
      encodeTxRecords(
        block.txs.map((t) => ({
          body: Buffer.from(t.canonical, 'utf8'),
          sig: t.sig,
          cosigs: t.cosigs === undefined ? EMPTY : Buffer.from(canonicalize(t.cosigs as unknown as JsonValue), 'utf8'),
        })),
      ),
    );
    this.receiptsDb.put(h, encodeRecords(block.receiptCanonicals.map((c) => Buffer.from(c, 'utf8'))));
    this.roots.put(h, Buffer.from(encodeRoot(block)));
    this.attestationsDb.put(h, Buffer.from(utf8ToBytes(canonicalize(attestations))));
    block.txs.forEach((t, index) => {
      const loc = Buffer.allocUnsafe(12);
      loc.writeBigUInt64BE(BigInt(h), 0);
      loc.writeUInt32BE(index, 8);
      this.txIndex.put(toBuffer(t.id), loc);
    });
    // Pages and values are keyed by height first, so a block's writes land at the end of their B-trees.
    for (const v of block.newValues) this.values.put(toBuffer(valueKey(h, v.keyPath)), Buffer.from(v.text, 'utf8'));
    for (const p of block.newPages) this.pages.put(toBuffer(p.key), toBuffer(p.bytes));
    if (block.writes.length > 0) {
      const at = Buffer.allocUnsafe(8);
      at.writeBigUInt64BE(BigInt(h), 0);
      for (const w of block.writes) {
        if (!LISTED_CONTRACTS.has(w.contract)) continue;
        const key = Buffer.from(`${w.contract}\u0000${w.key}`, 'utf8');
        if (w.value === null) this.stateKeys.remove(key);
        else this.stateKeys.put(key, at);
      }
    }
    const height = Buffer.allocUnsafe(8);
    height.writeBigUInt64BE(BigInt(h), 0);
    this.meta.put('height', height);
  }

  /** Raw access for tamper tests and repair tools: overwrite a stored record as-is. */
  async putRaw(
    db: 'headers' | 'blocks' | 'receipts' | 'attestations',
    height: number,
    bytes: Uint8Array,
  ): Promise<void> {
    const target = {
      headers: this.headers,
      blocks: this.blocks,
      receipts: this.receiptsDb,
      attestations: this.attestationsDb,
    }[db];
    await target.put(height, toBuffer(bytes));
    await this.flushed();
  }
}

function encodeRoot(block: ExecutedBlock): Uint8Array {
  return encodeSlot(block.root);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** [u32 count] then per record [u32 length][bytes]. */
export function encodeRecords(records: readonly Uint8Array[]): Buffer {
  let size = 4;
  for (const r of records) size += 4 + r.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(records.length, 0);
  let offset = 4;
  for (const r of records) {
    out.writeUInt32BE(r.length, offset);
    out.set(r, offset + 4);
    offset += 4 + r.length;
  }
  return out;
}

export function decodeRecords(bytes: Buffer): Uint8Array[] {
  try {
    const count = bytes.readUInt32BE(0);
    const out: Uint8Array[] = [];
    let offset = 4;
    for (let i = 0; i < count; i++) {
      const length = bytes.readUInt32BE(offset);
      if (offset + 4 + length > bytes.length) throw new RangeError('truncated');
      out.push(bytes.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    if (offset !== bytes.length) throw new RangeError('trailing bytes');
    return out;
  } catch (cause) {
    throw nodeError('STORE_CORRUPT', 'record list is malformed', { reason: 'encoding' }, cause);
  }
}

/** [u32 count] then per transaction [u32 body length][body][64-byte signature]. */
export function encodeTxRecords(txs: readonly StoredTx[]): Buffer {
  let size = 4;
  for (const t of txs) size += 4 + t.body.length + 64 + 4 + t.cosigs.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(txs.length, 0);
  let offset = 4;
  for (const t of txs) {
    out.writeUInt32BE(t.body.length, offset);
    out.set(t.body, offset + 4);
    out.set(t.sig, offset + 4 + t.body.length);
    offset += 4 + t.body.length + 64;
    out.writeUInt32BE(t.cosigs.length, offset);
    out.set(t.cosigs, offset + 4);
    offset += 4 + t.cosigs.length;
  }
  return out;
}

/** Reads the record at `offset`; returns it and the offset after it. Throws RangeError on truncation. */
function readTxRecord(bytes: Buffer, offset: number): { tx: StoredTx; next: number } {
  const length = bytes.readUInt32BE(offset);
  if (offset + 4 + length + 64 + 4 > bytes.length) throw new RangeError('truncated');
  const body = bytes.subarray(offset + 4, offset + 4 + length);
  const sig = bytes.subarray(offset + 4 + length, offset + 4 + length + 64);
  const at = offset + 4 + length + 64;
  const cosigsLength = bytes.readUInt32BE(at);
  if (at + 4 + cosigsLength > bytes.length) throw new RangeError('truncated');
  return { tx: { body, sig, cosigs: bytes.subarray(at + 4, at + 4 + cosigsLength) }, next: at + 4 + cosigsLength };
}

export function decodeTxRecords(bytes: Buffer): StoredTx[] {
  try {
    const count = bytes.readUInt32BE(0);
    const out: StoredTx[] = [];
    let offset = 4;
    for (let i = 0; i < count; i++) {
      const { tx, next } = readTxRecord(bytes, offset);
      out.push(tx);
      offset = next;
    }
    if (offset !== bytes.length) throw new RangeError('trailing bytes');
    return out;
  } catch (cause) {
    throw nodeError('STORE_CORRUPT', 'block record is malformed', { reason: 'encoding' }, cause);
  }
}

function decodeTxRecord(bytes: Buffer, index: number): StoredTx | undefined {
  try {
    const count = bytes.readUInt32BE(0);
    if (index >= count) return undefined;
    let offset = 4;
    for (let i = 0; i < index; i++) offset = readTxRecord(bytes, offset).next;
    return readTxRecord(bytes, offset).tx;
  } catch (cause) {
    throw nodeError('STORE_CORRUPT', 'block record is malformed', { reason: 'encoding' }, cause);
  }
}

export function hexKey(hex: string): Buffer {
  return Buffer.from(hexToBytes(hex, 'id', 32));
}

/**
 * The node's encrypted store of personal records (PROTOCOL.md §19): the chain holds only a record's commitment, its
 * `id`; the value and its salt are kept here, off chain, on the nodes allowed to hold them.
 *
 * Layout under `dir` (directories 0700, files 0600):
 *
 * - `master.json`: the master keys, each sealed under scrypt(passphrase, salt) —
 *   `{ v: 1, suite, kdf: { N, r, p, salt }, check, versions: [{ version, created, sealed }] }`. `check` seals the
 *   empty string (aad "lianzheng/private/master/check") so that a wrong passphrase (PRIVATE_STORE_LOCKED) is told
 *   apart from a damaged master key (PRIVATE_STORE_CORRUPT); each master key is sealed with aad
 *   "lianzheng/private/master/<version>". Two versions exist only while a rotation runs.
 * - `pending/<id>.json` (staged: the registering transaction is not committed yet) and `records/<id>.json`:
 *   `{ v: 1, id, master, key, content, tx?, expiresAt? }`. `content` seals JCS({ salt, value }) under a random
 *   per-record data key (aad "lianzheng/private/content/<id>"); `key` seals that data key under master key version
 *   `master` (aad "lianzheng/private/key/<id>/<master>"). Because the content does not depend on the master key, a
 *   record moves between nodes as (data key, sealed content) and a key rotation rewrites only `key`. `tx` and
 *   `expiresAt` are written by `stage` and kept by `commit`, which is a rename.
 *
 * Sealed values are `{ alg, iv (hex), ct (base64), tag (hex) }` (see aead.ts). No plaintext, salt or data key in
 * clear is ever written, logged or put in an error.
 *
 * Every write goes to a temporary file in the same directory, is fsynced and renamed over its target, and the
 * directory is fsynced; a crash leaves the old file or the new one, plus at most a `*.tmp` file that the next
 * `open` shreds. Operations on one id are serialised, so that a rotation cannot resurrect a record being erased or
 * rewrap a pending entry while it is committed.
 */
import crypto from 'node:crypto';
import { type Dirent, existsSync } from 'node:fs';
import { chmod, mkdir, open as openFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  canonicalize,
  decodeCanonical,
  isSuiteId,
  type JsonValue,
  parseJsonStrict,
  protocolError,
  type SuiteId,
} from '@lianzheng/protocol';
import { AEAD_KEY_BYTES, type AeadAlg, aeadParams, open as openSealed, type Sealed, seal } from './aead.js';
import { type Clock, systemClock } from './clock.js';
import { fsyncDir as syncDirectory, writeFileDurably } from './durableFile.js';
import { nodeError } from './errors.js';
import { deriveKey } from './keystore.js';

/** A personal record as the chain commits to it: TH("lianzheng/personal", JCS({ salt, value })). */
export interface PrivatePlain {
  readonly value: JsonValue;
  readonly salt: string;
}

/** A sealed value as stored and as sent between nodes. */
export interface SealedContent {
  readonly alg: AeadAlg;
  /** Lower-case hex. */
  readonly iv: string;
  /** Base64 (RFC 4648 §4, padded). */
  readonly ct: string;
  /** Lower-case hex: the GCM tag or the HMAC-SM3. */
  readonly tag: string;
}

export interface PrivateStoreKdf {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface PrivateStoreOptions {
  /** e.g. `<node home>/private`. */
  readonly dir: string;
  readonly suite: SuiteId;
  /** Protects the master key file (the node's passphrase). */
  readonly passphrase: string;
  /** scrypt cost for a new master key file; an existing file keeps the cost it was written with. */
  readonly kdf?: PrivateStoreKdf;
}

export const defaultPrivateStoreOptions = { kdf: { N: 2 ** 15, r: 8, p: 1 } } as const satisfies Pick<
  PrivateStoreOptions,
  'kdf'
>;

export interface PrivateStoreLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
}

export interface PrivateStoreDeps {
  readonly log?: PrivateStoreLog;
  /** Timestamps of master key versions; default the system clock. */
  readonly clock?: Clock;
}

export interface PendingMeta {
  /** The transaction that registers the record. */
  readonly tx: string;
  /** Until when that transaction can still be committed. */
  readonly expiresAt: number;
}

export interface PendingRecord extends PendingMeta {
  readonly id: string;
}

export interface ExportedRecord {
  /** The record's data key in clear: send it only over an authenticated, encrypted channel. */
  readonly dataKey: Uint8Array;
  readonly sealed: SealedContent;
}

export interface RotateMasterKeyReturnType {
  /** The master key version every record is now sealed under. */
  readonly version: number;
  /** How many record ids (committed or pending) the rotation covered. */
  readonly records: number;
}

/** Largest canonical JSON of `{ salt, value }`. */
export const MAX_PRIVATE_PLAIN_BYTES = 64 * 1024;

const ID_PATTERN = /^[0-9a-f]{64}$/;
const RECORD_FILE_PATTERN = /^([0-9a-f]{64})\.json$/;
const MASTER_FILE = 'master.json';
const RECORDS_DIR = 'records';
const PENDING_DIR = 'pending';
const TMP_SUFFIX = '.tmp';
const SALT_BYTES = 32;
/** A record file holds at most 64 KiB of ciphertext in base64 plus a few hundred bytes. */
const MAX_RECORD_FILE_BYTES = 128 * 1024;
const MAX_MASTER_FILE_BYTES = 64 * 1024;
const MAX_MASTER_VERSIONS = 16;
/** What a master key file may ask of scrypt (it is read before it is authenticated). */
const SCRYPT_LIMITS = { minN: 2 ** 10, maxN: 2 ** 20, maxR: 32, maxP: 16, maxWork: 2 ** 23 } as const;
const SHRED_CHUNK = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const noLog: PrivateStoreLog = { info: () => undefined, warn: () => undefined };

const contentAad = (id: string): Buffer => Buffer.from(`lianzheng/private/content/${id}`, 'utf8');
const keyAad = (id: string, version: number): Buffer => Buffer.from(`lianzheng/private/key/${id}/${version}`, 'utf8');
const masterAad = (version: number): Buffer => Buffer.from(`lianzheng/private/master/${version}`, 'utf8');
const CHECK_AAD = Buffer.from('lianzheng/private/master/check', 'utf8');

interface KdfJson extends PrivateStoreKdf {
  readonly salt: string;
}

interface MasterVersionJson {
  readonly version: number;
  /** ISO 8601. */
  readonly created: string;
  readonly sealed: SealedContent;
}

interface MasterFileJson {
  readonly v: 1;
  readonly suite: SuiteId;
  readonly kdf: KdfJson;
  readonly check: SealedContent;
  readonly versions: readonly MasterVersionJson[];
}

interface RecordFileJson {
  readonly v: 1;
  readonly id: string;
  readonly master: number;
  readonly key: SealedContent;
  readonly content: SealedContent;
  readonly tx?: string;
  readonly expiresAt?: number;
}

export class PrivateStore {
  readonly #dir: string;
  readonly #suite: SuiteId;
  readonly #log: PrivateStoreLog;
  readonly #clock: Clock;
  /** scrypt(passphrase, salt): seals new master key versions. */
  readonly #kek: Buffer;
  readonly #keys: Map<number, Buffer>;
  #master: MasterFileJson;
  #current: number;
  readonly #committed: Set<string>;
  /** Tail of the queue of operations per id (and `#rotation` for rotations). */
  readonly #locks = new Map<string, Promise<void>>();
  /** Writes that may still seal under the version that was current when they started. */
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;

  private constructor(
    dir: string,
    suite: SuiteId,
    deps: PrivateStoreDeps,
    kek: Buffer,
    master: MasterFileJson,
    keys: Map<number, Buffer>,
    committed: Set<string>,
  ) {
    this.#dir = dir;
    this.#suite = suite;
    this.#log = deps.log ?? noLog;
    this.#clock = deps.clock ?? systemClock;
    this.#kek = kek;
    this.#master = master;
    this.#keys = keys;
    this.#current = Math.max(...keys.keys());
    this.#committed = committed;
  }

  /**
   * Opens the store in `opts.dir`, creating it (and a master key) if it does not exist. Shreds leftover temporary
   * files and finishes a rotation that was interrupted. PRIVATE_STORE_LOCKED for a wrong passphrase,
   * PRIVATE_STORE_CORRUPT for a damaged or missing master key file, CONFIG_INVALID for bad options or a store of
   * another suite.
   */
  static async open(opts: PrivateStoreOptions, deps: PrivateStoreDeps = {}): Promise<PrivateStore> {
    const { dir, suite, passphrase } = opts;
    if (typeof dir !== 'string' || dir === '') {
      throw nodeError('CONFIG_INVALID', 'the private store needs a directory', { field: 'dir' });
    }
    if (!isSuiteId(suite)) throw nodeError('CONFIG_INVALID', 'unknown crypto suite', { field: 'suite' });
    const masterFile = path.join(dir, MASTER_FILE);
    if (typeof passphrase !== 'string' || passphrase === '') {
      throw nodeError('PRIVATE_STORE_LOCKED', 'the private store needs the node passphrase', { file: masterFile });
    }
    const kdf = opts.kdf ?? defaultPrivateStoreOptions.kdf;
    if (!isKdf(kdf)) {
      throw nodeError('CONFIG_INVALID', 'scrypt parameters out of range for the private store', { field: 'kdf' });
    }
    const log = deps.log ?? noLog;
    for (const d of [dir, path.join(dir, RECORDS_DIR), path.join(dir, PENDING_DIR)]) await ensureDir(d);
    const shredded = await shredTmpFiles([dir, path.join(dir, RECORDS_DIR), path.join(dir, PENDING_DIR)]);
    if (shredded > 0) log.warn({ files: shredded }, 'private store: shredded leftover temporary files');
    const committed = new Set(await listIds(path.join(dir, RECORDS_DIR)));
    const { master, kek, keys } = await loadOrCreateMaster(
      masterFile,
      suite,
      passphrase,
      kdf,
      deps.clock ?? systemClock,
    );
    const store = new PrivateStore(dir, suite, deps, kek, master, keys, committed);
    if (master.versions.length > 1) {
      log.warn({ version: store.#current }, 'private store: finishing an interrupted master key rotation');
      try {
        await store.rotateMasterKey();
      } catch (e) {
        store.close();
        throw e;
      }
    }
    return store;
  }

  /** The master key version new records are sealed under. */
  get masterVersion(): number {
    return this.#current;
  }

  /**
   * Encrypts `plain` under a fresh data key and writes `pending/<id>.json`. The canonical JSON of `{ salt, value }`
   * may be at most 64 KiB (PRIVATE_VALUE_TOO_LARGE); values that are not JSON get the protocol's JSON codes.
   */
  async stage(id: string, plain: PrivatePlain, meta: PendingMeta): Promise<void> {
    this.#checkOpen();
    checkId(id);
    if (typeof meta !== 'object' || meta === null) throw fieldInvalid('meta', 'must be an object');
    if (typeof meta.tx !== 'string' || !ID_PATTERN.test(meta.tx)) {
      throw protocolError('HEX_INVALID', 'tx must be a transaction id: 64 lower-case hex digits', { field: 'tx' });
    }
    if (!Number.isSafeInteger(meta.expiresAt) || meta.expiresAt < 0) {
      throw fieldInvalid('expiresAt', 'must be a non-negative integer');
    }
    const plaintext = encodePlain(plain);
    const { tx, expiresAt } = meta;
    return this.#track(
      this.#withLock(id, async () => {
        let record: RecordFileJson;
        try {
          const { master, key, content } = this.#sealNew(id, plaintext);
          record = { v: 1, id, master, key, content, tx, expiresAt };
        } finally {
          plaintext.fill(0);
        }
        await writeFileAtomic(this.#pendingPath(id), `${JSON.stringify(record)}\n`);
      }),
    );
  }

  /**
   * Moves `pending/<id>.json` to `records/<id>.json` (replacing a committed copy, which holds the same record).
   * Idempotent: with nothing staged and the record committed, nothing happens; with neither, INTERNAL.
   */
  async commit(id: string): Promise<void> {
    this.#checkOpen();
    checkId(id);
    await this.#withLock(id, async () => {
      try {
        await rename(this.#pendingPath(id), this.#recordPath(id));
      } catch (cause) {
        if (!isNotFound(cause)) throw ioFailure(`cannot commit private record ${id}`, this.#pendingPath(id), cause);
        if (await exists(this.#recordPath(id))) return;
        throw nodeError('INTERNAL', `no private record is staged under ${id}`, { id });
      }
      await Promise.all([fsyncDir(path.join(this.#dir, RECORDS_DIR)), fsyncDir(path.join(this.#dir, PENDING_DIR))]);
      this.#committed.add(id);
    });
  }

  /** The committed record `id`, decrypted; undefined when there is none (pending entries are not read). */
  async read(id: string): Promise<PrivatePlain | undefined> {
    this.#checkOpen();
    checkId(id);
    const opened = await this.#openRecord(id);
    if (opened === undefined) return undefined;
    try {
      return this.#decryptContent(opened.file, id, opened.dataKey, opened.content);
    } finally {
      opened.dataKey.fill(0);
    }
  }

  /** Whether a committed record `id` is held. */
  has(id: string): boolean {
    checkId(id);
    return this.#committed.has(id);
  }

  /** Ids of the committed records, sorted. */
  ids(): string[] {
    return [...this.#committed].sort();
  }

  /** The staged entries, sorted by id. */
  /** Whether `id` has a staged entry (one file lookup; `pending()` reads and checks them all). */
  async isPending(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    return exists(this.#pendingPath(id));
  }

  async pending(): Promise<PendingRecord[]> {
    this.#checkOpen();
    const out: PendingRecord[] = [];
    for (const id of await listIds(path.join(this.#dir, PENDING_DIR))) {
      const entry = await this.pendingEntry(id);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  /** Whether `id` has a staged entry, without waiting (a synchronous stat). */
  isPendingSync(id: string): boolean {
    this.#checkOpen();
    checkId(id);
    return existsSync(this.#pendingPath(id));
  }

  /** The staged entry `id` (its transaction and expiry), if there is one that decodes. */
  async pendingEntry(id: string): Promise<PendingRecord | undefined> {
    this.#checkOpen();
    checkId(id);
    const file = this.#pendingPath(id);
    const bytes = await readCapped(file, MAX_RECORD_FILE_BYTES);
    // Committed or erased since the listing.
    if (bytes === null) return undefined;
    let record: ReturnType<typeof decodeRecordFile>;
    try {
      record = decodeRecordFile(file, bytes, id, this.#suite, true);
    } catch (error) {
      // One damaged staged entry must not block every other one (it holds no committed record).
      this.#log.warn({ err: error, file }, 'skipping a staged entry that does not decode');
      return undefined;
    }
    return { id, tx: record.tx as string, expiresAt: record.expiresAt as number };
  }

  /** The committed record's data key in clear and its sealed content as stored, for transfer to another node. */
  async exportRecord(id: string): Promise<ExportedRecord | undefined> {
    this.#checkOpen();
    checkId(id);
    const opened = await this.#openRecord(id);
    if (opened === undefined) return undefined;
    return { dataKey: opened.dataKey, sealed: encodeSealed(opened.content) };
  }

  /** Decrypts a received record; PRIVATE_STORE_CORRUPT when it does not authenticate or is malformed. */
  openContent(id: string, dataKey: Uint8Array, sealed: SealedContent): PrivatePlain {
    checkId(id);
    const source = `received record ${id}`;
    checkDataKey(source, dataKey);
    return this.#decryptContent(source, id, dataKey, decodeSealed(source, 'sealed', sealed, this.#suite));
  }

  /**
   * Stores a received record in `records/` with its sealed content unchanged and its data key wrapped under the
   * current master key. The content is authenticated with the data key first, so nothing unreadable is stored.
   */
  async importRecord(id: string, dataKey: Uint8Array, sealed: SealedContent): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const source = `received record ${id}`;
    checkDataKey(source, dataKey);
    const content = decodeSealed(source, 'sealed', sealed, this.#suite);
    this.#decryptContent(source, id, dataKey, content);
    const key = Buffer.from(dataKey);
    return this.#track(
      this.#withLock(id, async () => {
        let record: RecordFileJson;
        try {
          const version = this.#current;
          const wrapped = seal(this.#suite, this.#masterKey(version), keyAad(id, version), key);
          record = { v: 1, id, master: version, key: encodeSealed(wrapped), content: encodeSealed(content) };
        } finally {
          key.fill(0);
        }
        await writeFileAtomic(this.#recordPath(id), `${JSON.stringify(record)}\n`);
        this.#committed.add(id);
      }),
    );
  }

  /**
   * Crypto-shredding: overwrites `records/<id>.json` and `pending/<id>.json` in place with random bytes, syncs,
   * unlinks them and syncs their directories. True if anything was destroyed.
   */
  async erase(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    return this.#withLock(id, async () => {
      const inRecords = await shredFile(this.#recordPath(id));
      const inPending = await shredFile(this.#pendingPath(id));
      if (inRecords) await fsyncDir(path.join(this.#dir, RECORDS_DIR));
      if (inPending) await fsyncDir(path.join(this.#dir, PENDING_DIR));
      this.#committed.delete(id);
      return inRecords || inPending;
    });
  }

  /**
   * Shreds only the staged entry `pending/<id>.json` (its transaction failed or can no longer commit), leaving a
   * committed record of the same id alone. True if there was one.
   */
  async discardPending(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    return this.#withLock(id, async () => {
      const destroyed = await shredFile(this.#pendingPath(id));
      if (destroyed) await fsyncDir(path.join(this.#dir, PENDING_DIR));
      return destroyed;
    });
  }

  /**
   * Adds master key version n+1, rewraps every record's and pending entry's data key under it, then removes the
   * old version. Reads and writes go on meanwhile. If a rotation was interrupted (the master file holds two
   * versions), this call finishes that rotation instead of starting another. An exception from `onProgress`
   * interrupts the rotation.
   */
  async rotateMasterKey(onProgress?: (done: number, total: number) => void): Promise<RotateMasterKeyReturnType> {
    this.#checkOpen();
    return this.#withLock('#rotation', async () => {
      if (this.#master.versions.length === 1) await this.#addMasterVersion();
      return this.#finishRotation(onProgress);
    });
  }

  /** Zeroes the keys held in memory; every later call fails with NODE_STOPPING. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const key of this.#keys.values()) key.fill(0);
    this.#keys.clear();
    this.#kek.fill(0);
  }

  #checkOpen(): void {
    if (this.#closed) throw nodeError('NODE_STOPPING', 'the private store is closed');
  }

  #recordPath(id: string): string {
    return path.join(this.#dir, RECORDS_DIR, `${id}.json`);
  }

  #pendingPath(id: string): string {
    return path.join(this.#dir, PENDING_DIR, `${id}.json`);
  }

  #masterKey(version: number): Buffer {
    this.#checkOpen();
    const key = this.#keys.get(version);
    if (key === undefined) throw nodeError('INTERNAL', `no master key version ${version} in memory`, { version });
    return key;
  }

  /** Seals `plaintext` under a fresh data key, and the data key under the current master key. */
  #sealNew(id: string, plaintext: Uint8Array): { master: number; key: SealedContent; content: SealedContent } {
    const dataKey = crypto.randomBytes(AEAD_KEY_BYTES);
    try {
      const version = this.#current;
      const content = seal(this.#suite, dataKey, contentAad(id), plaintext);
      const key = seal(this.#suite, this.#masterKey(version), keyAad(id, version), dataKey);
      return { master: version, key: encodeSealed(key), content: encodeSealed(content) };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Reads `records/<id>.json` and unwraps its data key. A file read just before a rotation dropped its master
   * version is read again: by then it has been rewrapped.
   */
  async #openRecord(id: string): Promise<{ file: string; dataKey: Buffer; content: Sealed } | undefined> {
    const file = this.#recordPath(id);
    for (let attempt = 0; ; attempt++) {
      const bytes = await readCapped(file, MAX_RECORD_FILE_BYTES);
      if (bytes === null) return undefined;
      this.#checkOpen();
      const record = decodeRecordFile(file, bytes, id, this.#suite, false);
      const master = this.#keys.get(record.master);
      if (master === undefined) {
        if (attempt < 2 && record.master < this.#current) continue;
        throw corrupt(file, 'master', `sealed under master key version ${record.master}, which this store lacks`);
      }
      const dataKey = unwrapDataKey(file, id, record, master, this.#suite);
      return { file, dataKey, content: decodeSealed(file, 'content', record.content, this.#suite) };
    }
  }

  #decryptContent(source: string, id: string, dataKey: Uint8Array, content: Sealed): PrivatePlain {
    let plaintext: Buffer;
    try {
      plaintext = openSealed(this.#suite, dataKey, contentAad(id), content);
    } catch (cause) {
      throw corrupt(source, 'content', 'the content does not authenticate', cause);
    }
    try {
      return decodePlain(source, plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Seals a new master key version under the passphrase key and makes it current. */
  async #addMasterVersion(): Promise<void> {
    const version = this.#current + 1;
    const key = crypto.randomBytes(AEAD_KEY_BYTES);
    const entry: MasterVersionJson = {
      version,
      created: new Date(this.#clock.now()).toISOString(),
      sealed: encodeSealed(seal(this.#suite, this.#kek, masterAad(version), key)),
    };
    const next: MasterFileJson = { ...this.#master, versions: [...this.#master.versions, entry] };
    try {
      await writeFileAtomic(path.join(this.#dir, MASTER_FILE), masterFileText(next));
    } catch (e) {
      key.fill(0);
      throw e;
    }
    this.#checkOpen();
    this.#master = next;
    this.#keys.set(version, key);
    this.#current = version;
    this.#log.info({ version }, 'private store: master key rotation started');
  }

  /** Rewraps every data key under the current version, then drops the other versions. */
  async #finishRotation(onProgress?: (done: number, total: number) => void): Promise<RotateMasterKeyReturnType> {
    const version = this.#current;
    // Writes that started before the new version became current may still seal under an old one; once they are
    // done, every new file is sealed under `version`, so one listing finds everything left to rewrap.
    await Promise.allSettled([...this.#inflight]);
    // pending/ first: a commit moves a file from pending/ to records/ and never back, so an entry committed
    // between the two listings is still seen in one of them.
    const staged = await listIds(path.join(this.#dir, PENDING_DIR));
    const ids = [...new Set([...staged, ...(await listIds(path.join(this.#dir, RECORDS_DIR)))])].sort();
    let done = 0;
    for (const id of ids) {
      await this.#withLock(id, async () => {
        await this.#rewrap(this.#recordPath(id), id, version, false);
        await this.#rewrap(this.#pendingPath(id), id, version, true);
      });
      done += 1;
      onProgress?.(done, ids.length);
    }
    const dropped = this.#master.versions.filter((v) => v.version !== version);
    const next: MasterFileJson = {
      ...this.#master,
      versions: this.#master.versions.filter((v) => v.version === version),
    };
    await writeFileAtomic(path.join(this.#dir, MASTER_FILE), masterFileText(next));
    this.#checkOpen();
    this.#master = next;
    for (const { version: old } of dropped) {
      this.#keys.get(old)?.fill(0);
      this.#keys.delete(old);
    }
    this.#log.info({ version, records: ids.length }, 'private store: master key rotation finished');
    return { version, records: ids.length };
  }

  async #rewrap(file: string, id: string, version: number, pending: boolean): Promise<void> {
    const bytes = await readCapped(file, MAX_RECORD_FILE_BYTES);
    if (bytes === null) return;
    this.#checkOpen();
    const record = decodeRecordFile(file, bytes, id, this.#suite, pending);
    if (record.master === version) return;
    const old = this.#keys.get(record.master);
    if (old === undefined) {
      throw corrupt(file, 'master', `sealed under master key version ${record.master}, which this store lacks`);
    }
    const dataKey = unwrapDataKey(file, id, record, old, this.#suite);
    let key: SealedContent;
    try {
      key = encodeSealed(seal(this.#suite, this.#masterKey(version), keyAad(id, version), dataKey));
    } finally {
      dataKey.fill(0);
    }
    await writeFileAtomic(file, `${JSON.stringify({ ...record, master: version, key })}\n`);
  }

  /** Runs `fn` after every earlier operation on `key` has settled. */
  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.#locks.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const forget = (): void => {
      this.#inflight.delete(p);
    };
    p.then(forget, forget);
    return p;
  }
}

// ---- Master key file -------------------------------------------------------------------------------------------

async function loadOrCreateMaster(
  file: string,
  suite: SuiteId,
  passphrase: string,
  kdf: PrivateStoreKdf,
  clock: Clock,
): Promise<{ master: MasterFileJson; kek: Buffer; keys: Map<number, Buffer> }> {
  const bytes = await readCapped(file, MAX_MASTER_FILE_BYTES);
  if (bytes === null) {
    const dir = path.dirname(file);
    const held =
      (await listIds(path.join(dir, RECORDS_DIR))).length + (await listIds(path.join(dir, PENDING_DIR))).length;
    // A new master key would make the records there unreadable for good: refuse, so the file can be restored.
    if (held > 0) throw corrupt(file, '', `the master key file is missing but the store holds ${held} record files`);
    return createMaster(file, suite, passphrase, kdf, clock);
  }
  const master = decodeMasterFile(file, bytes);
  if (master.suite !== suite) {
    throw nodeError('CONFIG_INVALID', `the private store at ${file} uses the ${master.suite} suite, not ${suite}`, {
      field: 'suite',
      file,
    });
  }
  const kek = await deriveKek(file, passphrase, master.kdf);
  const keys = new Map<number, Buffer>();
  try {
    try {
      openSealed(suite, kek, CHECK_AAD, decodeSealed(file, 'check', master.check, suite));
    } catch {
      throw nodeError('PRIVATE_STORE_LOCKED', `the passphrase does not open ${file}`, { file });
    }
    for (const [i, v] of master.versions.entries()) {
      let key: Buffer;
      try {
        key = openSealed(suite, kek, masterAad(v.version), decodeSealed(file, `versions.${i}`, v.sealed, suite));
      } catch (cause) {
        throw corrupt(file, `versions.${i}`, `master key version ${v.version} does not authenticate`, cause);
      }
      if (key.length !== AEAD_KEY_BYTES) throw corrupt(file, `versions.${i}`, 'a master key must be 32 bytes');
      keys.set(v.version, key);
    }
  } catch (e) {
    kek.fill(0);
    for (const key of keys.values()) key.fill(0);
    throw e;
  }
  return { master, kek, keys };
}

async function createMaster(
  file: string,
  suite: SuiteId,
  passphrase: string,
  kdf: PrivateStoreKdf,
  clock: Clock,
): Promise<{ master: MasterFileJson; kek: Buffer; keys: Map<number, Buffer> }> {
  const kdfJson: KdfJson = { N: kdf.N, r: kdf.r, p: kdf.p, salt: crypto.randomBytes(SALT_BYTES).toString('hex') };
  const kek = await deriveKek(file, passphrase, kdfJson);
  const key = crypto.randomBytes(AEAD_KEY_BYTES);
  const master: MasterFileJson = {
    v: 1,
    suite,
    kdf: kdfJson,
    check: encodeSealed(seal(suite, kek, CHECK_AAD, new Uint8Array(0))),
    versions: [
      {
        version: 1,
        created: new Date(clock.now()).toISOString(),
        sealed: encodeSealed(seal(suite, kek, masterAad(1), key)),
      },
    ],
  };
  try {
    await writeFileAtomic(file, masterFileText(master));
  } catch (e) {
    kek.fill(0);
    key.fill(0);
    throw e;
  }
  return { master, kek, keys: new Map([[1, key]]) };
}

function masterFileText(master: MasterFileJson): string {
  return `${JSON.stringify(master, null, 2)}\n`;
}

function deriveKek(file: string, passphrase: string, kdf: KdfJson): Promise<Buffer> {
  return deriveKey(file, passphrase, kdf, AEAD_KEY_BYTES);
}

function isKdf(kdf: unknown): kdf is PrivateStoreKdf {
  if (!isRecord(kdf)) return false;
  const { N, r, p } = kdf;
  return (
    isIntIn(N, SCRYPT_LIMITS.minN, SCRYPT_LIMITS.maxN) &&
    (N & (N - 1)) === 0 &&
    isIntIn(r, 1, SCRYPT_LIMITS.maxR) &&
    isIntIn(p, 1, SCRYPT_LIMITS.maxP) &&
    N * r * p <= SCRYPT_LIMITS.maxWork
  );
}

/** Checks every field of a master key file; nothing from the file reaches a message except versions and suites. */
function decodeMasterFile(file: string, bytes: Buffer): MasterFileJson {
  const m = parseFile(file, bytes);
  if (m.v !== 1) throw corrupt(file, 'v', 'unsupported version');
  onlyFields(file, m, '', ['v', 'suite', 'kdf', 'check', 'versions'], []);
  if (!isSuiteId(m.suite)) throw corrupt(file, 'suite', 'unknown crypto suite');
  const suite = m.suite;
  const kdf = m.kdf;
  if (!isRecord(kdf)) throw corrupt(file, 'kdf', 'not an object');
  onlyFields(file, kdf, 'kdf', ['N', 'r', 'p', 'salt'], []);
  if (!isKdf(kdf)) throw corrupt(file, 'kdf', 'scrypt parameters out of range');
  if (!isHexOf(kdf.salt, SALT_BYTES)) throw corrupt(file, 'kdf.salt', `the salt must be ${SALT_BYTES} bytes of hex`);
  decodeSealed(file, 'check', m.check, suite);
  const versions = m.versions;
  if (!Array.isArray(versions) || versions.length < 1 || versions.length > MAX_MASTER_VERSIONS) {
    throw corrupt(file, 'versions', `must hold 1 to ${MAX_MASTER_VERSIONS} versions`);
  }
  let previous = 0;
  for (const [i, v] of versions.entries()) {
    if (!isRecord(v)) throw corrupt(file, `versions.${i}`, 'not an object');
    onlyFields(file, v, `versions.${i}`, ['version', 'created', 'sealed'], []);
    if (!Number.isSafeInteger(v.version) || (v.version as number) <= previous) {
      throw corrupt(file, `versions.${i}.version`, 'versions must be increasing positive integers');
    }
    previous = v.version as number;
    if (typeof v.created !== 'string') throw corrupt(file, `versions.${i}.created`, 'not a string');
    decodeSealed(file, `versions.${i}.sealed`, v.sealed, suite);
  }
  return m as unknown as MasterFileJson;
}

// ---- Record files ----------------------------------------------------------------------------------------------

function decodeRecordFile(file: string, bytes: Buffer, id: string, suite: SuiteId, pending: boolean): RecordFileJson {
  const r = parseFile(file, bytes);
  if (r.v !== 1) throw corrupt(file, 'v', 'unsupported version');
  const required = ['v', 'id', 'master', 'key', 'content'];
  const meta = ['tx', 'expiresAt'];
  onlyFields(file, r, '', pending ? [...required, ...meta] : required, pending ? [] : meta);
  if (r.id !== id) throw corrupt(file, 'id', 'the record names another id than its file');
  if (!Number.isSafeInteger(r.master) || (r.master as number) < 1) {
    throw corrupt(file, 'master', 'not a master key version');
  }
  if (Object.hasOwn(r, 'tx') !== Object.hasOwn(r, 'expiresAt')) {
    throw corrupt(file, Object.hasOwn(r, 'tx') ? 'expiresAt' : 'tx', 'missing field');
  }
  if (Object.hasOwn(r, 'tx') && (typeof r.tx !== 'string' || !ID_PATTERN.test(r.tx))) {
    throw corrupt(file, 'tx', 'not a transaction id');
  }
  if (Object.hasOwn(r, 'expiresAt') && (!Number.isSafeInteger(r.expiresAt) || (r.expiresAt as number) < 0)) {
    throw corrupt(file, 'expiresAt', 'not a non-negative integer');
  }
  const key = decodeSealed(file, 'key', r.key, suite);
  if (key.ct.length !== AEAD_KEY_BYTES) throw corrupt(file, 'key.ct', 'a sealed data key must be 32 bytes');
  decodeSealed(file, 'content', r.content, suite);
  return r as unknown as RecordFileJson;
}

function unwrapDataKey(file: string, id: string, record: RecordFileJson, master: Buffer, suite: SuiteId): Buffer {
  let dataKey: Buffer;
  try {
    dataKey = openSealed(suite, master, keyAad(id, record.master), decodeSealed(file, 'key', record.key, suite));
  } catch (cause) {
    throw corrupt(file, 'key', 'the data key does not authenticate', cause);
  }
  if (dataKey.length !== AEAD_KEY_BYTES) {
    dataKey.fill(0);
    throw corrupt(file, 'key', 'a data key must be 32 bytes');
  }
  return dataKey;
}

// ---- Plain content ---------------------------------------------------------------------------------------------

function encodePlain(plain: PrivatePlain): Buffer {
  if (typeof plain !== 'object' || plain === null) throw fieldInvalid('plain', 'must be an object');
  if (typeof plain.salt !== 'string') throw fieldInvalid('salt', 'must be a string');
  // canonicalize drops undefined members, which would leave a record without a value.
  if (plain.value === undefined) {
    throw protocolError('JSON_UNSUPPORTED_VALUE', 'the value of a personal record cannot be undefined', {
      field: 'value',
    });
  }
  const bytes = Buffer.from(canonicalize({ salt: plain.salt, value: plain.value }), 'utf8');
  if (bytes.length > MAX_PRIVATE_PLAIN_BYTES) {
    const size = bytes.length;
    bytes.fill(0);
    throw nodeError(
      'PRIVATE_VALUE_TOO_LARGE',
      `a personal record may be at most ${MAX_PRIVATE_PLAIN_BYTES} bytes of canonical JSON`,
      { limit: MAX_PRIVATE_PLAIN_BYTES, size },
    );
  }
  try {
    // What `read` will accept (nesting depth, well-formed strings): refuse now what could not be read back.
    decodeCanonical(bytes, { integersOnly: false });
  } catch (e) {
    bytes.fill(0);
    throw e;
  }
  return bytes;
}

function decodePlain(source: string, plaintext: Buffer): PrivatePlain {
  let value: JsonValue;
  try {
    value = decodeCanonical(plaintext, { integersOnly: false });
  } catch {
    // No cause: the parser's message may quote the plaintext.
    throw corrupt(source, 'content', 'the content is not canonical JSON');
  }
  if (!isRecord(value) || typeof value.salt !== 'string' || !Object.hasOwn(value, 'value')) {
    throw corrupt(source, 'content', 'the content is not a personal record');
  }
  if (Object.keys(value).length !== 2) throw corrupt(source, 'content', 'the content is not a personal record');
  return { value: value.value as JsonValue, salt: value.salt };
}

function checkDataKey(source: string, dataKey: Uint8Array): void {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== AEAD_KEY_BYTES) {
    throw corrupt(source, 'dataKey', `a data key must be ${AEAD_KEY_BYTES} bytes`);
  }
}

// ---- Sealed values ---------------------------------------------------------------------------------------------

function encodeSealed(s: Sealed): SealedContent {
  return {
    alg: s.alg,
    iv: Buffer.from(s.iv).toString('hex'),
    ct: Buffer.from(s.ct).toString('base64'),
    tag: Buffer.from(s.tag).toString('hex'),
  };
}

function decodeSealed(file: string, field: string, value: unknown, suite: SuiteId): Sealed {
  const params = aeadParams[suite];
  if (!isRecord(value)) throw corrupt(file, field, 'not an object');
  onlyFields(file, value, field, ['alg', 'iv', 'ct', 'tag'], []);
  if (value.alg !== params.alg) throw corrupt(file, `${field}.alg`, `suite ${suite} uses ${params.alg}`);
  if (!isHexOf(value.iv, params.ivBytes)) throw corrupt(file, `${field}.iv`, `must be ${params.ivBytes} bytes of hex`);
  if (!isHexOf(value.tag, params.tagBytes)) {
    throw corrupt(file, `${field}.tag`, `must be ${params.tagBytes} bytes of hex`);
  }
  const ct = value.ct;
  if (typeof ct !== 'string' || ct.length > Math.ceil(MAX_PRIVATE_PLAIN_BYTES / 3) * 4) {
    throw corrupt(file, `${field}.ct`, 'not base64 of at most 64 KiB');
  }
  const bytes = Buffer.from(ct, 'base64');
  if (bytes.toString('base64') !== ct) throw corrupt(file, `${field}.ct`, 'not canonical base64');
  return {
    alg: params.alg,
    iv: Buffer.from(value.iv, 'hex'),
    ct: bytes,
    tag: Buffer.from(value.tag, 'hex'),
  };
}

// ---- Validation helpers ----------------------------------------------------------------------------------------

function checkId(id: string): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw protocolError('HEX_INVALID', 'a private record id must be 64 lower-case hex digits', { field: 'id' });
  }
}

function fieldInvalid(field: string, reason: string): Error {
  return protocolError('FIELD_INVALID', `${field} ${reason}`, { field });
}

function corrupt(file: string, field: string, reason: string, cause?: unknown): Error {
  return nodeError('PRIVATE_STORE_CORRUPT', `${file}: ${reason}`, { file, field }, cause);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntIn(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

function isHexOf(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && value.length === bytes * 2 && /^[0-9a-f]*$/.test(value);
}

/** Exactly the `required` members, plus any of `optional`; unknown members are reported by place, not by name. */
function onlyFields(
  file: string,
  value: Record<string, unknown>,
  field: string,
  required: readonly string[],
  optional: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) throw corrupt(file, field, 'unknown field');
  }
  for (const key of required) {
    if (!Object.hasOwn(value, key)) throw corrupt(file, field === '' ? key : `${field}.${key}`, 'missing field');
  }
}

function parseFile(file: string, bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJsonStrict(utf8.decode(bytes));
  } catch {
    throw corrupt(file, '', 'not strict JSON');
  }
  if (!isRecord(value)) throw corrupt(file, '', 'not a JSON object');
  return value;
}

// ---- Files -----------------------------------------------------------------------------------------------------

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function ioFailure(message: string, file: string, cause: unknown): Error {
  return nodeError('INTERNAL', message, { file }, cause);
}

async function exists(file: string): Promise<boolean> {
  try {
    const h = await openFile(file, 'r');
    await h.close();
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw ioFailure(`cannot open ${file}`, file, e);
  }
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The umask can only take bits away; chmod makes the mode exact.
    await chmod(dir, 0o700);
  } catch (cause) {
    throw ioFailure(`cannot create ${dir}`, dir, cause);
  }
}

/** Record ids with a file in `dir`, sorted. */
async function listIds(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw ioFailure(`cannot list ${dir}`, dir, e);
  }
  const ids: string[] = [];
  for (const name of names) {
    const m = RECORD_FILE_PATTERN.exec(name);
    if (m?.[1] !== undefined) ids.push(m[1]);
  }
  return ids.sort();
}

/** Reads a whole file of at most `max` bytes; null when it does not exist; PRIVATE_STORE_CORRUPT when larger. */
async function readCapped(file: string, max: number): Promise<Buffer | null> {
  let handle: Awaited<ReturnType<typeof openFile>>;
  try {
    handle = await openFile(file, 'r');
  } catch (e) {
    if (isNotFound(e)) return null;
    throw ioFailure(`cannot read ${file}`, file, e);
  }
  try {
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > max) throw corrupt(file, '', `larger than ${max} bytes`);
    return buffer.subarray(0, length);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'PRIVATE_STORE_CORRUPT') throw e;
    throw ioFailure(`cannot read ${file}`, file, e);
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    await syncDirectory(dir);
  } catch (cause) {
    throw ioFailure(`cannot sync directory ${dir}`, dir, cause);
  }
}

/** tmp file, fsync, rename over `file`, fsync the directory. */
async function writeFileAtomic(file: string, text: string): Promise<void> {
  try {
    await writeFileDurably(file, text, { tmpSuffix: TMP_SUFFIX });
  } catch (cause) {
    throw ioFailure(`cannot write ${file}`, file, cause);
  }
}

/**
 * Renames the file to a `*.tmp` name (so that its real name goes from the intact file to nothing in one step, and a
 * crash midway leaves only a tmp file that the next open shreds), then overwrites it with random bytes, syncs and
 * unlinks it; false when there was no file.
 */
async function shredFile(original: string): Promise<boolean> {
  let file = original;
  if (!original.endsWith(TMP_SUFFIX)) {
    const dir = path.dirname(original);
    file = path.join(dir, `.${path.basename(original)}.${crypto.randomBytes(6).toString('hex')}.shred${TMP_SUFFIX}`);
    try {
      await rename(original, file);
    } catch (e) {
      if (isNotFound(e)) return false;
      throw ioFailure(`cannot move ${original} aside to erase it`, original, e);
    }
    await fsyncDir(dir);
  }
  let handle: Awaited<ReturnType<typeof openFile>>;
  try {
    handle = await openFile(file, 'r+');
  } catch (e) {
    if (isNotFound(e)) return false;
    throw ioFailure(`cannot open ${file} to erase it`, file, e);
  }
  try {
    const { size } = await handle.stat();
    for (let position = 0; position < size; position += SHRED_CHUNK) {
      const chunk = crypto.randomBytes(Math.min(SHRED_CHUNK, size - position));
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, position + written);
        written += bytesWritten;
      }
    }
    await handle.sync();
  } catch (cause) {
    throw ioFailure(`cannot overwrite ${file}`, file, cause);
  } finally {
    await handle.close();
  }
  try {
    await unlink(file);
  } catch (cause) {
    throw ioFailure(`cannot unlink ${file}`, file, cause);
  }
  return true;
}

/** Shreds the `*.tmp` files an interrupted write left in `dirs`; how many there were. */
async function shredTmpFiles(dirs: readonly string[]): Promise<number> {
  let count = 0;
  for (const dir of dirs) {
    let inDir = 0;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      throw ioFailure(`cannot list ${dir}`, dir, cause);
    }
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith(TMP_SUFFIX)) continue;
      if (await shredFile(path.join(dir, entry.name))) inDir += 1;
    }
    if (inDir > 0) await fsyncDir(dir);
    count += inDir;
  }
  return count;
}

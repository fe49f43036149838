/**
 * The encrypted private-data store and its AEAD. The SM4 construction is checked against an independent
 * computation written here from the documented formula; the store is checked through its files: what is on disk
 * (never the plaintext, the salt or a data key), what tampering does, what erasure leaves (nothing), and that a key
 * rotation keeps every record readable while it runs and after it is interrupted. scrypt runs at N = 2^10.
 */
import crypto from 'node:crypto';
import { link, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  canonicalize,
  isLianzhengError,
  type JsonValue,
  type LianzhengError,
  parseJsonStrict,
  type SuiteId,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open as aeadOpen, aeadParams, seal as aeadSeal } from '../src/aead.js';
import { type PrivatePlain, PrivateStore, type SealedContent } from '../src/privateStore.js';

const SEED = 0x707276;
const KDF = { N: 2 ** 10, r: 8, p: 1 } as const;
const PASS = 'correct horse battery staple';
const OTHER_PASS = 'another node, another passphrase';
const SUITES = ['ed25519-sha256', 'sm2-sm3'] as const satisfies readonly SuiteId[];
/** A recognisable ID number: it must never be found in any file of a store. */
const ID_NUMBER = '11010119900307775X';
const TX = 'ab'.repeat(32);

let root: string;
let counter = 0;
const newDir = (): string => path.join(root, `store-${++counter}`);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lianzheng-private-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const idOf = (label: string | number): string => crypto.createHash('sha256').update(String(label)).digest('hex');

function plainOf(i: number, idNumber = ID_NUMBER): PrivatePlain {
  return {
    value: { name: '张三', idNumber, address: `北京市东城区长安街 ${i} 号`, household: ['张三', '李四'], age: 35 },
    salt: crypto.createHash('sha256').update(`salt ${i}`).digest('hex'),
  };
}

interface LogEntry {
  readonly o: object;
  readonly m: string;
}

/** A logger that keeps what it is given. */
function capturingLog() {
  const infos: LogEntry[] = [];
  const warns: LogEntry[] = [];
  return {
    infos,
    warns,
    info: (o: object, m: string): void => void infos.push({ o, m }),
    warn: (o: object, m: string): void => void warns.push({ o, m }),
  };
}

function openStore(dir: string, suite: SuiteId, passphrase = PASS, log?: ReturnType<typeof capturingLog>) {
  return PrivateStore.open({ dir, suite, passphrase, kdf: KDF }, log === undefined ? {} : { log });
}

/** The coded error a promise rejects with; anything else (success, an uncoded error) fails the test. */
async function failure(p: Promise<unknown>): Promise<LianzhengError> {
  try {
    await p;
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw e;
  }
  throw new Error('expected a coded failure, but it succeeded');
}

function failureOf(fn: () => unknown): LianzhengError {
  try {
    fn();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw e;
  }
  throw new Error('expected a coded failure, but it succeeded');
}

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Files under `dir` holding any of `needles`, as `file: needle index`. */
async function filesHolding(dir: string, needles: readonly Uint8Array[]): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await filesUnder(dir)) {
    const bytes = await readFile(file);
    needles.forEach((needle, i) => {
      if (needle.length > 0 && bytes.indexOf(needle) !== -1) hits.push(`${path.relative(dir, file)}: ${i}`);
    });
  }
  return hits;
}

/** The plaintext secrets of `plainOf` in the encodings a leak could take. */
function plaintextNeedles(idNumber = ID_NUMBER, salt?: string): Buffer[] {
  const out = [Buffer.from(idNumber), Buffer.from(idNumber, 'utf16le'), Buffer.from('张三')];
  if (salt !== undefined) out.push(Buffer.from(salt), Buffer.from(salt, 'hex'));
  return out;
}

async function expectNoPlaintext(dir: string, idNumber = ID_NUMBER): Promise<void> {
  expect(await filesHolding(dir, plaintextNeedles(idNumber))).toEqual([]);
}

interface RecordFile {
  [member: string]: unknown;
  v: number;
  id: string;
  master: number;
  key: SealedContent;
  content: SealedContent;
  tx?: string;
  expiresAt?: number;
}

const recordPath = (dir: string, id: string, where: 'records' | 'pending' = 'records'): string =>
  path.join(dir, where, `${id}.json`);

async function readJson<T = RecordFile>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value)}\n`, { mode: 0o600 });
}

/** Flips one bit of byte `i` of base64 text. */
function flipBase64(b64: string, i: number): string {
  const b = Buffer.from(b64, 'base64');
  b[i] = b[i]! ^ 0x10;
  return b.toString('base64');
}

function flipHex(hex: string, i: number): string {
  const b = Buffer.from(hex, 'hex');
  b[i] = b[i]! ^ 0x01;
  return b.toString('hex');
}

async function stageAndCommit(store: PrivateStore, id: string, plain: PrivatePlain): Promise<void> {
  await store.stage(id, plain, { tx: TX, expiresAt: 1_000 });
  await store.commit(id);
}

// ---- AEAD -----------------------------------------------------------------------------------------------------

describe('aead', () => {
  const key = Buffer.alloc(32, 7);
  const aad = Buffer.from('lianzheng/test/aad');

  it.each(SUITES)('%s: round trip, and any altered byte or a wrong key or aad fails with a code', (suite) => {
    const { alg, ivBytes, tagBytes } = aeadParams[suite];
    for (const length of [0, 1, 15, 16, 17, 1000]) {
      const plaintext = crypto.randomBytes(length);
      const sealed = aeadSeal(suite, key, aad, plaintext);
      expect(sealed.alg).toBe(alg);
      expect([sealed.iv.length, sealed.ct.length, sealed.tag.length]).toEqual([ivBytes, length, tagBytes]);
      expect(aeadOpen(suite, key, aad, sealed).equals(plaintext)).toBe(true);
      const altered = (part: 'iv' | 'ct' | 'tag') => {
        const bytes = Buffer.from(sealed[part]);
        bytes[0] = bytes[0]! ^ 1;
        return { ...sealed, [part]: bytes };
      };
      const cases: (() => unknown)[] = [
        () => aeadOpen(suite, key, aad, altered('iv')),
        () => aeadOpen(suite, key, aad, altered('tag')),
        () => aeadOpen(suite, Buffer.alloc(32, 8), aad, sealed),
        () => aeadOpen(suite, key, Buffer.from('lianzheng/test/other'), sealed),
        () => aeadOpen(suite, key, aad, { ...sealed, tag: sealed.tag.subarray(1) }),
        () => aeadOpen(suite, key, aad, { ...sealed, alg: alg === 'aes-256-gcm' ? 'sm4-ctr+hmac-sm3' : 'aes-256-gcm' }),
      ];
      if (length > 0) cases.push(() => aeadOpen(suite, key, aad, altered('ct')));
      for (const c of cases) expect(failureOf(c).code).toBe('PRIVATE_STORE_CORRUPT');
    }
    // Two seals of the same message differ (random iv).
    const a = aeadSeal(suite, key, aad, Buffer.from('same'));
    const b = aeadSeal(suite, key, aad, Buffer.from('same'));
    expect(Buffer.from(a.iv).equals(b.iv)).toBe(false);
    expect(failureOf(() => aeadSeal(suite, Buffer.alloc(16), aad, Buffer.from('x'))).code).toBe('INTERNAL');
  });

  it('sm4-ctr+hmac-sm3 is the documented construction (independent computation)', () => {
    const plaintext = Buffer.from('身份证号 ' + ID_NUMBER);
    const sealed = aeadSeal('sm2-sm3', key, aad, plaintext);
    const encKey = crypto.createHmac('sm3', key).update('lianzheng/sm4-enc').digest().subarray(0, 16);
    const macKey = crypto.createHmac('sm3', key).update('lianzheng/sm4-mac').digest();
    const len = Buffer.alloc(8);
    len.writeUInt32BE(aad.length, 4);
    const mac = crypto
      .createHmac('sm3', macKey)
      .update(Buffer.concat([len, aad, sealed.iv, sealed.ct]))
      .digest();
    expect(Buffer.from(sealed.tag).equals(mac)).toBe(true);
    const d = crypto.createDecipheriv('sm4-ctr', encKey, sealed.iv);
    expect(Buffer.concat([d.update(sealed.ct), d.final()]).equals(plaintext)).toBe(true);
  });

  it('aes-256-gcm is plain AES-256-GCM with the aad (independent computation)', () => {
    const plaintext = Buffer.from(ID_NUMBER);
    const sealed = aeadSeal('ed25519-sha256', key, aad, plaintext);
    const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(sealed.tag);
    expect(Buffer.concat([d.update(sealed.ct), d.final()]).equals(plaintext)).toBe(true);
  });
});

// ---- The store, per suite -------------------------------------------------------------------------------------

describe.each(SUITES)('PrivateStore (%s)', (suite) => {
  it('stages, commits and reads back; files and directories are private; nothing in clear on disk', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    expect(store.masterVersion).toBe(1);
    const id = idOf('round trip');
    const plain = plainOf(1);
    await store.stage(id, plain, { tx: TX, expiresAt: 123 });
    expect(await store.read(id)).toBeUndefined();
    expect(store.has(id)).toBe(false);
    expect(await store.exportRecord(id)).toBeUndefined();
    expect(await store.pending()).toEqual([{ id, tx: TX, expiresAt: 123 }]);
    expect([await store.isPending(id), await store.isPending(idOf('never staged'))]).toEqual([true, false]);
    await expectNoPlaintext(dir);
    expect(await filesHolding(dir, plaintextNeedles(ID_NUMBER, plain.salt))).toEqual([]);

    await store.commit(id);
    await store.commit(id); // idempotent
    expect(await store.read(id)).toEqual(plain);
    expect(store.has(id)).toBe(true);
    expect(store.ids()).toEqual([id]);
    expect(await store.pending()).toEqual([]);
    expect(await store.isPending(id)).toBe(false);
    expect(await filesHolding(dir, plaintextNeedles(ID_NUMBER, plain.salt))).toEqual([]);

    const record = await readJson(recordPath(dir, id));
    expect(Object.keys(record).sort()).toEqual(['content', 'expiresAt', 'id', 'key', 'master', 'tx', 'v']);
    expect(record).toMatchObject({ v: 1, id, master: 1, tx: TX, expiresAt: 123 });
    expect(record.key.alg).toBe(aeadParams[suite].alg);
    expect(Buffer.from(record.key.ct, 'base64')).toHaveLength(32);
    const master = await readJson<Record<string, unknown>>(path.join(dir, 'master.json'));
    expect(Object.keys(master).sort()).toEqual(['check', 'kdf', 'suite', 'v', 'versions']);
    expect(master).toMatchObject({ v: 1, suite, kdf: { ...KDF }, versions: [{ version: 1 }] });
    for (const f of await filesUnder(dir)) expect((await stat(f)).mode & 0o777, f).toBe(0o600);
    for (const d of [dir, path.join(dir, 'records'), path.join(dir, 'pending')]) {
      expect((await stat(d)).mode & 0o777, d).toBe(0o700);
    }
    store.close();

    const again = await openStore(dir, suite);
    expect(again.ids()).toEqual([id]);
    expect(await again.read(id)).toEqual(plain);
    expect(await again.read(idOf('absent'))).toBeUndefined();
    again.close();
    expect((await failure(again.read(id))).code).toBe('NODE_STOPPING');
  });

  it('a wrong passphrase is PRIVATE_STORE_LOCKED; another suite is CONFIG_INVALID', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    await stageAndCommit(store, idOf(1), plainOf(1));
    store.close();
    const before = await readFile(path.join(dir, 'master.json'));
    const e = await failure(openStore(dir, suite, 'not the passphrase at all'));
    expect(e.code).toBe('PRIVATE_STORE_LOCKED');
    expect(e.message).not.toContain('not the passphrase');
    expect((await failure(openStore(dir, suite, ''))).code).toBe('PRIVATE_STORE_LOCKED');
    const other = suite === 'sm2-sm3' ? 'ed25519-sha256' : 'sm2-sm3';
    expect((await failure(openStore(dir, other))).code).toBe('CONFIG_INVALID');
    expect((await readFile(path.join(dir, 'master.json'))).equals(before)).toBe(true);
  });

  it('one altered byte of content, data key, tag or master key is PRIVATE_STORE_CORRUPT naming the file', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    const ids = [0, 1, 2, 3, 4].map((i) => idOf(`tamper ${i}`));
    for (const [i, id] of ids.entries()) await stageAndCommit(store, id, plainOf(i));
    const damage: ((r: RecordFile) => void)[] = [
      (r) => {
        r.content = { ...r.content, ct: flipBase64(r.content.ct, 5) };
      },
      (r) => {
        r.key = { ...r.key, ct: flipBase64(r.key.ct, 0) };
      },
      (r) => {
        r.content = { ...r.content, tag: flipHex(r.content.tag, 3) };
      },
      (r) => {
        r.key = { ...r.key, iv: flipHex(r.key.iv, 1) };
      },
    ];
    for (const [i, d] of damage.entries()) {
      const file = recordPath(dir, ids[i]!);
      const r = await readJson(file);
      d(r);
      await writeJson(file, r);
      const e = await failure(store.read(ids[i]!));
      expect(e.code, `damage ${i}`).toBe('PRIVATE_STORE_CORRUPT');
      expect(e.details?.file).toBe(file);
    }
    // A record file copied over another id's (and its id edited to match) fails: the id is in the aad.
    const moved = await readJson(recordPath(dir, ids[4]!));
    const target = idOf('tamper target');
    await writeJson(recordPath(dir, target), { ...moved, id: target });
    expect((await failure(store.read(target))).code).toBe('PRIVATE_STORE_CORRUPT');
    await writeFile(recordPath(dir, ids[4]!), '{"v":1,');
    expect((await failure(store.read(ids[4]!))).code).toBe('PRIVATE_STORE_CORRUPT');
    store.close();

    const masterFile = path.join(dir, 'master.json');
    const master = await readJson<{ versions: { sealed: { [member: string]: string } }[] }>(masterFile);
    const original = await readFile(masterFile);
    master.versions[0]!.sealed.ct = flipBase64(master.versions[0]!.sealed.ct!, 7);
    await writeJson(masterFile, master);
    const e = await failure(openStore(dir, suite));
    expect(e.code).toBe('PRIVATE_STORE_CORRUPT');
    expect(e.details?.file).toBe(masterFile);
    await writeFile(masterFile, original.subarray(0, original.length - 20));
    expect((await failure(openStore(dir, suite))).code).toBe('PRIVATE_STORE_CORRUPT');
    // The records are still there: a missing master key file is not silently replaced.
    await unlink(masterFile);
    expect((await failure(openStore(dir, suite))).code).toBe('PRIVATE_STORE_CORRUPT');
  });

  it('erase shreds record and pending entry: no trace of ciphertext, iv, key or plaintext anywhere', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    const victimNumber = '310104198001019999';
    const victim = idOf('victim');
    const other = idOf('other');
    const victimPlain = plainOf(7, victimNumber);
    await stageAndCommit(store, victim, victimPlain);
    await stageAndCommit(store, other, plainOf(8));
    // A second registration of the same record, staged but not committed.
    await store.stage(victim, victimPlain, { tx: 'cd'.repeat(32), expiresAt: 99 });
    const file = recordPath(dir, victim);
    const pendingFile = recordPath(dir, victim, 'pending');
    const bytes = await readFile(file);
    const record = await readJson(file);
    const staged = await readJson(pendingFile);
    // Hard links outside the store see the same inodes: they show whether the bytes were overwritten in place.
    const witness = path.join(root, `witness-${suite}`);
    const pendingWitness = path.join(root, `witness-pending-${suite}`);
    await link(file, witness);
    await link(pendingFile, pendingWitness);
    const pendingBytes = await readFile(pendingFile);
    const needles: Uint8Array[] = [bytes, pendingBytes, ...plaintextNeedles(victimNumber, victimPlain.salt)];
    for (const r of [record, staged]) {
      for (const s of [r.content, r.key]) {
        needles.push(Buffer.from(s.ct), Buffer.from(s.ct, 'base64'), Buffer.from(s.iv), Buffer.from(s.iv, 'hex'));
        needles.push(Buffer.from(s.tag), Buffer.from(s.tag, 'hex'));
      }
    }
    const exported = await store.exportRecord(victim);
    needles.push(exported!.dataKey, Buffer.from(Buffer.from(exported!.dataKey).toString('hex')));
    // Before: the sealed bytes are there, the plaintext is not.
    expect(await filesHolding(dir, [Buffer.from(record.content.ct)])).toHaveLength(1);
    expect(await filesHolding(dir, plaintextNeedles(victimNumber, victimPlain.salt))).toEqual([]);

    expect(await store.erase(victim)).toBe(true);
    expect(await filesHolding(dir, needles)).toEqual([]);
    expect(await store.read(victim)).toBeUndefined();
    expect(store.has(victim)).toBe(false);
    expect(store.ids()).toEqual([other]);
    expect(await store.pending()).toEqual([]);
    for (const [w, original] of [
      [witness, bytes],
      [pendingWitness, pendingBytes],
    ] as const) {
      const after = await readFile(w);
      expect(after.length).toBe(original.length);
      expect(after.equals(original)).toBe(false);
    }
    expect(await filesHolding(root, [Buffer.from(record.content.ct), Buffer.from(staged.content.ct)])).toEqual([]);
    await rm(witness);
    await rm(pendingWitness);
    expect(await store.erase(victim)).toBe(false);
    expect(await store.read(other)).toEqual(plainOf(8));
    store.close();
    const again = await openStore(dir, suite);
    expect(again.ids()).toEqual([other]);
    expect(await again.read(victim)).toBeUndefined();
    again.close();
  });

  it('discardPending shreds only the staged entry; commit of nothing is refused', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    const id = idOf('discard');
    await stageAndCommit(store, id, plainOf(1));
    await store.stage(id, plainOf(1), { tx: TX, expiresAt: 5 });
    expect(await store.discardPending(id)).toBe(true);
    expect(await store.discardPending(id)).toBe(false);
    expect(await store.pending()).toEqual([]);
    expect(await store.read(id)).toEqual(plainOf(1));
    expect((await failure(store.commit(idOf('never staged')))).code).toBe('INTERNAL');
    store.close();
  });

  it('export → openContent → importRecord moves a record to a store with another passphrase', async () => {
    const a = await openStore(newDir(), suite);
    const bDir = newDir();
    const b = await openStore(bDir, suite, OTHER_PASS);
    const id = idOf('transfer');
    await stageAndCommit(a, id, plainOf(3));
    const exported = await a.exportRecord(id);
    if (exported === undefined) throw new Error('no export');
    const wire = JSON.parse(JSON.stringify(exported.sealed)) as SealedContent;
    expect(b.openContent(id, exported.dataKey, wire)).toEqual(plainOf(3));

    const wrongKey = crypto.randomBytes(32);
    const cases: (() => unknown)[] = [
      () => b.openContent(id, wrongKey, wire),
      () => b.openContent(idOf('another id'), exported.dataKey, wire),
      () => b.openContent(id, exported.dataKey, { ...wire, ct: flipBase64(wire.ct, 2) }),
      () => b.openContent(id, exported.dataKey, { ...wire, tag: 'zz' }),
      () => b.openContent(id, exported.dataKey.subarray(0, 16), wire),
    ];
    for (const c of cases) expect(failureOf(c).code).toBe('PRIVATE_STORE_CORRUPT');
    expect((await failure(b.importRecord(id, wrongKey, wire))).code).toBe('PRIVATE_STORE_CORRUPT');
    expect(b.has(id)).toBe(false);
    expect(await filesUnder(path.join(bDir, 'records'))).toEqual([]);

    await b.importRecord(id, exported.dataKey, wire);
    expect(b.has(id)).toBe(true);
    expect(await b.read(id)).toEqual(plainOf(3));
    const stored = await readJson(recordPath(bDir, id));
    expect(stored.content).toEqual(exported.sealed);
    expect(stored).not.toHaveProperty('tx');
    await expectNoPlaintext(bDir);
    b.close();
    a.close();
    const reopened = await openStore(bDir, suite, OTHER_PASS);
    expect(await reopened.read(id)).toEqual(plainOf(3));
    reopened.close();
  });

  it('rotates the master key under concurrent reads and writes', async () => {
    const dir = newDir();
    const log = capturingLog();
    const store = await openStore(dir, suite, PASS, log);
    const ids = Array.from({ length: 50 }, (_, i) => idOf(`rotate ${suite} ${i}`));
    for (const [i, id] of ids.entries()) await stageAndCommit(store, id, plainOf(i));
    const stagedOnly = idOf('rotate staged');
    await store.stage(stagedOnly, plainOf(99), { tx: TX, expiresAt: 7 });

    // Writes already under way when the rotation starts seal under version 1 and land after it began.
    const burstPlain = (i: number): PrivatePlain => ({ value: { scan: 'x'.repeat(60_000), i }, salt: '01'.repeat(16) });
    const burst = Array.from({ length: 20 }, (_, i) =>
      store.stage(idOf(`burst ${i}`), burstPlain(i), { tx: TX, expiresAt: 9 }),
    );
    const progress: [number, number][] = [];
    let finished = false;
    const rotation = store
      .rotateMasterKey((done, total) => progress.push([done, total]))
      .finally(() => {
        finished = true;
      });
    let reads = 0;
    let writes = 0;
    const readers = (async () => {
      for (let round = 0; !finished; round++) {
        const batch = ids.filter((_, i) => (i + round) % 5 === 0);
        const got = await Promise.all(batch.map((id) => store.read(id)));
        got.forEach((plain, k) => {
          expect(plain).toEqual(plainOf(ids.indexOf(batch[k]!)));
        });
        reads += got.length;
      }
    })();
    const writers = (async () => {
      for (let i = 0; !finished; i++) {
        await stageAndCommit(store, idOf(`during rotation ${i}`), plainOf(100 + i));
        writes += 1;
      }
    })();
    const result = await rotation;
    await Promise.all([readers, writers, ...burst]);
    expect(reads).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(0);
    expect(result.version).toBe(2);
    expect(result.records).toBeGreaterThanOrEqual(71);
    expect(progress.at(-1)).toEqual([result.records, result.records]);
    expect(store.masterVersion).toBe(2);

    const master = await readJson<{ versions: { version: number }[] }>(path.join(dir, 'master.json'));
    expect(master.versions.map((v) => v.version)).toEqual([2]);
    const files = (await filesUnder(dir)).filter((f) => !f.endsWith('master.json'));
    expect(files.length).toBe(71 + writes);
    for (const f of files) expect((await readJson(f)).master, f).toBe(2);
    for (const [i, id] of ids.entries()) expect(await store.read(id)).toEqual(plainOf(i));
    for (let i = 0; i < writes; i++) expect(await store.read(idOf(`during rotation ${i}`))).toEqual(plainOf(100 + i));
    await expectNoPlaintext(dir);
    expect(JSON.stringify([...log.infos, ...log.warns])).not.toContain(ID_NUMBER);
    store.close();

    const again = await openStore(dir, suite);
    expect(again.masterVersion).toBe(2);
    await again.commit(stagedOnly);
    expect(await again.read(stagedOnly)).toEqual(plainOf(99));
    again.close();
  });
});

describe('PrivateStore: interrupted rotation, leftovers, limits, ids', () => {
  const suite: SuiteId = 'sm2-sm3';

  async function interruptedStore(n: number) {
    const dir = newDir();
    const store = await openStore(dir, suite);
    const ids = Array.from({ length: n }, (_, i) => idOf(`interrupt ${dir} ${i}`));
    for (const [i, id] of ids.entries()) await stageAndCommit(store, id, plainOf(i));
    const crash = new Error('simulated crash');
    const thrown = await store
      .rotateMasterKey((done) => {
        if (done === n / 2) throw crash;
      })
      .catch((e: unknown) => e);
    expect(thrown).toBe(crash);
    const versions = async () =>
      (await readJson<{ versions: { version: number }[] }>(path.join(dir, 'master.json'))).versions.map(
        (v) => v.version,
      );
    const masters = async () =>
      (await Promise.all(ids.map(async (id) => (await readJson(recordPath(dir, id))).master))).sort();
    return { dir, store, ids, versions, masters };
  }

  it('open() finishes a rotation interrupted halfway', async () => {
    const { dir, store, ids, versions, masters } = await interruptedStore(20);
    expect(await versions()).toEqual([1, 2]);
    expect(await masters()).toEqual([...Array(10).fill(1), ...Array(10).fill(2)]);
    // Still fully usable while interrupted: both versions are held.
    for (const [i, id] of ids.entries()) expect(await store.read(id)).toEqual(plainOf(i));
    store.close();

    const log = capturingLog();
    const again = await openStore(dir, suite, PASS, log);
    expect(log.warns.some((w) => w.m.includes('interrupted'))).toBe(true);
    expect(again.masterVersion).toBe(2);
    expect(await versions()).toEqual([2]);
    expect(await masters()).toEqual(Array(20).fill(2));
    for (const [i, id] of ids.entries()) expect(await again.read(id)).toEqual(plainOf(i));
    again.close();
  });

  it('the next rotateMasterKey call finishes an interrupted rotation', async () => {
    const { store, ids, versions, masters } = await interruptedStore(10);
    expect(await store.rotateMasterKey()).toEqual({ version: 2, records: 10 });
    expect(await versions()).toEqual([2]);
    expect(await masters()).toEqual(Array(10).fill(2));
    expect(await store.rotateMasterKey()).toEqual({ version: 3, records: 10 });
    expect(await versions()).toEqual([3]);
    for (const [i, id] of ids.entries()) expect(await store.read(id)).toEqual(plainOf(i));
    store.close();
  });

  it('open() shreds leftover temporary files', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    await stageAndCommit(store, idOf('kept'), plainOf(1));
    store.close();
    const leftovers = [
      path.join(dir, '.master.json.0a1b2c3d4e5f.tmp'),
      path.join(dir, 'records', `.${idOf('x')}.json.a1a1a1a1a1a1.tmp`),
      path.join(dir, 'pending', `.${idOf('y')}.json.b2b2b2b2b2b2.tmp`),
    ];
    const marker = Buffer.from('leftover sealed bytes '.repeat(50));
    for (const f of leftovers) await writeFile(f, marker);
    const witness = path.join(root, 'tmp-witness');
    await link(leftovers[1]!, witness);
    const log = capturingLog();
    const again = await openStore(dir, suite, PASS, log);
    for (const f of leftovers) await expect(stat(f)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(log.warns.some((w) => (w.o as { files?: number }).files === 3)).toBe(true);
    const after = await readFile(witness);
    expect(after.length).toBe(marker.length);
    expect(after.equals(marker)).toBe(false);
    await rm(witness);
    expect(await filesHolding(dir, [marker])).toEqual([]);
    expect(await again.read(idOf('kept'))).toEqual(plainOf(1));
    again.close();
  });

  it('refuses values over 64 KiB, bad ids before touching the disk, and bad metadata', async () => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    const id = idOf('limits');
    const big = { value: 'x'.repeat(64 * 1024), salt: '00'.repeat(16) };
    const e = await failure(store.stage(id, big, { tx: TX, expiresAt: 1 }));
    expect(e.code).toBe('PRIVATE_VALUE_TOO_LARGE');
    // Just under the limit is fine.
    const fits = { value: 'x'.repeat(64 * 1024 - canonicalize({ salt: big.salt, value: '' }).length), salt: big.salt };
    await stageAndCommit(store, id, fits);
    expect(await store.read(id)).toEqual(fits);

    const bad = ['../../../../tmp/escape', id.toUpperCase(), id.slice(1), `${id}0`, '', `${id.slice(0, 63)}g`];
    for (const b of bad) {
      expect((await failure(store.stage(b, plainOf(1), { tx: TX, expiresAt: 1 }))).code).toBe('HEX_INVALID');
      expect((await failure(store.read(b))).code).toBe('HEX_INVALID');
      expect((await failure(store.commit(b))).code).toBe('HEX_INVALID');
      expect((await failure(store.erase(b))).code).toBe('HEX_INVALID');
      expect(failureOf(() => store.has(b)).code).toBe('HEX_INVALID');
    }
    expect((await failure(store.stage(idOf(2), plainOf(1), { tx: 'nope', expiresAt: 1 }))).code).toBe('HEX_INVALID');
    expect((await failure(store.stage(idOf(2), plainOf(1), { tx: TX, expiresAt: -1 }))).code).toBe('FIELD_INVALID');
    const notJson: PrivatePlain[] = [
      { value: 'lone \ud800 surrogate', salt: '00' },
      { value: undefined as unknown as JsonValue, salt: '00' },
      { value: { n: Number.NaN }, salt: '00' },
    ];
    for (const p of notJson) {
      expect((await failure(store.stage(idOf(2), p, { tx: TX, expiresAt: 1 }))).code).toMatch(/^JSON_/);
    }
    const noSalt = { value: 1 } as unknown as PrivatePlain;
    expect((await failure(store.stage(idOf(2), noSalt, { tx: TX, expiresAt: 1 }))).code).toBe('FIELD_INVALID');
    expect(await store.pending()).toEqual([]);
    expect((await filesUnder(dir)).length).toBe(2);
    store.close();
  });
});

describe('PrivateStore: property', () => {
  it.each(SUITES)('%s: read(commit(stage(x))) = x for random JSON values and salts', async (suite) => {
    const dir = newDir();
    const store = await openStore(dir, suite);
    let n = 0;
    let accepted = 0;
    const rejected: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 6 }), fc.jsonValue({ stringUnit: 'binary' })),
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          fc.uint8Array({ minLength: 16, maxLength: 64 }).map((b) => Buffer.from(b).toString('hex')),
        ),
        async (generated, salt) => {
          const value = generated as JsonValue;
          const id = idOf(`property ${suite} ${n++}`);
          let expected: PrivatePlain | undefined;
          let code: string | undefined;
          try {
            // The oracle: what the protocol's canonical JSON makes of the record.
            const parsed = parseJsonStrict(canonicalize({ salt, value }), { integersOnly: false }) as {
              value: JsonValue;
            };
            expected = { value: parsed.value, salt };
          } catch (e) {
            code = isLianzhengError(e) ? e.code : 'uncoded';
          }
          if (expected === undefined) {
            expect((await failure(store.stage(id, { value, salt }, { tx: TX, expiresAt: 1 }))).code).toBe(code);
            expect(await store.pending()).toEqual([]);
            rejected.push(code ?? '');
            return;
          }
          accepted += 1;
          await stageAndCommit(store, id, { value, salt });
          expect(await store.read(id)).toEqual(expected);
          const exported = await store.exportRecord(id);
          expect(store.openContent(id, exported!.dataKey, exported!.sealed)).toEqual(expected);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
    // Both outcomes are exercised: most values round-trip, and objects with a `__proto__` member are refused.
    expect(accepted).toBeGreaterThan(40);
    expect(rejected.every((code) => code.startsWith('JSON_'))).toBe(true);
    store.close();
  });
});

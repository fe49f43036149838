/**
 * Encrypted key files (v2) and signers. The file format is checked against an independent implementation written
 * here from the documented format (scrypt, AES-256-GCM or SM4-CTR + HMAC-SM3, AAD spelled out as canonical JSON by
 * hand), so the keystore cannot drift from docs without a test failing. Files use scrypt N = 2^12 to stay fast,
 * except the one test of the default cost.
 */
import crypto from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import util from 'node:util';
import { bytesToHex, isLianzhengError, type LianzhengError, type SuiteId, utf8ToBytes } from '@lianzheng/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changePassphrase,
  defaultKeyFileOptions,
  localSigner,
  openKeyFile,
  type PassphraseTerminal,
  readKeyFileHeader,
  resolvePassphrase,
  writeKeyFile,
} from '../src/keystore.js';
import { nativeSuite } from '../src/nativeSuite.js';

const SEED = 0x6b6579;
const FAST = { scryptN: 2 ** 12 } as const;
const PASS = 'correct horse battery staple';
const SUITES = ['ed25519-sha256', 'sm2-sm3'] as const satisfies readonly SuiteId[];

let dir: string;
let counter = 0;
const tmpFile = (name = 'key'): string => path.join(dir, `${name}-${++counter}.key.json`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lianzheng-keystore-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

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

function newKey(suite: SuiteId, id = 'market-admin', org = 'market', role = 'member') {
  return { id, org, role, suite, secretKey: nativeSuite(suite).randomSecretKey() };
}

/** A key file as parsed JSON, loosely typed so that tests can damage it. */
interface FileJson {
  [member: string]: unknown;
  type: string;
  v: number;
  suite: SuiteId;
  id: string;
  org: string;
  role: string;
  publicKey: string;
  kdf: { [member: string]: unknown; name: string; N: number; r: number; p: number; salt: string };
  cipher: { [member: string]: unknown; name: string; iv: string; tag?: string; mac?: string };
  ciphertext: string;
}

async function readJson(file: string): Promise<FileJson> {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** Flips bit `i mod 8` of byte `i` of a hex string. */
function flipByte(hex: string, i: number): string {
  const b = Buffer.from(hex, 'hex');
  b[i] = b[i]! ^ (1 << (i % 8));
  return b.toString('hex');
}

// ---- An independent implementation of the documented format -------------------------------------------------

interface Header {
  suite: SuiteId;
  id: string;
  org: string;
  role: string;
  publicKey: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
}

/** The AAD, canonical JSON written out by hand: members sorted by UTF-16 code units, so "N" sorts first in kdf. */
function docAad(h: Header): Buffer {
  const j = JSON.stringify;
  const kdf = `{"N":${h.kdf.N},"name":"scrypt","p":${h.kdf.p},"r":${h.kdf.r},"salt":"${h.kdf.salt}"}`;
  return Buffer.from(
    `{"id":${j(h.id)},"kdf":${kdf},"org":${j(h.org)},"publicKey":"${h.publicKey}","role":${j(h.role)},` +
      `"suite":"${h.suite}","type":"lianzheng-key","v":2}`,
  );
}

function docDerive(h: Header, passphrase: string): Buffer {
  const { N, r, p, salt } = h.kdf;
  const length = h.suite === 'ed25519-sha256' ? 32 : 48;
  return crypto.scryptSync(passphrase.normalize('NFC'), Buffer.from(salt, 'hex'), length, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
}

function docOpen(file: FileJson, passphrase: string): Buffer {
  const h = file as unknown as Header;
  const key = docDerive(h, passphrase);
  const iv = Buffer.from(file.cipher.iv, 'hex');
  const ct = Buffer.from(file.ciphertext, 'hex');
  if (h.suite === 'ed25519-sha256') {
    const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(docAad(h));
    d.setAuthTag(Buffer.from(file.cipher.tag ?? '', 'hex'));
    return Buffer.concat([d.update(ct), d.final()]);
  }
  const mac = crypto.createHmac('sm3', key.subarray(16, 48)).update(docAad(h)).update(iv).update(ct).digest('hex');
  if (mac !== file.cipher.mac) throw new Error('MAC mismatch');
  const d = crypto.createDecipheriv('sm4-ctr', key.subarray(0, 16), iv);
  return Buffer.concat([d.update(ct), d.final()]);
}

/** A key file sealed as docs say, for any (secret, publicKey) pair, consistent or not. */
function docSeal(
  suite: SuiteId,
  secret: Uint8Array,
  publicKey: Uint8Array,
  passphrase: string,
): Record<string, unknown> {
  const h: Header = {
    suite,
    id: 'c-0001',
    org: '',
    role: 'subject',
    publicKey: bytesToHex(publicKey),
    kdf: { name: 'scrypt', N: FAST.scryptN, r: 8, p: 1, salt: crypto.randomBytes(32).toString('hex') },
  };
  const key = docDerive(h, passphrase);
  let cipher: Record<string, string>;
  let ct: Buffer;
  if (suite === 'ed25519-sha256') {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(docAad(h));
    ct = Buffer.concat([c.update(secret), c.final()]);
    cipher = { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: c.getAuthTag().toString('hex') };
  } else {
    const iv = crypto.randomBytes(16);
    const c = crypto.createCipheriv('sm4-ctr', key.subarray(0, 16), iv);
    ct = Buffer.concat([c.update(secret), c.final()]);
    const mac = crypto.createHmac('sm3', key.subarray(16, 48)).update(docAad(h)).update(iv).update(ct).digest('hex');
    cipher = { name: 'sm4-ctr+hmac-sm3', iv: iv.toString('hex'), mac };
  }
  return { type: 'lianzheng-key', v: 2, ...h, cipher, ciphertext: ct.toString('hex') };
}

// ---- Tests ------------------------------------------------------------------------------------------------------

describe.each(SUITES)('key files, %s', (suite) => {
  it('round trip: header, secret, public key, and a signature that verifies', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS, FAST);

    const header = await readKeyFileHeader(file);
    const publicKey = nativeSuite(suite).publicKeyFromSecret(key.secretKey);
    expect(header).toEqual({ id: 'market-admin', org: 'market', role: 'member', suite, publicKey });

    const opened = await openKeyFile(file, PASS);
    expect(bytesToHex(opened.exportSecretKey())).toBe(bytesToHex(key.secretKey));
    expect(bytesToHex(opened.publicKey)).toBe(bytesToHex(publicKey));
    expect({ id: opened.id, org: opened.org, role: opened.role, suite: opened.suite }).toEqual({
      id: 'market-admin',
      org: 'market',
      role: 'member',
      suite,
    });
    expect(opened.signer.suite).toBe(suite);
    expect(bytesToHex(opened.signer.publicKey)).toBe(bytesToHex(publicKey));

    const message = nativeSuite(suite).taggedText('lianzheng/tx', 'a message');
    const signature = await opened.signer.sign(message);
    expect(signature.length).toBe(64);
    expect(nativeSuite(suite).verify(publicKey, message, signature)).toBe(true);
    const other = nativeSuite(suite).taggedText('lianzheng/tx', 'another message');
    expect(nativeSuite(suite).verify(publicKey, other, signature)).toBe(false);
  });

  it('writes the documented format: pretty JSON, mode 0600, no temporary file left behind', async () => {
    const sub = path.join(dir, `fmt-${suite}`);
    const file = path.join(sub, 'k.key.json');
    await writeKeyFile(file, newKey(suite, 'c-0001', '', 'subject'), PASS, FAST);
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "type": "lianzheng-key",\n');
    const k = JSON.parse(text);
    expect(Object.keys(k)).toEqual([
      'type',
      'v',
      'suite',
      'id',
      'org',
      'role',
      'publicKey',
      'kdf',
      'cipher',
      'ciphertext',
    ]);
    expect(k).toMatchObject({ type: 'lianzheng-key', v: 2, suite, id: 'c-0001', org: '', role: 'subject' });
    expect(k.kdf).toEqual({ name: 'scrypt', N: 4096, r: 8, p: 1, salt: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(k.ciphertext).toMatch(/^[0-9a-f]{64}$/);
    if (suite === 'ed25519-sha256') {
      expect(k.cipher).toEqual({
        name: 'aes-256-gcm',
        iv: expect.stringMatching(/^[0-9a-f]{24}$/),
        tag: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    } else {
      expect(k.cipher).toEqual({
        name: 'sm4-ctr+hmac-sm3',
        iv: expect.stringMatching(/^[0-9a-f]{32}$/),
        mac: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    }
    expect(await readdir(sub)).toEqual(['k.key.json']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('replaces an existing group/world-readable file with a 0600 one', async () => {
    const file = tmpFile(suite);
    await writeFile(file, 'old');
    await chmod(file, 0o644);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await writeKeyFile(file, newKey(suite), PASS, FAST);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readJson(file)).v).toBe(2);
  });

  it('agrees with an independent implementation of the documented format, both ways', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS, FAST);
    expect(docOpen(await readJson(file), PASS).toString('hex')).toBe(bytesToHex(key.secretKey));

    const secret = nativeSuite(suite).randomSecretKey();
    const sealed = docSeal(suite, secret, nativeSuite(suite).publicKeyFromSecret(secret), PASS);
    const other = tmpFile(suite);
    await writeJson(other, sealed);
    expect(bytesToHex((await openKeyFile(other, PASS)).exportSecretKey())).toBe(bytesToHex(secret));
  });

  it('authenticates the header semantically: a compact file with members reordered still opens', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS, FAST);
    const k = await readJson(file);
    const reordered = Object.fromEntries(Object.entries(k).reverse());
    reordered.kdf = Object.fromEntries(Object.entries(k.kdf).reverse());
    await writeFile(file, JSON.stringify(reordered));
    expect(bytesToHex((await openKeyFile(file, PASS)).exportSecretKey())).toBe(bytesToHex(key.secretKey));
  });

  it('a wrong passphrase is KEY_PASSPHRASE_WRONG; an empty one KEY_PASSPHRASE_REQUIRED', async () => {
    const file = tmpFile(suite);
    await writeKeyFile(file, newKey(suite), PASS, FAST);
    const wrong = await failure(openKeyFile(file, `${PASS}!`));
    expect(wrong.code).toBe('KEY_PASSPHRASE_WRONG');
    expect(wrong.details).toEqual({ file });
    expect((await failure(openKeyFile(file, ''))).code).toBe('KEY_PASSPHRASE_REQUIRED');
  });

  it('normalises passphrases to NFC', async () => {
    const file = tmpFile(suite);
    await writeKeyFile(file, newKey(suite), 'caf\u00e9 au lait, s\u00e9v\u00e8re', FAST);
    await expect(openKeyFile(file, 'cafe\u0301 au lait, se\u0301ve\u0300re')).resolves.toBeDefined();
  });

  it('refuses a file whose header was edited: every authenticated field', async () => {
    const file = tmpFile(suite);
    await writeKeyFile(file, newKey(suite), PASS, FAST);
    const original = await readJson(file);
    const otherPublicKey = bytesToHex(nativeSuite(suite).publicKeyFromSecret(nativeSuite(suite).randomSecretKey()));
    const edits: Record<string, (k: FileJson) => void> = {
      id: (k) => {
        k.id = 'market-admin2';
      },
      org: (k) => {
        k.org = 'police';
      },
      'org (to citizen)': (k) => {
        k.org = '';
      },
      role: (k) => {
        k.role = 'node';
      },
      publicKey: (k) => {
        k.publicKey = otherPublicKey;
      },
      'kdf.salt': (k) => {
        k.kdf.salt = flipByte(k.kdf.salt, 0);
      },
      'kdf.N': (k) => {
        k.kdf.N = 2 ** 13;
      },
      'kdf.r': (k) => {
        k.kdf.r = 9;
      },
      'kdf.p': (k) => {
        k.kdf.p = 2;
      },
    };
    const outcomes: Record<string, string> = {};
    for (const [name, edit] of Object.entries(edits)) {
      const k = structuredClone(original);
      edit(k);
      await writeJson(file, k);
      outcomes[name] = (await failure(openKeyFile(file, PASS))).code;
    }
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(edits).map((name) => [name, 'KEY_PASSPHRASE_WRONG'])));

    // A flipped public key byte gives either an invalid key (refused when parsed) or another key (refused by AAD).
    const k = structuredClone(original);
    k.publicKey = flipByte(k.publicKey, 5);
    await writeJson(file, k);
    expect(['KEY_FILE_INVALID', 'KEY_PASSPHRASE_WRONG']).toContain((await failure(openKeyFile(file, PASS))).code);

    // Swapping the suite is caught by the shape check (the cipher and key length belong to the suite).
    const swapped = structuredClone(original);
    swapped.suite = suite === 'ed25519-sha256' ? 'sm2-sm3' : 'ed25519-sha256';
    await writeJson(file, swapped);
    expect((await failure(openKeyFile(file, PASS))).code).toBe('KEY_FILE_INVALID');

    // The control: the unedited file opens.
    await writeJson(file, original);
    await expect(openKeyFile(file, PASS)).resolves.toBeDefined();
  });

  it('refuses a file with any byte of ciphertext, iv or tag/MAC flipped', async () => {
    const file = tmpFile(suite);
    await writeKeyFile(file, newKey(suite), PASS, FAST);
    const original = await readJson(file);
    const authenticator = suite === 'ed25519-sha256' ? 'tag' : 'mac';
    const fields: {
      name: string;
      get(k: FileJson): string;
      set(k: FileJson, v: string): void;
    }[] = [
      { name: 'ciphertext', get: (k) => k.ciphertext, set: (k, v) => (k.ciphertext = v) },
      { name: 'cipher.iv', get: (k) => k.cipher.iv, set: (k, v) => (k.cipher.iv = v) },
      {
        name: `cipher.${authenticator}`,
        get: (k) => k.cipher[authenticator] ?? '',
        set: (k, v) => (k.cipher[authenticator] = v),
      },
    ];
    const accepted: string[] = [];
    let tried = 0;
    for (const field of fields) {
      const bytes = field.get(original).length / 2;
      for (let i = 0; i < bytes; i++) {
        const k = structuredClone(original);
        field.set(k, flipByte(field.get(original), i));
        await writeJson(file, k);
        const e = await failure(openKeyFile(file, PASS)).catch(() => null);
        if (e?.code !== 'KEY_PASSPHRASE_WRONG') accepted.push(`${field.name}[${i}]`);
        tried++;
      }
    }
    expect(accepted).toEqual([]);
    expect(tried).toBe(suite === 'ed25519-sha256' ? 32 + 12 + 16 : 32 + 16 + 32);
  });

  it('a file that authenticates but whose secret does not give its public key is KEY_FILE_INVALID', async () => {
    const file = tmpFile(suite);
    const s = nativeSuite(suite);
    await writeJson(file, docSeal(suite, s.randomSecretKey(), s.publicKeyFromSecret(s.randomSecretKey()), PASS));
    const e = await failure(openKeyFile(file, PASS));
    expect(e.code).toBe('KEY_FILE_INVALID');
    expect(e.details).toEqual({ file, field: 'publicKey' });
  });

  it('changePassphrase: the new passphrase opens the same key, the old one stops working', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS, FAST);
    const before = await readJson(file);
    const next = '新的口令，足够长的一句话';
    await changePassphrase(file, PASS, next, FAST);
    const after = await readJson(file);
    expect(after.kdf.salt).not.toBe(before.kdf.salt);
    expect(after.cipher.iv).not.toBe(before.cipher.iv);
    expect((await failure(openKeyFile(file, PASS))).code).toBe('KEY_PASSPHRASE_WRONG');
    const opened = await openKeyFile(file, next);
    expect(bytesToHex(opened.exportSecretKey())).toBe(bytesToHex(key.secretKey));
    expect({ id: opened.id, org: opened.org, role: opened.role }).toEqual({
      id: key.id,
      org: key.org,
      role: key.role,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('changePassphrase leaves the file untouched when the old passphrase is wrong or the new one weak', async () => {
    const file = tmpFile(suite);
    await writeKeyFile(file, newKey(suite), PASS, FAST);
    const before = await readFile(file, 'utf8');
    expect((await failure(changePassphrase(file, 'not the passphrase', 'a long new passphrase', FAST))).code).toBe(
      'KEY_PASSPHRASE_WRONG',
    );
    expect((await failure(changePassphrase(file, PASS, 'short', FAST))).code).toBe('PASSPHRASE_TOO_WEAK');
    expect(await readFile(file, 'utf8')).toBe(before);
    await expect(openKeyFile(file, PASS)).resolves.toBeDefined();
  });
});

describe('key files, common rules', () => {
  it('uses scrypt N = 2^15, r = 8, p = 1 by default', async () => {
    expect(defaultKeyFileOptions.scryptN).toBe(2 ** 15);
    const file = tmpFile('default');
    const key = newKey('ed25519-sha256');
    await writeKeyFile(file, key, PASS);
    expect((await readJson(file)).kdf).toMatchObject({ name: 'scrypt', N: 32768, r: 8, p: 1 });
    expect(bytesToHex((await openKeyFile(file, PASS)).exportSecretKey())).toBe(bytesToHex(key.secretKey));
  });

  it('refuses weak new passphrases (fewer than 12 characters after NFC) and writes nothing', async () => {
    const key = newKey('ed25519-sha256');
    const weak = [
      '12345678901', // 11
      'e\u0301'.repeat(6), // 12 UTF-16 code units, 6 characters after NFC
      'abcdefghijk\ud800', // a lone surrogate is not text
    ];
    for (const passphrase of weak) {
      const file = tmpFile('weak');
      const e = await failure(writeKeyFile(file, key, passphrase, FAST));
      expect(e.code).toBe('PASSPHRASE_TOO_WEAK');
      await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    }
    expect((await failure(writeKeyFile(tmpFile('weak'), key, '', FAST))).code).toBe('KEY_PASSPHRASE_REQUIRED');
    await expect(writeKeyFile(tmpFile('ok'), key, '123456789012', FAST)).resolves.toBeUndefined();
    await expect(writeKeyFile(tmpFile('ok'), key, '政务链密钥口令十二个字符', FAST)).resolves.toBeUndefined();
  });

  it('validates what it writes: identity fields, secret key, scrypt cost', async () => {
    const good = newKey('sm2-sm3');
    const cases: [string, Parameters<typeof writeKeyFile>[1], number, string][] = [
      ['id', { ...good, id: 'Market Admin' }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['org', { ...good, org: 'Market' }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['role', { ...good, role: '' }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['suite', { ...good, suite: 'rsa' as SuiteId }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['secretKey', { ...good, secretKey: new Uint8Array(31) }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['secretKey', { ...good, secretKey: new Uint8Array(32) }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['scryptN', good, 2 ** 11, 'CONFIG_INVALID'],
      ['scryptN', good, 3000, 'CONFIG_INVALID'],
      ['scryptN', good, 2 ** 21, 'CONFIG_INVALID'],
    ];
    for (const [field, key, scryptN, code] of cases) {
      const file = tmpFile('bad');
      const e = await failure(writeKeyFile(file, key, PASS, { scryptN }));
      expect({ field, code: e.code, detail: e.details?.field }).toEqual({ field, code, detail: field });
      await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('refuses absurd KDF parameters as KEY_FILE_INVALID before deriving anything', async () => {
    const file = tmpFile('kdf');
    await writeKeyFile(file, newKey('ed25519-sha256'), PASS, FAST);
    const original = await readJson(file);
    // Each field is within its own range in the first case; only the product N·r·p is too much (≈ 16 GiB·s).
    const kdfs: [Record<string, unknown>, string][] = [
      [{ N: 2 ** 20, r: 8, p: 16 }, 'kdf'],
      [{ N: 2 ** 20, r: 32, p: 1 }, 'kdf'],
      [{ N: 2 ** 21 }, 'kdf.N'],
      [{ N: 2 ** 40 }, 'kdf.N'],
      [{ N: 2 ** 11 }, 'kdf.N'],
      [{ N: 3000 }, 'kdf.N'],
      [{ N: 0 }, 'kdf.N'],
      [{ N: -4096 }, 'kdf.N'],
      [{ N: '4096' }, 'kdf.N'],
      [{ N: null }, 'kdf.N'],
      [{ r: 0 }, 'kdf.r'],
      [{ r: 33 }, 'kdf.r'],
      [{ r: 2 ** 30 }, 'kdf.r'],
      [{ p: 0 }, 'kdf.p'],
      [{ p: 17 }, 'kdf.p'],
      [{ p: 2 ** 30 }, 'kdf.p'],
      [{ name: 'pbkdf2' }, 'kdf.name'],
      [{ salt: 'abcd' }, 'kdf.salt'],
      [{ salt: 'AB'.repeat(32) }, 'kdf.salt'],
      [{ extra: 1 }, 'kdf'],
    ];
    const started = performance.now();
    const seen: [string, string, unknown][] = [];
    for (const [change] of kdfs) {
      await writeJson(file, { ...original, kdf: { ...original.kdf, ...change } });
      const e = await failure(openKeyFile(file, PASS));
      seen.push([JSON.stringify(change), e.code, e.details?.field]);
      expect((await failure(readKeyFileHeader(file))).code).toBe('KEY_FILE_INVALID');
    }
    expect(seen).toEqual(kdfs.map(([change, field]) => [JSON.stringify(change), 'KEY_FILE_INVALID', field]));
    // Deriving with the first case alone would take many seconds and 1 GiB; refusing all of them takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses malformed files as KEY_FILE_INVALID', async () => {
    const file = tmpFile('shape');
    await writeKeyFile(file, newKey('sm2-sm3'), PASS, FAST);
    const original = await readJson(file);
    const secretHex = bytesToHex(nativeSuite('sm2-sm3').randomSecretKey());
    const texts: [string, string][] = [
      ['not JSON', '{"type": "lianzheng-key",'],
      ['empty', ''],
      ['array', '[]'],
      ['v1 (unencrypted)', JSON.stringify({ ...original, v: 1, secretKey: secretHex })],
      ['v3', JSON.stringify({ ...original, v: 3 })],
      ['unknown member', JSON.stringify({ ...original, note: 'hi' })],
      ['missing member', JSON.stringify({ ...original, ciphertext: undefined })],
      ['duplicate member', JSON.stringify(original).replace('"v":2', '"v":2,"v":2')],
      ['upper-case hex', JSON.stringify({ ...original, ciphertext: original.ciphertext.toUpperCase() })],
      ['short ciphertext', JSON.stringify({ ...original, ciphertext: original.ciphertext.slice(2) })],
      [
        'other suite cipher',
        JSON.stringify({ ...original, cipher: { name: 'aes-256-gcm', iv: '00'.repeat(12), tag: '00'.repeat(16) } }),
      ],
      [
        'cipher member of the other suite',
        JSON.stringify({ ...original, cipher: { ...original.cipher, tag: '00'.repeat(16) } }),
      ],
      ['invalid public key', JSON.stringify({ ...original, publicKey: `05${original.publicKey.slice(2)}` })],
      ['bad id', JSON.stringify({ ...original, id: '../../etc/passwd' })],
      ['not UTF-8', '\u00ff'],
      ['too large', `${JSON.stringify(original)}${' '.repeat(70_000)}`],
    ];
    const codes: Record<string, string> = {};
    for (const [name, text] of texts) {
      await writeFile(file, name === 'not UTF-8' ? Buffer.from([0xff, 0xfe, 0x00]) : text);
      codes[name] = (await failure(openKeyFile(file, PASS))).code;
      expect((await failure(readKeyFileHeader(file))).code).toBe('KEY_FILE_INVALID');
    }
    expect(codes).toEqual(Object.fromEntries(texts.map(([name]) => [name, 'KEY_FILE_INVALID'])));

    const missing = path.join(dir, 'no-such.key.json');
    expect(await failure(readKeyFileHeader(missing))).toMatchObject({
      code: 'KEY_FILE_INVALID',
      details: { file: missing },
    });
    const directory = path.join(dir, 'a-directory.key.json');
    await mkdir(directory);
    expect((await failure(openKeyFile(directory, PASS))).code).toBe('KEY_FILE_INVALID');
  });

  it('never reveals the secret key or the passphrase: file, errors, key material, signer', async () => {
    const suite = 'sm2-sm3';
    const s = nativeSuite(suite);
    const key = newKey(suite);
    const secret = key.secretKey;
    const forms = [
      bytesToHex(secret),
      bytesToHex(secret).toUpperCase(),
      Buffer.from(secret).toString('base64'),
      Array.from(secret).join(','),
    ];
    const passphrases = [PASS, 'wrong passphrase 1234', 'short'];
    const leaks = (text: string): string[] => {
      const compact = text.replace(/\s+/g, '');
      return [...forms, ...passphrases].filter((f) => text.includes(f) || compact.includes(f));
    };
    // The detector detects: a secret as a property, as hex, or a passphrase.
    expect(leaks(util.inspect({ s: secret }))).toEqual([Array.from(secret).join(',')]);
    expect(leaks(JSON.stringify({ s: bytesToHex(secret), p: PASS }))).toEqual([bytesToHex(secret), PASS]);

    const file = tmpFile('leak');
    await writeKeyFile(file, key, PASS, FAST);
    expect(leaks(await readFile(file, 'utf8'))).toEqual([]);

    const errors: LianzhengError[] = [];
    errors.push(await failure(openKeyFile(file, 'wrong passphrase 1234')));
    errors.push(await failure(writeKeyFile(tmpFile('leak'), key, 'short', FAST)));
    errors.push(await failure(writeKeyFile(tmpFile('leak'), { ...key, id: 'BAD' }, PASS, FAST)));
    errors.push(await failure(writeKeyFile(tmpFile('leak'), key, PASS, { scryptN: 5 })));
    errors.push(await failure(changePassphrase(file, 'wrong passphrase 1234', PASS, FAST)));
    const original = await readJson(file);
    const edited = tmpFile('leak');
    await writeJson(edited, { ...original, ciphertext: flipByte(original.ciphertext, 3) });
    errors.push(await failure(openKeyFile(edited, PASS)));
    const mismatched = tmpFile('leak');
    await writeJson(mismatched, docSeal(suite, secret, s.publicKeyFromSecret(s.randomSecretKey()), PASS));
    errors.push(await failure(openKeyFile(mismatched, PASS)));
    // Files that contain the secret in plaintext: JSON.parse's own message would quote the text, the cause is dropped.
    const contents = [
      `{"secretKey": "${bytesToHex(secret)}"`,
      `{"type":"lianzheng-key","v":1,"secretKey":"${bytesToHex(secret)}"}`,
      `{"type":"lianzheng-key","v":2,"${bytesToHex(secret)}":1}`,
      JSON.stringify({ ...original, kdf: { ...original.kdf, [bytesToHex(secret)]: PASS } }),
      JSON.stringify({ ...original, id: bytesToHex(secret).toUpperCase() }),
    ];
    for (const text of contents) {
      const f = tmpFile('leak');
      await writeFile(f, text);
      errors.push(await failure(openKeyFile(f, PASS)));
      errors.push(await failure(readKeyFileHeader(f)));
    }
    expect(errors.length).toBe(17);
    for (const e of errors) {
      const views = [e.message, String(e.stack), JSON.stringify(e), util.inspect(e, { depth: null, showHidden: true })];
      expect({ code: e.code, leaks: views.flatMap(leaks) }).toEqual({ code: e.code, leaks: [] });
      expect(Object.keys(e.details ?? {}).every((k) => ['file', 'field', 'minLength'].includes(k))).toBe(true);
    }

    const opened = await openKeyFile(file, PASS);
    const signer = localSigner(suite, secret);
    for (const value of [opened, opened.signer, signer]) {
      const views = [JSON.stringify(value), util.inspect(value, { depth: null, showHidden: true }), String(value)];
      expect(views.flatMap(leaks)).toEqual([]);
      expect(Object.getOwnPropertyNames(value).some((k) => /secret/i.test(k) && k !== 'exportSecretKey')).toBe(false);
    }
    // The secret is still reachable through the one deliberate door.
    expect(bytesToHex(opened.exportSecretKey())).toBe(bytesToHex(secret));
  });

  it('localSigner signs verifiably and does not share the caller’s buffer', async () => {
    for (const suite of SUITES) {
      const s = nativeSuite(suite);
      const secret = s.randomSecretKey();
      const signer = localSigner(suite, secret);
      const publicKey = s.publicKeyFromSecret(secret);
      secret.fill(0); // the caller wiping its copy must not break the signer
      const message = utf8ToBytes('0123456789abcdef0123456789abcdef');
      expect(bytesToHex(signer.publicKey)).toBe(bytesToHex(publicKey));
      expect(s.verify(publicKey, message, await signer.sign(message))).toBe(true);
      expect(Object.isFrozen(signer)).toBe(true);
    }
    const e = (() => {
      try {
        localSigner('ed25519-sha256', new Uint8Array(16));
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(isLianzhengError(e) && e.code).toBe('KEY_INVALID');
  });

  it('property: random garbage files are KEY_FILE_INVALID, never an uncoded error', async () => {
    const file = tmpFile('garbage');
    const garbage = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc
        .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 12 })
        .map((d) => JSON.stringify({ type: 'lianzheng-key', v: 2, ...d })),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (content) => {
        await writeFile(file, content);
        expect((await failure(openKeyFile(file, PASS))).code).toBe('KEY_FILE_INVALID');
        expect((await failure(readKeyFileHeader(file))).code).toBe('KEY_FILE_INVALID');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('property: structural mutations of a valid file are refused with a coded error or still open', async () => {
    const file = tmpFile('mutant');
    const key = newKey('ed25519-sha256');
    await writeKeyFile(file, key, PASS, FAST);
    const original = await readJson(file);
    const paths = [
      ...Object.keys(original).map((k) => [k]),
      ...Object.keys(original.kdf).map((k) => ['kdf', k]),
      ...Object.keys(original.cipher).map((k) => ['cipher', k]),
      ['extra'],
      ['kdf', 'extra'],
      ['cipher', 'extra'],
    ];
    const mutation = fc.tuple(
      fc.constantFrom(...paths),
      fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), // undefined deletes the member
    );
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const k = structuredClone(original);
        for (const [where, value] of mutations) {
          const parent = (where.length === 1 ? k : k[where[0]!]) as Record<string, unknown>;
          if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) continue;
          const name = where[where.length - 1]!;
          if (value === undefined) delete parent[name];
          else parent[name] = value;
        }
        await writeFile(file, JSON.stringify(k));
        let outcome: string;
        try {
          await readKeyFileHeader(file);
          // Valid parameters can still be expensive (up to 2^23 work): open only the cheap ones.
          const work = k.kdf.N * k.kdf.r * k.kdf.p;
          outcome =
            work <= 2 ** 17
              ? await openKeyFile(file, PASS).then(
                  () => 'opened',
                  (e) => codeOf(e),
                )
              : 'skipped';
        } catch (e) {
          outcome = codeOf(e);
          expect(outcome).toBe('KEY_FILE_INVALID');
          expect(codeOf(await openKeyFile(file, PASS).catch((err: unknown) => err))).toBe('KEY_FILE_INVALID');
        }
        expect(['opened', 'skipped', 'KEY_FILE_INVALID', 'KEY_PASSPHRASE_WRONG']).toContain(outcome);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: 150 },
    );
    // The property saw refusals (the mutations are not all no-ops).
    expect(outcomes.get('KEY_FILE_INVALID') ?? 0).toBeGreaterThan(50);
  });
});

function codeOf(e: unknown): string {
  if (isLianzhengError(e)) return e.code;
  throw e;
}

describe('resolvePassphrase', () => {
  const noTerminal = { openTerminal: () => null, warn: () => undefined };

  async function passFile(content: string | Buffer, mode = 0o600): Promise<string> {
    const f = path.join(dir, `pass-${++counter}.txt`);
    await writeFile(f, content);
    await chmod(f, mode); // exact, whatever the umask
    return f;
  }

  it('takes the first of: explicit, --passphrase-file, LIANZHENG_PASSPHRASE, LIANZHENG_PASSPHRASE_FILE, prompt', async () => {
    const fromFlag = await passFile('from flag file\n');
    const fromEnvFile = await passFile('from env file\n');
    const terminal = fakeTerminal();
    terminal.type('from terminal\r');
    const deps = terminal.deps;
    const env = { LIANZHENG_PASSPHRASE: 'from env', LIANZHENG_PASSPHRASE_FILE: fromEnvFile };
    const all = { passphrase: 'explicit', passphraseFile: fromFlag, env };
    expect(await resolvePassphrase(all, deps)).toBe('explicit');
    expect(await resolvePassphrase({ ...all, passphrase: undefined }, deps)).toBe('from flag file');
    expect(await resolvePassphrase({ env }, deps)).toBe('from env');
    expect(await resolvePassphrase({ env: { LIANZHENG_PASSPHRASE_FILE: fromEnvFile } }, deps)).toBe('from env file');
    expect(terminal.opened).toBe(0);
    // Empty values count as absent.
    expect(
      await resolvePassphrase({ passphrase: '', passphraseFile: '', env: { LIANZHENG_PASSPHRASE: '' } }, deps),
    ).toBe('from terminal');
    expect(terminal.opened).toBe(1);
  });

  it('without any source and without a terminal: KEY_PASSPHRASE_REQUIRED', async () => {
    expect((await failure(resolvePassphrase({ env: {} }, noTerminal))).code).toBe('KEY_PASSPHRASE_REQUIRED');
    const terminal = fakeTerminal();
    const e = await failure(resolvePassphrase({ env: {}, prompt: false }, terminal.deps));
    expect(e.code).toBe('KEY_PASSPHRASE_REQUIRED');
    expect(terminal.opened).toBe(0);
  });

  it('reads a passphrase file: one trailing newline removed, BOM removed, text otherwise kept', async () => {
    const cases: [string | Buffer, string][] = [
      ['secret words here\n', 'secret words here'],
      ['secret words here\r\n', 'secret words here'],
      ['secret words here\n\n', 'secret words here\n'],
      ['  spaced  ', '  spaced  '],
      [
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('口令口令口令口令口令口令\n')]),
        '口令口令口令口令口令口令',
      ],
    ];
    for (const [content, expected] of cases) {
      expect(await resolvePassphrase({ passphraseFile: await passFile(content), env: {} }, noTerminal)).toBe(expected);
    }
    const bad = [
      path.join(dir, 'no-such-passphrase.txt'),
      await passFile(''),
      await passFile('\n'),
      await passFile(Buffer.from([0xff, 0xfe, 0x41])),
      await passFile('x'.repeat(5000)),
      dir,
    ];
    for (const f of bad) {
      const e = await failure(resolvePassphrase({ passphraseFile: f, env: {} }, noTerminal));
      expect(e.code).toBe('KEY_PASSPHRASE_REQUIRED');
      expect(e.details).toEqual({ file: f });
    }
  });

  it('warns (without the passphrase) about a passphrase file others can read', async () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const open = await passFile('an open secret phrase\n', 0o644);
    expect(await resolvePassphrase({ passphraseFile: open, env: {} }, { openTerminal: () => null, warn })).toBe(
      'an open secret phrase',
    );
    await resolvePassphrase(
      { passphraseFile: await passFile('a closed secret phrase\n', 0o600), env: {} },
      {
        openTerminal: () => null,
        warn,
      },
    );
    expect(warnings).toEqual([`passphrase file ${open} can be read by other users (mode 644): chmod 600 it`]);
  });

  it('prompts without echo, restores the terminal, and handles editing keys', async () => {
    const t = fakeTerminal();
    t.type('wrong\u007f\u007f\u007f\u007f\u007fright ');
    t.type('\u001b[Dpass\u0015correct horse\r');
    const got = await resolvePassphrase({ env: {}, promptLabel: 'Passphrase for market-admin' }, t.deps);
    expect(got).toBe('correct horse');
    expect(t.output).toBe('Passphrase for market-admin: \n');
    expect(t.rawModes).toEqual([true, false]);
    expect(t.closed).toBe(1);
  });

  it('confirm: asks twice, checks strength first, refuses a mismatch', async () => {
    const ok = fakeTerminal();
    ok.type('a good new passphrase\ra good new passphrase\r'); // typed ahead in one chunk
    expect(await resolvePassphrase({ env: {}, confirm: true }, ok.deps)).toBe('a good new passphrase');
    expect(ok.output).toBe('Passphrase: \nPassphrase (again): \n');

    const differ = fakeTerminal();
    differ.type('a good new passphrase\ra good new passphrasf\r');
    expect((await failure(resolvePassphrase({ env: {}, confirm: true }, differ.deps))).code).toBe(
      'KEY_PASSPHRASE_REQUIRED',
    );

    const weak = fakeTerminal();
    weak.type('too short\r');
    expect((await failure(resolvePassphrase({ env: {}, confirm: true }, weak.deps))).code).toBe('PASSPHRASE_TOO_WEAK');
    expect(weak.output).toBe('Passphrase: \n');
    expect(weak.rawModes).toEqual([true, false]);
  });

  it('Ctrl-C, Ctrl-D, end of input and an empty line cancel the prompt', async () => {
    for (const typed of ['abc\u0003def\r', '\u0004', 'abc', '\r']) {
      const t = fakeTerminal();
      t.type(typed);
      if (typed === 'abc') t.end();
      const e = await failure(resolvePassphrase({ env: {} }, t.deps));
      expect(e.code).toBe('KEY_PASSPHRASE_REQUIRED');
      expect(t.rawModes).toEqual([true, false]);
      expect(t.closed).toBe(1);
    }
  });
});

/** A terminal made of streams: records raw-mode changes, prompts written, and how often it was opened and closed. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), {
    isRaw: false,
    setRawMode(raw: boolean) {
      state.rawModes.push(raw);
      input.isRaw = raw;
    },
  });
  const state = { rawModes: [] as boolean[], output: '', opened: 0, closed: 0 };
  const terminal: PassphraseTerminal = {
    input,
    output: {
      write: (text: string) => {
        state.output += text;
      },
    },
    close: () => {
      state.closed++;
    },
  };
  return {
    terminal,
    deps: {
      openTerminal: () => {
        state.opened++;
        return terminal;
      },
    },
    type: (text: string) => input.write(text),
    end: () => input.end(),
    get rawModes() {
      return state.rawModes;
    },
    get output() {
      return state.output;
    },
    get opened() {
      return state.opened;
    },
    get closed() {
      return state.closed;
    },
  };
}

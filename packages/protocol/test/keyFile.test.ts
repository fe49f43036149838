/**
 * Key files in pure TypeScript (noble scrypt, Web Crypto AES-GCM, our SM4-CTR and HMAC-SM3). Checked against
 * files the node's keystore wrote with OpenSSL (pinned below), against an independent implementation of the
 * documented format written here with node:crypto, both ways, and against every kind of damage. Files use scrypt
 * N = 2^12 to stay fast, except the one test of the default cost. The node's own cross test (its writer and reader
 * against these functions, same codes for the same damage) is packages/node/test/keyFile.test.ts.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/bytes.js';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';
import {
  decodeKeyFile,
  defaultSealKeyFileOptions,
  KEY_FILE_SCRYPT_LIMITS,
  keyFileAad,
  type NewKeyFile,
  openKeyFile,
  readKeyFileHeader,
  sealKeyFile,
} from '../src/keyFile.js';
import { portableSuite, type SuiteId } from '../src/suite.js';

const SEED = 0x6b6669;
const FAST = { scryptN: 2 ** 12 } as const;
const PASS = 'correct horse battery staple';
const SUITES = ['ed25519-sha256', 'sm2-sm3'] as const satisfies readonly SuiteId[];

/**
 * Written by the node's `writeKeyFile` (OpenSSL) at N = 2^12 and pinned: the portable reader must open what the
 * node wrote, byte for byte, whatever either side changes later.
 */
const PINNED = {
  passphrase: '政务链 key file 口令 vector',
  'ed25519-sha256': {
    secretKey: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    text: '{"type":"lianzheng-key","v":2,"suite":"ed25519-sha256","id":"market-admin","org":"market","role":"member","publicKey":"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8","kdf":{"name":"scrypt","N":4096,"r":8,"p":1,"salt":"cede28c94ac09c94a6af463cf5c4b523229113ef6048b191a7142079d0d5a2cd"},"cipher":{"name":"aes-256-gcm","iv":"090b50bc60d0dd2b33b9e469","tag":"796205de634b72ac58dce5da5f783e14"},"ciphertext":"f9875152c309bc0814ba7665568364bad379ac1c641291440969d5ee89768165"}',
  },
  'sm2-sm3': {
    secretKey: '77af3b71fae133f719edd1337c81b80fcb19a6139dda05dd38a186cd2063f6b2',
    text: '{"type":"lianzheng-key","v":2,"suite":"sm2-sm3","id":"c-0001","org":"","role":"subject","publicKey":"0456eaed03b1d0ee5001d767ad6de824989b3f43383f3c9e8964f21fc4520f19d11ab9cf6c65a95d2f068caea72f396af71e4fc22e4664d544b56a44a33fec1def","kdf":{"name":"scrypt","N":4096,"r":8,"p":1,"salt":"5e561194d0df5bde06892abb16ee100199914d0827d6f5ad5ebc6556ee560ce5"},"cipher":{"name":"sm4-ctr+hmac-sm3","iv":"5ed3821f550f83bccb62eecbe55e8438","mac":"52eedfa09993216044558f2f46cc899ee89379f9b70692b56f3088c17a594b95"},"ciphertext":"a2513f3f1c0656f03195dd1f9be23944ba1dff67c809f2a461cbe57cd04ab164"}',
  },
} as const;

/** The coded error a promise (or function) fails with; success or an uncoded error fails the test. */
async function failure(p: Promise<unknown> | (() => unknown)): Promise<LianzhengError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw e;
  }
  throw new Error('expected a coded failure, but it succeeded');
}

function newKey(suite: SuiteId, id = 'market-admin', org = 'market', role = 'member'): NewKeyFile {
  return { id, org, role, suite, secretKey: portableSuite(suite).randomSecretKey() };
}

/** A key file as parsed JSON, loosely typed so that tests can damage it. */
interface FileJson {
  [member: string]: unknown;
  suite: SuiteId;
  id: string;
  org: string;
  role: string;
  publicKey: string;
  kdf: { [member: string]: unknown; name: string; N: number; r: number; p: number; salt: string };
  cipher: { [member: string]: unknown; name: string; iv: string; tag?: string; mac?: string };
  ciphertext: string;
}

/** Flips bit `i mod 8` of byte `i` of a hex string. */
function flipByte(hex: string, i: number): string {
  const b = Buffer.from(hex, 'hex');
  b[i] = b[i]! ^ (1 << (i % 8));
  return b.toString('hex');
}

// ---- An independent implementation of the documented format, on node:crypto ------------------------------------

/** The AAD written out by hand: members sorted by UTF-16 code units, so "N" sorts first in kdf. */
function docAad(h: FileJson): Buffer {
  const j = JSON.stringify;
  const kdf = `{"N":${h.kdf.N},"name":"scrypt","p":${h.kdf.p},"r":${h.kdf.r},"salt":"${h.kdf.salt}"}`;
  return Buffer.from(
    `{"id":${j(h.id)},"kdf":${kdf},"org":${j(h.org)},"publicKey":"${h.publicKey}","role":${j(h.role)},` +
      `"suite":"${h.suite}","type":"lianzheng-key","v":2}`,
  );
}

function docDerive(h: FileJson, passphrase: string): Buffer {
  const { N, r, p, salt } = h.kdf;
  const length = h.suite === 'ed25519-sha256' ? 32 : 48;
  return crypto.scryptSync(passphrase.normalize('NFC'), Buffer.from(salt, 'hex'), length, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
}

function docOpen(file: FileJson, passphrase: string): string {
  const key = docDerive(file, passphrase);
  const iv = Buffer.from(file.cipher.iv, 'hex');
  const ct = Buffer.from(file.ciphertext, 'hex');
  if (file.suite === 'ed25519-sha256') {
    const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(docAad(file));
    d.setAuthTag(Buffer.from(file.cipher.tag ?? '', 'hex'));
    return Buffer.concat([d.update(ct), d.final()]).toString('hex');
  }
  const mac = crypto.createHmac('sm3', key.subarray(16, 48)).update(docAad(file)).update(iv).update(ct).digest('hex');
  if (mac !== file.cipher.mac) throw new Error('MAC mismatch');
  const d = crypto.createDecipheriv('sm4-ctr', key.subarray(0, 16), iv);
  return Buffer.concat([d.update(ct), d.final()]).toString('hex');
}

/** A key file sealed as the docs say, for any (secret, publicKey) pair, consistent or not. */
function docSeal(suite: SuiteId, secret: Uint8Array, publicKey: Uint8Array, passphrase: string): string {
  const h: FileJson = {
    suite,
    id: 'c-0001',
    org: '',
    role: 'subject',
    publicKey: bytesToHex(publicKey),
    kdf: { name: 'scrypt', N: FAST.scryptN, r: 8, p: 1, salt: crypto.randomBytes(32).toString('hex') },
    cipher: { name: '', iv: '' },
    ciphertext: '',
  };
  const key = docDerive(h, passphrase);
  let ct: Buffer;
  if (suite === 'ed25519-sha256') {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(docAad(h));
    ct = Buffer.concat([c.update(secret), c.final()]);
    h.cipher = { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: c.getAuthTag().toString('hex') };
  } else {
    const iv = crypto.randomBytes(16);
    const c = crypto.createCipheriv('sm4-ctr', key.subarray(0, 16), iv);
    ct = Buffer.concat([c.update(secret), c.final()]);
    const mac = crypto.createHmac('sm3', key.subarray(16, 48)).update(docAad(h)).update(iv).update(ct).digest('hex');
    h.cipher = { name: 'sm4-ctr+hmac-sm3', iv: iv.toString('hex'), mac };
  }
  h.ciphertext = ct.toString('hex');
  return JSON.stringify({ type: 'lianzheng-key', v: 2, ...h });
}

// ---- Tests ------------------------------------------------------------------------------------------------------

describe.each(SUITES)('key files in pure TypeScript, %s', (suite) => {
  it('opens the pinned file the node wrote with OpenSSL', async () => {
    const pinned = PINNED[suite];
    const opened = await openKeyFile(pinned.text, PINNED.passphrase);
    expect(bytesToHex(opened.secretKey)).toBe(pinned.secretKey);
    const publicKey = portableSuite(suite).publicKeyFromSecret(hexToBytes(pinned.secretKey));
    expect(bytesToHex(opened.publicKey)).toBe(bytesToHex(publicKey));
    const { secretKey: _, ...header } = opened;
    expect(header).toEqual(readKeyFileHeader(pinned.text));
    expect((await failure(openKeyFile(pinned.text, PASS))).code).toBe('KEY_PASSPHRASE_WRONG');
  });

  it('round trip: seal, read the header, open; the secret signs for the stated public key', async () => {
    const key = newKey(suite);
    const text = await sealKeyFile(key, PASS, FAST);
    const publicKey = portableSuite(suite).publicKeyFromSecret(key.secretKey);
    expect(readKeyFileHeader(text)).toEqual({ id: 'market-admin', org: 'market', role: 'member', suite, publicKey });
    const opened = await openKeyFile(text, PASS);
    expect(opened).toEqual({
      id: 'market-admin',
      org: 'market',
      role: 'member',
      suite,
      publicKey,
      secretKey: key.secretKey,
    });
    const s = portableSuite(suite);
    const message = s.taggedText('lianzheng/tx', 'a message');
    expect(s.verify(opened.publicKey, message, s.sign(opened.secretKey, message))).toBe(true);
  });

  it('writes the documented format: pretty JSON, members in order, fresh salt and iv each time', async () => {
    const key = newKey(suite, 'c-0001', '', 'subject');
    const text = await sealKeyFile(key, PASS, FAST);
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
    expect(k.kdf).toEqual({ name: 'scrypt', N: 4096, r: 8, p: 1, salt: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(k.cipher).toEqual(
      suite === 'ed25519-sha256'
        ? {
            name: 'aes-256-gcm',
            iv: expect.stringMatching(/^[0-9a-f]{24}$/),
            tag: expect.stringMatching(/^[0-9a-f]{32}$/),
          }
        : {
            name: 'sm4-ctr+hmac-sm3',
            iv: expect.stringMatching(/^[0-9a-f]{32}$/),
            mac: expect.stringMatching(/^[0-9a-f]{64}$/),
          },
    );
    const again = JSON.parse(await sealKeyFile(key, PASS, FAST));
    expect(again.kdf.salt).not.toBe(k.kdf.salt);
    expect(again.cipher.iv).not.toBe(k.cipher.iv);
    expect(again.ciphertext).not.toBe(k.ciphertext);
  });

  it('agrees with an independent node:crypto implementation of the documented format, both ways', async () => {
    const key = newKey(suite);
    const text = await sealKeyFile(key, PASS, FAST);
    expect(docOpen(JSON.parse(text), PASS)).toBe(bytesToHex(key.secretKey));
    expect(bytesToHex(keyFileAad(decodeKeyFile(text)))).toBe(bytesToHex(docAad(JSON.parse(text))));

    const s = portableSuite(suite);
    for (let i = 0; i < 4; i++) {
      const secret = s.randomSecretKey();
      const opened = await openKeyFile(docSeal(suite, secret, s.publicKeyFromSecret(secret), PASS), PASS);
      expect(bytesToHex(opened.secretKey)).toBe(bytesToHex(secret));
    }
  });

  it('a wrong passphrase is KEY_PASSPHRASE_WRONG, without the passphrase in the error; empty is REQUIRED', async () => {
    const text = await sealKeyFile(newKey(suite), PASS, FAST);
    const wrong = await failure(openKeyFile(text, `${PASS}!`));
    expect(wrong.code).toBe('KEY_PASSPHRASE_WRONG');
    expect(JSON.stringify({ ...wrong.toJSON(), cause: String(wrong.cause) })).not.toContain(PASS);
    expect((await failure(openKeyFile(text, ''))).code).toBe('KEY_PASSPHRASE_REQUIRED');
    expect((await failure(openKeyFile(text, undefined as unknown as string))).code).toBe('KEY_PASSPHRASE_REQUIRED');
  });

  it('normalises passphrases to NFC', async () => {
    const text = await sealKeyFile(newKey(suite), 'caf\u00e9 au lait, s\u00e9v\u00e8re', FAST);
    await expect(openKeyFile(text, 'cafe\u0301 au lait, se\u0301ve\u0300re')).resolves.toBeDefined();
  });

  it('authenticates the header semantically: reordered and compact still opens', async () => {
    const key = newKey(suite);
    const k = JSON.parse(await sealKeyFile(key, PASS, FAST));
    const reordered = Object.fromEntries(Object.entries(k).reverse());
    reordered.kdf = Object.fromEntries(Object.entries(k.kdf).reverse());
    expect(bytesToHex((await openKeyFile(JSON.stringify(reordered), PASS)).secretKey)).toBe(bytesToHex(key.secretKey));
  });

  it('refuses a file whose header was edited: every authenticated field', async () => {
    const original: FileJson = JSON.parse(await sealKeyFile(newKey(suite), PASS, FAST));
    const s = portableSuite(suite);
    const otherPublicKey = bytesToHex(s.publicKeyFromSecret(s.randomSecretKey()));
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
      outcomes[name] = (await failure(openKeyFile(JSON.stringify(k), PASS))).code;
    }
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(edits).map((name) => [name, 'KEY_PASSPHRASE_WRONG'])));

    // The suite is checked by shape: the cipher and the key length belong to the suite.
    const swapped = { ...original, suite: suite === 'ed25519-sha256' ? 'sm2-sm3' : 'ed25519-sha256' };
    expect((await failure(openKeyFile(JSON.stringify(swapped), PASS))).code).toBe('KEY_FILE_INVALID');
    // The control: the unedited file opens.
    await expect(openKeyFile(JSON.stringify(original), PASS)).resolves.toBeDefined();
  });

  it('refuses a file with any byte of ciphertext, iv or tag/MAC flipped', async () => {
    const original: FileJson = JSON.parse(await sealKeyFile(newKey(suite), PASS, FAST));
    const authenticator = suite === 'ed25519-sha256' ? 'tag' : 'mac';
    const fields: { name: string; get(k: FileJson): string; set(k: FileJson, v: string): void }[] = [
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
      for (let i = 0; i < field.get(original).length / 2; i++) {
        const k = structuredClone(original);
        field.set(k, flipByte(field.get(original), i));
        const e = await failure(openKeyFile(JSON.stringify(k), PASS)).catch(() => null);
        if (e?.code !== 'KEY_PASSPHRASE_WRONG') accepted.push(`${field.name}[${i}]`);
        tried++;
      }
    }
    expect(accepted).toEqual([]);
    expect(tried).toBe(suite === 'ed25519-sha256' ? 32 + 12 + 16 : 32 + 16 + 32);
  });

  it('a file that authenticates but whose secret does not give its public key is KEY_FILE_INVALID', async () => {
    const s = portableSuite(suite);
    const text = docSeal(suite, s.randomSecretKey(), s.publicKeyFromSecret(s.randomSecretKey()), PASS);
    const e = await failure(openKeyFile(text, PASS));
    expect(e.code).toBe('KEY_FILE_INVALID');
    expect(e.details).toEqual({ field: 'publicKey' });
  });

  it('a file that authenticates but holds no valid secret of the suite is KEY_FILE_INVALID', async () => {
    const s = portableSuite(suite);
    // Zero is no SM2 secret (1 ≤ d < n − 1): refused as such. Any 32 bytes are an Ed25519 secret, so there the
    // mismatch with the stated public key refuses it.
    const text = docSeal(suite, new Uint8Array(32), s.publicKeyFromSecret(s.randomSecretKey()), PASS);
    const e = await failure(openKeyFile(text, PASS));
    expect(e.code).toBe('KEY_FILE_INVALID');
    expect(e.details).toEqual({ field: suite === 'sm2-sm3' ? 'ciphertext' : 'publicKey' });
  });
});

describe('key files in pure TypeScript, common rules', () => {
  it('seals at scrypt N = 2^15, r = 8, p = 1 by default, and opens it', async () => {
    expect(defaultSealKeyFileOptions.scryptN).toBe(2 ** 15);
    for (const suite of SUITES) {
      const key = newKey(suite);
      const text = await sealKeyFile(key, PASS);
      expect(JSON.parse(text).kdf).toMatchObject({ name: 'scrypt', N: 32768, r: 8, p: 1 });
      expect(docOpen(JSON.parse(text), PASS)).toBe(bytesToHex(key.secretKey));
      expect(bytesToHex((await openKeyFile(text, PASS)).secretKey)).toBe(bytesToHex(key.secretKey));
    }
  });

  it('reports the KDF progress up to 1', async () => {
    const seen: number[] = [];
    const text = await sealKeyFile(newKey('sm2-sm3'), PASS, { ...FAST, onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    const opening: number[] = [];
    await openKeyFile(text, PASS, { onProgress: (f) => opening.push(f) });
    expect(opening.length).toBeGreaterThan(1);
    expect(opening.at(-1)).toBe(1);
    expect([...opening].sort((a, b) => a - b)).toEqual(opening);
  });

  it('refuses weak new passphrases (fewer than 12 characters after NFC)', async () => {
    const key = newKey('ed25519-sha256');
    for (const passphrase of ['12345678901', 'e\u0301'.repeat(6), 'abcdefghijk\ud800']) {
      const e = await failure(sealKeyFile(key, passphrase, FAST));
      expect(e.code).toBe('PASSPHRASE_TOO_WEAK');
      expect(e.details).toEqual({ minLength: 12 });
    }
    expect((await failure(sealKeyFile(key, '', FAST))).code).toBe('KEY_PASSPHRASE_REQUIRED');
    await expect(sealKeyFile(key, '123456789012', FAST)).resolves.toContain('"lianzheng-key"');
    await expect(sealKeyFile(key, '政务链密钥口令十二个字符', FAST)).resolves.toContain('"lianzheng-key"');
  });

  it('validates what it seals: identity fields, secret key, scrypt cost', async () => {
    const good = newKey('sm2-sm3');
    const cases: [string, NewKeyFile, number, string][] = [
      ['id', { ...good, id: 'Market Admin' }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['org', { ...good, org: 'Market' }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['role', { ...good, role: '' }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['suite', { ...good, suite: 'rsa' as SuiteId }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['secretKey', { ...good, secretKey: new Uint8Array(31) }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['secretKey', { ...good, secretKey: new Uint8Array(32) }, FAST.scryptN, 'KEY_FILE_INVALID'],
      ['scryptN', good, 2 ** 11, 'FIELD_INVALID'],
      ['scryptN', good, 3000, 'FIELD_INVALID'],
      ['scryptN', good, 2 ** 21, 'FIELD_INVALID'],
    ];
    for (const [field, key, scryptN, code] of cases) {
      const e = await failure(sealKeyFile(key, PASS, { scryptN }));
      expect({ field, code: e.code, detail: e.details?.field }).toEqual({ field, code, detail: field });
    }
  });

  it('refuses absurd KDF parameters as KEY_FILE_INVALID before deriving anything', async () => {
    const original: FileJson = JSON.parse(await sealKeyFile(newKey('ed25519-sha256'), PASS, FAST));
    const kdfs: [Record<string, unknown>, string][] = [
      [{ N: 2 ** 20, r: 8, p: 16 }, 'kdf'],
      [{ N: 2 ** 20, r: 32, p: 1 }, 'kdf'],
      [{ N: 2 ** 18, r: 32, p: 2 }, 'kdf'],
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
    expect(KEY_FILE_SCRYPT_LIMITS.maxWork).toBe(2 ** 23);
    const started = performance.now();
    const seen: [string, string, unknown][] = [];
    for (const [change] of kdfs) {
      const text = JSON.stringify({ ...original, kdf: { ...original.kdf, ...change } });
      const e = await failure(openKeyFile(text, PASS));
      seen.push([JSON.stringify(change), e.code, e.details?.field]);
      expect((await failure(() => readKeyFileHeader(text))).code).toBe('KEY_FILE_INVALID');
    }
    expect(seen).toEqual(kdfs.map(([change, field]) => [JSON.stringify(change), 'KEY_FILE_INVALID', field]));
    // Deriving with the first case alone would take minutes and 1 GiB in JavaScript; refusing all takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses malformed files as KEY_FILE_INVALID naming the field, without echoing the content', async () => {
    const original: FileJson = JSON.parse(await sealKeyFile(newKey('sm2-sm3'), PASS, FAST));
    const secretHex = bytesToHex(portableSuite('sm2-sm3').randomSecretKey());
    const texts: [string, string, string][] = [
      ['not JSON', '{"type": "lianzheng-key",', ''],
      ['empty', '', ''],
      ['array', '[]', 'type'],
      ['a number', '42', 'type'],
      ['other type', JSON.stringify({ ...original, type: 'jwk' }), 'type'],
      ['v1 (unencrypted)', JSON.stringify({ ...original, v: 1, secretKey: secretHex }), 'v'],
      ['v3', JSON.stringify({ ...original, v: 3 }), 'v'],
      ['unknown member', JSON.stringify({ ...original, note: 'hi' }), ''],
      ['missing member', JSON.stringify({ ...original, ciphertext: undefined }), 'ciphertext'],
      ['duplicate member', JSON.stringify(original).replace('"v":2', '"v":2,"v":2'), ''],
      ['__proto__ member', JSON.stringify(original).replace('"v":2', '"v":2,"__proto__":{}'), ''],
      ['upper-case hex', JSON.stringify({ ...original, ciphertext: original.ciphertext.toUpperCase() }), 'ciphertext'],
      ['short ciphertext', JSON.stringify({ ...original, ciphertext: original.ciphertext.slice(2) }), 'ciphertext'],
      [
        'other suite cipher',
        JSON.stringify({ ...original, cipher: { name: 'aes-256-gcm', iv: '00'.repeat(12), tag: '00'.repeat(16) } }),
        'cipher',
      ],
      [
        'cipher member of the other suite',
        JSON.stringify({ ...original, cipher: { ...original.cipher, tag: '00'.repeat(16) } }),
        'cipher',
      ],
      ['cipher name', JSON.stringify({ ...original, cipher: { ...original.cipher, name: 'sm4-gcm' } }), 'cipher.name'],
      ['short iv', JSON.stringify({ ...original, cipher: { ...original.cipher, iv: '00' } }), 'cipher.iv'],
      ['short mac', JSON.stringify({ ...original, cipher: { ...original.cipher, mac: '00' } }), 'cipher.mac'],
      [
        'invalid public key',
        JSON.stringify({ ...original, publicKey: `05${original.publicKey.slice(2)}` }),
        'publicKey',
      ],
      ['bad id', JSON.stringify({ ...original, id: '../../etc/passwd' }), 'id'],
      ['bad org', JSON.stringify({ ...original, org: 'Police' }), 'org'],
      ['bad role', JSON.stringify({ ...original, role: 7 }), 'role'],
      ['bad suite', JSON.stringify({ ...original, suite: 'rsa-sha1' }), 'suite'],
      ['kdf not an object', JSON.stringify({ ...original, kdf: 'scrypt' }), 'kdf'],
      ['float', JSON.stringify({ ...original, kdf: { ...original.kdf, r: 8.5 } }), ''],
      ['lone surrogate', JSON.stringify({ ...original, id: 'a' }).replace('"a"', '"\\ud800"'), ''],
      ['too large', `${JSON.stringify(original)}${' '.repeat(70_000)}`, ''],
      ['too large in UTF-8', `${JSON.stringify(original)}${'链'.repeat(22_000)}`, ''],
    ];
    const seen: [string, string, unknown][] = [];
    for (const [name, text] of texts) {
      const e = await failure(openKeyFile(text, PASS));
      expect(e.message).not.toContain(original.ciphertext);
      expect(e.message).not.toContain('etc/passwd');
      seen.push([name, e.code, e.details?.field]);
      expect((await failure(() => readKeyFileHeader(text))).code).toBe('KEY_FILE_INVALID');
    }
    expect(seen).toEqual(texts.map(([name, , field]) => [name, 'KEY_FILE_INVALID', field]));
  });

  it('every truncation of a file is KEY_FILE_INVALID, before any KDF work', async () => {
    const text = await sealKeyFile(newKey('ed25519-sha256'), PASS, FAST);
    const started = performance.now();
    const codes = new Set<string>();
    for (let n = 0; n < text.length - 2; n++) codes.add((await failure(openKeyFile(text.slice(0, n), PASS))).code);
    expect([...codes]).toEqual(['KEY_FILE_INVALID']);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('property: random garbage and random JSON are KEY_FILE_INVALID, never an uncoded error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 })), async (text) => {
        expect((await failure(openKeyFile(text, PASS))).code).toBe('KEY_FILE_INVALID');
        expect((await failure(() => readKeyFileHeader(text))).code).toBe('KEY_FILE_INVALID');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('property: any one-member change to a valid file is refused with a code, or still opens the same key', async () => {
    const key = newKey('sm2-sm3');
    const original = JSON.parse(await sealKeyFile(key, PASS, FAST)) as Record<string, unknown>;
    const members = Object.keys(original);
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...members), fc.jsonValue({ maxDepth: 2 }), async (member, value) => {
        const text = JSON.stringify({ ...original, [member]: value });
        let outcome: string;
        try {
          outcome =
            bytesToHex((await openKeyFile(text, PASS)).secretKey) === bytesToHex(key.secretKey) ? 'same' : 'other';
        } catch (e) {
          outcome = isLianzhengError(e) ? e.code : `uncoded ${String(e)}`;
        }
        expect(['same', 'KEY_FILE_INVALID', 'KEY_PASSPHRASE_WRONG']).toContain(outcome);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(outcomes.get('KEY_FILE_INVALID') ?? 0).toBeGreaterThan(100);
  });
});

import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { sm4 as smCryptoSm4 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/bytes.js';
import { isLianzhengError } from '../src/errors.js';
import { createSm4, sm4Ctr } from '../src/sm4.js';

const SEED = 0x5345;
const KEY = hexToBytes('0123456789abcdeffedcba9876543210');

function opensslEcb(key: Uint8Array, block: Uint8Array): string {
  const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]).toString('hex');
}

function opensslCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): string {
  const c = createCipheriv('sm4-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]).toString('hex');
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a coded failure');
}

describe('SM4 standard vectors (GB/T 32907-2016 Annex A)', () => {
  it('A.1: one encryption of the plaintext 0123…3210 under the same key', () => {
    const sm4 = createSm4(KEY);
    const ciphertext = sm4.encryptBlock(KEY);
    expect(bytesToHex(ciphertext)).toBe('681edf34d206965e86b3e94f536e4246');
    expect(bytesToHex(sm4.decryptBlock(ciphertext))).toBe(bytesToHex(KEY));
  });

  it('A.2: 1,000,000 encryptions in a row', () => {
    const sm4 = createSm4(KEY);
    let block = KEY;
    for (let i = 0; i < 1_000_000; i++) block = sm4.encryptBlock(block);
    expect(bytesToHex(block)).toBe('595298c7c6fd271f0402f804c33d3f66');
  });
});

describe('SM4 against other implementations', () => {
  it('single blocks match node:crypto sm4-ecb (OpenSSL) and sm-crypto-v2, both ways', () => {
    const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(bytes16, bytes16, (key, block) => {
        const sm4 = createSm4(key);
        const ciphertext = sm4.encryptBlock(block);
        expect(bytesToHex(ciphertext)).toBe(opensslEcb(key, block));
        expect(smCryptoSm4.encrypt(block, key, { padding: 'none', mode: 'ecb' })).toBe(bytesToHex(ciphertext));
        expect(bytesToHex(sm4.decryptBlock(ciphertext))).toBe(bytesToHex(block));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('CTR matches node:crypto sm4-ctr for random keys, ivs and lengths 0–100', () => {
    const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(bytes16, bytes16, fc.uint8Array({ maxLength: 100 }), (key, iv, data) => {
        const ciphertext = sm4Ctr(key, iv, data);
        expect(bytesToHex(ciphertext)).toBe(opensslCtr(key, iv, data));
        expect(bytesToHex(sm4Ctr(key, iv, ciphertext))).toBe(bytesToHex(data));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('CTR carries over the whole 128-bit counter, and wraps ff…ff to 00…00, as OpenSSL does', () => {
    const data = Uint8Array.from({ length: 80 }, (_, i) => i);
    const ivs = [
      'ffffffffffffffffffffffffffffffff',
      '00000000000000000000000000000000',
      '000000000000000000000000fffffffe',
      '0000000000000000fffffffffffffffe',
      '00ffffffffffffffffffffffffffffff',
      '7fffffffffffffffffffffffffffffff',
      '0123456789abcdefffffffffffffffff',
    ];
    for (const iv of ivs) {
      expect(bytesToHex(sm4Ctr(KEY, hexToBytes(iv), data)), iv).toBe(opensslCtr(KEY, hexToBytes(iv), data));
    }
  });

  it('works on subarray views and leaves its inputs alone', () => {
    const buffer = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    const key = buffer.subarray(3, 19);
    const iv = buffer.subarray(20, 36);
    const data = buffer.subarray(36, 61);
    const before = bytesToHex(buffer);
    expect(bytesToHex(sm4Ctr(key, iv, data))).toBe(opensslCtr(key, iv, data));
    expect(bytesToHex(createSm4(key).encryptBlock(iv))).toBe(opensslEcb(key, iv));
    expect(bytesToHex(buffer)).toBe(before);
  });
});

describe('SM4 inputs', () => {
  it('refuses keys, blocks and ivs of the wrong length with coded errors', () => {
    expect(codeOf(() => createSm4(new Uint8Array(15)))).toBe('KEY_INVALID');
    expect(codeOf(() => createSm4(new Uint8Array(32)))).toBe('KEY_INVALID');
    expect(codeOf(() => createSm4(KEY).encryptBlock(new Uint8Array(17)))).toBe('FIELD_INVALID');
    expect(codeOf(() => createSm4(KEY).decryptBlock(new Uint8Array(0)))).toBe('FIELD_INVALID');
    expect(codeOf(() => sm4Ctr(KEY, new Uint8Array(12), new Uint8Array(4)))).toBe('FIELD_INVALID');
    expect(codeOf(() => sm4Ctr(new Uint8Array(8), new Uint8Array(16), new Uint8Array(4)))).toBe('KEY_INVALID');
  });

  it('destroy wipes the round keys: the same instance no longer encrypts as SM4', () => {
    const sm4 = createSm4(KEY);
    sm4.destroy();
    expect(bytesToHex(sm4.encryptBlock(KEY))).not.toBe('681edf34d206965e86b3e94f536e4246');
  });
});

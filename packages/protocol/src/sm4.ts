/**
 * SM4 block cipher (GB/T 32907-2016, also GM/T 0002-2012 and ISO/IEC 18033-3:2010/Amd 1:2021) and CTR mode.
 *
 * Pure TypeScript so that a browser can open the `sm2-sm3` key files the node writes with OpenSSL's `sm4-ctr`
 * (`keyFile.ts`). CTR here is exactly OpenSSL's: the 16-byte IV is the first counter block and the whole block is
 * incremented as one 128-bit big-endian number (wrapping from ff…ff to 00…00), not only its last 32 or 64 bits.
 *
 * The rounds use the usual table form: the S-box and the linear transform L are folded into four 256-entry tables
 * (the GB/T 32907 round function is τ followed by L, and L is linear, so T(x) = ⊕ L(Sbox(byte_i) placed at byte i)).
 * Table lookups are indexed by key-dependent bytes, as in every table-based software AES or SM4; what this file
 * protects (a key file's secret) is decrypted once, locally, by its owner.
 */
import { protocolError } from './errors.js';

/** The S-box (GB/T 32907-2016 §6.2, table 1). */
// biome-ignore format: the standard's 16 × 16 table, row by row
const SBOX = Uint8Array.from([
  0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
  0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
  0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
  0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
  0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
  0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
  0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
  0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
  0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
  0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
  0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
  0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
  0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
  0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
  0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
  0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,
]);

/** System parameter FK (§7.3). */
const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc] as const;

/** Fixed parameters CK_i: byte j of CK_i is (4i + j)·7 mod 256 (§7.3). */
const CK = Uint32Array.from({ length: 32 }, (_, i) => {
  let ck = 0;
  for (let j = 0; j < 4; j++) ck = (ck << 8) | (((4 * i + j) * 7) & 0xff);
  return ck >>> 0;
});

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** The round function's linear transform L (§6.2). */
function l(b: number): number {
  return b ^ rotl(b, 2) ^ rotl(b, 10) ^ rotl(b, 18) ^ rotl(b, 24);
}

/** T_i[x] = L(Sbox(x) in byte i, counted from the most significant): one lookup per byte of the round input. */
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
for (let x = 0; x < 256; x++) {
  const t = l(SBOX[x]! << 24);
  T0[x] = t;
  T1[x] = rotl(t, 24);
  T2[x] = rotl(t, 16);
  T3[x] = rotl(t, 8);
}

/** τ: the S-box on each byte of a word. */
function tau(a: number): number {
  return (SBOX[a >>> 24]! << 24) | (SBOX[(a >>> 16) & 0xff]! << 16) | (SBOX[(a >>> 8) & 0xff]! << 8) | SBOX[a & 0xff]!;
}

/** The 32 round keys of the key schedule (§7.3): K_{i+4} = K_i ⊕ L'(τ(K_{i+1} ⊕ K_{i+2} ⊕ K_{i+3} ⊕ CK_i)). */
function expandKey(key: Uint8Array): Int32Array {
  if (!(key instanceof Uint8Array) || key.length !== 16) throw protocolError('KEY_INVALID', 'an SM4 key is 16 bytes');
  const view = new DataView(key.buffer, key.byteOffset, 16);
  let k0 = view.getUint32(0) ^ FK[0];
  let k1 = view.getUint32(4) ^ FK[1];
  let k2 = view.getUint32(8) ^ FK[2];
  let k3 = view.getUint32(12) ^ FK[3];
  const rk = new Int32Array(32);
  for (let i = 0; i < 32; i++) {
    const b = tau(k1 ^ k2 ^ k3 ^ CK[i]!);
    const next = k0 ^ b ^ rotl(b, 13) ^ rotl(b, 23);
    rk[i] = next;
    k0 = k1;
    k1 = k2;
    k2 = k3;
    k3 = next;
  }
  return rk;
}

/** 32 rounds on one block, round keys in the order given (reversed for decryption, §7.2). */
function crypt(rk: Int32Array, reverse: boolean, input: Uint8Array, inOffset: number, output: Uint8Array): void {
  let x0 = (input[inOffset]! << 24) | (input[inOffset + 1]! << 16) | (input[inOffset + 2]! << 8) | input[inOffset + 3]!;
  let x1 =
    (input[inOffset + 4]! << 24) | (input[inOffset + 5]! << 16) | (input[inOffset + 6]! << 8) | input[inOffset + 7]!;
  let x2 =
    (input[inOffset + 8]! << 24) | (input[inOffset + 9]! << 16) | (input[inOffset + 10]! << 8) | input[inOffset + 11]!;
  let x3 =
    (input[inOffset + 12]! << 24) |
    (input[inOffset + 13]! << 16) |
    (input[inOffset + 14]! << 8) |
    input[inOffset + 15]!;
  for (let i = 0; i < 32; i++) {
    const a = x1 ^ x2 ^ x3 ^ rk[reverse ? 31 - i : i]!;
    const next = x0 ^ T0[a >>> 24]! ^ T1[(a >>> 16) & 0xff]! ^ T2[(a >>> 8) & 0xff]! ^ T3[a & 0xff]!;
    x0 = x1;
    x1 = x2;
    x2 = x3;
    x3 = next;
  }
  // The reverse transform R: the output is (X35, X34, X33, X32).
  const words = [x3, x2, x1, x0];
  for (let w = 0; w < 4; w++) {
    const v = words[w]!;
    output[4 * w] = v >>> 24;
    output[4 * w + 1] = v >>> 16;
    output[4 * w + 2] = v >>> 8;
    output[4 * w + 3] = v;
  }
}

/** SM4 with one key: single blocks, for tests and modes. `destroy` wipes the round keys. */
export interface Sm4 {
  encryptBlock(block: Uint8Array): Uint8Array;
  decryptBlock(block: Uint8Array): Uint8Array;
  destroy(): void;
}

function checkBlock(block: Uint8Array): void {
  if (!(block instanceof Uint8Array) || block.length !== 16) {
    throw protocolError('FIELD_INVALID', 'an SM4 block is 16 bytes', { field: 'block' });
  }
}

/** SM4 with the 16-byte `key` (KEY_INVALID otherwise). */
export function createSm4(key: Uint8Array): Sm4 {
  const rk = expandKey(key);
  return {
    encryptBlock(block) {
      checkBlock(block);
      const out = new Uint8Array(16);
      crypt(rk, false, block, 0, out);
      return out;
    },
    decryptBlock(block) {
      checkBlock(block);
      const out = new Uint8Array(16);
      crypt(rk, true, block, 0, out);
      return out;
    },
    destroy() {
      rk.fill(0);
    },
  };
}

/**
 * SM4-CTR as OpenSSL's `sm4-ctr`: keystream block i is SM4(key, iv + i mod 2^128), the IV read as one big-endian
 * number. Encryption and decryption are the same operation; any length, the last block cut short.
 */
export function sm4Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (!(iv instanceof Uint8Array) || iv.length !== 16) {
    throw protocolError('FIELD_INVALID', 'an SM4-CTR iv is 16 bytes', { field: 'iv' });
  }
  const rk = expandKey(key);
  const counter = Uint8Array.from(iv);
  const stream = new Uint8Array(16);
  const out = new Uint8Array(data.length);
  try {
    for (let offset = 0; offset < data.length; offset += 16) {
      crypt(rk, false, counter, 0, stream);
      const n = Math.min(16, data.length - offset);
      for (let i = 0; i < n; i++) out[offset + i] = data[offset + i]! ^ stream[i]!;
      // Increment the whole 128-bit block, carrying from the last byte up.
      for (let i = 15; i >= 0; i--) {
        counter[i] = (counter[i]! + 1) & 0xff;
        if (counter[i] !== 0) break;
      }
    }
    return out;
  } finally {
    rk.fill(0);
    stream.fill(0);
    counter.fill(0);
  }
}

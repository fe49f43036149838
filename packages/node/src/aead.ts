/**
 * Authenticated encryption with associated data, by crypto suite, on Node's OpenSSL only:
 *
 * - `ed25519-sha256`: AES-256-GCM, 12-byte random iv, 16-byte tag.
 * - `sm2-sm3`: the OpenSSL that Node ships has no SM4-GCM, so SM4-CTR + HMAC-SM3, encrypt-then-MAC. From the 32-byte
 *   key: encKey = HMAC-SM3(key, "lianzheng/sm4-enc")[0..16], macKey = HMAC-SM3(key, "lianzheng/sm4-mac"); 16-byte
 *   random iv; tag = HMAC-SM3(macKey, len64be(aad) ‖ aad ‖ iv ‖ ct), 32 bytes. The length prefix makes the MAC input
 *   unambiguous whatever the AAD length (the iv has a fixed length and the ciphertext runs to the end).
 *
 * Keys are always 32 bytes. Both modes use a random iv per message: with 96-bit (GCM) and 128-bit (CTR) random ivs,
 * a key may seal far more messages than any use here (one per record, or one per master version) before a
 * collision becomes likely.
 *
 * Failures are coded: a tag that does not verify, or a sealed value of the wrong shape, is PRIVATE_STORE_CORRUPT
 * (callers that know which file it came from rethrow with its name); a key that is not 32 bytes is a caller bug,
 * INTERNAL. Messages never contain key, plaintext or ciphertext bytes.
 */
import crypto from 'node:crypto';
import type { SuiteId } from '@lianzheng/protocol';
import { nodeError } from './errors.js';

export type AeadAlg = 'aes-256-gcm' | 'sm4-ctr+hmac-sm3';

export interface AeadParams {
  readonly alg: AeadAlg;
  readonly ivBytes: number;
  readonly tagBytes: number;
}

/** The AEAD of each suite and the sizes of its iv and tag. */
export const aeadParams: Readonly<Record<SuiteId, AeadParams>> = {
  'ed25519-sha256': { alg: 'aes-256-gcm', ivBytes: 12, tagBytes: 16 },
  'sm2-sm3': { alg: 'sm4-ctr+hmac-sm3', ivBytes: 16, tagBytes: 32 },
};

export const AEAD_KEY_BYTES = 32;

/** A sealed message: ciphertext as long as the plaintext. */
export interface Sealed {
  readonly alg: AeadAlg;
  readonly iv: Uint8Array;
  readonly ct: Uint8Array;
  readonly tag: Uint8Array;
}

const SM4_ENC_LABEL = Buffer.from('lianzheng/sm4-enc', 'utf8');
const SM4_MAC_LABEL = Buffer.from('lianzheng/sm4-mac', 'utf8');
const SM4_ENC_KEY_BYTES = 16;

/** Encrypts and authenticates `plaintext`, binding `aad` to it. */
export function seal(suite: SuiteId, key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Sealed {
  const params = paramsOf(suite);
  checkKey(key);
  const iv = crypto.randomBytes(params.ivBytes);
  if (params.alg === 'aes-256-gcm') {
    const c = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: params.tagBytes });
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return { alg: params.alg, iv, ct, tag: c.getAuthTag() };
  }
  const { encKey, macKey } = sm4Keys(key);
  try {
    const c = crypto.createCipheriv('sm4-ctr', encKey, iv);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return { alg: params.alg, iv, ct, tag: sm4Mac(macKey, aad, iv, ct) };
  } finally {
    encKey.fill(0);
    macKey.fill(0);
  }
}

/** Authenticates and decrypts; the caller owns (and should zero) the returned plaintext. */
export function open(suite: SuiteId, key: Uint8Array, aad: Uint8Array, sealed: Sealed): Buffer {
  const params = paramsOf(suite);
  checkKey(key);
  if (sealed.alg !== params.alg) throw corrupt(params.alg, `expected ${params.alg}, found another algorithm`);
  if (sealed.iv.length !== params.ivBytes) throw corrupt(params.alg, `the iv must be ${params.ivBytes} bytes`);
  if (sealed.tag.length !== params.tagBytes) throw corrupt(params.alg, `the tag must be ${params.tagBytes} bytes`);
  if (params.alg === 'aes-256-gcm') {
    const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: params.tagBytes });
    d.setAAD(aad);
    d.setAuthTag(sealed.tag);
    const head = d.update(sealed.ct);
    try {
      return Buffer.concat([head, d.final()]);
    } catch {
      throw corrupt(params.alg, 'authentication failed');
    } finally {
      head.fill(0);
    }
  }
  const { encKey, macKey } = sm4Keys(key);
  try {
    const expected = sm4Mac(macKey, aad, sealed.iv, sealed.ct);
    if (!crypto.timingSafeEqual(expected, sealed.tag)) throw corrupt(params.alg, 'authentication failed');
    const d = crypto.createDecipheriv('sm4-ctr', encKey, sealed.iv);
    return Buffer.concat([d.update(sealed.ct), d.final()]);
  } finally {
    encKey.fill(0);
    macKey.fill(0);
  }
}

function paramsOf(suite: SuiteId): AeadParams {
  const params = Object.hasOwn(aeadParams, suite) ? aeadParams[suite] : undefined;
  if (params === undefined) throw nodeError('INTERNAL', 'no AEAD for this crypto suite', { suite });
  return params;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AEAD_KEY_BYTES) {
    throw nodeError('INTERNAL', `an AEAD key must be ${AEAD_KEY_BYTES} bytes`);
  }
}

function corrupt(alg: AeadAlg, reason: string): Error {
  return nodeError('PRIVATE_STORE_CORRUPT', `sealed data does not open: ${reason}`, { alg });
}

function sm4Keys(key: Uint8Array): { encKey: Buffer; macKey: Buffer } {
  const enc = crypto.createHmac('sm3', key).update(SM4_ENC_LABEL).digest();
  const encKey = Buffer.from(enc.subarray(0, SM4_ENC_KEY_BYTES));
  enc.fill(0);
  return { encKey, macKey: crypto.createHmac('sm3', key).update(SM4_MAC_LABEL).digest() };
}

function sm4Mac(macKey: Buffer, aad: Uint8Array, iv: Uint8Array, ct: Uint8Array): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(aad.length));
  return crypto.createHmac('sm3', macKey).update(length).update(aad).update(iv).update(ct).digest();
}

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { protocolError } from './errors.js';
import { createHasher, type Hasher } from './hash.js';
import { sm2PublicKeyFromSecret, sm2RandomSecretKey, sm2Sign, sm2Verify } from './sm2.js';
import { sm3 } from './sm3.js';

export const SuiteId = { ed25519Sha256: 'ed25519-sha256', sm2Sm3: 'sm2-sm3' } as const;
export type SuiteId = (typeof SuiteId)[keyof typeof SuiteId];

/**
 * A crypto suite, chosen once at genesis. Signatures are always 64 bytes (Ed25519: R‖S; SM2: r‖s big-endian) and
 * always sign a 32-byte tagged hash, so a signer needs nothing but the digest.
 */
export interface CryptoSuite extends Hasher {
  readonly id: SuiteId;
  readonly hashName: 'sha256' | 'sm3';
  readonly publicKeyLength: number;
  readonly secretKeyLength: 32;
  readonly signatureLength: 64;
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Never throws: malformed keys or signatures verify as false. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  publicKeyFromSecret(secretKey: Uint8Array): Uint8Array;
  randomSecretKey(): Uint8Array;
}

export function isSuiteId(value: unknown): value is SuiteId {
  return value === SuiteId.ed25519Sha256 || value === SuiteId.sm2Sm3;
}

function checkSecret(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw protocolError('KEY_INVALID', 'secret key must be 32 bytes');
  }
}

/**
 * Portable Ed25519 + SHA-256 (noble). Verification is RFC 8032 §5.1.7 strict (zip215 off), which is what
 * OpenSSL does, so browser and node agree on every signature.
 */
export const ed25519Sha256Portable: CryptoSuite = {
  ...createHasher((data) => sha256(data)),
  id: SuiteId.ed25519Sha256,
  hashName: 'sha256',
  publicKeyLength: 32,
  secretKeyLength: 32,
  signatureLength: 64,
  sign(secretKey, message) {
    checkSecret(secretKey);
    return ed25519.sign(message, secretKey);
  },
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  publicKeyFromSecret(secretKey) {
    checkSecret(secretKey);
    return ed25519.getPublicKey(secretKey);
  },
  randomSecretKey: () => ed25519.utils.randomSecretKey(),
};

/** Portable SM2 (user id `1234567812345678`, see ADR 0002) + SM3. */
export const sm2Sm3Portable: CryptoSuite = {
  ...createHasher((data) => sm3(data)),
  id: SuiteId.sm2Sm3,
  hashName: 'sm3',
  publicKeyLength: 65,
  secretKeyLength: 32,
  signatureLength: 64,
  sign: (secretKey, message) => sm2Sign(secretKey, message),
  verify: (publicKey, message, signature) => sm2Verify(publicKey, message, signature),
  publicKeyFromSecret: (secretKey) => sm2PublicKeyFromSecret(secretKey),
  randomSecretKey: () => sm2RandomSecretKey(),
};

export function portableSuite(id: SuiteId): CryptoSuite {
  switch (id) {
    case SuiteId.ed25519Sha256:
      return ed25519Sha256Portable;
    case SuiteId.sm2Sm3:
      return sm2Sm3Portable;
    default:
      throw protocolError('SUITE_UNKNOWN', `unknown crypto suite ${String(id)}`, { suite: id });
  }
}

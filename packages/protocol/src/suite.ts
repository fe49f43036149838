import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, equalBytes } from './bytes.js';
import { protocolError } from './errors.js';
import { createHasher, type Hasher } from './hash.js';
import { sm2PublicKeyFromSecret, sm2RandomSecretKey, sm2Sign, sm2Verify, sm2Za } from './sm2.js';
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
  /**
   * Whether a public key is acceptable at all: a canonical encoding of a curve point, and for Ed25519 of a point in
   * the prime-order subgroup that is not of small order. Genesis rejects any other key, and verification treats a
   * signature by such a key as invalid, so every implementation gives the same answer (docs/PROTOCOL.md §3).
   */
  isValidPublicKey(publicKey: Uint8Array): boolean;
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

const EdPoint = ed25519.Point;
type EdPoint = ReturnType<typeof EdPoint.fromBytes>;
const ED25519_ORDER = EdPoint.Fn.ORDER;
const edKeys = new Map<string, EdPoint | null>();

function leNumber(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** The decoded point of an acceptable Ed25519 public key, or null (cached: signers are few). */
function ed25519Key(publicKey: Uint8Array): EdPoint | null {
  if (publicKey.length !== 32) return null;
  const id = bytesToHex(publicKey);
  let point = edKeys.get(id);
  if (point === undefined) {
    try {
      const p = EdPoint.fromBytes(publicKey, false);
      // Canonical (re-encodes to the same bytes), not of small order, no torsion component.
      point = equalBytes(p.toBytes(), publicKey) && !p.isSmallOrder() && p.isTorsionFree() ? p : null;
    } catch {
      point = null;
    }
    if (edKeys.size >= 4096) edKeys.delete(edKeys.keys().next().value as string);
    edKeys.set(id, point);
  }
  return point;
}

export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return ed25519Key(publicKey) !== null;
}

/**
 * RFC 8032 verification with the cofactorless equation, exactly as OpenSSL computes it: S < L, k = SHA-512(R ‖ A ‖ M)
 * mod L, and the encoding of [S]B − [k]A must equal R byte for byte (so a non-canonical R never verifies).
 */
function ed25519VerifyPortable(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const A = ed25519Key(publicKey);
  if (A === null) return false;
  const R = signature.subarray(0, 32);
  const S = leNumber(signature.subarray(32, 64));
  if (S >= ED25519_ORDER) return false;
  const input = new Uint8Array(64 + message.length);
  input.set(R, 0);
  input.set(publicKey, 32);
  input.set(message, 64);
  const k = leNumber(sha512(input)) % ED25519_ORDER;
  const check = EdPoint.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k));
  return equalBytes(check.toBytes(), R);
}

/** Portable Ed25519 + SHA-256 (noble arithmetic). Gives the same answer as the node's OpenSSL path for every input. */
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
    try {
      return ed25519VerifyPortable(publicKey, message, signature);
    } catch {
      return false;
    }
  },
  isValidPublicKey: isValidEd25519PublicKey,
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
  isValidPublicKey(publicKey) {
    try {
      sm2Za(publicKey);
      return true;
    } catch {
      return false;
    }
  },
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

/**
 * SM2 digital signatures (GB/T 32918.2-2016 = GM/T 0003.2-2012) on the recommended 256-bit curve
 * (GB/T 32918.5-2017 = GM/T 0003.5-2012), with SM3 as the hash.
 *
 * Portable TypeScript: the same code signs in the browser SDK and verifies in the node. `@noble/curves` supplies
 * the field and point arithmetic only; the SM2 algorithm (Z_A, e, r, s, the verification equation, the nonce) is
 * written here from the standard, because SM2 is not ECDSA: e is hashed over Z_A ‖ M, r = (e + x1) mod n, and
 * s = (1 + d)⁻¹ · (k − r·d) mod n.
 *
 * Wire forms: public keys are 65-byte uncompressed SEC1 points `04 ‖ X ‖ Y`; secret keys are 32-byte big-endian
 * integers in [1, n − 2]; signatures are 64-byte raw `r ‖ s` (big-endian, 32 bytes each), not DER.
 *
 * Side channels: JavaScript BigInt arithmetic is not constant-time. Scalar multiplication by the secret nonce uses
 * noble's constant-time, blinded multiplication, but the final `s` computation uses ordinary BigInt operations, as every
 * pure-JS SM2/ECDSA implementation does. Keys that need side-channel protection belong in an HSM.
 */

import { invertCt } from '@noble/curves/abstract/modular.js';
import type { WeierstrassOpts, WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { bytesToHex, equalBytes, randomBytes } from './bytes.js';
import { protocolError } from './errors.js';
import { createSm3, hmacSm3 } from './sm3.js';

/** Recommended curve parameters, GB/T 32918.5-2017 §2 (y² = x³ + ax + b over F_p, cofactor 1). */
const CURVE: WeierstrassOpts<bigint> = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

const N = CURVE.n;
type Sm2Point = WeierstrassPoint<bigint>;
const Point = weierstrass(CURVE);
const G = Point.BASE;

/**
 * Window size of the generator's precomputed table. noble defaults to 6; 8 costs a one-off ≈ 0.1 s and ≈ 1.4 MB
 * on first use but makes both the constant-time k·G of signing and the s·G of verification about 25 % cheaper,
 * which is worth it in a process that signs or verifies thousands of times per second.
 */
G.precompute(8);

/** Coordinate byte length, and the 65-byte `04 ‖ X ‖ Y` public key length. */
const COORD_BYTES = 32;
const PUBLIC_KEY_BYTES = 1 + 2 * COORD_BYTES;
const SIGNATURE_BYTES = 2 * COORD_BYTES;
/** ENTL is a 16-bit count of ID *bits*, so an ID can have at most 8191 bytes. */
const MAX_USER_ID_BYTES = 8191;

/** `a ‖ b ‖ xG ‖ yG`, the fixed middle part of every Z_A input. */
const CURVE_PREFIX = new Uint8Array(4 * COORD_BYTES);
CURVE_PREFIX.set(numberToBytesBE(CURVE.a, COORD_BYTES), 0);
CURVE_PREFIX.set(numberToBytesBE(CURVE.b, COORD_BYTES), COORD_BYTES);
CURVE_PREFIX.set(numberToBytesBE(CURVE.Gx, COORD_BYTES), 2 * COORD_BYTES);
CURVE_PREFIX.set(numberToBytesBE(CURVE.Gy, COORD_BYTES), 3 * COORD_BYTES);

const DEFAULT_ID = new TextEncoder().encode('1234567812345678');

/**
 * The GM/T 0009-2012 / GB/T 35276-2017 default user id `1234567812345678`, used whenever no id is given. Chinese
 * CAs, GmSSL/Tongsuo and hardware tokens use the same default, so third-party SM2 software verifies our
 * signatures without configuration (the project's id rule, fixed by ADR). This is a copy: changing it does not
 * change what the functions below use.
 */
export const SM2_DEFAULT_USER_ID: Uint8Array = DEFAULT_ID.slice();

export interface Sm2SignOptions {
  /** Signer identity hashed into Z_A; defaults to `SM2_DEFAULT_USER_ID`. At most 8191 bytes. */
  readonly userId?: Uint8Array;
  /**
   * Fixed nonce, only for reproducing the standard's test vectors. A fixed or repeated k reveals the secret key;
   * never set it in production code.
   */
  readonly k?: bigint;
}

export interface Sm2VerifyOptions {
  /** Signer identity the signature was made for; defaults to `SM2_DEFAULT_USER_ID`. */
  readonly userId?: Uint8Array;
}

/** A fresh secret key: 32 bytes, uniform in [1, n − 2], from `globalThis.crypto.getRandomValues`. */
export function sm2RandomSecretKey(): Uint8Array {
  // Rejection sampling keeps the distribution uniform; n is so close to 2²⁵⁶ that a retry happens with
  // probability ≈ 2⁻³².
  for (;;) {
    const candidate = randomBytes(COORD_BYTES);
    const d = bytesToNumberBE(candidate);
    if (d >= 1n && d <= N - 2n) return candidate;
  }
}

/** The 65-byte uncompressed public key `04 ‖ X ‖ Y` of `secretKey`; KEY_INVALID if the secret key is not valid. */
export function sm2PublicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return signerFor(secretKey).publicKey.slice();
}

/**
 * Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2-2016 §5.5), the hash that binds the
 * signer's identity and key into every signature. KEY_INVALID for a malformed public key, FIELD_INVALID for an id that
 * does not fit the 16-bit ENTL.
 */
export function sm2Za(publicKey: Uint8Array, userId: Uint8Array = DEFAULT_ID): Uint8Array {
  if (decodePublicKey(publicKey) === undefined) {
    throw protocolError('KEY_INVALID', 'SM2 public key must be a 65-byte uncompressed point on the curve', {
      field: 'publicKey',
    });
  }
  assertUserId(userId);
  return computeZa(publicKey, userId);
}

/**
 * Signs `message` (GB/T 32918.2-2016 §6.1) and returns the 64-byte raw signature `r ‖ s`.
 *
 * The nonce is hedged: an RFC 6979 HMAC-DRBG (with HMAC-SM3) seeded with the secret key, e and 32 fresh random
 * bytes. A broken or predictable random generator therefore cannot leak the key (the output is still a
 * deterministic function of key and message), and a fault attack that exploits purely deterministic nonces no
 * longer has a fixed target.
 */
export function sm2Sign(secretKey: Uint8Array, message: Uint8Array, options: Sm2SignOptions = {}): Uint8Array {
  const signer = signerFor(secretKey);
  if (!(message instanceof Uint8Array)) {
    throw protocolError('FIELD_INVALID', 'message must be a Uint8Array', { field: 'message' });
  }
  const { userId, k: fixedK } = options;
  let za = signer.zaDefault;
  if (userId !== undefined) {
    assertUserId(userId);
    if (!equalBytes(userId, DEFAULT_ID)) za = computeZa(signer.publicKey, userId);
  }
  const eBytes = messageDigest(za, message);
  const e = bytesToNumberBE(eBytes);
  const { d, invOnePlusD } = signer;

  const attempt = (k: bigint): Uint8Array | undefined => {
    const x1 = G.multiply(k).toAffine().x;
    const r = (e + x1) % N;
    // §6.1 A5/A6: the standard draws a new k when r = 0 or r + k = n (then s = −r: a degenerate signature that
    // no longer depends on d), or when s = 0.
    if (r === 0n || r + k === N) return undefined;
    const s = (invOnePlusD * mod(k - r * d)) % N;
    if (s === 0n) return undefined;
    const out = new Uint8Array(SIGNATURE_BYTES);
    out.set(numberToBytesBE(r, COORD_BYTES), 0);
    out.set(numberToBytesBE(s, COORD_BYTES), COORD_BYTES);
    return out;
  };

  if (fixedK !== undefined) {
    if (typeof fixedK !== 'bigint' || fixedK < 1n || fixedK >= N) {
      throw protocolError('FIELD_INVALID', 'options.k must be in [1, n − 1]', { field: 'k' });
    }
    const signature = attempt(fixedK);
    if (signature === undefined) {
      throw protocolError('FIELD_INVALID', 'options.k gives a degenerate signature (r = 0, r + k = n or s = 0)', {
        field: 'k',
      });
    }
    return signature;
  }

  const nextK = nonceGenerator(signer.secretKey, numberToBytesBE(e % N, COORD_BYTES), randomBytes(32));
  for (;;) {
    const signature = attempt(nextK());
    if (signature !== undefined) return signature;
  }
}

/**
 * Verifies a 64-byte raw `r ‖ s` signature (GB/T 32918.2-2016 §7.1). Returns false, never throws, for anything
 * malformed: wrong lengths or types, r or s outside [1, n − 1], a public key that is not a valid curve point, an
 * id longer than ENTL allows.
 */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2VerifyOptions = {},
): boolean {
  try {
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
    if (!(message instanceof Uint8Array)) return false;
    const r = bytesToNumberBE(signature.subarray(0, COORD_BYTES));
    const s = bytesToNumberBE(signature.subarray(COORD_BYTES));
    if (r < 1n || r >= N || s < 1n || s >= N) return false; // B1, B2
    const t = (r + s) % N;
    if (t === 0n) return false; // B5

    const key = cachedPublicKey(publicKey);
    if (key === undefined) return false;
    const userId = options.userId;
    let za = key.zaDefault;
    if (userId !== undefined) {
      if (!isValidUserId(userId)) return false;
      if (!equalBytes(userId, DEFAULT_ID)) za = computeZa(key.encoded, userId);
    }
    const e = bytesToNumberBE(messageDigest(za, message)); // B3, B4

    // B6: (x1', y1') = [s']G + [t]P_A. Two table-driven multiplications when P_A has a table; otherwise the
    // G part still uses G's table and only P_A's part runs the slower table-less wNAF.
    const R = G.multiplyUnsafe(s).add((key.table ?? key.point).multiplyUnsafe(t));
    if (R.is0()) return false;
    return (e + R.toAffine().x) % N === r; // B7
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------------------------

function mod(x: bigint): bigint {
  const r = x % N;
  return r < 0n ? r + N : r;
}

function isValidUserId(userId: unknown): userId is Uint8Array {
  return userId instanceof Uint8Array && userId.length <= MAX_USER_ID_BYTES;
}

function assertUserId(userId: unknown): asserts userId is Uint8Array {
  if (!isValidUserId(userId)) {
    throw protocolError('FIELD_INVALID', `SM2 user id must be a Uint8Array of at most ${MAX_USER_ID_BYTES} bytes`, {
      field: 'userId',
    });
  }
}

/** Z_A over an already validated 65-byte public key. */
function computeZa(publicKey: Uint8Array, userId: Uint8Array): Uint8Array {
  const entl = userId.length * 8;
  return createSm3()
    .update(Uint8Array.of(entl >>> 8, entl & 0xff))
    .update(userId)
    .update(CURVE_PREFIX)
    .update(publicKey.subarray(1, PUBLIC_KEY_BYTES))
    .digest();
}

/** e = SM3(Z_A ‖ M), streamed so that large messages are not copied. */
function messageDigest(za: Uint8Array, message: Uint8Array): Uint8Array {
  return createSm3().update(za).update(message).digest();
}

/**
 * Decodes and validates a public key: exactly `04 ‖ X ‖ Y`, coordinates below p, on the curve (GB/T 32918.1-2016
 * §6.2.1; with cofactor 1 every such point has order n). Compressed and hybrid forms are rejected so that every
 * key has one encoding. Returns undefined instead of throwing.
 */
function decodePublicKey(publicKey: unknown): Sm2Point | undefined {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES || publicKey[0] !== 0x04) {
    return undefined;
  }
  try {
    return Point.fromBytes(publicKey);
  } catch {
    return undefined;
  }
}

// --- Verification cache ------------------------------------------------------------------------------------------

interface CachedPublicKey {
  readonly point: Sm2Point;
  /** Private copy of the 65 bytes, so a caller mutating its array cannot change what Z_A is computed over. */
  readonly encoded: Uint8Array;
  readonly zaDefault: Uint8Array;
  /** Verifications since this key last got (or lost) its table. */
  uses: number;
  /** The same point with a window-6 table attached by noble; present only for frequently used keys. */
  table: Sm2Point | undefined;
}

/**
 * Decoding a key and hashing its Z_A costs ≈ 20 µs; the table-less P_A multiplication ≈ 1.3 ms against ≈ 0.2 ms
 * with a table. A node verifies many transactions from a modest set of signers, so keys are cached (decoded point,
 * default Z_A) in an LRU map, and a key that keeps coming back also gets a precomputed window table.
 *
 * Tables are bounded separately because they are large (window 6: 44 × 32 points, ≈ 180 KB each; 256 of them
 * ≈ 46 MB) and cost ≈ 15 ms to build. A key earns a table only after `TABLE_AFTER_USES` verifications, so
 * one-off keys (most citizens, or an attacker spraying fresh keys) never trigger a build, and when tables thrash
 * the build cost is spread over at least that many verifications.
 */
const KEY_CACHE_ENTRIES = 4096;
const TABLE_ENTRIES = 256;
const TABLE_AFTER_USES = 8;
const TABLE_WINDOW = 6;

const keyCache = new Map<string, CachedPublicKey>();
let tableCount = 0;

function cachedPublicKey(publicKey: unknown): CachedPublicKey | undefined {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES || publicKey[0] !== 0x04) {
    return undefined;
  }
  const id = bytesToHex(publicKey);
  let entry = keyCache.get(id);
  if (entry !== undefined) {
    // Re-insert so that Map iteration order is least-recently-used first.
    keyCache.delete(id);
    keyCache.set(id, entry);
  } else {
    const point = decodePublicKey(publicKey);
    // Invalid keys are not cached: they cost only a decode, and caching them would let garbage evict real keys.
    if (point === undefined) return undefined;
    const encoded = publicKey.slice();
    entry = { point, encoded, zaDefault: computeZa(encoded, DEFAULT_ID), uses: 0, table: undefined };
    keyCache.set(id, entry);
    if (keyCache.size > KEY_CACHE_ENTRIES) evictOldestKey();
  }
  if (entry.table === undefined && ++entry.uses >= TABLE_AFTER_USES) attachTable(entry);
  return entry;
}

function evictOldestKey(): void {
  for (const [id, entry] of keyCache) {
    keyCache.delete(id);
    if (entry.table !== undefined) tableCount--;
    return;
  }
}

function attachTable(entry: CachedPublicKey): void {
  if (tableCount >= TABLE_ENTRIES) {
    // Take the table of the least recently used key that has one (the map iterates oldest first).
    for (const other of keyCache.values()) {
      if (other.table !== undefined && other !== entry) {
        other.table = undefined;
        other.uses = 0;
        tableCount--;
        break;
      }
    }
  }
  // A separate point object carries the table: noble keys tables by object identity (in a WeakMap), so dropping
  // this reference frees the table while the plain decoded point stays cached.
  const { X, Y, Z } = entry.point;
  entry.table = new Point(X, Y, Z).precompute(TABLE_WINDOW);
  entry.uses = 0;
  tableCount++;
}

// --- Signing -----------------------------------------------------------------------------------------------------

interface Signer {
  /** Private copy, compared on every use: the cache is keyed by array identity and the caller may reuse it. */
  readonly secretKey: Uint8Array;
  readonly d: bigint;
  readonly invOnePlusD: bigint;
  readonly publicKey: Uint8Array;
  readonly zaDefault: Uint8Array;
}

/**
 * Deriving P_A = d·G (for Z_A) costs as much as the signature's own k·G, so the derived values are remembered per
 * secret-key array. A WeakMap ties the entry's lifetime to the caller's array: nothing outlives the key it came
 * from, and no secret is ever a map key or a string.
 */
const signers = new WeakMap<Uint8Array, Signer>();

function signerFor(secretKey: unknown): Signer {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== COORD_BYTES) {
    throw protocolError('KEY_INVALID', 'SM2 secret key must be 32 bytes', { field: 'secretKey' });
  }
  const cached = signers.get(secretKey);
  if (cached !== undefined && equalBytes(cached.secretKey, secretKey)) return cached;
  const d = bytesToNumberBE(secretKey);
  // d = n − 1 is excluded by the standard: 1 + d would be 0 mod n and have no inverse.
  if (d < 1n || d > N - 2n) {
    throw protocolError('KEY_INVALID', 'SM2 secret key must be in [1, n − 2]', { field: 'secretKey' });
  }
  const publicKey = G.multiply(d).toBytes(false);
  const signer: Signer = {
    secretKey: secretKey.slice(),
    d,
    // Constant-time (Fermat) inversion: 1 + d is secret, and the variable-time Euclidean inverse would leak
    // timing about it. It runs once per key, so its extra cost does not matter.
    invOnePlusD: invertCt(1n + d, N),
    publicKey,
    zaDefault: computeZa(publicKey, DEFAULT_ID),
  };
  signers.set(secretKey, signer);
  return signer;
}

/**
 * RFC 6979 §3.2 HMAC-DRBG with HMAC-SM3, seeded with int2octets(d) ‖ bits2octets(e) ‖ extra (the RFC's §3.6
 * "additional data" variant, which is how the random hedge enters). Each call returns the next candidate k in
 * [1, n − 1]; qlen = hlen = 256, so one HMAC output is one candidate.
 */
function nonceGenerator(secretKey: Uint8Array, eModN: Uint8Array, extra: Uint8Array): () => bigint {
  let V: Uint8Array = new Uint8Array(32).fill(0x01);
  let K: Uint8Array = new Uint8Array(32);
  const seed = new Uint8Array(secretKey.length + eModN.length + extra.length);
  seed.set(secretKey, 0);
  seed.set(eModN, secretKey.length);
  seed.set(extra, secretKey.length + eModN.length);
  // HMAC_K(V ‖ separator ‖ data)
  const hmacWith = (separator: number, data: Uint8Array = new Uint8Array(0)): Uint8Array => {
    const input = new Uint8Array(V.length + 1 + data.length);
    input.set(V, 0);
    input[V.length] = separator;
    input.set(data, V.length + 1);
    return hmacSm3(K, input);
  };
  K = hmacWith(0x00, seed);
  V = hmacSm3(K, V);
  K = hmacWith(0x01, seed);
  V = hmacSm3(K, V);
  seed.fill(0);
  let first = true;
  return () => {
    for (;;) {
      if (!first) {
        K = hmacWith(0x00);
        V = hmacSm3(K, V);
      }
      first = false;
      V = hmacSm3(K, V);
      const k = bytesToNumberBE(V);
      if (k >= 1n && k < N) return k;
    }
  };
}

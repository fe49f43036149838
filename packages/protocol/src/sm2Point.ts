/**
 * SEC 1 (v2, §2.3.3–2.3.4) point compression for SM2 public keys: the 65-byte uncompressed `04 ‖ X ‖ Y` form used
 * everywhere in the protocol, and the 33-byte compressed `02|03 ‖ X` form that did:key (multicodec `sm2-pub`) carries.
 */

import { pow } from '@noble/curves/abstract/modular.js';
import { protocolError } from './errors.js';

/** The recommended curve y² = x³ + ax + b over F_p (GB/T 32918.5-2017 §2); cofactor 1. */
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
/** p ≡ 3 (mod 4), so a square root of a quadratic residue c is c^((p+1)/4) mod p. */
const SQRT_EXPONENT = (P + 1n) / 4n;

function keyInvalid(message: string): never {
  throw protocolError('KEY_INVALID', message, { field: 'publicKey' });
}

function toNumber(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function toBytes32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** x³ + ax + b mod p. */
function curveRhs(x: bigint): bigint {
  return (((((x * x) % P) * x) % P) + ((A * x) % P) + B) % P;
}

/**
 * `02|03 ‖ X` of a 65-byte uncompressed key (the prefix carries the parity of Y). KEY_INVALID unless the input is
 * `04 ‖ X ‖ Y` with coordinates below p on the curve (with cofactor 1, every such point is a valid public key).
 */
export function sm2CompressPublicKey(pub65: Uint8Array): Uint8Array {
  if (!(pub65 instanceof Uint8Array) || pub65.length !== 65 || pub65[0] !== 0x04) {
    keyInvalid('SM2 public key must be 65 bytes 04 ‖ X ‖ Y');
  }
  const x = toNumber(pub65.subarray(1, 33));
  const y = toNumber(pub65.subarray(33, 65));
  if (x >= P || y >= P || (y * y) % P !== curveRhs(x)) keyInvalid('SM2 public key is not a point on the curve');
  const out = new Uint8Array(33);
  out[0] = 0x02 | Number(y & 1n);
  out.set(pub65.subarray(1, 33), 1);
  return out;
}

/**
 * The 65-byte `04 ‖ X ‖ Y` form of a compressed key: Y = √(X³ + aX + b) with the parity the prefix names.
 * KEY_INVALID when the prefix is not 02/03, X ≥ p, or X³ + aX + b has no square root (X is not on the curve).
 */
export function sm2DecompressPublicKey(pub33: Uint8Array): Uint8Array {
  if (!(pub33 instanceof Uint8Array) || pub33.length !== 33 || (pub33[0] !== 0x02 && pub33[0] !== 0x03)) {
    keyInvalid('compressed SM2 public key must be 33 bytes 02|03 ‖ X');
  }
  const x = toNumber(pub33.subarray(1));
  if (x >= P) keyInvalid('compressed SM2 public key has X ≥ p');
  const rhs = curveRhs(x);
  let y = pow(rhs, SQRT_EXPONENT, P);
  if ((y * y) % P !== rhs) keyInvalid('compressed SM2 public key is not a point on the curve');
  if (Number(y & 1n) !== (pub33[0]! & 1)) y = P - y;
  // y ≠ 0 here: a point (x, 0) would have order 2, and the curve's order n is an odd prime.
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(pub33.subarray(1), 1);
  out.set(toBytes32(y), 33);
  return out;
}

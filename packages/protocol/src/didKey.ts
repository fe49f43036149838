/**
 * did:key (W3C CCG did-method-key) for the public keys of both suites:
 *
 *   did:key:z<base58btc(multicodec varint ‖ key)>
 *
 * - Ed25519: multicodec `ed25519-pub` 0xed (varint `ed 01`) ‖ the 32-byte key → the familiar `did:key:z6Mk…`.
 * - SM2: multicodec `sm2-pub` 0x1206 (varint `86 24`) ‖ the 33-byte compressed point (SEC 1 §2.3.3), which is
 *   decompressed to the protocol's 65-byte `04 ‖ X ‖ Y` form when decoding.
 *
 * Only these two forms are accepted, and only for keys the suite accepts (`isValidPublicKey`); anything else is
 * `DID_INVALID`. The encoding is canonical: each key has exactly one did:key and decoding re-encodes to check it.
 */

import { base58 } from '@scure/base';
import { concatBytes } from './bytes.js';
import { protocolError } from './errors.js';
import { sm2CompressPublicKey, sm2DecompressPublicKey } from './sm2Point.js';
import { ed25519Sha256Portable, portableSuite, SuiteId, sm2Sm3Portable } from './suite.js';

const PREFIX = 'did:key:z';
const ED25519_CODEC = Uint8Array.of(0xed, 0x01);
const SM2_CODEC = Uint8Array.of(0x86, 0x24);
/** Longer than any did:key of ours (an SM2 one has 9 + 48 characters); bounds base58's quadratic decoding. */
const MAX_DID_LENGTH = 128;

export interface DidKeyPublicKey {
  readonly suite: SuiteId;
  readonly publicKey: Uint8Array;
}

function didInvalid(reason: string, cause?: unknown): never {
  throw protocolError('DID_INVALID', `not a did:key of the chain suites: ${reason}`, { reason }, cause);
}

/** The did:key of `publicKey` (32-byte Ed25519 or 65-byte SM2); SUITE_UNKNOWN or KEY_INVALID for bad input. */
export function didKeyFromPublicKey(suiteId: SuiteId, publicKey: Uint8Array): string {
  const suite = portableSuite(suiteId);
  if (!(publicKey instanceof Uint8Array) || !suite.isValidPublicKey(publicKey)) {
    throw protocolError('KEY_INVALID', `public key is not a valid ${suite.id} key`, { field: 'publicKey' });
  }
  const payload =
    suite.id === SuiteId.ed25519Sha256
      ? concatBytes(ED25519_CODEC, publicKey)
      : concatBytes(SM2_CODEC, sm2CompressPublicKey(publicKey));
  return PREFIX + base58.encode(payload);
}

/** The suite and public key (Ed25519 32 bytes, SM2 65 bytes uncompressed) named by a did:key. */
export function publicKeyFromDidKey(did: string): DidKeyPublicKey {
  if (typeof did !== 'string' || did.length > MAX_DID_LENGTH) didInvalid('not a string of at most 128 characters');
  if (!did.startsWith(PREFIX)) didInvalid('must start with did:key:z (multibase base58btc)');
  let payload: Uint8Array;
  try {
    payload = base58.decode(did.slice(PREFIX.length));
  } catch (cause) {
    return didInvalid('bad base58btc', cause);
  }
  let result: DidKeyPublicKey;
  if (payload.length === 34 && payload[0] === ED25519_CODEC[0] && payload[1] === ED25519_CODEC[1]) {
    const publicKey = payload.slice(2);
    if (!ed25519Sha256Portable.isValidPublicKey(publicKey)) didInvalid('not a valid Ed25519 public key');
    result = { suite: SuiteId.ed25519Sha256, publicKey };
  } else if (payload.length === 35 && payload[0] === SM2_CODEC[0] && payload[1] === SM2_CODEC[1]) {
    let publicKey: Uint8Array;
    try {
      publicKey = sm2DecompressPublicKey(payload.subarray(2));
    } catch (cause) {
      return didInvalid('not a valid compressed SM2 public key', cause);
    }
    if (!sm2Sm3Portable.isValidPublicKey(publicKey)) didInvalid('not a valid SM2 public key');
    result = { suite: SuiteId.sm2Sm3, publicKey };
  } else {
    return didInvalid('multicodec is not ed25519-pub (0xed) or sm2-pub (0x1206), or the key length is wrong');
  }
  // base58 has one encoding per byte string, and the key forms above are canonical, so this holds for every
  // accepted input; it is checked anyway so that "one key, one DID" never depends on a library detail.
  if (didKeyFromPublicKey(result.suite, result.publicKey) !== did) didInvalid('not the canonical encoding');
  return result;
}

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import fc from 'fast-check';
import { sm2 as smCrypto } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../src/bytes.js';
import {
  SM2_DEFAULT_USER_ID,
  sm2PublicKeyFromSecret,
  sm2RandomSecretKey,
  sm2Sign,
  sm2Verify,
  sm2Za,
} from '../src/sm2.js';
import { sm3 } from '../src/sm3.js';

// Fixed seed: the property tests explore many inputs, and every run sees the same ones.
const SEED = 0x5a2;

/** Curve order n and field prime p of the recommended curve (GB/T 32918.5-2017). */
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;

const EMPTY_ID = new Uint8Array(0);

/** Upper-case, optionally spaced hex as printed in the standards → bytes. */
function vec(hex: string): Uint8Array {
  return hexToBytes(hex.replace(/\s+/g, '').toLowerCase());
}

function be32(x: bigint): Uint8Array {
  return vec(x.toString(16).padStart(64, '0'));
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

function withBitFlipped(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

const secretKeyArb = fc
  .oneof(
    { weight: 10, arbitrary: fc.bigInt({ min: 1n, max: N - 2n }) },
    { weight: 1, arbitrary: fc.constantFrom(1n, 2n, N - 2n, N - 3n) },
  )
  .map(be32);

// ---------------------------------------------------------------------------------------------------------------
// The standard's worked example on the recommended curve
// ---------------------------------------------------------------------------------------------------------------

/**
 * Signature example on the recommended curve published with GM/T 0003.5-2012 / GB/T 32918.5 (ID = the default
 * `1234567812345678`, M = "message digest"). The values were cross-checked in several independent public
 * implementations' test suites before being pinned here.
 *
 * The better-known example with ID `ALICE123@YAHOO.COM` (Z_A = F4A38489…, r = 40F1EC59…) belongs to GB/T 32918.2
 * Annex A and uses the Annex's *example* curve (p = 8542D69E…), not the recommended one, so it cannot be checked
 * against this curve-specific implementation.
 */
const STANDARD = {
  d: '3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8',
  xA: '09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020',
  yA: 'CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13',
  za: 'B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3',
  e: 'F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640',
  k: '59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21',
  r: 'F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3',
  s: 'B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA',
  message: 'message digest',
  userId: '1234567812345678',
} as const;

describe('SM2 standard example (recommended curve)', () => {
  const d = vec(STANDARD.d);
  const publicKey = concatBytes(Uint8Array.of(4), vec(STANDARD.xA), vec(STANDARD.yA));
  const message = utf8ToBytes(STANDARD.message);
  const signature = concatBytes(vec(STANDARD.r), vec(STANDARD.s));

  it('the default user id is 1234567812345678', () => {
    expect(SM2_DEFAULT_USER_ID).toEqual(utf8ToBytes(STANDARD.userId));
  });

  it('derives P_A = d·G', () => {
    expect(bytesToHex(sm2PublicKeyFromSecret(d))).toBe(bytesToHex(publicKey));
  });

  it('computes Z_A and e = SM3(Z_A ‖ M)', () => {
    const za = sm2Za(publicKey);
    expect(bytesToHex(za)).toBe(bytesToHex(vec(STANDARD.za)));
    expect(bytesToHex(sm2Za(publicKey, utf8ToBytes(STANDARD.userId)))).toBe(bytesToHex(za));
    expect(bytesToHex(sm3(concatBytes(za, message)))).toBe(bytesToHex(vec(STANDARD.e)));
  });

  it('signs with the given k to exactly (r, s)', () => {
    const k = bytesToBigInt(vec(STANDARD.k));
    expect(bytesToHex(sm2Sign(d, message, { k }))).toBe(bytesToHex(signature));
    expect(bytesToHex(sm2Sign(d, message, { k, userId: utf8ToBytes(STANDARD.userId) }))).toBe(bytesToHex(signature));
  });

  it('verifies (r, s), and so does sm-crypto-v2', () => {
    expect(sm2Verify(publicKey, message, signature)).toBe(true);
    expect(smCrypto.doVerifySignature(message, bytesToHex(signature), bytesToHex(publicKey), { hash: true })).toBe(
      true,
    );
  });

  it('rejects (r, s) under another user id', () => {
    expect(sm2Verify(publicKey, message, signature, { userId: utf8ToBytes('ALICE123@YAHOO.COM') })).toBe(false);
    expect(sm2Verify(publicKey, message, signature, { userId: EMPTY_ID })).toBe(false);
  });

  it('rejects a fixed k outside [1, n − 1] with FIELD_INVALID', () => {
    for (const k of [0n, N, N + 1n, -1n]) {
      expect(() => sm2Sign(d, message, { k })).toThrowError(expect.objectContaining({ code: 'FIELD_INVALID' }));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------------------------

describe('SM2 keys', () => {
  it('sm2RandomSecretKey returns distinct 32-byte keys in [1, n − 2]', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = sm2RandomSecretKey();
      expect(key).toBeInstanceOf(Uint8Array);
      expect(key.length).toBe(32);
      const d = bytesToBigInt(key);
      expect(d >= 1n && d <= N - 2n).toBe(true);
      seen.add(bytesToHex(key));
    }
    expect(seen.size).toBe(200);
  });

  it('public keys are 65-byte 04 ‖ X ‖ Y and agree with sm-crypto-v2', () => {
    fc.assert(
      fc.property(secretKeyArb, (secretKey) => {
        const publicKey = sm2PublicKeyFromSecret(secretKey);
        expect(publicKey.length).toBe(65);
        expect(publicKey[0]).toBe(4);
        expect(bytesToHex(publicKey)).toBe(smCrypto.getPublicKeyFromPrivateKey(bytesToHex(secretKey)));
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it('rejects bad secret keys with KEY_INVALID (length, 0, n − 1, n, above n, not bytes)', () => {
    const bad: unknown[] = [
      new Uint8Array(0),
      new Uint8Array(31).fill(1),
      new Uint8Array(33).fill(1),
      new Uint8Array(64).fill(1),
      new Uint8Array(32),
      be32(N - 1n),
      be32(N),
      be32(N + 1n),
      new Uint8Array(32).fill(0xff),
      bytesToHex(be32(5n)),
      undefined,
    ];
    const message = utf8ToBytes('m');
    for (const key of bad) {
      const code = expect.objectContaining({ code: 'KEY_INVALID' });
      expect(() => sm2PublicKeyFromSecret(key as Uint8Array)).toThrowError(code);
      expect(() => sm2Sign(key as Uint8Array, message)).toThrowError(code);
    }
  });

  it('the boundary secret keys 1 and n − 2 work', () => {
    for (const d of [1n, N - 2n]) {
      const secretKey = be32(d);
      const message = utf8ToBytes('boundary');
      expect(sm2Verify(sm2PublicKeyFromSecret(secretKey), message, sm2Sign(secretKey, message))).toBe(true);
    }
    // 1·G is G itself.
    expect(bytesToHex(sm2PublicKeyFromSecret(be32(1n)))).toBe(
      '0432c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7' +
        'bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0',
    );
  });

  it('sm2Za rejects malformed public keys with KEY_INVALID and over-long ids with FIELD_INVALID', () => {
    const publicKey = sm2PublicKeyFromSecret(sm2RandomSecretKey());
    const code = expect.objectContaining({ code: 'KEY_INVALID' });
    expect(() => sm2Za(publicKey.subarray(0, 64))).toThrowError(code);
    expect(() => sm2Za(withBitFlipped(publicKey, 64 * 8 - 1))).toThrowError(code);
    expect(() => sm2Za(publicKey, new Uint8Array(8192))).toThrowError(
      expect.objectContaining({ code: 'FIELD_INVALID' }),
    );
    // 8191 bytes is the longest id whose bit length fits the 16-bit ENTL.
    expect(sm2Za(publicKey, new Uint8Array(8191)).length).toBe(32);
  });

  it('a secret-key array reused for another key signs with the new key', () => {
    const first = sm2RandomSecretKey();
    const second = sm2RandomSecretKey();
    const message = utf8ToBytes('reused buffer');
    const buffer = first.slice();
    expect(sm2Verify(sm2PublicKeyFromSecret(first), message, sm2Sign(buffer, message))).toBe(true);
    buffer.set(second);
    expect(bytesToHex(sm2PublicKeyFromSecret(buffer))).toBe(bytesToHex(sm2PublicKeyFromSecret(second)));
    expect(sm2Verify(sm2PublicKeyFromSecret(second), message, sm2Sign(buffer, message))).toBe(true);
  });

  it('changing a returned public key does not affect later results', () => {
    const secretKey = sm2RandomSecretKey();
    const original = bytesToHex(sm2PublicKeyFromSecret(secretKey));
    const returned = sm2PublicKeyFromSecret(secretKey);
    returned[10]! ^= 0xff;
    expect(bytesToHex(sm2PublicKeyFromSecret(secretKey))).toBe(original);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trips and rejections
// ---------------------------------------------------------------------------------------------------------------

describe('SM2 sign/verify', () => {
  it('round-trips for random keys, messages and user ids, and binds all three', () => {
    const args = fc.record({
      secretKey: secretKeyArb,
      message: fc.uint8Array({ maxLength: 300 }),
      userId: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(args, ({ secretKey, message, userId }) => {
        const publicKey = sm2PublicKeyFromSecret(secretKey);
        const options = userId === undefined ? {} : { userId };
        const signature = sm2Sign(secretKey, message, options);
        expect(signature.length).toBe(64);
        expect(sm2Verify(publicKey, message, signature, options)).toBe(true);
        expect(sm2Verify(publicKey, concatBytes(message, Uint8Array.of(0)), signature, options)).toBe(false);
        const otherId = concatBytes(userId ?? SM2_DEFAULT_USER_ID, Uint8Array.of(1));
        expect(sm2Verify(publicKey, message, signature, { userId: otherId })).toBe(false);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('an explicit default id is the same as no id', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const message = utf8ToBytes('same id');
    const signature = sm2Sign(secretKey, message, { userId: utf8ToBytes('1234567812345678') });
    expect(sm2Verify(publicKey, message, signature)).toBe(true);
  });

  it('the nonce is hedged: signing twice gives two different valid signatures', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const message = utf8ToBytes('same message');
    const a = sm2Sign(secretKey, message);
    const b = sm2Sign(secretKey, message);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(sm2Verify(publicKey, message, a)).toBe(true);
    expect(sm2Verify(publicKey, message, b)).toBe(true);
  });

  it('an over-long user id is FIELD_INVALID when signing and false when verifying', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const message = utf8ToBytes('id');
    const longest = new Uint8Array(8191).fill(0x61);
    const signature = sm2Sign(secretKey, message, { userId: longest });
    expect(sm2Verify(publicKey, message, signature, { userId: longest })).toBe(true);
    const tooLong = new Uint8Array(8192);
    expect(() => sm2Sign(secretKey, message, { userId: tooLong })).toThrowError(
      expect.objectContaining({ code: 'FIELD_INVALID' }),
    );
    expect(sm2Verify(publicKey, message, signature, { userId: tooLong })).toBe(false);
  });

  describe('rejects', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const message = utf8ToBytes('政务数据共享 transaction 42');
    const signature = sm2Sign(secretKey, message);
    const r = bytesToBigInt(signature.subarray(0, 32));
    const s = bytesToBigInt(signature.subarray(32));
    const sig = (rr: bigint, ss: bigint) => concatBytes(be32(rr), be32(ss));

    it('accepts the untouched signature (control)', () => {
      expect(sm2Verify(publicKey, message, signature)).toBe(true);
    });

    it('any flipped bit in r, s, the message or the public key', () => {
      for (let bit = 0; bit < 512; bit++) {
        expect(sm2Verify(publicKey, message, withBitFlipped(signature, bit)), `signature bit ${bit}`).toBe(false);
      }
      for (let bit = 0; bit < message.length * 8; bit++) {
        expect(sm2Verify(publicKey, withBitFlipped(message, bit), signature), `message bit ${bit}`).toBe(false);
      }
      for (let bit = 0; bit < 65 * 8; bit++) {
        expect(sm2Verify(withBitFlipped(publicKey, bit), message, signature), `key bit ${bit}`).toBe(false);
      }
    });

    it('r or s equal to 0, n or above n, and r + s = n', () => {
      const max = (1n << 256n) - 1n;
      const cases = [
        sig(0n, s),
        sig(r, 0n),
        sig(N, s),
        sig(r, N),
        sig(N + 1n, s),
        sig(r, N + 1n),
        sig(max, s),
        sig(r, max),
        sig(r, N - r), // t = (r + s) mod n = 0
      ];
      for (const c of cases) expect(sm2Verify(publicKey, message, c)).toBe(false);
      // r + n ≡ r (mod n): a second encoding of the same value must not verify either.
      if (r + N <= max) expect(sm2Verify(publicKey, message, sig(r + N, s))).toBe(false);
      if (s + N <= max) expect(sm2Verify(publicKey, message, sig(r, s + N))).toBe(false);
    });

    it('wrong signature and public key lengths, and non-uncompressed encodings', () => {
      expect(sm2Verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
      expect(sm2Verify(publicKey, message, concatBytes(signature, Uint8Array.of(0)))).toBe(false);
      expect(sm2Verify(publicKey, message, new Uint8Array(0))).toBe(false);
      expect(sm2Verify(publicKey.subarray(1), message, signature)).toBe(false);
      expect(sm2Verify(concatBytes(publicKey, Uint8Array.of(0)), message, signature)).toBe(false);
      // The same point in compressed form (02/03 ‖ X) and hybrid form (06/07 ‖ X ‖ Y) is refused: one encoding.
      const yOdd = (publicKey[64]! & 1) === 1;
      expect(sm2Verify(concatBytes(Uint8Array.of(yOdd ? 3 : 2), publicKey.subarray(1, 33)), message, signature)).toBe(
        false,
      );
      expect(sm2Verify(concatBytes(Uint8Array.of(yOdd ? 7 : 6), publicKey.subarray(1)), message, signature)).toBe(
        false,
      );
    });

    it('public keys that are not points of the curve', () => {
      const x = publicKey.subarray(1, 33);
      const y = publicKey.subarray(33);
      const offCurve = concatBytes(Uint8Array.of(4), x, be32((bytesToBigInt(y) + 1n) % P));
      expect(sm2Verify(offCurve, message, signature)).toBe(false);
      expect(sm2Verify(new Uint8Array(65).fill(0).fill(4, 0, 1), message, signature)).toBe(false);
      // Coordinates must be below p (no second encoding of a coordinate x as x + p).
      const xPlusP = bytesToBigInt(x) + P;
      if (xPlusP < 1n << 256n) {
        expect(sm2Verify(concatBytes(Uint8Array.of(4), be32(xPlusP), y), message, signature)).toBe(false);
      }
      expect(sm2Verify(concatBytes(Uint8Array.of(4), be32(P), y), message, signature)).toBe(false);
    });

    it('garbage of any type, without throwing', () => {
      const anything = fc.anything({ withTypedArray: true, withBigInt: true, withNullPrototype: true });
      fc.assert(
        fc.property(anything, anything, anything, (a, b, c) => {
          expect(sm2Verify(a as Uint8Array, b as Uint8Array, c as Uint8Array)).toBe(false);
          expect(sm2Verify(publicKey, message, c as Uint8Array)).toBe(false);
          expect(sm2Verify(a as Uint8Array, message, signature)).toBe(false);
        }),
        { seed: SEED, numRuns: 300 },
      );
      expect(sm2Verify(publicKey, message, signature, { userId: 'abc' as unknown as Uint8Array })).toBe(false);
      expect(sm2Verify(publicKey, 'text' as unknown as Uint8Array, signature)).toBe(false);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The verification cache
// ---------------------------------------------------------------------------------------------------------------

describe('SM2 verification cache', () => {
  it('a hot key (table built after repeated use) keeps accepting good and rejecting bad signatures', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    for (let i = 0; i < 30; i++) {
      const message = utf8ToBytes(`tx ${i}`);
      const signature = sm2Sign(secretKey, message);
      expect(sm2Verify(publicKey, message, signature)).toBe(true);
      expect(sm2Verify(publicKey, utf8ToBytes(`tx ${i + 1}`), signature)).toBe(false);
      expect(sm2Verify(publicKey, message, signature, { userId: EMPTY_ID })).toBe(false);
    }
  });

  it('is keyed by content: mutating the caller array after a verify changes the answer accordingly', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const message = utf8ToBytes('content-keyed');
    const signature = sm2Sign(secretKey, message);
    expect(sm2Verify(publicKey, message, signature)).toBe(true);
    publicKey[40]! ^= 1;
    expect(sm2Verify(publicKey, message, signature)).toBe(false);
    publicKey[40]! ^= 1;
    expect(sm2Verify(publicKey, message, signature)).toBe(true);
  });

  it('stays correct while more hot keys compete than there are tables (256)', () => {
    // 260 keys, each verified often enough to earn a table, so tables are evicted and rebuilt. Slow (≈ 8 s).
    const keys = Array.from({ length: 260 }, () => {
      const secretKey = sm2RandomSecretKey();
      const publicKey = sm2PublicKeyFromSecret(secretKey);
      const message = utf8ToBytes(bytesToHex(publicKey));
      return { publicKey, message, signature: sm2Sign(secretKey, message) };
    });
    for (let round = 0; round < 9; round++) {
      for (const { publicKey, message, signature } of keys) {
        expect(sm2Verify(publicKey, message, signature)).toBe(true);
      }
    }
    for (const { publicKey, message, signature } of keys) {
      expect(sm2Verify(publicKey, message, withBitFlipped(signature, 7))).toBe(false);
      expect(sm2Verify(publicKey, withBitFlipped(message, 0), signature)).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Cross-implementation: sm-crypto-v2 (default id 1234567812345678)
// ---------------------------------------------------------------------------------------------------------------

describe('SM2 interoperability with sm-crypto-v2', () => {
  const userIdArb = fc.option(fc.string({ unit: 'grapheme', maxLength: 24 }), { nil: undefined });
  const args = fc.record({ secretKey: secretKeyArb, message: fc.uint8Array({ maxLength: 300 }), userId: userIdArb });

  it('sm-crypto-v2 verifies our signatures (raw r ‖ s hex), with its default id and with explicit ids', () => {
    fc.assert(
      fc.property(args, ({ secretKey, message, userId }) => {
        const publicKeyHex = bytesToHex(sm2PublicKeyFromSecret(secretKey));
        const ours = sm2Sign(secretKey, message, userId === undefined ? {} : { userId: utf8ToBytes(userId) });
        const theirOptions = userId === undefined ? { hash: true } : { hash: true, userId };
        expect(smCrypto.doVerifySignature(message, bytesToHex(ours), publicKeyHex, theirOptions)).toBe(true);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('we verify sm-crypto-v2 signatures (raw r ‖ s hex), with its default id and with explicit ids', () => {
    fc.assert(
      fc.property(args, ({ secretKey, message, userId }) => {
        const publicKey = sm2PublicKeyFromSecret(secretKey);
        const theirOptions = userId === undefined ? { hash: true } : { hash: true, userId };
        const theirs = smCrypto.doSignature(message, bytesToHex(secretKey), {
          ...theirOptions,
          publicKey: bytesToHex(publicKey),
        });
        const options = userId === undefined ? {} : { userId: utf8ToBytes(userId) };
        expect(sm2Verify(publicKey, message, hexToBytes(theirs, 'signature', 64), options)).toBe(true);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('DER in both directions (the same converters the Node tests use)', () => {
    fc.assert(
      fc.property(secretKeyArb, fc.uint8Array({ maxLength: 100 }), (secretKey, message) => {
        const publicKey = sm2PublicKeyFromSecret(secretKey);
        const theirs = smCrypto.doSignature(message, bytesToHex(secretKey), { hash: true, der: true });
        expect(sm2Verify(publicKey, message, derToRaw(hexToBytes(theirs)))).toBe(true);
        const ours = rawToDer(sm2Sign(secretKey, message));
        const theirOptions = { hash: true, der: true };
        expect(smCrypto.doVerifySignature(message, bytesToHex(ours), bytesToHex(publicKey), theirOptions)).toBe(true);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Cross-implementation: Node's OpenSSL (real SM2 only after a key re-import, and only with an empty id)
// ---------------------------------------------------------------------------------------------------------------

/**
 * DER prefixes for SM2 keys, as Node/OpenSSL write them for curve OID 1.2.156.10197.1.301 (with algorithm
 * id-ecPublicKey). DER is deterministic and every SM2 key has the same length, so raw keys can be moved in and out
 * of Node by adding or stripping a fixed prefix; the tests check the prefixes against keys Node generates.
 */
const SPKI_PREFIX = vec('3059301306072a8648ce3d020106082a811ccf5501822d034200');
/** PKCS#8 PrivateKeyInfo wrapping an RFC 5915 ECPrivateKey: prefix ‖ d ‖ PKCS8_MIDDLE ‖ 04 ‖ X ‖ Y. */
const PKCS8_PREFIX = vec('308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420');
const PKCS8_MIDDLE = vec('a144034200');
/** RFC 5915 ECPrivateKey as Node exports it with `type: 'sec1'`: prefix ‖ d ‖ [0] curve OID ‖ [1] public key. */
const SEC1_PREFIX = vec('30770201010420');

function nodePublicKey(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
}

function nodePrivateKey(secretKey: Uint8Array): KeyObject {
  const der = concatBytes(PKCS8_PREFIX, secretKey, PKCS8_MIDDLE, sm2PublicKeyFromSecret(secretKey));
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/** A Node-generated SM2 key pair as raw bytes, plus the KeyObjects that sign real SM2. */
interface NodeGeneratedKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** As generated: an EC key on the SM2 curve, which Node uses for ECDSA. */
  readonly ecKey: KeyObject;
  readonly ecPublic: KeyObject;
  /** Re-imported: an SM2 key, which Node uses for SM2-with-SM3 (empty id). */
  readonly sm2Key: KeyObject;
  readonly sm2Public: KeyObject;
}

function nodeGeneratedKey(): NodeGeneratedKey {
  const { privateKey: ecKey, publicKey: ecPublic } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const spki = new Uint8Array(ecPublic.export({ type: 'spki', format: 'der' }));
  expect(bytesToHex(spki.subarray(0, SPKI_PREFIX.length))).toBe(bytesToHex(SPKI_PREFIX));
  // Exported from the *original* key: exporting a re-imported SM2 key as SEC1 aborts the Node 20 process
  // (a native assertion on the key type), it does not merely throw.
  const sec1 = new Uint8Array(ecKey.export({ type: 'sec1', format: 'der' }));
  expect(bytesToHex(sec1.subarray(0, SEC1_PREFIX.length))).toBe(bytesToHex(SEC1_PREFIX));
  // The re-import is what turns Node's key into an SM2 key (see LIBRARIES.md, "SM2 trap").
  const sm2Key = createPrivateKey(ecKey.export({ type: 'pkcs8', format: 'pem' }));
  return {
    secretKey: sec1.slice(SEC1_PREFIX.length, SEC1_PREFIX.length + 32),
    publicKey: spki.slice(SPKI_PREFIX.length),
    ecKey,
    ecPublic,
    sm2Key,
    sm2Public: createPublicKey(sm2Key),
  };
}

describe('SM2 interoperability with Node (OpenSSL)', () => {
  it('derives the same public key as OpenSSL from the same secret (pins the curve parameters)', () => {
    for (let i = 0; i < 10; i++) {
      const key = nodeGeneratedKey();
      expect(bytesToHex(sm2PublicKeyFromSecret(key.secretKey))).toBe(bytesToHex(key.publicKey));
    }
  });

  it('we verify real Node SM2 signatures with userId = empty, and not with the default id', () => {
    const key = nodeGeneratedKey();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (message) => {
        const der = new Uint8Array(nodeSign(null, message, key.sm2Key));
        const raw = derToRaw(der);
        expect(sm2Verify(key.publicKey, message, raw, { userId: EMPTY_ID })).toBe(true);
        expect(sm2Verify(key.publicKey, message, raw)).toBe(false);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it('Node verifies our signatures made with userId = empty, and rejects default-id ones', () => {
    fc.assert(
      fc.property(secretKeyArb, fc.uint8Array({ maxLength: 300 }), (secretKey, message) => {
        const publicKey = nodePublicKey(sm2PublicKeyFromSecret(secretKey));
        const emptyId = rawToDer(sm2Sign(secretKey, message, { userId: EMPTY_ID }));
        expect(nodeVerify(null, message, publicKey, emptyId)).toBe(true);
        const defaultId = rawToDer(sm2Sign(secretKey, message));
        expect(nodeVerify(null, message, publicKey, defaultId)).toBe(false);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it('keys built from our raw bytes work inside Node both ways', () => {
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const message = utf8ToBytes('raw key material through PKCS#8 / SPKI');
    const der = new Uint8Array(nodeSign(null, message, nodePrivateKey(secretKey)));
    expect(sm2Verify(publicKey, message, derToRaw(der), { userId: EMPTY_ID })).toBe(true);
    expect(nodeVerify(null, message, nodePublicKey(publicKey), der)).toBe(true);
  });

  it('the ECDSA trap: a generateKeyPairSync key without re-import makes signatures we reject', () => {
    const key = nodeGeneratedKey();
    for (let i = 0; i < 20; i++) {
      const message = utf8ToBytes(`trap ${i}`);
      const der = new Uint8Array(nodeSign(null, message, key.ecKey));
      // Node itself accepts it with the same (EC) key object: it is a valid ECDSA-with-SHA-256 signature…
      expect(nodeVerify(null, message, key.ecPublic, der)).toBe(true);
      // …but not an SM2 signature, under any id, for us or for Node's SM2 key.
      const raw = derToRaw(der);
      expect(sm2Verify(key.publicKey, message, raw, { userId: EMPTY_ID })).toBe(false);
      expect(sm2Verify(key.publicKey, message, raw)).toBe(false);
      expect(nodeVerify(null, message, key.sm2Public, der)).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// DER ⇄ raw r ‖ s (test helpers; the protocol itself only uses raw signatures)
// ---------------------------------------------------------------------------------------------------------------

/** SEQUENCE { INTEGER r, INTEGER s } → r ‖ s. Short-form lengths suffice: the SEQUENCE is at most 70 bytes. */
function derToRaw(der: Uint8Array): Uint8Array {
  expect(der[0]).toBe(0x30);
  expect(der[1]).toBe(der.length - 2);
  const out = new Uint8Array(64);
  let pos = 2;
  for (const half of [0, 1]) {
    expect(der[pos]).toBe(0x02);
    const length = der[pos + 1]!;
    let value = der.subarray(pos + 2, pos + 2 + length);
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    expect(value.length).toBeLessThanOrEqual(32);
    out.set(value, half * 32 + 32 - value.length);
    pos += 2 + length;
  }
  expect(pos).toBe(der.length);
  return out;
}

function rawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): Uint8Array => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const minimal = bytes.subarray(start);
    const value = minimal[0]! & 0x80 ? concatBytes(Uint8Array.of(0), minimal) : minimal;
    return concatBytes(Uint8Array.of(0x02, value.length), value);
  };
  const body = concatBytes(integer(raw.subarray(0, 32)), integer(raw.subarray(32)));
  return concatBytes(Uint8Array.of(0x30, body.length), body);
}

describe('DER helpers', () => {
  it('round-trip, including values with leading zero bytes and the high bit set', () => {
    const edge = fc.constantFrom(1n, 0x7fn, 0x80n, 0xffn, 1n << 255n, N - 1n, (1n << 248n) - 1n);
    const scalar = fc.oneof(fc.bigInt({ min: 1n, max: N - 1n }), edge);
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const raw = concatBytes(be32(r), be32(s));
        expect(bytesToHex(derToRaw(rawToDer(raw)))).toBe(bytesToHex(raw));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Benchmark
// ---------------------------------------------------------------------------------------------------------------

describe('SM2 benchmark (prints figures; never fails on timing)', () => {
  it('sign/s and verify/s: ours (cold and cached key), sm-crypto-v2, Node native', () => {
    const message = utf8ToBytes('x'.repeat(256));
    const secretKey = sm2RandomSecretKey();
    const publicKey = sm2PublicKeyFromSecret(secretKey);
    const signature = sm2Sign(secretKey, message);

    const coldCount = 150;
    const cold = Array.from({ length: coldCount }, () => {
      const key = sm2RandomSecretKey();
      return { publicKey: sm2PublicKeyFromSecret(key), signature: sm2Sign(key, message) };
    });
    const freshSecrets = Array.from({ length: 200 }, () => sm2RandomSecretKey());

    const rows: Array<[string, number]> = [];
    rows.push(['ours: sign (same key object)', rate(500, () => sm2Sign(secretKey, message))]);
    let f = 0;
    rows.push([
      'ours: sign (new key each time, derives P_A)',
      rate(freshSecrets.length - 20, () => sm2Sign(freshSecrets[f++]!, message)),
    ]);
    let c = 0;
    let coldOk = true;
    rows.push([
      'ours: verify, cold (key never seen)',
      rate(coldCount - 20, () => {
        const item = cold[c++]!;
        coldOk &&= sm2Verify(item.publicKey, message, item.signature);
      }),
    ]);
    let hotOk = true;
    rows.push([
      'ours: verify, cached key (window table)',
      rate(1000, () => {
        hotOk &&= sm2Verify(publicKey, message, signature);
      }),
    ]);
    expect(coldOk && hotOk).toBe(true);

    const secretHex = bytesToHex(secretKey);
    const publicHex = bytesToHex(publicKey);
    const theirSig = smCrypto.doSignature(message, secretHex, { hash: true, publicKey: publicHex });
    const precomputed = smCrypto.precomputePublicKey(publicHex);
    rows.push([
      'sm-crypto-v2: sign',
      rate(300, () => smCrypto.doSignature(message, secretHex, { hash: true, publicKey: publicHex })),
    ]);
    rows.push([
      'sm-crypto-v2: verify',
      rate(100, () => smCrypto.doVerifySignature(message, theirSig, publicHex, { hash: true })),
    ]);
    rows.push([
      'sm-crypto-v2: verify, precomputed key',
      rate(500, () => smCrypto.doVerifySignature(message, theirSig, precomputed, { hash: true })),
    ]);

    const nodeKey = nodePrivateKey(secretKey);
    const nodePub = nodePublicKey(publicKey);
    const nodeSig = nodeSign(null, message, nodeKey);
    rows.push(['Node native (OpenSSL, empty id): sign', rate(1000, () => nodeSign(null, message, nodeKey))]);
    rows.push([
      'Node native (OpenSSL, empty id): verify',
      rate(1000, () => nodeVerify(null, message, nodePub, nodeSig)),
    ]);

    const lines = rows.map(([name, ops]) => `${name.padEnd(46)} ${ops.toFixed(0).padStart(6)} /s`);
    console.log(`SM2 (256-byte message)\n${lines.join('\n')}`);
  });
});

function rate(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (iterations * 1000) / (performance.now() - start);
}

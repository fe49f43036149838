/**
 * The node's native suites (OpenSSL hashing and Ed25519, pooled buffers) against the portable ones of
 * @lianzheng/protocol that browsers and offline verifiers use: every Hasher operation gives the same bytes, and
 * signatures made by either verify with the other. A third implementation anchors the hashes (node:crypto's
 * createHash for SHA-256, and standard vectors), and RFC 8032 §7.1 vectors anchor Ed25519.
 */
import { createHash } from 'node:crypto';
import { createNativeHasher, nativeSuite } from '@lianzheng/node';
import {
  bytesToHex,
  type CryptoSuite,
  type Hasher,
  HashTag,
  hexToBytes,
  isLianzhengError,
  portableSuite,
  type SuiteId,
  utf8ToBytes,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { sm2 as smCrypto } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';

const SEED = 0x5e7;

const HASHES = [
  { suite: 'ed25519-sha256', alg: 'sha256' },
  { suite: 'sm2-sm3', alg: 'sm3' },
] as const satisfies readonly { suite: SuiteId; alg: 'sha256' | 'sm3' }[];

const TAGS = Object.values(HashTag);

/** Byte strings as callers really pass them: plain arrays, views at an offset into a larger buffer, pooled Buffers. */
const bytes = (maxLength = 300): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.uint8Array({ maxLength }), fc.nat({ max: 17 }), fc.nat({ max: 17 }))
        .map(([b, before, after]) => {
          const backing = new Uint8Array(before + b.length + after).fill(0xa5);
          backing.set(b, before);
          return backing.subarray(before, before + b.length);
        }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 4000, maxLength: 10_000 }) },
  );

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', '链政 存证 不动产登记中心', 'ÄÖÜ é ñ', '😀🇨🇳', '\u0000', '{"chainId":"测试"}', '\u2028\u2029'),
);

function hex(b: Uint8Array): string {
  return bytesToHex(b);
}

describe('native hashers give the same bytes as the portable ones', () => {
  describe.each(HASHES)('$alg', ({ suite, alg }) => {
    const portable: Hasher = portableSuite(suite);
    const implementations: [string, Hasher][] = [
      ['createNativeHasher', createNativeHasher(alg)],
      ['nativeSuite', nativeSuite(suite)],
    ];

    it('standard vectors ("abc", "", and 1 000 000 × "a" for SHA-256)', () => {
      const abc = utf8ToBytes('abc');
      const expected = {
        sha256: {
          abc: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
          empty: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        },
        // GB/T 32905-2016 Appendix A example 1; the empty-input digest is the commonly published value.
        sm3: {
          abc: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
          empty: '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b',
        },
      }[alg];
      for (const [, h] of [...implementations, ['portable', portable] as const]) {
        expect(hex(h.hash(abc))).toBe(expected.abc);
        expect(hex(h.hash(new Uint8Array(0)))).toBe(expected.empty);
      }
      if (alg === 'sha256') {
        const million = new Uint8Array(1_000_000).fill(0x61);
        const digest = 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0';
        expect(hex(createNativeHasher('sha256').hash(million))).toBe(digest);
        expect(hex(portable.hash(million))).toBe(digest);
      }
    });

    it.each(implementations)('%s: hash, tagged, tagged2 and taggedText for random inputs', (_, native) => {
      fc.assert(
        fc.property(fc.constantFrom(...TAGS), bytes(), bytes(), text, (tag, a, b, s) => {
          expect(hex(native.hash(a))).toBe(hex(portable.hash(a)));
          expect(hex(native.tagged(tag, a))).toBe(hex(portable.tagged(tag, a)));
          expect(hex(native.tagged2(tag, a, b))).toBe(hex(portable.tagged2(tag, a, b)));
          expect(hex(native.taggedText(tag, s))).toBe(hex(portable.taggedText(tag, s)));
          // The definitions, spelled out: TH(tag, data) = H(tag ‖ 0x00 ‖ data); taggedText hashes UTF-8.
          const prefix = utf8ToBytes(`${tag}\u0000`);
          expect(hex(native.tagged(tag, a))).toBe(hex(portable.hash(Uint8Array.from([...prefix, ...a]))));
          expect(hex(native.tagged2(tag, a, b))).toBe(hex(native.tagged(tag, Uint8Array.from([...a, ...b]))));
          expect(hex(native.taggedText(tag, s))).toBe(hex(native.tagged(tag, utf8ToBytes(s))));
        }),
        { seed: SEED, numRuns: 250 },
      );
    });

    it.each(implementations)('%s: merkleLeaf with and without a second part, merkleNode', (_, native) => {
      fc.assert(
        fc.property(bytes(), bytes(), (a, b) => {
          expect(hex(native.merkleLeaf(a))).toBe(hex(portable.merkleLeaf(a)));
          expect(hex(native.merkleLeaf(a, b))).toBe(hex(portable.merkleLeaf(a, b)));
          expect(hex(native.merkleNode(a, b))).toBe(hex(portable.merkleNode(a, b)));
          expect(hex(native.merkleLeaf(a, new Uint8Array(0)))).toBe(hex(native.merkleLeaf(a)));
          // RFC 9162 domain separation: leaf = H(0x00 ‖ d), node = H(0x01 ‖ l ‖ r).
          expect(hex(native.merkleLeaf(a, b))).toBe(hex(portable.hash(Uint8Array.from([0, ...a, ...b]))));
          expect(hex(native.merkleNode(a, b))).toBe(hex(portable.hash(Uint8Array.from([1, ...a, ...b]))));
        }),
        { seed: SEED + 1, numRuns: 250 },
      );
    });

    it.each(implementations)('%s: outputs are 32 bytes, fresh per call, and inputs are left untouched', (_, native) => {
      fc.assert(
        fc.property(fc.constantFrom(...TAGS), bytes(64), bytes(64), (tag, a, b) => {
          const aBefore = hex(a);
          const bBefore = hex(b);
          const outputs = [
            native.hash(a),
            native.tagged(tag, a),
            native.tagged2(tag, a, b),
            native.taggedText(tag, 'x'),
            native.merkleLeaf(a, b),
            native.merkleNode(a, b),
          ];
          expect(hex(a)).toBe(aBefore);
          expect(hex(b)).toBe(bBefore);
          for (const out of outputs) {
            expect(out).toBeInstanceOf(Uint8Array);
            expect(out.length).toBe(32);
          }
          // A later call must not overwrite an earlier result (pooled buffers are easy to reuse by mistake).
          const first = hex(outputs[0]!);
          native.hash(b);
          native.tagged(tag, b);
          expect(hex(outputs[0]!)).toBe(first);
        }),
        { seed: SEED + 2, numRuns: 100 },
      );
    });

    if (alg === 'sha256') {
      it('nativeSuite matches node:crypto createHash, a third implementation', () => {
        fc.assert(
          fc.property(fc.constantFrom(...TAGS), bytes(), text, (tag, a, s) => {
            const sha = (...parts: (Uint8Array | string)[]) => {
              const h = createHash('sha256');
              for (const p of parts) h.update(p);
              return h.digest('hex');
            };
            const native = nativeSuite(suite);
            expect(hex(native.tagged(tag, a))).toBe(sha(`${tag}\u0000`, a));
            expect(hex(native.taggedText(tag, s))).toBe(sha(`${tag}\u0000`, utf8ToBytes(s)));
            expect(hex(native.merkleLeaf(a))).toBe(sha(Uint8Array.of(0), a));
          }),
          { seed: SEED + 3, numRuns: 150 },
        );
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Ed25519
// ---------------------------------------------------------------------------------------------------------------

/** RFC 8032 §7.1, TEST 1–3: secret key, public key, message, signature. */
const RFC8032 = [
  {
    name: 'TEST 1 (empty message)',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
] as const;

/** Group order L and field prime p of edwards25519. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

function le32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function fromLe(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(b);
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

/** verify must never throw; returns what it said. */
function safeVerify(suite: CryptoSuite, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  let result: unknown;
  expect(() => {
    result = suite.verify(publicKey, message, signature);
  }).not.toThrow();
  expect(typeof result).toBe('boolean');
  return result as boolean;
}

describe('Ed25519: native (OpenSSL) and portable (noble) agree', () => {
  const native = nativeSuite('ed25519-sha256');
  const portable = portableSuite('ed25519-sha256');

  it.each(RFC8032)('RFC 8032 $name: keys and signatures match, and both verify them', (v) => {
    const secret = hexToBytes(v.secret);
    const message = hexToBytes(v.message);
    const signature = hexToBytes(v.signature);
    for (const suite of [native, portable]) {
      expect(hex(suite.publicKeyFromSecret(secret))).toBe(v.public);
      expect(hex(suite.sign(secret, message))).toBe(v.signature);
    }
    const publicKey = hexToBytes(v.public);
    expect(native.verify(publicKey, message, signature)).toBe(true);
    expect(portable.verify(publicKey, message, signature)).toBe(true);
    const other = concat(message, Uint8Array.of(0));
    expect(native.verify(publicKey, other, signature)).toBe(false);
    expect(portable.verify(publicKey, other, signature)).toBe(false);
  });

  it('random keys and messages: identical signatures, verified across implementations; tampering fails both', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        bytes(200),
        fc.nat({ max: 64 * 8 - 1 }),
        fc.constantFrom('message', 'signature', 'publicKey'),
        (secret, message, bit, what) => {
          const publicKey = native.publicKeyFromSecret(secret);
          expect(hex(portable.publicKeyFromSecret(secret))).toBe(hex(publicKey));
          const sigNative = native.sign(secret, message);
          const sigPortable = portable.sign(secret, message);
          expect(hex(sigNative)).toBe(hex(sigPortable));
          expect(sigNative.length).toBe(64);
          expect(safeVerify(native, publicKey, message, sigPortable)).toBe(true);
          expect(safeVerify(portable, publicKey, message, sigNative)).toBe(true);

          const tampered = {
            message: [publicKey, message.length === 0 ? Uint8Array.of(bit & 0xff) : flipBit(message, bit), sigNative],
            signature: [publicKey, message, flipBit(sigNative, bit)],
            publicKey: [flipBit(publicKey, bit % 256), message, sigNative],
          }[what] as [Uint8Array, Uint8Array, Uint8Array];
          expect(safeVerify(native, ...tampered)).toBe(false);
          expect(safeVerify(portable, ...tampered)).toBe(false);
        },
      ),
      { seed: SEED + 10, numRuns: 200 },
    );
  });

  it('malformed keys and signatures verify as false in both, never throw', () => {
    const v = RFC8032[1];
    const publicKey = hexToBytes(v.public);
    const message = hexToBytes(v.message);
    const signature = hexToBytes(v.signature);
    const s = fromLe(signature.subarray(32));
    const cases: [string, Uint8Array, Uint8Array][] = [
      ['empty key and signature', new Uint8Array(0), new Uint8Array(0)],
      ['31-byte key', publicKey.subarray(1), signature],
      ['33-byte key', concat(publicKey, Uint8Array.of(0)), signature],
      ['65-byte (SM2-sized) key', new Uint8Array(65).fill(4), signature],
      ['63-byte signature', publicKey, signature.subarray(1)],
      ['65-byte signature', publicKey, concat(signature, Uint8Array.of(0))],
      ['all-zero signature', publicKey, new Uint8Array(64)],
      ['all-0xff signature', publicKey, new Uint8Array(64).fill(0xff)],
      ['all-0xff key', new Uint8Array(32).fill(0xff), signature],
      ['non-canonical S = S + L (malleated)', publicKey, concat(signature.subarray(0, 32), le32(s + L))],
      ['S = L', publicKey, concat(signature.subarray(0, 32), le32(L))],
      ['another key of the vectors', hexToBytes(RFC8032[0].public), signature],
    ];
    for (const [name, key, sig] of cases) {
      expect(safeVerify(native, key, message, sig), `native: ${name}`).toBe(false);
      expect(safeVerify(portable, key, message, sig), `portable: ${name}`).toBe(false);
    }
  });

  it('random 32-byte strings as keys (mostly not curve points) and random signatures: false in both', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (key, sig) => {
          const message = Uint8Array.of(1, 2, 3);
          expect(safeVerify(native, key, message, sig)).toBe(false);
          expect(safeVerify(portable, key, message, sig)).toBe(false);
        },
      ),
      { seed: SEED + 11, numRuns: 300 },
    );
  });

  it('signing with a malformed secret key fails with KEY_INVALID in both', () => {
    for (const suite of [native, portable]) {
      for (const secret of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(64)]) {
        let code: string | undefined;
        try {
          suite.sign(secret, Uint8Array.of(1));
        } catch (error) {
          code = isLianzhengError(error) ? error.code : String(error);
        }
        expect(code).toBe('KEY_INVALID');
      }
    }
  });

  // Known defect: the portable suite documents that its strict verification "is what OpenSSL does, so browser and
  // node agree on every signature". OpenSSL accepts small-order points and non-canonical point encodings that noble's
  // strict mode rejects, so a signature can be valid for the node and invalid for an offline verifier.
  it('agree on small-order and non-canonical point encodings (the same answer in node and browser)', () => {
    const message = Uint8Array.of(1, 2, 3);
    const identity = le32(1n); // y = 1, x = 0: the neutral element, order 1
    const identityNonCanonical = le32(P + 1n); // y = p + 1 ≥ p: RFC 8032 §5.1.3 says decoding fails
    const identityNegativeZero = Uint8Array.from(identity);
    identityNegativeZero[31]! |= 0x80; // x = 0 with the sign bit set: decoding fails as well
    const orderTwo = le32(P - 1n); // y = −1, x = 0: order 2
    const rIsIdentityS0 = concat(identity, new Uint8Array(32));
    const rIsOrderTwoS0 = concat(orderTwo, new Uint8Array(32));
    const cases: [string, Uint8Array, Uint8Array][] = [
      ['A = identity, R = identity, S = 0', identity, rIsIdentityS0],
      ['A = identity (non-canonical y = p + 1)', identityNonCanonical, rIsIdentityS0],
      ['A = identity with the sign bit set', identityNegativeZero, rIsIdentityS0],
      ['A = point of order 2, R = same, S = 0', orderTwo, rIsOrderTwoS0],
    ];
    const disagreements = cases
      .map(([name, key, sig]) => ({
        name,
        native: safeVerify(native, key, message, sig),
        portable: safeVerify(portable, key, message, sig),
      }))
      .filter((r) => r.native !== r.portable);
    expect(disagreements).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// SM2
// ---------------------------------------------------------------------------------------------------------------

/** Curve order n and field prime p of the SM2 recommended curve (GB/T 32918.5-2017). */
const N_SM2 = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const P_SM2 = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;

function be32(x: bigint): Uint8Array {
  return hexToBytes(x.toString(16).padStart(64, '0'));
}

describe('SM2: native and portable suites cross-verify', () => {
  const native = nativeSuite('sm2-sm3');
  const portable = portableSuite('sm2-sm3');
  const secretKey = fc.bigInt({ min: 1n, max: N_SM2 - 2n }).map(be32);

  it('signatures by either verify with the other (and with sm-crypto-v2); tampering fails all', () => {
    fc.assert(
      fc.property(secretKey, bytes(120), fc.nat({ max: 511 }), (secret, message, bit) => {
        const publicKey = native.publicKeyFromSecret(secret);
        expect(hex(portable.publicKeyFromSecret(secret))).toBe(hex(publicKey));
        expect(publicKey.length).toBe(65);
        const sigNative = native.sign(secret, message);
        const sigPortable = portable.sign(secret, message);
        for (const sig of [sigNative, sigPortable]) {
          expect(sig.length).toBe(64);
          expect(safeVerify(native, publicKey, message, sig)).toBe(true);
          expect(safeVerify(portable, publicKey, message, sig)).toBe(true);
          expect(smCrypto.doVerifySignature(message, hex(sig), hex(publicKey), { hash: true })).toBe(true);
          const badSig = flipBit(sig, bit);
          expect(safeVerify(native, publicKey, message, badSig)).toBe(false);
          expect(safeVerify(portable, publicKey, message, badSig)).toBe(false);
          const badMessage = message.length === 0 ? Uint8Array.of(0) : flipBit(message, bit);
          expect(safeVerify(native, publicKey, badMessage, sig)).toBe(false);
          expect(safeVerify(portable, publicKey, badMessage, sig)).toBe(false);
        }
      }),
      { seed: SEED + 20, numRuns: 25 },
    );
  });

  it('signatures made by sm-crypto-v2 verify with the native suite', () => {
    fc.assert(
      fc.property(secretKey, bytes(120), (secret, message) => {
        const publicKey = native.publicKeyFromSecret(secret);
        const theirs = smCrypto.doSignature(message, hex(secret), { hash: true, publicKey: hex(publicKey) });
        expect(safeVerify(native, publicKey, message, hexToBytes(theirs, 'signature', 64))).toBe(true);
      }),
      { seed: SEED + 21, numRuns: 15 },
    );
  });

  it('malformed keys and signatures verify as false, never throw', () => {
    const secret = be32(0x1234567890abcdefn);
    const publicKey = native.publicKeyFromSecret(secret);
    const message = utf8ToBytes('链政');
    const signature = native.sign(secret, message);
    const r = signature.subarray(0, 32);
    const s = signature.subarray(32);
    const x = publicKey.subarray(1, 33);
    const y = publicKey.subarray(33);
    const offCurve = Uint8Array.from(publicKey);
    offCurve[64]! ^= 1;
    const cases: [string, Uint8Array, Uint8Array][] = [
      ['empty key', new Uint8Array(0), signature],
      ['64-byte key without prefix', publicKey.subarray(1), signature],
      ['compressed prefix 0x02 on 65 bytes', concat(Uint8Array.of(2), publicKey.subarray(1)), signature],
      ['prefix 0x00', concat(Uint8Array.of(0), publicKey.subarray(1)), signature],
      ['33-byte compressed key', concat(Uint8Array.of(2 + (y[31]! & 1)), x), signature],
      ['point off the curve', offCurve, signature],
      ['all-zero coordinates', concat(Uint8Array.of(4), new Uint8Array(64)), signature],
      ['x = p (out of range)', concat(Uint8Array.of(4), concat(be32(P_SM2), y)), signature],
      ['Ed25519-sized key', new Uint8Array(32).fill(7), signature],
      ['empty signature', publicKey, new Uint8Array(0)],
      ['63-byte signature', publicKey, signature.subarray(1)],
      ['r = 0', publicKey, concat(new Uint8Array(32), s)],
      ['s = 0', publicKey, concat(r, new Uint8Array(32))],
      ['r = n', publicKey, concat(be32(N_SM2), s)],
      ['s = n', publicKey, concat(r, be32(N_SM2))],
      ['r + s = n', publicKey, concat(be32(1n), be32(N_SM2 - 1n))],
      ['all-0xff signature', publicKey, new Uint8Array(64).fill(0xff)],
    ];
    for (const [name, key, sig] of cases) {
      expect(safeVerify(native, key, message, sig), `native: ${name}`).toBe(false);
      expect(safeVerify(portable, key, message, sig), `portable: ${name}`).toBe(false);
    }
    // The untouched signature still verifies: the cases above fail for their defect, not for a wrong setup.
    expect(native.verify(publicKey, message, signature)).toBe(true);
  });

  it('random 65-byte keys and 64-byte signatures: false in both, never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (xy, sig) => {
          const key = concat(Uint8Array.of(4), xy);
          expect(safeVerify(native, key, Uint8Array.of(9), sig)).toBe(false);
          expect(safeVerify(portable, key, Uint8Array.of(9), sig)).toBe(false);
        },
      ),
      { seed: SEED + 22, numRuns: 100 },
    );
  });
});

import fc from 'fast-check';
import { sm2 as smCrypto } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../src/bytes.js';
import { didKeyFromPublicKey, publicKeyFromDidKey } from '../src/didKey.js';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';
import { sm2CompressPublicKey, sm2DecompressPublicKey } from '../src/sm2Point.js';
import { ed25519Sha256Portable, SuiteId, sm2Sm3Portable } from '../src/suite.js';

const SEED = 0xd1d;

function thrown(f: () => unknown): LianzhengError {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw new Error(`expected a LianzhengError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an error, but the call returned');
}

// ---------------------------------------------------------------------------------------------------------------
// Independent helpers: base58btc and unsigned varints written out here, not taken from the code under test
// ---------------------------------------------------------------------------------------------------------------

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

function base58Decode(text: string): Uint8Array {
  let n = 0n;
  for (const c of text) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) throw new Error(`not base58: ${c}`);
    n = n * 58n + BigInt(v);
  }
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    out.unshift(0);
  }
  return Uint8Array.from(out);
}

/** Unsigned LEB128, as multicodec writes codes. */
function varint(code: number): number[] {
  const out: number[] = [];
  let v = code;
  do {
    const low = v & 0x7f;
    v >>>= 7;
    out.push(v > 0 ? low | 0x80 : low);
  } while (v > 0);
  return out;
}

const ED25519_PUB = 0xed;
const SM2_PUB = 0x1206;

/** SM2 recommended curve (GB/T 32918.5-2017). */
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = P - 3n;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

const be32 = (n: bigint) => hexToBytes(n.toString(16).padStart(64, '0'));
const num = (b: Uint8Array) => BigInt(`0x${bytesToHex(b) || '0'}`);
const onCurve = (x: bigint, y: bigint) => (y * y - (x * x * x + A * x + B)) % P === 0n;
const point = (x: bigint, y: bigint) => concatBytes(Uint8Array.of(4), be32(x), be32(y));

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = base % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}

/** Smallest x ≥ start for which x³ + ax + b is not a square mod p (Euler's criterion): no point has that x. */
function xOffCurve(start: bigint): bigint {
  for (let x = start; ; x++) {
    const rhs = (((x * x * x + A * x + B) % P) + P) % P;
    if (modPow(rhs, (P - 1n) / 2n, P) === P - 1n) return x;
  }
}

const sm2SecretArb = fc.bigInt({ min: 1n, max: N - 2n }).map(be32);
const edSecretArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

// ---------------------------------------------------------------------------------------------------------------
// did:key
// ---------------------------------------------------------------------------------------------------------------

describe('did:key for Ed25519', () => {
  // W3C CCG did-method-key, test-vectors/ed25519-x25519.json: the keys derived from the seeds 00…00 and 00…01.
  const vectors = [
    {
      seed: '0000000000000000000000000000000000000000000000000000000000000000',
      publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS',
      did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    },
    {
      seed: '0000000000000000000000000000000000000000000000000000000000000001',
      publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt',
      did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
    },
  ];

  it.each(vectors)('spec test vector $did', ({ seed, publicKeyBase58, did }) => {
    const publicKey = ed25519Sha256Portable.publicKeyFromSecret(hexToBytes(seed));
    expect(base58Encode(publicKey)).toBe(publicKeyBase58);
    expect(didKeyFromPublicKey(SuiteId.ed25519Sha256, publicKey)).toBe(did);
    const decoded = publicKeyFromDidKey(did);
    expect(decoded.suite).toBe(SuiteId.ed25519Sha256);
    expect(decoded.publicKey).toEqual(publicKey);
  });

  it('multicodec ed25519-pub (varint ed 01) ‖ key, multibase z (base58btc)', () => {
    expect(varint(ED25519_PUB)).toEqual([0xed, 0x01]);
    fc.assert(
      fc.property(edSecretArb, (secret) => {
        const publicKey = ed25519Sha256Portable.publicKeyFromSecret(secret);
        const did = didKeyFromPublicKey(SuiteId.ed25519Sha256, publicKey);
        expect(did.startsWith('did:key:z6Mk')).toBe(true);
        const payload = base58Decode(did.slice('did:key:z'.length));
        expect(bytesToHex(payload)).toBe(bytesToHex(concatBytes(Uint8Array.from(varint(ED25519_PUB)), publicKey)));
        const back = publicKeyFromDidKey(did);
        expect(back).toEqual({ suite: SuiteId.ed25519Sha256, publicKey });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('did:key for SM2', () => {
  it('multicodec sm2-pub (varint 86 24) ‖ the compressed point; decoding restores the 65-byte key', () => {
    expect(varint(SM2_PUB)).toEqual([0x86, 0x24]);
    fc.assert(
      fc.property(sm2SecretArb, (secret) => {
        const publicKey = sm2Sm3Portable.publicKeyFromSecret(secret);
        const did = didKeyFromPublicKey(SuiteId.sm2Sm3, publicKey);
        expect(did.startsWith('did:key:z')).toBe(true);
        expect(did.length).toBeLessThanOrEqual(128);
        const payload = base58Decode(did.slice('did:key:z'.length));
        expect(payload.length).toBe(35);
        expect([...payload.subarray(0, 2)]).toEqual(varint(SM2_PUB));
        // 02 for an even Y, 03 for an odd one, then X.
        const y = num(publicKey.subarray(33));
        expect(payload[2]).toBe(y % 2n === 0n ? 0x02 : 0x03);
        expect(payload.subarray(3)).toEqual(publicKey.subarray(1, 33));
        expect(publicKeyFromDidKey(did)).toEqual({ suite: SuiteId.sm2Sm3, publicKey });
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('the generator point, a fixed vector', () => {
    const g = point(GX, GY);
    const did = didKeyFromPublicKey(SuiteId.sm2Sm3, g);
    expect(did).toBe(`did:key:z${base58Encode(hexToBytes(`862402${GX.toString(16)}`))}`);
    expect(publicKeyFromDidKey(did).publicKey).toEqual(g);
  });

  it('one key, one DID: the two suites never collide', () => {
    const ed = didKeyFromPublicKey(
      SuiteId.ed25519Sha256,
      ed25519Sha256Portable.publicKeyFromSecret(new Uint8Array(32)),
    );
    const sm = didKeyFromPublicKey(SuiteId.sm2Sm3, point(GX, GY));
    expect(ed).not.toBe(sm);
    expect(publicKeyFromDidKey(sm).suite).toBe(SuiteId.sm2Sm3);
  });
});

describe('did:key rejections', () => {
  const edKey = ed25519Sha256Portable.publicKeyFromSecret(new Uint8Array(32).fill(1));
  const edDid = didKeyFromPublicKey(SuiteId.ed25519Sha256, edKey);
  const smKey = point(GX, GY);
  const didOf = (payload: Uint8Array) => `did:key:z${base58Encode(payload)}`;
  const ed = (key: Uint8Array) => didOf(concatBytes(hexToBytes('ed01'), key));
  const sm = (key: Uint8Array) => didOf(concatBytes(hexToBytes('8624'), key));

  const invalid: [string, unknown][] = [
    ['not a string', 42],
    ['undefined', undefined],
    ['empty', ''],
    ['too long', `did:key:z${'2'.repeat(130)}`],
    ['no multibase prefix', edDid.replace('did:key:z', 'did:key:')],
    ['base58btc with another multibase prefix', edDid.replace('did:key:z', 'did:key:f')],
    ['another method', 'did:web:example.gov.cn'],
    ['upper case', edDid.replace('did:key', 'DID:KEY')],
    ['a character outside base58', `${edDid.slice(0, -1)}0`],
    ['a fragment', `${edDid}#${edDid.slice(8)}`],
    ['whitespace', `${edDid} `],
    ['secp256k1-pub multicodec', didOf(concatBytes(hexToBytes('e701'), Uint8Array.of(2), be32(GX)))],
    ['x25519-pub multicodec', didOf(concatBytes(hexToBytes('ec01'), edKey))],
    ['a leading zero byte', `did:key:z1${edDid.slice(9)}`],
    ['Ed25519 key of 31 bytes', ed(edKey.subarray(1))],
    ['Ed25519 key of 33 bytes', ed(concatBytes(edKey, Uint8Array.of(0)))],
    ['Ed25519 identity point (small order)', ed(hexToBytes(`01${'00'.repeat(31)}`))],
    ['Ed25519 non-canonical y ≥ p', ed(hexToBytes(`${'ff'.repeat(31)}7f`))],
    ['SM2 uncompressed point', didOf(concatBytes(hexToBytes('8624'), smKey))],
    ['SM2 with prefix 04', sm(concatBytes(Uint8Array.of(4), be32(GX)))],
    ['SM2 with prefix 00', sm(concatBytes(Uint8Array.of(0), be32(GX)))],
    ['SM2 X = p', sm(concatBytes(Uint8Array.of(2), be32(P)))],
    ['SM2 X not on the curve', sm(concatBytes(Uint8Array.of(3), be32(xOffCurve(1n))))],
    ['SM2 key of 32 bytes', sm(concatBytes(Uint8Array.of(2), be32(GX).subarray(1)))],
    ['SM2 multicodec, Ed25519 length', sm(concatBytes(Uint8Array.of(2), edKey.subarray(1)))],
    ['no payload', 'did:key:z'],
  ];
  it.each(invalid)('%s → DID_INVALID', (_name, did) => {
    const e = thrown(() => publicKeyFromDidKey(did as string));
    expect(e.code).toBe('DID_INVALID');
    expect(typeof e.details?.reason).toBe('string');
  });

  it('random strings and random payloads are DID_INVALID', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (s) => {
        expect(thrown(() => publicKeyFromDidKey(s)).code).toBe('DID_INVALID');
        expect(thrown(() => publicKeyFromDidKey(`did:key:z${s}`)).code).toBe('DID_INVALID');
      }),
      { seed: SEED, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (payload) => {
        const did = didOf(payload);
        try {
          const r = publicKeyFromDidKey(did);
          // Only a well-formed payload can decode, and then to exactly that DID.
          expect(didKeyFromPublicKey(r.suite, r.publicKey)).toBe(did);
        } catch (e) {
          expect(isLianzhengError(e) && e.code === 'DID_INVALID').toBe(true);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('changing one character either fails or names another valid key with that exact DID', () => {
    const dids = [edDid, didKeyFromPublicKey(SuiteId.sm2Sm3, smKey)];
    let decoded = 0;
    fc.assert(
      fc.property(fc.constantFrom(...dids), fc.nat(), fc.constantFrom(...ALPHABET.split('')), (did, at, c) => {
        const i = 9 + (at % (did.length - 9));
        const mutated = did.slice(0, i) + c + did.slice(i + 1);
        try {
          const r = publicKeyFromDidKey(mutated);
          decoded++;
          expect(didKeyFromPublicKey(r.suite, r.publicKey)).toBe(mutated);
        } catch (e) {
          expect(isLianzhengError(e) && e.code === 'DID_INVALID').toBe(true);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
    // Roughly half of all X are on the SM2 curve and many Ed25519 encodings are valid points: some do decode.
    expect(decoded).toBeGreaterThan(0);
  });

  it('didKeyFromPublicKey rejects bad keys and unknown suites', () => {
    expect(thrown(() => didKeyFromPublicKey(SuiteId.ed25519Sha256, new Uint8Array(31))).code).toBe('KEY_INVALID');
    expect(thrown(() => didKeyFromPublicKey(SuiteId.ed25519Sha256, hexToBytes(`01${'00'.repeat(31)}`))).code).toBe(
      'KEY_INVALID',
    );
    expect(thrown(() => didKeyFromPublicKey(SuiteId.ed25519Sha256, smKey)).code).toBe('KEY_INVALID');
    expect(thrown(() => didKeyFromPublicKey(SuiteId.sm2Sm3, edKey)).code).toBe('KEY_INVALID');
    expect(thrown(() => didKeyFromPublicKey(SuiteId.sm2Sm3, point(GX, GY + 1n))).code).toBe('KEY_INVALID');
    expect(thrown(() => didKeyFromPublicKey(SuiteId.sm2Sm3, sm2CompressPublicKey(smKey))).code).toBe('KEY_INVALID');
    expect(thrown(() => didKeyFromPublicKey(SuiteId.sm2Sm3, 'ab' as unknown as Uint8Array)).code).toBe('KEY_INVALID');
    expect(thrown(() => didKeyFromPublicKey('rsa' as SuiteId, edKey)).code).toBe('SUITE_UNKNOWN');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// SM2 point compression (SEC 1 §2.3.3–2.3.4)
// ---------------------------------------------------------------------------------------------------------------

describe('sm2CompressPublicKey / sm2DecompressPublicKey', () => {
  it('the generator: Y is even, so the prefix is 02', () => {
    expect(onCurve(GX, GY)).toBe(true);
    const g = point(GX, GY);
    expect(bytesToHex(sm2CompressPublicKey(g))).toBe(`02${GX.toString(16)}`);
    expect(sm2DecompressPublicKey(sm2CompressPublicKey(g))).toEqual(g);
    // −G = (x, p − y) has an odd Y.
    const minusG = point(GX, P - GY);
    expect(bytesToHex(sm2CompressPublicKey(minusG))).toBe(`03${GX.toString(16)}`);
    expect(sm2DecompressPublicKey(hexToBytes(`03${GX.toString(16)}`))).toEqual(minusG);
  });

  it('round trip, parity, and agreement with sm-crypto-v2', () => {
    fc.assert(
      fc.property(sm2SecretArb, (secret) => {
        const pub = sm2Sm3Portable.publicKeyFromSecret(secret);
        const compressed = sm2CompressPublicKey(pub);
        expect(compressed.length).toBe(33);
        expect(compressed[0]).toBe(pub[64]! & 1 ? 0x03 : 0x02);
        expect(bytesToHex(compressed)).toBe(smCrypto.compressPublicKeyHex(bytesToHex(pub)));
        const back = sm2DecompressPublicKey(compressed);
        expect(back).toEqual(pub);
        expect(onCurve(num(back.subarray(1, 33)), num(back.subarray(33)))).toBe(true);
        // The other prefix gives the negated point.
        const flipped = compressed.slice();
        flipped[0]! ^= 1;
        const neg = sm2DecompressPublicKey(flipped);
        expect(num(neg.subarray(33))).toBe(P - num(pub.subarray(33)));
        expect(smCrypto.comparePublicKeyHex(bytesToHex(compressed), bytesToHex(pub))).toBe(true);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('any X on the curve decompresses to a point on the curve', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: P - 1n }), fc.boolean(), (x, odd) => {
        const input = concatBytes(Uint8Array.of(odd ? 3 : 2), be32(x));
        let out: Uint8Array;
        try {
          out = sm2DecompressPublicKey(input);
        } catch (e) {
          expect(isLianzhengError(e) && e.code === 'KEY_INVALID').toBe(true);
          const rhs = (((x * x * x + A * x + B) % P) + P) % P;
          expect(modPow(rhs, (P - 1n) / 2n, P)).toBe(P - 1n);
          return;
        }
        const y = num(out.subarray(33));
        expect(onCurve(x, y)).toBe(true);
        expect(y % 2n === 1n).toBe(odd);
        expect(sm2CompressPublicKey(out)).toEqual(input);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('rejects malformed and off-curve keys with KEY_INVALID', () => {
    const g = point(GX, GY);
    const bad: (() => unknown)[] = [
      () => sm2CompressPublicKey(g.subarray(1)),
      () => sm2CompressPublicKey(concatBytes(g, Uint8Array.of(0))),
      () => sm2CompressPublicKey(concatBytes(Uint8Array.of(2), g.subarray(1))),
      () => sm2CompressPublicKey(point(GX, GY + 1n)),
      () => sm2CompressPublicKey(point(P, GY)),
      () => sm2CompressPublicKey(point(GX, P + 1n)),
      () => sm2CompressPublicKey(new Uint8Array(65)),
      () => sm2CompressPublicKey('04' as unknown as Uint8Array),
      () => sm2DecompressPublicKey(hexToBytes(`04${GX.toString(16)}`)),
      () => sm2DecompressPublicKey(hexToBytes(`02${GX.toString(16)}00`)),
      () => sm2DecompressPublicKey(be32(GX)),
      () => sm2DecompressPublicKey(concatBytes(Uint8Array.of(2), be32(P))),
      () => sm2DecompressPublicKey(concatBytes(Uint8Array.of(2), new Uint8Array(32).fill(0xff))),
      () => sm2DecompressPublicKey(concatBytes(Uint8Array.of(2), be32(xOffCurve(0n)))),
      () => sm2DecompressPublicKey(new Uint8Array(0)),
    ];
    for (const f of bad) expect(thrown(f).code).toBe('KEY_INVALID');
  });
});

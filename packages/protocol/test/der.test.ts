import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../src/bytes.js';
import {
  contextTag,
  type DerNode,
  DerTag,
  decodeDerBitString,
  decodeDerBoolean,
  decodeDerInteger,
  decodeDerNamedBits,
  decodeDerNull,
  decodeDerOctetString,
  decodeDerOid,
  decodeDerString,
  decodeDerTime,
  defaultReadDerOptions,
  derBitString,
  derBoolean,
  derExplicit,
  derGeneralizedTime,
  derIa5String,
  derImplicit,
  derInteger,
  derNamedBits,
  derNull,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derTime,
  derTlv,
  derUnsignedInteger,
  derUtcTime,
  derUtf8String,
  readDer,
} from '../src/der.js';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';

// Fixed seed: every run explores the same inputs.
const SEED = 0xde5;

/** The coded error `f` throws; fails the test when it returns or throws anything that is not a LianzhengError. */
function thrown(f: () => unknown): LianzhengError {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw new Error(`expected a LianzhengError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an error, but the call returned');
}

function expectMalformed(bytes: Uint8Array | string, reason?: RegExp): LianzhengError {
  const input = typeof bytes === 'string' ? hexToBytes(bytes) : bytes;
  const e = thrown(() => readDer(input));
  expect(e.code).toBe('DER_MALFORMED');
  if (reason !== undefined) expect(String(e.details?.reason)).toMatch(reason);
  return e;
}

/** Undefined when `f` returns, the code when it throws a LianzhengError; rethrows anything else. */
function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (isLianzhengError(e)) return e.code;
    throw e;
  }
}

const hex = (b: Uint8Array) => bytesToHex(b);
const ascii = (s: string) => utf8ToBytes(s);

/** Independent re-encoding of a parsed tree: identical to the input exactly when the input is canonical DER. */
function reencode(node: DerNode): Uint8Array {
  const constructed = (node.tag & 0x20) !== 0;
  return derTlv(node.tag, constructed ? concatBytes(...node.children.map(reencode)) : node.content);
}

function walk(node: DerNode, f: (n: DerNode) => void): void {
  f(node);
  for (const c of node.children) walk(c, f);
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------------------

const MIN_TIME = Date.UTC(1950, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);
const UTC_END = Date.UTC(2050, 0, 1);

const timeArb = fc.integer({ min: MIN_TIME / 1000, max: MAX_TIME / 1000 }).map((s) => s * 1000);

const oidArb = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.bigInt({ min: 0n, max: 1n << 70n }),
    fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 10 }),
  )
  .map(([a, b, rest]) => [String(a), String(a < 2 ? b % 40n : b), ...rest.map(String)].join('.'));

const PRINTABLE_CHARS = "ABCXYZabcxyz0189 '()+,-./:=?";
const printableArb = fc
  .array(fc.constantFrom(...PRINTABLE_CHARS.split('')), { maxLength: 40 })
  .map((cs) => cs.join(''));

/** Leaves of every writer. */
const leafArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.boolean().map(derBoolean),
  fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }).map(derInteger),
  fc.uint8Array({ maxLength: 40 }).map(derUnsignedInteger),
  fc.uint8Array({ maxLength: 40 }).map(derOctetString),
  fc.constant(derNull()),
  oidArb.map(derOid),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(derUtf8String),
  printableArb.map(derPrintableString),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }).map(derIa5String),
  timeArb.map(derTime),
  fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 10 }).map(derNamedBits),
  fc
    .tuple(fc.integer({ min: 0, max: 30 }), fc.uint8Array({ maxLength: 10 }))
    .map(([n, b]) => derImplicit(n, derOctetString(b))),
);

const treeArb = fc.letrec<{ node: Uint8Array; seq: Uint8Array; set: Uint8Array; explicit: Uint8Array }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 5 }, leafArb, tie('seq'), tie('set'), tie('explicit')),
  seq: fc.array(tie('node'), { maxLength: 5 }).map((xs) => derSequence(...xs)),
  set: fc.array(tie('node'), { maxLength: 5 }).map((xs) => derSet(...xs)),
  explicit: fc.tuple(fc.integer({ min: 0, max: 30 }), tie('node')).map(([n, x]) => derExplicit(n, x)),
})).node;

/** One element of every type, nested: the fixture for truncation and mutation tests. */
const SAMPLE = derSequence(
  derExplicit(0, derInteger(2)),
  derInteger(-129),
  derUnsignedInteger(hexToBytes('80aabbcc')),
  derSequence(derOid('1.2.840.10045.2.1'), derOid('1.2.156.10197.1.301')),
  derSet(
    derSequence(derOid('2.5.4.10'), derUtf8String('市场监督管理局')),
    derSequence(derOid('2.5.4.6'), derPrintableString('CN')),
  ),
  derSequence(derTime(Date.UTC(2025, 0, 1)), derTime(Date.UTC(2055, 5, 30, 12, 30, 15))),
  derBoolean(true),
  derBoolean(false),
  derNull(),
  derBitString(hexToBytes('04aabb')),
  derNamedBits([0, 5, 6]),
  derOctetString(new Uint8Array(130).fill(0x5a)),
  derIa5String('user@example.org'),
  derImplicit(0, derOctetString(hexToBytes('0102'))),
  derExplicit(3, derSequence(derSequence(derOid('2.5.29.19'), derBoolean(true), derOctetString(derSequence())))),
);

// ---------------------------------------------------------------------------------------------------------------
// Writers: known encodings and round trips
// ---------------------------------------------------------------------------------------------------------------

describe('DER writers: known encodings (X.690)', () => {
  it('INTEGER is minimal two’s complement (§8.3)', () => {
    const cases: [bigint | number, string][] = [
      [0, '020100'],
      [1, '020101'],
      [127, '02017f'],
      [128, '02020080'],
      [255, '020200ff'],
      [256, '02020100'],
      [-1, '0201ff'],
      [-128, '020180'],
      [-129, '0202ff7f'],
      [-256, '0202ff00'],
      [-257, '0202feff'],
      [0x7fffffffn, '02047fffffff'],
      [0x80000000n, '02050080000000'],
      [-(1n << 63n), '02088000000000000000'],
    ];
    for (const [v, h] of cases) {
      expect(hex(derInteger(v)), String(v)).toBe(h);
      expect(decodeDerInteger(readDer(hexToBytes(h)))).toBe(BigInt(v));
    }
  });

  it('unsigned INTEGER from magnitude bytes drops leading zeros and adds a sign octet', () => {
    expect(hex(derUnsignedInteger(new Uint8Array(0)))).toBe('020100');
    expect(hex(derUnsignedInteger(hexToBytes('000000')))).toBe('020100');
    expect(hex(derUnsignedInteger(hexToBytes('00007f')))).toBe('02017f');
    expect(hex(derUnsignedInteger(hexToBytes('80')))).toBe('02020080');
    expect(hex(derUnsignedInteger(hexToBytes('0000ff01')))).toBe('020300ff01');
  });

  it('lengths are definite and minimal at every boundary (§10.1)', () => {
    const cases: [number, string][] = [
      [0, '0400'],
      [1, '0401'],
      [127, '047f'],
      [128, '048180'],
      [255, '0481ff'],
      [256, '04820100'],
      [65_535, '0482ffff'],
      [65_536, '0483010000'],
    ];
    for (const [n, header] of cases) {
      const der = derOctetString(new Uint8Array(n).fill(7));
      expect(hex(der.subarray(0, header.length / 2)), String(n)).toBe(header);
      expect(der.length).toBe(header.length / 2 + n);
      const node = readDer(der, { maxBytes: 1 << 20 });
      expect(decodeDerOctetString(node).length).toBe(n);
    }
  });

  it('a 16 MiB content gets a four-octet length', () => {
    const n = 1 << 24;
    const der = derOctetString(new Uint8Array(n));
    expect(hex(der.subarray(0, 6))).toBe('048401000000');
    expect(readDer(der, { maxBytes: n + 6 }).content.length).toBe(n);
  });

  it('BOOLEAN, NULL, OID, strings and times', () => {
    expect(hex(derBoolean(true))).toBe('0101ff');
    expect(hex(derBoolean(false))).toBe('010100');
    expect(hex(derNull())).toBe('0500');
    expect(hex(derOid('1.2.840.113549'))).toBe('06062a864886f70d');
    expect(hex(derOid('1.3.101.112'))).toBe('06032b6570');
    expect(hex(derOid('2.999.3'))).toBe('0603883703');
    expect(hex(derOid('0.0'))).toBe('060100');
    expect(hex(derOid('2.5.29.19'))).toBe('0603551d13');
    expect(hex(derUtf8String('中'))).toBe('0c03e4b8ad');
    expect(hex(derPrintableString('CN'))).toBe('1302434e');
    expect(hex(derIa5String('a@b'))).toBe('1603614062');
    expect(hex(derUtcTime(Date.UTC(2049, 11, 31, 23, 59, 59)))).toBe(`170d${hex(ascii('491231235959Z'))}`);
    expect(hex(derGeneralizedTime(Date.UTC(2050, 0, 1)))).toBe(`180f${hex(ascii('20500101000000Z'))}`);
  });

  it('derTime switches from UTCTime to GeneralizedTime at 2050 (RFC 5280 §4.1.2.5)', () => {
    expect(derTime(UTC_END - 1000)[0]).toBe(DerTag.utcTime);
    expect(derTime(UTC_END)[0]).toBe(DerTag.generalizedTime);
    expect(derTime(MIN_TIME)[0]).toBe(DerTag.utcTime);
    expect(decodeDerTime(readDer(derTime(MIN_TIME)))).toBe(MIN_TIME);
    expect(decodeDerTime(readDer(derTime(MAX_TIME)))).toBe(MAX_TIME);
  });

  it('BIT STRING and named bits (§11.2)', () => {
    expect(hex(derBitString(new Uint8Array(0)))).toBe('030100');
    expect(hex(derBitString(hexToBytes('a0'), 5))).toBe('030205a0');
    // digitalSignature only: bit 0, seven unused bits.
    expect(hex(derNamedBits([0]))).toBe('03020780');
    // digitalSignature, keyCertSign, cRLSign: bits 0, 5, 6.
    expect(hex(derNamedBits([0, 5, 6]))).toBe('03020186');
    expect(hex(derNamedBits([8]))).toBe('0303070080');
    expect(hex(derNamedBits([]))).toBe('030100');
    expect(decodeDerNamedBits(readDer(hexToBytes('03020186')))).toEqual([0, 5, 6]);
  });

  it('SET sorts its elements; EXPLICIT wraps; IMPLICIT replaces the tag and keeps the constructed bit', () => {
    const a = derInteger(1);
    const b = derBoolean(true);
    expect(hex(derSet(a, b))).toBe(hex(derSet(b, a)));
    expect(hex(derSet(a, b))).toBe(`3106${hex(b)}${hex(a)}`);
    expect(hex(derExplicit(0, a))).toBe(`a003${hex(a)}`);
    expect(hex(derImplicit(1, derOctetString(hexToBytes('ff'))))).toBe('8101ff');
    expect(hex(derImplicit(2, derSequence(a)))).toBe(`a203${hex(a)}`);
    expect(contextTag(0, false)).toBe(0x80);
    expect(contextTag(30, true)).toBe(0xbe);
  });

  it('writers reject bad input with FIELD_INVALID', () => {
    const bad: [string, () => unknown][] = [
      ['unsafe number', () => derInteger(2 ** 53)],
      ['fraction', () => derInteger(1.5)],
      ['context tag 31', () => contextTag(31, false)],
      ['context tag -1', () => contextTag(-1, false)],
      ['unused bits 8', () => derBitString(hexToBytes('00'), 8)],
      ['unused bits on empty', () => derBitString(new Uint8Array(0), 1)],
      ['non-zero unused bits', () => derBitString(hexToBytes('01'), 1)],
      ['bit index 256', () => derNamedBits([256])],
      ['bit index -1', () => derNamedBits([-1])],
      ['oid one arc', () => derOid('1')],
      ['oid first arc 3', () => derOid('3.1')],
      ['oid second arc 40 under 1', () => derOid('1.40')],
      ['oid leading zero', () => derOid('1.2.03')],
      ['oid empty', () => derOid('')],
      ['oid too long', () => derOid(`1.2.${Array(40).fill('4294967295').join('.')}`)],
      ['lone surrogate', () => derUtf8String('\ud800')],
      ['printable @', () => derPrintableString('a@b')],
      ['printable *', () => derPrintableString('*')],
      ['ia5 non-ascii', () => derIa5String('é')],
      ['time with millis', () => derTime(Date.UTC(2025, 0, 1) + 1)],
      ['time before 1950', () => derTime(MIN_TIME - 1000)],
      ['time after 9999', () => derTime(MAX_TIME + 1000)],
      ['utcTime in 2050', () => derUtcTime(UTC_END)],
      ['NaN time', () => derTime(Number.NaN)],
    ];
    for (const [name, f] of bad) expect(thrown(f).code, name).toBe('FIELD_INVALID');
  });
});

describe('DER writers: round trips (property)', () => {
  it('INTEGER: decode(encode(v)) = v, and the encoding is minimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 600n), max: 1n << 600n }), (v) => {
        const der = derInteger(v);
        expect(decodeDerInteger(readDer(der))).toBe(v);
        // Minimal: one octet fewer cannot hold v.
        const n = der.length - 2;
        if (n > 1) {
          const limit = 1n << BigInt(8 * (n - 1) - 1);
          expect(v >= limit || v < -limit).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('INTEGER from a safe number equals the bigint encoding', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(hex(derInteger(v))).toBe(hex(derInteger(BigInt(v))));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('unsigned INTEGER: the value is the big-endian magnitude', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (m) => {
        const expected = m.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
        expect(decodeDerInteger(readDer(derUnsignedInteger(m)))).toBe(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('BOOLEAN, NULL and OCTET STRING', () => {
    expect(decodeDerBoolean(readDer(derBoolean(true)))).toBe(true);
    expect(decodeDerBoolean(readDer(derBoolean(false)))).toBe(false);
    expect(decodeDerNull(readDer(derNull()))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        expect(decodeDerOctetString(readDer(derOctetString(b)))).toEqual(b);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('BIT STRING with any number of unused (zero) bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 7 }), (b, unused) => {
        const bytes = b.slice();
        bytes[bytes.length - 1]! &= 0xff << unused;
        const out = decodeDerBitString(readDer(derBitString(bytes, unused)));
        expect(out.unusedBits).toBe(unused);
        expect(out.bytes).toEqual(bytes);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('named bits: the decoded indices are the sorted, distinct input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }), (bits) => {
        const expected = [...new Set(bits)].sort((a, b) => a - b);
        expect(decodeDerNamedBits(readDer(derNamedBits(bits)))).toEqual(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('OBJECT IDENTIFIER', () => {
    fc.assert(
      fc.property(oidArb, (oid) => {
        expect(decodeDerOid(readDer(derOid(oid)))).toBe(oid);
      }),
      { seed: SEED, numRuns: 500 },
    );
    const uuidOid = '2.25.65412617606308590482276888729697155671';
    expect(decodeDerOid(readDer(derOid(uuidOid)))).toBe(uuidOid);
  });

  it('UTF8String, PrintableString, IA5String', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        expect(decodeDerString(readDer(derUtf8String(s)))).toBe(s);
      }),
      { seed: SEED, numRuns: 300 },
    );
    fc.assert(
      fc.property(printableArb, (s) => {
        expect(decodeDerString(readDer(derPrintableString(s)))).toBe(s);
      }),
      { seed: SEED, numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 60 }), (s) => {
        expect(decodeDerString(readDer(derIa5String(s)))).toBe(s);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('UTCTime, GeneralizedTime and derTime', () => {
    fc.assert(
      fc.property(timeArb, (ms) => {
        expect(decodeDerTime(readDer(derTime(ms)))).toBe(ms);
        expect(decodeDerTime(readDer(derGeneralizedTime(ms)))).toBe(ms);
        if (ms < UTC_END) expect(decodeDerTime(readDer(derUtcTime(ms)))).toBe(ms);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('nested SEQUENCE / SET / EXPLICIT trees: readDer gives back the same bytes and the same canonical tree', () => {
    fc.assert(
      fc.property(treeArb, (der) => {
        const node = readDer(der);
        expect(node.bytes).toEqual(der);
        expect(reencode(node)).toEqual(der);
        walk(node, (n) => {
          expect(n.bytes).toEqual(der.subarray(n.offset, n.offset + n.bytes.length));
        });
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('node views point into the input', () => {
    const node = readDer(SAMPLE);
    expect(node.tag).toBe(DerTag.sequence);
    expect(node.offset).toBe(0);
    expect(node.children.length).toBe(15);
    expect(node.content.buffer).toBe(SAMPLE.buffer);
    const set = node.children[4]!;
    expect(set.tag).toBe(DerTag.set);
    expect(decodeDerString(set.children[1]!.children[1]!)).toBe('市场监督管理局');
    expect(decodeDerInteger(node.children[1]!)).toBe(-129n);
    expect(decodeDerInteger(node.children[2]!)).toBe(0x80aabbccn);
    expect(decodeDerTime(node.children[5]!.children[1]!)).toBe(Date.UTC(2055, 5, 30, 12, 30, 15));
    expect(decodeDerOctetString(node.children[13]!, contextTag(0, false))).toEqual(hexToBytes('0102'));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Parser: strictness
// ---------------------------------------------------------------------------------------------------------------

describe('readDer rejects BER and broken encodings with DER_MALFORMED', () => {
  it('non-minimal lengths (§10.1)', () => {
    expectMalformed('04810100', /long-form length/);
    expectMalformed('0481' + '7f' + '00'.repeat(127), /long-form length/);
    expectMalformed('0482000100', /leading zero/);
    expectMalformed(`048200 80${'00'.repeat(128)}`.replace(' ', ''), /leading zero/);
    expectMalformed('30810100', /long-form/);
    expectMalformed('308100', /leading zero/);
    expectMalformed(`0485${'00'.repeat(5)}`, /longer than 4/);
    // The same content with the minimal length is fine.
    expect(readDer(hexToBytes(`0481 80${'00'.repeat(128)}`.replace(' ', ''))).content.length).toBe(128);
  });

  it('indefinite length and end-of-contents octets', () => {
    expectMalformed('3080020101 0000'.replace(' ', ''), /indefinite/);
    expectMalformed('0000', /end-of-contents/);
    expectMalformed('3004 0000 0500'.replaceAll(' ', ''), /end-of-contents/);
  });

  it('high tag numbers', () => {
    expectMalformed('1f2000', /high tag/);
    expectMalformed('bf2000', /high tag/);
    expectMalformed('3f810000', /high tag/);
  });

  it('trailing bytes after the element', () => {
    expectMalformed('050000', /trailing/);
    expectMalformed(concatBytes(SAMPLE, Uint8Array.of(0x05, 0x00)), /trailing/);
    fc.assert(
      fc.property(treeArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (der, extra) => {
        expect(codeOf(() => readDer(concatBytes(der, extra)))).toBe('DER_MALFORMED');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('truncation at every offset of a nested structure', () => {
    for (let i = 0; i < SAMPLE.length; i++) {
      expect(
        codeOf(() => readDer(SAMPLE.subarray(0, i))),
        `prefix of ${i} bytes`,
      ).toBe('DER_MALFORMED');
    }
    expect(codeOf(() => readDer(SAMPLE))).toBeUndefined();
  });

  it('truncation at every offset of random trees', () => {
    fc.assert(
      fc.property(treeArb, (der) => {
        for (let i = 0; i < der.length; i++) expect(codeOf(() => readDer(der.subarray(0, i)))).toBe('DER_MALFORMED');
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('a length that runs past the end of the enclosing element', () => {
    expectMalformed('0403aabb', /truncated/);
    // Inner OCTET STRING claims 3 bytes but its SEQUENCE has room for 2.
    expectMalformed('30040403aabb', /truncated/);
    expectMalformed('3001', /truncated/);
    expectMalformed('04', /missing length/);
    expectMalformed('', /missing identifier/);
    expectMalformed('0484ffffffff', /truncated/);
  });

  it('nesting deeper than maxDepth', () => {
    const nest = (n: number): Uint8Array => {
      let x = derNull();
      for (let i = 0; i < n; i++) x = derSequence(x);
      return x;
    };
    expect(defaultReadDerOptions.maxDepth).toBe(32);
    expect(() => readDer(nest(32))).not.toThrow();
    expectMalformed(nest(33), /deeper than 32/);
    expectMalformed(nest(200), /deeper/);
    expect(() => readDer(nest(3), { maxDepth: 3 })).not.toThrow();
    expect(thrown(() => readDer(nest(4), { maxDepth: 3 })).code).toBe('DER_MALFORMED');
    expect(thrown(() => readDer(nest(1), { maxDepth: 0 })).code).toBe('DER_MALFORMED');
    expect(() => readDer(derNull(), { maxDepth: 0 })).not.toThrow();
    // Explicit tags are constructed and count too.
    expect(thrown(() => readDer(derExplicit(0, derExplicit(1, derNull())), { maxDepth: 1 })).code).toBe(
      'DER_MALFORMED',
    );
  });

  it('inputs larger than maxBytes', () => {
    expect(defaultReadDerOptions.maxBytes).toBe(65_536);
    const fits = derOctetString(new Uint8Array(65_536 - 4));
    expect(fits.length).toBe(65_536);
    expect(() => readDer(fits)).not.toThrow();
    expectMalformed(derOctetString(new Uint8Array(65_536 - 3)), /longer than 65536/);
    expect(thrown(() => readDer(derOctetString(new Uint8Array(9)), { maxBytes: 10 })).code).toBe('DER_MALFORMED');
    expect(() => readDer(derOctetString(new Uint8Array(8)), { maxBytes: 10 })).not.toThrow();
  });

  it('non-minimal and empty INTEGERs (§8.3.2), ENUMERATED too', () => {
    expectMalformed('02020001', /not minimal/);
    expectMalformed('0202007f', /not minimal/);
    expectMalformed('0203000080', /not minimal/);
    expectMalformed('0202ff80', /not minimal/);
    expectMalformed('0202ffff', /not minimal/);
    expectMalformed('0200', /no content/);
    expectMalformed('0a020001', /not minimal/);
    for (const ok of ['02020080', '0202ff7f', '020100', '0201ff', '0a0101']) {
      expect(() => readDer(hexToBytes(ok)), ok).not.toThrow();
    }
  });

  it('BOOLEANs other than 00 and FF (§11.1)', () => {
    for (const bad of ['010101', '01017f', '010180', '0102ffff', '0100', '01020000']) {
      expectMalformed(bad, /BOOLEAN/);
    }
  });

  it('BIT STRINGs with bad unused-bits octets (§11.2)', () => {
    expectMalformed('0300', /unused-bits octet/);
    expectMalformed('030101', /empty BIT STRING/);
    expectMalformed('03020800', /above 7/);
    expectMalformed('03020101', /not zero/);
    expectMalformed('03020703', /not zero/);
    // A named bit list must not end in a zero bit (§11.2.2), but a plain BIT STRING may.
    const trailingZero = readDer(hexToBytes('03020080'));
    expect(decodeDerBitString(trailingZero).bytes).toEqual(hexToBytes('80'));
    expect(thrown(() => decodeDerNamedBits(trailingZero)).code).toBe('DER_MALFORMED');
    expect(thrown(() => decodeDerNamedBits(readDer(hexToBytes('03020600')))).code).toBe('DER_MALFORMED');
  });

  it('NULL with content, bad OIDs', () => {
    expectMalformed('050100', /NULL/);
    expectMalformed('0600', /no content/);
    expectMalformed('060180', /ends inside/);
    expectMalformed('06022a86', /ends inside/);
    expectMalformed('0603 2a 8001'.replaceAll(' ', ''), /not minimal/);
    expectMalformed('0602802a', /not minimal/);
    expectMalformed(derTlv(0x06, new Uint8Array(129).fill(0x01)), /longer than 128/);
    expect(() => readDer(derTlv(0x06, new Uint8Array(128).fill(0x01)))).not.toThrow();
  });

  it('strings outside their character sets', () => {
    expectMalformed('0c01ff', /UTF-8/);
    expectMalformed('0c02c0af', /UTF-8/); // overlong '/'
    expectMalformed('0c03eda080', /UTF-8/); // encoded surrogate
    expectMalformed('13012a', /PrintableString/);
    expectMalformed('130140', /PrintableString/);
    expectMalformed('160180', /non-ASCII/);
    expectMalformed('1301c3', /non-ASCII/);
  });

  it('times that are not YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ or are out of range', () => {
    const utc = (s: string) => derTlv(DerTag.utcTime, ascii(s));
    const gen = (s: string) => derTlv(DerTag.generalizedTime, ascii(s));
    const bad = [
      utc('2501010000Z'), // no seconds
      utc('250101000000'), // no Z
      utc('250101000000+0800'),
      utc('250101000000.5Z'),
      utc('251301000000Z'), // month 13
      utc('250001000000Z'), // month 0
      utc('250100000000Z'), // day 0
      utc('250132000000Z'),
      utc('250431000000Z'), // April 31
      utc('230229000000Z'), // not a leap year
      utc('250101240000Z'),
      utc('250101236000Z'),
      utc('250101235960Z'), // no leap seconds
      gen('19000229000000Z'), // 1900 is not a leap year
      gen('2025010100000Z'),
      gen('20250101000000.000Z'),
      gen('20250101000000'),
      derTlv(DerTag.utcTime, hexToBytes('3235303130313030303030305a00')),
    ];
    for (const b of bad) expectMalformed(b, /time|Time/);
    expect(decodeDerTime(readDer(utc('240229000000Z')))).toBe(Date.UTC(2024, 1, 29));
    expect(decodeDerTime(readDer(gen('20000229000000Z')))).toBe(Date.UTC(2000, 1, 29));
    expect(decodeDerTime(readDer(utc('500101000000Z')))).toBe(Date.UTC(1950, 0, 1));
    expect(decodeDerTime(readDer(utc('491231235959Z')))).toBe(Date.UTC(2049, 11, 31, 23, 59, 59));
    // GeneralizedTime may carry years before 1950 and years 0–99 (setUTCFullYear, not Date.UTC's 19xx mapping).
    const y50 = new Date(0);
    y50.setUTCFullYear(50, 0, 1);
    expect(decodeDerTime(readDer(gen('00500101000000Z')))).toBe(y50.getTime());
  });

  it('primitive encodings of SEQUENCE/SET, constructed encodings of primitive types (§10.2)', () => {
    expectMalformed('1000', /must be constructed/);
    expectMalformed('1100', /must be constructed/);
    expectMalformed('2403040100', /must be primitive/); // constructed OCTET STRING
    expectMalformed('2300', /must be primitive/);
    expectMalformed('2c00', /must be primitive/);
  });

  it('unsorted SET components (§11.6)', () => {
    expectMalformed('3106020102020101', /not sorted/);
    expectMalformed(`3106${hex(derInteger(1))}${hex(derBoolean(true))}`, /not sorted/);
    expect(() => readDer(hexToBytes('3106020101020102'))).not.toThrow();
    // Equal components are in order.
    expect(() => readDer(hexToBytes('3106020101020101'))).not.toThrow();
  });

  it('decoders check the tag they are given', () => {
    const int = readDer(derInteger(5));
    const checks: (() => unknown)[] = [
      () => decodeDerBoolean(int),
      () => decodeDerOctetString(int),
      () => decodeDerNull(int),
      () => decodeDerOid(int),
      () => decodeDerString(int),
      () => decodeDerTime(int),
      () => decodeDerBitString(int),
      () => decodeDerNamedBits(int),
      () => decodeDerInteger(readDer(derBoolean(true))),
      () => decodeDerInteger(int, contextTag(0, false)),
    ];
    for (const f of checks) expect(thrown(f).code).toBe('DER_MALFORMED');
    // IMPLICIT tags: the content rules of the underlying type still apply.
    expect(decodeDerInteger(readDer(derImplicit(2, derInteger(-5))), contextTag(2, false))).toBe(-5n);
    expect(thrown(() => decodeDerInteger(readDer(hexToBytes('82020001')), contextTag(2, false))).code).toBe(
      'DER_MALFORMED',
    );
    expect(thrown(() => decodeDerBoolean(readDer(hexToBytes('810101')), contextTag(1, false))).code).toBe(
      'DER_MALFORMED',
    );
  });

  it('rejects input that is not a Uint8Array', () => {
    expect(thrown(() => readDer('3000' as unknown as Uint8Array)).code).toBe('DER_MALFORMED');
    expect(thrown(() => readDer([0x30, 0] as unknown as Uint8Array)).code).toBe('DER_MALFORMED');
    expect(thrown(() => readDer(undefined as unknown as Uint8Array)).code).toBe('DER_MALFORMED');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Fuzz: nothing but DER_MALFORMED ever escapes
// ---------------------------------------------------------------------------------------------------------------

/** Runs every decoder that applies to each node; all may throw DER_MALFORMED only. */
function decodeAll(root: DerNode): void {
  walk(root, (n) => {
    const attempts: (() => unknown)[] = [
      () => decodeDerBoolean(n),
      () => decodeDerInteger(n),
      () => decodeDerBitString(n),
      () => decodeDerNamedBits(n),
      () => decodeDerOctetString(n),
      () => decodeDerNull(n),
      () => decodeDerOid(n),
      () => decodeDerString(n),
      () => decodeDerTime(n),
      () => decodeDerInteger(n, n.tag),
      () => decodeDerBoolean(n, n.tag),
      () => decodeDerNamedBits(n, n.tag),
    ];
    for (const f of attempts) expect([undefined, 'DER_MALFORMED']).toContain(codeOf(f));
  });
}

type Mutation =
  | { op: 'set'; at: number; value: number }
  | { op: 'xor'; at: number; value: number }
  | { op: 'insert'; at: number; value: number }
  | { op: 'delete'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('xor' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(input);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.op === 'insert' ? 1 : 0));
    if (m.op === 'insert') b.splice(at, 0, m.value);
    else if (b.length === 0) continue;
    else if (m.op === 'delete') b.splice(at, 1);
    else if (m.op === 'set') b[at] = m.value;
    else b[at] = b[at]! ^ m.value;
  }
  b = b.slice(0, 70_000);
  return Uint8Array.from(b);
}

describe('readDer fuzz', () => {
  /** Checks the contract for one input: a coded DER_MALFORMED, or a canonical tree whose decoders behave. */
  const check = (input: Uint8Array): void => {
    let node: DerNode;
    try {
      node = readDer(input);
    } catch (e) {
      expect(isLianzhengError(e) && e.code === 'DER_MALFORMED', String(e)).toBe(true);
      expect(typeof (e as LianzhengError).details?.reason).toBe('string');
      return;
    }
    // Whatever is accepted is canonical DER: re-encoding gives the same bytes.
    expect(reencode(node)).toEqual(input);
    decodeAll(node);
  };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { seed: SEED, numRuns: 3000 });
  });

  it('random bytes that start like a SEQUENCE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (rest) => {
        check(concatBytes(Uint8Array.of(0x30, rest.length), rest));
        check(concatBytes(Uint8Array.of(0x30, 0x81, rest.length), rest));
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('mutations of valid encodings', () => {
    fc.assert(
      fc.property(
        fc.oneof(treeArb, fc.constant(SAMPLE)),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (der, ms) => check(mutate(der, ms)),
      ),
      { seed: SEED, numRuns: 800 },
    );
  });
});

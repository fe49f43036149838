import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as px from '@peculiar/x509';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '../src/bytes.js';
import { canonicalize } from '../src/canonicalJson.js';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derImplicit,
  derInteger,
  derNamedBits,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTlv,
  derUnsignedInteger,
  derUtcTime,
  derUtf8String,
  readDer,
} from '../src/der.js';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';
import { type CryptoSuite, ed25519Sha256Portable, SuiteId, sm2Sm3Portable } from '../src/suite.js';
import {
  assertCertificateSignature,
  type Certificate,
  certificateFingerprint,
  certificateFromBase64,
  certificateFromPem,
  certificateKind,
  certificateToPem,
  type DistinguishedName,
  type IssueCertificateParameters,
  issueCertificate,
  LIANZHENG_MEMBER_EXTENSION_OID,
  MAX_CERTIFICATE_BYTES,
  type MemberExtension,
  parseCertificate,
  subjectKeyIdentifier,
  suiteOfCertificate,
  verifyCertificateSignature,
} from '../src/x509.js';

const SEED = 0x5509;

function thrown(f: () => unknown): LianzhengError {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw new Error(`expected a LianzhengError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an error, but the call returned');
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (isLianzhengError(e)) return e.code;
    throw e;
  }
}

const T0 = Date.UTC(2025, 0, 1);
const T1 = Date.UTC(2035, 0, 1);
const T2055 = Date.UTC(2055, 0, 1);

const OID = {
  ed25519: '1.3.101.112',
  sm2WithSm3: '1.2.156.10197.1.501',
  ecPublicKey: '1.2.840.10045.2.1',
  sm2Curve: '1.2.156.10197.1.301',
  p256: '1.2.840.10045.3.1.7',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  country: '2.5.4.6',
  org: '2.5.4.10',
  unit: '2.5.4.11',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  email: '1.2.840.113549.1.9.1',
  ski: '2.5.29.14',
  keyUsage: '2.5.29.15',
  san: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  aki: '2.5.29.35',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: a CA and a member certificate per suite, with fixed keys
// ---------------------------------------------------------------------------------------------------------------

const CA_DN: DistinguishedName = { country: 'CN', org: 'market', commonName: 'Market Root CA' };
const MEMBER_DN: DistinguishedName = { country: 'CN', org: 'market', unit: '执法大队', commonName: 'market-0001' };
const MEMBER_EXT: MemberExtension = { kind: 'member', roles: ['admin', 'operator'], attrs: { unit: 'inspection' } };

interface Fixture {
  readonly name: string;
  readonly suite: CryptoSuite;
  readonly caSk: Uint8Array;
  readonly caPk: Uint8Array;
  readonly caDer: Uint8Array;
  readonly ca: Certificate;
  readonly memberSk: Uint8Array;
  readonly memberPk: Uint8Array;
  readonly memberDer: Uint8Array;
  readonly member: Certificate;
}

function makeFixture(name: string, suite: CryptoSuite): Fixture {
  const caSk = new Uint8Array(32).fill(0x11);
  const caPk = suite.publicKeyFromSecret(caSk);
  const caDer = issueCertificate({
    suite,
    issuerSecretKey: caSk,
    issuer: CA_DN,
    subject: CA_DN,
    publicKey: caPk,
    serial: Uint8Array.of(1),
    notBefore: T0,
    notAfter: T1,
    ca: { pathLen: 0 },
  });
  const ca = parseCertificate(caDer);
  const memberSk = new Uint8Array(32).fill(0x22);
  const memberPk = suite.publicKeyFromSecret(memberSk);
  const memberDer = issueCertificate({
    suite,
    issuerSecretKey: caSk,
    issuer: ca,
    subject: MEMBER_DN,
    publicKey: memberPk,
    serial: hexToBytes('8001'),
    notBefore: T0,
    notAfter: T2055,
    member: MEMBER_EXT,
  });
  return { name, suite, caSk, caPk, caDer, ca, memberSk, memberPk, memberDer, member: parseCertificate(memberDer) };
}

const ED = makeFixture('ed25519', ed25519Sha256Portable);
const SM = makeFixture('sm2-sm3', sm2Sm3Portable);
const FIXTURES = [ED, SM] as const;

function other(f: Fixture): Fixture {
  return f === ED ? SM : ED;
}

function issue(f: Fixture, overrides: Partial<IssueCertificateParameters>): Uint8Array {
  return issueCertificate({
    suite: f.suite,
    issuerSecretKey: f.caSk,
    issuer: f.ca,
    subject: MEMBER_DN,
    publicKey: f.memberPk,
    serial: Uint8Array.of(7),
    notBefore: T0,
    notAfter: T1,
    ...overrides,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A certificate builder from raw DER parts, for encodings issueCertificate never writes
// ---------------------------------------------------------------------------------------------------------------

const nameDer = (...atvs: [string, Uint8Array][]) =>
  derSequence(...atvs.map(([o, v]) => derSet(derSequence(derOid(o), v))));
const ext = (oid: string, critical: boolean, value: Uint8Array) =>
  critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
const memberExtDer = (json: string) => ext(LIANZHENG_MEMBER_EXTENSION_OID, false, derUtf8String(json));

function algorithmOf(f: Fixture): Uint8Array {
  return derSequence(derOid(f.suite.id === SuiteId.ed25519Sha256 ? OID.ed25519 : OID.sm2WithSm3));
}

function spkiOf(f: Fixture, publicKey: Uint8Array): Uint8Array {
  const alg =
    f.suite.id === SuiteId.ed25519Sha256
      ? derSequence(derOid(OID.ed25519))
      : derSequence(derOid(OID.ecPublicKey), derOid(OID.sm2Curve));
  return derSequence(alg, derBitString(publicKey));
}

function signatureBits(f: Fixture, tbs: Uint8Array): Uint8Array {
  const raw = f.suite.sign(f.caSk, tbs);
  return f.suite.id === SuiteId.ed25519Sha256
    ? derBitString(raw)
    : derBitString(derSequence(derUnsignedInteger(raw.subarray(0, 32)), derUnsignedInteger(raw.subarray(32))));
}

interface Parts {
  version?: Uint8Array | null;
  serial?: Uint8Array;
  algorithm?: Uint8Array;
  innerAlgorithm?: Uint8Array;
  issuer?: Uint8Array;
  validity?: Uint8Array;
  subject?: Uint8Array;
  spki?: Uint8Array;
  uniqueIds?: Uint8Array[];
  extensions?: Uint8Array[] | null;
  extensionsElement?: Uint8Array;
  extraTbs?: Uint8Array[];
  signature?: Uint8Array;
  extraOuter?: Uint8Array[];
}

const defaultExtensions = () => [
  ext(OID.basicConstraints, true, derSequence()),
  ext(OID.keyUsage, true, derNamedBits([0])),
  memberExtDer('{"attrs":{},"kind":"member","roles":["admin"]}'),
];

/** A certificate signed by the fixture CA, from defaults or the parts given. */
function craft(f: Fixture, p: Parts = {}): Uint8Array {
  const algorithm = p.algorithm ?? algorithmOf(f);
  const extensions = p.extensions === undefined ? defaultExtensions() : p.extensions;
  const tbs = derSequence(
    ...(p.version === null ? [] : [p.version ?? derExplicit(0, derInteger(2))]),
    p.serial ?? derInteger(0x1234),
    p.innerAlgorithm ?? algorithm,
    p.issuer ?? f.ca.subjectDer,
    p.validity ?? derSequence(derUtcTime(T0), derUtcTime(T1)),
    p.subject ?? nameDer([OID.org, derUtf8String('market')], [OID.commonName, derUtf8String('market-0001')]),
    p.spki ?? spkiOf(f, f.memberPk),
    ...(p.uniqueIds ?? []),
    ...(p.extensionsElement !== undefined
      ? [p.extensionsElement]
      : extensions === null
        ? []
        : [derExplicit(3, derSequence(...extensions))]),
    ...(p.extraTbs ?? []),
  );
  return derSequence(tbs, algorithm, p.signature ?? signatureBits(f, tbs), ...(p.extraOuter ?? []));
}

const parseCode = (der: Uint8Array) => codeOf(() => parseCertificate(der));

// ---------------------------------------------------------------------------------------------------------------
// Issue → parse
// ---------------------------------------------------------------------------------------------------------------

describe.each(FIXTURES)('issueCertificate → parseCertificate ($name)', (f) => {
  it('a self-signed CA certificate', () => {
    const { ca, caDer, caPk, suite } = f;
    expect(ca.der).toEqual(caDer);
    expect(ca.tbs).toEqual(readDer(caDer).children[0]!.bytes);
    expect(ca.serial).toBe('01');
    expect(ca.algorithm).toBe(f.name);
    expect(suiteOfCertificate(ca)).toBe(suite.id);
    expect(ca.subject).toEqual(CA_DN);
    expect(ca.issuer).toEqual(CA_DN);
    expect(ca.issuerDer).toEqual(ca.subjectDer);
    expect(ca.notBefore).toBe(T0);
    expect(ca.notAfter).toBe(T1);
    expect(ca.publicKey).toEqual(caPk);
    expect(ca.signature.length).toBe(64);
    expect(ca.ca).toBe(true);
    expect(ca.pathLen).toBe(0);
    expect(ca.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
    expect(ca.subjectKeyId).toEqual(subjectKeyIdentifier(suite, caPk));
    expect(ca.subjectKeyId).toEqual(suite.hash(caPk).subarray(0, 20));
    expect(ca.authorityKeyId).toEqual(ca.subjectKeyId);
    expect(ca.member).toBeUndefined();
    expect(certificateKind(ca)).toBe('ca');
    expect(verifyCertificateSignature(suite, ca, caPk)).toBe(true);
    expect(Object.isFrozen(ca)).toBe(true);
  });

  it('a member certificate issued by the CA', () => {
    const { member, ca, suite } = f;
    expect(member.serial).toBe('008001');
    expect(member.subject).toEqual(MEMBER_DN);
    expect(member.issuer).toEqual(CA_DN);
    expect(member.issuerDer).toEqual(ca.subjectDer);
    expect(member.notAfter).toBe(T2055);
    expect(member.publicKey).toEqual(f.memberPk);
    expect(member.ca).toBe(false);
    expect(member.pathLen).toBeUndefined();
    expect(member.keyUsage).toEqual(['digitalSignature']);
    expect(member.authorityKeyId).toEqual(ca.subjectKeyId);
    expect(member.member).toEqual(MEMBER_EXT);
    expect(certificateKind(member)).toBe('member');
    expect(verifyCertificateSignature(suite, member, f.caPk)).toBe(true);
    expect(verifyCertificateSignature(suite, member, f.memberPk)).toBe(false);
    expect(() => assertCertificateSignature(suite, member, f.caPk)).not.toThrow();
    // notAfter in 2055 is a GeneralizedTime, notBefore a UTCTime (RFC 5280 §4.1.2.5).
    const validity = readDer(member.tbs).children[4]!;
    expect(validity.children.map((c) => c.tag)).toEqual([0x17, 0x18]);
  });

  it('node certificates, plain end-entity certificates, custom key usage', () => {
    const node = parseCertificate(issue(f, { member: { kind: 'node', roles: [], attrs: {} } }));
    expect(certificateKind(node)).toBe('node');
    expect(node.member).toEqual({ kind: 'node', roles: [], attrs: {} });
    const plain = parseCertificate(issue(f, {}));
    expect(certificateKind(plain)).toBeUndefined();
    expect(plain.member).toBeUndefined();
    const all = parseCertificate(
      issue(f, {
        keyUsage: [
          'cRLSign',
          'digitalSignature',
          'nonRepudiation',
          'keyEncipherment',
          'dataEncipherment',
          'keyAgreement',
        ],
      }),
    );
    expect(all.keyUsage).toEqual([
      'digitalSignature',
      'nonRepudiation',
      'keyEncipherment',
      'dataEncipherment',
      'keyAgreement',
      'cRLSign',
    ]);
    const ca = parseCertificate(
      issueCertificate({
        suite: f.suite,
        issuerSecretKey: f.caSk,
        issuer: CA_DN,
        subject: CA_DN,
        publicKey: f.caPk,
        serial: Uint8Array.of(2),
        notBefore: T0,
        notAfter: T0,
        ca: {},
      }),
    );
    expect(ca.ca).toBe(true);
    expect(ca.pathLen).toBeUndefined();
    expect(ca.notAfter).toBe(ca.notBefore);
  });

  it('a DistinguishedName issuer: the AKI is computed from the issuer key', () => {
    const der = issue(f, { issuer: { org: 'market', commonName: 'Another CA' } });
    const cert = parseCertificate(der);
    expect(cert.issuer).toEqual({ org: 'market', commonName: 'Another CA' });
    expect(cert.authorityKeyId).toEqual(subjectKeyIdentifier(f.suite, f.caPk));
    expect(verifyCertificateSignature(f.suite, cert, f.caPk)).toBe(true);
  });

  it('serial numbers: leading zeros dropped, a sign octet added, at most 20 content octets', () => {
    const serialOf = (serial: Uint8Array) => parseCertificate(issue(f, { serial })).serial;
    expect(serialOf(hexToBytes('000001'))).toBe('01');
    expect(serialOf(hexToBytes('7f'))).toBe('7f');
    expect(serialOf(hexToBytes('ff'))).toBe('00ff');
    expect(serialOf(new Uint8Array(20).fill(0x7f))).toBe('7f'.repeat(20));
    expect(serialOf(new Uint8Array(19).fill(0xff))).toBe(`00${'ff'.repeat(19)}`);
    for (const bad of [
      new Uint8Array(20).fill(0x80),
      new Uint8Array(21).fill(1),
      new Uint8Array(0),
      new Uint8Array(3),
    ]) {
      const e = thrown(() => issue(f, { serial: bad }));
      expect(e.code).toBe('FIELD_INVALID');
      expect(e.details?.field).toBe('serial');
    }
  });
});

describe('issueCertificate round trip (property)', () => {
  const text = (max: number) =>
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((s) => [...s].length <= max);
  const dnArb: fc.Arbitrary<DistinguishedName> = fc
    .record(
      {
        country: fc.constantFrom('CN', 'HK', 'DE'),
        state: text(20),
        locality: text(20),
        org: text(30),
        unit: text(30),
        commonName: text(30),
      },
      { requiredKeys: [] },
    )
    .filter((dn) => Object.keys(dn).length > 0);
  const roleArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
  const memberArb: fc.Arbitrary<MemberExtension> = fc.record({
    kind: fc.constantFrom('member' as const, 'node' as const),
    roles: fc.uniqueArray(roleArb, { maxLength: 5 }),
    attrs: fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z0-9_-]{0,8}$/), text(40), { maxKeys: 4 }),
  });
  const timeArb = fc
    .integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(9999, 0, 1) / 1000 })
    .map((s) => s * 1000);

  for (const [f, numRuns] of [
    [ED, 150],
    [SM, 25],
  ] as const) {
    it(`every field survives (${f.name})`, () => {
      fc.assert(
        fc.property(
          dnArb,
          fc.uint8Array({ minLength: 1, maxLength: 19 }).filter((s) => s.some((b) => b !== 0)),
          timeArb,
          timeArb,
          fc.option(memberArb, { nil: undefined }),
          (subject, serial, a, b, member) => {
            const [notBefore, notAfter] = a <= b ? [a, b] : [b, a];
            const der = issueCertificate({
              suite: f.suite,
              issuerSecretKey: f.caSk,
              issuer: f.ca,
              subject,
              publicKey: f.memberPk,
              serial,
              notBefore,
              notAfter,
              ...(member === undefined ? {} : { member }),
            });
            const cert = parseCertificate(der);
            expect(cert.subject).toEqual(subject);
            expect(cert.notBefore).toBe(notBefore);
            expect(cert.notAfter).toBe(notAfter);
            expect(BigInt(`0x${cert.serial}`)).toBe(BigInt(`0x${bytesToHex(serial)}`));
            expect(cert.member).toEqual(member);
            expect(verifyCertificateSignature(f.suite, cert, f.caPk)).toBe(true);
          },
        ),
        { seed: SEED, numRuns },
      );
    });
  }
});

describe('issueCertificate rejects bad parameters', () => {
  const cases: [string, Partial<IssueCertificateParameters>, string, string?][] = [
    ['empty subject', { subject: {} }, 'FIELD_INVALID', 'subject'],
    ['lower-case country', { subject: { country: 'cn', org: 'market' } }, 'FIELD_INVALID', 'subject.country'],
    ['three-letter country', { subject: { country: 'CHN', org: 'market' } }, 'FIELD_INVALID', 'subject.country'],
    ['empty CN', { subject: { org: 'market', commonName: '' } }, 'FIELD_INVALID', 'subject.commonName'],
    ['CN of 65 characters', { subject: { commonName: 'x'.repeat(65) } }, 'FIELD_INVALID', 'subject.commonName'],
    ['O of 65 characters', { subject: { org: '局'.repeat(65) } }, 'FIELD_INVALID', 'subject.org'],
    ['lone surrogate', { subject: { org: '\ud800' } }, 'FIELD_INVALID', 'subject.org'],
    ['empty issuer DN', { issuer: {} }, 'FIELD_INVALID', 'issuer'],
    ['ca and member', { ca: {}, member: MEMBER_EXT }, 'FIELD_INVALID', 'member'],
    ['pathLen -1', { ca: { pathLen: -1 } }, 'FIELD_INVALID', 'ca.pathLen'],
    ['pathLen 256', { ca: { pathLen: 256 } }, 'FIELD_INVALID', 'ca.pathLen'],
    ['pathLen 1.5', { ca: { pathLen: 1.5 } }, 'FIELD_INVALID', 'ca.pathLen'],
    ['notBefore after notAfter', { notBefore: T1, notAfter: T0 }, 'FIELD_INVALID', 'notAfter'],
    ['NaN time', { notBefore: Number.NaN }, 'FIELD_INVALID', 'notAfter'],
    ['time with milliseconds', { notBefore: T0 + 1 }, 'FIELD_INVALID', 'time'],
    ['time before 1950', { notBefore: Date.UTC(1949, 0, 1) }, 'FIELD_INVALID', 'time'],
    ['empty keyUsage', { keyUsage: [] }, 'FIELD_INVALID', 'keyUsage'],
    ['repeated keyUsage', { keyUsage: ['digitalSignature', 'digitalSignature'] }, 'FIELD_INVALID', 'keyUsage'],
    ['unknown keyUsage', { keyUsage: ['encipherOnly' as never] }, 'FIELD_INVALID', 'keyUsage'],
    ['bad role', { member: { kind: 'member', roles: ['Admin'], attrs: {} } }, 'X509_PROFILE_INVALID'],
    ['repeated role', { member: { kind: 'member', roles: ['a', 'a'], attrs: {} } }, 'X509_PROFILE_INVALID'],
    [
      '17 roles',
      { member: { kind: 'member', roles: Array.from({ length: 17 }, (_, i) => `r${i}`), attrs: {} } },
      'X509_PROFILE_INVALID',
    ],
    ['kind ca', { member: { kind: 'ca' as never, roles: [], attrs: {} } }, 'X509_PROFILE_INVALID'],
    ['bad attr name', { member: { kind: 'member', roles: [], attrs: { 'bad name': 'x' } } }, 'X509_PROFILE_INVALID'],
    [
      'attr value of 129 characters',
      { member: { kind: 'member', roles: [], attrs: { unit: 'x'.repeat(129) } } },
      'X509_PROFILE_INVALID',
    ],
    ['non-string attr', { member: { kind: 'member', roles: [], attrs: { unit: 1 as never } } }, 'X509_PROFILE_INVALID'],
    [
      'extra member field',
      { member: { kind: 'member', roles: [], attrs: {}, extra: 1 } as unknown as MemberExtension },
      'X509_PROFILE_INVALID',
    ],
    ['ed25519 key of 31 bytes', { publicKey: new Uint8Array(31) }, 'KEY_INVALID', 'publicKey'],
    ['small-order Ed25519 key', { publicKey: hexToBytes(`01${'00'.repeat(31)}`) }, 'KEY_INVALID', 'publicKey'],
    ['SM2 key for Ed25519', { publicKey: SM.memberPk }, 'KEY_INVALID', 'publicKey'],
    [
      'issuer key does not match the CA',
      { issuerSecretKey: new Uint8Array(32).fill(0x33) },
      'KEY_INVALID',
      'issuerSecretKey',
    ],
    ['member certificate as issuer', { issuer: ED.member, issuerSecretKey: ED.memberSk }, 'X509_PROFILE_INVALID'],
    ['issuer certificate of the other suite', { issuer: SM.ca }, 'X509_UNSUPPORTED'],
  ];
  it.each(cases)('%s', (_name, overrides, code, field) => {
    const e = thrown(() => issue(ED, overrides));
    expect(e.code).toBe(code);
    if (field !== undefined) expect(e.details?.field).toBe(field);
  });

  it('a CA without keyCertSign cannot issue', () => {
    const weakCa = parseCertificate(
      issueCertificate({
        suite: ed25519Sha256Portable,
        issuerSecretKey: ED.caSk,
        issuer: CA_DN,
        subject: CA_DN,
        publicKey: ED.caPk,
        serial: Uint8Array.of(9),
        notBefore: T0,
        notAfter: T1,
        ca: {},
        keyUsage: ['digitalSignature'],
      }),
    );
    expect(thrown(() => issue(ED, { issuer: weakCa })).code).toBe('X509_PROFILE_INVALID');
  });

  it('an unknown suite', () => {
    const rsa = { ...ed25519Sha256Portable, id: 'rsa' as SuiteId };
    expect(thrown(() => issue(ED, { suite: rsa })).code).toBe('SUITE_UNKNOWN');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------------------------

describe.each(FIXTURES)('certificate signatures ($name)', (f) => {
  it('a flipped signature bit fails', () => {
    const der = f.memberDer.slice();
    der[der.length - 1]! ^= 0x01;
    const cert = parseCertificate(der);
    expect(verifyCertificateSignature(f.suite, cert, f.caPk)).toBe(false);
    const e = thrown(() => assertCertificateSignature(f.suite, cert, f.caPk));
    expect(e.code).toBe('X509_SIGNATURE_INVALID');
    expect(e.details?.serial).toBe('008001');
  });

  it('a changed TBS byte fails (the CN market-0001 → market-0002)', () => {
    const der = f.memberDer.slice();
    const at = bytesToHex(der).indexOf(bytesToHex(new TextEncoder().encode('market-0001'))) / 2;
    expect(at).toBeGreaterThan(0);
    der[at + 10] = 0x32;
    const cert = parseCertificate(der);
    expect(cert.subject.commonName).toBe('market-0002');
    expect(verifyCertificateSignature(f.suite, cert, f.caPk)).toBe(false);
    expect(thrown(() => assertCertificateSignature(f.suite, cert, f.caPk)).code).toBe('X509_SIGNATURE_INVALID');
  });

  it('the wrong CA key fails; a key of the other suite fails', () => {
    const otherCa = f.suite.publicKeyFromSecret(new Uint8Array(32).fill(0x44));
    expect(verifyCertificateSignature(f.suite, f.member, otherCa)).toBe(false);
    expect(verifyCertificateSignature(f.suite, f.member, other(f).caPk)).toBe(false);
    expect(verifyCertificateSignature(f.suite, f.member, new Uint8Array(0))).toBe(false);
    expect(thrown(() => assertCertificateSignature(f.suite, f.member, otherCa)).code).toBe('X509_SIGNATURE_INVALID');
  });

  it('a certificate checked on the other suite’s chain', () => {
    expect(verifyCertificateSignature(other(f).suite, f.member, f.caPk)).toBe(false);
    expect(thrown(() => assertCertificateSignature(other(f).suite, f.member, f.caPk)).code).toBe('X509_UNSUPPORTED');
  });

  it('a member certificate is not self-signed; a self-signed member certificate does not verify under the CA', () => {
    expect(verifyCertificateSignature(f.suite, f.member, f.member.publicKey)).toBe(false);
    const selfSigned = parseCertificate(
      issueCertificate({
        suite: f.suite,
        issuerSecretKey: f.memberSk,
        issuer: CA_DN, // pretends to come from the CA
        subject: MEMBER_DN,
        publicKey: f.memberPk,
        serial: Uint8Array.of(3),
        notBefore: T0,
        notAfter: T1,
        member: MEMBER_EXT,
      }),
    );
    expect(selfSigned.issuerDer).toEqual(f.ca.subjectDer);
    expect(verifyCertificateSignature(f.suite, selfSigned, f.memberPk)).toBe(true);
    expect(verifyCertificateSignature(f.suite, selfSigned, f.caPk)).toBe(false);
  });

  it('fingerprints are the suite hash of the DER', () => {
    expect(certificateFingerprint(f.suite, f.memberDer)).toBe(bytesToHex(f.suite.hash(f.memberDer)));
    expect(certificateFingerprint(f.suite, f.memberDer)).not.toBe(certificateFingerprint(f.suite, f.caDer));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// PEM and base64
// ---------------------------------------------------------------------------------------------------------------

describe('PEM (RFC 7468) and base64', () => {
  it('round trips, 64-character lines, surrounding text ignored', () => {
    const pem = certificateToPem(ED.memberDer);
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    expect(pem.endsWith('\n')).toBe(true);
    for (const l of lines.slice(1, -2)) expect(l.length).toBe(64);
    expect(lines.at(-2)!.length).toBeLessThanOrEqual(64);
    expect(certificateFromPem(pem)).toEqual(ED.memberDer);
    expect(certificateFromPem(`Subject: market-0001\r\n${pem.replaceAll('\n', '\r\n')}trailing text`)).toEqual(
      ED.memberDer,
    );
    expect(certificateFromBase64(Buffer.from(SM.caDer).toString('base64'))).toEqual(SM.caDer);
  });

  it('rejects broken PEM and base64 with X509_MALFORMED', () => {
    const pem = certificateToPem(ED.memberDer);
    const b64 = Buffer.from(ED.memberDer).toString('base64');
    const bad: (() => unknown)[] = [
      () => certificateFromPem(pem + pem),
      () => certificateFromPem(pem.replace('-----END CERTIFICATE-----', '')),
      () => certificateFromPem(pem.replace('-----BEGIN CERTIFICATE-----', '')),
      () => certificateFromPem(pem.replace('BEGIN CERTIFICATE', 'BEGIN PRIVATE KEY')),
      () => certificateFromPem(`${pem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`),
      () => certificateFromPem(pem.replace(/\n([A-Za-z0-9+/])/, '\n*$1')),
      () => certificateFromPem('x'.repeat(70_000)),
      () => certificateFromPem(42 as unknown as string),
      () => certificateFromBase64(''),
      () => certificateFromBase64(`${b64}\n`),
      () => certificateFromBase64(b64.slice(0, -1)),
      () => certificateFromBase64(`${b64.slice(0, 10)} ${b64.slice(10)}`),
      () => certificateFromBase64(Buffer.from(new Uint8Array(MAX_CERTIFICATE_BYTES + 3)).toString('base64')),
    ];
    for (const f of bad) expect(thrown(f).code).toBe('X509_MALFORMED');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Parser: rejections of hand-made encodings
// ---------------------------------------------------------------------------------------------------------------

describe.each(FIXTURES)('parseCertificate on hand-made encodings ($name)', (f) => {
  it('the builder’s default certificate is valid (so every failure below is caused by its one change)', () => {
    const cert = parseCertificate(craft(f));
    expect(cert.member).toEqual({ kind: 'member', roles: ['admin'], attrs: {} });
    expect(verifyCertificateSignature(f.suite, cert, f.caPk)).toBe(true);
  });

  const malformed: [string, (f: Fixture) => Parts][] = [
    ['version 0 encoded (DEFAULT)', () => ({ version: derExplicit(0, derInteger(0)) })],
    ['version 3', () => ({ version: derExplicit(0, derInteger(3)) })],
    ['version not an INTEGER', () => ({ version: derExplicit(0, derNull()) })],
    ['version with two elements', () => ({ version: derExplicit(0, derSequence(derInteger(2), derInteger(2))) })],
    ['negative serial', () => ({ serial: derInteger(-5) })],
    ['zero serial', () => ({ serial: derInteger(0) })],
    ['serial of 21 octets', () => ({ serial: derUnsignedInteger(new Uint8Array(21).fill(0x11)) })],
    ['missing serial', () => ({ serial: derNull() })],
    ['inner algorithm differs', () => ({ innerAlgorithm: derSequence(derOid(OID.ed25519), derNull()) })],
    ['empty issuer', () => ({ issuer: derSequence() })],
    ['issuer not a Name', () => ({ issuer: derSequence(derSequence(derOid(OID.org), derUtf8String('market'))) })],
    ['empty RDN', () => ({ subject: derSequence(derSet()) })],
    [
      'attribute with two values',
      () => ({ subject: derSequence(derSet(derSequence(derOid(OID.org), derUtf8String('a'), derUtf8String('b')))) }),
    ],
    ['validity with three times', () => ({ validity: derSequence(derUtcTime(T0), derUtcTime(T1), derUtcTime(T1)) })],
    ['validity with one time', () => ({ validity: derSequence(derUtcTime(T0)) })],
    ['validity with an INTEGER', () => ({ validity: derSequence(derUtcTime(T0), derInteger(1)) })],
    [
      'SPKI with unused bits',
      (g) => ({ spki: derSequence(derSequence(...spkiAlgorithmParts(g)), derBitString(padKey(g), 1)) }),
    ],
    ['SPKI key of the wrong length', (g) => ({ spki: spkiOf(g, g.memberPk.subarray(1)) })],
    ['SPKI with a third component', (g) => ({ spki: concatSeq(spkiOf(g, g.memberPk), derNull()) })],
    ['TBS with a trailing component', () => ({ extraTbs: [derInteger(1)] })],
    ['Certificate with a fourth component', () => ({ extraOuter: [derNull()] })],
    ['empty extensions', () => ({ extensions: [] })],
    ['extensions not wrapped in a SEQUENCE', () => ({ extensionsElement: derExplicit(3, derNull()) })],
    [
      'extensions element with two children',
      () => ({
        extensionsElement: derTlv(
          0xa3,
          concatBytes(derSequence(ext(OID.ski, false, derOctetString(new Uint8Array(4)))), derSequence()),
        ),
      }),
    ],
    [
      'duplicate extension',
      () => ({ extensions: [...defaultExtensions(), ext(OID.basicConstraints, true, derSequence())] }),
    ],
    [
      'critical FALSE encoded',
      () => ({
        extensions: [
          derSequence(derOid(OID.ski), derBoolean(false), derOctetString(derOctetString(new Uint8Array(4)))),
        ],
      }),
    ],
    ['extension value not an OCTET STRING', () => ({ extensions: [derSequence(derOid(OID.ski), derNull())] })],
    [
      'basicConstraints encodes cA FALSE',
      () => ({ extensions: [ext(OID.basicConstraints, true, derSequence(derBoolean(false)))] }),
    ],
    ['pathLen without cA', () => ({ extensions: [ext(OID.basicConstraints, true, derSequence(derInteger(0)))] })],
    [
      'negative pathLen',
      () => ({ extensions: [ext(OID.basicConstraints, true, derSequence(derBoolean(true), derInteger(-1)))] }),
    ],
    [
      'basicConstraints with extra parts',
      () => ({
        extensions: [ext(OID.basicConstraints, true, derSequence(derBoolean(true), derInteger(1), derNull()))],
      }),
    ],
    ['keyUsage with no bit set', () => ({ extensions: [ext(OID.keyUsage, true, derNamedBits([]))] })],
    [
      'keyUsage not a BIT STRING',
      () => ({ extensions: [ext(OID.keyUsage, true, derOctetString(Uint8Array.of(0x80)))] }),
    ],
    ['subjectKeyIdentifier not an OCTET STRING', () => ({ extensions: [ext(OID.ski, false, derNull())] })],
    [
      'authorityKeyIdentifier with an unknown part',
      () => ({ extensions: [ext(OID.aki, false, derSequence(derInteger(1)))] }),
    ],
  ];
  it.each(malformed)('X509_MALFORMED: %s', (_name, parts) => {
    expect(parseCode(craft(f, parts(f)))).toBe('X509_MALFORMED');
  });

  const unsupported: [string, (f: Fixture) => Parts][] = [
    ['a v1 certificate', () => ({ version: null, extensions: null })],
    ['a v2 certificate', () => ({ version: derExplicit(0, derInteger(1)) })],
    ['RSA signature algorithm', () => ({ algorithm: derSequence(derOid(OID.sha256WithRsa), derNull()) })],
    [
      'RSA public key',
      () => ({
        spki: derSequence(
          derSequence(derOid(OID.rsaEncryption), derNull()),
          derBitString(derSequence(derInteger(65537n))),
        ),
      }),
    ],
    [
      'a P-256 key',
      () => ({ spki: derSequence(derSequence(derOid(OID.ecPublicKey), derOid(OID.p256)), derBitString(SM.memberPk)) }),
    ],
    ['a key of the other suite', (g) => ({ spki: spkiOf(other(g), other(g).memberPk) })],
    [
      'a duplicated CN',
      () => ({ subject: nameDer([OID.commonName, derUtf8String('a')], [OID.commonName, derUtf8String('b')]) }),
    ],
    ['an O that is a BMPString', () => ({ subject: nameDer([OID.org, derTlv(0x1e, hexToBytes('006d'))]) })],
    ['an unknown critical extension', () => ({ extensions: [ext('1.2.3.4', true, derNull())] })],
    [
      'pathLen above 255',
      () => ({ extensions: [ext(OID.basicConstraints, true, derSequence(derBoolean(true), derInteger(256)))] }),
    ],
    ['keyUsage encipherOnly', () => ({ extensions: [ext(OID.keyUsage, true, derNamedBits([0, 7]))] })],
  ];
  it.each(unsupported)('X509_UNSUPPORTED: %s', (_name, parts) => {
    expect(parseCode(craft(f, parts(f)))).toBe('X509_UNSUPPORTED');
  });

  const profile: [string, Uint8Array][] = [
    ['not a UTF8String', ext(LIANZHENG_MEMBER_EXTENSION_OID, false, derOctetString(new Uint8Array(2)))],
    ['not canonical JSON (space)', memberExtDer('{"attrs":{}, "kind":"member","roles":[]}')],
    ['not canonical JSON (order)', memberExtDer('{"kind":"member","attrs":{},"roles":[]}')],
    ['not JSON', memberExtDer('member')],
    ['missing roles', memberExtDer('{"attrs":{},"kind":"member"}')],
    ['extra field', memberExtDer('{"attrs":{},"extra":1,"kind":"member","roles":[]}')],
    ['a JSON array', memberExtDer('[]')],
    ['kind ca', memberExtDer('{"attrs":{},"kind":"ca","roles":[]}')],
    ['role not a string', memberExtDer('{"attrs":{},"kind":"member","roles":[1]}')],
    ['upper-case role', memberExtDer('{"attrs":{},"kind":"member","roles":["Admin"]}')],
    ['repeated role', memberExtDer('{"attrs":{},"kind":"member","roles":["a","a"]}')],
    ['attrs an array', memberExtDer('{"attrs":[],"kind":"member","roles":[]}')],
    ['attr value a number', memberExtDer('{"attrs":{"unit":1},"kind":"member","roles":[]}')],
    [
      '17 attrs',
      memberExtDer(
        canonicalize({
          attrs: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`a${i}`, 'v'])),
          kind: 'member',
          roles: [],
        }),
      ),
    ],
  ];
  it.each(profile)('X509_PROFILE_INVALID member extension: %s', (_name, extension) => {
    expect(parseCode(craft(f, { extensions: [extension] }))).toBe('X509_PROFILE_INVALID');
  });

  it('a CA certificate that carries the member extension parses, but has no kind', () => {
    const der = craft(f, {
      extensions: [
        ext(OID.basicConstraints, true, derSequence(derBoolean(true))),
        memberExtDer('{"attrs":{},"kind":"member","roles":[]}'),
      ],
    });
    const cert = parseCertificate(der);
    expect(cert.ca).toBe(true);
    expect(thrown(() => certificateKind(cert)).code).toBe('X509_PROFILE_INVALID');
  });

  it('accepted variations: no extensions, unique ids, unknown non-critical and skipped critical extensions, extra name attributes', () => {
    const plain = parseCertificate(craft(f, { extensions: null }));
    expect(plain.ca).toBe(false);
    expect(plain.keyUsage).toBeUndefined();
    expect(plain.member).toBeUndefined();

    const ids = parseCertificate(
      craft(f, {
        uniqueIds: [derImplicit(1, derBitString(Uint8Array.of(1))), derImplicit(2, derBitString(Uint8Array.of(2)))],
      }),
    );
    expect(ids.subject.commonName).toBe('market-0001');

    const exts = parseCertificate(
      craft(f, {
        extensions: [
          ext('1.2.3.4', false, derNull()),
          ext(OID.san, true, derSequence(derImplicit(2, derTlv(0x16, new TextEncoder().encode('example.org'))))),
          ext(OID.aki, false, derSequence(derImplicit(2, derInteger(5)))),
        ],
      }),
    );
    expect(exts.authorityKeyId).toBeUndefined();
    expect(exts.ca).toBe(false);

    const names = parseCertificate(
      craft(f, {
        subject: derSequence(
          derSet(derSequence(derOid(OID.org), derTlv(0x13, new TextEncoder().encode('market')))),
          derSet(
            derSequence(derOid(OID.commonName), derTlv(0x16, new TextEncoder().encode('m-1'))),
            derSequence(derOid(OID.serialNumber), derTlv(0x13, new TextEncoder().encode('42'))),
          ),
          derSet(derSequence(derOid(OID.email), derTlv(0x16, new TextEncoder().encode('a@b.cn')))),
        ),
      }),
    );
    expect(names.subject).toEqual({ org: 'market', commonName: 'm-1' });
  });

  it('signature value checks', () => {
    expect(parseCode(craft(f, { signature: derBitString(new Uint8Array(64), 7) }))).toBe('X509_MALFORMED');
    if (f === ED) {
      expect(parseCode(craft(f, { signature: derBitString(new Uint8Array(63)) }))).toBe('X509_MALFORMED');
      expect(parseCode(craft(f, { signature: derBitString(new Uint8Array(65)) }))).toBe('X509_MALFORMED');
    } else {
      const sig = (r: Uint8Array, s: Uint8Array) => derBitString(derSequence(derTlv(0x02, r), derTlv(0x02, s)));
      const one = Uint8Array.of(1);
      expect(parseCode(craft(f, { signature: sig(Uint8Array.of(0x80), one) }))).toBe('X509_MALFORMED'); // negative
      expect(parseCode(craft(f, { signature: sig(Uint8Array.of(0), one) }))).toBe('X509_MALFORMED'); // zero
      expect(parseCode(craft(f, { signature: sig(concatBytes(Uint8Array.of(1), new Uint8Array(32)), one) }))).toBe(
        'X509_MALFORMED',
      ); // 2^256
      expect(parseCode(craft(f, { signature: derBitString(derSequence(derInteger(1))) }))).toBe('X509_MALFORMED');
      expect(
        parseCode(craft(f, { signature: derBitString(derSequence(derInteger(1), derInteger(1), derInteger(1))) })),
      ).toBe('X509_MALFORMED');
      expect(parseCode(craft(f, { signature: derBitString(derSequence(derInteger(1), derNull())) }))).toBe(
        'X509_MALFORMED',
      );
      // Not DER inside the BIT STRING.
      expect(
        parseCode(craft(f, { signature: derBitString(hexToBytes('3080020101020101 0000'.replace(' ', ''))) })),
      ).toBe('DER_MALFORMED');
      // NULL parameters on SM2-with-SM3 are accepted.
      const withNull = parseCertificate(craft(f, { algorithm: derSequence(derOid(OID.sm2WithSm3), derNull()) }));
      expect(verifyCertificateSignature(f.suite, withNull, f.caPk)).toBe(true);
      // The largest r and s (2^256 − 1) are in range for the parser.
      const max = new Uint8Array(32).fill(0xff);
      const big = parseCertificate(
        craft(f, { signature: derBitString(derSequence(derUnsignedInteger(max), derUnsignedInteger(max))) }),
      );
      expect(big.signature).toEqual(new Uint8Array(64).fill(0xff));
      expect(verifyCertificateSignature(f.suite, big, f.caPk)).toBe(false);
    }
  });

  it('an Ed25519 signature algorithm with parameters, and an invalid Ed25519 key', () => {
    if (f !== ED) return;
    expect(parseCode(craft(f, { algorithm: derSequence(derOid(OID.ed25519), derNull()) }))).toBe('X509_MALFORMED');
    expect(parseCode(craft(f, { spki: spkiOf(f, hexToBytes(`01${'00'.repeat(31)}`)) }))).toBe('X509_MALFORMED');
  });

  it('an SM2 key that is not on the curve', () => {
    if (f !== SM) return;
    const bad = f.memberPk.slice();
    bad[64]! ^= 1;
    expect(parseCode(craft(f, { spki: spkiOf(f, bad) }))).toBe('X509_MALFORMED');
    expect(parseCode(craft(f, { spki: spkiOf(f, concatBytes(Uint8Array.of(2), f.memberPk.subarray(1, 33))) }))).toBe(
      'X509_MALFORMED',
    );
  });
});

function spkiAlgorithmParts(f: Fixture): Uint8Array[] {
  return f.suite.id === SuiteId.ed25519Sha256 ? [derOid(OID.ed25519)] : [derOid(OID.ecPublicKey), derOid(OID.sm2Curve)];
}

/** The member key with its last bit cleared, so that it can be written with one unused bit. */
function padKey(f: Fixture): Uint8Array {
  const k = f.memberPk.slice();
  k[k.length - 1]! &= 0xfe;
  return k;
}

function concatSeq(seq: Uint8Array, ...more: Uint8Array[]): Uint8Array {
  const node = readDer(seq);
  return derSequence(...node.children.map((c) => c.bytes), ...more);
}

describe('parseCertificate input checks', () => {
  it('not a Uint8Array, too large, not DER', () => {
    expect(parseCode('30' as unknown as Uint8Array)).toBe('X509_MALFORMED');
    expect(parseCode(new Uint8Array(MAX_CERTIFICATE_BYTES + 1))).toBe('X509_MALFORMED');
    expect(parseCode(new Uint8Array(0))).toBe('DER_MALFORMED');
    expect(parseCode(concatBytes(ED.memberDer, Uint8Array.of(0)))).toBe('DER_MALFORMED');
    expect(parseCode(derSequence())).toBe('X509_MALFORMED');
    expect(parseCode(derInteger(1))).toBe('X509_MALFORMED');
  });

  it('keeps a private copy of the input', () => {
    const der = ED.memberDer.slice();
    const cert = parseCertificate(der);
    der.fill(0);
    expect(cert.der).toEqual(ED.memberDer);
    expect(cert.subject.commonName).toBe('market-0001');
    expect(verifyCertificateSignature(ED.suite, cert, ED.caPk)).toBe(true);
  });

  it('keeps a private copy of a Node Buffer too (Buffer.prototype.slice would share its memory)', () => {
    const buffer = Buffer.from(SM.memberDer);
    const cert = parseCertificate(buffer);
    buffer.fill(0);
    expect(Object.getPrototypeOf(cert.der)).toBe(Uint8Array.prototype);
    expect(cert.der).toEqual(SM.memberDer);
    expect(cert.publicKey).toEqual(SM.memberPk);
    expect(cert.tbs).toEqual(SM.member.tbs);
    expect(cert.subjectDer).toEqual(SM.member.subjectDer);
    expect(verifyCertificateSignature(SM.suite, cert, SM.caPk)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Fuzz: mutations never crash; an accepted mutation never verifies
// ---------------------------------------------------------------------------------------------------------------

const PARSE_CODES = ['DER_MALFORMED', 'X509_MALFORMED', 'X509_UNSUPPORTED', 'X509_PROFILE_INVALID'];

const mutationArb = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('xor' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
  ),
  { minLength: 1, maxLength: 3 },
);

function mutate(input: Uint8Array, ms: readonly { op: string; at: number; value: number }[]): Uint8Array {
  const b = Array.from(input);
  for (const m of ms) {
    const at = m.at % (b.length + 1);
    if (m.op === 'insert') b.splice(at, 0, m.value);
    else if (at >= b.length) continue;
    else if (m.op === 'delete') b.splice(at, 1);
    else if (m.op === 'set') b[at] = m.value;
    else b[at] = b[at]! ^ m.value;
  }
  return Uint8Array.from(b);
}

describe('parseCertificate fuzz', () => {
  for (const [f, numRuns] of [
    [ED, 1500],
    [SM, 250],
  ] as const) {
    it(`random mutations of a valid ${f.name} certificate`, () => {
      let accepted = 0;
      fc.assert(
        fc.property(fc.constantFrom(f.memberDer, f.caDer), mutationArb, (original, ms) => {
          const der = mutate(original, ms);
          let cert: Certificate;
          try {
            cert = parseCertificate(der);
          } catch (e) {
            expect(isLianzhengError(e), String(e)).toBe(true);
            expect(PARSE_CODES).toContain((e as LianzhengError).code);
            return;
          }
          expect([undefined, 'X509_PROFILE_INVALID']).toContain(codeOf(() => certificateKind(cert)));
          if (!equalBytes(der, original)) {
            accepted++;
            expect(verifyCertificateSignature(f.suite, cert, f.caPk)).toBe(false);
            expect(codeOf(() => assertCertificateSignature(f.suite, cert, f.caPk))).toBe('X509_SIGNATURE_INVALID');
          }
        }),
        { seed: SEED, numRuns },
      );
      // Many single-byte changes (in names, keys, signatures) still parse: the property above did real work.
      expect(accepted).toBeGreaterThan(numRuns / 20);
    });
  }

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (der) => {
        const code = codeOf(() => parseCertificate(der));
        expect(PARSE_CODES).toContain(code);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Interoperability: OpenSSL 3, @peculiar/x509, node:crypto
// ---------------------------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'lianzheng-x509-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error !== undefined) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function opensslOk(...args: string[]): string {
  const r = openssl(...args);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function file(name: string, content: string | Uint8Array): string {
  writeFileSync(join(dir, name), content);
  return name;
}

const readBytes = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const colonHex = (b: Uint8Array) => bytesToHex(b).toUpperCase().match(/../g)!.join(':');

describe.each(FIXTURES)('OpenSSL reads certificates issued here ($name)', (f) => {
  it('openssl x509 -text shows every field', () => {
    const ca = opensslOk(
      'x509',
      '-inform',
      'DER',
      '-in',
      file(`${f.name}-ca.der`, f.caDer),
      '-text',
      '-noout',
      '-nameopt',
      'utf8',
    );
    expect(ca).toContain('Version: 3 (0x2)');
    expect(ca).toContain('Serial Number: 1 (0x1)');
    expect(ca).toContain('Issuer: C=CN, O=market, CN=Market Root CA');
    expect(ca).toContain('Subject: C=CN, O=market, CN=Market Root CA');
    expect(ca).toContain('Not Before: Jan  1 00:00:00 2025 GMT');
    expect(ca).toContain('Not After : Jan  1 00:00:00 2035 GMT');
    expect(ca).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(ca).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(ca).toMatch(new RegExp(`X509v3 Subject Key Identifier:\\s+${colonHex(f.ca.subjectKeyId!)}`));
    expect(ca).toMatch(new RegExp(`X509v3 Authority Key Identifier:\\s+(keyid:)?${colonHex(f.ca.subjectKeyId!)}`));

    const m = opensslOk(
      'x509',
      '-inform',
      'DER',
      '-in',
      file(`${f.name}-m.der`, f.memberDer),
      '-text',
      '-noout',
      '-nameopt',
      'utf8',
    );
    expect(m).toContain('Serial Number: 32769 (0x8001)');
    expect(m).toContain('Issuer: C=CN, O=market, CN=Market Root CA');
    expect(m).toContain('Subject: C=CN, O=market, OU=执法大队, CN=market-0001');
    expect(m).toContain('Not After : Jan  1 00:00:00 2055 GMT');
    expect(m).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(m).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(m).toContain(`${LIANZHENG_MEMBER_EXTENSION_OID}: \n`);
    expect(m).toContain('{"attrs":{"unit":"inspection"},"kind":"member","roles":["admin","operator"]}');
    if (f === ED) {
      expect(m).toContain('Signature Algorithm: ED25519');
      expect(m).toContain('ED25519 Public-Key:');
    } else {
      expect(m).toContain('Signature Algorithm: SM2-with-SM3');
      expect(m).toContain('ASN1 OID: SM2');
    }
  });

  it('OpenSSL re-encodes them to the same bytes (they are canonical DER)', () => {
    file(`${f.name}-re.der`, f.memberDer);
    opensslOk('x509', '-inform', 'DER', '-in', `${f.name}-re.der`, '-outform', 'DER', '-out', `${f.name}-re2.der`);
    expect(readBytes(`${f.name}-re2.der`)).toEqual(f.memberDer);
  });

  it('openssl verify accepts the chain and rejects a tampered member certificate', () => {
    const ca = file(`${f.name}-ca.pem`, certificateToPem(f.caDer));
    const m = file(`${f.name}-m.pem`, certificateToPem(f.memberDer));
    const tampered = f.memberDer.slice();
    tampered[tampered.length - 1]! ^= 1;
    const t = file(`${f.name}-t.pem`, certificateToPem(tampered));
    // OpenSSL 3.0 verifies SM2 certificate signatures only when told the distinguishing id (-vfyopt; it has no
    // default for X.509); 1234567812345678 is the GM/T 0009 default this module signs with. Its check of the
    // root's own self-signature (-check_ss_sig) ignores -vfyopt and fails even for roots OpenSSL made itself, so for
    // SM2 the root's self-signature is checked here (verifyCertificateSignature) rather than by OpenSSL.
    const sm2 = f === SM ? ['-vfyopt', 'distid:1234567812345678'] : ['-check_ss_sig'];
    // -attime: the fixtures' validity (2025–2035) must not depend on the machine's clock.
    const at = String(Math.floor(Date.UTC(2030, 0, 1) / 1000));
    const ok = openssl('verify', '-attime', at, ...sm2, '-CAfile', ca, m);
    expect(ok.stdout, ok.stderr).toContain(`${m}: OK`);
    expect(openssl('verify', '-attime', at, ...sm2, '-CAfile', ca, t).status).not.toBe(0);
    // Someone else's CA with the same name does not verify it either.
    const impostor = issueCertificate({
      suite: f.suite,
      issuerSecretKey: new Uint8Array(32).fill(0x55),
      issuer: CA_DN,
      subject: CA_DN,
      publicKey: f.suite.publicKeyFromSecret(new Uint8Array(32).fill(0x55)),
      serial: Uint8Array.of(1),
      notBefore: T0,
      notAfter: T1,
      ca: {},
    });
    const i = file(`${f.name}-impostor.pem`, certificateToPem(impostor));
    expect(openssl('verify', '-attime', at, ...sm2, '-CAfile', i, m).status).not.toBe(0);
  });
});

/** An OpenSSL config with a CA profile and a member profile that carries the Lianzheng extension. */
function opensslConfig(member: MemberExtension): string {
  const value = bytesToHex(
    derUtf8String(canonicalize({ attrs: member.attrs, kind: member.kind, roles: member.roles })),
  );
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = v3_ca',
    '[dn]',
    'CN = unused',
    '[v3_ca]',
    'basicConstraints = critical, CA:TRUE, pathlen:1',
    'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    '[v3_member]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, nonRepudiation',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    `${LIANZHENG_MEMBER_EXTENSION_OID} = DER:${value}`,
    '',
  ].join('\n');
}

describe('certificates made by OpenSSL are read here', () => {
  const member: MemberExtension = { kind: 'member', roles: ['admin', 'registrar'], attrs: { region: '北京' } };
  const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());

  const cases: { f: Fixture; algorithm: string; signArgs: string[] }[] = [
    { f: ED, algorithm: 'ed25519', signArgs: [] },
    { f: SM, algorithm: 'SM2', signArgs: ['-sm3', '-sigopt', 'distid:1234567812345678'] },
  ];
  for (const { f, algorithm, signArgs } of cases) {
    it(`${f.name}: a self-signed CA and a member certificate with the Lianzheng extension`, () => {
      const p = `ossl-${f.name}`;
      file(`${p}.cnf`, opensslConfig(member));
      opensslOk('genpkey', '-algorithm', algorithm, '-out', `${p}-ca.key`);
      opensslOk(
        'req',
        '-x509',
        '-new',
        '-config',
        `${p}.cnf`,
        '-key',
        `${p}-ca.key`,
        ...signArgs,
        '-subj',
        '/C=CN/O=market/CN=OpenSSL Root',
        '-days',
        '3650',
        '-set_serial',
        '0x0badcafe',
        '-outform',
        'DER',
        '-out',
        `${p}-ca.der`,
      );
      opensslOk('genpkey', '-algorithm', algorithm, '-out', `${p}-m.key`);
      opensslOk(
        'req',
        '-new',
        '-config',
        `${p}.cnf`,
        '-key',
        `${p}-m.key`,
        ...signArgs,
        '-utf8',
        '-subj',
        '/C=CN/O=market/OU=登记处/CN=market-0042',
        '-out',
        `${p}-m.csr`,
      );
      const vfy = f === SM ? ['-vfyopt', 'distid:1234567812345678'] : [];
      opensslOk(
        'x509',
        '-req',
        '-in',
        `${p}-m.csr`,
        '-CA',
        `${p}-ca.der`,
        '-CAform',
        'DER',
        '-CAkey',
        `${p}-ca.key`,
        ...signArgs,
        ...vfy,
        '-set_serial',
        '4242',
        '-days',
        '365',
        '-extfile',
        `${p}.cnf`,
        '-extensions',
        'v3_member',
        '-outform',
        'DER',
        '-out',
        `${p}-m.der`,
      );

      const ca = parseCertificate(readBytes(`${p}-ca.der`));
      expect(ca.algorithm).toBe(f.name);
      expect(ca.subject).toEqual({ country: 'CN', org: 'market', commonName: 'OpenSSL Root' });
      expect(ca.issuerDer).toEqual(ca.subjectDer);
      expect(ca.serial).toBe('0badcafe');
      expect(ca.ca).toBe(true);
      expect(ca.pathLen).toBe(1);
      expect(ca.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
      expect(ca.subjectKeyId).toEqual(sha1(ca.publicKey)); // OpenSSL's "hash": SHA-1 of the key (RFC 5280 §4.2.1.2)
      expect(ca.notAfter - ca.notBefore).toBe(3650 * 86_400_000);
      expect(certificateKind(ca)).toBe('ca');
      expect(verifyCertificateSignature(f.suite, ca, ca.publicKey)).toBe(true);
      // The public key is the one OpenSSL derives from the key file.
      opensslOk('pkey', '-in', `${p}-ca.key`, '-pubout', '-outform', 'DER', '-out', `${p}-ca.pub.der`);
      const fromFile = readDer(readBytes(`${p}-ca.pub.der`)).children[1]!.content.subarray(1);
      expect(bytesToHex(fromFile)).toBe(bytesToHex(ca.publicKey));

      const m = parseCertificate(readBytes(`${p}-m.der`));
      expect(m.subject).toEqual({ country: 'CN', org: 'market', unit: '登记处', commonName: 'market-0042' });
      expect(m.issuerDer).toEqual(ca.subjectDer);
      expect(m.serial).toBe('1092');
      expect(m.ca).toBe(false);
      expect(m.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
      expect(m.authorityKeyId).toEqual(ca.subjectKeyId);
      expect(m.member).toEqual(member);
      expect(certificateKind(m)).toBe('member');
      expect(verifyCertificateSignature(f.suite, m, ca.publicKey)).toBe(true);
      expect(verifyCertificateSignature(f.suite, m, m.publicKey)).toBe(false);
      expect(verifyCertificateSignature(f.suite, m, f.caPk)).toBe(false);
    });
  }

  it('ed25519: a member certificate issued here by an OpenSSL-made CA verifies with openssl verify', () => {
    const p = 'mixed';
    file(`${p}.cnf`, opensslConfig(MEMBER_EXT));
    opensslOk('genpkey', '-algorithm', 'ed25519', '-out', `${p}-ca.key`);
    opensslOk(
      'req',
      '-x509',
      '-new',
      '-config',
      `${p}.cnf`,
      '-key',
      `${p}-ca.key`,
      '-subj',
      '/O=market/CN=Mixed Root',
      '-days',
      '30',
      '-out',
      `${p}-ca.pem`,
    );
    // PKCS #8 of an Ed25519 key ends with the 32-byte seed (RFC 8410 §7).
    opensslOk('pkey', '-in', `${p}-ca.key`, '-outform', 'DER', '-out', `${p}-ca.key.der`);
    const caSk = readBytes(`${p}-ca.key.der`).slice(-32);
    const ca = parseCertificate(certificateFromPem(readFileSync(join(dir, `${p}-ca.pem`), 'utf8')));
    const now = Math.floor(Date.now() / 1000) * 1000;
    const der = issueCertificate({
      suite: ed25519Sha256Portable,
      issuerSecretKey: caSk,
      issuer: ca,
      subject: { org: 'market', commonName: 'market-0100' },
      publicKey: ED.memberPk,
      serial: Uint8Array.of(0x42),
      notBefore: now - 3_600_000,
      notAfter: now + 3_600_000,
      member: MEMBER_EXT,
    });
    const m = file(`${p}-m.pem`, certificateToPem(der));
    const r = openssl('verify', '-CAfile', `${p}-ca.pem`, m);
    expect(r.stdout, r.stderr).toContain(`${m}: OK`);
  });

  it('an OpenSSL P-256 certificate is X509_UNSUPPORTED', () => {
    file('p256.cnf', opensslConfig(MEMBER_EXT));
    opensslOk(
      'req',
      '-x509',
      '-config',
      'p256.cnf',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'p256.key',
      '-subj',
      '/O=market/CN=p256',
      '-days',
      '1',
      '-outform',
      'DER',
      '-out',
      'p256.der',
    );
    expect(parseCode(readBytes('p256.der'))).toBe('X509_UNSUPPORTED');
  });
});

describe('@peculiar/x509 (WebCrypto Ed25519)', () => {
  px.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'Ed25519' };
  const notBefore = new Date(T0);
  const notAfter = new Date(T1);

  it('its CA and member certificates are parsed and verified here', async () => {
    const caKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const ca = await px.X509CertificateGenerator.createSelfSigned({
      serialNumber: '0a0b',
      name: 'C=CN, O=market, CN=Peculiar Root',
      notBefore,
      notAfter,
      signingAlgorithm: alg,
      keys: caKeys,
      extensions: [
        new px.BasicConstraintsExtension(true, 2, true),
        new px.KeyUsagesExtension(px.KeyUsageFlags.keyCertSign | px.KeyUsageFlags.cRLSign, true),
        await px.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    const caCert = parseCertificate(new Uint8Array(ca.rawData));
    expect(caCert.subject).toEqual({ country: 'CN', org: 'market', commonName: 'Peculiar Root' });
    expect(caCert.serial).toBe('0a0b');
    expect(caCert.ca).toBe(true);
    expect(caCert.pathLen).toBe(2);
    expect(caCert.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(caCert.notBefore).toBe(T0);
    expect(caCert.notAfter).toBe(T1);
    const raw = new Uint8Array(await webcrypto.subtle.exportKey('raw', caKeys.publicKey));
    expect(caCert.publicKey).toEqual(raw);
    expect(verifyCertificateSignature(ed25519Sha256Portable, caCert, raw)).toBe(true);

    // @peculiar/x509 2.x cannot encode OID arcs above 2^53 (it writes our 2.25.<UUID> OID as "2.25"), so its
    // member certificates carry no Lianzheng extension; they are plain end-entity certificates here.
    const memberKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const member = await px.X509CertificateGenerator.create({
      serialNumber: '01',
      issuer: ca.subject,
      subject: 'C=CN, O=market, CN=market-0007',
      notBefore,
      notAfter,
      signingAlgorithm: alg,
      publicKey: memberKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new px.BasicConstraintsExtension(false, undefined, true),
        new px.KeyUsagesExtension(px.KeyUsageFlags.digitalSignature, true),
      ],
    });
    const m = parseCertificate(new Uint8Array(member.rawData));
    expect(m.subject.commonName).toBe('market-0007');
    expect(m.issuerDer).toEqual(caCert.subjectDer);
    expect(m.keyUsage).toEqual(['digitalSignature']);
    expect(certificateKind(m)).toBeUndefined();
    expect(verifyCertificateSignature(ed25519Sha256Portable, m, raw)).toBe(true);
    expect(verifyCertificateSignature(ed25519Sha256Portable, m, m.publicKey)).toBe(false);
  });

  it('it reads and verifies certificates issued here', async () => {
    const ca = new px.X509Certificate(new Uint8Array(ED.caDer));
    const member = new px.X509Certificate(new Uint8Array(ED.memberDer));
    expect(member.subject).toBe('C=CN, O=market, OU=执法大队, CN=market-0001');
    expect(member.issuer).toBe(ca.subject);
    expect(member.serialNumber).toBe('8001');
    expect(member.notBefore.getTime()).toBe(T0);
    expect(member.notAfter.getTime()).toBe(T2055);
    expect(ca.getExtension(px.BasicConstraintsExtension)?.ca).toBe(true);
    expect(ca.getExtension(px.BasicConstraintsExtension)?.pathLength).toBe(0);
    expect(member.getExtension(px.BasicConstraintsExtension)?.ca).toBe(false);
    expect(member.getExtension(px.KeyUsagesExtension)?.usages).toBe(px.KeyUsageFlags.digitalSignature);
    expect(member.extensions.length).toBe(5);
    expect(await member.verify({ publicKey: ca, signatureOnly: true })).toBe(true);
    expect(await ca.verify({ signatureOnly: true })).toBe(true);
    expect(await member.verify({ publicKey: member, signatureOnly: true })).toBe(false);
    // SM2 is not in WebCrypto: the structure is still readable.
    const sm = new px.X509Certificate(new Uint8Array(SM.memberDer));
    expect(sm.subject).toBe('C=CN, O=market, OU=执法大队, CN=market-0001');
    expect(sm.signatureAlgorithm).toBeDefined();
  });
});

describe('node:crypto X509Certificate reads certificates issued here', () => {
  it('Ed25519: subject, CA flag, fingerprint, checkIssued and verify', () => {
    const ca = new NodeX509Certificate(ED.caDer);
    const member = new NodeX509Certificate(ED.memberDer);
    expect(ca.ca).toBe(true);
    expect(member.ca).toBe(false);
    expect(member.subject.split('\n')).toEqual(['C=CN', 'O=market', 'OU=执法大队', 'CN=market-0001']);
    expect(member.serialNumber).toBe('8001');
    expect(new Date(member.validFrom).getTime()).toBe(T0);
    expect(new Date(member.validTo).getTime()).toBe(T2055);
    expect(member.fingerprint256.replaceAll(':', '').toLowerCase()).toBe(
      certificateFingerprint(ED.suite, ED.memberDer),
    );
    expect(member.checkIssued(ca)).toBe(true);
    expect(member.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(member.verify(member.publicKey)).toBe(false);
    const raw = member.publicKey.export({ format: 'der', type: 'spki' });
    expect(new Uint8Array(raw).subarray(-32)).toEqual(ED.memberPk);
  });

  it('SM2: the structure is readable', () => {
    const member = new NodeX509Certificate(SM.memberDer);
    expect(member.subject).toContain('CN=market-0001');
    expect(member.checkIssued(new NodeX509Certificate(SM.caDer))).toBe(true);
  });
});

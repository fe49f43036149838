import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, equalBytes, utf8ToBytes } from '../src/bytes.js';
import { assertConsortiumConfig, type ConsortiumConfig, ConsortiumView, defaultPolicies } from '../src/config.js';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';
import {
  checkMemberCertificate,
  type MemberKeyRecord,
  principalOf,
  SUBJECT_ID_PATTERN,
  subjectIdFromTx,
} from '../src/identity.js';
import { type CryptoSuite, ed25519Sha256Portable, SuiteId, sm2Sm3Portable } from '../src/suite.js';
import {
  type Certificate,
  type DistinguishedName,
  type IssueCertificateParameters,
  issueCertificate,
  type MemberExtension,
  parseCertificate,
} from '../src/x509.js';

const SEED = 0x1de;

function thrown(f: () => unknown): LianzhengError {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw new Error(`expected a LianzhengError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an error, but the call returned');
}

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const T1 = Date.UTC(2030, 0, 1);
const AT = Date.UTC(2026, 5, 1);
const secret = (n: number) => new Uint8Array(32).fill(n);
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

interface Ca {
  readonly sk: Uint8Array;
  readonly der: Uint8Array;
  readonly cert: Certificate;
}

function makeCa(suite: CryptoSuite, dn: DistinguishedName, seed: number, notBefore = T0, notAfter = T1): Ca {
  const sk = secret(seed);
  const der = issueCertificate({
    suite,
    issuerSecretKey: sk,
    issuer: dn,
    subject: dn,
    publicKey: suite.publicKeyFromSecret(sk),
    serial: Uint8Array.of(seed),
    notBefore,
    notAfter,
    ca: { pathLen: 0 },
  });
  return { sk, der, cert: parseCertificate(der) };
}

const ED = ed25519Sha256Portable;
const MARKET_DN: DistinguishedName = { country: 'CN', org: 'market', commonName: 'Market Root CA' };
const market1 = makeCa(ED, MARKET_DN, 1);
// A rotation: a second root with the same name and a new key.
const market2 = makeCa(ED, MARKET_DN, 2);
const tax = makeCa(ED, { country: 'CN', org: 'tax', commonName: 'Tax Root CA' }, 3);
// A root that is not (or no longer) in the configuration, with a name of its own.
const retired = makeCa(ED, { country: 'CN', org: 'market', commonName: 'Market Old Root' }, 4);
const memberSk = secret(0x21);
const memberPk = ED.publicKeyFromSecret(memberSk);

function config(suite: SuiteId, orgs: { id: string; ca: Ca[] }[], nodeKey: string): ConsortiumConfig {
  return assertConsortiumConfig({
    chainId: 'identity-test',
    suite,
    orgs: orgs.map((o, i) => ({
      id: o.id,
      name: o.id,
      ca: o.ca.map((c) => b64(c.der)),
      nodes: i === 0 ? [{ id: 'node-0', publicKey: nodeKey }] : [],
      weight: 1,
    })),
    roles: {
      exclusive: [
        ['sysadmin', 'secadmin', 'auditor'],
        ['registrar', 'approver'],
      ],
    },
    policies: defaultPolicies,
    governance: { need: 'MAJORITY', proposalTtlMs: DAY },
    ordering: { type: 'solo', maxBlockTxs: 100 },
    limits: { maxTxBytes: 65_536, maxTxTtlMs: DAY },
    checkpoint: { quorum: { numerator: 2, denominator: 3 } },
  });
}

const VIEW = new ConsortiumView(ED, {
  version: 1,
  config: config(
    SuiteId.ed25519Sha256,
    [
      { id: 'market', ca: [market1, market2] },
      { id: 'tax', ca: [tax] },
    ],
    bytesToHex(ED.publicKeyFromSecret(secret(0x50))),
  ),
});

const MEMBER: MemberExtension = { kind: 'member', roles: ['admin', 'sysadmin'], attrs: { unit: 'inspection' } };

/** A member certificate issued by `by` (market's first root), with `noMember` for one without the extension. */
function issueMember(o: Partial<IssueCertificateParameters> & { by?: Ca; noMember?: boolean } = {}): Uint8Array {
  const { by = market1, noMember = false, ...rest } = o;
  const p: IssueCertificateParameters = {
    suite: ED,
    issuerSecretKey: by.sk,
    issuer: by.cert,
    subject: { country: 'CN', org: 'market', commonName: 'market-0001' },
    publicKey: memberPk,
    serial: Uint8Array.of(0x10, 0x01),
    notBefore: T0,
    notAfter: T1,
    member: MEMBER,
    ...rest,
  };
  if (noMember) {
    const { member: _, ...withoutMember } = p;
    return issueCertificate(withoutMember);
  }
  return issueCertificate(p);
}

const LONG = issueMember({ notBefore: Date.UTC(2020, 0, 1), notAfter: Date.UTC(2040, 0, 1) });
const check = (der: Uint8Array, at = AT) => checkMemberCertificate(ED, VIEW, der, at);
const codeOfCheck = (der: Uint8Array, at = AT) => thrown(() => check(der, at)).code;

describe('checkMemberCertificate: valid certificates', () => {
  it('returns what the certificate says', () => {
    const der = issueMember();
    const info = check(der);
    expect(info).toEqual({
      kind: 'member',
      org: 'market',
      member: 'market-0001',
      roles: ['admin', 'sysadmin'],
      attrs: { unit: 'inspection' },
      publicKey: bytesToHex(memberPk),
      fingerprint: bytesToHex(ED.hash(der)),
      ca: bytesToHex(ED.hash(market1.der)),
      serial: '1001',
      notBefore: T0,
      notAfter: T1,
    });
    expect(VIEW.caRoots.get(info.ca)?.cert.subjectDer).toEqual(market1.cert.subjectDer);
  });

  it('a certificate from the second root of a CA rotation names that root', () => {
    const info = check(issueMember({ by: market2 }));
    expect(info.ca).toBe(bytesToHex(ED.hash(market2.der)));
    expect(info.ca).not.toBe(check(issueMember()).ca);
  });

  it('node certificates; certificates without the member extension are members without roles', () => {
    expect(check(issueMember({ member: { kind: 'node', roles: [], attrs: {} } })).kind).toBe('node');
    const plain = issueMember({ noMember: true, subject: { org: 'market', commonName: 'market-0002' } });
    expect(parseCertificate(plain).member).toBeUndefined();
    const info = check(plain);
    expect(info.kind).toBe('member');
    expect(info.roles).toEqual([]);
    expect(info.attrs).toEqual({});
    expect(info.member).toBe('market-0002');
  });

  it('member ids: the KEY_ID_PATTERN forms', () => {
    for (const cn of ['0', 'a.b_c-d', 'x'.repeat(64), '12345678']) {
      expect(check(issueMember({ subject: { org: 'market', commonName: cn } })).member).toBe(cn);
    }
  });

  it('another organisation of the consortium', () => {
    const info = check(issueMember({ by: tax, subject: { org: 'tax', unit: '稽查局', commonName: 'tax-7' } }));
    expect(info.org).toBe('tax');
    expect(info.ca).toBe(bytesToHex(ED.hash(tax.der)));
  });

  it('roles that respect the exclusive sets', () => {
    const roles = ['sysadmin', 'registrar', 'operator'];
    expect(check(issueMember({ member: { kind: 'member', roles, attrs: {} } })).roles).toEqual(roles);
  });

  it('an SM2 consortium', () => {
    const SM = sm2Sm3Portable;
    const root = makeCa(SM, MARKET_DN, 5);
    const view = new ConsortiumView(SM, {
      version: 1,
      config: config(SuiteId.sm2Sm3, [{ id: 'market', ca: [root] }], bytesToHex(SM.publicKeyFromSecret(secret(6)))),
    });
    const pk = SM.publicKeyFromSecret(secret(7));
    const der = issueCertificate({
      suite: SM,
      issuerSecretKey: root.sk,
      issuer: root.cert,
      subject: { org: 'market', commonName: 'market-0003' },
      publicKey: pk,
      serial: Uint8Array.of(3),
      notBefore: T0,
      notAfter: T1,
      member: MEMBER,
    });
    const info = checkMemberCertificate(SM, view, der, AT);
    expect(info.publicKey).toBe(bytesToHex(pk));
    expect(info.fingerprint).toBe(bytesToHex(SM.hash(der)));
    expect(info.ca).toBe(bytesToHex(SM.hash(root.der)));
    // Ed25519 certificates have no place on an SM2 chain, and the other way round.
    expect(thrown(() => checkMemberCertificate(SM, view, issueMember(), AT)).code).toBe('X509_UNSUPPORTED');
    expect(thrown(() => checkMemberCertificate(ED, VIEW, der, AT)).code).toBe('X509_UNSUPPORTED');
    const tampered = der.slice();
    tampered[tampered.length - 2]! ^= 1;
    expect(thrown(() => checkMemberCertificate(SM, view, tampered, AT)).code).toMatch(
      /^(X509_SIGNATURE_INVALID|X509_MALFORMED|DER_MALFORMED)$/,
    );
  });
});

describe('checkMemberCertificate: validity periods (X509_EXPIRED)', () => {
  const der = issueMember({ notBefore: Date.UTC(2026, 0, 1), notAfter: Date.UTC(2027, 0, 1) });

  it('both ends are inclusive', () => {
    expect(check(der, Date.UTC(2026, 0, 1)).member).toBe('market-0001');
    expect(check(der, Date.UTC(2027, 0, 1)).member).toBe('market-0001');
  });

  it('not yet valid and expired', () => {
    const early = thrown(() => check(der, Date.UTC(2026, 0, 1) - 1));
    expect(early.code).toBe('X509_EXPIRED');
    expect(early.details?.notBefore).toBe(Date.UTC(2026, 0, 1));
    const late = thrown(() => check(der, Date.UTC(2027, 0, 1) + 1));
    expect(late.code).toBe('X509_EXPIRED');
    expect(late.details?.notAfter).toBe(Date.UTC(2027, 0, 1));
  });

  it('the CA that issued it must be valid too', () => {
    // The member certificate outlives its CA (T1) and starts before it (T0).
    const long = issueMember({ notBefore: Date.UTC(2020, 0, 1), notAfter: Date.UTC(2040, 0, 1) });
    expect(check(long, AT).member).toBe('market-0001');
    const after = thrown(() => check(long, T1 + 1));
    expect(after.code).toBe('X509_EXPIRED');
    expect(after.details?.which).toBe('ca');
    expect(thrown(() => check(long, T0 - 1)).details?.which).toBe('ca');
  });

  it('property: accepted exactly inside both periods', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2041, 0, 1) }), (at) => {
        const inside = at >= Date.UTC(2020, 0, 1) && at <= Date.UTC(2040, 0, 1) && at >= T0 && at <= T1;
        if (inside) expect(check(LONG, at).org).toBe('market');
        else expect(codeOfCheck(LONG, at)).toBe('X509_EXPIRED');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('checkMemberCertificate: rejections', () => {
  it('wrong suite → X509_UNSUPPORTED', () => {
    expect(thrown(() => checkMemberCertificate(sm2Sm3Portable, VIEW, issueMember(), AT)).code).toBe('X509_UNSUPPORTED');
  });

  it('a CA certificate used as a member certificate → X509_PROFILE_INVALID', () => {
    expect(codeOfCheck(market1.der)).toBe('X509_PROFILE_INVALID');
    const intermediate = issueMember({ noMember: true, ca: {} });
    expect(parseCertificate(intermediate).ca).toBe(true);
    expect(codeOfCheck(intermediate)).toBe('X509_PROFILE_INVALID');
  });

  it('a key usage without digitalSignature → X509_PROFILE_INVALID', () => {
    expect(codeOfCheck(issueMember({ keyUsage: ['keyAgreement'] }))).toBe('X509_PROFILE_INVALID');
    expect(check(issueMember({ keyUsage: ['nonRepudiation', 'digitalSignature'] })).org).toBe('market');
  });

  it('no O, no CN, or a CN that is not a member id → X509_PROFILE_INVALID', () => {
    const subjects: DistinguishedName[] = [
      { commonName: 'market-0001' },
      { country: 'CN', unit: 'market', commonName: 'market-0001' },
      { org: 'market' },
      { org: 'market', unit: 'market-0001' },
      { org: 'market', commonName: 'Market-0001' },
      { org: 'market', commonName: '张三' },
      { org: 'market', commonName: 'market 0001' },
      { org: 'market', commonName: '-market' },
      { org: 'market', commonName: `${'x'.repeat(63)}!` },
      { org: 'market', commonName: '.hidden' },
    ];
    for (const subject of subjects) {
      expect(codeOfCheck(issueMember({ subject })), JSON.stringify(subject)).toBe('X509_PROFILE_INVALID');
    }
  });

  it('an organisation that is not in the consortium → X509_UNTRUSTED', () => {
    const outsider = makeCa(ED, { org: 'customs', commonName: 'Customs Root' }, 9);
    const e = thrown(() => check(issueMember({ by: outsider, subject: { org: 'customs', commonName: 'customs-1' } })));
    expect(e.code).toBe('X509_UNTRUSTED');
    expect(e.details?.org).toBe('customs');
    // O is compared exactly.
    expect(codeOfCheck(issueMember({ subject: { org: 'Market', commonName: 'market-0001' } }))).toBe('X509_UNTRUSTED');
  });

  it('issued by another organisation’s CA → X509_UNTRUSTED', () => {
    const e = thrown(() => check(issueMember({ by: tax })));
    expect(e.code).toBe('X509_UNTRUSTED');
    expect(e.details?.org).toBe('market');
  });

  it('issued by a CA root that is not (or no longer) in the configuration → X509_UNTRUSTED', () => {
    expect(codeOfCheck(issueMember({ by: retired }))).toBe('X509_UNTRUSTED');
  });

  it('self-signed member certificates', () => {
    const subject: DistinguishedName = { country: 'CN', org: 'market', commonName: 'market-0001' };
    const selfSigned = (issuer: DistinguishedName) =>
      issueCertificate({
        suite: ED,
        issuerSecretKey: memberSk,
        issuer,
        subject,
        publicKey: memberPk,
        serial: Uint8Array.of(9),
        notBefore: T0,
        notAfter: T1,
        member: MEMBER,
      });
    // Its own name as issuer: no CA root of market has that name.
    expect(codeOfCheck(selfSigned(subject))).toBe('X509_UNTRUSTED');
    // The CA's name as issuer: the name matches, the signature does not.
    expect(codeOfCheck(selfSigned(MARKET_DN))).toBe('X509_SIGNATURE_INVALID');
  });

  it('a forged CA with the real CA’s name → X509_SIGNATURE_INVALID', () => {
    const forged = makeCa(ED, MARKET_DN, 0x66);
    const e = thrown(() => check(issueMember({ by: forged })));
    expect(e.code).toBe('X509_SIGNATURE_INVALID');
    expect(e.details?.org).toBe('market');
  });

  it('a tampered signature or TBS → X509_SIGNATURE_INVALID', () => {
    const der = issueMember();
    const sig = der.slice();
    sig[sig.length - 1]! ^= 0x80;
    expect(codeOfCheck(sig)).toBe('X509_SIGNATURE_INVALID');
    const tbs = der.slice();
    const cn = bytesToHex(der).indexOf(bytesToHex(utf8ToBytes('market-0001'))) / 2;
    tbs[cn + 10] = '9'.charCodeAt(0);
    expect(parseCertificate(tbs).subject.commonName).toBe('market-0009');
    expect(codeOfCheck(tbs)).toBe('X509_SIGNATURE_INVALID');
  });

  it('roles that break an exclusive set → X509_PROFILE_INVALID naming them', () => {
    const e = thrown(() =>
      check(issueMember({ member: { kind: 'member', roles: ['auditor', 'admin', 'sysadmin'], attrs: {} } })),
    );
    expect(e.code).toBe('X509_PROFILE_INVALID');
    expect(e.details?.roles).toEqual(['sysadmin', 'auditor']);
    const second = thrown(() =>
      check(issueMember({ member: { kind: 'node', roles: ['approver', 'registrar'], attrs: {} } })),
    );
    expect(second.details?.roles).toEqual(['registrar', 'approver']);
  });

  it('bytes that are not a certificate', () => {
    expect(codeOfCheck(new Uint8Array(0))).toBe('DER_MALFORMED');
    expect(codeOfCheck(utf8ToBytes('-----BEGIN CERTIFICATE-----'))).toBe('DER_MALFORMED');
    expect(codeOfCheck(Uint8Array.of(0x30, 0))).toBe('X509_MALFORMED');
  });

  it('the order of checks: expiry is judged only for a certificate whose signature verifies', () => {
    const forged = makeCa(ED, MARKET_DN, 0x67);
    expect(codeOfCheck(issueMember({ by: forged }), Date.UTC(2040, 0, 1))).toBe('X509_SIGNATURE_INVALID');
  });
});

describe('checkMemberCertificate fuzz', () => {
  it('mutated certificates give only coded errors, and are never accepted', () => {
    const original = issueMember();
    const codes = [
      'DER_MALFORMED',
      'X509_MALFORMED',
      'X509_UNSUPPORTED',
      'X509_PROFILE_INVALID',
      'X509_UNTRUSTED',
      'X509_SIGNATURE_INVALID',
    ];
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (i, x, j, v) => {
          const der = original.slice();
          der[i % der.length]! ^= x;
          der[j % der.length] = v;
          try {
            check(der);
            expect(equalBytes(der, original)).toBe(true);
          } catch (e) {
            expect(isLianzhengError(e), String(e)).toBe(true);
            const code = (e as LianzhengError).code;
            expect(codes).toContain(code);
            seen.add(code);
          }
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
    // The mutations reach the signature check, not only the parser.
    expect(seen).toContain('X509_SIGNATURE_INVALID');
    expect(seen).toContain('DER_MALFORMED');
  });
});

describe('principalOf and subjectIdFromTx', () => {
  it('a member record becomes a member principal', () => {
    const record: MemberKeyRecord = {
      kind: 'member',
      org: 'market',
      member: 'market-0001',
      roles: ['admin'],
      attrs: { unit: 'x' },
      cert: 'c',
      ca: 'a',
      serial: '01',
      notBefore: T0,
      notAfter: T1,
      height: 3,
    };
    expect(principalOf('ab', record)).toEqual({
      kind: 'member',
      key: 'ab',
      org: 'market',
      member: 'market-0001',
      roles: ['admin'],
      attrs: { unit: 'x' },
    });
    expect(principalOf('cd', { kind: 'citizen', subject: 's'.repeat(32), height: 1 })).toEqual({
      kind: 'citizen',
      key: 'cd',
      subject: 's'.repeat(32),
      roles: [],
      attrs: {},
    });
  });

  it('subject ids are 16 bytes of a tagged hash of the transaction id', () => {
    const a = subjectIdFromTx(ED, new Uint8Array(32).fill(1));
    expect(a).toMatch(SUBJECT_ID_PATTERN);
    expect(subjectIdFromTx(ED, new Uint8Array(32).fill(1))).toBe(a);
    expect(subjectIdFromTx(ED, new Uint8Array(32).fill(2))).not.toBe(a);
    expect(subjectIdFromTx(sm2Sm3Portable, new Uint8Array(32).fill(1))).not.toBe(a);
  });
});

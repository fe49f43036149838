/**
 * Member certificates: how a staff member's (or node's) X.509 certificate is checked against the consortium
 * configuration, and the identity records the `identity` system contract keeps (docs/identity.md).
 */
import { bytesToHex, equalBytes } from './bytes.js';
import type { ConsortiumView } from './config.js';
import { protocolError } from './errors.js';
import { HashTag } from './hash.js';
import { KEY_ID_PATTERN } from './ids.js';
import type { IdentityKind, Principal } from './policy.js';
import type { CryptoSuite } from './suite.js';
import {
  type Certificate,
  certificateFingerprint,
  parseCertificate,
  suiteOfCertificate,
  verifyCertificateSignature,
} from './x509.js';

/** What a valid member certificate says. */
export interface MemberCertificateInfo {
  readonly kind: 'member' | 'node';
  readonly org: string;
  /** Member id: the certificate CN, a staff number or account name — never a person's name. */
  readonly member: string;
  readonly roles: readonly string[];
  readonly attrs: Readonly<Record<string, string>>;
  /** Public key, hex. */
  readonly publicKey: string;
  /** Hash of the certificate DER in the chain suite, hex. */
  readonly fingerprint: string;
  /** Fingerprint of the CA root that issued it. */
  readonly ca: string;
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

function certError(code: 'X509_UNTRUSTED' | 'X509_EXPIRED' | 'X509_PROFILE_INVALID' | 'X509_SIGNATURE_INVALID') {
  return (message: string, details: Record<string, unknown> = {}): never => {
    throw protocolError(code, message, details);
  };
}

/**
 * Checks a member (or node) certificate against the configuration at time `at` (ms): well-formed, in the chain
 * suite, issued and signed by a CA root of the organisation named in its subject O, inside its validity period and
 * its CA's, not a CA itself, with a member id (CN) and roles that respect the exclusive role sets.
 */
export function checkMemberCertificate(
  suite: CryptoSuite,
  view: ConsortiumView,
  der: Uint8Array,
  at: number,
): MemberCertificateInfo {
  const cert: Certificate = parseCertificate(der);
  if (suiteOfCertificate(cert) !== suite.id) {
    throw protocolError('X509_UNSUPPORTED', `the certificate is not a ${suite.id} certificate`, {
      algorithm: cert.algorithm,
    });
  }
  const profile = certError('X509_PROFILE_INVALID');
  if (cert.ca) profile('a CA certificate cannot be a member certificate');
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('digitalSignature')) {
    profile('the certificate does not allow digital signatures (keyUsage)');
  }
  const org = cert.subject.org;
  // No O at all is a certificate that does not follow the profile; an O the consortium does not know is untrusted.
  if (org === undefined) return profile('the certificate has no organisation (subject O)');
  if (!view.orgs.has(org)) {
    certError('X509_UNTRUSTED')(`the certificate names organisation ${String(org)}, which is not in the consortium`, {
      org,
    });
  }
  const member = cert.subject.commonName;
  if (member === undefined || !KEY_ID_PATTERN.test(member)) {
    profile('the certificate CN must be a member id matching [a-z0-9][a-z0-9._-]{0,63}');
  }
  const roots = view.rootsOf(org as string).filter((r) => equalBytes(r.cert.subjectDer, cert.issuerDer));
  if (roots.length === 0) {
    certError('X509_UNTRUSTED')(`the certificate was not issued by a CA root of ${org}`, { org });
  }
  const root = roots.find((r) => verifyCertificateSignature(suite, cert, r.cert.publicKey));
  if (root === undefined) {
    throw protocolError('X509_SIGNATURE_INVALID', `the certificate signature does not verify with the CA of ${org}`, {
      org,
    });
  }
  const expired = certError('X509_EXPIRED');
  if (at < cert.notBefore) expired('the certificate is not valid yet', { notBefore: cert.notBefore, at });
  if (at > cert.notAfter) expired('the certificate has expired', { notAfter: cert.notAfter, at });
  if (at < root.cert.notBefore || at > root.cert.notAfter) {
    expired('the CA certificate that issued it is outside its validity period', {
      which: 'ca',
      notAfter: root.cert.notAfter,
    });
  }
  const ext = cert.member ?? { kind: 'member' as const, roles: [], attrs: {} };
  const conflict = view.conflictingRoles(ext.roles);
  if (conflict !== undefined) {
    profile(`roles ${conflict.join(', ')} may not be held together (separation of duties)`, { roles: conflict });
  }
  return {
    kind: ext.kind,
    org: org as string,
    member: member as string,
    roles: ext.roles,
    attrs: ext.attrs,
    publicKey: bytesToHex(cert.publicKey),
    fingerprint: certificateFingerprint(suite, der),
    ca: root.fingerprint,
    serial: cert.serial,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** Identity state keys of the `identity` contract (docs/PROTOCOL.md §15). */
export const IDENTITY_CONTRACT = 'identity';
export const identityKeys = {
  /** Record of a registered public key (member or subject key). */
  key: (publicKeyHex: string) => `key/${publicKeyHex}`,
  /** DER of a member certificate, base64. */
  cert: (fingerprint: string) => `cert/${fingerprint}`,
  subject: (subject: string) => `subject/${subject}`,
} as const;

export interface Revocation {
  /** First height at which the key is no longer accepted. */
  readonly height: number;
  readonly reason: string;
  /** Key of the identity that revoked it. */
  readonly by: string;
  readonly tx: string;
}

/** `identity` / `key/<pk>` for a staff member. */
export interface MemberKeyRecord {
  readonly kind: 'member';
  readonly org: string;
  readonly member: string;
  readonly roles: readonly string[];
  readonly attrs: Readonly<Record<string, string>>;
  readonly cert: string;
  readonly ca: string;
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** Height of the enrolment (or renewal) that wrote this record. */
  readonly height: number;
  readonly revoked?: Revocation;
}

/** `identity` / `key/<pk>` for a key of a citizen or enterprise. */
export interface SubjectKeyRecord {
  readonly kind: 'citizen' | 'enterprise';
  readonly subject: string;
  readonly height: number;
  readonly revoked?: Revocation;
}

export type KeyRecord = MemberKeyRecord | SubjectKeyRecord;

/** The key record an enrolment (or renewal) at `height` writes for a checked member certificate. */
export function memberKeyRecord(info: MemberCertificateInfo, height: number): MemberKeyRecord {
  return {
    kind: 'member',
    org: info.org,
    member: info.member,
    roles: info.roles,
    attrs: info.attrs,
    cert: info.fingerprint,
    ca: info.ca,
    serial: info.serial,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    height,
  };
}

/** `identity` / `subject/<id>`: a pseudonymous citizen or enterprise. No names, no ID numbers. */
export interface SubjectRecord {
  readonly subject: string;
  readonly kind: 'citizen' | 'enterprise';
  /** Organisation whose registrar checked the real identity off chain. */
  readonly org: string;
  readonly registrar: string;
  readonly height: number;
  /** Keys ever added, in order (revoked ones stay listed; their key records say so). */
  readonly keys: readonly string[];
}

/** Subject id = first 16 bytes of TH("lianzheng/subject", registration tx id), hex. */
export function subjectIdFromTx(suite: CryptoSuite, txId: Uint8Array): string {
  return bytesToHex(suite.tagged(HashTag.subject, txId).subarray(0, 16));
}

export const SUBJECT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The principal a key record stands for (no validity checks: see `keyRecordStatus`). */
export function principalOf(publicKey: string, record: KeyRecord): Principal {
  if (record.kind === 'member') {
    return {
      kind: 'member',
      key: publicKey,
      org: record.org,
      member: record.member,
      roles: record.roles,
      attrs: record.attrs,
    };
  }
  return { kind: record.kind as IdentityKind, key: publicKey, subject: record.subject, roles: [], attrs: {} };
}

/**
 * X.509 v3 certificates (RFC 5280) for the two crypto suites: parse, verify, issue, PEM.
 *
 * Algorithms (nothing else is accepted, X509_UNSUPPORTED):
 * - Ed25519 (RFC 8410): signatureAlgorithm and SPKI algorithm are both id-Ed25519 1.3.101.112 with parameters
 *   absent (§3); the SPKI BIT STRING is the 32-byte key (§4), the signature BIT STRING the raw 64 bytes (§6).
 * - SM2 with SM3 (GM/T 0015-2012, as OpenSSL 3 writes it): signatureAlgorithm 1.2.156.10197.1.501 with parameters
 *   absent (NULL is accepted too); SPKI algorithm id-ecPublicKey 1.2.840.10045.2.1 with namedCurve SM2
 *   1.2.156.10197.1.301 and the 65-byte uncompressed point; the signature BIT STRING holds the DER
 *   ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER }. The signed digest is SM3(Z_A ‖ TBSCertificate) with the
 *   default user id 1234567812345678, which is exactly what `sm2Sm3Portable.sign`/`verify` compute.
 *
 * The Lianzheng member extension (OID 2.25.65412617606308590482276888729697155671, non-critical) carries a DER
 * UTF8String holding the RFC 8785 canonical JSON `{"attrs":{…},"kind":"member"|"node","roles":[…]}`.
 */

import { base64 } from '@scure/base';
import { bytesToHex, equalBytes, utf8ToBytes } from './bytes.js';
import { canonicalize, decodeCanonical } from './canonicalJson.js';
import {
  contextTag,
  type DerNode,
  DerTag,
  decodeDerBitString,
  decodeDerBoolean,
  decodeDerInteger,
  decodeDerNamedBits,
  decodeDerOid,
  decodeDerString,
  decodeDerTime,
  derBitString,
  derBoolean,
  derExplicit,
  derImplicit,
  derInteger,
  derNamedBits,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derTime,
  derUnsignedInteger,
  derUtf8String,
  readDer,
} from './der.js';
import { protocolError } from './errors.js';
import type { Hasher } from './hash.js';
import { type CryptoSuite, ed25519Sha256Portable, SuiteId, sm2Sm3Portable } from './suite.js';

/** A 2.25 (UUID-based, ITU-T X.667) OID, so that no registration is needed. */
export const LIANZHENG_MEMBER_EXTENSION_OID = '2.25.65412617606308590482276888729697155671';

/** Largest certificate accepted, DER or decoded from PEM/base64. Ours are well under 1 KiB. */
export const MAX_CERTIFICATE_BYTES = 16_384;

export type CertificateKind = 'ca' | 'member' | 'node';

export interface MemberExtension {
  readonly kind: 'member' | 'node';
  readonly roles: readonly string[];
  readonly attrs: Readonly<Record<string, string>>;
}

export interface DistinguishedName {
  readonly country?: string;
  readonly org?: string;
  readonly unit?: string;
  readonly commonName?: string;
  readonly locality?: string;
  readonly state?: string;
}

export type KeyUsage =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

export type CertificateAlgorithm = 'ed25519' | 'sm2-sm3';

export interface Certificate {
  /** The whole certificate. */
  readonly der: Uint8Array;
  /** The exact TBSCertificate bytes that were signed. */
  readonly tbs: Uint8Array;
  /** Lower-case hex of the serialNumber INTEGER's content octets (so a 0x00 sign octet, when present, is kept). */
  readonly serial: string;
  /** The signature algorithm; always the same family as the subject public key. */
  readonly algorithm: CertificateAlgorithm;
  readonly issuer: DistinguishedName;
  /** The issuer Name exactly as encoded. */
  readonly issuerDer: Uint8Array;
  readonly subject: DistinguishedName;
  /** The subject Name exactly as encoded. */
  readonly subjectDer: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** 32 bytes (Ed25519) or 65 bytes `04 ‖ X ‖ Y` (SM2). */
  readonly publicKey: Uint8Array;
  /** Raw 64 bytes: Ed25519 R ‖ S, or SM2 r ‖ s big-endian. */
  readonly signature: Uint8Array;
  /** basicConstraints cA (false when the extension is absent). */
  readonly ca: boolean;
  readonly pathLen?: number;
  readonly keyUsage?: readonly KeyUsage[];
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  /** The Lianzheng member extension, when present. */
  readonly member?: MemberExtension;
}

const OID = {
  ed25519: '1.3.101.112',
  sm2WithSm3: '1.2.156.10197.1.501',
  ecPublicKey: '1.2.840.10045.2.1',
  sm2Curve: '1.2.156.10197.1.301',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/** Extensions recognised but not interpreted: never rejected for being critical. */
const SKIPPED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.subjectAltName,
  OID.crlDistributionPoints,
  OID.certificatePolicies,
  OID.extKeyUsage,
]);

/**
 * Name attributes, in the order they are encoded (C, ST, L, O, OU, CN), with the RFC 5280 Appendix A upper bounds.
 * C is a PrintableString of two letters (§4.1.2.4, X.520); the others are UTF8Strings so that Chinese names work.
 */
const NAME_ATTRIBUTES = [
  { key: 'country', oid: '2.5.4.6', maxLength: 2 },
  { key: 'state', oid: '2.5.4.8', maxLength: 128 },
  { key: 'locality', oid: '2.5.4.7', maxLength: 128 },
  { key: 'org', oid: '2.5.4.10', maxLength: 64 },
  { key: 'unit', oid: '2.5.4.11', maxLength: 64 },
  { key: 'commonName', oid: '2.5.4.3', maxLength: 64 },
] as const;

/** KeyUsage named bits (RFC 5280 §4.2.1.3); encipherOnly (7) and decipherOnly (8) are not supported. */
const KEY_USAGE_BITS: readonly KeyUsage[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
];

const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const ATTR_KEY_PATTERN = /^[a-z][a-zA-Z0-9_-]{0,31}$/;
const MAX_ROLES = 16;
const MAX_ATTRS = 16;
const MAX_ATTR_VALUE_CHARS = 128;

function malformed(reason: string, cause?: unknown): never {
  throw protocolError('X509_MALFORMED', `malformed certificate: ${reason}`, { reason }, cause);
}

function unsupported(reason: string): never {
  throw protocolError('X509_UNSUPPORTED', `unsupported certificate: ${reason}`, { reason });
}

function profileInvalid(reason: string, cause?: unknown): never {
  throw protocolError('X509_PROFILE_INVALID', `certificate profile: ${reason}`, { reason }, cause);
}

function fieldInvalid(field: string, message: string): never {
  throw protocolError('FIELD_INVALID', message, { field });
}

/** Unicode code points, the "characters" of the RFC 5280 upper bounds. */
function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Member extension
// ---------------------------------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Checks the shape of a member extension value and returns a frozen copy; X509_PROFILE_INVALID otherwise. */
function checkMemberExtension(value: unknown): MemberExtension {
  if (!isPlainObject(value)) profileInvalid('member extension must be an object');
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== 'attrs,kind,roles') profileInvalid('member extension must have exactly attrs, kind, roles');
  const { kind, roles, attrs } = value;
  if (kind !== 'member' && kind !== 'node') profileInvalid('member extension kind must be "member" or "node"');
  if (!Array.isArray(roles) || roles.length > MAX_ROLES) profileInvalid(`roles must be an array of ≤ ${MAX_ROLES}`);
  const seen = new Set<string>();
  for (const role of roles) {
    if (typeof role !== 'string' || !ROLE_PATTERN.test(role)) profileInvalid(`role must match ${ROLE_PATTERN}`);
    if (seen.has(role)) profileInvalid('roles must be distinct');
    seen.add(role);
  }
  if (!isPlainObject(attrs)) profileInvalid('attrs must be an object');
  const attrKeys = Object.keys(attrs);
  if (attrKeys.length > MAX_ATTRS) profileInvalid(`at most ${MAX_ATTRS} attrs`);
  const attrsCopy: Record<string, string> = Object.create(null);
  for (const key of attrKeys) {
    const v = attrs[key];
    if (!ATTR_KEY_PATTERN.test(key)) profileInvalid(`attr name must match ${ATTR_KEY_PATTERN}`);
    if (typeof v !== 'string' || !v.isWellFormed() || charCount(v) > MAX_ATTR_VALUE_CHARS) {
      profileInvalid(`attr values must be strings of ≤ ${MAX_ATTR_VALUE_CHARS} characters`);
    }
    attrsCopy[key] = v;
  }
  return Object.freeze({ kind, roles: Object.freeze([...(roles as string[])]), attrs: Object.freeze(attrsCopy) });
}

function memberExtensionFromDer(extnValue: Uint8Array): MemberExtension {
  const node = readDer(extnValue);
  if (node.tag !== DerTag.utf8String) profileInvalid('member extension value must be a UTF8String');
  let json: unknown;
  try {
    json = decodeCanonical(utf8ToBytes(decodeDerString(node)));
  } catch (cause) {
    return profileInvalid('member extension is not RFC 8785 canonical JSON', cause);
  }
  return checkMemberExtension(json);
}

function memberExtensionToDer(member: MemberExtension): Uint8Array {
  const m = checkMemberExtension(member);
  return derUtf8String(canonicalize({ attrs: m.attrs, kind: m.kind, roles: m.roles }));
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

/** Walks the components of a SEQUENCE in order, with OPTIONAL components recognised by their tags. */
function fields(node: DerNode, what: string) {
  if (node.tag !== DerTag.sequence) malformed(`${what} is not a SEQUENCE`);
  let i = 0;
  return {
    next(tag: number, field: string): DerNode {
      const child = node.children[i];
      if (child === undefined || child.tag !== tag) malformed(`${what}.${field} is missing or has the wrong type`);
      i++;
      return child;
    },
    optional(tag: number): DerNode | undefined {
      const child = node.children[i];
      if (child === undefined || child.tag !== tag) return undefined;
      i++;
      return child;
    },
    end(): void {
      if (i !== node.children.length) malformed(`${what} has unexpected components`);
    },
  };
}

function nextTime(node: DerNode, index: number, field: string): number {
  const child = node.children[index];
  if (child === undefined || (child.tag !== DerTag.utcTime && child.tag !== DerTag.generalizedTime)) {
    malformed(`validity.${field} is missing or not a Time`);
  }
  return decodeDerTime(child);
}

function parseSignatureAlgorithm(node: DerNode): CertificateAlgorithm {
  const f = fields(node, 'AlgorithmIdentifier');
  const oid = decodeDerOid(f.next(DerTag.oid, 'algorithm'));
  if (oid === OID.ed25519) {
    f.end(); // RFC 8410 §3: parameters MUST be absent.
    return 'ed25519';
  }
  if (oid === OID.sm2WithSm3) {
    // OpenSSL omits the parameters; some encoders write NULL. Both mean "no parameters".
    f.optional(DerTag.null);
    f.end();
    return 'sm2-sm3';
  }
  return unsupported(`signature algorithm ${oid}`);
}

function parsePublicKeyInfo(node: DerNode): { algorithm: CertificateAlgorithm; publicKey: Uint8Array } {
  const f = fields(node, 'SubjectPublicKeyInfo');
  const algorithm = fields(f.next(DerTag.sequence, 'algorithm'), 'SubjectPublicKeyInfo.algorithm');
  const keyBits = decodeDerBitString(f.next(DerTag.bitString, 'subjectPublicKey'));
  f.end();
  if (keyBits.unusedBits !== 0) malformed('subjectPublicKey has unused bits');
  const publicKey = keyBits.bytes.slice();
  const oid = decodeDerOid(algorithm.next(DerTag.oid, 'algorithm'));
  if (oid === OID.ed25519) {
    algorithm.end();
    if (!ed25519Sha256Portable.isValidPublicKey(publicKey)) malformed('subject public key is not a valid Ed25519 key');
    return { algorithm: 'ed25519', publicKey };
  }
  if (oid === OID.ecPublicKey) {
    const curve = decodeDerOid(algorithm.next(DerTag.oid, 'namedCurve'));
    algorithm.end();
    if (curve !== OID.sm2Curve) unsupported(`elliptic curve ${curve}`);
    if (!sm2Sm3Portable.isValidPublicKey(publicKey)) {
      malformed('subject public key is not a valid uncompressed SM2 point');
    }
    return { algorithm: 'sm2-sm3', publicKey };
  }
  return unsupported(`public key algorithm ${oid}`);
}

/** ECDSA-Sig-Value (RFC 5480 §2.2 / GM/T 0009) → raw r ‖ s, each strictly a positive INTEGER below 2^256. */
function sm2SignatureFromDer(bytes: Uint8Array): Uint8Array {
  const node = readDer(bytes);
  if (node.tag !== DerTag.sequence || node.children.length !== 2) {
    malformed('SM2 signature is not SEQUENCE { r INTEGER, s INTEGER }');
  }
  const out = new Uint8Array(64);
  node.children.forEach((child, i) => {
    if (child.tag !== DerTag.integer) malformed('SM2 signature r and s must be INTEGERs');
    let c = child.content; // minimal: readDer checked it
    if (c[0]! & 0x80) malformed('SM2 signature r or s is negative');
    if (c[0] === 0) c = c.subarray(1);
    if (c.length === 0) malformed('SM2 signature r or s is zero');
    if (c.length > 32) malformed('SM2 signature r or s is 2^256 or more');
    out.set(c, 32 * i + 32 - c.length);
  });
  return out;
}

function sm2SignatureToDer(raw: Uint8Array): Uint8Array {
  return derSequence(derUnsignedInteger(raw.subarray(0, 32)), derUnsignedInteger(raw.subarray(32, 64)));
}

/**
 * The attributes of a Name that `DistinguishedName` has fields for. Other attribute types are ignored (they stay in
 * the raw Name bytes); a known type that appears twice, or has a string type other than UTF8String,
 * PrintableString or IA5String, is X509_UNSUPPORTED, because dropping or guessing it could misidentify someone.
 */
function parseName(node: DerNode, what: string): DistinguishedName {
  if (node.tag !== DerTag.sequence) malformed(`${what} is not a Name`);
  const out: Record<string, string> = {};
  for (const rdn of node.children) {
    // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue; readDer checked the DER order.
    if (rdn.tag !== DerTag.set || rdn.children.length === 0) malformed(`${what} has a malformed RDN`);
    for (const atv of rdn.children) {
      const f = fields(atv, `${what} attribute`);
      const oid = decodeDerOid(f.next(DerTag.oid, 'type'));
      const value = atv.children[1];
      if (value === undefined || atv.children.length !== 2) malformed(`${what} attribute has no single value`);
      const attribute = NAME_ATTRIBUTES.find((a) => a.oid === oid);
      if (attribute === undefined) continue;
      if (value.tag !== DerTag.utf8String && value.tag !== DerTag.printableString && value.tag !== DerTag.ia5String) {
        unsupported(`${what} ${attribute.key} has an unsupported string type`);
      }
      if (attribute.key in out) unsupported(`${what} has more than one ${attribute.key}`);
      out[attribute.key] = decodeDerString(value);
    }
  }
  return out as DistinguishedName;
}

interface ParsedExtensions {
  ca: boolean;
  pathLen?: number;
  keyUsage?: readonly KeyUsage[];
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  member?: MemberExtension;
}

function parseBasicConstraints(value: DerNode, out: ParsedExtensions): void {
  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }
  const f = fields(value, 'basicConstraints');
  const caNode = f.optional(DerTag.boolean);
  const pathNode = f.optional(DerTag.integer);
  f.end();
  if (caNode !== undefined && !decodeDerBoolean(caNode)) malformed('basicConstraints encodes the DEFAULT cA FALSE');
  out.ca = caNode !== undefined;
  if (pathNode !== undefined) {
    // §4.2.1.9: pathLenConstraint only when cA is asserted.
    if (!out.ca) malformed('basicConstraints has pathLenConstraint without cA');
    const pathLen = decodeDerInteger(pathNode);
    if (pathLen < 0n) malformed('negative pathLenConstraint');
    if (pathLen > 255n) unsupported('pathLenConstraint above 255');
    out.pathLen = Number(pathLen);
  }
}

function parseKeyUsage(value: DerNode): KeyUsage[] {
  if (value.tag !== DerTag.bitString) malformed('keyUsage is not a BIT STRING');
  const bits = decodeDerNamedBits(value);
  // §4.2.1.3: at least one bit MUST be set.
  if (bits.length === 0) malformed('keyUsage has no bit set');
  return bits.map((bit) => KEY_USAGE_BITS[bit] ?? unsupported('keyUsage encipherOnly/decipherOnly'));
}

function parseAuthorityKeyId(value: DerNode): Uint8Array | undefined {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL,
  //   authorityCertIssuer [1] IMPLICIT GeneralNames OPTIONAL, authorityCertSerialNumber [2] IMPLICIT INTEGER OPTIONAL }
  const f = fields(value, 'authorityKeyIdentifier');
  const keyId = f.optional(contextTag(0, false));
  f.optional(contextTag(1, true));
  f.optional(contextTag(2, false));
  f.end();
  return keyId?.content.slice();
}

function parseExtensions(node: DerNode): ParsedExtensions {
  const out: ParsedExtensions = { ca: false };
  // [3] EXPLICIT Extensions, Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
  const list = node.children[0];
  if (node.children.length !== 1 || list?.tag !== DerTag.sequence) malformed('extensions is not [3] { SEQUENCE }');
  if (list.children.length === 0) malformed('extensions is empty');
  const seen = new Set<string>();
  for (const extension of list.children) {
    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const f = fields(extension, 'Extension');
    const oid = decodeDerOid(f.next(DerTag.oid, 'extnID'));
    const criticalNode = f.optional(DerTag.boolean);
    const extnValue = f.next(DerTag.octetString, 'extnValue').content;
    f.end();
    const critical = criticalNode !== undefined && decodeDerBoolean(criticalNode);
    // X.690 §11.5: a DEFAULT value is never encoded.
    if (criticalNode !== undefined && !critical) malformed(`extension ${oid} encodes the DEFAULT critical FALSE`);
    // §4.2: a certificate MUST NOT include more than one instance of a particular extension.
    if (seen.has(oid)) malformed(`extension ${oid} appears twice`);
    seen.add(oid);
    switch (oid) {
      case OID.basicConstraints:
        parseBasicConstraints(readDer(extnValue), out);
        break;
      case OID.keyUsage:
        out.keyUsage = Object.freeze(parseKeyUsage(readDer(extnValue)));
        break;
      case OID.subjectKeyIdentifier: {
        const ski = readDer(extnValue);
        if (ski.tag !== DerTag.octetString) malformed('subjectKeyIdentifier is not an OCTET STRING');
        out.subjectKeyId = ski.content.slice();
        break;
      }
      case OID.authorityKeyIdentifier: {
        const aki = parseAuthorityKeyId(readDer(extnValue));
        if (aki !== undefined) out.authorityKeyId = aki;
        break;
      }
      case LIANZHENG_MEMBER_EXTENSION_OID:
        out.member = memberExtensionFromDer(extnValue);
        break;
      default:
        // §4.2: a certificate-using system MUST reject a certificate with a critical extension it does not recognise.
        if (critical && !SKIPPED_EXTENSIONS.has(oid)) unsupported(`unknown critical extension ${oid}`);
    }
  }
  return out;
}

/**
 * Parses a DER X.509 v3 certificate (RFC 5280 §4.1) of one of the two suites. Does not verify the signature or
 * check validity times: see `verifyCertificateSignature`. Errors: X509_MALFORMED (structure, limits),
 * X509_UNSUPPORTED (v1/v2, other algorithms, unknown critical extensions), X509_PROFILE_INVALID (a bad member
 * extension), DER_MALFORMED (not strict DER).
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (!(der instanceof Uint8Array)) malformed('input is not a Uint8Array');
  if (der.length > MAX_CERTIFICATE_BYTES) malformed(`certificate is larger than ${MAX_CERTIFICATE_BYTES} bytes`);
  // A private copy: the views below must not change when the caller reuses its buffer. Not `der.slice()`: on a
  // Node Buffer that is a view of the same memory, and every field below would alias the caller's bytes.
  const bytes = new Uint8Array(der);
  const root = readDer(bytes);
  const c = fields(root, 'Certificate');
  const tbsNode = c.next(DerTag.sequence, 'tbsCertificate');
  const outerAlgorithm = c.next(DerTag.sequence, 'signatureAlgorithm');
  const signatureBits = decodeDerBitString(c.next(DerTag.bitString, 'signatureValue'));
  c.end();

  const t = fields(tbsNode, 'TBSCertificate');
  const versionNode = t.optional(contextTag(0, true));
  if (versionNode === undefined) unsupported('version 1 certificate: only v3 is accepted');
  const versionInteger = versionNode.children[0];
  if (versionNode.children.length !== 1 || versionInteger?.tag !== DerTag.integer) malformed('version is malformed');
  const version = decodeDerInteger(versionInteger);
  if (version === 0n) malformed('version encodes the DEFAULT v1');
  if (version === 1n) unsupported('version 2 certificate: only v3 is accepted');
  if (version !== 2n) malformed(`unknown version ${version}`);

  // §4.1.2.2: a positive INTEGER of at most 20 content octets.
  const serialContent = t.next(DerTag.integer, 'serialNumber').content;
  if (serialContent[0]! & 0x80) malformed('serialNumber is negative');
  if (serialContent.length === 1 && serialContent[0] === 0) malformed('serialNumber is zero');
  if (serialContent.length > 20) malformed('serialNumber is longer than 20 octets');

  // §4.1.1.2: the signature field MUST contain the same algorithm identifier as signatureAlgorithm.
  const innerAlgorithm = t.next(DerTag.sequence, 'signature');
  if (!equalBytes(innerAlgorithm.bytes, outerAlgorithm.bytes)) {
    malformed('TBSCertificate.signature differs from signatureAlgorithm');
  }
  const algorithm = parseSignatureAlgorithm(outerAlgorithm);

  const issuerNode = t.next(DerTag.sequence, 'issuer');
  const issuer = parseName(issuerNode, 'issuer');
  // §4.1.2.4: the issuer field MUST contain a non-empty distinguished name.
  if (issuerNode.children.length === 0) malformed('issuer is empty');
  const validity = t.next(DerTag.sequence, 'validity');
  if (validity.children.length !== 2) malformed('validity is not { notBefore, notAfter }');
  const notBefore = nextTime(validity, 0, 'notBefore');
  const notAfter = nextTime(validity, 1, 'notAfter');
  const subjectNode = t.next(DerTag.sequence, 'subject');
  const subject = parseName(subjectNode, 'subject');
  const key = parsePublicKeyInfo(t.next(DerTag.sequence, 'subjectPublicKeyInfo'));
  // issuerUniqueID [1] and subjectUniqueID [2] (IMPLICIT BIT STRING): §4.1.2.8 says CAs MUST NOT generate them;
  // they carry nothing this profile uses, so they are skipped.
  t.optional(contextTag(1, false));
  t.optional(contextTag(2, false));
  const extensionsNode = t.optional(contextTag(3, true));
  t.end();
  const extensions = extensionsNode === undefined ? { ca: false } : parseExtensions(extensionsNode);

  // A chain uses one suite, so the issuer's signature algorithm is always the subject key's family.
  if (key.algorithm !== algorithm) unsupported(`a ${key.algorithm} key in a certificate signed with ${algorithm}`);

  if (signatureBits.unusedBits !== 0) malformed('signatureValue has unused bits');
  let signature: Uint8Array;
  if (algorithm === 'ed25519') {
    if (signatureBits.bytes.length !== 64) malformed('Ed25519 signature is not 64 bytes');
    signature = signatureBits.bytes.slice();
  } else {
    signature = sm2SignatureFromDer(signatureBits.bytes);
  }

  return Object.freeze({
    der: bytes,
    tbs: tbsNode.bytes.slice(),
    serial: bytesToHex(serialContent),
    algorithm,
    issuer: Object.freeze(issuer),
    issuerDer: issuerNode.bytes.slice(),
    subject: Object.freeze(subject),
    subjectDer: subjectNode.bytes.slice(),
    notBefore,
    notAfter,
    publicKey: key.publicKey,
    signature,
    ...extensions,
  });
}

/** The suite a certificate belongs to. */
export function suiteOfCertificate(cert: Certificate): SuiteId {
  return cert.algorithm === 'ed25519' ? SuiteId.ed25519Sha256 : SuiteId.sm2Sm3;
}

/** 'ca', the member extension's kind, or undefined for a plain end-entity certificate. */
export function certificateKind(cert: Certificate): CertificateKind | undefined {
  if (cert.ca && cert.member !== undefined) profileInvalid('a CA certificate must not carry the member extension');
  return cert.ca ? 'ca' : cert.member?.kind;
}

/**
 * Whether `issuerPublicKey` signed the certificate. False, never an exception, when the certificate belongs to
 * another suite or the key or signature is not acceptable.
 */
export function verifyCertificateSignature(
  suite: CryptoSuite,
  cert: Certificate,
  issuerPublicKey: Uint8Array,
): boolean {
  return suiteOfCertificate(cert) === suite.id && suite.verify(issuerPublicKey, cert.tbs, cert.signature);
}

/** `verifyCertificateSignature` as an assertion: X509_UNSUPPORTED for another suite, else X509_SIGNATURE_INVALID. */
export function assertCertificateSignature(suite: CryptoSuite, cert: Certificate, issuerPublicKey: Uint8Array): void {
  if (suiteOfCertificate(cert) !== suite.id) {
    unsupported(`a ${cert.algorithm} certificate on a ${suite.id} chain`);
  }
  if (!suite.verify(issuerPublicKey, cert.tbs, cert.signature)) {
    throw protocolError('X509_SIGNATURE_INVALID', 'certificate signature does not verify with the issuer key', {
      serial: cert.serial,
    });
  }
}

/** Hex of the suite hash (SHA-256 or SM3) of the DER certificate. */
export function certificateFingerprint(hasher: Hasher, der: Uint8Array): string {
  return bytesToHex(hasher.hash(der));
}

// ---------------------------------------------------------------------------------------------------------------
// Issuing
// ---------------------------------------------------------------------------------------------------------------

export interface IssueCertificateParameters {
  readonly suite: CryptoSuite;
  readonly issuerSecretKey: Uint8Array;
  /**
   * The issuer's name. A Certificate (the issuing CA's): its subject Name bytes become the issuer Name and its
   * subjectKeyId the authorityKeyIdentifier. A DistinguishedName: encoded like a subject, and the AKI is computed from
   * the issuer secret key; equal to `subject` with the subject's own key, this makes a self-signed CA.
   */
  readonly issuer: DistinguishedName | Certificate;
  readonly subject: DistinguishedName;
  /** The subject key: 32 bytes (Ed25519) or 65 bytes (SM2). */
  readonly publicKey: Uint8Array;
  /** 1–20 bytes, big-endian; leading zeros are dropped and a 0x00 sign octet added when the top bit is set. */
  readonly serial: Uint8Array;
  /** Whole seconds, ms since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Present for a CA certificate. */
  readonly ca?: { readonly pathLen?: number };
  /** The Lianzheng member extension (end-entity certificates only). */
  readonly member?: MemberExtension;
  /** Defaults: CA digitalSignature + keyCertSign + cRLSign; end entity digitalSignature. */
  readonly keyUsage?: readonly KeyUsage[];
}

/**
 * The subject key identifier this module writes: the leftmost 160 bits of the suite hash (SHA-256 or SM3) of the
 * subjectPublicKey BIT STRING value, i.e. RFC 7093 §2 method 1 with the suite's hash.
 */
export function subjectKeyIdentifier(hasher: Hasher, publicKey: Uint8Array): Uint8Array {
  return hasher.hash(publicKey).slice(0, 20);
}

function nameToDer(dn: DistinguishedName, field: string): Uint8Array {
  if (typeof dn !== 'object' || dn === null) fieldInvalid(field, `${field} must be a distinguished name`);
  const rdns: Uint8Array[] = [];
  for (const { key, oid, maxLength } of NAME_ATTRIBUTES) {
    const value = dn[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || !value.isWellFormed() || charCount(value) > maxLength) {
      fieldInvalid(`${field}.${key}`, `${field}.${key} must be a non-empty string of at most ${maxLength} characters`);
    }
    if (key === 'country' && !/^[A-Z]{2}$/.test(value)) {
      fieldInvalid(`${field}.country`, `${field}.country must be an ISO 3166 alpha-2 code`);
    }
    const encoded = key === 'country' ? derPrintableString(value) : derUtf8String(value);
    rdns.push(derSet(derSequence(derOid(oid), encoded)));
  }
  if (rdns.length === 0) fieldInvalid(field, `${field} must have at least one attribute`);
  return derSequence(...rdns);
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
}

function serialToDer(serial: Uint8Array): Uint8Array {
  if (!(serial instanceof Uint8Array) || serial.length < 1 || serial.length > 20 || serial.every((b) => b === 0)) {
    fieldInvalid('serial', 'serial must be 1–20 bytes and not zero');
  }
  const encoded = derUnsignedInteger(serial);
  // §4.1.2.2 limits the content octets, sign octet included, to 20.
  if (encoded.length - 2 > 20) fieldInvalid('serial', 'serial with its top bit set must be at most 19 bytes');
  return encoded;
}

function isCertificate(issuer: DistinguishedName | Certificate): issuer is Certificate {
  return 'subjectDer' in issuer && issuer.subjectDer instanceof Uint8Array;
}

/** Builds and signs an X.509 v3 certificate; returns its DER. */
export function issueCertificate(p: IssueCertificateParameters): Uint8Array {
  const { suite } = p;
  if (suite.id !== SuiteId.ed25519Sha256 && suite.id !== SuiteId.sm2Sm3) {
    throw protocolError('SUITE_UNKNOWN', `unknown crypto suite ${String(suite.id)}`, { suite: suite.id });
  }
  const algorithm: CertificateAlgorithm = suite.id === SuiteId.ed25519Sha256 ? 'ed25519' : 'sm2-sm3';
  if (!(p.publicKey instanceof Uint8Array) || !suite.isValidPublicKey(p.publicKey)) {
    throw protocolError('KEY_INVALID', `publicKey is not a valid ${suite.id} public key`, { field: 'publicKey' });
  }
  const issuerPublicKey = suite.publicKeyFromSecret(p.issuerSecretKey);

  let issuerName: Uint8Array;
  let authorityKeyId: Uint8Array | undefined;
  if (isCertificate(p.issuer)) {
    const ca = p.issuer;
    if (suiteOfCertificate(ca) !== suite.id) unsupported(`a ${ca.algorithm} issuer certificate for ${suite.id}`);
    if (!equalBytes(ca.publicKey, issuerPublicKey)) {
      throw protocolError('KEY_INVALID', 'issuerSecretKey does not match the issuer certificate', {
        field: 'issuerSecretKey',
      });
    }
    if (!ca.ca || (ca.keyUsage !== undefined && !ca.keyUsage.includes('keyCertSign'))) {
      profileInvalid('the issuer certificate is not a CA allowed to sign certificates');
    }
    issuerName = ca.subjectDer;
    authorityKeyId = ca.subjectKeyId;
  } else {
    issuerName = nameToDer(p.issuer, 'issuer');
    authorityKeyId = subjectKeyIdentifier(suite, issuerPublicKey);
  }
  const subjectName = nameToDer(p.subject, 'subject');

  if (p.ca !== undefined && p.member !== undefined) fieldInvalid('member', 'a CA certificate has no member extension');
  const pathLen = p.ca?.pathLen;
  if (pathLen !== undefined && (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 255)) {
    fieldInvalid('ca.pathLen', 'ca.pathLen must be an integer in 0..255');
  }
  if (!Number.isSafeInteger(p.notBefore) || !Number.isSafeInteger(p.notAfter) || p.notBefore > p.notAfter) {
    fieldInvalid('notAfter', 'notBefore and notAfter must be integers with notBefore ≤ notAfter');
  }
  const keyUsage = p.keyUsage ?? (p.ca ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature']);
  if (keyUsage.length === 0 || new Set(keyUsage).size !== keyUsage.length) {
    fieldInvalid('keyUsage', 'keyUsage must be a non-empty list of distinct usages');
  }
  const keyUsageBits = keyUsage.map((u) => {
    const bit = KEY_USAGE_BITS.indexOf(u);
    return bit >= 0 ? bit : fieldInvalid('keyUsage', `unknown key usage ${String(u)}`);
  });

  const algorithmIdentifier = derSequence(derOid(algorithm === 'ed25519' ? OID.ed25519 : OID.sm2WithSm3));
  const spkiAlgorithm =
    algorithm === 'ed25519'
      ? derSequence(derOid(OID.ed25519))
      : derSequence(derOid(OID.ecPublicKey), derOid(OID.sm2Curve));
  const extensions = [
    // §4.2.1.9: critical in CA certificates; marked critical in every certificate here. cA FALSE is the DEFAULT,
    // so an end-entity's value is the empty SEQUENCE.
    extension(
      OID.basicConstraints,
      true,
      p.ca ? derSequence(derBoolean(true), ...(pathLen === undefined ? [] : [derInteger(pathLen)])) : derSequence(),
    ),
    extension(OID.keyUsage, true, derNamedBits(keyUsageBits)),
    extension(OID.subjectKeyIdentifier, false, derOctetString(subjectKeyIdentifier(suite, p.publicKey))),
  ];
  if (authorityKeyId !== undefined) {
    extensions.push(
      extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, derOctetString(authorityKeyId)))),
    );
  }
  if (p.member !== undefined) {
    extensions.push(extension(LIANZHENG_MEMBER_EXTENSION_OID, false, memberExtensionToDer(p.member)));
  }

  const tbs = derSequence(
    derExplicit(0, derInteger(2)), // v3
    serialToDer(p.serial),
    algorithmIdentifier,
    issuerName,
    derSequence(derTime(p.notBefore), derTime(p.notAfter)),
    subjectName,
    derSequence(spkiAlgorithm, derBitString(p.publicKey)),
    derExplicit(3, derSequence(...extensions)),
  );
  const raw = suite.sign(p.issuerSecretKey, tbs);
  const signature = algorithm === 'ed25519' ? raw : sm2SignatureToDer(raw);
  return derSequence(tbs, algorithmIdentifier, derBitString(signature));
}

// ---------------------------------------------------------------------------------------------------------------
// PEM (RFC 7468) and base64
// ---------------------------------------------------------------------------------------------------------------

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';
/** Base64 of the largest certificate, line breaks, markers and some explanatory text. */
const MAX_PEM_CHARS = 4 * MAX_CERTIFICATE_BYTES;

/** RFC 7468 §2: the base64 text in lines of 64 characters between the CERTIFICATE markers. */
export function certificateToPem(der: Uint8Array): string {
  const text = base64.encode(der);
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 64) lines.push(text.slice(i, i + 64));
  return `${PEM_BEGIN}\n${lines.join('\n')}\n${PEM_END}\n`;
}

/**
 * The DER inside exactly one CERTIFICATE block. Text before and after the block is ignored (RFC 7468 §5.2);
 * inside it only base64 and whitespace may appear, and the base64 must be canonical with padding.
 */
export function certificateFromPem(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length > MAX_PEM_CHARS) malformed('PEM text is not a string or too long');
  const begin = text.indexOf(PEM_BEGIN);
  const end = text.indexOf(PEM_END);
  if (begin < 0 || end < begin) malformed('no PEM CERTIFICATE block');
  if (text.indexOf('-----BEGIN', begin + 1) >= 0 || text.indexOf('-----END', end + 1) >= 0) {
    malformed('more than one PEM block');
  }
  return certificateFromBase64(text.slice(begin + PEM_BEGIN.length, end).replace(/[ \t\r\n]/g, ''));
}

/** DER from strict base64 (RFC 4648 §4, padded, no whitespace or other characters). */
export function certificateFromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_PEM_CHARS) {
    malformed('base64 certificate is empty, not a string or too long');
  }
  let der: Uint8Array;
  try {
    der = base64.decode(text);
  } catch (cause) {
    return malformed('certificate is not valid base64', cause);
  }
  if (der.length > MAX_CERTIFICATE_BYTES) malformed(`certificate is larger than ${MAX_CERTIFICATE_BYTES} bytes`);
  return der;
}

/**
 * An organisation's certificate authority on disk: its encrypted key (`ca/<org>.key.json`), its self-signed root
 * (`ca/<org>.pem`) and its issuance log (`ca/<org>.issued.jsonl`, one JSON line per certificate). The CA issues
 * member and node certificates in the profile of docs/identity.md. Revocation is not a CA file: it is the
 * `identity.revoke` transaction, effective from a block height.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type Certificate,
  certificateFromPem,
  certificateToPem,
  issueCertificate,
  type MemberExtension,
  parseCertificate,
  protocolError,
  type SuiteId,
} from '@lianzheng/protocol';
import { nodeError } from './errors.js';
import { openKeyFile, writeKeyFile } from './keystore.js';
import { nativeSuite } from './nativeSuite.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface OrgCa {
  readonly home: string;
  readonly org: string;
  readonly suite: SuiteId;
  readonly der: Uint8Array;
  readonly cert: Certificate;
  readonly keyFile: string;
  /** Kept only while the CA is open in this process. */
  readonly secretKey: Uint8Array;
}

export interface CaOrg {
  readonly id: string;
  readonly name: string;
  readonly nameEn?: string;
}

export interface CreateCaParameters {
  readonly home: string;
  readonly suite: SuiteId;
  readonly org: CaOrg;
  /** Start of validity, ms (rounded down to the second, less an hour of clock-skew margin). */
  readonly time: number;
  readonly days: number;
  readonly passphrase: string;
  readonly scryptN?: number;
}

export function caFiles(home: string, org: string): { key: string; pem: string; log: string } {
  const dir = path.join(home, 'ca');
  return {
    key: path.join(dir, `${org}.key.json`),
    pem: path.join(dir, `${org}.pem`),
    log: path.join(dir, `${org}.issued.jsonl`),
  };
}

function validity(time: number, days: number): { notBefore: number; notAfter: number } {
  const notBefore = Math.floor((time - 3_600_000) / 1000) * 1000;
  return { notBefore, notAfter: notBefore + Math.floor((days * DAY_MS) / 1000) * 1000 };
}

function serial(): Uint8Array {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x7f) | 0x01;
  return s;
}

/** Creates an organisation's CA: a fresh key, encrypted, and a self-signed root. Refuses to overwrite one. */
export async function createCa(p: CreateCaParameters): Promise<OrgCa> {
  const files = caFiles(p.home, p.org.id);
  if (existsSync(files.key) || existsSync(files.pem)) {
    throw nodeError('CONFIG_INVALID', `a CA for ${p.org.id} already exists in ${path.dirname(files.key)}`, {
      field: 'org',
    });
  }
  const suite = nativeSuite(p.suite);
  const secretKey = suite.randomSecretKey();
  const publicKey = suite.publicKeyFromSecret(secretKey);
  const name = { country: 'CN', org: p.org.id, unit: 'CA', commonName: `${p.org.id} CA` };
  const der = issueCertificate({
    suite,
    issuerSecretKey: secretKey,
    issuer: name,
    subject: name,
    publicKey,
    serial: serial(),
    ...validity(p.time, p.days),
    ca: { pathLen: 0 },
  });
  await mkdir(path.dirname(files.key), { recursive: true });
  await writeKeyFile(
    files.key,
    { id: `${p.org.id}-ca`, org: p.org.id, role: 'ca', suite: p.suite, secretKey },
    p.passphrase,
    p.scryptN === undefined ? {} : { scryptN: p.scryptN },
  );
  await writeFile(files.pem, certificateToPem(der));
  return {
    home: p.home,
    org: p.org.id,
    suite: p.suite,
    der,
    cert: parseCertificate(der),
    keyFile: files.key,
    secretKey,
  };
}

/** Opens an existing CA with its passphrase. */
export async function openCa(home: string, org: string, passphrase: string): Promise<OrgCa> {
  const files = caFiles(home, org);
  if (!existsSync(files.key)) {
    throw nodeError('CONFIG_INVALID', `no CA for ${org} in ${path.dirname(files.key)}: run \`lianzheng ca init\``, {
      field: 'org',
    });
  }
  const key = await openKeyFile(files.key, passphrase);
  const der = certificateFromPem(await readFile(files.pem, 'utf8'));
  const cert = parseCertificate(der);
  if (Buffer.compare(Buffer.from(cert.publicKey), Buffer.from(key.publicKey)) !== 0) {
    throw protocolError('KEY_FILE_INVALID', `${files.pem} is not the certificate of the key in ${files.key}`, {
      file: files.pem,
    });
  }
  return { home, org, suite: key.suite, der, cert, keyFile: files.key, secretKey: key.exportSecretKey() };
}

export interface IssueParameters {
  /** Member id (certificate CN). */
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly member: MemberExtension;
  readonly time: number;
  readonly days: number;
}

/** One line of a CA's issuance log. */
export interface IssuedEntry {
  readonly serial: string;
  readonly id: string;
  readonly kind: 'member' | 'node';
  readonly roles: readonly string[];
  readonly publicKey: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly issuedAt: number;
}

/** Issues a member or node certificate (DER) and records it in the CA's issuance log. */
export async function issueFromCa(ca: OrgCa, p: IssueParameters): Promise<Uint8Array> {
  const suite = nativeSuite(ca.suite);
  const { notBefore, notAfter } = validity(p.time, p.days);
  const der = issueCertificate({
    suite,
    issuerSecretKey: ca.secretKey,
    issuer: ca.cert,
    subject: { country: 'CN', org: ca.org, commonName: p.id },
    publicKey: p.publicKey,
    serial: serial(),
    notBefore,
    notAfter: Math.min(notAfter, ca.cert.notAfter),
    member: p.member,
  });
  const cert = parseCertificate(der);
  const entry: IssuedEntry = {
    serial: cert.serial,
    id: p.id,
    kind: p.member.kind,
    roles: p.member.roles,
    publicKey: Buffer.from(p.publicKey).toString('hex'),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    issuedAt: p.time,
  };
  await appendFile(caFiles(ca.home, ca.org).log, `${JSON.stringify(entry)}\n`);
  return der;
}

export async function readIssuanceLog(home: string, org: string): Promise<IssuedEntry[]> {
  const file = caFiles(home, org).log;
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as IssuedEntry);
}

export function certificateFile(home: string, id: string): string {
  return path.join(home, 'certs', `${id}.pem`);
}

export async function writeCertificate(home: string, id: string, der: Uint8Array): Promise<string> {
  const file = certificateFile(home, id);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, certificateToPem(der));
  return file;
}

export async function readCertificate(home: string, id: string): Promise<Uint8Array> {
  const file = certificateFile(home, id);
  try {
    return certificateFromPem(await readFile(file, 'utf8'));
  } catch (cause) {
    throw nodeError('CONFIG_INVALID', `cannot read certificate ${file}`, { field: file }, cause);
  }
}

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, equalBytes, hexToBytes, isHex } from './bytes.js';
import { protocolError } from './errors.js';
import type { Consortium } from './genesis.js';
import { createSm3 } from './sm3.js';
import type { CryptoSuite, SuiteId } from './suite.js';
import { assertTxProof, type TxProof, verifyTxProof } from './txProof.js';

export const NOTARY_CERTIFICATE_TYPE = 'lianzheng/notary-certificate';

/** File hash algorithms the notary accepts. A file's hash is the plain digest of its bytes (no tag). */
export const NOTARY_ALGORITHMS = ['sha256', 'sm3'] as const;
export type NotaryAlgorithm = (typeof NOTARY_ALGORITHMS)[number];

export function isNotaryAlgorithm(value: unknown): value is NotaryAlgorithm {
  return value === 'sha256' || value === 'sm3';
}

/** An incremental digest of a file's bytes, for hashing large files piece by piece (a browser reading a stream). */
export interface DocumentDigest {
  update(chunk: Uint8Array): DocumentDigest;
  /** The lower-case hex digest; call once. */
  hex(): string;
}

export function documentDigest(alg: NotaryAlgorithm): DocumentDigest {
  const h = alg === 'sm3' ? createSm3() : sha256.create();
  const out: DocumentDigest = {
    update(chunk) {
      h.update(chunk);
      return out;
    },
    hex: () => bytesToHex(h.digest()),
  };
  return out;
}

/** State key of a notarised document in the `notary` contract. */
export function notaryRecordKey(alg: NotaryAlgorithm, hash: string): string {
  return `${alg}:${hash}`;
}

/** 存证证书: a document digest plus the proof that a `notary.register` for it is in a certified block. */
export interface NotaryCertificate {
  readonly type: typeof NOTARY_CERTIFICATE_TYPE;
  readonly v: 1;
  readonly chainId: string;
  readonly suite: SuiteId;
  readonly document: { readonly alg: NotaryAlgorithm; readonly hash: string };
  readonly proof: TxProof;
}

export function assertNotaryCertificate(value: unknown, suite: CryptoSuite): NotaryCertificate {
  const bad = (field: string, message: string): never => {
    throw protocolError('CERTIFICATE_INVALID', message, { reason: 'malformed', field });
  };
  if (typeof value !== 'object' || value === null) bad('certificate', 'certificate must be a JSON object');
  const c = value as Record<string, unknown>;
  if (c.type !== NOTARY_CERTIFICATE_TYPE) bad('type', `type must be ${NOTARY_CERTIFICATE_TYPE}`);
  if (c.v !== 1) bad('v', 'v must be 1');
  if (typeof c.chainId !== 'string') bad('chainId', 'chainId is missing');
  if (c.suite !== suite.id) bad('suite', `certificate suite ${String(c.suite)} is not the chain suite ${suite.id}`);
  const doc = c.document as Record<string, unknown> | undefined;
  if (typeof doc !== 'object' || doc === null || !isNotaryAlgorithm(doc.alg) || !isHex(doc.hash, 32)) {
    bad('document', 'document must be { alg: sha256|sm3, hash: 32-byte hex }');
  }
  return {
    type: NOTARY_CERTIFICATE_TYPE,
    v: 1,
    chainId: c.chainId as string,
    suite: suite.id,
    document: { alg: (doc as { alg: NotaryAlgorithm }).alg, hash: (doc as { hash: string }).hash },
    proof: assertTxProof(c.proof, suite),
  };
}

export interface VerifiedNotaryCertificate {
  readonly alg: NotaryAlgorithm;
  readonly hash: string;
  /** When the document was registered: the block time, ms since the epoch. */
  readonly time: number;
  readonly height: number;
  readonly txId: string;
  /** Public key (hex) that registered it. */
  readonly registrant: string;
  readonly orgs: readonly string[];
}

/**
 * Offline verification of a notarisation certificate against a pinned consortium. When `fileDigest` is given it
 * must equal the certified hash (computed by the caller with `document.alg`).
 */
export function verifyNotaryCertificate(
  suite: CryptoSuite,
  trust: Consortium,
  certificate: NotaryCertificate,
  fileDigest?: Uint8Array,
): VerifiedNotaryCertificate {
  const fail = (reason: string, message: string): never => {
    throw protocolError('CERTIFICATE_INVALID', message, { reason });
  };
  if (certificate.chainId !== trust.chainId) fail('chain-id', 'certificate is for another chain');
  const { tx } = certificate.proof.tx;
  if (tx.contract !== 'notary' || tx.method !== 'register') fail('tx', 'transaction is not a notary.register');
  const args = tx.args as { alg?: unknown; hash?: unknown };
  if (args.alg !== certificate.document.alg || args.hash !== certificate.document.hash) {
    fail('document', 'transaction registers another document');
  }
  let verified: ReturnType<typeof verifyTxProof>;
  try {
    verified = verifyTxProof(suite, trust, certificate.proof);
  } catch (cause) {
    throw protocolError('CERTIFICATE_INVALID', 'the inclusion proof does not verify', { reason: 'proof' }, cause);
  }
  if (verified.receipt.status !== 'ok') fail('receipt', 'the registration failed on chain');
  if (fileDigest !== undefined && !equalBytes(fileDigest, hexToBytes(certificate.document.hash, 'document.hash', 32))) {
    throw protocolError('DOCUMENT_MISMATCH', 'the file does not match the certified hash', {
      expected: certificate.document.hash,
      actual: bytesToHex(fileDigest),
    });
  }
  return {
    alg: certificate.document.alg,
    hash: certificate.document.hash,
    time: verified.time,
    height: verified.height,
    txId: verified.txId,
    registrant: tx.signer,
    orgs: verified.orgs,
  };
}

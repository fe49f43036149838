/**
 * Personal data from a client (docs/privacy.md): register a record (only its commitment goes on chain), read one for
 * a purpose (the read is recorded on chain before anything is released), a citizen's access log with proofs, their
 * records and consents, grant and revoke consent, ask for erasure. Browser-safe.
 */
import {
  type AccessEntry,
  bytesToHex,
  type Consent,
  type Consortium,
  type CryptoSuite,
  canonicalize,
  commitPersonal,
  type JsonObject,
  type JsonValue,
  type PrivacyConfig,
  type PrivateRecord,
  type RecordReader,
  randomBytes,
  type TxProof,
  verifyTxProof,
} from '@lianzheng/protocol';
import { buildTransaction, type Client, signTransactionWith } from './actions.js';
import type { Signer } from './signer.js';

/** A fresh salt for a commitment: 16 random bytes (128 bits), hex. */
export function newSalt(): string {
  return bytesToHex(randomBytes(16));
}

/** Who signs, on which chain. */
export interface PrivacySigner {
  readonly suite: CryptoSuite;
  readonly chainId: string;
  readonly publicKey: Uint8Array;
  readonly sign: Signer;
  /** The clock transactions are dated by (default `Date.now`); their validity window starts there. */
  readonly now?: () => number;
}

async function signed(s: PrivacySigner, method: string, args: JsonObject) {
  const tx = buildTransaction({
    chainId: s.chainId,
    signer: s.publicKey,
    contract: 'privacy',
    method,
    args,
    ...(s.now === undefined ? {} : { now: s.now() }),
  });
  return signTransactionWith(s.suite, tx, s.sign);
}

export interface RegisterPersonalParameters {
  readonly value: JsonValue;
  readonly category: string;
  /** Pseudonymous subject id of the person the record is about. */
  readonly subject: string;
  /** The organisation the record is for (required when a citizen registers their own data). */
  readonly org?: string;
  readonly policy: readonly RecordReader[];
  /** Default: a fresh random salt. */
  readonly salt?: string;
}

export interface RegisterPersonalReturnType {
  readonly record: string;
  readonly tx: string;
  readonly height: number;
  readonly salt: string;
}

/** Registers a personal record through a node that may hold it; resolves once its block is durable. */
export async function registerPersonal(
  client: Client,
  s: PrivacySigner,
  p: RegisterPersonalParameters,
): Promise<RegisterPersonalReturnType> {
  const salt = p.salt ?? newSalt();
  const commitment = commitPersonal(s.suite, p.value, salt);
  const tx = await signed(s, 'register', {
    commitment,
    category: p.category,
    subject: p.subject,
    ...(p.org === undefined ? {} : { org: p.org }),
    policy: p.policy as unknown as JsonValue,
  });
  const r = await client.transport.request<{ record: string; tx: string; height: number }>(
    'POST',
    '/v1/privacy/records',
    canonicalize({ tx: tx as unknown as JsonObject, value: p.value, salt }),
  );
  return { ...r, salt };
}

export interface ReadPersonalParameters {
  readonly record: string;
  readonly purpose: string;
  /** The case the read is for (purpose `case-handling`). */
  readonly case?: string;
  /** A file number or note (no personal data). */
  readonly reference?: string;
}

export interface ReadPersonalReturnType {
  readonly tx: string;
  readonly height: number;
  readonly entry: AccessEntry;
  readonly value: JsonValue;
  readonly salt: string;
}

/**
 * Reads a record for a purpose with a session client (`withSession`) of the same key: the read is decided and recorded
 * on chain first; a denial rejects with its code (and is on the record too).
 */
export async function readPersonal(
  client: Client,
  s: PrivacySigner,
  p: ReadPersonalParameters,
): Promise<ReadPersonalReturnType> {
  const tx = await signed(s, 'read', {
    record: p.record,
    purpose: p.purpose,
    ...(p.case === undefined ? {} : { case: p.case }),
    ...(p.reference === undefined ? {} : { reference: p.reference }),
  });
  const r = await client.transport.request<ReadPersonalReturnType>('POST', '/v1/privacy/reads', JSON.stringify(tx));
  if (commitPersonal(s.suite, r.value, r.salt) !== p.record) {
    throw new Error('the node returned content that does not match the record’s commitment');
  }
  return r;
}

export interface AccessLogItem {
  readonly key: string;
  readonly entry: AccessEntry;
  readonly proof?: TxProof | null;
  readonly proofStatus?: string;
}

/** The signed-in citizen's access log (a session client), one page. */
export function getAccessLog(
  client: Client,
  opts: { readonly after?: string; readonly proofs?: boolean } = {},
): Promise<{ subject: string; entries: AccessLogItem[]; next?: string }> {
  const q = new URLSearchParams();
  if (opts.after !== undefined) q.set('after', opts.after);
  if (opts.proofs === false) q.set('proofs', 'false');
  const qs = q.toString();
  return client.transport.request('GET', `/v1/privacy/access-log${qs === '' ? '' : `?${qs}`}`);
}

/**
 * Checks an access-log item without trusting the node: the proof verifies against the pinned consortium (signature,
 * inclusion of the transaction and its receipt, certified checkpoint), the transaction is the `privacy.read` the
 * entry describes, and the receipt's result is exactly the entry. Throws a coded error otherwise.
 */
export function verifyAccessLogItem(suite: CryptoSuite, trust: Consortium, item: AccessLogItem): void {
  if (item.proof === undefined || item.proof === null) throw new Error('the entry has no proof yet');
  verifyTxProof(suite, trust, item.proof);
  const tx = item.proof.tx.tx;
  const args = tx.args as { record?: string; purpose?: string };
  if (
    tx.contract !== 'privacy' ||
    tx.method !== 'read' ||
    args.record !== item.entry.record ||
    args.purpose !== item.entry.purpose ||
    item.entry.reader.key !== tx.signer
  ) {
    throw new Error('the proof is for another transaction than the entry');
  }
  if (
    item.proof.receipt.status !== 'ok' ||
    canonicalize(item.proof.receipt.result ?? null) !== canonicalize(item.entry as unknown as JsonObject)
  ) {
    throw new Error('the recorded result differs from the entry');
  }
}

/** The signed-in citizen's records (what the chain holds about them) and consents. */
export function getMyPrivacy(
  client: Client,
): Promise<{ subject: string; records: PrivateRecord[]; consents: (Consent & { active: boolean })[] }> {
  return client.transport.request('GET', '/v1/privacy/mine');
}

export function getPrivacyCatalogue(client: Client): Promise<PrivacyConfig> {
  return client.transport.request('GET', '/v1/privacy/catalogue');
}

/** 数据授权: the signed transaction granting an organisation a purpose (submit it with `submitTransaction`). */
export function grantConsentTx(
  s: PrivacySigner,
  p: {
    readonly org: string;
    readonly purpose: string;
    readonly category?: string;
    readonly record?: string;
    readonly until?: number;
  },
) {
  return signed(s, 'grantConsent', p as unknown as JsonObject);
}

export function revokeConsentTx(s: PrivacySigner, p: { readonly consent: string; readonly atHeight?: number }) {
  return signed(s, 'revokeConsent', p as unknown as JsonObject);
}

export function requestErasureTx(s: PrivacySigner, p: { readonly record: string; readonly reason?: string }) {
  return signed(s, 'requestErasure', p as unknown as JsonObject);
}

export function decideErasureTx(
  s: PrivacySigner,
  p: { readonly record: string; readonly approve: boolean; readonly comment?: string },
) {
  return signed(s, 'decideErasure', p as unknown as JsonObject);
}

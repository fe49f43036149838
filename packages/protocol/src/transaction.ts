import { bytesToHex, hexToBytes, isHex } from './bytes.js';
import { canonicalize, type JsonObject, type JsonValue } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { type Hasher, HashTag } from './hash.js';
import type { CryptoSuite } from './suite.js';

/** Transaction body: what is hashed into the transaction id and signed. docs/PROTOCOL.md §5. */
export interface Transaction {
  readonly v: 1;
  readonly chainId: string;
  /** 16–32 random bytes, lower-case hex; makes the id unique. */
  readonly nonce: string;
  /** Milliseconds since the Unix epoch; the transaction is invalid in any block whose time is later. */
  readonly expiresAt: number;
  /** The signer's public key in the chain's suite, lower-case hex. */
  readonly signer: string;
  readonly contract: string;
  readonly method: string;
  readonly args: JsonObject;
}

/** A co-signature: another identity signing the same transaction id (multi-organisation quorums, proof of possession). */
export interface Cosignature {
  /** Public key in the chain's suite, lower-case hex. */
  readonly signer: string;
  /** Signature over the 32-byte transaction id, lower-case hex (64 bytes). */
  readonly sig: string;
}

/** A transaction with its signature: the form that is submitted, stored and proven. */
export interface SignedTransaction {
  readonly tx: Transaction;
  /** Signature over the 32-byte transaction id, lower-case hex (64 bytes). */
  readonly sig: string;
  /** Co-signatures, sorted by signer, at most 16, none by `tx.signer`. Absent when there are none. */
  readonly cosigs?: readonly Cosignature[];
}

export const MAX_COSIGS = 16;

export const CHAIN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const CONTRACT_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
export const METHOD_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

const TX_FIELDS = new Set(['v', 'chainId', 'nonce', 'expiresAt', 'signer', 'contract', 'method', 'args']);

function malformed(field: string, message: string): never {
  throw protocolError('TX_MALFORMED', message, { field });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of a transaction body (an already strictly parsed JSON value) and returns it typed.
 * Unknown fields are rejected: everything in a signed body must have a defined meaning.
 */
export function assertTransaction(value: unknown, suite: CryptoSuite): Transaction {
  if (!isPlainObject(value)) malformed('tx', 'tx must be an object');
  for (const key of Object.keys(value)) if (!TX_FIELDS.has(key)) malformed(`tx.${key}`, `unknown field tx.${key}`);
  if (value.v !== 1) malformed('tx.v', 'tx.v must be 1');
  if (typeof value.chainId !== 'string' || !CHAIN_ID_PATTERN.test(value.chainId)) {
    malformed('tx.chainId', 'tx.chainId must match [a-z0-9][a-z0-9-]{0,62}');
  }
  if (!isHex(value.nonce) || value.nonce.length < 32 || value.nonce.length > 64) {
    malformed('tx.nonce', 'tx.nonce must be 16–32 bytes of lower-case hex');
  }
  if (typeof value.expiresAt !== 'number' || !Number.isSafeInteger(value.expiresAt) || value.expiresAt < 0) {
    malformed('tx.expiresAt', 'tx.expiresAt must be a non-negative integer (ms since the epoch)');
  }
  if (!isHex(value.signer, suite.publicKeyLength)) {
    malformed('tx.signer', `tx.signer must be a ${suite.publicKeyLength}-byte ${suite.id} public key in hex`);
  }
  if (typeof value.contract !== 'string' || !CONTRACT_PATTERN.test(value.contract)) {
    malformed('tx.contract', 'tx.contract must match [a-z][a-z0-9_-]{0,63}');
  }
  if (typeof value.method !== 'string' || !METHOD_PATTERN.test(value.method)) {
    malformed('tx.method', 'tx.method must match [a-zA-Z][a-zA-Z0-9_]{0,63}');
  }
  if (!isPlainObject(value.args)) malformed('tx.args', 'tx.args must be an object');
  return value as unknown as Transaction;
}

/** Checks `{ tx, sig, cosigs? }` and returns it typed. Does not verify the signatures. */
export function assertSignedTransaction(value: unknown, suite: CryptoSuite): SignedTransaction {
  if (!isPlainObject(value)) malformed('body', 'a signed transaction must be an object { tx, sig }');
  for (const key of Object.keys(value)) {
    if (key !== 'tx' && key !== 'sig' && key !== 'cosigs') malformed(key, `unknown field ${key}`);
  }
  const tx = assertTransaction(value.tx, suite);
  if (!isHex(value.sig, suite.signatureLength)) {
    malformed('sig', `sig must be ${suite.signatureLength} bytes of lower-case hex`);
  }
  if (value.cosigs === undefined) return { tx, sig: value.sig };
  return { tx, sig: value.sig, cosigs: assertCosignatures(value.cosigs, tx.signer, suite) };
}

function cosigInvalid(field: string, message: string): never {
  throw protocolError('COSIG_INVALID', message, { field });
}

/** Shape of a co-signature list: 1–16 entries, strictly ascending signers, none equal to the primary signer. */
export function assertCosignatures(value: unknown, primary: string, suite: CryptoSuite): Cosignature[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_COSIGS) {
    cosigInvalid('cosigs', `cosigs must be a list of 1–${MAX_COSIGS} co-signatures (omit it when there are none)`);
  }
  let previous = '';
  return value.map((c: unknown, i: number) => {
    const f = `cosigs[${i}]`;
    if (!isPlainObject(c)) cosigInvalid(f, `${f} must be an object { signer, sig }`);
    for (const key of Object.keys(c))
      if (key !== 'signer' && key !== 'sig') cosigInvalid(`${f}.${key}`, 'unknown field');
    if (!isHex(c.signer, suite.publicKeyLength)) cosigInvalid(`${f}.signer`, `${f}.signer must be a public key in hex`);
    if (!isHex(c.sig, suite.signatureLength)) cosigInvalid(`${f}.sig`, `${f}.sig must be a signature in hex`);
    if (c.signer === primary) cosigInvalid(`${f}.signer`, 'the primary signer cannot co-sign its own transaction');
    if (c.signer <= previous) cosigInvalid(`${f}.signer`, 'cosigs must be sorted by signer, each signer once');
    previous = c.signer;
    return { signer: c.signer, sig: c.sig };
  });
}

/** Adds a co-signature by `secretKey` and returns the list sorted as the protocol requires. */
export function addCosignature(
  suite: CryptoSuite,
  signed: SignedTransaction,
  secretKey: Uint8Array,
): SignedTransaction {
  const id = transactionId(suite, signed.tx);
  const signer = bytesToHex(suite.publicKeyFromSecret(secretKey));
  const cosig = { signer, sig: bytesToHex(suite.sign(secretKey, id)) };
  const cosigs = [...(signed.cosigs ?? []).filter((c) => c.signer !== signer), cosig].sort((a, b) =>
    a.signer < b.signer ? -1 : a.signer > b.signer ? 1 : 0,
  );
  return { tx: signed.tx, sig: signed.sig, cosigs };
}

/** TH("lianzheng/cosigs", JCS(cosigs)): what the block's transaction leaf commits to when there are co-signatures. */
export function cosignaturesDigest(suite: CryptoSuite, cosigs: readonly Cosignature[]): Uint8Array {
  return suite.taggedText(HashTag.cosigs, canonicalize(cosigs as unknown as JsonValue));
}

/** Whether every co-signature verifies over the transaction id. */
export function verifyCosignatures(suite: CryptoSuite, id: Uint8Array, cosigs: readonly Cosignature[]): boolean {
  return cosigs.every((c) => suite.verify(hexToBytes(c.signer, 'signer'), id, hexToBytes(c.sig, 'sig')));
}

/** The canonical body text; its UTF-8 bytes are what the id commits to. */
export function transactionCanonical(tx: Transaction): string {
  return canonicalize(tx);
}

/** id = TH("lianzheng/tx", JCS(tx)). */
export function transactionIdFromCanonical(suite: CryptoSuite, canonical: string | Uint8Array): Uint8Array {
  return typeof canonical === 'string' ? suite.taggedText(HashTag.tx, canonical) : suite.tagged(HashTag.tx, canonical);
}

export function transactionId(suite: CryptoSuite, tx: Transaction): Uint8Array {
  return transactionIdFromCanonical(suite, transactionCanonical(tx));
}

export interface CreateTransactionParameters {
  readonly chainId: string;
  readonly signer: Uint8Array;
  readonly contract: string;
  readonly method: string;
  readonly args: JsonObject;
  readonly expiresAt: number;
  readonly nonce: Uint8Array;
}

export function createTransaction(p: CreateTransactionParameters): Transaction {
  return {
    v: 1,
    chainId: p.chainId,
    nonce: bytesToHex(p.nonce),
    expiresAt: p.expiresAt,
    signer: bytesToHex(p.signer),
    contract: p.contract,
    method: p.method,
    args: p.args,
  };
}

/** Signs synchronously with a secret key (tests, CLI, demo). Remote signers use the id and attach `sig`. */
export function signTransaction(suite: CryptoSuite, tx: Transaction, secretKey: Uint8Array): SignedTransaction {
  const id = transactionId(suite, tx);
  return { tx, sig: bytesToHex(suite.sign(secretKey, id)) };
}

export function verifyTransactionSignature(suite: CryptoSuite, id: Uint8Array, signed: SignedTransaction): boolean {
  return suite.verify(hexToBytes(signed.tx.signer, 'tx.signer'), id, hexToBytes(signed.sig, 'sig'));
}

/**
 * The RFC 9162 leaf data committed in a block's txRoot: id ‖ signature (96 bytes), followed by the 32-byte
 * co-signature digest when the transaction has co-signatures (128 bytes).
 */
export function transactionLeafData(id: Uint8Array, sig: Uint8Array, cosigsDigest?: Uint8Array): Uint8Array {
  const out = new Uint8Array(id.length + sig.length + (cosigsDigest?.length ?? 0));
  out.set(id, 0);
  out.set(sig, id.length);
  if (cosigsDigest !== undefined) out.set(cosigsDigest, id.length + sig.length);
  return out;
}

/** Leaf hash of a transaction in its block's txRoot (RFC 9162 leaf over `transactionLeafData`). */
export function transactionLeafHash(
  hasher: Pick<Hasher, 'merkleLeaf'>,
  id: Uint8Array,
  sig: Uint8Array,
  cosigsDigest?: Uint8Array,
): Uint8Array {
  if (cosigsDigest === undefined) return hasher.merkleLeaf(id, sig);
  const tail = new Uint8Array(sig.length + cosigsDigest.length);
  tail.set(sig, 0);
  tail.set(cosigsDigest, sig.length);
  return hasher.merkleLeaf(id, tail);
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return isPlainObject(value);
}

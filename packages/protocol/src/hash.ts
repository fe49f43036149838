import { utf8ToBytes } from './bytes.js';

/** A hash function of the chain's suite: SHA-256 (`ed25519-sha256`) or SM3 (`sm2-sm3`). 32-byte output. */
export type HashFn = (data: Uint8Array) => Uint8Array;

/**
 * Domain-separation tags. Every object type is hashed under its own tag so that bytes of one type can never be
 * taken for another (see docs/PROTOCOL.md §4). Tags are ASCII and never contain NUL.
 */
export const HashTag = {
  tx: 'lianzheng/tx',
  header: 'lianzheng/header',
  receipt: 'lianzheng/receipt',
  attestation: 'lianzheng/attestation',
  genesis: 'lianzheng/genesis',
  stateKey: 'lianzheng/state/key',
  stateValue: 'lianzheng/state/value',
  stateLeaf: 'lianzheng/state/leaf',
  stateNode: 'lianzheng/state/node',
  cosigs: 'lianzheng/cosigs',
  subject: 'lianzheng/subject',
  signIn: 'lianzheng/sign-in',
  personal: 'lianzheng/personal',
  batch: 'lianzheng/batch',
  batchTxs: 'lianzheng/batch/txs',
  privateTransferRequest: 'lianzheng/private/transfer-request',
  privateTransfer: 'lianzheng/private/transfer',
} as const;
export type HashTag = (typeof HashTag)[keyof typeof HashTag];

/**
 * Every hash the protocol computes, as operations rather than a bare function, so that a platform can supply a
 * faster implementation (the node uses OpenSSL with pooled buffers) while browsers use the portable one.
 * All implementations must give identical bytes; tests check the native one against `createHasher`.
 */
export interface Hasher {
  readonly hash: HashFn;
  /** TH(tag, data) = H(UTF-8(tag) ‖ 0x00 ‖ data). */
  tagged(tag: HashTag, data: Uint8Array): Uint8Array;
  /** TH(tag, a ‖ b). */
  tagged2(tag: HashTag, a: Uint8Array, b: Uint8Array): Uint8Array;
  /** TH(tag, UTF-8(text)). */
  taggedText(tag: HashTag, text: string): Uint8Array;
  /** RFC 9162 leaf hash H(0x00 ‖ a ‖ b), `b` optional. */
  merkleLeaf(a: Uint8Array, b?: Uint8Array): Uint8Array;
  /** RFC 9162 node hash H(0x01 ‖ left ‖ right). */
  merkleNode(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const prefixes = new Map<string, Uint8Array>();

export function tagPrefix(tag: string): Uint8Array {
  let prefix = prefixes.get(tag);
  if (prefix === undefined) {
    const t = utf8ToBytes(tag);
    prefix = new Uint8Array(t.length + 1);
    prefix.set(t, 0);
    prefixes.set(tag, prefix);
  }
  return prefix;
}

function concat(first: Uint8Array | number, ...rest: Uint8Array[]): Uint8Array {
  let length = typeof first === 'number' ? 1 : first.length;
  for (const r of rest) length += r.length;
  const out = new Uint8Array(length);
  let offset = 0;
  if (typeof first === 'number') {
    out[0] = first;
    offset = 1;
  } else {
    out.set(first, 0);
    offset = first.length;
  }
  for (const r of rest) {
    out.set(r, offset);
    offset += r.length;
  }
  return out;
}

/** The portable Hasher over any hash function. */
export function createHasher(hash: HashFn): Hasher {
  return {
    hash,
    tagged: (tag, data) => hash(concat(tagPrefix(tag), data)),
    tagged2: (tag, a, b) => hash(concat(tagPrefix(tag), a, b)),
    taggedText: (tag, text) => hash(concat(tagPrefix(tag), utf8ToBytes(text))),
    merkleLeaf: (a, b) => hash(b === undefined ? concat(0, a) : concat(0, a, b)),
    merkleNode: (left, right) => hash(concat(1, left, right)),
  };
}

/** TH(tag, data) = H(UTF-8(tag) ‖ 0x00 ‖ data). */
export function taggedHash(h: Hasher, tag: HashTag, data: Uint8Array): Uint8Array {
  return h.tagged(tag, data);
}

/** 32 zero bytes: the hash of an empty state subtree and the parent of the genesis block. */
export const ZERO_HASH: Uint8Array = new Uint8Array(32);

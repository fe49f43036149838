import { concatBytes, utf8ToBytes } from './bytes.js';

/** A hash function of the chain's suite: SHA-256 (`ed25519-sha256`) or SM3 (`sm2-sm3`). 32-byte output. */
export type HashFn = (data: Uint8Array) => Uint8Array;

/**
 * Domain-separation tags. Every object type is hashed under its own tag so that bytes of one type can never be
 * taken for another (see docs/PROTOCOL.md §2). Tags are ASCII and never contain NUL.
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
} as const;
export type HashTag = (typeof HashTag)[keyof typeof HashTag];

const prefixes = new Map<string, Uint8Array>();

function tagPrefix(tag: string): Uint8Array {
  let prefix = prefixes.get(tag);
  if (prefix === undefined) {
    prefix = concatBytes(utf8ToBytes(tag), new Uint8Array([0]));
    prefixes.set(tag, prefix);
  }
  return prefix;
}

/** TH(tag, data) = H(UTF-8(tag) ‖ 0x00 ‖ data). */
export function taggedHash(hash: HashFn, tag: HashTag, data: Uint8Array): Uint8Array {
  const prefix = tagPrefix(tag);
  const input = new Uint8Array(prefix.length + data.length);
  input.set(prefix, 0);
  input.set(data, prefix.length);
  return hash(input);
}

/** TH(tag, a ‖ b) without building the concatenation twice. */
export function taggedHash2(hash: HashFn, tag: HashTag, a: Uint8Array, b: Uint8Array): Uint8Array {
  const prefix = tagPrefix(tag);
  const input = new Uint8Array(prefix.length + a.length + b.length);
  input.set(prefix, 0);
  input.set(a, prefix.length);
  input.set(b, prefix.length + a.length);
  return hash(input);
}

/** 32 zero bytes: the hash of an empty state subtree and the parent of the genesis block. */
export const ZERO_HASH: Uint8Array = new Uint8Array(32);

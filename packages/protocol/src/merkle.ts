import { bytesToHex, equalBytes, hexToBytes } from './bytes.js';
import { protocolError } from './errors.js';
import type { Hasher } from './hash.js';

/**
 * Binary Merkle trees exactly as RFC 9162 §2.1 (RFC 6962 §2.1): leaf = H(0x00 ‖ d), node = H(0x01 ‖ l ‖ r),
 * the empty tree hashes to H(""), and a tree of n leaves splits at the largest power of two below n.
 */
export function merkleLeafHash(h: Hasher, data: Uint8Array): Uint8Array {
  return h.merkleLeaf(data);
}

export function merkleNodeHash(h: Hasher, left: Uint8Array, right: Uint8Array): Uint8Array {
  return h.merkleNode(left, right);
}

/**
 * All levels of the tree over already-hashed leaves, bottom-up. Pairing neighbours and carrying an unpaired last
 * node up unchanged gives the same root as the recursive RFC definition (the left subtree is always perfect).
 */
export function merkleLevels(h: Hasher, leafHashes: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [leafHashes.slice()];
  let level = levels[0]!;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(h.merkleNode(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    levels.push(next);
    level = next;
  }
  return levels;
}

export function merkleRootFromLeafHashes(h: Hasher, leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return h.hash(new Uint8Array(0));
  const levels = merkleLevels(h, leafHashes);
  return levels[levels.length - 1]![0]!;
}

export function merkleRoot(h: Hasher, leaves: readonly Uint8Array[]): Uint8Array {
  return merkleRootFromLeafHashes(
    h,
    leaves.map((d) => h.merkleLeaf(d)),
  );
}

/** The audit path PATH(index, D[n]) of RFC 9162 §2.1.3.1, ordered from the leaf upwards. */
export function merkleInclusionPath(levels: readonly (readonly Uint8Array[])[], index: number): Uint8Array[] {
  const size = levels[0]?.length ?? 0;
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw protocolError('PROOF_MALFORMED', 'leaf index outside the tree', { index, size });
  }
  const path: Uint8Array[] = [];
  let i = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const level = levels[l]!;
    const sibling = i ^ 1;
    if (sibling < level.length) path.push(level[sibling]!);
    i >>= 1;
  }
  return path;
}

/**
 * RFC 9162 §2.1.3.2: recompute the root from a leaf hash, its index, the tree size and the audit path.
 * Throws PROOF_INVALID when the path is inconsistent or does not lead to `root`.
 */
export function verifyMerkleInclusion(
  h: Hasher,
  root: Uint8Array,
  leafHash: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): void {
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw protocolError('PROOF_INVALID', 'leaf index outside the tree', { reason: 'index', index, size });
  }
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) throw protocolError('PROOF_INVALID', 'audit path is too long', { reason: 'path-length' });
    if (fn % 2 === 1 || fn === sn) {
      r = h.merkleNode(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = h.merkleNode(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw protocolError('PROOF_INVALID', 'audit path is too short', { reason: 'path-length' });
  if (!equalBytes(r, root)) {
    throw protocolError('PROOF_INVALID', 'audit path does not lead to the root', { reason: 'root' });
  }
}

export function merklePathToHex(path: readonly Uint8Array[]): string[] {
  return path.map(bytesToHex);
}

export function merklePathFromHex(path: unknown, field: string): Uint8Array[] {
  if (!Array.isArray(path) || path.length > 64) {
    throw protocolError('PROOF_MALFORMED', `${field} must be an array of at most 64 hashes`, { field });
  }
  return path.map((h, i) => hexToBytes(h, `${field}[${i}]`, 32));
}

import { bytesToHex, equalBytes, hexToBytes } from './bytes.js';
import { canonicalize, type JsonValue } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { type Hasher, HashTag, ZERO_HASH } from './hash.js';

/**
 * The world state is a sparse Merkle tree over 256-bit key paths with single-leaf subtrees collapsed
 * ("compressed sparse Merkle tree", as Diem/Aptos's Jellyfish tree hashes it):
 *
 *   keyPath(contract, key) = TH("lianzheng/state/key", JCS([contract, key]))
 *   valueHash(value)        = TH("lianzheng/state/value", JCS(value))
 *   leaf                    = TH("lianzheng/state/leaf", keyPath ‖ valueHash)
 *   node                    = TH("lianzheng/state/node", left ‖ right)
 *   empty subtree           = 32 zero bytes
 *
 * A subtree holding exactly one leaf hashes to that leaf; an empty subtree is ZERO_HASH; any other subtree is
 * node(left, right). Bit i of a key path (i = 0 is the most significant bit of byte 0) picks left (0) or right (1)
 * at depth i. The root therefore depends only on the set of (key, value) pairs, never on the order of writes.
 */
export function stateKeyPath(h: Hasher, contract: string, key: string): Uint8Array {
  return h.taggedText(HashTag.stateKey, canonicalize([contract, key]));
}

export function stateValueHash(h: Hasher, valueBytes: Uint8Array): Uint8Array {
  return h.tagged(HashTag.stateValue, valueBytes);
}

/** Value hash from the canonical JSON text of the value. */
export function stateValueHashText(h: Hasher, canonicalValue: string): Uint8Array {
  return h.taggedText(HashTag.stateValue, canonicalValue);
}

export function stateLeafHash(h: Hasher, keyPath: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return h.tagged2(HashTag.stateLeaf, keyPath, valueHash);
}

export function stateNodeHash(h: Hasher, left: Uint8Array, right: Uint8Array): Uint8Array {
  return h.tagged2(HashTag.stateNode, left, right);
}

/** Bit `depth` of a 256-bit path, most significant bit first. */
export function pathBit(path: Uint8Array, depth: number): number {
  return (path[depth >> 3]! >> (7 - (depth & 7))) & 1;
}

export interface StateProofLeaf {
  readonly keyPath: Uint8Array;
  readonly valueHash: Uint8Array;
}

/**
 * Proof for one key. `siblings[i]` is the hash of the sibling subtree at depth i+1 along the key's path, from the
 * root downwards; the proof ends at depth `siblings.length` with either the key's own leaf (membership), another
 * key's leaf that shares the path so far (non-membership) or an empty subtree (non-membership).
 */
export interface StateProof {
  readonly leaf: StateProofLeaf | null;
  readonly siblings: readonly Uint8Array[];
}

/** JSON form of a state proof (docs/PROTOCOL.md §7). */
export interface StateProofJson {
  readonly leaf: { readonly keyPath: string; readonly valueHash: string } | null;
  readonly siblings: readonly string[];
}

export function stateProofToJson(proof: StateProof): StateProofJson {
  return {
    leaf:
      proof.leaf === null
        ? null
        : { keyPath: bytesToHex(proof.leaf.keyPath), valueHash: bytesToHex(proof.leaf.valueHash) },
    siblings: proof.siblings.map(bytesToHex),
  };
}

export function stateProofFromJson(json: unknown): StateProof {
  if (typeof json !== 'object' || json === null) {
    throw protocolError('PROOF_MALFORMED', 'state proof must be an object', { field: 'proof' });
  }
  const { leaf, siblings } = json as { leaf?: unknown; siblings?: unknown };
  if (!Array.isArray(siblings) || siblings.length > 256) {
    throw protocolError('PROOF_MALFORMED', 'proof.siblings must be an array of at most 256 hashes', {
      field: 'proof.siblings',
    });
  }
  let parsedLeaf: StateProofLeaf | null = null;
  if (leaf !== null) {
    if (typeof leaf !== 'object' || leaf === undefined) {
      throw protocolError('PROOF_MALFORMED', 'proof.leaf must be null or an object', { field: 'proof.leaf' });
    }
    const l = leaf as { keyPath?: unknown; valueHash?: unknown };
    parsedLeaf = {
      keyPath: hexToBytes(l.keyPath, 'proof.leaf.keyPath', 32),
      valueHash: hexToBytes(l.valueHash, 'proof.leaf.valueHash', 32),
    };
  }
  return { leaf: parsedLeaf, siblings: siblings.map((s, i) => hexToBytes(s, `proof.siblings[${i}]`, 32)) };
}

/**
 * Checks that under `root`, (contract, key) has `value` (or is absent when `value` is null). Throws PROOF_INVALID
 * with `details.reason` otherwise.
 */
export function verifyStateProof(
  hash: Hasher,
  root: Uint8Array,
  contract: string,
  key: string,
  value: JsonValue | null,
  proof: StateProof,
): void {
  const keyPath = stateKeyPath(hash, contract, key);
  const depth = proof.siblings.length;
  if (depth > 256) throw protocolError('PROOF_INVALID', 'proof is deeper than 256', { reason: 'depth' });
  let h: Uint8Array;
  const leaf = proof.leaf;
  if (leaf !== null && equalBytes(leaf.keyPath, keyPath)) {
    if (value === null) {
      throw protocolError('PROOF_INVALID', 'proof shows the key present but the value given is null', {
        reason: 'membership',
      });
    }
    if (!equalBytes(leaf.valueHash, stateValueHashText(hash, canonicalize(value)))) {
      throw protocolError('PROOF_INVALID', 'value does not match the proven value hash', { reason: 'value' });
    }
    h = stateLeafHash(hash, leaf.keyPath, leaf.valueHash);
  } else {
    if (value !== null) {
      throw protocolError('PROOF_INVALID', 'proof shows the key absent but a value was given', {
        reason: 'non-membership',
      });
    }
    if (leaf === null) {
      h = ZERO_HASH;
    } else {
      // Another key's leaf may stand in for ours only if it sits on our path, i.e. shares the first `depth` bits.
      for (let i = 0; i < depth; i++) {
        if (pathBit(leaf.keyPath, i) !== pathBit(keyPath, i)) {
          throw protocolError('PROOF_INVALID', 'the leaf shown is not on the key path', { reason: 'leaf-path' });
        }
      }
      h = stateLeafHash(hash, leaf.keyPath, leaf.valueHash);
    }
  }
  for (let i = depth - 1; i >= 0; i--) {
    const sibling = proof.siblings[i]!;
    h = pathBit(keyPath, i) === 0 ? stateNodeHash(hash, h, sibling) : stateNodeHash(hash, sibling, h);
  }
  if (!equalBytes(h, root)) {
    throw protocolError('PROOF_INVALID', 'state proof does not lead to the state root', { reason: 'root' });
  }
}

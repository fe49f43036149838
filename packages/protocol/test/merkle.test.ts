import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/bytes.js';
import { createHasher } from '../src/hash.js';
import {
  merkleInclusionPath,
  merkleLeafHash,
  merkleLevels,
  merkleNodeHash,
  merkleRoot,
  verifyMerkleInclusion,
} from '../src/merkle.js';

// An independent SHA-256 (OpenSSL) behind the portable Hasher.
const sha256 = createHasher((d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest()));

// The RFC 6962 reference leaves used by the certificate-transparency test suites, and the roots of their prefixes.
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (h) => hexToBytes(h),
);
const roots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** MTH straight from RFC 9162 §2.1.1, recursively. */
function referenceRoot(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256.hash(new Uint8Array(0));
  if (d.length === 1) return merkleLeafHash(sha256, d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return merkleNodeHash(sha256, referenceRoot(d.slice(0, k)), referenceRoot(d.slice(k)));
}

describe('RFC 6962 Merkle trees', () => {
  it.each(roots.map((r, n) => [n, r] as const))('root of the first %i reference leaves', (n, root) => {
    expect(bytesToHex(merkleRoot(sha256, leaves.slice(0, n)))).toBe(root);
  });

  it('bottom-up levels give the recursive RFC root (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 70 }), (d) => {
        expect(merkleRoot(sha256, d)).toEqual(referenceRoot(d));
      }),
    );
  });

  it('every audit path verifies, and any change to it is rejected (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 130 }), fc.nat(), fc.nat(), (size, i, flip) => {
        const data = Array.from({ length: size }, (_, j) => new Uint8Array([j & 255, j >> 8]));
        const hashes = data.map((x) => merkleLeafHash(sha256, x));
        const levels = merkleLevels(sha256, hashes);
        const root = levels[levels.length - 1]![0]!;
        const index = i % size;
        const path = merkleInclusionPath(levels, index);
        verifyMerkleInclusion(sha256, root, hashes[index]!, index, size, path);
        if (path.length > 0) {
          const bad = path.map((p) => p.slice());
          bad[flip % bad.length]![0]! ^= 1;
          expect(() => verifyMerkleInclusion(sha256, root, hashes[index]!, index, size, bad)).toThrow();
          expect(() => verifyMerkleInclusion(sha256, root, hashes[index]!, index, size, path.slice(1))).toThrow();
        }
        if (size > 1) {
          const other = (index + 1) % size;
          expect(() => verifyMerkleInclusion(sha256, root, hashes[index]!, other, size, path)).toThrow();
        }
      }),
      { numRuns: 300 },
    );
  });
});

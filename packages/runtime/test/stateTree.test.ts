import {
  bytesToHex,
  canonicalBytes,
  ed25519Sha256Portable,
  hexToBytes,
  pathBit,
  stateKeyPath,
  stateLeafHash,
  stateNodeHash,
  stateValueHash,
  verifyStateProof,
  ZERO_HASH,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePage, EMPTY_SLOT, rootHash, type Slot, StateTree } from '../src/stateTree.js';

const hash = ed25519Sha256Portable;

/** The binary compressed sparse Merkle tree of PROTOCOL.md §7, computed recursively from the key set. */
function referenceRoot(leaves: { keyPath: Uint8Array; valueHash: Uint8Array }[], depth = 0): Uint8Array {
  if (leaves.length === 0) return ZERO_HASH;
  if (leaves.length === 1) return stateLeafHash(hash, leaves[0]!.keyPath, leaves[0]!.valueHash);
  const left = leaves.filter((l) => pathBit(l.keyPath, depth) === 0);
  const right = leaves.filter((l) => pathBit(l.keyPath, depth) === 1);
  return stateNodeHash(hash, referenceRoot(left, depth + 1), referenceRoot(right, depth + 1));
}

function memoryTree(cachePages = 1000) {
  const pages = new Map<string, Uint8Array>();
  const tree = new StateTree({ cachePages }, { hash, pages: { getPage: (k) => pages.get(bytesToHex(k)) } });
  let height = 0;
  const apply = (root: Slot, updates: { keyPath: Uint8Array; valueHash: Uint8Array | null }[]) => {
    const r = tree.applyBatch(root, updates, ++height);
    for (const p of r.newPages) pages.set(bytesToHex(p.key), p.bytes);
    return r;
  };
  return { pages, tree, apply, height: () => height };
}

const kp = (key: string) => stateKeyPath(hash, 'c', key);
const vh = (value: number) => stateValueHash(hash, canonicalBytes(value));

type Op = { key: number; value: number | null };
const opArb = fc.record({ key: fc.integer({ min: 0, max: 300 }), value: fc.option(fc.integer({ min: 0, max: 5 })) });

describe('paged state tree', () => {
  it('matches the recursive reference root after any sequence of batches (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(opArb, { maxLength: 60 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 50 }),
        (batches, cache) => {
          const { apply } = memoryTree(cache);
          const model = new Map<number, number>();
          let root: Slot = EMPTY_SLOT;
          for (const batch of batches) {
            const r = apply(
              root,
              batch.map((o) => ({ keyPath: kp(`k${o.key}`), valueHash: o.value === null ? null : vh(o.value) })),
            );
            root = r.root;
            for (const o of batch) {
              if (o.value === null) model.delete(o.key);
              else model.set(o.key, o.value);
            }
            const expected = referenceRoot([...model].map(([k, v]) => ({ keyPath: kp(`k${k}`), valueHash: vh(v) })));
            expect(bytesToHex(rootHash(root))).toBe(bytesToHex(expected));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('proves membership and non-membership for every key, through the protocol verifier (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 0, maxLength: 120 }), (ops) => {
        const { tree, apply } = memoryTree();
        const model = new Map<number, number>();
        for (const o of ops)
          if (o.value === null) model.delete(o.key);
          else model.set(o.key, o.value);
        const r = apply(
          EMPTY_SLOT,
          ops.map((o: Op) => ({ keyPath: kp(`k${o.key}`), valueHash: o.value === null ? null : vh(o.value) })),
        );
        const root = rootHash(r.root);
        for (let k = 0; k <= 300; k += 7) {
          const proof = tree.prove(r.root, kp(`k${k}`));
          const value = model.get(k) ?? null;
          verifyStateProof(hash, root, 'c', `k${k}`, value, proof);
          expect(() => verifyStateProof(hash, root, 'c', `k${k}`, value === null ? 1 : null, proof)).toThrowError(
            expect.objectContaining({ code: 'PROOF_INVALID' }),
          );
          expect(tree.get(r.root, kp(`k${k}`))?.valueHash ?? null).toEqual(value === null ? null : vh(value));
          if (proof.siblings.length > 0) {
            const bad = {
              leaf: proof.leaf,
              siblings: proof.siblings.map((s, i) => (i === 0 ? hexToBytes('11'.repeat(32)) : s)),
            };
            expect(() => verifyStateProof(hash, root, 'c', `k${k}`, value, bad)).toThrow();
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps every version: old roots stay readable and provable after later writes and deletes', () => {
    const { pages, tree, apply } = memoryTree(4);
    const versions: { root: Slot; model: Map<number, number> }[] = [];
    let root: Slot = EMPTY_SLOT;
    const model = new Map<number, number>();
    for (let v = 0; v < 20; v++) {
      const ops = Array.from({ length: 25 }, (_, i) => ({ key: (v * 13 + i * 7) % 90, value: i % 5 === 0 ? null : v }));
      const r = apply(
        root,
        ops.map((o) => ({ keyPath: kp(`k${o.key}`), valueHash: o.value === null ? null : vh(o.value) })),
      );
      root = r.root;
      for (const o of ops)
        if (o.value === null) model.delete(o.key);
        else model.set(o.key, o.value);
      versions.push({ root, model: new Map(model) });
    }
    for (const { root: old, model: m } of versions) {
      for (let k = 0; k < 90; k++) {
        verifyStateProof(hash, rootHash(old), 'c', `k${k}`, m.get(k) ?? null, tree.prove(old, kp(`k${k}`)));
      }
      expect([...tree.leaves(old)].length).toBe(m.size);
    }
    // Walking each version's own pages, in height order, visits every stored page exactly once.
    const visited = new Set<string>();
    versions.forEach(({ root: r }, i) => {
      for (const item of tree.walkVersion(r, i + 1)) {
        if (item.type !== 'page') continue;
        const id = bytesToHex(item.key);
        expect(visited.has(id)).toBe(false);
        visited.add(id);
      }
    });
    expect(visited.size).toBe(pages.size);
  });

  it('reports exactly the superseded pages and values: live = written − stale = reachable (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { maxLength: 50 }), { minLength: 1, maxLength: 10 }), (batches) => {
        const { tree, apply } = memoryTree(8);
        const live = new Set<string>();
        const liveValues = new Map<string, number>();
        let root: Slot = EMPTY_SLOT;
        batches.forEach((batch, b) => {
          const r = apply(
            root,
            batch.map((o) => ({ keyPath: kp(`k${o.key}`), valueHash: o.value === null ? null : vh(o.value) })),
          );
          for (const p of r.newPages) live.add(bytesToHex(p.key));
          for (const key of r.stalePages) expect(live.delete(bytesToHex(key))).toBe(true);
          for (const v of r.staleValues) expect(liveValues.delete(`${v.height}:${bytesToHex(v.keyPath)}`)).toBe(true);
          const written = new Map<string, { keyPath: Uint8Array; value: number | null }>();
          for (const o of batch) written.set(bytesToHex(kp(`k${o.key}`)), { keyPath: kp(`k${o.key}`), value: o.value });
          for (const [id, w] of written) if (w.value !== null) liveValues.set(`${b + 1}:${id}`, b + 1);
          root = r.root;
        });
        expect(new Set([...tree.pageKeys(root)].map(bytesToHex))).toEqual(live);
        expect(new Set([...tree.leaves(root)].map((l) => `${l.valueHeight}:${bytesToHex(l.keyPath)}`))).toEqual(
          new Set(liveValues.keys()),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('is independent of how writes are split into batches', () => {
    const ops = Array.from({ length: 500 }, (_, i) => ({ keyPath: kp(`x${i}`), valueHash: vh(i) }));
    const one = memoryTree().apply(EMPTY_SLOT, ops);
    const b = memoryTree();
    let root: Slot = EMPTY_SLOT;
    for (let i = 0; i < ops.length; i += 37) root = b.apply(root, ops.slice(i, i + 37).reverse()).root;
    expect(rootHash(root)).toEqual(rootHash(one.root));
  });

  it('pages are stored in key order, decode to their hashes and reject corruption with STATE_CORRUPT', () => {
    const { pages, apply } = memoryTree(1);
    const r = apply(
      EMPTY_SLOT,
      Array.from({ length: 300 }, (_, i) => ({ keyPath: kp(`p${i}`), valueHash: vh(i) })),
    );
    const keys = r.newPages.map((p) => bytesToHex(p.key));
    expect(keys).toEqual([...keys].sort());
    for (const p of r.newPages) expect(decodePage(hash, p.bytes).bytes).toEqual(p.bytes);
    expect(() => decodePage(hash, new Uint8Array([2, 0xff]))).toThrowError(
      expect.objectContaining({ code: 'STATE_CORRUPT' }),
    );
    // Flip one byte of a stored page: reading through it must fail loudly, not return a wrong answer.
    const [victim, bytes] = [...pages].find(([, b]) => b.length > 80)!;
    const tampered = bytes.slice();
    tampered[40]! ^= 1;
    pages.set(victim, tampered);
    const fresh = new StateTree({ cachePages: 1 }, { hash, pages: { getPage: (k) => pages.get(bytesToHex(k)) } });
    expect(() => {
      for (let i = 0; i < 300; i++) fresh.get(r.root, kp(`p${i}`));
    }).toThrowError(expect.objectContaining({ code: 'STATE_CORRUPT' }));
  });
});

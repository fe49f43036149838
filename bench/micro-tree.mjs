// Micro-benchmark of the paged state tree alone: random updates in batches, pages in LMDB as in the node.
//   node bench/micro-tree.mjs [batch=1000] [batches=100] [cachePages=65536]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nativeSuite } from '@lianzheng/node';
import { EMPTY_SLOT, StateTree } from '@lianzheng/runtime';
import { open } from 'lmdb';

const B = Number(process.argv[2] ?? 1000);
const batches = Number(process.argv[3] ?? 100);
const cachePages = Number(process.argv[4] ?? 65536);
const dir = mkdtempSync(path.join(tmpdir(), 'lz-tree-'));
const db = open({ path: dir, encoding: 'binary', keyEncoding: 'binary' });
const suite = nativeSuite('ed25519-sha256');
const tree = new StateTree(
  { cachePages },
  { hash: suite, alloc: Buffer.allocUnsafe, pages: { getPage: (k) => db.get(Buffer.from(k)) } },
);
let root = EMPTY_SLOT;
let t = 0;
let n = 0;
for (let b = 0; b < batches; b++) {
  const ups = Array.from({ length: B }, () => ({ keyPath: randomBytes(32), valueHash: randomBytes(32) }));
  const s = performance.now();
  const r = tree.applyBatch(root, ups, b + 1);
  const e = performance.now();
  for (const p of r.newPages) db.put(Buffer.from(p.key), p.bytes);
  await db.committed;
  root = r.root;
  if (b >= batches / 5) {
    t += e - s;
    n += B;
  }
}
console.log(
  `batch ${B}: ${((1000 * t) / n).toFixed(2)} µs per update (tree of ${batches * B} keys, cache ${cachePages} pages)`,
);
await db.close();
rmSync(dir, { recursive: true, force: true });

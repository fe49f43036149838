// Micro-benchmark of the commit path alone: execute notary blocks and write them to LMDB, no HTTP, no signatures.
//   node bench/micro-exec.mjs [txs=60000] [blockSize=1000]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChainStore, DEMO_ORGS, initHome, loadKeyFile, nativeSuite } from '@lianzheng/node';
import { bytesToHex, canonicalize, transactionId } from '@lianzheng/protocol';
import { BlockExecutor, defaultBlockExecutorOptions, EMPTY_SLOT, executeGenesis, StateTree } from '@lianzheng/runtime';
import { buildTransaction } from '@lianzheng/sdk';

const total = Number(process.argv[2] ?? 60000);
const blockSize = Number(process.argv[3] ?? 1000);
const suite = nativeSuite('ed25519-sha256');
// A demo consortium (genesis v2, encrypted keys at the cheapest scrypt cost) in a temporary home.
const home = mkdtempSync(path.join(tmpdir(), 'lz-micro-home-'));
const passphrase = 'micro benchmark passphrase';
const { genesis } = await initHome({
  home,
  chainId: 'micro',
  suite: 'ed25519-sha256',
  orgs: DEMO_ORGS,
  time: Date.now(),
  passphrase,
  scryptN: 2 ** 12,
});
const member = await loadKeyFile(path.join(home, 'keys', 'market-admin.key.json'), passphrase);
const candidates = [];
for (let i = 0; i < total; i++) {
  const tx = buildTransaction({
    chainId: 'micro',
    signer: member.publicKey,
    contract: 'notary',
    method: 'register',
    args: { alg: 'sha256', hash: randomBytes(32).toString('hex') },
  });
  const id = transactionId(suite, tx);
  candidates.push({
    id,
    idHex: bytesToHex(id),
    sig: randomBytes(64),
    tx: JSON.parse(JSON.stringify(tx)),
    canonical: canonicalize(tx),
  });
}
const dir = mkdtempSync(path.join(tmpdir(), 'lz-micro-'));
const store = ChainStore.open({ path: dir });
const pendingPages = new Map();
const tree = new StateTree(
  { cachePages: 131072 },
  {
    hash: suite,
    alloc: Buffer.allocUnsafe,
    pages: { getPage: (k) => pendingPages.get(bytesToHex(k)) ?? store.page(k) },
  },
);
const seen = new Set();
const pendingValues = new Map();
const executor = new BlockExecutor(defaultBlockExecutorOptions, {
  suite,
  tree,
  values: { getValue: (h, kp) => pendingValues.get(`${h}:${bytesToHex(kp)}`) ?? store.value(h, kp) },
  txIndex: { has: (id) => seen.has(id) },
  genesis,
});
let prev = executeGenesis({ suite, tree }, genesis, EMPTY_SLOT);
await store.writeBlock(prev, [], genesis);
let execMs = 0,
  writeMs = 0;
const t0 = performance.now();
const inflight = [];
for (let h = 1; h * blockSize <= total; h++) {
  const a = performance.now();
  const block = executor.execute(
    { header: prev.header, hashHex: prev.hashHex, root: prev.root },
    { height: h, time: Date.now(), txs: candidates.slice((h - 1) * blockSize, h * blockSize) },
  );
  for (const p of block.newPages) pendingPages.set(bytesToHex(p.key), p.bytes);
  for (const v of block.newValues) pendingValues.set(`${h}:${bytesToHex(v.keyPath)}`, v.text);
  const b = performance.now();
  inflight.push(store.writeBlock(block, []));
  const c = performance.now();
  execMs += b - a;
  writeMs += c - b;
  if (inflight.length > 4) await inflight.shift();
  prev = block;
}
await Promise.all(inflight);
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${total} tx in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} tx/s; execute ${((1000 * execMs) / total).toFixed(1)} µs/tx, write calls ${((1000 * writeMs) / total).toFixed(1)} µs/tx, pages ${store.countPages()}`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
rmSync(home, { recursive: true, force: true });

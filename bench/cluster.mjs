// Consortium benchmark: the same workload against one solo node and against 4 nodes over a 3-member etcd cluster,
// all on this machine, in one run. Reports certified transactions per second and the latency from submission to
// durable commit and to certification (a quorum of organisations signed the block). See bench/README.md.
//   node bench/cluster.mjs [--duration 20] [--warmup 4] [--orgs 4] [--concurrency 8] [--batch 200] [--fraction 0.5]
//                          [--quick]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEMO_ORGS,
  demoStaff,
  EtcdCluster,
  freePort,
  freePortBlock,
  initCluster,
  loadKeyFile,
  nativeSuite,
} from '@lianzheng/node';
import { bytesToHex, signTransaction, transactionId } from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';
import WebSocket from 'ws';
import { measureCeiling } from './ceiling.mjs';

const PASSPHRASE = 'benchmark passphrase, not secret';
const env = { ...process.env, LIANZHENG_PASSPHRASE: PASSPHRASE };
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'packages/cli/bin/lianzheng.js');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '4' },
    orgs: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '200' },
    quick: { type: 'boolean', default: false },
    fraction: { type: 'string', default: '0.5', description: 'fixed-rate phase, as a fraction of the max rate' },
    out: { type: 'string' },
  },
});
const duration = args.quick ? 8 : Number(args.duration);
const warmup = args.quick ? 2 : Number(args.warmup);
const batch = Number(args.batch);
const concurrency = Number(args.concurrency);
const fraction = Number(args.fraction);
const log = (m) => process.stderr.write(`${m}\n`);

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values) {
  const s = Float64Array.from(values).sort();
  const r = (v) => (v === null ? null : Math.round(v));
  return { count: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)), max: r(s.at(-1) ?? null) };
}

async function waitHealthy(url, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`node ${url} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node ${url} did not become healthy`);
}

function startNode(home, port) {
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=64', cli, '--home', home, 'start', '--port', String(port), '--log-level', 'warn'],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

async function signers(home, genesis) {
  return Promise.all(
    genesis.orgs.map(async (o) => {
      const k = await loadKeyFile(path.join(home, 'keys', `${o.id}-admin.key.json`), PASSPHRASE);
      return { publicKey: k.publicKey, secretKey: k.secretKey };
    }),
  );
}

/** Pre-signed batches of notary.register, so signing does not compete with the nodes during the measured window. */
function presign(genesis, keys, count, size = batch) {
  const suite = nativeSuite(genesis.suite);
  const out = [];
  for (let i = 0; i < count; i += size) {
    const body = [];
    const ids = [];
    for (let j = i; j < Math.min(count, i + size); j++) {
      const key = keys[j % keys.length];
      const tx = buildTransaction({
        chainId: genesis.chainId,
        signer: key.publicKey,
        contract: 'notary',
        method: 'register',
        args: { alg: 'sha256', hash: randomBytes(32).toString('hex') },
        ttlMs: 3_600_000,
      });
      body.push(JSON.stringify(signTransaction(suite, tx, key.secretKey)));
      ids.push(bytesToHex(transactionId(suite, tx)));
    }
    out.push({ body: `[${body.join(',')}]`, ids });
  }
  return out;
}

/**
 * Drives `urls` (round-robin) at the maximum rate with `concurrency` batches in flight. Follows node 0's WebSocket:
 * `block` messages give each transaction's durable time, `certified` messages the time its block was certified.
 */
/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU used by each group of processes between two snapshots, as a share of the machine over `seconds`. */
function cpuShare(before, after, seconds, cores) {
  const out = {};
  for (const [name, pids] of Object.entries(after)) {
    const used = pids.reduce((sum, p) => sum + p.cpu - (before[name]?.find((x) => x.pid === p.pid)?.cpu ?? 0), 0);
    out[name] = Math.round((used / (seconds * cores)) * 1000) / 10;
  }
  return out;
}

function snapshot(groups) {
  return Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [name, pids.map((pid) => ({ pid, cpu: cpuSeconds(pid) }))]),
  );
}

/**
 * Drives `urls` (round-robin) with `concurrency` batches in flight — at the maximum rate, or at `rate` tx/s.
 * Follows node 0's WebSocket: `block` messages give each transaction's durable time, `certified` messages the time
 * its block was certified. `groups` (name → pids) get their CPU share over the measured window.
 */
async function drive(urls, batches, opts = {}) {
  const { rate, groups = {} } = opts;
  const submitted = new Map();
  const heightOf = new Map(); // id -> height
  const durableAt = new Map(); // height -> ms
  const certifiedAt = new Map(); // height -> ms (wall clock of the certifying node)
  const blockTxs = new Map(); // height -> count
  let certifiedTop = 0;
  const ws = new WebSocket(`${urls[0].replace('http', 'ws')}/v1/events?events=false`);
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === 'block') {
      durableAt.set(m.height, m.durableAt);
      blockTxs.set(m.height, m.txCount);
      for (const id of m.txIds) heightOf.set(id, m.height);
    } else if (m.type === 'certified') {
      for (let h = certifiedTop + 1; h <= m.height; h++) certifiedAt.set(h, m.at);
      certifiedTop = Math.max(certifiedTop, m.height);
    }
  });
  const start = Date.now();
  const end = start + (warmup + duration) * 1000;
  let next = 0;
  let rejected = 0;
  let busy = 0;
  let cpuBefore = {};
  const measuring = setTimeout(() => {
    cpuBefore = snapshot(groups);
  }, warmup * 1000);
  const worker = async (w) => {
    let k = w;
    while (Date.now() < end && next < batches.length) {
      if (rate !== undefined) {
        // Paced: batch i is due at start + i × batchSize / rate.
        const due = start + (next * batches[0].ids.length * 1000) / rate;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        if (Date.now() >= end) break;
      }
      const b = batches[next++];
      const url = urls[k++ % urls.length];
      const t = Date.now();
      try {
        const r = await fetch(`${url}/v1/transactions/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: b.body,
        });
        if (r.status === 429) {
          busy++;
          next--;
          await new Promise((res) => setTimeout(res, 50));
          continue;
        }
        const j = await r.json();
        j.results?.forEach((x, i) => {
          if (x.id !== undefined) submitted.set(b.ids[i], t);
          else rejected++;
        });
      } catch {
        rejected += b.ids.length;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  clearTimeout(measuring);
  const cpu = cpuShare(cpuBefore, snapshot(groups), (Date.now() - start) / 1000 - warmup, availableParallelism());
  // Let what was submitted finish and be certified.
  for (let i = 0; i < 100 && [...submitted.keys()].some((id) => !certifiedAt.has(heightOf.get(id))); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  ws.close();
  if (next >= batches.length) log('  (ran out of pre-signed transactions: raise the count)');
  const from = start + warmup * 1000;
  let certifiedInWindow = 0;
  for (const [h, at] of certifiedAt) if (at >= from && at < end) certifiedInWindow += blockTxs.get(h) ?? 0;
  const toDurable = [];
  const toCertified = [];
  const durableToCertified = [];
  for (const [id, t] of submitted) {
    if (t < from) continue;
    const h = heightOf.get(id);
    if (h === undefined) continue;
    toDurable.push(durableAt.get(h) - t);
    if (certifiedAt.has(h)) {
      toCertified.push(certifiedAt.get(h) - t);
      durableToCertified.push(certifiedAt.get(h) - durableAt.get(h));
    }
  }
  return {
    ...(rate === undefined ? {} : { offeredRate: rate }),
    certifiedTxPerSecond: Math.round(certifiedInWindow / duration),
    cpuPercentOfMachine: cpu,
    submitted: submitted.size,
    rejected,
    busy429: busy,
    latencyMs: {
      submitToDurable: summary(toDurable),
      submitToCertified: summary(toCertified),
      durableToCertified: summary(durableToCertified),
    },
  };
}

/** Waits until every node has ordered, executed and certified everything it was given (between phases). */
async function drain(urls) {
  for (let i = 0; i < 600; i++) {
    const hs = await Promise.all(urls.map(async (u) => (await fetch(`${u}/health`)).json()));
    const top = Math.max(...hs.map((h) => h.height));
    const certified = (h) => (h.ordering.type === 'etcd' ? h.ordering.certifiedHeight : h.height);
    if (hs.every((h) => h.mempool === 0 && h.height === top && certified(h) === top)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  log('  (the nodes did not drain within 60 s)');
}

async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const stage = (s) =>
    Number(
      new RegExp(`^lianzheng_commit_loop_seconds_total\\{stage="${s}"\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0,
    );
  return {
    blocks: get('lianzheng_blocks_committed_total'),
    batchPutSecondsSum: get('lianzheng_ordering_batch_put_seconds_sum'),
    batchPuts: get('lianzheng_ordering_batch_put_seconds_count'),
    loopSeconds: Object.fromEntries(['order', 'execute', 'store', 'flush', 'yield'].map((s) => [s, stage(s)])),
  };
}

async function soloRun(dir, count) {
  log('▸ solo: one node, embedded ordering');
  const home = path.join(dir, 'solo');
  execFileSync(process.execPath, [cli, '--home', home, '--json', 'init', '--demo', '--kdf-cost', '12'], {
    env,
    stdio: 'ignore',
  });
  const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8'));
  const keys = await signers(home, genesis);
  const batches = presign(genesis, keys, count);
  const port = await freePort();
  const node = startNode(home, port);
  try {
    await waitHealthy(node.url, node.child);
    const groups = { node: [node.child.pid], benchmark: [process.pid] };
    const max = await drive([node.url], batches, { groups });
    await drain([node.url]);
    const rate = Math.round(max.certifiedTxPerSecond * fraction);
    const fixed = await drive([node.url], presign(genesis, keys, rate * (warmup + duration) + 1000, 20), {
      rate,
      groups,
    });
    return { max, halfRate: fixed, node: await metrics(node.url) };
  } finally {
    node.child.kill('SIGTERM');
    await new Promise((r) => node.child.once('exit', r));
  }
}

async function clusterRun(dir, count, orgs) {
  log(`▸ cluster: ${orgs} nodes, 3 etcd members`);
  const etcd = await EtcdCluster.start({ dir: path.join(dir, 'etcd') });
  const nodes = [];
  try {
    const init = await initCluster({
      dir: path.join(dir, 'cluster'),
      nodeOrgs: DEMO_ORGS.slice(0, orgs).map((o) => o.id),
      basePort: await freePortBlock(orgs),
      etcdEndpoints: etcd.endpoints,
      passphrase: PASSPHRASE,
      staff: demoStaff(DEMO_ORGS),
      scryptN: 2 ** 12,
      chainId: 'bench-cluster',
      suite: 'ed25519-sha256',
      orgs: DEMO_ORGS,
      time: Date.now(),
    });
    for (const n of init.nodes) nodes.push(startNode(n.home, n.port));
    await Promise.all(nodes.map((n) => waitHealthy(n.url, n.child)));
    const keys = await signers(init.nodes[0].home, init.genesis);
    const urls = nodes.map((n) => n.url);
    const groups = { nodes: nodes.map((n) => n.child.pid), etcd: etcd.pids(), benchmark: [process.pid] };
    const max = await drive(urls, presign(init.genesis, keys, count), { groups });
    await drain(urls);
    const rate = Math.round(max.certifiedTxPerSecond * fraction);
    const fixed = await drive(urls, presign(init.genesis, keys, rate * (warmup + duration) + 1000, 20), {
      rate,
      groups,
    });
    return { max, halfRate: fixed, nodes: await Promise.all(nodes.map((n) => metrics(n.url))) };
  } finally {
    for (const n of nodes) n.child.kill('SIGTERM');
    await Promise.all(
      nodes.map((n) => new Promise((r) => (n.child.exitCode !== null ? r() : n.child.once('exit', r)))),
    );
    await etcd.stop();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'lz-bench-cluster-'));
try {
  const cores = availableParallelism();
  log(
    `Machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  const ceiling = await measureCeiling('ed25519', args.quick ? 2 : 3, cores);
  log(`  ceiling ${ceiling.perSecond} Ed25519 verify/s (${ceiling.perCore}/core)`);
  const count = Math.max(20_000, Math.round((warmup + duration) * 8_000));
  const solo = await soloRun(dir, count);
  const line = (r) =>
    `${r.max.certifiedTxPerSecond} tx/s certified at max rate; at ${r.halfRate.offeredRate} tx/s: submit→certified p50 ${r.halfRate.latencyMs.submitToCertified.p50} ms, p99 ${r.halfRate.latencyMs.submitToCertified.p99} ms; durable→certified p50 ${r.halfRate.latencyMs.durableToCertified.p50} ms, p99 ${r.halfRate.latencyMs.durableToCertified.p99} ms`;
  log(`  solo: ${line(solo)}`);
  const orgs = Number(args.orgs);
  const cluster = await clusterRun(dir, count, orgs);
  log(
    `  cluster: ${line(cluster)}; CPU at max rate (% of the machine): ${JSON.stringify(cluster.max.cpuPercentOfMachine)}`,
  );
  const report = {
    date: new Date().toISOString(),
    machine: { cores, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    ceiling,
    workload: `notary.register, batches of ${batch}, ${concurrency} in flight, ${duration} s measured after ${warmup} s`,
    solo,
    cluster: { nodes: orgs, etcdMembers: 3, ...cluster },
    ratios: {
      clusterToSolo: Math.round((cluster.max.certifiedTxPerSecond / solo.max.certifiedTxPerSecond) * 100) / 100,
      clusterToCeiling: Math.round((cluster.max.certifiedTxPerSecond / ceiling.perSecond) * 1000) / 1000,
    },
  };
  const out = args.out ?? path.join(root, 'bench', 'results', `cluster-${report.date.slice(0, 10)}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

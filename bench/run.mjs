// Caliper-style benchmark of one node over its API. See bench/README.md.
//   node bench/run.mjs [--suite ed25519-sha256|sm2-sm3] [--duration 30] [--quick] [--loaders 2] [--batch 250]
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadKeyFile } from '@lianzheng/node';
import { bytesToHex } from '@lianzheng/protocol';
import { measureCeiling } from './ceiling.mjs';
import { diff, threadTimes } from './threads.mjs';

/** The benchmark chain's key files are encrypted like any other (cheap scrypt: it is thrown away afterwards). */
const BENCH_PASSPHRASE = 'benchmark passphrase, not secret';
const benchEnv = { ...process.env, LIANZHENG_PASSPHRASE: BENCH_PASSPHRASE };

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'packages/cli/bin/lianzheng.js');
const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'ed25519-sha256' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    step: { type: 'string', default: '10' },
    loaders: { type: 'string', default: '2' },
    batch: { type: 'string', default: '250' },
    concurrency: { type: 'string', default: '12' },
    'fixed-batch': { type: 'string', default: '20' },
    only: { type: 'string', description: 'run only this phase: max, or fixed (with --rate)' },
    rate: { type: 'string', default: '4000' },
    quick: { type: 'boolean', default: false },
    port: { type: 'string', default: '7391' },
    out: { type: 'string' },
    keep: { type: 'string', description: 'keep the benchmark chain in this directory' },
  },
});
const suiteId = args.suite;
const quick = args.quick;
const duration = quick ? 8 : Number(args.duration);
const warmup = quick ? 2 : Number(args.warmup);
const step = quick ? 4 : Number(args.step);
const loaders = Number(args.loaders);
const batch = Number(args.batch);
const fixedBatch = Number(args['fixed-batch']);
const concurrency = Number(args.concurrency);
const cores = availableParallelism();
const log = (m) => process.stderr.write(`${m}\n`);
let nodePid = 0;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function latencySummary(all) {
  const sorted = Float64Array.from(all).sort();
  const r = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    count: sorted.length,
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.at(-1) ?? null),
  };
}

async function waitHealthy(url) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return r.json();
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('node did not become healthy');
}

function forkLoader() {
  const child = fork(path.join(root, 'bench/loadgen.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue = [];
  child.on('message', (m) => {
    if (m.type === 'error') {
      log(`loader error: ${m.message}`);
      process.exit(1);
    }
    queue.shift()?.(m);
  });
  return {
    child,
    ask: (msg) =>
      new Promise((resolve) => {
        queue.push(resolve);
        child.send(msg);
      }),
  };
}

/** Counts transactions in blocks that become durable within a window, from the node's own block stream. */
async function blockCounter(url) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/events?events=false`);
  await new Promise((r, j) => {
    ws.on('open', r);
    ws.on('error', j);
  });
  const blocks = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'block') blocks.push({ t: performance.now(), txs: m.txCount });
  });
  return {
    url,
    window(t0, t1) {
      const inside = blocks.filter((b) => b.t >= t0 && b.t <= t1);
      return { txs: inside.reduce((a, b) => a + b.txs, 0), blocks: inside.length };
    },
    close: () => ws.close(),
  };
}

async function nodeMetrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (re) => {
    const line = text.split('\n').find((l) => re.test(l));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };
  const buckets = (name) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}_bucket{`))
      .map((l) => ({
        le: Number(l.match(/le="([^"]+)"/)[1].replace('+Inf', 'Infinity')),
        n: Number(l.split(' ').at(-1)),
      }));
  return {
    commitBuckets: buckets('lianzheng_block_commit_seconds'),
    flushBuckets: buckets('lianzheng_store_flush_seconds'),
    flushes: get(/^lianzheng_store_flush_seconds_count /),
    loopDelayMax: get(/^lianzheng_event_loop_delay_seconds\{quantile="1"\}/),
    loopDelayP99: get(/^lianzheng_event_loop_delay_seconds\{quantile="0.99"\}/),
    flushSum: get(/^lianzheng_store_flush_seconds_sum /),
    blocks: get(/^lianzheng_block_txs_count /),
    txs: get(/^lianzheng_block_txs_sum /),
    executeSeconds: get(/^lianzheng_block_execute_seconds_sum /),
    commitSeconds: get(/^lianzheng_block_commit_seconds_sum /),
    waitOrder: get(/^lianzheng_commit_loop_seconds_total\{stage="order"\}/),
    waitFlush: get(/^lianzheng_commit_loop_seconds_total\{stage="flush"\}/),
  };
}

/** Upper bucket bounds (ms) below which 50/95/99 % of the observations of a histogram fell during a window. */
function histogramQuantiles(before, after, qs) {
  const deltas = after.map((b, i) => ({ le: b.le, n: b.n - (before[i]?.n ?? 0) }));
  const total = deltas.at(-1)?.n ?? 0;
  return qs.map((q) => {
    const hit = deltas.find((d) => d.n >= q * total);
    return hit === undefined || total === 0
      ? null
      : hit.le === Infinity
        ? '>1000'
        : Math.round(hit.le * 1000 * 10) / 10;
  });
}

async function phase(name, loadersList, counter, { mode, rate, seconds, expected }) {
  const size = mode === 'max' ? batch : fixedBatch;
  const perLoader = Math.ceil((expected * seconds * 1.15 + size * concurrency * 2) / loadersList.length);
  const presigned = await Promise.all(loadersList.map((l) => l.ask({ cmd: 'presign', count: perLoader, batch: size })));
  log(
    `  ${name}: presigned ${perLoader * loadersList.length} tx in ${Math.max(...presigned.map((p) => p.seconds)).toFixed(1)} s; running ${seconds} s ${mode === 'max' ? 'at max rate' : `at ${Math.round(rate)} tx/s`}`,
  );
  const m0 = await nodeMetrics(counter.url);
  const t0 = performance.now();
  const cpu0 = process.env.LZ_BENCH_THREADS ? [nodePid, ...loadersList.map((l) => l.child.pid)].map(threadTimes) : null;
  setTimeout(() => {
    if (cpu0 === null) return;
    const cpu1 = [nodePid, ...loadersList.map((l) => l.child.pid)].map(threadTimes);
    log(
      `    cpu (first ${Math.min(seconds, 5)} s): node ${JSON.stringify(diff(cpu0[0], cpu1[0], Math.min(seconds, 5)))}; loaders ${cpu1
        .slice(1)
        .map((c, i) => JSON.stringify(diff(cpu0[i + 1], c, Math.min(seconds, 5))))
        .join(' ')}`,
    );
  }, Math.min(seconds, 5) * 1000);
  const results = await Promise.all(
    loadersList.map((l) =>
      l.ask({
        cmd: 'run',
        mode,
        rate: rate / loadersList.length,
        durationMs: seconds * 1000,
        concurrency,
        drainMs: 5000,
      }),
    ),
  );
  const t1 = t0 + seconds * 1000;
  const window = counter.window(t0, t1);
  const m1 = await nodeMetrics(counter.url);
  const blocks = m1.blocks - m0.blocks;
  const node = {
    blocks,
    txsPerBlock: blocks > 0 ? Math.round((m1.txs - m0.txs) / blocks) : 0,
    executeMsPerBlock:
      blocks > 0 ? Math.round(((1000 * (m1.executeSeconds - m0.executeSeconds)) / blocks) * 10) / 10 : 0,
    durableMsPerBlock: blocks > 0 ? Math.round(((1000 * (m1.commitSeconds - m0.commitSeconds)) / blocks) * 10) / 10 : 0,
    waitOrderSeconds: Math.round((m1.waitOrder - m0.waitOrder) * 100) / 100,
    waitFlushSeconds: Math.round((m1.waitFlush - m0.waitFlush) * 100) / 100,
    durableMsQuantiles: histogramQuantiles(m0.commitBuckets, m1.commitBuckets, [0.5, 0.95, 0.99]),
    flushes: m1.flushes - m0.flushes,
    flushMsMean:
      m1.flushes > m0.flushes ? Math.round(((m1.flushSum - m0.flushSum) / (m1.flushes - m0.flushes)) * 10000) / 10 : 0,
    flushMsQuantiles: histogramQuantiles(m0.flushBuckets, m1.flushBuckets, [0.5, 0.95, 0.99]),
    eventLoopDelayMs: { p99: Math.round(m1.loopDelayP99 * 1000), max: Math.round(m1.loopDelayMax * 1000) },
  };
  const rs = results.map((r) => r.result);
  const rejected = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
  const summary = {
    name,
    mode,
    targetRate: mode === 'max' ? null : Math.round(rate),
    seconds,
    committedPerSecond: Math.round(window.txs / seconds),
    blocksPerSecond: Math.round(window.blocks / seconds),
    sent: rs.reduce((a, r) => a + r.sent, 0),
    accepted: rs.reduce((a, r) => a + r.accepted, 0),
    committed: rs.reduce((a, r) => a + r.committed, 0),
    rejected,
    backpressure429: rs.reduce((a, r) => a + r.backpressure, 0),
    latencyMs: latencySummary(rs.flatMap((r) => r.latencies)),
    node,
  };
  log(
    `    → ${summary.committedPerSecond} committed tx/s, latency p50 ${summary.latencyMs.p50} ms p95 ${summary.latencyMs.p95} p99 ${summary.latencyMs.p99}, accepted ${summary.accepted}, committed ${summary.committed}`,
  );
  log(
    `      node: ${node.blocks} blocks, ${node.txsPerBlock} tx/block, execute ${node.executeMsPerBlock} ms/block, handed-to-durable ${node.durableMsPerBlock} ms/block (p50/95/99 ≤ ${node.durableMsQuantiles.join('/')} ms), waited for ordering ${node.waitOrderSeconds} s, for flushes ${node.waitFlushSeconds} s; ${node.flushes} group commits, mean ${node.flushMsMean} ms (p50/95/99 ≤ ${node.flushMsQuantiles.join('/')} ms); event-loop delay p99 ${node.eventLoopDelayMs.p99} ms, max ${node.eventLoopDelayMs.max} ms`,
  );
  return summary;
}

async function main() {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  log(`Lianzheng benchmark · suite ${suiteId} · ${cores} cores (${machine.cpu}) · Node ${process.version}`);
  log('Measuring the signature-verification ceiling (all cores, 3 s)…');
  const ceiling = await measureCeiling(suiteId === 'sm2-sm3' ? 'sm2' : 'ed25519', quick ? 2 : 3, cores);
  const reference = suiteId === 'sm2-sm3' ? await measureCeiling('sm2-openssl-empty-id', 2, cores) : null;
  log(
    `  ceiling ${ceiling.perSecond} verify/s (${ceiling.perCore}/core)${reference ? `; OpenSSL SM2 with empty user id, for reference: ${reference.perSecond}/s` : ''}`,
  );

  const home = mkdtempSync(path.join(tmpdir(), 'lz-bench-'));
  const port = Number(args.port);
  const url = `http://127.0.0.1:${port}`;
  execFileSync(
    process.execPath,
    [
      cli,
      '--home',
      home,
      'init',
      '--demo',
      '--suite',
      suiteId,
      '--chain-id',
      'lianzheng-bench',
      '--port',
      String(port),
      '--kdf-cost',
      '12',
    ],
    { stdio: 'ignore', env: benchEnv },
  );
  // The same V8 setting `npm start` uses (a larger young generation: shorter, rarer scavenges under load).
  const nodeArgs = ['--max-semi-space-size=64', ...(process.env.LZ_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const node = spawn(process.execPath, [...nodeArgs, cli, '--home', home, 'start', '--log-level', 'warn'], {
    env: benchEnv,
    stdio: ['ignore', process.env.LZ_BENCH_NODE_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
  let report;
  nodePid = node.pid;
  try {
    await waitHealthy(url);
    const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8'));
    const keys = await Promise.all(
      genesis.orgs.map(async (o) => {
        const k = await loadKeyFile(path.join(home, 'keys', `${o.id}-admin.key.json`), BENCH_PASSPHRASE);
        return { publicKey: bytesToHex(k.publicKey), secretKey: bytesToHex(k.secretKey) };
      }),
    );
    const loadersList = Array.from({ length: loaders }, forkLoader);
    await Promise.all(
      loadersList.map((l) => l.ask({ cmd: 'init', config: { url, chainId: genesis.chainId, suite: suiteId, keys } })),
    );
    const counter = await blockCounter(url);
    const guess = ceiling.perSecond * 0.8;

    log('Phases:');
    await phase('warm-up', loadersList, counter, { mode: 'max', seconds: warmup, expected: guess });
    if (args.only === 'fixed') {
      const rate = Number(args.rate);
      await phase(`fixed ${rate}`, loadersList, counter, { mode: 'fixed', rate, seconds: duration, expected: rate });
      counter.close();
      for (const l of loadersList) l.child.send({ cmd: 'exit' });
      node.kill('SIGTERM');
      await new Promise((r) => node.once('exit', r));
      return;
    }
    const max = await phase('max rate', loadersList, counter, { mode: 'max', seconds: duration, expected: guess });
    if (args.only === 'max') {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      log(
        metrics
          .split('\n')
          .filter((l) =>
            /^lianzheng_block_(commit|execute)_seconds_(sum|count)|^lianzheng_block_txs_(sum|count)|^lianzheng_commit_loop/.test(
              l,
            ),
          )
          .join('\n'),
      );
      counter.close();
      for (const l of loadersList) l.child.send({ cmd: 'exit' });
      node.kill('SIGTERM');
      await new Promise((r) => node.once('exit', r));
      return;
    }
    const half = max.committedPerSecond / 2;
    const fixed = await phase('fixed rate (half of max)', loadersList, counter, {
      mode: 'fixed',
      rate: half,
      seconds: duration,
      expected: half,
    });
    const sweep = [];
    for (const f of [0.25, 0.5, 0.75, 1.0, 1.25]) {
      const rate = max.committedPerSecond * f;
      sweep.push({
        fraction: f,
        ...(await phase(`sweep ${Math.round(f * 100)}%`, loadersList, counter, {
          mode: 'fixed',
          rate,
          seconds: step,
          expected: rate,
        })),
      });
    }
    counter.close();
    await Promise.all(loadersList.map((l) => l.child.send({ cmd: 'exit' })));

    node.kill('SIGTERM');
    await new Promise((r) => node.once('exit', r));
    log('Re-verifying the stored chain with `lianzheng verify`…');
    const verifyRun = (extra) =>
      JSON.parse(
        execFileSync(process.execPath, [cli, '--home', home, '--json', 'verify', ...extra], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    const verifyFull = verifyRun([]);
    const verifyNoSig = verifyRun(['--no-signatures']);
    const verifyNoReplay = verifyRun(['--no-signatures', '--no-replay']);

    const ratio = max.committedPerSecond / ceiling.perSecond;
    report = {
      date: new Date().toISOString(),
      machine,
      suite: suiteId,
      workload: `notary.register, 5 signing organisations, batches of ${batch} (max rate) / ${fixedBatch} (fixed rates)`,
      ceiling,
      referenceCeiling: reference,
      maxRate: {
        ...max,
        perCore: Math.round(max.committedPerSecond / cores),
        ratioToCeiling: Math.round(ratio * 1000) / 1000,
      },
      fixedRate: fixed,
      sweep,
      verify: {
        full: { txs: verifyFull.txs, seconds: verifyFull.seconds, txPerSecond: verifyFull.txPerSecond },
        withoutTxSignatures: { txs: verifyNoSig.txs, txPerSecond: verifyNoSig.txPerSecond },
        hashesAndRootsOnly: { txs: verifyNoReplay.txs, txPerSecond: verifyNoReplay.txPerSecond },
      },
    };
  } finally {
    if (node.exitCode === null) node.kill('SIGKILL');
    if (args.keep !== undefined) execFileSync('cp', ['-r', home, args.keep]);
    rmSync(home, { recursive: true, force: true });
  }

  const r = report;
  const line = (a, b) => `  ${a.padEnd(44)} ${b}`;
  process.stdout.write(
    [
      '',
      `Lianzheng benchmark — ${r.suite}, ${r.workload}`,
      `Machine: ${r.machine.cores} cores, ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
      line('signature-verify ceiling (all cores)', `${r.ceiling.perSecond} /s (${r.ceiling.perCore} per core)`),
      ...(r.referenceCeiling
        ? [line('  OpenSSL SM2, empty user id (reference)', `${r.referenceCeiling.perSecond} /s`)]
        : []),
      line(
        `committed tx/s at max rate (${r.maxRate.seconds} s)`,
        `${r.maxRate.committedPerSecond} tx/s = ${(r.maxRate.ratioToCeiling * 100).toFixed(1)} % of ceiling, ${r.maxRate.perCore} tx/s per core`,
      ),
      line(
        '  latency at max rate p50 / p95 / p99',
        `${r.maxRate.latencyMs.p50} / ${r.maxRate.latencyMs.p95} / ${r.maxRate.latencyMs.p99} ms`,
      ),
      line(
        '  accepted / committed / rejected',
        `${r.maxRate.accepted} / ${r.maxRate.committed} / ${JSON.stringify(r.maxRate.rejected)} (429s: ${r.maxRate.backpressure429})`,
      ),
      line(
        `fixed rate ${r.fixedRate.targetRate} tx/s (${r.fixedRate.seconds} s)`,
        `${r.fixedRate.committedPerSecond} tx/s committed`,
      ),
      line(
        '  latency p50 / p95 / p99',
        `${r.fixedRate.latencyMs.p50} / ${r.fixedRate.latencyMs.p95} / ${r.fixedRate.latencyMs.p99} ms`,
      ),
      '  saturation sweep (target → committed tx/s, p50 / p99 ms):',
      ...r.sweep.map((s) =>
        line(
          `    ${Math.round(s.fraction * 100)}% (${s.targetRate} tx/s)`,
          `${s.committedPerSecond} tx/s, ${s.latencyMs.p50} / ${s.latencyMs.p99} ms`,
        ),
      ),
      line(
        'lianzheng verify (full: signatures + replay)',
        `${r.verify.full.txPerSecond} tx/s over ${r.verify.full.txs} tx`,
      ),
      line('  without tx signatures (replay, roots)', `${r.verify.withoutTxSignatures.txPerSecond} tx/s`),
      line('  hashes, Merkle roots, attestations only', `${r.verify.hashesAndRootsOnly.txPerSecond} tx/s`),
      '',
    ].join('\n'),
  );
  const outDir = path.join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const out = args.out ?? path.join(outDir, `${r.suite}-${r.date.slice(0, 19).replace(/[:T]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`);
  log(`Full report: ${out}`);
}

await main();

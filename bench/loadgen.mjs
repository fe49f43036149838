// Load generator process (forked by bench/run.mjs). Pre-signs its transactions before a measured window so signing
// never competes with the node for the cores, submits them in batches over HTTP, and learns commit times from the
// node's WebSocket block stream.
import { randomBytes } from 'node:crypto';
import { nativeSuite } from '@lianzheng/node';
import { bytesToHex, hexToBytes, signTransaction, transactionId } from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';
import WebSocket from 'ws';

let config;
let suite;
let prepared = []; // { body: string, ids: string[] }[]
const submitted = new Map(); // id -> submit time (ms, performance.now())
const committedAt = new Map(); // id -> commit time
let ws;

function connect() {
  return new Promise((resolve, reject) => {
    ws = new WebSocket(`${config.url.replace('http', 'ws')}/v1/events?events=false`);
    ws.on('open', resolve);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type !== 'block') return;
      // The node stamps when the block became durable (wall clock, shared by processes on this machine), so this
      // process's own pauses do not count as latency.
      for (const id of m.txIds) if (submitted.has(id) && !committedAt.has(id)) committedAt.set(id, m.durableAt);
    });
  });
}

function presign(count, batch) {
  const started = performance.now();
  const keys = config.keys.map((k) => ({ publicKey: hexToBytes(k.publicKey), secretKey: hexToBytes(k.secretKey) }));
  const alg = config.suite === 'sm2-sm3' ? 'sm3' : 'sha256';
  prepared = [];
  let current = [];
  let ids = [];
  for (let i = 0; i < count; i++) {
    const key = keys[i % keys.length];
    const tx = buildTransaction({
      chainId: config.chainId,
      signer: key.publicKey,
      contract: 'notary',
      method: 'register',
      args: { alg, hash: randomBytes(32).toString('hex') },
      ttlMs: 3_600_000,
    });
    const signed = signTransaction(suite, tx, key.secretKey);
    current.push(JSON.stringify(signed));
    ids.push(bytesToHex(transactionId(suite, tx)));
    if (current.length === batch) {
      prepared.push({ body: `[${current.join(',')}]`, ids });
      current = [];
      ids = [];
    }
  }
  if (current.length > 0) prepared.push({ body: `[${current.join(',')}]`, ids });
  return (performance.now() - started) / 1000;
}

async function send(item, stats) {
  const t = Date.now();
  for (const id of item.ids) submitted.set(id, t);
  for (;;) {
    let res;
    try {
      res = await fetch(`${config.url}/v1/transactions/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: item.body,
      });
    } catch {
      stats.transportErrors++;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    const json = await res.json();
    if (res.status === 429) {
      // Back-pressure: the node is full. Count it, wait and resend the same batch.
      stats.backpressure++;
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    if (res.status !== 200) {
      stats.rejected[json.error?.code ?? `HTTP_${res.status}`] =
        (stats.rejected[json.error?.code] ?? 0) + item.ids.length;
      for (const id of item.ids) submitted.delete(id);
      return;
    }
    json.results.forEach((r, i) => {
      if (r.error) {
        stats.rejected[r.error.code] = (stats.rejected[r.error.code] ?? 0) + 1;
        submitted.delete(item.ids[i]);
      } else stats.accepted++;
    });
    return;
  }
}

async function run({ mode, rate, durationMs, concurrency, drainMs }) {
  submitted.clear();
  committedAt.clear();
  const stats = { sent: 0, accepted: 0, rejected: {}, backpressure: 0, transportErrors: 0 };
  const start = performance.now();
  const end = start + durationMs;
  let next = 0;
  const inflight = new Set();
  if (mode === 'max') {
    const worker = async () => {
      while (performance.now() < end && next < prepared.length) {
        const item = prepared[next++];
        stats.sent += item.ids.length;
        await send(item, stats);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } else {
    const batch = prepared[0]?.ids.length ?? 1;
    const interval = (1000 * batch) / rate;
    let due = start;
    while (performance.now() < end && next < prepared.length) {
      const now = performance.now();
      if (now < due) {
        await new Promise((r) => setTimeout(r, Math.max(0, due - now - 0.5)));
        continue;
      }
      due += interval;
      if (inflight.size >= 256) continue;
      const item = prepared[next++];
      stats.sent += item.ids.length;
      const p = send(item, stats).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  }
  const sendEnd = performance.now();
  // Let the last transactions commit before counting them.
  while (performance.now() - sendEnd < drainMs && committedAt.size < stats.accepted)
    await new Promise((r) => setTimeout(r, 20));
  const latencies = new Float64Array(committedAt.size);
  let i = 0;
  for (const [id, t] of committedAt) latencies[i++] = t - submitted.get(id);
  prepared = prepared.slice(next);
  return {
    ...stats,
    committed: committedAt.size,
    sendSeconds: (sendEnd - start) / 1000,
    latencies: Array.from(latencies),
  };
}

process.on('message', async (m) => {
  try {
    if (m.cmd === 'init') {
      config = m.config;
      suite = nativeSuite(config.suite);
      await connect();
      process.send({ type: 'ready' });
    } else if (m.cmd === 'presign') {
      const seconds = presign(m.count, m.batch);
      process.send({ type: 'presigned', seconds, batches: prepared.length });
    } else if (m.cmd === 'run') {
      process.send({ type: 'result', result: await run(m) });
    } else if (m.cmd === 'exit') {
      ws?.close();
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});

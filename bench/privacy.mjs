// Personal data on one node, over its API (docs/privacy.md): registrations per second (commitment checked, record
// sealed under a fresh data key and written durably, `privacy.register` committed in a durable block, the record made
// final) and purpose-bound reads per second (the `privacy.read` transaction decided and recorded in a durable block, then
// the record opened and released), allowed and denied, with latency from request to answer. Reported next to this
// machine's signature-verification ceiling.
//   node bench/privacy.mjs [--suite ed25519-sha256|sm2-sm3] [--count 3000] [--concurrency 64] [--quick]
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadKeyFile, nativeSuite } from '@lianzheng/node';
import { bytesToHex, canonicalize, commitPersonal, randomBytes, signTransaction } from '@lianzheng/protocol';
import { buildTransaction, createClient, httpTransport, keySigner, signIn } from '@lianzheng/sdk';
import { measureCeiling } from './ceiling.mjs';

const PASSPHRASE = 'benchmark passphrase, not secret';
const env = { ...process.env, LIANZHENG_PASSPHRASE: PASSPHRASE };
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'packages/cli/bin/lianzheng.js');
const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'ed25519-sha256' },
    count: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '64' },
    quick: { type: 'boolean', default: false },
    port: { type: 'string', default: '7393' },
    out: { type: 'string' },
  },
});
const suiteId = args.suite;
const count = args.quick ? 600 : Number(args.count);
const concurrency = Number(args.concurrency);
const log = (m) => process.stderr.write(`${m}\n`);

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends every request with `concurrency` in flight; requests/s, latency percentiles (ms), answers by status/code. */
async function drive(requests, send) {
  const latencies = [];
  const outcomes = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const r = requests[next++];
        const t0 = performance.now();
        const outcome = await send(r);
        latencies.push(performance.now() - t0);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ms = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    requests: requests.length,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(requests.length / seconds),
    latencyMs: {
      p50: ms(percentile(latencies, 50)),
      p95: ms(percentile(latencies, 95)),
      p99: ms(percentile(latencies, 99)),
    },
    outcomes,
  };
}

async function post(url, body, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const json = await res.json();
  return { status: res.status, json };
}

function sizeOf(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((sum, name) => {
    const p = path.join(dir, name);
    const s = statSync(p);
    return sum + (s.isDirectory() ? sizeOf(p) : s.size);
  }, 0);
}

const digits = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

async function main() {
  const cores = availableParallelism();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  log(
    `Lianzheng personal-data benchmark · suite ${suiteId} · ${cores} cores (${machine.cpu}) · Node ${process.version}`,
  );
  const ceiling = await measureCeiling(suiteId === 'sm2-sm3' ? 'sm2' : 'ed25519', args.quick ? 2 : 3, cores);
  log(`  signature-verification ceiling ${ceiling.perSecond}/s (${ceiling.perCore}/core)`);

  const home = mkdtempSync(path.join(tmpdir(), 'lz-bench-privacy-'));
  const port = Number(args.port);
  const url = `http://127.0.0.1:${port}`;
  execFileSync(
    process.execPath,
    [cli, '--home', home, 'init', '--demo', '--suite', suiteId, '--port', String(port), '--kdf-cost', '12'],
    { stdio: 'ignore', env },
  );
  const node = spawn(process.execPath, [cli, '--home', home, 'start', '--log-level', 'warn', '--seed-demo'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const identitiesFile = path.join(home, 'identities.json');
    for (let i = 0; !existsSync(identitiesFile); i++) {
      if (i > 1200 || node.exitCode !== null) throw new Error('the demo node did not start and seed in time');
      await new Promise((r) => setTimeout(r, 100));
    }
    const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8'));
    const suite = nativeSuite(genesis.suite);
    const identities = JSON.parse(readFileSync(identitiesFile, 'utf8'));
    const subject = identities.find((i) => i.id === 'citizen-1').subject;
    const key = (id) => loadKeyFile(path.join(home, 'keys', `${id}.key.json`), PASSPHRASE);
    const [registrar, officer, stranger] = await Promise.all(
      ['police-registrar', 'police-east', 'market-caseworker'].map(key),
    );
    const sign = (k, method, a) =>
      signTransaction(
        suite,
        buildTransaction({
          chainId: genesis.chainId,
          signer: k.publicKey,
          contract: 'privacy',
          method,
          args: a,
          ttlMs: 3_600_000,
        }),
        k.secretKey,
      );
    const session = async (k) =>
      (
        await signIn(createClient({ transport: httpTransport(url) }), {
          suite,
          publicKey: k.publicKey,
          signer: keySigner(suite, k.secretKey),
        })
      ).token;

    // Registrations: a name and an ID number per record, a fresh 16-byte salt, pre-signed.
    log(`Registering ${count} personal records (${concurrency} in flight)…`);
    const records = [];
    const registrations = Array.from({ length: count }, (_, i) => {
      const value = { name: `测试人员${i}`, idNumber: `3301${digits(14)}`, address: `杭州市西湖区文三路 ${i} 号` };
      const salt = bytesToHex(randomBytes(16));
      const commitment = commitPersonal(suite, value, salt);
      records.push({ commitment, value, salt });
      const tx = sign(registrar, 'register', {
        commitment,
        category: 'identity',
        subject,
        policy: [{ org: 'police', purposes: ['household-administration', 'audit'] }],
      });
      return canonicalize({ tx, value, salt });
    });
    const register = await drive(registrations, async (body) => {
      const r = await post(`${url}/v1/privacy/records`, body);
      return r.status === 201 ? 'registered' : `${r.status} ${r.json?.error?.code}`;
    });
    log(
      `  ${register.perSecond} registrations/s, p50 ${register.latencyMs.p50} ms, p99 ${register.latencyMs.p99} ms ${JSON.stringify(register.outcomes)}`,
    );

    // Allowed reads: the east bureau's household officer, for household administration, each checked by commitment.
    const officerToken = await session(officer);
    const pick = () => records[Math.floor(Math.random() * records.length)];
    const reads = Array.from({ length: count }, () => {
      const r = pick();
      return {
        r,
        body: JSON.stringify(sign(officer, 'read', { record: r.commitment, purpose: 'household-administration' })),
      };
    });
    log(`Reading ${count} records, allowed (${concurrency} in flight)…`);
    let mismatched = 0;
    const allowed = await drive(reads, async ({ r, body }) => {
      const res = await post(`${url}/v1/privacy/reads`, body, officerToken);
      if (res.status !== 200) return `${res.status} ${res.json?.error?.code}`;
      if (commitPersonal(suite, res.json.value, res.json.salt) !== r.commitment) mismatched++;
      return 'allowed';
    });
    log(
      `  ${allowed.perSecond} reads/s, p50 ${allowed.latencyMs.p50} ms, p99 ${allowed.latencyMs.p99} ms ${JSON.stringify(allowed.outcomes)}`,
    );

    // Denied reads: another department's caseworker, for household administration — refused, and recorded all the same.
    const strangerToken = await session(stranger);
    const refusedReads = Array.from({ length: Math.ceil(count / 2) }, () =>
      JSON.stringify(sign(stranger, 'read', { record: pick().commitment, purpose: 'audit' })),
    );
    log(`Reading ${refusedReads.length} records, denied (${concurrency} in flight)…`);
    const denied = await drive(refusedReads, async (body) => {
      const res = await post(`${url}/v1/privacy/reads`, body, strangerToken);
      return res.status === 200 ? 'allowed (wrong)' : `${res.status} ${res.json?.error?.code}`;
    });
    log(`  ${denied.perSecond} denied reads/s, p50 ${denied.latencyMs.p50} ms ${JSON.stringify(denied.outcomes)}`);

    const storeBytes = sizeOf(path.join(home, 'private'));
    const report = {
      date: new Date().toISOString(),
      machine,
      suite: suiteId,
      concurrency,
      ceiling,
      registrations: {
        ...register,
        perCeiling: Math.round((register.perSecond / ceiling.perSecond) * 10_000) / 10_000,
      },
      allowedReads: {
        ...allowed,
        valueMismatches: mismatched,
        perCeiling: Math.round((allowed.perSecond / ceiling.perSecond) * 10_000) / 10_000,
      },
      deniedReads: denied,
      store: { records: count, bytes: storeBytes, bytesPerRecord: Math.round(storeBytes / count) },
    };
    const out = args.out ?? path.join(root, 'bench', 'results', `privacy-${suiteId}-${report.date.slice(0, 10)}.json`);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    log(`Report: ${path.relative(process.cwd(), out)}`);
    if (mismatched > 0 || register.outcomes.registered !== count || allowed.outcomes.allowed !== count)
      process.exitCode = 1;
  } finally {
    node.kill('SIGTERM');
    await new Promise((r) => node.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

await main();

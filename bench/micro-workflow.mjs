#!/usr/bin/env node
// Workflow transitions committed per second, on one node in this process (admission with signature checks, ordering,
// execution, durable commit to LMDB; no HTTP). The budget-approval template: N departments' requests are submitted,
// then the measured phases: finance review of each (a transition with a form, native), and the leaders' countersign
// (two signatures per case; the second completes it and runs the outcome, a sandboxed contract call).
//   node bench/micro-workflow.mjs [cases=2000] [batch=200]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_ORGS, demoStaff, initHome, LianzhengNode, loadKeyFile, templateActions } from '@lianzheng/node';
import { bytesToHex, signTransaction, transactionId } from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';
import pino from 'pino';

const cases = Number(process.argv[2] ?? 2000);
const batchSize = Number(process.argv[3] ?? 200);
const home = mkdtempSync(path.join(os.tmpdir(), 'lz-bench-workflow-'));
const passphrase = 'workflow benchmark passphrase';
try {
  await initHome({
    home,
    chainId: 'bench-workflow',
    suite: 'ed25519-sha256',
    orgs: DEMO_ORGS,
    time: Date.now() - 60_000,
    passphrase,
    staff: demoStaff(DEMO_ORGS),
    scryptN: 2 ** 12,
  });
  const key = (id) => loadKeyFile(path.join(home, 'keys', `${id}.key.json`), passphrase);
  const node = await LianzhengNode.open(home, {}, { log: pino({ level: 'silent' }), passphrase });
  const suite = node.suite;
  const sign = (k, contract, method, args) =>
    signTransaction(
      suite,
      buildTransaction({ chainId: 'bench-workflow', signer: k.publicKey, contract, method, args, ttlMs: 3_600_000 }),
      k.secretKey,
    );
  const idOf = (signed) => bytesToHex(transactionId(suite, signed.tx));

  /** Submits in batches, waits until all are durable; returns committed/s and the failures by code. */
  async function run(signed) {
    const started = performance.now();
    const ids = [];
    const waiting = [];
    for (let i = 0; i < signed.length; i += batchSize) {
      const results = await node.submit(JSON.stringify(signed.slice(i, i + batchSize)), true);
      for (const r of results) {
        if (!r.ok) continue;
        ids.push(r.id);
        // Wait from admission on: the node reports an outcome to waiters registered before it is known.
        waiting.push(node.waitFor(r.id, 120_000));
      }
    }
    const outcomes = await Promise.all(waiting);
    const seconds = (performance.now() - started) / 1000;
    const failed = {};
    for (const o of outcomes) {
      const receipt = o?.receipt;
      if (receipt?.status === 'ok') continue;
      const why = o === null ? 'not committed in time' : o.status === 'dropped' ? `dropped ${o.code}` : receipt?.code;
      failed[why] = (failed[why] ?? 0) + 1;
    }
    return { perSecond: ids.length / seconds, seconds, committed: ids.length, failed };
  }

  const [admin, voter1, voter2, applicant, reviewer, financeLeader, marketLeader] = await Promise.all(
    [
      'market-admin',
      'realestate-admin',
      'police-admin',
      'market-caseworker',
      'finance-caseworker',
      'finance-leader',
      'market-leader',
    ].map(key),
  );
  const proposal = sign(admin, 'gov', 'propose', { actions: templateActions() });
  await run([proposal]);
  await run([sign(voter1, 'gov', 'vote', { proposal: idOf(proposal), approve: true })]);
  await run([sign(voter2, 'gov', 'vote', { proposal: idOf(proposal), approve: true })]);

  const submissions = Array.from({ length: cases }, (_, i) =>
    sign(applicant, 'workflow', 'submit', {
      workflow: 'budget-approval',
      form: { year: 2027, title: `项目 ${i}`, amount: 100_000 + i, purpose: '基准测试' },
    }),
  );
  const ids = submissions.map(idOf);
  const review = ids.map((c) =>
    sign(reviewer, 'workflow', 'act', {
      case: c,
      action: 'approve',
      form: { approvedAmount: 90_000, opinion: '同意' },
    }),
  );
  const first = ids.map((c) => sign(financeLeader, 'workflow', 'act', { case: c, action: 'approve' }));
  const second = ids.map((c) => sign(marketLeader, 'workflow', 'act', { case: c, action: 'approve' }));

  const rows = [
    ['submit (form validation, new case)', await run(submissions)],
    ['finance review (transition with a form)', await run(review)],
    ['countersign, first leader', await run(first)],
    ['countersign, second leader + outcome (sandboxed contract)', await run(second)],
  ];
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(
    `Workflow transitions — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${cases} cases, batches of ${batchSize}`,
  );
  for (const [name, r] of rows) {
    console.log(
      `  ${name.padEnd(58)} ${fmt(r.perSecond).padStart(6)} /s  (${r.committed} in ${r.seconds.toFixed(1)} s)${Object.keys(r.failed).length ? `  failed: ${JSON.stringify(r.failed)}` : ''}`,
    );
  }
  await node.close();
} finally {
  rmSync(home, { recursive: true, force: true });
}

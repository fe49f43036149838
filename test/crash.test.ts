import { randomBytes } from 'node:crypto';
import { nativeSuite } from '@lianzheng/node';
import { bytesToHex, type SignedTransaction, transactionId } from '@lianzheng/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cli,
  freePort,
  getJson,
  loadSigners,
  type NodeHandle,
  postJson,
  removeDir,
  signed,
  startNode,
  tempDir,
} from './helpers/nodeProcess.js';

const KILLS = Number(process.env.LZ_CRASH_KILLS ?? 100);
const CLIENTS = 6;

interface Ack {
  readonly height: number;
  readonly index: number;
}

// kill -9 of a real node process at random moments under a steady load of acknowledged writes. "Acknowledged" means
// the node answered 200 committed (wait=true): the block was durable. After every restart every acknowledged
// transaction must be there at the same place; at the end every transaction ever sent is in the chain at most once
// and `lianzheng verify` re-checks everything.
describe('crash safety', () => {
  const home = tempDir('crash');
  let node: NodeHandle | undefined;

  afterAll(async () => {
    await node?.kill();
    removeDir(home);
  });

  it(`loses nothing acknowledged and corrupts nothing through ${KILLS} SIGKILLs`, async () => {
    const port = await freePort();
    const init = await cli([
      '--home',
      home,
      'init',
      '--demo',
      '--kdf-cost',
      '12',
      '--chain-id',
      'crash-test',
      '--port',
      String(port),
    ]);
    expect(init.code, init.stderr).toBe(0);
    const { genesis, signers } = await loadSigners(home);
    const suite = nativeSuite(genesis.suite);
    const url = `http://127.0.0.1:${port}`;
    const acknowledged = new Map<string, Ack>();
    const sent = new Map<string, SignedTransaction>();
    const restartMs: number[] = [];
    let checkedAfterRestart = 0;
    let unacknowledgedAtKill = 0;

    for (let kill = 0; kill < KILLS; kill++) {
      const t0 = performance.now();
      node = await startNode(home, port);
      restartMs.push(performance.now() - t0);
      // Everything acknowledged before the last kill must have survived it, at the same height and index.
      const recent = [...acknowledged].slice(-400);
      for (const [id, ack] of recent) {
        const { status, json } = await getJson(`${url}/v1/transactions/${id}`);
        expect(status, `acknowledged ${id} lost after kill ${kill}`).toBe(200);
        expect(json).toMatchObject({ status: 'committed', height: ack.height, index: ack.index });
        checkedAfterRestart++;
      }
      const sentBefore = new Set(sent.keys());
      const killAt = Date.now() + 40 + Math.floor(Math.random() * 400);
      let stop = false;
      const client = async (c: number) => {
        while (!stop) {
          const signer = signers[c % signers.length]!;
          const tx =
            c % 2 === 0
              ? signed(genesis, signer, 'kv', 'put', { key: `k${randomBytes(6).toString('hex')}`, value: { kill, c } })
              : signed(genesis, signer, 'notary', 'register', { alg: 'sha256', hash: randomBytes(32).toString('hex') });
          const id = bytesToHex(transactionId(suite, tx.tx));
          sent.set(id, tx);
          try {
            const r = await postJson(`${url}/v1/transactions?wait=true&timeoutMs=10000`, tx);
            const body = r.json as { status?: string; height?: number; index?: number };
            if (r.status === 200 && body.status === 'committed') {
              acknowledged.set(id, { height: body.height!, index: body.index! });
            }
          } catch {
            return; // the node is gone
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
      await new Promise((r) => setTimeout(r, Math.max(0, killAt - Date.now())));
      await node.kill();
      stop = true;
      await Promise.all(clients);
      unacknowledgedAtKill += [...sent.keys()].filter((id) => !sentBefore.has(id) && !acknowledged.has(id)).length;
    }

    // Final restart: every acknowledged transaction, then resubmission of everything sent (a retrying client).
    node = await startNode(home, port);
    for (const [id, ack] of acknowledged) {
      const { status, json } = await getJson(`${url}/v1/transactions/${id}`);
      expect(status, `acknowledged ${id} lost`).toBe(200);
      expect(json).toMatchObject({ status: 'committed', height: ack.height, index: ack.index });
    }
    let resubmittedNew = 0;
    let duplicatesRejected = 0;
    for (const [, tx] of sent) {
      const r = await postJson(`${url}/v1/transactions?wait=true&timeoutMs=20000`, tx);
      if (r.status === 200) resubmittedNew++;
      else {
        expect(r.status).toBe(409);
        expect((r.json as { error: { code: string } }).error.code).toBe('TX_DUPLICATE');
        duplicatesRejected++;
      }
    }
    // Walk the whole chain: every id at most once, every sent id exactly once, hashes chained.
    const latest = (await getJson(`${url}/v1/blocks/latest`)).json as { header: { height: number } };
    const seen = new Map<string, number>();
    let parent = '0'.repeat(64);
    for (let h = 0; h <= latest.header.height; h++) {
      const b = (await getJson(`${url}/v1/blocks/${h}`)).json as {
        header: { parent: string };
        hash: string;
        txIds: string[];
      };
      expect(b.header.parent).toBe(parent);
      parent = b.hash;
      for (const id of b.txIds) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    const twice = [...seen].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    for (const id of sent.keys()) expect(seen.get(id), `sent ${id} missing after resubmission`).toBe(1);
    await node.stop();
    node = undefined;
    const verify = await cli(['--home', home, '--json', 'verify'], { timeoutMs: 300_000 });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { txs: number; blocks: number };

    restartMs.sort((a, b) => a - b);
    const summary = {
      kills: KILLS,
      acknowledged: acknowledged.size,
      lostAcknowledged: 0,
      committedTwice: twice.length,
      checkedAfterRestart,
      sentInFlightAtKills: unacknowledgedAtKill,
      resubmittedAndCommitted: resubmittedNew,
      resubmittedAndRejectedAsDuplicate: duplicatesRejected,
      chain: { blocks: report.blocks, txs: report.txs },
      restartToHealthyMs: {
        p50: Math.round(restartMs[restartMs.length >> 1]!),
        max: Math.round(restartMs[restartMs.length - 1]!),
      },
    };
    console.log(`crash loop: ${JSON.stringify(summary)}`);
    expect(acknowledged.size).toBeGreaterThan(KILLS);
  });
});

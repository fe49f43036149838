import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePortBlock } from '@lianzheng/node';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cliPath, getJson, removeDir, root, tempDir } from './helpers/nodeProcess.js';

// `lianzheng cluster up` (what `npm run cluster` runs): 3 etcd members and one node per department on loopback, the
// demo data, and a clean stop on Ctrl-C (SIGINT) — then again from the same directory.

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function up(dir: string, basePort: number, etcdPort: number) {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'cluster',
      'up',
      '--dir',
      dir,
      '--orgs',
      '3',
      '--base-port',
      String(basePort),
      '--etcd-port',
      String(etcdPort),
      '--kdf-cost',
      '12',
    ],
    { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 180_000;
  while (!out.includes('local consortium running')) {
    if (child.exitCode !== null) throw new Error(`cluster up exited ${child.exitCode}:\n${err}`);
    if (Date.now() > deadline) throw new Error(`cluster up did not come up:\n${err}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, exited, out: () => out };
}

describe('lianzheng cluster up', () => {
  const dir = tempDir('cluster-cmd');
  afterAll(() => removeDir(dir));

  it('starts etcd and a node per department with the demo data, and stops everything on Ctrl-C', async () => {
    const basePort = await freePortBlock(3);
    const etcdPort = 20_000 + Math.floor(Math.random() * 20_000);
    const first = await up(path.join(dir, 'c'), basePort, etcdPort);
    const urls = [0, 1, 2].map((i) => `http://127.0.0.1:${basePort + i}`);
    for (const u of urls) expect(first.out()).toContain(u);
    // The demo history (two batches: the public records, registrations and workflow deployment, then two cases) is
    // ordered through etcd, reaches every node and is certified.
    type H = { height: number; ordering: { type: string; certifiedHeight: number } };
    let health: H[] = [];
    for (let i = 0; i < 300; i++) {
      health = await Promise.all(urls.map(async (u) => (await getJson(`${u}/health`)).json as H));
      if (health.every((h) => h.height >= 2 && h.ordering.certifiedHeight >= 2)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(health.map((h) => [h.ordering.type, h.height >= 2, h.ordering.certifiedHeight >= 2])).toEqual(
      urls.map(() => ['etcd', true, true]),
    );
    const heights = health.map((h) => h.height);
    const blocks = await Promise.all(urls.map(async (u) => (await getJson(`${u}/v1/blocks/1`)).json));
    expect(new Set(blocks.map((b) => (b as { hash: string }).hash)).size).toBe(1);
    expect((blocks[0] as { txIds: string[] }).txIds.length).toBeGreaterThan(10);
    expect((await getJson(`${urls[2]}/v1/workflows`)).status).toBe(200);
    expect(existsSync(path.join(dir, 'c', 'cluster.json'))).toBe(true);
    const etcdPids = pidsOf(`--data-dir=${path.join(dir, 'c', 'etcd')}`);
    expect(etcdPids).toHaveLength(3);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    for (const pid of etcdPids) expect(alive(pid)).toBe(false);
    for (const u of urls) await expect(fetch(`${u}/health`)).rejects.toThrow();

    // Again from the same directory: the same chain resumes.
    const second = await up(path.join(dir, 'c'), basePort, etcdPort);
    const again = (await getJson(`${urls[2]}/health`)).json as { height: number };
    expect(again.height).toBeGreaterThanOrEqual(heights[0]!);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 400_000);
});

/** Pids of processes whose command line contains `needle`. */
function pidsOf(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\u0000', ' ');
      if (cmd.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

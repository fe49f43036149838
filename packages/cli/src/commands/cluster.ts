import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO_ORGS, demoStaff, EtcdCluster, initCluster } from '@lianzheng/node';
import type { Command } from 'commander';
import { type GlobalOptions, passphrase, print, usage } from '../context.js';

interface ClusterFile {
  readonly orgs: number;
  readonly etcdBasePort: number;
  readonly nodes: { org: string; home: string; port: number; url: string }[];
}

const CLUSTER_FILE = 'cluster.json';

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`node ${url} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node ${url} did not answer within ${timeoutMs / 1000} s`);
}

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('a local consortium on this machine: etcd members and one node per department (loopback only)');
  cluster
    .command('up')
    .description(
      'start 3 etcd members and one node per demo department on 127.0.0.1 (created on first run, with demo data); Ctrl-C stops everything cleanly',
    )
    .option('--dir <dir>', 'where the cluster lives', path.join('data', 'cluster'))
    .option('--orgs <n>', 'departments that run a node (2–5)', (v) => Number.parseInt(v, 10), 4)
    .option('--base-port <port>', 'API port of the first node; the others follow', (v) => Number.parseInt(v, 10), 7081)
    .option(
      '--etcd-port <port>',
      'client port of the first etcd member (peers at +100)',
      (v) => Number.parseInt(v, 10),
      23790,
    )
    .option('--kdf-cost <log2N>', 'scrypt cost of new key files, log2 N (12–20)', (v) => Number.parseInt(v, 10), 15)
    .action(
      async (
        opts: { dir: string; orgs: number; basePort: number; etcdPort: number; kdfCost: number },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const dir = path.resolve(opts.dir);
        if (!Number.isInteger(opts.orgs) || opts.orgs < 2 || opts.orgs > DEMO_ORGS.length) {
          usage(`--orgs must be 2–${DEMO_ORGS.length}`);
        }
        const pass = await passphrase(g, 'Passphrase of the key files', true);
        const file = path.join(dir, CLUSTER_FILE);
        let layout: ClusterFile;
        const fresh = !existsSync(file);
        if (fresh) {
          layout = {
            orgs: opts.orgs,
            etcdBasePort: opts.etcdPort,
            nodes: DEMO_ORGS.slice(0, opts.orgs).map((o, i) => ({
              org: o.id,
              home: path.join(dir, o.id),
              port: opts.basePort + i,
              url: `http://127.0.0.1:${opts.basePort + i}`,
            })),
          };
        } else {
          layout = JSON.parse(await readFile(file, 'utf8')) as ClusterFile;
        }
        process.stderr.write(`Starting 3 etcd members (ports ${layout.etcdBasePort}–${layout.etcdBasePort + 2})…\n`);
        const etcd = await EtcdCluster.start({ dir: path.join(dir, 'etcd'), basePort: layout.etcdBasePort });
        if (fresh) {
          process.stderr.write(`Creating the consortium (${layout.orgs} departments) in ${dir}…\n`);
          await initCluster({
            dir,
            nodeOrgs: layout.nodes.map((n) => n.org),
            basePort: layout.nodes[0]!.port,
            etcdEndpoints: etcd.endpoints,
            passphrase: pass,
            staff: demoStaff(DEMO_ORGS),
            scryptN: 2 ** opts.kdfCost,
            chainId: 'lianzheng-cluster',
            suite: 'ed25519-sha256',
            orgs: DEMO_ORGS,
            time: Date.now(),
          });
          await writeFile(file, `${JSON.stringify(layout, null, 2)}\n`);
        }
        const children: ChildProcess[] = [];
        let stopping = false;
        const stopAll = async (code: number) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write('\nStopping the nodes and etcd…\n');
          await Promise.all(
            children.map(
              (c) =>
                new Promise<void>((resolve) => {
                  if (c.exitCode !== null || c.signalCode !== null) return resolve();
                  c.once('exit', () => resolve());
                  c.kill('SIGTERM');
                }),
            ),
          );
          await etcd.stop();
          process.stderr.write('Stopped.\n');
          process.exit(code);
        };
        process.on('SIGINT', () => void stopAll(0));
        process.on('SIGTERM', () => void stopAll(0));
        const env = { ...process.env, LIANZHENG_PASSPHRASE: pass };
        for (const [i, n] of layout.nodes.entries()) {
          const args = [process.argv[1]!, '--home', n.home, 'start', '--log-level', 'warn'];
          if (i === 0) args.push('--seed-demo');
          const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
          children.push(child);
          child.once('exit', (code, signal) => {
            if (!stopping) {
              process.stderr.write(`node ${n.org} stopped unexpectedly (${code ?? signal}); stopping the cluster\n`);
              void stopAll(1);
            }
          });
        }
        try {
          await Promise.all(layout.nodes.map((n, i) => waitHealthy(n.url, children[i]!, 120_000)));
        } catch (error) {
          process.stderr.write(`${(error as Error).message}\n`);
          await stopAll(1);
          return;
        }
        print(
          g,
          [
            `链政 Lianzheng — local consortium running (etcd ordering, ${layout.nodes.length} nodes, 3 etcd members)`,
            ...layout.nodes.map((n) => `  ${n.org.padEnd(12)} ${n.url}   (health ${n.url}/health)`),
            `  etcd        ${etcd.endpoints.join(' ')}`,
            `  data        ${dir}`,
            '  Ctrl-C stops every process cleanly; run the same command again to resume.',
          ].join('\n'),
          { dir, nodes: layout.nodes, etcd: etcd.endpoints },
        );
        await new Promise(() => undefined);
      },
    );
}

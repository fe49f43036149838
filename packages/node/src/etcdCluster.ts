import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { nodeError } from './errors.js';

/**
 * Local etcd members on loopback ports (the Debian `etcd-server` binary) for `lianzheng cluster up`, the multi-node
 * tests and the benchmark. Production clusters are run by operators; this only starts processes on one machine.
 */
export interface EtcdClusterOptions {
  /** Directory for the members' data and logs. */
  readonly dir: string;
  readonly members: number;
  /** First port; members use base, base+1, … for clients and base+100, … for peers. 0: free ports. */
  readonly basePort: number;
  readonly binary: string;
  /** Revisions of history etcd keeps (auto-compaction); nodes further behind catch up from peers. */
  readonly compactionRetention: number;
}

export const defaultEtcdClusterOptions = { members: 3, basePort: 0, binary: 'etcd', compactionRetention: 100_000 };

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  process: ChildProcess | null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The first of `count` consecutive free loopback ports, below Linux's ephemeral range (32768–60999). A process
 * restarted on its port — a node or an etcd member in the fault tests, a demo cluster restarted by hand — would
 * otherwise find it taken meanwhile by the local end of some outgoing connection (EADDRINUSE).
 */
export async function freePortBlock(
  count: number,
  range: readonly [number, number] = [20_000, 32_000],
): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomInt(range[0], range[1] - count);
    const held: Server[] = [];
    try {
      for (let p = base; p < base + count; p++) held.push(await listenOn(p));
      return base;
    } catch {
      // one of them is taken: try another block
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
  }
  throw nodeError('ORDERING_UNAVAILABLE', `no ${count} consecutive free ports in ${range[0]}–${range[1]}`);
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export class EtcdCluster {
  private readonly opts: EtcdClusterOptions;
  private readonly members: Member[];
  private readonly initialCluster: string;
  private readonly token: string;

  private constructor(opts: EtcdClusterOptions, members: Member[]) {
    this.opts = opts;
    this.members = members;
    this.initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    this.token = `lianzheng-${randomBytes(6).toString('hex')}`;
  }

  /** Starts the members and waits until the cluster has a leader and answers. */
  static async start(options: Partial<EtcdClusterOptions> & { readonly dir: string }): Promise<EtcdCluster> {
    const opts: EtcdClusterOptions = { ...defaultEtcdClusterOptions, ...options };
    mkdirSync(opts.dir, { recursive: true });
    const members: Member[] = [];
    // Free ports: one block, clients first, then peers.
    const free = opts.basePort === 0 ? await freePortBlock(2 * opts.members) : 0;
    for (let i = 0; i < opts.members; i++) {
      const client = opts.basePort === 0 ? free + i : opts.basePort + i;
      const peer = opts.basePort === 0 ? free + opts.members + i : opts.basePort + 100 + i;
      members.push({
        name: `etcd${i}`,
        clientUrl: `http://127.0.0.1:${client}`,
        peerUrl: `http://127.0.0.1:${peer}`,
        dataDir: path.join(opts.dir, `etcd${i}`),
        logFile: path.join(opts.dir, `etcd${i}.log`),
        process: null,
      });
    }
    const cluster = new EtcdCluster(opts, members);
    for (let i = 0; i < members.length; i++) cluster.startMember(i);
    await cluster.waitHealthy(30_000);
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  get size(): number {
    return this.members.length;
  }

  /** Process ids of the running members. */
  pids(): number[] {
    return this.members.flatMap((m) => (m.process?.pid === undefined ? [] : [m.process.pid]));
  }

  isRunning(i: number): boolean {
    return this.members[i]?.process !== null;
  }

  /** Starts (or restarts, with its data) member `i`. */
  startMember(i: number): void {
    const m = this.members[i]!;
    if (m.process !== null) return;
    const log = openSync(m.logFile, 'a');
    const child = spawn(
      this.opts.binary,
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${this.initialCluster}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=${this.token}`,
        '--heartbeat-interval=100',
        '--election-timeout=1000',
        '--auto-compaction-mode=revision',
        `--auto-compaction-retention=${this.opts.compactionRetention}`,
        '--logger=zap',
        '--log-outputs=stderr',
        '--log-level=warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    child.on('error', () => undefined);
    m.process = child;
    child.once('exit', () => {
      if (m.process === child) m.process = null;
    });
  }

  private async signal(i: number, signal: NodeJS.Signals): Promise<void> {
    const child = this.members[i]?.process;
    if (child === null || child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.members[i]!.process = null;
  }

  /** SIGKILL of member `i` (a crash). */
  kill(i: number): Promise<void> {
    return this.signal(i, 'SIGKILL');
  }

  /** Clean stop of member `i`. */
  stopMember(i: number): Promise<void> {
    return this.signal(i, 'SIGTERM');
  }

  /** Status of member `i` (`leader` is the leader's member id), or null when it does not answer. */
  async status(i: number): Promise<{ memberId: string; leader: string; revision: number } | null> {
    try {
      const r = await fetch(`${this.members[i]!.clientUrl}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(2_000),
      });
      if (!r.ok) return null;
      const s = (await r.json()) as { header?: { member_id?: string; revision?: string }; leader?: string };
      return {
        memberId: s.header?.member_id ?? '',
        leader: s.leader ?? '',
        revision: Number(s.header?.revision ?? 0),
      };
    } catch {
      return null;
    }
  }

  /** Index of the current leader, or -1 when no running member knows one. */
  async leader(): Promise<number> {
    const statuses = await Promise.all(this.members.map((_, i) => this.status(i)));
    for (const s of statuses) {
      if (s === null || s.leader === '' || s.leader === '0') continue;
      const index = statuses.findIndex((x) => x?.memberId === s.leader);
      if (index >= 0) return index;
    }
    return -1;
  }

  /** Waits until a leader is elected and every running member answers. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const running = this.members.map((m, i) => (m.process === null ? -1 : i)).filter((i) => i >= 0);
      const statuses = await Promise.all(running.map((i) => this.status(i)));
      if (statuses.every((s) => s !== null && s.leader !== '' && s.leader !== '0') && (await this.leader()) >= 0) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw nodeError('ORDERING_UNAVAILABLE', `etcd cluster in ${this.opts.dir} did not become healthy`, {
      logs: this.members.map((m) => m.logFile),
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.stopMember(i)));
  }
}

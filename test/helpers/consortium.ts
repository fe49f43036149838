import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEMO_ORGS,
  demoStaff,
  EtcdCluster,
  freePortBlock,
  generateKeyPair,
  initCluster,
  saveKeyFile,
} from '@lianzheng/node';
import type { BlockHeader, Genesis } from '@lianzheng/protocol';
import {
  childEnv,
  E2E_PASSPHRASE,
  freePort,
  getJson,
  loadSigners,
  type NodeHandle,
  type Signer,
  signed,
  startNode,
} from './nodeProcess.js';
import { TcpProxy } from './tcpProxy.js';

export interface ConsortiumNode {
  readonly index: number;
  readonly org: string;
  readonly home: string;
  readonly port: number;
  readonly url: string;
  handle: NodeHandle | null;
  /** Proxies in front of etcd and the peers (only for the node that can be partitioned). */
  readonly proxies: TcpProxy[];
}

/** A real consortium on loopback: a 3-member etcd cluster and one node process per organisation. */
export class Consortium {
  readonly etcd: EtcdCluster;
  readonly nodes: ConsortiumNode[];
  readonly genesis: Genesis;
  readonly signers: Signer[];
  readonly dir: string;

  private constructor(init: {
    etcd: EtcdCluster;
    nodes: ConsortiumNode[];
    genesis: Genesis;
    signers: Signer[];
    dir: string;
  }) {
    this.etcd = init.etcd;
    this.nodes = init.nodes;
    this.genesis = init.genesis;
    this.signers = init.signers;
    this.dir = init.dir;
  }

  /**
   * `partitionable`: index of a node whose every connection (etcd members, peers) goes through a {@link TcpProxy},
   * so the test can cut it off the network.
   */
  static async start(
    dir: string,
    opts: { orgs: number; partitionable?: number; suite?: 'ed25519-sha256' | 'sm2-sm3' },
  ): Promise<Consortium> {
    const etcd = await EtcdCluster.start({ dir: path.join(dir, 'etcd') });
    const base = await freePortBlock(opts.orgs);
    const nodeOrgs = DEMO_ORGS.slice(0, opts.orgs).map((o) => o.id);
    const init = await initCluster({
      dir,
      nodeOrgs,
      basePort: base,
      etcdEndpoints: etcd.endpoints,
      passphrase: E2E_PASSPHRASE,
      staff: demoStaff(DEMO_ORGS),
      scryptN: 2 ** 12,
      chainId: 'consortium-test',
      suite: opts.suite ?? 'ed25519-sha256',
      orgs: DEMO_ORGS,
      time: Date.now(),
    });
    const nodes: ConsortiumNode[] = [];
    for (const [index, n] of init.nodes.entries()) {
      const proxies: TcpProxy[] = [];
      if (index === opts.partitionable) {
        const file = path.join(n.home, 'node.json');
        const config = JSON.parse(readFileSync(file, 'utf8')) as { etcd: { endpoints: string[] }; peers: string[] };
        const via = async (url: string) => {
          const proxy = await TcpProxy.start(Number(new URL(url).port));
          proxies.push(proxy);
          return proxy.url;
        };
        config.etcd.endpoints = await Promise.all(config.etcd.endpoints.map(via));
        config.peers = await Promise.all(config.peers.map(via));
        writeFileSync(file, JSON.stringify(config, null, 2));
      }
      nodes.push({ index, org: n.org, home: n.home, port: n.port, url: n.url, handle: null, proxies });
    }
    const { genesis, signers } = await loadSigners(init.nodes[0]!.home);
    const c = new Consortium({ etcd, nodes, genesis, signers, dir });
    await Promise.all(nodes.map((n) => c.startNode(n.index)));
    return c;
  }

  /**
   * A node home for organisation `org` that genesis does not list (a department joining after a governance vote):
   * genesis, a new node key, node.json with the etcd endpoints and every other node as a peer. Returns its index and
   * public key (hex); start it with {@link startNode} once the vote has passed.
   */
  async addNode(org: string): Promise<{ index: number; publicKey: string }> {
    const home = path.join(this.dir, org);
    mkdirSync(path.join(home, 'keys'), { recursive: true });
    copyFileSync(path.join(this.nodes[0]!.home, 'genesis.json'), path.join(home, 'genesis.json'));
    const nodeId = `${org}-node`;
    const key = generateKeyPair(this.genesis.suite, nodeId, org);
    await saveKeyFile(path.join(home, 'keys', `${nodeId}.key.json`), key, 'node', E2E_PASSPHRASE, { scryptN: 2 ** 12 });
    const port = await freePort();
    const config = {
      nodeId,
      org,
      keyFile: `keys/${nodeId}.key.json`,
      listen: { host: '127.0.0.1', port },
      etcd: { endpoints: this.etcd.endpoints },
      peers: this.nodes.map((n) => n.url),
    };
    writeFileSync(path.join(home, 'node.json'), JSON.stringify(config, null, 2));
    const index = this.nodes.length;
    this.nodes.push({ index, org, home, port, url: `http://127.0.0.1:${port}`, handle: null, proxies: [] });
    return { index, publicKey: Buffer.from(key.publicKey).toString('hex') };
  }

  async startNode(i: number, env: NodeJS.ProcessEnv = childEnv): Promise<number> {
    const n = this.nodes[i]!;
    const started = performance.now();
    n.handle = await startNode(n.home, n.port, [], env);
    return performance.now() - started;
  }

  async killNode(i: number): Promise<void> {
    await this.nodes[i]!.handle?.kill();
    this.nodes[i]!.handle = null;
  }

  running(): ConsortiumNode[] {
    return this.nodes.filter((n) => n.handle !== null);
  }

  partition(i: number): void {
    for (const p of this.nodes[i]!.proxies) p.partition();
  }

  heal(i: number): void {
    for (const p of this.nodes[i]!.proxies) p.heal();
  }

  async health(i: number): Promise<Health> {
    return (await getJson(`${this.nodes[i]!.url}/health`)).json as Health;
  }

  async header(i: number, height: number): Promise<{ header: BlockHeader; hash: string } | null> {
    const r = await getJson(`${this.nodes[i]!.url}/v1/blocks/${height}`);
    return r.status === 200 ? (r.json as { header: BlockHeader; hash: string }) : null;
  }

  /** Waits until every node in `which` has at least `height` durable blocks. */
  async waitHeight(which: readonly number[], height: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const heights = await Promise.all(
        which.map((i) =>
          this.health(i)
            .then((h) => h.height)
            .catch(() => -1),
        ),
      );
      if (heights.every((h) => h >= height)) return;
      if (Date.now() > deadline) throw new Error(`nodes ${which} did not reach height ${height}: at ${heights}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.handle?.stop()));
    for (const n of this.nodes) for (const p of n.proxies) await p.close();
    await this.etcd.stop();
  }
}

export interface Health {
  readonly status: string;
  readonly height: number;
  readonly ordering: {
    readonly type: string;
    readonly status: string;
    readonly certifiedHeight: number;
    readonly alarm: { height: number } | null;
    readonly divergentNodes: Record<string, number>;
    readonly peerHeights: Record<string, number>;
  };
}

/** One acknowledged transaction: the node answered 200 committed at this place. */
export interface Ack {
  readonly id: string;
  readonly height: number;
  readonly index: number;
  /** The index of the node that acknowledged it. */
  readonly node: number;
}

/**
 * Steady load: `concurrency` clients each sign a kv.put and post it with wait=true to a random running node; every
 * `duplicateEvery`-th transaction is also posted to a second node at the same time (a retrying client). Records what
 * was acknowledged as committed.
 */
export class Load {
  readonly acks: Ack[] = [];
  readonly submitted = new Set<string>();
  errors = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;
  private readonly c: Consortium;
  /** Time of each acknowledgement (ms, performance.now()). */
  readonly ackTimes: number[] = [];

  constructor(c: Consortium) {
    this.c = c;
  }

  start(concurrency: number, duplicateEvery = 10): void {
    this.running = true;
    for (let w = 0; w < concurrency; w++) this.loops.push(this.loop(w, duplicateEvery));
  }

  private async loop(w: number, duplicateEvery: number): Promise<void> {
    while (this.running) {
      const n = this.seq++;
      const signer = this.c.signers[n % this.c.signers.length]!;
      const tx = signed(this.c.genesis, signer, 'kv', 'put', { key: `load-${w}-${n}`, value: n });
      const targets = this.c.running();
      if (targets.length === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const first = targets[Math.floor(Math.random() * targets.length)]!;
      const posts = [first];
      if (n % duplicateEvery === 0 && targets.length > 1) posts.push(targets.find((t) => t !== first)!);
      const body = JSON.stringify(tx);
      await Promise.all(
        posts.map(async (t) => {
          try {
            const r = await fetch(`${t.url}/v1/transactions?wait=true&timeoutMs=10000`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
              signal: AbortSignal.timeout(15_000),
            });
            const j = (await r.json()) as { id?: string; status?: string; height?: number; index?: number };
            if (j.id !== undefined) this.submitted.add(j.id);
            if (r.status === 200 && j.status === 'committed') {
              this.acks.push({ id: j.id!, height: j.height!, index: j.index!, node: t.index });
              this.ackTimes.push(performance.now());
            }
          } catch {
            this.errors++;
          }
        }),
      );
    }
  }

  /** Resolves at the next acknowledgement after now; the time it took (ms). */
  async nextAck(timeoutMs = 60_000): Promise<number> {
    const start = performance.now();
    const count = this.acks.length;
    while (this.acks.length === count) {
      if (performance.now() - start > timeoutMs) throw new Error(`no acknowledgement within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - start;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }
}

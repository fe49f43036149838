import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Genesis, ISSUER_ROLE } from '@lianzheng/protocol';
import { HOME_FILES, type InitHomeParameters, initHome, type NodeConfig } from './home.js';

export interface InitClusterParameters
  extends Omit<InitHomeParameters, 'home' | 'nodeOrgs' | 'port' | 'ordering' | 'etcd' | 'peers'> {
  /** One sub-directory per node is created here, named after its organisation. */
  readonly dir: string;
  /** Organisations that run a node, in order; each gets a node home. */
  readonly nodeOrgs: readonly string[];
  /** API port of the first node; the others follow (base, base+1, …). */
  readonly basePort: number;
  readonly host?: string;
  readonly etcdEndpoints: readonly string[];
}

export interface ClusterNodeHome {
  readonly org: string;
  readonly nodeId: string;
  readonly home: string;
  readonly port: number;
  readonly url: string;
}

/**
 * A consortium of several nodes on one machine (etcd ordering): genesis lists one node per organisation of
 * `nodeOrgs`, and each node gets a home of its own with genesis, its node key and node.json (etcd endpoints, the
 * other nodes as peers). The first home also keeps every CA and staff key — the demo's shortcut, as with
 * `lianzheng init`; in a real consortium each department keeps its own.
 */
export async function initCluster(
  p: InitClusterParameters,
): Promise<{ genesis: Genesis; nodes: ClusterNodeHome[]; keyFiles: readonly string[] }> {
  const host = p.host ?? '127.0.0.1';
  const nodes: ClusterNodeHome[] = p.nodeOrgs.map((org, i) => ({
    org,
    nodeId: `${org}-node`,
    home: path.join(p.dir, org),
    port: p.basePort + i,
    url: `http://${host}:${p.basePort + i}`,
  }));
  const etcd = { endpoints: [...p.etcdEndpoints] };
  const peersOf = (n: ClusterNodeHome) => nodes.filter((x) => x !== n).map((x) => x.url);
  const first = nodes[0]!;
  const result = await initHome({
    ...p,
    home: first.home,
    nodeOrgs: p.nodeOrgs,
    port: first.port,
    ordering: 'etcd',
    etcd,
    peers: peersOf(first),
  });
  for (const n of nodes.slice(1)) {
    await mkdir(path.join(n.home, HOME_FILES.keys), { recursive: true, mode: 0o700 });
    await copyFile(path.join(first.home, HOME_FILES.genesis), path.join(n.home, HOME_FILES.genesis));
    const keyFile = path.join(HOME_FILES.keys, `${n.nodeId}.key.json`);
    await copyFile(path.join(first.home, keyFile), path.join(n.home, keyFile));
    // The department's seal stays with its own node.
    const seals = (p.staff ?? [])
      .filter((s) => s.org === n.org && s.roles.includes(ISSUER_ROLE))
      .map((s) => path.join(HOME_FILES.keys, `${s.id}.key.json`));
    for (const f of seals) await copyFile(path.join(first.home, f), path.join(n.home, f));
    const config: NodeConfig = {
      nodeId: n.nodeId,
      org: n.org,
      keyFile,
      listen: { host, port: n.port },
      ...(seals.length === 0 ? {} : { seals }),
      etcd,
      peers: peersOf(n),
    };
    await writeFile(path.join(n.home, HOME_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  }
  return { genesis: result.genesis, nodes, keyFiles: result.keyFiles };
}

import { adminStaff, DEMO_ORGS, demoStaff, initHome, type OrgSpec } from '@lianzheng/node';
import { isSuiteId, ORG_ID_PATTERN } from '@lianzheng/protocol';
import type { Command } from 'commander';
import { type GlobalOptions, passphrase, print, resolveHome, usage } from '../context.js';

function parseOrg(spec: string): OrgSpec {
  const [id, name, nameEn] = spec.split(':');
  if (id === undefined || !ORG_ID_PATTERN.test(id) || name === undefined || name.length === 0) {
    usage(`--org ${spec}: expected <id>:<name>[:<English name>], id like "market"`);
  }
  return nameEn === undefined ? { id, name } : { id, name, nameEn };
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a new chain: genesis (chain id, crypto suite, organisations and their keys) and node settings')
    .option('--chain-id <id>', 'chain id', 'lianzheng-demo')
    .option('--suite <suite>', 'crypto suite: ed25519-sha256 or sm2-sm3', 'ed25519-sha256')
    .option('--demo', 'use the five demo departments of the fictional city')
    .option(
      '--org <id:name[:nameEn]>',
      'a member organisation (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--node-orgs <ids>', 'comma-separated organisations that run an attesting node (first = this node)')
    .option('--port <port>', 'API port of this node', (v) => Number.parseInt(v, 10), 7070)
    .option(
      '--cert-days <days>',
      'validity of staff and node certificates (CA roots: 10×)',
      (v) => Number.parseInt(v, 10),
      365,
    )
    .option('--kdf-cost <log2N>', 'scrypt cost of the key files, log2 N (12–20)', (v) => Number.parseInt(v, 10), 15)
    .action(
      async (
        opts: {
          chainId: string;
          suite: string;
          demo?: boolean;
          org: string[];
          nodeOrgs?: string;
          port: number;
          certDays: number;
          kdfCost: number;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!isSuiteId(opts.suite)) usage('--suite must be ed25519-sha256 or sm2-sm3');
        const orgs = opts.demo ? DEMO_ORGS : opts.org.map(parseOrg);
        if (orgs.length === 0) usage('name the member organisations with --org <id>:<name>, or use --demo');
        if (!Number.isInteger(opts.kdfCost) || opts.kdfCost < 12 || opts.kdfCost > 20)
          usage('--kdf-cost must be 12–20');
        if (!Number.isInteger(opts.certDays) || opts.certDays < 1 || opts.certDays > 3650) {
          usage('--cert-days must be 1–3650');
        }
        const home = resolveHome(g.home);
        const result = await initHome({
          passphrase: await passphrase(g, 'New passphrase for the key files', true),
          staff: opts.demo ? demoStaff(orgs) : adminStaff(orgs),
          scryptN: 2 ** opts.kdfCost,
          certDays: opts.certDays,
          home,
          chainId: opts.chainId,
          suite: opts.suite,
          orgs,
          ...(opts.nodeOrgs === undefined ? {} : { nodeOrgs: opts.nodeOrgs.split(',') }),
          time: Date.now(),
          port: opts.port,
        });
        print(
          g,
          [
            `Created chain ${result.genesis.chainId} (${result.genesis.suite}) in ${home}`,
            ...result.genesis.orgs.map(
              (o) => `  ${o.id.padEnd(12)} ${o.name}${o.nodes.length > 0 ? '  (runs a node)' : ''}`,
            ),
            `Staff enrolled at genesis: ${result.genesis.members.length} (certificates in ${home}/certs)`,
            `Keys: ${result.keyFiles.length} encrypted files in ${home}/keys and ${home}/ca (mode 0600)`,
            `Start it with: npx lianzheng start --home ${home}`,
          ].join('\n'),
          { home, genesis: result.genesis, keyFiles: result.keyFiles },
        );
      },
    );
}

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assertGenesis,
  bytesToHex,
  canonicalize,
  defaultGenesisParameters,
  type Genesis,
  hexToBytes,
  isSuiteId,
  KEY_ID_PATTERN,
  ORG_ID_PATTERN,
  parseJsonStrict,
  type SuiteId,
} from '@lianzheng/protocol';
import { z } from 'zod';
import { nodeError } from './errors.js';
import { nativeSuite } from './nativeSuite.js';

/**
 * A node's home directory:
 *   genesis.json        the chain's genesis document (identical on every node)
 *   node.json           this node's local settings (NodeConfig)
 *   keys/<id>.key.json  key files (mode 0600)
 *   db/                 LMDB storage
 */
export const HOME_FILES = { genesis: 'genesis.json', config: 'node.json', keys: 'keys', db: 'db' } as const;

export interface KeyFile {
  readonly type: 'lianzheng-key';
  readonly v: 1;
  readonly suite: SuiteId;
  readonly id: string;
  readonly org: string;
  readonly role: 'member' | 'node';
  readonly publicKey: string;
  readonly secretKey: string;
}

export interface KeyPair {
  readonly id: string;
  readonly org: string;
  readonly suite: SuiteId;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function generateKeyPair(suite: SuiteId, id: string, org: string): KeyPair {
  const s = nativeSuite(suite);
  const secretKey = s.randomSecretKey();
  return { id, org, suite, publicKey: s.publicKeyFromSecret(secretKey), secretKey };
}

export async function saveKeyFile(file: string, key: KeyPair, role: KeyFile['role']): Promise<void> {
  const content: KeyFile = {
    type: 'lianzheng-key',
    v: 1,
    suite: key.suite,
    id: key.id,
    org: key.org,
    role,
    publicKey: bytesToHex(key.publicKey),
    secretKey: bytesToHex(key.secretKey),
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function loadKeyFile(file: string): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw nodeError('KEY_FILE_INVALID', `cannot read key file ${file}`, { file }, cause);
  }
  try {
    const k = parseJsonStrict(text) as unknown as KeyFile;
    if (k.type !== 'lianzheng-key' || k.v !== 1 || !isSuiteId(k.suite)) throw new Error('not a key file');
    const suite = nativeSuite(k.suite);
    const secretKey = hexToBytes(k.secretKey, 'secretKey', 32);
    const publicKey = suite.publicKeyFromSecret(secretKey);
    if (bytesToHex(publicKey) !== k.publicKey) throw new Error('public key does not match the secret key');
    return { id: k.id, org: k.org, suite: k.suite, publicKey, secretKey };
  } catch (cause) {
    // Never echo the file content: it holds a secret key.
    throw nodeError('KEY_FILE_INVALID', `${file} is not a valid key file`, { file }, cause);
  }
}

export const nodeConfigSchema = z
  .object({
    nodeId: z.string().regex(KEY_ID_PATTERN),
    org: z.string().regex(ORG_ID_PATTERN),
    keyFile: z.string().min(1),
    listen: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(7070) })
      .default({ host: '127.0.0.1', port: 7070 }),
    workers: z.number().int().min(1).max(64).optional(),
    mempoolMaxTxs: z.number().int().min(1).optional(),
    maxBatchTxs: z.number().int().min(1).max(10_000).optional(),
    verifyRecentBlocks: z.number().int().min(0).optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  })
  .strict();

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export async function loadNodeConfig(home: string): Promise<NodeConfig> {
  const file = path.join(home, HOME_FILES.config);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw nodeError('CONFIG_INVALID', `cannot read ${file}`, { field: file }, cause);
  }
  const parsed = nodeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw nodeError('CONFIG_INVALID', `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), {
      field: issue?.path.join('.'),
    });
  }
  return parsed.data;
}

export async function loadGenesis(home: string, name: string = HOME_FILES.genesis): Promise<Genesis> {
  const file = path.join(home, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw nodeError('STORE_EMPTY', `no genesis at ${file}: run \`lianzheng init\` first`, { file }, cause);
  }
  return assertGenesis(parseJsonStrict(text));
}

export interface OrgSpec {
  readonly id: string;
  readonly name: string;
  readonly nameEn?: string;
}

/** The demo consortium of a fictional city (DESIGN.md §1). */
export const DEMO_ORGS: readonly OrgSpec[] = [
  { id: 'market', name: '市场监督管理局', nameEn: 'Market Regulation Bureau' },
  { id: 'realestate', name: '不动产登记中心', nameEn: 'Real Estate Registration Centre' },
  { id: 'police', name: '公安局', nameEn: 'Public Security Bureau' },
  { id: 'health', name: '卫生健康委员会', nameEn: 'Health Commission' },
  { id: 'finance', name: '财政局', nameEn: 'Finance Bureau' },
];

export interface InitHomeParameters {
  readonly home: string;
  readonly chainId: string;
  readonly suite: SuiteId;
  readonly orgs: readonly OrgSpec[];
  /** Organisations that run an attesting node; the first one is this node's. Default: the first organisation. */
  readonly nodeOrgs?: readonly string[];
  readonly time: number;
  readonly port?: number;
}

export interface InitHomeResult {
  readonly genesis: Genesis;
  readonly config: NodeConfig;
  readonly keyFiles: readonly string[];
}

/** `lianzheng init`: keys for every organisation (a member key, and a node key where it runs a node), genesis, config. */
export async function initHome(p: InitHomeParameters): Promise<InitHomeResult> {
  if (existsSync(path.join(p.home, HOME_FILES.genesis))) {
    throw nodeError('CONFIG_INVALID', `${p.home} already holds a chain (genesis.json exists)`, { field: 'home' });
  }
  const nodeOrgs = p.nodeOrgs ?? [p.orgs[0]?.id ?? ''];
  const keyDir = path.join(p.home, HOME_FILES.keys);
  const keyFiles: string[] = [];
  const orgs = [];
  for (const org of p.orgs) {
    const member = generateKeyPair(p.suite, `${org.id}-admin`, org.id);
    const memberFile = path.join(keyDir, `${member.id}.key.json`);
    await saveKeyFile(memberFile, member, 'member');
    keyFiles.push(memberFile);
    const nodes = [];
    if (nodeOrgs.includes(org.id)) {
      const node = generateKeyPair(p.suite, `${org.id}-node`, org.id);
      const nodeFile = path.join(keyDir, `${node.id}.key.json`);
      await saveKeyFile(nodeFile, node, 'node');
      keyFiles.push(nodeFile);
      nodes.push({ id: node.id, publicKey: bytesToHex(node.publicKey) });
    }
    orgs.push({
      id: org.id,
      name: org.name,
      ...(org.nameEn === undefined ? {} : { nameEn: org.nameEn }),
      keys: [{ id: member.id, publicKey: bytesToHex(member.publicKey) }],
      nodes,
    });
  }
  const genesis = assertGenesis({
    v: 1,
    chainId: p.chainId,
    suite: p.suite,
    time: p.time,
    orgs,
    ordering: { ...defaultGenesisParameters.ordering },
    limits: { ...defaultGenesisParameters.limits },
    checkpoint: { quorum: { ...defaultGenesisParameters.checkpoint.quorum } },
  });
  await writeFile(
    path.join(p.home, HOME_FILES.genesis),
    `${JSON.stringify(JSON.parse(canonicalize(genesis)), null, 2)}\n`,
  );
  const host = nodeOrgs[0]!;
  const config: NodeConfig = {
    nodeId: `${host}-node`,
    org: host,
    keyFile: path.join(HOME_FILES.keys, `${host}-node.key.json`),
    listen: { host: '127.0.0.1', port: p.port ?? 7070 },
  };
  await writeFile(path.join(p.home, HOME_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  return { genesis, config, keyFiles };
}

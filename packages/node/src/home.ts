import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assertGenesis,
  bytesToHex,
  canonicalize,
  defaultConfigParameters,
  defaultPolicies,
  type Genesis,
  ISSUER_ROLE,
  KEY_ID_PATTERN,
  type MemberExtension,
  ORG_ID_PATTERN,
  parseJsonStrict,
  type SuiteId,
} from '@lianzheng/protocol';
import { z } from 'zod';
import { createCa, issueFromCa, readCertificate, writeCertificate } from './ca.js';
import { nodeError } from './errors.js';
import { type KeyFileOptions, openKeyFile, writeKeyFile } from './keystore.js';
import { nativeSuite } from './nativeSuite.js';

/**
 * A node's home directory:
 *   genesis.json        the chain's genesis document (identical on every node)
 *   node.json           this node's local settings (NodeConfig)
 *   keys/<id>.key.json  encrypted key files (mode 0600): staff, node
 *   certs/<id>.pem      their X.509 certificates
 *   ca/<org>.key.json   an organisation's encrypted CA key; ca/<org>.pem its root certificate
 *   ca/<org>.issued.jsonl  the CA's issuance log (serial, subject, key, validity)
 *   db/                 LMDB storage
 */
export const HOME_FILES = {
  genesis: 'genesis.json',
  config: 'node.json',
  keys: 'keys',
  certs: 'certs',
  ca: 'ca',
  db: 'db',
  /** The encrypted private-data store (privateStore.ts). */
  private: 'private',
  /** Issued e-licences, sealed until their holders collect them (credentialIssuer.ts). */
  outbox: 'outbox',
} as const;

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

/** Encrypts a key pair into a key file (keystore.ts). */
export async function saveKeyFile(
  file: string,
  key: KeyPair,
  role: string,
  passphrase: string,
  opts: Partial<KeyFileOptions> = {},
): Promise<void> {
  await writeKeyFile(
    file,
    { id: key.id, org: key.org, role, suite: key.suite, secretKey: key.secretKey },
    passphrase,
    opts,
  );
}

/**
 * Opens a key file and exports its secret, for callers that sign synchronously (the CLI's transaction builder,
 * tests). Long-running processes keep the {@link KeyMaterial} signer instead.
 */
export async function loadKeyFile(file: string, passphrase: string): Promise<KeyPair> {
  const k = await openKeyFile(file, passphrase);
  return { id: k.id, org: k.org, suite: k.suite, publicKey: k.publicKey, secretKey: k.exportSecretKey() };
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
    /** etcd ordering (genesis `ordering.type` = "etcd"): the etcd cluster's client URLs and this chain's key prefix. */
    etcd: z
      .object({
        endpoints: z.array(z.string().url()).min(1).max(16),
        prefix: z
          .string()
          .regex(/^\/[\x21-\x7e]{1,200}$/)
          .optional(),
      })
      .strict()
      .optional(),
    /** The other nodes' API base URLs (catching up past compacted etcd history, joining). */
    peers: z.array(z.string().url()).max(64).optional(),
    /**
     * Key files of the departments' seals (电子印章, role `issuer`) this node signs e-licences with, relative to the
     * home; each opens with the node passphrase (ADR 0015).
     */
    seals: z.array(z.string().min(1)).max(64).optional(),
    /** Sign-in limits per client address (auth.ts defaults: 30 challenges a minute). */
    signIn: z
      .object({ challengesPerMinute: z.number().int().min(1).max(100_000).optional() })
      .strict()
      .optional(),
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
  return assertGenesis(parseJsonStrict(text), nativeSuite);
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

/** A staff member (or any member certificate holder) created with the chain. */
export interface StaffSpec {
  /** Member id: certificate CN and key id, e.g. `market-caseworker`. */
  readonly id: string;
  readonly org: string;
  readonly roles: readonly string[];
  readonly attrs?: Readonly<Record<string, string>>;
}

/** One administrator per organisation: the least a consortium needs to govern itself. */
export function adminStaff(orgs: readonly OrgSpec[]): StaffSpec[] {
  return orgs.map((o) => ({ id: `${o.id}-admin`, org: o.id, roles: ['admin'] }));
}

/**
 * The demo staff of each department: an administrator; the 等保 three-role split (system, security and audit
 * administrator, one person each); a caseworker (窗口受理); and, where the department keeps a register (market:
 * enterprises, police: households), a registrar who registers citizens and enterprises after a real-name check.
 */
export function demoStaff(orgs: readonly OrgSpec[]): StaffSpec[] {
  const registrars = new Set(['market', 'police']);
  return orgs.flatMap((o) => [
    { id: `${o.id}-admin`, org: o.id, roles: ['admin'] },
    { id: `${o.id}-sysadmin`, org: o.id, roles: ['sysadmin', 'operator'] },
    { id: `${o.id}-secadmin`, org: o.id, roles: ['secadmin'] },
    { id: `${o.id}-auditor`, org: o.id, roles: ['auditor'] },
    { id: `${o.id}-caseworker`, org: o.id, roles: ['caseworker'], attrs: { unit: 'service-window', region: 'city' } },
    ...(registrars.has(o.id)
      ? [{ id: `${o.id}-registrar`, org: o.id, roles: ['registrar'], attrs: { region: 'city' } }]
      : []),
    // For the workflow templates (packages/node/templates): department leaders (budget countersign), the police's
    // household officers of two bureaus (household migration, birth registration), a hospital clerk under the health
    // commission (birth declarations), the tax officer of the finance bureau (transfer tax clearance), the real-estate
    // centre's registrar.
    { id: `${o.id}-leader`, org: o.id, roles: ['leader'] },
    // The department's seal (电子印章): signs and anchors its e-licences (ADR 0015); its key stays on the node.
    { id: `${o.id}-seal`, org: o.id, roles: ['issuer'] },
    // The department's publisher (信息公开): publishes and withdraws its public records (docs/records.md).
    { id: `${o.id}-publisher`, org: o.id, roles: ['publisher'] },
    ...(o.id === 'police'
      ? [
          { id: 'police-east', org: o.id, roles: ['household-officer'], attrs: { bureau: 'east' } },
          { id: 'police-west', org: o.id, roles: ['household-officer'], attrs: { bureau: 'west' } },
        ]
      : []),
    ...(o.id === 'health'
      ? [{ id: 'health-hospital', org: o.id, roles: ['hospital'], attrs: { unit: 'maternity' } }]
      : []),
    ...(o.id === 'finance' ? [{ id: 'finance-tax', org: o.id, roles: ['tax-officer'] }] : []),
    ...(o.id === 'realestate' ? [{ id: 'realestate-registrar', org: o.id, roles: ['registrar'] }] : []),
  ]);
}

export interface InitHomeParameters {
  readonly home: string;
  readonly chainId: string;
  readonly suite: SuiteId;
  readonly orgs: readonly OrgSpec[];
  /** Organisations that run an attesting node; the first one is this node's. Default: the first organisation. */
  readonly nodeOrgs?: readonly string[];
  readonly time: number;
  readonly port?: number;
  /** Encrypts every key file created (CA, staff, node). */
  readonly passphrase: string;
  /** Member certificates enrolled at genesis. Default: one administrator per organisation. */
  readonly staff?: readonly StaffSpec[];
  /** scrypt cost of the key files (tests lower it). */
  readonly scryptN?: number;
  /** Validity of member and node certificates, days (default 365); CA roots get ten times as long. */
  readonly certDays?: number;
  /** Ordering of the chain (default solo; etcd for a consortium of several nodes, PROTOCOL.md §18). */
  readonly ordering?: 'solo' | 'etcd';
  /** This node's etcd settings and peers (etcd ordering). */
  readonly etcd?: NonNullable<NodeConfig['etcd']>;
  readonly peers?: readonly string[];
}

export interface InitHomeResult {
  readonly genesis: Genesis;
  readonly config: NodeConfig;
  readonly keyFiles: readonly string[];
}

/**
 * `lianzheng init`: for every organisation a CA (encrypted key in `ca/`, root in `ca/<org>.pem`), its staff's keys and
 * certificates, a node key and certificate where it runs a node; then genesis (with the staff as genesis members)
 * and this node's settings. In a real consortium every department runs `lianzheng ca init` itself and only the CA
 * roots and node keys are exchanged; one home holding every CA is the demo's shortcut.
 */
export async function initHome(p: InitHomeParameters): Promise<InitHomeResult> {
  if (existsSync(path.join(p.home, HOME_FILES.genesis))) {
    throw nodeError('CONFIG_INVALID', `${p.home} already holds a chain (genesis.json exists)`, { field: 'home' });
  }
  const nodeOrgs = p.nodeOrgs ?? [p.orgs[0]?.id ?? ''];
  const staff = p.staff ?? adminStaff(p.orgs);
  const keyOpts = p.scryptN === undefined ? {} : { scryptN: p.scryptN };
  const days = p.certDays ?? 365;
  const keyFiles: string[] = [];
  const members: string[] = [];
  const orgs = [];
  for (const org of p.orgs) {
    const ca = await createCa({
      home: p.home,
      suite: p.suite,
      org,
      time: p.time,
      days: days * 10,
      passphrase: p.passphrase,
      ...keyOpts,
    });
    keyFiles.push(ca.keyFile);
    const issue = async (id: string, role: string, member: MemberExtension): Promise<Uint8Array> => {
      const key = generateKeyPair(p.suite, id, org.id);
      const file = path.join(p.home, HOME_FILES.keys, `${id}.key.json`);
      await saveKeyFile(file, key, role, p.passphrase, keyOpts);
      keyFiles.push(file);
      const der = await issueFromCa(ca, { id, publicKey: key.publicKey, member, time: p.time, days });
      await writeCertificate(p.home, id, der);
      return key.publicKey;
    };
    for (const s of staff.filter((x) => x.org === org.id)) {
      await issue(s.id, 'member', { kind: 'member', roles: s.roles, attrs: s.attrs ?? {} });
      members.push(toBase64(await readCertificate(p.home, s.id)));
    }
    const nodes = [];
    if (nodeOrgs.includes(org.id)) {
      const id = `${org.id}-node`;
      const publicKey = await issue(id, 'node', { kind: 'node', roles: [], attrs: {} });
      nodes.push({ id, publicKey: bytesToHex(publicKey) });
    }
    orgs.push({
      id: org.id,
      name: org.name,
      ...(org.nameEn === undefined ? {} : { nameEn: org.nameEn }),
      ca: [toBase64(ca.der)],
      nodes,
      weight: 1,
    });
  }
  const genesis = assertGenesis({
    v: 2,
    chainId: p.chainId,
    suite: p.suite,
    time: p.time,
    orgs,
    roles: { exclusive: defaultConfigParameters.roles.exclusive.map((set) => [...set]) },
    policies: { ...defaultPolicies },
    governance: { ...defaultConfigParameters.governance },
    ordering: { ...defaultConfigParameters.ordering, type: p.ordering ?? 'solo' },
    limits: { ...defaultConfigParameters.limits },
    checkpoint: { quorum: { ...defaultConfigParameters.checkpoint.quorum } },
    members,
  });
  await writeFile(
    path.join(p.home, HOME_FILES.genesis),
    `${JSON.stringify(JSON.parse(canonicalize(genesis)), null, 2)}\n`,
  );
  const host = nodeOrgs[0]!;
  // A solo node serves every department, so it holds every seal; in a consortium each node holds its own.
  const sealed = (p.ordering ?? 'solo') === 'solo' ? p.orgs.map((o) => o.id) : [host];
  const seals = staff
    .filter((s) => s.roles.includes(ISSUER_ROLE) && sealed.includes(s.org))
    .map((s) => path.join(HOME_FILES.keys, `${s.id}.key.json`));
  const config: NodeConfig = {
    nodeId: `${host}-node`,
    org: host,
    keyFile: path.join(HOME_FILES.keys, `${host}-node.key.json`),
    ...(seals.length === 0 ? {} : { seals }),
    listen: { host: '127.0.0.1', port: p.port ?? 7070 },
    ...(p.etcd === undefined ? {} : { etcd: p.etcd }),
    ...(p.peers === undefined ? {} : { peers: [...p.peers] }),
  };
  await writeFile(path.join(p.home, HOME_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  return { genesis, config, keyFiles };
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

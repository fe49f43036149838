import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  generateKeyPair,
  HOME_FILES,
  type KeyPair,
  type LianzhengNode,
  loadKeyFile,
  nativeSuite,
  saveKeyFile,
  templateActions,
} from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  certificateFromBase64,
  commitPersonal,
  didKeyFromPublicKey,
  hexToBytes,
  type JsonObject,
  type JsonValue,
  parseCertificate,
  type RecordReader,
  randomBytes,
  type SignedTransaction,
  signTransaction,
  subjectIdFromTx,
  transactionId,
} from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';

/**
 * A little public history for a fresh demo chain: each department notarises a few fictional public documents and
 * publishes its service catalogue in `kv`. No personal data: titles are public document names.
 */
const DEMO_ACTIVITY: Record<string, { notarise: string[]; services: Record<string, JsonObject> }> = {
  market: {
    notarise: ['2026年第三季度企业登记统计公报', '市场主体登记办事指南（2026版）', '食品经营许可审查细则'],
    services: { 'business-licence': { name: '营业执照办理', nameEn: 'Business licence', days: 3 } },
  },
  realestate: {
    notarise: ['不动产登记收费标准公示', '2026年土地出让计划'],
    services: { 'real-estate-registration': { name: '不动产登记', nameEn: 'Real estate registration', days: 5 } },
  },
  police: {
    notarise: ['户籍业务办理须知', '户口迁移政策解读'],
    services: { 'household-migration': { name: '户口迁移', nameEn: 'Household migration', days: 10 } },
  },
  health: {
    notarise: ['出生医学证明管理办法', '2026年度公共卫生服务项目清单'],
    services: { 'birth-registration': { name: '出生登记', nameEn: 'Birth registration', days: 2 } },
  },
  finance: {
    notarise: ['2026年市级财政预算草案', '政府采购目录及限额标准'],
    services: { 'budget-approval': { name: '预算审批', nameEn: 'Budget approval', days: 15 } },
  },
};

/** Demo citizens and enterprises: pseudonymous keys only; who they are is known to the registrar, off chain. */
const DEMO_SUBJECTS: readonly { id: string; kind: 'citizen' | 'enterprise'; registrar: string }[] = [
  { id: 'citizen-1', kind: 'citizen', registrar: 'police-registrar' },
  { id: 'citizen-2', kind: 'citizen', registrar: 'police-registrar' },
  { id: 'citizen-3', kind: 'citizen', registrar: 'police-registrar' },
  { id: 'enterprise-1', kind: 'enterprise', registrar: 'market-registrar' },
  { id: 'enterprise-2', kind: 'enterprise', registrar: 'market-registrar' },
];

/**
 * Fictional personal data of the demo citizens and enterprises, registered as personal records: the values go
 * encrypted into the node's private-data store, only their commitments on chain (tests scan the chain for them). The
 * enterprise's legal representative's ID is the personal field of its business-licence application.
 */
export const DEMO_PERSONAL: readonly {
  readonly owner: string;
  readonly category: string;
  /** Who registers it: a department's registrar, or the owner for their own application. */
  readonly registrar: string;
  readonly policy: readonly RecordReader[];
  readonly value: JsonObject;
}[] = [
  {
    owner: 'citizen-1',
    category: 'identity',
    registrar: 'police-registrar',
    policy: [
      { org: 'police', purposes: ['household-administration', 'audit'] },
      { org: 'finance', purposes: ['tax-administration'] },
    ],
    value: { name: '王建国', idNumber: '330106198503071234', birthDate: '1985-03-07' },
  },
  {
    owner: 'citizen-1',
    category: 'contact',
    registrar: 'police-registrar',
    policy: [{ org: 'police', purposes: ['household-administration'] }],
    value: { phone: '13805710001', address: '杭州市西湖区文三路 100 号 3 幢 201 室' },
  },
  {
    owner: 'citizen-2',
    category: 'identity',
    registrar: 'police-registrar',
    policy: [{ org: 'police', purposes: ['household-administration', 'case-handling', 'audit'] }],
    value: { name: '李秀英', idNumber: '330102199107150028', birthDate: '1991-07-15' },
  },
  {
    owner: 'citizen-2',
    category: 'household',
    registrar: 'police-registrar',
    policy: [{ org: 'police', purposes: ['household-administration'] }],
    value: { householder: '李秀英', address: '杭州市上城区望江路 18 号 2 单元 502 室', since: '2015-06-01' },
  },
  {
    owner: 'citizen-3',
    category: 'identity',
    registrar: 'police-registrar',
    policy: [{ org: 'police', purposes: ['household-administration', 'audit'] }],
    value: { name: '张晓明', idNumber: '330105198812120517', birthDate: '1988-12-12' },
  },
  {
    owner: 'enterprise-1',
    category: 'identity',
    registrar: 'enterprise-1',
    policy: [{ org: 'market', purposes: ['case-handling'] }],
    value: { name: '陈立新', idNumber: '330106197903033318' },
  },
];

/** What `npm start` prints and writes to `<home>/identities.json`: who is who in the demo, and their key files. */
export interface DemoIdentity {
  readonly id: string;
  readonly kind: 'member' | 'citizen' | 'enterprise';
  readonly org: string;
  readonly roles: readonly string[];
  readonly publicKey: string;
  readonly keyFile: string;
  readonly subject?: string;
  readonly did?: string;
  /** The personal records about them (ids = commitments) and their categories. */
  readonly records?: readonly { readonly id: string; readonly category: string }[];
}

/**
 * Records a little public history on a fresh demo chain and registers the demo citizens and enterprises (their keys
 * are created here, encrypted with the same passphrase as the staff keys). Returns the number of transactions.
 */
export async function seedDemo(node: LianzhengNode, home: string, passphrase: string): Promise<number> {
  const keyDir = path.join(home, HOME_FILES.keys);
  if (!existsSync(keyDir)) return 0;
  const suite = node.suite;
  const tx = (key: KeyPair, contract: string, method: string, args: JsonObject) =>
    signTransaction(
      suite,
      buildTransaction({
        chainId: node.genesis.chainId,
        signer: key.publicKey,
        contract,
        method,
        args,
        ttlMs: 3_600_000,
      }),
      key.secretKey,
    );
  const signed = [];
  for (const file of readdirSync(keyDir)
    .filter((f) => f.endsWith('-admin.key.json'))
    .sort()) {
    const key = await loadKeyFile(path.join(keyDir, file), passphrase);
    const activity = DEMO_ACTIVITY[key.org];
    if (activity === undefined) continue;
    const alg = node.genesis.suite === 'sm2-sm3' ? 'sm3' : 'sha256';
    for (const title of activity.notarise) {
      const hash = bytesToHex(createHash(alg).update(`${node.genesis.chainId}\n${key.org}\n${title}\n`).digest());
      signed.push(tx(key, 'notary', 'register', { alg, hash, title }));
    }
    for (const [name, value] of Object.entries(activity.services)) {
      signed.push(tx(key, 'kv', 'put', { key: `services/${name}`, value }));
    }
  }
  const subjects: { spec: (typeof DEMO_SUBJECTS)[number]; key: KeyPair; file: string; txId: string }[] = [];
  for (const spec of DEMO_SUBJECTS) {
    const registrarFile = path.join(keyDir, `${spec.registrar}.key.json`);
    if (!existsSync(registrarFile)) continue;
    const registrar = await loadKeyFile(registrarFile, passphrase);
    const key = generateKeyPair(node.genesis.suite, spec.id, '');
    const file = path.join(keyDir, `${spec.id}.key.json`);
    await saveKeyFile(file, key, spec.kind, passphrase);
    const registration = addCosignature(
      suite,
      tx(registrar, 'identity', 'registerSubject', { publicKey: bytesToHex(key.publicKey), kind: spec.kind }),
      key.secretKey,
    );
    signed.push(registration);
    subjects.push({ spec, key, file, txId: bytesToHex(transactionId(suite, registration.tx)) });
  }
  if (signed.length === 0) return 0;
  const ids: string[] = [];
  const run = async (round: readonly SignedTransaction[]) => {
    if (round.length === 0) return;
    const results = await node.submit(JSON.stringify(round), true);
    const admitted = results.flatMap((r) => (r.ok ? [r.id] : []));
    await Promise.all(admitted.map((id) => node.waitFor(id, 30_000)));
    ids.push(...admitted);
  };
  // In order: the registrations and the public history; the personal records (their subjects must exist); the
  // workflows and the cases that use those records.
  await run(signed);
  const subjectOf = (id: string) => subjects.find((s) => s.spec.id === id);
  const records = new Map<string, { id: string; category: string }[]>();
  for (const r of DEMO_PERSONAL) {
    const owner = subjectOf(r.owner);
    const registrarFile = path.join(keyDir, `${r.registrar}.key.json`);
    if (owner === undefined || (r.registrar !== r.owner && !existsSync(registrarFile))) continue;
    const registrar = r.registrar === r.owner ? owner.key : await loadKeyFile(registrarFile, passphrase);
    // A record goes to a node of its organisation or of a reader: in a consortium (`cluster up`) only those this
    // node may hold are seeded here.
    const recordOrg = r.registrar === r.owner ? (r.policy[0]?.org ?? 'market') : registrar.org;
    if (!node.privacy.mayHold({ org: recordOrg, policy: r.policy })) continue;
    const salt = bytesToHex(randomBytes(16));
    const commitment = commitPersonal(suite, r.value, salt);
    const subject = subjectIdFromTx(suite, hexToBytes(owner.txId));
    const owned = r.registrar === r.owner ? { org: recordOrg } : {};
    const registration = tx(registrar, 'privacy', 'register', {
      commitment,
      category: r.category,
      subject,
      ...owned,
      policy: r.policy as unknown as JsonValue,
    });
    const done = await node.privacy.register({ tx: registration as unknown as JsonObject, value: r.value, salt });
    ids.push(done.tx);
    records.set(r.owner, [...(records.get(r.owner) ?? []), { id: commitment, category: r.category }]);
  }
  const workflows = await demoWorkflows(keyDir, passphrase, tx, subjects, records);
  await run(workflows.deploy);
  await run(workflows.cases);
  await writeIdentities(node, home, subjects, records);
  return ids.length;
}

/**
 * The five workflow templates, deployed as they would be in production (a proposal by the market regulator's admin,
 * approved by two more departments: a majority of five), and two cases waiting in inboxes: an enterprise's business
 * licence application and a department's budget request. Their transactions follow the registrations in one batch.
 */
async function demoWorkflows(
  keyDir: string,
  passphrase: string,
  tx: (key: KeyPair, contract: string, method: string, args: JsonObject) => SignedTransaction,
  subjects: readonly { spec: (typeof DEMO_SUBJECTS)[number]; key: KeyPair }[],
  records: ReadonlyMap<string, readonly { id: string; category: string }[]>,
): Promise<{ deploy: SignedTransaction[]; cases: SignedTransaction[] }> {
  const load = async (id: string) => {
    const file = path.join(keyDir, `${id}.key.json`);
    return existsSync(file) ? loadKeyFile(file, passphrase) : undefined;
  };
  const [proposer, voter1, voter2, caseworker, eastBureau] = await Promise.all(
    ['market-admin', 'realestate-admin', 'police-admin', 'market-caseworker', 'police-east'].map(load),
  );
  if (proposer === undefined || voter1 === undefined || voter2 === undefined) return { deploy: [], cases: [] };
  const propose = tx(proposer, 'gov', 'propose', {
    actions: templateActions() as JsonValue[],
    note: '五个审批流程模板：营业执照、不动产登记、户口迁移、出生登记、预算审批',
  });
  const proposal = bytesToHex(transactionId(nativeSuite(proposer.suite), propose.tx));
  const deploy = [
    propose,
    tx(voter1, 'gov', 'vote', { proposal, approve: true }),
    tx(voter2, 'gov', 'vote', { proposal, approve: true }),
  ];
  const out: SignedTransaction[] = [];
  const enterprise = subjects.find((s) => s.spec.kind === 'enterprise');
  const representative = enterprise && records.get(enterprise.spec.id)?.find((r) => r.category === 'identity');
  if (enterprise !== undefined && representative !== undefined) {
    out.push(
      tx(enterprise.key, 'workflow', 'submit', {
        workflow: 'business-licence',
        form: {
          companyName: '西湖数字科技有限公司',
          companyType: '有限责任公司',
          registeredCapital: 5_000_000,
          address: '杭州市西湖区文三路 90 号',
          legalRepresentativeId: representative.id,
          businessScope: '软件开发；数据处理服务',
        },
      }),
    );
  }
  if (caseworker !== undefined) {
    out.push(
      tx(caseworker, 'workflow', 'submit', {
        workflow: 'budget-approval',
        form: { year: 2027, title: '智慧监管平台运维', amount: 800_000, purpose: '平台运维与安全测评' },
      }),
    );
  }
  // citizen-2 is on the household register of the east bureau (by her identity record): she can apply to move.
  const resident = records.get('citizen-2')?.find((r) => r.category === 'identity');
  if (eastBureau !== undefined && resident !== undefined) {
    out.push(tx(eastBureau, 'household-registry', 'enter', { person: resident.id, bureau: 'east' }));
  }
  return { deploy, cases: out };
}

async function writeIdentities(
  node: LianzhengNode,
  home: string,
  subjects: readonly { spec: (typeof DEMO_SUBJECTS)[number]; key: KeyPair; file: string; txId: string }[],
  records: ReadonlyMap<string, readonly { id: string; category: string }[]>,
): Promise<void> {
  const out: DemoIdentity[] = [];
  const keyDir = path.join(home, HOME_FILES.keys);
  for (const m of node.genesis.members) {
    const cert = parseCertificate(certificateFromBase64(m));
    const id = cert.subject.commonName ?? '';
    out.push({
      id,
      kind: 'member',
      org: cert.subject.org ?? '',
      roles: cert.member?.roles ?? [],
      publicKey: bytesToHex(cert.publicKey),
      keyFile: path.relative(home, path.join(keyDir, `${id}.key.json`)),
    });
  }
  for (const s of subjects) {
    out.push({
      id: s.spec.id,
      kind: s.spec.kind,
      org: '',
      roles: [],
      publicKey: bytesToHex(s.key.publicKey),
      keyFile: path.relative(home, s.file),
      subject: subjectIdFromTx(node.suite, hexToBytes(s.txId)),
      did: didKeyFromPublicKey(node.genesis.suite, s.key.publicKey),
      records: records.get(s.spec.id) ?? [],
    });
  }
  // Written aside and renamed: whoever waits for the file never reads half of it.
  const file = path.join(home, 'identities.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(out, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

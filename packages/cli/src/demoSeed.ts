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
  type NotaryAlgorithm,
  parseCertificate,
  type RecordReader,
  randomBytes,
  type SignedTransaction,
  signTransaction,
  subjectIdFromTx,
  transactionId,
} from '@lianzheng/protocol';
import { buildTransaction, type PublishRecordArgs, publishRecordTx, withdrawRecordTx } from '@lianzheng/sdk';

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

/**
 * 信息公开: what each department's publisher publishes on a fresh demo chain (docs/records.md). Public documents, no
 * personal data. The second round revises one record (version 2) and withdraws another, which a new record supersedes.
 */
export const DEMO_RECORDS: readonly {
  readonly org: string;
  readonly round: 1 | 2;
  readonly publish?: PublishRecordArgs;
  readonly withdraw?: { readonly id: string; readonly reason: string };
  /** Names of fictional files listed by hash (their digest is derived from the chain id and the name). */
  readonly files?: readonly string[];
}[] = [
  {
    org: 'market',
    round: 1,
    publish: {
      id: 'business-start-2026',
      category: 'notice',
      title: '关于优化企业开办服务的通知',
      summary: '企业开办实行“一网通办”，营业执照、公章刻制、涉税事项、社保登记一次办结，一个工作日内完成。',
      body: [
        '各区市场监督管理局，各有关单位：',
        '',
        '为进一步优化营商环境，持续提升企业开办便利度，现就有关事项通知如下：',
        '',
        '一、企业开办全程网上办理。申请人通过“一网通办”平台一次填报，营业执照、公章刻制、申领发票和税控设备、员工参保登记同步办理。',
        '二、压缩办理时限。企业开办全流程办理时间压缩至1个工作日以内。',
        '三、免费刻制公章。新开办企业首套公章由政府购买服务免费提供。',
        '',
        '本通知自2026年3月1日起施行。',
      ].join('\n'),
      tags: ['营商环境', '企业开办', '一网通办'],
      effective: '2026-03-01',
    },
  },
  {
    org: 'market',
    round: 1,
    publish: {
      id: 'food-safety-sampling-2026',
      category: 'decision',
      title: '关于开展2026年度食品安全监督抽检工作的决定',
      body: [
        '为保障人民群众“舌尖上的安全”，经局务会议研究，决定在全市开展2026年度食品安全监督抽检工作。',
        '',
        '一、抽检范围：粮食加工品、食用油、乳制品、肉制品、校园周边食品及网络销售食品。',
        '二、抽检批次：全年计划抽检不少于每千人4批次。',
        '三、结果公开：抽检结果按季度向社会公布，不合格产品依法处置。',
      ].join('\n'),
      tags: ['食品安全', '监督抽检'],
      effective: '2026-01-15',
    },
  },
  {
    org: 'realestate',
    round: 1,
    publish: {
      id: 'one-window-rules',
      category: 'policy',
      title: '不动产登记“一窗受理”工作规程',
      summary: '登记、交易、税务一窗受理、集成服务，一般登记3个工作日内办结。',
      body: [
        '第一条 为规范不动产登记“一窗受理、集成服务”工作，提高办事效率，制定本规程。',
        '第二条 本规程适用于本市行政区域内的不动产登记、房屋交易和相关税费征缴业务。',
        '第三条 申请人在综合受理窗口一次提交材料，窗口人员一次性告知、一次性受理。',
        '第四条 一般登记业务自受理之日起3个工作日内办结；抵押登记1个工作日内办结。',
        '第五条 本规程自发布之日起施行。',
      ].join('\n'),
      tags: ['不动产登记', '一窗受理'],
    },
    files: ['不动产登记“一窗受理”工作规程.pdf'],
  },
  {
    org: 'realestate',
    round: 1,
    publish: {
      id: 'registration-fees',
      category: 'notice',
      title: '不动产登记收费标准公示',
      body: '根据国家有关规定，住宅类不动产登记费每件80元，非住宅类每件550元；证书工本费每本10元。',
      tags: ['收费标准', '不动产登记'],
    },
  },
  {
    org: 'police',
    round: 1,
    publish: {
      id: 'household-migration-guide',
      category: 'policy',
      title: '户口迁移业务办理指南（2026年版）',
      body: [
        '一、办理条件：符合本市户籍准入政策的人员，可申请户口迁入。',
        '二、办理材料：居民户口簿、居民身份证、合法稳定住所证明。',
        '三、办理方式：可在任一户籍窗口或“一网通办”平台申请，实行“一站式”迁移，无需往返迁出地。',
        '四、办理时限：材料齐全的，5个工作日内办结。',
      ].join('\n'),
      tags: ['户籍', '户口迁移'],
      effective: '2026-01-01',
    },
  },
  {
    org: 'police',
    round: 1,
    publish: {
      id: 'id-card-spring-festival-2026',
      category: 'notice',
      title: '关于春节期间居民身份证办理安排的通告',
      body: '2026年春节期间（2月15日至2月23日），各户籍窗口实行轮休值班，居民身份证申领、换领业务照常受理；临时身份证明可通过“一网通办”平台在线开具。',
      tags: ['居民身份证', '便民服务'],
    },
  },
  {
    org: 'health',
    round: 1,
    publish: {
      id: 'birth-certificate-rules',
      category: 'policy',
      title: '出生医学证明管理办法',
      body: [
        '第一条 为加强出生医学证明管理，保障新生儿合法权益，制定本办法。',
        '第二条 出生医学证明由具有助产技术服务资质的医疗机构签发。',
        '第三条 出生医学证明信息与出生登记“多证联办”业务共享，申请人无需重复提交材料。',
      ].join('\n'),
      tags: ['出生医学证明', '多证联办'],
    },
  },
  {
    org: 'health',
    round: 1,
    publish: {
      id: 'public-health-services-2026',
      category: 'notice',
      title: '2026年度基本公共卫生服务项目公告',
      body: '2026年本市免费向城乡居民提供居民健康档案管理、预防接种、0—6岁儿童健康管理、孕产妇健康管理、老年人健康管理、慢性病患者健康管理等12类基本公共卫生服务。',
      tags: ['公共卫生', '免费服务'],
    },
  },
  {
    org: 'finance',
    round: 1,
    publish: {
      id: 'budget-2026',
      category: 'budget',
      title: '2026年市级部门预算公开',
      summary: '市级一般公共预算支出安排286.4亿元，其中民生支出占比78%。',
      body: [
        '根据《中华人民共和国预算法》和政府信息公开有关规定，现将2026年市级部门预算予以公开。',
        '',
        '一、一般公共预算收入安排312.6亿元，支出安排286.4亿元。',
        '二、教育、社会保障和就业、卫生健康等民生支出合计223.4亿元，占比78%。',
        '三、“三公”经费预算比上年下降5%。',
        '',
        '详细预算表见附件。',
      ].join('\n'),
      tags: ['预算', '财政公开'],
      effective: '2026-01-01',
    },
    files: ['2026年市级部门预算表.xlsx'],
  },
  {
    org: 'finance',
    round: 1,
    publish: {
      id: 'budget-execution-report-2025',
      category: 'report',
      title: '关于2025年预算执行情况的报告',
      body: '2025年，全市一般公共预算收入完成301.2亿元，为预算的101.3%；一般公共预算支出完成279.8亿元。预算执行总体平稳，重点支出保障有力。',
      tags: ['预算执行', '工作报告'],
    },
  },
  {
    org: 'finance',
    round: 1,
    publish: {
      id: 'procurement-catalogue-2026',
      category: 'decision',
      title: '关于印发2026年政府集中采购目录及限额标准的决定',
      body: '经市人民政府同意，现印发2026年政府集中采购目录及限额标准。分散采购限额标准为货物和服务100万元、工程120万元；公开招标数额标准为货物和服务200万元。',
      tags: ['政府采购'],
      effective: '2026-01-01',
    },
  },
  // Round two: a revision, a withdrawal and the record that replaces it.
  {
    org: 'market',
    round: 2,
    publish: {
      id: 'business-start-2026',
      category: 'notice',
      title: '关于优化企业开办服务的通知（修订）',
      summary: '企业开办实行“一网通办”，全流程压缩至0.5个工作日，首套公章免费刻制。',
      body: [
        '各区市场监督管理局，各有关单位：',
        '',
        '为进一步优化营商环境，持续提升企业开办便利度，现就有关事项通知如下：',
        '',
        '一、企业开办全程网上办理。申请人通过“一网通办”平台一次填报，营业执照、公章刻制、申领发票和税控设备、员工参保登记同步办理。',
        '二、压缩办理时限。企业开办全流程办理时间压缩至0.5个工作日以内。',
        '三、免费刻制公章。新开办企业首套公章由政府购买服务免费提供。',
        '四、推行电子营业执照。企业可通过电子营业执照办理各类涉企事项。',
        '',
        '本通知自2026年3月1日起施行。',
      ].join('\n'),
      tags: ['营商环境', '企业开办', '一网通办', '电子营业执照'],
      effective: '2026-03-01',
    },
  },
  {
    org: 'realestate',
    round: 2,
    withdraw: { id: 'registration-fees', reason: '收费标准已调整，以《2026年不动产登记收费标准公示》为准。' },
  },
  {
    org: 'realestate',
    round: 2,
    publish: {
      id: 'registration-fees-2026',
      category: 'notice',
      title: '2026年不动产登记收费标准公示',
      body: '自2026年1月1日起，小微企业（含个体工商户）申请不动产登记免收登记费；住宅类不动产登记费每件80元，非住宅类每件550元；证书工本费每本10元，第一本免收。',
      tags: ['收费标准', '不动产登记', '减费降税'],
      effective: '2026-01-01',
      supersedes: 'realestate/registration-fees',
    },
  },
];

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
  const records = await demoRecords(node, keyDir, passphrase, tx);
  signed.push(...records.first);
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
  // In order: the registrations and the public history (records' first versions included); the personal records
  // (their subjects must exist); the workflows and the cases that use those records; the revision and withdrawal of
  // public records published in the first round.
  await run(signed);
  const subjectOf = (id: string) => subjects.find((s) => s.spec.id === id);
  const personal = new Map<string, { id: string; category: string }[]>();
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
    personal.set(r.owner, [...(personal.get(r.owner) ?? []), { id: commitment, category: r.category }]);
  }
  const workflows = await demoWorkflows(keyDir, passphrase, tx, subjects, personal);
  await run(workflows.deploy);
  await run(workflows.cases);
  await run(records.later);
  await writeIdentities(node, home, subjects, personal);
  return ids.length;
}

/**
 * The demo's public records, signed by each department's publisher whose key file this home holds (in a consortium,
 * each node publishes its own departments'): the first round, and the revisions and withdrawals that follow it.
 */
async function demoRecords(
  node: LianzhengNode,
  keyDir: string,
  passphrase: string,
  tx: (key: KeyPair, contract: string, method: string, args: JsonObject) => SignedTransaction,
): Promise<{ first: SignedTransaction[]; later: SignedTransaction[] }> {
  const out = { first: [] as SignedTransaction[], later: [] as SignedTransaction[] };
  const keys = new Map<string, KeyPair>();
  const alg: NotaryAlgorithm = node.genesis.suite === 'sm2-sm3' ? 'sm3' : 'sha256';
  for (const r of DEMO_RECORDS) {
    const file = path.join(keyDir, `${r.org}-publisher.key.json`);
    if (!existsSync(file)) continue;
    let key = keys.get(r.org);
    if (key === undefined) {
      key = await loadKeyFile(file, passphrase);
      keys.set(r.org, key);
    }
    const attachments = (r.files ?? []).map((name) => ({
      name,
      alg,
      hash: bytesToHex(createHash(alg).update(`${node.genesis.chainId}\n${r.org}\n${name}\n`).digest()),
    }));
    const call =
      r.publish !== undefined
        ? publishRecordTx({ ...r.publish, ...(attachments.length === 0 ? {} : { attachments }) })
        : withdrawRecordTx(r.withdraw as { id: string; reason: string });
    (r.round === 1 ? out.first : out.later).push(tx(key, call.contract, call.method, call.args));
  }
  return out;
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

import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  generateKeyPair,
  HOME_FILES,
  type KeyPair,
  type LianzhengNode,
  loadKeyFile,
  saveKeyFile,
} from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  certificateFromBase64,
  didKeyFromPublicKey,
  hexToBytes,
  type JsonObject,
  parseCertificate,
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
  const results = await node.submit(JSON.stringify(signed), true);
  const ids = results.flatMap((r) => (r.ok ? [r.id] : []));
  await Promise.all(ids.map((id) => node.waitFor(id, 30_000)));
  await writeIdentities(node, home, subjects);
  return ids.length;
}

async function writeIdentities(
  node: LianzhengNode,
  home: string,
  subjects: readonly { spec: (typeof DEMO_SUBJECTS)[number]; key: KeyPair; file: string; txId: string }[],
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
    });
  }
  await writeFile(path.join(home, 'identities.json'), `${JSON.stringify(out, null, 2)}\n`);
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { HOME_FILES, type LianzhengNode, loadKeyFile } from '@lianzheng/node';
import { bytesToHex, type JsonObject, signTransaction } from '@lianzheng/protocol';
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

export async function seedDemo(node: LianzhengNode, home: string): Promise<number> {
  const keyDir = path.join(home, HOME_FILES.keys);
  if (!existsSync(keyDir)) return 0;
  const signed = [];
  for (const file of readdirSync(keyDir)
    .filter((f) => f.endsWith('-admin.key.json'))
    .sort()) {
    const key = await loadKeyFile(path.join(keyDir, file));
    const activity = DEMO_ACTIVITY[key.org];
    if (activity === undefined) continue;
    const sign = (contract: string, method: string, args: JsonObject) =>
      signTransaction(
        node.suite,
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
    const alg = node.genesis.suite === 'sm2-sm3' ? 'sm3' : 'sha256';
    for (const title of activity.notarise) {
      const hash = bytesToHex(createHash(alg).update(`${node.genesis.chainId}\n${key.org}\n${title}\n`).digest());
      signed.push(sign('notary', 'register', { alg, hash, title }));
    }
    for (const [name, value] of Object.entries(activity.services))
      signed.push(sign('kv', 'put', { key: `services/${name}`, value }));
  }
  if (signed.length === 0) return 0;
  const results = await node.submit(JSON.stringify(signed), true);
  const ids = results.flatMap((r) => (r.ok ? [r.id] : []));
  await Promise.all(ids.map((id) => node.waitFor(id, 30_000)));
  return ids.length;
}

/**
 * Public records (信息公开) on a node, through the API: departments' publishers publish, revise and withdraw; the
 * list (newest first, search by text, organisation, category and tag, cursor pages), a record with its versions, a
 * version's state proof, coded refusals of bad parameters, and the index rebuilt from the state after a restart.
 */
import type { KeyPair } from '@lianzheng/node';
import {
  assertCheckpoint,
  consortiumFromGenesis,
  hexToBytes,
  type JsonObject,
  type RecordHead,
  type RecordSummary,
  type RecordVersion,
  type StateView,
  stateProofFromJson,
  verifyCheckpoint,
  verifyStateProof,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorEnvelopeProblem,
  expectError,
  openTestNode,
  postBatch,
  signedTx,
  submitForReceipt,
  type TestNode,
  waitMempoolEmpty,
} from './nodeHarness.js';

let t: TestNode;

beforeAll(async () => {
  t = await openTestNode();
}, 60_000);

afterAll(async () => {
  expect(t?.fatal ?? []).toEqual([]);
  await t?.close();
});

const publisher = (org: string): KeyPair => t.staff[`${org}-publisher`]!;
const publishTx = (org: string, args: JsonObject, key = publisher(org)) =>
  signedTx(t, { key, contract: 'records', method: 'publish', args });
const publish = async (org: string, args: JsonObject, key?: KeyPair) => {
  const r = await submitForReceipt(t, publishTx(org, args, key));
  return r;
};
const withdraw = (org: string, id: string, reason: string) =>
  submitForReceipt(
    t,
    signedTx(t, { key: publisher(org), contract: 'records', method: 'withdraw', args: { id, reason } }),
  );

interface ListBody {
  items: RecordSummary[];
  next?: string;
  height: number;
}

async function list(query = ''): Promise<ListBody> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/records${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as ListBody;
}

/** Every page of a query, following `next`. */
async function all(query: string, limit: number): Promise<{ pages: number; items: RecordSummary[] }> {
  const items: RecordSummary[] = [];
  let pages = 0;
  let next: string | undefined;
  do {
    const sep = query === '' ? '?' : '&';
    const page = await list(`${query}${sep}limit=${limit}${next === undefined ? '' : `&cursor=${next}`}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    pages++;
    next = page.next;
  } while (next !== undefined);
  return { pages, items };
}

const keyOf = (s: { org: string; id: string }) => `${s.org}/${s.id}`;

const NOTICE = {
  id: 'business-start-2026',
  category: 'notice',
  title: '关于优化企业开办服务的通知',
  summary: '企业开办全程网办，一个工作日内办结。',
  body: '各有关单位：为进一步优化营商环境，企业开办实行“一网通办”。Online service via the ONE-STOP portal.',
  tags: ['营商环境', '企业开办'],
  effective: '2026-03-01',
};
const BUDGET = {
  id: 'budget-2026',
  category: 'budget',
  title: '2026年市级部门预算公开',
  body: '根据《预算法》规定，现将2026年市级部门预算予以公开。一般公共预算支出……',
  tags: ['预算', '财政'],
};
const RULES = {
  id: 'one-window-rules',
  category: 'policy',
  title: '不动产登记“一窗受理”工作规程',
  body: '第一条 为规范不动产登记“一窗受理”工作，制定本规程。',
  tags: ['不动产登记', '一窗受理'],
  attachments: [{ name: '工作规程.pdf', alg: 'sha256', hash: 'cd'.repeat(32), size: 204_800 }],
};

describe('public records through the API', () => {
  it('publish, revise, withdraw: the list shows the latest version of each, newest first', async () => {
    expect((await list()).items).toEqual([]);
    for (const [org, args] of [
      ['market', NOTICE],
      ['finance', BUDGET],
      ['realestate', RULES],
    ] as const) {
      expect((await publish(org, args)).status).toBe('ok');
    }
    const revised = await publish('market', { ...NOTICE, title: '关于优化企业开办服务的通知（修订）' });
    expect(revised).toMatchObject({ status: 'ok', result: { org: 'market', id: NOTICE.id, version: 2 } });
    expect((await withdraw('finance', BUDGET.id, '数据更正，另行公开')).status).toBe('ok');

    const page = await list();
    expect(page.height).toBe(t.node.ledger.durableHeight);
    expect(page.items.map(keyOf)).toEqual([`market/${NOTICE.id}`, `realestate/${RULES.id}`, `finance/${BUDGET.id}`]);
    const [notice, rules, budget] = page.items as [RecordSummary, RecordSummary, RecordSummary];
    expect(notice).toMatchObject({
      version: 2,
      category: 'notice',
      title: '关于优化企业开办服务的通知（修订）',
      summary: NOTICE.summary,
      tags: NOTICE.tags,
      effective: '2026-03-01',
      withdrawn: false,
    });
    expect(notice.height).toBeGreaterThan(rules.height);
    expect(notice.createdAt).toBeLessThanOrEqual(notice.publishedAt);
    expect(rules).not.toHaveProperty('summary');
    expect(budget).toMatchObject({ version: 1, withdrawn: true });
    expect(page.next).toBeUndefined();
  });

  it('a record with its head and every version, oldest first; unknown records are 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/records/market/${NOTICE.id}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { head: RecordHead; versions: RecordVersion[]; height: number };
    expect(body.head).toMatchObject({ org: 'market', id: NOTICE.id, latest: 2 });
    expect(body.head.created.height).toBe(body.versions[0]!.height);
    expect(body.head.updated.height).toBe(body.versions[1]!.height);
    expect(body.versions.map((v) => [v.version, v.title])).toEqual([
      [1, NOTICE.title],
      [2, '关于优化企业开办服务的通知（修订）'],
    ]);
    expect(body.versions[0]!.publisher).toBe(Buffer.from(publisher('market').publicKey).toString('hex'));
    const withdrawn = (await t.app.inject({ method: 'GET', url: `/v1/records/finance/${BUDGET.id}` })).json() as {
      head: RecordHead;
    };
    expect(withdrawn.head.withdrawn).toMatchObject({ reason: '数据更正，另行公开' });

    const missing = expectError(
      await t.app.inject({ method: 'GET', url: '/v1/records/market/no-such' }),
      404,
      'RECORD_NOT_FOUND',
    );
    expect(missing.details).toEqual({ org: 'market', id: 'no-such' });
    expectError(
      await t.app.inject({ method: 'GET', url: '/v1/records/finance/business-start-2026' }),
      404,
      'RECORD_NOT_FOUND',
    );
    const badOrg = expectError(
      await t.app.inject({ method: 'GET', url: '/v1/records/Market/x' }),
      400,
      'REQUEST_MALFORMED',
    );
    expect(badOrg.details).toEqual({ field: 'org' });
    const badId = expectError(
      await t.app.inject({ method: 'GET', url: '/v1/records/market/Bad_Id' }),
      400,
      'REQUEST_MALFORMED',
    );
    expect(badId.details).toEqual({ field: 'id' });
  });

  it('a version is proven by the state route against a certified checkpoint', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/state/records/market/${NOTICE.id}/v/1?proof=true` });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json() as StateView;
    const checkpoint = verifyCheckpoint(t.suite, consortiumFromGenesis(t.genesis), assertCheckpoint(view.checkpoint));
    const root = hexToBytes(checkpoint.header.stateRoot);
    const proof = stateProofFromJson(view.proof);
    verifyStateProof(t.suite, root, 'records', `market/${NOTICE.id}/v/1`, view.value, proof);
    expect((view.value as unknown as RecordVersion).title).toBe(NOTICE.title);
    const changed = { ...(view.value as JsonObject), title: '篡改后的标题' };
    expect(() => verifyStateProof(t.suite, root, 'records', `market/${NOTICE.id}/v/1`, changed, proof)).toThrow(
      expect.objectContaining({ code: 'PROOF_INVALID' }),
    );
  });

  it('search by text (title, summary, tags, body; case-insensitive), organisation, category and tag', async () => {
    const keys = async (q: string) => (await list(q)).items.map(keyOf);
    expect(await keys(`?q=${encodeURIComponent('一窗受理')}`)).toEqual([`realestate/${RULES.id}`]);
    expect(await keys(`?q=${encodeURIComponent('全程网办')}`)).toEqual([`market/${NOTICE.id}`]); // summary
    expect(await keys(`?q=${encodeURIComponent('预算法')}`)).toEqual([`finance/${BUDGET.id}`]); // body
    expect(await keys(`?q=${encodeURIComponent('营商环境')}`)).toEqual([`market/${NOTICE.id}`]); // tag and body
    expect(await keys('?q=one-stop')).toEqual([`market/${NOTICE.id}`]);
    expect(await keys('?q=ONE-STOP')).toEqual([`market/${NOTICE.id}`]);
    // Only the latest version is searched: the revision replaced the title, not this phrase of the body.
    expect(await keys(`?q=${encodeURIComponent('（修订）')}`)).toEqual([`market/${NOTICE.id}`]);
    expect(await keys(`?q=${encodeURIComponent('不存在的词')}`)).toEqual([]);
    expect(await keys('?org=finance')).toEqual([`finance/${BUDGET.id}`]);
    expect(await keys('?category=policy')).toEqual([`realestate/${RULES.id}`]);
    expect(await keys(`?tag=${encodeURIComponent('预算')}`)).toEqual([`finance/${BUDGET.id}`]);
    expect(await keys(`?tag=${encodeURIComponent('预')}`)).toEqual([]); // tags match whole
    expect(await keys(`?org=market&category=budget`)).toEqual([]);
    expect(await keys(`?org=realestate&q=${encodeURIComponent('规程')}&category=policy`)).toEqual([
      `realestate/${RULES.id}`,
    ]);
  });

  it('pages through many records with an opaque cursor: each once, in order, also with filters', async () => {
    // 24 notices in one block (ties broken by org/id), then 6 reports in another.
    const batch = Array.from({ length: 24 }, (_, i) =>
      publishTx(i % 2 === 0 ? 'health' : 'police', {
        id: `notice-${String(i).padStart(2, '0')}`,
        category: 'notice',
        title: `第${i}号通知`,
        body: `通知正文 ${i}`,
        tags: [i % 3 === 0 ? '三' : '其他'],
      }),
    );
    const res = await postBatch(t, batch);
    expect(res.json()).toMatchObject({ accepted: 24 });
    await waitMempoolEmpty(t);
    for (let i = 0; i < 6; i++) {
      expect(
        (await publish('health', { id: `report-${i}`, category: 'report', title: `报告${i}`, body: 'x' })).status,
      ).toBe('ok');
    }
    const full = await list('?limit=100');
    expect(full.items).toHaveLength(33);
    for (let i = 1; i < full.items.length; i++) {
      const [a, b] = [full.items[i - 1]!, full.items[i]!];
      expect(a.height > b.height || (a.height === b.height && keyOf(a) < keyOf(b))).toBe(true);
    }
    expect(full.items.slice(0, 6).map((s) => s.id)).toEqual([
      'report-5',
      'report-4',
      'report-3',
      'report-2',
      'report-1',
      'report-0',
    ]);
    for (const limit of [1, 7, 10, 33]) {
      const paged = await all('', limit);
      expect(paged.items.map(keyOf)).toEqual(full.items.map(keyOf));
      expect(paged.pages).toBe(Math.ceil(33 / limit));
    }
    const threes = await all(`?tag=${encodeURIComponent('三')}&category=notice`, 3);
    const wanted = full.items.filter((s) => s.category === 'notice' && s.tags.includes('三')).map(keyOf);
    expect(wanted).toHaveLength(8);
    expect(threes.items.map(keyOf)).toEqual(wanted);
    expect(threes.pages).toBe(3);
    expect((await list('?limit=2')).next).toBeTypeOf('string');
    expect((await list()).items).toHaveLength(20);
  });

  it('refuses bad parameters with REQUEST_MALFORMED naming the field', async () => {
    const cases: [string, string][] = [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=abc', 'limit'],
      ['?limit=07', 'limit'],
      ['?limit=', 'limit'],
      ['?category=law', 'category'],
      ['?category=toString', 'category'],
      ['?org=Market', 'org'],
      ['?tag=', 'tag'],
      [`?tag=${'x'.repeat(33)}`, 'tag'],
      [`?tag=${'x'.repeat(3000)}`, 'tag'],
      [`?org=${'x'.repeat(3000)}`, 'org'],
      [`?q=${'字'.repeat(201)}`, 'q'],
      [`?q=${'q'.repeat(5000)}`, 'q'],
      ['?cursor=!!', 'cursor'],
      [`?cursor=${Buffer.from('12:nothing').toString('base64url')}`, 'cursor'],
      [`?cursor=${Buffer.from('-1:market/x').toString('base64url')}`, 'cursor'],
    ];
    for (const [query, field] of cases) {
      const error = expectError(
        await t.app.inject({ method: 'GET', url: `/v1/records${query}` }),
        400,
        'REQUEST_MALFORMED',
      );
      expect([query, error.details?.field]).toEqual([query, field]);
    }
    expectError(await t.app.inject({ method: 'GET', url: '/v1/records?sort=asc' }), 400, 'REQUEST_MALFORMED');
    // Random parameters: a page or a documented 400, never anything else.
    const param = fc.constantFrom('q', 'org', 'category', 'tag', 'limit', 'cursor');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, fc.string({ maxLength: 40 })), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const res = await t.app.inject({ method: 'GET', url: `/v1/records?${query}` });
        if (res.statusCode !== 200) expect(errorEnvelopeProblem(res.statusCode, res.body)).toBeNull();
        expect([200, 400]).toContain(res.statusCode);
      }),
      { numRuns: 300, seed: 20_260_104 },
    );
  });

  it('only a publisher of the organisation publishes; others are refused with their codes', async () => {
    const denied = await publish('market', { ...NOTICE, id: 'by-admin' }, t.staff['market-admin']);
    expect(denied).toMatchObject({ status: 'failed', code: 'POLICY_DENIED' });
    const bad = await publish('market', { ...NOTICE, id: 'Bad Id' });
    expect(bad).toMatchObject({ status: 'failed', code: 'ARGS_INVALID' });
    expect(await withdraw('finance', BUDGET.id, 'again')).toMatchObject({ status: 'failed', code: 'RECORD_WITHDRAWN' });
    expect(await publish('finance', BUDGET)).toMatchObject({ status: 'failed', code: 'RECORD_WITHDRAWN' });
    expect((await list('?org=market')).items.map((s) => s.id)).toEqual([NOTICE.id]);
  });

  it('after a restart the index is rebuilt from the state, and follows new blocks again', async () => {
    const before = await list('?limit=100');
    await t.restart();
    const after = await list('?limit=100');
    expect(after).toEqual(before);
    expect(t.node.records.size).toBe(33);
    expect((await publish('police', { ...NOTICE, id: 'after-restart', category: 'decision' })).status).toBe('ok');
    expect((await withdraw('health', 'notice-00', '已过期')).status).toBe('ok');
    const now = await list('?limit=100');
    expect(now.items[0]).toMatchObject({ org: 'police', id: 'after-restart', category: 'decision' });
    expect(now.items.find((s) => s.id === 'notice-00')?.withdrawn).toBe(true);
    expect(now.height).toBe(t.node.ledger.durableHeight);
  });
});

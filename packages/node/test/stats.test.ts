/**
 * Published statistics (docs/statistics.md): the bucket, month, `by`, e-licence status and chain-day helpers, the
 * chain counter on an in-memory chain against a naive count, then the public routes on a node with real cases
 * (business licences and budget requests walked to every status, one decided a month later with a deadline breach),
 * real reads of a personal record and e-licence anchors of three departments in every status across a month
 * boundary: small cells suppressed, totals only over published cells, CSV, coded refusals, and nothing of any form,
 * subject, record or licence in any output. Last, the chain's throughput per day across a day boundary (China time),
 * checked against the blocks the API serves.
 */
import { createHash } from 'node:crypto';
import { type KeyPair, templateActions } from '@lianzheng/node';
import {
  addCosignature,
  type BlockHeader,
  type BlockView,
  base64urlEncode,
  bytesToHex,
  type ChainStatsView,
  canonicalize,
  commitPersonal,
  credentialEffectiveStatus,
  type JsonObject,
  type JsonValue,
  privacyConfigOf,
  type StatCell,
} from '@lianzheng/protocol';
import {
  createClient,
  getAccessStats,
  getCaseStats,
  getChainStats,
  getCredentialStats,
  getProcessingStats,
  type StatsTable,
  statsToCsv,
  type Transport,
} from '@lianzheng/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chinaMonth,
  PROCESSING_BUCKETS,
  type ProcessingStatsTable,
  parseDims,
  processingBucket,
  statsCsv,
} from '../src/api/statsRoutes.js';
import { ChainStats, type ChainStatsSource, chinaDate, chinaDay, receiptStatusOf } from '../src/chainStats.js';
import {
  credentialsSettled,
  expectError,
  labelledKey,
  openTestNode,
  signedTx,
  submitForReceipt,
  T0,
  type TestNode,
  txIdOf,
} from './nodeHarness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('processingBucket', () => {
  it('puts each bound in the bucket above it', () => {
    const cases: [number, string][] = [
      [0, '<1h'],
      [HOUR - 1, '<1h'],
      [HOUR, '1h–1d'],
      [DAY - 1, '1h–1d'],
      [DAY, '1–3d'],
      [3 * DAY - 1, '1–3d'],
      [3 * DAY, '3–7d'],
      [7 * DAY - 1, '3–7d'],
      [7 * DAY, '>7d'],
      [365 * DAY, '>7d'],
    ];
    for (const [ms, bucket] of cases) expect(processingBucket(ms), `${ms} ms`).toBe(bucket);
  });

  it('is monotone: a longer time never falls in an earlier bucket', () => {
    fc.assert(
      fc.property(fc.nat({ max: 30 * DAY }), fc.nat({ max: 30 * DAY }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return PROCESSING_BUCKETS.indexOf(processingBucket(lo)) <= PROCESSING_BUCKETS.indexOf(processingBucket(hi));
      }),
      { seed: 20260101, numRuns: 500 },
    );
  });
});

describe('chinaMonth and parseDims', () => {
  it('months are China time (UTC+8)', () => {
    expect(chinaMonth(Date.UTC(2026, 0, 31, 15, 59, 59, 999))).toBe('2026-01');
    expect(chinaMonth(Date.UTC(2026, 0, 31, 16))).toBe('2026-02');
    expect(chinaMonth(Date.UTC(2025, 11, 31, 16))).toBe('2026-01');
  });

  it('accepts known dimensions once each, in the order given; refuses the rest naming the field', () => {
    const dims = ['workflow', 'owner', 'status'] as const;
    expect(parseDims(undefined, dims, 'workflow')).toEqual(['workflow']);
    expect(parseDims('status,workflow', dims, 'workflow')).toEqual(['status', 'workflow']);
    for (const bad of ['', 'nope', 'workflow,workflow', 'workflow,', ',status', 'workflow,,status', ' status']) {
      expect(() => parseDims(bad, dims, 'workflow'), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'REQUEST_MALFORMED', details: expect.objectContaining({ field: 'by' }) }),
      );
    }
  });

  it('CSV quotes what needs quoting and defuses spreadsheet formulas', () => {
    const csv = statsCsv({
      k: 5,
      by: ['org'],
      cells: [
        { key: { org: 'a,"b"' }, count: 7, suppressed: false },
        { key: { org: '=cmd' }, count: null, suppressed: true },
      ],
      publishedTotal: 7,
      suppressedCells: 1,
      generatedAt: 0,
      height: 1,
    });
    expect(csv).toBe('\uFEFForg,count\r\n"a,""b""",7\r\n\'=cmd,\r\n');
  });
});

describe('e-licence status and chain days', () => {
  it('revoked stays revoked; a valid or suspended licence is expired from validUntil on', () => {
    const until = Date.UTC(2026, 5, 1);
    const cases: [CredentialAnchorStatus, number, string][] = [
      ['valid', until - 1, 'valid'],
      ['valid', until, 'expired'],
      ['suspended', until - 1, 'suspended'],
      ['suspended', until + 1, 'expired'],
      ['revoked', until - 1, 'revoked'],
      ['revoked', until + DAY, 'revoked'],
    ];
    for (const [status, now, expected] of cases) {
      expect(credentialEffectiveStatus({ status, validUntil: until }, now), `${status} at ${now}`).toBe(expected);
    }
  });

  it('days are China time (UTC+8)', () => {
    expect(chinaDate(chinaDay(Date.UTC(2026, 0, 1, 15, 59, 59, 999)))).toBe('2026-01-01');
    expect(chinaDate(chinaDay(Date.UTC(2026, 0, 1, 16)))).toBe('2026-01-02');
    expect(chinaDate(chinaDay(Date.UTC(2025, 11, 31, 16)))).toBe('2026-01-01');
    expect(chinaDay(Date.UTC(2026, 0, 1, 16)) - chinaDay(Date.UTC(2026, 0, 1, 15, 59, 59, 999))).toBe(1);
  });

  it("a receipt's status from the end of its canonical JSON is the parsed status, whatever comes before", () => {
    const tricky = fc.constantFrom('"status":"failed","tx":"', '"status":"ok"', '}', '"}', 'ok', 'failed');
    const receipt = fc.record(
      {
        tx: fc.stringMatching(/^[0-9a-f]{64}$/),
        status: fc.constantFrom('ok', 'failed'),
        code: fc.constantFrom('KV_NOT_FOUND', 'POLICY_DENIED'),
        message: fc.oneof(fc.string(), tricky),
        events: fc.array(fc.record({ contract: fc.string(), name: tricky, data: fc.dictionary(tricky, tricky) })),
        result: fc.dictionary(fc.oneof(fc.string(), tricky), fc.oneof(fc.string(), tricky)),
        fuel: fc.nat(),
      },
      { requiredKeys: ['tx', 'status', 'events'] },
    );
    fc.assert(
      fc.property(receipt, (r) => {
        const bytes = new TextEncoder().encode(canonicalize(r));
        expect(receiptStatusOf(bytes, 1)).toBe(r.status);
      }),
      { seed: 20260302, numRuns: 500 },
    );
    const notCanonical = new TextEncoder().encode(JSON.stringify({ status: 'ok', tx: 'ab'.repeat(32), events: [] }));
    expect(() => receiptStatusOf(notCanonical, 7)).toThrow(
      expect.objectContaining({ code: 'STORE_CORRUPT', details: { height: 7, reason: 'receipt' } }),
    );
  });
});

/** A chain in memory for ChainStats: block times never decrease; counts every read of a block's receipts. */
class MemoryChain implements ChainStatsSource {
  readonly times: number[] = [Date.UTC(2025, 11, 1)];
  readonly statuses: ('ok' | 'failed')[][] = [[]];
  receiptReads = 0;
  header(height: number): BlockHeader | undefined {
    const time = this.times[height];
    return time === undefined ? undefined : ({ height, time } as BlockHeader);
  }
  receiptBytes(height: number): Uint8Array[] | undefined {
    this.receiptReads++;
    return this.statuses[height]?.map((status, i) =>
      new TextEncoder().encode(
        canonicalize({ events: [], status, tx: createHash('sha256').update(`${height}/${i}`).digest('hex') }),
      ),
    );
  }
  add(time: number, statuses: ('ok' | 'failed')[]): void {
    this.times.push(time);
    this.statuses.push(statuses);
  }
  get height(): number {
    return this.times.length - 1;
  }
  /** The naive count: every block from height 1 by its China date. */
  expected(days: number, now: number, height = this.height): ChainStatsView['days'] {
    const today = chinaDay(now);
    return Array.from({ length: days }, (_, i) => {
      const day = today - days + 1 + i;
      let blocks = 0;
      let ok = 0;
      let failed = 0;
      for (let h = 1; h <= height; h++) {
        if (chinaDay(this.times[h]!) !== day) continue;
        blocks++;
        for (const s of this.statuses[h]!) s === 'ok' ? ok++ : failed++;
      }
      return { date: chinaDate(day), blocks, transactions: ok + failed, ok, failed };
    });
  }
}

describe('ChainStats on a chain in memory', () => {
  it('reads each block once across requests, reaching back and following new blocks', async () => {
    const chain = new MemoryChain();
    // 40 days from 1 January, 3 blocks a day (one with a failed transaction), the last on 9 February.
    for (let d = 0; d < 40; d++) {
      for (let b = 0; b < 3; b++)
        chain.add(Date.UTC(2026, 0, 1) + d * DAY + b * 7 * HOUR, b === 1 ? ['ok', 'failed'] : ['ok']);
    }
    let now = Date.UTC(2026, 1, 12, 12);
    let height = chain.height;
    const stats = new ChainStats({ blocksPerYield: 7 }, { store: chain, durableHeight: () => height, now: () => now });
    const week = await stats.read(7);
    expect(week.days).toEqual(chain.expected(7, now));
    expect(week.height).toBe(height);
    expect(week.generatedAt).toBe(now);
    const first = chain.receiptReads;
    expect(await stats.read(7)).toEqual(week);
    expect(chain.receiptReads).toBe(first);
    // Reaching back reads only the older blocks; everything it had stays.
    const quarter = await stats.read(90);
    expect(quarter.days).toEqual(chain.expected(90, now));
    expect(quarter.totals).toEqual({ blocks: 120, transactions: 160, ok: 120, failed: 40 });
    expect(chain.receiptReads).toBe(chain.height);
    // New blocks today, one of them not durable yet: only the durable one is read and counted.
    chain.add(now, ['failed', 'failed']);
    chain.add(now, ['ok']);
    height = chain.height - 1;
    const today = await stats.read(1);
    expect(today.days).toEqual([{ date: '2026-02-12', blocks: 1, transactions: 2, ok: 0, failed: 2 }]);
    expect(chain.receiptReads).toBe(chain.height - 1);
    // The next day: only the block made durable since is read.
    now += DAY;
    height = chain.height;
    expect((await stats.read(2)).days).toEqual(chain.expected(2, now));
    expect(chain.receiptReads).toBe(chain.height);
  });

  it('property: any sequence of requests and new blocks gives the naive count', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 30 * HOUR }), fc.array(fc.boolean(), { maxLength: 3 })), { maxLength: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 90 }), fc.nat({ max: 60 }), fc.nat({ max: 3 * DAY })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (blocks, requests) => {
          const chain = new MemoryChain();
          let time = Date.UTC(2026, 0, 1);
          for (const [gap, oks] of blocks) {
            time += gap;
            chain.add(
              time,
              oks.map((ok) => (ok ? 'ok' : 'failed')),
            );
          }
          let height = 0;
          let now = Date.UTC(2026, 0, 1);
          const stats = new ChainStats(
            { blocksPerYield: 5 },
            { store: chain, durableHeight: () => height, now: () => now },
          );
          for (const [days, grow, wait] of requests) {
            height = Math.min(chain.height, height + grow);
            now = Math.max(now + wait, chain.times[height]!);
            const view = await stats.read(days);
            expect(view.days).toEqual(chain.expected(days, now, height));
            expect(view.totals.transactions).toBe(view.totals.ok + view.totals.failed);
          }
        },
      ),
      { seed: 20260303, numRuns: 150 },
    );
  });

  it('concurrent requests never count a block twice', async () => {
    const chain = new MemoryChain();
    for (let i = 0; i < 500; i++) chain.add(Date.UTC(2026, 0, 1) + i * 60_000, ['ok']);
    // Blocks every minute from 08:00 to 16:19 on 1 January, China time; read at 20:00 that day.
    const now = Date.UTC(2026, 0, 1, 12);
    const stats = new ChainStats(
      { blocksPerYield: 10 },
      { store: chain, durableHeight: () => chain.height, now: () => now },
    );
    const views = await Promise.all([stats.read(1), stats.read(3), stats.read(2), stats.read(1)]);
    for (const v of views) expect(v.totals.blocks).toBe(500);
    expect(chain.receiptReads).toBe(500);
  });

  it('refuses days outside 1–90 as REQUEST_MALFORMED naming the field', () => {
    const stats = new ChainStats({}, { store: new MemoryChain(), durableHeight: () => 0, now: () => 0 });
    for (const days of [0, -1, 91, 1.5, Number.NaN]) {
      expect(() => stats.read(days), String(days)).toThrow(
        expect.objectContaining({ code: 'REQUEST_MALFORMED', details: { field: 'days', min: 1, max: 90 } }),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The routes, on a node
// ---------------------------------------------------------------------------------------------------------------

let t: TestNode;
const staff = (id: string): KeyPair => {
  const k = t.staff[id];
  if (k === undefined) throw new Error(`no demo staff member ${id}`);
  return k;
};
const call = (key: KeyPair, contract: string, method: string, args: JsonObject) =>
  signedTx(t, { key, contract, method, args, expiresAt: t.node.clock.now() + 10 * 60_000 });

async function ok(key: KeyPair, contract: string, method: string, args: JsonObject): Promise<JsonObject> {
  const r = await submitForReceipt(t, call(key, contract, method, args));
  expect(r.status, JSON.stringify(r)).toBe('ok');
  return (r.result ?? {}) as JsonObject;
}

/** Everything personal or case-specific the test puts on chain: none of it may appear in a published statistic. */
const secrets: string[] = [];
const subjectOf = new Map<string, string>();

/** Registers a personal value as the applicant does before applying; the commitment goes in the form. */
async function personal(applicant: KeyPair, value: string): Promise<string> {
  const salt = createHash('sha256').update(`stats test salt\u0000${value}`).digest('hex').slice(0, 32);
  const commitment = commitPersonal(t.suite, value, salt);
  secrets.push(commitment, value, salt);
  const tx = call(applicant, 'privacy', 'register', {
    commitment,
    category: 'identity',
    subject: subjectOf.get(bytesToHex(applicant.publicKey)) ?? '',
    org: 'market',
    policy: [{ org: 'market', purposes: ['case-handling'] }],
  });
  await t.node.privacy.register({ tx: tx as unknown as JsonObject, value, salt });
  return commitment;
}

async function registerSubject(registrar: KeyPair, subject: KeyPair, kind: 'citizen' | 'enterprise') {
  const signed = call(registrar, 'identity', 'registerSubject', { publicKey: bytesToHex(subject.publicKey), kind });
  const r = await submitForReceipt(t, addCosignature(t.suite, signed, subject.secretKey));
  expect(r.status, JSON.stringify(r)).toBe('ok');
  secrets.push(bytesToHex(subject.publicKey));
  const id = (r.result as { subject: string }).subject;
  secrets.push(id);
  subjectOf.set(bytesToHex(subject.publicKey), id);
  return id;
}

const licenceForm = async (i: number, applicant: KeyPair): Promise<JsonObject> => {
  const companyName = `统计测试公司${i}号`;
  secrets.push(companyName);
  return {
    companyName,
    companyType: '有限责任公司',
    registeredCapital: 1_000_000 + i,
    address: `杭州市西湖区文三路 ${200 + i} 号`,
    legalRepresentativeId: await personal(applicant, `3301061990010100${String(i).padStart(2, '0')}`),
    businessScope: '软件开发',
  };
};

const caseIdOf = (r: JsonObject) => (r as { case: string }).case;

/** GET a stats route: the parsed JSON (checked to be 200) and the raw response. */
async function get(url: string) {
  const res = await t.app.inject({ method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return { res, body: res.json() as StatsTable };
}

/** No cell 0 < count < k is published; suppressed cells are null. Returns the published sum and suppressed count. */
function checkCells(cells: readonly StatCell[], k: number): { published: number; suppressed: number } {
  let published = 0;
  let suppressed = 0;
  for (const cell of cells) {
    if (cell.suppressed) {
      expect(cell.count).toBeNull();
      suppressed++;
    } else {
      expect(cell.count).not.toBeNull();
      const n = cell.count as number;
      expect(n === 0 || n >= k, `cell ${JSON.stringify(cell)} is small but published`).toBe(true);
      published += n;
    }
  }
  return { published, suppressed };
}

/** The published-table invariants every output must keep. */
function checkTable(body: StatsTable, k: number) {
  expect(body.k).toBe(k);
  const { published, suppressed } = checkCells(body.cells, k);
  expect(body.publishedTotal).toBe(published);
  expect(body.suppressedCells).toBe(suppressed);
}

const cellsOf = (body: StatsTable) => body.cells.map((c) => ({ ...c.key, count: c.count }));

let k: number;
let recordId: string;
/** Case ids by what happened to them. */
const ids = { approved: [] as string[], rejected: [] as string[], withdrawn: [] as string[], open: [] as string[] };

beforeAll(async () => {
  t = await openTestNode();
  k = privacyConfigOf(t.node.consortium.config).kAnonymity;
  const proposal = call(staff('market-admin'), 'gov', 'propose', { actions: templateActions() as JsonValue[] });
  expect((await submitForReceipt(t, proposal)).status).toBe('ok');
  await ok(staff('realestate-admin'), 'gov', 'vote', { proposal: txIdOf(t, proposal), approve: true });
  await ok(staff('police-admin'), 'gov', 'vote', { proposal: txIdOf(t, proposal), approve: true });
  const applicants = [labelledKey(t, 'stats-alice'), labelledKey(t, 'stats-bob'), labelledKey(t, 'stats-acme')];
  const [aliceSubject] = await Promise.all([
    registerSubject(staff('market-registrar'), applicants[0]!, 'citizen'),
    registerSubject(staff('market-registrar'), applicants[1]!, 'citizen'),
    registerSubject(staff('market-registrar'), applicants[2]!, 'enterprise'),
  ]);

  // 16 business-licence applications and 2 budget requests, all on 2026-01-01 (China time).
  const applicantOf = (i: number) => applicants[i % 3]!;
  const licences = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      licenceForm(i, applicantOf(i))
        .then((form) => ok(applicantOf(i), 'workflow', 'submit', { workflow: 'business-licence', form }))
        .then(caseIdOf),
    ),
  );
  const budgets = await Promise.all(
    ['market-caseworker', 'police-caseworker'].map((who, i) =>
      ok(staff(who), 'workflow', 'submit', {
        workflow: 'budget-approval',
        form: { year: 2027, title: `统计测试预算${i}`, amount: 100_000, purpose: '设备' },
      }).then(caseIdOf),
    ),
  );
  const act = (who: string, id: string, action: string, extra: JsonObject = {}) =>
    ok(staff(who), 'workflow', 'act', { case: id, action, ...extra });
  // Six approved within the hour, two rejected, one withdrawn.
  await Promise.all(
    licences.slice(0, 6).map((id) => act('market-caseworker', id, 'approve', { form: { opinion: '齐' } })),
  );
  await Promise.all(
    licences
      .slice(0, 6)
      .map((id, i) => act('market-registrar', id, 'approve', { form: { licenceNo: `91330106MA2AB3CD${i}X` } })),
  );
  await Promise.all(
    licences.slice(6, 8).map((id) => act('market-caseworker', id, 'reject', { comment: '统计测试驳回' })),
  );
  secrets.push('统计测试驳回');
  await ok(applicantOf(8), 'workflow', 'withdraw', { case: licences[8]! });
  ids.approved.push(...licences.slice(0, 6));
  ids.rejected.push(...licences.slice(6, 8));
  ids.withdrawn.push(licences[8]!);

  // A month later — 2026-02-01 04:00 in China, still January in UTC: one old case decided late (a breach, >7d), one
  // new application.
  t.setTime(Date.UTC(2026, 0, 31, 20));
  await act('market-caseworker', licences[9]!, 'approve', { form: { opinion: '逾期' } });
  await act('market-registrar', licences[9]!, 'approve', { form: { licenceNo: '91330106MA2AB3CD9X' } });
  ids.approved.push(licences[9]!);
  const late = caseIdOf(
    await ok(applicantOf(16), 'workflow', 'submit', {
      workflow: 'business-licence',
      form: await licenceForm(16, applicantOf(16)),
    }),
  );
  ids.open.push(...licences.slice(10), late, ...budgets);

  // The market regulator's seal reads each approved licence's legal representative (7 recorded reads for the case);
  // these test records are bare ID numbers without the `name` the licence names, so no licence is issued.
  await credentialsSettled(t);
  expect([...t.node.credentials.failures.values()].map((f) => f.code)).toEqual(
    Array.from({ length: 7 }, () => 'CREDENTIAL_CLAIM_MISSING'),
  );

  // A personal record of a citizen, read for audit: five reads allowed (police), three denied (market, and a police
  // caseworker without the auditor role).
  recordId = createHash('sha256').update('stats test: alice identity card').digest('hex');
  secrets.push(recordId);
  await ok(staff('police-caseworker'), 'privacy', 'register', {
    commitment: recordId,
    category: 'identity',
    subject: aliceSubject,
    policy: [{ org: 'police', purposes: ['audit'] }],
  });
  const read = (who: string) => ok(staff(who), 'privacy', 'read', { record: recordId, purpose: 'audit' });
  const reads = await Promise.all([
    ...Array.from({ length: 5 }, () => read('police-auditor')),
    read('market-auditor'),
    read('market-auditor'),
    read('police-caseworker'),
  ]);
  expect(reads.map((r) => r.decision)).toEqual([...Array(5).fill('allowed'), 'denied', 'denied', 'denied']);
}, 60_000);

afterAll(async () => {
  expect(t?.fatal ?? []).toEqual([]);
  await t?.close();
});

describe('GET /v1/stats/cases', () => {
  it('the dataset is what the figures below assume', () => {
    expect(k).toBe(5);
    expect(ids.approved).toHaveLength(7);
    expect(ids.open).toHaveLength(9);
    const status = (id: string) => (t.node.chain.state('workflow', `case/${id}`).value as { status: string }).status;
    expect(ids.approved.map(status).every((s) => s === 'approved')).toBe(true);
    expect(ids.open.map(status).every((s) => s === 'open')).toBe(true);
  });

  it('counts per workflow; a workflow with fewer than k cases is suppressed and not in the total', async () => {
    const { body } = await get('/v1/stats/cases');
    checkTable(body, k);
    expect(body.by).toEqual(['workflow']);
    expect(body.height).toBe(t.node.ledger.durableHeight);
    expect(body.generatedAt).toBe(t.node.clock.now());
    expect(body.cells).toEqual([
      { key: { workflow: 'budget-approval' }, count: null, suppressed: true },
      { key: { workflow: 'business-licence' }, count: 17, suppressed: false },
    ]);
    expect(body.publishedTotal).toBe(17);
    expect(body.suppressedCells).toBe(1);
  });

  it('status, owner, month (China time), breach', async () => {
    expect(cellsOf((await get('/v1/stats/cases?by=status')).body)).toEqual([
      { status: 'approved', count: 7 },
      { status: 'open', count: 9 },
      { status: 'rejected', count: null },
      { status: 'withdrawn', count: null },
    ]);
    expect(cellsOf((await get('/v1/stats/cases?by=owner')).body)).toEqual([
      { owner: 'finance', count: null },
      { owner: 'market', count: 17 },
    ]);
    // In UTC every case is from January; in China the last one was filed on 1 February.
    expect(cellsOf((await get('/v1/stats/cases?by=month')).body)).toEqual([
      { month: '2026-01', count: 18 },
      { month: '2026-02', count: null },
    ]);
    expect(cellsOf((await get('/v1/stats/cases?by=breached')).body)).toEqual([
      { breached: 'no', count: 18 },
      { breached: 'yes', count: null },
    ]);
  });

  it('crossed dimensions, sorted by key in the order of by', async () => {
    const { body } = await get('/v1/stats/cases?by=workflow,status');
    checkTable(body, k);
    expect(cellsOf(body)).toEqual([
      { workflow: 'budget-approval', status: 'open', count: null },
      { workflow: 'business-licence', status: 'approved', count: 7 },
      { workflow: 'business-licence', status: 'open', count: 7 },
      { workflow: 'business-licence', status: 'rejected', count: null },
      { workflow: 'business-licence', status: 'withdrawn', count: null },
    ]);
    expect(body.publishedTotal).toBe(14);
    expect(body.suppressedCells).toBe(3);
    const reversed = (await get('/v1/stats/cases?by=status,workflow')).body;
    expect(reversed.by).toEqual(['status', 'workflow']);
    expect(reversed.cells.map((c) => c.key.status)).toEqual(['approved', 'open', 'open', 'rejected', 'withdrawn']);
  });
});

describe('GET /v1/stats/processing', () => {
  it('buckets of decided cases per group, zeros published, small buckets and breaches suppressed', async () => {
    const { body } = await get('/v1/stats/processing');
    const p = body as ProcessingStatsTable;
    checkTable(p, k);
    expect(p.buckets).toEqual([...PROCESSING_BUCKETS]);
    // Eight decided within the hour (six approved, two rejected); one a month later.
    expect(cellsOf(p)).toEqual([
      { workflow: 'business-licence', bucket: '<1h', count: 8 },
      { workflow: 'business-licence', bucket: '1h–1d', count: 0 },
      { workflow: 'business-licence', bucket: '1–3d', count: 0 },
      { workflow: 'business-licence', bucket: '3–7d', count: 0 },
      { workflow: 'business-licence', bucket: '>7d', count: null },
    ]);
    expect(p.publishedTotal).toBe(8);
    expect(p.suppressedCells).toBe(1);
    expect(p.breached).toEqual([{ key: { workflow: 'business-licence' }, count: null, suppressed: true }]);
    const byOwner = (await get('/v1/stats/processing?by=owner,workflow')).body as ProcessingStatsTable;
    expect(byOwner.cells[0]).toEqual({
      key: { owner: 'market', workflow: 'business-licence', bucket: '<1h' },
      count: 8,
      suppressed: false,
    });
  });
});

describe('GET /v1/stats/access', () => {
  it('reads per purpose, organisation and decision from the privacy counters', async () => {
    // 8 audit reads, and the market seal's 7 reads for the approved licences.
    expect(cellsOf((await get('/v1/stats/access')).body)).toEqual([
      { purpose: 'audit', count: 8 },
      { purpose: 'case-handling', count: 7 },
    ]);
    expect(cellsOf((await get('/v1/stats/access?by=org')).body)).toEqual([
      { org: 'market', count: 9 },
      { org: 'police', count: 6 },
    ]);
    expect(cellsOf((await get('/v1/stats/access?by=decision')).body)).toEqual([
      { decision: 'allowed', count: 12 },
      { decision: 'denied', count: null },
    ]);
    const { body } = await get('/v1/stats/access?by=purpose,org,decision');
    checkTable(body, k);
    expect(cellsOf(body)).toEqual([
      { purpose: 'audit', org: 'market', decision: 'denied', count: null },
      { purpose: 'audit', org: 'police', decision: 'allowed', count: 5 },
      { purpose: 'audit', org: 'police', decision: 'denied', count: null },
      { purpose: 'case-handling', org: 'market', decision: 'allowed', count: 7 },
    ]);
    expect(body.publishedTotal).toBe(12);
  });
});

type CredentialAnchorStatus = 'valid' | 'suspended' | 'revoked';

describe('GET /v1/stats/credentials', () => {
  /** 2026-03-01 00:00 in China. */
  const MARCH = Date.UTC(2026, 1, 28, 16);
  let issuedAt: number;

  /** Anchors a licence of `type` with `seal` (no SD-JWT is needed for the anchor); returns its id. */
  async function anchor(seal: string, type: string, holder: string, validFrom: number, validUntil: number) {
    const n = secrets.length;
    const id = createHash('sha256').update(`stats credential ${n}`).digest('hex');
    const digest = base64urlEncode(createHash('sha256').update(`stats credential digest ${n}`).digest());
    secrets.push(id, digest);
    await ok(staff(seal), 'credential', 'issue', { id, type, holder, digest, validFrom, validUntil });
    return id;
  }

  beforeAll(async () => {
    const holders = [...subjectOf.values()];
    expect(holders).toHaveLength(3);
    const holder = (i: number) => holders[i % 3]!;
    const now = t.node.clock.now();
    issuedAt = now;
    const future = now + 3650 * DAY;
    const lapsed = [now - 400 * DAY, now - DAY] as const;
    // The market regulator's business licences, 15: 6 valid, 2 suspended, 1 revoked and 1 revoked after it lapsed,
    // 1 suspended that lapsed (expired), 4 lapsed (expired). The police's household records, 3, all valid.
    const market = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        i < 9
          ? anchor('market-seal', 'business-licence', holder(i), now - DAY, future)
          : anchor('market-seal', 'business-licence', holder(i), ...lapsed),
      ),
    );
    await Promise.all(
      Array.from({ length: 3 }, (_, i) => anchor('police-seal', 'household-record', holder(i), now - DAY, future)),
    );
    const change = (method: string, id: string, reason: string) =>
      ok(staff('market-registrar'), 'credential', method, { id, reason });
    await Promise.all([
      change('suspend', market[6]!, 'under-investigation'),
      change('suspend', market[7]!, 'under-investigation'),
      change('revoke', market[8]!, 'cancelled'),
      change('revoke', market[9]!, 'cancelled'),
      change('suspend', market[10]!, 'data-error'),
    ]);
    // Birth certificates of the health commission: one at the last millisecond of February (China time), five on
    // 1 March, one of them valid for two hours only.
    t.setTime(MARCH - 1);
    await anchor('health-seal', 'birth-certificate', holder(0), MARCH - DAY, MARCH + 3650 * DAY);
    t.setTime(MARCH);
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) =>
        anchor('health-seal', 'birth-certificate', holder(i), MARCH - DAY, MARCH + 3650 * DAY),
      ),
      anchor('health-seal', 'birth-certificate', holder(1), MARCH - DAY, MARCH + 2 * HOUR),
    ]);
  }, 60_000);

  it('the dataset is what the figures below assume', () => {
    expect(chinaMonth(issuedAt)).toBe('2026-02');
    const anchors = t.node.stateKeys('credential', 'credential/', { limit: 100 });
    expect(anchors).toHaveLength(24);
  });

  it('counts per type by default; a type with fewer than k licences is suppressed and not in the total', async () => {
    const { body } = await get('/v1/stats/credentials');
    checkTable(body, k);
    expect(body.by).toEqual(['type']);
    expect(body.height).toBe(t.node.ledger.durableHeight);
    expect(body.generatedAt).toBe(MARCH);
    expect(body.cells).toEqual([
      { key: { type: 'birth-certificate' }, count: 6, suppressed: false },
      { key: { type: 'business-licence' }, count: 15, suppressed: false },
      { key: { type: 'household-record' }, count: null, suppressed: true },
    ]);
    expect(body.publishedTotal).toBe(21);
    expect(body.suppressedCells).toBe(1);
  });

  it('issuing department, status (expired at the read time, revoked stays revoked), month of issue in China time', async () => {
    expect(cellsOf((await get('/v1/stats/credentials?by=org')).body)).toEqual([
      { org: 'health', count: 6 },
      { org: 'market', count: 15 },
      { org: 'police', count: null },
    ]);
    expect(cellsOf((await get('/v1/stats/credentials?by=status')).body)).toEqual([
      { status: 'expired', count: 5 },
      { status: 'revoked', count: null },
      { status: 'suspended', count: null },
      { status: 'valid', count: 15 },
    ]);
    // 2026-02-28T15:59:59.999Z is still February in China; 16:00Z is March.
    expect(cellsOf((await get('/v1/stats/credentials?by=month')).body)).toEqual([
      { month: '2026-02', count: 19 },
      { month: '2026-03', count: 5 },
    ]);
    const { body } = await get('/v1/stats/credentials?by=type,status');
    checkTable(body, k);
    expect(cellsOf(body)).toEqual([
      { type: 'birth-certificate', status: 'valid', count: 6 },
      { type: 'business-licence', status: 'expired', count: 5 },
      { type: 'business-licence', status: 'revoked', count: null },
      { type: 'business-licence', status: 'suspended', count: null },
      { type: 'business-licence', status: 'valid', count: 6 },
      { type: 'household-record', status: 'valid', count: null },
    ]);
    expect(body.publishedTotal).toBe(17);
    expect(body.suppressedCells).toBe(3);
  });

  it('a licence expires at the read time, without any new block', async () => {
    const before = (await get('/v1/stats/credentials?by=status')).body;
    t.setTime(MARCH + 3 * HOUR);
    const after = (await get('/v1/stats/credentials?by=status')).body;
    expect(after.height).toBe(before.height);
    expect(after.generatedAt).toBe(MARCH + 3 * HOUR);
    expect(cellsOf(after)).toEqual([
      { status: 'expired', count: 6 },
      { status: 'revoked', count: null },
      { status: 'suspended', count: null },
      { status: 'valid', count: 14 },
    ]);
  });

  it('CSV as for the other tables, the same as the SDK makes; bad by is a coded 400 naming the field', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/stats/credentials?by=org,status&format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body).toBe(
      '\uFEFForg,status,count\r\n' +
        'health,expired,\r\n' +
        'health,valid,5\r\n' +
        'market,expired,5\r\n' +
        'market,revoked,\r\n' +
        'market,suspended,\r\n' +
        'market,valid,6\r\n' +
        'police,valid,\r\n',
    );
    const client = createClient({ transport: injectTransport() });
    expect(statsToCsv(await getCredentialStats(client, ['org', 'status']))).toBe(res.body);
    expect((await getCredentialStats(client)).by).toEqual(['type']);
    for (const url of [
      '/v1/stats/credentials?by=',
      '/v1/stats/credentials?by=holder',
      '/v1/stats/credentials?by=type,type',
      '/v1/stats/credentials?by=workflow',
      '/v1/stats/credentials?by=status,',
    ]) {
      const error = expectError(await t.app.inject({ method: 'GET', url }), 400, 'REQUEST_MALFORMED');
      expect(error.details, url).toMatchObject({ field: 'by', allowed: ['type', 'org', 'status', 'month'] });
    }
    expectError(await t.app.inject({ method: 'GET', url: '/v1/stats/credentials?holder=x' }), 400, 'REQUEST_MALFORMED');
  });
});

/** A transport that answers from the node's API in-process and insists on 200. */
function injectTransport(): Transport {
  return {
    async request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
      const r = await t.app.inject({ method, url: path });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as T;
    },
  };
}

/** Every route with every dimension alone and all of them together, as JSON and as CSV. */
const ALL_QUERIES = [
  ...['workflow', 'owner', 'status', 'month', 'breached', 'workflow,owner,status,month,breached'].map(
    (by) => `/v1/stats/cases?by=${by}`,
  ),
  ...['type', 'org', 'status', 'month', 'type,org,status,month'].map((by) => `/v1/stats/credentials?by=${by}`),
  ...['workflow', 'owner', 'owner,workflow'].map((by) => `/v1/stats/processing?by=${by}`),
  ...['purpose', 'org', 'decision', 'purpose,org,decision'].map((by) => `/v1/stats/access?by=${by}`),
];

describe('every output', () => {
  it('keeps the suppression invariants and holds no form value, commitment, subject, key or comment', async () => {
    expect(secrets.length).toBeGreaterThan(40);
    for (const url of ALL_QUERIES) {
      const json = await get(url);
      checkTable(json.body, k);
      if ('breached' in json.body) checkCells((json.body as ProcessingStatsTable).breached, k);
      const csv = await t.app.inject({ method: 'GET', url: `${url}&format=csv` });
      for (const text of [json.res.body, csv.body]) {
        for (const s of secrets) expect(text.includes(s), `${url} reveals ${s}`).toBe(false);
        expect(text).not.toMatch(/[0-9a-f]{64}/);
      }
    }
  });

  it('CSV: BOM, header of the dimensions and count, suppressed cells empty; the same as the SDK makes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/stats/cases?by=workflow,status&format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(res.body).toBe(
      '\uFEFFworkflow,status,count\r\n' +
        'budget-approval,open,\r\n' +
        'business-licence,approved,7\r\n' +
        'business-licence,open,7\r\n' +
        'business-licence,rejected,\r\n' +
        'business-licence,withdrawn,\r\n',
    );
    const processing = await t.app.inject({ method: 'GET', url: '/v1/stats/processing?format=csv' });
    expect(processing.body.split('\r\n')).toEqual([
      '\uFEFFworkflow,bucket,count',
      'business-licence,<1h,8',
      'business-licence,1h–1d,0',
      'business-licence,1–3d,0',
      'business-licence,3–7d,0',
      'business-licence,>7d,',
      'business-licence,breached,',
      '',
    ]);

    const transport: Transport = {
      async request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
        const r = await t.app.inject({ method, url: path });
        expect(r.statusCode, r.body).toBe(200);
        return r.json() as T;
      },
    };
    const client = createClient({ transport });
    const csvOf = async (url: string) => (await t.app.inject({ method: 'GET', url })).body;
    expect(statsToCsv(await getCaseStats(client, ['workflow', 'status']))).toBe(res.body);
    expect(statsToCsv(await getProcessingStats(client))).toBe(processing.body);
    expect(statsToCsv(await getAccessStats(client, ['org', 'decision']))).toBe(
      await csvOf('/v1/stats/access?by=org,decision&format=csv'),
    );
  });

  it('bad by or format: a coded 400 naming the field, never a 500', async () => {
    const bad = [
      '/v1/stats/cases?by=',
      '/v1/stats/cases?by=nope',
      '/v1/stats/cases?by=status,status',
      '/v1/stats/cases?by=workflow,',
      '/v1/stats/processing?by=month',
      '/v1/stats/processing?by=status',
      '/v1/stats/access?by=workflow',
      '/v1/stats/access?by=org,,decision',
    ];
    for (const url of bad) {
      const error = expectError(await t.app.inject({ method: 'GET', url }), 400, 'REQUEST_MALFORMED');
      expect(error.details, url).toMatchObject({ field: 'by' });
    }
    expectError(await t.app.inject({ method: 'GET', url: '/v1/stats/cases?format=xml' }), 400, 'REQUEST_MALFORMED');
    expectError(await t.app.inject({ method: 'GET', url: '/v1/stats/cases?subject=x' }), 400, 'REQUEST_MALFORMED');

    const dims = ['workflow', 'owner', 'status', 'month', 'breached'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...dims, '', 'x', 'Workflow', '%2C', 'month ', '组织')), { maxLength: 6 }),
        async (parts) => {
          const by = parts.join(',');
          const res = await t.app.inject({ method: 'GET', url: `/v1/stats/cases?by=${encodeURIComponent(by)}` });
          const valid =
            parts.length > 0 && parts.every((p) => dims.includes(p)) && new Set(parts).size === parts.length;
          expect(res.statusCode, by).toBe(valid ? 200 : 400);
          if (!valid) expectError(res, 400, 'REQUEST_MALFORMED');
        },
      ),
      { seed: 8, numRuns: 150 },
    );
  });

  it('follows the chain: a new block is counted at the next request', async () => {
    const before = (await get('/v1/stats/cases')).body;
    const applicant = labelledKey(t, 'stats-alice');
    await ok(applicant, 'workflow', 'submit', {
      workflow: 'business-licence',
      form: await licenceForm(17, applicant),
    });
    const after = (await get('/v1/stats/cases')).body;
    expect(after.height).toBeGreaterThan(before.height);
    expect(after.cells).toContainEqual({ key: { workflow: 'business-licence' }, count: 18, suppressed: false });
    expect(T0).toBeLessThan(after.generatedAt);
  });
});

describe('GET /v1/stats/chain', () => {
  /** 2026-03-02 00:00 in China. */
  const MARCH_2 = Date.UTC(2026, 2, 1, 16);
  const kvPut = (i: number) => call(t.members.market!, 'kv', 'put', { key: `chain-stats-${i}`, value: i });
  const kvDeleteMissing = (i: number) => call(t.members.market!, 'kv', 'delete', { key: `never-there-${i}` });
  const receipt = async (tx: ReturnType<typeof kvPut>, status: 'ok' | 'failed') => {
    expect((await submitForReceipt(t, tx)).status).toBe(status);
  };

  /** The per-day count from the blocks the API serves (every block but genesis, by header time in China). */
  async function oracle(days: number, now: number): Promise<ChainStatsView['days']> {
    const height = t.node.ledger.durableHeight;
    const byDay = new Map<number, { blocks: number; ok: number; failed: number }>();
    for (let h = 1; h <= height; h++) {
      const block = (await t.app.inject({ method: 'GET', url: `/v1/blocks/${h}?full=true` })).json() as BlockView;
      const day = chinaDay(block.header.time);
      const c = byDay.get(day) ?? { blocks: 0, ok: 0, failed: 0 };
      c.blocks++;
      for (const r of block.receipts ?? []) r.status === 'ok' ? c.ok++ : c.failed++;
      byDay.set(day, c);
    }
    const today = chinaDay(now);
    return Array.from({ length: days }, (_, i) => {
      const day = today - days + 1 + i;
      const c = byDay.get(day) ?? { blocks: 0, ok: 0, failed: 0 };
      return { date: chinaDate(day), blocks: c.blocks, transactions: c.ok + c.failed, ok: c.ok, failed: c.failed };
    });
  }

  async function chainStats(query = ''): Promise<ChainStatsView> {
    const res = await t.app.inject({ method: 'GET', url: `/v1/stats/chain${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as ChainStatsView;
  }

  beforeAll(async () => {
    // Four transactions in the last second of 1 March (China time), one block each, one failing; then two in the
    // first second of 2 March, one failing.
    t.setTime(MARCH_2 - 1000);
    await receipt(kvPut(1), 'ok');
    await receipt(kvPut(2), 'ok');
    await receipt(kvDeleteMissing(1), 'failed');
    await receipt(kvPut(3), 'ok');
    t.setTime(MARCH_2);
    await receipt(kvPut(4), 'ok');
    await receipt(kvDeleteMissing(2), 'failed');
  }, 60_000);

  it('counts per day across the day boundary, today last; the last day exactly', async () => {
    const view = await chainStats('?days=2');
    expect(view.height).toBe(t.node.ledger.durableHeight);
    expect(view.generatedAt).toBe(MARCH_2);
    expect(view.days).toHaveLength(2);
    expect(view.days[1]).toEqual({ date: '2026-03-02', blocks: 2, transactions: 2, ok: 1, failed: 1 });
    expect(view.days[0]!.date).toBe('2026-03-01');
    // 1 March: the six birth certificates' blocks (at 00:00) and the four blocks of its last second.
    expect(view.days[0]!.blocks).toBeGreaterThanOrEqual(5);
    expect(view.days[0]!.failed).toBe(1);
    expect(view.days).toEqual(await oracle(2, MARCH_2));
    expect(view.totals).toEqual({
      blocks: view.days[0]!.blocks + 2,
      transactions: view.days[0]!.transactions + 2,
      ok: view.days[0]!.ok + 1,
      failed: 2,
    });
  });

  it('agrees with the blocks served by the API for every window, the default being 14 days', async () => {
    const byDefault = await chainStats();
    expect(byDefault.days).toHaveLength(14);
    expect(byDefault.days.at(-1)!.date).toBe('2026-03-02');
    expect(byDefault.days[0]!.date).toBe('2026-02-17');
    expect(byDefault.days).toEqual(await oracle(14, MARCH_2));
    // 61 days reach 1 January (the first blocks of this chain), 60 days stop just after it.
    for (const days of [1, 60, 61, 90]) {
      const view = await chainStats(`?days=${days}`);
      expect(view.days, `${days} days`).toEqual(await oracle(days, MARCH_2));
    }
    expect((await chainStats('?days=61')).days[0]!.date).toBe('2026-01-01');
    expect((await chainStats('?days=60')).days[0]!.date).toBe('2026-01-02');
    const all = await chainStats('?days=90');
    expect(all.days.find((d) => d.date === '2026-01-01')!.blocks).toBeGreaterThan(10);
    const counted = all.days.reduce((n, d) => n + d.blocks, 0);
    expect(all.totals.blocks).toBe(counted);
    // Every durable block but genesis is in the last 90 days of this chain.
    expect(counted).toBe(t.node.ledger.durableHeight);
    expect(JSON.stringify(all)).not.toMatch(/[0-9a-f]{64}/);
  });

  it('follows the chain: a new block is counted at the next request; the SDK returns the same', async () => {
    const before = await chainStats('?days=1');
    await receipt(kvPut(5), 'ok');
    const after = await chainStats('?days=1');
    expect(after.height).toBe(before.height + 1);
    expect(after.days).toEqual([{ date: '2026-03-02', blocks: 3, transactions: 3, ok: 2, failed: 1 }]);
    const client = createClient({ transport: injectTransport() });
    expect(await getChainStats(client, { days: 1 })).toEqual(after);
    expect((await getChainStats(client)).days).toHaveLength(14);
  });

  it('days from 1 to 90: anything else is a coded 400 naming days', async () => {
    for (const days of ['0', '91', '-1', '1.5', 'abc', '', '1e1', '999999999', '%201']) {
      const error = expectError(
        await t.app.inject({ method: 'GET', url: `/v1/stats/chain?days=${days}` }),
        400,
        'REQUEST_MALFORMED',
      );
      expect(error.details, days).toMatchObject({ field: 'days', max: 90 });
    }
    expectError(await t.app.inject({ method: 'GET', url: '/v1/stats/chain?by=day' }), 400, 'REQUEST_MALFORMED');
    for (const days of [1, 90]) expect((await chainStats(`?days=${days}`)).days).toHaveLength(days);
  });
});

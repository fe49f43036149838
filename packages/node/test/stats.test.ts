/**
 * Published statistics (docs/statistics.md): the bucket, month and `by` helpers, then the three public routes on a
 * node with real cases (business licences and budget requests walked to every status, one decided a month later with
 * a deadline breach) and real reads of a personal record: small cells suppressed, totals only over published cells,
 * CSV, coded refusals, and nothing of any form, subject or record in any output.
 */
import { createHash } from 'node:crypto';
import { type KeyPair, templateActions } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  commitPersonal,
  type JsonObject,
  type JsonValue,
  privacyConfigOf,
  type StatCell,
} from '@lianzheng/protocol';
import {
  createClient,
  getAccessStats,
  getCaseStats,
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

/** Every route with every dimension alone and all of them together, as JSON and as CSV. */
const ALL_QUERIES = [
  ...['workflow', 'owner', 'status', 'month', 'breached', 'workflow,owner,status,month,breached'].map(
    (by) => `/v1/stats/cases?by=${by}`,
  ),
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

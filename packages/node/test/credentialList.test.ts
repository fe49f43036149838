/**
 * A department's list of the licences it issued (GET /v1/credentials, docs/credentials.md): anchors of two
 * departments in every status, some for a case, some already lapsed, issued over several blocks and several in one
 * block. The list is the organisation's only, newest issue first (ties by id), with what the anchor holds publicly
 * and nothing more; filters by status (expiry judged at the read time, without a new block) and type; paging by
 * cursor that neither repeats nor skips a licence while new ones are issued; the policy `credential.list` (the issuing
 * department's registrars, administrators and auditors) and coded refusals of sessions, identities and bad queries.
 */
import { createHash } from 'node:crypto';
import type { KeyPair } from '@lianzheng/node';
import {
  addCosignature,
  base64urlEncode,
  bytesToHex,
  type CredentialListItem,
  type CredentialListView,
  type JsonObject,
  type SignedTransaction,
} from '@lianzheng/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREDENTIAL_LIST_LIMIT_DEFAULT,
  decodeCredentialListCursor,
  encodeCredentialListCursor,
} from '../src/api/credentialRoutes.js';
import {
  expectError,
  labelledKey,
  openTestNode,
  postBatch,
  signedTx,
  signInToken,
  submitForReceipt,
  type TestNode,
  txIdOf,
  waitCommitted,
} from './nodeHarness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let t: TestNode;
const staff = (id: string): KeyPair => {
  const k = t.staff[id];
  if (k === undefined) throw new Error(`no demo staff member ${id}`);
  return k;
};

async function ok(key: KeyPair, contract: string, method: string, args: JsonObject): Promise<JsonObject> {
  const signed = signedTx(t, { key, contract, method, args, expiresAt: t.node.clock.now() + 10 * 60_000 });
  const r = await submitForReceipt(t, signed);
  expect(r.status, JSON.stringify(r)).toBe('ok');
  return (r.result ?? {}) as JsonObject;
}

/** What the test anchored, by id: enough to compute the expected list. */
interface Anchored {
  readonly id: string;
  readonly org: string;
  readonly type: string;
  readonly holder: string;
  readonly digest: string;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly case?: string;
}
const anchored = new Map<string, Anchored>();
let holders: string[] = [];
let n = 0;

interface AnchorOptions {
  readonly lapsed?: boolean;
  readonly validFor?: number;
  readonly case?: boolean;
}

/** The signed issue of a licence by `seal` (no SD-JWT is needed for the anchor), recorded in `anchored`. */
function issueTx(seal: string, type: string, opts: AnchorOptions = {}): { id: string; signed: SignedTransaction } {
  const i = n++;
  const id = createHash('sha256').update(`list credential ${i}`).digest('hex');
  const digest = base64urlEncode(createHash('sha256').update(`list credential digest ${i}`).digest());
  const now = t.node.clock.now();
  const [validFrom, validUntil] =
    opts.lapsed === true ? [now - 400 * DAY, now - DAY] : [now - DAY, now + (opts.validFor ?? 3650 * DAY)];
  const holder = holders[i % holders.length]!;
  const caseId = opts.case === true ? createHash('sha256').update(`list case ${i}`).digest('hex') : undefined;
  const a: Anchored = {
    id,
    org: seal.split('-')[0]!,
    type,
    holder,
    digest,
    validFrom,
    validUntil,
    ...(caseId === undefined ? {} : { case: caseId }),
  };
  anchored.set(id, a);
  const args: JsonObject = {
    id,
    type,
    holder,
    digest,
    validFrom,
    validUntil,
    ...(caseId === undefined ? {} : { case: caseId }),
  };
  const signed = signedTx(t, {
    key: staff(seal),
    contract: 'credential',
    method: 'issue',
    args,
    expiresAt: now + 600_000,
  });
  return { id, signed };
}

/** Anchors a licence in a block of its own; returns its id. */
async function anchor(seal: string, type: string, opts: AnchorOptions = {}): Promise<string> {
  const { id, signed } = issueTx(seal, type, opts);
  const r = await submitForReceipt(t, signed);
  expect(r.status, JSON.stringify(r)).toBe('ok');
  return id;
}

/** Anchors licences in one batch, so in one block; returns their ids in the order given. */
async function anchorTogether(seal: string, type: string, each: readonly AnchorOptions[]): Promise<string[]> {
  const txs = each.map((opts) => issueTx(seal, type, opts));
  const res = await postBatch(
    t,
    txs.map((x) => x.signed),
  );
  expect(res.statusCode, res.body).toBe(200);
  for (const x of txs) expect((await waitCommitted(t, txIdOf(t, x.signed))).receipt.status).toBe('ok');
  return txs.map((x) => x.id);
}

const holderKeys = new Map<string, KeyPair>();
/** Session tokens by member or holder id (forgotten when the test moves the clock past the idle timeout). */
const tokens = new Map<string, string>();
async function tokenOf(who: string): Promise<string> {
  let token = tokens.get(who);
  if (token === undefined) {
    token = await signInToken(t, t.staff[who] ?? holderKeys.get(who)!);
    tokens.set(who, token);
  }
  return token;
}

const list = async (who: string, query = '') =>
  t.app.inject({
    method: 'GET',
    url: `/v1/credentials${query}`,
    headers: { authorization: `Bearer ${await tokenOf(who)}` },
  });

async function listOk(who: string, query = ''): Promise<CredentialListView> {
  const res = await list(who, query);
  expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
  return res.json() as CredentialListView;
}

/** Every page of `query` (which starts with `?`), following `next`. */
async function allPages(
  who: string,
  query: string,
): Promise<{ pages: CredentialListView[]; items: CredentialListItem[] }> {
  const pages: CredentialListView[] = [];
  let cursor: string | undefined;
  do {
    const page = await listOk(who, cursor === undefined ? query : `${query}&cursor=${cursor}`);
    pages.push(page);
    cursor = page.next;
  } while (cursor !== undefined && pages.length < 50);
  return { pages, items: pages.flatMap((p) => p.items) };
}

let market: string[] = [];
let police: string[] = [];

beforeAll(async () => {
  t = await openTestNode();
  const keys = [labelledKey(t, 'list-acme'), labelledKey(t, 'list-globex'), labelledKey(t, 'list-citizen')];
  holders = [];
  for (const [i, key] of keys.entries()) {
    const signed = signedTx(t, {
      key: staff('market-registrar'),
      contract: 'identity',
      method: 'registerSubject',
      args: { publicKey: bytesToHex(key.publicKey), kind: i < 2 ? 'enterprise' : 'citizen' },
      expiresAt: t.node.clock.now() + 600_000,
    });
    const r = await submitForReceipt(t, addCosignature(t.suite, signed, key.secretKey));
    expect(r.status, JSON.stringify(r)).toBe('ok');
    holders.push((r.result as { subject: string }).subject);
    holderKeys.set(key.id, key);
  }
  // The market regulator: 3 business licences one block after another (the first for a case), then 5 in one block
  // (ties ordered by id), 2 of them lapsed and 1 valid for two hours only; then one suspended and two revoked. The
  // police: 2 household records.
  market = [];
  for (let i = 0; i < 3; i++) market.push(await anchor('market-seal', 'business-licence', { case: i === 0 }));
  market.push(
    ...(await anchorTogether('market-seal', 'business-licence', [
      {},
      { lapsed: true },
      { lapsed: true, case: true },
      {},
      { validFor: 2 * HOUR },
    ])),
  );
  police = await Promise.all([anchor('police-seal', 'household-record'), anchor('police-seal', 'household-record')]);
  await ok(staff('market-registrar'), 'credential', 'suspend', { id: market[1]!, reason: 'under-investigation' });
  await ok(staff('market-registrar'), 'credential', 'revoke', { id: market[2]!, reason: 'revoked-by-decision' });
  // A lapsed licence revoked afterwards stays revoked (revocation is final), not expired.
  await ok(staff('market-registrar'), 'credential', 'revoke', { id: market[5]!, reason: 'cancelled' });
}, 60_000);

afterAll(async () => {
  expect(t?.fatal ?? []).toEqual([]);
  await t?.close();
});

/** The height an anchor was issued at, from the chain (not from the list under test). */
const issueHeight = (id: string): number =>
  (t.node.chain.state('credential', `credential/${id}`).value as { height: number }).height;

describe('GET /v1/credentials', () => {
  it("lists the signed-in member's organisation only, newest issue first (ties by id), with public fields only", async () => {
    const body = await listOk('market-registrar');
    expect(body.org).toBe('market');
    expect(body.height).toBe(t.node.ledger.durableHeight);
    expect(body.generatedAt).toBe(t.node.clock.now());
    expect(body.total).toBe(8);
    expect(body.next).toBeUndefined();
    const expected = [...market].sort((a, b) => issueHeight(b) - issueHeight(a) || (a < b ? -1 : 1));
    expect(body.items.map((x) => x.id)).toEqual(expected);
    // Three blocks of one licence each, and five licences in one block.
    expect(new Set(market.map(issueHeight)).size).toBe(4);
    for (const item of body.items) {
      const a = anchored.get(item.id)!;
      const chain = t.node.chain.state('credential', `credential/${item.id}`).value as { height: number; time: number };
      expect(item).toEqual({
        id: a.id,
        type: 'business-licence',
        org: a.org,
        holder: a.holder,
        status: item.status,
        validFrom: a.validFrom,
        validUntil: a.validUntil,
        ...(a.case === undefined ? {} : { case: a.case }),
        height: chain.height,
        time: chain.time,
      });
      // Nothing of the anchor beyond that: no digest, seal key, transaction or history.
      expect(JSON.stringify(item)).not.toContain(a.digest);
      expect(Object.keys(item)).not.toContain('history');
    }
    const status = Object.fromEntries(body.items.map((x) => [x.id, x.status]));
    expect(status).toEqual({
      [market[0]!]: 'valid',
      [market[1]!]: 'suspended',
      [market[2]!]: 'revoked',
      [market[3]!]: 'valid',
      [market[4]!]: 'expired',
      [market[5]!]: 'revoked',
      [market[6]!]: 'valid',
      [market[7]!]: 'valid',
    });
    expect(
      body.items
        .filter((x) => x.case !== undefined)
        .map((x) => x.id)
        .sort(),
    ).toEqual([market[0]!, market[5]!].sort());
    // The police's registrar sees the police's; an administrator and an auditor of the market see the market's.
    expect((await listOk('police-registrar')).items.map((x) => x.id).sort()).toEqual([...police].sort());
    expect((await listOk('market-admin')).total).toBe(8);
    expect((await listOk('market-auditor', '?org=market')).total).toBe(8);
  });

  it('filters by status (expired at the read time, revoked stays revoked) and by type', async () => {
    const ids = async (query: string) => (await listOk('market-registrar', query)).items.map((x) => x.id).sort();
    expect(await ids('?status=valid')).toEqual([market[0]!, market[3]!, market[6]!, market[7]!].sort());
    expect(await ids('?status=suspended')).toEqual([market[1]!]);
    expect(await ids('?status=revoked')).toEqual([market[2]!, market[5]!].sort());
    expect(await ids('?status=expired')).toEqual([market[4]!]);
    expect(await ids('?type=business-licence&status=revoked')).toEqual([market[2]!, market[5]!].sort());
    expect(await ids('?type=household-record')).toEqual([]);
    expect(await ids('?type=no-such-type')).toEqual([]);
    const revoked = await listOk('market-registrar', '?status=revoked');
    expect(revoked.total).toBe(2);
    expect(revoked.items.every((x) => x.status === 'revoked')).toBe(true);
  });

  it('pages by cursor: every licence once, in order, even while new ones are issued between pages', async () => {
    const full = (await listOk('market-registrar')).items.map((x) => x.id);
    const first = await listOk('market-registrar', '?limit=3');
    expect(first.items.map((x) => x.id)).toEqual(full.slice(0, 3));
    expect(first.total).toBe(8);
    expect(first.next).toBeTypeOf('string');
    expect(decodeCredentialListCursor(first.next!)).toEqual({ height: first.items[2]!.height, id: first.items[2]!.id });
    // A licence issued now is newer than every one listed: it is on a fresh first page, not on the next pages.
    const fresh = await anchor('market-seal', 'business-licence');
    const rest: string[] = [];
    let cursor = first.next;
    while (cursor !== undefined) {
      const page = await listOk('market-registrar', `?limit=3&cursor=${cursor}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      rest.push(...page.items.map((x) => x.id));
      cursor = page.next;
    }
    expect([...first.items.map((x) => x.id), ...rest]).toEqual(full);
    expect((await listOk('market-registrar', '?limit=1')).items[0]?.id).toBe(fresh);
    // The last page has no `next`; an exact multiple of the limit does not end on an empty page.
    const nine = await allPages('market-registrar', '?limit=3');
    expect(nine.pages.map((p) => p.items.length)).toEqual([3, 3, 3]);
    expect(nine.items.map((x) => x.id)).toEqual([fresh, ...full]);
    // Paging within a filter; a cursor past the end gives an empty last page.
    const valid = await allPages('market-registrar', '?status=valid&limit=2');
    expect(valid.items.map((x) => x.id)).toEqual(
      [fresh, ...full].filter((id) => [fresh, market[0], market[3], market[6], market[7]].includes(id)),
    );
    expect(valid.pages.every((p) => p.total === 5)).toBe(true);
    const end = encodeCredentialListCursor({ height: 0, id: '0'.repeat(64) });
    const past = await listOk('market-registrar', `?cursor=${end}`);
    expect(past.items).toEqual([]);
    expect(past.next).toBeUndefined();
    // 50 by default, 200 at most.
    expect(CREDENTIAL_LIST_LIMIT_DEFAULT).toBe(50);
    expect((await listOk('market-registrar', '?limit=200')).items).toHaveLength(9);
  });

  it('a licence expires at the read time, without any new block', async () => {
    const until = anchored.get(market[7]!)!.validUntil;
    expect((await listOk('market-registrar', '?status=expired')).items.map((x) => x.id)).toEqual([market[4]!]);
    // Hours later: past the sessions' idle timeout, so everyone signs in again.
    t.setTime(until - 1);
    tokens.clear();
    const before = await listOk('market-registrar', '?status=expired');
    expect(before.total).toBe(1);
    t.setTime(until);
    const after = await listOk('market-registrar', '?status=expired');
    expect(after.height).toBe(before.height);
    expect(after.generatedAt).toBe(until);
    expect(after.items.map((x) => x.id).sort()).toEqual([market[4]!, market[7]!].sort());
    expect((await listOk('market-registrar', '?status=valid')).items.map((x) => x.id)).not.toContain(market[7]!);
  });

  it('needs a session: none is SESSION_REQUIRED, an unknown token SESSION_EXPIRED', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/v1/credentials' }), 401, 'SESSION_REQUIRED');
    expectError(
      await t.app.inject({
        method: 'GET',
        url: '/v1/credentials?org=market',
        headers: { authorization: `Bearer ${'A'.repeat(43)}` },
      }),
      401,
      'SESSION_EXPIRED',
    );
  });

  it('is refused (POLICY_DENIED) to staff without the role, to another department, and to citizens and enterprises', async () => {
    for (const [who, query] of [
      ['market-caseworker', ''],
      ['market-seal', ''],
      ['market-publisher', ''],
      ['market-secadmin', ''],
      ['police-registrar', '?org=market'],
      ['police-admin', '?org=market'],
      ['market-auditor', '?org=police'],
      ['list-acme', '?org=market'],
    ] as const) {
      const error = expectError(await list(who, query), 403, 'POLICY_DENIED');
      expect(error.details, `${who} ${query}`).toMatchObject({ policy: 'credential.list' });
    }
    // An enterprise has no organisation to default to.
    const error = expectError(await list('list-acme'), 400, 'REQUEST_MALFORMED');
    expect(error.details).toMatchObject({ field: 'org' });
  });

  it('refuses a bad query with REQUEST_MALFORMED naming the field', async () => {
    const forged = Buffer.from('12:not-an-id').toString('base64url');
    for (const [query, field] of [
      ['?status=lost', 'status'],
      ['?status=', 'status'],
      ['?status=VALID', 'status'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=-1', 'limit'],
      ['?limit=ten', 'limit'],
      ['?limit=1.5', 'limit'],
      ['?org=Market', 'org'],
      ['?org=', 'org'],
      ['?type=Business_Licence', 'type'],
      ['?cursor=***', 'cursor'],
      ['?cursor=', 'cursor'],
      [`?cursor=${forged}`, 'cursor'],
      ['?holder=x', 'querystring'],
    ] as const) {
      const error = expectError(await list('market-registrar', query), 400, 'REQUEST_MALFORMED');
      expect(error.details, query).toMatchObject({ field });
    }
  });
});

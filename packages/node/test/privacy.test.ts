/**
 * Personal data on one node, through the HTTP API and the SDK (docs/privacy.md): registering records with known
 * personal values, authorised and unauthorised reads (wrong organisation, role, purpose, revoked consent, after
 * erasure) — every one recorded on chain and listed in the citizen's access log with a proof that verifies —, a
 * scan of every block, every state entry and every file of the node for the plaintext, a dictionary attack on the
 * commitments, erasure (nothing of the record left in any file), master-key rotation, and the store's check.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { KeyPair } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  commitPersonal,
  consortiumFromGenesis,
  createHasher,
  HashTag,
  isLianzhengError,
  type JsonValue,
  PRIVACY_CONTRACT,
  privacyKeys,
} from '@lianzheng/protocol';
import {
  type AccessLogItem,
  createClient,
  getAccessLog,
  getMyPrivacy,
  httpTransport,
  type PrivacySigner,
  readPersonal,
  registerPersonal,
  verifyAccessLogItem,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAIN_ID,
  labelledKey,
  openTestNode,
  signedTx,
  signInToken,
  submitForReceipt,
  type TestNode,
} from './nodeHarness.js';

/** Known personal values: none of them may appear anywhere on the node in plain text. */
const PERSON = {
  name: '欧阳明月',
  idNumber: '330106199003071234',
  address: '杭州市西湖区文三路九十号',
  phone: '13900571234',
};
const CHILD = { name: '欧阳小雨', birthDate: '2026-11-20', hospital: '浙江大学医学院附属妇产科医院' };
const NEEDLES = [...Object.values(PERSON), ...Object.values(CHILD)];

let t: TestNode;
let citizen: KeyPair;
let subject: string;

function injectFetch(node: TestNode): typeof fetch {
  return (async (input: string | URL, init?: RequestInit) => {
    const u = new URL(String(input));
    const r = await node.app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      url: u.pathname + u.search,
      headers: (init?.headers ?? {}) as Record<string, string>,
      ...(init?.body === undefined ? {} : { payload: init.body as string }),
    });
    return new Response(r.body, { status: r.statusCode, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

const client = () => createClient({ transport: httpTransport('http://node.test', { fetch: injectFetch(t) }) });
const signerOf = (key: KeyPair): PrivacySigner => ({
  suite: t.suite,
  chainId: CHAIN_ID,
  publicKey: key.publicKey,
  sign: async (d) => t.suite.sign(key.secretKey, d),
  now: () => t.node.clock.now(),
});
const sessionOf = async (key: KeyPair) => withSession(client(), await signInToken(t, key));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return isLianzhengError(e) ? e.code : String(e);
  }
}

beforeAll(async () => {
  t = await openTestNode();
  citizen = labelledKey(t, 'privacy-citizen');
  const reg = addCosignature(
    t.suite,
    signedTx(t, {
      key: t.staff['police-registrar']!,
      contract: 'identity',
      method: 'registerSubject',
      args: { publicKey: bytesToHex(citizen.publicKey), kind: 'citizen' },
    }),
    citizen.secretKey,
  );
  const receipt = await submitForReceipt(t, reg);
  subject = (receipt.result as { subject: string }).subject;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function hitsIn(files: readonly string[], needles: readonly Uint8Array[]): string[] {
  const hits: string[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const n of needles)
      if (n.length > 0 && bytes.indexOf(Buffer.from(n)) >= 0)
        hits.push(`${f}: ${Buffer.from(n).toString('hex').slice(0, 16)}`);
  }
  return hits;
}

describe('personal data on a node', () => {
  let record: string;
  let childRecord: string;
  const attempts: { who: string; purpose: string; want: string; got: string }[] = [];

  it('registers records through the API: only the commitment goes on chain; bad registrations leave nothing', async () => {
    const registrar = signerOf(t.staff['police-registrar']!);
    const r = await registerPersonal(client(), registrar, {
      value: PERSON,
      category: 'identity',
      subject,
      policy: [
        { org: 'police', purposes: ['household-administration', 'audit'] },
        { org: 'finance', purposes: ['tax-administration'] },
      ],
    });
    record = r.record;
    expect(record).toBe(commitPersonal(t.suite, PERSON, r.salt));
    expect(r.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(t.node.privacy.store.has(record)).toBe(true);
    const c = await registerPersonal(client(), signerOf(t.staff['health-hospital']!), {
      value: CHILD,
      category: 'birth',
      subject,
      policy: [{ org: 'police', purposes: ['household-administration'] }],
    });
    childRecord = c.record;

    // The value does not match the commitment; a short salt; a duplicate; a non-register transaction.
    const post = (body: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/privacy/records',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const tx = (commitment: string) =>
      signedTx(t, {
        key: t.staff['police-registrar']!,
        contract: 'privacy',
        method: 'register',
        args: { commitment, category: 'identity', subject, policy: [{ org: 'police', purposes: ['audit'] }] },
      });
    const salt = 'ab'.repeat(16);
    const other = commitPersonal(t.suite, 'someone else', salt);
    const cases: [unknown, number, string][] = [
      [{ tx: tx(other), value: 'not that', salt }, 400, 'PRIVACY_COMMITMENT_MISMATCH'],
      [{ tx: tx(commitPersonal(t.suite, 'x', 'abcd')), value: 'x', salt: 'abcd' }, 400, 'PRIVATE_RECORD_INVALID'],
      [{ tx: tx(record), value: 'whatever', salt }, 400, 'PRIVACY_COMMITMENT_MISMATCH'],
      [{ tx: signedTx(t, {}), value: 'x', salt }, 400, 'PRIVACY_TX_INVALID'],
      [{ tx: tx(other), value: 'someone else', salt, extra: 1 }, 400, 'REQUEST_MALFORMED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect([res.statusCode, res.json().error?.code]).toEqual([status, code]);
    }
    // A duplicate registration (same value and salt as the first record): refused on chain, nothing staged remains.
    const dup = await post({ tx: tx(commitPersonal(t.suite, 'dup', salt)), value: 'dup', salt });
    expect(dup.statusCode).toBe(201);
    const again = await post({ tx: tx(commitPersonal(t.suite, 'dup', salt)), value: 'dup', salt });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'PRIVATE_RECORD_EXISTS']);
    expect(await t.node.privacy.store.pending()).toEqual([]);
  });

  it('reads: authorised ones release the value, unauthorised ones are denied with codes — all recorded', async () => {
    const read = async (who: string, key: KeyPair, purpose: string, want: string, id = record) => {
      const got = await codeOf(readPersonal(await sessionOf(key), signerOf(key), { record: id, purpose }));
      attempts.push({ who, purpose, want, got });
      return got;
    };
    const staff = (id: string) => t.staff[id]!;
    // Authorised.
    await read('police-east', staff('police-east'), 'household-administration', 'ok');
    await read('police-west', staff('police-west'), 'household-administration', 'ok', childRecord);
    await read('police-auditor', staff('police-auditor'), 'audit', 'ok');
    await read('finance-tax', staff('finance-tax'), 'tax-administration', 'ok');
    await read('citizen', citizen, 'self-access', 'ok');
    // Wrong organisation, role, purpose.
    await read('market-registrar', staff('market-registrar'), 'household-administration', 'PRIVACY_POLICY_DENIED');
    await read(
      'realestate-registrar',
      staff('realestate-registrar'),
      'household-administration',
      'PRIVACY_POLICY_DENIED',
    );
    await read('finance-tax', staff('finance-tax'), 'tax-administration', 'PRIVACY_PURPOSE_CATEGORY', childRecord);
    await read('police-caseworker', staff('police-caseworker'), 'household-administration', 'PRIVACY_ROLE_DENIED');
    await read('police-auditor', staff('police-auditor'), 'household-administration', 'PRIVACY_ROLE_DENIED');
    await read('police-east', staff('police-east'), 'marketing', 'PRIVACY_PURPOSE_UNKNOWN');
    await read('police-east', staff('police-east'), 'self-access', 'PRIVACY_NOT_SUBJECT');
    await read('police-east', staff('police-east'), 'case-handling', 'PRIVACY_CASE_MISMATCH');
    await read('market-auditor', staff('market-auditor'), 'audit', 'PRIVACY_POLICY_DENIED');
    // Consent: granted, used, revoked.
    await read('health-caseworker', staff('health-caseworker'), 'consented-service', 'PRIVACY_POLICY_DENIED');
    const grant = await submitForReceipt(
      t,
      signedTx(t, {
        key: citizen,
        contract: 'privacy',
        method: 'grantConsent',
        args: { org: 'health', purpose: 'consented-service' },
      }),
    );
    const consent = (grant.result as { consent: string }).consent;
    await read('health-caseworker', staff('health-caseworker'), 'consented-service', 'ok');
    await read('market-caseworker', staff('market-caseworker'), 'consented-service', 'PRIVACY_POLICY_DENIED');
    expect(
      (
        await submitForReceipt(
          t,
          signedTx(t, { key: citizen, contract: 'privacy', method: 'revokeConsent', args: { consent } }),
        )
      ).status,
    ).toBe('ok');
    await read('health-caseworker', staff('health-caseworker'), 'consented-service', 'PRIVACY_CONSENT_REVOKED');
    expect((await getMyPrivacy(await sessionOf(citizen))).consents).toMatchObject([{ id: consent, active: false }]);

    expect(attempts.map((a) => [a.who, a.purpose, a.got])).toEqual(attempts.map((a) => [a.who, a.purpose, a.want]));

    // A read signed by another key than the session's is refused before anything is submitted.
    const mismatch = await codeOf(
      readPersonal(await sessionOf(staff('police-east')), signerOf(staff('police-west')), {
        record,
        purpose: 'household-administration',
      }),
    );
    expect(mismatch).toBe('PRIVACY_SIGNER_MISMATCH');
    // Without a session.
    expect(
      await codeOf(
        readPersonal(client(), signerOf(staff('police-east')), { record, purpose: 'household-administration' }),
      ),
    ).toBe('SESSION_REQUIRED');
  });

  it('the citizen’s access log lists every read with a proof that verifies against genesis', async () => {
    const log = await getAccessLog(await sessionOf(citizen));
    expect(log.subject).toBe(subject);
    const trust = consortiumFromGenesis(t.genesis);
    for (const item of log.entries) verifyAccessLogItem(t.suite, trust, item);
    const recorded = log.entries.map((e) => [
      e.entry.reader.member ?? 'citizen',
      e.entry.purpose,
      e.entry.decision === 'allowed' ? 'ok' : e.entry.code,
    ]);
    expect(recorded).toEqual(attempts.map((a) => [a.who, a.purpose, a.got]));
    const allowed = attempts.filter((a) => a.got === 'ok').length;
    const denied = attempts.length - allowed;
    expect({ allowed, denied, recorded: log.entries.length }).toEqual({ allowed: 6, denied: 12, recorded: 18 });
    // A doctored entry does not verify.
    const forged: AccessLogItem = {
      ...log.entries[5]!,
      entry: { ...log.entries[5]!.entry, decision: 'allowed', code: undefined } as never,
    };
    expect(() => verifyAccessLogItem(t.suite, trust, forged)).toThrow();
    // Someone else's log: a member has none; another citizen sees only their own (empty).
    expect(await codeOf(getAccessLog(await sessionOf(t.staff['police-east']!)))).toBe('PRIVACY_NOT_SUBJECT');
  });

  it('no plaintext in any block, state entry or file; the commitments resist a dictionary attack', async () => {
    const height = t.node.ledger.durableHeight;
    let blockText = '';
    for (let h = 0; h <= height; h++) blockText += JSON.stringify(t.node.chain.block(h, true));
    const stateText = t.node
      .stateKeys(PRIVACY_CONTRACT, '', { limit: 100_000 })
      .map((k) => JSON.stringify(t.node.chain.state(PRIVACY_CONTRACT, k).value))
      .join('\n');
    for (const needle of NEEDLES) {
      expect(blockText.includes(needle), needle).toBe(false);
      expect(stateText.includes(needle), needle).toBe(false);
    }
    await t.node.store.flushed();
    const files = filesUnder(t.home);
    const needles = NEEDLES.flatMap((n) => [Buffer.from(n, 'utf8'), Buffer.from(JSON.stringify(n), 'utf8')]);
    expect(hitsIn(files, needles)).toEqual([]);

    // Dictionary attack: every commitment on chain against hashes of the known values and 10,000 ID numbers around
    // the real one, unsalted, with an empty or guessed salt, in both encodings.
    const onChain = new Set(
      t.node.stateKeys(PRIVACY_CONTRACT, 'record/', { limit: 100_000 }).map((k) => k.slice('record/'.length)),
    );
    expect(onChain.size).toBeGreaterThanOrEqual(3);
    const hasher = createHasher(t.suite.hash);
    const candidates: JsonValue[] = [PERSON, CHILD, ...NEEDLES];
    for (let i = 0; i < 10_000; i++) candidates.push(`3301061990${String(i).padStart(4, '0')}1234`.slice(0, 18));
    let tried = 0;
    let reversed = 0;
    for (const v of candidates) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const guesses = [
        bytesToHex(t.suite.hash(Buffer.from(text))),
        bytesToHex(hasher.taggedText(HashTag.personal, text)),
        ...['', '00'.repeat(16), 'salt'].map((s) => commitPersonal(t.suite, v, s)),
      ];
      for (const g of guesses) {
        tried++;
        if (onChain.has(g)) reversed++;
      }
    }
    expect({ tried, reversed }).toEqual({ tried: candidates.length * 5, reversed: 0 });
  });

  it('erasure: afterwards no node file holds anything of the record, and every read is denied and recorded', async () => {
    const file = path.join(t.home, 'private', 'records', `${record}.json`);
    const before = JSON.parse(readFileSync(file, 'utf8')) as {
      key: { ct: string; iv: string };
      content: { ct: string; iv: string };
    };
    const secrets = [before.key.ct, before.content.ct, before.content.iv, before.key.iv].map((s) =>
      /^[0-9a-f]+$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64'),
    );
    const raw = [before.key.ct, before.content.ct].map((s) => Buffer.from(s, 'utf8'));
    const req = await submitForReceipt(
      t,
      signedTx(t, {
        key: citizen,
        contract: 'privacy',
        method: 'requestErasure',
        args: { record, reason: '不再需要' },
      }),
    );
    expect(req.status).toBe('ok');
    const decide = await submitForReceipt(
      t,
      signedTx(t, {
        key: t.staff['police-secadmin']!,
        contract: 'privacy',
        method: 'decideErasure',
        args: { record, approve: true },
      }),
    );
    expect(decide.status).toBe('ok');
    for (let i = 0; i < 50 && t.node.privacy.store.has(record); i++) await new Promise((r) => setTimeout(r, 20));
    expect(t.node.privacy.store.has(record)).toBe(false);
    await t.node.store.flushed();
    expect(hitsIn(filesUnder(t.home), [...secrets, ...raw])).toEqual([]);
    for (const [id, purpose] of [
      ['police-east', 'household-administration'],
      ['police-auditor', 'audit'],
    ] as const) {
      const key = t.staff[id]!;
      expect(await codeOf(readPersonal(await sessionOf(key), signerOf(key), { record, purpose }))).toBe(
        'PRIVATE_RECORD_ERASED',
      );
    }
    expect(
      await codeOf(readPersonal(await sessionOf(citizen), signerOf(citizen), { record, purpose: 'self-access' })),
    ).toBe('PRIVATE_RECORD_ERASED');
    const log = await getAccessLog(await sessionOf(citizen), { proofs: false });
    expect(log.entries.slice(-3).map((e) => e.entry.code)).toEqual([
      'PRIVATE_RECORD_ERASED',
      'PRIVATE_RECORD_ERASED',
      'PRIVATE_RECORD_ERASED',
    ]);
    // The commitment and the erasure record remain.
    expect(t.node.chain.state(PRIVACY_CONTRACT, privacyKeys.record(record)).value).toMatchObject({ status: 'erased' });
  });

  it('the master key rotates without stopping the node; the store agrees with the chain', async () => {
    // The solo node is run by the market bureau: its administrators manage the node's store.
    const admin = await sessionOf(t.staff['market-sysadmin']!);
    const r = await admin.transport.request<{ version: number; records: number }>(
      'POST',
      '/v1/privacy/store/rotate',
      '{}',
    );
    expect(r.version).toBe(2);
    const key = t.staff['police-west']!;
    const again = await readPersonal(await sessionOf(key), signerOf(key), {
      record: childRecord,
      purpose: 'household-administration',
    });
    expect(again.value).toEqual(CHILD);
    const report = await admin.transport.request<Record<string, unknown>>('GET', '/v1/privacy/store?decrypt=true');
    expect(report).toMatchObject({ masterVersion: 2, pending: 0, missing: [], orphans: [], mismatched: [] });
    expect(
      await codeOf((await sessionOf(t.staff['police-sysadmin']!)).transport.request('GET', '/v1/privacy/store')),
    ).toBe('POLICY_DENIED');
  });
});

/**
 * Purpose-bound reads at scale through a real node process (the demo, with its personal records): every demo identity
 * — each civil servant of each department and role, the citizens and enterprises — tries to read every record for
 * every purpose of the catalogue, plus `self-access` and a purpose that does not exist; then with a consent granted,
 * after it is revoked, after a record is erased, and for the demo's business-licence case. The expected outcome of
 * each read is computed from docs/privacy.md's rule table (an oracle written from the documentation, not from the
 * contract). Every read — allowed or denied — must be on the subject's access log, each entry's proof verifying
 * against the pinned genesis. The counts are printed.
 */

import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { DEMO_PERSONAL, type DemoIdentity } from '@lianzheng/cli';
import { type KeyPair, loadKeyFile, nativeSuite } from '@lianzheng/node';
import {
  type AccessEntry,
  consortiumFromGenesis,
  type Genesis,
  isLianzhengError,
  type PrivacyConfig,
  type RecordReader,
} from '@lianzheng/protocol';
import {
  type AccessLogItem,
  type Client,
  createClient,
  decideErasureTx,
  getAccessLog,
  getPrivacyCatalogue,
  getWorkflows,
  grantConsentTx,
  httpTransport,
  keySigner,
  type PrivacySigner,
  readPersonal,
  requestErasureTx,
  revokeConsentTx,
  signIn,
  submitTransaction,
  verifyAccessLogItem,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIdentities, E2E_PASSPHRASE, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

interface Reader {
  readonly id: string;
  readonly key: KeyPair;
  readonly kind: DemoIdentity['kind'];
  readonly org?: string;
  readonly roles: readonly string[];
  readonly subject?: string;
  session?: Client;
  token?: string;
}

interface DemoRecord {
  readonly id: string;
  readonly owner: string;
  readonly subject: string;
  readonly category: string;
  readonly policy: readonly RecordReader[];
}

interface Attempt {
  readonly reader: string;
  readonly readerKey: string;
  readonly record: string;
  readonly subject: string;
  readonly purpose: string;
  readonly case?: string;
  readonly expected: string;
  got?: string;
}

/** What docs/privacy.md says a read gets, rule by rule, first failure wins ('allowed' if none fails). */
function expectedOutcome(
  catalogue: PrivacyConfig,
  reader: Reader,
  record: DemoRecord,
  purposeId: string,
  state: { erased: boolean; consent: 'none' | 'active' | 'revoked'; consentOrg: string; consentCategory: string },
): string {
  if (state.erased) return 'PRIVATE_RECORD_ERASED';
  if (purposeId === 'self-access') return reader.subject === record.subject ? 'allowed' : 'PRIVACY_NOT_SUBJECT';
  const purpose = catalogue.purposes.find((p) => p.id === purposeId);
  if (purpose === undefined) return 'PRIVACY_PURPOSE_UNKNOWN';
  if (!purpose.categories.includes(record.category)) return 'PRIVACY_PURPOSE_CATEGORY';
  if (reader.kind !== 'member') return 'PRIVACY_READER_NOT_MEMBER';
  if (purpose.roles !== undefined && !purpose.roles.some((r) => reader.roles.includes(r))) return 'PRIVACY_ROLE_DENIED';
  if (purpose.case === true) return 'PRIVACY_CASE_MISMATCH'; // the matrix names no case
  const byPolicy =
    purpose.consentOnly !== true &&
    record.policy.some(
      (p) =>
        p.org === reader.org &&
        p.purposes.includes(purposeId) &&
        (p.roles === undefined || p.roles.some((r) => reader.roles.includes(r))),
    );
  if (byPolicy) return 'allowed';
  const consentApplies =
    state.consent !== 'none' && state.consentOrg === reader.org && state.consentCategory === record.category;
  if (consentApplies && purposeId === 'consented-service') {
    return state.consent === 'active' ? 'allowed' : 'PRIVACY_CONSENT_REVOKED';
  }
  return 'PRIVACY_POLICY_DENIED';
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'allowed';
  } catch (e) {
    return isLianzhengError(e) ? e.code : `uncoded: ${String(e)}`;
  }
}

/** `fetch` over node:http from a given local address (enough of it for the SDK's transport). */
function fetchFrom(localAddress: string): typeof fetch {
  return (async (input: string | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(
        String(input),
        { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, localAddress },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve(
              new Response(Buffer.concat(chunks), {
                status: res.statusCode ?? 0,
                headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') },
              }),
            ),
          );
        },
      );
      req.on('error', reject);
      if (init?.body !== undefined && init.body !== null) req.write(init.body as string);
      req.end();
    })) as typeof fetch;
}

/** Runs `tasks` with at most `n` in flight. */
async function pool<T>(items: readonly T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

describe('purpose-bound reads at scale, through a real node', () => {
  let home: string;
  let node: NodeHandle;
  let genesis: Genesis;
  let catalogue: PrivacyConfig;
  const readers: Reader[] = [];
  const records: DemoRecord[] = [];
  const attempts: Attempt[] = [];
  const client = () => createClient({ transport: httpTransport(node.url) });
  const signerOf = (r: Reader): PrivacySigner => {
    const suite = nativeSuite(genesis.suite);
    return { suite, chainId: genesis.chainId, publicKey: r.key.publicKey, sign: keySigner(suite, r.key.secretKey) };
  };
  /**
   * A session per identity. Sign-ins are limited per client address (30 a minute), as they should be: the test signs in
   * its 40-odd identities from several loopback addresses (127.0.0.2, .3, …), like people at different desks.
   */
  let signIns = 0;
  const sessionOf = async (r: Reader): Promise<Client> => {
    if (r.session === undefined) {
      const s = signerOf(r);
      const from = createClient({
        transport: httpTransport(node.url, { fetch: fetchFrom(`127.0.0.${2 + Math.floor(signIns++ / 20)}`) }),
      });
      const token = await signIn(from, { suite: s.suite, publicKey: s.publicKey, signer: s.sign });
      r.token = token.token;
      r.session = withSession(client(), token.token);
    }
    return r.session;
  };
  const tokenOf = (r: Reader): string => r.token ?? '';
  const reader = (id: string) => readers.find((r) => r.id === id) as Reader;
  const submit = async (tx: Awaited<ReturnType<typeof grantConsentTx>>) => {
    const r = await submitTransaction(client(), tx, { wait: true });
    if (r.status !== 'committed' || r.receipt.status !== 'ok') throw new Error(JSON.stringify(r));
    return r.receipt;
  };
  async function attempt(a: Omit<Attempt, 'got'>): Promise<void> {
    const r = reader(a.reader);
    const got = await codeOf(
      readPersonal(await sessionOf(r), signerOf(r), {
        record: a.record,
        purpose: a.purpose,
        ...(a.case === undefined ? {} : { case: a.case }),
      }),
    );
    attempts.push({ ...a, got });
  }
  const matrix = (
    who: readonly Reader[],
    recs: readonly DemoRecord[],
    purposes: readonly string[],
    state: Parameters<typeof expectedOutcome>[4],
  ) =>
    who.flatMap((r) =>
      recs.flatMap((rec) =>
        purposes.map((purpose) => ({
          reader: r.id,
          readerKey: Buffer.from(r.key.publicKey).toString('hex'),
          record: rec.id,
          subject: rec.subject,
          purpose,
          expected: expectedOutcome(catalogue, r, rec, purpose, state),
        })),
      ),
    );
  const NO_CONSENT = { erased: false, consent: 'none', consentOrg: '', consentCategory: '' } as const;

  beforeAll(async () => {
    ({ home, node } = await startDemoNode('privacy-matrix'));
    genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8')) as Genesis;
    const identities = await demoIdentities<DemoIdentity>(home);
    for (const i of identities) {
      readers.push({
        id: i.id,
        key: await loadKeyFile(path.join(home, i.keyFile), E2E_PASSPHRASE),
        kind: i.kind,
        roles: i.roles,
        ...(i.kind === 'member' ? { org: i.org } : {}),
        ...(i.subject === undefined ? {} : { subject: i.subject }),
      });
    }
    // The records in the order the demo registered them (identities.json lists each person's in that order).
    const seen = new Map<string, number>();
    for (const p of DEMO_PERSONAL) {
      const n = seen.get(p.owner) ?? 0;
      seen.set(p.owner, n + 1);
      const owner = identities.find((i) => i.id === p.owner);
      const rec = owner?.records?.[n];
      if (owner?.subject === undefined || rec === undefined) throw new Error(`no demo record ${p.owner} #${n}`);
      expect(rec.category).toBe(p.category);
      records.push({ id: rec.id, owner: p.owner, subject: owner.subject, category: p.category, policy: p.policy });
    }
    catalogue = await getPrivacyCatalogue(client());
    for (const r of readers) await sessionOf(r);
  }, 240_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('every identity × every record × every purpose; consent granted and revoked; erasure; a case', async () => {
    const purposes = [...catalogue.purposes.map((p) => p.id), 'self-access', 'no-such-purpose'];
    expect(readers.filter((r) => r.kind === 'member').length).toBeGreaterThanOrEqual(30);
    expect(records).toHaveLength(DEMO_PERSONAL.length);

    // 1. The whole matrix, no consents.
    await pool(matrix(readers, records, purposes, NO_CONSENT), 24, attempt);

    // 2. citizen-1 allows the health commission its contact data for a consented service; its staff read.
    const citizen1 = reader('citizen-1');
    const health = readers.filter((r) => r.org === 'health');
    const citizen1Records = records.filter((r) => r.owner === 'citizen-1');
    const granted = await submit(
      await grantConsentTx(signerOf(citizen1), { org: 'health', purpose: 'consented-service', category: 'contact' }),
    );
    const consent = (granted.result as { consent: string }).consent;
    const withConsent = { erased: false, consent: 'active', consentOrg: 'health', consentCategory: 'contact' } as const;
    await pool(matrix(health, citizen1Records, ['consented-service'], withConsent), 24, attempt);

    // 3. Revoked: from the next block on, the same reads are denied.
    await submit(await revokeConsentTx(signerOf(citizen1), { consent }));
    await pool(
      matrix(health, citizen1Records, ['consented-service'], { ...withConsent, consent: 'revoked' }),
      24,
      attempt,
    );

    // 4. citizen-3 has their identity record erased; nobody reads it any more, not even citizen-3.
    const erased = records.find((r) => r.owner === 'citizen-3' && r.category === 'identity') as DemoRecord;
    await submit(await requestErasureTx(signerOf(reader('citizen-3')), { record: erased.id, reason: '不再需要' }));
    await submit(await decideErasureTx(signerOf(reader('police-secadmin')), { record: erased.id, approve: true }));
    await pool(
      matrix(readers, [erased], ['household-administration', 'audit', 'self-access'], { ...NO_CONSENT, erased: true }),
      24,
      attempt,
    );

    // 5. The demo's business-licence case holds enterprise-1's representative record: the caseworker holding its
    // task reads it for the case; officers without the task, and other departments, may not.
    const representative = records.find((r) => r.owner === 'enterprise-1') as DemoRecord;
    const cases = (await (
      await fetch(`${node.url}/v1/workflow/cases?workflow=business-licence`, {
        headers: { authorization: `Bearer ${tokenOf(reader('market-auditor'))}` },
      })
    ).json()) as { cases: { id: string }[] };
    const caseId = cases.cases[0]?.id as string;
    expect(caseId).toMatch(/^[0-9a-f]{64}$/);
    expect((await getWorkflows(client())).workflows.length).toBe(5);
    const caseReads: [string, string][] = [
      ['market-caseworker', 'allowed'],
      ['market-auditor', 'PRIVACY_CASE_MISMATCH'],
      ['market-registrar', 'PRIVACY_CASE_MISMATCH'],
      ['police-caseworker', 'PRIVACY_CASE_MISMATCH'],
      ['health-caseworker', 'PRIVACY_CASE_MISMATCH'],
      ['enterprise-1', 'PRIVACY_READER_NOT_MEMBER'],
    ];
    for (const [id, expected] of caseReads) {
      await attempt({
        reader: id,
        readerKey: Buffer.from(reader(id).key.publicKey).toString('hex'),
        record: representative.id,
        subject: representative.subject,
        purpose: 'case-handling',
        case: caseId,
        expected,
      });
    }

    // Every outcome is the documented one, and coded.
    const wrong = attempts.filter((a) => a.got !== a.expected);
    expect(wrong.slice(0, 10)).toEqual([]);

    // Every read is on its subject's access log — allowed or denied — and every entry's proof verifies.
    const suite = nativeSuite(genesis.suite);
    const trust = consortiumFromGenesis(genesis);
    const logged: AccessEntry[] = [];
    for (const owner of new Set(records.map((r) => r.owner))) {
      const s = await sessionOf(reader(owner));
      const items: AccessLogItem[] = [];
      let after: string | undefined;
      do {
        const page = await getAccessLog(s, after === undefined ? {} : { after });
        items.push(...page.entries);
        after = page.next;
      } while (after !== undefined);
      for (const item of items) verifyAccessLogItem(suite, trust, item);
      logged.push(...items.map((i) => i.entry));
    }
    const keyOf = (x: { readerKey: string; record: string; purpose: string; outcome: string; case?: string }) =>
      `${x.readerKey} ${x.record} ${x.purpose} ${x.outcome} ${x.case ?? ''}`;
    const want = attempts
      .map((a) => keyOf({ ...a, outcome: a.got as string }))
      .sort()
      .join('\n');
    const have = logged
      .map((e) =>
        keyOf({
          readerKey: e.reader.key,
          record: e.record,
          purpose: e.purpose,
          outcome: e.decision === 'allowed' ? 'allowed' : (e.code ?? ''),
          ...(e.case === undefined ? {} : { case: e.case }),
        }),
      )
      .sort()
      .join('\n');
    expect(have).toBe(want);

    const byCode: Record<string, number> = {};
    for (const a of attempts) byCode[a.got as string] = (byCode[a.got as string] ?? 0) + 1;
    const summary = {
      attempts: attempts.length,
      readers: readers.length,
      records: records.length,
      purposes: purposes.length,
      allowed: byCode.allowed ?? 0,
      denied: attempts.length - (byCode.allowed ?? 0),
      recorded: logged.length,
      proofsVerified: logged.length,
      byCode,
    };
    process.stdout.write(`privacy read matrix: ${JSON.stringify(summary)}\n`);
    expect(summary.recorded).toBe(summary.attempts);
    expect(summary.allowed).toBeGreaterThan(20);
    expect(summary.denied).toBeGreaterThan(1000);
  });
});

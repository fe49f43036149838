/**
 * What the staff console calls, from the SDK against an in-process node (its API answered through `inject`): the
 * governance vote call (one vote per organisation), the workflow act call through a budget request's two steps (the
 * inbox naming the applicant without their key), a credential's status read and changed with reason codes by the
 * issuing department's registrar (a seal and another department refused), the credential of a case, and the
 * department's list of its licences with filters (a session with the policy's role needed).
 */
import { type KeyPair, templateActions } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  type CredentialAnchor,
  certificateFromBase64,
  isLianzhengError,
  issueCredential,
  type JsonObject,
  type JsonValue,
  parseCertificate,
} from '@lianzheng/protocol';
import {
  actOnCaseTx,
  buildTransaction,
  type Client,
  createClient,
  credentialStatusTx,
  getCase,
  getCredentialForCase,
  getCredentialStatus,
  getCredentials,
  getCredentialTypes,
  getInbox,
  getProposal,
  httpTransport,
  keySigner,
  signTransactionWith,
  submitTransaction,
  voteOnProposalTx,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  injectFetch,
  labelledKey,
  openTestNode,
  signedTx,
  signInToken,
  submitForReceipt,
  type TestNode,
  txIdOf,
} from '../../node/test/nodeHarness.js';

const DAY = 86_400_000;

let t: TestNode;
const client = (): Client => createClient({ transport: httpTransport('http://node.test', { fetch: injectFetch(t) }) });
const staff = (id: string) => t.staff[id] as KeyPair;

/** Signs a call with `key` as the console does (`buildTransaction` + the key's signer) and waits for its receipt. */
async function submit(key: KeyPair, call: { contract: string; method: string; args: JsonObject }) {
  const tx = buildTransaction({ chainId: t.genesis.chainId, signer: key.publicKey, ...call, now: t.node.clock.now() });
  const signed = await signTransactionWith(t.suite, tx, keySigner(t.suite, key.secretKey));
  const r = await submitTransaction(client(), signed, { wait: true });
  if (r.status !== 'committed') throw new Error('not committed');
  return r.receipt;
}

/** The code a call is refused with, at admission or in its receipt ('ok' when it succeeds). */
async function refusal(key: KeyPair, call: { contract: string; method: string; args: JsonObject }): Promise<string> {
  try {
    const r = await submit(key, call);
    return r.status === 'ok' ? 'ok' : (r.code ?? 'failed');
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  t = await openTestNode();
  const proposal = signedTx(t, {
    key: staff('market-admin'),
    contract: 'gov',
    method: 'propose',
    args: { actions: templateActions() as JsonValue[] },
    expiresAt: t.node.clock.now() + 600_000,
  });
  expect((await submitForReceipt(t, proposal)).status).toBe('ok');
  const id = txIdOf(t, proposal);
  expect(await submit(staff('realestate-admin'), voteOnProposalTx({ proposal: id, approve: true }))).toMatchObject({
    status: 'ok',
    result: { status: 'open' },
  });
  // One vote per organisation, whichever of its admins casts it.
  expect(await refusal(staff('realestate-admin'), voteOnProposalTx({ proposal: id, approve: false }))).toBe(
    'GOV_ALREADY_VOTED',
  );
  expect(await submit(staff('police-admin'), voteOnProposalTx({ proposal: id, approve: true }))).toMatchObject({
    status: 'ok',
    result: { status: 'approved' },
  });
  const session = withSession(client(), await signInToken(t, staff('market-admin')));
  expect(await getProposal(session, id)).toMatchObject({
    status: 'approved',
    votes: { realestate: { approve: true }, police: { approve: true } },
  });
}, 60_000);

afterAll(async () => {
  expect(t?.fatal ?? []).toEqual([]);
  await t?.close();
});

describe('the console’s calls from the SDK', () => {
  it('builds the vote and act calls without the fields left out', () => {
    expect(voteOnProposalTx({ proposal: 'ab', approve: false })).toEqual({
      contract: 'gov',
      method: 'vote',
      args: { proposal: 'ab', approve: false },
    });
    expect(actOnCaseTx({ case: 'c', action: 'approve', attachments: [] })).toEqual({
      contract: 'workflow',
      method: 'act',
      args: { case: 'c', action: 'approve' },
    });
    expect(
      actOnCaseTx({
        case: 'c',
        action: 'reject',
        comment: '理由',
        party: 'finance',
        attachments: [{ name: 'a.pdf', hash: 'ab'.repeat(32), size: 3 }],
      }).args,
    ).toEqual({
      case: 'c',
      action: 'reject',
      comment: '理由',
      party: 'finance',
      attachments: [{ name: 'a.pdf', hash: 'ab'.repeat(32), size: 3 }],
    });
  });

  it('acts on a budget request step by step; the inbox names the applicant, never their key', async () => {
    const applicant = staff('market-caseworker');
    const submitted = await submit(applicant, {
      contract: 'workflow',
      method: 'submit',
      args: { workflow: 'budget-approval', form: { year: 2027, title: '平台运维', amount: 800_000, purpose: '运维' } },
    });
    expect(submitted.status, JSON.stringify(submitted)).toBe('ok');
    const id = (submitted.result as { case: string }).case;

    const finance = withSession(client(), await signInToken(t, staff('finance-caseworker')));
    const { tasks } = await getInbox(finance);
    expect(tasks.find((x) => x.id === id)).toMatchObject({
      step: 'finance-review',
      applicant: { kind: 'member', org: 'market', member: 'market-caseworker' },
      stepSince: t.node.clock.now(),
    });
    expect(JSON.stringify(tasks)).not.toContain(bytesToHex(applicant.publicKey));

    // Without the step's form the contract refuses; with it the case moves to the countersign.
    expect(await refusal(staff('finance-caseworker'), actOnCaseTx({ case: id, action: 'approve' }))).toBe(
      'WORKFLOW_FORM_INVALID',
    );
    expect(
      await submit(
        staff('finance-caseworker'),
        actOnCaseTx({ case: id, action: 'approve', form: { approvedAmount: 600_000, opinion: '核减' } }),
      ),
    ).toMatchObject({ status: 'ok', result: { status: 'open', step: 'leadership' } });
    const leader = withSession(client(), await signInToken(t, staff('market-leader')));
    const mine = (await getCase(leader, id)) as { task?: { party?: string } };
    expect(mine.task).toEqual({ step: 'leadership', party: 'department' });
    expect(
      await refusal(staff('market-leader'), actOnCaseTx({ case: id, action: 'reject', party: 'department' })),
    ).toBe('WORKFLOW_COMMENT_REQUIRED');
    expect(
      await submit(
        staff('market-leader'),
        actOnCaseTx({ case: id, action: 'reject', party: 'department', comment: '本年度不再追加' }),
      ),
    ).toMatchObject({ status: 'ok', result: { status: 'rejected', outcome: 'rejected' } });
  });

  it('reads a credential’s status and changes it with reason codes, as the issuing department’s registrar', async () => {
    const holder = labelledKey(t, 'console-holder');
    const reg = addCosignature(
      t.suite,
      signedTx(t, {
        key: staff('market-registrar'),
        contract: 'identity',
        method: 'registerSubject',
        args: { publicKey: bytesToHex(holder.publicKey), kind: 'enterprise' },
      }),
      holder.secretKey,
    );
    const subject = ((await submitForReceipt(t, reg)).result as { subject: string }).subject;
    const sealCert = t.genesis.members
      .map(certificateFromBase64)
      .find((der) => parseCertificate(der).subject.commonName === 'market-seal') as Uint8Array;
    const now = t.node.clock.now();
    const caseId = 'cd'.repeat(32);
    const c = issueCredential(t.suite, {
      chainId: t.genesis.chainId,
      type: 'business-licence',
      sealCertificate: sealCert,
      sealSecretKey: staff('market-seal').secretKey,
      org: 'market',
      holderSubject: subject,
      holderPublicKey: holder.publicKey,
      validFrom: now,
      validUntil: now + 365 * DAY,
      issuedAt: now,
      claims: { creditCode: '91330106MA2AB3CD4E' },
      disclosable: {},
    });
    expect(await getCredentialForCase(client(), caseId)).toBeUndefined();
    const issued = await submit(staff('market-seal'), {
      contract: 'credential',
      method: 'issue',
      args: {
        id: c.id,
        type: 'business-licence',
        holder: subject,
        digest: c.digest,
        validFrom: now,
        validUntil: now + 365 * DAY,
        case: caseId,
      },
    });
    expect(issued.status, JSON.stringify(issued)).toBe('ok');
    expect(await getCredentialForCase(client(), caseId)).toBe(c.id);

    const statusOf = async (): Promise<CredentialAnchor> => {
      for (let i = 0; i < 200; i++) {
        const v = await getCredentialStatus(client(), c.id);
        if (v.value !== null && v.height >= t.node.ledger.durableHeight) return v.value;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('not certified');
    };
    expect(await statusOf()).toMatchObject({ status: 'valid', org: 'market', holder: subject, case: caseId });
    const unknown = await getCredentialStatus(client(), 'ef'.repeat(32));
    expect(unknown.value).toBeNull();
    expect(unknown.proof).toBeDefined();
    expect((await getCredentialTypes(client())).types.map((x) => x.id)).toContain('business-licence');

    // A reason outside the fixed list is refused before anything is signed.
    expect(() => credentialStatusTx('revoke', { id: c.id, reason: 'because' })).toThrow(/not a reason code/);
    // The seal issues but does not change statuses; another department's registrar may not either.
    for (const who of ['market-seal', 'police-registrar']) {
      expect(
        await refusal(staff(who), credentialStatusTx('suspend', { id: c.id, reason: 'under-investigation' })),
      ).toBe('POLICY_DENIED');
    }
    const registrar = staff('market-registrar');
    expect(
      await submit(registrar, credentialStatusTx('suspend', { id: c.id, reason: 'under-investigation' })),
    ).toMatchObject({ status: 'ok', result: { status: 'suspended' } });
    expect(
      await submit(registrar, credentialStatusTx('reinstate', { id: c.id, reason: 'investigation-closed' })),
    ).toMatchObject({ status: 'ok', result: { status: 'valid' } });
    expect(
      await submit(registrar, credentialStatusTx('revoke', { id: c.id, reason: 'revoked-by-decision' })),
    ).toMatchObject({ status: 'ok', result: { status: 'revoked' } });
    expect(
      await refusal(registrar, credentialStatusTx('reinstate', { id: c.id, reason: 'investigation-closed' })),
    ).toBe('CREDENTIAL_STATUS_CONFLICT');
    const final = await statusOf();
    expect(final).toMatchObject({ status: 'revoked', reason: 'revoked-by-decision' });
    expect(final.history.map((h) => [h.status, h.reason])).toEqual([
      ['suspended', 'under-investigation'],
      ['valid', 'investigation-closed'],
      ['revoked', 'revoked-by-decision'],
    ]);
    expect(await codeOf(getCredentialStatus(client(), 'not-an-id'))).not.toBe('ok');

    // The department's list, as the console's licences page asks for it: the registrar's own department by default.
    const session = withSession(client(), await signInToken(t, registrar));
    const page = await getCredentials(session);
    expect(page.org).toBe('market');
    expect(page.total).toBe(page.items.length);
    expect(page.items.find((x) => x.id === c.id)).toEqual({
      id: c.id,
      type: 'business-licence',
      org: 'market',
      holder: subject,
      status: 'revoked',
      validFrom: now,
      validUntil: now + 365 * DAY,
      case: caseId,
      height: final.height,
      time: final.time,
    });
    const revoked = await getCredentials(session, { status: 'revoked', type: 'business-licence', limit: 1 });
    expect(revoked.items.map((x) => x.id)).toEqual([c.id]);
    expect(revoked.next).toBeUndefined();
    expect((await getCredentials(session, { status: 'valid' })).items.map((x) => x.id)).not.toContain(c.id);
    // Only with a session, and only for the issuing department's registrars, administrators and auditors.
    expect(await codeOf(getCredentials(client()))).toBe('SESSION_REQUIRED');
    const seal = withSession(client(), await signInToken(t, staff('market-seal')));
    expect(await codeOf(getCredentials(seal))).toBe('POLICY_DENIED');
    const police = withSession(client(), await signInToken(t, staff('police-registrar')));
    expect(await codeOf(getCredentials(police, { org: 'market' }))).toBe('POLICY_DENIED');
    expect((await getCredentials(police)).items.map((x) => x.id)).not.toContain(c.id);
    expect(await codeOf(getCredentials(session, { limit: 500 }))).toBe('REQUEST_MALFORMED');
  });
});

/**
 * E-licences issued by the workflow (ADR 0015, PROTOCOL.md §20.8): an enterprise applies for a business licence, the
 * market regulator approves, and the market node — holding the department's seal — reads the legal representative's
 * record for the case (on the citizen's access log), signs the licence, anchors it and keeps it sealed until the
 * holder's wallet collects it. The wallet checks what it receives, presents a subset bound to a verifier's nonce (as
 * QR text, inline or as a link), and the verifier — trusting only the pinned genesis — accepts it, then refuses it once
 * revoked.
 */
import { templateActions } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  commitPersonal,
  isLianzhengError,
  type JsonObject,
  type JsonValue,
  type KeyPair,
} from '@lianzheng/protocol';
import {
  createClient,
  createCredentialVerifier,
  createWallet,
  httpTransport,
  presentationFromQrText,
  presentationQrText,
  QR_INLINE_MAX,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialsSettled,
  injectFetch,
  labelledKey,
  openTestNode,
  signedTx,
  signInToken,
  submitForReceipt,
  type TestNode,
  txIdOf,
} from './nodeHarness.js';

let t: TestNode;
let acme: KeyPair;
let acmeSubject: string;
let representative: string;
const AUD = 'https://bank.example.cn/kyc';
const ID_NUMBER = '330106197903033318';

const staff = (id: string) => t.staff[id] as KeyPair;
const ok = async (key: KeyPair, contract: string, method: string, args: JsonObject) => {
  const r = await submitForReceipt(
    t,
    signedTx(t, { key, contract, method, args, expiresAt: t.node.clock.now() + 600_000 }),
  );
  expect(r.status, JSON.stringify(r)).toBe('ok');
  return r;
};
const client = (token?: string) => {
  const c = createClient({ transport: httpTransport('http://node.test', { fetch: injectFetch(t) }) });
  return token === undefined ? c : withSession(c, token);
};
const codeOf = async (f: () => Promise<unknown>) => {
  try {
    await f();
    return 'accepted';
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
};

/** An approved business-licence case of `acme` named `name`; returns the case id. */
async function approvedLicence(name: string, licenceNo: string): Promise<string> {
  const submitted = await ok(acme, 'workflow', 'submit', {
    workflow: 'business-licence',
    form: {
      companyName: name,
      companyType: '有限责任公司',
      registeredCapital: 5_000_000,
      address: '杭州市西湖区文三路 90 号',
      legalRepresentativeId: representative,
      businessScope: '软件开发；数据处理服务',
    },
  });
  const id = (submitted.result as { case: string }).case;
  await ok(staff('market-caseworker'), 'workflow', 'act', { case: id, action: 'approve', form: { opinion: '齐' } });
  const decided = await ok(staff('market-registrar'), 'workflow', 'act', {
    case: id,
    action: 'approve',
    form: { licenceNo },
  });
  expect((decided.events as { name: string }[]).map((e) => e.name)).toContain('credentialEntitled');
  return id;
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
  for (const voter of ['realestate-admin', 'police-admin']) {
    await ok(staff(voter), 'gov', 'vote', { proposal: txIdOf(t, proposal), approve: true });
  }
  acme = labelledKey(t, 'issuance-acme');
  const reg = addCosignature(
    t.suite,
    signedTx(t, {
      key: staff('market-registrar'),
      contract: 'identity',
      method: 'registerSubject',
      args: { publicKey: bytesToHex(acme.publicKey), kind: 'enterprise' },
    }),
    acme.secretKey,
  );
  acmeSubject = ((await submitForReceipt(t, reg)).result as { subject: string }).subject;
  // The legal representative's identity, registered by the enterprise for its application: encrypted off chain.
  const value = { name: '陈立新', idNumber: ID_NUMBER };
  const salt = 'a3'.repeat(16);
  representative = commitPersonal(t.suite, value, salt);
  const tx = signedTx(t, {
    key: acme,
    contract: 'privacy',
    method: 'register',
    args: {
      commitment: representative,
      category: 'identity',
      subject: acmeSubject,
      org: 'market',
      policy: [{ org: 'market', purposes: ['case-handling'] }],
    },
    expiresAt: t.node.clock.now() + 600_000,
  });
  await t.node.privacy.register({ tx: tx as unknown as JsonObject, value, salt });
}, 120_000);

afterAll(async () => {
  expect(t.fatal).toEqual([]);
  await t?.close();
});

describe('营业执照 issued at the outcome, collected by the wallet, verified trusting no node', () => {
  let caseId: string;
  let credentialId: string;
  let token: string;

  it('the market node issues the licence: the seal read the record for the case, on the record', async () => {
    caseId = await approvedLicence('西湖数字科技有限公司', '91330106MA2AB3CD4E');
    await credentialsSettled(t);
    expect(Object.fromEntries(t.node.credentials.failures)).toEqual({});
    credentialId = t.node.chain.state('credential', `case/${caseId}`).value as string;
    expect(t.node.chain.state('credential', `credential/${credentialId}`).value).toMatchObject({
      type: 'business-licence',
      org: 'market',
      holder: acmeSubject,
      case: caseId,
      status: 'valid',
      issuerKey: bytesToHex(staff('market-seal').publicKey),
    });
    // The personal value is in the sealed outbox, not on chain.
    for (const key of t.node.stateKeys('workflow', 'entitlement/')) {
      expect(JSON.stringify(t.node.chain.state('workflow', key).value)).not.toContain(ID_NUMBER);
    }
    token = await signInToken(t, acme);
    const log = await t.app.inject({
      method: 'GET',
      url: '/v1/privacy/access-log',
      headers: { authorization: `Bearer ${token}` },
    });
    const entries = (log.json() as { entries: { entry: JsonObject }[] }).entries.map((e) => e.entry);
    expect(entries).toContainEqual(
      expect.objectContaining({
        record: representative,
        purpose: 'case-handling',
        case: caseId,
        decision: 'allowed',
        reader: expect.objectContaining({ org: 'market', member: 'market-seal' }),
      }),
    );
    // Once the licence is anchored the seal's reason to read is spent.
    const again = await submitForReceipt(
      t,
      signedTx(t, {
        key: staff('market-seal'),
        contract: 'privacy',
        method: 'read',
        args: { record: representative, purpose: 'case-handling', case: caseId },
        expiresAt: t.node.clock.now() + 600_000,
      }),
    );
    expect(again.result).toMatchObject({ decision: 'denied', code: 'PRIVACY_CASE_MISMATCH' });
  });

  it('one licence per case, as entitled: a second anchor for the case is refused', async () => {
    const r = await submitForReceipt(
      t,
      signedTx(t, {
        key: staff('market-seal'),
        contract: 'credential',
        method: 'issue',
        args: {
          id: 'ab'.repeat(32),
          type: 'business-licence',
          holder: acmeSubject,
          digest: 'A'.repeat(43),
          validFrom: t.node.clock.now(),
          validUntil: t.node.clock.now() + 86_400_000,
          case: caseId,
        },
        expiresAt: t.node.clock.now() + 600_000,
      }),
    );
    expect(r).toMatchObject({ status: 'failed', code: 'CREDENTIAL_ENTITLEMENT_MISMATCH' });
  });

  it('only its holder collects it, into a wallet bound to the key that applied', async () => {
    const other = labelledKey(t, 'issuance-stranger');
    const wrongWallet = createWallet({
      client: client(token),
      genesis: t.genesis,
      publicKey: other.publicKey,
      secretKey: other.secretKey,
    });
    expect(await codeOf(() => wrongWallet.collect(credentialId))).toBe('CREDENTIAL_MALFORMED');
    const staffToken = await signInToken(t, staff('market-caseworker'));
    const asStaff = await t.app.inject({
      method: 'GET',
      url: `/v1/wallet/inbox/${credentialId}`,
      headers: { authorization: `Bearer ${staffToken}` },
    });
    expect(asStaff.json()).toMatchObject({ error: { code: 'SESSION_REQUIRED' } });

    const wallet = createWallet({
      client: client(token),
      genesis: t.genesis,
      publicKey: acme.publicKey,
      secretKey: acme.secretKey,
      now: () => t.node.clock.now(),
    });
    expect((await wallet.inbox()).map((a) => a.id)).toEqual([credentialId]);
    const [got] = await wallet.collectAll();
    expect(got).toMatchObject({
      id: credentialId,
      type: 'business-licence',
      org: 'market',
      shown: {
        creditCode: '91330106MA2AB3CD4E',
        companyName: '西湖数字科技有限公司',
        companyType: '有限责任公司',
        established: t.node.clock.now(),
      },
      disclosable: {
        legalRepresentative: '陈立新',
        legalRepresentativeId: ID_NUMBER,
        registeredCapital: 5_000_000,
        address: '杭州市西湖区文三路 90 号',
        businessScope: '软件开发；数据处理服务',
        case: caseId,
      },
    });
    // Collected: the node destroyed its copy.
    expect(await wallet.inbox()).toEqual([]);
    expect(t.node.credentials.outbox.has(caseId)).toBe(false);
    expect(await codeOf(() => wallet.collect(credentialId))).toBe('CREDENTIAL_NOT_IN_OUTBOX');

    // Selective disclosure for a bank: company, licence number, validity, address — not the ID number.
    const verifier = createCredentialVerifier({
      client: client(),
      genesis: t.genesis,
      aud: AUD,
      now: () => t.node.clock.now(),
    });
    const nonce = verifier.nonce();
    const presentation = await wallet.present(credentialId, { disclose: ['address'], aud: AUD, nonce });
    expect(presentation).not.toContain(ID_NUMBER);
    expect(Buffer.from(presentation.replaceAll('~', '.').replaceAll('.', ''), 'base64url').toString()).not.toContain(
      ID_NUMBER,
    );
    // The QR code: inline when it fits, else a short-lived link the verifier follows (and still checks everything).
    // A licence with its seal certificate is over 2,000 characters: too dense for a phone to scan in one code.
    expect(presentation.length).toBeGreaterThan(QR_INLINE_MAX);
    const inline = await presentationQrText(client(), 'http://node.test', presentation, 4_000);
    expect(inline).toBe(presentation);
    const link = await presentationQrText(client(), 'http://node.test', presentation);
    expect(link).toMatch(/^http:\/\/node\.test\/v1\/presentations\/[A-Za-z0-9_-]{22}$/);
    const fetched = await presentationFromQrText(link, async (url) => (await injectFetch(t)(url)).text());
    expect(fetched).toBe(presentation);
    const v = await verifier.verify(fetched, nonce);
    expect(v).toMatchObject({ id: credentialId, type: 'business-licence', org: 'market', status: 'valid' });
    expect(v.claims).toMatchObject({ companyName: '西湖数字科技有限公司', address: '杭州市西湖区文三路 90 号' });
    expect(v.claims).not.toHaveProperty('legalRepresentativeId');
    process.stdout.write(`business-licence presentation: ${presentation.length} characters\n`);

    // The same presentation again (replay) is refused; after revocation a fresh one is too.
    expect(await codeOf(() => verifier.verify(fetched, nonce))).toBe('SD_JWT_KB_INVALID');
    await ok(staff('market-registrar'), 'credential', 'revoke', { id: credentialId, reason: 'revoked-by-decision' });
    let code = 'accepted';
    for (let i = 0; i < 200 && code === 'accepted'; i++) {
      const n = verifier.nonce();
      code = await codeOf(async () =>
        verifier.verify(await wallet.present(credentialId, { disclose: [], aud: AUD, nonce: n }), n),
      );
      if (code === 'accepted') await new Promise((r) => setTimeout(r, 10));
    }
    expect(code).toBe('CREDENTIAL_REVOKED');
  });

  it('a staged licence whose anchor can no longer commit is destroyed and issued afresh', async () => {
    // As if the node crashed after staging a credential whose anchor transaction then expired unseen.
    const name = '钱塘数据服务有限公司';
    const submitted = await ok(acme, 'workflow', 'submit', {
      workflow: 'business-licence',
      form: {
        companyName: name,
        companyType: '有限责任公司',
        registeredCapital: 1_000_000,
        address: '杭州市上城区望江路 1 号',
        legalRepresentativeId: representative,
        businessScope: '数据处理服务',
      },
    });
    const id = (submitted.result as { case: string }).case;
    await t.node.credentials.outbox.stage(
      id,
      { salt: 'c4'.repeat(16), value: { credential: 'lost' } },
      { tx: 'ee'.repeat(32), expiresAt: t.node.clock.now() - 1 },
    );
    await ok(staff('market-caseworker'), 'workflow', 'act', { case: id, action: 'approve', form: { opinion: '齐' } });
    await ok(staff('market-registrar'), 'workflow', 'act', {
      case: id,
      action: 'approve',
      form: { licenceNo: '91330106MA2AB3CD5F' },
    });
    await credentialsSettled(t);
    expect(t.node.credentials.failures.has(id)).toBe(false);
    const issued = t.node.chain.state('credential', `case/${id}`).value as string;
    const wallet = createWallet({
      client: client(token),
      genesis: t.genesis,
      publicKey: acme.publicKey,
      secretKey: acme.secretKey,
    });
    expect(await wallet.collect(issued)).toMatchObject({ id: issued, shown: { companyName: name } });
  });
});

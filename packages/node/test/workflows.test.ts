/**
 * The five approval workflows that ship (packages/node/templates), end to end on a node: deployed by one governance
 * proposal, each case walked from submission to outcome by the right civil servants, and for each template a wrong
 * actor, a missing form field and a deadline breach. Also: personal data only as commitments, automatic checks,
 * countersign (会签), withdrawal, and the console's read routes (inbox, my cases, case detail). Personal fields hold
 * commitments of records registered in the private-data store; a caseworker reads them for the case, on the record.
 */
import { createHash } from 'node:crypto';
import { templateActions } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  commitPersonal,
  type JsonObject,
  type JsonValue,
  type KeyPair,
} from '@lianzheng/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialsSettled,
  labelledKey,
  openTestNode,
  signedTx,
  signInToken,
  submitForReceipt,
  type TestNode,
  txIdOf,
} from './nodeHarness.js';

let t: TestNode;
const HOUR = 3_600_000;
const staff = (id: string): KeyPair => {
  const k = t.staff[id];
  if (k === undefined) throw new Error(`no demo staff member ${id}`);
  return k;
};
const call = (key: KeyPair, contract: string, method: string, args: JsonObject) =>
  signedTx(t, { key, contract, method, args, expiresAt: t.node.clock.now() + 10 * 60_000 });
const submit = (key: KeyPair, contract: string, method: string, args: JsonObject) =>
  submitForReceipt(t, call(key, contract, method, args));

async function ok(key: KeyPair, contract: string, method: string, args: JsonObject): Promise<JsonObject> {
  const r = await submit(key, contract, method, args);
  expect(r.status, JSON.stringify(r)).toBe('ok');
  return (r.result ?? {}) as JsonObject;
}

/** A hash of a document (attachments, contracts): not personal data. */
const documentHash = (text: string) => createHash('sha256').update(text).digest('hex');

const subjects = new Map<KeyPair, string>();
/** The case-handling departments of each workflow: who may read its personal fields for a case. */
const HANDLERS: Record<string, string[]> = {
  'business-licence': ['market'],
  'realestate-transfer': ['finance', 'realestate'],
  'household-migration': ['police'],
  'birth-registration': ['health', 'police'],
};

/**
 * Registers a personal value the way an applicant does before submitting (the value encrypted in the node's store,
 * its commitment on chain) and returns the commitment that goes in the form. The same value gives the same record.
 */
async function personal(
  workflow: string,
  about: KeyPair,
  value: JsonValue,
  category = 'identity',
  registrant: KeyPair = about,
): Promise<string> {
  const salt = documentHash(`salt of ${JSON.stringify(value)}`).slice(0, 32);
  const commitment = commitPersonal(t.suite, value, salt);
  if (t.node.privacy.store.has(commitment)) return commitment;
  const readers = (HANDLERS[workflow] ?? []).map((org) => ({ org, purposes: ['case-handling'] }));
  const owner = readers[0]?.org ?? 'police';
  const tx = call(registrant, 'privacy', 'register', {
    commitment,
    category,
    subject: subjects.get(about) ?? '',
    ...(registrant === about ? { org: owner } : {}),
    policy: readers,
  });
  await t.node.privacy.register({ tx: tx as unknown as JsonObject, value, salt });
  return commitment;
}

async function apply(applicant: KeyPair, workflow: string, form: JsonObject) {
  return submit(applicant, 'workflow', 'submit', { workflow, form });
}
async function act(actor: KeyPair, caseId: string, action: string, extra: JsonObject = {}) {
  return submit(actor, 'workflow', 'act', { case: caseId, action, ...extra });
}
const caseOf = (id: string) =>
  t.node.chain.state('workflow', `case/${id}`).value as JsonObject & {
    status: string;
    step?: string;
    history: JsonObject[];
    breached: string[];
  };
const eventNames = (r: { events: unknown[] }) => (r.events as { name: string }[]).map((e) => e.name);

let alice: KeyPair;
let bob: KeyPair;
let carol: KeyPair;
let acme: KeyPair;
let dana: KeyPair;

async function registerSubject(registrar: KeyPair, subject: KeyPair, kind: 'citizen' | 'enterprise') {
  const signed = call(registrar, 'identity', 'registerSubject', { publicKey: bytesToHex(subject.publicKey), kind });
  const r = await submitForReceipt(t, addCosignature(t.suite, signed, subject.secretKey));
  expect(r.status, JSON.stringify(r)).toBe('ok');
  subjects.set(subject, (r.result as { subject: string }).subject);
}

beforeAll(async () => {
  t = await openTestNode();
  // The templates, deployed the only way anything is: a proposal, and a majority of departments approving.
  const proposal = call(staff('market-admin'), 'gov', 'propose', { actions: templateActions() as JsonValue[] });
  const proposed = await submitForReceipt(t, proposal);
  expect(proposed.status, JSON.stringify(proposed)).toBe('ok');
  const id = txIdOf(t, proposal);
  await ok(staff('realestate-admin'), 'gov', 'vote', { proposal: id, approve: true });
  expect(await ok(staff('police-admin'), 'gov', 'vote', { proposal: id, approve: true })).toMatchObject({
    status: 'approved',
  });
  alice = labelledKey(t, 'alice');
  bob = labelledKey(t, 'bob');
  carol = labelledKey(t, 'carol');
  acme = labelledKey(t, 'acme-enterprise');
  dana = labelledKey(t, 'dana');
  await registerSubject(staff('market-registrar'), alice, 'citizen');
  await registerSubject(staff('market-registrar'), bob, 'citizen');
  await registerSubject(staff('police-registrar'), carol, 'citizen');
  await registerSubject(staff('market-registrar'), acme, 'enterprise');
  await registerSubject(staff('police-registrar'), dana, 'citizen');
}, 120_000);

afterAll(async () => {
  expect(t.fatal).toEqual([]);
  await t?.close();
});

describe('营业执照 business-licence', () => {
  let representative: string;
  beforeAll(async () => {
    representative = await personal('business-licence', acme, { name: '赵志远', idNumber: '330106199001011234' });
  });
  const form = (name: string): JsonObject => ({
    companyName: name,
    companyType: '有限责任公司',
    registeredCapital: 1_000_000,
    address: '杭州市西湖区文三路 100 号',
    legalRepresentativeId: representative,
    businessScope: '软件开发；信息技术咨询服务',
  });

  it('an enterprise applies; the caseworker reviews, the registrar approves; the licence is issued', async () => {
    const submitted = await apply(acme, 'business-licence', form('链政科技有限公司'));
    expect(submitted.status, JSON.stringify(submitted)).toBe('ok');
    const id = (submitted.result as { case: string }).case;
    expect(eventNames(submitted)).toEqual(['submitted', 'taskAssigned']);

    const inbox = await t.app.inject({
      method: 'GET',
      url: '/v1/workflow/inbox',
      headers: { authorization: `Bearer ${await signInToken(t, staff('market-caseworker'))}` },
    });
    // The task names the applicant by pseudonym only (never their key), and when it reached this step.
    const task = (inbox.json() as { tasks: Record<string, unknown>[] }).tasks.find((x) => x.id === id);
    expect(typeof caseOf(id).stepSince).toBe('number');
    expect(task).toMatchObject({
      step: 'review',
      applicant: { kind: 'enterprise', subject: subjects.get(acme) },
      stepSince: caseOf(id).stepSince,
    });
    expect(JSON.stringify(task)).not.toContain(bytesToHex(acme.publicKey));

    expect((await act(staff('market-caseworker'), id, 'approve', { form: { opinion: '材料齐全' } })).status).toBe('ok');
    const issued = await act(staff('market-registrar'), id, 'approve', { form: { licenceNo: '91330106MA2AB3CD4E' } });
    expect(issued.status, JSON.stringify(issued)).toBe('ok');
    expect(eventNames(issued)).toEqual(['licenceIssued', 'credentialEntitled', 'decided', 'acted']);
    expect(caseOf(id)).toMatchObject({ status: 'approved', outcome: 'issued' });
    expect(t.node.chain.state('business-registry', 'company/链政科技有限公司').value).toMatchObject({
      licenceNo: '91330106MA2AB3CD4E',
      case: id,
    });
    const mine = await t.app.inject({
      method: 'GET',
      url: '/v1/workflow/my-cases',
      headers: { authorization: `Bearer ${await signInToken(t, acme)}` },
    });
    expect((mine.json() as { cases: { id: string; status: string }[] }).cases).toContainEqual(
      expect.objectContaining({ id, status: 'approved' }),
    );
  });

  it('refuses a name already registered, personal data in plain text, and a missing field', async () => {
    const taken = await apply(alice, 'business-licence', form('链政科技有限公司'));
    expect(taken).toMatchObject({ status: 'failed', code: 'WORKFLOW_CHECK_FAILED' });
    const plain = await apply(alice, 'business-licence', {
      ...form('甲公司'),
      legalRepresentativeId: '330106199001011234',
    });
    expect(plain).toMatchObject({ status: 'failed', code: 'WORKFLOW_PERSONAL_PLAINTEXT' });
    const { companyName: _, ...missing } = form('乙公司');
    expect(await apply(alice, 'business-licence', missing)).toMatchObject({
      status: 'failed',
      code: 'WORKFLOW_FORM_INVALID',
    });
    const police = await apply(staff('police-caseworker'), 'business-licence', form('丙公司'));
    expect(police).toMatchObject({ status: 'failed', code: 'POLICY_DENIED' });
  });

  it('wrong actor, missing step field, and a deadline breach', async () => {
    const id = ((await apply(alice, 'business-licence', form('丁公司'))).result as { case: string }).case;
    expect(await act(staff('police-caseworker'), id, 'approve', { form: { opinion: 'x' } })).toMatchObject({
      status: 'failed',
      code: 'WORKFLOW_NOT_YOUR_TASK',
    });
    expect(
      await act(staff('market-registrar'), id, 'approve', { form: { licenceNo: '91330106MA2AB3CD4F' } }),
    ).toMatchObject({
      code: 'WORKFLOW_NOT_YOUR_TASK',
    });
    expect(await act(staff('market-caseworker'), id, 'approve', {})).toMatchObject({ code: 'WORKFLOW_FORM_INVALID' });
    expect(await act(staff('market-caseworker'), id, 'reject', {})).toMatchObject({
      code: 'WORKFLOW_COMMENT_REQUIRED',
    });
    t.setTime(t.node.clock.now() + 25 * HOUR);
    const late = await act(staff('market-caseworker'), id, 'approve', { form: { opinion: '逾期办理' } });
    expect(late.status).toBe('ok');
    expect(late.events).toContainEqual(
      expect.objectContaining({ name: 'slaBreached', data: expect.objectContaining({ case: id, step: 'review' }) }),
    );
    const c = caseOf(id);
    expect(c.breached).toEqual(['review']);
    expect(c.history.at(-1)).toMatchObject({ action: 'approve', late: true });
    const missing = await act(staff('market-registrar'), id, 'approve', { form: {} });
    expect(missing).toMatchObject({ code: 'WORKFLOW_FORM_INVALID' });
    const rejected = await act(staff('market-registrar'), id, 'reject', { comment: '经营范围不符' });
    expect(rejected.status).toBe('ok');
    expect(caseOf(id)).toMatchObject({ status: 'rejected', outcome: 'rejected' });
    expect(await act(staff('market-registrar'), id, 'approve', {})).toMatchObject({ code: 'CASE_CLOSED' });
  });
});

describe('不动产登记 realestate-transfer', () => {
  let sellerId: string;
  let buyerId: string;
  beforeAll(async () => {
    sellerId = await personal('realestate-transfer', alice, { name: '钱一', idNumber: '110101198001010011' });
    buyerId = await personal('realestate-transfer', bob, { name: '孙二', idNumber: '110101198502020022' });
  });
  const seller = () => sellerId;
  const buyer = () => buyerId;
  const form = (): JsonObject => ({
    propertyId: 'HZ-XH-000123',
    sellerId: seller(),
    buyerId: buyer(),
    price: 3_200_000,
    contractHash: documentHash('the sales contract pdf'),
  });

  it('the owner applies; review; registration waits for the tax clearance; the ownership moves', async () => {
    await ok(staff('realestate-registrar'), 'property-registry', 'record', {
      propertyId: 'HZ-XH-000123',
      owner: seller(),
    });
    const submitted = await apply(alice, 'realestate-transfer', form());
    expect(submitted.status, JSON.stringify(submitted)).toBe('ok');
    const id = (submitted.result as { case: string }).case;
    await ok(staff('realestate-caseworker'), 'workflow', 'act', {
      case: id,
      action: 'approve',
      form: { opinion: '受理' },
    });
    expect(await act(staff('market-registrar'), id, 'approve')).toMatchObject({ code: 'WORKFLOW_NOT_YOUR_TASK' });
    const untaxed = await act(staff('realestate-registrar'), id, 'approve');
    expect(untaxed).toMatchObject({ status: 'failed', code: 'WORKFLOW_CHECK_FAILED' });
    await ok(staff('finance-tax'), 'tax', 'clear', { propertyId: 'HZ-XH-000123', amount: 9_600_000 });
    const registered = await act(staff('realestate-registrar'), id, 'approve');
    expect(registered.status, JSON.stringify(registered)).toBe('ok');
    expect(caseOf(id)).toMatchObject({ status: 'approved', outcome: 'registered' });
    expect(t.node.chain.state('property-registry', 'property/HZ-XH-000123').value).toMatchObject({ owner: buyer() });
  });

  it('a seller who is not the owner, a missing field, and a deadline breach found by checkDeadlines', async () => {
    expect(await apply(alice, 'realestate-transfer', form())).toMatchObject({ code: 'WORKFLOW_CHECK_FAILED' });
    const { price: _, ...missing } = form();
    expect(await apply(bob, 'realestate-transfer', { ...missing, sellerId: buyer() })).toMatchObject({
      code: 'WORKFLOW_FORM_INVALID',
    });
    const id = (
      (await apply(bob, 'realestate-transfer', { ...form(), sellerId: buyer(), buyerId: seller() })).result as {
        case: string;
      }
    ).case;
    t.setTime(t.node.clock.now() + 49 * HOUR);
    const swept = await ok(staff('realestate-auditor'), 'workflow', 'checkDeadlines', {});
    expect(swept.breaches).toBeGreaterThanOrEqual(1);
    expect(caseOf(id).breached).toContain('review');
    // A second sweep reports nothing new for this case.
    await ok(staff('realestate-auditor'), 'workflow', 'checkDeadlines', {});
    expect(caseOf(id).breached.filter((s) => s === 'review')).toHaveLength(1);
    // The applicant withdraws; somebody else may not.
    expect(await submit(alice, 'workflow', 'withdraw', { case: id })).toMatchObject({ code: 'CASE_NOT_APPLICANT' });
    expect((await submit(bob, 'workflow', 'withdraw', { case: id, comment: '不卖了' })).status).toBe('ok');
    expect(caseOf(id)).toMatchObject({ status: 'withdrawn' });
  });
});

describe('户口迁移 household-migration', () => {
  let personId: string;
  beforeAll(async () => {
    personId = await personal('household-migration', carol, {
      name: '周三',
      idNumber: '330102199203030033',
      birthDate: '1992-03-03',
    });
  });
  const person = () => personId;

  it('the bureau of departure signs the move out, the bureau of arrival the move in', async () => {
    await ok(staff('police-east'), 'household-registry', 'enter', { person: person(), bureau: 'east' });
    const id = (
      (
        await apply(carol, 'household-migration', {
          personId: person(),
          fromBureau: 'east',
          toBureau: 'west',
          reason: 'work',
        })
      ).result as {
        case: string;
      }
    ).case;
    expect(await act(staff('police-west'), id, 'approve')).toMatchObject({ code: 'WORKFLOW_NOT_YOUR_TASK' });
    await ok(staff('police-east'), 'workflow', 'act', { case: id, action: 'approve' });
    expect(await act(staff('police-east'), id, 'approve')).toMatchObject({ code: 'WORKFLOW_NOT_YOUR_TASK' });
    const moved = await act(staff('police-west'), id, 'approve');
    expect(moved.status, JSON.stringify(moved)).toBe('ok');
    expect(caseOf(id)).toMatchObject({ status: 'approved', outcome: 'moved' });
    expect(t.node.chain.state('household-registry', `person/${person()}`).value).toMatchObject({ bureau: 'west' });
  });

  it('no household record, a missing field, and a case deadline breach', async () => {
    const stranger = await personal('household-migration', carol, 'carol, not on any household register');
    expect(
      await apply(carol, 'household-migration', {
        personId: stranger,
        fromBureau: 'east',
        toBureau: 'west',
        reason: 'work',
      }),
    ).toMatchObject({ code: 'WORKFLOW_CHECK_FAILED' });
    expect(
      await apply(carol, 'household-migration', { personId: person(), fromBureau: 'west', toBureau: 'east' }),
    ).toMatchObject({
      code: 'WORKFLOW_FORM_INVALID',
    });
    const id = (
      (
        await apply(carol, 'household-migration', {
          personId: person(),
          fromBureau: 'west',
          toBureau: 'east',
          reason: 'family',
        })
      ).result as { case: string }
    ).case;
    t.setTime(t.node.clock.now() + 73 * HOUR);
    const late = await act(staff('police-west'), id, 'approve');
    expect(late.events).toContainEqual(
      expect.objectContaining({ name: 'slaBreached', data: expect.objectContaining({ step: 'move-out' }) }),
    );
  });
});

describe('出生登记 birth-registration', () => {
  let motherId: string;
  let childId: string;
  let twinId: string;
  beforeAll(async () => {
    const hospital = staff('health-hospital');
    // The child's records sit under the mother's subject until the child has one of its own.
    motherId = await personal('birth-registration', dana, 'dana 330102199404040044');
    childId = await personal('birth-registration', dana, 'baby of dana, 2026-11-20', 'birth', hospital);
    twinId = await personal('birth-registration', dana, 'twin of the baby of dana, 2026-11-20', 'birth', hospital);
  });
  const mother = () => motherId;
  const form = (): JsonObject => ({
    childId,
    motherId: mother(),
    birthDate: '2026-11-20',
    birthCertificateNo: 'Q330012345',
    bureau: 'east',
  });

  it('the hospital declares, the health commission verifies, the bureau registers the child', async () => {
    await ok(staff('police-east'), 'household-registry', 'enter', { person: mother(), bureau: 'east' });
    const submitted = await apply(staff('health-hospital'), 'birth-registration', form());
    expect(submitted.status, JSON.stringify(submitted)).toBe('ok');
    const id = (submitted.result as { case: string }).case;
    expect(await act(staff('health-caseworker'), id, 'approve', { form: {} })).toMatchObject({
      code: 'WORKFLOW_FORM_INVALID',
    });
    await ok(staff('health-caseworker'), 'workflow', 'act', {
      case: id,
      action: 'approve',
      form: { certificateVerified: true },
    });
    expect(await act(staff('police-west'), id, 'approve')).toMatchObject({ code: 'WORKFLOW_NOT_YOUR_TASK' });
    const registered = await act(staff('police-east'), id, 'approve');
    expect(registered.status, JSON.stringify(registered)).toBe('ok');
    expect(t.node.chain.state('household-registry', `person/${form().childId}`).value).toMatchObject({
      bureau: 'east',
    });
  });

  it('only a hospital declares; a missing field; a deadline breach', async () => {
    expect(await apply(alice, 'birth-registration', form())).toMatchObject({ code: 'POLICY_DENIED' });
    const { birthDate: _, ...missing } = form();
    expect(await apply(staff('health-hospital'), 'birth-registration', missing)).toMatchObject({
      code: 'WORKFLOW_FORM_INVALID',
    });
    const id = (
      (await apply(staff('health-hospital'), 'birth-registration', { ...form(), childId: twinId })).result as {
        case: string;
      }
    ).case;
    t.setTime(t.node.clock.now() + 25 * HOUR);
    const swept = await ok(staff('health-auditor'), 'workflow', 'checkDeadlines', {});
    expect(swept.breaches).toBeGreaterThanOrEqual(1);
    expect(caseOf(id).breached).toContain('verify');
  });
});

describe('预算审批 budget-approval', () => {
  const form = (): JsonObject => ({
    year: 2027,
    title: '市场监管执法装备',
    amount: 1_200_000,
    purpose: '执法记录仪与快检设备更新',
  });

  it('the department applies, finance reviews, both leaders countersign (会签), the budget is allocated', async () => {
    const id = ((await apply(staff('market-caseworker'), 'budget-approval', form())).result as { case: string }).case;
    expect(await act(staff('finance-caseworker'), id, 'approve', { form: { opinion: '同意' } })).toMatchObject({
      code: 'WORKFLOW_FORM_INVALID',
    });
    await ok(staff('finance-caseworker'), 'workflow', 'act', {
      case: id,
      action: 'approve',
      form: { approvedAmount: 1_000_000, opinion: '核减 20 万' },
    });
    expect(await act(staff('police-leader'), id, 'approve')).toMatchObject({ code: 'WORKFLOW_NOT_YOUR_TASK' });
    const first = await act(staff('finance-leader'), id, 'approve');
    expect(first.status, JSON.stringify(first)).toBe('ok');
    expect(caseOf(id)).toMatchObject({ status: 'open', step: 'leadership' });
    expect(await act(staff('finance-leader'), id, 'approve')).toMatchObject({ code: 'CASE_ALREADY_SIGNED' });
    const second = await act(staff('market-leader'), id, 'approve');
    expect(second.status, JSON.stringify(second)).toBe('ok');
    expect(caseOf(id)).toMatchObject({ status: 'approved', outcome: 'approved' });
    expect(t.node.chain.state('budget-ledger', 'budget/market/2027').value).toMatchObject({ total: 1_000_000 });
    const detail = await t.app.inject({
      method: 'GET',
      url: `/v1/workflow/cases/${id}`,
      headers: { authorization: `Bearer ${await signInToken(t, staff('finance-auditor'))}` },
    });
    expect(detail.statusCode, detail.body).toBe(200);
    expect((detail.json() as { history: { action: string }[] }).history.map((h) => h.action)).toEqual([
      'submitted',
      'approve',
      'countersigned',
      'countersigned',
    ]);
    const citizen = await t.app.inject({
      method: 'GET',
      url: `/v1/workflow/cases/${id}`,
      headers: { authorization: `Bearer ${await signInToken(t, alice)}` },
    });
    expect(citizen.statusCode).toBe(403);
  });

  it('one leader rejecting decides; a missing field; a deadline breach', async () => {
    const { amount: _, ...missing } = form();
    expect(await apply(staff('market-caseworker'), 'budget-approval', missing)).toMatchObject({
      code: 'WORKFLOW_FORM_INVALID',
    });
    const id = (
      (await apply(staff('police-caseworker'), 'budget-approval', { ...form(), title: '警用车辆' })).result as {
        case: string;
      }
    ).case;
    await ok(staff('finance-caseworker'), 'workflow', 'act', {
      case: id,
      action: 'approve',
      form: { approvedAmount: 500_000, opinion: '同意' },
    });
    t.setTime(t.node.clock.now() + 73 * HOUR);
    const rejected = await act(staff('police-leader'), id, 'reject', { comment: '年度预算已满' });
    expect(rejected.status, JSON.stringify(rejected)).toBe('ok');
    expect(rejected.events).toContainEqual(
      expect.objectContaining({ name: 'slaBreached', data: expect.objectContaining({ step: 'leadership' }) }),
    );
    expect(caseOf(id)).toMatchObject({ status: 'rejected' });
  });
});

describe('personal fields live in the private-data store; reads for a case are on the record', () => {
  /** A read through the API by a signed-in civil servant: the decision's code, or the released value. */
  async function read(key: KeyPair, record: string, purpose: string, caseId?: string) {
    const tx = call(key, 'privacy', 'read', { record, purpose, ...(caseId === undefined ? {} : { case: caseId }) });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/privacy/reads',
      headers: { authorization: `Bearer ${await signInToken(t, key)}`, 'content-type': 'application/json' },
      payload: JSON.stringify(tx),
    });
    const body = res.json() as { value?: JsonValue; error?: { code: string } };
    return res.statusCode === 200 ? { value: body.value } : { code: body.error?.code };
  }
  const licence = (representative: string): JsonObject => ({
    companyName: '隐私测试有限公司',
    companyType: '有限责任公司',
    registeredCapital: 100_000,
    address: '杭州市上城区 1 号',
    legalRepresentativeId: representative,
    businessScope: '咨询',
  });

  it('an unregistered commitment, a record of the wrong category and an erased record are refused', async () => {
    const unregistered = commitPersonal(t.suite, '330106199909099999', 'cd'.repeat(16));
    expect(await apply(acme, 'business-licence', licence(unregistered))).toMatchObject({
      status: 'failed',
      code: 'WORKFLOW_PERSONAL_UNREGISTERED',
      message: expect.stringContaining('form.legalRepresentativeId'),
    });
    const birth = await personal('business-licence', acme, 'a birth record, not an ID', 'birth');
    expect(await apply(acme, 'business-licence', licence(birth))).toMatchObject({
      code: 'WORKFLOW_PERSONAL_CATEGORY',
      message: 'form.legalRepresentativeId must hold a record of category identity, not birth',
    });
    const erased = await personal('business-licence', acme, '330106198001010000');
    await ok(acme, 'privacy', 'requestErasure', { record: erased });
    await ok(staff('market-secadmin'), 'privacy', 'decideErasure', { record: erased, approve: true });
    expect(await apply(acme, 'business-licence', licence(erased))).toMatchObject({
      code: 'PRIVATE_RECORD_ERASED',
      message: expect.stringContaining('form.legalRepresentativeId'),
    });
  });

  it('the caseworker holding the task reads the field for the case; others are denied; every read is logged', async () => {
    const value = '330106197707077777';
    const representative = await personal('business-licence', acme, value);
    const id = ((await apply(acme, 'business-licence', licence(representative))).result as { case: string }).case;
    const caseworker = staff('market-caseworker');
    expect(await read(caseworker, representative, 'case-handling', id)).toEqual({ value });
    expect(await read(caseworker, representative, 'case-handling')).toEqual({ code: 'PRIVACY_CASE_MISMATCH' });
    expect(await read(staff('police-caseworker'), representative, 'case-handling', id)).toEqual({
      code: 'PRIVACY_CASE_MISMATCH',
    });
    expect(await read(caseworker, representative, 'tax-administration')).toEqual({ code: 'PRIVACY_ROLE_DENIED' });
    // Another case's record is not this case's to read.
    const other = await personal('business-licence', acme, '330106196606066666');
    expect(await read(caseworker, other, 'case-handling', id)).toEqual({ code: 'PRIVACY_CASE_MISMATCH' });
    // The enterprise sees every one of them in its access log, allowed or not.
    const log = await t.app.inject({
      method: 'GET',
      url: '/v1/privacy/access-log',
      headers: { authorization: `Bearer ${await signInToken(t, acme)}` },
    });
    type Entry = { record: string; decision: string; purpose: string; case?: string; code?: string };
    const entries = (log.json() as { entries: { entry: Entry }[] }).entries
      .map((i) => i.entry)
      .filter((e) => e.record === representative || e.record === other);
    expect(entries.map((e) => [e.purpose, e.decision, e.code ?? null, e.case ?? null]).sort()).toEqual(
      [
        ['case-handling', 'allowed', null, id],
        ['case-handling', 'denied', 'PRIVACY_CASE_MISMATCH', null],
        ['case-handling', 'denied', 'PRIVACY_CASE_MISMATCH', id],
        ['case-handling', 'denied', 'PRIVACY_CASE_MISMATCH', id],
        ['tax-administration', 'denied', 'PRIVACY_ROLE_DENIED', null],
      ].sort(),
    );
  });
});

describe('workflow definitions are governed', () => {
  it('GET /v1/workflows lists the five, with their forms', async () => {
    const list = (await t.app.inject({ method: 'GET', url: '/v1/workflows' })).json() as {
      workflows: { id: string }[];
    };
    expect(list.workflows.map((w) => w.id).sort()).toEqual([
      'birth-registration',
      'budget-approval',
      'business-licence',
      'household-migration',
      'realestate-transfer',
    ]);
    const def = (await t.app.inject({ method: 'GET', url: '/v1/workflows/business-licence' })).json() as JsonObject;
    expect(def).toMatchObject({ id: 'business-licence', version: 1, start: 'review' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/workflows/nope' })).statusCode).toBe(404);
    // A case keeps its version: the console asks for that one (a query string, so digits).
    const v1 = await t.app.inject({ method: 'GET', url: '/v1/workflows/business-licence?version=1' });
    expect(v1.statusCode, v1.body).toBe(200);
    expect(v1.json()).toMatchObject({ id: 'business-licence', version: 1 });
    expect((await t.app.inject({ method: 'GET', url: '/v1/workflows/business-licence?version=9' })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ method: 'GET', url: '/v1/workflows/business-licence?version=0' })).statusCode).toBe(
      400,
    );
  });

  it('an invalid definition is refused with the place named; a redeployment needs a higher version', async () => {
    const bad = await submit(staff('market-admin'), 'gov', 'propose', {
      actions: [
        {
          type: 'deployWorkflow',
          definition: {
            id: 'x-y',
            version: 1,
            title: 'x',
            owner: 'market',
            applicant: 'anyone',
            form: { type: 'object' },
            start: 'a',
            steps: { a: { title: 'a', type: 'single', actors: 'anyone', actions: { go: { to: '@nowhere' } } } },
            outcomes: { done: { title: 'd', status: 'approved' } },
          },
        },
      ],
    });
    expect(bad).toMatchObject({ status: 'failed', code: 'GOV_ACTION_INVALID' });
    expect(bad.message).toContain('@nowhere');
  });
});

describe('licences at the outcome (电子证照)', () => {
  it("the issuing department's node signs and anchors the licence each approved case entitles its applicant to", async () => {
    await credentialsSettled(t);
    expect(Object.fromEntries(t.node.credentials.failures)).toEqual({});
    const types = new Set<string>();
    for (const key of t.node.stateKeys('workflow', 'entitlement/')) {
      const caseId = key.slice('entitlement/'.length);
      const e = t.node.chain.state('workflow', key).value as { type: string; holder: string };
      const id = t.node.chain.state('credential', `case/${caseId}`).value as string;
      expect(t.node.chain.state('credential', `credential/${id}`).value).toMatchObject({
        type: e.type,
        holder: e.holder,
        case: caseId,
        status: 'valid',
      });
      expect(t.node.credentials.outbox.has(caseId)).toBe(true);
      types.add(e.type);
    }
    expect([...types].sort()).toEqual(['business-licence', 'household-record', 'real-estate-certificate']);
  });
});

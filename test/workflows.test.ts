/**
 * The five approval workflows the way people use them: a real node process started with the demo (which deploys the
 * templates through a governance vote and registers demo citizens and enterprises), and the `lianzheng workflow` CLI
 * for every step — each template from submission to outcome with the right identities, a wrong actor and a missing form
 * field. Personal fields hold registered personal records: plain values in a form are registered by `workflow submit`,
 * or a record is registered first (`privacy register`); a caseworker's read of one for the case is on the citizen's
 * access log. Deadline breaches need a moving clock: they are tested on an in-process node
 * (packages/node/test/workflows.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

interface Outcome {
  exit: number;
  stderr: string;
  receipt?: { status: string; code?: string; result?: Record<string, unknown> };
}

describe('the five workflow templates through the CLI', () => {
  let home: string;
  let node: NodeHandle;
  const g = () => ['--home', home, '--url', node.url, '--json'];

  async function run(...args: string[]): Promise<Outcome> {
    const r = await cli([...g(), ...args]);
    const out: Outcome = { exit: r.code, stderr: r.stderr };
    if (r.stdout.trim().startsWith('{'))
      out.receipt = (JSON.parse(r.stdout) as { receipt?: Outcome['receipt'] }).receipt;
    return out;
  }
  /** A step that must succeed; returns its result. */
  async function ok(...args: string[]): Promise<Record<string, unknown>> {
    const r = await run(...args);
    expect(r.receipt?.status, `${args.join(' ')}\n${r.stderr}\n${JSON.stringify(r.receipt)}`).toBe('ok');
    return r.receipt?.result ?? {};
  }
  /** A step that must be refused with `code` (at admission: exit code and stderr; in a block: the receipt). */
  async function refused(code: string, ...args: string[]): Promise<void> {
    const r = await run(...args);
    expect(r.exit, args.join(' ')).not.toBe(0);
    expect(`${r.stderr} ${r.receipt?.code ?? ''}`).toContain(code);
  }
  const refuseSubmit = (code: string, workflow: string, key: string, form: string) =>
    refused(code, 'workflow', 'submit', workflow, '--key', key, '--form', form);
  const refuseAct = (code: string, id: string, action: string, key: string, form?: string) =>
    refused(code, 'workflow', 'act', id, action, '--key', key, ...(form === undefined ? [] : ['--form', form]));
  /** The east bureau records a person's household (a fixture for the checks of two templates). */
  const enterHousehold = (person: string) =>
    ok(
      'tx',
      'household-registry',
      'enter',
      '--key',
      'police-east',
      '--args',
      JSON.stringify({ person, bureau: 'east' }),
    );
  /** A document's hash (not personal data). */
  async function documentHash(value: string): Promise<string> {
    const r = await cli([...g(), 'workflow', 'commit', value, '--salt', '00112233445566778899aabbccddeeff']);
    return (JSON.parse(r.stdout) as { commitment: string }).commitment;
  }
  const subjectOf = (id: string): string => {
    const all = JSON.parse(readFileSync(path.join(home, 'identities.json'), 'utf8')) as {
      id: string;
      subject?: string;
    }[];
    const s = all.find((x) => x.id === id)?.subject;
    if (s === undefined) throw new Error(`no demo subject ${id}`);
    return s;
  };
  /** A citizen registers their own personal value for a department's cases; returns the record (commitment). */
  async function register(key: string, value: string, org: string, ...readers: string[]): Promise<string> {
    const r = await cli([
      ...g(),
      'privacy',
      'register',
      '--key',
      key,
      '--value',
      value,
      '--category',
      'identity',
      '--subject',
      subjectOf(key),
      '--org',
      org,
      ...readers.flatMap((x) => ['--reader', `${x}:case-handling`]),
    ]);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { record: string }).record;
  }
  const submit = async (workflow: string, key: string, form: object) =>
    (await ok('workflow', 'submit', workflow, '--key', key, '--form', JSON.stringify(form))).case as string;

  beforeAll(async () => {
    // The demo deploys the templates through governance, registers the personal records and leaves two cases.
    ({ home, node } = await startDemoNode('workflows'));
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('the demo deployed the five through governance and left two cases in the inboxes', async () => {
    const list = JSON.parse((await cli([...g(), 'workflow', 'list'])).stdout) as { id: string }[];
    expect(list.map((w) => w.id).sort()).toEqual([
      'birth-registration',
      'budget-approval',
      'business-licence',
      'household-migration',
      'realestate-transfer',
    ]);
    const inbox = JSON.parse((await cli([...g(), 'workflow', 'inbox', '--key', 'market-caseworker'])).stdout) as {
      tasks: { workflow: string }[];
    };
    expect(inbox.tasks.map((t) => t.workflow)).toContain('business-licence');
  });

  it('营业执照: enterprise → caseworker → registrar; wrong actor; missing field', async () => {
    const form = {
      companyName: '钱塘链政信息技术有限公司',
      companyType: '有限责任公司',
      registeredCapital: 2_000_000,
      address: '杭州市上城区望江路 18 号',
      legalRepresentativeId: '330102198807070077',
      businessScope: '区块链技术服务',
    };
    const { companyName: _, ...missing } = form;
    await refuseSubmit('WORKFLOW_FORM_INVALID', 'business-licence', 'enterprise-2', JSON.stringify(missing));
    const submitted = await run(
      'workflow',
      'submit',
      'business-licence',
      '--key',
      'enterprise-2',
      '--form',
      JSON.stringify(form),
    );
    expect(submitted.receipt?.status, submitted.stderr).toBe('ok');
    // The plain ID number was registered as a personal record first; only its commitment is in the case.
    expect(submitted.stderr).toMatch(
      /form\.legalRepresentativeId: registered personal record [0-9a-f]{64} \(identity\)/,
    );
    const id = submitted.receipt?.result?.case as string;
    const stored = (await (await fetch(`${node.url}/v1/state/workflow/case/${id}`)).json()) as {
      value: { form: { legalRepresentativeId: string } };
    };
    expect(stored.value.form.legalRepresentativeId).toMatch(/^[0-9a-f]{64}$/);
    await refuseSubmit(
      'WORKFLOW_PERSONAL_UNREGISTERED',
      'business-licence',
      'enterprise-2',
      JSON.stringify({ ...form, companyName: '另一家公司', legalRepresentativeId: await documentHash('unregistered') }),
    );
    await refuseAct('WORKFLOW_NOT_YOUR_TASK', id, 'approve', 'police-caseworker', '{"opinion":"x"}');
    await ok('workflow', 'act', id, 'approve', '--key', 'market-caseworker', '--form', '{"opinion":"材料齐全"}');
    await refuseAct('WORKFLOW_FORM_INVALID', id, 'approve', 'market-registrar', '{}');
    expect(
      await ok(
        'workflow',
        'act',
        id,
        'approve',
        '--key',
        'market-registrar',
        '--form',
        '{"licenceNo":"91330102MA2CD5EF6G"}',
      ),
    ).toMatchObject({
      status: 'approved',
      outcome: 'issued',
    });
    const detail = JSON.parse((await cli([...g(), 'workflow', 'case', id, '--key', 'market-auditor'])).stdout) as {
      history: { action: string }[];
    };
    expect(detail.history.map((h) => h.action)).toEqual(['submitted', 'approve', 'approve']);
  });

  it('不动产登记: citizen → caseworker → tax clearance → registrar; wrong actor; missing field', async () => {
    const seller = await register('citizen-1', 'seller 330102197001010011', 'realestate', 'realestate', 'finance');
    const buyer = await register('citizen-3', 'buyer 330102197502020022', 'realestate', 'realestate', 'finance');
    await ok(
      'tx',
      'property-registry',
      'record',
      '--key',
      'realestate-registrar',
      '--args',
      JSON.stringify({ propertyId: 'HZ-SC-000777', owner: seller }),
    );
    const form = {
      propertyId: 'HZ-SC-000777',
      sellerId: seller,
      buyerId: buyer,
      price: 2_800_000,
      contractHash: await documentHash('contract'),
    };
    const { price: _, ...missing } = form;
    await refuseSubmit('WORKFLOW_FORM_INVALID', 'realestate-transfer', 'citizen-1', JSON.stringify(missing));
    const id = await submit('realestate-transfer', 'citizen-1', form);
    await refuseAct('WORKFLOW_NOT_YOUR_TASK', id, 'approve', 'market-caseworker', '{"opinion":"x"}');
    await ok('workflow', 'act', id, 'approve', '--key', 'realestate-caseworker', '--form', '{"opinion":"受理"}');
    await refuseAct('WORKFLOW_CHECK_FAILED', id, 'approve', 'realestate-registrar');
    await ok('tx', 'tax', 'clear', '--key', 'finance-tax', '--args', '{"propertyId":"HZ-SC-000777","amount":8400000}');
    expect(await ok('workflow', 'act', id, 'approve', '--key', 'realestate-registrar')).toMatchObject({
      outcome: 'registered',
    });
  });

  it('户口迁移: bureau of departure, then bureau of arrival; wrong bureau; missing field', async () => {
    const person = await register('citizen-2', 'citizen-2 330102199909090099', 'police', 'police');
    await enterHousehold(person);
    await refuseSubmit(
      'WORKFLOW_FORM_INVALID',
      'household-migration',
      'citizen-2',
      JSON.stringify({ personId: person, fromBureau: 'east', toBureau: 'west' }),
    );
    const id = await submit('household-migration', 'citizen-2', {
      personId: person,
      fromBureau: 'east',
      toBureau: 'west',
      reason: 'marriage',
    });
    await refuseAct('WORKFLOW_NOT_YOUR_TASK', id, 'approve', 'police-west');
    await ok('workflow', 'act', id, 'approve', '--key', 'police-east');
    expect(await ok('workflow', 'act', id, 'approve', '--key', 'police-west')).toMatchObject({ outcome: 'moved' });
  });

  it('出生登记: hospital → health commission → police; wrong actor; missing field; the read for the case is logged', async () => {
    const mother = await register('citizen-3', 'mother 330102199505050055', 'health', 'health', 'police');
    await enterHousehold(mother);
    const form = {
      childId: '新生儿 2026-11-21 08:15 杭州市第一人民医院',
      motherId: mother,
      birthDate: '2026-11-21',
      birthCertificateNo: 'P330098765',
      bureau: 'east',
    };
    const { birthCertificateNo: _, ...missing } = form;
    await refuseSubmit('WORKFLOW_FORM_INVALID', 'birth-registration', 'health-hospital', JSON.stringify(missing));
    // The child's details are registered under the mother's subject, as a birth record of the health commission.
    const submitted = await run(
      'workflow',
      'submit',
      'birth-registration',
      '--key',
      'health-hospital',
      '--subject',
      subjectOf('citizen-3'),
      '--form',
      JSON.stringify(form),
    );
    expect(submitted.receipt?.status, submitted.stderr).toBe('ok');
    const child = /form\.childId: registered personal record ([0-9a-f]{64}) \(birth\)/.exec(
      submitted.stderr,
    )?.[1] as string;
    expect(child).toBeDefined();
    const id = submitted.receipt?.result?.case as string;
    await refuseAct('WORKFLOW_NOT_YOUR_TASK', id, 'approve', 'health-hospital', '{"certificateVerified":true}');
    await ok('workflow', 'act', id, 'approve', '--key', 'health-caseworker', '--form', '{"certificateVerified":true}');
    // The bureau holding the task reads the child's details for the case; a bureau without the task may not.
    const readForCase = (key: string) =>
      cli([...g(), 'privacy', 'read', child, '--purpose', 'case-handling', '--case', id, '--key', key]);
    const read = await readForCase('police-east');
    expect(read.code, read.stderr).toBe(0);
    expect((JSON.parse(read.stdout) as { value: string }).value).toBe(form.childId);
    const denied = await readForCase('police-west');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('PRIVACY_CASE_MISMATCH');
    expect(await ok('workflow', 'act', id, 'approve', '--key', 'police-east')).toMatchObject({ outcome: 'registered' });
    // The mother sees both reads in her access log, with proofs checked against the pinned genesis.
    const log = await cli([...g(), 'privacy', 'log', '--verify', '--key', 'citizen-3']);
    expect(log.code, log.stderr).toBe(0);
    const entries = JSON.parse(log.stdout) as {
      entries: { entry: { record: string; decision: string; case?: string; reader: { member?: string } } }[];
      verified: number;
    };
    const reads = entries.entries.map((e) => e.entry).filter((e) => e.record === child);
    expect(reads.map((e) => [e.reader.member, e.decision, e.case])).toEqual([
      ['police-east', 'allowed', id],
      ['police-west', 'denied', id],
    ]);
    expect(entries.verified).toBe(entries.entries.length);
  });

  it('预算审批: department → finance → countersign of both leaders; wrong actor; missing field', async () => {
    await refuseSubmit('WORKFLOW_FORM_INVALID', 'budget-approval', 'health-caseworker', '{"year":2027,"title":"x"}');
    const inbox = JSON.parse((await cli([...g(), 'workflow', 'inbox', '--key', 'finance-caseworker'])).stdout) as {
      tasks: { id: string; workflow: string }[];
    };
    const id = inbox.tasks.find((t) => t.workflow === 'budget-approval')?.id as string;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await refuseAct('WORKFLOW_FORM_INVALID', id, 'approve', 'finance-caseworker', '{"opinion":"同意"}');
    await ok(
      'workflow',
      'act',
      id,
      'approve',
      '--key',
      'finance-caseworker',
      '--form',
      '{"approvedAmount":700000,"opinion":"核减"}',
    );
    await refuseAct('WORKFLOW_NOT_YOUR_TASK', id, 'approve', 'police-leader');
    expect(await ok('workflow', 'act', id, 'approve', '--key', 'finance-leader')).toMatchObject({
      status: 'open',
      step: 'leadership',
    });
    expect(await ok('workflow', 'act', id, 'approve', '--key', 'market-leader')).toMatchObject({ status: 'approved' });
    const budget = (await (await fetch(`${node.url}/v1/state/budget-ledger/budget/market/2027`)).json()) as {
      value: unknown;
    };
    expect(budget.value).toMatchObject({ total: 700_000, count: 1 });
  });
});

/**
 * The staff console (工作台) in real Chromium against a real demo node process, the way civil servants use it: each
 * signs in with their own key file (kept in page memory, so every move after signing in is an in-app click), and
 * every outcome is checked through the node's API or the CLI, not only on screen.
 *
 * The demo's business-licence application of enterprise-1: the market caseworker opens it from the inbox, reads the
 * legal representative's ID for the case (the read is on the enterprise's access log) and passes it; the registrar
 * approves with the licence number (a wrong one refused by the form first); the licence is issued; a seal, which may
 * not, is offered neither the department's list nor any change on the licences page; the registrar finds the licence
 * in the department's list, revokes it, and finds it again under the 已吊销 filter and not under 有效. The publisher publishes a record with
 * an attachment hashed in the browser, sees it on the public page, withdraws it. The finance caseworker rejects the
 * demo budget request (comment required, confirm dialog cancelled once). An administrator votes on a proposal.
 * Screenshots of every console page in both languages go to test-artifacts/screenshots.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialogSettled, type Lang, launchChromium, openContext, screenshot, watchErrors } from './helpers/browser.js';
import { cli, E2E_PASSPHRASE, getJson, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

interface CaseJson {
  readonly id: string;
  readonly workflow: string;
  readonly status: string;
  readonly step?: string;
  readonly steps: Record<string, Record<string, unknown>>;
  readonly history: { action: string; comment?: string; actor: { member?: string } }[];
}

describe('web app: the staff console', () => {
  let home: string;
  let node: NodeHandle;
  let browser: Browser;
  let licenceCase = '';
  let budgetCase = '';
  let licence = '';
  const contexts: BrowserContext[] = [];
  /** Page errors and console errors of every page the test opens, with what that page may log (each must be empty). */
  const errors: { keyId: string; errors: string[]; allowed?: RegExp }[] = [];

  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await cli(['--home', home, '--url', node.url, '--json', ...args]);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const shown = (l: Locator) => l.innerText();
  const caseOf = (id: string) => json<CaseJson>('workflow', 'case', id, '--key', 'market-auditor');

  beforeAll(async () => {
    [{ home, node }, browser] = await Promise.all([startDemoNode('portal-console'), launchChromium()]);
    const mine = await json<{ cases: { id: string; workflow: string; status: string }[] }>(
      'workflow',
      'cases',
      '--mine',
      '--key',
      'enterprise-1',
    );
    licenceCase = mine.cases.find((c) => c.workflow === 'business-licence' && c.status === 'open')?.id ?? '';
    const budget = await json<{ cases: { id: string; workflow: string; status: string }[] }>(
      'workflow',
      'cases',
      '--mine',
      '--key',
      'market-caseworker',
    );
    budgetCase = budget.cases.find((c) => c.workflow === 'budget-approval' && c.status === 'open')?.id ?? '';
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await node?.stop();
    if (home !== undefined) removeDir(home);
  });

  /**
   * A fresh browser profile in `lang`, signed in as `keyId` (the sign-in page sends staff to the inbox). `allowed`: a
   * console message the page is expected to log (the browser logs every 4xx answer, even an expected one).
   */
  async function signedIn(keyId: string, lang: Lang = 'zh', allowed?: RegExp): Promise<Page> {
    const context = await openContext(browser, node.url, { lang });
    contexts.push(context);
    const page = await context.newPage();
    errors.push({ keyId, errors: watchErrors(page), ...(allowed === undefined ? {} : { allowed }) });
    await page.goto('/signin');
    await page
      .getByTestId('key-file')
      .locator('input[type=file]')
      .setInputFiles(path.join(home, 'keys', `${keyId}.key.json`));
    await page.getByTestId('chosen-key').filter({ hasText: keyId }).waitFor();
    await page.getByTestId('passphrase').fill(E2E_PASSPHRASE);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('user-menu').waitFor();
    await page.getByTestId('console-nav-inbox').waitFor();
    return page;
  }

  /** Screenshot after the page has settled (spinners gone, dialogs closed, fonts drawn). */
  async function shot(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    await expect.poll(() => page.locator('.ant-modal-mask:visible, .ant-modal-wrap:visible').count()).toBe(0);
    await page.waitForTimeout(400); // the last transitions (progress bars, fading alerts)
    await page
      .locator('.ant-spin-spinning')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => undefined);
    await screenshot(page, name);
  }

  /** Picks `option` in the antd Select wrapped in the element with test id `testId`. */
  async function pick(page: Page, testId: string, option: string): Promise<void> {
    await page.getByTestId(testId).locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible').getByText(option, { exact: true }).click();
  }

  async function poll<T>(f: () => Promise<T | undefined>, what: string, tries = 100): Promise<T> {
    for (let i = 0; i < tries; i++) {
      const v = await f();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('the caseworker opens the licence application from the inbox, reads the ID for the case (logged), passes it', async () => {
    expect(licenceCase).toMatch(/^[0-9a-f]{64}$/);
    const page = await signedIn('market-caseworker');
    const row = page.getByTestId('inbox-table').locator('tr', { has: page.getByTestId(`open-case-${licenceCase}`) });
    await row.waitFor();
    const rowText = await shown(row);
    expect(rowText).toContain('营业执照登记');
    expect(rowText).toContain('受理审查');
    expect(rowText).toContain('企业');
    // Deadlines: the review step has 24 h and the demo case was submitted a moment ago.
    expect(await row.locator('[data-deadline]').getAttribute('data-deadline')).toBe('ok');
    await shot(page, 'console-inbox-zh');

    await page.getByTestId(`open-case-${licenceCase}`).click();
    const field = page.getByTestId('value-legalRepresentativeId');
    await field.waitFor();
    expect(await shown(field)).toContain('个人信息（已加密，查看需说明用途）');
    expect(await shown(page.getByTestId('value-companyName'))).toBe('西湖数字科技有限公司');
    expect(await shown(page.getByTestId('case-form'))).toContain('注册资本（元）');

    await page.getByTestId('personal-read-legalRepresentativeId').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('数据访问记录', { exact: false }).first().waitFor();
    await expect.poll(() => shown(dialog.getByTestId('personal-purpose'))).toContain('办理本人申请的事项');
    await dialog.getByTestId('personal-read-confirm').click();
    const value = page.getByTestId('personal-value-legalRepresentativeId');
    await value.waitFor();
    expect(await shown(value)).toContain('陈立新');
    expect(await shown(value)).toContain('330106197903033318');
    await shot(page, 'console-case-zh');

    // The read is on the enterprise's own access log, for this case, by this caseworker.
    const log = await json<{
      entries: { entry: { reader: { member?: string }; purpose: string; case?: string; decision: string } }[];
    }>('privacy', 'log', '--key', 'enterprise-1');
    expect(log.entries.map((e) => e.entry)).toContainEqual(
      expect.objectContaining({
        reader: expect.objectContaining({ member: 'market-caseworker' }),
        purpose: 'case-handling',
        case: licenceCase,
        decision: 'allowed',
      }),
    );

    await page.getByTestId('step-opinion').locator('textarea').fill('材料齐全，同意受理');
    await page.getByTestId('action-approve').click();
    const done = page.getByTestId('inbox-acted');
    await done.waitFor();
    expect(await shown(done)).toContain('核准发照');
    const c = await caseOf(licenceCase);
    expect(c).toMatchObject({ status: 'open', step: 'approve', steps: { review: { opinion: '材料齐全，同意受理' } } });
    expect(c.history.at(-1)?.actor.member).toBe('market-caseworker');
    // The task has left this caseworker's inbox.
    expect(await page.getByTestId(`open-case-${licenceCase}`).count()).toBe(0);

    // A caseworker is no publisher, seal or administrator: those pages explain instead of offering buttons.
    await page.getByTestId('console-nav-records').click();
    await page.getByTestId('records-not-publisher').waitFor();
    expect(await page.getByTestId('record-publish').count()).toBe(0);
    await page.getByTestId('console-nav-governance').click();
    await page.getByTestId('governance-not-voter').waitFor();
  });

  it('the registrar approves with the licence number: the case is decided and the licence issued', async () => {
    const page = await signedIn('market-registrar');
    await page.getByTestId(`open-case-${licenceCase}`).click();
    await page.getByTestId('act-panel').waitFor();
    // The caseworker's opinion is shown with the step's title.
    expect(await page.getByText('材料齐全，同意受理').count()).toBeGreaterThan(0);
    // The schema's pattern is checked in the page before anything is signed.
    const input = page.getByTestId('step-licenceNo').locator('input');
    await input.fill('91-not-a-code');
    await page.getByTestId('action-approve').click();
    await page.getByTestId('step-licenceNo').getByText('格式不正确').waitFor();
    expect(await page.locator('.ant-modal-confirm').count()).toBe(0);

    await input.fill('91330106MA2AB3CD7K');
    await page.getByTestId('action-approve').click();
    const confirm = page.locator('.ant-modal-confirm');
    await confirm.waitFor();
    expect(await shown(confirm)).toContain('无法撤销');
    await dialogSettled(page);
    await confirm.getByTestId('confirm-ok').click();
    const done = page.getByTestId('inbox-acted');
    await done.waitFor();
    expect(await shown(done)).toContain('已发照');

    const c = await caseOf(licenceCase);
    expect(c).toMatchObject({ status: 'approved', steps: { approve: { licenceNo: '91330106MA2AB3CD7K' } } });
    // The market node signs and anchors the licence by itself; it waits in enterprise-1's wallet inbox.
    const waiting = await poll(async () => {
      const r = await json<{ credentials: { id: string; type: string; case: string }[] }>(
        'credential',
        'inbox',
        '--key',
        'enterprise-1',
      );
      return r.credentials.find((x) => x.case === licenceCase);
    }, 'the licence in the wallet inbox');
    expect(waiting.type).toBe('business-licence');
    licence = waiting.id;
  });

  it('a seal may not change a licence’s status; the registrar revokes it on the licences page', async () => {
    expect(licence).toMatch(/^[0-9a-f]{64}$/);
    const seal = await signedIn('market-seal');
    await seal.getByTestId('console-nav-licences').click();
    // A seal signs licences but is no registrar, administrator or auditor: no list (policy credential.list).
    await seal.getByTestId('licence-list-not-allowed').waitFor();
    expect(await seal.getByTestId('licence-table').count()).toBe(0);
    await seal.getByTestId('licence-search').locator('input').fill(licence);
    await seal.getByTestId('licence-search').locator('input').press('Enter');
    await seal.getByTestId('licence-card').waitFor();
    await seal.getByTestId('licence-not-allowed').waitFor();
    expect(await seal.getByTestId('licence-revoke').count()).toBe(0);

    const page = await signedIn('market-registrar');
    await page.getByTestId('console-nav-licences').click();
    // The department's list has the licence just issued: valid, a business licence, for its case.
    const row = () =>
      page.getByTestId('licence-table').locator('tr', { has: page.getByTestId(`licence-open-${licence}`) });
    await row().waitFor();
    expect(await shown(page.getByTestId(`licence-row-status-${licence}`))).toBe('有效');
    expect(await shown(row())).toContain('营业执照');
    expect(await shown(row())).toContain(licenceCase.slice(0, 12));
    expect(await shown(page.getByTestId('licence-count'))).toMatch(/^共 [1-9][0-9]* 张$/);
    await shot(page, 'console-licences-list-zh');
    // A row opens the licence; the way back is the list.
    await page.getByTestId(`licence-open-${licence}`).click();
    await page.getByTestId('licence-card').waitFor();
    expect(await shown(page.getByTestId('licence-card'))).toContain(licence);
    await page.getByTestId('licence-back').click();
    await row().waitFor();
    // Looked up by the case it was issued for.
    await page.getByTestId('licence-search').locator('input').fill(licenceCase);
    await page.getByTestId('licence-search').locator('input').press('Enter');
    await page.getByTestId('licence-card').waitFor();
    expect(await shown(page.getByTestId('licence-status'))).toBe('有效');
    expect(await shown(page.getByTestId('licence-card'))).toContain(licence);
    await page.getByTestId('licence-revoke').click();
    const dialog = page.getByRole('dialog');
    expect(await shown(dialog.getByTestId('licence-reason'))).toContain('依法吊销');
    expect(await shown(dialog)).toContain('无法恢复');
    await dialogSettled(page);
    await dialog.getByTestId('licence-confirm').click();
    await page.getByTestId('licence-changed').waitFor();
    expect(await shown(page.getByTestId('licence-status'))).toBe('已吊销');
    expect(await page.getByTestId('licence-revoke').count()).toBe(0);
    await shot(page, 'console-licences-zh');

    // Back in the list: under 已吊销, not under 有效.
    await page.getByTestId('licence-back').click();
    await pick(page, 'licence-filter-status', '已吊销');
    await expect.poll(() => shown(page.getByTestId('licence-count'))).toBe('共 1 张');
    expect(await shown(page.getByTestId(`licence-row-status-${licence}`))).toBe('已吊销');
    await shot(page, 'console-licences-revoked-zh');
    await pick(page, 'licence-filter-status', '有效');
    await expect.poll(() => shown(page.getByTestId('licence-count'))).toBe('共 0 张');
    expect(await row().count()).toBe(0);
    await page.getByTestId('licence-list-empty').waitFor();

    const status = (await getJson(`${node.url}/v1/credentials/${licence}/status`)).json as {
      value: { status: string; reason: string; case: string; history: { by: string }[] };
    };
    expect(status.value).toMatchObject({ status: 'revoked', reason: 'revoked-by-decision', case: licenceCase });
  });

  it('the publisher publishes a record with an attachment hashed in the browser, sees it public, withdraws it', async () => {
    const file = path.join(home, '开办企业指南附件.txt');
    const content = `开办企业一件事 — 附件 ${Date.now()}\n`;
    writeFileSync(file, content);
    const hash = createHash('sha256').update(content).digest('hex');

    // Publishing first asks whether the id exists: a new one is a 404 (RECORD_NOT_FOUND), which the browser logs.
    const page = await signedIn('market-publisher', 'zh', /status of 404/);
    await page.getByTestId('console-nav-records').click();
    await page.getByTestId('record-id').locator('input').fill('console-e2e-notice');
    await page.getByTestId('record-category').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown').getByText('通知公告', { exact: true }).click();
    await page.getByTestId('record-title').locator('input').fill('关于试行网上开办企业“一网通办”的通知');
    await page.getByTestId('record-summary').locator('textarea').fill('自即日起，开办企业可全程网上办理。');
    await page
      .getByTestId('record-body-input')
      .locator('textarea')
      .fill('一、自即日起，开办企业各事项可在网上一次提交。\n二、电子营业执照与纸质执照具有同等效力。');
    const tags = page.getByTestId('record-tags').locator('input');
    await tags.fill('开办企业');
    await tags.press('Enter');
    await page.getByTestId('record-effective').locator('input').fill('2026-08-01');
    await page.getByTestId('record-effective').locator('input').press('Enter');
    await page.getByTestId('record-attach').locator('input[type=file]').setInputFiles(file);
    await page.getByText(`${hash.slice(0, 10)}…`).waitFor();
    await shot(page, 'console-records-zh');

    await page.getByTestId('record-publish').click();
    const confirm = page.locator('.ant-modal-confirm');
    await confirm.waitFor();
    await dialogSettled(page);
    await confirm.getByTestId('confirm-ok').click();
    await page.getByTestId('record-published').waitFor();

    const record = (await getJson(`${node.url}/v1/records/market/console-e2e-notice`)).json as {
      head: { title: string; latest: number; withdrawn?: { reason: string } };
      versions: { tags: string[]; effective?: string; attachments: { name: string; alg: string; hash: string }[] }[];
    };
    expect(record.head).toMatchObject({ title: '关于试行网上开办企业“一网通办”的通知', latest: 1 });
    expect(record.versions[0]).toMatchObject({
      tags: ['开办企业'],
      effective: '2026-08-01',
      attachments: [{ name: '开办企业指南附件.txt', alg: 'sha256', hash }],
    });

    // The public page, reached by an in-app link, shows it; so does the public list.
    await page.getByTestId('published-link').click();
    await page.getByTestId('record-body').waitFor();
    expect(await shown(page.getByTestId('record-body'))).toContain('电子营业执照与纸质执照具有同等效力');
    await page.getByRole('menuitem', { name: '信息公开', exact: true }).click();
    await page.getByText('关于试行网上开办企业“一网通办”的通知').first().waitFor();

    // Withdrawn with a reason, from the console's list of the department's records (back is in-app navigation).
    await page.getByRole('menuitem', { name: '工作台', exact: true }).click();
    await page.getByTestId('console-nav-records').click();
    await page.getByTestId('withdraw-console-e2e-notice').click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByTestId('withdraw-confirm').isDisabled()).toBe(true);
    await dialog.getByTestId('withdraw-reason').fill('试行结束，以正式通知为准');
    await dialog.getByTestId('withdraw-confirm').click();
    await page.getByTestId('withdraw-console-e2e-notice').waitFor({ state: 'detached' });
    const withdrawn = (await getJson(`${node.url}/v1/records/market/console-e2e-notice`)).json as {
      head: { withdrawn?: { reason: string } };
    };
    expect(withdrawn.head.withdrawn?.reason).toBe('试行结束，以正式通知为准');
  });

  it('the finance caseworker rejects the budget request: a reason is required and the rejection confirmed', async () => {
    expect(budgetCase).toMatch(/^[0-9a-f]{64}$/);
    const page = await signedIn('finance-caseworker');
    await page.getByTestId(`open-case-${budgetCase}`).click();
    await page.getByTestId('act-panel').waitFor();
    // The step's title for the reject action is the definition's own (退回), shown as a danger button.
    const reject = page.getByTestId('action-reject');
    // (Ant Design spaces out two-character button labels: 退 回.)
    expect((await shown(reject)).replace(/\s/g, '')).toBe('退回');
    await reject.click();
    await page.getByText('请写明理由。', { exact: true }).waitFor();
    expect(await page.locator('.ant-modal-confirm').count()).toBe(0);

    await page.getByTestId('case-comment').fill('预算编制依据不足，请补充测算说明后重新申报');
    await reject.click();
    let confirm = page.locator('.ant-modal-confirm');
    await confirm.waitFor();
    expect(await shown(confirm)).toContain('无法撤销');
    // Cancelled: nothing is signed, the case stays open.
    await confirm.getByRole('button', { name: /取\s*消/ }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await caseOf(budgetCase)).status).toBe('open');

    await reject.click();
    confirm = page.locator('.ant-modal-confirm');
    await confirm.waitFor();
    await dialogSettled(page);
    await confirm.getByTestId('confirm-ok').click();
    const done = page.getByTestId('inbox-acted');
    await done.waitFor();
    expect(await shown(done)).toContain('已办结：未批准');
    const c = await caseOf(budgetCase);
    expect(c.status).toBe('rejected');
    expect(c.history.at(-1)).toMatchObject({
      action: 'reject',
      comment: '预算编制依据不足，请补充测算说明后重新申报',
      actor: { member: 'finance-caseworker' },
    });
    await page.getByTestId('inbox-empty').waitFor();
  });

  it('an administrator votes on an open proposal for the department', async () => {
    const proposed = await json<{ receipt: { result: { proposal: string } } }>(
      'gov',
      'propose',
      '--action',
      JSON.stringify({ type: 'setPolicy', key: 'kv.put', policy: { kind: 'member' } }),
      '--note',
      '演示：保持成员写入键值的权限不变',
      '--key',
      'market-admin',
    );
    const id = proposed.receipt.result.proposal;
    const page = await signedIn('police-admin');
    await page.getByTestId('console-nav-governance').click();
    const card = page.getByTestId(`proposal-${id}`);
    await card.waitFor();
    expect(await shown(card)).toContain('修改权限策略');
    expect(await shown(page.getByTestId(`tally-${id}`))).toContain('1/3');
    await page.getByTestId(`vote-yes-${id}`).click();
    const confirm = page.locator('.ant-modal-confirm');
    await confirm.waitFor();
    expect(await shown(confirm)).toContain('不能更改');
    await dialogSettled(page);
    await confirm.getByTestId('confirm-ok').click();
    await page.getByTestId(`voted-${id}`).waitFor();
    expect(await shown(page.getByTestId(`tally-${id}`))).toContain('2/3');
    await shot(page, 'console-governance-zh');
    const recorded = await json<{ status: string; votes: Record<string, { approve: boolean; member: string }> }>(
      'gov',
      'show',
      id,
      '--key',
      'police-admin',
    );
    expect(recorded.status).toBe('open');
    expect(recorded.votes.police).toMatchObject({ approve: true, member: 'police-admin' });
  });

  it('every console page in English, and the Chinese inbox when it is empty', async () => {
    const page = await signedIn('market-registrar', 'en');
    const noHan = async () => {
      // The console's own words: navigation and the page title (data such as company names stay as written).
      const chrome = `${await shown(page.locator('nav').first())} ${await shown(page.locator('h2').first())}`;
      expect(chrome).not.toMatch(/\p{Script=Han}/u);
    };
    await page.getByTestId('inbox-empty').waitFor();
    expect(await shown(page.getByTestId('inbox-empty'))).toContain('You have no tasks right now');
    await noHan();
    await shot(page, 'console-inbox-en');

    await page.getByTestId('console-nav-licences').click();
    await page.getByTestId(`licence-row-status-${licence}`).waitFor();
    expect(await shown(page.getByTestId(`licence-row-status-${licence}`))).toBe('Revoked');
    expect(await shown(page.getByTestId('licence-list'))).toContain('Business licence');
    await noHan();
    await shot(page, 'console-licences-list-en');
    await page.getByTestId('licence-search').locator('input').fill(licence);
    await page.getByTestId('licence-search').locator('input').press('Enter');
    await page.getByTestId('licence-card').waitFor();
    expect(await shown(page.getByTestId('licence-status'))).toBe('Revoked');
    await noHan();
    await shot(page, 'console-licences-en');

    // The licence links to its case: the decided case, read-only, with its history.
    await page.getByTestId('licence-card').getByRole('link').first().click();
    await page.getByTestId('case-history').waitFor();
    expect(await shown(page.getByTestId('case-status'))).toBe('Decided: approved');
    expect(await shown(page.getByTestId('case-form'))).toContain('Registered capital (yuan)');
    expect(await shown(page.getByTestId('value-legalRepresentativeId'))).toContain('Personal data (encrypted');
    expect(await page.getByTestId('act-panel').count()).toBe(0);
    await noHan();
    await shot(page, 'console-case-en');

    await page.getByTestId('console-nav-records').click();
    await page.getByTestId('records-not-publisher').waitFor();
    await noHan();
    await shot(page, 'console-records-en');

    await page.getByTestId('console-nav-governance').click();
    await page.getByTestId('governance-not-voter').waitFor();
    await noHan();
    await shot(page, 'console-governance-en');

    const zh = await signedIn('market-caseworker');
    await zh.getByTestId('inbox-empty').waitFor();
    await shot(zh, 'console-inbox-empty-zh');

    const unexpected = errors.flatMap((p) =>
      p.errors.filter((e) => p.allowed === undefined || !p.allowed.test(e)).map((e) => `${p.keyId}: ${e}`),
    );
    expect(unexpected).toEqual([]);
  });
});

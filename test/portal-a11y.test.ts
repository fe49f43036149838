/**
 * Accessibility of the web app in real Chromium against a real demo node, and a citizen's consents in the browser.
 *
 * - axe-core on every public page in both languages (and the Chinese ones at phone width), a staff page (待办) and
 *   citizen pages (我的办件, 数据访问记录): no serious or critical violation of a WCAG 2 A/AA rule; every page has its
 *   own title, and `<html lang>` follows the language.
 * - The keyboard alone: the skip link comes first and moves the focus to the content; 证照核验 is reached by Tab and
 *   Enter, a presentation is typed in and verified; the result is announced (a status region) and takes the focus;
 *   every link and button on the way shows a focus indicator.
 * - One Tab stop per control: the sign-in link (no button inside a link anywhere), the language switch (a radio
 *   group: the arrow keys choose); on English pages, records written in Chinese carry `lang="zh-CN"`.
 * - 数据访问记录: a citizen gives the health commission consent; its caseworker's purpose-bound read, refused before,
 *   is allowed; the citizen withdraws the consent (after a confirmation) and the same read is refused again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DemoIdentity } from '@lianzheng/cli';
import { loadKeyFile, nativeSuite } from '@lianzheng/node';
import { type Genesis, isLianzhengError } from '@lianzheng/protocol';
import { createClient, httpTransport, keySigner, readPersonal, signIn, withSession } from '@lianzheng/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type A11yViolation,
  axeViolations,
  type Focused,
  focused,
  formatViolations,
  tabUntil,
} from './helpers/a11y.js';
import {
  clickUserMenuItem,
  dialogSettled,
  type Lang,
  launchChromium,
  openContext,
  screenshot,
  signInWithKeyFile,
  watchErrors,
} from './helpers/browser.js';
import { demoIdentities, E2E_PASSPHRASE, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

describe('web app: accessibility; consent given and withdrawn in the browser', () => {
  let home: string;
  let node: NodeHandle;
  let browser: Browser;

  beforeAll(async () => {
    [{ home, node }, browser] = await Promise.all([startDemoNode('portal-a11y'), launchChromium()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    if (home !== undefined) removeDir(home);
  });

  const BRAND: Record<Lang, string> = { zh: '链政', en: 'Lianzheng' };
  const HTML_LANG: Record<Lang, string> = { zh: 'zh-CN', en: 'en' };
  const pages: { path: string; heading: Record<Lang, RegExp> }[] = [
    { path: '/', heading: { zh: /政务区块链平台/, en: /government ledger platform/ } },
    { path: '/records', heading: { zh: /信息公开/, en: /Public records/ } },
    { path: '/records/market/business-start-2026', heading: { zh: /企业开办/, en: /企业开办/ } },
    { path: '/verify', heading: { zh: /证照核验/, en: /Verify a licence/ } },
    { path: '/notary', heading: { zh: /存证/, en: /Notarisation/ } },
    { path: '/explorer', heading: { zh: /区块浏览器/, en: /Explorer/ } },
    { path: '/dashboards', heading: { zh: /数据分析/, en: /Analytics/ } },
    { path: '/signin', heading: { zh: /登录/, en: /Sign in/ } },
  ];

  /** Waits until the page has drawn its heading and its data, then checks it; returns what is wrong, labelled. */
  async function audit(page: Page, label: string, heading: RegExp | undefined) {
    if (heading !== undefined) await page.locator('h1, h2', { hasText: heading }).first().waitFor();
    await page.waitForLoadState('networkidle');
    // Ant Design fades elements in; contrast measured mid-animation would be wrong.
    await page.waitForTimeout(400);
    const violations: (A11yViolation & { page: string })[] = (await axeViolations(page)).map((v) => ({
      ...v,
      page: label,
    }));
    const title = await page.title();
    const h = ((await page.locator('main h1, main h2').first().textContent()) ?? '').trim();
    const lang = await page.evaluate(() => document.documentElement.lang);
    // An interactive element inside another (a button in a link, …): two Tab stops for one action, invalid HTML.
    const nested = await page.evaluate(
      () => document.querySelectorAll('a a, a button, button a, button button, a input, button input').length,
    );
    return { violations, title, heading: h, lang, nested };
  }

  it('no serious or critical WCAG 2 A/AA violation on the public, staff and citizen pages, in both languages', async () => {
    // The checker itself finds what it should: a nameless button and grey-on-grey text put into a page.
    const control = await openContext(browser, node.url, { lang: 'zh' });
    const probe = await control.newPage();
    await probe.goto('/');
    await probe.locator('h1').waitFor();
    await probe.evaluate(() => {
      const main = document.querySelector('main');
      main?.insertAdjacentHTML('beforeend', '<button type="button"></button><p style="color:#aaa">灰色的字</p>');
    });
    expect(new Set((await axeViolations(probe)).map((v) => v.rule))).toEqual(
      new Set(['button-name', 'color-contrast']),
    );
    await control.close();

    const all: (A11yViolation & { page: string })[] = [];
    for (const lang of ['zh', 'en'] as const) {
      for (const phone of lang === 'zh' ? [false, true] : [false]) {
        const context = await openContext(browser, node.url, { lang, phone });
        const page = await context.newPage();
        const errors = watchErrors(page);
        const titles = new Set<string>();
        for (const p of pages) {
          await page.goto(p.path);
          const r = await audit(page, `${p.path} (${lang}${phone ? ', phone' : ''})`, p.heading[lang]);
          all.push(...r.violations);
          expect(r.lang, `${p.path}: <html lang>`).toBe(HTML_LANG[lang]);
          expect(r.nested, `${p.path}: interactive elements nested in others`).toBe(0);
          // Each page its own title: "<its heading> · 链政"; the home page "链政 · 政务区块链平台".
          if (p.path === '/')
            expect(r.title).toBe(lang === 'zh' ? '链政 · 政务区块链平台' : 'Lianzheng · Government ledger platform');
          else expect(r.title, `${p.path}: <title>`).toBe(`${r.heading} · ${BRAND[lang]}`);
          titles.add(r.title);
        }
        expect(titles.size).toBe(pages.length);
        if (!phone) {
          // Signed in: a civil servant's inbox, then a citizen's applications and access log (signing in again
          // reloads the page, which signs the previous user out).
          await signInWithKeyFile(page, home, 'market-caseworker');
          const inbox = await audit(page, `/console (${lang})`, lang === 'zh' ? /待办/ : /My tasks/);
          all.push(...inbox.violations);
          expect(inbox.title).toBe(`${inbox.heading} · ${BRAND[lang]}`);
          await signInWithKeyFile(page, home, 'citizen-1');
          const cases = await audit(page, `/me/cases (${lang})`, lang === 'zh' ? /我的办件/ : /My applications/);
          all.push(...cases.violations);
          expect(cases.nested, '/me/cases: interactive elements nested in others').toBe(0);
          await clickUserMenuItem(page, lang === 'zh' ? /数据访问记录/ : /Who read my data/);
          const access = await audit(page, `/me/access (${lang})`, lang === 'zh' ? /数据访问记录/ : /Who read my data/);
          all.push(...access.violations);
          expect(access.title).toBe(`${access.heading} · ${BRAND[lang]}`);
        }
        expect(errors).toEqual([]);
        await context.close();
      }
    }
    expect(all.length, `accessibility violations:\n${formatViolations(all)}`).toBe(0);
  });

  it('the keyboard alone: skip link, 证照核验, a presentation checked, the result announced and focused', async () => {
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const passed: Focused[] = [];
    await page.goto('/');
    await page.locator('h1').waitFor();
    await page.waitForLoadState('networkidle');

    // The first Tab stop is the skip link; Enter moves the focus to the page's content.
    await page.keyboard.press('Tab');
    const skip = await focused(page);
    expect(skip).toMatchObject({ tag: 'a', href: '#main', name: '跳到正文' });
    passed.push(skip);
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'main', id: 'main' });

    // From the content, on to the 证照核验 service (a link), and into it.
    passed.push(...(await tabUntil(page, (f) => f.tag === 'a' && f.href === '/verify')));
    await page.keyboard.press('Enter');
    await page.locator('h2', { hasText: '证照核验' }).waitFor();
    await page
      .getByTestId('verify-nonce')
      .filter({ hasText: /^[A-Za-z0-9_-]{16,}$/ })
      .waitFor();

    // The field, then the button; a presentation signed by nobody the chain knows.
    passed.push(...(await tabUntil(page, (f) => f.id === 'presentation-input')));
    await page.keyboard.insertText('eyJhbGciOiJFZERTQSIsInR5cCI6InZjK3NkLWp3dCJ9.eyJmb3JnZWQiOnRydWV9.c2lnbmF0dXJl~');
    passed.push(...(await tabUntil(page, (f) => f.testId === 'verify-button')));
    await page.keyboard.press('Enter');

    // Announced in words by the status region, and the focus is on the result, where the reason is.
    const status = page.getByRole('status').filter({ hasText: /核验结果/ });
    await status.waitFor({ state: 'attached' });
    expect(await status.textContent()).toBe('核验结果：无效或伪造');
    await page.getByTestId('verify-outcome').waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'section', testId: 'verify-outcome' });
    expect(await focused(page)).toMatchObject({ indicated: true });
    const result = page.getByTestId('verify-outcome');
    expect(await result.getByTestId('verify-result').getAttribute('data-result')).toBe('forged');
    expect(await result.getByRole('alert').textContent()).toMatch(/错误代码/);
    await screenshot(page, 'verify-keyboard-zh');

    // Every link and button the focus went through showed it (an outline or a shadow), the menu's links included.
    const menu = await (async () => {
      await page.goto('/');
      await page.locator('h1').waitFor();
      return tabUntil(page, (f) => f.tag === 'a' && f.href === '/dashboards' && f.name === '数据分析');
    })();
    expect(menu.filter((f) => f.tag === 'a').map((f) => f.href)).toEqual(
      expect.arrayContaining(['/records', '/verify', '/notary', '/explorer', '/dashboards']),
    );
    const unmarked = [...passed, ...menu].filter((f) => (f.tag === 'a' || f.tag === 'button') && !f.indicated);
    expect(unmarked.map((f) => `<${f.tag}> ${f.name}: ${f.outline} / ${f.boxShadow}`)).toEqual([]);
    expect(passed.filter((f) => f.tag === 'button').length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('one Tab stop per control: the sign-in link, the language switch (arrow keys); Chinese content marked on English pages', async () => {
    const context = await openContext(browser, node.url, { lang: 'en' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await page.locator('h1').waitFor();
    await page.waitForLoadState('networkidle');
    // From the top of the page to the sign-in link: the language switch is one stop (the checked option), not two.
    const header = await tabUntil(page, (f) => f.testId === 'sign-in');
    expect(header.at(-1)).toMatchObject({ tag: 'a', href: '/signin', indicated: true });
    const radios = header.filter((f) => f.tag === 'input');
    expect(radios).toHaveLength(1);
    // Back to it, and the arrow key chooses Chinese.
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', indicated: true });
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await page.locator('h1', { hasText: /政务/ }).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.documentElement.lang === 'en');

    // A record written in Chinese, on the English page: its title, summary and body say they are Chinese; the
    // interface around them stays English.
    await page.goto('/records/market/business-start-2026');
    const body = page.getByTestId('record-body');
    await body.waitFor();
    expect(await body.getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('main h2').first().getAttribute('lang')).toBe('zh-CN');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.goto('/records');
    await page.getByTestId('record-item').first().waitFor();
    const items = page.getByTestId('record-item');
    const titles = await items
      .locator('a[href^="/records/"]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('lang')));
    expect(titles.length).toBeGreaterThan(0);
    expect(new Set(titles)).toEqual(new Set(['zh-CN']));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a citizen gives the health commission consent, the department may read; withdrawn, it may not', async () => {
    // The department's side, through the SDK: the health commission's caseworker reads citizen-1's contact record
    // for a service the citizen authorised (a purpose only a consent allows).
    const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8')) as Genesis;
    const identities = await demoIdentities<DemoIdentity>(home);
    const record = identities.find((i) => i.id === 'citizen-1')?.records?.find((r) => r.category === 'contact')?.id;
    expect(record).toMatch(/^[0-9a-f]{64}$/);
    const suite = nativeSuite(genesis.suite);
    const key = await loadKeyFile(path.join(home, 'keys', 'health-caseworker.key.json'), E2E_PASSPHRASE);
    const signer = { suite, chainId: genesis.chainId, publicKey: key.publicKey, sign: keySigner(suite, key.secretKey) };
    const anonymous = createClient({ transport: httpTransport(node.url) });
    const { token } = await signIn(anonymous, { suite, publicKey: key.publicKey, signer: signer.sign });
    const health = withSession(anonymous, token);
    const read = () =>
      readPersonal(health, signer, { record: record!, purpose: 'consented-service' }).then(
        (r) => ({ outcome: 'allowed', phone: (r.value as { phone?: string }).phone }),
        (e: unknown) => ({ outcome: isLianzhengError(e) ? e.code : `uncoded: ${String(e)}` }),
      );
    expect(await read()).toEqual({ outcome: 'PRIVACY_POLICY_DENIED' });

    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInWithKeyFile(page, home, 'citizen-1');
    await clickUserMenuItem(page, /数据访问记录/);
    await page.locator('h2', { hasText: '数据访问记录' }).waitFor();
    await page.getByText('您没有授权任何部门。').waitFor();

    // Give: the department and the purpose, then 授权.
    const form = page.getByTestId('consent-grant-form');
    await form.getByLabel('部门').click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('卫生健康委员会').click();
    await form.getByLabel('用途').click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('经本人授权的服务').click();
    await page.getByTestId('consent-grant').click();
    const row = page.getByTestId('consents').locator('tbody tr', { hasText: '卫生健康委员会' });
    await row.getByTestId('consent-status').and(page.locator('[data-active=true]')).waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toContain('经本人授权的服务');
    // When: the block that recorded it (the chain keeps heights), linked to the explorer.
    expect(await row.getByTestId('consent-granted-at').textContent()).toMatch(/^区块 #\d+$/);
    expect(await page.getByTestId('consent-done').textContent()).toBe('已授权卫生健康委员会：经本人授权的服务');
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'consent-granted-zh');

    // On chain: the same read is now allowed, and returns the record.
    expect(await read()).toEqual({ outcome: 'allowed', phone: '13805710001' });

    // In English (the switch does not reload), withdraw: cancelling the confirmation changes nothing; confirming does.
    await page.getByText('English', { exact: true }).click();
    await page.locator('h2', { hasText: 'Who read my data' }).waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'consent-granted-en');
    const rowEn = page.getByTestId('consents').locator('tbody tr', { hasText: 'Health Commission' });
    const dialog = page.getByRole('dialog').filter({ hasText: 'Withdraw consent' });
    // The dialog zooms in; a click on it before it has arrived may be lost.
    const openDialog = async () => {
      await rowEn.getByTestId('consent-revoke').click();
      await dialog.waitFor();
      await dialogSettled(page);
    };
    await openDialog();
    expect(await dialog.textContent()).toContain('will no longer be able to read');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await rowEn.getByTestId('consent-status').getAttribute('data-active')).toBe('true');
    expect(await read()).toMatchObject({ outcome: 'allowed' });

    await openDialog();
    await screenshot(page, 'consent-withdraw-confirm-en');
    await dialog.getByTestId('consent-revoke-ok').click();
    // The dialog stays (OK spinning) until the withdrawal is committed, then zooms out.
    await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
    await rowEn.getByTestId('consent-status').and(page.locator('[data-active=false]')).waitFor({ timeout: 60_000 });
    expect(await rowEn.getByTestId('consent-revoke').count()).toBe(0);
    expect(await rowEn.textContent()).toMatch(/Ended\s*from block #\d+/);
    expect(await page.getByTestId('consent-done').textContent()).toBe(
      'Consent withdrawn from Health Commission: A service the person authorised',
    );
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'consent-withdrawn-en');

    // From the next block on, the department is refused; both its reads are on the citizen's access log.
    expect(await read()).toEqual({ outcome: 'PRIVACY_CONSENT_REVOKED' });
    await page.getByText('中文', { exact: true }).click();
    await page.locator('h2', { hasText: '数据访问记录' }).waitFor();
    await page
      .getByRole('button', { name: /刷\s?新/ })
      .first()
      .click();
    const log = page.getByTestId('access-log');
    const healthReads = log.locator('tbody tr', { hasText: '卫生健康委员会' });
    await expect.poll(() => healthReads.count(), { timeout: 30_000 }).toBe(4);
    expect(await healthReads.filter({ hasText: '已允许' }).count()).toBe(2);
    expect(await healthReads.filter({ hasText: '已拒绝' }).count()).toBe(2);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'consent-withdrawn-zh');
    expect(errors).toEqual([]);
    await context.close();
  });
});

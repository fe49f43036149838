/**
 * A citizen's whole errand in real Chromium against a real demo node: apply for a business licence in the web app
 * (form drawn from the workflow's schema, the legal representative's identity registered as an encrypted personal
 * record), the market regulator's caseworker and registrar approve it in the staff console, the licence waits in the wallet, the citizen collects it into the
 * browser and shows it by QR code bound to a verifier's code, the verification page reads the QR picture and says
 * valid with only what was disclosed; after the registrar revokes it in the console the same check says revoked. The citizen's access log lists
 * the department's read of their data, and each entry verifies in the browser.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickUserMenuItem,
  dialogSettled,
  launchChromium,
  openContext,
  screenshot,
  signInWithKeyFile,
  watchErrors,
} from './helpers/browser.js';
import { type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

describe('web app: a citizen applies, the licence is issued, shown by QR, verified, revoked', () => {
  let home: string;
  let node: NodeHandle;
  let browser: Browser;

  beforeAll(async () => {
    [{ home, node }, browser] = await Promise.all([startDemoNode('portal-citizen'), launchChromium()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    if (home !== undefined) removeDir(home);
  });

  /** The verifier's single-use code, read from its page. */
  async function verifierCode(page: Page): Promise<string> {
    await page.goto('/verify');
    const code = page.getByTestId('verify-nonce');
    // The code appears once the page has checked the genesis; until then the element is missing or shows "…".
    await page.waitForFunction(() =>
      /^[A-Za-z0-9_-]{16,}$/.test(document.querySelector('[data-testid=verify-nonce]')?.textContent?.trim() ?? ''),
    );
    return ((await code.textContent()) ?? '').trim();
  }

  /** The holder shows the licence for `nonce`, disclosing `address`; returns the QR code as a PNG file. */
  async function presentAsQr(holder: Page, nonce: string, file: string): Promise<void> {
    await holder.getByTestId('present').first().click();
    await holder.getByRole('checkbox', { name: /住所/ }).check();
    await holder.getByTestId('present-nonce').fill(nonce);
    await holder.getByTestId('make-qr').click();
    const qr = holder.getByTestId('presentation-qr');
    await qr.locator('canvas').waitFor();
    writeFileSync(file, await qr.screenshot());
    await holder.keyboard.press('Escape');
  }

  it('apply → approve → wallet → QR → valid → revoked, and the read is on the access log', async () => {
    const citizenContext = await openContext(browser, node.url, { lang: 'zh' });
    const holder = await citizenContext.newPage();
    const errors = watchErrors(holder);
    await signInWithKeyFile(holder, home, 'citizen-2');
    await holder.getByTestId('apply-business-licence').click();
    const form = holder.getByTestId('apply-form');
    await form.waitFor();
    await holder.getByTestId('field-companyName').locator('input').fill('滨江云帆软件有限公司');
    await holder.getByTestId('field-companyType').locator('.ant-select').click();
    await holder.getByTitle('有限责任公司').click();
    await holder.getByTestId('field-registeredCapital').locator('input').fill('1000000');
    await holder.getByTestId('field-address').locator('input, textarea').first().fill('杭州市滨江区江南大道 3850 号');
    await holder.getByLabel('姓名').fill('周云帆');
    await holder.getByLabel('身份证号').fill('330108199003071234');
    await holder
      .getByTestId('field-businessScope')
      .locator('textarea, input')
      .first()
      .fill('软件开发；信息技术咨询服务');
    await screenshot(holder, 'apply-business-licence-zh');
    await form.getByRole('button', { name: '签名并提交' }).click();
    await holder.getByTestId('applied').waitFor({ timeout: 60_000 });
    const caseId = ((await holder.locator('.ant-result-subtitle').textContent()) ?? '').match(/[0-9a-f]{64}/)?.[0];
    expect(caseId).toMatch(/^[0-9a-f]{64}$/);
    // The ID number never went on chain: the case holds a commitment.
    const onChain = await (await fetch(`${node.url}/v1/state/workflow/case/${caseId}`)).text();
    expect(onChain).not.toContain('330108199003071234');
    expect(onChain).not.toContain('周云帆');

    await holder.getByRole('link', { name: '查看我的办件' }).click();
    await holder.getByTestId('my-cases').waitFor();
    expect(await holder.getByTestId('case-status').first().getAttribute('data-status')).toBe('open');
    await screenshot(holder, 'my-cases-zh');

    // The market regulator decides in the staff console: the caseworker passes it, the registrar approves.
    const staffContext = await openContext(browser, node.url, { lang: 'zh' });
    const staff = await staffContext.newPage();
    const staffErrors = watchErrors(staff);
    await signInWithKeyFile(staff, home, 'market-caseworker');
    await staff.getByTestId(`open-case-${caseId}`).click();
    await staff.getByTestId('step-opinion').locator('textarea').fill('材料齐全，符合法定形式');
    await staff.getByTestId('action-approve').click();
    await staff.getByTestId('inbox-acted').waitFor();
    await clickUserMenuItem(staff, /退出登录/);
    await staff.getByTestId('sign-in').waitFor();
    await signInWithKeyFile(staff, home, 'market-registrar');
    await staff.getByTestId(`open-case-${caseId}`).click();
    await staff.getByTestId('step-licenceNo').locator('input').fill('91330108MA2CD5EF6G');
    await staff.getByTestId('action-approve').click();
    await staff.locator('.ant-modal-confirm').waitFor();
    await dialogSettled(staff);
    await staff.locator('.ant-modal-confirm').getByTestId('confirm-ok').click();
    await staff.getByTestId('inbox-acted').waitFor();

    await clickUserMenuItem(holder, /我的证照/);
    await holder.getByTestId('wallet-refresh').waitFor();
    for (let i = 0; i < 60 && (await holder.getByTestId('wallet-waiting').count()) === 0; i++) {
      await holder.waitForTimeout(500);
      await holder.getByTestId('wallet-refresh').click();
    }
    await holder.getByTestId('collect-all').click();
    await holder.getByTestId('credential-card').waitFor();
    expect(await holder.getByTestId('credential-card').textContent()).toContain('滨江云帆软件有限公司');
    const credentialId = await holder.getByTestId('credential-id').getAttribute('data-id');
    await screenshot(holder, 'wallet-zh');

    // A verifier (anyone, not signed in) reads the QR picture the holder shows.
    const verifierContext = await openContext(browser, node.url, { lang: 'zh' });
    const verifier = await verifierContext.newPage();
    const verifierErrors = watchErrors(verifier);
    const qrFile = path.join(home, 'qr-1.png');
    await presentAsQr(holder, await verifierCode(verifier), qrFile);
    await verifier.getByTestId('verify-upload').locator('input[type=file]').setInputFiles(qrFile);
    const result = verifier.getByTestId('verify-result');
    await result.waitFor();
    await screenshot(verifier, 'verify-valid-zh');
    expect(await result.getAttribute('data-result'), (await verifier.locator('.ant-result').textContent()) ?? '').toBe(
      'valid',
    );
    const disclosed = (await verifier.getByTestId('disclosed-claims').textContent()) ?? '';
    expect(disclosed).toContain('滨江云帆软件有限公司');
    expect(disclosed).toContain('江南大道');
    expect(disclosed).not.toContain('330108199003071234');
    expect(disclosed).not.toContain('周云帆');

    // The same picture again: its code was used once.
    await verifier.getByTestId('verify-upload').locator('input[type=file]').setInputFiles(qrFile);
    await verifier.getByTestId('verify-result').and(verifier.locator('[data-result=forged]')).waitFor();

    // The registrar revokes it on the console's licences page.
    await staff.getByTestId('console-nav-licences').click();
    await staff.getByTestId('licence-search').locator('input').fill(credentialId!);
    await staff.getByTestId('licence-search').locator('input').press('Enter');
    await staff.getByTestId('licence-revoke').click();
    await staff.getByRole('dialog').waitFor();
    await dialogSettled(staff);
    await staff.getByRole('dialog').getByTestId('licence-confirm').click();
    await staff.getByTestId('licence-changed').waitFor();
    const qrFile2 = path.join(home, 'qr-2.png');
    await presentAsQr(holder, await verifierCode(verifier), qrFile2);
    await verifier.getByTestId('verify-upload').locator('input[type=file]').setInputFiles(qrFile2);
    await verifier.getByTestId('verify-result').and(verifier.locator('[data-result=revoked]')).waitFor();
    await screenshot(verifier, 'verify-revoked-zh');

    // Who read the citizen's data: the market regulator's seal, for this case, when it issued the licence.
    await clickUserMenuItem(holder, /数据访问记录/);
    const log = holder.getByTestId('access-log');
    await log.waitFor();
    expect(await log.textContent()).toContain('市场监督管理局');
    await log
      .getByRole('button', { name: /核\s?验/ })
      .first()
      .click();
    await holder.getByTestId('entry-verified').first().waitFor();
    await screenshot(holder, 'access-log-zh');

    // The same pages in English (the switch does not reload: the citizen stays signed in).
    await holder.getByText('English', { exact: true }).click();
    await holder.locator('h2', { hasText: 'Who read my data' }).waitFor();
    await screenshot(holder, 'access-log-en');
    for (const [item, heading, name] of [
      [/My licences/, 'My licences', 'wallet-en'],
      [/My applications/, 'My applications', 'my-cases-en'],
    ] as const) {
      await clickUserMenuItem(holder, item);
      await holder.locator('h2', { hasText: heading }).waitFor();
      await holder.waitForLoadState('networkidle');
      await screenshot(holder, name);
    }

    expect(errors).toEqual([]);
    expect(verifierErrors).toEqual([]);
    expect(staffErrors).toEqual([]);
    await staffContext.close();
    await verifierContext.close();
    await citizenContext.close();
  });
});

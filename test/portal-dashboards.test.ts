/**
 * 数据分析 and 运维 in real Chromium against a real demo node process. The demo history is topped up through the CLI
 * (business-licence applications, most of them refused at review, and e-licences issued by two departments) so the
 * published tables hold both published and suppressed cells: the charts, summary totals, notes and CSV downloads are
 * checked against the node's own JSON and CSV, and no hidden count may appear anywhere. The operations page is checked
 * signed in as a system administrator (health, departments, metrics, refresh and pause), as a department
 * administrator (the member count the policy lets them see) and anonymously (the sign-in prompt). Screenshots in
 * both languages go to test-artifacts/screenshots.
 */
import { readFileSync } from 'node:fs';
import type { ChainStatsView, ProcessingStatsTable, StatsTable } from '@lianzheng/sdk';
import { chainStatsToCsv, statsToCsv } from '@lianzheng/sdk';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickMenuItem,
  type Lang,
  launchChromium,
  openContext,
  screenshot,
  signInWithKeyFile,
  watchErrors,
} from './helpers/browser.js';
import { cli, demoIdentities, getJson, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

const CHARTS = [
  'cases-by-workflow',
  'cases-by-owner',
  'cases-by-month',
  'processing',
  'chain',
  'credentials',
  'access',
] as const;

/** The tables behind the charts, as the page asks for them. */
const TABLES = {
  'cases-by-workflow': '/v1/stats/cases?by=workflow',
  'cases-by-owner': '/v1/stats/cases?by=owner,status',
  'cases-by-month': '/v1/stats/cases?by=month',
  processing: '/v1/stats/processing?by=workflow',
  credentials: '/v1/stats/credentials?by=type,status',
  access: '/v1/stats/access?by=purpose,decision',
} as const;

/** The phone viewport of openContext(…, { phone: true }). */
const PHONE_WIDTH = 390;

type Identity = { id: string; kind: string; org: string; subject?: string; publicKey: string };

describe('web app: 数据分析 and 运维', () => {
  let home: string;
  let node: NodeHandle;
  let browser: Browser;

  const g = () => ['--home', home, '--json'];
  const run = async (...args: string[]) => {
    const r = await cli([...g(), ...args]);
    if (r.code !== 0) throw new Error(`lianzheng ${args.slice(0, 3).join(' ')} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout) as { receipt: { status: string; result: { case?: string } } };
  };
  /** Runs the jobs, `width` at a time (the CLI is a process each; the machine has two cores). */
  const inBatches = async (jobs: (() => Promise<unknown>)[], width = 3) => {
    for (let i = 0; i < jobs.length; i += width) await Promise.all(jobs.slice(i, i + width).map((j) => j()));
  };
  const json = async <T>(route: string) => (await getJson(`${node.url}${route}`)).json as T;

  beforeAll(async () => {
    [{ home, node }, browser] = await Promise.all([startDemoNode('dashboards'), launchChromium()]);
    const ids = await demoIdentities<Identity>(home);
    // Seven business-licence applications; five refused at review (decided: processing times), two left open.
    const filed: { case: string; record: string }[] = [];
    await inBatches(
      Array.from({ length: 7 }, (_, i) => async () => {
        const form = {
          companyName: `数据分析测试第${i + 1}号有限公司`,
          companyType: '有限责任公司',
          registeredCapital: 100_000 * (i + 1),
          address: `杭州市上城区望江路 ${i + 1} 号`,
          legalRepresentativeId: `33010219880707${String(1000 + i)}`,
          businessScope: '软件开发',
        };
        const key = i % 2 === 0 ? 'enterprise-1' : 'enterprise-2';
        const r = await cli([
          ...g(),
          'workflow',
          'submit',
          'business-licence',
          '--key',
          key,
          '--form',
          JSON.stringify(form),
        ]);
        if (r.code !== 0) throw new Error(`workflow submit failed:\n${r.stderr}`);
        const out = JSON.parse(r.stdout) as { receipt: { result: { case: string } } };
        const record = /registered personal record ([0-9a-f]{64})/.exec(r.stderr)?.[1];
        if (record === undefined) throw new Error(`no personal record registered:\n${r.stderr}`);
        filed.push({ case: out.receipt.result.case, record });
      }),
    );
    await inBatches(
      filed
        .slice(0, 5)
        .map(
          (f) => () =>
            run(
              'workflow',
              'act',
              f.case,
              'reject',
              '--key',
              'market-caseworker',
              '--comment',
              '材料不全',
              '--form',
              '{"opinion":"材料不全"}',
            ),
        ),
    );
    // Reads of personal data: five allowed (the caseworker, for an open case) and one denied (another department).
    const open = filed[5] as { case: string; record: string };
    const read = (key: string) => () =>
      cli([...g(), 'privacy', 'read', open.record, '--purpose', 'case-handling', '--case', open.case, '--key', key]);
    const reads = [];
    for (let i = 0; i < 5; i++) reads.push(read('market-caseworker'));
    await inBatches(reads);
    const denied = await read('police-caseworker')();
    expect(denied.code).not.toBe(0);
    expect(denied.stdout + denied.stderr).toContain('PRIVACY_CASE_MISMATCH');
    // E-licences: five business licences (a published cell) and one real-estate certificate (a suppressed one).
    const holder = ids.find((i) => i.id === 'enterprise-2') as Identity;
    const issue = (type: string, seal: string, n: number) => () =>
      run(
        'credential',
        'issue',
        '--type',
        type,
        '--holder',
        holder.subject as string,
        '--holder-key',
        holder.publicKey,
        '--claims',
        JSON.stringify({ licence_no: `9133010600000${String(n).padStart(5, '0')}` }),
        '--disclosable',
        JSON.stringify({ company_name: '西湖数字科技有限公司' }),
        '--key',
        seal,
        '--out',
        `${home}/licence-${n}.sdjwt`,
      );
    await inBatches([
      ...Array.from({ length: 5 }, (_, n) => issue('business-licence', 'market-seal', n)),
      issue('real-estate-certificate', 'realestate-seal', 9),
    ]);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    if (home !== undefined) removeDir(home);
  });

  /** The statistics page, loaded, with every chart drawn. */
  async function openDashboards(page: Page): Promise<void> {
    await page.goto('/dashboards');
    for (const id of CHARTS) await page.getByTestId(`chart-${id}`).locator('canvas').first().waitFor();
    await page.waitForLoadState('networkidle');
  }

  /** How many pixels of a chart's canvas are painted (not transparent). */
  const paintedPixels = (page: Page, id: string) =>
    page
      .getByTestId(`chart-${id}`)
      .locator('canvas')
      .first()
      .evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
        return n;
      });

  async function downloadOf(page: Page, id: string): Promise<{ download: Download; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`csv-${id}`).click()]);
    return { download, bytes: readFileSync((await download.path()) as string) };
  }

  it('the seeded history has published and suppressed cells (else the checks below prove nothing)', async () => {
    const cases = await json<StatsTable>(TABLES['cases-by-workflow']);
    expect(cases.cells.some((c) => c.suppressed)).toBe(true);
    expect(cases.cells.some((c) => !c.suppressed && (c.count ?? 0) >= cases.k)).toBe(true);
    const credentials = await json<StatsTable>(TABLES.credentials);
    expect(credentials.cells.map((c) => [c.key.type, c.suppressed])).toEqual([
      ['business-licence', false],
      ['real-estate-certificate', true],
    ]);
    const processing = await json<ProcessingStatsTable>(TABLES.processing);
    expect(processing.publishedTotal).toBeGreaterThanOrEqual(processing.k);
    const access = await json<StatsTable>(TABLES.access);
    expect(access.cells.map((c) => [c.key.decision, c.suppressed])).toEqual([
      ['allowed', false],
      ['denied', true],
    ]);
    // Every table the page charts has rows, so every chart is drawn.
    for (const route of Object.values(TABLES))
      expect((await json<StatsTable>(route)).cells.length, route).toBeGreaterThan(0);
  });

  const headings: Record<Lang, RegExp> = { zh: /数据分析/, en: /Analytics/ };

  for (const lang of ['zh', 'en'] as const) {
    it(`数据分析 renders in ${lang}: charts drawn, totals and hidden-cell notes as published, no errors`, async () => {
      const context = await openContext(browser, node.url, { lang });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await openDashboards(page);
      await page.locator('h2', { hasText: headings[lang] }).waitFor();
      for (const id of CHARTS) {
        const box = await page.getByTestId(`chart-${id}`).boundingBox();
        expect(box?.width, id).toBeGreaterThan(200);
        expect(box?.height, id).toBeGreaterThan(100);
        expect(await paintedPixels(page, id), `${id} is blank`).toBeGreaterThan(500);
      }
      // The summary shows the published totals, never more.
      const cases = await json<StatsTable>(TABLES['cases-by-workflow']);
      const credentials = await json<StatsTable>(TABLES.credentials);
      const chain = await json<ChainStatsView>('/v1/stats/chain?days=14');
      const figure = async (id: string) =>
        Number(
          ((await page.getByTestId(`summary-${id}`).locator('.ant-statistic-content').textContent()) ?? '').replace(
            /\D/g,
            '',
          ),
        );
      expect(await figure('cases')).toBe(cases.publishedTotal);
      expect(await figure('credentials')).toBe(credentials.publishedTotal);
      expect(await figure('blocks')).toBe(chain.totals.blocks);
      // Each card with hidden cells says how many, in the page's language.
      for (const [id, route] of Object.entries(TABLES)) {
        const table = await json<StatsTable>(route);
        const note = page.getByTestId(`card-${id}`).getByTestId('suppressed-note').first();
        if (table.suppressedCells === 0) {
          expect(await page.getByTestId(`card-${id}`).getByTestId('suppressed-note').count(), id).toBe(0);
          continue;
        }
        expect(await note.textContent(), id).toBe(
          lang === 'zh'
            ? `小于 ${table.k} 的单元格已隐藏：${table.suppressedCells} 项`
            : `Cells below ${table.k} hidden: ${table.suppressedCells}`,
        );
      }
      // The chart's words for screen readers: the service names, and "below k" for the hidden application count.
      const label = (await page.getByTestId('chart-cases-by-workflow').getAttribute('aria-label')) ?? '';
      expect(label).toContain(lang === 'zh' ? '营业执照登记' : 'Business licence registration');
      expect(label).toContain(lang === 'zh' ? '预算审批 小于 5' : 'Budget approval below 5');
      // The data table behind a chart: the hidden cell is a "below k" tag, the others the published counts.
      const card = page.getByTestId('card-cases-by-workflow');
      await card.getByText(lang === 'zh' ? '查看数据表' : 'Show the data table').click();
      const rows = card.locator('tbody tr.ant-table-row');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(cases.cells.length);
      expect(await card.locator('[data-suppressed=true]').count()).toBe(cases.suppressedCells);
      const shown = (await rows.allInnerTexts()).map((r) => r.split('\t').at(-1)?.trim());
      expect(shown).toEqual(
        cases.cells.map((c) => (c.suppressed ? (lang === 'zh' ? '小于 5' : 'below 5') : String(c.count))),
      );
      if (lang === 'en') {
        const text = (await page.locator('body').innerText()).replaceAll('中文', '');
        expect(text, 'untranslated Chinese on the English page').not.toMatch(/\p{Script=Han}/u);
        expect(label).not.toMatch(/\p{Script=Han}/u);
      }
      await screenshot(page, `dashboards-${lang}`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('CSV downloads: UTF-8 with a BOM, the node’s own CSV, hidden counts left empty', async () => {
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    await openDashboards(page);
    for (const [id, route] of Object.entries(TABLES)) {
      const { download, bytes } = await downloadOf(page, id);
      const height = Number(/-h(\d+)\.csv$/.exec(download.suggestedFilename())?.[1]);
      const table = await json<StatsTable | ProcessingStatsTable>(route);
      // The node is idle: the page read the same block as this request.
      expect(height, id).toBe(table.height);
      expect([...bytes.subarray(0, 3)], `${id} has no UTF-8 byte-order mark`).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.toString('utf8');
      expect(text, id).toBe(statsToCsv(table));
      const csvRoute = `${node.url}${route}&format=csv`;
      // Byte for byte (a `Response.text()` would drop the byte-order mark).
      const served = Buffer.from(await (await fetch(csvRoute)).arrayBuffer());
      expect(bytes.equals(served), `${id} differs from ${csvRoute}`).toBe(true);
      const lines = text.slice(1).trimEnd().split('\r\n');
      const processing = 'breached' in table;
      expect(lines[0]).toBe([...table.by, ...(processing ? ['bucket'] : []), 'count'].join(','));
      // Row by row: a hidden cell has an empty count, a published one its count; nothing else carries numbers.
      const cells = [...table.cells, ...(processing ? table.breached : [])];
      expect(lines.length - 1).toBe(cells.length);
      cells.forEach((c, i) => {
        expect(lines[i + 1]?.split(',').at(-1), `${id} row ${i + 1}`).toBe(c.suppressed ? '' : String(c.count));
      });
    }
    const { bytes } = await downloadOf(page, 'chain');
    const chain = await json<ChainStatsView>('/v1/stats/chain?days=14');
    expect(bytes.toString('utf8')).toBe(chainStatsToCsv(chain));
    expect(bytes.toString('utf8').split('\r\n')[0]).toBe('\uFEFFdate,blocks,transactions,ok,failed');
    await context.close();
  });

  for (const lang of ['zh', 'en'] as const) {
    it(`数据分析 at phone width (${lang}): the cards stack and nothing is wider than the screen`, async () => {
      const context = await openContext(browser, node.url, { lang, phone: true });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await openDashboards(page);
      // Against the phone's width, not window.innerWidth: a mobile browser widens its layout viewport to fit content
      // that is too wide, so innerWidth grows with the overflow it should reveal.
      const width = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        screen: window.innerWidth,
      }));
      expect(width.page, 'the page is wider than the phone').toBeLessThanOrEqual(PHONE_WIDTH);
      expect(width.screen).toBe(PHONE_WIDTH);
      const first = await page.getByTestId('card-cases-by-workflow').boundingBox();
      const second = await page.getByTestId('card-cases-by-owner').boundingBox();
      expect(first !== null && second !== null).toBe(true);
      expect(Math.abs((first?.x ?? 0) - (second?.x ?? 1))).toBeLessThanOrEqual(1);
      expect(second?.y ?? 0).toBeGreaterThanOrEqual((first?.y ?? 0) + (first?.height ?? 0));
      for (const id of CHARTS) {
        const box = await page.getByTestId(`chart-${id}`).boundingBox();
        expect((box?.x ?? 0) + (box?.width ?? 0), id).toBeLessThanOrEqual(PHONE_WIDTH);
      }
      await screenshot(page, `dashboards-${lang}-phone`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('运维 as market-sysadmin: health, departments, metrics; refreshes every 10 s until paused', async () => {
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInWithKeyFile(page, home, 'market-sysadmin');
    await clickMenuItem(page, '运维');
    await page.getByTestId('health').waitFor();
    await page.getByTestId('orgs').waitFor();
    await page.getByTestId('metrics').waitFor();
    await page.waitForLoadState('networkidle');

    const health = await json<{
      status: string;
      height: number;
      certificates: { ca: { org: string; daysLeft: number }[] };
    }>('/health');
    expect(health.status).toBe('ok');
    expect(await page.getByTestId('health-status').textContent()).toBe('正常');
    expect(Number(await page.getByTestId('health-height').textContent())).toBe(health.height);

    // Every department of the configuration, by its Chinese name, with its first CA expiry in days.
    const config = await json<{ config: { orgs: { id: string; name: string; ca: string[] }[] } }>('/v1/config');
    const rows = page.getByTestId('orgs').locator('tbody tr.ant-table-row');
    expect(await rows.count()).toBe(config.config.orgs.length);
    for (const [i, org] of config.config.orgs.entries()) {
      const row = rows.nth(i);
      expect(await row.textContent()).toContain(org.name);
      const days = Math.min(...health.certificates.ca.filter((c) => c.org === org.id).map((c) => c.daysLeft));
      expect(await row.getByTestId('days-left').textContent()).toBe(`${days} 天`);
    }
    // A system administrator may not list members (policy identity.members): no count, and no refused request.
    expect(await page.getByTestId('members-count').count()).toBe(0);

    // A counter as the node reports it.
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    const blocks = Number(/^lianzheng_blocks_committed_total (\d+)$/m.exec(metrics)?.[1]);
    expect(Number(await page.getByTestId('metric-blocks').locator('.ant-statistic-content').textContent())).toBe(
      blocks,
    );
    await page.getByTestId('expiring-none').waitFor();
    expect(await page.getByTestId('proposals').textContent()).toMatch(/共 \d+ 项/);
    await screenshot(page, 'admin-zh');

    // Refreshes by itself…
    const updated = page.getByTestId('updated-at');
    const before = await updated.textContent();
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid=updated-at]')?.textContent !== text,
      before,
      {
        timeout: 15_000,
      },
    );
    // …and not once paused.
    await page.getByTestId('auto-refresh').click();
    expect(await page.getByTestId('auto-refresh').getAttribute('aria-checked')).toBe('false');
    let polled = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/health') polled++;
    });
    await page.waitForTimeout(11_000);
    expect(polled).toBe(0);

    // The language switch keeps the session (no reload).
    await page.getByText('English', { exact: true }).click();
    await page.locator('h2', { hasText: 'Operations' }).waitFor();
    expect(await page.getByTestId('health-status').textContent()).toBe('OK');
    const text = (await page.locator('body').innerText()).replaceAll('中文', '');
    expect(text, 'untranslated Chinese on the English page').not.toMatch(/\p{Script=Han}/u);
    await screenshot(page, 'admin-en');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('运维 as market-admin shows how many staff the own department has enrolled', async () => {
    const ids = await demoIdentities<Identity>(home);
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInWithKeyFile(page, home, 'market-admin');
    await clickMenuItem(page, '运维');
    await page.getByTestId('members-count').waitFor();
    const enrolled = ids.filter((i) => i.kind === 'member' && i.org === 'market').length;
    expect(enrolled).toBeGreaterThan(5);
    expect(Number(await page.getByTestId('members-count').textContent())).toBe(enrolled);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('运维 asks an anonymous visitor to sign in', async () => {
    const context = await openContext(browser, node.url, { lang: 'zh' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/admin');
    await page.getByText('请先登录').waitFor();
    expect(await page.getByRole('link', { name: '去登录' }).getAttribute('href')).toBe('/signin?next=%2Fadmin');
    expect(await page.getByTestId('health').count()).toBe(0);
    await screenshot(page, 'admin-anonymous-zh');
    expect(errors).toEqual([]);
    await context.close();
  });
});

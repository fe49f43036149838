/**
 * 信息公开 public records the way departments and the public use them, through the CLI against a real demo node: the
 * demo's records listed, searched, shown and verified against the pinned genesis (a revised one, a withdrawn one and
 * the one that supersedes it); a publisher publishes with a local attachment hashed on this machine, withdraws, and
 * is refused what the rules forbid.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_RECORDS } from '@lianzheng/cli';
import type { RecordSummary } from '@lianzheng/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

describe('lianzheng records: list, show, verify, publish, withdraw', () => {
  let home: string;
  let node: NodeHandle;
  const g = () => ['--home', home, '--url', node.url];
  const json = async (args: string[]) => {
    const r = await cli([...g(), '--json', ...args]);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    ({ home, node } = await startDemoNode('records-cli'));
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('the demo records: listed newest first, searched, shown with their versions, verified', async () => {
    const page = (await json(['records', 'list', '--limit', '100'])) as { items: RecordSummary[]; height: number };
    const published = new Set(
      DEMO_RECORDS.flatMap((r) => (r.publish === undefined ? [] : [`${r.org}/${r.publish.id}`])),
    );
    expect(page.items.map((s) => `${s.org}/${s.id}`).sort()).toEqual([...published].sort());
    expect(page.items).toHaveLength(12);
    expect(new Set(page.items.map((s) => s.org))).toEqual(
      new Set(['market', 'realestate', 'police', 'health', 'finance']),
    );
    const byKey = (k: string) => page.items.find((s) => `${s.org}/${s.id}` === k)!;
    expect(byKey('market/business-start-2026')).toMatchObject({ version: 2, withdrawn: false });
    expect(byKey('realestate/registration-fees')).toMatchObject({ version: 1, withdrawn: true });
    // Newest first: the second round's records lead.
    expect(
      page.items
        .slice(0, 2)
        .map((s) => `${s.org}/${s.id}`)
        .sort(),
    ).toEqual(['market/business-start-2026', 'realestate/registration-fees-2026']);

    const human = await cli([...g(), 'records', 'list', '--q', '预算', '--category', 'budget']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('finance/budget-2026');
    expect(human.stdout).toContain('2026年市级部门预算公开');
    expect(human.stdout).not.toContain('budget-execution-report-2025');
    const market = await json(['records', 'list', '--org', 'market']);
    expect(market.items.map((s: RecordSummary) => s.id).sort()).toEqual([
      'business-start-2026',
      'food-safety-sampling-2026',
    ]);

    const show = await cli([...g(), 'records', 'show', 'market/business-start-2026']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('2 versions · in force');
    expect(show.stdout).toContain('关于优化企业开办服务的通知（修订）');
    expect(show.stdout).toContain('0.5个工作日');
    const v1 = await cli([...g(), 'records', 'show', 'market/business-start-2026', '--version', '1']);
    expect(v1.stdout).toContain('1个工作日以内');
    const fees = await cli([...g(), 'records', 'show', 'realestate/registration-fees-2026']);
    expect(fees.stdout).toContain('supersedes realestate/registration-fees');

    const latest = await cli([...g(), 'records', 'verify', 'market/business-start-2026']);
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stdout).toContain('✓ market/business-start-2026 version 2: 关于优化企业开办服务的通知（修订）');
    expect(latest.stdout).toContain('latest version: 2; in force');
    expect(latest.stdout).toMatch(/proof verified at height \d+/);
    const first = await json(['records', 'verify', 'market/business-start-2026', '--version', '1']);
    expect(first).toMatchObject({ verified: true, record: { version: 1, title: '关于优化企业开办服务的通知' } });
    expect(first.orgs).toEqual(['market']);
    const withdrawn = await cli([...g(), 'records', 'verify', 'realestate/registration-fees']);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stdout).toContain('withdrawn (废止)');
    expect(withdrawn.stdout).toContain('收费标准已调整');
    const budget = await json(['records', 'show', 'finance/budget-2026']);
    expect(budget.versions[0].attachments).toHaveLength(1);
    expect(budget.versions[0].attachments[0]).toMatchObject({ name: '2026年市级部门预算表.xlsx', alg: 'sha256' });

    const missing = await cli([...g(), 'records', 'verify', 'market/no-such-record']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('RECORD_NOT_FOUND');
  }, 60_000);

  it('a publisher publishes (attachment hashed locally) and withdraws; the rules are enforced', async () => {
    const bodyFile = path.join(home, 'notice.md');
    writeFileSync(bodyFile, '# 关于调整户籍窗口服务时间的通知\n\n自2026年5月1日起，户籍窗口周六上午照常办公。\n');
    const attachment = path.join(home, '服务时间表.pdf');
    const bytes = Buffer.from('%PDF-1.7 fictional timetable\n');
    writeFileSync(attachment, bytes);
    const publish = (id: string, key: string, extra: string[] = []) =>
      cli([
        ...g(),
        '--json',
        'records',
        'publish',
        id,
        '--category',
        'notice',
        '--title',
        '关于调整户籍窗口服务时间的通知',
        '--body-file',
        bodyFile,
        '--tag',
        '便民服务',
        '--tag',
        '户籍',
        '--attach',
        attachment,
        '--effective',
        '2026-05-01',
        '--key',
        key,
        ...extra,
      ]);
    const ok = await publish('window-hours-2026', 'police-publisher');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).receipt.result).toMatchObject({ org: 'police', id: 'window-hours-2026', version: 1 });
    const shown = await json(['records', 'show', 'police/window-hours-2026']);
    expect(shown.versions[0]).toMatchObject({
      tags: ['便民服务', '户籍'],
      effective: '2026-05-01',
      attachments: [
        {
          name: '服务时间表.pdf',
          alg: 'sha256',
          hash: createHash('sha256').update(bytes).digest('hex'),
          size: bytes.length,
        },
      ],
    });
    expect(shown.versions[0].body).toContain('周六上午照常办公');
    expect((await json(['records', 'list', '--tag', '便民服务'])).items.map((s: RecordSummary) => s.id)).toContain(
      'window-hours-2026',
    );

    const denied = await publish('by-admin', 'police-admin');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('POLICY_DENIED');
    const badCategory = await cli([
      ...g(),
      'records',
      'publish',
      'x',
      '--category',
      'law',
      '--title',
      't',
      '--body-file',
      bodyFile,
    ]);
    expect(badCategory.code).toBe(1);
    expect(badCategory.stderr).toContain('CLI_USAGE');
    const badId = await publish('Bad_Id', 'police-publisher');
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain('ARGS_INVALID');

    const otherOrg = await cli([
      ...g(),
      'records',
      'withdraw',
      'police/window-hours-2026',
      '--reason',
      '测试',
      '--key',
      'market-publisher',
    ]);
    expect(otherOrg.code).toBe(1);
    expect(otherOrg.stderr).toContain('CLI_USAGE');
    const withdrawn = await cli([
      ...g(),
      'records',
      'withdraw',
      'police/window-hours-2026',
      '--reason',
      '服务时间另行通知',
      '--key',
      'police-publisher',
    ]);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stdout).toContain('withdrew police/window-hours-2026');
    const again = await publish('window-hours-2026', 'police-publisher');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('RECORD_WITHDRAWN');
    const verified = await cli([...g(), 'records', 'verify', 'police/window-hours-2026']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('服务时间另行通知');
  }, 60_000);
});

import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  bytesToHex,
  isNotaryAlgorithm,
  isRecordCategory,
  ORG_ID_PATTERN,
  RECORD_CATEGORIES,
  RECORD_ID_PATTERN,
  type RecordAttachment,
  type RecordHead,
  type RecordVersion,
} from '@lianzheng/protocol';
import {
  getChainInfo,
  getRecord,
  getRecords,
  publishRecordTx,
  verifyRecord,
  verifyRecordHead,
  withdrawRecordTx,
} from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  client,
  formatTime,
  type GlobalOptions,
  pinnedGenesis,
  positiveInt,
  print,
  readFileBytes,
  resolveKey,
  submitAndReport,
  usage,
} from '../context.js';
import { fileDigest } from './notary.js';
import { renderTable } from './stats.js';

const repeat = (v: string, acc: string[]) => [...acc, v];
const CHINA_OFFSET = 8 * 3_600_000;

/** The date of a time in China (YYYY-MM-DD). */
const chinaDate = (ms: number) => new Date(ms + CHINA_OFFSET).toISOString().slice(0, 10);

/** `<org>/<id>` → its parts, or a usage error. */
function recordRef(ref: string): { org: string; id: string } {
  const [org, id, ...rest] = ref.split('/');
  if (
    org === undefined ||
    id === undefined ||
    rest.length > 0 ||
    !ORG_ID_PATTERN.test(org) ||
    !RECORD_ID_PATTERN.test(id)
  ) {
    usage(`${ref}: name a record as <org>/<id>, e.g. market/business-start-2026`);
  }
  return { org, id };
}

const categoryName = (c: string) => `${RECORD_CATEGORIES[c as keyof typeof RECORD_CATEGORIES] ?? c}`;

function versionText(v: RecordVersion): string {
  return [
    `${v.title}`,
    `  ${categoryName(v.category)} (${v.category}) · version ${v.version} · block ${v.height} · ${formatTime(v.time)}`,
    ...(v.effective === undefined ? [] : [`  effective ${v.effective}`]),
    ...(v.tags.length === 0 ? [] : [`  tags ${v.tags.join(', ')}`]),
    ...(v.supersedes === undefined ? [] : [`  supersedes ${v.supersedes}`]),
    ...(v.summary === undefined ? [] : ['', v.summary]),
    '',
    v.body,
    ...(v.attachments.length === 0
      ? []
      : [
          '',
          'attachments:',
          ...v.attachments.map(
            (a) => `  ${a.name}  ${a.alg} ${a.hash}${a.size === undefined ? '' : `  ${a.size} bytes`}`,
          ),
        ]),
  ].join('\n');
}

function headText(h: RecordHead): string {
  const status =
    h.withdrawn === undefined
      ? 'in force'
      : `withdrawn (废止) at block ${h.withdrawn.height}, ${formatTime(h.withdrawn.time)}: ${h.withdrawn.reason}`;
  return `${h.org}/${h.id} · ${h.latest} version${h.latest === 1 ? '' : 's'} · ${status}`;
}

export function registerRecords(program: Command): void {
  const rc = program
    .command('records')
    .description('信息公开 public records: policies, decisions, notices, budgets, reports (docs/records.md)');

  rc.command('publish <id>')
    .description('publish a record of your organisation, or the next version of one (needs role publisher)')
    .requiredOption('--category <category>', Object.keys(RECORD_CATEGORIES).join(', '))
    .requiredOption('--title <title>', 'the title (at most 200 characters)')
    .requiredOption('--body-file <file>', 'the text, plain or Markdown (UTF-8, at most 32 KiB)')
    .option('--summary <text>', 'a short summary (at most 1,000 characters)')
    .option('--tag <tag>', 'a tag (repeat for more, at most 10)', repeat, [])
    .option('--attach <file>', 'a file to list by its hash (repeat); the file itself stays here', repeat, [])
    .option('--alg <alg>', 'hash of attachments: sha256 or sm3 (default: the chain suite hash)')
    .option('--effective <date>', 'date it takes effect, YYYY-MM-DD')
    .option('--supersedes <org/id>', 'a record this one replaces')
    .option('--key <file|id>', 'your key (a member with role publisher)')
    .action(
      async (
        id: string,
        opts: {
          category: string;
          title: string;
          bodyFile: string;
          summary?: string;
          tag: string[];
          attach: string[];
          alg?: string;
          effective?: string;
          supersedes?: string;
          key?: string;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!isRecordCategory(opts.category))
          usage(`--category must be one of ${Object.keys(RECORD_CATEGORIES).join(', ')}`);
        let body: string;
        try {
          body = new TextDecoder('utf-8', { fatal: true }).decode(await readFileBytes(opts.bodyFile));
        } catch (error) {
          if (error instanceof TypeError) usage(`${opts.bodyFile} is not UTF-8 text`);
          throw error;
        }
        let attachments: RecordAttachment[] = [];
        if (opts.attach.length > 0) {
          const alg = opts.alg ?? ((await getChainInfo(await client(g))).suite === 'sm2-sm3' ? 'sm3' : 'sha256');
          if (!isNotaryAlgorithm(alg)) usage('--alg must be sha256 or sm3');
          attachments = await Promise.all(
            opts.attach.map(async (file) => ({
              name: path.basename(file),
              alg,
              hash: bytesToHex(fileDigest(alg, await readFileBytes(file))),
              size: (await stat(file)).size,
            })),
          );
        }
        const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
        const call = publishRecordTx({
          id,
          category: opts.category,
          title: opts.title,
          body,
          tags: opts.tag,
          attachments,
          ...(opts.summary === undefined ? {} : { summary: opts.summary }),
          ...(opts.effective === undefined ? {} : { effective: opts.effective }),
          ...(opts.supersedes === undefined ? {} : { supersedes: opts.supersedes }),
        });
        await submitAndReport(g, key, call.contract, call.method, call.args, {
          describe: (r) => {
            const v = r as { org: string; id: string; version: number };
            return `published ${v.org}/${v.id} version ${v.version}`;
          },
        });
      },
    );

  rc.command('withdraw <record>')
    .description('withdraw (废止) a record of your organisation: <org>/<id>; its versions stay readable')
    .requiredOption('--reason <text>', 'why (at most 500 characters; public)')
    .option('--key <file|id>', 'your key (a member with role publisher)')
    .action(async (ref: string, opts: { reason: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { org, id } = recordRef(ref);
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      if (key.org !== org) usage(`${key.id} is a member of ${key.org}: only ${org}'s publishers withdraw ${ref}`);
      const call = withdrawRecordTx({ id, reason: opts.reason });
      await submitAndReport(g, key, call.contract, call.method, call.args, {
        describe: () => `withdrew ${org}/${id}`,
      });
    });

  rc.command('list')
    .description('public records, newest first; search and filter')
    .option('--q <text>', 'search title, summary, tags and body')
    .option('--org <org>', 'one organisation')
    .option('--category <category>', Object.keys(RECORD_CATEGORIES).join(', '))
    .option('--tag <tag>', 'one tag')
    .option('--limit <n>', 'at most n (1–100, default 20)')
    .option('--cursor <cursor>', 'the next page (printed at the end of a page)')
    .action(
      async (
        opts: { q?: string; org?: string; category?: string; tag?: string; limit?: string; cursor?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (opts.category !== undefined && !isRecordCategory(opts.category)) {
          usage(`--category must be one of ${Object.keys(RECORD_CATEGORIES).join(', ')}`);
        }
        const page = await getRecords(await client(g), {
          ...(opts.q === undefined ? {} : { q: opts.q }),
          ...(opts.org === undefined ? {} : { org: opts.org }),
          ...(opts.category === undefined || !isRecordCategory(opts.category) ? {} : { category: opts.category }),
          ...(opts.tag === undefined ? {} : { tag: opts.tag }),
          ...(opts.limit === undefined ? {} : { limit: positiveInt(opts.limit, '--limit') }),
          ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
        });
        const rows = page.items.map((s) => [
          chinaDate(s.publishedAt),
          `${s.org}/${s.id}`,
          `v${s.version}`,
          categoryName(s.category),
          `${s.withdrawn ? '[废止] ' : ''}${s.title}`,
        ]);
        const human = [
          rows.length === 0 ? 'no records' : renderTable(['date', 'record', 'ver', 'category', 'title'], rows),
          ...(page.next === undefined ? [] : ['', `more: --cursor ${page.next}`]),
        ].join('\n');
        print(g, human, page);
      },
    );

  rc.command('show <record>')
    .description('a record (<org>/<id>): its status, versions, and the text of the latest (or --version n)')
    .option('--version <n>', 'show this version')
    .action(async (ref: string, opts: { version?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { org, id } = recordRef(ref);
      const r = await getRecord(await client(g), org, id);
      const n = opts.version === undefined ? r.head.latest : positiveInt(opts.version, '--version');
      const shown = r.versions.find((v) => v.version === n);
      if (shown === undefined) usage(`${ref} has versions 1–${r.head.latest}`);
      const human = [
        headText(r.head),
        ...r.versions.map((v) => `  v${v.version}  block ${v.height}  ${chinaDate(v.time)}  ${v.title}`),
        '',
        versionText(shown),
      ].join('\n');
      print(g, human, r);
    });

  rc.command('verify <record>')
    .description(
      'verify a version (default: the latest) against a certified checkpoint and the pinned genesis, trusting no node',
    )
    .option('--version <n>', 'verify this version')
    .action(async (ref: string, opts: { version?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { org, id } = recordRef(ref);
      const { genesis } = await pinnedGenesis(g);
      const c = await client(g);
      // Without --version, the head is verified too: it proves which version is the latest and whether it was withdrawn.
      const head = opts.version === undefined ? await verifyRecordHead(c, { genesis }, org, id) : undefined;
      const n = head?.head.latest ?? positiveInt(opts.version as string, '--version');
      const v = await verifyRecord(c, { genesis }, org, id, n);
      const status =
        head === undefined
          ? []
          : [
              `  latest version: ${head.head.latest}; ${head.head.withdrawn === undefined ? 'in force' : `withdrawn (废止) at block ${head.head.withdrawn.height}: ${head.head.withdrawn.reason}`}`,
            ];
      print(
        g,
        [
          `✓ ${org}/${id} version ${v.record.version}: ${v.record.title}`,
          `  published in block ${v.record.height} at ${formatTime(v.record.time)} by ${v.record.publisher.slice(0, 16)}…`,
          ...status,
          `  proof verified at height ${v.height} (${formatTime(v.time)})`,
          `  state root ${v.stateRoot}, attested by ${v.orgs.join(', ')}`,
        ].join('\n'),
        { verified: true, ...v, ...(head === undefined ? {} : { head: head.head }) },
      );
    });
}

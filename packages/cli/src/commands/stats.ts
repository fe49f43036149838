import {
  type AccessStatsDim,
  type CaseStatsDim,
  type ChainStatsView,
  type CredentialStatsDim,
  getAccessStats,
  getCaseStats,
  getChainStats,
  getCredentialStats,
  getProcessingStats,
  type ProcessingStatsDim,
  type ProcessingStatsTable,
  type StatsTable,
  statsToCsv,
} from '@lianzheng/sdk';
import type { Command } from 'commander';
import { client, type GlobalOptions, print, usage } from '../context.js';

interface StatsOptions {
  readonly by?: string;
  readonly csv?: boolean;
  readonly node?: string;
}

/** Terminal columns of a text: CJK and full-width characters take two. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch)
      ? 2
      : 1;
  return w;
}

const pad = (text: string, columns: number) => text + ' '.repeat(Math.max(0, columns - width(text)));

/** A table with a header, columns aligned for CJK text (also used by `records list`). */
export function renderTable(columns: readonly string[], rows: readonly string[][]): string {
  const widths = columns.map((c, i) => Math.max(width(c), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function humanTable(table: StatsTable | ProcessingStatsTable): string {
  const processing = 'breached' in table;
  const dims = processing ? [...table.by, 'bucket'] : [...table.by];
  const count = (n: number | null) => (n === null ? `<${table.k}` : String(n));
  const rows = table.cells.map((c) => [...dims.map((d) => c.key[d] ?? ''), count(c.count)]);
  const out = [rows.length === 0 ? 'no data' : renderTable([...dims, 'count'], rows)];
  if (processing && table.breached.length > 0) {
    out.push(
      '',
      'decided cases with an SLA breach:',
      renderTable(
        [...table.by, 'breached'],
        table.breached.map((c) => [...table.by.map((d) => c.key[d] ?? ''), count(c.count)]),
      ),
    );
  }
  out.push(
    '',
    `published total ${table.publishedTotal}; ${table.suppressedCells} cell(s) under k = ${table.k} suppressed; ` +
      `height ${table.height}`,
  );
  return out.join('\n');
}

function humanChain(view: ChainStatsView): string {
  const row = (date: string, c: Omit<ChainStatsView['days'][number], 'date'>) => [
    date,
    String(c.blocks),
    String(c.transactions),
    String(c.ok),
    String(c.failed),
  ];
  return [
    renderTable(
      ['date (China time)', 'blocks', 'transactions', 'ok', 'failed'],
      [...view.days.map((d) => row(d.date, d)), row('total', view.totals)],
    ),
    '',
    `latest height ${view.height}; not suppressed (counts of the ledger, not of persons)`,
  ].join('\n');
}

export function registerStats(program: Command): void {
  const stats = program
    .command('stats')
    .description('anonymised statistics with small-cell suppression (public; docs/statistics.md)');

  const kinds = [
    {
      name: 'cases',
      description: 'approval cases per workflow, owner, status, month (China time) or SLA breach',
      dims: 'workflow, owner, status, month, breached',
      get: (c: Awaited<ReturnType<typeof client>>, by?: readonly string[]) =>
        getCaseStats(c, by as readonly CaseStatsDim[] | undefined),
    },
    {
      name: 'processing',
      description: 'processing times of decided cases (<1h … >7d) and SLA breaches',
      dims: 'workflow, owner',
      get: (c: Awaited<ReturnType<typeof client>>, by?: readonly string[]) =>
        getProcessingStats(c, by as readonly ProcessingStatsDim[] | undefined),
    },
    {
      name: 'access',
      description: 'reads of personal data per purpose, reading organisation and decision',
      dims: 'purpose, org, decision',
      get: (c: Awaited<ReturnType<typeof client>>, by?: readonly string[]) =>
        getAccessStats(c, by as readonly AccessStatsDim[] | undefined),
    },
    {
      name: 'credentials',
      description: 'e-licences per type, issuing department, status (valid, suspended, revoked, expired) or month',
      dims: 'type, org, status, month',
      get: (c: Awaited<ReturnType<typeof client>>, by?: readonly string[]) =>
        getCredentialStats(c, by as readonly CredentialStatsDim[] | undefined),
    },
  ] as const;

  for (const kind of kinds) {
    stats
      .command(kind.name)
      .description(kind.description)
      .option('--by <dims>', `comma-separated dimensions: ${kind.dims}`)
      .option('--csv', 'print CSV (as the node exports it: UTF-8 with a BOM, suppressed cells empty)')
      .option('--node <url>', 'node API URL (default: --url, $LIANZHENG_URL or the home node.json address)')
      .action(async (o: StatsOptions, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const c = await client(o.node === undefined ? g : { ...g, url: o.node });
        const table = await kind.get(c, o.by === undefined ? undefined : o.by.split(','));
        if (o.csv === true) {
          process.stdout.write(statsToCsv(table));
          return;
        }
        print(g, humanTable(table), table);
      });
  }

  stats
    .command('chain')
    .description('blocks and committed transactions (ok, failed) per day, China time; not suppressed')
    .option('--days <n>', 'how many days, today last: 1 to 90', '14')
    .option('--node <url>', 'node API URL (default: --url, $LIANZHENG_URL or the home node.json address)')
    .action(async (o: { days: string; node?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (!/^[0-9]{1,3}$/.test(o.days)) usage('--days must be a whole number from 1 to 90');
      const c = await client(o.node === undefined ? g : { ...g, url: o.node });
      const view = await getChainStats(c, { days: Number(o.days) });
      print(g, humanChain(view), view);
    });
}

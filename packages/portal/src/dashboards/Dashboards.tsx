/**
 * 数据分析: the published statistics (docs/statistics.md) as charts and tables, for anyone. Only what the node
 * publishes is shown: cells below k arrive as `null` with `suppressed: true` and stay hidden here (in the charts, the
 * tables and the CSV files); totals are the tables' `publishedTotal`, labelled as such — a "true total" is never
 * computed, since it would give the hidden cells away by subtraction.
 */
import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { type BilingualText, defaultCredentialsConfig } from '@lianzheng/protocol';
import {
  type ChainStatsView,
  chainStatsToCsv,
  getAccessStats,
  getCaseStats,
  getChainStats,
  getConfig,
  getCredentialStats,
  getPrivacyCatalogue,
  getProcessingStats,
  getWorkflows,
  type ProcessingStatsTable,
  type StatsTable,
  statsToCsv,
} from '@lianzheng/sdk';
import { Button, Card, Col, Collapse, Empty, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { type Loaded, LoadView, PageTitle, TimeText, useLoad } from '../app/ui.js';
import { Chart, ChartLegend, type ChartOption, type LegendItem } from './Chart.js';

type StatCell = StatsTable['cells'][number];

const CHINA_DAYS = 14;
const BLUE = '#1a4e8a';
const GREEN = '#2e7d32';
const RED = '#b3261e';
const AMBER = '#9a6700';
const GREY = '#8c8c8c';

/** Series order and colours: fixed, so a status keeps its colour whatever the figures. */
const CASE_STATUS = { open: BLUE, approved: GREEN, rejected: RED, withdrawn: GREY } as const;
const CREDENTIAL_STATUS = { valid: GREEN, suspended: AMBER, revoked: RED, expired: GREY } as const;
const DECISION = { allowed: BLUE, denied: RED } as const;
/** The node's processing-time buckets (docs/statistics.md), their message keys and colours from quick to slow. */
const BUCKETS: Readonly<Record<string, { readonly key: string; readonly colour: string }>> = {
  '<1h': { key: 'under1h', colour: '#1b5e20' },
  '1h–1d': { key: 'hourToDay', colour: '#558b2f' },
  '1–3d': { key: 'oneToThreeDays', colour: '#c49000' },
  '3–7d': { key: 'threeToSevenDays', colour: '#e65100' },
  '>7d': { key: 'over7Days', colour: RED },
};

const CJK = '"PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei"';
const LATIN = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans"';
const chartFont = (lang: string) => (lang === 'en' ? `${LATIN}, ${CJK}, sans-serif` : `${CJK}, ${LATIN}, sans-serif`);

/** Display names of the ids in the tables, in the page's language (the id itself while loading or if unknown). */
interface Names {
  readonly workflows: ReadonlyMap<string, BilingualText>;
  readonly purposes: ReadonlyMap<string, BilingualText>;
  readonly credentialTypes: ReadonlyMap<string, BilingualText>;
}

const NO_NAMES: Names = { workflows: new Map(), purposes: new Map(), credentialTypes: new Map() };

/** Names are a nicety: if one list cannot be read, the charts show ids rather than failing. */
async function loadNames(): Promise<Names> {
  const [workflows, catalogue, config] = await Promise.all([
    getWorkflows(client).catch(() => ({ workflows: [] })),
    getPrivacyCatalogue(client).catch(() => ({ purposes: [] })),
    getConfig(client).catch(() => undefined),
  ]);
  const types = config?.config.credentials?.types ?? defaultCredentialsConfig.types;
  return {
    workflows: new Map(workflows.workflows.map((w) => [w.id, w.title])),
    purposes: new Map(catalogue.purposes.map((p) => [p.id, p.title])),
    credentialTypes: new Map(types.map((c) => [c.id, c.title])),
  };
}

/** Names every dimension value of the tables. */
function useLabeller(names: Names): (dim: string, value: string) => string {
  const { t, i18n } = useTranslation();
  const orgs = useOrgs();
  const en = i18n.language === 'en';
  const text = (b: BilingualText | undefined, fallback: string) => (b === undefined ? fallback : en ? b.en : b.zh);
  const known = (key: string, value: string) => (i18n.exists(key) ? t(key) : value);
  return (dim, value) => {
    switch (dim) {
      case 'workflow':
        return text(names.workflows.get(value), value);
      case 'purpose':
        return text(names.purposes.get(value), value);
      case 'type':
        return text(names.credentialTypes.get(value), value);
      case 'owner':
      case 'org':
        if (value === '(citizen)') return t('dashboards.self.citizen');
        if (value === '(enterprise)') return t('dashboards.self.enterprise');
        return orgs.name(value);
      case 'status':
        return known(`dashboards.status.${value}`, value);
      case 'credentialStatus':
        return known(`dashboards.credentialStatus.${value}`, value);
      case 'decision':
        return known(`dashboards.decision.${value}`, value);
      case 'bucket': {
        const b = BUCKETS[value];
        return b === undefined ? value : t(`dashboards.bucket.${b.key}`);
      }
      case 'month':
        return monthName(value, en);
      default:
        return value;
    }
  };
}

function monthName(month: string, en: boolean): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (m === null) return month;
  if (!en) return `${m[1]}年${Number(m[2])}月`;
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
    Date.UTC(Number(m[1]), Number(m[2]) - 1, 1),
  );
}

/**
 * A table's cells laid out by one dimension (the categories) and optionally a second (the series). A combination the
 * table does not list counted nothing: it is 0, which is published (zeros say nothing about anyone).
 */
interface Grid {
  readonly categories: readonly string[];
  readonly series: readonly string[];
  cell(category: string, series: string): Pick<StatCell, 'count' | 'suppressed'>;
}

const ZERO = { count: 0, suppressed: false } as const;

function gridOf(
  cells: readonly StatCell[],
  categoryDim: string,
  seriesDim?: string,
  seriesOrder: readonly string[] = [],
): Grid {
  const categories: string[] = [];
  const present = new Set<string>();
  const byKey = new Map<string, StatCell>();
  for (const c of cells) {
    const category = c.key[categoryDim] ?? '';
    const series = seriesDim === undefined ? '' : (c.key[seriesDim] ?? '');
    if (!categories.includes(category)) categories.push(category);
    present.add(series);
    byKey.set(JSON.stringify([category, series]), c);
  }
  const series =
    seriesDim === undefined
      ? ['']
      : [...seriesOrder.filter((s) => present.has(s)), ...[...present].filter((s) => !seriesOrder.includes(s))];
  return {
    categories,
    series,
    cell: (category, s) => byKey.get(JSON.stringify([category, s])) ?? ZERO,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

interface GridChartParameters {
  readonly grid: Grid;
  readonly categoryDim: string;
  readonly seriesDim?: string;
  readonly colours: (series: string) => string;
  /** Long names (services, purposes, licence types) read better as horizontal bars. */
  readonly horizontal: boolean;
  readonly k: number;
  readonly label: (dim: string, value: string) => string;
  readonly t: TFunction;
  readonly lang: string;
}

/**
 * Bars (stacked when there is a second dimension). A hidden cell draws nothing: the tooltip names it, and a category
 * with nothing else to draw is labelled "below k".
 */
function gridOption(p: GridChartParameters): ChartOption {
  const { grid, t } = p;
  const categoryNames = grid.categories.map((c) => p.label(p.categoryDim, c));
  const seriesName = (s: string) =>
    p.seriesDim === undefined ? t('dashboards.column.count') : p.label(p.seriesDim, s);
  const hidden = t('dashboards.suppressed.tooltip', { k: p.k });
  const categoryAxis = {
    type: 'category' as const,
    data: categoryNames,
    // Long names wrap rather than being cut; the tooltip and the data table have them in full too.
    axisLabel: { width: p.horizontal ? 112 : 96, overflow: 'break' as const, hideOverlap: true, lineHeight: 14 },
    ...(p.horizontal ? { inverse: true } : {}),
  };
  const valueAxis = { type: 'value' as const, minInterval: 1 };
  return {
    textStyle: { fontFamily: chartFont(p.lang) },
    animation: false,
    grid: { left: 8, right: 16, top: 16, bottom: 8 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as { dataIndex: number; seriesIndex: number }[];
        const first = list[0];
        if (first === undefined) return '';
        const category = grid.categories[first.dataIndex] ?? '';
        const lines = grid.series.map((s) => {
          const cell = grid.cell(category, s);
          const value = cell.suppressed ? hidden : String(cell.count ?? 0);
          return `${escapeHtml(seriesName(s))}: <b>${escapeHtml(value)}</b>`;
        });
        return [`<b>${escapeHtml(categoryNames[first.dataIndex] ?? '')}</b>`, ...lines].join('<br/>');
      },
    },
    xAxis: p.horizontal ? valueAxis : categoryAxis,
    yAxis: p.horizontal ? categoryAxis : valueAxis,
    series: [
      ...grid.series.map((s) => ({
        type: 'bar' as const,
        name: seriesName(s),
        ...(p.seriesDim === undefined ? {} : { stack: 'total' }),
        barMaxWidth: 36,
        itemStyle: { color: p.colours(s) },
        data: grid.categories.map((c) => {
          const cell = grid.cell(c, s);
          return cell.suppressed ? null : cell.count;
        }),
      })),
      // Where a category has hidden cells and nothing to draw, an empty bar carries the words "below k", so the gap
      // is not read as zero.
      {
        type: 'bar' as const,
        name: hidden,
        silent: true,
        barGap: '-100%',
        barMaxWidth: 36,
        itemStyle: { color: 'transparent' },
        label: {
          show: true,
          position: p.horizontal ? ('right' as const) : ('top' as const),
          color: '#595959',
          formatter: t('dashboards.suppressed.cell', { k: p.k }),
        },
        data: grid.categories.map((c) => {
          const cells = grid.series.map((s) => grid.cell(c, s));
          const drawn = cells.some((x) => !x.suppressed && (x.count ?? 0) > 0);
          return cells.some((x) => x.suppressed) && !drawn ? 0 : null;
        }),
      },
    ],
  };
}

function gridLegend(p: GridChartParameters): LegendItem[] {
  if (p.seriesDim === undefined) return [];
  const dim = p.seriesDim;
  return p.grid.series.map((s) => ({ name: p.label(dim, s), colour: p.colours(s) }));
}

/** The chart's figures in words, for its `aria-label`. */
function describeGrid(p: GridChartParameters, title: string): string {
  const { grid, t } = p;
  const hidden = t('dashboards.suppressed.cell', { k: p.k });
  const value = (cell: Pick<StatCell, 'count' | 'suppressed'>) => (cell.suppressed ? hidden : String(cell.count ?? 0));
  const items = grid.categories.map((c) => {
    const name = p.label(p.categoryDim, c);
    if (p.seriesDim === undefined) return t('dashboards.chart.value', { name, value: value(grid.cell(c, '')) });
    const parts = grid.series.map((s) =>
      t('dashboards.chart.value', { name: p.label(p.seriesDim ?? '', s), value: value(grid.cell(c, s)) }),
    );
    return `${name}: ${parts.join(', ')}`;
  });
  return t('dashboards.chart.description', {
    kind: t(p.seriesDim === undefined ? 'dashboards.chart.bar' : 'dashboards.chart.stacked'),
    title,
    items: items.length === 0 ? t('dashboards.chart.noData') : `${items.join(p.lang === 'en' ? '; ' : '；')}.`,
  });
}

function downloadCsv(fileName: string, text: string): void {
  // `text` starts with a byte-order mark, so Excel reads the file as UTF-8 (Chinese names stay readable).
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function CsvButton({ title, file, csv, testId }: { title: string; file: string; csv: () => string; testId: string }) {
  const { t } = useTranslation();
  return (
    <Button
      size="small"
      icon={<DownloadOutlined />}
      aria-label={t('dashboards.csvLabel', { title })}
      data-testid={`csv-${testId}`}
      onClick={() => downloadCsv(file, csv())}
    >
      {t('dashboards.csv')}
    </Button>
  );
}

function SuppressedNote({ k, count, breached = false }: { k: number; count: number; breached?: boolean }) {
  const { t } = useTranslation();
  if (count === 0) return null;
  return (
    <Typography.Text
      type="secondary"
      style={{ fontSize: 13, display: 'block', marginTop: 8 }}
      data-testid={breached ? 'suppressed-breached-note' : 'suppressed-note'}
    >
      {t(breached ? 'dashboards.suppressed.breachedNote' : 'dashboards.suppressed.note', { k, count })}
    </Typography.Text>
  );
}

function Count({ cell, k }: { cell: Pick<StatCell, 'count' | 'suppressed'>; k: number }) {
  const { t, i18n } = useTranslation();
  if (cell.suppressed) return <Tag data-suppressed="true">{t('dashboards.suppressed.cell', { k })}</Tag>;
  return <>{(cell.count ?? 0).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN')}</>;
}

/** The cells of a table, one row each, as the CSV has them but with names instead of ids. */
function CellsTable({
  cells,
  dims,
  k,
  label,
}: {
  cells: readonly StatCell[];
  dims: readonly { readonly dim: string; readonly as?: string }[];
  k: number;
  label: (dim: string, value: string) => string;
}) {
  const { t } = useTranslation();
  return (
    <Table<StatCell & { i: number }>
      size="small"
      rowKey="i"
      dataSource={cells.map((c, i) => ({ ...c, i }))}
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('dashboards.empty') }}
      columns={[
        ...dims.map(({ dim, as }) => ({
          key: dim,
          title: t(`dashboards.column.${dim}`),
          render: (_: unknown, c: StatCell) => label(as ?? dim, c.key[dim] ?? ''),
        })),
        {
          key: 'count',
          title: t('dashboards.column.count'),
          align: 'right' as const,
          render: (_: unknown, c: StatCell) => <Count cell={c} k={k} />,
        },
      ]}
    />
  );
}

function NoData() {
  const { t } = useTranslation();
  return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('dashboards.empty')} data-testid="no-data" />;
}

function DataTable({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Collapse
      ghost
      size="small"
      style={{ marginTop: 8 }}
      items={[{ key: 'table', label: t('dashboards.showTable'), children }]}
    />
  );
}

/** A card of one published table: a chart, the hidden-cells note, the CSV and the data behind the chart. */
function StatsCard<T>({
  id,
  title,
  lead,
  loaded,
  csv,
  children,
}: {
  id: string;
  title: string;
  lead: string;
  loaded: Loaded<T>;
  csv: (data: T) => { file: string; text: string };
  children: (data: T) => ReactNode;
}) {
  const data = loaded.data;
  return (
    <Card
      title={title}
      data-testid={`card-${id}`}
      style={{ height: '100%' }}
      extra={
        data === undefined ? undefined : (
          <CsvButton title={title} testId={id} file={csv(data).file} csv={() => csv(data).text} />
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {lead}
      </Typography.Paragraph>
      <LoadView loaded={loaded}>{children}</LoadView>
    </Card>
  );
}

interface GridCardParameters {
  readonly id: string;
  readonly title: string;
  readonly lead: string;
  readonly loaded: Loaded<StatsTable>;
  readonly categoryDim: string;
  readonly seriesDim?: string;
  /** The message namespace of the series values when it differs from the dimension (credential statuses). */
  readonly seriesAs?: string;
  readonly colours?: Readonly<Record<string, string>>;
  readonly horizontal: boolean;
  readonly label: (dim: string, value: string) => string;
}

function GridCard(p: GridCardParameters) {
  const { t, i18n } = useTranslation();
  const order = p.colours === undefined ? [] : Object.keys(p.colours);
  const seriesLabelDim = p.seriesAs ?? p.seriesDim;
  return (
    <StatsCard
      id={p.id}
      title={p.title}
      lead={p.lead}
      loaded={p.loaded}
      csv={(table) => ({ file: `${p.id}-h${table.height}.csv`, text: statsToCsv(table) })}
    >
      {(table) => {
        const params: GridChartParameters = {
          grid: gridOf(table.cells, p.categoryDim, p.seriesDim, order),
          categoryDim: p.categoryDim,
          ...(seriesLabelDim === undefined ? {} : { seriesDim: seriesLabelDim }),
          colours: (s) => p.colours?.[s] ?? BLUE,
          horizontal: p.horizontal,
          k: table.k,
          label: p.label,
          t,
          lang: i18n.language,
        };
        const rows = params.grid.categories.length;
        return (
          <>
            {rows === 0 ? (
              <NoData />
            ) : (
              <>
                <ChartLegend items={gridLegend(params)} />
                <Chart
                  option={gridOption(params)}
                  label={describeGrid(params, p.title)}
                  height={p.horizontal ? Math.max(160, 48 + rows * 44) : 300}
                  testId={`chart-${p.id}`}
                />
              </>
            )}
            <SuppressedNote k={table.k} count={table.suppressedCells} />
            <DataTable>
              <CellsTable
                cells={table.cells}
                dims={[
                  { dim: p.categoryDim },
                  ...(p.seriesDim === undefined
                    ? []
                    : [{ dim: p.seriesDim, ...(p.seriesAs === undefined ? {} : { as: p.seriesAs }) }]),
                ]}
                k={table.k}
                label={p.label}
              />
            </DataTable>
          </>
        );
      }}
    </StatsCard>
  );
}

function ProcessingCard({
  loaded,
  label,
}: {
  loaded: Loaded<ProcessingStatsTable>;
  label: (dim: string, value: string) => string;
}) {
  const { t, i18n } = useTranslation();
  const title = t('dashboards.processing.title');
  return (
    <StatsCard
      id="processing"
      title={title}
      lead={t('dashboards.processing.lead')}
      loaded={loaded}
      csv={(table) => ({ file: `processing-by-workflow-h${table.height}.csv`, text: statsToCsv(table) })}
    >
      {(table) => {
        const params: GridChartParameters = {
          grid: gridOf(table.cells, 'workflow', 'bucket', table.buckets),
          categoryDim: 'workflow',
          seriesDim: 'bucket',
          colours: (s) => BUCKETS[s]?.colour ?? BLUE,
          horizontal: true,
          k: table.k,
          label,
          t,
          lang: i18n.language,
        };
        const hiddenBreaches = table.breached.filter((c) => c.suppressed).length;
        return (
          <>
            {params.grid.categories.length === 0 ? (
              <NoData />
            ) : (
              <>
                <ChartLegend items={gridLegend(params)} />
                <Chart
                  option={gridOption(params)}
                  label={describeGrid(params, title)}
                  height={Math.max(160, 48 + params.grid.categories.length * 44)}
                  testId="chart-processing"
                />
              </>
            )}
            <Space direction="vertical" size={4} style={{ width: '100%' }}>
              <SuppressedNote k={table.k} count={table.suppressedCells} />
              <div data-testid="breaches">
                <Typography.Text strong>{t('dashboards.processing.breached')}：</Typography.Text>{' '}
                {table.breached.length === 0 ? (
                  <Typography.Text type="secondary">{t('dashboards.processing.noBreach')}</Typography.Text>
                ) : (
                  <Space size={[4, 4]} wrap>
                    {table.breached.map((c) => (
                      <Tag key={c.key.workflow ?? ''} color={c.suppressed || (c.count ?? 0) === 0 ? 'default' : 'red'}>
                        {label('workflow', c.key.workflow ?? '')} <Count cell={c} k={table.k} />
                      </Tag>
                    ))}
                  </Space>
                )}
              </div>
              <SuppressedNote k={table.k} count={hiddenBreaches} breached />
            </Space>
            <DataTable>
              <CellsTable
                cells={table.cells}
                dims={[{ dim: 'workflow' }, { dim: 'bucket' }]}
                k={table.k}
                label={label}
              />
            </DataTable>
          </>
        );
      }}
    </StatsCard>
  );
}

function ChainCard({ loaded }: { loaded: Loaded<ChainStatsView> }) {
  const { t, i18n } = useTranslation();
  const title = t('dashboards.chain.title');
  return (
    <StatsCard
      id="chain"
      title={title}
      lead={t('dashboards.chain.lead')}
      loaded={loaded}
      csv={(view) => ({ file: `chain-${CHINA_DAYS}-days-h${view.height}.csv`, text: chainStatsToCsv(view) })}
    >
      {(view) => {
        const dates = view.days.map((d) => d.date.slice(5));
        const option: ChartOption = {
          textStyle: { fontFamily: chartFont(i18n.language) },
          animation: false,
          grid: { left: 8, right: 8, top: 36, bottom: 8 },
          tooltip: { trigger: 'axis', confine: true },
          xAxis: { type: 'category', data: dates, axisLabel: { hideOverlap: true } },
          yAxis: [
            { type: 'value', name: t('dashboards.chain.axisTx'), minInterval: 1 },
            { type: 'value', name: t('dashboards.chain.axisBlocks'), minInterval: 1, splitLine: { show: false } },
          ],
          series: [
            {
              type: 'bar',
              name: t('dashboards.chain.ok'),
              stack: 'tx',
              itemStyle: { color: BLUE },
              data: view.days.map((d) => d.ok),
            },
            {
              type: 'bar',
              name: t('dashboards.chain.failed'),
              stack: 'tx',
              itemStyle: { color: RED },
              data: view.days.map((d) => d.failed),
            },
            {
              type: 'line',
              name: t('dashboards.chain.blocks'),
              yAxisIndex: 1,
              itemStyle: { color: AMBER },
              data: view.days.map((d) => d.blocks),
            },
          ],
        };
        const sep = i18n.language === 'en' ? '; ' : '；';
        const items = view.days
          .filter((d) => d.blocks > 0)
          .map(
            (d) =>
              `${d.date}: ${[
                t('dashboards.chart.value', { name: t('dashboards.chain.blocks'), value: d.blocks }),
                t('dashboards.chart.value', { name: t('dashboards.chain.ok'), value: d.ok }),
                t('dashboards.chart.value', { name: t('dashboards.chain.failed'), value: d.failed }),
              ].join(', ')}`,
          );
        const label = t('dashboards.chart.description', {
          kind: t('dashboards.chart.mixed'),
          title,
          items: items.length === 0 ? t('dashboards.chart.noData') : `${items.join(sep)}.`,
        });
        return (
          <>
            <ChartLegend
              items={[
                { name: t('dashboards.chain.ok'), colour: BLUE },
                { name: t('dashboards.chain.failed'), colour: RED },
                { name: t('dashboards.chain.blocks'), colour: AMBER, line: true },
              ]}
            />
            <Chart option={option} label={label} testId="chart-chain" />
            <DataTable>
              <Table
                size="small"
                rowKey="date"
                dataSource={[...view.days].reverse()}
                pagination={{ pageSize: 7, hideOnSinglePage: true }}
                scroll={{ x: 'max-content' }}
                columns={[
                  { key: 'date', title: t('dashboards.column.date'), dataIndex: 'date' },
                  { key: 'blocks', title: t('dashboards.column.blocks'), dataIndex: 'blocks', align: 'right' },
                  { key: 'ok', title: t('dashboards.column.ok'), dataIndex: 'ok', align: 'right' },
                  { key: 'failed', title: t('dashboards.column.failed'), dataIndex: 'failed', align: 'right' },
                ]}
              />
            </DataTable>
          </>
        );
      }}
    </StatsCard>
  );
}

/** A published total: the sum of the published cells only, with how many cells it leaves out. */
function SummaryCard({
  id,
  title,
  table,
  value,
  note,
}: {
  id: string;
  title: string;
  table?: StatsTable | undefined;
  value?: number | undefined;
  note?: string;
}) {
  const { t, i18n } = useTranslation();
  const shown = value ?? table?.publishedTotal;
  const caption =
    note ??
    (table === undefined
      ? ''
      : table.suppressedCells > 0
        ? t('dashboards.summary.hidden', { count: table.suppressedCells, k: table.k })
        : t('dashboards.summary.noneHidden'));
  return (
    <Card size="small" style={{ height: '100%' }} data-testid={`summary-${id}`}>
      <Statistic
        title={title}
        value={shown === undefined ? '—' : shown.toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN')}
        loading={shown === undefined}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {caption}
      </Typography.Text>
    </Card>
  );
}

export function Dashboards() {
  const { t } = useTranslation();
  const [tick, setTick] = useState(0);
  const namesLoaded = useLoad(loadNames, []);
  const names = namesLoaded.data ?? NO_NAMES;
  const label = useLabeller(names);
  const byWorkflow = useLoad(() => getCaseStats(client, ['workflow']), [tick]);
  const byOwner = useLoad(() => getCaseStats(client, ['owner', 'status']), [tick]);
  const byMonth = useLoad(() => getCaseStats(client, ['month']), [tick]);
  const processing = useLoad(() => getProcessingStats(client, ['workflow']), [tick]);
  const chain = useLoad(() => getChainStats(client, { days: CHINA_DAYS }), [tick]);
  const credentials = useLoad(() => getCredentialStats(client, ['type', 'status']), [tick]);
  const access = useLoad(() => getAccessStats(client, ['purpose', 'decision']), [tick]);
  const k = byWorkflow.data?.k ?? 5;
  const asOf = byWorkflow.data;

  return (
    <>
      <PageTitle
        title={t('dashboards.title')}
        extra={
          <Space wrap>
            {asOf !== undefined && (
              <Typography.Text type="secondary" data-testid="as-of">
                {t('dashboards.asOf', { height: asOf.height })} · <TimeText ms={asOf.generatedAt} />
              </Typography.Text>
            )}
            <Button icon={<ReloadOutlined />} onClick={() => setTick((n) => n + 1)}>
              {t('dashboards.refresh')}
            </Button>
          </Space>
        }
      />
      <Typography.Paragraph style={{ maxWidth: 820 }}>{t('dashboards.lead')}</Typography.Paragraph>
      <Typography.Paragraph type="secondary" style={{ maxWidth: 820 }} data-testid="privacy-note">
        {t('dashboards.privacy', { k })}
      </Typography.Paragraph>

      <section aria-label={t('dashboards.summary.label')}>
        <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
          <Col xs={12} md={8} xl={4}>
            <SummaryCard id="cases" title={t('dashboards.summary.cases')} table={byWorkflow.data} />
          </Col>
          <Col xs={12} md={8} xl={4}>
            <SummaryCard id="decided" title={t('dashboards.summary.decided')} table={processing.data} />
          </Col>
          <Col xs={12} md={8} xl={4}>
            <SummaryCard id="credentials" title={t('dashboards.summary.credentials')} table={credentials.data} />
          </Col>
          <Col xs={12} md={8} xl={4}>
            <SummaryCard id="reads" title={t('dashboards.summary.reads')} table={access.data} />
          </Col>
          <Col xs={12} md={8} xl={4}>
            <SummaryCard
              id="blocks"
              title={t('dashboards.summary.blocks')}
              value={chain.data?.totals.blocks}
              note={t('dashboards.summary.notSuppressed')}
            />
          </Col>
          <Col xs={12} md={8} xl={4}>
            <SummaryCard
              id="txs"
              title={t('dashboards.summary.txs')}
              value={chain.data?.totals.transactions}
              note={t('dashboards.summary.notSuppressed')}
            />
          </Col>
        </Row>
      </section>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <GridCard
            id="cases-by-workflow"
            title={t('dashboards.cases.byWorkflow')}
            lead={t('dashboards.cases.byWorkflowLead')}
            loaded={byWorkflow}
            categoryDim="workflow"
            horizontal
            label={label}
          />
        </Col>
        <Col xs={24} xl={12}>
          <GridCard
            id="cases-by-owner"
            title={t('dashboards.cases.byOwner')}
            lead={t('dashboards.cases.byOwnerLead')}
            loaded={byOwner}
            categoryDim="owner"
            seriesDim="status"
            colours={CASE_STATUS}
            horizontal={false}
            label={label}
          />
        </Col>
        <Col xs={24} xl={12}>
          <GridCard
            id="cases-by-month"
            title={t('dashboards.cases.byMonth')}
            lead={t('dashboards.cases.byMonthLead')}
            loaded={byMonth}
            categoryDim="month"
            horizontal={false}
            label={label}
          />
        </Col>
        <Col xs={24} xl={12}>
          <ProcessingCard loaded={processing} label={label} />
        </Col>
        <Col xs={24}>
          <ChainCard loaded={chain} />
        </Col>
        <Col xs={24} xl={12}>
          <GridCard
            id="credentials"
            title={t('dashboards.credentials.title')}
            lead={t('dashboards.credentials.lead')}
            loaded={credentials}
            categoryDim="type"
            seriesDim="status"
            seriesAs="credentialStatus"
            colours={CREDENTIAL_STATUS}
            horizontal
            label={label}
          />
        </Col>
        <Col xs={24} xl={12}>
          <GridCard
            id="access"
            title={t('dashboards.access.title')}
            lead={t('dashboards.access.lead')}
            loaded={access}
            categoryDim="purpose"
            seriesDim="decision"
            colours={DECISION}
            horizontal
            label={label}
          />
        </Col>
      </Row>
    </>
  );
}

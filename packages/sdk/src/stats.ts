/**
 * Published statistics (docs/statistics.md): anonymised counts of approval cases, processing times, reads of
 * personal data and e-licences, with small-cell suppression; and the chain's throughput per day (not about persons,
 * not suppressed). Public routes: no session needed.
 */
import { type ChainStatsView, type ProcessingStatsTable, type StatsTable, statsTableCsv } from '@lianzheng/protocol';

export type { ChainStatsDay, ChainStatsView, ProcessingStatsTable, StatsTable } from '@lianzheng/protocol';

import type { Client } from './actions.js';

export type CaseStatsDim = 'workflow' | 'owner' | 'status' | 'month' | 'breached';
export type ProcessingStatsDim = 'workflow' | 'owner';
export type AccessStatsDim = 'purpose' | 'org' | 'decision';
export type CredentialStatsDim = 'type' | 'org' | 'status' | 'month';

export interface GetChainStatsParameters {
  /** How many days, today last: 1 to 90 (default 14). */
  readonly days?: number;
}
export type GetChainStatsReturnType = ChainStatsView;

function path(route: string, by: readonly string[] | undefined): string {
  return by === undefined ? route : `${route}?by=${encodeURIComponent(by.join(','))}`;
}

/** Cases per combination of `by` (default `workflow`). */
export function getCaseStats(client: Client, by?: readonly CaseStatsDim[]): Promise<StatsTable> {
  return client.transport.request('GET', path('/v1/stats/cases', by));
}

/** Processing times of decided cases per group of `by` (default `workflow`). */
export function getProcessingStats(client: Client, by?: readonly ProcessingStatsDim[]): Promise<ProcessingStatsTable> {
  return client.transport.request('GET', path('/v1/stats/processing', by));
}

/** Reads of personal data per combination of `by` (default `purpose`). */
export function getAccessStats(client: Client, by?: readonly AccessStatsDim[]): Promise<StatsTable> {
  return client.transport.request('GET', path('/v1/stats/access', by));
}

/**
 * E-licences per combination of `by` (default `type`): `status` is `valid`, `suspended`, `revoked`, or `expired` for
 * a licence not revoked whose validity ended before the table's `generatedAt`; `month` is the month of issue, China
 * time.
 */
export function getCredentialStats(client: Client, by?: readonly CredentialStatsDim[]): Promise<StatsTable> {
  return client.transport.request('GET', path('/v1/stats/credentials', by));
}

/** Blocks and committed transactions (ok, failed) per day, China time, over the last `days` days. */
export function getChainStats(client: Client, p: GetChainStatsParameters = {}): Promise<GetChainStatsReturnType> {
  return client.transport.request('GET', p.days === undefined ? '/v1/stats/chain' : `/v1/stats/chain?days=${p.days}`);
}

/** The CSV the node serves for `?format=csv` (docs/statistics.md): UTF-8 with a BOM, CRLF, suppressed counts empty. */
export function statsToCsv(table: StatsTable | ProcessingStatsTable): string {
  return statsTableCsv(table);
}

/**
 * Chain throughput as CSV in the same form as {@link statsToCsv} (UTF-8 with a BOM, CRLF, a header row): one row per
 * day, oldest first — `date,blocks,transactions,ok,failed`. The node has no CSV form of this table; nothing in it is
 * suppressed.
 */
export function chainStatsToCsv(view: ChainStatsView): string {
  const lines = [
    'date,blocks,transactions,ok,failed',
    ...view.days.map((d) => [d.date, d.blocks, d.transactions, d.ok, d.failed].join(',')),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

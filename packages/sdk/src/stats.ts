/**
 * Published statistics (docs/statistics.md): anonymised counts of approval cases, processing times and reads of
 * personal data, with small-cell suppression. Public routes: no session needed.
 */
import { type ProcessingStatsTable, type StatsTable, statsTableCsv } from '@lianzheng/protocol';

export type { ProcessingStatsTable, StatsTable } from '@lianzheng/protocol';

import type { Client } from './actions.js';

export type CaseStatsDim = 'workflow' | 'owner' | 'status' | 'month' | 'breached';
export type ProcessingStatsDim = 'workflow' | 'owner';
export type AccessStatsDim = 'purpose' | 'org' | 'decision';

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

export function statsToCsv(table: StatsTable | ProcessingStatsTable): string {
  return statsTableCsv(table);
}

/**
 * Published statistics (docs/statistics.md): counts of approval cases, processing times, reads of personal data and
 * e-licences, for public dashboards and CSV exports. Public routes — no sign-in — so nothing personal goes in: a case
 * is reduced to its metadata (workflow, version, status, times, whether a deadline was breached, the owning
 * department) before it is counted, access counts come from the `privacy` contract's per-purpose counters (no
 * subject, no record), an e-licence anchor to its type, issuing department, status, validity end and issue time (no
 * holder, no digest, no case), and every cell counting fewer than k (but more than 0) is suppressed
 * (`suppressSmallCells`, k from the consortium configuration). The true total is never published: only the sum of the
 * published cells and how many cells were suppressed, so that no suppressed cell can be recovered by subtraction.
 * The chain's own throughput (`/v1/stats/chain`, `chainStats.ts`) counts blocks and transactions, not persons, and is
 * not suppressed.
 */
import {
  type CredentialAnchor,
  credentialEffectiveStatus,
  PRIVACY_CONTRACT,
  type ProcessingStatsTable,
  privacyConfigOf,
  type StatsTable,
  statsTableCsv,
  suppressSmallCells,
} from '@lianzheng/protocol';
import { type CaseRecord, GOV_CONTRACT, WORKFLOW_CONTRACT, workflowKeys } from '@lianzheng/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChainStats } from '../chainStats.js';
import { nodeError } from '../errors.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import type { CredentialAnchors } from './credentialAnchors.js';
import type { ApiInstance } from './identityRoutes.js';
import { errorResponses } from './schemas.js';
import { stateKeysUnder, stateValueAt } from './stateScan.js';

export const CASE_DIMS = ['workflow', 'owner', 'status', 'month', 'breached'] as const;
export const PROCESSING_DIMS = ['workflow', 'owner'] as const;
export const ACCESS_DIMS = ['purpose', 'org', 'decision'] as const;
export const CREDENTIAL_DIMS = ['type', 'org', 'status', 'month'] as const;
export type CaseDim = (typeof CASE_DIMS)[number];
export type ProcessingDim = (typeof PROCESSING_DIMS)[number];
export type AccessDim = (typeof ACCESS_DIMS)[number];
export type CredentialDim = (typeof CREDENTIAL_DIMS)[number];

/** Processing-time buckets, in order; `[lower, upper)` bounds in hours. */
export const PROCESSING_BUCKETS = ['<1h', '1h–1d', '1–3d', '3–7d', '>7d'] as const;
export type ProcessingBucket = (typeof PROCESSING_BUCKETS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** China Standard Time, UTC+8 all year (no daylight saving). */
const CHINA_OFFSET = 8 * HOUR;

/** The bucket of a processing time (ms); a bound belongs to the bucket above it (exactly 1 h is `1h–1d`). */
export function processingBucket(ms: number): ProcessingBucket {
  if (ms < HOUR) return '<1h';
  if (ms < DAY) return '1h–1d';
  if (ms < 3 * DAY) return '1–3d';
  if (ms < 7 * DAY) return '3–7d';
  return '>7d';
}

/** YYYY-MM of a time (ms since the epoch) in China time. */
export function chinaMonth(time: number): string {
  return new Date(time + CHINA_OFFSET).toISOString().slice(0, 7);
}

/**
 * The dimensions of `?by=`: comma-separated, each one of `allowed`, none twice, none empty; `fallback` when absent.
 * A bad list is a coded 400 naming the field.
 */
export function parseDims<D extends string>(by: string | undefined, allowed: readonly D[], fallback: D): D[] {
  if (by === undefined) return [fallback];
  const bad = (message: string, extra: Record<string, unknown> = {}): never => {
    throw nodeError('REQUEST_MALFORMED', `by: ${message}`, { field: 'by', allowed: [...allowed], ...extra });
  };
  if (by.length === 0) bad(`name at least one dimension (${allowed.join(', ')})`);
  const dims = by.split(',');
  const seen = new Set<string>();
  for (const d of dims) {
    if (d.length === 0) bad('an empty dimension (two commas, or a comma at an end)');
    if (!(allowed as readonly string[]).includes(d)) bad(`unknown dimension ${JSON.stringify(d)}`, { dim: d });
    if (seen.has(d)) bad(`${d} is named twice`, { dim: d });
    seen.add(d);
  }
  return dims as D[];
}

/** Orders cell keys by their values, dimension by dimension (code-unit order: the same on every machine). */
function compareKeys(
  dims: readonly string[],
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
) {
  for (const d of dims) {
    const x = a[d] ?? '';
    const y = b[d] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Counts rows per combination of `dims` (`weight` per row, default 1); cells sorted by key. */
export function countBy<R>(
  rows: Iterable<R>,
  dims: readonly string[],
  dimValue: (row: R, dim: string) => string,
  weight: (row: R) => number = () => 1,
): { key: Record<string, string>; count: number }[] {
  const cells = new Map<string, { key: Record<string, string>; count: number }>();
  for (const row of rows) {
    const key: Record<string, string> = {};
    for (const d of dims) key[d] = dimValue(row, d);
    const id = JSON.stringify(dims.map((d) => key[d]));
    const cell = cells.get(id);
    if (cell === undefined) cells.set(id, { key, count: weight(row) });
    else cell.count += weight(row);
  }
  return [...cells.values()].sort((a, b) => compareKeys(dims, a.key, b.key));
}

export function statsCsv(table: StatsTable | ProcessingStatsTable): string {
  return statsTableCsv(table);
}

/** What statistics may know of a case: no form, no step forms, no history, no applicant. */
interface CaseFacts {
  readonly workflow: string;
  readonly owner: string;
  readonly status: CaseRecord['status'];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly breached: boolean;
}

/** What statistics may know of an e-licence anchor: no holder, digest, seal key, case or history. */
interface CredentialFacts {
  readonly type: string;
  readonly org: string;
  readonly status: CredentialAnchor['status'];
  readonly validUntil: number;
  /** Block time of the issue. */
  readonly time: number;
}

interface AccessCounter {
  readonly purpose: string;
  readonly org: string;
  readonly decision: string;
  readonly count: number;
}

const statsQuery = (dims: readonly string[], fallback: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: {
      by: {
        type: 'string',
        maxLength: 256,
        description: `comma-separated dimensions, each once, from: ${dims.join(', ')} (default ${fallback})`,
      },
      format: {
        enum: ['json', 'csv'],
        description: 'json (default) or csv (UTF-8 with a BOM, suppressed cells empty)',
      },
    },
  }) as const;

type StatsRequest = FastifyRequest<{ Querystring: { by?: string; format?: 'json' | 'csv' } }>;

export function registerStatsRoutes(app: ApiInstance, node: LianzhengNode, anchors: CredentialAnchors): void {
  const tags = ['stats'];
  /** Owners of definitions by `id/version` (a deployed version never changes). */
  const owners = new Map<string, string>();
  /** The scans of the last height asked for: every request at that height reuses them. */
  let cases: { readonly height: number; readonly facts: readonly CaseFacts[] } | undefined;
  let access: { readonly height: number; readonly counters: readonly AccessCounter[] } | undefined;
  let credentials: { readonly height: number; readonly facts: readonly CredentialFacts[] } | undefined;
  const chainStats = new ChainStats(
    {},
    { store: node.store, durableHeight: () => node.ledger.durableHeight, now: () => node.clock.now() },
  );

  const ownerOf = (workflow: string, version: number, height: number): string => {
    const id = `${workflow}/${version}`;
    let owner = owners.get(id);
    if (owner === undefined) {
      const def = stateValueAt(node, GOV_CONTRACT, workflowKeys.definition(workflow, version), height) as {
        owner?: unknown;
      } | null;
      if (typeof def?.owner !== 'string') return '';
      owner = def.owner;
      owners.set(id, owner);
    }
    return owner;
  };

  // The index may list keys of a block that is not durable yet: values are read at the durable height, and keys
  // without a value there are skipped, so each table is exactly the state of one block.
  const caseFacts = (): { height: number; facts: readonly CaseFacts[] } => {
    const height = node.ledger.durableHeight;
    if (cases?.height === height) return cases;
    const facts: CaseFacts[] = [];
    for (const key of stateKeysUnder(node, WORKFLOW_CONTRACT, 'case/')) {
      const c = stateValueAt(node, WORKFLOW_CONTRACT, key, height) as CaseRecord | null;
      if (c === null) continue;
      facts.push({
        workflow: c.workflow,
        owner: ownerOf(c.workflow, c.version, height),
        status: c.status,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        breached: c.breached.length > 0,
      });
    }
    cases = { height, facts };
    return cases;
  };

  const accessCounters = (): { height: number; counters: readonly AccessCounter[] } => {
    const height = node.ledger.durableHeight;
    if (access?.height === height) return access;
    const counters: AccessCounter[] = [];
    for (const key of stateKeysUnder(node, PRIVACY_CONTRACT, 'stats/')) {
      const parts = key.split('/');
      if (parts.length !== 4) continue;
      const count = stateValueAt(node, PRIVACY_CONTRACT, key, height);
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) continue;
      counters.push({ purpose: parts[1]!, org: parts[2]!, decision: parts[3]!, count });
    }
    access = { height, counters };
    return access;
  };

  // The anchors are scanned once per height for this and for the departments' lists (credentialAnchors.ts); each is
  // reduced here to what a statistic may know.
  const credentialFacts = (): { height: number; facts: readonly CredentialFacts[] } => {
    const snapshot = anchors.current();
    if (credentials?.height === snapshot.height) return credentials;
    const facts = snapshot.anchors.map(
      (a): CredentialFacts => ({ type: a.type, org: a.org, status: a.status, validUntil: a.validUntil, time: a.time }),
    );
    credentials = { height: snapshot.height, facts };
    return credentials;
  };

  const k = () => privacyConfigOf(node.consortium.config).kAnonymity;

  const table = (
    by: readonly string[],
    counted: { key: Record<string, string>; count: number }[],
    height: number,
    generatedAt = node.clock.now(),
  ) => ({
    k: k(),
    by,
    ...suppressSmallCells(counted, k()),
    generatedAt,
    height,
  });

  const send = (request: StatsRequest, reply: FastifyReply, result: StatsTable | ProcessingStatsTable) => {
    if (request.query.format !== 'csv') return reply.send(result);
    return reply.header('content-type', 'text/csv; charset=utf-8').send(statsCsv(result));
  };

  const caseValue = (c: CaseFacts, dim: string): string => {
    switch (dim as CaseDim) {
      case 'workflow':
        return c.workflow;
      case 'owner':
        return c.owner;
      case 'status':
        return c.status;
      case 'month':
        return chinaMonth(c.createdAt);
      case 'breached':
        return c.breached ? 'yes' : 'no';
    }
  };

  app.get(
    '/v1/stats/cases',
    {
      schema: {
        tags,
        summary: 'Anonymised counts of approval cases per workflow, owner, status, month (China time) or SLA breach',
        description:
          'Public. Cells counting fewer than k cases (consortium configuration privacy.kAnonymity) are published as ' +
          'null with suppressed: true; publishedTotal is the sum of the published cells only. docs/statistics.md.',
        querystring: statsQuery(CASE_DIMS, 'workflow'),
        response: errorResponses,
      },
    },
    async (request: StatsRequest, reply) => {
      const by = parseDims(request.query.by, CASE_DIMS, 'workflow');
      const { height, facts } = caseFacts();
      return send(request, reply, table(by, countBy(facts, by, caseValue), height));
    },
  );

  app.get(
    '/v1/stats/processing',
    {
      schema: {
        tags,
        summary: 'Anonymised processing times of decided cases (buckets <1h … >7d) and SLA breaches, per group',
        description:
          'Public. Decided cases (approved or rejected), updatedAt − createdAt, counted per group and bucket; each ' +
          'bucket and each breach count is a cell, suppressed below k like any other. docs/statistics.md.',
        querystring: statsQuery(PROCESSING_DIMS, 'workflow'),
        response: errorResponses,
      },
    },
    async (request: StatsRequest, reply) => {
      const by = parseDims(request.query.by, PROCESSING_DIMS, 'workflow');
      const { height, facts } = caseFacts();
      const decided = facts.filter((c) => c.status === 'approved' || c.status === 'rejected');
      const dims = [...by, 'bucket'];
      const idOf = (key: Readonly<Record<string, string>>) => JSON.stringify(dims.map((d) => key[d]));
      const timed = new Map(
        countBy(decided, dims, (c, d) =>
          d === 'bucket' ? processingBucket(c.updatedAt - c.createdAt) : caseValue(c, d),
        ).map((cell) => [idOf(cell.key), cell.count] as const),
      );
      // Every bucket of every group, zeros included, in bucket order: the same rows whatever the figures.
      const cells = countBy(decided, by, caseValue).flatMap((g) =>
        PROCESSING_BUCKETS.map((bucket) => {
          const key = { ...g.key, bucket };
          return { key, count: timed.get(idOf(key)) ?? 0 };
        }),
      );
      const breached = countBy(decided, by, caseValue, (c) => (c.breached ? 1 : 0));
      const result: ProcessingStatsTable = {
        ...table(by, cells, height),
        buckets: PROCESSING_BUCKETS,
        breached: suppressSmallCells(breached, k()).cells,
      };
      return send(request, reply, result);
    },
  );

  app.get(
    '/v1/stats/access',
    {
      schema: {
        tags,
        summary: 'Anonymised counts of reads of personal data per purpose, reading organisation and decision',
        description:
          'Public. From the privacy contract counters stats/<purpose>/<org>/<decision> (no subject, no record); ' +
          'cells below k are suppressed. docs/statistics.md.',
        querystring: statsQuery(ACCESS_DIMS, 'purpose'),
        response: errorResponses,
      },
    },
    async (request: StatsRequest, reply) => {
      const by = parseDims(request.query.by, ACCESS_DIMS, 'purpose');
      const { height, counters } = accessCounters();
      const counted = countBy(
        counters,
        by,
        (c, d) => c[d as AccessDim],
        (c) => c.count,
      );
      return send(request, reply, table(by, counted, height));
    },
  );

  app.get(
    '/v1/stats/credentials',
    {
      schema: {
        tags,
        summary: 'Anonymised counts of e-licences per type, issuing department, status or month of issue (China time)',
        description:
          'Public. From the credential contract anchors (no holder, digest or case); status is valid, suspended, ' +
          'revoked, or expired when the validity ended before generatedAt and the licence is not revoked. Cells ' +
          'below k are suppressed. docs/statistics.md.',
        querystring: statsQuery(CREDENTIAL_DIMS, 'type'),
        response: errorResponses,
      },
    },
    async (request: StatsRequest, reply) => {
      const by = parseDims(request.query.by, CREDENTIAL_DIMS, 'type');
      const { height, facts } = credentialFacts();
      // One time for the expiry of every licence and for generatedAt: the table is the state of one instant.
      const now = node.clock.now();
      const counted = countBy(facts, by, (c, d) => {
        switch (d as CredentialDim) {
          case 'type':
            return c.type;
          case 'org':
            return c.org;
          case 'status':
            return credentialEffectiveStatus(c, now);
          case 'month':
            return chinaMonth(c.time);
        }
      });
      return send(request, reply, table(by, counted, height, now));
    },
  );

  app.get(
    '/v1/stats/chain',
    {
      schema: {
        tags,
        summary: 'Blocks and committed transactions (ok, failed) per day, China time, over the last days',
        description:
          'Public. Counts about the ledger, not about persons: nothing is suppressed. days from 1 to 90 (default ' +
          '14), today (the node clock) last and partial. docs/statistics.md.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            days: { type: 'string', maxLength: 16, description: 'how many days, 1 to 90 (default 14)' },
          },
        },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Querystring: { days?: string } }>) => {
      const { days } = request.query;
      if (days !== undefined && !/^[0-9]+$/.test(days)) {
        throw nodeError('REQUEST_MALFORMED', 'days must be a whole number of days', {
          field: 'days',
          min: 1,
          max: chainStats.opts.maxDays,
        });
      }
      return chainStats.read(days === undefined ? undefined : Number(days));
    },
  );
}

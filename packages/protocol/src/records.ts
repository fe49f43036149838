/**
 * 信息公开 public records (PROTOCOL.md §21): policies, decisions, notices, budgets and reports that departments publish
 * on chain as versioned records. This file holds the shapes and state keys that the `records` system contract writes
 * and that any client (a browser included) reads and verifies. Records are public: nothing personal goes in.
 */
import type { NotaryAlgorithm } from './notaryCertificate.js';

export const RECORDS_CONTRACT = 'records';

/** The role a member needs to publish and withdraw its organisation's records. */
export const PUBLISHER_ROLE = 'publisher';

/** The categories of a record, with their Chinese names. */
export const RECORD_CATEGORIES = {
  policy: '政策文件',
  decision: '决定',
  notice: '通知公告',
  budget: '预决算',
  report: '工作报告',
} as const;

export type RecordCategory = keyof typeof RECORD_CATEGORIES;

export function isRecordCategory(value: unknown): value is RecordCategory {
  return typeof value === 'string' && Object.hasOwn(RECORD_CATEGORIES, value);
}

/** A record id, chosen by the publishing department; unique within the organisation. */
export const RECORD_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** `YYYY-MM-DD`; the date must also exist (checked by `isRecordDate`). */
export const RECORD_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Limits of `records.publish` and `records.withdraw` arguments (lengths of strings in UTF-16 code units). */
export const RECORD_LIMITS = {
  title: 200,
  summary: 1_000,
  /** UTF-8 bytes. */
  bodyBytes: 32 * 1024,
  tags: 10,
  tag: 32,
  attachments: 20,
  attachmentName: 200,
  reason: 500,
} as const;

/** Whether `value` is a `YYYY-MM-DD` date that exists in the proleptic Gregorian calendar. */
export function isRecordDate(value: unknown): value is string {
  if (typeof value !== 'string' || !RECORD_DATE_PATTERN.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** State keys of the `records` contract. */
export const recordKeys = {
  /** The head of a record: what it is now, its latest version, whether it was withdrawn. */
  head: (org: string, id: string) => `${org}/${id}`,
  /** Version `n` (1, 2, …) of a record, never changed once written. */
  version: (org: string, id: string, n: number) => `${org}/${id}/v/${n}`,
};

/** Where a change of a record happened. */
export interface RecordStamp {
  readonly height: number;
  /** Block time, ms since the epoch. */
  readonly time: number;
  readonly txId: string;
}

/** A file of a record, by its digest only (the file stays off chain). */
export interface RecordAttachment {
  readonly name: string;
  readonly alg: NotaryAlgorithm;
  /** 32 bytes, lower-case hex. */
  readonly hash: string;
  /** Bytes. */
  readonly size?: number;
}

/** `records` / `<org>/<id>`. */
export interface RecordHead {
  readonly org: string;
  readonly id: string;
  /** Of the latest version. */
  readonly category: RecordCategory;
  /** Of the latest version. */
  readonly title: string;
  /** Number of the latest version. */
  readonly latest: number;
  /** Publication of version 1. */
  readonly created: RecordStamp;
  /** Publication of the latest version. */
  readonly updated: RecordStamp;
  /** 废止: set once, by `records.withdraw`; the versions stay readable. */
  readonly withdrawn?: RecordStamp & { readonly reason: string; readonly by: string };
}

/** `records` / `<org>/<id>/v/<n>`. */
export interface RecordVersion extends RecordStamp {
  readonly org: string;
  readonly id: string;
  readonly version: number;
  readonly category: RecordCategory;
  readonly title: string;
  readonly summary?: string;
  /** Plain text or Markdown. */
  readonly body: string;
  readonly tags: readonly string[];
  readonly attachments: readonly RecordAttachment[];
  /** 生效日期, `YYYY-MM-DD`. */
  readonly effective?: string;
  /** `<org>/<id>` of a record this one replaces (informative: the other record is not changed). */
  readonly supersedes?: string;
  /** Public key (hex) of the member who published this version. */
  readonly publisher: string;
}

/** An item of `GET /v1/records`: a record as its latest version shows it. */
export interface RecordSummary {
  readonly org: string;
  readonly id: string;
  /** Number of the latest version. */
  readonly version: number;
  readonly category: RecordCategory;
  readonly title: string;
  readonly summary?: string;
  readonly tags: readonly string[];
  readonly effective?: string;
  /** Time of the latest version, ms since the epoch. */
  readonly publishedAt: number;
  /** Time of version 1. */
  readonly createdAt: number;
  /** Height of the latest version. */
  readonly height: number;
  readonly withdrawn: boolean;
}

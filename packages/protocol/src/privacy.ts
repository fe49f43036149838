/**
 * Personal data (PROTOCOL.md §19, docs/privacy.md): what the chain holds about a personal record kept off chain — a
 * salted commitment, its category, the owner's pseudonymous subject id, the owning organisation and who may read it
 * for which purpose — the purpose catalogue of the consortium configuration, the access-log entries every read leaves
 * on chain, citizens' consents and erasures, and small-cell suppression for published statistics.
 */
import { bytesToHex } from './bytes.js';
import { canonicalize, type JsonValue } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { HashTag } from './hash.js';
import { ORG_ID_PATTERN } from './ids.js';
import { ROLE_PATTERN } from './policy.js';
import type { CryptoSuite } from './suite.js';

export const PRIVACY_CONTRACT = 'privacy';

/** A text in both languages of the UI. */
export interface BilingualText {
  readonly zh: string;
  readonly en: string;
}

export interface PrivacyCategory {
  /** e.g. `identity`, `household`. */
  readonly id: string;
  readonly title: BilingualText;
}

/** An entry of the purpose catalogue: why personal data may be read, on which legal basis, what and by whom. */
export interface PrivacyPurpose {
  readonly id: string;
  readonly title: BilingualText;
  /** The law or the consent that makes the processing lawful (PIPL Art. 13). */
  readonly legalBasis: BilingualText;
  /** Categories this purpose may read. */
  readonly categories: readonly string[];
  /** Roles that may read for this purpose; absent: any member role. */
  readonly roles?: readonly string[];
  /**
   * The read must name a case (`workflow`) that refers to the record, and the reader must have taken part in it or
   * hold its current task.
   */
  readonly case?: boolean;
  /** Only a citizen's consent can allow reads for this purpose (the record's own policy never does). */
  readonly consentOnly?: boolean;
}

/** The `privacy` section of the consortium configuration. */
export interface PrivacyConfig {
  readonly categories: readonly PrivacyCategory[];
  readonly purposes: readonly PrivacyPurpose[];
  /** Published statistics suppress every cell counting fewer than k people or cases. */
  readonly kAnonymity: number;
}

export const PURPOSE_ID_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;
export const CATEGORY_ID_PATTERN = PURPOSE_ID_PATTERN;
/** A commitment (and so a record id): 32 bytes of hex. */
export const COMMITMENT_PATTERN = /^[0-9a-f]{64}$/;
/** Salt of a commitment: hex, at least 16 bytes (128 bits) and at most 64. */
export const SALT_PATTERN = /^(?:[0-9a-f]{2}){16,64}$/;
/** Largest canonical JSON of a personal value (the record's plain content). */
export const MAX_PERSONAL_VALUE_BYTES = 64 * 1024;
/** Purposes a citizen reading their own data uses; not in the catalogue, always allowed to the record's subject. */
export const SELF_ACCESS_PURPOSE = 'self-access';

const t = (zh: string, en: string): BilingualText => ({ zh, en });

/** The catalogue when the configuration has no `privacy` section. */
export const defaultPrivacyConfig: PrivacyConfig = {
  categories: [
    { id: 'identity', title: t('身份信息（姓名、证件号码）', 'Identity (name, ID number)') },
    { id: 'contact', title: t('联系方式与住址', 'Contact details and address') },
    { id: 'household', title: t('户籍信息', 'Household registration') },
    { id: 'birth', title: t('出生医学信息', 'Birth and medical details') },
    { id: 'property', title: t('不动产权属信息', 'Real-estate ownership') },
    { id: 'financial', title: t('收入与纳税信息', 'Income and tax') },
  ],
  purposes: [
    {
      id: 'case-handling',
      title: t('办理本人申请的事项', 'Handling the person’s own application'),
      legalBasis: t(
        '《个人信息保护法》第十三条第一款第（三）项：履行法定职责所必需',
        'PIPL Art. 13(1)(3): necessary to perform a statutory duty',
      ),
      categories: ['identity', 'contact', 'household', 'birth', 'property', 'financial'],
      case: true,
    },
    {
      id: 'household-administration',
      title: t('户籍管理', 'Household registration administration'),
      legalBasis: t('《中华人民共和国户口登记条例》', 'Household Registration Regulations of the PRC'),
      categories: ['identity', 'household', 'birth', 'contact'],
      roles: ['household-officer', 'registrar'],
    },
    {
      id: 'tax-administration',
      title: t('税收征管', 'Tax administration'),
      legalBasis: t('《中华人民共和国税收征收管理法》', 'Law of the PRC on the Administration of Tax Collection'),
      categories: ['identity', 'property', 'financial'],
      roles: ['tax-officer'],
    },
    {
      id: 'audit',
      title: t('审计监督', 'Audit'),
      legalBasis: t('《中华人民共和国审计法》', 'Audit Law of the PRC'),
      categories: ['identity', 'contact', 'household', 'birth', 'property', 'financial'],
      roles: ['auditor'],
    },
    {
      id: 'consented-service',
      title: t('经本人授权的服务', 'A service the person authorised'),
      legalBasis: t(
        '《个人信息保护法》第十三条第一款第（一）项：取得个人的同意',
        'PIPL Art. 13(1)(1): the person’s consent',
      ),
      categories: ['identity', 'contact', 'household', 'birth', 'property', 'financial'],
      consentOnly: true,
    },
  ],
  kAnonymity: 5,
};

function invalid(field: string, message: string): never {
  throw protocolError('CONSORTIUM_CONFIG_INVALID', `${field}: ${message}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function only(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) invalid(`${field}.${key}`, 'unknown field');
}

/** Checks a `{ zh, en }` text of a configuration section (each 1–256 characters). */
export function assertBilingualText(value: unknown, field: string): void {
  if (!isRecord(value)) invalid(field, 'must be { zh, en }');
  only(value, field, ['zh', 'en']);
  for (const lang of ['zh', 'en'] as const) {
    const v = value[lang];
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
      invalid(`${field}.${lang}`, 'must be 1–256 characters');
  }
}

function idList(value: unknown, field: string, pattern: RegExp, known?: ReadonlySet<string>): void {
  if (!Array.isArray(value) || value.length === 0 || value.length > 64) invalid(field, 'must list 1–64 ids');
  if (new Set(value).size !== value.length) invalid(field, 'lists an id twice');
  for (const v of value) {
    if (typeof v !== 'string' || !pattern.test(v)) invalid(field, `${String(v)} is malformed`);
    if (known !== undefined && !known.has(v)) invalid(field, `${v} is not a category of the catalogue`);
  }
}

/** Validates the `privacy` section of a configuration. */
export function assertPrivacyConfig(value: unknown, field = 'privacy'): PrivacyConfig {
  if (!isRecord(value)) invalid(field, 'must be { categories, purposes, kAnonymity }');
  only(value, field, ['categories', 'purposes', 'kAnonymity']);
  if (!Array.isArray(value.categories) || value.categories.length === 0 || value.categories.length > 64) {
    invalid(`${field}.categories`, 'must list 1–64 categories');
  }
  const categories = new Set<string>();
  value.categories.forEach((c: unknown, i: number) => {
    const f = `${field}.categories[${i}]`;
    if (!isRecord(c)) invalid(f, 'must be { id, title }');
    only(c, f, ['id', 'title']);
    if (typeof c.id !== 'string' || !CATEGORY_ID_PATTERN.test(c.id)) invalid(`${f}.id`, 'malformed');
    if (categories.has(c.id)) invalid(`${f}.id`, `duplicate category ${c.id}`);
    categories.add(c.id);
    assertBilingualText(c.title, `${f}.title`);
  });
  if (!Array.isArray(value.purposes) || value.purposes.length === 0 || value.purposes.length > 128) {
    invalid(`${field}.purposes`, 'must list 1–128 purposes');
  }
  const purposes = new Set<string>();
  value.purposes.forEach((p: unknown, i: number) => {
    const f = `${field}.purposes[${i}]`;
    if (!isRecord(p)) invalid(f, 'must be an object');
    only(p, f, ['id', 'title', 'legalBasis', 'categories', 'roles', 'case', 'consentOnly']);
    if (typeof p.id !== 'string' || !PURPOSE_ID_PATTERN.test(p.id) || p.id === SELF_ACCESS_PURPOSE) {
      invalid(`${f}.id`, `malformed or reserved (${SELF_ACCESS_PURPOSE})`);
    }
    if (purposes.has(p.id)) invalid(`${f}.id`, `duplicate purpose ${p.id}`);
    purposes.add(p.id);
    assertBilingualText(p.title, `${f}.title`);
    assertBilingualText(p.legalBasis, `${f}.legalBasis`);
    idList(p.categories, `${f}.categories`, CATEGORY_ID_PATTERN, categories);
    if (p.roles !== undefined) idList(p.roles, `${f}.roles`, ROLE_PATTERN);
    if (p.case !== undefined && typeof p.case !== 'boolean') invalid(`${f}.case`, 'must be true or false');
    if (p.consentOnly !== undefined && typeof p.consentOnly !== 'boolean') {
      invalid(`${f}.consentOnly`, 'must be true or false');
    }
  });
  const k = value.kAnonymity;
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 2 || k > 1000) {
    invalid(`${field}.kAnonymity`, 'must be an integer in 2…1000');
  }
  return value as unknown as PrivacyConfig;
}

/** The configuration's privacy section, or the default catalogue. */
export function privacyConfigOf(config: { readonly privacy?: PrivacyConfig }): PrivacyConfig {
  return config.privacy ?? defaultPrivacyConfig;
}

export function purposeOf(config: PrivacyConfig, id: string): PrivacyPurpose | undefined {
  return config.purposes.find((p) => p.id === id);
}

/**
 * The commitment to a personal value: hex of TH("lianzheng/personal", JCS({ salt, value })). `value` is a string (one
 * field) or any JSON value (a whole record); `salt` is hex of at least 16 random bytes, kept secret with the value.
 * The commitment is also the record's id on chain.
 */
export function commitPersonal(suite: CryptoSuite, value: JsonValue, salt: string): string {
  return bytesToHex(suite.taggedText(HashTag.personal, canonicalize({ salt, value })));
}

/** Who may read a record for which purposes: members of `org` (holding one of `roles`, when given). */
export interface RecordReader {
  readonly org: string;
  readonly roles?: readonly string[];
  readonly purposes: readonly string[];
}

export const MAX_RECORD_READERS = 32;

/** Checks a record's access policy (shape only; organisations and purposes are checked against the configuration). */
export function assertRecordPolicy(value: unknown, field = 'args.policy'): readonly RecordReader[] {
  const bad = (f: string, m: string): never => {
    throw protocolError('PRIVATE_RECORD_INVALID', `${f} ${m}`, { field: f });
  };
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RECORD_READERS) {
    bad(field, `must list 1–${MAX_RECORD_READERS} readers`);
  }
  (value as unknown[]).forEach((r, i) => {
    const f = `${field}[${i}]`;
    if (!isRecord(r)) bad(f, 'must be { org, roles?, purposes }');
    for (const key of Object.keys(r as object)) {
      if (!['org', 'roles', 'purposes'].includes(key)) bad(`${f}.${key}`, 'is not a field of a reader');
    }
    const reader = r as Record<string, unknown>;
    if (typeof reader.org !== 'string' || !ORG_ID_PATTERN.test(reader.org))
      bad(`${f}.org`, 'must be an organisation id');
    const list = (v: unknown, lf: string, pattern: RegExp) => {
      if (!Array.isArray(v) || v.length === 0 || v.length > 32 || new Set(v).size !== v.length) {
        bad(lf, 'must list 1–32 distinct ids');
      }
      for (const x of v as unknown[]) if (typeof x !== 'string' || !pattern.test(x)) bad(lf, `has a malformed id`);
    };
    if (reader.roles !== undefined) list(reader.roles, `${f}.roles`, ROLE_PATTERN);
    list(reader.purposes, `${f}.purposes`, PURPOSE_ID_PATTERN);
  });
  return value as readonly RecordReader[];
}

/** A record as the chain knows it (`privacy` / `record/<id>`); the content stays in the nodes' private-data stores. */
export interface PrivateRecord {
  /** The commitment, also the record's id. */
  readonly id: string;
  readonly category: string;
  /** Pseudonymous subject id of the person the record is about. */
  readonly subject: string;
  /** Organisation that holds the record and answers for it. */
  readonly org: string;
  readonly policy: readonly RecordReader[];
  /** Key that registered it. */
  readonly registrant: string;
  readonly tx: string;
  readonly height: number;
  readonly time: number;
  readonly status: 'active' | 'erased';
  readonly erasure?: ErasureRecord;
}

export interface ErasureRecord {
  readonly requestedBy: string;
  readonly requestTx: string;
  readonly requestedAt: number;
  readonly reason?: string;
  readonly approvedBy?: string;
  readonly approvalTx?: string;
  /** Height from which the record is erased. */
  readonly erasedAt?: number;
}

/** Outcome codes of a read, as recorded (`denied` entries name why). */
export type AccessDecision = 'allowed' | 'denied';

/** One read of a personal record, as recorded on chain (`privacy` / `access/<subject>/<height>/<tx>`). */
export interface AccessEntry {
  readonly tx: string;
  readonly height: number;
  readonly time: number;
  readonly record: string;
  readonly category: string;
  readonly subject: string;
  /** The reader's key, organisation, member id, roles. */
  readonly reader: {
    readonly key: string;
    readonly kind: string;
    readonly org?: string;
    readonly member?: string;
    readonly roles: readonly string[];
  };
  readonly purpose: string;
  /** The case the read was for (`workflow` case id), when given. */
  readonly case?: string;
  /** Free text the reader gave (no personal data), e.g. a file number. */
  readonly reference?: string;
  readonly decision: AccessDecision;
  /** What allowed it: the record's policy, a consent (id), or the subject's own access. */
  readonly basis?: 'policy' | 'consent' | 'self';
  readonly consent?: string;
  /** Why it was denied: an error code of docs/errors.md. */
  readonly code?: string;
}

/** A citizen's authorisation for an organisation to read for a purpose (`privacy` / `consent/<subject>/<id>`). */
export interface Consent {
  readonly id: string;
  readonly subject: string;
  readonly org: string;
  readonly purpose: string;
  /** Only this category (else every category the purpose allows). */
  readonly category?: string;
  /** Only this record. */
  readonly record?: string;
  readonly grantedAt: number;
  readonly tx: string;
  /** Block time after which it lapses, ms. */
  readonly until?: number;
  /** Height from which it no longer allows reads. */
  readonly revokedAt?: number;
  readonly revokeTx?: string;
}

/** State keys of the `privacy` contract. Heights are zero-padded to 12 digits so that keys sort by height. */
export const privacyKeys = {
  record: (id: string) => `record/${id}`,
  /** An empty marker per record of a subject, for the citizen's listings. */
  subjectRecord: (subject: string, id: string) => `subject/${subject}/${id}`,
  access: (subject: string, height: number, tx: string) => `access/${subject}/${pad12(height)}/${tx}`,
  accessPrefix: (subject: string) => `access/${subject}/`,
  consent: (subject: string, id: string) => `consent/${subject}/${id}`,
  consentPrefix: (subject: string) => `consent/${subject}/`,
  /** Counters for statistics: reads per purpose, organisation and decision (no subject, no record). */
  stats: (purpose: string, org: string, decision: AccessDecision) => `stats/${purpose}/${org}/${decision}`,
} as const;

function pad12(n: number): string {
  return n.toString().padStart(12, '0');
}

/** A cell of a published table: its dimensions and a count, or `null` where the count was below k. */
export interface StatCell {
  readonly key: Readonly<Record<string, string>>;
  readonly count: number | null;
  readonly suppressed: boolean;
}

/** A published table (`/v1/stats/*`): cells below k are `null` with `suppressed: true`; never the true total. */
export interface StatsTable {
  readonly k: number;
  /** The dimensions of `cells[].key` (and, for processing times, `bucket`). */
  readonly by: readonly string[];
  readonly cells: readonly StatCell[];
  /** Sum of the published cells only. */
  readonly publishedTotal: number;
  readonly suppressedCells: number;
  /** ms since the epoch. */
  readonly generatedAt: number;
  /** The durable block the figures were read at. */
  readonly height: number;
}

/** Processing times: cell keys add `bucket` (`<1h`, `1h–1d`, `1–3d`, `3–7d`, `>7d`); `breached` per group. */
export interface ProcessingStatsTable extends StatsTable {
  readonly buckets: readonly string[];
  /** Suppressed like the other cells; not part of `publishedTotal` (these cases are also counted in a bucket). */
  readonly breached: readonly StatCell[];
}

/**
 * Small-cell suppression: every cell counting fewer than `k` (but more than 0) is replaced by `null`, and so is the
 * total of the table when fewer than k suppressed cells could otherwise be recovered from it by subtraction — here
 * totals are reported only as the sum of the published cells plus how many cells were suppressed.
 */
export function suppressSmallCells(
  cells: readonly { readonly key: Readonly<Record<string, string>>; readonly count: number }[],
  k: number,
): { readonly cells: readonly StatCell[]; readonly publishedTotal: number; readonly suppressedCells: number } {
  if (!Number.isSafeInteger(k) || k < 1) throw protocolError('ARGS_INVALID_K', 'k must be a positive integer');
  let publishedTotal = 0;
  let suppressedCells = 0;
  const out = cells.map((c) => {
    if (c.count > 0 && c.count < k) {
      suppressedCells++;
      return { key: c.key, count: null, suppressed: true };
    }
    publishedTotal += c.count;
    return { key: c.key, count: c.count, suppressed: false };
  });
  return { cells: out, publishedTotal, suppressedCells };
}

function csvField(value: string): string {
  // A leading = + - @ makes a spreadsheet read the cell as a formula.
  const v = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * CSV of a published table (RFC 4180, CRLF, UTF-8 with a BOM so that Excel reads Chinese): a header row with the
 * dimensions (and `bucket` when the table has processing-time breaches) and `count`, a row per cell, suppressed counts
 * left empty; breach counts follow as rows whose bucket is `breached` (docs/statistics.md).
 */
export function statsTableCsv(table: {
  readonly by: readonly string[];
  readonly cells: readonly StatCell[];
  readonly breached?: readonly StatCell[];
}): string {
  const processing = table.breached !== undefined;
  const columns = processing ? [...table.by, 'bucket'] : [...table.by];
  const row = (cell: StatCell, bucket?: string) =>
    [
      ...columns.map((c) => csvField(c === 'bucket' && bucket !== undefined ? bucket : (cell.key[c] ?? ''))),
      cell.count === null ? '' : String(cell.count),
    ].join(',');
  const lines = [[...columns, 'count'].map(csvField).join(','), ...table.cells.map((c) => row(c))];
  if (table.breached !== undefined) lines.push(...table.breached.map((c) => row(c, 'breached')));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

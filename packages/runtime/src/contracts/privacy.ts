/**
 * `privacy`: personal records kept off chain, purpose-bound reads, citizens' consents and erasure (PIPL), a system
 * contract. The chain holds each record's commitment, category, subject, owning organisation and access policy; the
 * content lives encrypted in the private-data stores of the nodes allowed to hold it (packages/node/src/privateStore.ts).
 * Every read is a transaction of this contract: the decision (allowed or denied, and why) is taken here, the same on
 * every node, and recorded under the subject, so that the citizen can list and prove who read their data and why.
 * PROTOCOL.md §19, docs/privacy.md.
 */
import {
  type AccessEntry,
  assertRecordPolicy,
  CATEGORY_ID_PATTERN,
  COMMITMENT_PATTERN,
  type Consent,
  CREDENTIAL_CONTRACT,
  type CredentialEntitlement,
  credentialKeys,
  entitlementKey,
  IDENTITY_CONTRACT,
  ISSUER_ROLE,
  identityKeys,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  ORG_ID_PATTERN,
  type Principal,
  type PrivacyConfig,
  type PrivacyPurpose,
  type PrivateRecord,
  PURPOSE_ID_PATTERN,
  privacyConfigOf,
  privacyKeys,
  purposeOf,
  type RecordReader,
  SELF_ACCESS_PURPOSE,
  SUBJECT_ID_PATTERN,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import {
  argOptionalInt,
  argOptionalString,
  argString,
  argsObject,
  type CallContext,
  type StateReader,
  type SystemContract,
} from './contract.js';
import { type CaseRecord, definitionOf, taskFor, WORKFLOW_CONTRACT, workflowKeys } from './workflow.js';

export const PRIVACY_CONTRACT_NAME = 'privacy';

/** Most consents one subject may hold for one organisation and purpose (revoked ones included). */
const MAX_CONSENTS_PER_PAIR = 16;

/** Consent ids of a subject for an organisation and purpose, newest last: the key the read decision looks up. */
const consentIndexKey = (subject: string, org: string, purpose: string) => `consents/${subject}/${org}/${purpose}`;

export interface RegisterArgs {
  readonly commitment: string;
  readonly category: string;
  readonly subject: string;
  readonly org?: string;
  readonly policy: readonly RecordReader[];
}

export interface ReadArgs {
  readonly record: string;
  readonly purpose: string;
  readonly case?: string;
  readonly reference?: string;
}

export interface GrantArgs {
  readonly org: string;
  readonly purpose: string;
  readonly category?: string;
  readonly record?: string;
  readonly until?: number;
}

function recordOf(state: StateReader, id: string): PrivateRecord {
  const r = state.readOther(PRIVACY_CONTRACT_NAME, privacyKeys.record(id)) as PrivateRecord | null;
  if (r === null) throw runtimeError('PRIVATE_RECORD_UNKNOWN', 'no personal record has this id', { record: id });
  return r;
}

function catalogue(ctx: { readonly config: { readonly config: { readonly privacy?: PrivacyConfig } } }): PrivacyConfig {
  return privacyConfigOf(ctx.config.config);
}

function purposeIn(config: PrivacyConfig, id: string): PrivacyPurpose {
  const p = purposeOf(config, id);
  if (p === undefined)
    throw runtimeError('PRIVACY_PURPOSE_UNKNOWN', `${id} is not a purpose of the catalogue`, { purpose: id });
  return p;
}

function commitmentArg(args: JsonObject, field: string): string {
  return argString(args, field, { min: 64, max: 64, pattern: COMMITMENT_PATTERN });
}

function protocolToArgs<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LianzhengError) {
      throw runtimeError('ARGS_INVALID', e.message, { ...(e.details ?? {}) });
    }
    throw e;
  }
}

/** Why a read is denied, or what allows it. Pure over the state: every node takes the same decision. */
export function decideRead(
  ctx: StateReader & { readonly height: number; readonly time: number; readonly config: CallContext['config'] },
  who: Principal,
  record: PrivateRecord,
  args: ReadArgs,
): { readonly basis: 'policy' | 'consent' | 'self'; readonly consent?: string } | { readonly code: string } {
  if (record.status === 'erased') return { code: 'PRIVATE_RECORD_ERASED' };
  if (args.purpose === SELF_ACCESS_PURPOSE) {
    return who.subject !== undefined && who.subject === record.subject
      ? { basis: 'self' }
      : { code: 'PRIVACY_NOT_SUBJECT' };
  }
  const config = catalogue(ctx);
  const purpose = purposeOf(config, args.purpose);
  if (purpose === undefined) return { code: 'PRIVACY_PURPOSE_UNKNOWN' };
  if (!purpose.categories.includes(record.category)) return { code: 'PRIVACY_PURPOSE_CATEGORY' };
  if (who.kind !== 'member' || who.org === undefined) return { code: 'PRIVACY_READER_NOT_MEMBER' };
  if (purpose.roles !== undefined && !purpose.roles.some((r) => who.roles.includes(r))) {
    return { code: 'PRIVACY_ROLE_DENIED' };
  }
  if (purpose.case === true && !caseAllows(ctx, who, record.id, args.case)) return { code: 'PRIVACY_CASE_MISMATCH' };
  const byPolicy =
    purpose.consentOnly !== true &&
    record.policy.some(
      (r) =>
        r.org === who.org &&
        r.purposes.includes(purpose.id) &&
        (r.roles === undefined || r.roles.some((role) => who.roles.includes(role))),
    );
  if (byPolicy) return { basis: 'policy' };
  const ids = (ctx.readOther(PRIVACY_CONTRACT_NAME, consentIndexKey(record.subject, who.org, purpose.id)) ??
    []) as string[];
  let lapsed: string | undefined;
  for (let i = ids.length - 1; i >= 0; i--) {
    const c = ctx.readOther(PRIVACY_CONTRACT_NAME, privacyKeys.consent(record.subject, ids[i]!)) as Consent | null;
    if (c === null) continue;
    if (c.category !== undefined && c.category !== record.category) continue;
    if (c.record !== undefined && c.record !== record.id) continue;
    if (c.revokedAt !== undefined && c.revokedAt <= ctx.height) {
      lapsed ??= 'PRIVACY_CONSENT_REVOKED';
      continue;
    }
    if (c.until !== undefined && c.until < ctx.time) {
      lapsed ??= 'PRIVACY_CONSENT_EXPIRED';
      continue;
    }
    return { basis: 'consent', consent: c.id };
  }
  return { code: lapsed ?? 'PRIVACY_POLICY_DENIED' };
}

/**
 * A read for a case: the case exists, one of its forms holds the record's commitment, and the reader is its applicant,
 * has acted on it, or holds its current task.
 */
function caseAllows(
  ctx: StateReader & { readonly height: number; readonly time: number; readonly config: CallContext['config'] },
  who: Principal,
  record: string,
  caseId: string | undefined,
): boolean {
  if (caseId === undefined) return false;
  const c = ctx.readOther(WORKFLOW_CONTRACT, workflowKeys.case(caseId)) as CaseRecord | null;
  if (c === null) return false;
  const forms: JsonValue[] = [c.form, ...Object.values(c.steps)];
  if (!forms.some((f) => holds(f, record))) return false;
  if (c.applicant.key === who.key || c.history.some((h) => h.actor.key === who.key)) return true;
  if (sealMayRead(ctx, who, record, caseId)) return true;
  try {
    const def = definitionOf(ctx, c.workflow, c.version);
    return taskFor(who, ctx.config.policyOrgs, def, c, ctx) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The issuing department's seal reads the personal claims of a credential the case entitles its applicant to, until
 * that credential is anchored (PROTOCOL.md §20.8).
 */
function sealMayRead(ctx: StateReader, who: Principal, record: string, caseId: string): boolean {
  if (who.org === undefined || !who.roles.includes(ISSUER_ROLE)) return false;
  const e = ctx.readOther(WORKFLOW_CONTRACT, entitlementKey(caseId)) as CredentialEntitlement | null;
  if (e === null || e.org !== who.org) return false;
  if (ctx.readOther(CREDENTIAL_CONTRACT, credentialKeys.byCase(caseId)) !== null) return false;
  return Object.values(e.personal).some((claim) => claim.record === record);
}

function holds(value: JsonValue, needle: string): boolean {
  if (typeof value === 'string') return value === needle;
  if (Array.isArray(value)) return value.some((v) => holds(v, needle));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => holds(v, needle));
  return false;
}

function readerOf(p: Principal): AccessEntry['reader'] {
  return {
    key: p.key,
    kind: p.kind,
    ...(p.org === undefined ? {} : { org: p.org }),
    ...(p.member === undefined ? {} : { member: p.member }),
    roles: [...p.roles],
  };
}

function bump(ctx: CallContext, key: string): void {
  const n = (ctx.get(key) as number | null) ?? 0;
  ctx.put(key, n + 1);
}

export const privacyContract: SystemContract = {
  name: PRIVACY_CONTRACT_NAME,
  methods: {
    /**
     * Registers a personal record: its commitment (also its id), category, subject, owning organisation and who may
     * read it for which purposes. A member registers for their own organisation; a citizen or enterprise registers
     * their own data, naming the organisation it is for.
     */
    register: {
      parseArgs(args): RegisterArgs {
        argsObject(args, ['commitment', 'category', 'subject', 'org', 'policy']);
        const org = argOptionalString(args, 'org', 32);
        if (org !== undefined && !ORG_ID_PATTERN.test(org)) {
          throw runtimeError('ARGS_INVALID', 'args.org must be an organisation id', { field: 'args.org' });
        }
        return {
          commitment: commitmentArg(args, 'commitment'),
          category: argString(args, 'category', { max: 48, pattern: CATEGORY_ID_PATTERN }),
          subject: argString(args, 'subject', { min: 32, max: 32, pattern: SUBJECT_ID_PATTERN }),
          ...(org === undefined ? {} : { org }),
          policy: protocolToArgs(() => assertRecordPolicy(args.policy)),
        };
      },
      object: (_ctx, args: RegisterArgs) => ({
        ...(args.org === undefined ? {} : { org: args.org }),
        subject: args.subject,
      }),
      execute(ctx, args: RegisterArgs) {
        const config = catalogue(ctx);
        if (!config.categories.some((c) => c.id === args.category)) {
          throw runtimeError('PRIVACY_CATEGORY_UNKNOWN', `${args.category} is not a category of the catalogue`, {
            category: args.category,
          });
        }
        const p = ctx.principal;
        let org: string;
        if (p.kind === 'member') {
          if (args.org !== undefined && args.org !== p.org) {
            throw runtimeError('POLICY_DENIED', 'a member registers records for their own organisation only', {
              field: 'args.org',
            });
          }
          org = p.org!;
        } else {
          if (p.subject !== args.subject) {
            throw runtimeError('PRIVACY_NOT_SUBJECT', 'a citizen or enterprise registers only its own data', {
              field: 'args.subject',
            });
          }
          if (args.org === undefined) {
            throw runtimeError('ARGS_INVALID', 'args.org: name the organisation the record is for', {
              field: 'args.org',
            });
          }
          org = args.org;
        }
        if (!ctx.config.orgs.has(org)) throw runtimeError('ORG_UNKNOWN', `no organisation ${org}`, { org });
        if (ctx.readOther(IDENTITY_CONTRACT, identityKeys.subject(args.subject)) === null) {
          throw runtimeError('SUBJECT_UNKNOWN', 'no citizen or enterprise has this subject id', {
            subject: args.subject,
          });
        }
        args.policy.forEach((r, i) => {
          if (!ctx.config.orgs.has(r.org)) {
            throw runtimeError('ORG_UNKNOWN', `no organisation ${r.org}`, { field: `args.policy[${i}].org` });
          }
          for (const id of r.purposes) {
            const purpose = purposeIn(config, id);
            if (!purpose.categories.includes(args.category)) {
              throw runtimeError('PRIVACY_PURPOSE_CATEGORY', `purpose ${id} may not read ${args.category} data`, {
                field: `args.policy[${i}].purposes`,
              });
            }
          }
        });
        const key = privacyKeys.record(args.commitment);
        if (ctx.get(key) !== null) {
          throw runtimeError('PRIVATE_RECORD_EXISTS', 'a record with this commitment is already registered', {
            record: args.commitment,
          });
        }
        const record: PrivateRecord = {
          id: args.commitment,
          category: args.category,
          subject: args.subject,
          org,
          policy: args.policy,
          registrant: ctx.signer,
          tx: ctx.txId,
          height: ctx.height,
          time: ctx.time,
          status: 'active',
        };
        ctx.put(key, record as unknown as JsonObject);
        ctx.put(privacyKeys.subjectRecord(args.subject, args.commitment), {});
        ctx.emit('recordRegistered', {
          record: args.commitment,
          category: args.category,
          org,
          readers: [...new Set(args.policy.map((r) => r.org))],
        });
        return { record: args.commitment };
      },
    },

    /**
     * A read of a personal record for a purpose. Never fails on the decision: an allowed read and a denied one are
     * both recorded under the subject (and counted per purpose and organisation); the result says which, and why.
     * The node releases the content only for an allowed read, after its block is durable.
     */
    read: {
      parseArgs(args): ReadArgs {
        argsObject(args, ['record', 'purpose', 'case', 'reference']);
        const caseId = argOptionalString(args, 'case', 64);
        if (caseId !== undefined && !/^[0-9a-f]{64}$/.test(caseId)) {
          throw runtimeError('ARGS_INVALID', 'args.case must be a case id (64 hex)', { field: 'args.case' });
        }
        const reference = argOptionalString(args, 'reference', 128);
        return {
          record: commitmentArg(args, 'record'),
          purpose: argString(args, 'purpose', { max: 48, pattern: PURPOSE_ID_PATTERN }),
          ...(caseId === undefined ? {} : { case: caseId }),
          ...(reference === undefined ? {} : { reference }),
        };
      },
      execute(ctx, args: ReadArgs) {
        const record = recordOf(ctx, args.record);
        const d = decideRead(ctx, ctx.principal, record, args);
        const entry: AccessEntry = {
          tx: ctx.txId,
          height: ctx.height,
          time: ctx.time,
          record: record.id,
          category: record.category,
          subject: record.subject,
          reader: readerOf(ctx.principal),
          purpose: args.purpose,
          ...(args.case === undefined ? {} : { case: args.case }),
          ...(args.reference === undefined ? {} : { reference: args.reference }),
          ...('code' in d
            ? { decision: 'denied' as const, code: d.code }
            : {
                decision: 'allowed' as const,
                basis: d.basis,
                ...(d.consent === undefined ? {} : { consent: d.consent }),
              }),
        };
        ctx.put(privacyKeys.access(record.subject, ctx.height, ctx.txId), entry as unknown as JsonObject);
        bump(ctx, privacyKeys.stats(args.purpose, ctx.principal.org ?? `(${ctx.principal.kind})`, entry.decision));
        ctx.emit('access', {
          record: record.id,
          subject: record.subject,
          purpose: args.purpose,
          decision: entry.decision,
          ...(entry.code === undefined ? {} : { code: entry.code }),
          ...(ctx.principal.org === undefined ? {} : { org: ctx.principal.org }),
        });
        return entry as unknown as JsonObject;
      },
    },

    /** 数据授权: a citizen or enterprise allows an organisation to read its data for a purpose. */
    grantConsent: {
      parseArgs(args): GrantArgs {
        argsObject(args, ['org', 'purpose', 'category', 'record', 'until']);
        const org = argString(args, 'org', { max: 32, pattern: ORG_ID_PATTERN });
        const category = argOptionalString(args, 'category', 48);
        if (category !== undefined && !CATEGORY_ID_PATTERN.test(category)) {
          throw runtimeError('ARGS_INVALID', 'args.category is malformed', { field: 'args.category' });
        }
        const until = argOptionalInt(args, 'until', 0, Number.MAX_SAFE_INTEGER);
        return {
          org,
          purpose: argString(args, 'purpose', { max: 48, pattern: PURPOSE_ID_PATTERN }),
          ...(category === undefined ? {} : { category }),
          ...(args.record === undefined ? {} : { record: commitmentArg(args, 'record') }),
          ...(until === undefined ? {} : { until }),
        };
      },
      execute(ctx, args: GrantArgs) {
        const subject = ctx.principal.subject;
        if (subject === undefined) {
          throw runtimeError('PRIVACY_NOT_SUBJECT', 'only a citizen or enterprise grants consent for its own data');
        }
        if (!ctx.config.orgs.has(args.org))
          throw runtimeError('ORG_UNKNOWN', `no organisation ${args.org}`, { org: args.org });
        const purpose = purposeIn(catalogue(ctx), args.purpose);
        if (args.category !== undefined && !purpose.categories.includes(args.category)) {
          throw runtimeError('PRIVACY_PURPOSE_CATEGORY', `purpose ${args.purpose} may not read ${args.category} data`, {
            field: 'args.category',
          });
        }
        if (args.record !== undefined && recordOf(ctx, args.record).subject !== subject) {
          throw runtimeError('PRIVACY_NOT_SUBJECT', 'the record is not about you', { field: 'args.record' });
        }
        if (args.until !== undefined && args.until <= ctx.time) {
          throw runtimeError('ARGS_INVALID', 'args.until lies in the past', { field: 'args.until' });
        }
        const indexKey = consentIndexKey(subject, args.org, args.purpose);
        const ids = ((ctx.get(indexKey) as string[] | null) ?? []).slice();
        if (ids.length >= MAX_CONSENTS_PER_PAIR) {
          throw runtimeError('ARGS_INVALID', `at most ${MAX_CONSENTS_PER_PAIR} consents per organisation and purpose`);
        }
        const id = ctx.txId.slice(0, 32);
        const consent: Consent = {
          id,
          subject,
          org: args.org,
          purpose: args.purpose,
          ...(args.category === undefined ? {} : { category: args.category }),
          ...(args.record === undefined ? {} : { record: args.record }),
          grantedAt: ctx.height,
          tx: ctx.txId,
          ...(args.until === undefined ? {} : { until: args.until }),
        };
        ctx.put(privacyKeys.consent(subject, id), consent as unknown as JsonObject);
        ids.push(id);
        ctx.put(indexKey, ids);
        ctx.emit('consentGranted', { consent: id, org: args.org, purpose: args.purpose });
        return { consent: id };
      },
    },

    /** Withdraws a consent from the next block, or from a later height. */
    revokeConsent: {
      parseArgs(args) {
        argsObject(args, ['consent', 'atHeight']);
        const atHeight = argOptionalInt(args, 'atHeight', 1, Number.MAX_SAFE_INTEGER);
        return {
          consent: argString(args, 'consent', { min: 32, max: 32, pattern: /^[0-9a-f]{32}$/ }),
          ...(atHeight === undefined ? {} : { atHeight }),
        };
      },
      execute(ctx, args: { consent: string; atHeight?: number }) {
        const subject = ctx.principal.subject;
        if (subject === undefined)
          throw runtimeError('PRIVACY_NOT_SUBJECT', 'only the citizen who granted it revokes a consent');
        const key = privacyKeys.consent(subject, args.consent);
        const c = ctx.get(key) as Consent | null;
        if (c === null)
          throw runtimeError('PRIVACY_CONSENT_UNKNOWN', 'you have no consent with this id', { consent: args.consent });
        if (c.revokedAt !== undefined && c.revokedAt <= ctx.height) {
          throw runtimeError('PRIVACY_CONSENT_REVOKED', 'the consent is already revoked', { revokedAt: c.revokedAt });
        }
        const revokedAt = Math.max(ctx.height + 1, args.atHeight ?? 0);
        ctx.put(key, { ...c, revokedAt, revokeTx: ctx.txId } as unknown as JsonObject);
        ctx.emit('consentRevoked', { consent: c.id, org: c.org, purpose: c.purpose, revokedAt });
        return { consent: c.id, revokedAt };
      },
    },

    /** Asks for a record to be erased (PIPL Art. 47): the record's subject, or a member of its organisation. */
    requestErasure: {
      parseArgs(args) {
        argsObject(args, ['record', 'reason']);
        const reason = argOptionalString(args, 'reason', 256);
        return { record: commitmentArg(args, 'record'), ...(reason === undefined ? {} : { reason }) };
      },
      object: (ctx, args: { record: string }) => {
        const r = ctx.readOther(PRIVACY_CONTRACT_NAME, privacyKeys.record(args.record)) as PrivateRecord | null;
        return r === null ? undefined : { org: r.org, subject: r.subject };
      },
      execute(ctx, args: { record: string; reason?: string }) {
        const record = recordOf(ctx, args.record);
        const p = ctx.principal;
        if (p.subject !== record.subject && !(p.kind === 'member' && p.org === record.org)) {
          throw runtimeError(
            'PRIVACY_NOT_SUBJECT',
            'only the person concerned or the holding department asks for erasure',
          );
        }
        if (record.status === 'erased') throw runtimeError('PRIVATE_RECORD_ERASED', 'the record is already erased');
        if (record.erasure !== undefined) {
          throw runtimeError('PRIVACY_ERASURE_PENDING', 'an erasure request is already waiting for a decision');
        }
        const erasure = {
          requestedBy: ctx.signer,
          requestTx: ctx.txId,
          requestedAt: ctx.height,
          ...(args.reason === undefined ? {} : { reason: args.reason }),
        };
        ctx.put(privacyKeys.record(record.id), { ...record, erasure } as unknown as JsonObject);
        ctx.emit('erasureRequested', { record: record.id, org: record.org });
        return { record: record.id };
      },
    },

    /**
     * Decides an erasure request (a security or system administrator of the holding organisation). Approved: the record
     * is erased from this block on; every node that holds it destroys its key material once the block is durable.
     */
    decideErasure: {
      parseArgs(args) {
        argsObject(args, ['record', 'approve', 'comment']);
        if (typeof args.approve !== 'boolean') {
          throw runtimeError('ARGS_INVALID', 'args.approve must be true or false', { field: 'args.approve' });
        }
        const comment = argOptionalString(args, 'comment', 256);
        return {
          record: commitmentArg(args, 'record'),
          approve: args.approve,
          ...(comment === undefined ? {} : { comment }),
        };
      },
      object: (ctx, args: { record: string }) => {
        const r = ctx.readOther(PRIVACY_CONTRACT_NAME, privacyKeys.record(args.record)) as PrivateRecord | null;
        return r === null ? undefined : { org: r.org };
      },
      execute(ctx, args: { record: string; approve: boolean; comment?: string }) {
        const record = recordOf(ctx, args.record);
        if (ctx.principal.org !== record.org) {
          throw runtimeError('POLICY_DENIED', 'only the holding organisation decides an erasure request');
        }
        if (record.status === 'erased') throw runtimeError('PRIVATE_RECORD_ERASED', 'the record is already erased');
        if (record.erasure === undefined) {
          throw runtimeError('PRIVACY_ERASURE_NOT_REQUESTED', 'nobody asked for this record to be erased');
        }
        if (!args.approve) {
          if (args.comment === undefined) {
            throw runtimeError('WORKFLOW_COMMENT_REQUIRED', 'a refusal needs a reason (args.comment)', {
              field: 'args.comment',
            });
          }
          const { erasure: _, ...rest } = record;
          ctx.put(privacyKeys.record(record.id), rest as unknown as JsonObject);
          ctx.emit('erasureRefused', { record: record.id, org: record.org, comment: args.comment });
          return { record: record.id, erased: false };
        }
        const erased: PrivateRecord = {
          ...record,
          status: 'erased',
          erasure: { ...record.erasure, approvedBy: ctx.signer, approvalTx: ctx.txId, erasedAt: ctx.height },
        };
        ctx.put(privacyKeys.record(record.id), erased as unknown as JsonObject);
        ctx.emit('recordErased', { record: record.id, org: record.org });
        return { record: record.id, erased: true };
      },
    },
  },
};

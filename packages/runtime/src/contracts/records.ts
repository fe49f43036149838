/**
 * `records`: 信息公开 public records, a system contract (PROTOCOL.md §21, docs/records.md). A department's publishers
 * (members with role `publisher`) publish policies, decisions, notices, budgets and reports of their own organisation
 * as versioned records: the first `publish` of an id writes version 1, each later one the next version, and every
 * version stays readable under its own key, so a state proof of `<org>/<id>/v/<n>` proves exactly what was published.
 * `withdraw` marks a record 废止 for good. Records are public: the contract cannot tell personal data from other text,
 * so keeping it out is the publisher's duty (docs/records.md).
 */
import {
  isNotaryAlgorithm,
  isRecordCategory,
  isRecordDate,
  type JsonObject,
  type JsonValue,
  PUBLISHER_ROLE,
  RECORD_ID_PATTERN,
  RECORD_LIMITS,
  RECORDS_CONTRACT,
  type RecordAttachment,
  type RecordCategory,
  type RecordHead,
  type RecordStamp,
  type RecordVersion,
  recordKeys,
  utf8Length,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { argString, argsObject, type CallContext, type SystemContract } from './contract.js';

export const RECORDS_CONTRACT_NAME = RECORDS_CONTRACT;

export interface PublishRecordArgs {
  readonly id: string;
  readonly category: RecordCategory;
  readonly title: string;
  readonly summary?: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly attachments: readonly RecordAttachment[];
  readonly effective?: string;
  readonly supersedes?: string;
}

export interface WithdrawRecordArgs {
  readonly id: string;
  readonly reason: string;
}

/** Control characters: refused in one-line fields (titles, tags, file names). */
const CONTROL = /\p{Cc}/u;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** `<org>/<id>` of another record. */
const REFERENCE_PATTERN = /^([a-z][a-z0-9-]{1,31})\/([a-z0-9][a-z0-9-]{0,63})$/;

const bad = (field: string, message: string): never => {
  throw runtimeError('ARGS_INVALID', `${field} ${message}`, { field });
};

function line(args: JsonObject, field: string, max: number): string {
  const v = argString(args, field, { max });
  if (CONTROL.test(v)) bad(`args.${field}`, 'must be one line without control characters');
  return v;
}

function tagsOf(value: JsonValue | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > RECORD_LIMITS.tags) {
    bad('args.tags', `must be a list of at most ${RECORD_LIMITS.tags} tags`);
  }
  const tags: string[] = [];
  (value as JsonValue[]).forEach((t, i) => {
    const field = `args.tags[${i}]`;
    if (typeof t !== 'string' || t.length === 0 || t.length > RECORD_LIMITS.tag || CONTROL.test(t)) {
      bad(field, `must be a one-line string of 1–${RECORD_LIMITS.tag} characters`);
    }
    if (tags.includes(t as string)) bad(field, 'is given twice');
    tags.push(t as string);
  });
  return tags;
}

function attachmentsOf(value: JsonValue | undefined): RecordAttachment[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > RECORD_LIMITS.attachments) {
    bad('args.attachments', `must be a list of at most ${RECORD_LIMITS.attachments} attachments`);
  }
  return (value as JsonValue[]).map((a, i) => {
    const at = `args.attachments[${i}]`;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return bad(at, 'must be {name, alg, hash, size?}');
    for (const k of Object.keys(a)) {
      if (!['name', 'alg', 'hash', 'size'].includes(k)) bad(`${at}.${k}`, 'is not a field of an attachment');
    }
    const { name, alg, hash, size } = a;
    if (typeof name !== 'string' || name.length === 0 || name.length > RECORD_LIMITS.attachmentName) {
      bad(`${at}.name`, `must be a string of 1–${RECORD_LIMITS.attachmentName} characters`);
    }
    if (CONTROL.test(name as string)) bad(`${at}.name`, 'must be one line without control characters');
    if (!isNotaryAlgorithm(alg)) return bad(`${at}.alg`, 'must be sha256 or sm3');
    if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) bad(`${at}.hash`, 'must be 64 lower-case hex digits');
    if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
      bad(`${at}.size`, 'must be a whole number of bytes');
    }
    return {
      name: name as string,
      alg,
      hash: hash as string,
      ...(size === undefined ? {} : { size: size as number }),
    };
  });
}

/** A publisher of an organisation, or POLICY_DENIED (citizens, enterprises and other members never publish). */
function publisherOrg(ctx: CallContext): string {
  const p = ctx.principal;
  if (p.kind !== 'member' || p.org === undefined || !p.roles.includes(PUBLISHER_ROLE)) {
    throw runtimeError('POLICY_DENIED', `only a member with role ${PUBLISHER_ROLE} publishes public records`, {
      requires: { role: PUBLISHER_ROLE },
    });
  }
  return p.org;
}

function headOf(ctx: CallContext, org: string, id: string): RecordHead | null {
  return ctx.get(recordKeys.head(org, id)) as RecordHead | null;
}

const stampOf = (ctx: CallContext): RecordStamp => ({ height: ctx.height, time: ctx.time, txId: ctx.txId });

export const recordsContract: SystemContract = {
  name: RECORDS_CONTRACT_NAME,
  methods: {
    /** Publishes version 1 of a new record, or the next version of an existing one. */
    publish: {
      parseArgs(args): PublishRecordArgs {
        argsObject(args, [
          'id',
          'category',
          'title',
          'summary',
          'body',
          'tags',
          'attachments',
          'effective',
          'supersedes',
        ]);
        const id = argString(args, 'id', { max: 64, pattern: RECORD_ID_PATTERN });
        if (!isRecordCategory(args.category)) {
          return bad('args.category', 'must be policy, decision, notice, budget or report');
        }
        const title = line(args, 'title', RECORD_LIMITS.title);
        const summary =
          args.summary === undefined ? undefined : argString(args, 'summary', { max: RECORD_LIMITS.summary });
        const body = args.body;
        if (typeof body !== 'string' || body.length === 0 || utf8Length(body) > RECORD_LIMITS.bodyBytes) {
          bad('args.body', `must be a text of 1–${RECORD_LIMITS.bodyBytes} bytes in UTF-8`);
        }
        const effective = args.effective;
        if (effective !== undefined && !isRecordDate(effective)) bad('args.effective', 'must be a date YYYY-MM-DD');
        const supersedes = args.supersedes;
        if (supersedes !== undefined && (typeof supersedes !== 'string' || !REFERENCE_PATTERN.test(supersedes))) {
          bad('args.supersedes', 'must name a record as <org>/<id>');
        }
        return {
          id,
          category: args.category,
          title,
          ...(summary === undefined ? {} : { summary }),
          body: body as string,
          tags: tagsOf(args.tags),
          attachments: attachmentsOf(args.attachments),
          ...(effective === undefined ? {} : { effective: effective as string }),
          ...(supersedes === undefined ? {} : { supersedes: supersedes as string }),
        };
      },
      execute(ctx, args: PublishRecordArgs) {
        const org = publisherOrg(ctx);
        const head = headOf(ctx, org, args.id);
        if (head?.withdrawn !== undefined) {
          throw runtimeError('RECORD_WITHDRAWN', `${org}/${args.id} was withdrawn: publish it under a new id`, {
            org,
            id: args.id,
            height: head.withdrawn.height,
          });
        }
        if (args.supersedes !== undefined) {
          const [, otherOrg, otherId] = REFERENCE_PATTERN.exec(args.supersedes) as unknown as [string, string, string];
          if ((otherOrg === org && otherId === args.id) || headOf(ctx, otherOrg, otherId) === null) {
            throw runtimeError('RECORD_NOT_FOUND', `no other record ${args.supersedes} to supersede`, {
              field: 'args.supersedes',
            });
          }
        }
        const version = (head?.latest ?? 0) + 1;
        const stamp = stampOf(ctx);
        const record: RecordVersion = {
          org,
          id: args.id,
          version,
          category: args.category,
          title: args.title,
          ...(args.summary === undefined ? {} : { summary: args.summary }),
          body: args.body,
          tags: args.tags,
          attachments: args.attachments,
          ...(args.effective === undefined ? {} : { effective: args.effective }),
          ...(args.supersedes === undefined ? {} : { supersedes: args.supersedes }),
          publisher: ctx.signer,
          ...stamp,
        };
        const next: RecordHead = {
          org,
          id: args.id,
          category: args.category,
          title: args.title,
          latest: version,
          created: head?.created ?? stamp,
          updated: stamp,
        };
        ctx.put(recordKeys.version(org, args.id, version), record as unknown as JsonObject);
        ctx.put(recordKeys.head(org, args.id), next as unknown as JsonObject);
        ctx.emit('recordPublished', { org, id: args.id, version, category: args.category, title: args.title });
        return { org, id: args.id, version, key: recordKeys.version(org, args.id, version) };
      },
    },
    /** 废止: marks a record of the signer's organisation withdrawn; its versions stay readable. */
    withdraw: {
      parseArgs(args): WithdrawRecordArgs {
        argsObject(args, ['id', 'reason']);
        return {
          id: argString(args, 'id', { max: 64, pattern: RECORD_ID_PATTERN }),
          reason: argString(args, 'reason', { max: RECORD_LIMITS.reason }),
        };
      },
      execute(ctx, args: WithdrawRecordArgs) {
        const org = publisherOrg(ctx);
        const head = headOf(ctx, org, args.id);
        if (head === null) {
          throw runtimeError('RECORD_NOT_FOUND', `${org} has no record ${args.id}`, { org, id: args.id });
        }
        if (head.withdrawn !== undefined) {
          throw runtimeError('RECORD_WITHDRAWN', `${org}/${args.id} is already withdrawn`, {
            org,
            id: args.id,
            height: head.withdrawn.height,
          });
        }
        const next: RecordHead = {
          ...head,
          withdrawn: { ...stampOf(ctx), reason: args.reason, by: ctx.signer },
        };
        ctx.put(recordKeys.head(org, args.id), next as unknown as JsonObject);
        ctx.emit('recordWithdrawn', { org, id: args.id, version: head.latest });
        return { org, id: args.id, withdrawn: true };
      },
    },
  },
};

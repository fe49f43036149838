/**
 * `identity`: the registry of who may sign. Staff enrol their own member certificates (the CA signature is the
 * authority; the transaction signature proves possession of the key); registrars register citizens and enterprises
 * under pseudonymous subject ids after an off-chain real-name check; revocations take effect at a height.
 * Records: docs/identity.md, docs/PROTOCOL.md §15.
 */
import {
  certificateFromBase64,
  checkMemberCertificate,
  didKeyFromPublicKey,
  hexToBytes,
  IDENTITY_CONTRACT,
  identityKeys,
  isHex,
  type JsonObject,
  type MemberCertificateInfo,
  memberKeyRecord,
  type Principal,
  type Revocation,
  SUBJECT_ID_PATTERN,
  type SubjectKeyRecord,
  type SubjectRecord,
  subjectIdFromTx,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { readKeyRecord } from '../identity.js';
import {
  type AuthContext,
  argOptionalInt,
  argString,
  argsObject,
  type CallContext,
  type StateReader,
  type SystemContract,
} from './contract.js';

/** RFC 5280 §5.3.1 reason names (the ones that apply to keys). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;

const MAX_SUBJECT_KEYS = 16;
/** How far ahead a revocation may be scheduled, in blocks. */
const MAX_REVOCATION_DELAY = 1_000_000;

interface EnrolArgs {
  readonly cert: string;
  readonly der: Uint8Array;
  info?: MemberCertificateInfo;
}

interface RevokeArgs {
  readonly key: string;
  readonly reason: string;
  readonly height?: number;
}

interface SubjectKeyArgs {
  readonly subject: string;
  readonly publicKey: string;
}

function publicKeyArg(ctx: { suite: AuthContext['suite'] }, value: string, field: string): void {
  if (!isHex(value, ctx.suite.publicKeyLength) || !ctx.suite.isValidPublicKey(hexToBytes(value))) {
    throw runtimeError('ARGS_INVALID', `args.${field} must be a valid ${ctx.suite.id} public key in hex`, {
      field: `args.${field}`,
    });
  }
}

function certInfo(ctx: AuthContext, args: EnrolArgs): MemberCertificateInfo {
  if (args.info === undefined) args.info = checkMemberCertificate(ctx.suite, ctx.config, args.der, ctx.time);
  return args.info;
}

function isNodeKey(ctx: AuthContext, publicKey: string): boolean {
  return ctx.config.config.orgs.some((o) => o.nodes.some((n) => n.publicKey === publicKey));
}

function revokeArgs(args: JsonObject): RevokeArgs {
  argsObject(args, ['key', 'reason', 'height']);
  const key = argString(args, 'key', { max: 130, pattern: /^[0-9a-f]+$/ });
  const reason = argString(args, 'reason', { max: 32 });
  if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
    throw runtimeError('ARGS_INVALID', `args.reason must be one of ${REVOCATION_REASONS.join(', ')}`, {
      field: 'args.reason',
    });
  }
  const height = argOptionalInt(args, 'height', 1, Number.MAX_SAFE_INTEGER);
  return height === undefined ? { key, reason } : { key, reason, height };
}

/** The effective height of a revocation made at `ctx.height`: the next block unless a later one is asked for. */
function revocation(ctx: CallContext, args: RevokeArgs, existing: Revocation | undefined): Revocation {
  const height = args.height ?? ctx.height + 1;
  if (height <= ctx.height || height > ctx.height + MAX_REVOCATION_DELAY) {
    throw runtimeError(
      'ARGS_INVALID',
      'args.height must be after the current block (a revocation is never retroactive)',
      {
        field: 'args.height',
        current: ctx.height,
      },
    );
  }
  if (existing !== undefined && existing.height <= height) {
    throw runtimeError('IDENTITY_REVOKED', `the key is already revoked from height ${existing.height}`, {
      height: existing.height,
    });
  }
  return { height, reason: args.reason, by: ctx.signer, tx: ctx.txId };
}

function subjectRecord(state: StateReader, subject: string): SubjectRecord {
  const record = state.readOther(IDENTITY_CONTRACT, identityKeys.subject(subject)) as SubjectRecord | null;
  if (record === null)
    throw runtimeError('SUBJECT_UNKNOWN', 'no citizen or enterprise has this subject id', { subject });
  return record;
}

function subjectKeyRecord(state: StateReader, key: string): SubjectKeyRecord {
  const record = readKeyRecord(state, key);
  if (record === null) throw runtimeError('IDENTITY_UNKNOWN', 'the key is not registered', { key });
  if (record.kind === 'member') {
    throw runtimeError('ARGS_INVALID', 'this is a member key: use identity.revoke', { field: 'args.publicKey' });
  }
  return record;
}

function requireFreeKey(ctx: CallContext, publicKey: string): void {
  if (readKeyRecord(ctx, publicKey) !== null || isNodeKey(ctx, publicKey)) {
    throw runtimeError('IDENTITY_KEY_TAKEN', 'the key is already registered to another identity', { key: publicKey });
  }
  if (!ctx.cosigners.includes(publicKey)) {
    throw runtimeError('IDENTITY_KEY_NOT_PROVEN', 'the new key must co-sign the transaction (proof of possession)', {
      key: publicKey,
    });
  }
}

export const identityContract: SystemContract = {
  name: IDENTITY_CONTRACT,
  methods: {
    /** Enrols (or renews) the signer's member certificate. */
    enrol: {
      parseArgs(args): EnrolArgs {
        argsObject(args, ['cert']);
        const cert = argString(args, 'cert', { max: 12_000 });
        let der: Uint8Array;
        try {
          der = certificateFromBase64(cert);
        } catch {
          throw runtimeError('ARGS_INVALID', 'args.cert must be a base64 DER certificate', { field: 'args.cert' });
        }
        return { cert, der };
      },
      principal(ctx, args: EnrolArgs): Principal {
        const info = certInfo(ctx, args);
        if (info.kind !== 'member') {
          throw runtimeError('ARGS_INVALID', 'a node certificate attests blocks; it cannot enrol as a member', {
            field: 'args.cert',
          });
        }
        if (info.publicKey !== ctx.signer) {
          throw runtimeError('IDENTITY_KEY_MISMATCH', "the enrolment must be signed by the certificate's own key");
        }
        return {
          kind: 'member',
          key: info.publicKey,
          org: info.org,
          member: info.member,
          roles: info.roles,
          attrs: info.attrs,
        };
      },
      execute(ctx, args: EnrolArgs) {
        const info = certInfo(ctx, args);
        const existing = readKeyRecord(ctx, info.publicKey);
        let renewal = false;
        if (existing !== null || isNodeKey(ctx, info.publicKey)) {
          if (existing === null || existing.kind !== 'member' || existing.org !== info.org) {
            throw runtimeError('IDENTITY_KEY_TAKEN', 'the key is already registered to another identity');
          }
          if (existing.revoked !== undefined) {
            throw runtimeError('IDENTITY_REVOKED', `the key is revoked from height ${existing.revoked.height}`, {
              height: existing.revoked.height,
            });
          }
          if (existing.cert === info.fingerprint) {
            throw runtimeError('IDENTITY_ALREADY_ENROLLED', 'this certificate is already enrolled');
          }
          if (info.notBefore <= existing.notBefore) {
            throw runtimeError(
              'IDENTITY_CERT_OUTDATED',
              'a renewal must be issued later than the enrolled certificate',
              {
                enrolledNotBefore: existing.notBefore,
              },
            );
          }
          renewal = true;
        }
        const record = memberKeyRecord(info, ctx.height);
        ctx.put(identityKeys.key(info.publicKey), record as unknown as JsonObject);
        ctx.put(identityKeys.cert(info.fingerprint), args.cert);
        ctx.emit(renewal ? 'renewed' : 'enrolled', {
          org: info.org,
          member: info.member,
          key: info.publicKey,
          roles: [...info.roles],
          notAfter: info.notAfter,
        });
        return { fingerprint: info.fingerprint, renewal };
      },
    },

    /** Revokes a member key from a height on (default: the next block). */
    revoke: {
      parseArgs: revokeArgs,
      object(ctx, args: RevokeArgs) {
        const record = readKeyRecord(ctx, args.key);
        return record?.kind === 'member' ? { org: record.org, key: args.key } : { key: args.key };
      },
      execute(ctx, args: RevokeArgs) {
        const record = readKeyRecord(ctx, args.key);
        if (record === null) throw runtimeError('IDENTITY_UNKNOWN', 'the key is not registered', { key: args.key });
        if (record.kind !== 'member') {
          throw runtimeError('ARGS_INVALID', 'this is a citizen or enterprise key: use identity.revokeSubjectKey', {
            field: 'args.key',
          });
        }
        const revoked = revocation(ctx, args, record.revoked);
        ctx.put(identityKeys.key(args.key), { ...record, revoked } as unknown as JsonObject);
        ctx.emit('revoked', {
          key: args.key,
          org: record.org,
          member: record.member,
          height: revoked.height,
          reason: args.reason,
        });
        return { height: revoked.height };
      },
    },

    /** Registers a citizen or enterprise key under a new pseudonymous subject id. The key must co-sign. */
    registerSubject: {
      parseArgs(args) {
        argsObject(args, ['publicKey', 'kind']);
        const publicKey = argString(args, 'publicKey', { max: 130, pattern: /^[0-9a-f]+$/ });
        if (args.kind !== 'citizen' && args.kind !== 'enterprise') {
          throw runtimeError('ARGS_INVALID', 'args.kind must be citizen or enterprise', { field: 'args.kind' });
        }
        return { publicKey, kind: args.kind };
      },
      requiredCosigners: (args: { publicKey: string }) => [args.publicKey],
      execute(ctx, args: { publicKey: string; kind: 'citizen' | 'enterprise' }) {
        publicKeyArg(ctx, args.publicKey, 'publicKey');
        requireFreeKey(ctx, args.publicKey);
        const subject = subjectIdFromTx(ctx.suite, hexToBytes(ctx.txId));
        const record: SubjectRecord = {
          subject,
          kind: args.kind,
          org: ctx.org,
          registrar: ctx.signer,
          height: ctx.height,
          keys: [args.publicKey],
        };
        const keyRecord: SubjectKeyRecord = { kind: args.kind, subject, height: ctx.height };
        ctx.put(identityKeys.subject(subject), record as unknown as JsonObject);
        ctx.put(identityKeys.key(args.publicKey), keyRecord as unknown as JsonObject);
        ctx.emit('subjectRegistered', { subject, kind: args.kind, org: ctx.org });
        return { subject, did: didKeyFromPublicKey(ctx.suite.id, hexToBytes(args.publicKey)) };
      },
    },

    /** Adds a key to a subject (a new phone, a lost key replaced). The new key must co-sign. */
    addSubjectKey: {
      parseArgs(args): SubjectKeyArgs {
        argsObject(args, ['subject', 'publicKey']);
        return {
          subject: argString(args, 'subject', { min: 32, max: 32, pattern: SUBJECT_ID_PATTERN }),
          publicKey: argString(args, 'publicKey', { max: 130, pattern: /^[0-9a-f]+$/ }),
        };
      },
      requiredCosigners: (args: SubjectKeyArgs) => [args.publicKey],
      object(ctx, args: SubjectKeyArgs) {
        const record = subjectRecord(ctx, args.subject);
        return { org: record.org, subject: record.subject };
      },
      execute(ctx, args: SubjectKeyArgs) {
        publicKeyArg(ctx, args.publicKey, 'publicKey');
        const record = subjectRecord(ctx, args.subject);
        if (record.keys.length >= MAX_SUBJECT_KEYS) {
          throw runtimeError('ARGS_INVALID', `a subject may hold at most ${MAX_SUBJECT_KEYS} keys`, {
            field: 'args.subject',
          });
        }
        requireFreeKey(ctx, args.publicKey);
        const keyRecord: SubjectKeyRecord = { kind: record.kind, subject: record.subject, height: ctx.height };
        ctx.put(identityKeys.subject(record.subject), {
          ...record,
          keys: [...record.keys, args.publicKey],
        } as unknown as JsonObject);
        ctx.put(identityKeys.key(args.publicKey), keyRecord as unknown as JsonObject);
        ctx.emit('subjectKeyAdded', { subject: record.subject, key: args.publicKey });
        return { did: didKeyFromPublicKey(ctx.suite.id, hexToBytes(args.publicKey)) };
      },
    },

    /** Revokes a citizen's or enterprise's key from a height on. */
    revokeSubjectKey: {
      parseArgs: revokeArgs,
      object(ctx, args: RevokeArgs) {
        const key = subjectKeyRecord(ctx, args.key);
        const subject = subjectRecord(ctx, key.subject);
        return { org: subject.org, subject: subject.subject, key: args.key };
      },
      execute(ctx, args: RevokeArgs) {
        const record = subjectKeyRecord(ctx, args.key);
        const revoked = revocation(ctx, args, record.revoked);
        ctx.put(identityKeys.key(args.key), { ...record, revoked } as unknown as JsonObject);
        ctx.emit('subjectKeyRevoked', {
          subject: record.subject,
          key: args.key,
          height: revoked.height,
          reason: args.reason,
        });
        return { height: revoked.height };
      },
    },
  },
};

/** Public keys whose records a write to the identity contract may change (for resolver caches). */
export function identityKeyOfStateKey(key: string): string | undefined {
  return key.startsWith('key/') ? key.slice(4) : undefined;
}

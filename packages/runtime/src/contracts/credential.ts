/**
 * `credential`: the status registry of e-licences (电子证照), a system contract (ADR 0015, PROTOCOL.md §20.6). The
 * chain never holds a credential — only its anchor: the digest of the issuer-signed JWT, its type, the issuing
 * organisation and seal key, the holder's pseudonym, validity and status. `issue` is signed by the seal key that signed
 * the credential, and refused unless that key's organisation may issue the type at this height (the `credentials`
 * section of the configuration), so a proof of the anchor proves the issuer was authorised at issue time. The issuing
 * organisation's registrars and admins suspend, reinstate and revoke with a reason code from a fixed list.
 */
import {
  CREDENTIAL_ID_PATTERN,
  CREDENTIAL_REASONS,
  CREDENTIAL_TYPE_PATTERN,
  type CredentialAnchor,
  type CredentialEntitlement,
  type CredentialStatus,
  credentialKeys,
  credentialsConfigOf,
  credentialTypeOf,
  entitlementKey,
  IDENTITY_CONTRACT,
  ISSUER_ROLE,
  identityKeys,
  type JsonObject,
  SUBJECT_ID_PATTERN,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { argOptionalString, argString, argsObject, type CallContext, type SystemContract } from './contract.js';

export const CREDENTIAL_CONTRACT_NAME = 'credential';
/** The `workflow` contract, which records entitlements (named here: importing it would be circular). */
const WORKFLOW_CONTRACT_NAME = 'workflow';

/** b64u of a 32-byte digest. */
const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CASE_PATTERN = /^[0-9a-f]{64}$/;
const DAY = 86_400_000;
const MAX_VALIDITY_MS = 36_500 * DAY;

export interface IssueArgs {
  readonly id: string;
  readonly type: string;
  readonly holder: string;
  readonly digest: string;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly case?: string;
}

function timeArg(args: JsonObject, field: string): number {
  const v = args[field];
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw runtimeError('ARGS_INVALID', `args.${field} must be a time in ms since the epoch`, {
      field: `args.${field}`,
    });
  }
  return v as number;
}

function anchorOf(ctx: CallContext, id: string): CredentialAnchor {
  const a = ctx.get(credentialKeys.anchor(id)) as CredentialAnchor | null;
  if (a === null) throw runtimeError('CREDENTIAL_UNKNOWN', 'no credential has this id', { id });
  return a;
}

/** The status changes: from which statuses each method moves a credential, and to which. */
const TRANSITIONS: Record<'suspend' | 'reinstate' | 'revoke', { from: CredentialStatus[]; to: CredentialStatus }> = {
  suspend: { from: ['valid'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'valid' },
  revoke: { from: ['valid', 'suspended'], to: 'revoked' },
};

function statusMethod(method: keyof typeof TRANSITIONS): SystemContract['methods'][string] {
  return {
    parseArgs(args) {
      argsObject(args, ['id', 'reason']);
      const reason = argString(args, 'reason', { max: 48 });
      if (!Object.hasOwn(CREDENTIAL_REASONS, reason)) {
        throw runtimeError('CREDENTIAL_REASON_UNKNOWN', `${reason} is not a reason code`, {
          field: 'args.reason',
          reasons: Object.keys(CREDENTIAL_REASONS),
        });
      }
      return { id: argString(args, 'id', { min: 64, max: 64, pattern: CREDENTIAL_ID_PATTERN }), reason };
    },
    // The policy's `ownOrg` is the credential's issuing organisation; an unknown id is said as such.
    object(ctx, args: { id: string }) {
      const a = ctx.readOther(CREDENTIAL_CONTRACT_NAME, credentialKeys.anchor(args.id)) as CredentialAnchor | null;
      if (a === null) throw runtimeError('CREDENTIAL_UNKNOWN', 'no credential has this id', { id: args.id });
      return { org: a.org };
    },
    execute(ctx, args: { id: string; reason: string }) {
      const a = anchorOf(ctx, args.id);
      if (ctx.principal.org !== a.org) {
        throw runtimeError('POLICY_DENIED', 'only the issuing organisation changes the status of its credentials');
      }
      const t = TRANSITIONS[method];
      if (!t.from.includes(a.status)) {
        throw runtimeError('CREDENTIAL_STATUS_CONFLICT', `a ${a.status} credential cannot be ${t.to}`, {
          status: a.status,
        });
      }
      const next: CredentialAnchor = {
        ...a,
        status: t.to,
        reason: args.reason,
        history: [
          ...a.history,
          { status: t.to, reason: args.reason, by: ctx.signer, tx: ctx.txId, height: ctx.height, time: ctx.time },
        ],
      };
      ctx.put(credentialKeys.anchor(a.id), next as unknown as JsonObject);
      ctx.emit('credentialStatus', { id: a.id, type: a.type, org: a.org, status: t.to, reason: args.reason });
      return { id: a.id, status: t.to };
    },
  };
}

/**
 * A credential anchored for a case whose outcome recorded an entitlement must be that entitlement's credential: its
 * type, holder, validity and issuing organisation, and only one per case.
 */
function checkEntitlement(ctx: CallContext, args: IssueArgs, org: string): void {
  const caseId = args.case as string;
  const e = ctx.readOther(WORKFLOW_CONTRACT_NAME, entitlementKey(caseId)) as CredentialEntitlement | null;
  if (e === null) return;
  const mismatch = (field: string, message: string): never => {
    throw runtimeError('CREDENTIAL_ENTITLEMENT_MISMATCH', message, { field: `args.${field}`, case: caseId });
  };
  if (ctx.get(credentialKeys.byCase(caseId)) !== null) mismatch('case', "the case's credential is already issued");
  if (e.type !== args.type) mismatch('type', `the case entitles its applicant to a ${e.type}`);
  if (e.org !== org) mismatch('case', `the case's credential is issued by ${e.org}`);
  if (e.holder !== args.holder) mismatch('holder', "the case's credential belongs to its applicant");
  if (e.validFrom !== args.validFrom || e.validUntil !== args.validUntil) {
    mismatch('validUntil', 'the validity must be the one the outcome recorded');
  }
}

export const credentialContract: SystemContract = {
  name: CREDENTIAL_CONTRACT_NAME,
  methods: {
    /** Anchors a credential the signer (a seal key of an organisation authorised for the type) has just signed. */
    issue: {
      parseArgs(args): IssueArgs {
        argsObject(args, ['id', 'type', 'holder', 'digest', 'validFrom', 'validUntil', 'case']);
        const c = argOptionalString(args, 'case', 64);
        if (c !== undefined && !CASE_PATTERN.test(c)) {
          throw runtimeError('ARGS_INVALID', 'args.case must be a case id', { field: 'args.case' });
        }
        const validFrom = timeArg(args, 'validFrom');
        const validUntil = timeArg(args, 'validUntil');
        if (validUntil <= validFrom || validUntil - validFrom > MAX_VALIDITY_MS) {
          throw runtimeError('ARGS_INVALID', 'args.validUntil must be after validFrom, by at most 36500 days', {
            field: 'args.validUntil',
          });
        }
        return {
          id: argString(args, 'id', { min: 64, max: 64, pattern: CREDENTIAL_ID_PATTERN }),
          type: argString(args, 'type', { max: 48, pattern: CREDENTIAL_TYPE_PATTERN }),
          holder: argString(args, 'holder', { min: 32, max: 32, pattern: SUBJECT_ID_PATTERN }),
          digest: argString(args, 'digest', { min: 43, max: 43, pattern: DIGEST_PATTERN }),
          validFrom,
          validUntil,
          ...(c === undefined ? {} : { case: c }),
        };
      },
      execute(ctx, args: IssueArgs) {
        const type = credentialTypeOf(credentialsConfigOf(ctx.config.config), args.type);
        if (type === undefined) {
          throw runtimeError('CREDENTIAL_TYPE_UNKNOWN', `${args.type} is not a credential type`, { type: args.type });
        }
        const p = ctx.principal;
        if (
          p.kind !== 'member' ||
          !p.roles.includes(ISSUER_ROLE) ||
          p.org === undefined ||
          !type.issuers.includes(p.org)
        ) {
          throw runtimeError(
            'CREDENTIAL_ISSUER_NOT_AUTHORISED',
            `only a seal key (role ${ISSUER_ROLE}) of ${type.issuers.join(', ')} issues ${type.id}`,
            { type: type.id, issuers: [...type.issuers] },
          );
        }
        if (ctx.readOther(IDENTITY_CONTRACT, identityKeys.subject(args.holder)) === null) {
          throw runtimeError('SUBJECT_UNKNOWN', 'no citizen or enterprise has this subject id', {
            subject: args.holder,
          });
        }
        if (ctx.get(credentialKeys.anchor(args.id)) !== null) {
          throw runtimeError('CREDENTIAL_EXISTS', 'a credential with this id is already anchored', { id: args.id });
        }
        if (args.case !== undefined) checkEntitlement(ctx, args, p.org);
        const anchor: CredentialAnchor = {
          id: args.id,
          type: type.id,
          org: p.org,
          issuerKey: ctx.signer,
          holder: args.holder,
          digest: args.digest,
          validFrom: args.validFrom,
          validUntil: args.validUntil,
          status: 'valid',
          ...(args.case === undefined ? {} : { case: args.case }),
          tx: ctx.txId,
          height: ctx.height,
          time: ctx.time,
          history: [],
        };
        ctx.put(credentialKeys.anchor(args.id), anchor as unknown as JsonObject);
        ctx.put(credentialKeys.holder(args.holder, args.id), {});
        if (args.case !== undefined) ctx.put(credentialKeys.byCase(args.case), args.id);
        ctx.emit('credentialIssued', { id: args.id, type: type.id, org: p.org, holder: args.holder });
        return { id: args.id, height: ctx.height };
      },
    },
    suspend: statusMethod('suspend'),
    reinstate: statusMethod('reinstate'),
    revoke: statusMethod('revoke'),
  },
};

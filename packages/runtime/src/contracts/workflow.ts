/**
 * `workflow`: the engine of approval workflows (行政审批), a system contract. Applicants submit cases against a
 * definition deployed through governance (../workflows/definition.ts); civil servants act on the case's current step;
 * every transition is a signed transaction with its form, comment and attachment hashes, recorded in the case history.
 * Automatic checks are read-only calls of user contracts; outcomes call user contracts that issue or register.
 * Deadlines: each step (and the case) may have one; a breach is an `slaBreached` event, found when someone acts late
 * or by `checkDeadlines`, whichever comes first. PROTOCOL.md §17.
 */

import type {
  CaseAttachment as Attachment,
  CaseActor,
  CaseRecord,
  CaseHistoryEntry as HistoryEntry,
} from '@lianzheng/protocol';
import {
  type CredentialEntitlement,
  credentialsConfigOf,
  credentialTypeOf,
  entitlementKey,
  evaluatePolicy,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  type Policy,
  type PolicyOrg,
  PRIVACY_CONTRACT,
  type Principal,
  type PrivateRecord,
  privacyKeys,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import {
  type Check,
  type Effect,
  isPersonalClaim,
  type OutcomeCredential,
  resolveTemplate,
  type Step,
  WORKFLOW_ID_PATTERN,
  type WorkflowDefinition,
} from '../workflows/definition.js';
import { COMMITMENT_PATTERN, type PersonalField, validateForm } from '../workflows/formSchema.js';
import {
  argOptionalString,
  argString,
  argsObject,
  type CallContext,
  type StateReader,
  type SystemContract,
} from './contract.js';
import { GOV_CONTRACT } from './gov.js';
import { callerOf, type UserContracts } from './user.js';

export const WORKFLOW_CONTRACT = 'workflow';

/** Keys of definitions (in `gov`) and of cases (in `workflow`). */
export const workflowKeys = {
  /** gov: the current version of a workflow: `{ id, version, proposal, height }`. */
  current: (id: string) => `workflow/${id}`,
  /** gov: a version's definition. */
  definition: (id: string, version: number) => `workflowdef/${id}/${version}`,
  case: (id: string) => `case/${id}`,
  /** An empty record per case of an applicant, for "my cases" listings. */
  applicant: (key: string, id: string) => `applicant/${key}/${id}`,
  /** How many entries hour `hour` (ms / 3,600,000, floored) of the deadline list has. */
  dueCount: (hour: number) => `due/${hour}/n`,
  /** Entry `i` of that hour: a case id whose deadline fell in that hour when it entered a step. */
  due: (hour: number, i: number) => `due/${hour}/${i}`,
  /** `{ hour, next }`: every entry before entry `next` of hour `hour` has been examined. */
  sweep: 'sweep',
} as const;

/** The case records (PROTOCOL.md §17), declared in protocol for the node routes, the SDK and the web app. */
export type { Attachment, CaseActor, CaseRecord, HistoryEntry };

const HOUR = 3_600_000;
const MAX_HISTORY = 500;
const MAX_ATTACHMENTS = 20;
/** How far back the first `checkDeadlines` looks (a week), and how many list entries one call examines. */
const SWEEP_HOURS = 24 * 7;
const SWEEP_ENTRIES = 2_000;
const CASE_ID = /^[0-9a-f]{64}$/;

function actorOf(p: Principal): CaseActor {
  return {
    key: p.key,
    kind: p.kind,
    ...(p.org === undefined ? {} : { org: p.org }),
    ...(p.member === undefined ? {} : { member: p.member }),
    ...(p.subject === undefined ? {} : { subject: p.subject }),
  };
}

export function definitionOf(ctx: StateReader, id: string, version?: number): WorkflowDefinition {
  const v =
    version ??
    (ctx.readOther(GOV_CONTRACT, workflowKeys.current(id)) as { version: number } | null)?.version ??
    undefined;
  const def = v === undefined ? null : ctx.readOther(GOV_CONTRACT, workflowKeys.definition(id, v));
  if (def === null) throw runtimeError('WORKFLOW_UNKNOWN', `no workflow ${id} is deployed`, { workflow: id });
  return def as unknown as WorkflowDefinition;
}

function caseOf(ctx: CallContext, id: string): CaseRecord {
  const c = ctx.get(workflowKeys.case(id)) as CaseRecord | null;
  if (c === null) throw runtimeError('CASE_UNKNOWN', 'no case has this id', { case: id });
  return c;
}

function attachmentsArg(args: JsonObject): Attachment[] {
  const v = args.attachments;
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_ATTACHMENTS) {
    throw runtimeError('ARGS_INVALID', `attachments: at most ${MAX_ATTACHMENTS} of { name, hash, size? }`, {
      field: 'args.attachments',
    });
  }
  return v.map((a, i) => {
    const ok =
      a !== null &&
      typeof a === 'object' &&
      !Array.isArray(a) &&
      Object.keys(a).every((k) => k === 'name' || k === 'hash' || k === 'size') &&
      typeof a.name === 'string' &&
      a.name.length > 0 &&
      a.name.length <= 200 &&
      typeof a.hash === 'string' &&
      COMMITMENT_PATTERN.test(a.hash) &&
      (a.size === undefined || (Number.isSafeInteger(a.size) && (a.size as number) >= 0));
    if (!ok) {
      throw runtimeError('ARGS_INVALID', 'an attachment is { name, hash (64 hex), size? }: the file stays off chain', {
        field: `args.attachments[${i}]`,
      });
    }
    return a as unknown as Attachment;
  });
}

function formArg(args: JsonObject, field = 'form'): JsonObject | undefined {
  const v = args[field];
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw runtimeError('ARGS_INVALID', `args.${field} must be an object`, { field: `args.${field}` });
  }
  return v;
}

/** What templates see (PROTOCOL.md §17.4). */
function viewOf(c: CaseRecord, ctx: CallContext): JsonObject {
  return {
    case: { id: c.id, workflow: c.workflow, version: c.version, status: c.status },
    applicant: c.applicant as unknown as JsonObject,
    form: c.form,
    steps: c.steps as JsonObject,
    actor: actorOf(ctx.principal) as unknown as JsonObject,
    height: ctx.height,
    time: ctx.time,
  };
}

/** Whether `who` satisfies a step's (templated) policy for case `c`; the case's applicant is the policy object. */
function satisfies(
  who: Principal,
  orgs: readonly PolicyOrg[],
  policy: Policy,
  view: JsonObject,
  applicant: CaseActor,
): boolean {
  const resolved = resolveTemplate(policy as unknown as JsonValue, view) as unknown as Policy;
  return evaluatePolicy(resolved, {
    signer: who,
    cosigners: [],
    object: {
      ...(applicant.org === undefined ? {} : { org: applicant.org }),
      ...(applicant.subject === undefined ? {} : { subject: applicant.subject }),
      key: applicant.key,
    },
    orgs,
  });
}

function allows(ctx: CallContext, policy: Policy, view: JsonObject, applicant: CaseActor): boolean {
  return satisfies(ctx.principal, ctx.config.policyOrgs, policy, view, applicant);
}

/**
 * The task `who` has on an open case: the current step, and for a countersign the first party `who` may sign that
 * has not signed. Undefined when the case is not theirs to act on (what the inbox shows, PROTOCOL.md §17.6).
 */
export function taskFor(
  who: Principal,
  orgs: readonly PolicyOrg[],
  def: WorkflowDefinition,
  c: CaseRecord,
  now: { readonly height: number; readonly time: number },
): { readonly step: string; readonly party?: string } | undefined {
  if (c.status !== 'open' || c.step === undefined) return undefined;
  const step = def.steps[c.step];
  if (step === undefined) return undefined;
  const view: JsonObject = {
    case: { id: c.id, workflow: c.workflow, version: c.version, status: c.status },
    applicant: c.applicant as unknown as JsonObject,
    form: c.form,
    steps: c.steps as JsonObject,
    actor: actorOf(who) as unknown as JsonObject,
    height: now.height,
    time: now.time,
  };
  if (step.type === 'single') {
    return satisfies(who, orgs, step.actors as Policy, view, c.applicant) ? { step: c.step } : undefined;
  }
  const party = Object.entries(step.parties ?? {}).find(
    ([p, pol]) => c.signed?.[p] === undefined && satisfies(who, orgs, pol, view, c.applicant),
  );
  return party === undefined ? undefined : { step: c.step, party: party[0] };
}

function hostOf(ctx: CallContext): UserContracts {
  const host = ctx.userContracts;
  if (host === undefined) {
    throw new LianzhengError('SANDBOX_UNAVAILABLE', 'workflow checks and outcomes call contracts: no sandbox here');
  }
  return host;
}

function fuelOf(ctx: CallContext): number {
  return ctx.config.config.limits.contractFuel ?? 1_000_000_000;
}

function contractContext(ctx: CallContext) {
  return {
    caller: callerOf(ctx.principal),
    cosigners: ctx.cosigners,
    txId: ctx.txId,
    height: ctx.height,
    time: ctx.time,
    contract: { name: WORKFLOW_CONTRACT, version: 0 },
  };
}

/**
 * Each personal field of a form must hold the commitment of a registered personal record (`privacy`), not erased, of
 * the category the schema names: so the value itself sits encrypted in the holders' stores, and every read of it by
 * those handling the case is a recorded read with the case as its purpose.
 */
function checkPersonal(ctx: CallContext, fields: readonly PersonalField[]): void {
  for (const f of fields) {
    const r = ctx.readOther(PRIVACY_CONTRACT, privacyKeys.record(f.commitment)) as PrivateRecord | null;
    if (r === null) {
      throw runtimeError(
        'WORKFLOW_PERSONAL_UNREGISTERED',
        `${f.field} holds a commitment that is not a registered personal record: register the value first`,
        { field: f.field },
      );
    }
    if (r.status === 'erased') {
      throw runtimeError('PRIVATE_RECORD_ERASED', `${f.field} holds a record that was erased`, { field: f.field });
    }
    if (f.category !== undefined && r.category !== f.category) {
      throw runtimeError(
        'WORKFLOW_PERSONAL_CATEGORY',
        `${f.field} must hold a record of category ${f.category}, not ${r.category}`,
        { field: f.field, expected: f.category, category: r.category },
      );
    }
  }
}

/** Runs automatic checks; the first that does not give its expected result fails the transaction. */
function runChecks(ctx: CallContext, checks: readonly Check[] | undefined, view: JsonObject): void {
  for (const check of checks ?? []) {
    const out = hostOf(ctx).callByName(ctx, {
      contract: check.contract,
      method: check.method,
      args: resolveTemplate(check.args, view),
      context: contractContext(ctx),
      fuel: fuelOf(ctx),
      readOnly: true,
    });
    const expected = check.expect === undefined ? true : check.expect;
    if (out.status !== 'ok' || JSON.stringify(out.result) !== JSON.stringify(expected)) {
      throw runtimeError('WORKFLOW_CHECK_FAILED', `check ${check.id} failed`, {
        check: check.id,
        message: check.message as JsonValue,
        ...(out.status === 'failed' ? { cause: out.code } : {}),
      });
    }
  }
}

function runEffects(ctx: CallContext, effects: readonly Effect[] | undefined, view: JsonObject): JsonValue[] {
  return (effects ?? []).map((effect, i) => {
    const out = hostOf(ctx).callByName(ctx, {
      contract: effect.contract,
      method: effect.method,
      args: resolveTemplate(effect.args, view),
      context: contractContext(ctx),
      fuel: fuelOf(ctx),
      readOnly: false,
    });
    if (out.status !== 'ok') {
      throw runtimeError(
        'WORKFLOW_EFFECT_FAILED',
        `outcome effect ${i} (${effect.contract}.${effect.method}) failed: ${out.message}`,
        {
          effect: i,
          cause: out.code,
        },
      );
    }
    return out.result as JsonValue;
  });
}

/**
 * Deadline list: entering a step with a deadline appends the case to the list of the deadline's hour (a counter and
 * one key per entry, so an entry costs the same however many cases share the hour). Entries are never removed: the
 * sweep skips a case whose current deadline is not the one listed, or that is no longer open.
 */
function listDue(ctx: CallContext, id: string, deadlineAt: number | undefined): void {
  if (deadlineAt === undefined) return;
  const hour = Math.floor(deadlineAt / HOUR);
  const n = (ctx.get(workflowKeys.dueCount(hour)) as number | null) ?? 0;
  ctx.put(workflowKeys.due(hour, n), id);
  ctx.put(workflowKeys.dueCount(hour), n + 1);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Enters `stepId`: deadline, due index, the `taskAssigned` event. */
function enterStep(ctx: CallContext, c: Mutable<CaseRecord>, def: WorkflowDefinition, stepId: string): void {
  const step = def.steps[stepId] as Step;
  c.step = stepId;
  c.stepSince = ctx.time;
  c.signed = {};
  const deadlines = [
    step.deadlineHours === undefined ? undefined : ctx.time + step.deadlineHours * HOUR,
    c.breached.includes('@case') ? undefined : c.caseDeadlineAt,
  ].filter((d): d is number => d !== undefined);
  if (deadlines.length === 0) delete c.deadlineAt;
  else c.deadlineAt = Math.min(...deadlines);
  listDue(ctx, c.id, c.deadlineAt);
  ctx.emit('taskAssigned', {
    case: c.id,
    workflow: c.workflow,
    step: stepId,
    ...(c.deadlineAt === undefined ? {} : { deadlineAt: c.deadlineAt }),
  });
}

/** Records a breach of the current step (and of the case) once; returns whether the deadline had passed. */
function noteBreach(ctx: CallContext, c: Mutable<CaseRecord>, def: WorkflowDefinition): boolean {
  if (c.status !== 'open' || c.step === undefined || c.deadlineAt === undefined || ctx.time <= c.deadlineAt)
    return false;
  const breached = [...c.breached];
  const step = def.steps[c.step] as Step;
  const stepDeadline =
    c.stepSince === undefined || step.deadlineHours === undefined ? undefined : c.stepSince + step.deadlineHours * HOUR;
  if (stepDeadline !== undefined && ctx.time > stepDeadline && !breached.includes(c.step)) {
    breached.push(c.step);
    ctx.emit('slaBreached', {
      case: c.id,
      workflow: c.workflow,
      step: c.step,
      deadlineAt: stepDeadline,
      owner: def.owner,
    });
  }
  if (c.caseDeadlineAt !== undefined && ctx.time > c.caseDeadlineAt && !breached.includes('@case')) {
    breached.push('@case');
    ctx.emit('slaBreached', {
      case: c.id,
      workflow: c.workflow,
      step: '@case',
      deadlineAt: c.caseDeadlineAt,
      owner: def.owner,
    });
  }
  c.breached = breached;
  return true;
}

function pushHistory(c: Mutable<CaseRecord>, entry: Omit<HistoryEntry, 'seq'>): number {
  if (c.history.length >= MAX_HISTORY) {
    throw runtimeError('ARGS_INVALID', `a case keeps at most ${MAX_HISTORY} history entries`, { field: 'case' });
  }
  const seq = c.history.length;
  c.history = [...c.history, { seq, ...entry } as HistoryEntry];
  return seq;
}

function historyBase(ctx: CallContext) {
  return { tx: ctx.txId, height: ctx.height, time: ctx.time, actor: actorOf(ctx.principal) };
}

function optionalComment(args: JsonObject): string | undefined {
  return argOptionalString(args, 'comment', 2000);
}

/** Moves the case along `to` (a step or an outcome). */
function transition(ctx: CallContext, c: Mutable<CaseRecord>, def: WorkflowDefinition, to: string): void {
  if (!to.startsWith('@')) {
    enterStep(ctx, c, def, to);
    return;
  }
  const name = to.slice(1);
  const outcome = def.outcomes[name];
  if (outcome === undefined) throw new LianzhengError('STATE_CORRUPT', `workflow ${def.id} has no outcome ${name}`);
  c.status = outcome.status;
  c.outcome = name;
  delete c.step;
  delete c.stepSince;
  delete c.deadlineAt;
  delete c.signed;
  const view = viewOf(c, ctx);
  const results = runEffects(ctx, outcome.effects, view);
  if (results.length > 0) c.results = results;
  if (outcome.credential !== undefined) entitle(ctx, c, def, outcome.credential, view);
  ctx.emit('decided', { case: c.id, workflow: c.workflow, outcome: name, status: c.status, owner: def.owner });
}

const DAY = 86_400_000;

/**
 * Records the applicant's entitlement to the outcome's credential (PROTOCOL.md §20.8): the type must exist and the
 * workflow's owner must issue it; the applicant must be a citizen or enterprise (a subject); personal claims must
 * name registered, unerased records. The owner's node then signs, anchors and keeps the credential for the holder.
 */
function entitle(
  ctx: CallContext,
  c: CaseRecord,
  def: WorkflowDefinition,
  spec: OutcomeCredential,
  view: JsonObject,
): void {
  const type = credentialTypeOf(credentialsConfigOf(ctx.config.config), spec.type);
  if (type === undefined) {
    throw runtimeError('CREDENTIAL_TYPE_UNKNOWN', `the outcome issues ${spec.type}, which is not a credential type`, {
      type: spec.type,
    });
  }
  if (!type.issuers.includes(def.owner)) {
    throw runtimeError('CREDENTIAL_ISSUER_NOT_AUTHORISED', `${def.owner} does not issue ${type.id}`, {
      type: type.id,
      issuers: [...type.issuers],
    });
  }
  if (c.applicant.subject === undefined) {
    throw runtimeError(
      'WORKFLOW_CREDENTIAL_HOLDER',
      'only a citizen or an enterprise can hold the licence this outcome issues',
      {
        type: type.id,
      },
    );
  }
  const claims: Record<string, JsonValue> = {};
  const personal: Record<string, { record: string; field?: string }> = {};
  for (const [name, template] of Object.entries(spec.claims)) {
    if (!isPersonalClaim(template)) {
      claims[name] = resolveTemplate(template, view);
      continue;
    }
    const record = resolveTemplate(template.$personal, view);
    const r =
      typeof record === 'string'
        ? (ctx.readOther(PRIVACY_CONTRACT, privacyKeys.record(record)) as PrivateRecord | null)
        : null;
    if (r === null || r.status !== 'active') {
      throw runtimeError(
        'WORKFLOW_PERSONAL_UNREGISTERED',
        `claim ${name} must come from a registered personal record (${template.$personal})`,
        { field: name },
      );
    }
    personal[name] = { record: r.id, ...(template.field === undefined ? {} : { field: template.field }) };
  }
  const entitlement: CredentialEntitlement = {
    case: c.id,
    workflow: c.workflow,
    type: type.id,
    org: def.owner,
    holder: c.applicant.subject,
    holderKey: c.applicant.key,
    claims,
    personal,
    disclosable: [...(spec.disclosable ?? [])],
    validFrom: ctx.time,
    validUntil: ctx.time + (spec.validDays ?? type.validityDays) * DAY,
    tx: ctx.txId,
    height: ctx.height,
  };
  ctx.put(entitlementKey(c.id), entitlement as unknown as JsonObject);
  ctx.emit('credentialEntitled', { case: c.id, type: type.id, org: def.owner, holder: c.applicant.subject });
}

export const workflowContract: SystemContract = {
  name: WORKFLOW_CONTRACT,
  methods: {
    submit: {
      parseArgs(args) {
        argsObject(args, ['workflow', 'form', 'attachments']);
        return {
          workflow: argString(args, 'workflow', { max: 64, pattern: WORKFLOW_ID_PATTERN }),
          form: formArg(args) ?? {},
          attachments: attachmentsArg(args),
        };
      },
      execute(ctx, args: { workflow: string; form: JsonObject; attachments: Attachment[] }) {
        const def = definitionOf(ctx, args.workflow);
        const applicant = actorOf(ctx.principal);
        const c: Mutable<CaseRecord> = {
          id: ctx.txId,
          workflow: def.id,
          version: def.version,
          applicant,
          form: args.form,
          attachments: args.attachments,
          status: 'open',
          breached: [],
          steps: {},
          createdAt: ctx.time,
          updatedAt: ctx.time,
          history: [],
          ...(def.deadlineHours === undefined ? {} : { caseDeadlineAt: ctx.time + def.deadlineHours * HOUR }),
        };
        if (!allows(ctx, def.applicant, viewOf(c, ctx), applicant)) {
          throw runtimeError('POLICY_DENIED', `you may not apply for ${def.id}`, {
            policy: `workflow:${def.id}.applicant`,
            requires: def.applicant as unknown as JsonValue,
          });
        }
        checkPersonal(ctx, validateForm(def.form, args.form));
        runChecks(ctx, def.checks, viewOf(c, ctx));
        pushHistory(c, { ...historyBase(ctx), action: 'submitted', attachments: args.attachments });
        ctx.emit('submitted', { case: c.id, workflow: def.id, version: def.version, owner: def.owner });
        enterStep(ctx, c, def, def.start);
        ctx.put(workflowKeys.case(c.id), c as unknown as JsonObject);
        ctx.put(workflowKeys.applicant(applicant.key, c.id), {});
        return { case: c.id, step: c.step ?? null } as JsonValue;
      },
    },
    act: {
      parseArgs(args) {
        argsObject(args, ['case', 'action', 'form', 'comment', 'attachments', 'party']);
        const party = argOptionalString(args, 'party', 32);
        const comment = optionalComment(args);
        const form = formArg(args);
        return {
          case: argString(args, 'case', { min: 64, max: 64, pattern: CASE_ID }),
          action: argString(args, 'action', { max: 32 }),
          attachments: attachmentsArg(args),
          ...(form === undefined ? {} : { form }),
          ...(comment === undefined ? {} : { comment }),
          ...(party === undefined ? {} : { party }),
        };
      },
      object(ctx, args: { case: string }) {
        const c = ctx.readOther(WORKFLOW_CONTRACT, workflowKeys.case(args.case)) as CaseRecord | null;
        return c === null ? undefined : { ...(c.applicant.org === undefined ? {} : { org: c.applicant.org }) };
      },
      execute(
        ctx,
        args: {
          case: string;
          action: string;
          form?: JsonObject;
          comment?: string;
          attachments: Attachment[];
          party?: string;
        },
      ) {
        const c = { ...caseOf(ctx, args.case) } as Mutable<CaseRecord>;
        if (c.status !== 'open' || c.step === undefined) {
          throw runtimeError('CASE_CLOSED', `the case is ${c.status}`, { status: c.status });
        }
        const def = definitionOf(ctx, c.workflow, c.version);
        const stepId = c.step;
        const step = def.steps[stepId] as Step;
        const view = viewOf(c, ctx);
        let party: string | undefined;
        if (step.type === 'single') {
          if (!allows(ctx, step.actors as Policy, view, c.applicant)) {
            throw runtimeError('WORKFLOW_NOT_YOUR_TASK', `step ${stepId} of this case is not yours to act on`, {
              step: stepId,
              requires: resolveTemplate(step.actors as unknown as JsonValue, view),
            });
          }
        } else {
          const parties = Object.entries(step.parties ?? {}).filter(
            ([p, pol]) => (args.party === undefined || args.party === p) && allows(ctx, pol, view, c.applicant),
          );
          if (parties.length === 0) {
            throw runtimeError('WORKFLOW_NOT_YOUR_TASK', `you are not a party of the countersign at step ${stepId}`, {
              step: stepId,
            });
          }
          const open = parties.find(([p]) => c.signed?.[p] === undefined);
          if (open === undefined) {
            throw runtimeError('CASE_ALREADY_SIGNED', 'you have already signed this step', {
              party: parties[0]?.[0] ?? '',
            });
          }
          party = open[0];
        }
        const transitionOf = Object.hasOwn(step.actions, args.action) ? step.actions[args.action] : undefined;
        if (transitionOf === undefined) {
          throw runtimeError('WORKFLOW_ACTION_UNKNOWN', `step ${stepId} has no action ${args.action}`, {
            actions: Object.keys(step.actions),
          });
        }
        if (transitionOf.commentRequired === true && (args.comment ?? '').trim() === '') {
          throw runtimeError('WORKFLOW_COMMENT_REQUIRED', `${args.action} needs a comment`);
        }
        const rejecting =
          transitionOf.to.startsWith('@') && def.outcomes[transitionOf.to.slice(1)]?.status === 'rejected';
        if (step.form !== undefined && (!rejecting || args.form !== undefined))
          checkPersonal(ctx, validateForm(step.form, args.form ?? {}));
        if (args.form !== undefined) c.steps = { ...c.steps, [stepId]: args.form };
        if (!rejecting) runChecks(ctx, step.checks, viewOf(c, ctx));
        const late = noteBreach(ctx, c, def);
        const entry = {
          ...historyBase(ctx),
          action: args.action,
          step: stepId,
          ...(party === undefined ? {} : { party }),
          ...(args.comment === undefined ? {} : { comment: args.comment }),
          ...(args.attachments.length === 0 ? {} : { attachments: args.attachments }),
          ...(late ? { late: true } : {}),
        };
        c.updatedAt = ctx.time;
        if (party !== undefined && args.action === 'approve') {
          const seq = pushHistory(c, { ...entry, action: 'countersigned' });
          c.signed = { ...(c.signed ?? {}), [party]: seq };
          ctx.emit('countersigned', { case: c.id, step: stepId, party });
          const all = Object.keys(step.parties ?? {}).every((p) => c.signed?.[p] !== undefined);
          if (all) transition(ctx, c, def, transitionOf.to);
        } else {
          pushHistory(c, { ...entry, to: transitionOf.to });
          transition(ctx, c, def, transitionOf.to);
        }
        ctx.emit('acted', { case: c.id, step: stepId, action: args.action, org: ctx.org });
        ctx.put(workflowKeys.case(c.id), c as unknown as JsonObject);
        return {
          case: c.id,
          status: c.status,
          step: c.step ?? null,
          ...(c.outcome === undefined ? {} : { outcome: c.outcome }),
        } as JsonValue;
      },
    },
    withdraw: {
      parseArgs(args) {
        argsObject(args, ['case', 'comment']);
        const comment = optionalComment(args);
        return {
          case: argString(args, 'case', { min: 64, max: 64, pattern: CASE_ID }),
          ...(comment === undefined ? {} : { comment }),
        };
      },
      execute(ctx, args: { case: string; comment?: string }) {
        const c = { ...caseOf(ctx, args.case) } as Mutable<CaseRecord>;
        if (c.applicant.key !== ctx.signer) throw runtimeError('CASE_NOT_APPLICANT', 'only the applicant may withdraw');
        if (c.status !== 'open') throw runtimeError('CASE_CLOSED', `the case is ${c.status}`, { status: c.status });
        pushHistory(c, {
          ...historyBase(ctx),
          action: 'withdrawn',
          ...(c.step === undefined ? {} : { step: c.step }),
          ...(args.comment === undefined ? {} : { comment: args.comment }),
        });
        c.status = 'withdrawn';
        c.updatedAt = ctx.time;
        delete c.step;
        delete c.stepSince;
        delete c.deadlineAt;
        delete c.signed;
        ctx.put(workflowKeys.case(c.id), c as unknown as JsonObject);
        ctx.emit('withdrawn', { case: c.id, workflow: c.workflow });
        return { case: c.id, status: c.status } as JsonValue;
      },
    },
    checkDeadlines: {
      parseArgs(args) {
        argsObject(args, []);
        return {};
      },
      execute(ctx) {
        const now = Math.floor(ctx.time / HOUR);
        const cursor = ctx.get(workflowKeys.sweep) as { hour: number; next: number } | null;
        let hour = Math.max(cursor?.hour ?? now - SWEEP_HOURS, now - SWEEP_HOURS);
        let next = cursor !== null && cursor.hour === hour ? cursor.next : 0;
        let breaches = 0;
        let examined = 0;
        // Hours before the current one are examined once; the current hour again on every call (its deadlines are
        // still passing). At most SWEEP_ENTRIES entries per call, so a call is bounded; the next one goes on.
        while (hour <= now && examined < SWEEP_ENTRIES) {
          const count = (ctx.get(workflowKeys.dueCount(hour)) as number | null) ?? 0;
          while (next < count && examined < SWEEP_ENTRIES) {
            const id = ctx.get(workflowKeys.due(hour, next)) as string;
            next++;
            examined++;
            const c = { ...caseOf(ctx, id) } as Mutable<CaseRecord>;
            if (c.deadlineAt === undefined || Math.floor(c.deadlineAt / HOUR) !== hour) continue;
            const before = c.breached.length;
            if (!noteBreach(ctx, c, definitionOf(ctx, c.workflow, c.version)) || c.breached.length === before) continue;
            breaches += c.breached.length - before;
            ctx.put(workflowKeys.case(c.id), c as unknown as JsonObject);
          }
          if (next < count) break;
          if (hour === now) {
            next = 0;
            break;
          }
          hour++;
          next = 0;
        }
        ctx.put(workflowKeys.sweep, { hour, next });
        return { breaches, examined } as JsonValue;
      },
    },
  },
};

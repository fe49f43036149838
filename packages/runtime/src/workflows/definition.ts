/**
 * Approval workflow definitions (行政审批流程): declarative, validated JSON that civil servants' IT staff write instead of
 * code, deployed and versioned through governance (`gov` action `deployWorkflow`). PROTOCOL.md §17 describes the format;
 * docs/workflows.md explains how to write one. A definition says who may apply and with which form, the steps and who
 * acts at each (one actor, or a countersign 会签 of several parties), the form each actor fills in, automatic checks
 * (read-only contract calls), deadlines, and what each outcome does (contract calls that issue a licence or update a
 * registry).
 */
import {
  assertPolicy,
  CLAIM_NAME_PATTERN,
  CREDENTIAL_TYPE_PATTERN,
  isLianzhengError,
  type JsonObject,
  type JsonValue,
  type Policy,
  RESERVED_CLAIM_NAMES,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { assertFormSchema, type FormSchema } from './formSchema.js';

export type { Label } from '@lianzheng/protocol';

import type { Label } from '@lianzheng/protocol';

/** A value computed from the case: literals, or `"$.path"` strings resolved against the case view (§17.4). */
export type Template = JsonValue;

export interface Check {
  readonly id: string;
  readonly title?: Label;
  /** A read-only call of a user contract. */
  readonly contract: string;
  readonly method: string;
  readonly args: Template;
  /** The result the check needs (default `true`). */
  readonly expect?: JsonValue;
  /** What the applicant or the civil servant is told when it fails. */
  readonly message: Label;
}

export interface Effect {
  /** A call of a user contract, with write access, as the case's last actor. */
  readonly contract: string;
  readonly method: string;
  readonly args: Template;
}

export interface Transition {
  /** A step id, or `@<outcome>`. */
  readonly to: string;
  readonly title?: Label;
  /** The actor must comment (e.g. when rejecting). */
  readonly commentRequired?: boolean;
}

export interface Step {
  readonly title: Label;
  /** `single`: one actor decides. `countersign`: every party approves (会签); one rejection decides. */
  readonly type: 'single' | 'countersign';
  /** Who acts (`single`): a policy, with `"$.path"` strings resolved against the case. */
  readonly actors?: Policy;
  /** The parties of a countersign, by id: each a policy, resolved the same way. */
  readonly parties?: Readonly<Record<string, Policy>>;
  readonly form?: FormSchema;
  readonly checks?: readonly Check[];
  /** Hours after entering the step before the case breaches its SLA (an `slaBreached` event, once per step). */
  readonly deadlineHours?: number;
  /** Actions by name. A countersign has exactly `approve` (when all parties approved) and `reject`. */
  readonly actions: Readonly<Record<string, Transition>>;
}

/** A claim taken from a personal record the case's form holds: `{ "$personal": "$.form.x", "field": "idNumber" }`. */
export interface PersonalClaimTemplate {
  readonly $personal: string;
  readonly field?: string;
}

/** The licence an outcome entitles the applicant to (PROTOCOL.md §20.8). */
export interface OutcomeCredential {
  /** A credential type of the configuration that the workflow's owner may issue. */
  readonly type: string;
  /** Claim name → a template resolved against the case, or a personal claim. */
  readonly claims: Readonly<Record<string, Template | PersonalClaimTemplate>>;
  /** Claims the holder may hide; the others are always shown. */
  readonly disclosable?: readonly string[];
  /** Validity in days (default: the type's). */
  readonly validDays?: number;
}

export interface Outcome {
  readonly title: Label;
  /** The case's final status. */
  readonly status: 'approved' | 'rejected';
  readonly effects?: readonly Effect[];
  /** An approved outcome may entitle the applicant to a credential, issued by the owner's seal. */
  readonly credential?: OutcomeCredential;
}

export interface WorkflowDefinition {
  readonly id: string;
  readonly version: number;
  readonly title: Label;
  readonly description?: Label;
  /** The department that owns the process (shown to applicants). */
  readonly owner: string;
  /** Who may apply. */
  readonly applicant: Policy;
  readonly form: FormSchema;
  /** Checks when the application is submitted. */
  readonly checks?: readonly Check[];
  /** Hours for the whole case (an SLA breach of the case, besides those of its steps). */
  readonly deadlineHours?: number;
  readonly start: string;
  readonly steps: Readonly<Record<string, Step>>;
  readonly outcomes: Readonly<Record<string, Outcome>>;
}

export const WORKFLOW_ID_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;
const STEP_ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_STEPS = 32;
const MAX_CHECKS = 8;
const MAX_EFFECTS = 8;
const MAX_CLAIMS = 32;
const MAX_VALID_DAYS = 36_500;
const MAX_DEADLINE_HOURS = 24 * 366;

function bad(at: string, message: string): never {
  throw runtimeError('WORKFLOW_DEFINITION_INVALID', `${at}: ${message}`, { field: at });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function only(v: Record<string, unknown>, at: string, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) bad(`${at}.${k}`, 'is not a member');
}

function label(v: unknown, at: string, required = true): void {
  if (v === undefined && !required) return;
  if (typeof v === 'string' && v.length > 0 && v.length <= 200) return;
  if (
    isRecord(v) &&
    Object.keys(v).length > 0 &&
    Object.entries(v).every(([k, s]) => (k === 'zh' || k === 'en') && typeof s === 'string' && s.length <= 200)
  ) {
    return;
  }
  bad(at, 'must be a text, or { "zh": …, "en": … }');
}

/** Replaces `"$.…"` strings by a placeholder so a templated policy can be checked for shape. */
function placeholders(v: unknown): unknown {
  if (typeof v === 'string') return v.startsWith('$.') ? 'placeholder' : v;
  if (Array.isArray(v)) return v.map(placeholders);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeholders(x)]));
  return v;
}

function policy(v: unknown, at: string): Policy {
  try {
    assertPolicy(placeholders(v), undefined, at);
  } catch (error) {
    if (!isLianzhengError(error)) throw error;
    bad((error.details as { path?: string } | undefined)?.path ?? at, error.message);
  }
  return v as Policy;
}

function checks(v: unknown, at: string): readonly Check[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MAX_CHECKS) bad(at, `must be a list of at most ${MAX_CHECKS} checks`);
  const ids = new Set<string>();
  v.forEach((c, i) => {
    const here = `${at}[${i}]`;
    if (!isRecord(c)) bad(here, 'must be an object');
    only(c, here, ['id', 'title', 'contract', 'method', 'args', 'expect', 'message']);
    if (typeof c.id !== 'string' || !STEP_ID_PATTERN.test(c.id) || ids.has(c.id))
      bad(`${here}.id`, 'must be a unique id');
    ids.add(c.id);
    callTarget(c, here);
    label(c.title, `${here}.title`, false);
    label(c.message, `${here}.message`);
  });
  return v as Check[];
}

function callTarget(c: Record<string, unknown>, at: string): void {
  if (typeof c.contract !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(c.contract))
    bad(`${at}.contract`, 'must be a contract name');
  if (typeof c.method !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(c.method))
    bad(`${at}.method`, 'must be a method name');
  if (c.args === undefined) bad(`${at}.args`, 'is required (use {} for none)');
}

/** Validates a definition (shape, references between steps and outcomes, forms, policies). */
export function assertWorkflowDefinition(value: unknown): WorkflowDefinition {
  if (!isRecord(value)) bad('definition', 'must be an object');
  only(value, 'definition', [
    'id',
    'version',
    'title',
    'description',
    'owner',
    'applicant',
    'form',
    'checks',
    'deadlineHours',
    'start',
    'steps',
    'outcomes',
  ]);
  if (typeof value.id !== 'string' || !WORKFLOW_ID_PATTERN.test(value.id))
    bad('id', 'must match ^[a-z][a-z0-9-]{1,63}$');
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 1) bad('version', 'must be an integer ≥ 1');
  label(value.title, 'title');
  label(value.description, 'description', false);
  if (typeof value.owner !== 'string' || value.owner.length === 0) bad('owner', 'must be an organisation id');
  policy(value.applicant, 'applicant');
  assertFormSchema(value.form, 'form');
  if ((value.form as JsonObject).type !== 'object') bad('form.type', 'the application form is an object');
  checks(value.checks, 'checks');
  hours(value.deadlineHours, 'deadlineHours');
  if (!isRecord(value.steps) || Object.keys(value.steps).length === 0 || Object.keys(value.steps).length > MAX_STEPS) {
    bad('steps', `must be an object of 1–${MAX_STEPS} steps`);
  }
  if (!isRecord(value.outcomes) || Object.keys(value.outcomes).length === 0)
    bad('outcomes', 'must name at least one outcome');
  for (const [id, o] of Object.entries(value.outcomes)) {
    const at = `outcomes.${id}`;
    if (!STEP_ID_PATTERN.test(id)) bad(at, 'is not a valid outcome id');
    if (!isRecord(o)) bad(at, 'must be an object');
    only(o, at, ['title', 'status', 'effects', 'credential']);
    label(o.title, `${at}.title`);
    if (o.status !== 'approved' && o.status !== 'rejected') bad(`${at}.status`, 'must be approved or rejected');
    if (o.effects !== undefined) {
      if (!Array.isArray(o.effects) || o.effects.length > MAX_EFFECTS)
        bad(`${at}.effects`, `at most ${MAX_EFFECTS} effects`);
      o.effects.forEach((e, i) => {
        if (!isRecord(e)) bad(`${at}.effects[${i}]`, 'must be an object');
        only(e, `${at}.effects[${i}]`, ['contract', 'method', 'args']);
        callTarget(e, `${at}.effects[${i}]`);
      });
    }
    if (o.credential !== undefined) {
      if (o.status !== 'approved') bad(`${at}.credential`, 'only an approved outcome issues a credential');
      outcomeCredential(o.credential, `${at}.credential`);
    }
  }
  const steps = value.steps as Record<string, unknown>;
  const outcomes = value.outcomes as Record<string, unknown>;
  const target = (to: unknown, at: string) => {
    if (typeof to !== 'string') bad(at, 'must be a step id or @outcome');
    if (to.startsWith('@') ? !Object.hasOwn(outcomes, to.slice(1)) : !Object.hasOwn(steps, to)) {
      bad(at, `${to} is neither a step nor an outcome (@name) of this workflow`);
    }
  };
  if (typeof value.start !== 'string' || !Object.hasOwn(steps, value.start)) bad('start', 'must be a step id');
  for (const [id, s] of Object.entries(steps)) {
    const at = `steps.${id}`;
    if (!STEP_ID_PATTERN.test(id)) bad(at, 'is not a valid step id');
    if (!isRecord(s)) bad(at, 'must be an object');
    only(s, at, ['title', 'type', 'actors', 'parties', 'form', 'checks', 'deadlineHours', 'actions']);
    label(s.title, `${at}.title`);
    if (s.type !== 'single' && s.type !== 'countersign') bad(`${at}.type`, 'must be single or countersign');
    if (s.type === 'single') {
      if (s.parties !== undefined) bad(`${at}.parties`, 'is for countersign steps');
      policy(s.actors, `${at}.actors`);
    } else {
      if (s.actors !== undefined) bad(`${at}.actors`, 'a countersign step names parties instead');
      if (!isRecord(s.parties) || Object.keys(s.parties).length < 2 || Object.keys(s.parties).length > 16) {
        bad(`${at}.parties`, 'a countersign needs 2–16 parties');
      }
      for (const [p, pol] of Object.entries(s.parties)) {
        if (!STEP_ID_PATTERN.test(p)) bad(`${at}.parties.${p}`, 'is not a valid party id');
        policy(pol, `${at}.parties.${p}`);
      }
    }
    if (s.form !== undefined) {
      assertFormSchema(s.form, `${at}.form`);
      if ((s.form as JsonObject).type !== 'object') bad(`${at}.form.type`, 'a step form is an object');
    }
    checks(s.checks, `${at}.checks`);
    hours(s.deadlineHours, `${at}.deadlineHours`);
    if (!isRecord(s.actions) || Object.keys(s.actions).length === 0)
      bad(`${at}.actions`, 'must name at least one action');
    if (s.type === 'countersign' && Object.keys(s.actions).sort().join() !== 'approve,reject') {
      bad(`${at}.actions`, 'a countersign has exactly the actions approve and reject');
    }
    for (const [name, tr] of Object.entries(s.actions)) {
      const here = `${at}.actions.${name}`;
      if (!STEP_ID_PATTERN.test(name)) bad(here, 'is not a valid action name');
      if (!isRecord(tr)) bad(here, 'must be an object');
      only(tr, here, ['to', 'title', 'commentRequired']);
      target(tr.to, `${here}.to`);
      label(tr.title, `${here}.title`, false);
      if (tr.commentRequired !== undefined && typeof tr.commentRequired !== 'boolean')
        bad(`${here}.commentRequired`, 'must be true or false');
    }
  }
  return value as unknown as WorkflowDefinition;
}

const isPersonalClaim = (v: unknown): v is PersonalClaimTemplate => isRecord(v) && Object.hasOwn(v, '$personal');

function outcomeCredential(v: unknown, at: string): void {
  if (!isRecord(v)) bad(at, 'must be { type, claims, disclosable?, validDays? }');
  only(v, at, ['type', 'claims', 'disclosable', 'validDays']);
  if (typeof v.type !== 'string' || !CREDENTIAL_TYPE_PATTERN.test(v.type))
    bad(`${at}.type`, 'must be a credential type id');
  if (!isRecord(v.claims) || Object.keys(v.claims).length === 0 || Object.keys(v.claims).length > MAX_CLAIMS) {
    bad(`${at}.claims`, `must map 1–${MAX_CLAIMS} claim names to values`);
  }
  for (const [name, c] of Object.entries(v.claims)) {
    const here = `${at}.claims.${name}`;
    if (!CLAIM_NAME_PATTERN.test(name) || RESERVED_CLAIM_NAMES.has(name)) {
      bad(here, 'is not a claim name a workflow may set (letters, digits, _; not a registered JWT claim)');
    }
    if (isPersonalClaim(c)) {
      only(c as unknown as Record<string, unknown>, here, ['$personal', 'field']);
      if (typeof c.$personal !== 'string' || !c.$personal.startsWith('$.')) {
        bad(`${here}.$personal`, 'must be a "$.path" to a personal field of the case');
      }
      if (c.field !== undefined && (typeof c.field !== 'string' || !CLAIM_NAME_PATTERN.test(c.field))) {
        bad(`${here}.field`, 'must be a member name of the record');
      }
    }
  }
  if (v.disclosable !== undefined) {
    if (!Array.isArray(v.disclosable) || new Set(v.disclosable).size !== v.disclosable.length) {
      bad(`${at}.disclosable`, 'must list claim names once each');
    }
    for (const name of v.disclosable) {
      if (typeof name !== 'string' || !Object.hasOwn(v.claims, name)) {
        bad(`${at}.disclosable`, `${String(name)} is not one of the claims`);
      }
    }
  }
  if (
    v.validDays !== undefined &&
    (!Number.isSafeInteger(v.validDays) || (v.validDays as number) < 1 || (v.validDays as number) > MAX_VALID_DAYS)
  ) {
    bad(`${at}.validDays`, `must be a whole number of days, 1–${MAX_VALID_DAYS}`);
  }
}

export { isPersonalClaim };

function hours(v: unknown, at: string): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > MAX_DEADLINE_HOURS)) {
    bad(at, `must be an integer number of hours, 1–${MAX_DEADLINE_HOURS}`);
  }
}

/**
 * Resolves a template against a view of the case: a string `"$.a.b"` is the value at that path (null when absent),
 * `"$$…"` is the literal string `"$…"`; arrays and objects are resolved member by member; anything else is itself.
 */
export function resolveTemplate(template: Template, view: JsonValue): JsonValue {
  if (typeof template === 'string') {
    if (template.startsWith('$$')) return template.slice(1);
    if (!template.startsWith('$.')) return template;
    let at: JsonValue | undefined = view;
    for (const part of template.slice(2).split('.')) {
      if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, part)) return null;
      at = (at as JsonObject)[part];
    }
    return at ?? null;
  }
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, view));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, t]) => [k, resolveTemplate(t, view)]));
  }
  return template;
}

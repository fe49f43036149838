/**
 * Approval workflows from a client (the staff console, the portal, integrations): read the deployed workflows and
 * their forms, the inbox, cases; compute commitments for personal fields. Submitting, acting and withdrawing are
 * transactions of the `workflow` contract (`buildTransaction` + `submitTransaction`; PROTOCOL.md §17).
 */
import {
  type BilingualText,
  type CaseSummaryView,
  type CaseView,
  HashTag,
  type JsonObject,
  type JsonValue,
  commitPersonal as protocolCommitPersonal,
  type RecordReader,
} from '@lianzheng/protocol';
import type { Client } from './actions.js';
import { type PrivacySigner, registerPersonal } from './privacy.js';

/** A deployed workflow (its current version) as `GET /v1/workflows` lists it. */
export interface WorkflowSummary {
  readonly id: string;
  readonly version: number;
  readonly title: BilingualText;
  /** The department that owns the workflow. */
  readonly owner: string;
  readonly description?: BilingualText;
}

export interface GetWorkflowsReturnType {
  readonly workflows: readonly WorkflowSummary[];
}

/** The deployed workflows (current versions), public: id, title in both languages, owning department. */
export function getWorkflows(client: Client): Promise<GetWorkflowsReturnType> {
  return client.transport.request('GET', '/v1/workflows');
}

export function getWorkflow(client: Client, id: string, version?: number): Promise<Record<string, unknown>> {
  const q = version === undefined ? '' : `?version=${version}`;
  return client.transport.request('GET', `/v1/workflows/${encodeURIComponent(id)}${q}`);
}

/** The signed-in civil servant's tasks (a session client: `withSession`). */
export function getInbox(client: Client): Promise<{ tasks: CaseSummaryView[] }> {
  return client.transport.request('GET', '/v1/workflow/inbox');
}

export function getCases(
  client: Client,
  filter: { readonly status?: string; readonly workflow?: string } = {},
): Promise<{ cases: CaseSummaryView[] }> {
  const q = new URLSearchParams();
  if (filter.status !== undefined) q.set('status', filter.status);
  if (filter.workflow !== undefined) q.set('workflow', filter.workflow);
  return client.transport.request('GET', `/v1/workflow/cases${q.size > 0 ? `?${q.toString()}` : ''}`);
}

export function getMyCases(client: Client): Promise<{ cases: CaseSummaryView[] }> {
  return client.transport.request('GET', '/v1/workflow/my-cases');
}

export function getCase(client: Client, id: string): Promise<CaseView> {
  return client.transport.request('GET', `/v1/workflow/cases/${id}`);
}

/** A file of a case, by its hash only (the file stays off chain). */
export interface CaseAttachment {
  /** 1–200 characters. */
  readonly name: string;
  /** SHA-256 of the file, 64 lower-case hex. */
  readonly hash: string;
  /** Bytes. */
  readonly size?: number;
}

export interface ActOnCaseArgs {
  readonly case: string;
  /** An action of the current step (`approve`, `reject`, or what the definition names, e.g. a return to a step). */
  readonly action: string;
  /** The step's form (its schema is `steps[step].form` of the definition). */
  readonly form?: JsonObject;
  /** Required by actions with `commentRequired` (rejections). */
  readonly comment?: string;
  readonly attachments?: readonly CaseAttachment[];
  /** The countersign party the signer acts for (default: the first one the signer satisfies). */
  readonly party?: string;
}

/** A contract call, ready for `buildTransaction({ chainId, signer, ...call })`. */
export interface WorkflowCall<M extends string> {
  readonly contract: 'workflow';
  readonly method: M;
  readonly args: JsonObject;
}

/** The call that acts on the current step of a case (`workflow.act`, PROTOCOL.md §17.5). */
export function actOnCaseTx(args: ActOnCaseArgs): WorkflowCall<'act'> {
  return {
    contract: 'workflow',
    method: 'act',
    args: {
      case: args.case,
      action: args.action,
      ...(args.form === undefined ? {} : { form: args.form }),
      ...(args.comment === undefined ? {} : { comment: args.comment }),
      ...(args.attachments === undefined || args.attachments.length === 0
        ? {}
        : { attachments: args.attachments.map((a) => ({ ...a }) as JsonObject) }),
      ...(args.party === undefined ? {} : { party: args.party }),
    },
  };
}

/** Domain tag of personal-data commitments (PROTOCOL.md §17.3, §19). */
export const COMMITMENT_TAG = HashTag.personal;

/**
 * The commitment that goes on chain instead of a personal value (an ID number, a name): hex of
 * TH("lianzheng/personal", JCS({ salt, value })). Keep the value and the salt off chain (the private-data store); with
 * them anyone can check the commitment, without them nobody can guess the value from it. Use a fresh random salt of at
 * least 16 bytes per value.
 */
export const commitPersonal = protocolCommitPersonal;

const COMMITMENT = /^[0-9a-f]{64}$/;

/** The parts of a workflow definition `registerFormPersonal` reads. */
export interface WorkflowFormDefinition {
  readonly owner: string;
  readonly form: JsonObject;
  readonly steps?: JsonObject;
}

/**
 * The departments that handle a workflow's cases: its owner and every organisation its steps name (actors and
 * countersign parties). They are who may read the personal fields of a case, for the case (`case-handling`).
 */
export function caseReaders(def: WorkflowFormDefinition): RecordReader[] {
  const orgs = new Set<string>([def.owner]);
  const walk = (v: JsonValue | undefined): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'org' && typeof x === 'string' && !x.startsWith('$')) orgs.add(x);
        else walk(x);
      }
    }
  };
  for (const step of Object.values(def.steps ?? {})) {
    const s = step as JsonObject;
    walk(s.actors);
    walk(s.parties);
  }
  return [...orgs].sort().map((org) => ({ org, purposes: ['case-handling'] }));
}

export interface RegisterFormPersonalParameters {
  readonly definition: WorkflowFormDefinition;
  /** The form with the plain values of its personal fields (those already a commitment are kept as they are). */
  readonly form: JsonObject;
  /** The pseudonymous subject the records are about (a citizen's own; a child's records under a parent's). */
  readonly subject: string;
  /**
   * The organisation the records are for: default the workflow's owner; `null` when a civil servant registers (a
   * member's records are their own organisation's).
   */
  readonly org?: string | null;
  /** Who may read the records for which purposes; default `caseReaders(definition)`. */
  readonly policy?: readonly RecordReader[];
  /** The category of a field whose schema names none (`x-category`); default `identity`. */
  readonly category?: string;
  /** Test hook and for re-submission: the salt of a field's record (by field path, e.g. `form.personId`). */
  readonly salts?: Readonly<Record<string, string>>;
}

export interface RegisteredField {
  readonly field: string;
  readonly record: string;
  readonly salt: string;
  readonly category: string;
}

/** A personal field of a form as the schema marks it: its path, value and category. */
export interface PersonalFormField {
  readonly field: string;
  readonly value: JsonValue;
  /** The schema's `x-category`, if it names one. */
  readonly category?: string;
  /** Whether the value is already a commitment (64 hex). */
  readonly committed: boolean;
}

/** Rebuilds a form, passing each personal field (as its schema marks them) through `f`; other values are kept. */
export async function mapPersonalFields(
  schema: JsonObject,
  value: JsonValue,
  at: string,
  f: (field: PersonalFormField) => Promise<JsonValue>,
): Promise<JsonValue> {
  if (schema['x-personal'] === true) {
    const category = schema['x-category'];
    return f({
      field: at,
      value,
      ...(typeof category === 'string' ? { category } : {}),
      committed: typeof value === 'string' && COMMITMENT.test(value),
    });
  }
  if (schema.type === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Record<string, JsonObject>;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = Object.hasOwn(props, k) ? await mapPersonalFields(props[k] as JsonObject, v, `${at}.${k}`, f) : v;
    }
    return out;
  }
  if (schema.type === 'array' && Array.isArray(value) && schema.items !== undefined) {
    const out: JsonValue[] = [];
    for (const [i, v] of value.entries())
      out.push(await mapPersonalFields(schema.items as JsonObject, v, `${at}[${i}]`, f));
    return out;
  }
  return value;
}

/** The personal fields of a filled-in form (e.g. to tell which hold plain values still to be registered). */
export async function personalFormFields(schema: JsonObject, form: JsonObject): Promise<PersonalFormField[]> {
  const out: PersonalFormField[] = [];
  await mapPersonalFields(schema, form, 'form', async (field) => {
    out.push(field);
    return field.value;
  });
  return out;
}

/**
 * Puts the personal fields of a form in the private-data store before the form is submitted: each plain value of a
 * field marked `x-personal` is registered as a personal record (encrypted on the nodes that may hold it, its
 * commitment on chain; the record is for the workflow's owner, readable by the departments handling the case) and
 * replaced in the form by its commitment. Returns the form to submit and what was registered (keep the salts: they
 * and the values are the applicant's proof of what the commitments stand for).
 */
export async function registerFormPersonal(
  client: Client,
  s: PrivacySigner,
  p: RegisterFormPersonalParameters,
): Promise<{ form: JsonObject; records: RegisteredField[] }> {
  const records: RegisteredField[] = [];
  const policy = p.policy ?? caseReaders(p.definition);
  const form = (await mapPersonalFields(p.definition.form, p.form, 'form', async (f) => {
    if (f.committed) return f.value;
    const category = f.category ?? p.category ?? 'identity';
    const salt = p.salts?.[f.field];
    const r = await registerPersonal(client, s, {
      value: f.value,
      category,
      subject: p.subject,
      ...(p.org === null ? {} : { org: p.org ?? p.definition.owner }),
      policy,
      ...(salt === undefined ? {} : { salt }),
    });
    records.push({ field: f.field, record: r.record, salt: r.salt, category });
    return r.record;
  })) as JsonObject;
  return { form, records };
}

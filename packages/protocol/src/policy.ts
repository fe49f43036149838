/**
 * The policy language: who may call a contract method. A policy is a small JSON expression (docs/identity.md);
 * leaf predicates look at the primary signer, `quorum` counts organisations among the signer and the co-signers.
 * Validation and evaluation are pure so the node, the verifier and the browser give the same answer.
 */
import { protocolError } from './errors.js';
import { ORG_ID_PATTERN } from './ids.js';

/** Role names as they appear in certificates and policies. */
export const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** Attribute names (certificate attributes such as `unit`, `region`). */
export const ATTR_NAME_PATTERN = /^[a-z][a-zA-Z0-9_-]{0,31}$/;

export type IdentityKind = 'member' | 'citizen' | 'enterprise';
/** `subject` matches citizens and enterprises. */
export type KindSelector = IdentityKind | 'subject';

export type QuorumNeed = 'ANY' | 'ALL' | 'MAJORITY' | { readonly k: number } | { readonly weight: number };

export interface QuorumSpec {
  readonly need: QuorumNeed;
  /** Organisations that count; default every organisation of the configuration. */
  readonly of?: readonly string[];
  /** What each counted signature must satisfy; default `{"kind":"member"}`. */
  readonly signers?: Policy;
}

export type Policy =
  | 'anyone'
  | 'nobody'
  | 'ownOrg'
  | 'self'
  | { readonly role: string | readonly string[] }
  | { readonly org: string | readonly string[] }
  | { readonly attr: Readonly<Record<string, string | readonly string[]>> }
  | { readonly kind: KindSelector }
  | { readonly all: readonly Policy[] }
  | { readonly any: readonly Policy[] }
  | { readonly not: Policy }
  | { readonly quorum: QuorumSpec };

/** An identity as policies see it: a registered member (staff) or subject (citizen, enterprise). */
export interface Principal {
  readonly kind: IdentityKind;
  /** Public key, hex. */
  readonly key: string;
  /** Organisation of a member. */
  readonly org?: string;
  /** Member id (certificate CN), e.g. a staff number. */
  readonly member?: string;
  /** Pseudonymous subject id of a citizen or enterprise. */
  readonly subject?: string;
  readonly roles: readonly string[];
  readonly attrs: Readonly<Record<string, string>>;
}

/** What a call acts on, as far as `ownOrg` and `self` are concerned. */
export interface PolicyObject {
  readonly org?: string;
  readonly subject?: string;
  readonly key?: string;
}

export interface PolicyOrg {
  readonly id: string;
  readonly weight: number;
}

export interface PolicyContext {
  readonly signer: Principal;
  readonly cosigners: readonly Principal[];
  readonly object?: PolicyObject;
  readonly orgs: readonly PolicyOrg[];
}

const MAX_DEPTH = 8;
const MAX_NODES = 64;
const MAX_LIST = 32;

function invalid(path: string, message: string): never {
  throw protocolError('POLICY_INVALID', `${path}: ${message}`, { path });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrList(value: unknown, path: string, pattern: RegExp, what: string): void {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LIST) {
    invalid(path, `must be a ${what} or a list of 1–${MAX_LIST}`);
  }
  const seen = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string' || !pattern.test(item))
      invalid(path, `${JSON.stringify(item)} is not a valid ${what}`);
    if (seen.has(item)) invalid(path, `${item} is listed twice`);
    seen.add(item);
  }
}

function checkNeed(value: unknown, path: string): void {
  if (value === 'ANY' || value === 'ALL' || value === 'MAJORITY') return;
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'k' && Number.isSafeInteger(value.k) && (value.k as number) >= 1) return;
    if (
      keys.length === 1 &&
      keys[0] === 'weight' &&
      Number.isSafeInteger(value.weight) &&
      (value.weight as number) >= 1
    )
      return;
  }
  invalid(path, 'need must be "ANY", "ALL", "MAJORITY", {"k": n} or {"weight": w} with n, w ≥ 1');
}

/**
 * Checks that `value` is a policy expression and returns it typed. With `orgs`, every organisation a policy names
 * must exist. Limits: nesting depth 8, 64 nodes, lists of at most 32.
 */
export function assertPolicy(value: unknown, orgs?: ReadonlySet<string>, path = 'policy'): Policy {
  let nodes = 0;
  const walk = (p: unknown, at: string, depth: number, inSigners: boolean): void => {
    if (++nodes > MAX_NODES) invalid(at, `a policy may have at most ${MAX_NODES} parts`);
    if (depth > MAX_DEPTH) invalid(at, `a policy may nest at most ${MAX_DEPTH} deep`);
    if (p === 'anyone' || p === 'nobody' || p === 'ownOrg' || p === 'self') return;
    if (!isRecord(p)) invalid(at, 'must be "anyone", "nobody", "ownOrg", "self" or an object with one operator');
    const keys = Object.keys(p);
    if (keys.length !== 1) invalid(at, 'an operator object has exactly one member');
    const op = keys[0]!;
    const arg = p[op];
    const here = `${at}.${op}`;
    switch (op) {
      case 'role':
        stringOrList(arg, here, ROLE_PATTERN, 'role name');
        return;
      case 'org':
        stringOrList(arg, here, ORG_ID_PATTERN, 'organisation id');
        if (orgs !== undefined) {
          for (const o of typeof arg === 'string' ? [arg] : (arg as string[])) {
            if (!orgs.has(o)) invalid(here, `no organisation ${o} in the configuration`);
          }
        }
        return;
      case 'attr': {
        if (!isRecord(arg)) invalid(here, 'must be an object of attribute name → value or list of values');
        const names = Object.keys(arg);
        if (names.length === 0 || names.length > 16) invalid(here, 'must name 1–16 attributes');
        for (const name of names) {
          if (!ATTR_NAME_PATTERN.test(name)) invalid(here, `${name} is not a valid attribute name`);
          const v = arg[name];
          const list = typeof v === 'string' ? [v] : v;
          if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LIST) {
            invalid(`${here}.${name}`, 'must be a string or a list of strings');
          }
          for (const s of list) {
            if (typeof s !== 'string' || s.length === 0 || s.length > 128) {
              invalid(`${here}.${name}`, 'values are strings of 1–128 characters');
            }
          }
        }
        return;
      }
      case 'kind':
        if (arg !== 'member' && arg !== 'citizen' && arg !== 'enterprise' && arg !== 'subject') {
          invalid(here, 'must be "member", "citizen", "enterprise" or "subject"');
        }
        return;
      case 'all':
      case 'any':
        if (!Array.isArray(arg) || arg.length === 0 || arg.length > MAX_LIST) {
          invalid(here, `must be a list of 1–${MAX_LIST} policies`);
        }
        arg.forEach((child, i) => {
          walk(child, `${here}[${i}]`, depth + 1, inSigners);
        });
        return;
      case 'not':
        walk(arg, here, depth + 1, inSigners);
        return;
      case 'quorum': {
        if (inSigners) invalid(here, 'a quorum cannot be nested inside another quorum');
        if (!isRecord(arg)) invalid(here, 'must be an object { need, of?, signers? }');
        for (const k of Object.keys(arg)) {
          if (k !== 'need' && k !== 'of' && k !== 'signers') invalid(`${here}.${k}`, 'unknown member');
        }
        checkNeed(arg.need, `${here}.need`);
        if (arg.of !== undefined) {
          stringOrList(arg.of, `${here}.of`, ORG_ID_PATTERN, 'organisation id');
          if (!Array.isArray(arg.of)) invalid(`${here}.of`, 'must be a list');
          if (orgs !== undefined) {
            for (const o of arg.of as string[]) {
              if (!orgs.has(o)) invalid(`${here}.of`, `no organisation ${o} in the configuration`);
            }
          }
        }
        if (arg.signers !== undefined) walk(arg.signers, `${here}.signers`, depth + 1, true);
        return;
      }
      default:
        invalid(at, `unknown operator ${op}`);
    }
  };
  walk(value, path, 0, false);
  return value as Policy;
}

function asList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

function matchesKind(p: Principal, kind: KindSelector): boolean {
  return kind === 'subject' ? p.kind === 'citizen' || p.kind === 'enterprise' : p.kind === kind;
}

/** Whether one principal satisfies a quorum-free policy (leaves are about that principal). */
function holds(policy: Policy, who: Principal, ctx: PolicyContext): boolean {
  if (policy === 'anyone') return true;
  if (policy === 'nobody') return false;
  if (policy === 'ownOrg') return who.org !== undefined && ctx.object?.org === who.org;
  if (policy === 'self') {
    const o = ctx.object;
    if (o === undefined) return false;
    if (o.key !== undefined && o.key === who.key) return true;
    return o.subject !== undefined && o.subject === who.subject;
  }
  if ('role' in policy) return who.kind === 'member' && asList(policy.role).some((r) => who.roles.includes(r));
  if ('org' in policy) return who.org !== undefined && asList(policy.org).includes(who.org);
  if ('attr' in policy) {
    if (who.kind !== 'member') return false;
    for (const [name, wanted] of Object.entries(policy.attr)) {
      const have = Object.hasOwn(who.attrs, name) ? who.attrs[name] : undefined;
      if (have === undefined || !asList(wanted).includes(have)) return false;
    }
    return true;
  }
  if ('kind' in policy) return matchesKind(who, policy.kind);
  if ('all' in policy) return policy.all.every((p) => holds(p, who, ctx));
  if ('any' in policy) return policy.any.some((p) => holds(p, who, ctx));
  if ('not' in policy) return !holds(policy.not, who, ctx);
  return quorumMet(policy.quorum, ctx);
}

/** Organisations a quorum counts over: `of`, or every organisation of the configuration. */
function quorumOrgs(spec: QuorumSpec, orgs: readonly PolicyOrg[]): PolicyOrg[] {
  if (spec.of === undefined) return [...orgs];
  return orgs.filter((o) => spec.of!.includes(o.id));
}

/** The action types a governance proposal may carry (PROTOCOL.md §15). */
export const GOV_ACTION_TYPES = [
  'addOrg',
  'removeOrg',
  'updateOrg',
  'setCa',
  'setPolicy',
  'setGovernance',
  'setRoles',
  'setLimits',
  'deployContract',
  'deployWorkflow',
] as const;

/** Whether a set of approving organisations meets `need` over the counted organisations. */
export function needMet(need: QuorumNeed, counted: readonly PolicyOrg[], approving: ReadonlySet<string>): boolean {
  const yes = counted.filter((o) => approving.has(o.id));
  if (need === 'ANY') return yes.length >= 1;
  if (need === 'ALL') return counted.length > 0 && yes.length === counted.length;
  if (need === 'MAJORITY') return yes.length * 2 > counted.length;
  if ('k' in need) return yes.length >= need.k;
  return yes.reduce((sum, o) => sum + o.weight, 0) >= need.weight;
}

/**
 * What `need` asks of the counted organisations, for showing a tally: how many organisations (or how much vote weight,
 * `weight: true`) out of how many. Agrees with `needMet`: approval by `needed` of them (by weight) meets the need.
 */
export function needThreshold(
  need: QuorumNeed,
  counted: readonly PolicyOrg[],
): { readonly needed: number; readonly total: number; readonly weight: boolean } {
  const n = counted.length;
  if (need === 'ANY') return { needed: 1, total: n, weight: false };
  if (need === 'ALL') return { needed: n, total: n, weight: false };
  if (need === 'MAJORITY') return { needed: Math.floor(n / 2) + 1, total: n, weight: false };
  if ('k' in need) return { needed: need.k, total: n, weight: false };
  return { needed: need.weight, total: counted.reduce((sum, o) => sum + o.weight, 0), weight: true };
}

/** Whether `need` can be met at all by the counted organisations (all of them approving). */
export function needReachable(need: QuorumNeed, counted: readonly PolicyOrg[]): boolean {
  return needMet(need, counted, new Set(counted.map((o) => o.id)));
}

function quorumMet(spec: QuorumSpec, ctx: PolicyContext): boolean {
  const counted = quorumOrgs(spec, ctx.orgs);
  const signers = spec.signers ?? { kind: 'member' };
  const approving = new Set<string>();
  for (const who of [ctx.signer, ...ctx.cosigners]) {
    if (who.org !== undefined && who.kind === 'member' && holds(signers, who, ctx)) approving.add(who.org);
  }
  return needMet(spec.need, counted, approving);
}

/** Evaluates a (validated) policy for a call. */
export function evaluatePolicy(policy: Policy, ctx: PolicyContext): boolean {
  return holds(policy, ctx.signer, ctx);
}

/** Whether a policy contains a quorum (then co-signatures matter). */
export function policyUsesQuorum(policy: Policy): boolean {
  if (typeof policy === 'string') return false;
  if ('quorum' in policy) return true;
  if ('all' in policy) return policy.all.some(policyUsesQuorum);
  if ('any' in policy) return policy.any.some(policyUsesQuorum);
  if ('not' in policy) return policyUsesQuorum(policy.not);
  return false;
}

/**
 * Organisations whose members could satisfy a policy as a single signer, assuming any role or attribute can be
 * issued by an organisation's CA. Conservative for `not` (only `not` of a predicate every member meets excludes
 * anyone) and for `ownOrg`/`self` (object-dependent: at most one organisation). Used to refuse configuration
 * changes that would make governance impossible.
 */
export function orgsThatCanSatisfy(policy: Policy, orgs: readonly string[]): { orgs: Set<string>; single: boolean } {
  const all = new Set(orgs);
  const none = new Set<string>();
  const walk = (p: Policy): { orgs: Set<string>; single: boolean } => {
    if (p === 'anyone') return { orgs: all, single: false };
    if (p === 'nobody') return { orgs: none, single: false };
    if (p === 'ownOrg' || p === 'self') return { orgs: all, single: true };
    if ('role' in p || 'attr' in p) return { orgs: all, single: false };
    if ('org' in p) return { orgs: new Set(asList(p.org).filter((o) => all.has(o))), single: false };
    if ('kind' in p) return { orgs: p.kind === 'member' ? all : none, single: false };
    if ('quorum' in p) return { orgs: all, single: false };
    if ('not' in p) {
      const inner = p.not;
      const excludesEveryone =
        inner === 'anyone' || (typeof inner === 'object' && 'kind' in inner && inner.kind === 'member');
      return { orgs: excludesEveryone ? none : all, single: false };
    }
    const parts = ('all' in p ? p.all : p.any).map(walk);
    const single = parts.some((x) => x.single);
    if ('all' in p) {
      const out = new Set(all);
      for (const x of parts) for (const o of out) if (!x.orgs.has(o)) out.delete(o);
      return { orgs: out, single };
    }
    const out = new Set<string>();
    for (const x of parts) for (const o of x.orgs) out.add(o);
    return { orgs: out, single: parts.every((x) => x.single) };
  };
  return walk(policy);
}

/** Short English description of a policy for error messages and the console. */
export function describePolicy(policy: Policy): string {
  if (policy === 'anyone') return 'any registered identity';
  if (policy === 'nobody') return 'nobody';
  if (policy === 'ownOrg') return 'a member of the organisation that owns the object';
  if (policy === 'self') return 'the identity the call is about';
  if ('role' in policy) return `role ${asList(policy.role).join(' or ')}`;
  if ('org' in policy) return `organisation ${asList(policy.org).join(' or ')}`;
  if ('attr' in policy) {
    return Object.entries(policy.attr)
      .map(([k, v]) => `${k}=${asList(v).join('|')}`)
      .join(', ');
  }
  if ('kind' in policy) return policy.kind === 'enterprise' ? 'an enterprise' : `a ${policy.kind}`;
  if ('all' in policy) return policy.all.map(describePolicy).join(' and ');
  if ('any' in policy) return `(${policy.any.map(describePolicy).join(' or ')})`;
  if ('not' in policy) return `not (${describePolicy(policy.not)})`;
  const need = policy.quorum.need;
  const n = typeof need === 'string' ? need : 'k' in need ? `${need.k} of` : `weight ${need.weight} of`;
  return `${n} organisations${policy.quorum.of === undefined ? '' : ` (${policy.quorum.of.join(', ')})`} co-signing`;
}

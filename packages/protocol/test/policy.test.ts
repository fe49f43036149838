import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';
import {
  ATTR_NAME_PATTERN,
  assertPolicy,
  describePolicy,
  evaluatePolicy,
  needMet,
  needReachable,
  needThreshold,
  orgsThatCanSatisfy,
  type Policy,
  type PolicyContext,
  type PolicyObject,
  type PolicyOrg,
  type Principal,
  policyUsesQuorum,
  type QuorumNeed,
  ROLE_PATTERN,
} from '../src/policy.js';

const SEED = 0x901;

function thrown(f: () => unknown): LianzhengError {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw new Error(`expected a LianzhengError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an error, but the call returned');
}

// ---------------------------------------------------------------------------------------------------------------
// Principals and contexts
// ---------------------------------------------------------------------------------------------------------------

const ORGS: PolicyOrg[] = [
  { id: 'aa', weight: 1 },
  { id: 'bb', weight: 2 },
  { id: 'cc', weight: 3 },
];

const member = (
  org: string | undefined,
  roles: string[] = [],
  attrs: Record<string, string> = {},
  key = `k-${org}-${roles.join('+')}`,
): Principal => ({
  kind: 'member',
  key,
  ...(org === undefined ? {} : { org }),
  member: `${org ?? 'none'}-0001`,
  roles,
  attrs,
});
const citizen: Principal = { kind: 'citizen', key: 'k-citizen', subject: 's1', roles: [], attrs: {} };
const enterprise: Principal = { kind: 'enterprise', key: 'k-enterprise', subject: 's2', roles: [], attrs: {} };
const adminA = member('aa', ['admin'], { unit: 'x', region: 'north' }, 'k-admin-a');
const plainB = member('bb', [], {}, 'k-plain-b');
const auditorC = member('cc', ['auditor', 'operator'], { unit: 'y' }, 'k-auditor-c');
const orgless = member(undefined, ['admin'], { unit: 'x' }, 'k-orgless');

function ctx(
  signer: Principal,
  object?: PolicyObject,
  cosigners: Principal[] = [],
  orgs: PolicyOrg[] = ORGS,
): PolicyContext {
  return object === undefined ? { signer, cosigners, orgs } : { signer, cosigners, object, orgs };
}

// ---------------------------------------------------------------------------------------------------------------
// Truth tables
// ---------------------------------------------------------------------------------------------------------------

describe('evaluatePolicy: leaves', () => {
  const principals = { adminA, plainB, auditorC, orgless, citizen, enterprise } as const;
  type Name = keyof typeof principals;
  /** For each policy, the principals that satisfy it (with no object). */
  const table: [string, Policy, Name[]][] = [
    ['anyone', 'anyone', ['adminA', 'plainB', 'auditorC', 'orgless', 'citizen', 'enterprise']],
    ['nobody', 'nobody', []],
    ['role', { role: 'admin' }, ['adminA', 'orgless']],
    ['role list', { role: ['auditor', 'registrar'] }, ['auditorC']],
    ['role nobody has', { role: 'registrar' }, []],
    ['org', { org: 'bb' }, ['plainB']],
    ['org list', { org: ['aa', 'cc'] }, ['adminA', 'auditorC']],
    ['attr', { attr: { unit: 'x' } }, ['adminA', 'orgless']],
    ['attr list of values', { attr: { unit: ['x', 'y'] } }, ['adminA', 'auditorC', 'orgless']],
    ['attr, two names', { attr: { unit: 'x', region: 'north' } }, ['adminA']],
    ['attr absent', { attr: { region: 'south' } }, []],
    ['kind member', { kind: 'member' }, ['adminA', 'plainB', 'auditorC', 'orgless']],
    ['kind citizen', { kind: 'citizen' }, ['citizen']],
    ['kind enterprise', { kind: 'enterprise' }, ['enterprise']],
    ['kind subject', { kind: 'subject' }, ['citizen', 'enterprise']],
    ['ownOrg without an object', 'ownOrg', []],
    ['self without an object', 'self', []],
  ];
  it.each(table)('%s', (_name, policy, expected) => {
    for (const [name, p] of Object.entries(principals)) {
      expect(evaluatePolicy(policy, ctx(p)), `${name}`).toBe(expected.includes(name as Name));
    }
  });

  it('roles and attrs of non-members never count', () => {
    const odd: Principal = { kind: 'citizen', key: 'k', subject: 's', roles: ['admin'], attrs: { unit: 'x' } };
    expect(evaluatePolicy({ role: 'admin' }, ctx(odd))).toBe(false);
    expect(evaluatePolicy({ attr: { unit: 'x' } }, ctx(odd))).toBe(false);
  });

  it('attrs are own properties only', () => {
    const proto: Principal = { ...plainB, attrs: Object.create({ unit: 'x' }) };
    expect(evaluatePolicy({ attr: { unit: 'x' } }, ctx(proto))).toBe(false);
    expect(evaluatePolicy({ attr: { toString: 'x' } }, ctx(plainB))).toBe(false);
  });

  it('ownOrg: the object’s organisation is the signer’s', () => {
    expect(evaluatePolicy('ownOrg', ctx(adminA, { org: 'aa' }))).toBe(true);
    expect(evaluatePolicy('ownOrg', ctx(adminA, { org: 'bb' }))).toBe(false);
    expect(evaluatePolicy('ownOrg', ctx(adminA, { subject: 's1' }))).toBe(false);
    expect(evaluatePolicy('ownOrg', ctx(citizen, { org: 'aa' }))).toBe(false);
    expect(evaluatePolicy('ownOrg', ctx(orgless, {}))).toBe(false);
  });

  it('self: the object’s key or subject is the signer’s', () => {
    expect(evaluatePolicy('self', ctx(adminA, { key: 'k-admin-a' }))).toBe(true);
    expect(evaluatePolicy('self', ctx(adminA, { key: 'k-plain-b' }))).toBe(false);
    expect(evaluatePolicy('self', ctx(citizen, { subject: 's1' }))).toBe(true);
    expect(evaluatePolicy('self', ctx(citizen, { subject: 's2' }))).toBe(false);
    expect(evaluatePolicy('self', ctx(citizen, { subject: 's2', key: 'k-citizen' }))).toBe(true);
    // A member has no subject: an object without subject must not match "no subject".
    expect(evaluatePolicy('self', ctx(adminA, { org: 'aa' }))).toBe(false);
    expect(evaluatePolicy('self', ctx(adminA, {}))).toBe(false);
  });
});

describe('evaluatePolicy: all / any / not', () => {
  const T: Policy = 'anyone';
  const F: Policy = 'nobody';
  it('truth tables', () => {
    const c = ctx(adminA);
    for (const [a, b] of [
      [T, T],
      [T, F],
      [F, T],
      [F, F],
    ] as const) {
      const va = a === T;
      const vb = b === T;
      expect(evaluatePolicy({ all: [a, b] }, c)).toBe(va && vb);
      expect(evaluatePolicy({ any: [a, b] }, c)).toBe(va || vb);
      expect(evaluatePolicy({ not: a }, c)).toBe(!va);
      expect(evaluatePolicy({ not: { all: [a, b] } }, c)).toBe(!(va && vb));
    }
    expect(evaluatePolicy({ all: [T] }, c)).toBe(true);
    expect(evaluatePolicy({ any: [F] }, c)).toBe(false);
    expect(evaluatePolicy({ not: { not: T } }, c)).toBe(true);
  });

  it('combinations of leaves, as in the default policies', () => {
    const revoke: Policy = { all: [{ role: ['secadmin', 'admin'] }, 'ownOrg'] };
    expect(evaluatePolicy(revoke, ctx(adminA, { org: 'aa' }))).toBe(true);
    expect(evaluatePolicy(revoke, ctx(adminA, { org: 'bb' }))).toBe(false);
    expect(evaluatePolicy(revoke, ctx(plainB, { org: 'bb' }))).toBe(false);
    const addKey: Policy = { any: [{ all: [{ role: 'registrar' }, 'ownOrg'] }, 'self'] };
    const registrarB = member('bb', ['registrar']);
    expect(evaluatePolicy(addKey, ctx(registrarB, { org: 'bb', subject: 's1' }))).toBe(true);
    expect(evaluatePolicy(addKey, ctx(registrarB, { org: 'aa', subject: 's1' }))).toBe(false);
    expect(evaluatePolicy(addKey, ctx(citizen, { org: 'bb', subject: 's1' }))).toBe(true);
    expect(evaluatePolicy(addKey, ctx(enterprise, { org: 'bb', subject: 's1' }))).toBe(false);
    expect(evaluatePolicy({ all: [{ kind: 'member' }, { not: { role: 'auditor' } }] }, ctx(auditorC))).toBe(false);
    expect(evaluatePolicy({ all: [{ kind: 'member' }, { not: { role: 'auditor' } }] }, ctx(plainB))).toBe(true);
  });
});

describe('evaluatePolicy: quorum', () => {
  const a = member('aa');
  const a2 = member('aa', ['admin'], {}, 'k-a2');
  const b = member('bb');
  const c = member('cc');
  const byOrg: Record<string, Principal> = { aa: a, bb: b, cc: c };
  const needs: [string, QuorumNeed][] = [
    ['ANY', 'ANY'],
    ['ALL', 'ALL'],
    ['MAJORITY', 'MAJORITY'],
    ['k 2', { k: 2 }],
    ['weight 4', { weight: 4 }],
  ];
  // Weights aa 1, bb 2, cc 3. Columns: ANY, ALL, MAJORITY, k 2, weight 4.
  const table: [string[], boolean[]][] = [
    [[], [false, false, false, false, false]],
    [['aa'], [true, false, false, false, false]],
    [['cc'], [true, false, false, false, false]],
    [
      ['aa', 'bb'],
      [true, false, true, true, false],
    ],
    [
      ['aa', 'cc'],
      [true, false, true, true, true],
    ],
    [
      ['bb', 'cc'],
      [true, false, true, true, true],
    ],
    [
      ['aa', 'bb', 'cc'],
      [true, true, true, true, true],
    ],
  ];

  it.each(table)('approving %j', (approving, expected) => {
    needs.forEach(([, need], i) => {
      expect(needMet(need, ORGS, new Set(approving)), `needMet ${JSON.stringify(need)}`).toBe(expected[i]);
      // The same through signatures: a citizen signs, the organisations' members co-sign.
      const cosigners = approving.map((o) => byOrg[o]!);
      expect(evaluatePolicy({ quorum: { need } }, ctx(citizen, undefined, cosigners)), JSON.stringify(need)).toBe(
        expected[i],
      );
    });
  });

  it('the primary signer counts; each organisation counts once', () => {
    expect(evaluatePolicy({ quorum: { need: { k: 2 } } }, ctx(a, undefined, [b]))).toBe(true);
    expect(evaluatePolicy({ quorum: { need: { k: 2 } } }, ctx(a, undefined, [a2]))).toBe(false);
    expect(evaluatePolicy({ quorum: { need: { k: 2 } } }, ctx(a, undefined, [a2, a, b]))).toBe(true);
    expect(evaluatePolicy({ quorum: { need: { weight: 2 } } }, ctx(a, undefined, [a2]))).toBe(false);
  });

  it('only members with an organisation count, whatever `signers` says', () => {
    const q: Policy = { quorum: { need: 'ANY', signers: 'anyone' } };
    expect(evaluatePolicy(q, ctx(citizen, undefined, [enterprise]))).toBe(false);
    expect(evaluatePolicy(q, ctx(orgless))).toBe(false);
    const odd: Principal = { kind: 'citizen', key: 'k', subject: 's', org: 'aa', roles: [], attrs: {} };
    expect(evaluatePolicy(q, ctx(odd))).toBe(false);
    expect(evaluatePolicy(q, ctx(citizen, undefined, [b]))).toBe(true);
  });

  it('`signers` filters who counts', () => {
    const q: Policy = { quorum: { need: { k: 2 }, signers: { role: 'admin' } } };
    expect(evaluatePolicy(q, ctx(adminA, undefined, [b, c]))).toBe(false);
    expect(evaluatePolicy(q, ctx(adminA, undefined, [member('bb', ['admin'])]))).toBe(true);
    // Leaves inside `signers` are about each co-signer, with the call's object.
    const own: Policy = { quorum: { need: 'ANY', signers: 'ownOrg' } };
    expect(evaluatePolicy(own, ctx(citizen, { org: 'bb' }, [a, c]))).toBe(false);
    expect(evaluatePolicy(own, ctx(citizen, { org: 'bb' }, [a, b]))).toBe(true);
  });

  it('`of` restricts the organisations counted', () => {
    const q = (need: QuorumNeed, of: string[]): Policy => ({ quorum: { need, of } });
    expect(evaluatePolicy(q('ALL', ['aa', 'bb']), ctx(a, undefined, [b]))).toBe(true);
    expect(evaluatePolicy(q('ALL', ['aa', 'bb']), ctx(a, undefined, [c]))).toBe(false);
    expect(evaluatePolicy(q('MAJORITY', ['aa', 'bb', 'cc']), ctx(a, undefined, [b]))).toBe(true);
    expect(evaluatePolicy(q('ANY', ['bb']), ctx(a, undefined, [c]))).toBe(false);
    // An organisation of `of` that is not in the configuration is ignored; ALL over nothing is never met.
    expect(evaluatePolicy(q('ANY', ['zz']), ctx(a, undefined, [b, c]))).toBe(false);
    expect(evaluatePolicy(q('ALL', ['zz']), ctx(a, undefined, [b, c]))).toBe(false);
    expect(evaluatePolicy(q('ALL', ['aa', 'zz']), ctx(a))).toBe(true);
  });

  it('quorum combined with leaves', () => {
    const p: Policy = { all: [{ role: 'admin' }, { quorum: { need: { k: 2 } } }] };
    expect(evaluatePolicy(p, ctx(adminA, undefined, [b]))).toBe(true);
    expect(evaluatePolicy(p, ctx(a, undefined, [b]))).toBe(false);
    expect(evaluatePolicy(p, ctx(adminA))).toBe(false);
    expect(evaluatePolicy({ not: { quorum: { need: 'ALL' } } }, ctx(a, undefined, [b]))).toBe(true);
  });
});

describe('needMet / needReachable', () => {
  it('edge cases', () => {
    expect(needMet('ALL', [], new Set())).toBe(false);
    expect(needMet('ANY', [], new Set(['aa']))).toBe(false);
    expect(needMet('MAJORITY', [], new Set())).toBe(false);
    expect(needMet({ weight: 1 }, [], new Set())).toBe(false);
    // Approvals from organisations that are not counted do not count.
    expect(needMet('ANY', ORGS.slice(0, 1), new Set(['bb']))).toBe(false);
    expect(needMet('MAJORITY', ORGS.slice(0, 2), new Set(['aa']))).toBe(false); // 1 of 2 is not a majority
    expect(needMet('MAJORITY', ORGS.slice(0, 1), new Set(['aa']))).toBe(true);
  });

  const reach: [QuorumNeed, PolicyOrg[], boolean][] = [
    ['ANY', ORGS, true],
    ['ANY', [], false],
    ['ALL', ORGS, true],
    ['ALL', [], false],
    ['MAJORITY', ORGS.slice(0, 1), true],
    ['MAJORITY', [], false],
    [{ k: 3 }, ORGS, true],
    [{ k: 4 }, ORGS, false],
    [{ k: 1 }, [], false],
    [{ weight: 6 }, ORGS, true],
    [{ weight: 7 }, ORGS, false],
    [{ weight: 3 }, ORGS.slice(2), true],
  ];
  it('needThreshold agrees with needMet: any `needed` organisations (by count) meet the need, one fewer does not', () => {
    const needs = fc.oneof(
      fc.constantFrom<QuorumNeed>('ANY', 'ALL', 'MAJORITY'),
      fc.integer({ min: 1, max: 5 }).map((k): QuorumNeed => ({ k })),
    );
    fc.assert(
      fc.property(needs, fc.integer({ min: 1, max: ORGS.length }), fc.integer(), (need, n, seed) => {
        const counted = ORGS.slice(0, n);
        const { needed, total, weight } = needThreshold(need, counted);
        expect([total, weight]).toEqual([n, false]);
        // Some rotation of the counted organisations, its first `needed` approving.
        const ids = counted.map((o) => o.id);
        const start = Math.abs(seed) % n;
        const order = [...ids.slice(start), ...ids.slice(0, start)];
        if (needed <= n) expect(needMet(need, counted, new Set(order.slice(0, needed)))).toBe(true);
        if (needed >= 1) expect(needMet(need, counted, new Set(order.slice(0, needed - 1)))).toBe(false);
      }),
    );
    expect(needThreshold({ weight: 3 }, ORGS)).toEqual({
      needed: 3,
      total: ORGS.reduce((s, o) => s + o.weight, 0),
      weight: true,
    });
  });

  it.each(reach)('needReachable(%j, %j) = %s', (need, orgs, expected) => {
    expect(needReachable(need, orgs)).toBe(expected);
  });

  it('property: needMet is monotone, and reachable exactly when met with everyone approving', () => {
    const orgsArb = fc.uniqueArray(
      fc.record({ id: fc.constantFrom('aa', 'bb', 'cc', 'dd', 'ee'), weight: fc.integer({ min: 1, max: 10 }) }),
      { selector: (o) => o.id, maxLength: 5 },
    );
    fc.assert(
      fc.property(
        needArb,
        orgsArb,
        fc.subarray(['aa', 'bb', 'cc', 'dd', 'ee']),
        fc.constantFrom('aa', 'bb', 'cc'),
        (need, orgs, approving, extra) => {
          const set = new Set(approving);
          const more = new Set([...approving, extra]);
          if (needMet(need, orgs, set)) expect(needMet(need, orgs, more)).toBe(true);
          if (needMet(need, orgs, set)) expect(needReachable(need, orgs)).toBe(true);
          expect(needReachable(need, orgs)).toBe(needMet(need, orgs, new Set(orgs.map((o) => o.id))));
          expect(needMet(need, orgs, set)).toBe(naiveNeed(need, orgs, set));
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Oracle: a naive re-implementation of the policy language, compared on random policies and principals
// ---------------------------------------------------------------------------------------------------------------

function naiveNeed(need: QuorumNeed, counted: readonly PolicyOrg[], approving: ReadonlySet<string>): boolean {
  let yes = 0;
  let weight = 0;
  for (const o of counted) {
    if (approving.has(o.id)) {
      yes += 1;
      weight += o.weight;
    }
  }
  switch (need) {
    case 'ANY':
      return yes > 0;
    case 'ALL':
      return counted.length > 0 && yes === counted.length;
    case 'MAJORITY':
      return yes > counted.length / 2;
    default:
      return 'k' in need ? yes >= need.k : weight >= need.weight;
  }
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function oracle(policy: unknown, who: Principal, c: PolicyContext): boolean {
  switch (policy) {
    case 'anyone':
      return true;
    case 'nobody':
      return false;
    case 'ownOrg':
      return typeof who.org === 'string' && c.object !== undefined && c.object.org === who.org;
    case 'self': {
      if (c.object === undefined) return false;
      const byKey = typeof c.object.key === 'string' && c.object.key === who.key;
      const bySubject = typeof c.object.subject === 'string' && c.object.subject === who.subject;
      return byKey || bySubject;
    }
  }
  const [[op, arg]] = Object.entries(policy as object) as [[string, unknown]];
  const isMember = who.kind === 'member';
  switch (op) {
    case 'role':
      return isMember && asArray(arg).some((r) => who.roles.indexOf(r as string) >= 0);
    case 'org':
      return typeof who.org === 'string' && asArray(arg).indexOf(who.org) >= 0;
    case 'attr': {
      if (!isMember) return false;
      return Object.entries(arg as object).every(
        ([name, wanted]) => Object.keys(who.attrs).includes(name) && asArray(wanted).includes(who.attrs[name]),
      );
    }
    case 'kind':
      if (arg === 'subject') return who.kind !== 'member';
      return who.kind === arg;
    case 'all':
      return !(arg as unknown[]).some((p) => !oracle(p, who, c));
    case 'any':
      return (arg as unknown[]).some((p) => oracle(p, who, c));
    case 'not':
      return !oracle(arg, who, c);
    case 'quorum': {
      const q = arg as { need: QuorumNeed; of?: string[]; signers?: unknown };
      const counted = c.orgs.filter((o) => q.of === undefined || q.of.includes(o.id));
      const approving = new Set<string>();
      for (const p of [c.signer, ...c.cosigners]) {
        if (p.kind !== 'member' || p.org === undefined) continue;
        if (oracle(q.signers ?? { kind: 'member' }, p, c)) approving.add(p.org);
      }
      return naiveNeed(q.need, counted, approving);
    }
    default:
      throw new Error(`oracle: unknown operator ${op}`);
  }
}

const ORG_IDS = ['aa', 'bb', 'cc', 'dd'];
const ROLES = ['admin', 'auditor', 'registrar', 'operator'];
const ATTR_NAMES = ['unit', 'region'];
const ATTR_VALUES = ['x', 'y', 'z'];
const KEYS = ['k1', 'k2', 'k3'];
const SUBJECTS = ['s1', 's2'];

const oneOrMore = <T>(values: T[]) =>
  fc.oneof(fc.constantFrom(...values), fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }));

const needArb: fc.Arbitrary<QuorumNeed> = fc.oneof(
  fc.constantFrom<QuorumNeed>('ANY', 'ALL', 'MAJORITY'),
  fc.integer({ min: 1, max: 5 }).map((k) => ({ k })),
  fc.integer({ min: 1, max: 12 }).map((weight) => ({ weight })),
);

const leafArb: fc.Arbitrary<Policy> = fc.oneof(
  fc.constantFrom<Policy>('anyone', 'nobody', 'ownOrg', 'self'),
  oneOrMore(ROLES).map((role) => ({ role })),
  oneOrMore(ORG_IDS).map((org) => ({ org })),
  fc
    .dictionary(fc.constantFrom(...ATTR_NAMES), oneOrMore(ATTR_VALUES), { minKeys: 1, maxKeys: 2 })
    .map((attr) => ({ attr })),
  fc.constantFrom('member', 'citizen', 'enterprise', 'subject').map((kind) => ({ kind }) as Policy),
);

/** Quorum-free policies (what `signers` may hold). */
const simplePolicyArb = fc.letrec<{ p: Policy }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    leafArb,
    fc.array(tie('p'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('p'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('p').map((not) => ({ not })),
  ),
})).p;

const quorumArb: fc.Arbitrary<Policy> = fc
  .record(
    {
      need: needArb,
      of: fc.uniqueArray(fc.constantFrom(...ORG_IDS), { minLength: 1, maxLength: 4 }),
      signers: simplePolicyArb,
    },
    { requiredKeys: ['need'] },
  )
  .map((quorum) => ({ quorum }));

const policyArb = fc.letrec<{ p: Policy }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    leafArb,
    quorumArb,
    fc.array(tie('p'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('p'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('p').map((not) => ({ not })),
  ),
})).p;

const principalArb: fc.Arbitrary<Principal> = fc.oneof(
  fc.record({
    kind: fc.constant('member' as const),
    key: fc.constantFrom(...KEYS),
    org: fc.constantFrom(...ORG_IDS),
    member: fc.constant('m-1'),
    roles: fc.subarray(ROLES),
    attrs: fc.dictionary(fc.constantFrom(...ATTR_NAMES), fc.constantFrom(...ATTR_VALUES), { maxKeys: 2 }),
  }),
  fc.record(
    {
      kind: fc.constant('member' as const),
      key: fc.constantFrom(...KEYS),
      roles: fc.subarray(ROLES),
      attrs: fc.constant({}),
    },
    { requiredKeys: ['kind', 'key', 'roles', 'attrs'] },
  ),
  fc.record({
    kind: fc.constantFrom('citizen' as const, 'enterprise' as const),
    key: fc.constantFrom(...KEYS),
    subject: fc.constantFrom(...SUBJECTS),
    roles: fc.constant([]),
    attrs: fc.constant({}),
  }),
);

const contextArb: fc.Arbitrary<PolicyContext> = fc.record(
  {
    signer: principalArb,
    cosigners: fc.array(principalArb, { maxLength: 5 }),
    object: fc.record(
      { org: fc.constantFrom(...ORG_IDS), subject: fc.constantFrom(...SUBJECTS), key: fc.constantFrom(...KEYS) },
      { requiredKeys: [] },
    ),
    orgs: fc.uniqueArray(fc.record({ id: fc.constantFrom(...ORG_IDS), weight: fc.integer({ min: 1, max: 5 }) }), {
      selector: (o) => o.id,
      minLength: 1,
      maxLength: 4,
    }),
  },
  { requiredKeys: ['signer', 'cosigners', 'orgs'] },
);

/** Parts and nesting as assertPolicy counts them: every expression is a part, each operator level one deeper. */
function measure(p: Policy, depth = 0): { nodes: number; depth: number } {
  if (typeof p === 'string') return { nodes: 1, depth };
  const children: Policy[] =
    'all' in p
      ? [...p.all]
      : 'any' in p
        ? [...p.any]
        : 'not' in p
          ? [p.not]
          : 'quorum' in p && p.quorum.signers
            ? [p.quorum.signers]
            : [];
  let nodes = 1;
  let max = depth;
  for (const c of children) {
    const m = measure(c, depth + 1);
    nodes += m.nodes;
    max = Math.max(max, m.depth);
  }
  return { nodes, depth: max };
}

describe('evaluatePolicy agrees with a naive oracle', () => {
  it('on random policies, principals and contexts', () => {
    let trueCount = 0;
    fc.assert(
      fc.property(policyArb, contextArb, (policy, c) => {
        const expected = oracle(policy, c.signer, c);
        expect(evaluatePolicy(policy, c)).toBe(expected);
        if (expected) trueCount++;
      }),
      { seed: SEED, numRuns: 3000 },
    );
    // Both outcomes are common, so the comparison is not trivially "false = false".
    expect(trueCount).toBeGreaterThan(300);
    expect(trueCount).toBeLessThan(2700);
  });

  it('random policies within the limits are valid; policyUsesQuorum finds their quorums', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const m = measure(policy);
        if (m.nodes <= 64 && m.depth <= 8) {
          expect(assertPolicy(policy, new Set(ORG_IDS))).toBe(policy);
        } else {
          expect(thrown(() => assertPolicy(policy)).code).toBe('POLICY_INVALID');
        }
        expect(policyUsesQuorum(policy)).toBe(JSON.stringify(policy).includes('"quorum"'));
        expect(typeof describePolicy(policy)).toBe('string');
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('evaluation is deterministic and does not depend on the order of co-signers', () => {
    fc.assert(
      fc.property(policyArb, contextArb, (policy, c) => {
        const reversed = { ...c, cosigners: [...c.cosigners].reverse() };
        expect(evaluatePolicy(policy, reversed)).toBe(evaluatePolicy(policy, c));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// assertPolicy
// ---------------------------------------------------------------------------------------------------------------

describe('assertPolicy', () => {
  const nest = (n: number, leaf: Policy = 'anyone'): Policy => {
    let p = leaf;
    for (let i = 0; i < n; i++) p = { not: p };
    return p;
  };
  const anyOf = (n: number): Policy => ({ any: Array.from({ length: n }, () => 'anyone' as Policy) });

  it('accepts the valid forms and returns its input', () => {
    const valid: Policy[] = [
      'anyone',
      'nobody',
      'ownOrg',
      'self',
      { role: 'admin' },
      { role: ['admin', 'secadmin'] },
      { role: 'a' },
      { role: `a${'b'.repeat(31)}` },
      { org: 'aa' },
      { org: ['aa', 'bb'] },
      { attr: { unit: 'x' } },
      { attr: { unit: ['x', 'y'], region_1: 'z', 'x-Y': 'w'.repeat(128) } },
      { kind: 'member' },
      { kind: 'subject' },
      { all: ['anyone'] },
      anyOf(32),
      { not: 'nobody' },
      { quorum: { need: 'ANY' } },
      { quorum: { need: 'ALL', of: ['aa'] } },
      { quorum: { need: { k: 2 }, signers: { role: 'admin' } } },
      { quorum: { need: { weight: 5 }, of: ['aa', 'bb'], signers: { not: 'ownOrg' } } },
      { all: [{ quorum: { need: 'MAJORITY' } }, { not: { quorum: { need: { k: 1 } } } }] },
      nest(8),
    ];
    for (const p of valid) expect(assertPolicy(p, new Set(['aa', 'bb']))).toBe(p);
  });

  it('limits: depth 8, 64 parts, lists of 32', () => {
    expect(() => assertPolicy(nest(8))).not.toThrow();
    const deep = thrown(() => assertPolicy(nest(9)));
    expect(deep.code).toBe('POLICY_INVALID');
    expect(deep.message).toMatch(/nest at most 8/);
    // Depth through all/any and through quorum signers counts the same way.
    let viaAll: Policy = 'anyone';
    for (let i = 0; i < 9; i++) viaAll = { all: [viaAll] };
    expect(thrown(() => assertPolicy(viaAll)).code).toBe('POLICY_INVALID');
    expect(() => assertPolicy({ quorum: { need: 'ANY', signers: nest(7) } })).not.toThrow();
    expect(thrown(() => assertPolicy({ quorum: { need: 'ANY', signers: nest(8) } })).code).toBe('POLICY_INVALID');

    // 1 + 2 + 31 + 30 = 64 parts, and one more.
    const p64: Policy = { any: [anyOf(31), anyOf(30)] };
    const p65: Policy = { any: [anyOf(31), anyOf(31)] };
    expect(measure(p64).nodes).toBe(64);
    expect(() => assertPolicy(p64)).not.toThrow();
    const big = thrown(() => assertPolicy(p65));
    expect(big.code).toBe('POLICY_INVALID');
    expect(big.message).toMatch(/at most 64 parts/);

    expect(thrown(() => assertPolicy(anyOf(33))).code).toBe('POLICY_INVALID');
    expect(thrown(() => assertPolicy({ role: Array.from({ length: 33 }, (_, i) => `r${i}`) })).code).toBe(
      'POLICY_INVALID',
    );
    expect(() => assertPolicy({ role: Array.from({ length: 32 }, (_, i) => `r${i}`) })).not.toThrow();
  });

  it('organisations must exist when the configuration’s organisations are given', () => {
    const orgs = new Set(['aa', 'bb']);
    for (const p of [
      { org: 'zz' },
      { org: ['aa', 'zz'] },
      { quorum: { need: 'ANY', of: ['aa', 'zz'] } },
      { not: { org: 'cc' } },
    ]) {
      expect(() => assertPolicy(p)).not.toThrow();
      const e = thrown(() => assertPolicy(p, orgs));
      expect(e.code).toBe('POLICY_INVALID');
      expect(e.message).toMatch(/no organisation (zz|cc)/);
    }
  });

  const invalid: [string, unknown][] = [
    ['unknown string', 'everyone'],
    ['null', null],
    ['number', 42],
    ['array', ['anyone']],
    ['empty object', {}],
    ['two operators', { role: 'admin', org: 'aa' }],
    ['unknown operator', { roles: 'admin' }],
    ['upper-case role', { role: 'Admin' }],
    ['role starting with a digit', { role: '1admin' }],
    ['empty role', { role: '' }],
    ['role of 33 characters', { role: `a${'b'.repeat(32)}` }],
    ['role with a space', { role: 'sys admin' }],
    ['role not a string', { role: 7 }],
    ['empty role list', { role: [] }],
    ['repeated role', { role: ['admin', 'admin'] }],
    ['org of one letter', { org: 'a' }],
    ['upper-case org', { org: 'Market' }],
    ['org list with a number', { org: ['aa', 1] }],
    ['attr not an object', { attr: 'unit' }],
    ['attr empty', { attr: {} }],
    ['attr with 17 names', { attr: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`a${i}`, 'x'])) }],
    ['attr name upper-case first', { attr: { Unit: 'x' } }],
    ['attr empty value', { attr: { unit: '' } }],
    ['attr value of 129 characters', { attr: { unit: 'x'.repeat(129) } }],
    ['attr empty list', { attr: { unit: [] } }],
    ['attr value a number', { attr: { unit: 5 } }],
    ['attr list with a number', { attr: { unit: ['x', 5] } }],
    ['kind admin', { kind: 'admin' }],
    ['all empty', { all: [] }],
    ['any not a list', { any: 'anyone' }],
    ['all with a bad child', { all: ['anyone', { role: 'X' }] }],
    ['not of a bad child', { not: 'someone' }],
    ['quorum not an object', { quorum: 'ANY' }],
    ['quorum without need', { quorum: {} }],
    ['quorum with an unknown member', { quorum: { need: 'ANY', min: 1 } }],
    ['need SOME', { quorum: { need: 'SOME' } }],
    ['need k 0', { quorum: { need: { k: 0 } } }],
    ['need k 1.5', { quorum: { need: { k: 1.5 } } }],
    ['need k as a string', { quorum: { need: { k: '2' } } }],
    ['need weight 0', { quorum: { need: { weight: 0 } } }],
    ['need k and weight', { quorum: { need: { k: 1, weight: 1 } } }],
    ['need an array', { quorum: { need: ['ANY'] } }],
    ['of a string', { quorum: { need: 'ANY', of: 'aa' } }],
    ['of empty', { quorum: { need: 'ANY', of: [] } }],
    ['of repeated', { quorum: { need: 'ANY', of: ['aa', 'aa'] } }],
    ['quorum inside signers', { quorum: { need: 'ANY', signers: { quorum: { need: 'ANY' } } } }],
    [
      'quorum deep inside signers',
      { quorum: { need: 'ANY', signers: { not: { all: [{ quorum: { need: 'ALL' } }] } } } },
    ],
    ['bad signers', { quorum: { need: 'ANY', signers: { role: '' } } }],
  ];
  it.each(invalid)('POLICY_INVALID: %s', (_name, p) => {
    const e = thrown(() => assertPolicy(p));
    expect(e.code).toBe('POLICY_INVALID');
    expect(String(e.details?.path)).toMatch(/^policy/);
  });

  it('details.path points at the bad part', () => {
    expect(thrown(() => assertPolicy({ all: ['anyone', { role: 'X' }] })).details?.path).toBe('policy.all[1].role');
    expect(thrown(() => assertPolicy({ any: [{ not: { kind: 'x' } }] })).details?.path).toBe('policy.any[0].not.kind');
    expect(thrown(() => assertPolicy({ quorum: { need: { k: 0 } } })).details?.path).toBe('policy.quorum.need');
    expect(thrown(() => assertPolicy({ quorum: { need: 'ANY', x: 1 } })).details?.path).toBe('policy.quorum.x');
    expect(thrown(() => assertPolicy({ org: 'zz' }, new Set(['aa']), 'policies["kv.put"]')).details?.path).toBe(
      'policies["kv.put"].org',
    );
  });

  it('random JSON is either a policy or POLICY_INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        try {
          assertPolicy(v);
        } catch (e) {
          expect(isLianzhengError(e) && e.code === 'POLICY_INVALID').toBe(true);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('exported patterns', () => {
    expect(ROLE_PATTERN.test('secadmin')).toBe(true);
    expect(ROLE_PATTERN.test('Sec')).toBe(false);
    expect(ATTR_NAME_PATTERN.test('regionCode')).toBe(true);
    expect(ATTR_NAME_PATTERN.test('_x')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// orgsThatCanSatisfy, describePolicy, policyUsesQuorum
// ---------------------------------------------------------------------------------------------------------------

describe('orgsThatCanSatisfy', () => {
  const ids = ['aa', 'bb', 'cc'];
  const table: [string, Policy, string[], boolean][] = [
    ['anyone', 'anyone', ['aa', 'bb', 'cc'], false],
    ['nobody', 'nobody', [], false],
    ['ownOrg', 'ownOrg', ['aa', 'bb', 'cc'], true],
    ['self', 'self', ['aa', 'bb', 'cc'], true],
    ['role', { role: 'admin' }, ['aa', 'bb', 'cc'], false],
    ['attr', { attr: { unit: 'x' } }, ['aa', 'bb', 'cc'], false],
    ['org', { org: ['bb', 'zz'] }, ['bb'], false],
    ['kind member', { kind: 'member' }, ['aa', 'bb', 'cc'], false],
    ['kind citizen', { kind: 'citizen' }, [], false],
    ['kind subject', { kind: 'subject' }, [], false],
    ['quorum', { quorum: { need: 'ALL' } }, ['aa', 'bb', 'cc'], false],
    ['not anyone', { not: 'anyone' }, [], false],
    ['not member', { not: { kind: 'member' } }, [], false],
    ['not org (conservative)', { not: { org: 'aa' } }, ['aa', 'bb', 'cc'], false],
    ['not nobody', { not: 'nobody' }, ['aa', 'bb', 'cc'], false],
    ['all: intersection', { all: [{ org: ['aa', 'bb'] }, { org: ['bb', 'cc'] }] }, ['bb'], false],
    ['all with ownOrg', { all: [{ role: 'admin' }, 'ownOrg'] }, ['aa', 'bb', 'cc'], true],
    ['all with nobody', { all: ['ownOrg', 'nobody'] }, [], true],
    ['any: union', { any: [{ org: 'aa' }, { org: 'cc' }] }, ['aa', 'cc'], false],
    ['any of single parts', { any: ['ownOrg', 'self'] }, ['aa', 'bb', 'cc'], true],
    ['any with one non-single part', { any: ['ownOrg', { org: 'aa' }] }, ['aa', 'bb', 'cc'], false],
  ];
  it.each(table)('%s', (_name, policy, orgs, single) => {
    const r = orgsThatCanSatisfy(policy, ids);
    expect([...r.orgs].sort()).toEqual(orgs);
    expect(r.single).toBe(single);
  });

  it('is an over-approximation: a member of an organisation it leaves out never satisfies the policy', () => {
    fc.assert(
      fc.property(simplePolicyArb, contextArb, (policy, c) => {
        const { orgs } = orgsThatCanSatisfy(policy, ORG_IDS);
        if (c.signer.kind === 'member' && c.signer.org !== undefined && !orgs.has(c.signer.org)) {
          expect(evaluatePolicy(policy, c)).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('describePolicy and policyUsesQuorum', () => {
  it('describes every node type', () => {
    const cases: [Policy, string][] = [
      ['anyone', 'any registered identity'],
      ['nobody', 'nobody'],
      ['ownOrg', 'a member of the organisation that owns the object'],
      ['self', 'the identity the call is about'],
      [{ role: ['admin', 'secadmin'] }, 'role admin or secadmin'],
      [{ org: 'aa' }, 'organisation aa'],
      [{ attr: { unit: ['x', 'y'], region: 'n' } }, 'unit=x|y, region=n'],
      [{ kind: 'subject' }, 'a subject'],
      [{ all: [{ role: 'admin' }, 'ownOrg'] }, 'role admin and a member of the organisation that owns the object'],
      [{ any: ['self', { org: 'aa' }] }, '(the identity the call is about or organisation aa)'],
      [{ not: 'nobody' }, 'not (nobody)'],
      [{ quorum: { need: 'MAJORITY' } }, 'MAJORITY organisations co-signing'],
      [{ quorum: { need: { k: 2 }, of: ['aa', 'bb'] } }, '2 of organisations (aa, bb) co-signing'],
      [{ quorum: { need: { weight: 5 } } }, 'weight 5 of organisations co-signing'],
    ];
    for (const [p, text] of cases) expect(describePolicy(p)).toBe(text);
  });

  it('policyUsesQuorum', () => {
    expect(policyUsesQuorum('anyone')).toBe(false);
    expect(policyUsesQuorum({ role: 'admin' })).toBe(false);
    expect(policyUsesQuorum({ quorum: { need: 'ANY' } })).toBe(true);
    expect(policyUsesQuorum({ all: ['anyone', { any: [{ not: { quorum: { need: 'ANY' } } }] }] })).toBe(true);
    expect(policyUsesQuorum({ any: ['self', { not: 'ownOrg' }] })).toBe(false);
  });
});

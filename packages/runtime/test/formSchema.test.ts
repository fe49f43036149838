/**
 * Workflow form schemas (PROTOCOL.md §17.3): the subset is enforced, forms are checked field by field with coded
 * errors, personal fields accept only commitments, and patterns that could backtrack catastrophically in the host's
 * (unmetered) regular-expression engine are refused when a definition is deployed.
 */
import { describe, expect, it } from 'vitest';
import { assertWorkflowDefinition } from '../src/workflows/definition.js';
import { assertFormSchema, backtrackingRisk, validateForm } from '../src/workflows/formSchema.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('form patterns', () => {
  it.each(['^(a+)+$', '^(a|aa)+$', '(\\d*)*', '((ab)*)+', '(a+){2,}', '^((a)+b)*$', '(x|y)*z'])(
    'refuses the catastrophic shape %s',
    (pattern) => {
      expect(backtrackingRisk(pattern)).toMatch(/catastrophic/);
      expect(code(() => assertFormSchema({ type: 'string', maxLength: 10, pattern }))).toBe(
        'WORKFLOW_DEFINITION_INVALID',
      );
    },
  );

  it.each(['(a)\\1', '(?<n>a)\\k<n>', 'a(?=b)', 'a(?!b)', '(?<=a)b'])(
    'refuses backreferences and lookarounds: %s',
    (p) => {
      expect(backtrackingRisk(p)).toBeDefined();
    },
  );

  it.each([
    '^91[0-9A-Z]{16}$',
    '^[A-Z0-9-]{6,32}$',
    '^[A-Z][0-9]{9}$',
    '^(ab)+$',
    '^(a|b)c$',
    '[(+*]+',
    '^\\(\\d+\\)+$',
  ])('accepts the linear pattern %s', (pattern) => {
    expect(backtrackingRisk(pattern)).toBeUndefined();
  });
});

describe('validateForm', () => {
  const schema = assertFormSchema({
    type: 'object',
    required: ['name', 'id'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 2, maxLength: 5 },
      id: { type: 'string', 'x-personal': true },
      n: { type: 'integer', minimum: 1, maximum: 3 },
      tags: { type: 'array', maxItems: 2, items: { type: 'string', enum: ['a', 'b'] } },
    },
  });
  const id = 'ab'.repeat(32);

  it('accepts a form that fits, and names the first field that does not', () => {
    expect(code(() => validateForm(schema, { name: '张三丰', id, n: 2, tags: ['a'] }))).toBeUndefined();
    const cases: [unknown, string, string][] = [
      [{ id }, 'WORKFLOW_FORM_INVALID', 'form.name'],
      [{ name: '', id }, 'WORKFLOW_FORM_INVALID', 'form.name'],
      [{ name: 'abcdef', id }, 'WORKFLOW_FORM_INVALID', 'form.name'],
      [{ name: 'ab', id, extra: 1 }, 'WORKFLOW_FORM_INVALID', 'form.extra'],
      [{ name: 'ab', id, n: 1.5 }, 'WORKFLOW_FORM_INVALID', 'form.n'],
      [{ name: 'ab', id, tags: ['a', 'b', 'a'] }, 'WORKFLOW_FORM_INVALID', 'form.tags'],
      [{ name: 'ab', id, tags: ['c'] }, 'WORKFLOW_FORM_INVALID', 'form.tags[0]'],
      [{ name: 'ab', id: '110101199001011234' }, 'WORKFLOW_PERSONAL_PLAINTEXT', 'form.id'],
      [[], 'WORKFLOW_FORM_INVALID', 'form'],
    ];
    for (const [value, expected, field] of cases) {
      try {
        validateForm(schema, value);
        throw new Error(`accepted ${JSON.stringify(value)}`);
      } catch (error) {
        expect(error).toMatchObject({ code: expected, details: { field } });
      }
    }
  });

  it('returns the personal fields it holds, with the category their schema names', () => {
    const nested = assertFormSchema({
      type: 'object',
      additionalProperties: false,
      properties: {
        person: { type: 'string', 'x-personal': true, 'x-category': 'identity' },
        children: { type: 'array', maxItems: 3, items: { type: 'string', 'x-personal': true, 'x-category': 'birth' } },
        note: { type: 'string', maxLength: 10 },
      },
    });
    const [a, b, c] = ['aa', 'bb', 'cc'].map((x) => x.repeat(32));
    expect(validateForm(nested, { person: a, children: [b, c], note: 'x' })).toEqual([
      { field: 'form.person', commitment: a, category: 'identity' },
      { field: 'form.children[0]', commitment: b, category: 'birth' },
      { field: 'form.children[1]', commitment: c, category: 'birth' },
    ]);
    expect(validateForm(schema, { name: 'ab', id })).toEqual([{ field: 'form.id', commitment: id }]);
  });

  it('refuses schemas outside the subset', () => {
    for (const bad of [
      { type: 'string' },
      { type: 'object', properties: { a: { type: 'string', maxLength: 1, format: 'email' } } },
      { type: 'object', additionalProperties: true },
      { type: 'array', items: { type: 'string', maxLength: 1 } },
      { type: 'string', maxLength: 3, $ref: '#/x' },
      { type: 'integer', 'x-personal': true },
      { type: 'string', maxLength: 3, 'x-category': 'identity' },
      { type: 'string', 'x-personal': true, 'x-category': 'Identity!' },
    ]) {
      expect(
        code(() => assertFormSchema(bad)),
        JSON.stringify(bad),
      ).toBe('WORKFLOW_DEFINITION_INVALID');
    }
  });
});

describe("an outcome's credential section (PROTOCOL.md §20.8)", () => {
  const definition = (credential: unknown, status = 'approved') => ({
    id: 'licence-test',
    version: 1,
    title: '测试',
    owner: 'market',
    applicant: { kind: 'enterprise' },
    form: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
    start: 'review',
    steps: {
      review: { title: '审查', type: 'single', actors: { role: 'caseworker' }, actions: { approve: { to: '@done' } } },
    },
    outcomes: { done: { title: '办结', status, credential } },
  });
  const good = {
    type: 'business-licence',
    claims: {
      companyName: '$.form.name',
      legalRepresentativeId: { $personal: '$.form.rep', field: 'idNumber' },
      established: '$.time',
    },
    disclosable: ['legalRepresentativeId'],
    validDays: 3650,
  };

  it('accepts type, claims (templates and personal claims), disclosable and validity', () => {
    expect(assertWorkflowDefinition(definition(good)).outcomes.done?.credential).toEqual(good);
  });

  it.each([
    ['a rejected outcome', definition(good, 'rejected')],
    ['no claims', definition({ ...good, claims: {} })],
    ['a registered JWT claim', definition({ ...good, claims: { ...good.claims, sub: '$.form.name' } })],
    ['a claim name with a dot', definition({ ...good, claims: { 'a.b': 'x' }, disclosable: [] })],
    ['a disclosable name that is no claim', definition({ ...good, disclosable: ['nope'] })],
    ['a claim disclosable twice', definition({ ...good, disclosable: ['established', 'established'] })],
    ['a personal claim without a path', definition({ ...good, claims: { x: { $personal: 'rep' } }, disclosable: [] })],
    ['a personal claim with extra members', definition({ ...good, claims: { x: { $personal: '$.form.rep', y: 1 } } })],
    ['a bad type id', definition({ ...good, type: 'Business Licence' })],
    ['zero days', definition({ ...good, validDays: 0 })],
    ['an unknown member', definition({ ...good, holder: '$.form.name' })],
  ])('refuses %s', (_, d) => {
    expect(code(() => assertWorkflowDefinition(d))).toBe('WORKFLOW_DEFINITION_INVALID');
  });
});

/**
 * Forms of approval workflows: a documented subset of JSON Schema (draft 2020-12 keywords), enough for the console to
 * render a form and for every node to check a submission the same way (PROTOCOL.md §17.3). Our own small validator:
 * deterministic, no code generation, and it knows the one keyword of ours, `x-personal`.
 *
 * A field marked `"x-personal": true` holds personal data. It never goes on chain in plain text: the value must be a
 * commitment — 64 lower-case hex characters, `H(salt ‖ value)` computed by the client (the SDK's `commitPersonal`),
 * the plain value kept off chain. Anything else in such a field is WORKFLOW_PERSONAL_PLAINTEXT. `"x-category"` names
 * the data category of the `privacy` catalogue the field's record must have; the workflow contract checks that each
 * commitment is a registered, unerased personal record (PROTOCOL.md §17.3, §19).
 */
import type { JsonValue } from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';

/** Keywords a form schema may use. Unknown keywords are refused, so a schema means the same to every reader. */
const KEYWORDS = new Set([
  'type',
  'title',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'x-personal',
  'x-category',
  'x-order',
  'x-widget',
  'default',
  'examples',
]);
const TYPES = new Set(['object', 'string', 'integer', 'number', 'boolean', 'array']);
const FORMATS = new Set(['date', 'hash']);
export const COMMITMENT_PATTERN = /^[0-9a-f]{64}$/;
const MAX_DEPTH = 6;
const MAX_PROPERTIES = 100;

export type FormSchema = { readonly [keyword: string]: JsonValue };

function bad(at: string, message: string): never {
  throw runtimeError('WORKFLOW_DEFINITION_INVALID', `${at}: ${message}`, { field: at });
}

const isRecord = (v: unknown): v is Record<string, JsonValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A bilingual or plain label: a string, or { zh, en } strings. */
function checkLabel(v: unknown, at: string): void {
  if (typeof v === 'string' && v.length <= 200) return;
  if (isRecord(v) && Object.keys(v).every((k) => (k === 'zh' || k === 'en') && typeof v[k] === 'string')) return;
  bad(at, 'must be a string or { "zh": …, "en": … } of at most 200 characters');
}

/** Checks that `schema` stays inside the subset; throws WORKFLOW_DEFINITION_INVALID naming the place. */
export function assertFormSchema(schema: unknown, at = 'form', depth = 0): FormSchema {
  if (!isRecord(schema)) bad(at, 'must be a JSON Schema object');
  if (depth > MAX_DEPTH) bad(at, `forms nest at most ${MAX_DEPTH} levels`);
  for (const k of Object.keys(schema)) if (!KEYWORDS.has(k)) bad(`${at}.${k}`, 'is not a supported keyword');
  const type = schema.type;
  if (typeof type !== 'string' || !TYPES.has(type)) bad(`${at}.type`, `must be one of ${[...TYPES].join(', ')}`);
  if (schema.title !== undefined) checkLabel(schema.title, `${at}.title`);
  if (schema.description !== undefined) checkLabel(schema.description, `${at}.description`);
  const int = (k: string, min = 0) => {
    const v = schema[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)) {
      bad(`${at}.${k}`, `must be an integer ≥ ${min}`);
    }
  };
  if (type === 'object') {
    const props = schema.properties ?? {};
    if (!isRecord(props) || Object.keys(props).length > MAX_PROPERTIES) {
      bad(`${at}.properties`, `must be an object of at most ${MAX_PROPERTIES} fields`);
    }
    for (const [name, sub] of Object.entries(props)) {
      if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) bad(`${at}.properties`, `${name} is not a valid field name`);
      assertFormSchema(sub, `${at}.properties.${name}`, depth + 1);
    }
    const required = schema.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== 'string' || !Object.hasOwn(props, r))) {
      bad(`${at}.required`, 'must list fields of properties');
    }
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
      bad(`${at}.additionalProperties`, 'may only be false (forms are closed)');
    }
  }
  if (type === 'array') {
    if (schema.items === undefined) bad(`${at}.items`, 'is required for arrays');
    assertFormSchema(schema.items, `${at}.items`, depth + 1);
    int('minItems');
    int('maxItems');
    if (schema.maxItems === undefined) bad(`${at}.maxItems`, 'is required for arrays (forms are bounded)');
  }
  if (type === 'string') {
    int('minLength');
    int('maxLength', 1);
    if (schema.maxLength === undefined && schema.enum === undefined && schema['x-personal'] !== true) {
      bad(`${at}.maxLength`, 'is required for strings (forms are bounded)');
    }
    if (schema.pattern !== undefined) {
      if (typeof schema.pattern !== 'string' || schema.pattern.length > 200) bad(`${at}.pattern`, 'must be a regex');
      try {
        new RegExp(schema.pattern, 'u');
      } catch {
        bad(`${at}.pattern`, 'is not a valid regular expression');
      }
      const problem = backtrackingRisk(schema.pattern);
      if (problem !== undefined) bad(`${at}.pattern`, problem);
    }
    if (schema.format !== undefined && (typeof schema.format !== 'string' || !FORMATS.has(schema.format))) {
      bad(`${at}.format`, `must be one of ${[...FORMATS].join(', ')}`);
    }
  }
  if (type === 'integer' || type === 'number') {
    for (const k of ['minimum', 'maximum']) {
      if (schema[k] !== undefined && typeof schema[k] !== 'number') bad(`${at}.${k}`, 'must be a number');
    }
  }
  if (
    schema.enum !== undefined &&
    (!Array.isArray(schema.enum) || schema.enum.length === 0 || schema.enum.length > 200)
  ) {
    bad(`${at}.enum`, 'must list 1–200 values');
  }
  if (schema['x-personal'] !== undefined) {
    if (schema['x-personal'] !== true || type !== 'string')
      bad(`${at}.x-personal`, 'may only be true, on a string field');
  }
  if (schema['x-category'] !== undefined) {
    const c = schema['x-category'];
    if (schema['x-personal'] !== true || typeof c !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(c))
      bad(`${at}.x-category`, 'names a data category (a-z, 0-9, -; at most 32) of a field marked x-personal');
  }
  return schema;
}

/**
 * Form patterns run in the host's regular-expression engine on applicants' input, outside the metered sandbox, so
 * they must not be able to backtrack exponentially: no backreferences or lookarounds, and a group that is repeated
 * (`*`, `+`, `{n,}`, `{n,m}`) may contain neither a quantifier nor an alternation — the shapes `(a+)+` and `(a|aa)+`
 * of catastrophic patterns. Returns what is wrong, or undefined.
 */
export function backtrackingRisk(pattern: string): string | undefined {
  if (/\\[1-9k]/.test(pattern)) return 'may not use backreferences';
  if (/\(\?<?[=!]/.test(pattern)) return 'may not use lookarounds';
  // For each group: whether it contains a quantifier or an alternation, and what follows its closing parenthesis.
  const open: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') open.push({ risky: false });
    else if (c === '|' || c === '*' || c === '+' || c === '{') {
      const top = open.at(-1);
      if (top !== undefined) top.risky = true;
    } else if (c === ')') {
      const group = open.pop();
      const next = pattern[i + 1];
      const repeated = next === '*' || next === '+' || next === '{';
      if (group?.risky === true && repeated) {
        return 'may not repeat a group that contains a quantifier or an alternation (catastrophic backtracking)';
      }
      // A group is itself a quantified atom inside its parent when repeated.
      const parent = open.at(-1);
      if (parent !== undefined && (group?.risky === true || repeated)) parent.risky = true;
    }
  }
  return undefined;
}

function formError(field: string, message: string): never {
  throw runtimeError('WORKFLOW_FORM_INVALID', `${field}: ${message}`, { field });
}

const sameJson = (a: JsonValue, b: JsonValue): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A personal field of a filled-in form: where it is, the commitment it holds, the category its schema asks for. */
export interface PersonalField {
  readonly field: string;
  readonly commitment: string;
  readonly category?: string;
}

/**
 * Checks a filled-in form against its schema; throws WORKFLOW_FORM_INVALID / WORKFLOW_PERSONAL_PLAINTEXT. Returns the
 * personal fields it holds (in document order), for the caller to check against the `privacy` records.
 */
export function validateForm(
  schema: FormSchema,
  value: unknown,
  personal: PersonalField[] = [],
  at = 'form',
): PersonalField[] {
  const type = schema.type as string;
  if (schema.const !== undefined && !sameJson(schema.const, value as JsonValue)) formError(at, 'has the wrong value');
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => sameJson(e, value as JsonValue))) {
    formError(at, 'is not one of the allowed values');
  }
  switch (type) {
    case 'object': {
      if (!isRecord(value)) formError(at, 'must be an object');
      const props = (schema.properties ?? {}) as Record<string, FormSchema>;
      for (const name of (schema.required ?? []) as string[]) {
        if (value[name] === undefined || value[name] === null || value[name] === '')
          formError(`${at}.${name}`, 'is required');
      }
      for (const [name, v] of Object.entries(value)) {
        const sub = Object.hasOwn(props, name) ? props[name] : undefined;
        if (sub === undefined) formError(`${at}.${name}`, 'is not a field of this form');
        validateForm(sub, v, personal, `${at}.${name}`);
      }
      return personal;
    }
    case 'array': {
      if (!Array.isArray(value)) formError(at, 'must be a list');
      if (typeof schema.minItems === 'number' && value.length < schema.minItems)
        formError(at, `needs at least ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
        formError(at, `has more than ${schema.maxItems} items`);
      value.forEach((item, i) => {
        validateForm(schema.items as FormSchema, item, personal, `${at}[${i}]`);
      });
      return personal;
    }
    case 'string': {
      if (typeof value !== 'string') formError(at, 'must be text');
      if (schema['x-personal'] === true) {
        if (!COMMITMENT_PATTERN.test(value)) {
          throw runtimeError(
            'WORKFLOW_PERSONAL_PLAINTEXT',
            `${at} holds personal data: send its commitment (64 hex characters), never the value itself`,
            { field: at },
          );
        }
        const category = schema['x-category'];
        personal.push({ field: at, commitment: value, ...(typeof category === 'string' ? { category } : {}) });
        return personal;
      }
      const length = [...value].length;
      if (typeof schema.minLength === 'number' && length < schema.minLength)
        formError(at, `needs at least ${schema.minLength} characters`);
      if (typeof schema.maxLength === 'number' && length > schema.maxLength)
        formError(at, `has more than ${schema.maxLength} characters`);
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
        formError(at, 'has the wrong form');
      if (schema.format === 'date' && !/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(value))
        formError(at, 'must be a date YYYY-MM-DD');
      if (schema.format === 'hash' && !COMMITMENT_PATTERN.test(value))
        formError(at, 'must be a hash (64 hex characters)');
      return personal;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) formError(at, 'must be a number');
      if (type === 'integer' && !Number.isSafeInteger(value)) formError(at, 'must be a whole number');
      if (typeof schema.minimum === 'number' && value < schema.minimum)
        formError(at, `must be at least ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && value > schema.maximum)
        formError(at, `must be at most ${schema.maximum}`);
      return personal;
    }
    case 'boolean':
      if (typeof value !== 'boolean') formError(at, 'must be yes or no');
      return personal;
  }
  return personal;
}

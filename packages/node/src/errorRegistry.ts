import { type ErrorCategory, type ErrorSpec, protocolErrors } from '@lianzheng/protocol';
import { runtimeErrors } from '@lianzheng/runtime';
import { nodeErrors } from './errors.js';

/** Every error code of the platform, by package; docs/errors.md is checked against this by a test. */
export const errorTables = {
  protocol: protocolErrors,
  runtime: runtimeErrors,
  node: nodeErrors,
} as const satisfies Record<string, Readonly<Record<string, ErrorSpec>>>;

/** The one place where error categories become HTTP statuses. */
export const httpStatusOfCategory: Readonly<Record<ErrorCategory, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  integrity: 422,
  busy: 429,
  internal: 500,
  unavailable: 503,
};

const categories = new Map<string, ErrorCategory>();
for (const table of Object.values(errorTables)) {
  for (const [code, spec] of Object.entries(table)) categories.set(code, spec.category);
}

export function categoryOf(code: string): ErrorCategory | undefined {
  return categories.get(code);
}

export function httpStatusOf(code: string): number {
  const category = categories.get(code);
  return category === undefined ? 500 : httpStatusOfCategory[category];
}

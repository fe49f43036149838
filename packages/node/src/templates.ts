/**
 * The five approval workflows that ship with Lianzheng and the contracts they call (packages/node/templates):
 * 营业执照 business-licence (market regulation), 不动产登记 realestate-transfer (real-estate centre, tax check),
 * 户口迁移 household-migration (two police bureaus), 出生登记 birth-registration (hospital → health commission →
 * police), 预算审批 budget-approval (department → finance → leaders' countersign). They are deployed like any other:
 * as one governance proposal (`lianzheng workflow propose-templates`; the demo does it at start).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject, JsonValue } from '@lianzheng/protocol';
import { assertWorkflowDefinition, type WorkflowDefinition } from '@lianzheng/runtime';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates');

export interface Templates {
  readonly contracts: readonly { readonly name: string; readonly source: string }[];
  readonly workflows: readonly WorkflowDefinition[];
  /** Who may call the contracts' own methods (outside workflows). */
  readonly policies: Readonly<Record<string, JsonValue>>;
}

export function loadTemplates(dir = TEMPLATES_DIR): Templates {
  const contracts = readdirSync(path.join(dir, 'contracts'))
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => ({ name: f.slice(0, -3), source: readFileSync(path.join(dir, 'contracts', f), 'utf8') }));
  const workflows = readdirSync(path.join(dir, 'workflows'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => assertWorkflowDefinition(JSON.parse(readFileSync(path.join(dir, 'workflows', f), 'utf8'))));
  const policies = JSON.parse(readFileSync(path.join(dir, 'policies.json'), 'utf8')) as Record<string, JsonValue>;
  return { contracts, workflows, policies };
}

/** The governance actions that deploy the templates (contracts first, then their policies, then the workflows). */
export function templateActions(t: Templates = loadTemplates()): JsonObject[] {
  return [
    ...t.contracts.map((c) => ({
      type: 'deployContract',
      name: c.name,
      version: 1,
      language: 'javascript',
      source: c.source,
    })),
    ...Object.entries(t.policies).map(([key, policy]) => ({ type: 'setPolicy', key, policy })),
    ...t.workflows.map((definition) => ({ type: 'deployWorkflow', definition: definition as unknown as JsonObject })),
  ];
}

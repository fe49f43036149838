/**
 * The parts of a workflow definition (PROTOCOL.md §17.2) the console renders: steps, their forms and actions, outcomes.
 * Cases and proposals come typed from the SDK (protocol's `CaseView`, `CaseSummaryView`, `ProposalView`).
 */

export { type Label, labelText } from '../app/label.js';

import type { Label } from '../app/label.js';
import type { FormSchema } from '../app/SchemaForm.js';

export interface StepAction {
  readonly to: string;
  readonly title?: Label;
  readonly commentRequired?: boolean;
}

export interface StepDefinition {
  readonly title: Label;
  readonly type: 'single' | 'countersign';
  readonly form?: FormSchema;
  readonly deadlineHours?: number;
  readonly actions: Readonly<Record<string, StepAction>>;
  readonly parties?: Readonly<Record<string, unknown>>;
}

export interface WorkflowDefinition {
  readonly id: string;
  readonly version: number;
  readonly title: Label;
  readonly description?: Label;
  readonly owner: string;
  readonly form: FormSchema;
  readonly deadlineHours?: number;
  readonly start: string;
  readonly steps: Readonly<Record<string, StepDefinition>>;
  readonly outcomes: Readonly<Record<string, { readonly title: Label; readonly status: 'approved' | 'rejected' }>>;
}

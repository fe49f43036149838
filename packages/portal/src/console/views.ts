/**
 * What the console reads from the node's workflow and governance routes (docs/workflows.md §API, docs/identity.md
 * §11), typed for the pages. The SDK returns these as plain JSON objects; the shapes are the node's.
 */
import type { JsonObject } from '@lianzheng/protocol';

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

export interface CaseActor {
  readonly key?: string;
  readonly kind: string;
  readonly org?: string;
  readonly member?: string;
  readonly subject?: string;
}

export interface CaseAttachmentView {
  readonly name: string;
  readonly hash: string;
  readonly size?: number;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly tx: string;
  readonly height: number;
  readonly time: number;
  readonly actor: CaseActor;
  readonly action: string;
  readonly step?: string;
  readonly party?: string;
  readonly to?: string;
  readonly comment?: string;
  readonly attachments?: readonly CaseAttachmentView[];
  readonly late?: boolean;
}

export type CaseStatus = 'open' | 'approved' | 'rejected' | 'withdrawn';

/** An item of the inbox (and of case lists). */
export interface CaseSummary {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly title: Label;
  readonly status: CaseStatus;
  readonly step?: string;
  readonly stepTitle?: Label;
  readonly party?: string;
  readonly applicant: CaseActor;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly stepSince?: number;
  readonly deadlineAt?: number;
  readonly overdue: boolean;
  readonly breached: readonly string[];
  readonly outcome?: string;
}

/** `GET /v1/workflow/cases/{id}`: the case record, its summary and the caller's task on it. */
export interface CaseView {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly applicant: CaseActor;
  readonly form: JsonObject;
  readonly attachments: readonly CaseAttachmentView[];
  readonly status: CaseStatus;
  readonly step?: string;
  readonly stepSince?: number;
  readonly deadlineAt?: number;
  readonly caseDeadlineAt?: number;
  readonly breached: readonly string[];
  readonly signed?: Readonly<Record<string, number>>;
  readonly steps: Readonly<Record<string, JsonObject>>;
  readonly outcome?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly history: readonly HistoryEntry[];
  readonly summary: CaseSummary;
  readonly task?: { readonly step: string; readonly party?: string };
}

export interface ProposalVote {
  readonly approve: boolean;
  readonly key: string;
  readonly member: string;
  readonly height: number;
}

export interface ProposalView {
  readonly id: string;
  readonly proposer: string;
  readonly org: string;
  readonly actions: readonly (JsonObject & { readonly type: string })[];
  readonly note?: string;
  readonly height: number;
  readonly time: number;
  readonly expiresAt: number;
  readonly baseVersion: number;
  readonly votes: Readonly<Record<string, ProposalVote>>;
  readonly status: 'open' | 'approved' | 'rejected' | 'failed' | 'withdrawn' | 'expired';
  readonly decidedAt?: number;
  readonly configVersion?: number;
  readonly failure?: { readonly code: string; readonly message: string };
}

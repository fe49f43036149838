import type { Label } from '../app/label.js';

/** `GET /v1/workflow/my-cases` items and `GET /v1/workflows` entries, as the pages use them. */
export interface CaseSummary {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly title: Label;
  readonly status: 'open' | 'approved' | 'rejected' | 'withdrawn';
  readonly step?: string;
  readonly stepTitle?: Label;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deadlineAt?: number;
  readonly breached?: readonly string[];
}

export interface WorkflowSummary {
  readonly id: string;
  readonly version: number;
  readonly title: Label;
  readonly owner: string;
  readonly description?: Label;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly time: number;
  readonly action: string;
  readonly step?: string;
  readonly comment?: string;
  readonly late?: boolean;
  readonly actor: { readonly kind: string; readonly org?: string; readonly member?: string };
}

export const STATUS_COLOURS: Record<CaseSummary['status'], string> = {
  open: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
};

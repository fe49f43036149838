/**
 * The records the `workflow` contract keeps (PROTOCOL.md §17): a case with its applicant, form, attachments (hashes
 * only), status, current step and history. Shared by the contract that writes them, the node routes that serve them and
 * the SDK and web app that read them.
 */
import type { JsonObject, JsonValue } from './canonicalJson.js';

/** A title as definitions write it: one string, or Chinese and English. */
export type Label = string | { readonly zh?: string; readonly en?: string };

export type CaseStatus = 'open' | 'approved' | 'rejected' | 'withdrawn';

/** Who acted on a case: the signing key and the principal it belonged to. */
export interface CaseActor {
  readonly key: string;
  readonly kind: string;
  readonly org?: string;
  readonly member?: string;
  readonly subject?: string;
}

/** A file of a case, by its hash only (the file itself stays off chain). */
export interface CaseAttachment {
  readonly name: string;
  /** Hash of the file, 64 hex. */
  readonly hash: string;
  readonly size?: number;
}

export interface CaseHistoryEntry {
  readonly seq: number;
  readonly tx: string;
  readonly height: number;
  readonly time: number;
  readonly actor: CaseActor;
  /** `submitted`, an action name, `countersigned`, `withdrawn`. */
  readonly action: string;
  readonly step?: string;
  readonly party?: string;
  readonly to?: string;
  readonly comment?: string;
  readonly attachments?: readonly CaseAttachment[];
  /** Acted after the step's deadline. */
  readonly late?: boolean;
}

export interface CaseRecord {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly applicant: CaseActor;
  readonly form: JsonObject;
  readonly attachments: readonly CaseAttachment[];
  readonly status: CaseStatus;
  /** The current step, while open. */
  readonly step?: string;
  readonly stepSince?: number;
  readonly deadlineAt?: number;
  /** The case's own deadline (definition `deadlineHours`). */
  readonly caseDeadlineAt?: number;
  /** Steps (and `@case`) whose deadline was breached, in order. */
  readonly breached: readonly string[];
  /** Countersign parties that have signed the current step: party → history seq. */
  readonly signed?: Readonly<Record<string, number>>;
  /** The latest form each step's actor filled in. */
  readonly steps: Readonly<Record<string, JsonObject>>;
  readonly outcome?: string;
  readonly results?: readonly JsonValue[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly history: readonly CaseHistoryEntry[];
}

import type { BlockHeader, Receipt } from './block.js';
import type { JsonObject, JsonValue } from './canonicalJson.js';
import type { Checkpoint } from './checkpoint.js';
import type { CredentialEffectiveStatus } from './credential.js';
import type { Genesis } from './genesis.js';
import type { StateProofJson } from './stateProof.js';
import type { SignedTransaction } from './transaction.js';
import type { CaseRecord, CaseStatus, Label } from './workflowTypes.js';

/**
 * JSON bodies of the node's REST API (docs/PROTOCOL.md §14), shared by the node that produces them and the SDK that
 * reads them.
 */

/** `GET /v1/transactions/{id}`. */
export type TxStatus =
  | {
      readonly id: string;
      readonly status: 'committed';
      readonly height: number;
      readonly index: number;
      readonly time: number;
      readonly tx: SignedTransaction;
      readonly receipt: Receipt;
    }
  | { readonly id: string; readonly status: 'pending' }
  | { readonly id: string; readonly status: 'dropped'; readonly code: string; readonly message: string };

/** `GET /v1/blocks/{height}` (`txs` and `receipts` with `full=true`). */
export interface BlockView {
  readonly header: BlockHeader;
  readonly hash: string;
  readonly txIds: readonly string[];
  readonly txs?: readonly SignedTransaction[];
  readonly receipts?: readonly Receipt[];
}

/** `GET /v1/state/{contract}/{key}` (`proof` and `checkpoint` with `proof=true`). */
export interface StateView {
  readonly contract: string;
  readonly key: string;
  readonly height: number;
  readonly value: JsonValue | null;
  readonly proof?: StateProofJson;
  readonly checkpoint?: Checkpoint;
}

/** `GET /v1/chain`. */
export interface ChainInfo {
  readonly chainId: string;
  readonly suite: string;
  readonly genesisHash: string;
  readonly height: number;
  readonly genesis: Genesis;
}

/** Blocks and committed transactions of one day (China time, UTC+8) in `GET /v1/stats/chain`. */
export interface ChainStatsDay {
  /** `YYYY-MM-DD`, China time. */
  readonly date: string;
  readonly blocks: number;
  /** Committed transactions: `ok` + `failed` (by receipt status). */
  readonly transactions: number;
  readonly ok: number;
  readonly failed: number;
}

/**
 * `GET /v1/stats/chain`: throughput per day over the last `days` days, today (the node's clock) last and partial.
 * Not about persons, so nothing is suppressed (docs/statistics.md).
 */
export interface ChainStatsView {
  /** Every day of the window, oldest first, days without blocks included as zeros. */
  readonly days: readonly ChainStatsDay[];
  /** Sums over `days`. */
  readonly totals: Omit<ChainStatsDay, 'date'>;
  /** The latest durable block. */
  readonly height: number;
  /** ms since the epoch. */
  readonly generatedAt: number;
}

/**
 * A licence in `GET /v1/credentials` (a department's list): what its anchor holds publicly, without the digest, the
 * seal key or the status history (`GET /v1/credentials/{id}/status` has those, with a proof).
 */
export interface CredentialListItem {
  readonly id: string;
  readonly type: string;
  /** The issuing organisation. */
  readonly org: string;
  /** The holder's pseudonymous subject id. */
  readonly holder: string;
  /** At `generatedAt`: the anchor's status, or `expired` once the validity has ended (unless revoked). */
  readonly status: CredentialEffectiveStatus;
  /** Validity, ms since the epoch. */
  readonly validFrom: number;
  readonly validUntil: number;
  /** The case it was issued for, if any. */
  readonly case?: string;
  /** Block and block time of the issue. */
  readonly height: number;
  readonly time: number;
}

/** `GET /v1/credentials`: one page of an organisation's licences, newest issue first. */
export interface CredentialListView {
  readonly org: string;
  readonly items: readonly CredentialListItem[];
  /** Cursor of the following page; absent on the last page. */
  readonly next?: string;
  /** Licences matching the filters, over all pages. */
  readonly total: number;
  /** The durable block the list reflects. */
  readonly height: number;
  /** The time expiry is judged at, ms since the epoch (the node's clock). */
  readonly generatedAt: number;
}

/** A certificate in `GET /health`: this node's own (`kind: node`) or a CA root of the consortium (`kind: ca`). */
export interface CertificateEntryView {
  readonly kind: 'node' | 'ca';
  readonly org: string;
  /** The node id, or the CA root's fingerprint. */
  readonly id: string;
  /** ms since the epoch. */
  readonly notAfter: number;
  /** Whole days left by the node's clock (negative once expired). */
  readonly daysLeft: number;
}

/** Certificate expiry as `GET /health` reports it (docs/identity.md §Expiry). */
export interface CertificateHealthView {
  /** `warn` when something expires within `warningDays`; `expired` when this node's certificate or a CA root has. */
  readonly status: 'ok' | 'warn' | 'expired';
  readonly warningDays: number;
  readonly node: CertificateEntryView | null;
  readonly ca: readonly CertificateEntryView[];
  /** Enrolled, unrevoked member certificates expiring within the warning period (expired ones included). */
  readonly membersExpiring: number;
}

/** This node computed a block other than the one a quorum of organisations certified (etcd ordering). */
export interface StateAlarmView {
  readonly height: number;
  readonly own: { readonly blockHash: string; readonly stateRoot: string };
  readonly quorum: { readonly blockHash: string; readonly stateRoot: string; readonly orgs: readonly string[] };
  /** ms since the epoch. */
  readonly since: number;
}

/** How blocks are ordered: by this node alone (`solo`), or through an etcd cluster shared by the consortium. */
export type OrderingHealthView =
  | { readonly type: 'solo' }
  | {
      readonly type: 'etcd';
      readonly status: 'starting' | 'watching' | 'catching-up' | 'unavailable';
      readonly endpoint: string;
      readonly prefix: string;
      /** Highest block certified by a quorum of organisations. */
      readonly certifiedHeight: number;
      readonly alarm: StateAlarmView | null;
      /** Nodes seen attesting values that differ from a certified block, and the height where they did. */
      readonly divergentNodes: Readonly<Record<string, number>>;
      /** The highest block each peer node has attested. */
      readonly peerHeights: Readonly<Record<string, number>>;
    };

/** `GET /health`: liveness and basic status of one node. */
export interface NodeHealthView {
  /** `alarm` when this node computed a block other than the one a quorum certified (etcd ordering). */
  readonly status: 'ok' | 'alarm';
  readonly certificates: CertificateHealthView;
  readonly chainId: string;
  readonly suite: string;
  /** This node's id and organisation. */
  readonly node: string;
  readonly org: string;
  readonly ordering: OrderingHealthView;
  /** The latest durable block. */
  readonly height: number;
  /** Transactions admitted and not yet in a durable block. */
  readonly mempool: number;
  /** Signature-verification worker threads. */
  readonly workers: number;
  readonly uptimeSeconds: number;
  /** The re-verification of stored blocks at startup, or `null` when it was turned off. */
  readonly startupCheck: {
    readonly ok: true;
    readonly blocks: number;
    readonly from: number;
    readonly to: number;
  } | null;
}

/** An item of `GET /v1/workflow/inbox`, `/v1/workflow/cases` and `/v1/workflow/my-cases`. */
export interface CaseSummaryView {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly title: Label;
  readonly status: CaseStatus;
  readonly step?: string;
  readonly stepTitle?: Label;
  /** The countersign party the caller acts as (inbox). */
  readonly party?: string;
  /**
   * Who applied, without their key: a citizen's or enterprise's pseudonymous subject id, a member's organisation and
   * staff id (enough to tell applications apart without any personal data).
   */
  readonly applicant: {
    readonly kind: string;
    readonly org?: string;
    readonly member?: string;
    readonly subject?: string;
  };
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the case entered its current step (how long the task has waited). */
  readonly stepSince?: number;
  readonly deadlineAt?: number;
  /** The current deadline has passed. */
  readonly overdue: boolean;
  readonly breached: readonly string[];
  readonly outcome?: string;
}

/** `GET /v1/workflow/cases/{id}`: the case record, its summary and the caller's task on it, if any. */
export interface CaseView extends CaseRecord {
  readonly summary: CaseSummaryView;
  readonly task?: { readonly step: string; readonly party?: string };
}

export interface ProposalVoteView {
  readonly approve: boolean;
  readonly key: string;
  readonly member: string;
  readonly height: number;
}

/**
 * `GET /v1/gov/proposals` items and `GET /v1/gov/proposals/{id}`: a governance proposal as the `gov` contract keeps it
 * (PROTOCOL.md §15), shown `expired` once an open one is past its expiry.
 */
export interface ProposalView {
  readonly id: string;
  readonly proposer: string;
  readonly org: string;
  readonly actions: readonly (JsonObject & { readonly type: string })[];
  readonly note?: string;
  readonly height: number;
  readonly time: number;
  readonly expiresAt: number;
  /** Configuration version the proposal was checked against. */
  readonly baseVersion: number;
  readonly votes: Readonly<Record<string, ProposalVoteView>>;
  readonly status: 'open' | 'approved' | 'rejected' | 'failed' | 'withdrawn' | 'expired';
  readonly decidedAt?: number;
  /** Configuration version the proposal produced, when approved and it changed the configuration. */
  readonly configVersion?: number;
  readonly failure?: { readonly code: string; readonly message: string };
}

/**
 * Every e-licence anchor of the `credential` contract at the durable height, read once per height and shared by the
 * published statistics (`statsRoutes.ts`, which reduce each to type, department, status and times before counting)
 * and a department's list (`GET /v1/credentials`, `credentialRoutes.ts`). What is kept of an anchor is what the list
 * may show: no digest, seal key, transaction or status history.
 */
import { CREDENTIAL_CONTRACT, type CredentialAnchor, type CredentialStatus } from '@lianzheng/protocol';
import type { LianzhengNode } from '../lianzhengNode.js';
import { type StateScanSource, stateKeysUnder, stateValueAt } from './stateScan.js';

/** An anchor as the views above may know it. */
export interface CredentialAnchorSummary {
  readonly id: string;
  readonly type: string;
  readonly org: string;
  readonly holder: string;
  /** The anchor's own status (expiry is judged at read time: `credentialEffectiveStatus`). */
  readonly status: CredentialStatus;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly case?: string;
  /** Block and block time of the issue (a status change keeps them). */
  readonly height: number;
  readonly time: number;
}

export interface CredentialAnchorsSnapshot {
  /** The durable block the anchors are read at. */
  readonly height: number;
  /** Newest issue first: height descending, then id ascending (`compareNewestFirst`). */
  readonly anchors: readonly CredentialAnchorSummary[];
}

export interface CredentialAnchorsDeps {
  readonly node: StateScanSource & { readonly ledger: Pick<LianzhengNode['ledger'], 'durableHeight'> };
}

/** The order of the list: newest issue first; anchors of one block by id, so that every node gives the same order. */
export function compareNewestFirst(
  a: Pick<CredentialAnchorSummary, 'height' | 'id'>,
  b: Pick<CredentialAnchorSummary, 'height' | 'id'>,
): number {
  if (a.height !== b.height) return b.height - a.height;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class CredentialAnchors {
  private snapshot: CredentialAnchorsSnapshot | undefined;

  constructor(private readonly deps: CredentialAnchorsDeps) {}

  /** The anchors at the current durable height; the scan of a height is reused by every request at that height. */
  current(): CredentialAnchorsSnapshot {
    const { node } = this.deps;
    const height = node.ledger.durableHeight;
    if (this.snapshot?.height === height) return this.snapshot;
    const anchors: CredentialAnchorSummary[] = [];
    for (const key of stateKeysUnder(node, CREDENTIAL_CONTRACT, 'credential/')) {
      const a = stateValueAt(node, CREDENTIAL_CONTRACT, key, height) as CredentialAnchor | null;
      if (a === null) continue;
      anchors.push({
        id: a.id,
        type: a.type,
        org: a.org,
        holder: a.holder,
        status: a.status,
        validFrom: a.validFrom,
        validUntil: a.validUntil,
        ...(a.case === undefined ? {} : { case: a.case }),
        height: a.height,
        time: a.time,
      });
    }
    anchors.sort(compareNewestFirst);
    this.snapshot = { height, anchors };
    return this.snapshot;
  }
}

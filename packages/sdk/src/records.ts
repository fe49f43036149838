/**
 * 信息公开 public records from a client (docs/records.md, PROTOCOL.md §21): browse and search, read a record with all
 * its versions, build the `records.publish` / `records.withdraw` calls, and verify a version — or a record's head —
 * against a certified checkpoint and the pinned genesis, trusting no node. Browser-safe.
 */
import {
  assertCheckpoint,
  consortiumFromGenesis,
  type Genesis,
  hexToBytes,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  portableSuite,
  protocolError,
  RECORDS_CONTRACT,
  type RecordAttachment,
  type RecordCategory,
  type RecordHead,
  type RecordSummary,
  type RecordVersion,
  recordKeys,
  type StateView,
  stateProofFromJson,
  verifyCheckpoint,
  verifyStateProof,
} from '@lianzheng/protocol';
import { type Client, getState } from './actions.js';

export type {
  RecordAttachment,
  RecordCategory,
  RecordHead,
  RecordStamp,
  RecordSummary,
  RecordVersion,
} from '@lianzheng/protocol';

/** What a department publishes (limits: PROTOCOL.md §21.3); the organisation is the signer's. */
export interface PublishRecordArgs {
  /** `^[a-z0-9][a-z0-9-]{0,63}$`; publishing an existing id adds a version. */
  readonly id: string;
  readonly category: RecordCategory;
  readonly title: string;
  readonly summary?: string;
  /** Plain text or Markdown, at most 32 KiB in UTF-8. */
  readonly body: string;
  readonly tags?: readonly string[];
  readonly attachments?: readonly RecordAttachment[];
  /** `YYYY-MM-DD`. */
  readonly effective?: string;
  /** `<org>/<id>` of a record this one replaces. */
  readonly supersedes?: string;
}

export interface WithdrawRecordArgs {
  readonly id: string;
  readonly reason: string;
}

/** A contract call, ready for `buildTransaction({ chainId, signer, ...call })`. */
export interface RecordCall<M extends 'publish' | 'withdraw'> {
  readonly contract: typeof RECORDS_CONTRACT;
  readonly method: M;
  readonly args: JsonObject;
}

/** The arguments without the fields left undefined (JSON has no undefined; canonical JSON refuses it). */
function argsOf(args: object): JsonObject {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as JsonObject;
}

/** The call that publishes a record (or its next version). */
export function publishRecordTx(args: PublishRecordArgs): RecordCall<'publish'> {
  return { contract: RECORDS_CONTRACT, method: 'publish', args: argsOf(args) };
}

/** The call that withdraws (废止) a record of the signer's organisation. */
export function withdrawRecordTx(args: WithdrawRecordArgs): RecordCall<'withdraw'> {
  return { contract: RECORDS_CONTRACT, method: 'withdraw', args: argsOf(args) };
}

export interface GetRecordsParameters {
  /** Case-insensitive substring of the title, summary, tags or body. */
  readonly q?: string;
  readonly org?: string;
  readonly category?: RecordCategory;
  readonly tag?: string;
  /** 1–100, default 20. */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly cursor?: string;
}

export interface GetRecordsReturnType {
  readonly items: readonly RecordSummary[];
  readonly next?: string;
  /** The durable block the list reflects. */
  readonly height: number;
}

/** One page of public records, newest publication first. */
export function getRecords(client: Client, p: GetRecordsParameters = {}): Promise<GetRecordsReturnType> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return client.transport.request('GET', `/v1/records${qs === '' ? '' : `?${qs}`}`);
}

export interface GetRecordReturnType {
  readonly head: RecordHead;
  /** Every version, oldest first. */
  readonly versions: readonly RecordVersion[];
  readonly height: number;
}

/** A record's head and all its versions, as the node says (verify a version with `verifyRecord`). */
export function getRecord(client: Client, org: string, id: string): Promise<GetRecordReturnType> {
  return client.transport.request('GET', `/v1/records/${encodeURIComponent(org)}/${encodeURIComponent(id)}`);
}

/** What verification establishes about a state value of `records`, and against what. */
interface VerifiedState {
  readonly height: number;
  /** Block time of the checkpoint, ms since the epoch. */
  readonly time: number;
  /** The checkpoint's state root, hex. */
  readonly stateRoot: string;
  /** Organisations whose attestations of the checkpoint verified. */
  readonly orgs: readonly string[];
}

export interface VerifiedRecord extends VerifiedState {
  readonly record: RecordVersion;
}

export interface VerifiedRecordHead extends VerifiedState {
  readonly head: RecordHead;
}

export interface VerifyRecordParameters {
  /** The pinned genesis: the only thing trusted. */
  readonly genesis: Genesis;
}

/** Checks the checkpoint against the genesis and the proof of `key` with `value` against its state root. */
function verifyRecordsState(
  p: VerifyRecordParameters,
  key: string,
  value: JsonValue | null,
  response: StateView,
): VerifiedState {
  const suite = portableSuite(p.genesis.suite);
  if (response.contract !== RECORDS_CONTRACT || response.key !== key) {
    throw protocolError('PROOF_INVALID', `the proof is not for records/${key}`, { reason: 'key' });
  }
  if (response.proof === undefined || response.checkpoint === undefined) {
    throw protocolError('PROOF_MALFORMED', 'the response has no proof and checkpoint (ask with proof=true)', {
      field: 'proof',
    });
  }
  const checkpoint = verifyCheckpoint(suite, consortiumFromGenesis(p.genesis), assertCheckpoint(response.checkpoint));
  if (checkpoint.header.height !== response.height) {
    throw protocolError('PROOF_INVALID', 'the checkpoint is for another height than the proof', { reason: 'height' });
  }
  const root = hexToBytes(checkpoint.header.stateRoot, 'stateRoot', 32);
  const proof = stateProofFromJson(response.proof);
  if (value === null) {
    // Absence is a fact too, but only once proven: a node cannot make a record disappear.
    verifyStateProof(suite, root, RECORDS_CONTRACT, key, null, proof);
    throw new LianzhengError(
      'RECORD_NOT_FOUND',
      `records/${key} does not exist at height ${checkpoint.header.height}`,
      {
        details: { key, height: checkpoint.header.height },
      },
    );
  }
  verifyStateProof(suite, root, RECORDS_CONTRACT, key, value, proof);
  return {
    height: checkpoint.header.height,
    time: checkpoint.header.time,
    stateRoot: checkpoint.header.stateRoot,
    orgs: checkpoint.orgs,
  };
}

const isObject = (v: JsonValue | null): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Verifies a version of a record fetched with `getState(client, 'records', '<org>/<id>/v/<n>', { proof: true })`
 * (`proofResponse`), for `value` — normally `proofResponse.value`; a UI may pass something else to show that a changed
 * value is refused. The version named by the value must be the key proven. Throws PROOF_INVALID, PROOF_MALFORMED,
 * CHECKPOINT_INVALID (or RECORD_NOT_FOUND for a proven absence).
 */
export function verifyRecordProof(
  p: VerifyRecordParameters,
  value: JsonValue | null,
  proofResponse: StateView,
): VerifiedRecord {
  if (value !== null) {
    const v = value as Partial<Record<keyof RecordVersion, unknown>>;
    if (
      !isObject(value) ||
      typeof v.org !== 'string' ||
      typeof v.id !== 'string' ||
      typeof v.version !== 'number' ||
      recordKeys.version(v.org, v.id, v.version) !== proofResponse.key
    ) {
      throw protocolError('PROOF_INVALID', 'the value is not the record version the proof is for', {
        reason: 'value',
      });
    }
  } else if (!/^[^/]+\/[^/]+\/v\/[1-9][0-9]*$/.test(proofResponse.key)) {
    throw protocolError('PROOF_INVALID', 'the proof is not for a record version', { reason: 'key' });
  }
  const verified = verifyRecordsState(p, proofResponse.key, value, proofResponse);
  return { record: value as unknown as RecordVersion, ...verified };
}

/**
 * Fetches version `version` of `<org>/<id>` with its proof from any node and verifies it against the pinned genesis:
 * a certified checkpoint (attestations of a quorum of the genesis organisations) and the state proof of the exact
 * value. The node is not trusted.
 */
export async function verifyRecord(
  client: Client,
  p: VerifyRecordParameters,
  org: string,
  id: string,
  version: number,
): Promise<VerifiedRecord> {
  const key = recordKeys.version(org, id, version);
  const response = await getState(client, RECORDS_CONTRACT, key, { proof: true });
  if (response.key !== key) {
    throw protocolError('PROOF_INVALID', `the node answered for ${response.key}, not ${key}`, { reason: 'key' });
  }
  return verifyRecordProof(p, response.value, response);
}

/**
 * Fetches and verifies a record's head (its latest version number, and whether and when it was withdrawn), like
 * `verifyRecord`.
 */
export async function verifyRecordHead(
  client: Client,
  p: VerifyRecordParameters,
  org: string,
  id: string,
): Promise<VerifiedRecordHead> {
  const key = recordKeys.head(org, id);
  const response = await getState(client, RECORDS_CONTRACT, key, { proof: true });
  const value = response.value;
  if (value !== null && (!isObject(value) || value.org !== org || value.id !== id)) {
    throw protocolError('PROOF_INVALID', 'the value is not the head of this record', { reason: 'value' });
  }
  const verified = verifyRecordsState(p, key, value, response);
  return { head: value as unknown as RecordHead, ...verified };
}

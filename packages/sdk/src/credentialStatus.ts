/**
 * E-licences from a department's side (docs/credentials.md): the credential types and who issues them, the list of the
 * licences a department issued, a credential's anchor and status as the chain holds it, the credential issued for a
 * case, and the calls that suspend, reinstate or revoke one (`credential` contract; the issuing organisation's
 * registrars and admins by default). Browser-safe.
 */
import {
  CREDENTIAL_REASONS,
  type CredentialAnchor,
  type CredentialEffectiveStatus,
  type CredentialListItem,
  type CredentialListView,
  type CredentialsConfig,
  credentialKeys,
  type JsonObject,
  LianzhengError,
  type StateView,
} from '@lianzheng/protocol';
import { type Client, getState } from './actions.js';

export function getCredentialTypes(client: Client): Promise<CredentialsConfig> {
  return client.transport.request('GET', '/v1/credentials/types');
}

export interface GetCredentialsParameters {
  /** The issuing organisation; default: the signed-in member's. */
  readonly org?: string;
  /** Only licences with this status at the node's time (`expired`: validity ended, not revoked). */
  readonly status?: CredentialEffectiveStatus;
  /** Only this credential type. */
  readonly type?: string;
  /** 1–200, default 50. */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly cursor?: string;
}

export type GetCredentialsReturnType = CredentialListView;
export type { CredentialListItem };

/**
 * One page of the licences an organisation issued, newest issue first, with the total of matches. Needs a session
 * (`withSession`) whose identity satisfies the configuration's `credential.list` policy for that organisation — by
 * default its registrars, administrators and auditors; others get `POLICY_DENIED`.
 */
export function getCredentials(client: Client, p: GetCredentialsParameters = {}): Promise<GetCredentialsReturnType> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return client.transport.request('GET', `/v1/credentials${qs === '' ? '' : `?${qs}`}`);
}

export interface GetCredentialStatusReturnType extends StateView {
  /** The anchor; `null` when the chain has no credential with this id (the proof then proves its absence). */
  readonly value: (CredentialAnchor & JsonObject) | null;
}

/**
 * A credential's anchor (type, issuing organisation, holder pseudonym, validity, status with its history) at the
 * latest certified block, with the state proof and checkpoint a verifier checks for itself.
 */
export function getCredentialStatus(client: Client, id: string): Promise<GetCredentialStatusReturnType> {
  return client.transport.request('GET', `/v1/credentials/${encodeURIComponent(id)}/status`);
}

/**
 * The id of the credential issued for a case (a workflow outcome's entitlement), or `undefined` while none is
 * anchored — the issuing node signs and anchors it shortly after the case is decided.
 */
export async function getCredentialForCase(client: Client, caseId: string): Promise<string | undefined> {
  try {
    const v = await getState(client, 'credential', credentialKeys.byCase(caseId));
    return typeof v.value === 'string' ? v.value : undefined;
  } catch (error) {
    if (error instanceof LianzhengError && error.code === 'STATE_KEY_NOT_FOUND') return undefined;
    throw error;
  }
}

export type CredentialStatusMethod = 'suspend' | 'reinstate' | 'revoke';

export interface CredentialStatusArgs {
  /** The credential id (64 hex). */
  readonly id: string;
  /** A code of `CREDENTIAL_REASONS` (the contract refuses others with `CREDENTIAL_REASON_UNKNOWN`). */
  readonly reason: string;
}

/** A contract call, ready for `buildTransaction({ chainId, signer, ...call })`. */
export interface CredentialStatusCall {
  readonly contract: 'credential';
  readonly method: CredentialStatusMethod;
  readonly args: JsonObject;
}

/** The call that suspends (valid → suspended), reinstates (suspended → valid) or revokes (→ revoked, final). */
export function credentialStatusTx(method: CredentialStatusMethod, args: CredentialStatusArgs): CredentialStatusCall {
  if (!Object.hasOwn(CREDENTIAL_REASONS, args.reason)) {
    throw new LianzhengError('CREDENTIAL_REASON_UNKNOWN', `${args.reason} is not a reason code`, {
      details: { field: 'args.reason', reasons: Object.keys(CREDENTIAL_REASONS) },
    });
  }
  return { contract: 'credential', method, args: { id: args.id, reason: args.reason } };
}

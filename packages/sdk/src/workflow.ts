/**
 * Approval workflows from a client (the staff console, the portal, integrations): read the deployed workflows and
 * their forms, the inbox, cases; compute commitments for personal fields. Submitting, acting and withdrawing are
 * transactions of the `workflow` contract (`buildTransaction` + `submitTransaction`; PROTOCOL.md §17).
 */
import { HashTag, commitPersonal as protocolCommitPersonal } from '@lianzheng/protocol';
import type { Client } from './actions.js';

export function getWorkflows(client: Client): Promise<{ workflows: Record<string, unknown>[] }> {
  return client.transport.request('GET', '/v1/workflows');
}

export function getWorkflow(client: Client, id: string, version?: number): Promise<Record<string, unknown>> {
  const q = version === undefined ? '' : `?version=${version}`;
  return client.transport.request('GET', `/v1/workflows/${encodeURIComponent(id)}${q}`);
}

/** The signed-in civil servant's tasks (a session client: `withSession`). */
export function getInbox(client: Client): Promise<{ tasks: Record<string, unknown>[] }> {
  return client.transport.request('GET', '/v1/workflow/inbox');
}

export function getCases(
  client: Client,
  filter: { readonly status?: string; readonly workflow?: string } = {},
): Promise<{ cases: Record<string, unknown>[] }> {
  const q = new URLSearchParams();
  if (filter.status !== undefined) q.set('status', filter.status);
  if (filter.workflow !== undefined) q.set('workflow', filter.workflow);
  return client.transport.request('GET', `/v1/workflow/cases${q.size > 0 ? `?${q.toString()}` : ''}`);
}

export function getMyCases(client: Client): Promise<{ cases: Record<string, unknown>[] }> {
  return client.transport.request('GET', '/v1/workflow/my-cases');
}

export function getCase(client: Client, id: string): Promise<Record<string, unknown>> {
  return client.transport.request('GET', `/v1/workflow/cases/${id}`);
}

/** Domain tag of personal-data commitments (PROTOCOL.md §17.3, §19). */
export const COMMITMENT_TAG = HashTag.personal;

/**
 * The commitment that goes on chain instead of a personal value (an ID number, a name): hex of
 * TH("lianzheng/personal", JCS({ salt, value })). Keep the value and the salt off chain (the private-data store); with
 * them anyone can check the commitment, without them nobody can guess the value from it. Use a fresh random salt of at
 * least 16 bytes per value.
 */
export const commitPersonal = protocolCommitPersonal;

/**
 * Sign-in with one's own key (challenge-response, docs/identity.md §Sign-in), sessions, co-signatures, and the read
 * routes of identities and governance. Works in a browser: the key never leaves the caller's {@link Signer}.
 */
import {
  bytesToHex,
  type ConfigRecord,
  type CryptoSuite,
  type JsonObject,
  type Principal,
  type ProposalView,
  type SignedTransaction,
  transactionId,
} from '@lianzheng/protocol';
import type { Client } from './actions.js';
import type { Signer } from './signer.js';
import type { Transport } from './transport.js';

/** The hash tag of the sign-in digest: the client signs TH("lianzheng/sign-in", UTF-8(message)). */
export const SIGN_IN_TAG = 'lianzheng/sign-in';

export interface SignInParameters {
  readonly suite: CryptoSuite;
  /** The signing key's public key (a member's, or a citizen's or enterprise's registered key). */
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
}

export interface SignInReturnType {
  /** Bearer token: keep it in memory only; it ends after 15 minutes idle or 8 hours. */
  readonly token: string;
  readonly sessionId: string;
  readonly expiresAt: number;
  readonly idleExpiresAt: number;
  readonly identity: Principal;
}

/**
 * Signs in: asks for a challenge, checks that the message is the sign-in message for this key (so a node cannot make
 * the signer sign something else), signs its tagged digest, and exchanges it for a session.
 */
export async function signIn(client: Client, p: SignInParameters): Promise<SignInReturnType> {
  const publicKey = bytesToHex(p.publicKey);
  const c = await client.transport.request<{ challenge: string; message: string; expiresAt: number }>(
    'POST',
    '/v1/auth/challenge',
    JSON.stringify({ publicKey }),
  );
  const message = JSON.parse(c.message) as { type?: string; publicKey?: string; challenge?: string };
  if (message.type !== 'lianzheng-sign-in' || message.publicKey !== publicKey || message.challenge !== c.challenge) {
    throw new Error('the node sent a sign-in message for another key or purpose; refusing to sign it');
  }
  const signature = await p.signer(p.suite.taggedText(SIGN_IN_TAG, c.message));
  return client.transport.request(
    'POST',
    '/v1/auth/session',
    JSON.stringify({ challenge: c.challenge, publicKey, signature: bytesToHex(signature) }),
  );
}

/** A client whose requests carry the session token. */
export function withSession(client: Client, token: string): Client {
  const authorization = `Bearer ${token}`;
  const inner = client.transport;
  const transport: Transport = {
    request: (method, path, body, headers) => inner.request(method, path, body, { ...(headers ?? {}), authorization }),
  };
  if (inner.requestText !== undefined) {
    const requestText = inner.requestText.bind(inner);
    transport.requestText = (path, headers) => requestText(path, { ...(headers ?? {}), authorization });
  }
  return { transport };
}

export function signOut(client: Client): Promise<null> {
  return client.transport.request('POST', '/v1/auth/logout');
}

export function getMe(client: Client): Promise<{ session: Record<string, unknown>; identity: Principal }> {
  return client.transport.request('GET', '/v1/auth/me');
}

export function getConfig(client: Client): Promise<ConfigRecord> {
  return client.transport.request('GET', '/v1/config');
}

export function getMembers(
  client: Client,
  org: string,
  opts: { readonly after?: string; readonly limit?: number } = {},
): Promise<{ org: string; members: Record<string, unknown>[]; next: string | null }> {
  const q = new URLSearchParams({ org });
  if (opts.after !== undefined) q.set('after', opts.after);
  if (opts.limit !== undefined) q.set('limit', String(opts.limit));
  return client.transport.request('GET', `/v1/identity/members?${q.toString()}`);
}

export function getIdentity(client: Client, publicKey: string): Promise<Record<string, unknown>> {
  return client.transport.request('GET', `/v1/identity/keys/${publicKey}`);
}

export function getSubject(client: Client, subject: string): Promise<Record<string, unknown>> {
  return client.transport.request('GET', `/v1/identity/subjects/${subject}`);
}

/** A member's enrolled certificate as `GET /v1/identity/expiring` lists it. */
export interface ExpiringMember {
  readonly publicKey: string;
  readonly org: string;
  readonly member: string;
  readonly roles: readonly string[];
  readonly serial: string;
  readonly notBefore: number;
  /** ms since the epoch. */
  readonly notAfter: number;
  readonly status: 'active' | 'revoked' | 'expired' | 'not-yet-valid';
}

export interface GetExpiringReturnType {
  readonly days: number;
  /** CA roots of the consortium configuration that expire within `days`. */
  readonly ca: readonly { readonly org: string; readonly fingerprint: string; readonly notAfter: number }[];
  /** Unrevoked member certificates that expire within `days` (expired ones included), soonest first. */
  readonly members: readonly ExpiringMember[];
}

/** CA roots and member certificates expiring within `days` (policy identity.expiring: a session client). */
export function getExpiring(client: Client, days = 30): Promise<GetExpiringReturnType> {
  return client.transport.request('GET', `/v1/identity/expiring?days=${days}`);
}

export function getProposals(client: Client, status?: string): Promise<{ proposals: ProposalView[] }> {
  return client.transport.request('GET', `/v1/gov/proposals${status === undefined ? '' : `?status=${status}`}`);
}

export function getProposal(client: Client, id: string): Promise<ProposalView> {
  return client.transport.request('GET', `/v1/gov/proposals/${id}`);
}

/** A contract call, ready for `buildTransaction({ chainId, signer, ...call })`. */
export interface GovCall<M extends string> {
  readonly contract: 'gov';
  readonly method: M;
  readonly args: JsonObject;
}

/**
 * The call that casts the signer's organisation's vote on a proposal (`gov.vote`: an `admin` by default; one vote per
 * organisation, docs/identity.md §11.2).
 */
export function voteOnProposalTx(args: { readonly proposal: string; readonly approve: boolean }): GovCall<'vote'> {
  return { contract: 'gov', method: 'vote', args: { proposal: args.proposal, approve: args.approve } };
}

/** Adds a co-signature by `publicKey` (through its signer) to a signed transaction; co-signatures stay sorted. */
export async function cosignTransaction(
  suite: CryptoSuite,
  signed: SignedTransaction,
  publicKey: Uint8Array,
  signer: Signer,
): Promise<SignedTransaction> {
  const key = bytesToHex(publicKey);
  const sig = bytesToHex(await signer(transactionId(suite, signed.tx)));
  const cosigs = [...(signed.cosigs ?? []).filter((c) => c.signer !== key), { signer: key, sig }].sort((a, b) =>
    a.signer < b.signer ? -1 : a.signer > b.signer ? 1 : 0,
  );
  return { tx: signed.tx, sig: signed.sig, cosigs };
}

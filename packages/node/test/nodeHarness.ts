/**
 * A real node in a temporary home, its API built with `createApiServer` and driven with `inject` (no sockets), plus
 * small helpers to build signed transactions and to check error bodies. Shared by api.test.ts and fuzz.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type Clock,
  createApiServer,
  DEMO_ORGS,
  demoStaff,
  errorTables,
  httpStatusOf,
  initHome,
  type KeyPair,
  LianzhengNode,
  loadKeyFile,
  type NodeOptions,
  nativeSuite,
} from '@lianzheng/node';
import {
  bytesToHex,
  type CryptoSuite,
  createTransaction,
  type Genesis,
  type JsonObject,
  type SignedTransaction,
  type SuiteId,
  signTransaction,
  type Transaction,
  transactionId,
} from '@lianzheng/protocol';
import { pino } from 'pino';
import { expect } from 'vitest';

/** The fixed time of the fake clock: 2026-01-01T00:00:00Z. Nothing in these tests depends on the wall clock. */
export const T0 = 1_767_225_600_000;

export const CHAIN_ID = 'test-chain';

export type Api = Awaited<ReturnType<typeof createApiServer>>;

export interface TestNode {
  readonly home: string;
  readonly node: LianzhengNode;
  readonly app: Api;
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  /** Administrator keys by organisation id (`market`, `realestate`, …). */
  readonly members: Readonly<Record<string, KeyPair>>;
  /** Every genesis staff key by member id (`market-admin`, `police-registrar`, …; see demoStaff). */
  readonly staff: Readonly<Record<string, KeyPair>>;
  /** A key of the chain's suite that is not in genesis. */
  readonly stranger: KeyPair;
  /** Errors passed to `onFatal`; every test file asserts this stays empty. */
  readonly fatal: unknown[];
  /**
   * Moves the node's clock (it starts at T0 and stays there unless a test moves it): session timeouts, challenge
   * expiry, certificate expiry. Block times follow it, so transactions built afterwards need a later `expiresAt`.
   */
  setTime(time: number): void;
  /** Stops the node cleanly and opens it again on the same home (a restart); `node` and `app` are the new ones. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenTestNodeParameters {
  readonly suite?: SuiteId;
  readonly overrides?: Partial<Omit<NodeOptions, 'home'>>;
}

/** Passphrase of the test homes' key files (their scrypt cost is the minimum, 2^12, for speed). */
export const TEST_PASSPHRASE = 'test passphrase, not secret';

export async function openTestNode(p: OpenTestNodeParameters = {}): Promise<TestNode> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'lianzheng-node-test-'));
  const suiteId = p.suite ?? 'ed25519-sha256';
  let opened: {
    genesis: Genesis;
    members: Record<string, KeyPair>;
    staff: Record<string, KeyPair>;
    node: LianzhengNode;
    app: Api;
  };
  const fatal: unknown[] = [];
  let now = T0;
  const clock: Clock = { now: () => now };
  const start = async () => {
    const node = await LianzhengNode.open(
      home,
      { workers: 2, ...p.overrides },
      { log: pino({ level: 'silent' }), clock, onFatal: (error) => fatal.push(error), passphrase: TEST_PASSPHRASE },
    );
    const app = await createApiServer(node);
    await app.ready();
    return { node, app };
  };
  try {
    const { genesis } = await initHome({
      home,
      chainId: CHAIN_ID,
      suite: suiteId,
      orgs: DEMO_ORGS,
      time: T0 - 60_000,
      passphrase: TEST_PASSPHRASE,
      staff: demoStaff(DEMO_ORGS),
      scryptN: 2 ** 12,
    });
    const staff: Record<string, KeyPair> = {};
    for (const s of demoStaff(DEMO_ORGS)) {
      staff[s.id] = await loadKeyFile(path.join(home, 'keys', `${s.id}.key.json`), TEST_PASSPHRASE);
    }
    const members: Record<string, KeyPair> = {};
    for (const org of DEMO_ORGS) members[org.id] = staff[`${org.id}-admin`]!;
    const { node, app } = await start();
    opened = { genesis, members, staff, node, app };
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  const { genesis, members, staff } = opened;
  let { node, app } = opened;
  let closed = false;
  return {
    home,
    get node() {
      return node;
    },
    get app() {
      return app;
    },
    genesis,
    suite: nativeSuite(genesis.suite),
    members,
    staff,
    stranger: strangerKey(suiteId),
    fatal,
    setTime(time: number) {
      now = time;
    },
    async restart() {
      await app.close();
      await node.close();
      ({ node, app } = await start());
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await app.close();
        await node.close();
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    },
  };
}

/** A fixed key outside the consortium (deterministic, unlike generateKeyPair). */
function strangerKey(suite: SuiteId): KeyPair {
  const secretKey = new Uint8Array(createHash('sha256').update('lianzheng test stranger').digest());
  return {
    id: 'stranger',
    org: 'nowhere',
    suite,
    publicKey: nativeSuite(suite).publicKeyFromSecret(secretKey),
    secretKey,
  };
}

let nonceCounter = 0;

/** A fresh, deterministic 16-byte nonce (a counter), so every built transaction has its own id. */
export function nextNonce(): Uint8Array {
  const nonce = new Uint8Array(16);
  nonce[0] = 0x7e;
  new DataView(nonce.buffer).setUint32(12, ++nonceCounter);
  return nonce;
}

export interface TxParameters {
  readonly key?: KeyPair;
  readonly contract?: string;
  readonly method?: string;
  readonly args?: JsonObject;
  readonly expiresAt?: number;
  readonly chainId?: string;
}

export function buildTx(t: TestNode, p: TxParameters = {}): Transaction {
  const key = p.key ?? t.members.market!;
  return createTransaction({
    chainId: p.chainId ?? CHAIN_ID,
    signer: key.publicKey,
    contract: p.contract ?? 'kv',
    method: p.method ?? 'put',
    args: p.args ?? { key: `k${nonceCounter + 1}`, value: nonceCounter + 1 },
    expiresAt: p.expiresAt ?? T0 + 10 * 60_000,
    nonce: nextNonce(),
  });
}

/** Builds and signs with `signWith` (default: the signer's own key). */
export function signedTx(t: TestNode, p: TxParameters = {}, signWith?: KeyPair): SignedTransaction {
  const tx = buildTx(t, p);
  return signTransaction(t.suite, tx, (signWith ?? p.key ?? t.members.market!).secretKey);
}

export function txIdOf(t: TestNode, signed: SignedTransaction): string {
  return bytesToHex(transactionId(t.suite, signed.tx));
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function postTx(t: TestNode, body: string | Buffer | SignedTransaction, query = '') {
  return t.app.inject({
    method: 'POST',
    url: `/v1/transactions${query}`,
    headers: JSON_HEADERS,
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

export function postBatch(t: TestNode, body: string | readonly unknown[]) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/transactions/batch',
    headers: JSON_HEADERS,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Every documented error code, from the error tables of protocol, runtime and node. */
export const KNOWN_CODES: ReadonlySet<string> = new Set(
  Object.values(errorTables).flatMap((table) => Object.keys(table)),
);

/**
 * code → HTTP status as docs/errors.md documents it (the table rows `| \`CODE\` | category | status | meaning |`).
 * Error responses are checked against the documentation, not only against the registry that generates it.
 */
export const DOCUMENTED_STATUS: ReadonlyMap<string, number> = new Map(
  [
    ...readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8').matchAll(
      /^\| `([A-Z0-9_]+)` \| [a-z_]+ \| (\d{3}) \|/gm,
    ),
  ].map((m) => [m[1]!, Number(m[2])] as const),
);

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
}

/** Checks the documented error envelope: exactly { error: { code, message, details? } }, with a documented code. */
export function assertErrorEnvelope(body: unknown): asserts body is ErrorBody {
  expect(body).toBeTypeOf('object');
  expect(body).not.toBeNull();
  expect(Object.keys(body as object)).toEqual(['error']);
  const error = (body as { error: unknown }).error as Record<string, unknown>;
  expect(error).toBeTypeOf('object');
  const keys = Object.keys(error);
  expect(keys.filter((k) => k !== 'code' && k !== 'message' && k !== 'details')).toEqual([]);
  expect(error.code).toBeTypeOf('string');
  expect(error.message).toBeTypeOf('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  if ('details' in error) {
    expect(error.details).toBeTypeOf('object');
    expect(error.details).not.toBeNull();
    expect(Array.isArray(error.details)).toBe(false);
  }
  expect(KNOWN_CODES.has(error.code as string), `undocumented error code ${String(error.code)}`).toBe(true);
}

/** Non-throwing variant for property tests: a reason string when the envelope is wrong, otherwise null. */
export function errorEnvelopeProblem(status: number, text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return `status ${status}: body is not an object`;
  if (Object.keys(body).join() !== 'error') return `status ${status}: body keys ${Object.keys(body).join()}`;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return `status ${status}: error is not an object`;
  const e = error as Record<string, unknown>;
  if (Object.keys(e).some((k) => k !== 'code' && k !== 'message' && k !== 'details')) {
    return `status ${status}: unexpected error keys ${Object.keys(e).join()}`;
  }
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return `status ${status}: code/message missing`;
  if (!KNOWN_CODES.has(e.code)) return `status ${status}: undocumented code ${e.code}`;
  if (httpStatusOf(e.code) !== status) return `status ${status} but ${e.code} maps to ${httpStatusOf(e.code)}`;
  if (DOCUMENTED_STATUS.get(e.code) !== status)
    return `status ${status} but docs/errors.md says otherwise for ${e.code}`;
  if ('details' in e && (typeof e.details !== 'object' || e.details === null))
    return `status ${status}: details not an object`;
  return null;
}

/** Asserts status, envelope and code, and that the status is the one the error registry gives that code. */
export function expectError(
  res: { statusCode: number; body: string },
  status: number,
  code: string,
): ErrorBody['error'] {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(
      `expected a JSON error body with status ${status} ${code}, got ${res.statusCode}: ${res.body.slice(0, 200)}`,
    );
  }
  expect({ status: res.statusCode, code: (body as ErrorBody).error?.code }).toEqual({ status, code });
  assertErrorEnvelope(body);
  expect(httpStatusOf(code)).toBe(status);
  expect(DOCUMENTED_STATUS.get(code), `docs/errors.md documents ${code} as HTTP ${status}`).toBe(status);
  return body.error;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export interface CommittedStatus {
  readonly id: string;
  readonly status: 'committed';
  readonly height: number;
  readonly index: number;
  readonly time: number;
  readonly tx: SignedTransaction;
  readonly receipt: {
    tx: string;
    status: 'ok' | 'failed';
    code?: string;
    message?: string;
    events: unknown[];
    result?: unknown;
  };
}

/** Polls GET /v1/transactions/{id} until the transaction is in a durable block (10 s at most). */
export async function waitCommitted(t: TestNode, id: string, timeoutMs = 10_000): Promise<CommittedStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.app.inject({ method: 'GET', url: `/v1/transactions/${id}` });
    if (res.statusCode === 200) {
      const body = res.json() as { status: string };
      if (body.status === 'committed') return body as CommittedStatus;
      if (body.status === 'dropped') throw new Error(`transaction ${id} was dropped: ${res.body}`);
    } else if (res.statusCode !== 404) {
      throw new Error(`GET /v1/transactions/${id} answered ${res.statusCode}: ${res.body}`);
    }
    if (Date.now() > deadline) throw new Error(`transaction ${id} not committed within ${timeoutMs} ms: ${res.body}`);
    await sleep(5);
  }
}

/** Waits until the node's mempool is empty (everything admitted is in a durable block). */
export async function waitMempoolEmpty(t: TestNode, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (t.node.mempoolSize > 0) {
    if (Date.now() > deadline) throw new Error(`mempool still holds ${t.node.mempoolSize} transactions`);
    await sleep(5);
  }
}

/** Submits a transaction and returns its receipt once durable; a refusal at admission comes back as a failed receipt. */
export async function submitForReceipt(t: TestNode, signed: SignedTransaction): Promise<CommittedStatus['receipt']> {
  const res = await postTx(t, signed);
  if (res.statusCode !== 202) {
    const { error } = res.json() as ErrorBody;
    return { tx: txIdOf(t, signed), status: 'failed', code: error.code, message: error.message, events: [] };
  }
  return (await waitCommitted(t, txIdOf(t, signed))).receipt;
}

/** A deterministic key outside genesis, e.g. a citizen's phone (`label` makes it unique). */
export function labelledKey(t: TestNode, label: string): KeyPair {
  const secretKey = new Uint8Array(createHash('sha256').update(`lianzheng test key/${label}`).digest());
  return { id: label, org: '', suite: t.genesis.suite, publicKey: t.suite.publicKeyFromSecret(secretKey), secretKey };
}

/** The whole sign-in (challenge, signature, session) for `key`; returns the bearer token. */
export async function signInToken(t: TestNode, key: KeyPair, client = '203.0.113.7'): Promise<string> {
  const post = (url: string, body: unknown) =>
    t.app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: JSON.stringify(body), remoteAddress: client });
  const publicKey = bytesToHex(key.publicKey);
  const c = (await post('/v1/auth/challenge', { publicKey })).json() as { challenge: string; message: string };
  const signature = bytesToHex(t.suite.sign(key.secretKey, t.suite.taggedText('lianzheng/sign-in', c.message)));
  const res = await post('/v1/auth/session', { challenge: c.challenge, publicKey, signature });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.body}`);
  return (res.json() as { token: string }).token;
}

/** Waits until the node's credential issuer has issued (or failed for good) every entitlement it seals for. */
export async function credentialsSettled(t: TestNode, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!t.node.credentials.settled()) {
    if (Date.now() > until) throw new Error('credential issuance did not settle');
    t.node.credentials.sweep();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A `fetch` that answers from the node's API in-process (for the SDK's HTTP transport); `rewrite` may change the URL
 * first (a test's hostile node).
 */
export function injectFetch(t: TestNode, rewrite?: (url: URL) => void): typeof fetch {
  return (async (input: string | URL, init?: RequestInit) => {
    const u = new URL(String(input));
    rewrite?.(u);
    const r = await t.app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      url: u.pathname + u.search,
      headers: (init?.headers ?? {}) as Record<string, string>,
      ...(init?.body === undefined || init.body === null ? {} : { payload: String(init.body) }),
    });
    return new Response(r.body, { status: r.statusCode, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

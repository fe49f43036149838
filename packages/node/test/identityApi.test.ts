/**
 * Sign-in, sessions and the protected read routes of identities and governance (src/api/identityRoutes.ts over the
 * SessionManager of src/auth.ts), through the real API with `inject`: a node whose genesis enrols the demo staff of
 * five organisations, citizens registered by a registrar with the citizen key's co-signature, and a node clock the
 * tests move for timeouts, lockouts and certificate expiry. Every error body is checked against the error registry
 * and docs/errors.md (`expectError`, `errorEnvelopeProblem`).
 */
import { createHash } from 'node:crypto';
import { DEMO_ORGS, demoStaff, type KeyPair } from '@lianzheng/node';
import { addCosignature, bytesToHex, canonicalize, type JsonObject, type SignedTransaction } from '@lianzheng/protocol';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAIN_ID,
  errorEnvelopeProblem,
  expectError,
  JSON_HEADERS,
  openTestNode,
  postTx,
  signedTx,
  T0,
  type TestNode,
  txIdOf,
  waitCommitted,
} from './nodeHarness.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What `GET /health` reports under `certificates` (src/api/certificateHealth.ts). */
interface CertificateEntry {
  kind: 'node' | 'ca';
  org: string;
  id: string;
  notAfter: number;
  daysLeft: number;
}
interface CertificateHealth {
  status: 'ok' | 'warn' | 'expired';
  warningDays: number;
  node: CertificateEntry | null;
  ca: CertificateEntry[];
  membersExpiring: number;
}

interface ChallengeBody {
  challenge: string;
  message: string;
  expiresAt: number;
}

interface SessionBody {
  token: string;
  sessionId: string;
  expiresAt: number;
  idleExpiresAt: number;
  identity: Record<string, unknown>;
}

interface MemberView {
  publicKey: string;
  org: string;
  member: string;
  roles: string[];
  status: string;
  notAfter: number;
  revoked?: unknown;
}

/** Every demo staff member id of an organisation (market-admin, market-sysadmin, …). */
function staffOf(org: string): string[] {
  return demoStaff(DEMO_ORGS)
    .filter((s) => s.org === org)
    .map((s) => s.id);
}

/** A key of the chain's suite derived from a label, outside genesis (a citizen, an enterprise, a stranger). */
function keyOf(t: TestNode, label: string): KeyPair {
  const secretKey = new Uint8Array(createHash('sha256').update(`lianzheng identity api test/${label}`).digest());
  return { id: label, org: '', suite: t.genesis.suite, publicKey: t.suite.publicKeyFromSecret(secretKey), secretKey };
}

const hexOf = (key: KeyPair): string => bytesToHex(key.publicKey);

function staffKey(t: TestNode, id: string): KeyPair {
  const key = t.staff[id];
  if (key === undefined) throw new Error(`no demo staff member ${id}`);
  return key;
}

/** A client address per scenario, so that the per-address limits one test provokes never reach another. */
let clients = 0;
function newClient(): string {
  clients++;
  return `198.51.${100 + (clients >> 8)}.${clients & 255}`;
}

function post(t: TestNode, url: string, body: unknown, client: string) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: JSON_HEADERS,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    remoteAddress: client,
  });
}

function get(t: TestNode, url: string, token?: string) {
  return t.app.inject({
    method: 'GET',
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

function requestChallenge(t: TestNode, publicKey: string, client: string) {
  return post(t, '/v1/auth/challenge', { publicKey }, client);
}

async function challengeFor(t: TestNode, key: KeyPair, client: string): Promise<ChallengeBody> {
  const res = await requestChallenge(t, hexOf(key), client);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as ChallengeBody;
}

/** The client's side of sign-in: a signature over TH("lianzheng/sign-in", message), hex. */
function signMessage(t: TestNode, key: KeyPair, message: string): string {
  return bytesToHex(t.suite.sign(key.secretKey, t.suite.taggedText('lianzheng/sign-in', message)));
}

function requestSession(
  t: TestNode,
  body: { challenge: string; publicKey: string; signature: string },
  client: string,
) {
  return post(t, '/v1/auth/session', body, client);
}

/** The sign-in request `key` sends for challenge `c`, signed by `signer` (default: the key itself). */
function answer(t: TestNode, key: KeyPair, c: ChallengeBody, signer = key) {
  return { challenge: c.challenge, publicKey: hexOf(key), signature: signMessage(t, signer, c.message) };
}

/** Challenge, signature, session: the whole sign-in, which must succeed. */
async function signIn(t: TestNode, key: KeyPair, client = newClient()): Promise<SessionBody> {
  const c = await challengeFor(t, key, client);
  const res = await requestSession(t, answer(t, key, c), client);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SessionBody;
}

/** Submits a transaction, waits for its durable block and returns the result of its receipt, which must be ok. */
async function commit(t: TestNode, signed: SignedTransaction): Promise<Record<string, unknown>> {
  const res = await postTx(t, signed);
  expect(res.statusCode, res.body).toBe(202);
  const done = await waitCommitted(t, txIdOf(t, signed));
  expect(done.receipt.status, JSON.stringify(done.receipt)).toBe('ok');
  return (done.receipt.result ?? {}) as Record<string, unknown>;
}

function call(
  t: TestNode,
  key: KeyPair,
  contract: string,
  method: string,
  args: JsonObject,
  expiresAt = t.node.clock.now() + 10 * MINUTE,
): SignedTransaction {
  return signedTx(t, { key, contract, method, args, expiresAt });
}

/** identity.registerSubject by `registrar`, co-signed by the subject's key (proof of possession). */
async function registerSubject(
  t: TestNode,
  registrar: KeyPair,
  subject: KeyPair,
  kind: 'citizen' | 'enterprise' = 'citizen',
): Promise<string> {
  const signed = call(t, registrar, 'identity', 'registerSubject', { publicKey: hexOf(subject), kind });
  const result = await commit(t, addCosignature(t.suite, signed, subject.secretKey));
  expect(result.subject).toMatch(/^[0-9a-f]{32}$/);
  return result.subject as string;
}

async function revokeMember(t: TestNode, by: KeyPair, target: KeyPair): Promise<void> {
  await commit(t, call(t, by, 'identity', 'revoke', { key: hexOf(target), reason: 'keyCompromise' }));
}

/** The sample lines of a Prometheus metric: labels text ('' without labels) → value. */
function samples(metrics: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// One node at a fixed time: sign-in, failures, lockout, and the protected routes.
// ---------------------------------------------------------------------------------------------------------------

describe('identity API at a fixed time', () => {
  let t: TestNode;
  let citizen: KeyPair;
  let subject: string;

  beforeAll(async () => {
    t = await openTestNode();
    citizen = keyOf(t, 'citizen-1');
    subject = await registerSubject(t, staffKey(t, 'market-registrar'), citizen);
  });
  afterEach(() => {
    expect(t.fatal).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('sign-in', () => {
    it('a member signs in with a signed challenge; the session names the member and never echoes the token', async () => {
      const key = staffKey(t, 'market-caseworker');
      const pk = hexOf(key);
      const client = newClient();
      const c = await challengeFor(t, key, client);
      expect(Object.keys(c).sort()).toEqual(['challenge', 'expiresAt', 'message']);
      expect(c.challenge).toMatch(/^[0-9a-f]{64}$/);
      expect(c.expiresAt).toBe(T0 + MINUTE);
      // The documented message: RFC 8785 JSON, members in code-point order, no whitespace, naming chain and node.
      expect(c.message).toBe(
        `{"chainId":"${CHAIN_ID}","challenge":"${c.challenge}","expiresAt":${T0 + MINUTE},` +
          `"node":"market-node","publicKey":"${pk}","type":"lianzheng-sign-in"}`,
      );

      const res = await requestSession(t, answer(t, key, c), client);
      expect(res.statusCode, res.body).toBe(200);
      const s = res.json() as SessionBody;
      expect(Object.keys(s).sort()).toEqual(['expiresAt', 'identity', 'idleExpiresAt', 'sessionId', 'token']);
      expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(s.sessionId).not.toContain(s.token);
      expect({ expiresAt: s.expiresAt, idleExpiresAt: s.idleExpiresAt }).toEqual({
        expiresAt: T0 + 8 * HOUR,
        idleExpiresAt: T0 + 15 * MINUTE,
      });
      expect(s.identity).toEqual({
        kind: 'member',
        key: pk,
        org: 'market',
        member: 'market-caseworker',
        roles: ['caseworker'],
        attrs: { unit: 'service-window', region: 'city' },
      });

      const me = await get(t, '/v1/auth/me', s.token);
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toEqual({
        session: {
          id: s.sessionId,
          publicKey: pk,
          client,
          createdAt: T0,
          expiresAt: T0 + 8 * HOUR,
          idleExpiresAt: T0 + 15 * MINUTE,
        },
        identity: s.identity,
      });
      expect(me.body).not.toContain(s.token);
      // The scheme is case-insensitive (RFC 7235).
      const lower = await t.app.inject({
        method: 'GET',
        url: '/v1/auth/me',
        headers: { authorization: `bearer ${s.token}` },
      });
      expect(lower.statusCode, lower.body).toBe(200);
    });

    it('a citizen registered by a registrar, with its co-signature, signs in as its pseudonymous subject', async () => {
      const s = await signIn(t, citizen);
      expect(s.identity).toEqual({ kind: 'citizen', key: hexOf(citizen), subject, roles: [], attrs: {} });
      const me = await get(t, '/v1/auth/me', s.token);
      expect(me.statusCode, me.body).toBe(200);
      expect((me.json() as { identity: unknown }).identity).toEqual(s.identity);

      // Without the new key's co-signature, admission refuses the registration (proof of possession)…
      const other = keyOf(t, 'citizen-unproven');
      const unproven = call(t, staffKey(t, 'market-registrar'), 'identity', 'registerSubject', {
        publicKey: hexOf(other),
        kind: 'citizen',
      });
      expectError(await postTx(t, unproven), 401, 'IDENTITY_KEY_NOT_PROVEN');
      // …so that key is no identity and cannot sign in.
      const client = newClient();
      const c = await challengeFor(t, other, client);
      expectError(await requestSession(t, answer(t, other, c), client), 401, 'IDENTITY_UNKNOWN');
    });

    it('a challenge is single use: a replayed sign-in gets AUTH_CHALLENGE_UNKNOWN, as does one never issued', async () => {
      const key = staffKey(t, 'realestate-caseworker');
      const client = newClient();
      const c = await challengeFor(t, key, client);
      const body = answer(t, key, c);
      const first = await requestSession(t, body, client);
      expect(first.statusCode, first.body).toBe(200);
      expectError(await requestSession(t, body, client), 401, 'AUTH_CHALLENGE_UNKNOWN');
      expectError(await requestSession(t, body, newClient()), 401, 'AUTH_CHALLENGE_UNKNOWN');
      // The replay did not disturb the session it copied.
      expect((await get(t, '/v1/auth/me', (first.json() as SessionBody).token)).statusCode).toBe(200);

      // A challenge the node never issued, however well signed.
      const made = 'ab'.repeat(32);
      const message = canonicalize({
        type: 'lianzheng-sign-in',
        chainId: CHAIN_ID,
        node: 'market-node',
        publicKey: hexOf(key),
        challenge: made,
        expiresAt: T0 + MINUTE,
      });
      const forged = { challenge: made, publicKey: hexOf(key), signature: signMessage(t, key, message) };
      expectError(await requestSession(t, forged, client), 401, 'AUTH_CHALLENGE_UNKNOWN');
    });

    it('a challenge issued for one key cannot sign in another, and the attempt spends it', async () => {
      const a = staffKey(t, 'realestate-auditor');
      const b = staffKey(t, 'realestate-sysadmin');
      const client = newClient();
      const c = await challengeFor(t, a, client);
      // B signs exactly what the node would have asked B to sign with this challenge.
      const forB = c.message.replace(hexOf(a), hexOf(b));
      expect(forB).not.toBe(c.message);
      const stolen = { challenge: c.challenge, publicKey: hexOf(b), signature: signMessage(t, b, forB) };
      expectError(await requestSession(t, stolen, client), 401, 'AUTH_CHALLENGE_UNKNOWN');
      // A's own, correct answer comes too late: the challenge is gone.
      expectError(await requestSession(t, answer(t, a, c), client), 401, 'AUTH_CHALLENGE_UNKNOWN');
      // Both keys can still sign in with challenges of their own.
      await signIn(t, a);
      await signIn(t, b);
    });

    it('a signature by another key, over another message or malformed is refused', async () => {
      const key = staffKey(t, 'realestate-secadmin');
      const client = newClient();
      let c = await challengeFor(t, key, client);
      const other = answer(t, key, c, staffKey(t, 'realestate-admin'));
      expectError(await requestSession(t, other, client), 401, 'AUTH_SIGNATURE_INVALID');

      c = await challengeFor(t, key, client);
      const otherNode = c.message.replace('"node":"market-node"', '"node":"police-node"');
      expect(otherNode).not.toBe(c.message);
      const elsewhere = { challenge: c.challenge, publicKey: hexOf(key), signature: signMessage(t, key, otherNode) };
      expectError(await requestSession(t, elsewhere, client), 401, 'AUTH_SIGNATURE_INVALID');

      c = await challengeFor(t, key, client);
      const zeros = { challenge: c.challenge, publicKey: hexOf(key), signature: '0'.repeat(128) };
      expectError(await requestSession(t, zeros, client), 401, 'AUTH_SIGNATURE_INVALID');

      // Not even the shape of a signature: refused before the sign-in logic looks at it.
      c = await challengeFor(t, key, client);
      const short = { challenge: c.challenge, publicKey: hexOf(key), signature: 'ab' };
      const malformed = expectError(await requestSession(t, short, client), 400, 'REQUEST_MALFORMED');
      expect(malformed.details).toMatchObject({ field: 'signature' });

      // Three failures are under the limit: the right signature still signs in.
      await signIn(t, key, client);
    });

    it('five failures lock the key, from any address: AUTH_LOCKED (429) even with a correct signature', async () => {
      const key = staffKey(t, 'police-auditor');
      const pk = hexOf(key);
      const early = newClient();
      const kept = await challengeFor(t, key, early);
      const wrong = staffKey(t, 'police-admin');
      // Five wrong signatures, each from its own address: it is the key that gets locked, not an address.
      for (let i = 0; i < 5; i++) {
        const client = newClient();
        const c = await challengeFor(t, key, client);
        expectError(await requestSession(t, answer(t, key, c, wrong), client), 401, 'AUTH_SIGNATURE_INVALID');
      }
      const res = await requestSession(t, answer(t, key, kept), early);
      const locked = expectError(res, 429, 'AUTH_LOCKED');
      expect(locked.details).toEqual({ retryAfterSeconds: 15 * 60, scope: 'key' });
      expect(res.headers['retry-after']).toBeDefined();
      // No new challenge for the key either, from anywhere.
      const refused = expectError(await requestChallenge(t, pk, newClient()), 429, 'AUTH_LOCKED');
      expect(refused.details).toMatchObject({ scope: 'key' });
      // Another key from the same address signs in.
      await signIn(t, staffKey(t, 'police-caseworker'), early);
    });

    it('an unknown key or a revoked one cannot sign in (IDENTITY_UNKNOWN, IDENTITY_REVOKED)', async () => {
      const client = newClient();
      // A challenge says nothing about identity: anyone may ask for one.
      let c = await challengeFor(t, t.stranger, client);
      expectError(await requestSession(t, answer(t, t.stranger, c), client), 401, 'IDENTITY_UNKNOWN');

      const target = staffKey(t, 'finance-caseworker');
      await signIn(t, target);
      await revokeMember(t, staffKey(t, 'finance-secadmin'), target);
      c = await challengeFor(t, target, client);
      const revoked = expectError(await requestSession(t, answer(t, target, c), client), 401, 'IDENTITY_REVOKED');
      expect(revoked.details).toMatchObject({ reason: 'keyCompromise' });
      expect(revoked.details?.height).toBeTypeOf('number');

      // The organisation's administrator sees the revocation in the member list.
      const admin = await signIn(t, staffKey(t, 'finance-admin'));
      const list = await get(t, '/v1/identity/members?org=finance', admin.token);
      expect(list.statusCode, list.body).toBe(200);
      const members = (list.json() as { members: MemberView[] }).members;
      const view = members.find((m) => m.member === 'finance-caseworker');
      expect(view).toMatchObject({ status: 'revoked', revoked: { reason: 'keyCompromise' } });
      expect(members.filter((m) => m.status !== 'active').map((m) => m.member)).toEqual(['finance-caseworker']);
    });

    it('challenges are rate limited per address: RATE_LIMITED after 30 in a minute', async () => {
      const client = newClient();
      for (let i = 0; i < 30; i++) await challengeFor(t, t.stranger, client);
      const res = await requestChallenge(t, hexOf(t.stranger), client);
      const limited = expectError(res, 429, 'RATE_LIMITED');
      expect(limited.details).toEqual({ retryAfterSeconds: 60 });
      expect(res.headers['retry-after']).toBeDefined();
      // Other addresses are not affected.
      await challengeFor(t, t.stranger, newClient());
    });

    it('malformed keys get a coded 400', async () => {
      const client = newClient();
      for (const [publicKey, code] of [
        ['AB'.repeat(32), 'REQUEST_MALFORMED'],
        ['ab'.repeat(16), 'REQUEST_MALFORMED'],
        [`${'ab'.repeat(32)}a`, 'KEY_INVALID'],
        ['ab'.repeat(33), 'KEY_INVALID'],
      ] as const) {
        expectError(await requestChallenge(t, publicKey, client), 400, code);
      }
      expectError(
        await post(t, '/v1/auth/challenge', { publicKey: hexOf(t.stranger), x: 1 }, client),
        400,
        'REQUEST_MALFORMED',
      );
      expectError(await post(t, '/v1/auth/challenge', '{"publicKey":', client), 400, 'JSON_MALFORMED');
    });
  });

  describe('sessions', () => {
    it('GET /v1/auth/me needs a live bearer session', async () => {
      expectError(await get(t, '/v1/auth/me'), 401, 'SESSION_REQUIRED');
      const basic = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: 'Basic YTpi' } });
      expectError(basic, 401, 'SESSION_REQUIRED');
      expectError(await get(t, '/v1/auth/me', 'A'.repeat(43)), 401, 'SESSION_EXPIRED');
      expectError(await get(t, '/v1/auth/me', 'not a token'), 401, 'SESSION_EXPIRED');
    });

    it('logout ends that session only; it needs a bearer header and may be repeated', async () => {
      const key = staffKey(t, 'market-sysadmin');
      const one = await signIn(t, key);
      const two = await signIn(t, key);
      expectError(await t.app.inject({ method: 'POST', url: '/v1/auth/logout' }), 401, 'SESSION_REQUIRED');
      const out = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { authorization: `Bearer ${one.token}` },
      });
      expect(out.statusCode, out.body).toBe(204);
      expect(out.body).toBe('');
      expectError(await get(t, '/v1/auth/me', one.token), 401, 'SESSION_EXPIRED');
      expectError(await get(t, '/v1/identity/expiring', one.token), 401, 'SESSION_EXPIRED');
      expect((await get(t, '/v1/auth/me', two.token)).statusCode).toBe(200);
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { authorization: `Bearer ${one.token}` },
      });
      expect(again.statusCode).toBe(204);
      // The scheme is case-insensitive here as everywhere else.
      const lower = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { authorization: `bearer ${two.token}` },
      });
      expect(lower.statusCode, lower.body).toBe(204);
      expectError(await get(t, '/v1/auth/me', two.token), 401, 'SESSION_EXPIRED');
    });
  });

  describe('protected reads', () => {
    it('/v1/identity/members: administrators, security administrators and auditors of that organisation only', async () => {
      const market = staffOf('market');
      for (const id of ['market-admin', 'market-secadmin', 'market-auditor']) {
        const s = await signIn(t, staffKey(t, id));
        const res = await get(t, '/v1/identity/members?org=market', s.token);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { org: string; members: MemberView[]; next: string | null };
        expect(body.org).toBe('market');
        expect(body.next).toBeNull();
        expect(body.members.map((m) => m.member).sort()).toEqual([...market].sort());
        for (const m of body.members) {
          expect(m).toMatchObject({ org: 'market', status: 'active', publicKey: hexOf(staffKey(t, m.member)) });
        }
        // Without ?org=, the caller's own organisation.
        const own = await get(t, '/v1/identity/members', s.token);
        expect(own.statusCode, own.body).toBe(200);
        expect(own.json()).toEqual(body);
        const other = expectError(await get(t, '/v1/identity/members?org=police', s.token), 403, 'POLICY_DENIED');
        expect(other.details).toEqual({ policy: 'identity.members' });
      }
      for (const id of ['market-caseworker', 'market-sysadmin', 'market-registrar']) {
        const s = await signIn(t, staffKey(t, id));
        expectError(await get(t, '/v1/identity/members?org=market', s.token), 403, 'POLICY_DENIED');
      }
      const c = await signIn(t, citizen);
      expectError(await get(t, '/v1/identity/members?org=market', c.token), 403, 'POLICY_DENIED');
      expectError(await get(t, '/v1/identity/members', c.token), 400, 'REQUEST_MALFORMED');
      expectError(await get(t, '/v1/identity/members?org=market'), 401, 'SESSION_REQUIRED');
      expectError(await get(t, '/v1/identity/members?org=market', 'A'.repeat(43)), 401, 'SESSION_EXPIRED');
      expectError(await get(t, '/v1/identity/members?org=Market'), 400, 'REQUEST_MALFORMED');

      // Pages: ?limit= and ?after= the previous page's `next` cover the list exactly once.
      const admin = await signIn(t, staffKey(t, 'market-admin'));
      const seen: string[] = [];
      let after = '';
      for (let page = 0; page < 10; page++) {
        const res = await get(t, `/v1/identity/members?org=market&limit=4${after}`, admin.token);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { members: MemberView[]; next: string | null };
        expect(body.members.length).toBeLessThanOrEqual(4);
        seen.push(...body.members.map((m) => m.member));
        if (body.next === null) break;
        after = `&after=${body.next}`;
      }
      expect(seen.sort()).toEqual([...market].sort());
    });

    it('/v1/identity/keys/:key: yourself, your organisation’s overseers, or the subject’s registrar', async () => {
      const caseworker = await signIn(t, staffKey(t, 'market-caseworker'));
      const self = await get(t, `/v1/identity/keys/${hexOf(staffKey(t, 'market-caseworker'))}`, caseworker.token);
      expect(self.statusCode, self.body).toBe(200);
      expect(self.json()).toMatchObject({
        publicKey: hexOf(staffKey(t, 'market-caseworker')),
        org: 'market',
        member: 'market-caseworker',
        roles: ['caseworker'],
        enrolledAt: 0,
        status: 'active',
      });
      const adminKey = `/v1/identity/keys/${hexOf(staffKey(t, 'market-admin'))}`;
      expectError(await get(t, adminKey, caseworker.token), 403, 'POLICY_DENIED');
      expectError(await get(t, adminKey), 401, 'SESSION_REQUIRED');

      const admin = await signIn(t, staffKey(t, 'market-admin'));
      const read = await get(t, `/v1/identity/keys/${hexOf(staffKey(t, 'market-caseworker'))}`, admin.token);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual(self.json());
      const police = `/v1/identity/keys/${hexOf(staffKey(t, 'police-caseworker'))}`;
      expectError(await get(t, police, admin.token), 403, 'POLICY_DENIED');

      // An unknown key: members learn that it is unknown (IDENTITY_UNKNOWN, documented as 401), others not even that.
      const unknown = `/v1/identity/keys/${hexOf(t.stranger)}`;
      const e = expectError(await get(t, unknown, caseworker.token), 401, 'IDENTITY_UNKNOWN');
      expect(e.details).toEqual({ key: hexOf(t.stranger) });
      // The caller's session is not what was refused: it still works.
      expect((await get(t, '/v1/auth/me', caseworker.token)).statusCode).toBe(200);
      expectError(await get(t, unknown), 401, 'SESSION_REQUIRED');
      const c = await signIn(t, citizen);
      expectError(await get(t, unknown, c.token), 403, 'POLICY_DENIED');

      // A citizen's key: the citizen itself and a registrar of the registering organisation.
      const citizenKey = `/v1/identity/keys/${hexOf(citizen)}`;
      const own = await get(t, citizenKey, c.token);
      expect(own.statusCode, own.body).toBe(200);
      expect(own.json()).toMatchObject({ publicKey: hexOf(citizen), kind: 'citizen', subject });
      const registrar = await signIn(t, staffKey(t, 'market-registrar'));
      const byRegistrar = await get(t, citizenKey, registrar.token);
      expect(byRegistrar.statusCode, byRegistrar.body).toBe(200);
      expect(byRegistrar.json()).toEqual(own.json());
      for (const id of ['police-registrar', 'market-admin', 'market-caseworker']) {
        const s = await signIn(t, staffKey(t, id));
        const denied = expectError(await get(t, citizenKey, s.token), 403, 'POLICY_DENIED');
        expect(denied.details).toEqual({ policy: 'identity.subjects' });
      }
      expectError(await get(t, citizenKey), 401, 'SESSION_REQUIRED');
      expectError(await get(t, '/v1/identity/keys/xyz', admin.token), 400, 'REQUEST_MALFORMED');
    });

    it('/v1/identity/subjects/:id: the subject itself or a registrar of the registering organisation', async () => {
      const url = `/v1/identity/subjects/${subject}`;
      const c = await signIn(t, citizen);
      const own = await get(t, url, c.token);
      expect(own.statusCode, own.body).toBe(200);
      expect(own.json()).toMatchObject({
        subject,
        kind: 'citizen',
        org: 'market',
        registrar: hexOf(staffKey(t, 'market-registrar')),
        keys: [{ publicKey: hexOf(citizen) }],
      });
      // Pseudonymous: the record holds nothing but ids, keys and heights.
      expect(Object.keys(own.json() as object).sort()).toEqual([
        'height',
        'keys',
        'kind',
        'org',
        'registrar',
        'subject',
      ]);
      const registrar = await signIn(t, staffKey(t, 'market-registrar'));
      const byRegistrar = await get(t, url, registrar.token);
      expect(byRegistrar.statusCode, byRegistrar.body).toBe(200);
      expect(byRegistrar.json()).toEqual(own.json());
      for (const id of ['police-registrar', 'market-caseworker', 'market-admin']) {
        const s = await signIn(t, staffKey(t, id));
        expectError(await get(t, url, s.token), 403, 'POLICY_DENIED');
      }
      expectError(await get(t, url), 401, 'SESSION_REQUIRED');

      const unknown = `/v1/identity/subjects/${'0'.repeat(32)}`;
      expectError(await get(t, unknown, registrar.token), 404, 'SUBJECT_UNKNOWN');
      expectError(await get(t, unknown, c.token), 403, 'POLICY_DENIED');
      expectError(await get(t, unknown), 401, 'SESSION_REQUIRED');
      expectError(await get(t, '/v1/identity/subjects/abc', registrar.token), 400, 'REQUEST_MALFORMED');
    });

    it('a second key of an enterprise reads its subject; a revoked subject key signs in no more', async () => {
      const registrar = staffKey(t, 'police-registrar');
      const first = keyOf(t, 'enterprise-1/first');
      const second = keyOf(t, 'enterprise-1/second');
      const id = await registerSubject(t, registrar, first, 'enterprise');
      const add = call(t, first, 'identity', 'addSubjectKey', { subject: id, publicKey: hexOf(second) });
      await commit(t, addCosignature(t.suite, add, second.secretKey));
      const s = await signIn(t, second);
      expect(s.identity).toEqual({ kind: 'enterprise', key: hexOf(second), subject: id, roles: [], attrs: {} });
      // `self` holds for every key of the subject.
      const firstKey = await get(t, `/v1/identity/keys/${hexOf(first)}`, s.token);
      expect(firstKey.statusCode, firstKey.body).toBe(200);

      await commit(t, call(t, second, 'identity', 'revokeSubjectKey', { key: hexOf(first), reason: 'superseded' }));
      const record = await get(t, `/v1/identity/subjects/${id}`, s.token);
      expect(record.statusCode, record.body).toBe(200);
      const keys = (record.json() as { org: string; keys: { publicKey: string; revoked?: unknown }[] }).keys;
      expect(keys.map((k) => [k.publicKey, k.revoked !== undefined])).toEqual([
        [hexOf(first), true],
        [hexOf(second), false],
      ]);
      expect((record.json() as { org: string }).org).toBe('police');
      const client = newClient();
      const c = await challengeFor(t, first, client);
      expectError(await requestSession(t, answer(t, first, c), client), 401, 'IDENTITY_REVOKED');
    });

    it('/v1/identity/expiring: administrators and operators; CA roots and member certificates by horizon', async () => {
      const s = await signIn(t, staffKey(t, 'market-sysadmin'));
      const soon = await get(t, '/v1/identity/expiring', s.token);
      expect(soon.statusCode, soon.body).toBe(200);
      expect(soon.json()).toEqual({ days: 30, ca: [], members: [] });

      const year = await get(t, '/v1/identity/expiring?days=366', s.token);
      expect(year.statusCode, year.body).toBe(200);
      const body = year.json() as { days: number; ca: unknown[]; members: MemberView[] };
      expect(body.days).toBe(366);
      expect(body.ca).toEqual([]);
      const ids = body.members.map((m) => m.member);
      expect(ids).toEqual(expect.arrayContaining(['market-admin', 'police-registrar', 'health-auditor']));
      expect(body.members.every((m) => m.status === 'active')).toBe(true);
      expect(body.members.map((m) => m.notAfter)).toEqual(
        [...body.members.map((m) => m.notAfter)].sort((a, b) => a - b),
      );
      expect(body.members.every((m) => m.notAfter <= T0 + 366 * DAY)).toBe(true);

      const decade = await get(t, '/v1/identity/expiring?days=3660', s.token);
      expect(decade.statusCode, decade.body).toBe(200);
      const ca = (decade.json() as { ca: { org: string; fingerprint: string; notAfter: number }[] }).ca;
      expect(ca.map((r) => r.org).sort()).toEqual(DEMO_ORGS.map((o) => o.id).sort());

      for (const id of ['market-admin', 'police-secadmin']) {
        const ok = await signIn(t, staffKey(t, id));
        expect((await get(t, '/v1/identity/expiring', ok.token)).statusCode).toBe(200);
      }
      for (const key of [staffKey(t, 'market-caseworker'), staffKey(t, 'market-auditor'), citizen]) {
        const denied = await signIn(t, key);
        const e = expectError(await get(t, '/v1/identity/expiring', denied.token), 403, 'POLICY_DENIED');
        expect(e.details).toEqual({ policy: 'identity.expiring' });
      }
      expectError(await get(t, '/v1/identity/expiring'), 401, 'SESSION_REQUIRED');
      expectError(await get(t, '/v1/identity/expiring?days=-1', s.token), 400, 'REQUEST_MALFORMED');
    });

    it('/v1/gov/proposals and /:id: any member reads proposals; citizens and anonymous callers do not', async () => {
      const proposer = staffKey(t, 'market-admin');
      const tx = call(t, proposer, 'gov', 'propose', {
        actions: [{ type: 'setLimits', maxBlockTxs: 500 }],
        note: 'smaller blocks',
      });
      const id = txIdOf(t, tx);
      expect((await commit(t, tx)).proposal).toBe(id);

      const member = await signIn(t, staffKey(t, 'health-caseworker'));
      const list = await get(t, '/v1/gov/proposals', member.token);
      expect(list.statusCode, list.body).toBe(200);
      const proposals = (list.json() as { proposals: Record<string, unknown>[] }).proposals;
      const mine = proposals.find((p) => p.id === id);
      expect(mine).toMatchObject({
        id,
        status: 'open',
        org: 'market',
        proposer: hexOf(proposer),
        note: 'smaller blocks',
        actions: [{ type: 'setLimits', maxBlockTxs: 500 }],
      });
      const open = await get(t, '/v1/gov/proposals?status=open', member.token);
      expect((open.json() as { proposals: { id: string }[] }).proposals.map((p) => p.id)).toContain(id);
      const approved = await get(t, '/v1/gov/proposals?status=approved', member.token);
      expect(approved.statusCode, approved.body).toBe(200);
      expect((approved.json() as { proposals: unknown[] }).proposals).toEqual([]);
      expectError(await get(t, '/v1/gov/proposals?status=maybe', member.token), 400, 'REQUEST_MALFORMED');

      const one = await get(t, `/v1/gov/proposals/${id}`, member.token);
      expect(one.statusCode, one.body).toBe(200);
      expect(one.json()).toEqual(mine);
      expect(Object.keys((one.json() as { votes: object }).votes)).toEqual(['market']);
      expectError(await get(t, `/v1/gov/proposals/${'ab'.repeat(32)}`, member.token), 404, 'GOV_PROPOSAL_UNKNOWN');

      const c = await signIn(t, citizen);
      for (const url of ['/v1/gov/proposals', `/v1/gov/proposals/${id}`]) {
        const denied = expectError(await get(t, url, c.token), 403, 'POLICY_DENIED');
        expect(denied.details).toEqual({ policy: 'gov.proposals' });
        expectError(await get(t, url), 401, 'SESSION_REQUIRED');
      }
    });

    it('/v1/config is public and is the gov/config record of the state', async () => {
      const res = await get(t, '/v1/config');
      expect(res.statusCode, res.body).toBe(200);
      const config = res.json() as { version: number; height: number; config: Record<string, unknown> };
      expect(config).toMatchObject({ version: 1, height: 0, config: { chainId: CHAIN_ID, suite: t.genesis.suite } });
      expect((config.config.orgs as { id: string }[]).map((o) => o.id)).toEqual(DEMO_ORGS.map((o) => o.id));
      const state = await get(t, '/v1/state/gov/config');
      expect(state.statusCode, state.body).toBe(200);
      expect((state.json() as { value: unknown }).value).toEqual(config);
    });

    it('/v1/state/identity/… needs a member session (identity.state); /v1/state/kv/… stays public', async () => {
      const url = `/v1/state/identity/key/${hexOf(staffKey(t, 'market-admin'))}`;
      const required = expectError(await get(t, url), 401, 'SESSION_REQUIRED');
      expect(required.details).toEqual({ policy: 'identity.state' });
      expectError(await get(t, url, 'A'.repeat(43)), 401, 'SESSION_EXPIRED');
      const c = await signIn(t, citizen);
      const denied = expectError(await get(t, url, c.token), 403, 'POLICY_DENIED');
      expect(denied.details).toEqual({ policy: 'identity.state' });
      expectError(await get(t, `/v1/state/identity/subject/${subject}`, c.token), 403, 'POLICY_DENIED');
      expectError(await get(t, `/v1/state/identity/subject/${subject}?proof=true`), 401, 'SESSION_REQUIRED');

      const member = await signIn(t, staffKey(t, 'realestate-caseworker'));
      const read = await get(t, url, member.token);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ contract: 'identity', value: { kind: 'member', member: 'market-admin' } });
      const proof = await get(t, `${url}?proof=true`, member.token);
      expect(proof.statusCode, proof.body).toBe(200);
      expectError(
        await get(t, `/v1/state/identity/key/${hexOf(t.stranger)}`, member.token),
        404,
        'STATE_KEY_NOT_FOUND',
      );

      await commit(t, call(t, staffKey(t, 'market-caseworker'), 'kv', 'put', { key: 'opening-hours', value: '9-17' }));
      const kv = await get(t, '/v1/state/kv/market/opening-hours');
      expect(kv.statusCode, kv.body).toBe(200);
      expect(kv.json()).toMatchObject({ contract: 'kv', key: 'market/opening-hours', value: '9-17' });
      expectError(await get(t, '/v1/state/kv/market/no-such-key'), 404, 'STATE_KEY_NOT_FOUND');
    });

    it('/health has a certificates section and /metrics the certificate gauges', async () => {
      const health = await get(t, '/health');
      expect(health.statusCode, health.body).toBe(200);
      const certs = (health.json() as { certificates: CertificateHealth }).certificates;
      expect(certs).toMatchObject({ status: 'ok', warningDays: 30, membersExpiring: 0 });
      expect(certs.node).toMatchObject({ kind: 'node', org: 'market', id: 'market-node' });
      const node = certs.node!;
      expect(node.daysLeft).toBe(Math.floor((node.notAfter - T0) / DAY));
      expect(node.daysLeft).toBeGreaterThan(300);
      expect(certs.ca.map((c) => c.org)).toEqual(DEMO_ORGS.map((o) => o.id));
      for (const c of certs.ca) {
        expect(c.kind).toBe('ca');
        expect(c.id).toMatch(/^[0-9a-f]{64}$/);
        expect(c.daysLeft).toBe(Math.floor((c.notAfter - T0) / DAY));
      }

      const metrics = (await get(t, '/metrics')).body;
      expect(samples(metrics, 'lianzheng_member_certificates_expiring')).toEqual(new Map([['', 0]]));
      const expiry = samples(metrics, 'lianzheng_certificate_expiry_seconds');
      const entries = [node, ...certs.ca];
      expect([...expiry.keys()].sort()).toEqual(
        entries.map((c) => `{kind="${c.kind}",org="${c.org}",id="${c.id}"}`).sort(),
      );
      // Each gauge is its own certificate's notAfter against the node's clock.
      const nodeSeconds = expiry.get(`{kind="node",org="market",id="market-node"}`)!;
      expect(nodeSeconds).toBe(Math.round((node.notAfter - T0) / SECOND));
      for (const c of certs.ca) {
        const seconds = expiry.get(`{kind="ca",org="${c.org}",id="${c.id}"}`)!;
        expect(Math.abs(seconds - nodeSeconds - (c.notAfter - node.notAfter) / SECOND)).toBeLessThanOrEqual(1);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A node whose clock the tests move: expiry, timeouts, lockout end, re-checks, certificate warnings.
// ---------------------------------------------------------------------------------------------------------------

describe('identity API over time', () => {
  let t: TestNode;
  let now = T0;
  /** Moves the node's clock forward (only forward: blocks follow the clock). */
  const advance = (ms: number): void => {
    now += ms;
    t.setTime(now);
  };
  const setTime = (time: number): void => {
    expect(time).toBeGreaterThanOrEqual(now);
    now = time;
    t.setTime(now);
  };

  beforeAll(async () => {
    t = await openTestNode();
  });
  afterEach(() => {
    expect(t.fatal).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a challenge expires 60 s after it was issued', async () => {
    const key = staffKey(t, 'market-caseworker');
    const client = newClient();
    const late = await challengeFor(t, key, client);
    const inTime = await challengeFor(t, key, client);
    expect(late.expiresAt).toBe(now + MINUTE);
    advance(MINUTE - 1);
    expect((await requestSession(t, answer(t, key, inTime), client)).statusCode).toBe(200);
    advance(1);
    expectError(await requestSession(t, answer(t, key, late), client), 401, 'AUTH_CHALLENGE_UNKNOWN');
  });

  it('the challenge limit of an address frees up as its minute slides', async () => {
    const client = newClient();
    for (let i = 0; i < 30; i++) await challengeFor(t, t.stranger, client);
    advance(59 * SECOND);
    const limited = expectError(await requestChallenge(t, hexOf(t.stranger), client), 429, 'RATE_LIMITED');
    expect(limited.details).toEqual({ retryAfterSeconds: 1 });
    advance(SECOND);
    await challengeFor(t, t.stranger, client);
  });

  it('a session ends after 15 minutes without use; each use slides the limit', async () => {
    const s = await signIn(t, staffKey(t, 'market-auditor'));
    for (let i = 0; i < 3; i++) {
      advance(15 * MINUTE - 1);
      const me = await get(t, '/v1/auth/me', s.token);
      expect(me.statusCode, me.body).toBe(200);
      expect((me.json() as { session: { idleExpiresAt: number } }).session.idleExpiresAt).toBe(now + 15 * MINUTE);
    }
    advance(15 * MINUTE);
    expectError(await get(t, '/v1/auth/me', s.token), 401, 'SESSION_EXPIRED');
    // Ended for good, and for every protected route.
    expectError(await get(t, '/v1/identity/members?org=market', s.token), 401, 'SESSION_EXPIRED');
  });

  it('a session ends 8 hours after sign-in however busy it is', async () => {
    const start = now;
    const s = await signIn(t, staffKey(t, 'market-secadmin'));
    expect(s.expiresAt).toBe(start + 8 * HOUR);
    while (now + 14 * MINUTE < start + 8 * HOUR) {
      advance(14 * MINUTE);
      expect((await get(t, '/v1/identity/members?org=market', s.token)).statusCode).toBe(200);
    }
    setTime(start + 8 * HOUR - 1);
    const last = await get(t, '/v1/auth/me', s.token);
    expect(last.statusCode, last.body).toBe(200);
    // The idle limit never reaches past the absolute one.
    expect((last.json() as { session: { idleExpiresAt: number } }).session.idleExpiresAt).toBe(start + 8 * HOUR);
    advance(1);
    expectError(await get(t, '/v1/auth/me', s.token), 401, 'SESSION_EXPIRED');
    await signIn(t, staffKey(t, 'market-secadmin'));
  });

  it('a key lockout ends after 15 minutes', async () => {
    const key = staffKey(t, 'realestate-admin');
    for (let i = 0; i < 5; i++) {
      const client = newClient();
      const c = await challengeFor(t, key, client);
      expectError(await requestSession(t, answer(t, key, c, t.stranger), client), 401, 'AUTH_SIGNATURE_INVALID');
    }
    advance(15 * MINUTE - SECOND);
    const locked = expectError(await requestChallenge(t, hexOf(key), newClient()), 429, 'AUTH_LOCKED');
    expect(locked.details).toEqual({ retryAfterSeconds: 1, scope: 'key' });
    advance(SECOND);
    await signIn(t, key);
  });

  it('a session whose key is revoked afterwards stops working within the 10 s re-check', async () => {
    const target = staffKey(t, 'health-caseworker');
    const s = await signIn(t, target);
    const colleague = await signIn(t, staffKey(t, 'health-admin'));
    await revokeMember(t, staffKey(t, 'health-secadmin'), target);
    advance(10 * SECOND);
    const revoked = expectError(await get(t, '/v1/auth/me', s.token), 401, 'IDENTITY_REVOKED');
    expect(revoked.details).toMatchObject({ reason: 'keyCompromise' });
    // The session is over, not merely refused once.
    expectError(await get(t, '/v1/auth/me', s.token), 401, 'SESSION_EXPIRED');
    expectError(await get(t, '/v1/gov/proposals', s.token), 401, 'SESSION_EXPIRED');
    expect((await get(t, '/v1/auth/me', colleague.token)).statusCode).toBe(200);
    const client = newClient();
    const c = await challengeFor(t, target, client);
    expectError(await requestSession(t, answer(t, target, c), client), 401, 'IDENTITY_REVOKED');
  });

  it('certificates: warned about 30 days ahead in /health, /metrics and /v1/identity/expiring, then expired', async () => {
    const health = async (): Promise<CertificateHealth> => {
      const res = await get(t, '/health');
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { certificates: CertificateHealth }).certificates;
    };
    const atStart = await health();
    expect(atStart.status).toBe('ok');
    const notAfter = atStart.node!.notAfter;
    // Every staff certificate but the revoked one (health-caseworker) counts.
    const unrevoked = demoStaff(DEMO_ORGS)
      .map((s) => s.id)
      .filter((id) => id !== 'health-caseworker')
      .sort();

    setTime(notAfter - 20 * DAY);
    const warn = await health();
    expect(warn).toMatchObject({ status: 'warn', membersExpiring: unrevoked.length });
    expect(warn.node?.daysLeft).toBe(20);
    expect(warn.ca.every((c) => c.daysLeft > 3000)).toBe(true);
    const metrics = (await get(t, '/metrics')).body;
    expect(samples(metrics, 'lianzheng_member_certificates_expiring')).toEqual(new Map([['', unrevoked.length]]));
    const s = await signIn(t, staffKey(t, 'market-admin'));
    const expiring = await get(t, '/v1/identity/expiring', s.token);
    expect(expiring.statusCode, expiring.body).toBe(200);
    const members = (expiring.json() as { members: MemberView[] }).members;
    expect(members.map((m) => m.member).sort()).toEqual(unrevoked);
    expect(members.every((m) => m.status === 'active')).toBe(true);

    setTime(notAfter - 10 * SECOND);
    const last = await signIn(t, staffKey(t, 'police-admin'));
    setTime(notAfter + 1);
    const expired = await health();
    expect(expired).toMatchObject({ status: 'expired', membersExpiring: unrevoked.length });
    expect(expired.node?.daysLeft).toBe(-1);
    // An expired member certificate signs in no more, and its session ends at the next re-check.
    const client = newClient();
    const c = await challengeFor(t, staffKey(t, 'market-auditor'), client);
    const e = expectError(
      await requestSession(t, answer(t, staffKey(t, 'market-auditor'), c), client),
      401,
      'X509_EXPIRED',
    );
    expect(e.details).toMatchObject({ notAfter: expect.any(Number) });
    expectError(await get(t, '/v1/auth/me', last.token), 401, 'X509_EXPIRED');
    expectError(await get(t, '/v1/auth/me', last.token), 401, 'SESSION_EXPIRED');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Whatever arrives at the sign-in routes: never a 5xx, always a documented code.
// ---------------------------------------------------------------------------------------------------------------

describe('sign-in routes under random bodies (property)', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await openTestNode();
  });
  afterAll(async () => {
    await t?.close();
  });

  const HEX = [...'0123456789abcdef'];
  const hex = (minLength: number, maxLength: number) =>
    fc.string({ unit: fc.constantFrom(...HEX), minLength, maxLength });

  /** A value for a field: resolved per run, so that `live` challenges and `good` signatures are real. */
  type FieldSpec =
    | { readonly kind: 'value'; readonly value: unknown }
    | { readonly kind: 'live' }
    | { readonly kind: 'good' }
    | { readonly kind: 'key'; readonly which: 'staff' | 'stranger' | 'invalid' };
  const value = (a: fc.Arbitrary<unknown>): fc.Arbitrary<FieldSpec> => a.map((v) => ({ kind: 'value', value: v }));
  const fieldSpec: fc.Arbitrary<FieldSpec> = fc.oneof(
    { weight: 3, arbitrary: value(hex(0, 140)) },
    { weight: 2, arbitrary: value(hex(64, 64)) },
    { weight: 2, arbitrary: value(hex(128, 128)) },
    { weight: 3, arbitrary: fc.constantFrom<FieldSpec>({ kind: 'live' }, { kind: 'good' }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<FieldSpec>(
        { kind: 'key', which: 'staff' },
        { kind: 'key', which: 'stranger' },
        { kind: 'key', which: 'invalid' },
      ),
    },
    { weight: 2, arbitrary: value(fc.string({ maxLength: 200 })) },
    { weight: 1, arbitrary: value(fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null))) },
    { weight: 1, arbitrary: value(fc.jsonValue({ maxDepth: 3 })) },
  );
  const NAMES = ['publicKey', 'challenge', 'signature', 'extra', '__proto__', 'constructor', ''];
  const keySpec = fc.constantFrom<FieldSpec>(
    { kind: 'key', which: 'staff' },
    { kind: 'key', which: 'stranger' },
    { kind: 'key', which: 'invalid' },
  );
  /** An object's members as text, so that duplicates and odd names survive. */
  const objectBody = fc.oneof(
    // Well-formed, mostly: what reaches the sign-in logic (success, wrong challenge or signature, unknown key).
    {
      weight: 3,
      arbitrary: fc
        .record({
          publicKey: keySpec,
          challenge: fc.oneof(
            { weight: 3, arbitrary: fc.constant<FieldSpec>({ kind: 'live' }) },
            { weight: 1, arbitrary: value(hex(64, 64)) },
          ),
          signature: fc.oneof(
            { weight: 3, arbitrary: fc.constant<FieldSpec>({ kind: 'good' }) },
            { weight: 1, arbitrary: value(hex(128, 128)) },
          ),
        })
        .map((r) => [
          ['publicKey', r.publicKey] as const,
          ['challenge', r.challenge] as const,
          ['signature', r.signature] as const,
        ]),
    },
    { weight: 2, arbitrary: keySpec.map((k) => [['publicKey', k] as const]) },
    {
      weight: 3,
      arbitrary: fc
        .record({ publicKey: fieldSpec, challenge: fieldSpec, signature: fieldSpec })
        .map((r) => [
          ['publicKey', r.publicKey] as const,
          ['challenge', r.challenge] as const,
          ['signature', r.signature] as const,
        ]),
    },
    { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom(...NAMES), fieldSpec), { maxLength: 5 }) },
  );
  type BodySpec =
    | { readonly kind: 'object'; readonly members: readonly (readonly [string, FieldSpec])[] }
    | { readonly kind: 'text'; readonly text: string }
    | { readonly kind: 'bytes'; readonly bytes: Uint8Array };
  const bodySpec: fc.Arbitrary<BodySpec> = fc.oneof(
    { weight: 6, arbitrary: objectBody.map((members) => ({ kind: 'object' as const, members })) },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'text' as const, text: JSON.stringify(v) })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((text) => ({ kind: 'text' as const, text })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 100 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
    },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string | undefined>('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | undefined>(
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'text/plain',
        undefined,
      ),
    },
  );

  it('POST /v1/auth/challenge and /v1/auth/session never answer 5xx, and every error is documented', async () => {
    const staff = staffKey(t, 'market-caseworker');
    const keys = { staff, stranger: t.stranger };
    const problems = new Map<string, string>();
    const outcomes = new Map<string, number>();
    let run = 0;

    await fc.assert(
      fc.asyncProperty(fc.constantFrom('challenge', 'session'), bodySpec, contentType, async (route, spec, type) => {
        run++;
        // A minute per input: locks (15 min) and challenge windows pass, so every outcome stays reachable.
        t.setTime(T0 + run * MINUTE);
        const client = `10.${(run >> 16) & 255}.${(run >> 8) & 255}.${run & 255}`;
        // The key this body speaks for, when it names one we hold; `live` and `good` are resolved against it.
        const keySpec =
          spec.kind === 'object' ? spec.members.find(([n, f]) => n === 'publicKey' && f.kind === 'key') : undefined;
        const which = keySpec?.[1].kind === 'key' ? keySpec[1].which : 'stranger';
        const holder = which === 'staff' ? keys.staff : keys.stranger;
        let issued: ChallengeBody | undefined;
        const resolve = async (f: FieldSpec): Promise<unknown> => {
          switch (f.kind) {
            case 'value':
              return f.value;
            case 'key':
              return f.which === 'invalid' ? 'ab'.repeat(32) : hexOf(keys[f.which]);
            case 'live':
            case 'good': {
              if (issued === undefined) {
                const res = await requestChallenge(t, hexOf(holder), client);
                issued = res.statusCode === 200 ? (res.json() as ChallengeBody) : undefined;
              }
              if (issued === undefined) return 'ab'.repeat(32);
              return f.kind === 'live' ? issued.challenge : signMessage(t, holder, issued.message);
            }
          }
        };
        let payload: string | Buffer;
        if (spec.kind === 'object') {
          const parts: string[] = [];
          for (const [name, f] of spec.members) {
            const v = await resolve(f);
            parts.push(`${JSON.stringify(name)}:${JSON.stringify(v) ?? 'null'}`);
          }
          payload = `{${parts.join(',')}}`;
        } else {
          payload = spec.kind === 'text' ? spec.text : Buffer.from(spec.bytes);
        }
        const res = await t.app.inject({
          method: 'POST',
          url: `/v1/auth/${route}`,
          headers: type === undefined ? {} : { 'content-type': type },
          payload,
          remoteAddress: client,
        });
        let outcome = `${route} ${res.statusCode}`;
        let problem: string | null = null;
        if (res.statusCode >= 500) problem = `${route}: status ${res.statusCode}`;
        else if (res.statusCode === 200) {
          const keysOf = Object.keys(res.json() as object)
            .sort()
            .join();
          const want =
            route === 'challenge' ? 'challenge,expiresAt,message' : 'expiresAt,identity,idleExpiresAt,sessionId,token';
          if (keysOf !== want) problem = `${route}: 200 with members ${keysOf}`;
        } else if (res.statusCode >= 400) {
          problem = errorEnvelopeProblem(res.statusCode, res.body);
          outcome = `${route} ${(JSON.parse(res.body) as { error?: { code?: string } }).error?.code ?? '?'}`;
        } else problem = `${route}: unexpected status ${res.statusCode}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (problem !== null && !problems.has(problem)) {
          problems.set(
            problem,
            typeof payload === 'string' ? payload.slice(0, 300) : `bytes ${payload.toString('hex')}`,
          );
        }
      }),
      { seed: 0x5e55, numRuns: 600 },
    );

    expect(Object.fromEntries(problems)).toEqual({});
    // The inputs reached the interesting answers, not only the schema check.
    const seen = [...outcomes.keys()];
    for (const expected of [
      'challenge 200',
      'session 200',
      'challenge REQUEST_MALFORMED',
      'challenge KEY_INVALID',
      'session REQUEST_MALFORMED',
      'session AUTH_CHALLENGE_UNKNOWN',
      'session IDENTITY_UNKNOWN',
      'session AUTH_SIGNATURE_INVALID',
    ]) {
      expect(seen, JSON.stringify(Object.fromEntries(outcomes))).toContain(expected);
    }
    expect(seen.some((o) => /JSON_/.test(o))).toBe(true);
    // Still serving sign-ins afterwards.
    await signIn(t, staffKey(t, 'market-admin'));
    expect(t.fatal).toEqual([]);
  });
});

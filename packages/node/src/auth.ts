/**
 * Sign-in by proof of key possession, sessions, rate limiting and lockout. Pure logic over an injected clock and
 * random source: no HTTP, no timers (expired entries are purged lazily on access), so the API edge owns the routes
 * and tests own time.
 *
 * ## Sign-in protocol
 *
 * 1. **Challenge.** The client asks for a challenge for its public key (`issueChallenge({ publicKey, client })`,
 *    `publicKey` lower-case hex of `suite.publicKeyLength` bytes that `suite.isValidPublicKey` accepts, else
 *    `KEY_INVALID`). The node answers `{ challenge, message, expiresAt }`:
 *    - `challenge`: 32 random bytes, lower-case hex (64 characters);
 *    - `expiresAt`: integer milliseconds since the Unix epoch, issue time + `challengeTtlSeconds` (60 s);
 *    - `message`: the RFC 8785 canonical JSON of
 *      `{ "type": "lianzheng-sign-in", "chainId": <chain id>, "node": <node name>, "publicKey": <hex>,
 *      "challenge": <hex>, "expiresAt": <integer> }`, i.e. with members in the order
 *      `chainId, challenge, expiresAt, node, publicKey, type` and no whitespace (see `signInMessage`).
 *
 *    The client should rebuild the message from the fields it expects (its chain id, the node it meant to reach,
 *    its own key) and compare it with `message` before signing, so that a signature made for one chain or node can
 *    never be used on another.
 * 2. **Signature.** The client signs the 32-byte digest
 *    `TH("lianzheng/sign-in", UTF-8(message)) = H(UTF-8("lianzheng/sign-in") ‖ 0x00 ‖ UTF-8(message))`, H being the
 *    chain suite's hash (SHA-256 or SM3), exactly as it signs a transaction id: Ed25519 over the 32 digest bytes, or
 *    SM2 (user id `1234567812345678`) over them; the signature is 64 bytes (R‖S or r‖s), sent as lower-case hex.
 * 3. **Session.** `createSession({ challenge, publicKey, signature, client })` accepts a challenge once: it is
 *    deleted on first use whatever the outcome, so a replayed sign-in gets `AUTH_CHALLENGE_UNKNOWN`, as do an
 *    expired challenge, one never issued, and one issued for another key. Then the signature must verify
 *    (`AUTH_SIGNATURE_INVALID`), then `deps.resolveIdentity(publicKey)` must return an identity (its coded error, e.g.
 *    an unregistered key or a revoked certificate, propagates unchanged). The node answers
 *    `{ token, sessionId, expiresAt, idleExpiresAt, identity }`: `token` is 32 random bytes in base64url without
 *    padding (43 characters), sent afterwards as `Authorization: Bearer <token>`. The node keeps only SHA-256(token),
 *    so a memory dump reveals no live token; `sessionId` is a separate random id for logs and audit.
 * 4. **Requests.** `authenticate(header)` accepts `Bearer <token>` (scheme case-insensitive, RFC 7235): no header
 *    or another scheme is `SESSION_REQUIRED`; an unknown, ended or timed-out token is `SESSION_EXPIRED`. A session
 *    ends `sessionIdleSeconds` (15 min) after its last use and in any case `sessionMaxSeconds` (8 h) after sign-in.
 *    At most every `recheckSeconds` (10 s) a request re-resolves the identity, so a revoked or expired certificate
 *    ends the session within that delay: the session is ended and the resolver's error is thrown.
 *
 * ## Rate limiting and lockout
 *
 * - Failed sign-ins (unknown, expired, replayed or mismatched challenge, malformed key, bad signature, identity
 *   refused) are counted per client address and per public key in a sliding window of `failureWindowSeconds`
 *   (15 min). At `maxFailures` (5) failures for a key, or `maxFailuresPerClient` (20) from an address, that key or
 *   address is locked for `lockoutSeconds` (15 min): `issueChallenge` and `createSession` are refused with
 *   `AUTH_LOCKED` (`details.retryAfterSeconds`, `details.scope` `key` or `client`) before anything else is done — no
 *   key decoding, hashing or signature verification — so a locked-out attacker costs nothing. Refused attempts do not
 *   extend the lock. A successful sign-in clears the key's count, never the address's.
 * - Challenges are limited per client address to `challengesPerClient` (30) in any `challengeWindowSeconds` (60 s)
 *   window (`RATE_LIMITED`, `details.retryAfterSeconds`), and at most `maxChallenges` (10,000) are outstanding
 *   (`RATE_LIMITED` beyond that, until the oldest expires).
 * - Memory is bounded whatever arrives: counters for at most `maxTrackedKeys` keys and `maxTrackedClients`
 *   addresses (the least recently failed is forgotten first), locks for at most as many (the one ending soonest is
 *   dropped first, so a flood of single failures never lifts a lock: it only evicts other counters), at most
 *   `maxSessions` sessions (`RATE_LIMITED` beyond) and `maxSessionsPerKey` per key (the oldest ends).
 * - Per-key lockout means that anyone who knows a public key can lock its holder out for `lockoutSeconds` by failing
 *   five times; the per-address limit bounds how many keys one address can do this to (four per window).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  bytesToHex,
  type CryptoSuite,
  canonicalize,
  type HashTag,
  hexToBytes,
  isHex,
  protocolError,
} from '@lianzheng/protocol';
import type { Clock } from './clock.js';
import { nodeError } from './errors.js';

/** Domain-separation tag of the sign-in digest (`HashTag.signIn` of @lianzheng/protocol). */
export const SIGN_IN_TAG: HashTag = 'lianzheng/sign-in';

/** The `type` member of every sign-in message. */
export const SIGN_IN_MESSAGE_TYPE = 'lianzheng-sign-in';

export interface SessionOptions {
  /** Lifetime of a sign-in challenge. */
  readonly challengeTtlSeconds: number;
  /** Most challenges outstanding at once (all clients together). */
  readonly maxChallenges: number;
  /** Most challenges one client address may obtain in any `challengeWindowSeconds`. */
  readonly challengesPerClient: number;
  readonly challengeWindowSeconds: number;
  /** A session ends this long after its last use… */
  readonly sessionIdleSeconds: number;
  /** …and in any case this long after sign-in. */
  readonly sessionMaxSeconds: number;
  /** A request re-resolves the session's identity when the last resolution is at least this old (0: every time). */
  readonly recheckSeconds: number;
  readonly maxSessions: number;
  /** A new sign-in beyond this many sessions of one key ends that key's oldest session. */
  readonly maxSessionsPerKey: number;
  /** Sliding window in which failed sign-ins are counted. */
  readonly failureWindowSeconds: number;
  /** Failed sign-ins for one public key that lock it. */
  readonly maxFailures: number;
  /** Failed sign-ins from one client address that lock it. */
  readonly maxFailuresPerClient: number;
  readonly lockoutSeconds: number;
  /** Most public keys with failure counters (and, separately, most locked keys). */
  readonly maxTrackedKeys: number;
  /** Most client addresses with failure counters, with locks, and with challenge counts (each). */
  readonly maxTrackedClients: number;
  /** Expired sessions are swept at most this often (on access: there is no timer). */
  readonly purgeIntervalSeconds: number;
}

export const defaultSessionOptions: SessionOptions = {
  challengeTtlSeconds: 60,
  maxChallenges: 10_000,
  challengesPerClient: 30,
  challengeWindowSeconds: 60,
  sessionIdleSeconds: 15 * 60,
  sessionMaxSeconds: 8 * 60 * 60,
  recheckSeconds: 10,
  maxSessions: 100_000,
  maxSessionsPerKey: 16,
  failureWindowSeconds: 15 * 60,
  maxFailures: 5,
  maxFailuresPerClient: 20,
  lockoutSeconds: 15 * 60,
  maxTrackedKeys: 100_000,
  maxTrackedClients: 100_000,
  purgeIntervalSeconds: 60,
};

export interface SessionDeps<I> {
  readonly suite: CryptoSuite;
  readonly chainId: string;
  /** The name of this node as it appears in sign-in messages. */
  readonly node: string;
  readonly clock: Clock;
  /** Maps a public key to the identity it stands for, or throws a coded error (unknown key, revoked, expired). */
  readonly resolveIdentity: (publicKeyHex: string) => I | Promise<I>;
  /** Cryptographically secure random bytes; `crypto.randomBytes` by default. */
  readonly random?: (n: number) => Uint8Array;
}

export interface IssueChallengeParameters {
  /** Lower-case hex public key of the chain suite. */
  readonly publicKey: string;
  /** The caller's network address (e.g. `request.ip`). */
  readonly client: string;
}

export interface IssueChallengeReturnType {
  readonly challenge: string;
  /** The exact text whose tagged digest the client signs. */
  readonly message: string;
  /** Milliseconds since the Unix epoch. */
  readonly expiresAt: number;
}

export interface CreateSessionParameters {
  readonly challenge: string;
  readonly publicKey: string;
  /** 64-byte signature over `signInDigest(suite, message)`, lower-case hex. */
  readonly signature: string;
  readonly client: string;
}

export interface CreateSessionReturnType<I> {
  /** The bearer token; shown once, never stored by the node. */
  readonly token: string;
  readonly sessionId: string;
  /** Absolute end of the session (ms since the epoch). */
  readonly expiresAt: number;
  /** End of the session if it is not used before (ms since the epoch). */
  readonly idleExpiresAt: number;
  readonly identity: I;
}

/** What a request may know about its session: never the token. */
export interface SessionInfo {
  readonly id: string;
  readonly publicKey: string;
  /** The address the session was created from. */
  readonly client: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly idleExpiresAt: number;
}

export interface AuthenticateReturnType<I> {
  readonly session: SessionInfo;
  readonly identity: I;
}

/** Sizes of the manager's tables, for metrics and for checking the memory bounds. */
export interface SessionManagerStats {
  readonly challenges: number;
  readonly sessions: number;
  readonly trackedKeys: number;
  readonly lockedKeys: number;
  readonly trackedClients: number;
  readonly lockedClients: number;
  readonly challengeClients: number;
}

export interface SignInMessageParameters {
  readonly chainId: string;
  readonly node: string;
  readonly publicKey: string;
  readonly challenge: string;
  readonly expiresAt: number;
}

/** The canonical JSON (RFC 8785) text a sign-in signs the digest of. */
export function signInMessage(p: SignInMessageParameters): string {
  return canonicalize({
    type: SIGN_IN_MESSAGE_TYPE,
    chainId: p.chainId,
    node: p.node,
    publicKey: p.publicKey,
    challenge: p.challenge,
    expiresAt: p.expiresAt,
  });
}

/** TH("lianzheng/sign-in", UTF-8(message)): the 32 bytes a client signs to sign in. */
export function signInDigest(suite: CryptoSuite, message: string): Uint8Array {
  return suite.taggedText(SIGN_IN_TAG, message);
}

function validateSessionOptions(opts: SessionOptions): void {
  const counts: (keyof SessionOptions)[] = [
    'maxChallenges',
    'challengesPerClient',
    'maxSessions',
    'maxSessionsPerKey',
    'maxFailures',
    'maxFailuresPerClient',
    'maxTrackedKeys',
    'maxTrackedClients',
  ];
  for (const field of Object.keys(defaultSessionOptions) as (keyof SessionOptions)[]) {
    const value = opts[field];
    const ok = counts.includes(field)
      ? Number.isSafeInteger(value) && value >= 1
      : Number.isFinite(value) && (value > 0 || (field === 'recheckSeconds' && value === 0));
    if (!ok) throw nodeError('CONFIG_INVALID', `session option ${field} is out of range`, { field, value });
  }
}

/** Whole seconds to wait, at least 1 (a client told to retry after 0 s would retry at once). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Failure counts in a sliding window, and locks, for one kind of subject (public keys or client addresses).
 * Both maps are kept in order of last change, so expired entries are at the front and are swept in amortised O(1);
 * at their caps, the front entry goes: the least recently failed counter, or the lock that ends soonest.
 */
class FailureTracker {
  private readonly failures = new Map<string, number[]>();
  private readonly locks = new Map<string, number>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly lockoutMs: number;
  private readonly maxEntries: number;

  constructor(limit: number, windowMs: number, lockoutMs: number, maxEntries: number) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.lockoutMs = lockoutMs;
    this.maxEntries = maxEntries;
  }

  /** Milliseconds until `id` is unlocked; 0 when it is not locked. */
  lockedFor(id: string, now: number): number {
    const until = this.locks.get(id);
    if (until === undefined) return 0;
    if (until <= now) {
      this.locks.delete(id);
      return 0;
    }
    return until - now;
  }

  fail(id: string, now: number): void {
    this.purge(now);
    const since = now - this.windowMs;
    const previous = this.failures.get(id);
    const times = previous === undefined ? [] : previous.filter((t) => t > since);
    times.push(now);
    this.failures.delete(id);
    if (times.length >= this.limit) {
      this.locks.delete(id);
      if (this.locks.size >= this.maxEntries) this.locks.delete(this.locks.keys().next().value as string);
      this.locks.set(id, now + this.lockoutMs);
      return;
    }
    if (this.failures.size >= this.maxEntries) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(id, times);
  }

  reset(id: string): void {
    this.failures.delete(id);
  }

  purge(now: number): void {
    const since = now - this.windowMs;
    for (const [id, times] of this.failures) {
      if (times[times.length - 1]! > since) break;
      this.failures.delete(id);
    }
    for (const [id, until] of this.locks) {
      if (until > now) break;
      this.locks.delete(id);
    }
  }

  get trackedCount(): number {
    return this.failures.size;
  }

  get lockedCount(): number {
    return this.locks.size;
  }

  clear(): void {
    this.failures.clear();
    this.locks.clear();
  }
}

/** At most `limit` events per id in any window of `windowMs` (exact sliding log; entries in order of last event). */
class SlidingWindowLimiter {
  private readonly events = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;

  constructor(limit: number, windowMs: number, maxEntries: number) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
  }

  /** Records an event and returns 0, or returns the milliseconds until one is allowed (recording nothing). */
  take(id: string, now: number): number {
    this.purge(now);
    const since = now - this.windowMs;
    const previous = this.events.get(id);
    const times = previous === undefined ? [] : previous.filter((t) => t > since);
    if (times.length >= this.limit) {
      this.events.set(id, times);
      return times[0]! + this.windowMs - now;
    }
    times.push(now);
    this.events.delete(id);
    if (this.events.size >= this.maxEntries) this.events.delete(this.events.keys().next().value as string);
    this.events.set(id, times);
    return 0;
  }

  purge(now: number): void {
    const since = now - this.windowMs;
    for (const [id, times] of this.events) {
      if (times[times.length - 1]! > since) break;
      this.events.delete(id);
    }
  }

  get size(): number {
    return this.events.size;
  }

  clear(): void {
    this.events.clear();
  }
}

interface ChallengeRecord {
  readonly publicKey: string;
  readonly expiresAt: number;
}

interface SessionRecord<I> {
  readonly id: string;
  readonly publicKey: string;
  readonly client: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  idleExpiresAt: number;
  identity: I;
  /** When the identity was last resolved. */
  checkedAt: number;
  /** The resolution in flight, shared by concurrent requests so the resolver is asked once. */
  recheck: Promise<I> | undefined;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 of a bearer token, the only form in which the node keeps it. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** The credentials of a `Bearer` Authorization header (scheme case-insensitive, RFC 7235), or '' when there is none. */
export function bearerCredentials(header: string | undefined): string {
  if (typeof header !== 'string') return '';
  let start = 0;
  let end = header.length;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  let gap = start;
  while (gap < end && !isOws(header.charCodeAt(gap))) gap++;
  if (header.slice(start, gap).toLowerCase() !== 'bearer') return '';
  while (gap < end && isOws(header.charCodeAt(gap))) gap++;
  return header.slice(gap, end);
}

/**
 * Challenge–response sign-in, sessions, and the limits that protect both (see the file comment for the protocol).
 * `I` is the caller's identity type; the manager only stores and returns it.
 */
export class SessionManager<I> {
  private readonly opts: SessionOptions;
  private readonly deps: SessionDeps<I>;
  private readonly random: (n: number) => Uint8Array;
  private readonly challenges = new Map<string, ChallengeRecord>();
  /** Keyed by SHA-256(token) in hex. */
  private readonly sessions = new Map<string, SessionRecord<I>>();
  /** Public key → hashes of its sessions, oldest first. */
  private readonly sessionsByKey = new Map<string, Set<string>>();
  private readonly keyFailures: FailureTracker;
  private readonly clientFailures: FailureTracker;
  private readonly challengeLimiter: SlidingWindowLimiter;
  private purgedAt = Number.NEGATIVE_INFINITY;
  /** Earliest idle or absolute end among the sessions at the last sweep: when a full table frees a slot. */
  private earliestSessionEnd = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(opts: SessionOptions, deps: SessionDeps<I>) {
    validateSessionOptions(opts);
    this.opts = opts;
    this.deps = deps;
    this.random = deps.random ?? ((n) => new Uint8Array(randomBytes(n)));
    const windowMs = opts.failureWindowSeconds * 1000;
    const lockoutMs = opts.lockoutSeconds * 1000;
    this.keyFailures = new FailureTracker(opts.maxFailures, windowMs, lockoutMs, opts.maxTrackedKeys);
    this.clientFailures = new FailureTracker(opts.maxFailuresPerClient, windowMs, lockoutMs, opts.maxTrackedClients);
    this.challengeLimiter = new SlidingWindowLimiter(
      opts.challengesPerClient,
      opts.challengeWindowSeconds * 1000,
      opts.maxTrackedClients,
    );
  }

  /** Step 1 of sign-in: a single-use challenge for `publicKey`. */
  issueChallenge(p: IssueChallengeParameters): IssueChallengeReturnType {
    const now = this.deps.clock.now();
    this.assertOpen();
    this.maintain(now);
    this.assertNotLocked(p.client, p.publicKey, now);
    const wait = this.challengeLimiter.take(p.client, now);
    if (wait > 0) {
      throw nodeError('RATE_LIMITED', 'too many sign-in challenges from this address', {
        retryAfterSeconds: seconds(wait),
      });
    }
    this.publicKeyBytes(p.publicKey);
    this.purgeChallenges(now);
    if (this.challenges.size >= this.opts.maxChallenges) {
      const oldest = this.challenges.values().next().value as ChallengeRecord;
      throw nodeError('RATE_LIMITED', 'too many sign-ins in progress', {
        retryAfterSeconds: seconds(oldest.expiresAt - now),
      });
    }
    const challenge = bytesToHex(this.randomBytes(32));
    if (this.challenges.has(challenge)) throw nodeError('INTERNAL', 'the random source repeated a challenge');
    const expiresAt = now + Math.round(this.opts.challengeTtlSeconds * 1000);
    this.challenges.set(challenge, { publicKey: p.publicKey, expiresAt });
    const message = signInMessage({
      chainId: this.deps.chainId,
      node: this.deps.node,
      publicKey: p.publicKey,
      challenge,
      expiresAt,
    });
    return { challenge, message, expiresAt };
  }

  /** Step 2 of sign-in: checks the signed challenge and the identity, and opens a session. */
  async createSession(p: CreateSessionParameters): Promise<CreateSessionReturnType<I>> {
    const now = this.deps.clock.now();
    this.assertOpen();
    this.maintain(now);
    // Single use whatever happens next. Everything up to the resolver call runs synchronously, so two concurrent
    // attempts can never both hold the challenge, and failures are counted before the next attempt is looked at.
    const record = typeof p.challenge === 'string' ? this.challenges.get(p.challenge) : undefined;
    if (record !== undefined) this.challenges.delete(p.challenge);
    this.assertNotLocked(p.client, p.publicKey, now);
    // Only well-formed keys are counted, so that every tracked entry has a bounded size.
    const keyId = isHex(p.publicKey, this.deps.suite.publicKeyLength) ? p.publicKey : undefined;
    if (keyId === undefined) {
      this.fail(p.client, undefined, now);
      throw protocolError('KEY_INVALID', 'publicKey must be a lower-case hex public key of the chain suite', {
        field: 'publicKey',
      });
    }
    if (record === undefined || record.expiresAt <= now || record.publicKey !== keyId) {
      this.fail(p.client, keyId, now);
      throw nodeError('AUTH_CHALLENGE_UNKNOWN', 'unknown, expired or already used sign-in challenge');
    }
    // The key passed isValidPublicKey when the challenge was issued for it.
    const key = hexToBytes(keyId, 'publicKey', this.deps.suite.publicKeyLength);
    const signature = isHex(p.signature, this.deps.suite.signatureLength) ? hexToBytes(p.signature) : undefined;
    const message = signInMessage({
      chainId: this.deps.chainId,
      node: this.deps.node,
      publicKey: keyId,
      challenge: p.challenge,
      expiresAt: record.expiresAt,
    });
    if (signature === undefined || !this.deps.suite.verify(key, signInDigest(this.deps.suite, message), signature)) {
      this.fail(p.client, keyId, now);
      throw nodeError('AUTH_SIGNATURE_INVALID', 'the sign-in signature does not verify');
    }
    let identity: I;
    try {
      identity = await this.deps.resolveIdentity(keyId);
    } catch (error) {
      this.fail(p.client, keyId, this.deps.clock.now());
      throw error;
    }
    this.assertOpen();
    this.keyFailures.reset(keyId);
    return this.openSession(keyId, p.client, identity, this.deps.clock.now());
  }

  /**
   * The session and identity behind an `Authorization` header value. Slides the idle timeout, and re-resolves the
   * identity when the last resolution is `recheckSeconds` old (ending the session if the resolver now throws).
   */
  async authenticate(authorization: string | undefined): Promise<AuthenticateReturnType<I>> {
    const now = this.deps.clock.now();
    this.maintain(now);
    const token = bearerCredentials(authorization);
    if (token === '') {
      throw nodeError('SESSION_REQUIRED', 'this request needs a session: send Authorization: Bearer <token>');
    }
    const hash = TOKEN_PATTERN.test(token) ? tokenHash(token) : undefined;
    const record = hash === undefined ? undefined : this.sessions.get(hash);
    if (hash === undefined || record === undefined) throw sessionExpired();
    if (this.isOver(record, now)) {
      this.removeSession(hash, record);
      throw sessionExpired();
    }
    let at = now;
    if (now - record.checkedAt >= this.opts.recheckSeconds * 1000 || now < record.checkedAt) {
      await this.recheck(hash, record);
      at = this.deps.clock.now();
      if (this.sessions.get(hash) !== record || this.isOver(record, at)) {
        this.removeSession(hash, record);
        throw sessionExpired();
      }
    }
    record.idleExpiresAt = Math.min(at + Math.round(this.opts.sessionIdleSeconds * 1000), record.expiresAt);
    return { session: sessionInfo(record), identity: record.identity };
  }

  /** Ends the session of a token; false when there was none. */
  endSession(token: string): boolean {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return false;
    const hash = tokenHash(token);
    const record = this.sessions.get(hash);
    if (record === undefined) return false;
    this.removeSession(hash, record);
    return true;
  }

  /** Ends every session of a public key (after a revocation, say); returns how many there were. */
  endSessionsOf(publicKeyHex: string): number {
    const hashes = this.sessionsByKey.get(publicKeyHex);
    if (hashes === undefined) return 0;
    let ended = 0;
    for (const hash of [...hashes]) {
      const record = this.sessions.get(hash);
      if (record !== undefined) {
        this.removeSession(hash, record);
        ended++;
      }
    }
    this.sessionsByKey.delete(publicKeyHex);
    return ended;
  }

  /** Live sessions (timed-out ones are swept first). */
  get sessionCount(): number {
    this.purgeSessions(this.deps.clock.now());
    return this.sessions.size;
  }

  stats(): SessionManagerStats {
    return {
      challenges: this.challenges.size,
      sessions: this.sessions.size,
      trackedKeys: this.keyFailures.trackedCount,
      lockedKeys: this.keyFailures.lockedCount,
      trackedClients: this.clientFailures.trackedCount,
      lockedClients: this.clientFailures.lockedCount,
      challengeClients: this.challengeLimiter.size,
    };
  }

  /** Ends every session and forgets everything; later sign-ins get NODE_STOPPING. There is no timer to stop. */
  close(): void {
    this.closed = true;
    this.challenges.clear();
    this.sessions.clear();
    this.sessionsByKey.clear();
    this.keyFailures.clear();
    this.clientFailures.clear();
    this.challengeLimiter.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw nodeError('NODE_STOPPING', 'sign-in is closed');
  }

  private assertNotLocked(client: string, publicKey: string, now: number): void {
    const keyWait = typeof publicKey === 'string' ? this.keyFailures.lockedFor(publicKey, now) : 0;
    const clientWait = this.clientFailures.lockedFor(client, now);
    if (keyWait === 0 && clientWait === 0) return;
    throw nodeError('AUTH_LOCKED', 'too many failed sign-ins: try again later', {
      retryAfterSeconds: seconds(Math.max(keyWait, clientWait)),
      scope: keyWait >= clientWait ? 'key' : 'client',
    });
  }

  private fail(client: string, keyId: string | undefined, now: number): void {
    this.clientFailures.fail(client, now);
    if (keyId !== undefined) this.keyFailures.fail(keyId, now);
  }

  private publicKeyBytes(publicKey: string): Uint8Array {
    const { suite } = this.deps;
    if (!isHex(publicKey, suite.publicKeyLength)) {
      throw protocolError(
        'KEY_INVALID',
        `publicKey must be ${suite.publicKeyLength} bytes of lower-case hex (${suite.id})`,
        { field: 'publicKey' },
      );
    }
    const bytes = hexToBytes(publicKey);
    if (!suite.isValidPublicKey(bytes)) {
      throw protocolError('KEY_INVALID', `publicKey is not a valid ${suite.id} public key`, { field: 'publicKey' });
    }
    return bytes;
  }

  private randomBytes(n: number): Uint8Array {
    const bytes = this.random(n);
    if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
      throw nodeError('INTERNAL', 'the random source returned the wrong number of bytes');
    }
    return bytes;
  }

  private openSession(publicKey: string, client: string, identity: I, now: number): CreateSessionReturnType<I> {
    let hashes = this.sessionsByKey.get(publicKey);
    if (hashes !== undefined && hashes.size >= this.opts.maxSessionsPerKey) {
      const oldest = hashes.values().next().value as string;
      const record = this.sessions.get(oldest);
      if (record === undefined) hashes.delete(oldest);
      else this.removeSession(oldest, record);
    }
    this.ensureSessionCapacity(now);
    const token = Buffer.from(this.randomBytes(32)).toString('base64url');
    const hash = tokenHash(token);
    if (this.sessions.has(hash)) throw nodeError('INTERNAL', 'the random source repeated a session token');
    const expiresAt = now + Math.round(this.opts.sessionMaxSeconds * 1000);
    const record: SessionRecord<I> = {
      id: bytesToHex(this.randomBytes(16)),
      publicKey,
      client,
      createdAt: now,
      expiresAt,
      idleExpiresAt: Math.min(now + Math.round(this.opts.sessionIdleSeconds * 1000), expiresAt),
      identity,
      checkedAt: now,
      recheck: undefined,
    };
    this.sessions.set(hash, record);
    hashes = this.sessionsByKey.get(publicKey);
    if (hashes === undefined) {
      hashes = new Set();
      this.sessionsByKey.set(publicKey, hashes);
    }
    hashes.add(hash);
    this.earliestSessionEnd = Math.min(this.earliestSessionEnd, record.idleExpiresAt);
    return { token, sessionId: record.id, expiresAt, idleExpiresAt: record.idleExpiresAt, identity };
  }

  private ensureSessionCapacity(now: number): void {
    if (this.sessions.size < this.opts.maxSessions) return;
    // A full sweep only when one could free something, so a full table does not make every sign-in a scan.
    if (now >= this.earliestSessionEnd) this.purgeSessions(now);
    if (this.sessions.size >= this.opts.maxSessions) {
      throw nodeError('RATE_LIMITED', 'the node holds as many sessions as it may', {
        retryAfterSeconds: seconds(this.earliestSessionEnd - now),
      });
    }
  }

  private recheck(hash: string, record: SessionRecord<I>): Promise<I> {
    if (record.recheck === undefined) {
      record.recheck = (async () => {
        try {
          const identity = await this.deps.resolveIdentity(record.publicKey);
          record.identity = identity;
          record.checkedAt = this.deps.clock.now();
          return identity;
        } catch (error) {
          this.removeSession(hash, record);
          throw error;
        } finally {
          record.recheck = undefined;
        }
      })();
    }
    return record.recheck;
  }

  private isOver(record: SessionRecord<I>, now: number): boolean {
    return now >= record.idleExpiresAt || now >= record.expiresAt;
  }

  private removeSession(hash: string, record: SessionRecord<I>): void {
    if (this.sessions.get(hash) !== record) return;
    this.sessions.delete(hash);
    const hashes = this.sessionsByKey.get(record.publicKey);
    if (hashes !== undefined) {
      hashes.delete(hash);
      if (hashes.size === 0) this.sessionsByKey.delete(record.publicKey);
    }
  }

  /** Challenges expire in the order they were issued (constant TTL), so the expired ones are at the front. */
  private purgeChallenges(now: number): void {
    for (const [challenge, record] of this.challenges) {
      if (record.expiresAt > now) break;
      this.challenges.delete(challenge);
    }
  }

  private purgeSessions(now: number): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [hash, record] of this.sessions) {
      if (this.isOver(record, now)) this.removeSession(hash, record);
      else earliest = Math.min(earliest, record.idleExpiresAt);
    }
    this.earliestSessionEnd = earliest;
  }

  /** The lazy sweep that replaces a timer: at most every `purgeIntervalSeconds`, or when the clock went back. */
  private maintain(now: number): void {
    if (now - this.purgedAt < this.opts.purgeIntervalSeconds * 1000 && now >= this.purgedAt) return;
    this.purgedAt = now;
    this.purgeChallenges(now);
    this.purgeSessions(now);
    this.keyFailures.purge(now);
    this.clientFailures.purge(now);
    this.challengeLimiter.purge(now);
  }
}

function sessionExpired() {
  return nodeError('SESSION_EXPIRED', 'the session has timed out or was ended: sign in again');
}

function sessionInfo<I>(record: SessionRecord<I>): SessionInfo {
  return {
    id: record.id,
    publicKey: record.publicKey,
    client: record.client,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    idleExpiresAt: record.idleExpiresAt,
  };
}

/**
 * Sign-in by proof of key possession (packages/node/src/auth.ts): the challenge–response protocol with both suites,
 * single-use challenges, sessions and their timeouts, identity re-checks, failure counting, lockout, rate limits and
 * memory bounds. Time is a fake clock and randomness is seeded: nothing sleeps.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import {
  bytesToHex,
  type CryptoSuite,
  HashTag,
  isLianzhengError,
  LianzhengError,
  type SuiteId,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultSessionOptions,
  SessionManager,
  type SessionOptions,
  SIGN_IN_TAG,
  signInDigest,
  signInMessage,
} from '../src/auth.js';
import { nativeSuite } from '../src/nativeSuite.js';

const CHAIN = 'lianzheng-test';
const NODE = 'node-1';
const T0 = 1_750_000_000_000;
const MINUTE = 60_000;

class FakeClock {
  t = T0;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** SHA-256 in counter mode: deterministic bytes for challenges, tokens and flood keys. */
function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let offset = 0; offset < n; offset += 32) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - offset)), offset);
    }
    return out;
  };
}

interface Identity {
  readonly name: string;
  readonly version: number;
}

interface Key {
  readonly sk: Uint8Array;
  readonly pk: string;
  readonly label: string;
}

function rejected(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

function identityError(code: string): LianzhengError {
  return new LianzhengError(code, `identity refused: ${code}`);
}

const BAD_SIGNATURE = '00'.repeat(64);

function setup(opts: Partial<SessionOptions> = {}, suiteId: SuiteId = 'ed25519-sha256') {
  const base = nativeSuite(suiteId);
  const counters = { verify: 0, resolve: 0, taggedText: 0 };
  // A spy wrapper: counts the expensive operations an attacker could make the node do.
  const suite: CryptoSuite = {
    ...base,
    verify: (publicKey, message, signature) => {
      counters.verify++;
      return base.verify(publicKey, message, signature);
    },
    taggedText: (tag, text) => {
      counters.taggedText++;
      return base.taggedText(tag, text);
    },
  };
  const clock = new FakeClock();
  const registry = new Map<string, Identity | Error>();
  const h = {
    suite: base,
    clock,
    registry,
    counters,
    resolver: (pk: string): Identity | Promise<Identity> => {
      const entry = registry.get(pk);
      if (entry === undefined) throw identityError('IDENTITY_UNKNOWN');
      if (entry instanceof Error) throw entry;
      return entry;
    },
    manager: undefined as unknown as SessionManager<Identity>,
    key(label: string, register = true): Key {
      const sk = new Uint8Array(createHash('sha256').update(`${suiteId}/${label}`).digest());
      const pk = bytesToHex(base.publicKeyFromSecret(sk));
      if (register) registry.set(pk, { name: label, version: 1 });
      return { sk, pk, label };
    },
    sign(k: Key, message: string): string {
      return bytesToHex(base.sign(k.sk, signInDigest(base, message)));
    },
    async signIn(k: Key, client = '192.0.2.1') {
      const c = h.manager.issueChallenge({ publicKey: k.pk, client });
      return h.manager.createSession({
        challenge: c.challenge,
        publicKey: k.pk,
        signature: h.sign(k, c.message),
        client,
      });
    },
    /** One failed sign-in (a bad signature over a fresh challenge); returns the error. */
    failOnce(k: Key, client = '192.0.2.1'): Promise<unknown> {
      const c = h.manager.issueChallenge({ publicKey: k.pk, client });
      return rejected(
        h.manager.createSession({ challenge: c.challenge, publicKey: k.pk, signature: BAD_SIGNATURE, client }),
      );
    },
  };
  h.manager = new SessionManager<Identity>(
    { ...defaultSessionOptions, ...opts },
    {
      suite,
      chainId: CHAIN,
      node: NODE,
      clock,
      random: seededRandom(`auth/${suiteId}`),
      resolveIdentity: (pk) => {
        counters.resolve++;
        return h.resolver(pk);
      },
    },
  );
  return h;
}

const bearer = (token: string) => `Bearer ${token}`;

describe.each(['ed25519-sha256', 'sm2-sm3'] as const)('sign-in with %s', (suiteId) => {
  it('signs in: the message is the canonical JSON documented, the digest is the tagged hash of it', async () => {
    const h = setup({}, suiteId);
    const alice = h.key('alice');
    const c = h.manager.issueChallenge({ publicKey: alice.pk, client: '192.0.2.1' });
    expect(c.challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(c.expiresAt).toBe(T0 + 60_000);
    expect(c.message).toBe(
      `{"chainId":"${CHAIN}","challenge":"${c.challenge}","expiresAt":${T0 + 60_000},"node":"${NODE}",` +
        `"publicKey":"${alice.pk}","type":"lianzheng-sign-in"}`,
    );
    expect(
      signInMessage({
        chainId: CHAIN,
        node: NODE,
        publicKey: alice.pk,
        challenge: c.challenge,
        expiresAt: c.expiresAt,
      }),
    ).toBe(c.message);
    // H(UTF-8("lianzheng/sign-in") ‖ 0x00 ‖ UTF-8(message)) computed by OpenSSL directly.
    const expected = createHash(suiteId === 'sm2-sm3' ? 'sm3' : 'sha256')
      .update(Buffer.concat([Buffer.from('lianzheng/sign-in\u0000'), Buffer.from(c.message)]))
      .digest('hex');
    expect(bytesToHex(signInDigest(h.suite, c.message))).toBe(expected);

    const created = await h.manager.createSession({
      challenge: c.challenge,
      publicKey: alice.pk,
      signature: h.sign(alice, c.message),
      client: '192.0.2.1',
    });
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.identity).toEqual({ name: 'alice', version: 1 });
    expect(created.expiresAt).toBe(T0 + 8 * 60 * MINUTE);
    expect(created.idleExpiresAt).toBe(T0 + 15 * MINUTE);
    expect(h.manager.sessionCount).toBe(1);

    h.clock.advance(1000);
    const auth = await h.manager.authenticate(bearer(created.token));
    expect(auth.identity).toEqual({ name: 'alice', version: 1 });
    expect(auth.session).toEqual({
      id: created.sessionId,
      publicKey: alice.pk,
      client: '192.0.2.1',
      createdAt: T0,
      expiresAt: T0 + 8 * 60 * MINUTE,
      idleExpiresAt: T0 + 1000 + 15 * MINUTE,
    });
    // Scheme case-insensitive, spaces and tabs around the credentials tolerated.
    await expect(h.manager.authenticate(` bearer \t${created.token}  `)).resolves.toMatchObject({
      session: { publicKey: alice.pk },
    });
  });

  it('refuses a signature by another key, over another message, or malformed', async () => {
    // Six failures for one key here: raise the lockout threshold so that each is seen.
    const h = setup({ maxFailures: 10 }, suiteId);
    const alice = h.key('alice');
    const mallory = h.key('mallory');
    const c1 = h.manager.issueChallenge({ publicKey: alice.pk, client: '192.0.2.1' });
    const e1 = await rejected(
      h.manager.createSession({
        challenge: c1.challenge,
        publicKey: alice.pk,
        signature: h.sign(mallory, c1.message),
        client: '192.0.2.1',
      }),
    );
    expect(e1).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    const c2 = h.manager.issueChallenge({ publicKey: alice.pk, client: '192.0.2.1' });
    const e2 = await rejected(
      h.manager.createSession({
        challenge: c2.challenge,
        publicKey: alice.pk,
        signature: h.sign(alice, `${c2.message} `),
        client: '192.0.2.1',
      }),
    );
    expect(e2).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    for (const signature of ['', 'zz'.repeat(64), h.sign(alice, c2.message).toUpperCase(), '00'.repeat(63)]) {
      const c = h.manager.issueChallenge({ publicKey: alice.pk, client: '192.0.2.2' });
      const e = await rejected(
        h.manager.createSession({ challenge: c.challenge, publicKey: alice.pk, signature, client: '192.0.2.2' }),
      );
      expect(e).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    }
    expect(h.manager.sessionCount).toBe(0);
  });

  it('refuses a replayed sign-in', async () => {
    const h = setup({}, suiteId);
    const alice = h.key('alice');
    const c = h.manager.issueChallenge({ publicKey: alice.pk, client: '192.0.2.1' });
    const request = {
      challenge: c.challenge,
      publicKey: alice.pk,
      signature: h.sign(alice, c.message),
      client: '192.0.2.1',
    };
    await h.manager.createSession(request);
    expect(await rejected(h.manager.createSession(request))).toMatchObject({ code: 'AUTH_CHALLENGE_UNKNOWN' });
    expect(h.manager.sessionCount).toBe(1);
  });
});

describe('challenges', () => {
  it('uses the sign-in tag of the protocol', () => {
    expect(SIGN_IN_TAG).toBe('lianzheng/sign-in');
    expect(Object.values(HashTag)).toContain(SIGN_IN_TAG);
  });

  it("refuses key A's challenge used with key B, and the challenge is spent", async () => {
    const h = setup();
    const a = h.key('a');
    const b = h.key('b');
    const c = h.manager.issueChallenge({ publicKey: a.pk, client: '192.0.2.1' });
    // B signs a well-formed message naming itself and A's challenge.
    const forged = signInMessage({
      chainId: CHAIN,
      node: NODE,
      publicKey: b.pk,
      challenge: c.challenge,
      expiresAt: c.expiresAt,
    });
    const e = await rejected(
      h.manager.createSession({
        challenge: c.challenge,
        publicKey: b.pk,
        signature: h.sign(b, forged),
        client: '192.0.2.1',
      }),
    );
    expect(e).toMatchObject({ code: 'AUTH_CHALLENGE_UNKNOWN' });
    expect(h.counters.verify).toBe(0);
    const late = await rejected(
      h.manager.createSession({
        challenge: c.challenge,
        publicKey: a.pk,
        signature: h.sign(a, c.message),
        client: '192.0.2.1',
      }),
    );
    expect(late).toMatchObject({ code: 'AUTH_CHALLENGE_UNKNOWN' });
  });

  it('spends the challenge on a failed attempt too', async () => {
    const h = setup();
    const a = h.key('a');
    const c = h.manager.issueChallenge({ publicKey: a.pk, client: '192.0.2.1' });
    const request = { challenge: c.challenge, publicKey: a.pk, client: '192.0.2.1' };
    expect(await rejected(h.manager.createSession({ ...request, signature: BAD_SIGNATURE }))).toMatchObject({
      code: 'AUTH_SIGNATURE_INVALID',
    });
    expect(await rejected(h.manager.createSession({ ...request, signature: h.sign(a, c.message) }))).toMatchObject({
      code: 'AUTH_CHALLENGE_UNKNOWN',
    });
  });

  it('expires a challenge after 60 s', async () => {
    const h = setup();
    const a = h.key('a');
    const c1 = h.manager.issueChallenge({ publicKey: a.pk, client: '192.0.2.1' });
    const c2 = h.manager.issueChallenge({ publicKey: a.pk, client: '192.0.2.1' });
    h.clock.advance(60_000 - 1);
    await h.manager.createSession({
      challenge: c1.challenge,
      publicKey: a.pk,
      signature: h.sign(a, c1.message),
      client: 'x',
    });
    h.clock.advance(1);
    const e = await rejected(
      h.manager.createSession({
        challenge: c2.challenge,
        publicKey: a.pk,
        signature: h.sign(a, c2.message),
        client: 'x',
      }),
    );
    expect(e).toMatchObject({ code: 'AUTH_CHALLENGE_UNKNOWN' });
  });

  it('refuses a challenge that was never issued', async () => {
    const h = setup();
    const a = h.key('a');
    const e = await rejected(
      h.manager.createSession({ challenge: 'ab'.repeat(32), publicKey: a.pk, signature: BAD_SIGNATURE, client: 'x' }),
    );
    expect(e).toMatchObject({ code: 'AUTH_CHALLENGE_UNKNOWN' });
  });

  it('refuses a signature made for another chain or another node', async () => {
    const h = setup();
    const a = h.key('a');
    for (const other of [
      { chainId: 'lianzheng-other', node: NODE },
      { chainId: CHAIN, node: 'node-2' },
    ]) {
      const c = h.manager.issueChallenge({ publicKey: a.pk, client: '192.0.2.1' });
      const message = signInMessage({ ...other, publicKey: a.pk, challenge: c.challenge, expiresAt: c.expiresAt });
      const e = await rejected(
        h.manager.createSession({
          challenge: c.challenge,
          publicKey: a.pk,
          signature: h.sign(a, message),
          client: 'x',
        }),
      );
      expect(e).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    }
    // The same construction with this chain and node is accepted (the test can fail).
    const c = h.manager.issueChallenge({ publicKey: a.pk, client: '192.0.2.1' });
    const message = signInMessage({
      chainId: CHAIN,
      node: NODE,
      publicKey: a.pk,
      challenge: c.challenge,
      expiresAt: c.expiresAt,
    });
    await expect(
      h.manager.createSession({ challenge: c.challenge, publicKey: a.pk, signature: h.sign(a, message), client: 'x' }),
    ).resolves.toMatchObject({ identity: { name: 'a' } });
  });

  it('refuses malformed and invalid public keys with KEY_INVALID', async () => {
    const h = setup();
    const a = h.key('a');
    const bad = [
      a.pk.toUpperCase(),
      a.pk.slice(2),
      `${a.pk}00`,
      '00'.repeat(32), // a point of order 4
      `01${'00'.repeat(31)}`, // the identity point
      '',
    ];
    for (const publicKey of bad) {
      const e = thrown(() => h.manager.issueChallenge({ publicKey, client: '192.0.2.1' }));
      expect(isLianzhengError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'KEY_INVALID' });
    }
    const e = await rejected(
      h.manager.createSession({
        challenge: 'ab'.repeat(32),
        publicKey: 'nothex',
        signature: BAD_SIGNATURE,
        client: 'x',
      }),
    );
    expect(e).toMatchObject({ code: 'KEY_INVALID' });
  });

  it('bounds the outstanding challenges and frees them as they expire', () => {
    const h = setup({ maxChallenges: 100 });
    const keys = Array.from({ length: 10 }, (_, i) => h.key(`k${i}`));
    for (let i = 0; i < 100; i++) h.manager.issueChallenge({ publicKey: keys[i % 10]!.pk, client: `10.0.${i}` });
    h.clock.advance(30_000);
    const e = thrown(() => h.manager.issueChallenge({ publicKey: keys[0]!.pk, client: '10.1.0.0' }));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 30 } });
    h.clock.advance(30_000);
    h.manager.issueChallenge({ publicKey: keys[0]!.pk, client: '10.1.0.0' });
    expect(h.manager.stats().challenges).toBe(1);
  });
});

describe('identity resolution', () => {
  it('propagates the resolver error unchanged and counts it as a failure', async () => {
    const h = setup();
    const revoked = h.key('revoked');
    const error = identityError('IDENTITY_REVOKED');
    h.registry.set(revoked.pk, error);
    for (let i = 0; i < 5; i++) {
      expect(await rejected(h.signIn(revoked, `10.0.0.${i}`))).toBe(error);
    }
    // Five refusals lock the key: the sixth attempt is refused before the resolver is asked.
    const calls = h.counters.resolve;
    expect(thrown(() => h.manager.issueChallenge({ publicKey: revoked.pk, client: '10.0.1.1' }))).toMatchObject({
      code: 'AUTH_LOCKED',
      details: { retryAfterSeconds: 900, scope: 'key' },
    });
    expect(h.counters.resolve).toBe(calls);
  });

  it('locks a key whose identity the resolver keeps refusing (async resolver)', async () => {
    const h = setup();
    const stranger = h.key('stranger', false);
    const error = identityError('IDENTITY_UNKNOWN');
    h.resolver = () => Promise.reject(error);
    for (let i = 0; i < 5; i++) expect(await rejected(h.signIn(stranger, `10.0.0.${i}`))).toBe(error);
    const e = thrown(() => h.manager.issueChallenge({ publicKey: stranger.pk, client: '10.0.9.9' }));
    expect(e).toMatchObject({ code: 'AUTH_LOCKED', details: { retryAfterSeconds: 900, scope: 'key' } });
  });
});

describe('lockout', () => {
  it('locks a key after 5 failures, for 15 minutes, from every address', async () => {
    const h = setup();
    const a = h.key('a');
    const b = h.key('b');
    for (let i = 0; i < 4; i++) {
      expect(await h.failOnce(a, `10.0.0.${i}`)).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    }
    // Four failures: still allowed.
    const c = h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.1.1' });
    expect(await h.failOnce(a, '10.0.0.4')).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    const locked = await rejected(
      h.manager.createSession({
        challenge: c.challenge,
        publicKey: a.pk,
        signature: h.sign(a, c.message),
        client: '10.0.1.1',
      }),
    );
    expect(locked).toMatchObject({ code: 'AUTH_LOCKED', details: { retryAfterSeconds: 900, scope: 'key' } });
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: '10.9.9.9' }))).toMatchObject({
      code: 'AUTH_LOCKED',
    });
    // Another key is not affected.
    await expect(h.signIn(b, '10.0.0.1')).resolves.toMatchObject({ identity: { name: 'b' } });

    h.clock.advance(899_000);
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: '10.9.9.9' }))).toMatchObject({
      code: 'AUTH_LOCKED',
      details: { retryAfterSeconds: 1 },
    });
    h.clock.advance(1000);
    // Lifted, with a fresh count: one failure does not lock again.
    expect(await h.failOnce(a, '10.0.2.1')).toMatchObject({ code: 'AUTH_SIGNATURE_INVALID' });
    await expect(h.signIn(a, '10.0.2.1')).resolves.toMatchObject({ identity: { name: 'a' } });
  });

  it('counts failures in a sliding window', async () => {
    const h = setup();
    const a = h.key('a');
    for (let i = 0; i < 4; i++) await h.failOnce(a);
    h.clock.advance(15 * MINUTE);
    for (let i = 0; i < 4; i++) await h.failOnce(a);
    // The first four fell out of the window: not locked.
    h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.9' });
    h.clock.advance(MINUTE);
    await h.failOnce(a);
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.9' }))).toMatchObject({
      code: 'AUTH_LOCKED',
      details: { retryAfterSeconds: 900 },
    });
  });

  it("a success resets the key's count", async () => {
    const h = setup();
    const a = h.key('a');
    for (let i = 0; i < 4; i++) await h.failOnce(a, `10.0.0.${i}`);
    await h.signIn(a, '10.0.1.1');
    for (let i = 0; i < 4; i++) await h.failOnce(a, `10.0.0.${i}`);
    await expect(h.signIn(a, '10.0.1.1')).resolves.toMatchObject({ identity: { name: 'a' } });
  });

  it("locks an address after 20 failures, whatever the keys; a success does not reset the address's count", async () => {
    const h = setup();
    const keys = Array.from({ length: 6 }, (_, i) => h.key(`k${i}`));
    const attacker = '198.51.100.7';
    for (let i = 0; i < 19; i++) await h.failOnce(keys[i % 5]!, attacker);
    await expect(h.signIn(keys[5]!, attacker)).resolves.toMatchObject({ identity: { name: 'k5' } });
    await h.failOnce(keys[5]!, attacker);
    const e = thrown(() => h.manager.issueChallenge({ publicKey: keys[5]!.pk, client: attacker }));
    expect(e).toMatchObject({ code: 'AUTH_LOCKED', details: { retryAfterSeconds: 900, scope: 'client' } });
    // The keys themselves are not locked (four failures each at most), and other addresses are unaffected.
    await expect(h.signIn(keys[0]!, '203.0.113.1')).resolves.toMatchObject({ identity: { name: 'k0' } });
    h.clock.advance(15 * MINUTE);
    await expect(h.signIn(keys[1]!, attacker)).resolves.toMatchObject({ identity: { name: 'k1' } });
  });

  it('refuses a locked key or address before any hashing or signature verification', async () => {
    const h = setup();
    const a = h.key('a');
    const b = h.key('b');
    // Challenges obtained before the lock, with valid signatures.
    const early = Array.from({ length: 3 }, () => h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.1' }));
    for (let i = 0; i < 5; i++) await h.failOnce(a, `10.0.1.${i}`);
    const verifies = h.counters.verify;
    const hashes = h.counters.taggedText;
    for (const c of early) {
      const e = await rejected(
        h.manager.createSession({
          challenge: c.challenge,
          publicKey: a.pk,
          signature: h.sign(a, c.message),
          client: '10.0.0.1',
        }),
      );
      expect(e).toMatchObject({ code: 'AUTH_LOCKED' });
    }
    expect(h.counters.verify).toBe(verifies);
    expect(h.counters.taggedText).toBe(hashes);

    // Address lockout: 20 failures from one address (over keys that stay unlocked), then a valid sign-in attempt.
    const keys = Array.from({ length: 5 }, (_, i) => h.key(`k${i}`));
    const cb = h.manager.issueChallenge({ publicKey: b.pk, client: '198.51.100.7' });
    for (let i = 0; i < 20; i++) await h.failOnce(keys[i % 5]!, '198.51.100.7');
    const before = h.counters.verify;
    const e = await rejected(
      h.manager.createSession({
        challenge: cb.challenge,
        publicKey: b.pk,
        signature: h.sign(b, cb.message),
        client: '198.51.100.7',
      }),
    );
    expect(e).toMatchObject({ code: 'AUTH_LOCKED', details: { scope: 'client' } });
    expect(h.counters.verify).toBe(before);
    // An unlocked attempt does verify (so the counts above could have moved).
    await h.signIn(b, '203.0.113.1');
    expect(h.counters.verify).toBe(before + 1);
  });
});

describe('challenge rate limit', () => {
  it('allows 30 challenges per address in any minute', () => {
    const h = setup();
    const a = h.key('a');
    for (let i = 0; i < 30; i++) {
      h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.1' });
      if (i < 29) h.clock.advance(1000);
    }
    // Issued at T0 … T0+29 s: the 31st waits until the first leaves the window at T0+60 s.
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.1' }))).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: 31 },
    });
    h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.2' });
    h.clock.advance(31_000 - 1);
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.1' }))).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: 1 },
    });
    h.clock.advance(1);
    h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.1' });
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: '10.0.0.1' }))).toMatchObject({
      code: 'RATE_LIMITED',
    });
  });
});

describe('sessions', () => {
  it('ends an idle session after 15 minutes, each use sliding the limit', async () => {
    const h = setup();
    const a = h.key('a');
    const { token } = await h.signIn(a);
    h.clock.advance(15 * MINUTE - 1);
    await h.manager.authenticate(bearer(token));
    h.clock.advance(15 * MINUTE - 1);
    const auth = await h.manager.authenticate(bearer(token));
    expect(auth.session.idleExpiresAt).toBe(h.clock.now() + 15 * MINUTE);
    h.clock.advance(15 * MINUTE);
    expect(await rejected(h.manager.authenticate(bearer(token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(await rejected(h.manager.authenticate(bearer(token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(h.manager.sessionCount).toBe(0);
  });

  it('ends any session 8 hours after sign-in', async () => {
    const h = setup();
    const a = h.key('a');
    const created = await h.signIn(a);
    let last = await h.manager.authenticate(bearer(created.token));
    for (let i = 0; i < 47; i++) {
      h.clock.advance(10 * MINUTE);
      last = await h.manager.authenticate(bearer(created.token));
    }
    // At 7 h 50 min the idle limit is capped by the absolute one.
    expect(last.session.idleExpiresAt).toBe(created.expiresAt);
    h.clock.advance(10 * MINUTE - 1);
    await h.manager.authenticate(bearer(created.token));
    h.clock.advance(1);
    expect(await rejected(h.manager.authenticate(bearer(created.token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('re-resolves the identity every 10 s and ends the session when it is refused', async () => {
    const h = setup();
    const a = h.key('a');
    const { token } = await h.signIn(a);
    expect(h.counters.resolve).toBe(1);
    h.registry.set(a.pk, { name: 'a', version: 2 });
    h.clock.advance(9_999);
    expect((await h.manager.authenticate(bearer(token))).identity).toEqual({ name: 'a', version: 1 });
    expect(h.counters.resolve).toBe(1);
    h.clock.advance(1);
    expect((await h.manager.authenticate(bearer(token))).identity).toEqual({ name: 'a', version: 2 });
    expect(h.counters.resolve).toBe(2);

    const revoked = identityError('IDENTITY_REVOKED');
    h.registry.set(a.pk, revoked);
    h.clock.advance(5_000);
    await h.manager.authenticate(bearer(token));
    h.clock.advance(5_000);
    expect(await rejected(h.manager.authenticate(bearer(token)))).toBe(revoked);
    expect(await rejected(h.manager.authenticate(bearer(token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(h.manager.sessionCount).toBe(0);
  });

  it('asks the resolver once for concurrent requests, and an ended session stays ended', async () => {
    const h = setup();
    const a = h.key('a');
    const { token } = await h.signIn(a);
    let release: (identity: Identity) => void = () => {};
    h.resolver = () =>
      new Promise<Identity>((resolve) => {
        release = resolve;
      });
    h.clock.advance(10_000);
    const first = h.manager.authenticate(bearer(token));
    const second = h.manager.authenticate(bearer(token));
    expect(h.counters.resolve).toBe(2);
    release({ name: 'a', version: 3 });
    expect((await first).identity).toEqual({ name: 'a', version: 3 });
    expect((await second).identity).toEqual({ name: 'a', version: 3 });

    h.clock.advance(10_000);
    const pending = h.manager.authenticate(bearer(token));
    expect(h.manager.endSession(token)).toBe(true);
    release({ name: 'a', version: 4 });
    expect(await rejected(pending)).toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('endSession and endSessionsOf', async () => {
    const h = setup();
    const a = h.key('a');
    const b = h.key('b');
    const a1 = await h.signIn(a);
    const a2 = await h.signIn(a);
    const b1 = await h.signIn(b);
    expect(h.manager.sessionCount).toBe(3);
    expect(h.manager.endSession(a1.token)).toBe(true);
    expect(h.manager.endSession(a1.token)).toBe(false);
    expect(h.manager.endSession('not a token')).toBe(false);
    expect(await rejected(h.manager.authenticate(bearer(a1.token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    await h.manager.authenticate(bearer(a2.token));
    expect(h.manager.endSessionsOf(a.pk)).toBe(1);
    expect(h.manager.endSessionsOf(a.pk)).toBe(0);
    expect(await rejected(h.manager.authenticate(bearer(a2.token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    await expect(h.manager.authenticate(bearer(b1.token))).resolves.toMatchObject({ identity: { name: 'b' } });
    expect(h.manager.sessionCount).toBe(1);
  });

  it('keeps at most 16 sessions per key (the oldest ends) and maxSessions in all', async () => {
    const h = setup({ maxSessions: 20 });
    const a = h.key('a');
    const tokens: string[] = [];
    for (let i = 0; i < 17; i++) tokens.push((await h.signIn(a, `10.0.0.${i}`)).token);
    expect(h.manager.sessionCount).toBe(16);
    expect(await rejected(h.manager.authenticate(bearer(tokens[0]!)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    await h.manager.authenticate(bearer(tokens[1]!));

    const others = Array.from({ length: 5 }, (_, i) => h.key(`o${i}`));
    for (let i = 0; i < 4; i++) await h.signIn(others[i]!, '10.1.0.1');
    h.clock.advance(MINUTE);
    const e = await rejected(h.signIn(others[4]!, '10.1.0.1'));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 14 * 60 } });
    h.clock.advance(14 * MINUTE);
    await expect(h.signIn(others[4]!, '10.1.0.1')).resolves.toMatchObject({ identity: { name: 'o4' } });
  });

  it('refuses requests without a bearer session', async () => {
    const h = setup();
    for (const header of [undefined, '', '   ', 'Bearer', 'Bearer   ', 'Basic YWxpY2U6c2VjcmV0', 'Bearertoken']) {
      expect(await rejected(h.manager.authenticate(header))).toMatchObject({ code: 'SESSION_REQUIRED' });
    }
    for (const header of ['Bearer x', `Bearer ${'A'.repeat(43)}`, `Bearer ${'A'.repeat(44)}`, 'Bearer a b']) {
      expect(await rejected(h.manager.authenticate(header))).toMatchObject({ code: 'SESSION_EXPIRED' });
    }
  });

  it('keeps no bearer token in memory, only its hash', async () => {
    const h = setup();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push((await h.signIn(h.key(`k${i}`))).token);
    const dump =
      inspect(h.manager, { depth: Number.POSITIVE_INFINITY, maxArrayLength: null, maxStringLength: null }) +
      JSON.stringify(h.manager);
    for (const token of tokens) {
      // The dump does show the session table (so a clear token would be seen)…
      expect(dump).toContain(createHash('sha256').update(token).digest('hex'));
      // …but neither the token nor its bytes in another encoding.
      const bytes = Buffer.from(token, 'base64url');
      for (const form of [token, bytes.toString('hex'), bytes.toString('base64')]) expect(dump).not.toContain(form);
    }
  });

  it('close() ends every session and refuses new sign-ins', async () => {
    const h = setup();
    const a = h.key('a');
    const { token } = await h.signIn(a);
    h.manager.close();
    expect(await rejected(h.manager.authenticate(bearer(token)))).toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(thrown(() => h.manager.issueChallenge({ publicKey: a.pk, client: 'x' }))).toMatchObject({
      code: 'NODE_STOPPING',
    });
    expect(h.manager.sessionCount).toBe(0);
  });

  it('rejects out-of-range options with CONFIG_INVALID', () => {
    const h = setup();
    for (const bad of [
      { maxFailures: 0 },
      { lockoutSeconds: -1 },
      { maxSessions: 1.5 },
      { recheckSeconds: Number.NaN },
    ]) {
      const e = thrown(
        () =>
          new SessionManager(
            { ...defaultSessionOptions, ...bad },
            { suite: h.suite, chainId: CHAIN, node: NODE, clock: h.clock, resolveIdentity: () => 1 },
          ),
      );
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', details: { field: Object.keys(bad)[0] } });
    }
    expect(
      new SessionManager(
        { ...defaultSessionOptions, recheckSeconds: 0 },
        { suite: h.suite, chainId: CHAIN, node: NODE, clock: h.clock, resolveIdentity: () => 1 },
      ).sessionCount,
    ).toBe(0);
  });
});

describe('memory bounds', () => {
  it('a flood of 100,000 random keys from as many addresses stays within the caps and lifts no lock', async () => {
    const cap = 1000;
    const h = setup({ maxTrackedKeys: cap, maxTrackedClients: cap });
    const victim = h.key('victim');
    for (let i = 0; i < 5; i++) await h.failOnce(victim, `10.0.0.${i}`);
    const random = seededRandom('flood');
    let max = { trackedKeys: 0, trackedClients: 0, lockedKeys: 0, lockedClients: 0 };
    for (let i = 0; i < 100_000; i++) {
      const e = await rejected(
        h.manager.createSession({
          challenge: bytesToHex(random(32)),
          publicKey: bytesToHex(random(32)),
          signature: BAD_SIGNATURE,
          client: `flood-${i}`,
        }),
      );
      if (i === 0) expect(e).toMatchObject({ code: 'AUTH_CHALLENGE_UNKNOWN' });
      if (i % 1000 === 999) {
        const s = h.manager.stats();
        max = {
          trackedKeys: Math.max(max.trackedKeys, s.trackedKeys),
          trackedClients: Math.max(max.trackedClients, s.trackedClients),
          lockedKeys: Math.max(max.lockedKeys, s.lockedKeys),
          lockedClients: Math.max(max.lockedClients, s.lockedClients),
        };
      }
    }
    expect(max.trackedKeys).toBe(cap);
    expect(max.trackedClients).toBe(cap);
    expect(max.lockedKeys).toBe(1);
    expect(thrown(() => h.manager.issueChallenge({ publicKey: victim.pk, client: '203.0.113.1' }))).toMatchObject({
      code: 'AUTH_LOCKED',
    });
    expect(h.counters.verify).toBe(5);
  });

  it('100,000 failures that lock 20,000 keys and 5,000 addresses keep the lock tables within their caps', async () => {
    const cap = 1000;
    const h = setup({ maxTrackedKeys: cap, maxTrackedClients: cap });
    const random = seededRandom('locks');
    const keys = Array.from({ length: 20_000 }, () => bytesToHex(random(32)));
    for (let i = 0; i < 100_000; i++) {
      await rejected(
        h.manager.createSession({
          challenge: bytesToHex(random(32)),
          publicKey: keys[Math.floor(i / 5)]!,
          signature: BAD_SIGNATURE,
          client: `flood-${Math.floor(i / 20)}`,
        }),
      );
    }
    const s = h.manager.stats();
    expect(s.lockedKeys).toBe(cap);
    expect(s.lockedClients).toBe(cap);
    expect(s.trackedKeys).toBeLessThanOrEqual(cap);
    expect(s.trackedClients).toBeLessThanOrEqual(cap);
  });

  it('a flood of challenge requests stays within maxChallenges and maxTrackedClients', () => {
    const h = setup({ maxChallenges: 5000, maxTrackedClients: 2000 });
    const keys = Array.from({ length: 20 }, (_, i) => h.key(`k${i}`));
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      try {
        h.manager.issueChallenge({ publicKey: keys[i % 20]!.pk, client: `flood-${i % 50_000}` });
      } catch (e) {
        expect(e).toMatchObject({ code: 'RATE_LIMITED' });
        refused++;
      }
      if (i % 10_000 === 9_999) {
        const s = h.manager.stats();
        expect(s.challenges).toBeLessThanOrEqual(5000);
        expect(s.challengeClients).toBeLessThanOrEqual(2000);
      }
    }
    expect(refused).toBe(95_000);
  });
});

describe('Authorization header property', () => {
  it('any header either names the live session or is refused with SESSION_REQUIRED / SESSION_EXPIRED', async () => {
    const h = setup();
    const a = h.key('a');
    const { token } = await h.signIn(a);
    const tokenLike = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
    const mutated = fc
      .tuple(fc.nat({ max: 42 }), fc.constantFrom(...'AZaz09_-+/=. '))
      .map(([i, c]) => token.slice(0, i) + c + token.slice(i + 1));
    const credentials = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 200 }),
      tokenLike,
      mutated,
      fc.constant(token),
    );
    const header = fc.oneof(
      fc.constant(undefined),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc
        .tuple(
          fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer:', '', 'Bearer\u00a0', 'Bеarer'),
          fc.constantFrom(' ', '  ', '\t', '', '\n', '\u3000'),
          credentials,
          fc.constantFrom('', ' ', '\t', ' x', '\r\n'),
        )
        .map((parts) => parts.join('')),
    );
    const accepted = new Set<string>();
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        try {
          const result = await h.manager.authenticate(value);
          expect(result.session.publicKey).toBe(a.pk);
          accepted.add(value as string);
        } catch (error) {
          expect(isLianzhengError(error)).toBe(true);
          expect(['SESSION_REQUIRED', 'SESSION_EXPIRED']).toContain((error as LianzhengError).code);
        }
      }),
      { seed: 0x5e55, numRuns: 3000 },
    );
    // Only well-formed headers carrying the token itself were accepted, and the session survived the fuzzing.
    expect(accepted.size).toBeGreaterThan(0);
    for (const value of accepted) expect(/^[ \t]*bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(value)?.[1]).toBe(token);
    await expect(h.manager.authenticate(bearer(token))).resolves.toMatchObject({ identity: { name: 'a' } });
  });
});

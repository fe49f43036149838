/**
 * The `privacy` system contract driven through the block executor: registering personal records (commitments only),
 * the read decision over purpose × category × role × the record's policy × consents, the access log it leaves under
 * the subject, consent grant/revocation at a height, and erasure. Every denial is a recorded entry with its code.
 */
import { type AccessEntry, type JsonObject, type PrivateRecord, privacyKeys } from '@lianzheng/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConsortium, deriveKey, expectFailed, expectOk, type Key, resultOf, TestChain } from './fixtures.js';

const c = createConsortium();
const { market, housing, civil } = c.orgs;
const suite = c.suite;

const hex = (n: number, len = 64) => n.toString(16).padStart(len, '0');

function setup() {
  const chain = new TestChain(c);
  const citizen = deriveKey(suite, 'privacy/citizen');
  const other = deriveKey(suite, 'privacy/other');
  const reg = (k: Key) =>
    resultOf(
      expectOk(
        chain.run(
          c.tx(
            market.registrar,
            'identity',
            'registerSubject',
            { publicKey: k.hex, kind: 'citizen' },
            { cosigners: [k] },
          ),
        ),
      ),
    ).subject as string;
  const subject = reg(citizen);
  const otherSubject = reg(other);
  return { chain, citizen, other, subject, otherSubject };
}

const register = (signer: Key, args: JsonObject) => c.tx(signer, 'privacy', 'register', args);
const read = (signer: Key, record: string, purpose: string, extra: JsonObject = {}) =>
  c.tx(signer, 'privacy', 'read', { record, purpose, ...extra });

describe('privacy contract', () => {
  it('registers a record and decides reads by purpose, category, role, organisation; every read is recorded', () => {
    const { chain, citizen, other, subject } = setup();
    const record = hex(1);
    const policy = [{ org: 'market', purposes: ['household-administration', 'audit'] }];
    const r = expectOk(
      chain.run(register(market.caseworker, { commitment: record, category: 'identity', subject, policy })),
    );
    expect(r.events?.[0]?.name).toBe('recordRegistered');
    const stored = chain.read('privacy', privacyKeys.record(record)) as unknown as PrivateRecord;
    expect(stored).toMatchObject({ id: record, org: 'market', subject, status: 'active', category: 'identity' });

    const cases: [Key, string, string][] = [
      [market.registrar, 'household-administration', 'allowed'],
      [market.auditor, 'audit', 'allowed'],
      [housing.registrar, 'household-administration', 'PRIVACY_POLICY_DENIED'],
      [market.caseworker, 'household-administration', 'PRIVACY_ROLE_DENIED'],
      [market.registrar, 'tax-administration', 'PRIVACY_ROLE_DENIED'],
      [market.registrar, 'marketing', 'PRIVACY_PURPOSE_UNKNOWN'],
      [market.registrar, 'case-handling', 'PRIVACY_CASE_MISMATCH'],
      [citizen, 'self-access', 'allowed'],
      [other, 'self-access', 'PRIVACY_NOT_SUBJECT'],
      [citizen, 'audit', 'PRIVACY_READER_NOT_MEMBER'],
      [market.registrar, 'self-access', 'PRIVACY_NOT_SUBJECT'],
    ];
    for (const [who, purpose, want] of cases) {
      const res = resultOf(expectOk(chain.run(read(who, record, purpose)))) as unknown as AccessEntry;
      expect([purpose, res.decision === 'allowed' ? 'allowed' : res.code]).toEqual([purpose, want]);
      const entry = chain.read('privacy', privacyKeys.access(subject, chain.height, res.tx)) as unknown as AccessEntry;
      expect(entry).toEqual(res);
      expect(entry.reader.key).toBe(who.hex);
    }
    expect(chain.read('privacy', privacyKeys.stats('household-administration', 'market', 'allowed'))).toBe(1);
    expect(chain.read('privacy', privacyKeys.stats('household-administration', 'housing', 'denied'))).toBe(1);
    // A category the purpose does not cover.
    const birth = hex(2);
    expectOk(
      chain.run(
        register(market.caseworker, {
          commitment: birth,
          category: 'birth',
          subject,
          policy: [{ org: 'market', purposes: ['audit'] }],
        }),
      ),
    );
    const res = resultOf(
      expectOk(chain.run(read(market.registrar, birth, 'tax-administration'))),
    ) as unknown as AccessEntry;
    expect(res.code).toBe('PRIVACY_PURPOSE_CATEGORY');
    // Unknown record: a failed receipt (nothing to file it under).
    expectFailed(chain.run(read(market.registrar, hex(99), 'audit')), 'PRIVATE_RECORD_UNKNOWN');
  });

  it('checks what is registered: category, purposes of the policy, subject, organisation, duplicates', () => {
    const { chain, citizen, subject, otherSubject } = setup();
    const ok = { commitment: hex(3), category: 'identity', subject, policy: [{ org: 'market', purposes: ['audit'] }] };
    expectFailed(chain.run(register(market.caseworker, { ...ok, category: 'dna' })), 'PRIVACY_CATEGORY_UNKNOWN');
    expectFailed(
      chain.run(register(market.caseworker, { ...ok, policy: [{ org: 'market', purposes: ['nope'] }] })),
      'PRIVACY_PURPOSE_UNKNOWN',
    );
    expectFailed(
      chain.run(
        register(market.caseworker, {
          ...ok,
          category: 'birth',
          policy: [{ org: 'market', purposes: ['tax-administration'] }],
        }),
      ),
      'PRIVACY_PURPOSE_CATEGORY',
    );
    expectFailed(
      chain.run(register(market.caseworker, { ...ok, policy: [{ org: 'nowhere', purposes: ['audit'] }] })),
      'ORG_UNKNOWN',
    );
    expectFailed(chain.run(register(market.caseworker, { ...ok, subject: hex(5, 32) })), 'SUBJECT_UNKNOWN');
    expectFailed(chain.run(register(market.caseworker, { ...ok, org: 'housing' })), 'POLICY_DENIED');
    expect(chain.admitCode(register(market.caseworker, { ...ok, policy: [] }))).toBe('ARGS_INVALID');
    expect(chain.admitCode(register(market.caseworker, { ...ok, commitment: 'ab' }))).toBe('ARGS_INVALID');
    // A citizen registers only their own data, naming the organisation.
    expectFailed(chain.run(register(citizen, { ...ok, subject: otherSubject, org: 'market' })), 'PRIVACY_NOT_SUBJECT');
    expectFailed(chain.run(register(citizen, ok)), 'ARGS_INVALID');
    expectOk(chain.run(register(citizen, { ...ok, org: 'housing' })));
    expect((chain.read('privacy', privacyKeys.record(ok.commitment)) as unknown as PrivateRecord).org).toBe('housing');
    expectFailed(chain.run(register(market.caseworker, ok)), 'PRIVATE_RECORD_EXISTS');
  });

  it('a consent allows an organisation a purpose until it is revoked, from the height the revocation names', () => {
    const { chain, citizen, other, subject } = setup();
    const record = hex(7);
    expectOk(
      chain.run(
        register(market.caseworker, {
          commitment: record,
          category: 'contact',
          subject,
          policy: [{ org: 'market', purposes: ['audit', 'consented-service'] }],
        }),
      ),
    );
    const decision = (who: Key, purpose: string) => {
      const e = resultOf(expectOk(chain.run(read(who, record, purpose)))) as unknown as AccessEntry;
      return e.decision === 'allowed' ? `allowed:${e.basis}` : e.code;
    };
    // consentOnly: the record's policy does not allow it, and without a consent nobody may.
    expect(decision(market.caseworker, 'consented-service')).toBe('PRIVACY_POLICY_DENIED');
    expect(decision(housing.caseworker, 'consented-service')).toBe('PRIVACY_POLICY_DENIED');
    expectFailed(
      chain.run(c.tx(market.caseworker, 'privacy', 'grantConsent', { org: 'housing', purpose: 'consented-service' })),
      'POLICY_DENIED',
    );
    const granted = resultOf(
      expectOk(chain.run(c.tx(citizen, 'privacy', 'grantConsent', { org: 'housing', purpose: 'consented-service' }))),
    ).consent as string;
    expect(decision(housing.caseworker, 'consented-service')).toBe('allowed:consent');
    expect(decision(civil.caseworker, 'consented-service')).toBe('PRIVACY_POLICY_DENIED');
    // Another citizen cannot revoke it.
    expectFailed(chain.run(c.tx(other, 'privacy', 'revokeConsent', { consent: granted })), 'PRIVACY_CONSENT_UNKNOWN');
    const at = chain.height + 3;
    const rev = resultOf(
      expectOk(chain.run(c.tx(citizen, 'privacy', 'revokeConsent', { consent: granted, atHeight: at }))),
    );
    expect(rev.revokedAt).toBe(at);
    expect(decision(housing.caseworker, 'consented-service')).toBe('allowed:consent'); // height at - 1
    expect(chain.height).toBe(at - 1);
    expect(decision(housing.caseworker, 'consented-service')).toBe('PRIVACY_CONSENT_REVOKED'); // height at
    expectFailed(chain.run(c.tx(citizen, 'privacy', 'revokeConsent', { consent: granted })), 'PRIVACY_CONSENT_REVOKED');
    // A consent for one category only.
    expectOk(
      chain.run(
        c.tx(citizen, 'privacy', 'grantConsent', { org: 'civil', purpose: 'consented-service', category: 'identity' }),
      ),
    );
    expect(decision(civil.caseworker, 'consented-service')).toBe('PRIVACY_POLICY_DENIED');
    // A consent that lapses.
    expectOk(
      chain.run(
        c.tx(citizen, 'privacy', 'grantConsent', {
          org: 'civil',
          purpose: 'consented-service',
          until: chain.now + 1000,
        }),
      ),
    );
    expect(decision(civil.caseworker, 'consented-service')).toBe('allowed:consent');
    chain.run(c.tx(market.admin, 'kv', 'put', { key: 'tick', value: 1 }), chain.now + 5000);
    expect(decision(civil.caseworker, 'consented-service')).toBe('PRIVACY_CONSENT_EXPIRED');
  });

  it('erasure: asked by the subject, decided by the holding organisation; afterwards every read is denied', () => {
    const { chain, citizen, other, subject } = setup();
    const record = hex(9);
    expectOk(
      chain.run(
        register(market.caseworker, {
          commitment: record,
          category: 'identity',
          subject,
          policy: [{ org: 'market', purposes: ['audit'] }],
        }),
      ),
    );
    expectFailed(
      chain.run(c.tx(market.secadmin, 'privacy', 'decideErasure', { record, approve: true })),
      'PRIVACY_ERASURE_NOT_REQUESTED',
    );
    expectFailed(chain.run(c.tx(other, 'privacy', 'requestErasure', { record })), 'PRIVACY_NOT_SUBJECT');
    expectOk(chain.run(c.tx(citizen, 'privacy', 'requestErasure', { record, reason: 'no longer needed' })));
    expectFailed(chain.run(c.tx(citizen, 'privacy', 'requestErasure', { record })), 'PRIVACY_ERASURE_PENDING');
    expect(chain.admitCode(c.tx(market.caseworker, 'privacy', 'decideErasure', { record, approve: true }))).toBe(
      'POLICY_DENIED',
    );
    expect(chain.admitCode(c.tx(housing.secadmin, 'privacy', 'decideErasure', { record, approve: true }))).toBe(
      'POLICY_DENIED',
    );
    expectFailed(
      chain.run(c.tx(market.secadmin, 'privacy', 'decideErasure', { record, approve: false })),
      'WORKFLOW_COMMENT_REQUIRED',
    );
    const r = expectOk(chain.run(c.tx(market.secadmin, 'privacy', 'decideErasure', { record, approve: true })));
    expect(r.events?.map((e) => e.name)).toEqual(['recordErased']);
    const stored = chain.read('privacy', privacyKeys.record(record)) as unknown as PrivateRecord;
    expect(stored.status).toBe('erased');
    expect(stored.erasure?.erasedAt).toBe(chain.height);
    for (const [who, purpose] of [
      [market.auditor, 'audit'],
      [citizen, 'self-access'],
    ] as const) {
      const e = resultOf(expectOk(chain.run(read(who, record, purpose)))) as unknown as AccessEntry;
      expect(e.code).toBe('PRIVATE_RECORD_ERASED');
    }
    expectFailed(chain.run(c.tx(citizen, 'privacy', 'requestErasure', { record })), 'PRIVATE_RECORD_ERASED');
  });

  it('property: whatever the arguments, a read either fails validation or records exactly one entry', () => {
    const { chain, subject } = setup();
    const record = hex(11);
    expectOk(
      chain.run(
        register(market.caseworker, {
          commitment: record,
          category: 'identity',
          subject,
          policy: [{ org: 'market', purposes: ['audit'] }],
        }),
      ),
    );
    const readers = [market.admin, market.caseworker, market.auditor, housing.auditor, civil.registrar];
    fc.assert(
      fc.property(
        fc.constantFrom(...readers),
        fc.constantFrom('audit', 'case-handling', 'household-administration', 'x', 'consented-service', 'self-access'),
        (who, purpose) => {
          const e = resultOf(expectOk(chain.run(read(who, record, purpose)))) as unknown as AccessEntry;
          const allowed = who === market.auditor && purpose === 'audit';
          expect(e.decision).toBe(allowed ? 'allowed' : 'denied');
          expect(chain.read('privacy', privacyKeys.access(subject, chain.height, e.tx))).toEqual(e);
        },
      ),
      { numRuns: 60 },
    );
  });
});

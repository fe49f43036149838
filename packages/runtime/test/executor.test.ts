/**
 * The block executor and the identity and gov system contracts, driven directly (no node, no HTTP): a consortium of
 * three organisations with their own CAs, genesis, then blocks of signed transactions; receipts, state and
 * admission answers are checked. See fixtures.ts for the consortium and the in-memory chain.
 */
import {
  addCosignature,
  type ConfigRecord,
  hexToBytes,
  IDENTITY_CONTRACT,
  identityKeys,
  isLianzhengError,
  issueCertificate,
  type JsonObject,
  type JsonValue,
  type MemberKeyRecord,
  portableSuite,
  type SignedTransaction,
  type SubjectRecord,
  subjectIdFromTx,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GOV_CONFIG_KEY,
  GOV_CONTRACT,
  type GovAction,
  govKeys,
  type ProposalRecord,
  proposalStatus,
} from '../src/contracts/gov.js';
import {
  codeOf,
  createCa,
  createConsortium,
  createOrg,
  DAY,
  deriveKey,
  expectDropped,
  expectFailed,
  expectOk,
  HOUR,
  issueMember,
  type Key,
  resultOf,
  T0,
  TestChain,
  type TestMember,
  toBase64,
  txIdOf,
} from './fixtures.js';

// One consortium for the whole file (building CAs and certificates is the slow part); every test gets its own chain.
const c = createConsortium();
const { market, housing, civil } = c.orgs;
const suite = c.suite;

const put = (signer: Key, key: string, value: JsonValue = 1, opts = {}) =>
  c.tx(signer, 'kv', 'put', { key, value }, opts);
const revoke = (signer: Key, target: Key, height?: number) =>
  c.tx(signer, 'identity', 'revoke', {
    key: target.hex,
    reason: 'keyCompromise',
    ...(height === undefined ? {} : { height }),
  });
const enrol = (signer: Key, cert: string) => c.tx(signer, 'identity', 'enrol', { cert });
const propose = (signer: Key, actions: readonly GovAction[], extra: JsonObject = {}) =>
  c.tx(signer, 'gov', 'propose', { actions: actions as unknown as JsonValue, ...extra });
const vote = (signer: Key, proposal: string, approve = true) => c.tx(signer, 'gov', 'vote', { proposal, approve });
const notarise = (signer: Key, n: number, opts = {}) =>
  c.tx(signer, 'notary', 'register', { alg: 'sha256', hash: n.toString(16).padStart(64, '0') }, opts);
const registerSubject = (registrar: Key, subject: Key, cosigners: readonly Key[] = [subject], extra: JsonObject = {}) =>
  c.tx(registrar, 'identity', 'registerSubject', { publicKey: subject.hex, kind: 'citizen', ...extra }, { cosigners });

function thrown(f: () => unknown): { code: string; details: Record<string, unknown> | undefined } {
  try {
    f();
  } catch (error) {
    if (isLianzhengError(error)) return { code: error.code, details: error.details as Record<string, unknown> };
    throw error;
  }
  throw new Error('expected a coded error');
}

function configRecord(chain: TestChain): ConfigRecord {
  return chain.read(GOV_CONTRACT, GOV_CONFIG_KEY) as unknown as ConfigRecord;
}

function proposalOf(chain: TestChain, id: string): ProposalRecord {
  return chain.read(GOV_CONTRACT, govKeys.proposal(id)) as unknown as ProposalRecord;
}

/** Proposes in a block of its own and returns the proposal id (the propose transaction's id). */
function proposed(chain: TestChain, signer: Key, actions: readonly GovAction[], extra: JsonObject = {}): string {
  const tx = propose(signer, actions, extra);
  const r = resultOf(chain.run(tx));
  expect(r.proposal).toBe(txIdOf(suite, tx));
  return r.proposal as string;
}

/** Proposes (market) and has housing approve: a MAJORITY of three. Returns the new configuration version. */
function enacted(chain: TestChain, actions: readonly GovAction[]): number {
  const id = proposed(chain, market.admin, actions);
  const r = resultOf(chain.run(vote(housing.admin, id)));
  expect(r.status).toBe('approved');
  return r.configVersion as number;
}

/** Every object key anywhere in a JSON value. */
function objectKeys(value: JsonValue): Set<string> {
  const out = new Set<string>();
  const walk = (v: JsonValue): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.add(k);
        walk(x as JsonValue);
      }
    }
  };
  walk(value);
  return out;
}

describe('genesis', () => {
  it('writes gov/config version 1 and an identity record and certificate for every genesis member', () => {
    const chain = new TestChain(c);
    const block0 = chain.blocks[0]!;
    expect(block0.header.height).toBe(0);
    expect(block0.config?.version).toBe(1);
    const record = configRecord(chain);
    expect(record.version).toBe(1);
    expect(record.height).toBe(0);
    expect(record.config.orgs.map((o) => o.id)).toEqual(['market', 'housing', 'civil']);
    expect(chain.executor.configRecord.version).toBe(1);
    expect(chain.executor.height).toBe(0);

    const members = c.genesis.members.length;
    expect(block0.writes).toHaveLength(1 + 2 * members);
    const admin = chain.read(IDENTITY_CONTRACT, identityKeys.key(market.admin.hex)) as unknown as MemberKeyRecord;
    expect(admin).toMatchObject({ kind: 'member', org: 'market', member: 'market-admin', roles: ['admin'], height: 0 });
    expect(admin.revoked).toBeUndefined();
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.cert(admin.cert))).toBe(market.admin.cert);
    expect(chain.executor.resolve(housing.registrar.hex, T0)).toEqual({
      kind: 'member',
      key: housing.registrar.hex,
      org: 'housing',
      member: 'housing-registrar',
      roles: ['registrar'],
      attrs: {},
    });
  });

  it('gives the same block 0 on every run', () => {
    const a = new TestChain(c).blocks[0]!;
    const b = new TestChain(c).blocks[0]!;
    expect(a.hashHex).toBe(b.hashHex);
    expect(a.header.stateRoot).toBe(b.header.stateRoot);
  });
});

describe('admission', () => {
  const chain = new TestChain(c);

  it("accepts a registered member's call and returns the principal it runs as", () => {
    expect(chain.admit(put(market.caseworker, 'a'))).toMatchObject({
      kind: 'member',
      org: 'market',
      roles: ['caseworker'],
    });
  });

  it('refuses an unknown signer with IDENTITY_UNKNOWN', () => {
    expect(chain.admitCode(put(c.stranger, 'a'))).toBe('IDENTITY_UNKNOWN');
    expect(chain.admitCode(notarise(c.stranger, 1))).toBe('IDENTITY_UNKNOWN');
  });

  it('refuses a call the policy does not allow with POLICY_DENIED, naming the policy', () => {
    const e = thrown(() => chain.admit(propose(market.caseworker, [{ type: 'setLimits', maxBlockTxs: 10 }])));
    expect(e.code).toBe('POLICY_DENIED');
    expect(e.details).toMatchObject({ policy: 'gov.propose', requires: { role: 'admin' } });
    expect(chain.admitCode(registerSubject(market.caseworker, deriveKey(suite, 'citizen-x')))).toBe('POLICY_DENIED');
    // identity.revoke needs secadmin/admin of the key's own organisation.
    expect(chain.admitCode(revoke(housing.secadmin, market.caseworker))).toBe('POLICY_DENIED');
    expect(chain.admitCode(revoke(market.secadmin, market.caseworker))).toBe('ok');
  });

  it('refuses a certificate outside its validity period with X509_EXPIRED', () => {
    expect(chain.admitCode(put(c.shortLived, 'a'), T0 + HOUR / 2)).toBe('ok');
    expect(chain.admitCode(put(c.shortLived, 'a'), T0 + 2 * HOUR)).toBe('X509_EXPIRED');
  });

  it('checks the chain id, the validity window and the size', () => {
    expect(chain.admitCode(put(market.caseworker, 'a', 1, { chainId: 'other-chain' }))).toBe('TX_CHAIN_ID_MISMATCH');
    const tx = put(market.caseworker, 'a', 1, { expiresAt: T0 + HOUR });
    expect(chain.admitCode(tx, T0 + HOUR)).toBe('ok');
    expect(chain.admitCode(tx, T0 + HOUR + 1)).toBe('TX_EXPIRED');
    expect(chain.admitCode(put(market.caseworker, 'a', 1, { expiresAt: T0 + 2 * DAY }), T0)).toBe('TX_EXPIRY_TOO_FAR');
    expect(chain.admitCode(put(market.caseworker, 'a', 'x'.repeat(70_000)))).toBe('TX_TOO_LARGE');
  });

  it('checks contract, method and arguments', () => {
    expect(chain.admitCode(c.tx(market.admin, 'nosuch', 'put', {}))).toBe('CONTRACT_UNKNOWN');
    expect(chain.admitCode(c.tx(market.admin, 'kv', 'get', {}))).toBe('METHOD_UNKNOWN');
    // Inherited object properties are not methods.
    expect(chain.admitCode(c.tx(market.admin, 'kv', 'constructor', {}))).toBe('METHOD_UNKNOWN');
    expect(chain.admitCode(c.tx(market.admin, 'kv', 'put', { key: 'a' }))).toBe('ARGS_INVALID');
    expect(chain.admitCode(c.tx(market.admin, 'kv', 'put', { key: 'a', value: 1, extra: 1 }))).toBe('ARGS_INVALID');
  });

  it('refuses a revoked key with IDENTITY_REVOKED once the revocation is in force', () => {
    const ch = new TestChain(c);
    expectOk(ch.run(revoke(market.secadmin, market.auditor)));
    expect(ch.admitCode(put(market.auditor, 'a'))).toBe('IDENTITY_REVOKED');
    expect(thrown(() => ch.executor.resolve(market.auditor.hex, ch.now)).details).toMatchObject({
      height: 2,
      reason: 'keyCompromise',
    });
  });
});

describe('execution', () => {
  it('drops duplicates, expired and foreign transactions instead of including them', () => {
    const chain = new TestChain(c);
    const a = put(market.caseworker, 'a');
    const expired = put(market.caseworker, 'b', 1, { expiresAt: T0 });
    const foreign = put(market.caseworker, 'c', 1, { chainId: 'other-chain' });
    const block = chain.block([a, a, expired, foreign]);
    expect(block.txs).toHaveLength(1);
    expect(block.dropped.map((d) => d.code)).toEqual(['TX_DUPLICATE', 'TX_EXPIRED', 'TX_CHAIN_ID_MISMATCH']);
    // Already committed: dropped again; a block with nothing included is not committed.
    const again = chain.block([a]);
    expect(again.dropped.map((d) => d.code)).toEqual(['TX_DUPLICATE']);
    expect(chain.height).toBe(1);
  });

  it('records a call that is denied at execution as a failed receipt with the code (revoked after admission)', () => {
    const chain = new TestChain(c);
    const pending = put(market.caseworker, 'late', 7);
    expect(chain.admitCode(pending)).toBe('ok');
    expectOk(chain.run(revoke(market.secadmin, market.caseworker)));
    const block = chain.block([pending]);
    expect(block.header.txCount).toBe(1);
    expectFailed(block.receipts[0], 'IDENTITY_REVOKED');
    expect(block.writes).toEqual([]);
    expect(chain.read('kv', 'market/late')).toBeNull();
  });

  it('checks identity and policy again at execution, whatever admission said', () => {
    const chain = new TestChain(c);
    const block = chain.block([
      put(c.stranger, 'x'),
      propose(market.caseworker, [{ type: 'setLimits', maxBlockTxs: 10 }]),
      put(c.shortLived, 'y'),
    ]);
    expectFailed(block.receipts[0], 'IDENTITY_UNKNOWN');
    expectFailed(block.receipts[1], 'POLICY_DENIED');
    expectOk(block.receipts[2]);
    expectFailed(chain.run(put(c.shortLived, 'z'), T0 + 2 * HOUR), 'X509_EXPIRED');
  });

  it('keeps the writes of successful calls only, visible to later calls in the block', () => {
    const chain = new TestChain(c);
    const block = chain.block([
      put(market.caseworker, 'k', { n: 1 }),
      c.tx(market.caseworker, 'kv', 'delete', { key: 'nothing' }),
      c.tx(market.registrar, 'kv', 'delete', { key: 'k' }),
      put(housing.caseworker, 'k', 2),
    ]);
    expectOk(block.receipts[0]);
    expectFailed(block.receipts[1], 'KV_NOT_FOUND');
    expectOk(block.receipts[2]);
    expectOk(block.receipts[3]);
    expect(block.writes).toEqual([
      { contract: 'kv', key: 'market/k', value: null },
      { contract: 'kv', key: 'housing/k', value: '2' },
    ]);
    expect(chain.read('kv', 'housing/k')).toBe(2);
    expect(chain.internalErrors).toEqual([]);
  });
});

describe('enrolment by certificate', () => {
  it('lets a new member enrol their own certificate, after which they can act', () => {
    const chain = new TestChain(c);
    const newbie = issueMember(suite, market.ca, {
      member: 'market-newbie',
      roles: ['caseworker'],
      attrs: { unit: 'x' },
    });
    expect(chain.admitCode(put(newbie, 'a'))).toBe('IDENTITY_UNKNOWN');
    expect(chain.admit(enrol(newbie, newbie.cert))).toMatchObject({
      kind: 'member',
      org: 'market',
      member: 'market-newbie',
      roles: ['caseworker'],
      attrs: { unit: 'x' },
    });
    const receipt = chain.run(enrol(newbie, newbie.cert));
    const result = resultOf(receipt);
    expect(result.renewal).toBe(false);
    expect(receipt.events.map((e) => e.name)).toEqual(['enrolled']);
    const record = chain.read(IDENTITY_CONTRACT, identityKeys.key(newbie.hex)) as unknown as MemberKeyRecord;
    expect(record).toMatchObject({
      kind: 'member',
      org: 'market',
      member: 'market-newbie',
      cert: result.fingerprint,
      height: 1,
    });
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.cert(record.cert))).toBe(newbie.cert);
    expect(chain.admitCode(put(newbie, 'a'))).toBe('ok');
    expectOk(chain.run(put(newbie, 'a')));
  });

  it('must be signed by the key the certificate names', () => {
    const chain = new TestChain(c);
    const newbie = issueMember(suite, market.ca, { member: 'market-newbie', roles: ['caseworker'] });
    expect(chain.admitCode(enrol(market.admin, newbie.cert))).toBe('IDENTITY_KEY_MISMATCH');
    expectFailed(chain.run(enrol(market.admin, newbie.cert)), 'IDENTITY_KEY_MISMATCH');
  });

  it('renews only with a later certificate of the same organisation, never for a revoked key', () => {
    const chain = new TestChain(c);
    const cw = market.caseworker;
    const renewed = issueMember(suite, market.ca, {
      member: cw.member,
      roles: ['caseworker', 'registrar'],
      key: cw,
      serialLabel: 'r2',
      notBefore: T0,
    });
    const r = chain.run(enrol(cw, renewed.cert));
    expect(resultOf(r).renewal).toBe(true);
    expect(r.events.map((e) => e.name)).toEqual(['renewed']);
    expect(chain.executor.resolve(cw.hex, chain.now).roles).toEqual(['caseworker', 'registrar']);
    // The new roles are in force from the next block.
    expectOk(chain.run(registerSubject(cw, deriveKey(suite, 'citizen-r'))));

    expectFailed(chain.run(enrol(cw, renewed.cert)), 'IDENTITY_ALREADY_ENROLLED');
    // The genesis certificate (issued earlier) cannot be brought back, nor an even older one.
    expectFailed(chain.run(enrol(cw, cw.cert)), 'IDENTITY_CERT_OUTDATED');
    const older = issueMember(suite, market.ca, {
      member: cw.member,
      roles: ['caseworker'],
      key: cw,
      serialLabel: 'old',
      notBefore: T0 - 2 * DAY,
    });
    expectFailed(chain.run(enrol(cw, older.cert)), 'IDENTITY_CERT_OUTDATED');
    // The same key certified by another organisation's CA.
    const elsewhere = issueMember(suite, housing.ca, {
      member: 'moved',
      roles: ['caseworker'],
      key: cw,
      notBefore: T0,
    });
    expectFailed(chain.run(enrol(cw, elsewhere.cert)), 'IDENTITY_KEY_TAKEN');

    expectOk(chain.run(revoke(market.secadmin, cw)));
    const again = issueMember(suite, market.ca, {
      member: cw.member,
      roles: ['caseworker'],
      key: cw,
      serialLabel: 'r3',
      notBefore: T0 + 1000,
    });
    // Admission sees the identity the certificate describes; execution sees the revoked key record.
    expect(chain.admitCode(enrol(cw, again.cert))).toBe('ok');
    expectFailed(chain.run(enrol(cw, again.cert)), 'IDENTITY_REVOKED');
    expect(chain.admitCode(put(cw, 'a'))).toBe('IDENTITY_REVOKED');
  });

  it('refuses the key of a node or of a citizen', () => {
    const chain = new TestChain(c);
    const asNode = issueMember(suite, market.ca, { member: 'nodekey', roles: ['caseworker'], key: c.nodeKey });
    expectFailed(chain.run(enrol(c.nodeKey, asNode.cert)), 'IDENTITY_KEY_TAKEN');
    const citizen = deriveKey(suite, 'citizen-e');
    expectOk(chain.run(registerSubject(market.registrar, citizen)));
    const asMember = issueMember(suite, market.ca, { member: 'citizen-e', roles: ['caseworker'], key: citizen });
    expectFailed(chain.run(enrol(citizen, asMember.cert)), 'IDENTITY_KEY_TAKEN');
  });

  describe('rejects certificates the consortium does not trust, with X509_* codes', () => {
    const chain = new TestChain(c);
    const key = deriveKey(suite, 'market/candidate');
    const member = (p: Partial<Parameters<typeof issueMember>[2]> = {}, ca = market.ca) =>
      issueMember(suite, ca, { member: 'candidate', roles: ['caseworker'], key, ...p });
    const selfSigned = (() => {
      const name = { country: 'CN', org: 'market', commonName: 'candidate' };
      return toBase64(
        issueCertificate({
          suite,
          issuerSecretKey: key.secretKey,
          issuer: name,
          subject: name,
          publicKey: key.publicKey,
          serial: Uint8Array.of(9),
          notBefore: T0 - DAY,
          notAfter: T0 + DAY,
          member: { kind: 'member', roles: ['admin'], attrs: {} },
        }),
      );
    })();
    // A CA with the very name of market's CA but another key: the issuer name matches, the signature does not.
    const rogueKey = deriveKey(suite, 'rogue-ca');
    const rogueCert = toBase64(
      issueCertificate({
        suite,
        issuerSecretKey: rogueKey.secretKey,
        issuer: market.ca.cert.subject,
        subject: { country: 'CN', org: 'market', commonName: 'candidate' },
        publicKey: key.publicKey,
        serial: Uint8Array.of(8),
        notBefore: T0 - DAY,
        notAfter: T0 + DAY,
        member: { kind: 'member', roles: ['admin'], attrs: {} },
      }),
    );
    const sm2Chain = portableSuite('sm2-sm3');
    const sm2Key = deriveKey(sm2Chain, 'x');
    const sm2Cert = toBase64(
      issueCertificate({
        suite: sm2Chain,
        issuerSecretKey: sm2Key.secretKey,
        issuer: { org: 'market', commonName: 'candidate' },
        subject: { org: 'market', commonName: 'candidate' },
        publicKey: sm2Key.publicKey,
        serial: Uint8Array.of(3),
        notBefore: T0 - DAY,
        notAfter: T0 + DAY,
      }),
    );

    const cases: [string, string, string, Key?][] = [
      ['issued by another organisation’s CA', member({ org: 'market' }, housing.ca).cert, 'X509_UNTRUSTED'],
      ['self-signed', selfSigned, 'X509_UNTRUSTED'],
      [
        'for an organisation outside the consortium',
        member({ org: 'tax' }, createCa(suite, 'tax')).cert,
        'X509_UNTRUSTED',
      ],
      ['signed by a CA impersonating the organisation’s CA', rogueCert, 'X509_SIGNATURE_INVALID'],
      ['expired', member({ notBefore: T0 - 10 * DAY, notAfter: T0 - DAY }).cert, 'X509_EXPIRED'],
      ['not valid yet', member({ notBefore: T0 + DAY, notAfter: T0 + 10 * DAY }).cert, 'X509_EXPIRED'],
      ['a CA certificate', market.ca.b64, 'X509_PROFILE_INVALID', market.ca.key],
      ['combining exclusive roles', member({ roles: ['secadmin', 'auditor'] }).cert, 'X509_PROFILE_INVALID'],
      // Signed with the candidate's Ed25519 key: the certificate is refused before the signer is compared with it.
      ['of the other crypto suite', sm2Cert, 'X509_UNSUPPORTED'],
      ['a node certificate', member({ kind: 'node' }).cert, 'ARGS_INVALID'],
      ['not base64 DER', 'not a certificate', 'ARGS_INVALID'],
    ];
    it.each(cases)('%s → %s', (_name, cert, code, signer = key) => {
      expect(chain.admitCode(enrol(signer, cert))).toBe(code);
      expectFailed(chain.run(enrol(signer, cert)), code);
      expect(chain.read(IDENTITY_CONTRACT, identityKeys.key(signer.hex))).toBeNull();
    });

    it('accepts the same candidate with a certificate from its own CA', () => {
      expectOk(chain.run(enrol(key, member().cert)));
    });
  });
});

describe('revocation', () => {
  it('takes effect from the next block: a call in the same block still passes, the next one fails', () => {
    const chain = new TestChain(c);
    const cw = market.caseworker;
    const block = chain.block([revoke(market.secadmin, cw), put(cw, 'same-block')]);
    expect(resultOf(block.receipts[0]!)).toEqual({ height: 2 });
    expect(block.receipts[0]!.events[0]).toMatchObject({ name: 'revoked', data: { org: 'market', height: 2 } });
    expectOk(block.receipts[1]);
    expect(chain.read('kv', 'market/same-block')).toBe(1);
    expectFailed(chain.run(put(cw, 'next-block')), 'IDENTITY_REVOKED');
    expect(chain.admitCode(put(cw, 'x'))).toBe('IDENTITY_REVOKED');
    // Other keys of the organisation are unaffected.
    expectOk(chain.run(put(market.registrar, 'x')));
  });

  it('can be scheduled for a later height, never an earlier one', () => {
    const chain = new TestChain(c);
    const cw = market.caseworker;
    expectFailed(chain.run(revoke(market.admin, cw, 1)), 'ARGS_INVALID');
    expect(resultOf(chain.run(revoke(market.admin, cw, 5)))).toEqual({ height: 5 }); // block 2
    expectOk(chain.run(put(cw, 'a'))); // 3
    expectOk(chain.run(put(cw, 'b'))); // 4
    expectFailed(chain.run(put(cw, 'c')), 'IDENTITY_REVOKED'); // 5
    // A scheduled revocation may be brought forward, not postponed.
    const reg = market.registrar;
    expectOk(chain.run(revoke(market.admin, reg, 20))); // 6
    expectFailed(chain.run(revoke(market.admin, reg, 30)), 'IDENTITY_REVOKED'); // 7
    expectOk(chain.run(revoke(market.admin, reg, 9))); // 8
    expectFailed(chain.run(put(reg, 'd')), 'IDENTITY_REVOKED'); // 9
  });

  it('is allowed to the secadmin or admin of the key’s own organisation only', () => {
    const chain = new TestChain(c);
    const block = chain.block([
      revoke(housing.secadmin, market.caseworker),
      revoke(housing.admin, market.caseworker),
      revoke(market.caseworker, market.auditor),
      revoke(market.auditor, market.caseworker),
      revoke(market.admin, market.caseworker),
      revoke(market.secadmin, market.caseworker, 9),
      revoke(market.secadmin, market.caseworker),
    ]);
    expect(block.receipts.map((r) => r.code ?? r.status)).toEqual([
      'POLICY_DENIED',
      'POLICY_DENIED',
      'POLICY_DENIED',
      'POLICY_DENIED',
      'ok',
      'IDENTITY_REVOKED', // a later revocation of an already revoked key
      'IDENTITY_REVOKED',
    ]);
  });
});

describe('citizens and enterprises', () => {
  it('registerSubject stores a pseudonymous subject id and the public key, nothing else', () => {
    const chain = new TestChain(c);
    const citizen = deriveKey(suite, 'citizen-1');
    const tx = registerSubject(market.registrar, citizen);
    expect(chain.admitCode(tx)).toBe('ok');
    const block = chain.block([tx]);
    const result = resultOf(block.receipts[0]!);
    const subject = subjectIdFromTx(suite, hexToBytes(txIdOf(suite, tx)));
    expect(result.subject).toBe(subject);
    expect(result.did).toMatch(/^did:key:z6Mk/);
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.subject(subject))).toEqual({
      subject,
      kind: 'citizen',
      org: 'market',
      registrar: market.registrar.hex,
      height: 1,
      keys: [citizen.hex],
    } satisfies SubjectRecord);
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.key(citizen.hex))).toEqual({
      kind: 'citizen',
      subject,
      height: 1,
    });
    // The whole block wrote just these two records, and the event carries no more than the subject id.
    expect(block.writes.map((w) => w.key).sort()).toEqual(
      [identityKeys.key(citizen.hex), identityKeys.subject(subject)].sort(),
    );
    expect(block.receipts[0]!.events).toEqual([
      { contract: 'identity', name: 'subjectRegistered', data: { subject, kind: 'citizen', org: 'market' } },
    ]);
    expect(chain.executor.resolve(citizen.hex, chain.now)).toEqual({
      kind: 'citizen',
      key: citizen.hex,
      subject,
      roles: [],
      attrs: {},
    });
  });

  it('has no argument in which a name or an ID number could be stored', () => {
    const chain = new TestChain(c);
    const citizen = deriveKey(suite, 'citizen-2');
    for (const extra of [{ name: '张三' }, { idNumber: '110101199003070000' }, { meta: { name: '张三' } }]) {
      const tx = registerSubject(market.registrar, citizen, [citizen], extra);
      expect(chain.admitCode(tx)).toBe('ARGS_INVALID');
      expectFailed(chain.run(tx), 'ARGS_INVALID');
    }
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.key(citizen.hex))).toBeNull();
    expectOk(chain.run(registerSubject(market.registrar, citizen)));
    for (const w of chain.blocks.at(-1)!.writes) {
      const keys = objectKeys(JSON.parse(w.value!) as JsonValue);
      expect([...keys].filter((k) => !['subject', 'kind', 'org', 'registrar', 'height', 'keys'].includes(k))).toEqual(
        [],
      );
    }
  });

  it("needs the subject key's co-signature (proof of possession)", () => {
    const chain = new TestChain(c);
    const citizen = deriveKey(suite, 'citizen-3');
    const proven = registerSubject(market.registrar, citizen);
    const id = txIdOf(suite, proven);
    // Someone who saw the envelope strips the co-signature, or replaces it with another key's: the id stays the same.
    const stripped: SignedTransaction = { tx: proven.tx, sig: proven.sig };
    const wrong = addCosignature(suite, stripped, deriveKey(suite, 'someone-else').secretKey);
    expect([txIdOf(suite, stripped), txIdOf(suite, wrong)]).toEqual([id, id]);
    // Refused at admission; at execution dropped (no receipt, nothing committed), so the id is not used up.
    expectDropped(chain, stripped, 'IDENTITY_KEY_NOT_PROVEN');
    expectDropped(chain, wrong, 'IDENTITY_KEY_NOT_PROVEN');
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.key(citizen.hex))).toBeNull();
    expect(chain.admitCode(notarise(citizen, 1))).toBe('IDENTITY_UNKNOWN');
    // Even ordered before the genuine envelope in the same block, the stripped copies do not take its id.
    const block = chain.block([wrong, stripped, proven]);
    expect(block.dropped.map((d) => [d.tx.idHex, d.code])).toEqual([
      [id, 'IDENTITY_KEY_NOT_PROVEN'],
      [id, 'IDENTITY_KEY_NOT_PROVEN'],
    ]);
    expect(block.txs.map((t) => t.cosigs)).toEqual([proven.cosigs]);
    expect(expectOk(block.receipts[0]).tx).toBe(id);
    expect(block.receipts).toHaveLength(1);
    expect(chain.admitCode(notarise(citizen, 1))).toBe('ok');
  });

  it('is for registrars only, once per key, and only for valid keys', () => {
    const chain = new TestChain(c);
    const citizen = deriveKey(suite, 'citizen-4');
    expectFailed(chain.run(registerSubject(market.caseworker, citizen)), 'POLICY_DENIED');
    expectOk(chain.run(registerSubject(market.registrar, citizen)));
    expectFailed(chain.run(registerSubject(housing.registrar, citizen)), 'IDENTITY_KEY_TAKEN');
    expectFailed(chain.run(registerSubject(housing.registrar, market.admin)), 'IDENTITY_KEY_TAKEN');
    // A string that is not a public key is refused as an argument, at admission and at execution.
    const malformed = c.tx(market.registrar, 'identity', 'registerSubject', {
      publicKey: 'AB'.repeat(32),
      kind: 'citizen',
    });
    expect(chain.admitCode(malformed)).toBe('ARGS_INVALID');
    expectFailed(chain.run(malformed), 'ARGS_INVALID');
    // Hex that is no valid point cannot co-sign, so it never gets past the proof of possession.
    const bad = c.tx(market.registrar, 'identity', 'registerSubject', { publicKey: 'ab'.repeat(32), kind: 'citizen' });
    expect(suite.isValidPublicKey(hexToBytes('ab'.repeat(32)))).toBe(false);
    expectDropped(chain, bad, 'IDENTITY_KEY_NOT_PROVEN');
    expect(chain.read(IDENTITY_CONTRACT, identityKeys.key('ab'.repeat(32)))).toBeNull();
    const kind = c.tx(market.registrar, 'identity', 'registerSubject', { publicKey: citizen.hex, kind: 'person' });
    expect(chain.admitCode(kind)).toBe('ARGS_INVALID');
  });

  it('a registered citizen signs what the policies allow subjects, manages its keys, and nothing more', () => {
    const chain = new TestChain(c);
    const phone = deriveKey(suite, 'citizen-5/phone');
    const laptop = deriveKey(suite, 'citizen-5/laptop');
    const subject = resultOf(chain.run(registerSubject(market.registrar, phone))).subject as string;
    const r = chain.run(notarise(phone, 42));
    expectOk(r);
    expect(chain.read('notary', `sha256:${(42).toString(16).padStart(64, '0')}`)).toMatchObject({
      subject,
      registrant: phone.hex,
    });
    expect(chain.admitCode(put(phone, 'a'))).toBe('POLICY_DENIED');
    expect(chain.admitCode(propose(phone, [{ type: 'setLimits', maxBlockTxs: 10 }]))).toBe('POLICY_DENIED');
    expect(chain.admitCode(revoke(phone, market.caseworker))).toBe('POLICY_DENIED');

    const addKey = (signer: Key, key: Key, cosigners = [key]) =>
      c.tx(signer, 'identity', 'addSubjectKey', { subject, publicKey: key.hex }, { cosigners });
    expectFailed(chain.run(addKey(housing.registrar, laptop)), 'POLICY_DENIED');
    expectDropped(chain, addKey(phone, laptop, []), 'IDENTITY_KEY_NOT_PROVEN');
    expectDropped(chain, addKey(phone, laptop, [housing.registrar]), 'IDENTITY_KEY_NOT_PROVEN');
    expect((chain.read(IDENTITY_CONTRACT, identityKeys.subject(subject)) as unknown as SubjectRecord).keys).toEqual([
      phone.hex,
    ]);
    expectOk(chain.run(addKey(phone, laptop)));
    expect((chain.read(IDENTITY_CONTRACT, identityKeys.subject(subject)) as unknown as SubjectRecord).keys).toEqual([
      phone.hex,
      laptop.hex,
    ]);
    // The lost phone is revoked from the laptop; from the next block on only the laptop signs.
    const revokeKey = (signer: Key, key: Key) =>
      c.tx(signer, 'identity', 'revokeSubjectKey', { key: key.hex, reason: 'keyCompromise' });
    expectFailed(chain.run(revokeKey(housing.registrar, phone)), 'POLICY_DENIED');
    expectOk(chain.run(revokeKey(laptop, phone)));
    expectFailed(chain.run(notarise(phone, 43)), 'IDENTITY_REVOKED');
    expectOk(chain.run(notarise(laptop, 43)));
    // A member key is revoked with identity.revoke, not as a subject key.
    expectFailed(chain.run(revokeKey(market.registrar, market.caseworker)), 'ARGS_INVALID');
  });
  it('a subject holds at most 16 keys over its lifetime, revoked ones included', () => {
    const chain = new TestChain(c);
    const first = deriveKey(suite, 'citizen-6/0');
    const subject = resultOf(chain.run(registerSubject(market.registrar, first))).subject as string;
    const keys = Array.from({ length: 16 }, (_, i) => deriveKey(suite, `citizen-6/${i + 1}`));
    const add = (key: Key) =>
      c.tx(first, 'identity', 'addSubjectKey', { subject, publicKey: key.hex }, { cosigners: [key] });
    expectOk(
      chain.run(c.tx(first, 'identity', 'revokeSubjectKey', { key: first.hex, reason: 'superseded', height: 5 })),
    );
    const block = chain.block(keys.map(add));
    expect(block.receipts.map((r) => r.code ?? r.status)).toEqual([...Array(15).fill('ok'), 'ARGS_INVALID']);
    expect(
      (chain.read(IDENTITY_CONTRACT, identityKeys.subject(subject)) as unknown as SubjectRecord).keys,
    ).toHaveLength(16);
  });
});

describe('governance', () => {
  it('addOrg: votes reach the threshold, the version increments, the new organisation acts from the next block', () => {
    const chain = new TestChain(c);
    const tax = createOrg(suite, 'tax');
    const id = proposed(chain, market.admin, [{ type: 'addOrg', org: tax.config }], { note: 'tax bureau joins' });
    const open = proposalOf(chain, id);
    expect(open).toMatchObject({ status: 'open', org: 'market', baseVersion: 1, note: 'tax bureau joins' });
    expect(Object.keys(open.votes)).toEqual(['market']);
    expect(configRecord(chain).version).toBe(1);
    expect(chain.admitCode(enrol(tax.admin, tax.admin.cert))).toBe('X509_UNTRUSTED');

    // The deciding vote and, in the same block, the new admin's enrolment: the block still runs under version 1.
    const block = chain.block([vote(housing.admin, id), enrol(tax.admin, tax.admin.cert)]);
    expect(resultOf(block.receipts[0]!)).toEqual({ status: 'approved', configVersion: 2 });
    expect(block.receipts[0]!.events.map((e) => e.name)).toEqual(['configChanged', 'voted', 'decided']);
    expectFailed(block.receipts[1], 'X509_UNTRUSTED');
    expect(block.config?.version).toBe(2);
    expect(block.config?.height).toBe(block.header.height);
    expect(chain.executor.configRecord.version).toBe(2);
    expect(chain.executor.config.orgs.has('tax')).toBe(true);
    expect(proposalOf(chain, id)).toMatchObject({ status: 'approved', configVersion: 2, decidedAt: 2 });

    // Next block: version 2 governs.
    expect(chain.admitCode(enrol(tax.admin, tax.admin.cert))).toBe('ok');
    const joined = chain.block([enrol(tax.admin, tax.admin.cert), enrol(tax.caseworker, tax.caseworker.cert)]);
    joined.receipts.forEach(expectOk);
    expect(joined.config).toBeUndefined();
    expectOk(chain.run(put(tax.caseworker, 'hello')));
    expect(chain.read('kv', 'tax/hello')).toBe(1);
    // Four organisations now: MAJORITY needs three, and the new one votes.
    const next = proposed(chain, tax.admin, [{ type: 'setLimits', maxBlockTxs: 500 }]);
    expect(resultOf(chain.run(vote(market.admin, next))).status).toBe('open');
    expect(resultOf(chain.run(vote(civil.admin, next)))).toEqual({ status: 'approved', configVersion: 3 });
    expect(configRecord(chain).config.ordering.maxBlockTxs).toBe(500);
  });

  it('a change approved in a block does not govern that block', () => {
    const chain = new TestChain(c);
    const id = proposed(chain, market.admin, [{ type: 'setPolicy', key: 'kv.put', policy: { role: 'admin' } }]);
    const block = chain.block([vote(housing.admin, id), put(civil.caseworker, 'a')]);
    expectOk(block.receipts[0]);
    expectOk(block.receipts[1]);
    expectFailed(chain.run(put(civil.caseworker, 'b')), 'POLICY_DENIED');
    expectOk(chain.run(put(civil.admin, 'b')));
  });

  it("removeOrg: the removed organisation's members are denied from the next block", () => {
    const chain = new TestChain(c);
    expect(enacted(chain, [{ type: 'removeOrg', org: 'civil' }])).toBe(2);
    expect(chain.executor.config.orgs.has('civil')).toBe(false);
    for (const m of [civil.admin, civil.caseworker, civil.registrar]) {
      expect(chain.admitCode(put(m, 'a'))).toBe('IDENTITY_ORG_REMOVED');
    }
    expectFailed(chain.run(put(civil.caseworker, 'a')), 'IDENTITY_ORG_REMOVED');
    const later = proposed(chain, market.admin, [{ type: 'setLimits', maxBlockTxs: 10 }]);
    expectFailed(chain.run(vote(civil.admin, later)), 'IDENTITY_ORG_REMOVED');
    // The civil CA is no longer trusted for enrolment either.
    const newcomer = issueMember(suite, civil.ca, { member: 'civil-new', roles: ['caseworker'] });
    expect(chain.admitCode(enrol(newcomer, newcomer.cert))).toBe('X509_UNTRUSTED');
    expectOk(chain.run(put(market.caseworker, 'a')));
  });

  it('counts the votes of an organisation whatever its id (an id that is also an Object.prototype member)', () => {
    const chain = new TestChain(c);
    const odd = createOrg(suite, 'constructor');
    enacted(chain, [{ type: 'addOrg', org: odd.config }]);
    expectOk(chain.run(enrol(odd.admin, odd.admin.cert)));
    // Four organisations, MAJORITY needs three: market (proposing) and housing approve, civil rejects; the proposal
    // stays open until the fourth organisation has voted.
    const id = proposed(chain, market.admin, [{ type: 'setLimits', maxBlockTxs: 7 }]);
    expect(resultOf(chain.run(vote(housing.admin, id))).status).toBe('open');
    expect(resultOf(chain.run(vote(civil.admin, id, false))).status).toBe('open');
    expect(resultOf(chain.run(vote(odd.admin, id)))).toEqual({ status: 'approved', configVersion: 3 });
    expect(Object.keys(proposalOf(chain, id).votes).sort()).toEqual(['civil', 'constructor', 'housing', 'market']);
  });

  it('a proposal expires (GOV_PROPOSAL_EXPIRED); its ttl is capped by the configuration', () => {
    const chain = new TestChain(c);
    const id = proposed(chain, market.admin, [{ type: 'setLimits', maxBlockTxs: 10 }], { ttlMs: 60_000 });
    const p = proposalOf(chain, id);
    expect(p.expiresAt).toBe(p.time + 60_000);
    expect(proposalStatus(p, p.time + 60_000)).toBe('open');
    expect(proposalStatus(p, p.time + 60_001)).toBe('expired');
    expectFailed(chain.run(vote(housing.admin, id), p.time + 60_001), 'GOV_PROPOSAL_EXPIRED');
    expect(configRecord(chain).version).toBe(1);

    const long = proposed(chain, market.admin, [{ type: 'setLimits', maxBlockTxs: 10 }], { ttlMs: 60 * DAY });
    const q = proposalOf(chain, long);
    expect(q.expiresAt - q.time).toBe(c.genesis.governance.proposalTtlMs);
  });

  it('one vote per organisation (GOV_ALREADY_VOTED); rejection, withdrawal, closed proposals', () => {
    const chain = new TestChain(c);
    const id = proposed(chain, market.admin, [{ type: 'setLimits', maxBlockTxs: 10 }]);
    expectFailed(chain.run(vote(market.admin, id)), 'GOV_ALREADY_VOTED');
    expect(resultOf(chain.run(vote(housing.admin, id, false))).status).toBe('open');
    expectFailed(chain.run(vote(housing.admin, id, true)), 'GOV_ALREADY_VOTED');
    expect(resultOf(chain.run(vote(civil.admin, id, false))).status).toBe('rejected');
    expectFailed(chain.run(vote(civil.admin, id)), 'GOV_PROPOSAL_CLOSED');
    expect(configRecord(chain).version).toBe(1);

    const other = proposed(chain, market.admin, [{ type: 'setLimits', maxBlockTxs: 20 }]);
    const withdraw = (signer: Key) => c.tx(signer, 'gov', 'withdraw', { proposal: other });
    expectFailed(chain.run(withdraw(housing.admin)), 'POLICY_DENIED');
    expectOk(chain.run(withdraw(market.admin)));
    expect(proposalOf(chain, other).status).toBe('withdrawn');
    expectFailed(chain.run(vote(housing.admin, other)), 'GOV_PROPOSAL_CLOSED');
    expectFailed(chain.run(vote(housing.admin, 'ab'.repeat(32))), 'GOV_PROPOSAL_UNKNOWN');
    // Only admins vote.
    expect(chain.admitCode(vote(housing.caseworker, id))).toBe('POLICY_DENIED');
  });

  it('refuses a change that would leave the consortium unable to reach its quorum (GOV_QUORUM_UNREACHABLE)', () => {
    const chain = new TestChain(c);
    const refused: GovAction[][] = [
      [{ type: 'setGovernance', need: { k: 4 } }],
      [{ type: 'setGovernance', need: { weight: 4 } }],
      [{ type: 'setPolicy', key: 'gov.vote', policy: { org: 'market' } }],
      [{ type: 'setPolicy', key: 'gov.vote', policy: 'nobody' }],
      [{ type: 'setPolicy', key: 'gov.vote', policy: null }],
      [{ type: 'setPolicy', key: 'gov.propose', policy: 'nobody' }],
      [{ type: 'setPolicy', key: 'notary.register', policy: { quorum: { need: { k: 4 } } } }],
      [{ type: 'setPolicy', key: 'kv.put', policy: { quorum: { need: { k: 2 }, of: ['market'] } } }],
      [
        { type: 'removeOrg', org: 'housing' },
        { type: 'removeOrg', org: 'civil' },
        { type: 'setGovernance', need: { k: 2 } },
      ],
    ];
    const block = chain.block(refused.map((actions) => propose(market.admin, actions)));
    block.receipts.forEach((r) => {
      expectFailed(r, 'GOV_QUORUM_UNREACHABLE');
    });
    // The reasons are listed.
    expect(block.receipts[2]!.message).toMatch(/governance rule "MAJORITY" cannot be met/);
    expect(configRecord(chain).version).toBe(1);

    // Governance needing all three organisations: removing one is fine, but not after k = 3.
    expect(enacted(chain, [{ type: 'setGovernance', need: { k: 3 } }])).toBe(2);
    expectFailed(chain.run(propose(market.admin, [{ type: 'removeOrg', org: 'civil' }])), 'GOV_QUORUM_UNREACHABLE');
    expectOk(chain.run(propose(market.admin, [{ type: 'setGovernance', need: 'ALL' }])));
  });

  it('a proposal that no longer applies when approved fails, recording GOV_QUORUM_UNREACHABLE', () => {
    const chain = new TestChain(c);
    const k3 = proposed(chain, market.admin, [{ type: 'setGovernance', need: { k: 3 } }]);
    expect(enacted(chain, [{ type: 'removeOrg', org: 'civil' }])).toBe(2);
    // Two organisations left: market (by proposing) and housing approve, but k = 3 is no longer reachable.
    const r = chain.run(vote(housing.admin, k3));
    expect(resultOf(r)).toMatchObject({ status: 'failed', failure: { code: 'GOV_QUORUM_UNREACHABLE' } });
    expect(proposalOf(chain, k3)).toMatchObject({ status: 'failed', failure: { code: 'GOV_QUORUM_UNREACHABLE' } });
    expect(configRecord(chain).version).toBe(2);
    expect(configRecord(chain).config.governance.need).toBe('MAJORITY');
  });

  it('refuses malformed or inapplicable actions', () => {
    const chain = new TestChain(c);
    const tax = createOrg(suite, 'tax');
    const cases: [unknown[], string][] = [
      [[{ type: 'addOrg', org: market.config }], 'GOV_ACTION_INVALID'],
      [[{ type: 'removeOrg', org: 'nosuch' }], 'GOV_ACTION_INVALID'],
      [[{ type: 'setPolicy', key: 'kv.nosuch', policy: null }], 'GOV_ACTION_INVALID'],
      [[{ type: 'deployContract', name: 'kv', version: 1, language: 'javascript', source: 'x' }], 'GOV_ACTION_INVALID'],
      // Removing the only node's organisation: solo ordering needs exactly one node.
      [[{ type: 'removeOrg', org: 'market' }], 'CONSORTIUM_CONFIG_INVALID'],
      [[{ type: 'addOrg', org: { ...tax.config, ca: [housing.ca.b64] } }], 'CONSORTIUM_CONFIG_INVALID'],
      [[{ type: 'setPolicy', key: 'kv.put', policy: { org: 'nosuch' } }], 'POLICY_INVALID'],
    ];
    for (const [actions, code] of cases) {
      expectFailed(chain.run(c.tx(market.admin, 'gov', 'propose', { actions: actions as JsonValue })), code);
    }
    // Shape errors are caught at admission.
    for (const actions of [
      [],
      [{ type: 'explode' }],
      [{ type: 'setLimits', extra: 1 }],
      [{ type: 'setPolicy', key: 'kv.put', policy: { bogus: 1 } }],
    ]) {
      expect(chain.admitCode(c.tx(market.admin, 'gov', 'propose', { actions: actions as JsonValue }))).not.toBe('ok');
    }
  });

  it('a deployment needs the sandbox: an executor without one stops (SANDBOX_UNAVAILABLE) rather than record a block', () => {
    // Deployment, calls and migrations with the sandbox: packages/node/test/userContracts.test.ts.
    const chain = new TestChain(c);
    const deploy: GovAction = {
      type: 'deployContract',
      name: 'permits',
      version: 1,
      language: 'javascript',
      source: 'module.exports.version = () => 1;',
    };
    expect(() => chain.run(propose(market.admin, [deploy]))).toThrow(
      expect.objectContaining({ code: 'SANDBOX_UNAVAILABLE' }),
    );
  });

  it('setPolicy with a two-organisation quorum: co-signatures from two organisations pass, from one are denied', () => {
    const chain = new TestChain(c);
    expect(
      enacted(chain, [{ type: 'setPolicy', key: 'notary.register', policy: { quorum: { need: { k: 2 } } } }]),
    ).toBe(2);
    let n = 0;
    const cases: [Key, Key[], string][] = [
      [market.caseworker, [], 'POLICY_DENIED'],
      [market.caseworker, [market.registrar], 'POLICY_DENIED'],
      [market.caseworker, [market.registrar, market.auditor], 'POLICY_DENIED'],
      [market.caseworker, [c.stranger], 'POLICY_DENIED'],
      [market.caseworker, [housing.caseworker], 'ok'],
      [market.caseworker, [housing.caseworker, civil.auditor], 'ok'],
      [housing.registrar, [civil.registrar], 'ok'],
    ];
    for (const [signer, cosigners, code] of cases) {
      const tx = notarise(signer, ++n, { cosigners });
      expect(chain.admitCode(tx), `${signer.label} + ${cosigners.map((k) => k.label)}`).toBe(code);
      const r = chain.run(tx);
      if (code === 'ok') expectOk(r);
      else expectFailed(r, code);
    }
    // A revoked co-signer does not count.
    expectOk(chain.run(revoke(housing.secadmin, housing.caseworker)));
    expectFailed(chain.run(notarise(market.caseworker, ++n, { cosigners: [housing.caseworker] })), 'POLICY_DENIED');
  });

  it('a quorum limited to some organisations and signer roles counts only those', () => {
    const chain = new TestChain(c);
    const policy = { quorum: { need: 'ALL', of: ['market', 'housing'], signers: { role: 'registrar' } } } as const;
    enacted(chain, [{ type: 'setPolicy', key: 'kv.put', policy }]);
    expectFailed(chain.run(put(market.registrar, 'a', 1, { cosigners: [civil.registrar] })), 'POLICY_DENIED');
    expectFailed(chain.run(put(market.registrar, 'a', 1, { cosigners: [housing.caseworker] })), 'POLICY_DENIED');
    expectOk(chain.run(put(market.caseworker, 'a', 1, { cosigners: [housing.registrar, market.registrar] })));
  });
});

describe('configuration changes', () => {
  it('rotates a CA: add the new root, renew, remove the old root; certificates of the old root stop working', () => {
    const chain = new TestChain(c);
    const ca2 = createCa(suite, 'market', 'ca2');
    expect(enacted(chain, [{ type: 'setCa', org: 'market', ca: [market.ca.b64, ca2.b64] }])).toBe(2);
    const renewed = issueMember(suite, ca2, {
      member: market.admin.member,
      roles: ['admin'],
      key: market.admin,
      notBefore: T0,
    });
    expect(resultOf(chain.run(enrol(market.admin, renewed.cert))).renewal).toBe(true);
    expectOk(chain.run(put(market.caseworker, 'during')));
    expect(enacted(chain, [{ type: 'setCa', org: 'market', ca: [ca2.b64] }])).toBe(3);
    expect(chain.admitCode(put(market.caseworker, 'after'))).toBe('X509_UNTRUSTED');
    expectFailed(chain.run(put(market.caseworker, 'after')), 'X509_UNTRUSTED');
    expectOk(chain.run(put(market.admin, 'after')));
    // A certificate of the old root can no longer be enrolled either.
    const late = issueMember(suite, market.ca, { member: 'market-late', roles: ['caseworker'] });
    expect(chain.admitCode(enrol(late, late.cert))).toBe('X509_UNTRUSTED');
  });

  it('an expired CA root invalidates the certificates it issued (X509_EXPIRED)', () => {
    const chain = new TestChain(c);
    const ca = createCa(suite, 'tax', 'ca', { notAfter: T0 + 2 * HOUR });
    const admin = issueMember(suite, ca, { member: 'tax-admin', roles: ['admin'] });
    enacted(chain, [{ type: 'addOrg', org: { id: 'tax', name: 'tax bureau', ca: [ca.b64], nodes: [], weight: 1 } }]);
    expectOk(chain.run(enrol(admin, admin.cert)));
    expect(chain.admitCode(put(admin, 'a'), T0 + HOUR)).toBe('ok');
    const e = thrown(() => chain.admit(put(admin, 'a'), T0 + 3 * HOUR));
    expect(e).toMatchObject({ code: 'X509_EXPIRED', details: { which: 'ca' } });
    expectFailed(chain.run(put(admin, 'b'), T0 + 3 * HOUR), 'X509_EXPIRED');
  });

  it('weighted governance: a heavier organisation decides alone once the rule says so', () => {
    const chain = new TestChain(c);
    enacted(chain, [
      { type: 'updateOrg', org: 'market', weight: 3 },
      { type: 'setGovernance', need: { weight: 3 } },
    ]);
    expect(configRecord(chain).config.orgs.find((o) => o.id === 'market')?.weight).toBe(3);
    const r = resultOf(chain.run(propose(market.admin, [{ type: 'setLimits', maxBlockTxs: 99 }])));
    expect(r.status).toBe('approved');
    expect(configRecord(chain).version).toBe(3);
    expect(resultOf(chain.run(propose(housing.admin, [{ type: 'setLimits', maxBlockTxs: 98 }]))).status).toBe('open');
  });

  it('with need ANY a proposal is approved and enacted by proposing it', () => {
    const chain = new TestChain(c);
    enacted(chain, [{ type: 'setGovernance', need: 'ANY' }]);
    const tx = propose(civil.admin, [{ type: 'setLimits', maxBlockTxs: 2 }]);
    const receipt = chain.run(tx);
    expect(resultOf(receipt)).toEqual({ proposal: txIdOf(suite, tx), status: 'approved' });
    expect(receipt.events.map((e) => e.name)).toEqual(['configChanged', 'proposed', 'decided']);
    expect(proposalOf(chain, txIdOf(suite, tx))).toMatchObject({ status: 'approved', configVersion: 3 });
    // maxBlockTxs 2 governs the next block: the third transaction is dropped, not failed.
    const block = chain.block([put(market.caseworker, 'a'), put(market.caseworker, 'b'), put(market.caseworker, 'c')]);
    expect(block.txs).toHaveLength(2);
    expect(block.dropped.map((d) => d.code)).toEqual(['BLOCK_FULL']);
  });

  it('block time never goes backwards', () => {
    const chain = new TestChain(c);
    const first = chain.block([put(market.caseworker, 'a')], T0 + HOUR);
    const second = chain.block([put(market.caseworker, 'b')], T0 + 1000);
    expect(first.header.time).toBe(T0 + HOUR);
    expect(second.header.time).toBe(T0 + HOUR);
    expect(second.header.parent).toBe(first.hashHex);
  });

  it('answers whether a principal may read what a view policy guards', () => {
    const chain = new TestChain(c);
    const ex = chain.executor;
    const auditor = ex.resolve(market.auditor.hex, T0);
    expect(ex.allowsView('identity.members', auditor, { org: 'market' })).toBe(true);
    expect(ex.allowsView('identity.members', auditor, { org: 'housing' })).toBe(false);
    expect(ex.allowsView('identity.members', ex.resolve(market.caseworker.hex, T0), { org: 'market' })).toBe(false);
    expect(ex.allowsView('identity.nosuch', auditor)).toBe(false);
  });
});

/** The chain run under each suite: enrolment, a citizen with proof of possession, a quorum, a new organisation. */
describe.each(['ed25519-sha256', 'sm2-sm3'] as const)('a consortium under %s', (suiteId) => {
  it('runs the identity and governance flow', () => {
    const cs = suiteId === 'ed25519-sha256' ? c : createConsortium({ suite: suiteId });
    const s = cs.suite;
    const { market: m, housing: h } = cs.orgs;
    const chain = new TestChain(cs);
    expect(cs.genesis.suite).toBe(suiteId);
    const newbie = issueMember(s, m.ca, { member: 'market-newbie', roles: ['caseworker'] });
    const citizen = deriveKey(s, 'citizen-suite');
    const unproven = cs.tx(m.registrar, 'identity', 'registerSubject', {
      publicKey: deriveKey(s, 'nobody').hex,
      kind: 'citizen',
    });
    const b1 = chain.block([
      cs.tx(newbie, 'identity', 'enrol', { cert: newbie.cert }),
      cs.tx(
        m.registrar,
        'identity',
        'registerSubject',
        { publicKey: citizen.hex, kind: 'enterprise' },
        { cosigners: [citizen] },
      ),
      unproven,
      cs.tx(cs.stranger, 'kv', 'put', { key: 'a', value: 1 }),
    ]);
    expect(b1.receipts.map((r) => r.code ?? r.status)).toEqual(['ok', 'ok', 'IDENTITY_UNKNOWN']);
    expect(b1.dropped.map((d) => [d.tx.idHex, d.code])).toEqual([[txIdOf(s, unproven), 'IDENTITY_KEY_NOT_PROVEN']]);
    expect(chain.executor.resolve(citizen.hex, chain.now).kind).toBe('enterprise');

    const tax = createOrg(s, 'tax');
    const p = cs.tx(m.admin, 'gov', 'propose', {
      actions: [{ type: 'addOrg', org: tax.config }] as unknown as JsonValue,
    });
    const b2 = chain.block([p, cs.tx(h.admin, 'gov', 'vote', { proposal: txIdOf(s, p), approve: true })]);
    b2.receipts.forEach(expectOk);
    expect(b2.config?.version).toBe(2);
    const b3 = chain.block([
      cs.tx(tax.admin, 'identity', 'enrol', { cert: tax.admin.cert }),
      cs.tx(newbie, 'kv', 'put', { key: 'b', value: 2 }, { cosigners: [tax.admin] }),
      cs.tx(citizen, 'notary', 'register', { alg: s.hashName, hash: 'ab'.repeat(32) }),
    ]);
    b3.receipts.forEach(expectOk);
    expect(chain.admitCode(cs.tx(tax.admin, 'kv', 'put', { key: 'c', value: 3 }))).toBe('ok');
    expect(chain.blocks.map((b) => b.header.height)).toEqual([0, 1, 2, 3]);
    expect(chain.internalErrors).toEqual([]);
  });
});

describe('determinism', () => {
  // A pool of actors: staff of every organisation, a short-lived certificate, a stranger, citizens who may or may not
  // get registered, and members whose certificates are not enrolled yet.
  const staff = [market, housing, civil].flatMap((o) => [o.admin, o.caseworker, o.registrar, o.secadmin, o.auditor]);
  const citizens = [0, 1, 2].map((i) => deriveKey(suite, `det/citizen-${i}`));
  const newcomers: TestMember[] = [
    issueMember(suite, market.ca, { member: 'det-new-0', roles: ['caseworker'] }),
    issueMember(suite, housing.ca, { member: 'det-new-1', roles: ['admin'] }),
  ];
  const actors: Key[] = [...staff, c.shortLived, c.stranger, ...citizens, ...newcomers];
  const actions: GovAction[][] = [
    [{ type: 'setLimits', maxBlockTxs: 3 }],
    [{ type: 'setPolicy', key: 'kv.put', policy: { role: ['admin', 'registrar'] } }],
    [{ type: 'setPolicy', key: 'kv.put', policy: { quorum: { need: { k: 2 } } } }],
    [{ type: 'removeOrg', org: 'civil' }],
    [{ type: 'setGovernance', need: 'ANY' }],
    [{ type: 'setGovernance', need: { k: 3 } }],
  ];

  const indexOf = (keys: readonly Key[]) => keys.map((k) => actors.indexOf(k));
  const admins = indexOf([market.admin, housing.admin, civil.admin, newcomers[1]!]);
  const revokers = indexOf([
    market.admin,
    housing.admin,
    civil.admin,
    market.secadmin,
    housing.secadmin,
    civil.secadmin,
  ]);
  const registrars = indexOf([market.registrar, housing.registrar, civil.registrar]);
  const signers = indexOf([...staff, c.shortLived, ...citizens, ...newcomers]);
  // Mostly someone who plausibly may make the call, sometimes anyone.
  const actorFrom = (pool: readonly number[]) =>
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.nat(actors.length - 1) });
  const actor = fc.nat(actors.length - 1);
  const op = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('put' as const),
        a: actorFrom(signers),
        k: fc.nat(3),
        v: fc.nat(9),
        co: fc.option(actorFrom(signers), { nil: undefined }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('del' as const), a: actorFrom(signers), k: fc.nat(3) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('notary' as const), a: actorFrom(signers), h: fc.nat(5) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('revoke' as const),
        a: actorFrom(revokers),
        target: actor,
        at: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('enrol' as const), n: fc.nat(newcomers.length - 1), a: actor }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('register' as const),
        a: actorFrom(registrars),
        s: fc.nat(citizens.length - 1),
        cosign: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('subjectKey' as const),
        a: actorFrom(signers),
        s: fc.nat(citizens.length - 1),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('propose' as const), a: actorFrom(admins), x: fc.nat(actions.length - 1) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('vote' as const),
        a: actorFrom(admins),
        p: fc.nat(7),
        approve: fc.boolean(),
      }),
    },
  );
  type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

  /** Signed transactions for a list of operations (votes refer to earlier proposals, or to a made-up id). */
  function buildTxs(ops: readonly Op[]): SignedTransaction[] {
    const proposals: string[] = [];
    const registrations = new Map<number, string>();
    return ops.map((o) => {
      const a = actors[o.a]!;
      switch (o.t) {
        case 'put':
          return put(a, `k${o.k}`, o.v, o.co === undefined || o.co === o.a ? {} : { cosigners: [actors[o.co]!] });
        case 'del':
          return c.tx(a, 'kv', 'delete', { key: `k${o.k}` });
        case 'notary':
          return notarise(a, o.h);
        case 'revoke':
          return revoke(a, actors[o.target]!, o.at);
        case 'enrol':
          // Mostly by the certificate's own key; sometimes by someone else (IDENTITY_KEY_MISMATCH).
          return enrol(o.a % 4 === 0 ? a : newcomers[o.n]!, newcomers[o.n]!.cert);
        case 'register': {
          const tx = registerSubject(a, citizens[o.s]!, o.cosign ? [citizens[o.s]!] : []);
          registrations.set(o.s, subjectIdFromTx(suite, hexToBytes(txIdOf(suite, tx))));
          return tx;
        }
        case 'subjectKey': {
          const key = deriveKey(suite, `det/extra-${o.s}-${o.a}`);
          const subject = registrations.get(o.s) ?? '0'.repeat(32);
          return c.tx(a, 'identity', 'addSubjectKey', { subject, publicKey: key.hex }, { cosigners: [key] });
        }
        case 'propose': {
          const tx = propose(a, actions[o.x]!);
          proposals.push(txIdOf(suite, tx));
          return tx;
        }
        default:
          return vote(a, proposals.length === 0 ? 'ee'.repeat(32) : proposals[o.p % proposals.length]!, o.approve);
      }
    });
  }

  const outcome = (chain: TestChain) =>
    chain.blocks.map((b) => ({
      hash: b.hashHex,
      stateRoot: b.header.stateRoot,
      receipts: b.receiptCanonicals,
      dropped: b.dropped.map((d) => `${d.tx.idHex}:${d.code}`),
      config: b.config?.version,
    }));

  let oks = 0;
  let configChanges = 0;
  let failures = 0;

  it('the same blocks give the same headers, receipts and state roots, with warm or cold executors (property)', () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }),
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 6 }), dt: fc.integer({ min: 0, max: 90_000 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        (ops, shape) => {
          const txs = buildTxs(ops);
          // Repeat some transactions: duplicates must be dropped the same way everywhere.
          if (txs.length > 2) txs.push(txs[0]!, txs[txs.length - 2]!);
          // A: one executor throughout, answering admission between blocks (warms the identity cache from the head).
          // B: a fresh executor for every block (cold cache, reset from the stored root). C: like A, no admission.
          const a = new TestChain(c);
          const b = new TestChain(c, { freshExecutorPerBlock: true });
          const cc = new TestChain(c);
          let i = 0;
          let s = 0;
          while (i < txs.length) {
            const { size, dt } = shape[s++ % shape.length]!;
            const batch = txs.slice(i, i + size);
            i += size;
            const time = a.head.header.time + dt;
            for (const tx of txs.slice(i, i + 4)) codeOf(() => a.admit(tx, time));
            const blocks = [a.block(batch, time), b.block(batch, time), cc.block(batch, time)];
            expect(blocks[1]!.hashHex).toBe(blocks[0]!.hashHex);
            expect(blocks[2]!.hashHex).toBe(blocks[0]!.hashHex);
          }
          expect(outcome(b)).toEqual(outcome(a));
          expect(outcome(cc)).toEqual(outcome(a));
          for (const chain of [a, b, cc]) expect(chain.internalErrors).toEqual([]);
          for (const block of a.blocks) {
            if (block.config !== undefined && block.header.height > 0) configChanges++;
            for (const r of block.receipts) {
              if (r.status === 'ok') oks++;
              else failures++;
            }
          }
        },
      ),
      { numRuns: 30, seed: 20260101 },
    );
    // The generated histories exercise both outcomes (a property over only failures would prove little).
    expect(oks).toBeGreaterThan(100);
    expect(failures).toBeGreaterThan(100);
    expect(configChanges).toBeGreaterThan(0);
  });

  it('re-executing a committed block from its parent reproduces it byte for byte', () => {
    const chain = new TestChain(c);
    const txs = buildTxs([
      { t: 'put', a: 1, k: 0, v: 1, co: undefined },
      { t: 'register', a: 2, s: 0, cosign: true },
      { t: 'propose', a: 0, x: 1 },
      { t: 'vote', a: 5, p: 0, approve: true },
      { t: 'revoke', a: 3, target: 1, at: undefined },
      { t: 'put', a: 1, k: 1, v: 2, co: undefined },
    ]);
    chain.block(txs.slice(0, 3));
    chain.block(txs.slice(3));
    chain.block([put(market.caseworker, 'after')]);
    // A verifier's executor over the same stores: forwards from genesis, then backwards (a reset for every block).
    for (const order of [chain.blocks.slice(1), chain.blocks.slice(1).reverse()]) {
      let height = 0;
      const verifier = chain.newExecutor(() => height);
      for (const block of order) {
        height = block.header.height;
        const parent = chain.blocks[block.header.height - 1]!;
        const again = verifier.execute(
          { header: parent.header, hashHex: parent.hashHex, root: parent.root },
          { height: block.header.height, time: block.header.time, txs: block.txs },
        );
        expect(again.hashHex).toBe(block.hashHex);
        expect(again.receiptCanonicals).toEqual(block.receiptCanonicals);
        expect(again.config).toEqual(block.config);
      }
    }
    expect(chain.blocks[2]!.config?.version).toBe(2);
    expect(chain.blocks.at(-1)!.receipts.map((r) => r.code ?? r.status)).toEqual(['IDENTITY_REVOKED']);
  });
});

describe('etcd ordering: blocks cut from batches (PROTOCOL.md §18.3)', () => {
  it('commits every batch as a block carrying its revision, even when nothing in it is included', () => {
    const chain = new TestChain(c);
    const a = put(market.caseworker, 'from-batch', 1);
    const first = chain.batch([a], { rev: 10, proposer: c.nodeKey.hex });
    expect(first.header).toMatchObject({ height: 1, txCount: 1, rev: 10 });
    // A batch holding only a duplicate: an empty block, still committed, so the chain records the whole log.
    const empty = chain.batch([a], { rev: 12, proposer: c.nodeKey.hex });
    expect(empty.header).toMatchObject({ height: 2, txCount: 0, rev: 12 });
    expect(empty.dropped.map((d) => d.code)).toEqual(['TX_DUPLICATE']);
    expect(chain.height).toBe(2);
    expect(empty.header.stateRoot).toBe(first.header.stateRoot);
  });

  it('refuses a revision that does not increase (an ordering bug stops the node)', () => {
    const chain = new TestChain(c);
    chain.batch([], { rev: 5 });
    expect(thrown(() => chain.batch([], { rev: 5 })).code).toBe('BLOCK_HEIGHT_INVALID');
    expect(thrown(() => chain.batch([], { rev: 4 })).code).toBe('BLOCK_HEIGHT_INVALID');
    expect(chain.batch([], { rev: 6 }).header.rev).toBe(6);
  });

  it('drops every transaction of a batch that a key other than a node key signed', () => {
    const chain = new TestChain(c);
    const tx = put(market.caseworker, 'smuggled', 1);
    const block = chain.batch([tx], { rev: 3, proposer: market.admin.hex });
    expect(block.header.txCount).toBe(0);
    expect(block.dropped.map((d) => d.code)).toEqual(['BATCH_PROPOSER_UNKNOWN']);
    // The same transaction through a node of the consortium is included.
    expect(chain.batch([tx], { rev: 4, proposer: c.nodeKey.hex }).header.txCount).toBe(1);
  });

  it('drops a transaction larger than limits.maxTxBytes (checked at execution too: batches come from other nodes)', () => {
    const chain = new TestChain(c);
    const big = put(market.caseworker, 'big', 'x'.repeat(70_000));
    const block = chain.batch([big], { rev: 2, proposer: c.nodeKey.hex });
    expect(block.dropped.map((d) => d.code)).toEqual(['TX_TOO_LARGE']);
  });
});

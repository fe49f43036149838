/**
 * The `credential` system contract through the block executor: a department's seal anchors a credential of a type
 * its organisation may issue (and only then), the holder index, and the status registry — suspend, reinstate, revoke
 * by the issuing organisation's registrars with reason codes, revocation final.
 */
import { type CredentialAnchor, credentialKeys, type JsonObject } from '@lianzheng/protocol';
import { describe, expect, it } from 'vitest';
import { createConsortium, deriveKey, expectFailed, expectOk, type Key, resultOf, TestChain } from './fixtures.js';

const c = createConsortium();
const { market, housing } = c.orgs;
const suite = c.suite;
const T0 = Date.UTC(2026, 10, 21);
const DAY = 86_400_000;

function setup() {
  const chain = new TestChain(c);
  const holderKey = deriveKey(suite, 'credential/holder');
  const holder = resultOf(
    expectOk(
      chain.run(
        c.tx(
          market.registrar,
          'identity',
          'registerSubject',
          { publicKey: holderKey.hex, kind: 'enterprise' },
          { cosigners: [holderKey] },
        ),
      ),
    ),
  ).subject as string;
  return { chain, holder };
}

const id = (n: number) => n.toString(16).padStart(64, '0');
const digest = (n: number) => `${'A'.repeat(42)}${'ABCDEFGHIJKLMNOP'[n % 16]}`;
const issue = (signer: Key, args: JsonObject) => c.tx(signer, 'credential', 'issue', args);
const licence = (holder: string, n: number, extra: JsonObject = {}): JsonObject => ({
  id: id(n),
  type: 'business-licence',
  holder,
  digest: digest(n),
  validFrom: T0,
  validUntil: T0 + 3650 * DAY,
  ...extra,
});

describe('credential contract', () => {
  it('a seal of an organisation configured for the type anchors it; nobody else does', () => {
    const { chain, holder } = setup();
    const r = expectOk(chain.run(issue(market.seal, licence(holder, 1, { case: 'ab'.repeat(32) }))));
    expect(r.events?.[0]).toMatchObject({ name: 'credentialIssued', data: { id: id(1), org: 'market', holder } });
    const anchor = chain.read('credential', credentialKeys.anchor(id(1))) as unknown as CredentialAnchor;
    expect(anchor).toMatchObject({
      id: id(1),
      type: 'business-licence',
      org: 'market',
      issuerKey: market.seal.hex,
      holder,
      digest: digest(1),
      status: 'valid',
      case: 'ab'.repeat(32),
      history: [],
    });
    expect(chain.read('credential', credentialKeys.holder(holder, id(1)))).toEqual({});

    expectFailed(chain.run(issue(market.registrar, licence(holder, 2))), 'POLICY_DENIED');
    expectFailed(chain.run(issue(housing.seal, licence(holder, 3))), 'CREDENTIAL_ISSUER_NOT_AUTHORISED');
    expectFailed(
      chain.run(issue(market.seal, licence(holder, 4, { type: 'pilot-licence' }))),
      'CREDENTIAL_TYPE_UNKNOWN',
    );
    expectFailed(chain.run(issue(market.seal, licence('0'.repeat(32), 5))), 'SUBJECT_UNKNOWN');
    expectFailed(chain.run(issue(market.seal, licence(holder, 1))), 'CREDENTIAL_EXISTS');
    for (const bad of [
      { validUntil: T0 },
      { validUntil: T0 + 36_501 * DAY },
      { digest: 'not a digest' },
      { id: 'XYZ' },
      { holder: 'short' },
      { case: 'nope' },
      { extra: 1 },
    ]) {
      expectFailed(chain.run(issue(market.seal, licence(holder, 6, bad))), 'ARGS_INVALID');
    }
    // None of the refused ones left anything.
    expect(chain.read('credential', credentialKeys.anchor(id(3)))).toBeNull();
  });

  it('status: suspend, reinstate, revoke by the issuing organisation with reason codes; revocation is final', () => {
    const { chain, holder } = setup();
    expectOk(chain.run(issue(market.seal, licence(holder, 7))));
    const status = (signer: Key, method: string, reason = 'under-investigation') =>
      chain.run(c.tx(signer, 'credential', method, { id: id(7), reason }));
    expectFailed(status(housing.registrar, 'suspend'), 'POLICY_DENIED');
    expectFailed(status(market.caseworker, 'suspend'), 'POLICY_DENIED');
    expectFailed(status(market.registrar, 'suspend', 'because'), 'CREDENTIAL_REASON_UNKNOWN');
    expectFailed(status(market.registrar, 'reinstate', 'investigation-closed'), 'CREDENTIAL_STATUS_CONFLICT');
    expect(resultOf(expectOk(status(market.registrar, 'suspend')))).toMatchObject({ status: 'suspended' });
    expectFailed(status(market.registrar, 'suspend'), 'CREDENTIAL_STATUS_CONFLICT');
    expect(resultOf(expectOk(status(market.admin, 'reinstate', 'investigation-closed')))).toMatchObject({
      status: 'valid',
    });
    const revoked = expectOk(status(market.registrar, 'revoke', 'revoked-by-decision'));
    expect(revoked.events?.[0]).toMatchObject({
      name: 'credentialStatus',
      data: { id: id(7), status: 'revoked', reason: 'revoked-by-decision' },
    });
    expectFailed(status(market.registrar, 'reinstate', 'investigation-closed'), 'CREDENTIAL_STATUS_CONFLICT');
    expectFailed(status(market.registrar, 'revoke', 'cancelled'), 'CREDENTIAL_STATUS_CONFLICT');
    const anchor = chain.read('credential', credentialKeys.anchor(id(7))) as unknown as CredentialAnchor;
    expect(anchor.status).toBe('revoked');
    expect(anchor.reason).toBe('revoked-by-decision');
    expect(anchor.history.map((h) => [h.status, h.reason])).toEqual([
      ['suspended', 'under-investigation'],
      ['valid', 'investigation-closed'],
      ['revoked', 'revoked-by-decision'],
    ]);
    expectFailed(
      chain.run(c.tx(market.registrar, 'credential', 'suspend', { id: id(99), reason: 'data-error' })),
      'CREDENTIAL_UNKNOWN',
    );
  });
});

/**
 * E-licences on a node (ADR 0015, PROTOCOL.md §20): the market regulator's seal signs a business licence as an
 * SD-JWT VC and anchors it; the holder presents a subset bound to a verifier's nonce; a verifier that trusts only the
 * pinned genesis checks it with a status proof from the node. Then ≥ 1,000 generated bad cases — forged signature,
 * wrong issuer, issuer not authorised for the type, revoked, suspended, expired, tampered disclosure, replayed
 * presentation, forged status proof, rolled-back checkpoint — each refused with its code; none accepted.
 */
import {
  addCosignature,
  bytesToHex,
  ConsortiumView,
  type CredentialAnchor,
  type CryptoSuite,
  certificateFromBase64,
  configOfGenesis,
  consortiumFromGenesis,
  credentialKeys,
  isLianzhengError,
  issueCredential,
  type JsonObject,
  type KeyPair,
  parseCertificate,
  presentSdJwt,
  type StateView,
  verifyCredentialPresentation,
} from '@lianzheng/protocol';
import { createClient, createCredentialVerifier, httpTransport } from '@lianzheng/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  injectFetch,
  labelledKey,
  openTestNode,
  signedTx,
  signInToken,
  submitForReceipt,
  type TestNode,
} from './nodeHarness.js';

let t: TestNode;
let suite: CryptoSuite;
let holder: KeyPair;
let holderSubject: string;
const AUD = 'https://bank.example.cn/kyc';
const DAY = 86_400_000;

const sealCert = (id: string): Uint8Array => {
  for (const m of t.genesis.members) {
    const der = certificateFromBase64(m);
    if (parseCertificate(der).subject.commonName === id) return der;
  }
  throw new Error(`no member certificate ${id}`);
};
const call = (key: KeyPair, contract: string, method: string, args: JsonObject) =>
  submitForReceipt(t, signedTx(t, { key, contract, method, args, expiresAt: t.node.clock.now() + 600_000 }));

async function anchoredStatus(id: string, minHeight = 0): Promise<StateView> {
  for (let i = 0; i < 200; i++) {
    try {
      const v = t.node.chain.state('credential', credentialKeys.anchor(id), { proof: true });
      if (v.value !== null && v.height >= minHeight) return v;
    } catch {
      // not certified yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`credential ${id} is not in a certified block`);
}

/** Issues (signs and anchors) a licence with `seal` of `org`; returns it with its status view. */
async function issue(seal: string, org: string, type = 'business-licence', validDays = 3650) {
  const now = t.node.clock.now();
  const c = issueCredential(suite, {
    chainId: t.genesis.chainId,
    type,
    sealCertificate: sealCert(seal),
    sealSecretKey: (t.staff[seal] as KeyPair).secretKey,
    org,
    holderSubject,
    holderPublicKey: holder.publicKey,
    validFrom: now - DAY,
    validUntil: now + validDays * DAY,
    issuedAt: now,
    claims: { licence_no: '91330106MA2AB3CD4E' },
    disclosable: {
      company_name: '链政科技有限公司',
      legal_representative: '王建国',
      legal_representative_id: '330106198503071234',
      address: '杭州市西湖区文三路 100 号',
    },
  });
  const r = await call(t.staff[seal] as KeyPair, 'credential', 'issue', {
    id: c.id,
    type,
    holder: holderSubject,
    digest: c.digest,
    validFrom: now - DAY,
    validUntil: now + validDays * DAY,
  });
  return { ...c, receipt: r };
}

beforeAll(async () => {
  t = await openTestNode();
  suite = t.suite;
  holder = labelledKey(t, 'credential-holder');
  const reg = addCosignature(
    suite,
    signedTx(t, {
      key: t.staff['market-registrar'] as KeyPair,
      contract: 'identity',
      method: 'registerSubject',
      args: { publicKey: bytesToHex(holder.publicKey), kind: 'enterprise' },
    }),
    holder.secretKey,
  );
  holderSubject = ((await submitForReceipt(t, reg)).result as { subject: string }).subject;
}, 60_000);

afterAll(async () => {
  expect(t.fatal).toEqual([]);
  await t?.close();
});

describe('a business licence, verified trusting no node', () => {
  const trust = () => consortiumFromGenesis(t.genesis);
  const view = () => new ConsortiumView(suite, { version: 1, config: configOfGenesis(t.genesis) });
  const present = (
    sdJwt: string,
    nonce: string,
    disclose = ['company_name'],
    secretKey = holder.secretKey,
    at = t.node.clock.now(),
  ) => presentSdJwt(suite, sdJwt, disclose, { secretKey, aud: AUD, nonce, iat: Math.floor(at / 1000) });
  const verify = (
    p: string,
    status: StateView,
    nonce: string,
    extra: Partial<{ minCheckpointHeight: number; now: number; maxStatusAgeMs: number }> = {},
  ) =>
    verifyCredentialPresentation(suite, trust(), view(), p, status, {
      aud: AUD,
      nonce,
      now: t.node.clock.now(),
      ...extra,
    });
  const codeOf = (f: () => unknown): string => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return isLianzhengError(e) ? e.code : `uncoded: ${String(e)}`;
    }
  };

  it('issued and anchored by the seal; the holder shows the company name only; the verifier accepts it', async () => {
    const c = await issue('market-seal', 'market');
    expect(c.receipt.status, JSON.stringify(c.receipt)).toBe('ok');
    const status = await anchoredStatus(c.id);
    const anchor = status.value as unknown as CredentialAnchor;
    expect(anchor).toMatchObject({
      id: c.id,
      type: 'business-licence',
      org: 'market',
      status: 'valid',
      digest: c.digest,
    });
    const p = present(c.sdJwt, 'nonce-1');
    const v = verify(p, status, 'nonce-1');
    expect(v).toMatchObject({
      id: c.id,
      type: 'business-licence',
      org: 'market',
      holder: holderSubject,
      status: 'valid',
    });
    expect(v.claims).toMatchObject({ company_name: '链政科技有限公司', licence_no: '91330106MA2AB3CD4E' });
    expect(v.claims.legal_representative_id).toBeUndefined();
    // Nothing of the claims is on chain.
    const blocks = JSON.stringify(
      Array.from({ length: t.node.ledger.durableHeight + 1 }, (_, h) => t.node.chain.block(h, true)),
    );
    for (const secret of ['链政科技有限公司', '330106198503071234', '王建国']) expect(blocks).not.toContain(secret);
  });

  it('the chain refuses a seal of another department for the type, and a staff key that is not a seal', async () => {
    expect((await issue('realestate-seal', 'realestate')).receipt).toMatchObject({
      code: 'CREDENTIAL_ISSUER_NOT_AUTHORISED',
    });
    expect((await issue('market-registrar', 'market')).receipt).toMatchObject({ code: 'POLICY_DENIED' });
  });

  it('≥ 1,000 generated bad presentations and hostile status answers: every one refused with its code', async () => {
    const good = await issue('market-seal', 'market');
    const goodStatus = await anchoredStatus(good.id);
    // A licence signed by another department's seal (never anchored: the chain refused it).
    const foreign = await issue('realestate-seal', 'realestate');
    expect(foreign.receipt.status).toBe('failed');
    const foreignStatus = t.node.chain.state('credential', credentialKeys.anchor(foreign.id), { proof: true });
    expect(foreignStatus.value).toBeNull();
    // Revoked, suspended, and one that expires in a day.
    const revoked = await issue('market-seal', 'market');
    await call(t.staff['market-registrar'] as KeyPair, 'credential', 'revoke', {
      id: revoked.id,
      reason: 'revoked-by-decision',
    });
    const suspended = await issue('market-seal', 'market');
    await call(t.staff['market-registrar'] as KeyPair, 'credential', 'suspend', {
      id: suspended.id,
      reason: 'under-investigation',
    });
    const shortLived = await issue('market-seal', 'market', 'business-licence', 1);
    const latest = t.node.ledger.durableHeight;
    const revokedStatus = await anchoredStatus(revoked.id, latest);
    const suspendedStatus = await anchoredStatus(suspended.id, latest);
    const shortStatus = await anchoredStatus(shortLived.id, latest);
    // A verifier that has already seen a newer checkpoint than the one a node answers with.
    const seenHeight = revokedStatus.height;
    const stranger = labelledKey(t, 'not-the-holder');

    type Case = { kind: string; want: string; run: () => unknown };
    const kinds: ((rnd: number, n: string) => Case)[] = [
      (rnd, n) => {
        // Forged signature: one character of the issuer signature changed.
        const p = present(good.sdJwt, n);
        const dot = p.lastIndexOf('.', p.indexOf('~'));
        const at = dot + 1 + (rnd % 80);
        const ch = p[at] === 'A' ? 'B' : 'A';
        const forged = `${p.slice(0, at)}${ch}${p.slice(at + 1)}`;
        return {
          kind: 'forged-signature',
          want: 'CREDENTIAL_SIGNATURE_INVALID|SD_JWT_MALFORMED',
          run: () => verify(forged, goodStatus, n),
        };
      },
      (_rnd, n) => ({
        kind: 'wrong-issuer',
        want: 'CREDENTIAL_NOT_ANCHORED',
        run: () => verify(present(foreign.sdJwt, n), foreignStatus, n),
      }),
      (_rnd, n) => ({
        kind: 'revoked',
        want: 'CREDENTIAL_REVOKED',
        run: () => verify(present(revoked.sdJwt, n), revokedStatus, n),
      }),
      (_rnd, n) => ({
        kind: 'suspended',
        want: 'CREDENTIAL_SUSPENDED',
        run: () => verify(present(suspended.sdJwt, n), suspendedStatus, n),
      }),
      (rnd, n) => ({
        kind: 'expired',
        want: 'CREDENTIAL_EXPIRED|SD_JWT_KB_INVALID',
        run: () =>
          verify(present(shortLived.sdJwt, n), shortStatus, n, { now: t.node.clock.now() + (2 + (rnd % 100)) * DAY }),
      }),
      (rnd, n) => {
        // Tampered disclosure: a disclosure of another value under the same name, bound afresh by the holder.
        const [jwt] = good.sdJwt.split('~');
        const fake = Buffer.from(JSON.stringify([`salt${rnd}`, 'company_name', `假公司${rnd}`])).toString('base64url');
        const p = present(`${jwt}~${fake}~`, n);
        return { kind: 'tampered-disclosure', want: 'SD_JWT_DISCLOSURE_INVALID', run: () => verify(p, goodStatus, n) };
      },
      (rnd, n) => ({
        kind: 'replayed',
        want: 'SD_JWT_KB_INVALID',
        run: () => verify(present(good.sdJwt, `${n}-old`), goodStatus, `${n}-new-${rnd}`),
      }),
      (_rnd, n) => ({
        kind: 'not-the-holder',
        want: 'SD_JWT_KB_INVALID',
        run: () => verify(present(good.sdJwt, n, ['company_name'], stranger.secretKey), goodStatus, n),
      }),
      (rnd, n) => {
        // A hostile node: the anchor's value altered (valid where it is revoked), the proof left as it was.
        const forged = {
          ...revokedStatus,
          value: { ...(revokedStatus.value as JsonObject), status: 'valid', reason: `r${rnd}` },
        };
        return {
          kind: 'forged-status-proof',
          want: 'CREDENTIAL_STATUS_PROOF_INVALID',
          run: () => verify(present(revoked.sdJwt, n), forged as StateView, n),
        };
      },
      (_rnd, n) => ({
        // A hostile node: the status at an old checkpoint, from before the revocation.
        kind: 'rolled-back-checkpoint',
        want: 'CREDENTIAL_STATUS_STALE',
        run: () => verify(present(good.sdJwt, n), goodStatus, n, { minCheckpointHeight: seenHeight }),
      }),
    ];
    const tried: Record<string, number> = {};
    let accepted = 0;
    let cases = 0;
    fc.assert(
      fc.property(fc.nat(kinds.length - 1), fc.nat(1_000_000), (k, rnd) => {
        const c = (kinds[k] as (r: number, n: string) => Case)(rnd, `n-${cases}`);
        cases++;
        const got = codeOf(c.run);
        tried[c.kind] = (tried[c.kind] ?? 0) + 1;
        if (got === 'accepted') accepted++;
        expect(got, c.kind).toMatch(new RegExp(`^(${c.want})$`));
      }),
      { seed: 7_2026_11_21, numRuns: 1200 },
    );
    expect(accepted).toBe(0);
    expect(cases).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(tried).sort()).toHaveLength(kinds.length);
    // The good one still verifies after all that.
    expect(codeOf(() => verify(present(good.sdJwt, 'final'), goodStatus, 'final'))).toBe('accepted');
    process.stdout.write(`credential verification: ${JSON.stringify({ cases, accepted, tried })}\n`);
  });

  it('the SDK verifier: single-use nonces, status from an untrusted node, and a node that rolls back is caught', async () => {
    const c = await issue('market-seal', 'market');
    await anchoredStatus(c.id);
    /** A node's API in-process; `rollback` makes it answer status questions from an older certified block. */
    let rollback: number | undefined;
    const fetchFn = injectFetch(t, (u) => {
      if (rollback !== undefined && u.pathname.startsWith('/v1/state/')) u.searchParams.set('height', String(rollback));
    });
    const verifier = createCredentialVerifier({
      client: createClient({ transport: httpTransport('http://node.test', { fetch: fetchFn }) }),
      genesis: t.genesis,
      aud: AUD,
      now: () => t.node.clock.now(),
    });
    const n1 = verifier.nonce();
    const v = await verifier.verify(present(c.sdJwt, n1, ['company_name', 'address']), n1);
    expect(v.claims).toMatchObject({ company_name: '链政科技有限公司', address: '杭州市西湖区文三路 100 号' });
    expect(verifier.highestCheckpoint).toBeGreaterThanOrEqual(v.anchorHeight);
    // The same nonce again (a replay), and a nonce it never handed out.
    await expect(verifier.verify(present(c.sdJwt, n1), n1)).rejects.toMatchObject({ code: 'SD_JWT_KB_INVALID' });
    await expect(verifier.verify(present(c.sdJwt, 'made-up'), 'made-up')).rejects.toMatchObject({
      code: 'SD_JWT_KB_INVALID',
    });
    // Revoked afterwards; a hostile node answers from the block before the revocation: refused as rolled back.
    await call(t.staff['market-registrar'] as KeyPair, 'credential', 'revoke', { id: c.id, reason: 'cancelled' });
    await anchoredStatus(c.id, t.node.ledger.durableHeight);
    const n2 = verifier.nonce();
    await expect(verifier.verify(present(c.sdJwt, n2), n2)).rejects.toMatchObject({ code: 'CREDENTIAL_REVOKED' });
    rollback = v.checkpointHeight;
    const n3 = verifier.nonce();
    await expect(verifier.verify(present(c.sdJwt, n3), n3)).rejects.toMatchObject({ code: 'CREDENTIAL_STATUS_STALE' });
  });

  it('routes: types, the holder’s credentials, status with proof, and verification by the node', async () => {
    const c = await issue('market-seal', 'market');
    await anchoredStatus(c.id);
    const types = (await t.app.inject({ method: 'GET', url: '/v1/credentials/types' })).json() as {
      types: { id: string }[];
    };
    expect(types.types.map((x) => x.id)).toContain('business-licence');
    const mine = await t.app.inject({
      method: 'GET',
      url: '/v1/credentials/mine',
      headers: { authorization: `Bearer ${await signInToken(t, holder)}` },
    });
    expect(mine.statusCode).toBe(200);
    expect((mine.json() as { credentials: { id: string }[] }).credentials.map((x) => x.id)).toContain(c.id);
    expect((await t.app.inject({ method: 'GET', url: '/v1/credentials/mine' })).statusCode).toBe(401);
    const status = await t.app.inject({ method: 'GET', url: `/v1/credentials/${c.id}/status` });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ contract: 'credential', value: { id: c.id, status: 'valid' } });
    const post = (body: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/credentials/verify',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const ok = await post({ presentation: present(c.sdJwt, 'route-1'), aud: AUD, nonce: 'route-1' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: c.id, status: 'valid', claims: { company_name: '链政科技有限公司' } });
    const replay = await post({ presentation: present(c.sdJwt, 'route-1'), aud: AUD, nonce: 'route-2' });
    expect([replay.statusCode, replay.json().error.code]).toEqual([401, 'SD_JWT_KB_INVALID']);
    const garbage = await post({ presentation: 'not-a-jws~', aud: AUD, nonce: 'x' });
    expect(garbage.json().error.code).toBe('SD_JWT_MALFORMED');
    expect((await post({ presentation: 'x', aud: AUD })).json().error.code).toBe('REQUEST_MALFORMED');
  });
});

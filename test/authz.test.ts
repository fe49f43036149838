/**
 * The authorisation matrix (issue 3): every identity — each role of each organisation, citizens, enterprises, and
 * revoked, expired, unknown, forged, wrong-CA and self-signed identities — tries every protected contract method on
 * objects of every organisation, and every protected read route, through the HTTP API of a real node process.
 * The expected decision comes from an oracle written here from the documented default policies (docs/identity.md),
 * independently of the policy engine. Figures are printed at the end.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadKeyFile, nativeSuite, openCa } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  type CryptoSuite,
  certificateFromBase64,
  createTransaction,
  type Genesis,
  issueCertificate,
  type JsonObject,
  parseCertificate,
  type SignedTransaction,
  signTransaction,
  transactionId,
} from '@lianzheng/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  E2E_PASSPHRASE,
  freePort,
  type NodeHandle,
  removeDir,
  startNode,
  tempDir,
} from './helpers/nodeProcess.js';

const ORGS = ['market', 'realestate', 'police', 'health', 'finance'] as const;
const ROUNDS = 5;
const DAY = 86_400_000;

/** Codes that mean "not authorised" (or "not authenticated"), at admission, in a receipt or from a read route. */
const AUTH_CODES = new Set([
  'POLICY_DENIED',
  'IDENTITY_UNKNOWN',
  'IDENTITY_REVOKED',
  'IDENTITY_ORG_REMOVED',
  'X509_EXPIRED',
  'TX_SIGNATURE_INVALID',
  'SESSION_REQUIRED',
  'SESSION_EXPIRED',
  'AUTH_SIGNATURE_INVALID',
  'AUTH_LOCKED',
]);

type Kind = 'member' | 'citizen' | 'enterprise' | 'none';

interface Actor {
  readonly name: string;
  /** How the identity stands: usable, or why it must be refused everything. */
  readonly standing: 'valid' | 'revoked' | 'expired' | 'unknown' | 'forged';
  readonly kind: Kind;
  readonly org: string;
  readonly roles: readonly string[];
  readonly subject?: string;
  readonly publicKey: Uint8Array;
  /** The key that signs (differs from publicKey's secret for a forger). */
  readonly secretKey: Uint8Array;
  token?: string;
}

interface Subject {
  readonly subject: string;
  readonly org: string;
  readonly keys: string[];
}

interface Proposal {
  readonly id: string;
  readonly org: string;
}

interface Attempt {
  readonly actor: Actor;
  readonly what: string;
  readonly allow: boolean;
  readonly tx?: SignedTransaction;
  readonly read?: string;
}

const has = (a: Actor, ...roles: string[]) => roles.some((r) => a.roles.includes(r));
const valid = (a: Actor) => a.standing === 'valid';
const member = (a: Actor) => valid(a) && a.kind === 'member';

/** The oracle: the default policies of docs/identity.md, written out as plain predicates. */
const oracle = {
  kvPut: (a: Actor) => member(a),
  notary: (a: Actor) => valid(a),
  revoke: (a: Actor, targetOrg: string) => member(a) && has(a, 'secadmin', 'admin') && a.org === targetOrg,
  registerSubject: (a: Actor) => member(a) && has(a, 'registrar'),
  subjectKey: (a: Actor, s: Subject) =>
    valid(a) && ((a.kind === 'member' && has(a, 'registrar') && a.org === s.org) || a.subject === s.subject),
  propose: (a: Actor) => member(a) && has(a, 'admin'),
  vote: (a: Actor) => member(a) && has(a, 'admin'),
  withdraw: (a: Actor, p: Proposal) => member(a) && has(a, 'admin') && a.org === p.org,
  readMembers: (a: Actor, org: string) => member(a) && has(a, 'admin', 'secadmin', 'auditor') && a.org === org,
  readSubject: (a: Actor, s: Subject) =>
    valid(a) && ((a.kind === 'member' && has(a, 'registrar') && a.org === s.org) || a.subject === s.subject),
  readExpiring: (a: Actor) => member(a) && has(a, 'admin', 'secadmin', 'sysadmin', 'operator'),
  readProposals: (a: Actor) => member(a),
  publishRecord: (a: Actor) => member(a) && has(a, 'publisher'),
};

describe('authorisation matrix through the HTTP API', () => {
  let home: string;
  let node: NodeHandle;
  let genesis: Genesis;
  let suite: CryptoSuite;
  const actors: Actor[] = [];
  const subjects: Subject[] = [];
  const proposals: Proposal[] = [];
  const victims = new Map<string, string>();
  let revokeHeight = 0;

  const tx = (
    signer: Actor | { publicKey: Uint8Array; secretKey: Uint8Array },
    contract: string,
    method: string,
    args: JsonObject,
  ) =>
    signTransaction(
      suite,
      createTransaction({
        chainId: genesis.chainId,
        signer: signer.publicKey,
        contract,
        method,
        args,
        expiresAt: Date.now() + 3_600_000,
        nonce: randomBytes(16),
      }),
      signer.secretKey,
    );

  const post = async (url: string, body: unknown, token?: string) => {
    const r = await fetch(`${node.url}${url}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  /** Submits and waits; returns the receipt (or throws with the admission error). */
  const commit = async (signed: SignedTransaction) => {
    const r = await post('/v1/transactions?wait=true', signed);
    if (r.status !== 200) throw new Error(`setup transaction refused: ${JSON.stringify(r.json)}`);
    const receipt = r.json.receipt as { status: string; code?: string; result?: JsonObject };
    if (receipt.status !== 'ok') throw new Error(`setup transaction failed: ${JSON.stringify(receipt)}`);
    return { receipt, height: r.json.height as number };
  };

  const keyPair = () => {
    const secretKey = suite.randomSecretKey();
    return { secretKey, publicKey: suite.publicKeyFromSecret(secretKey) };
  };

  beforeAll(async () => {
    home = tempDir('authz');
    const port = await freePort();
    const init = await cli(['--home', home, 'init', '--demo', '--kdf-cost', '12', '--port', String(port)]);
    expect(init.code, init.stderr).toBe(0);
    // Every request of this test comes from 127.0.0.1: allow it more sign-ins than the default 30 a minute.
    const configFile = path.join(home, 'node.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify({ ...config, signIn: { challengesPerMinute: 1000 } }));
    node = await startNode(home, port);
    genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8')) as Genesis;
    suite = nativeSuite(genesis.suite);

    for (const m of genesis.members) {
      const cert = parseCertificate(certificateFromBase64(m));
      const id = cert.subject.commonName!;
      const key = await loadKeyFile(path.join(home, 'keys', `${id}.key.json`), E2E_PASSPHRASE);
      actors.push({
        name: id,
        standing: 'valid',
        kind: 'member',
        org: cert.subject.org!,
        roles: cert.member?.roles ?? [],
        publicKey: key.publicKey,
        secretKey: key.secretKey,
      });
    }
    const byName = (n: string) => actors.find((a) => a.name === n)!;

    // Per organisation: a victim (revocation target), a member to be revoked, one whose certificate expires soon.
    const soon = Date.now();
    for (const org of ORGS) {
      const ca = await openCa(home, org, E2E_PASSPHRASE);
      const enrol = async (name: string, validForMs: number) => {
        const k = keyPair();
        const notBefore = Math.floor((soon - 3_600_000) / 1000) * 1000;
        const der = issueCertificate({
          suite,
          issuerSecretKey: ca.secretKey,
          issuer: ca.cert,
          subject: { country: 'CN', org, commonName: name },
          publicKey: k.publicKey,
          serial: randomBytes(12),
          notBefore,
          notAfter: Math.floor((soon + validForMs) / 1000) * 1000,
          member: { kind: 'member', roles: ['caseworker'], attrs: {} },
        });
        await commit(tx(k, 'identity', 'enrol', { cert: Buffer.from(der).toString('base64') }));
        return k;
      };
      const victim = await enrol(`${org}-victim`, 365 * DAY);
      victims.set(org, bytesToHex(victim.publicKey));
      actors.push({ name: `${org}-victim`, standing: 'valid', kind: 'member', org, roles: ['caseworker'], ...victim });
      const revoked = await enrol(`${org}-revoked`, 365 * DAY);
      await commit(
        tx(byName(`${org}-secadmin`), 'identity', 'revoke', {
          key: bytesToHex(revoked.publicKey),
          reason: 'privilegeWithdrawn',
        }),
      );
      actors.push({
        name: `${org}-revoked`,
        standing: 'revoked',
        kind: 'member',
        org,
        roles: ['caseworker'],
        ...revoked,
      });
      const expired = await enrol(`${org}-expired`, 8_000);
      actors.push({
        name: `${org}-expired`,
        standing: 'expired',
        kind: 'member',
        org,
        roles: ['caseworker'],
        ...expired,
      });
    }

    // Citizens and enterprises, registered by the registrars with the subject key co-signing.
    for (const [n, kind, registrar] of [
      ['citizen-a', 'citizen', 'police-registrar'],
      ['citizen-b', 'citizen', 'police-registrar'],
      ['citizen-c', 'citizen', 'police-registrar'],
      ['enterprise-a', 'enterprise', 'market-registrar'],
      ['enterprise-b', 'enterprise', 'market-registrar'],
    ] as const) {
      const k = keyPair();
      const r = byName(registrar);
      const signed = addCosignature(
        suite,
        tx(r, 'identity', 'registerSubject', { publicKey: bytesToHex(k.publicKey), kind }),
        k.secretKey,
      );
      const { receipt } = await commit(signed);
      const subject = (receipt.result as { subject: string }).subject;
      subjects.push({ subject, org: r.org, keys: [bytesToHex(k.publicKey)] });
      actors.push({ name: n, standing: 'valid', kind, org: '', roles: [], subject, ...k });
    }

    // Identities that must be refused everything.
    actors.push({ name: 'stranger', standing: 'unknown', kind: 'none', org: '', roles: [], ...keyPair() });
    const admin = byName('market-admin');
    actors.push({
      name: 'forger-of-market-admin',
      standing: 'forged',
      kind: 'member',
      org: 'market',
      roles: ['admin'],
      publicKey: admin.publicKey,
      secretKey: keyPair().secretKey,
    });
    // A certificate for O=market issued by the police CA, and a self-signed one: enrolment is refused, so unknown.
    const police = await openCa(home, 'police', E2E_PASSPHRASE);
    const wrongCa = keyPair();
    const badCerts = [
      issueCertificate({
        suite,
        issuerSecretKey: police.secretKey,
        issuer: police.cert,
        subject: { country: 'CN', org: 'market', commonName: 'market-imposter' },
        publicKey: wrongCa.publicKey,
        serial: randomBytes(12),
        notBefore: Math.floor((soon - 3_600_000) / 1000) * 1000,
        notAfter: Math.floor((soon + DAY) / 1000) * 1000,
        member: { kind: 'member', roles: ['admin'], attrs: {} },
      }),
    ];
    const selfSigned = keyPair();
    const selfName = { country: 'CN', org: 'market', commonName: 'market-selfsigned' };
    badCerts.push(
      issueCertificate({
        suite,
        issuerSecretKey: selfSigned.secretKey,
        issuer: selfName,
        subject: selfName,
        publicKey: selfSigned.publicKey,
        serial: randomBytes(12),
        notBefore: Math.floor((soon - 3_600_000) / 1000) * 1000,
        notAfter: Math.floor((soon + DAY) / 1000) * 1000,
        member: { kind: 'member', roles: ['admin'], attrs: {} },
      }),
    );
    for (const [i, k] of [wrongCa, selfSigned].entries()) {
      const r = await post(
        '/v1/transactions',
        tx(k, 'identity', 'enrol', { cert: Buffer.from(badCerts[i]!).toString('base64') }),
      );
      expect(r.status).toBe(i === 0 ? 401 : 401);
      expect(String((r.json.error as { code: string }).code)).toMatch(/^X509_/);
      actors.push({
        name: i === 0 ? 'wrong-ca-imposter' : 'self-signed-imposter',
        standing: 'unknown',
        kind: 'member',
        org: 'market',
        roles: ['admin'],
        ...k,
      });
    }

    // One open proposal per organisation (the votes in the matrix are all "no", so none passes).
    for (const org of ORGS) {
      const signed = tx(byName(`${org}-admin`), 'gov', 'propose', {
        actions: [{ type: 'setLimits', maxTxTtlMs: DAY - 1000 * ORGS.indexOf(org) - 1000 }],
        note: `matrix proposal of ${org}`,
      });
      await commit(signed);
      proposals.push({ id: bytesToHex(transactionId(suite, signed.tx)), org });
    }
    const head = (await (await fetch(`${node.url}/v1/blocks/latest`)).json()) as { header: { height: number } };
    revokeHeight = head.header.height + 900_000;

    // Let the short certificates expire, then sign everyone in who can.
    const wait = soon + 8_500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const a of actors) {
      if (!valid(a)) continue;
      a.token = await signIn(a);
    }
  }, 240_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  async function signIn(a: Actor): Promise<string | undefined> {
    const c = await post('/v1/auth/challenge', { publicKey: bytesToHex(a.publicKey) });
    if (c.status !== 200) return undefined;
    const digest = suite.taggedText('lianzheng/sign-in', c.json.message as string);
    const s = await post('/v1/auth/session', {
      challenge: c.json.challenge,
      publicKey: bytesToHex(a.publicKey),
      signature: bytesToHex(suite.sign(a.secretKey, digest)),
    });
    return s.status === 200 ? (s.json.token as string) : undefined;
  }

  function attemptsOf(a: Actor, round: number): Attempt[] {
    const out: Attempt[] = [];
    const t = (
      what: string,
      allow: boolean,
      contract: string,
      method: string,
      args: JsonObject,
      cosigner?: Uint8Array,
    ) => {
      let signed = tx(a, contract, method, args);
      if (cosigner !== undefined) signed = addCosignature(suite, signed, cosigner);
      out.push({ actor: a, what, allow, tx: signed });
    };
    const r = (what: string, allow: boolean, url: string) => out.push({ actor: a, what, allow, read: url });
    t('kv.put', oracle.kvPut(a), 'kv', 'put', { key: `m/${a.name}/${round}`, value: round });
    t('kv.delete', oracle.kvPut(a), 'kv', 'delete', { key: `m/${a.name}/${round}-absent` });
    t('notary.register', oracle.notary(a), 'notary', 'register', {
      alg: 'sha256',
      hash: bytesToHex(randomBytes(32)),
      title: `matrix ${round}`,
    });
    for (const org of ORGS) {
      t(`identity.revoke[${org}]`, oracle.revoke(a, org), 'identity', 'revoke', {
        key: victims.get(org)!,
        reason: 'unspecified',
        height: revokeHeight--,
      });
    }
    const newKey = keyPair();
    t(
      'identity.registerSubject',
      oracle.registerSubject(a),
      'identity',
      'registerSubject',
      {
        publicKey: bytesToHex(newKey.publicKey),
        kind: 'citizen',
      },
      newKey.secretKey,
    );
    for (const s of subjects) {
      const added = keyPair();
      t(
        `identity.addSubjectKey[${s.org}]`,
        oracle.subjectKey(a, s),
        'identity',
        'addSubjectKey',
        {
          subject: s.subject,
          publicKey: bytesToHex(added.publicKey),
        },
        added.secretKey,
      );
      t(`identity.revokeSubjectKey[${s.org}]`, oracle.subjectKey(a, s), 'identity', 'revokeSubjectKey', {
        key: s.keys[0]!,
        reason: 'unspecified',
        height: revokeHeight--,
      });
    }
    // 信息公开: only a publisher, of its own organisation's records (the organisation comes from the signer).
    const recordId = `m-${a.name}-${round}`.slice(0, 64);
    t('records.publish', oracle.publishRecord(a), 'records', 'publish', {
      id: recordId,
      category: 'notice',
      title: `matrix ${round}`,
      body: 'authorisation matrix',
    });
    t('records.withdraw', oracle.publishRecord(a), 'records', 'withdraw', { id: recordId, reason: 'matrix' });
    t('gov.propose', oracle.propose(a), 'gov', 'propose', {
      actions: [{ type: 'setLimits', maxTxTtlMs: DAY - 60_000 - round }],
    });
    for (const p of proposals) {
      t(`gov.vote[${p.org}]`, oracle.vote(a), 'gov', 'vote', { proposal: p.id, approve: false });
      t(`gov.withdraw[${p.org}]`, oracle.withdraw(a, p), 'gov', 'withdraw', { proposal: p.id });
    }
    for (const org of ORGS) r(`read members[${org}]`, oracle.readMembers(a, org), `/v1/identity/members?org=${org}`);
    for (const s of subjects)
      r(`read subject[${s.org}]`, oracle.readSubject(a, s), `/v1/identity/subjects/${s.subject}`);
    r('read expiring', oracle.readExpiring(a), '/v1/identity/expiring');
    r('read proposals', oracle.readProposals(a), '/v1/gov/proposals');
    r('read identity state', member(a), `/v1/state/identity/key/${victims.get('market')}`);
    return out;
  }

  it('refuses every unauthorised attempt with a coded error, and allows every authorised one', async () => {
    const tally = { attempts: 0, allowed: 0, denied: 0, unauthorisedSuccesses: 0, wrongDenials: 0, uncodedDenials: 0 };
    const signIns = { attempts: 0, refused: 0 };
    const failures: string[] = [];
    const byCode = new Map<string, number>();

    // Sign-in itself is part of the matrix: refused identities cannot get a session.
    for (const a of actors) {
      signIns.attempts++;
      const c = await post('/v1/auth/challenge', { publicKey: bytesToHex(a.publicKey) });
      let ok = false;
      if (c.status === 200) {
        const digest = suite.taggedText('lianzheng/sign-in', c.json.message as string);
        const s = await post('/v1/auth/session', {
          challenge: c.json.challenge,
          publicKey: bytesToHex(a.publicKey),
          signature: bytesToHex(suite.sign(a.secretKey, digest)),
        });
        ok = s.status === 200;
        if (!ok)
          byCode.set(
            String((s.json.error as { code: string }).code),
            (byCode.get(String((s.json.error as { code: string }).code)) ?? 0) + 1,
          );
      }
      if (!ok) signIns.refused++;
      if (ok !== valid(a)) failures.push(`sign-in of ${a.name}: ${ok ? 'succeeded' : 'refused'}`);
    }

    for (let round = 0; round < ROUNDS; round++) {
      const attempts = actors.flatMap((a) => attemptsOf(a, round));
      const txs = attempts.filter((x) => x.tx !== undefined);
      const outcomes = new Map<Attempt, { code?: string; ok: boolean }>();
      for (let i = 0; i < txs.length; i += 500) {
        const chunk = txs.slice(i, i + 500);
        const res = await post(
          '/v1/transactions/batch',
          chunk.map((x) => x.tx),
        );
        expect(res.status).toBe(200);
        const results = res.json.results as { id?: string; error?: { code: string } }[];
        await Promise.all(
          chunk.map(async (x, j) => {
            const r = results[j]!;
            if (r.error !== undefined) {
              outcomes.set(x, { ok: false, code: r.error.code });
              return;
            }
            for (;;) {
              const s = (await (await fetch(`${node.url}/v1/transactions/${r.id}`)).json()) as {
                status: string;
                receipt?: { status: string; code?: string };
                code?: string;
              };
              if (s.status === 'committed') {
                outcomes.set(x, s.receipt!.status === 'ok' ? { ok: true } : { ok: false, code: s.receipt!.code! });
                return;
              }
              if (s.status === 'dropped') {
                outcomes.set(x, { ok: false, code: s.code ?? 'DROPPED' });
                return;
              }
              await new Promise((w) => setTimeout(w, 20));
            }
          }),
        );
      }
      for (const x of attempts.filter((y) => y.read !== undefined)) {
        const res = await fetch(`${node.url}${x.read}`, {
          headers: x.actor.token === undefined ? {} : { authorization: `Bearer ${x.actor.token}` },
        });
        const body = (await res.json()) as { error?: { code: string } };
        outcomes.set(
          x,
          res.status === 200 ? { ok: true } : { ok: false, code: body.error?.code ?? `HTTP_${res.status}` },
        );
      }
      for (const x of attempts) {
        const o = outcomes.get(x)!;
        tally.attempts++;
        const deniedForAuth = !o.ok && o.code !== undefined && AUTH_CODES.has(o.code);
        if (!o.ok && o.code !== undefined) byCode.set(o.code, (byCode.get(o.code) ?? 0) + 1);
        if (x.allow) {
          tally.allowed++;
          if (deniedForAuth) {
            tally.wrongDenials++;
            failures.push(`${x.actor.name} ${x.what}: denied with ${o.code}, the policy allows it`);
          }
        } else {
          tally.denied++;
          if (o.ok) {
            tally.unauthorisedSuccesses++;
            failures.push(`${x.actor.name} ${x.what}: SUCCEEDED, the policy forbids it`);
          } else if (!deniedForAuth) {
            tally.uncodedDenials++;
            failures.push(`${x.actor.name} ${x.what}: refused with ${o.code}, not an authorisation code`);
          }
        }
      }
    }
    process.stdout.write(
      `\nAuthorisation matrix: ${tally.attempts} attempts (${tally.allowed} allowed by the oracle, ${tally.denied} ` +
        `forbidden) by ${actors.length} identities over ${ROUNDS} rounds, plus ${signIns.attempts} sign-ins ` +
        `(${signIns.refused} refused)\n  unauthorised successes: ${tally.unauthorisedSuccesses}\n  ` +
        `authorised attempts denied: ${tally.wrongDenials}\n  forbidden attempts refused without an ` +
        `authorisation code: ${tally.uncodedDenials}\n  refusal codes: ${JSON.stringify(Object.fromEntries(byCode))}\n`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(tally.unauthorisedSuccesses).toBe(0);
    expect(tally.attempts).toBeGreaterThanOrEqual(10_000);
  }, 600_000);
});

/**
 * Certificates, identities and governance end to end, the way operators do it: the `lianzheng` CLI against a real
 * node process. A new department gets a CA, is voted in, its admin enrols and acts; an expired proposal cannot be
 * voted on; a change that would leave the consortium unable to decide is refused; a removed department's staff are
 * refused; forged, self-signed, wrong-CA, expired and revoked certificates are refused with codes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadKeyFile, nativeSuite, openCa } from '@lianzheng/node';
import { bytesToHex, certificateToPem, issueCertificate } from '@lianzheng/protocol';
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

interface Committed {
  id: string;
  height: number;
  receipt: { status: string; code?: string; result?: Record<string, unknown> };
}

describe('certificates, identities and governance through the CLI', () => {
  let home: string;
  let node: NodeHandle;
  const g = () => ['--home', home, '--url', node.url, '--json'];

  /** Runs a CLI command that submits a transaction; returns the committed receipt (or the coded error). */
  async function run(args: readonly string[]): Promise<Committed & { exit: number; stderr: string }> {
    const r = await cli([...g(), ...args]);
    if (r.stdout.trim().startsWith('{'))
      return { ...(JSON.parse(r.stdout) as Committed), exit: r.code, stderr: r.stderr };
    return { id: '', height: -1, receipt: { status: 'error' }, exit: r.code, stderr: r.stderr };
  }

  async function config(): Promise<{ version: number; height: number; config: { orgs: { id: string }[] } }> {
    return (await (await fetch(`${node.url}/v1/config`)).json()) as never;
  }

  beforeAll(async () => {
    home = tempDir('gov');
    const port = await freePort();
    const init = await cli(['--home', home, 'init', '--demo', '--kdf-cost', '12', '--port', String(port)]);
    expect(init.code, init.stderr).toBe(0);
    node = await startNode(home, port);
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('a new department is voted in; from the next block its admin enrols, acts and votes', async () => {
    const created = await cli([...g(), 'ca', 'init', '--org', 'transport']);
    expect(created.code, created.stderr).toBe(0);
    const ca = JSON.parse(created.stdout) as { ca: string; pem: string };
    // The root is a real X.509 certificate that openssl can read (checked in the protocol tests); here its file exists.
    expect(readFileSync(ca.pem, 'utf8')).toContain('BEGIN CERTIFICATE');

    const issued = await cli([
      ...g(),
      'ca',
      'issue',
      '--org',
      'transport',
      '--id',
      'transport-admin',
      '--roles',
      'admin',
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    // Before the vote, the consortium does not know the organisation: enrolment is refused with a code.
    const early = await run(['identity', 'enrol', '--cert', 'transport-admin']);
    expect(early.exit).toBe(1);
    expect(early.stderr).toContain('X509_UNTRUSTED');

    const addOrg = JSON.stringify({
      type: 'addOrg',
      org: { id: 'transport', name: '交通运输局', nameEn: 'Transport Bureau', ca: [ca.ca], nodes: [], weight: 1 },
    });
    const proposed = await run([
      'gov',
      'propose',
      '--action',
      addOrg,
      '--note',
      '交通运输局加入联盟',
      '--key',
      'market-admin',
    ]);
    expect(proposed.receipt.status, proposed.stderr).toBe('ok');
    const proposal = proposed.receipt.result!.proposal as string;
    expect(proposed.receipt.result!.status).toBe('open');

    // A caseworker may not vote; an organisation votes once.
    const caseworker = await run(['gov', 'vote', proposal, '--yes', '--key', 'realestate-caseworker']);
    expect(caseworker.exit).toBe(1);
    expect(caseworker.stderr).toContain('POLICY_DENIED');
    const first = await run(['gov', 'vote', proposal, '--yes', '--key', 'realestate-admin']);
    expect(first.receipt.result!.status).toBe('open');
    const again = await run(['gov', 'vote', proposal, '--no', '--key', 'realestate-admin']);
    expect(again.receipt.code).toBe('GOV_ALREADY_VOTED');
    expect((await config()).version).toBe(1);

    const deciding = await run(['gov', 'vote', proposal, '--yes', '--key', 'police-admin']);
    expect(deciding.receipt.result).toMatchObject({ status: 'approved', configVersion: 2 });
    const now = await config();
    expect(now.version).toBe(2);
    expect(now.height).toBe(deciding.height);
    expect(now.config.orgs.map((o) => o.id)).toContain('transport');
    // The block before still had version 1: configuration is state, with history and proofs.
    const before = (await (await fetch(`${node.url}/v1/state/gov/config?height=${deciding.height - 1}`)).json()) as {
      value: { version: number };
    };
    expect(before.value.version).toBe(1);

    const enrolled = await run(['identity', 'enrol', '--cert', 'transport-admin']);
    expect(enrolled.receipt.status, enrolled.stderr).toBe('ok');
    const put = await run(['tx', 'kv', 'put', '--args', '{"key":"routes","value":12}', '--key', 'transport-admin']);
    expect(put.receipt.status).toBe('ok');
    const list = await cli([...g(), 'gov', 'list', '--key', 'transport-admin']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string; status: string }[]).find((p) => p.id === proposal)?.status).toBe(
      'approved',
    );
  });

  it('an expired proposal cannot be voted on', async () => {
    const action = JSON.stringify({ type: 'setLimits', maxTxTtlMs: 43_200_000 });
    const proposed = await run([
      'gov',
      'propose',
      '--action',
      action,
      '--ttl-days',
      '0.00003',
      '--key',
      'health-admin',
    ]);
    expect(proposed.receipt.status, proposed.stderr).toBe('ok');
    const proposal = proposed.receipt.result!.proposal as string;
    await new Promise((r) => setTimeout(r, 3_500));
    const late = await run(['gov', 'vote', proposal, '--yes', '--key', 'finance-admin']);
    expect(late.receipt.code).toBe('GOV_PROPOSAL_EXPIRED');
    const shown = await cli([...g(), 'gov', 'show', proposal, '--key', 'health-admin']);
    expect((JSON.parse(shown.stdout) as { status: string }).status).toBe('expired');
    expect((await config()).version).toBe(2);
  });

  it('a change that would leave the consortium unable to decide is refused with GOV_QUORUM_UNREACHABLE', async () => {
    for (const action of [
      { type: 'setGovernance', need: { k: 7 } },
      { type: 'setPolicy', key: 'gov.vote', policy: { all: [{ role: 'admin' }, { org: 'market' }] } },
      { type: 'setPolicy', key: 'kv.put', policy: { quorum: { need: 'ALL', of: ['market', 'police', 'ghost'] } } },
    ]) {
      const r = await run(['gov', 'propose', '--action', JSON.stringify(action), '--key', 'market-admin']);
      expect(r.exit, JSON.stringify(action)).toBe(1);
      expect(`${r.receipt.code ?? ''}${r.stderr}`).toMatch(/GOV_QUORUM_UNREACHABLE|POLICY_INVALID|GOV_ACTION_INVALID/);
    }
    const k7 = await run([
      'gov',
      'propose',
      '--action',
      JSON.stringify({ type: 'setGovernance', need: { k: 7 } }),
      '--key',
      'market-admin',
    ]);
    expect(k7.receipt.code).toBe('GOV_QUORUM_UNREACHABLE');
  });

  it("a removed department's staff are refused from the next block", async () => {
    const before = await run([
      'tx',
      'kv',
      'put',
      '--args',
      '{"key":"budget","value":1}',
      '--key',
      'finance-caseworker',
    ]);
    expect(before.receipt.status).toBe('ok');
    const proposed = await run([
      'gov',
      'propose',
      '--action',
      '{"type":"removeOrg","org":"finance"}',
      '--key',
      'market-admin',
    ]);
    const proposal = proposed.receipt.result!.proposal as string;
    // Six organisations now: a majority is four.
    for (const org of ['police', 'health']) {
      expect((await run(['gov', 'vote', proposal, '--yes', '--key', `${org}-admin`])).receipt.result!.status).toBe(
        'open',
      );
    }
    const decided = await run(['gov', 'vote', proposal, '--yes', '--key', 'transport-admin']);
    expect(decided.receipt.result).toMatchObject({ status: 'approved', configVersion: 3 });
    const after = await run(['tx', 'kv', 'put', '--args', '{"key":"budget","value":2}', '--key', 'finance-caseworker']);
    expect(after.exit).toBe(1);
    expect(after.stderr).toContain('IDENTITY_ORG_REMOVED');
    const admin = await run(['gov', 'vote', proposal, '--no', '--key', 'finance-admin']);
    expect(admin.stderr).toContain('IDENTITY_ORG_REMOVED');
  });

  it('forged, self-signed, wrong-CA, expired and revoked certificates are refused with codes', async () => {
    const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8')) as { suite: 'ed25519-sha256' };
    const suite = nativeSuite(genesis.suite);
    const market = await openCa(home, 'market', E2E_PASSPHRASE);
    const police = await openCa(home, 'police', E2E_PASSPHRASE);
    const now = Date.now();
    const notBefore = Math.floor((now - 3_600_000) / 1000) * 1000;
    const cases: { name: string; code: RegExp; make: (pub: Uint8Array, secret: Uint8Array) => Uint8Array }[] = [
      {
        name: 'forged (signature altered)',
        code: /X509_SIGNATURE_INVALID/,
        make: (pub) => {
          const der = issueCertificate({
            suite,
            issuerSecretKey: market.secretKey,
            issuer: market.cert,
            subject: { country: 'CN', org: 'market', commonName: 'market-forged' },
            publicKey: pub,
            serial: randomBytes(8),
            notBefore,
            notAfter: notBefore + 86_400_000,
            member: { kind: 'member', roles: ['admin'], attrs: {} },
          });
          der[der.length - 1] = der[der.length - 1]! ^ 0x40;
          return der;
        },
      },
      {
        name: 'self-signed',
        code: /X509_(UNTRUSTED|SIGNATURE_INVALID)/,
        make: (pub, secret) => {
          const dn = { country: 'CN', org: 'market', commonName: 'market-self' };
          return issueCertificate({
            suite,
            issuerSecretKey: secret,
            issuer: dn,
            subject: dn,
            publicKey: pub,
            serial: randomBytes(8),
            notBefore,
            notAfter: notBefore + 86_400_000,
            member: { kind: 'member', roles: ['admin'], attrs: {} },
          });
        },
      },
      {
        name: 'wrong CA (police CA, O=market)',
        code: /X509_(UNTRUSTED|SIGNATURE_INVALID)/,
        make: (pub) =>
          issueCertificate({
            suite,
            issuerSecretKey: police.secretKey,
            issuer: police.cert,
            subject: { country: 'CN', org: 'market', commonName: 'market-wrongca' },
            publicKey: pub,
            serial: randomBytes(8),
            notBefore,
            notAfter: notBefore + 86_400_000,
            member: { kind: 'member', roles: ['admin'], attrs: {} },
          }),
      },
      {
        name: 'expired',
        code: /X509_EXPIRED/,
        make: (pub) =>
          issueCertificate({
            suite,
            issuerSecretKey: market.secretKey,
            issuer: market.cert,
            subject: { country: 'CN', org: 'market', commonName: 'market-old' },
            publicKey: pub,
            serial: randomBytes(8),
            notBefore,
            notAfter: notBefore + 1000,
            member: { kind: 'member', roles: ['admin'], attrs: {} },
          }),
      },
    ];
    for (const c of cases) {
      const id = `bad-${cases.indexOf(c)}`;
      const keyFile = path.join(home, 'keys', `${id}.key.json`);
      expect((await cli([...g(), 'keys', 'generate', '--id', id, '--org', 'market', '--out', keyFile])).code).toBe(0);
      const key = await loadKeyFile(keyFile, E2E_PASSPHRASE);
      const pem = path.join(home, `${id}.pem`);
      writeFileSync(pem, certificateToPem(c.make(key.publicKey, key.secretKey)));
      const r = await run(['identity', 'enrol', '--cert', pem, '--key', keyFile]);
      expect(r.exit, c.name).toBe(1);
      expect(`${r.receipt.code ?? ''} ${r.stderr}`, c.name).toMatch(c.code);
    }

    // Revoked: a valid member is revoked by its security administrator, then refused from the next block.
    const issued = await cli([
      ...g(),
      'ca',
      'issue',
      '--org',
      'market',
      '--id',
      'market-temp',
      '--roles',
      'caseworker',
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    expect((await run(['identity', 'enrol', '--cert', 'market-temp'])).receipt.status).toBe('ok');
    expect(
      (await run(['tx', 'kv', 'put', '--args', '{"key":"t","value":1}', '--key', 'market-temp'])).receipt.status,
    ).toBe('ok');
    // Another organisation's security administrator may not revoke it.
    const foreign = await run(['ca', 'revoke', 'market-temp', '--reason', 'keyCompromise', '--key', 'police-secadmin']);
    expect(foreign.stderr).toContain('POLICY_DENIED');
    const revoked = await run(['ca', 'revoke', 'market-temp', '--reason', 'keyCompromise', '--key', 'market-secadmin']);
    expect(revoked.receipt.status, revoked.stderr).toBe('ok');
    expect(revoked.receipt.result!.height).toBe(revoked.height + 1);
    const refused = await run(['tx', 'kv', 'put', '--args', '{"key":"t","value":2}', '--key', 'market-temp']);
    expect(refused.stderr).toContain('IDENTITY_REVOKED');
    // Its certificate cannot be enrolled again either.
    const re = await run(['identity', 'enrol', '--cert', 'market-temp']);
    expect(`${re.receipt.code ?? ''} ${re.stderr}`).toMatch(/IDENTITY_REVOKED|IDENTITY_ALREADY_ENROLLED/);
    expect(bytesToHex(market.cert.publicKey)).toHaveLength(64);
  });

  it('ca expiring and /health report certificates close to expiry', async () => {
    const issued = await cli([
      ...g(),
      'ca',
      'issue',
      '--org',
      'police',
      '--id',
      'police-shortlived',
      '--roles',
      'caseworker',
      '--days',
      '10',
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    expect((await run(['identity', 'enrol', '--cert', 'police-shortlived'])).receipt.status).toBe('ok');
    const expiring = await cli([...g(), 'ca', 'expiring', '--days', '30', '--key', 'police-admin']);
    expect(expiring.code, expiring.stderr).toBe(0);
    const report = JSON.parse(expiring.stdout) as {
      local: { subject: string }[];
      enrolled: { members: { member: string }[] };
    };
    expect(report.local.map((c) => c.subject)).toContain('police/police-shortlived');
    expect(report.enrolled.members.map((m) => m.member)).toContain('police-shortlived');
    const health = (await (await fetch(`${node.url}/health`)).json()) as {
      certificates: { status: string; membersExpiring: number; node: { daysLeft: number } };
    };
    expect(health.certificates.status).toBe('warn');
    expect(health.certificates.membersExpiring).toBeGreaterThanOrEqual(1);
    expect(health.certificates.node.daysLeft).toBeGreaterThan(300);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(/lianzheng_member_certificates_expiring [1-9]/);
    expect(metrics).toMatch(/lianzheng_certificate_expiry_seconds\{kind="node",org="market",id="market-node"\} \d+/);
  });
});

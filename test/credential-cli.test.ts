/**
 * E-licences the way people use them (ADR 0015): a real demo node, the market regulator's seal issues a business
 * licence to an enterprise with `lianzheng credential issue`, the enterprise presents the company name only, bound to
 * a bank's nonce — verified online, and offline from a bundle with the status proof while no node is reachable — then
 * the regulator revokes it and the same checks refuse it with coded errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, demoIdentities, type NodeHandle, removeDir, startDemoNode } from './helpers/nodeProcess.js';

describe('lianzheng credential: issue, present, verify online and offline, revoke', () => {
  let home: string;
  let node: NodeHandle;
  const g = () => ['--home', home, '--url', node.url];

  beforeAll(async () => {
    ({ home, node } = await startDemoNode('credential-cli'));
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('the whole life of a business licence', async () => {
    const ids = await demoIdentities<{ id: string; subject?: string; publicKey: string }>(home);
    const holder = ids.find((i) => i.id === 'enterprise-1') as { subject: string; publicKey: string };
    const file = path.join(home, 'licence.sdjwt');
    const issued = await cli([
      ...g(),
      '--json',
      'credential',
      'issue',
      '--type',
      'business-licence',
      '--holder',
      holder.subject,
      '--holder-key',
      holder.publicKey,
      '--claims',
      JSON.stringify({ licence_no: '91330106MA2AB3CD4E' }),
      '--disclosable',
      JSON.stringify({ company_name: '西湖数字科技有限公司', legal_representative_id: '330106197903033318' }),
      '--key',
      'market-seal',
      '--out',
      file,
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    const id = (JSON.parse(issued.stdout) as { receipt: { result: { id: string } } }).receipt.result.id;
    expect(readFileSync(file, 'utf8')).toContain('~');

    // Another department's seal may not issue this type.
    const wrong = await cli([
      ...g(),
      'credential',
      'issue',
      '--type',
      'business-licence',
      '--holder',
      holder.subject,
      '--holder-key',
      holder.publicKey,
      '--key',
      'police-seal',
      '--out',
      path.join(home, 'x.sdjwt'),
    ]);
    expect(wrong.code).not.toBe(0);
    expect(`${wrong.stdout}${wrong.stderr}`).toContain('CREDENTIAL_ISSUER_NOT_AUTHORISED');

    const present = (nonce: string, withStatus: boolean) =>
      cli([
        ...g(),
        'credential',
        'present',
        file,
        '--aud',
        'bank.example',
        '--nonce',
        nonce,
        '--disclose',
        'company_name',
        '--key',
        'enterprise-1',
        ...(withStatus ? ['--with-status'] : []),
      ]);
    const verify = (input: string, nonce: string, extra: string[] = [], url = node.url) =>
      cli([
        '--home',
        home,
        '--url',
        url,
        '--json',
        'credential',
        'verify',
        input,
        '--aud',
        'bank.example',
        '--nonce',
        nonce,
        ...extra,
      ]);

    // Online: the verifier fetches the status and its proof from the node (and trusts only genesis.json).
    const p1 = await present('n-1', false);
    expect(p1.code, p1.stderr).toBe(0);
    const ok = await verify(p1.stdout.trim(), 'n-1');
    expect(ok.code, ok.stderr).toBe(0);
    const v = JSON.parse(ok.stdout) as { type: string; org: string; claims: Record<string, unknown> };
    expect(v).toMatchObject({ type: 'business-licence', org: 'market' });
    expect(v.claims.company_name).toBe('西湖数字科技有限公司');
    expect(v.claims.legal_representative_id).toBeUndefined();
    // Replayed to another verifier session (another nonce): refused.
    const replay = await verify(p1.stdout.trim(), 'n-2');
    expect(replay.code).not.toBe(0);
    expect(replay.stderr).toContain('SD_JWT_KB_INVALID');

    // Offline: a bundle with the status proof; no node is reachable at all.
    const bundle = path.join(home, 'bundle.json');
    const p2 = await present('n-3', true);
    expect(p2.code, p2.stderr).toBe(0);
    writeFileSync(bundle, p2.stdout);
    const offline = await verify(bundle, 'n-3', [], 'http://127.0.0.1:1');
    expect(offline.code, offline.stderr).toBe(0);
    const checkpointHeight = (JSON.parse(offline.stdout) as { checkpointHeight: number }).checkpointHeight;

    // Revoked: online it is refused; the old bundle is refused by a verifier that has seen a newer block.
    const revoke = await cli([
      ...g(),
      'credential',
      'revoke',
      id,
      '--reason',
      'revoked-by-decision',
      '--key',
      'market-registrar',
    ]);
    expect(revoke.code, revoke.stderr).toBe(0);
    let revoked = '';
    for (let i = 0; i < 100 && !revoked.includes('CREDENTIAL_REVOKED'); i++) {
      const p = await present(`n-r${i}`, false);
      revoked = (await verify(p.stdout.trim(), `n-r${i}`)).stderr;
      if (!revoked.includes('CREDENTIAL_REVOKED')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(revoked).toContain('CREDENTIAL_REVOKED');
    const stale = await verify(bundle, 'n-3', ['--min-checkpoint', String(checkpointHeight + 1)], 'http://127.0.0.1:1');
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('CREDENTIAL_STATUS_STALE');
    const status = await cli([...g(), 'credential', 'status', id]);
    expect(status.stdout).toContain('revoked');
  });

  it('issued at the outcome: the demo licence case approved, collected, shown by QR link, verified, revoked', async () => {
    const json = async (...args: string[]) => {
      const r = await cli([...g(), '--json', ...args]);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    // The demo's business-licence application of enterprise-1, still at review.
    const { cases } = (await json('workflow', 'cases', '--mine', '--key', 'enterprise-1')) as {
      cases: { id: string; workflow: string; status: string }[];
    };
    const c = cases.find((x) => x.workflow === 'business-licence' && x.status === 'open');
    expect(c).toBeDefined();
    const caseId = (c as { id: string }).id;
    await json('workflow', 'act', caseId, 'approve', '--key', 'market-caseworker', '--form', '{"opinion":"材料齐全"}');
    await json(
      'workflow',
      'act',
      caseId,
      'approve',
      '--key',
      'market-registrar',
      '--form',
      '{"licenceNo":"91330106MA2AB3CD7K"}',
    );

    // The market node signs and anchors the licence by itself; the enterprise sees it waiting and collects it.
    let waiting: { id: string; type: string; case: string }[] = [];
    for (let i = 0; i < 100 && waiting.length === 0; i++) {
      waiting = ((await json('credential', 'inbox', '--key', 'enterprise-1')) as { credentials: typeof waiting })
        .credentials;
      if (waiting.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(waiting).toMatchObject([{ type: 'business-licence', case: caseId }]);
    const id = (waiting[0] as { id: string }).id;
    const walletDir = path.join(home, 'wallet-enterprise-1');
    const collected = (await json('credential', 'collect', '--key', 'enterprise-1', '--wallet', walletDir)) as {
      collected: { id: string; shown: Record<string, unknown>; disclosable: Record<string, unknown> }[];
    };
    expect(collected.collected).toMatchObject([
      {
        id,
        shown: { companyName: '西湖数字科技有限公司', creditCode: '91330106MA2AB3CD7K' },
        disclosable: { legalRepresentative: '陈立新', legalRepresentativeId: '330106197903033318' },
      },
    ]);
    expect(
      ((await json('credential', 'inbox', '--key', 'enterprise-1')) as { credentials: unknown[] }).credentials,
    ).toEqual([]);

    // A presentation for a bank, as the text of a QR code (a link: it is too long for one code), verified from it.
    const p = await cli([
      ...g(),
      'credential',
      'present',
      path.join(walletDir, `${id}.sdjwt`),
      '--aud',
      'bank.example',
      '--nonce',
      'qr-1',
      '--disclose',
      'address',
      '--key',
      'enterprise-1',
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).not.toContain('330106197903033318');
    const qr = (await json('credential', 'qr', p.stdout.trim())) as { qr: string; inline: boolean };
    expect(qr.inline).toBe(false);
    expect(qr.qr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/presentations\//);
    const verified = await json('credential', 'verify', qr.qr, '--aud', 'bank.example', '--nonce', 'qr-1');
    expect(verified).toMatchObject({ id, type: 'business-licence', claims: { companyName: '西湖数字科技有限公司' } });
    expect(verified.claims).not.toHaveProperty('legalRepresentativeId');

    await json('credential', 'revoke', id, '--reason', 'cancelled', '--key', 'market-registrar');
    let refused = '';
    for (let i = 0; i < 100 && !refused.includes('CREDENTIAL_REVOKED'); i++) {
      const again = await cli([
        ...g(),
        'credential',
        'present',
        path.join(walletDir, `${id}.sdjwt`),
        '--aud',
        'bank.example',
        '--nonce',
        `qr-r${i}`,
        '--key',
        'enterprise-1',
      ]);
      refused = (
        await cli([...g(), 'credential', 'verify', again.stdout.trim(), '--aud', 'bank.example', '--nonce', `qr-r${i}`])
      ).stderr;
      if (!refused.includes('CREDENTIAL_REVOKED')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toContain('CREDENTIAL_REVOKED');

    // The department's list: the registrar finds it under revoked, not under valid; the holder may not list.
    const revokedList = (await json('credential', 'list', '--key', 'market-registrar', '--status', 'revoked')) as {
      org: string;
      total: number;
      items: { id: string; status: string; case?: string }[];
    };
    expect(revokedList.org).toBe('market');
    expect(revokedList.items.find((x) => x.id === id)).toMatchObject({ status: 'revoked', case: caseId });
    const validList = (await json('credential', 'list', '--key', 'market-registrar', '--status', 'valid')) as {
      items: { id: string }[];
    };
    expect(validList.items.map((x) => x.id)).not.toContain(id);
    const human = await cli([...g(), 'credential', 'list', '--key', 'market-registrar', '--limit', '1']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^market: \d+ licence\(s\) at block \d+/);
    expect(human.stdout).toContain('more: --cursor');
    const denied = await cli([...g(), 'credential', 'list', '--key', 'enterprise-1', '--org', 'market']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('POLICY_DENIED');
    const bad = await cli([...g(), 'credential', 'list', '--key', 'market-registrar', '--status', 'lost']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('CLI_USAGE');
  });
});

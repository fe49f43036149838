/**
 * Personal data across real department nodes (docs/privacy.md §Sharing, §Erasure): three node processes (市场监督管理局,
 * 不动产登记中心, 公安局) over a real three-member etcd cluster. The police registrar registers a citizen's record on
 * the police node with a policy naming the market bureau as a reader; the market node fetches it from its peers by
 * itself and the market registrar reads it through that node; the real-estate node, not in the policy, never gets it
 * (and a transfer request signed with its own node key is refused). Then the citizen asks for erasure, the police
 * security administrator approves, and on both holding nodes the record file disappears and no file anywhere under
 * the test directory (node homes with their LMDB files, etcd data) holds the plaintext, the salt or the record's
 * ciphertext and sealed key bytes; later reads through either node are denied PRIVATE_RECORD_ERASED and listed in the
 * citizen's access log. Figures (fetch time, erasure time) are printed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { generateKeyPair, type KeyPair, loadKeyFile, nativeSuite } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  canonicalize,
  HashTag,
  isLianzhengError,
  type JsonObject,
} from '@lianzheng/protocol';
import {
  type Client,
  createClient,
  getAccessLog,
  httpTransport,
  type PrivacySigner,
  readPersonal,
  registerPersonal,
  signIn,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consortium, type ConsortiumNode } from './helpers/consortium.js';
import { E2E_PASSPHRASE, postJson, removeDir, signed, tempDir } from './helpers/nodeProcess.js';
import { filesUnder, hitsIn, type Needle, textNeedles } from './helpers/scan.js';

/** Known personal values: after erasure no file may hold any of them. */
const PERSON = { name: '司马青云', idNumber: '330102198805164321', address: '杭州市上城区清泰街八十八号' };

interface RecordFile {
  key: { iv: string; ct: string; tag: string };
  content: { iv: string; ct: string; tag: string };
}

/** The sealed bytes of a record file, decoded (hex or base64) and as written. */
function secretsOf(label: string, file: RecordFile): Needle[] {
  const decode = (s: string) => (/^[0-9a-f]+$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64'));
  const fields: [string, string][] = [
    ['key.ct', file.key.ct],
    ['key.iv', file.key.iv],
    ['key.tag', file.key.tag],
    ['content.ct', file.content.ct],
    ['content.iv', file.content.iv],
    ['content.tag', file.content.tag],
  ];
  return fields.flatMap(([name, s]) => [
    { label: `${label} ${name} (decoded)`, bytes: decode(s) },
    { label: `${label} ${name} (text)`, bytes: Buffer.from(s, 'utf8') },
  ]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return isLianzhengError(e) ? e.code : String(e);
  }
}

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await test()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Both suites: under sm2-sm3 the records are sealed with SM4-CTR + HMAC-SM3 and move under an SM2 key agreement.
describe.each(['ed25519-sha256', 'sm2-sm3'] as const)('personal data between real department nodes (%s)', (suiteId) => {
  let dir: string;
  let c: Consortium;
  let market: ConsortiumNode;
  let realestate: ConsortiumNode;
  let police: ConsortiumNode;
  const keys = new Map<string, KeyPair>();
  let citizen: KeyPair;
  let subject: string;
  let record: string;
  let salt: string;
  const figures: Record<string, number | string> = {};
  const suite = () => nativeSuite(c.genesis.suite);
  const key = (id: string) => keys.get(id)!;
  const recordFile = (n: ConsortiumNode) => path.join(n.home, 'private', 'records', `${record}.json`);

  const signerOf = (k: KeyPair): PrivacySigner => ({
    suite: suite(),
    chainId: c.genesis.chainId,
    publicKey: k.publicKey,
    sign: async (d) => suite().sign(k.secretKey, d),
  });
  const client = (n: ConsortiumNode): Client => createClient({ transport: httpTransport(n.url) });
  const sessions = new Map<string, Client>();
  const sessionOf = async (n: ConsortiumNode, k: KeyPair): Promise<Client> => {
    const id = `${n.org}/${bytesToHex(k.publicKey)}`;
    let s = sessions.get(id);
    if (s === undefined) {
      const r = await signIn(client(n), {
        suite: suite(),
        publicKey: k.publicKey,
        signer: async (d) => suite().sign(k.secretKey, d),
      });
      s = withSession(client(n), r.token);
      sessions.set(id, s);
    }
    return s;
  };
  const submit = async (n: ConsortiumNode, tx: unknown) => {
    const r = await postJson(`${n.url}/v1/transactions?wait=true&timeoutMs=30000`, tx);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const receipt = (r.json as { receipt: { status: string; result?: unknown; code?: string } }).receipt;
    expect(receipt.status, JSON.stringify(receipt)).toBe('ok');
    return receipt.result as Record<string, unknown>;
  };
  const storeReport = async (n: ConsortiumNode, decrypt = false) =>
    (await sessionOf(n, key(`${n.org}-sysadmin`))).transport.request<Record<string, unknown>>(
      'GET',
      `/v1/privacy/store${decrypt ? '?decrypt=true' : ''}`,
    );

  beforeAll(async () => {
    dir = tempDir('privacy-consortium');
    c = await Consortium.start(dir, { orgs: 3, suite: suiteId });
    [market, realestate, police] = [c.nodes[0]!, c.nodes[1]!, c.nodes[2]!];
    expect([market.org, realestate.org, police.org]).toEqual(['market', 'realestate', 'police']);
    const ids = [
      'police-registrar',
      'police-secadmin',
      'police-auditor',
      'police-sysadmin',
      'market-registrar',
      'market-sysadmin',
      'realestate-registrar',
      'realestate-sysadmin',
      'realestate-node',
    ];
    // Every staff key file is in the first node's home (initCluster).
    for (const id of ids) {
      keys.set(id, await loadKeyFile(path.join(market.home, 'keys', `${id}.key.json`), E2E_PASSPHRASE));
    }
    citizen = generateKeyPair(c.genesis.suite, 'privacy-citizen', 'police');
    const reg = addCosignature(
      suite(),
      signed(c.genesis, key('police-registrar'), 'identity', 'registerSubject', {
        publicKey: bytesToHex(citizen.publicKey),
        kind: 'citizen',
      }),
      citizen.secretKey,
    );
    subject = (await submit(police, reg)).subject as string;
    expect(subject).toMatch(/^[0-9a-f]+$/);
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
    console.log(`privacy consortium figures (${suiteId}): ${JSON.stringify(figures)}`);
    if (dir !== undefined) removeDir(dir);
  }, 120_000);

  it('the police node registers a record; the market node (a reader) fetches it by itself and serves its reader', async () => {
    const r = await registerPersonal(client(police), signerOf(key('police-registrar')), {
      value: PERSON,
      category: 'identity',
      subject,
      policy: [
        { org: 'police', purposes: ['audit', 'household-administration'] },
        { org: 'market', purposes: ['household-administration'] },
      ],
    });
    record = r.record;
    salt = r.salt;
    expect(existsSync(recordFile(police))).toBe(true);
    // The market node learns of the record from the block and asks its peers for it: no client involved.
    const fetchedAfter = await until('the market node holds the record', () => existsSync(recordFile(market)), 30_000);
    figures.registerToReaderNodeMs = Math.round(fetchedAfter);
    expect(await storeReport(market, true)).toMatchObject({ records: 1, pending: 0, missing: [], mismatched: [] });
    const held = await (await sessionOf(market, key('market-registrar'))).transport.request<{ held: boolean }>(
      'GET',
      `/v1/privacy/records/${record}`,
    );
    expect(held.held).toBe(true);

    const t0 = performance.now();
    const read = await readPersonal(
      await sessionOf(market, key('market-registrar')),
      signerOf(key('market-registrar')),
      {
        record,
        purpose: 'household-administration',
      },
    );
    figures.readThroughReaderNodeMs = Math.round(performance.now() - t0);
    expect(read.value).toEqual(PERSON);
    expect(read.entry).toMatchObject({ decision: 'allowed', purpose: 'household-administration', record });
    // The police node's own auditor reads it too.
    const audit = await readPersonal(await sessionOf(police, key('police-auditor')), signerOf(key('police-auditor')), {
      record,
      purpose: 'audit',
    });
    expect(audit.value).toEqual(PERSON);
  });

  it('the real-estate node (not in the policy) never gets the record, and a transfer request of its own is refused', async () => {
    // Give it every chance: the block is long on its ledger, the market node got the record meanwhile.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(existsSync(recordFile(realestate))).toBe(false);
    expect(filesUnder(path.join(realestate.home, 'private')).filter((f) => f.includes(record))).toEqual([]);
    expect(await storeReport(realestate)).toMatchObject({ records: 0, pending: 0, missing: [], orphans: [] });
    const held = await (await sessionOf(realestate, key('realestate-registrar'))).transport.request<{ held: boolean }>(
      'GET',
      `/v1/privacy/records/${record}`,
    );
    expect(held.held).toBe(false);
    // Its registrar asks through its own node: denied by the record's policy, and recorded.
    expect(
      await codeOf(
        readPersonal(await sessionOf(realestate, key('realestate-registrar')), signerOf(key('realestate-registrar')), {
          record,
          purpose: 'household-administration',
        }),
      ),
    ).toBe('PRIVACY_POLICY_DENIED');
    expect(existsSync(recordFile(realestate))).toBe(false);

    // A transfer request signed with the real-estate node's own key, straight to the police node.
    const nodeKey = key('realestate-node');
    const transfer = async (as: { node: string; org: string; key: KeyPair }) => {
      const request = {
        chainId: c.genesis.chainId,
        record,
        node: as.node,
        org: as.org,
        ephemeral: bytesToHex(new Uint8Array(32).map((_, i) => i + 9)),
        time: Date.now(),
      };
      const digest = suite().taggedText(HashTag.privateTransferRequest, canonicalize(request as unknown as JsonObject));
      const signature = bytesToHex(suite().sign(as.key.secretKey, digest));
      return postJson(`${police.url}/v1/privacy/transfer`, { request, signature });
    };
    const denied = await transfer({ node: 'realestate-node', org: 'realestate', key: nodeKey });
    expect([denied.status, (denied.json as { error: { code: string } }).error.code]).toEqual([
      403,
      'PRIVACY_TRANSFER_DENIED',
    ]);
    // Claiming to be the market bureau with the real-estate node's key does not help.
    const spoofed = await transfer({ node: 'realestate-node', org: 'market', key: nodeKey });
    expect((spoofed.json as { error: { code: string } }).error.code).toBe('PRIVACY_TRANSFER_INVALID');
    expect(existsSync(recordFile(realestate))).toBe(false);
    figures.transferDenied = `${denied.status} PRIVACY_TRANSFER_DENIED`;
  });

  it('erasure: both holding nodes destroy the record; nothing of it is left in any file; reads are denied and logged', async () => {
    const files = { police: recordFile(police), market: recordFile(market) };
    const before = {
      police: JSON.parse(readFileSync(files.police, 'utf8')) as RecordFile,
      market: JSON.parse(readFileSync(files.market, 'utf8')) as RecordFile,
    };
    // The record moved as (data key, sealed content): the content is the same, the key is wrapped per node.
    expect(before.market.content.ct).toBe(before.police.content.ct);
    expect(before.market.key.ct).not.toBe(before.police.key.ct);
    const plain = textNeedles([...Object.values(PERSON), salt]);
    const secrets = [...secretsOf('police', before.police), ...secretsOf('market', before.market)];
    // The scan finds what it looks for: before erasure, the sealed bytes are in the two record files.
    const control = hitsIn(filesUnder(dir), secrets);
    expect(new Set(control.map((h) => h.split(':')[0]))).toEqual(new Set([files.police, files.market]));

    const requested = await submit(
      police,
      signed(c.genesis, citizen, 'privacy', 'requestErasure', { record, reason: '服务已结束，不再需要' }),
    );
    expect(requested).toBeDefined();
    await submit(
      police,
      signed(c.genesis, key('police-secadmin'), 'privacy', 'decideErasure', { record, approve: true }),
    );
    const approved = performance.now();
    const policeGone = await until('the police node destroys the record', () => !existsSync(files.police), 10_000);
    const marketGone = await until('the market node destroys the record', () => !existsSync(files.market), 10_000);
    figures.erasurePoliceNodeMs = Math.round(policeGone);
    figures.erasureBothNodesMs = Math.round(performance.now() - approved);
    expect(marketGone).toBeLessThan(10_000);

    const all = filesUnder(dir);
    figures.scannedFiles = all.length;
    figures.scannedMiB = Math.round(all.reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0) / 2 ** 20);
    const t = performance.now();
    expect(hitsIn(all, [...plain, ...secrets])).toEqual([]);
    figures.scanMs = Math.round(performance.now() - t);
    for (const n of [police, market]) {
      expect(await storeReport(n)).toMatchObject({ records: 0, pending: 0, missing: [], orphans: [] });
    }

    // Reads through either node: denied, recorded.
    const attempts: [ConsortiumNode, string, string][] = [
      [police, 'police-auditor', 'audit'],
      [market, 'market-registrar', 'household-administration'],
    ];
    for (const [n, id, purpose] of attempts) {
      expect(await codeOf(readPersonal(await sessionOf(n, key(id)), signerOf(key(id)), { record, purpose }))).toBe(
        'PRIVATE_RECORD_ERASED',
      );
    }
    expect(
      await codeOf(
        readPersonal(await sessionOf(market, citizen), signerOf(citizen), { record, purpose: 'self-access' }),
      ),
    ).toBe('PRIVATE_RECORD_ERASED');

    // The citizen's access log, on either node, lists every read of the record: allowed, denied, erased.
    const expected = [
      ['market-registrar', 'household-administration', 'allowed'],
      ['police-auditor', 'audit', 'allowed'],
      ['realestate-registrar', 'household-administration', 'PRIVACY_POLICY_DENIED'],
      ['police-auditor', 'audit', 'PRIVATE_RECORD_ERASED'],
      ['market-registrar', 'household-administration', 'PRIVATE_RECORD_ERASED'],
      ['citizen', 'self-access', 'PRIVATE_RECORD_ERASED'],
    ];
    for (const n of [police, market]) {
      // A node lists an entry once its block is durable there: the last read may still be on its way.
      let log = await getAccessLog(await sessionOf(n, citizen), { proofs: false });
      for (let i = 0; i < 100 && log.entries.length < expected.length; i++) {
        await new Promise((r) => setTimeout(r, 50));
        log = await getAccessLog(await sessionOf(n, citizen), { proofs: false });
      }
      expect(log.subject).toBe(subject);
      expect(
        log.entries.map((e) => [
          e.entry.reader.member ?? 'citizen',
          e.entry.purpose,
          e.entry.decision === 'allowed' ? 'allowed' : e.entry.code,
        ]),
      ).toEqual(expected);
      expect(log.entries.every((e) => e.entry.record === record)).toBe(true);
    }
    // The commitment stays on chain, marked erased.
    const onChain = await (await fetch(`${market.url}/v1/state/privacy/record/${record}`)).json();
    expect((onChain as { value: { status: string } }).value.status).toBe('erased');
  });
});

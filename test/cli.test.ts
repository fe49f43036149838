import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_PERSONAL, type DemoIdentity } from '@lianzheng/cli';
import { loadKeyFile, nativeSuite } from '@lianzheng/node';
import { bytesToHex, commitPersonal, createHasher, HashTag, type JsonValue } from '@lianzheng/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  cli,
  demoIdentities,
  E2E_PASSPHRASE,
  freePort,
  getJson,
  type NodeHandle,
  removeDir,
  startNode,
  tempDir,
} from './helpers/nodeProcess.js';
import { filesUnder, hitsIn, textNeedles } from './helpers/scan.js';

// The CLI as a user runs it: separate processes, a real node on loopback, real files.
describe.each(['ed25519-sha256', 'sm2-sm3'] as const)('lianzheng CLI end to end (%s)', (suite) => {
  let home: string;
  let node: NodeHandle;
  let url: string;
  const g = () => ['--home', home, '--url', url];

  beforeAll(async () => {
    home = tempDir('cli');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const init = await cli([
      '--home',
      home,
      'init',
      '--demo',
      '--kdf-cost',
      '12',
      '--suite',
      suite,
      '--chain-id',
      'cli-test',
      '--port',
      String(port),
    ]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('市场监督管理局');
    node = await startNode(home, port, ['--seed-demo']);
  });

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('init wrote genesis, node settings and key files readable only by the owner', () => {
    const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8'));
    expect(genesis.suite).toBe(suite);
    expect(genesis.orgs.map((o: { id: string }) => o.id)).toEqual([
      'market',
      'realestate',
      'police',
      'health',
      'finance',
    ]);
    const mode = statSync(path.join(home, 'keys', 'market-admin.key.json')).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('init refuses to overwrite an existing chain', async () => {
    const again = await cli(['--home', home, 'init', '--demo']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFIG_INVALID');
  });

  it('keys generate / show never print the secret key, and the file holds it only encrypted', async () => {
    const file = path.join(home, 'clerk.key.json');
    const gen = await cli([
      'keys',
      'generate',
      '--id',
      'market-clerk-1',
      '--org',
      'market',
      '--suite',
      suite,
      '--out',
      file,
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const stored = readFileSync(file, 'utf8');
    expect(JSON.parse(stored)).toMatchObject({ v: 2, kdf: { name: 'scrypt' } });
    const secret = bytesToHex((await loadKeyFile(file, E2E_PASSPHRASE)).secretKey);
    expect(stored).not.toContain(secret);
    await expect(loadKeyFile(file, 'a wrong passphrase')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
    const show = await cli(['--json', 'keys', 'show', file], { env: { ...childEnv, LIANZHENG_PASSPHRASE: '' } });
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).id).toBe('market-clerk-1');
    expect(show.stdout + gen.stdout).not.toContain(secret);
    const again = await cli(['keys', 'generate', '--id', 'market-clerk-1', '--org', 'market', '--out', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CLI_USAGE');
  });

  it('tx builds, signs, submits and waits for the block; query --proof verifies value and absence', async () => {
    const put = await cli([...g(), 'tx', 'kv', 'put', '--args', '{"key":"greeting","value":{"zh":"你好","n":7}}']);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toMatch(/committed in block \d+ \(index \d+\): ok/);
    const q = await cli([...g(), '--json', 'query', 'kv', 'market/greeting', '--proof']);
    expect(q.code, q.stderr).toBe(0);
    const view = JSON.parse(q.stdout);
    expect(view.value).toEqual({ zh: '你好', n: 7 });
    expect(view.verified).toBe(true);
    const absent = await cli([...g(), 'query', 'kv', 'market/no-such-key', '--proof']);
    expect(absent.code, absent.stderr).toBe(0);
    expect(absent.stdout).toContain('absent');
    expect(absent.stdout).toContain('proof verified');
  });

  it('a failing transaction is recorded with its code and the CLI exits non-zero', async () => {
    const del = await cli([...g(), 'tx', 'kv', 'delete', '--args', '{"key":"never-written"}']);
    expect(del.code).toBe(1);
    expect(del.stdout).toContain('KV_NOT_FOUND');
    const bad = await cli([...g(), 'tx', 'kv', 'put', '--args', '{"key":"x","value":1.5}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CLI_USAGE');
    const unknown = await cli([...g(), 'tx', 'nosuch', 'put', '--args', '{}']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('CONTRACT_UNKNOWN');
  });

  it('proof fetches and verifies an inclusion proof against the pinned genesis', async () => {
    const put = await cli([...g(), '--json', 'tx', 'kv', 'put', '--args', '{"key":"p","value":"v"}']);
    const id = JSON.parse(put.stdout).id as string;
    const out = path.join(home, 'proof.json');
    const proof = await cli([...g(), 'proof', id, '--out', out]);
    expect(proof.code, proof.stderr).toBe(0);
    expect(proof.stdout).toContain(`✓ transaction ${id}`);
    expect(JSON.parse(readFileSync(out, 'utf8')).tx.tx.args).toEqual({ key: 'p', value: 'v' });
    // Pinning another chain's genesis must make the same proof fail.
    const other = tempDir('other');
    await cli(['--home', other, 'init', '--demo', '--kdf-cost', '12', '--suite', suite, '--chain-id', 'cli-test']);
    const wrong = await cli([...g(), '--genesis', path.join(other, 'genesis.json'), 'proof', id]);
    removeDir(other);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/CHECKPOINT_INVALID|TX_SIGNATURE_INVALID|CHECKPOINT_QUORUM_NOT_MET/);
  });

  it('notarize registers a file hash; check proves it online and offline, and rejects a changed file', async () => {
    const file = path.join(home, '合同.txt');
    writeFileSync(file, `采购合同 ${suite} ${Date.now()}\n`);
    const n = await cli([...g(), 'notarize', file, '--title', '采购合同（示例）']);
    expect(n.code, n.stderr).toBe(0);
    const certFile = `${file}.lzcert.json`;
    expect(existsSync(certFile)).toBe(true);
    const online = await cli([...g(), 'check', file]);
    expect(online.code, online.stderr).toBe(0);
    expect(online.stdout).toContain('existed at');
    // Offline: an unreachable URL proves the check never talks to the node.
    const offline = await cli(['--home', home, '--url', 'http://127.0.0.1:1', 'check', file, '--cert', certFile]);
    expect(offline.code, offline.stderr).toBe(0);
    const again = await cli([...g(), 'notarize', file]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('NOTARY_ALREADY_REGISTERED');
    appendFileSync(file, 'x');
    const changed = await cli(['--home', home, 'check', file, '--cert', certFile]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('DOCUMENT_MISMATCH');
    const unknown = await cli([...g(), 'check', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('is not notarised');
  });

  it('verify re-checks the whole stored chain while the node runs', async () => {
    const v = await cli(['--home', home, '--json', 'verify']);
    expect(v.code, v.stderr).toBe(0);
    const report = JSON.parse(v.stdout);
    expect(report.ok).toBe(true);
    expect(report.replayed).toBe(true);
    expect(report.txs).toBeGreaterThanOrEqual(16);
    expect(report.signatures).toBeGreaterThan(report.txs);
    expect(report.pages).toBeGreaterThan(0);
  });

  it('the demo’s personal data: in the store, not on chain — 0 plaintext hits in blocks, state and files', async () => {
    const identities = await demoIdentities<DemoIdentity>(home);
    const records = identities.flatMap((i) => i.records ?? []);
    expect(records).toHaveLength(DEMO_PERSONAL.length);
    for (const r of records) {
      const onChain = await getJson(`${url}/v1/state/privacy/record/${r.id}`);
      expect(onChain.status).toBe(200);
      expect((onChain.json as { value: { category: string; status: string } }).value).toMatchObject({
        category: r.category,
        status: 'active',
      });
    }
    // What must not be anywhere: every text of every personal value, and each value as a whole.
    const texts = DEMO_PERSONAL.flatMap((p) => [
      ...Object.values(p.value).filter((v): v is string => typeof v === 'string'),
      JSON.stringify(p.value),
    ]);
    const height = ((await getJson(`${url}/v1/chain`)).json as { height: number }).height;
    let blocks = '';
    for (let h = 0; h <= height; h++) blocks += JSON.stringify((await getJson(`${url}/v1/blocks/${h}?full=true`)).json);
    // The scans find what they look for: the public company name of the demo's business-licence case is there.
    const control = '西湖数字科技有限公司';
    expect(blocks).toContain(control);
    const files = filesUnder(home).filter((f) => !f.endsWith('.key.json'));
    expect(hitsIn(files, textNeedles([control])).length).toBeGreaterThan(0);
    const blockHits = texts.filter((t) => blocks.includes(t) || blocks.includes(JSON.stringify(t).slice(1, -1)));
    expect(blockHits).toEqual([]);
    // Files: the chain's blocks and state (LMDB, uncompressed), the private store (sealed), settings, logs.
    expect(hitsIn(files, textNeedles(texts))).toEqual([]);
    expect(texts.filter((t) => node.stderr().includes(t))).toEqual([]);

    // Dictionary attack: each commitment against the known values, unsalted or with guessed salts.
    const s = nativeSuite(suite);
    const hasher = createHasher(s.hash);
    const onChain = new Set(records.map((r) => r.id));
    const candidates: JsonValue[] = [...DEMO_PERSONAL.map((p) => p.value), ...texts];
    let tried = 0;
    let reversed = 0;
    for (const v of candidates) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      for (const guess of [
        bytesToHex(s.hash(Buffer.from(text))),
        bytesToHex(hasher.taggedText(HashTag.personal, text)),
        ...['', '00'.repeat(16), 'salt'].map((salt) => commitPersonal(s, v, salt)),
      ]) {
        tried++;
        if (onChain.has(guess)) reversed++;
      }
    }
    expect({ tried, reversed }).toEqual({ tried: candidates.length * 5, reversed: 0 });
  });

  it('coded errors for usage mistakes and an unreachable node', async () => {
    const bad = await cli(['--home', home, 'init', '--suite', 'rsa']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CLI_USAGE');
    const down = await cli(['--home', home, '--url', 'http://127.0.0.1:1', 'query', 'kv', 'x']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('SDK_TRANSPORT_FAILED');
    const missing = await cli(['--home', path.join(home, 'nope'), 'verify']);
    expect(missing.code).toBe(1);
  });
});

/**
 * kill -9 of a real solo node while personal records are being registered (docs/privacy.md §The store on a node):
 * each round starts the node, fires concurrent POST /v1/privacy/records (each its own signed privacy.register with a
 * fresh value of known plaintext) and SIGKILLs the node at a random moment 50–600 ms in. At the end, once the short
 * validity window of every registration has passed and the node has started (and reconciled) again: every
 * acknowledged (201) record is on chain with a file that decrypts to a value matching its commitment; every record on
 * chain has its file and every file its record; nothing staged and no temporary file is left; no file under the home
 * and no log line holds any of the plaintext values or salts. Counts are printed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generateKeyPair, type KeyPair, loadKeyFile, nativeSuite } from '@lianzheng/node';
import { addCosignature, bytesToHex, commitPersonal, type Genesis, isLianzhengError } from '@lianzheng/protocol';
import {
  type Client,
  createClient,
  httpTransport,
  newSalt,
  type PrivacySigner,
  readPersonal,
  registerPersonal,
  signIn,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cli,
  E2E_PASSPHRASE,
  freePort,
  getJson,
  type NodeHandle,
  postJson,
  removeDir,
  signed,
  startNode,
  tempDir,
} from './helpers/nodeProcess.js';
import { filesUnder } from './helpers/scan.js';

const ROUNDS = Number(process.env.LZ_PRIVACY_CRASH_ROUNDS ?? 20);
const CLIENTS = 4;
/** Validity window of every registration: what is not committed within it can never be. */
const TTL_MS = 20_000;
/** The SDK dates transactions with a 10-minute window; shifting its clock back leaves TTL_MS of it. */
const SDK_WINDOW_MS = 600_000;
const NAMES = ['赵德柱', '钱晓梅', '孙建国', '李秀英', '周文华', '吴志强', '郑雨桐', '冯思远'];
const MARKER = 'lz-plain-';

interface Sent {
  readonly value: { name: string; idNumber: string; note: string };
  readonly salt: string;
  readonly expiresAt: number;
}

function idNumber(): string {
  let s = '3301';
  for (let i = 0; i < 14; i++) s += String(randomInt(10));
  return s;
}

describe('private-data store through SIGKILLs', () => {
  const home = tempDir('privacy-crash');
  let node: NodeHandle | undefined;
  const logs: string[] = [];

  afterAll(async () => {
    await node?.kill();
    removeDir(home);
  });

  async function start(port: number): Promise<NodeHandle> {
    node = await startNode(home, port);
    return node;
  }

  async function kill(): Promise<void> {
    await node?.kill();
    if (node !== undefined) logs.push(node.stderr());
    node = undefined;
  }

  it(`every acknowledged registration survives ${ROUNDS} SIGKILLs with its file; nothing else is left`, async () => {
    const port = await freePort();
    const init = await cli([
      '--home',
      home,
      'init',
      '--demo',
      '--kdf-cost',
      '12',
      '--chain-id',
      'privacy-crash-test',
      '--port',
      String(port),
    ]);
    expect(init.code, init.stderr).toBe(0);
    const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8')) as Genesis;
    const suite = nativeSuite(genesis.suite);
    const key = (id: string) => loadKeyFile(path.join(home, 'keys', `${id}.key.json`), E2E_PASSPHRASE);
    const registrar = await key('police-registrar');
    // The solo node is the first organisation's (市场监督管理局): its system administrator checks the store.
    const sysadmin = await key('market-sysadmin');
    const officer = await key('police-east');
    const url = `http://127.0.0.1:${port}`;
    const client = (): Client => createClient({ transport: httpTransport(url, { timeoutMs: 30_000 }) });
    const sessionOf = async (k: KeyPair): Promise<Client> => {
      const r = await signIn(client(), {
        suite,
        publicKey: k.publicKey,
        signer: async (d) => suite.sign(k.secretKey, d),
      });
      return withSession(client(), r.token);
    };
    const signerOf = (k: KeyPair, ttlMs?: number): PrivacySigner => ({
      suite,
      chainId: genesis.chainId,
      publicKey: k.publicKey,
      sign: async (d) => suite.sign(k.secretKey, d),
      ...(ttlMs === undefined ? {} : { now: () => Date.now() - (SDK_WINDOW_MS - ttlMs) }),
    });

    await start(port);
    const citizen = generateKeyPair(genesis.suite, 'crash-citizen', 'police');
    const reg = await postJson(
      `${url}/v1/transactions?wait=true`,
      addCosignature(
        suite,
        signed(genesis, registrar, 'identity', 'registerSubject', {
          publicKey: bytesToHex(citizen.publicKey),
          kind: 'citizen',
        }),
        citizen.secretKey,
      ),
    );
    expect(reg.status, JSON.stringify(reg.json)).toBe(200);
    const subject = (reg.json as { receipt: { result: { subject: string } } }).receipt.result.subject;

    const sent = new Map<string, Sent>();
    const acknowledged = new Set<string>();
    const failures = new Map<string, number>();
    const restartMs: number[] = [];
    const killAtMs: number[] = [];
    let kills = 0;

    for (let round = 0; round < ROUNDS; round++) {
      if (node === undefined) {
        const t0 = performance.now();
        await start(port);
        restartMs.push(performance.now() - t0);
      }
      let stop = false;
      const loop = async (c: number) => {
        for (let n = 0; !stop; n++) {
          const value = {
            name: NAMES[(round * CLIENTS + c + n) % NAMES.length]!,
            idNumber: idNumber(),
            note: `${MARKER}${randomBytes(8).toString('hex')}`,
          };
          const salt = newSalt();
          const id = commitPersonal(suite, value, salt);
          sent.set(id, { value, salt, expiresAt: Date.now() + TTL_MS });
          try {
            const r = await registerPersonal(client(), signerOf(registrar, TTL_MS), {
              value,
              salt,
              category: 'identity',
              subject,
              policy: [{ org: 'police', purposes: ['household-administration', 'audit'] }],
            });
            if (r.record === id) acknowledged.add(id);
            else failures.set('RECORD_ID_MISMATCH', (failures.get('RECORD_ID_MISMATCH') ?? 0) + 1);
          } catch (error) {
            const code = isLianzhengError(error) ? error.code : String(error);
            failures.set(code, (failures.get(code) ?? 0) + 1);
            if (code === 'SDK_TRANSPORT_FAILED') return; // the node is gone
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => loop(c));
      const at = 50 + randomInt(551);
      killAtMs.push(at);
      await new Promise((r) => setTimeout(r, at));
      await kill();
      kills++;
      stop = true;
      await Promise.all(clients);
    }

    // Restart: staged entries whose transaction committed become records; the others wait for their window to end.
    await start(port);
    interface StoreReport {
      readonly records: number;
      readonly pending: number;
      readonly missing: string[];
      readonly orphans: string[];
      readonly mismatched: string[];
    }
    /** The store report, or the error the node answered with (one sign-in per node process). */
    const adminSessions = new Map<NodeHandle, Client>();
    const report = async (decrypt: boolean): Promise<StoreReport | { error: string }> => {
      try {
        const running = node!;
        if (!adminSessions.has(running)) adminSessions.set(running, await sessionOf(sysadmin));
        return await adminSessions
          .get(running)!
          .transport.request<StoreReport>('GET', `/v1/privacy/store${decrypt ? '?decrypt=true' : ''}`);
      } catch (error) {
        return { error: isLianzhengError(error) ? `${error.code}: ${error.message}` : String(error) };
      }
    };
    const pendingOf = (r: StoreReport | { error: string }) => ('pending' in r ? r.pending : r.error);
    await new Promise((r) => setTimeout(r, 1_000));
    const pendingAfterRestart = pendingOf(await report(false));

    // Once every registration's window has passed, a last restart destroys what can no longer commit.
    const lastExpiry = Math.max(...[...sent.values()].map((s) => s.expiresAt));
    await new Promise((r) => setTimeout(r, Math.max(0, lastExpiry - Date.now()) + 2_000));
    await kill();
    await start(port);
    let final = await report(false);
    for (let i = 0; i < 100 && pendingOf(final) !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      final = await report(false);
    }
    const decrypted = await report(true);

    // Every file the store keeps is a record file it can parse (a file left half-destroyed by a kill is not).
    const unreadable = ['pending', 'records'].flatMap((d) =>
      readdirSync(path.join(home, 'private', d))
        .filter((f) => f.endsWith('.json'))
        .filter((f) => {
          try {
            JSON.parse(readFileSync(path.join(home, 'private', d, f), 'utf8'));
            return false;
          } catch {
            return true;
          }
        })
        .map((f) => `${d}/${f}`),
    );
    const reconcileErrors = [...logs, node?.stderr() ?? '']
      .join('\n')
      .split('\n')
      .filter((l) => /reconciliation failed|could not take in|erasing a personal record failed/.test(l))
      .map((l) => l.slice(0, 300));
    expect({ unreadable, reconcileErrors }).toEqual({ unreadable: [], reconcileErrors: [] });

    // What the chain holds of everything sent (only this test registers records).
    const onChain = new Set<string>();
    for (const id of sent.keys()) {
      const r = await getJson(`${url}/v1/state/privacy/record/${id}`);
      if (r.status === 200) {
        expect((r.json as { value: { status: string } }).value.status).toBe('active');
        onChain.add(id);
      } else expect((r.json as { error: { code: string } }).error.code).toBe('STATE_KEY_NOT_FOUND');
    }
    const recordsDir = path.join(home, 'private', 'records');
    const files = new Set(
      readdirSync(recordsDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length)),
    );

    // (a) every acknowledged registration is on chain and its file decrypts to a value matching the commitment.
    const lost = [...acknowledged].filter((id) => !onChain.has(id) || !files.has(id));
    expect(lost).toEqual([]);
    expect(decrypted).toEqual({
      masterVersion: 1,
      records: onChain.size,
      pending: 0,
      missing: [],
      orphans: [],
      mismatched: [],
    });
    // (b) every record on chain has its file, and every file its record.
    expect([...onChain].filter((id) => !files.has(id))).toEqual([]);
    expect([...files].filter((id) => !onChain.has(id))).toEqual([]);
    // (c) nothing staged, no temporary file.
    const privateFiles = filesUnder(path.join(home, 'private'));
    expect(privateFiles.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(path.join(home, 'private', 'pending'))).toEqual([]);
    // A few records read back through the API by an authorised officer.
    const sample = [...acknowledged].slice(0, 3);
    const officerSession = await sessionOf(officer);
    for (const id of sample) {
      const r = await readPersonal(officerSession, signerOf(officer), {
        record: id,
        purpose: 'household-administration',
      });
      expect([r.value, r.salt]).toEqual([sent.get(id)!.value, sent.get(id)!.salt]);
    }
    // (d) no file under the home and no log line holds a plaintext value or a salt.
    await kill();
    const ids = new Set([...sent.values()].map((s) => s.value.idNumber));
    const salts = new Set([...sent.values()].map((s) => s.salt));
    const nameBytes = NAMES.map((n) => Buffer.from(n, 'utf8'));
    const hits: string[] = [];
    const scan = (label: string, bytes: Buffer) => {
      if (bytes.indexOf(MARKER) >= 0) hits.push(`${label}: ${MARKER}`);
      for (const n of nameBytes) if (bytes.indexOf(n) >= 0) hits.push(`${label}: ${n.toString('utf8')}`);
      const text = bytes.toString('latin1');
      for (const m of text.matchAll(/[0-9]{18,}/g))
        for (let i = 0; i + 18 <= m[0].length; i++) if (ids.has(m[0].slice(i, i + 18))) hits.push(`${label}: id`);
      for (const m of text.matchAll(/[0-9a-f]{32,}/g))
        for (let i = 0; i + 32 <= m[0].length; i++) if (salts.has(m[0].slice(i, i + 32))) hits.push(`${label}: salt`);
    };
    const homeFiles = filesUnder(home);
    let scannedBytes = 0;
    for (const f of homeFiles) {
      const bytes = readFileSync(f);
      scannedBytes += bytes.length;
      scan(f, bytes);
    }
    scan('node logs', Buffer.from(logs.join('\n'), 'utf8'));
    expect(hits).toEqual([]);

    restartMs.sort((a, b) => a - b);
    const summary = {
      rounds: ROUNDS,
      kills,
      registrationsSent: sent.size,
      acknowledged: acknowledged.size,
      onChain: onChain.size,
      onChainNotAcknowledged: [...onChain].filter((id) => !acknowledged.has(id)).length,
      neverCommitted: sent.size - onChain.size,
      stagedAfterFirstRestart: pendingAfterRestart,
      stagedAtEnd: pendingOf(final),
      recordFiles: files.size,
      failures: Object.fromEntries(failures),
      killAtMs: { min: Math.min(...killAtMs), max: Math.max(...killAtMs) },
      restartToHealthyMs: {
        p50: Math.round(restartMs[restartMs.length >> 1] ?? 0),
        max: Math.round(restartMs[restartMs.length - 1] ?? 0),
      },
      scanned: { files: homeFiles.length, MiB: Math.round((scannedBytes / 2 ** 20) * 10) / 10 },
    };
    console.log(`privacy crash loop: ${JSON.stringify(summary)}`);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(failures.has('RECORD_ID_MISMATCH')).toBe(false);
    expect(existsSync(path.join(home, 'private', 'master.json'))).toBe(true);
  });
});

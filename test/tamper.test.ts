import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  freePort,
  getJson,
  loadSigners,
  postJson,
  removeDir,
  signed,
  startNode,
  tempDir,
} from './helpers/nodeProcess.js';

interface VerifyOutcome {
  readonly code: number;
  readonly height?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly stderr?: string;
}

async function verify(home: string): Promise<VerifyOutcome> {
  const r = await cli(['--home', home, '--json', 'verify'], { timeoutMs: 120_000 });
  const json = JSON.parse(r.stdout || '{}') as { details?: { height?: number; reason?: string }; message?: string };
  return {
    code: r.code,
    ...(json.details ?? {}),
    ...(json.message === undefined ? {} : { message: json.message }),
    ...(r.code === 1
      ? {
          stderr: r.stderr
            .split('\n')
            .filter((l) => !l.includes('verifying'))
            .join('\n'),
        }
      : {}),
  };
}

/** Opens the node's LMDB directly — what an insider with file access could do. */
function withDb<T>(
  home: string,
  fn: (db: (name: string, binaryKeys?: boolean) => import('lmdb').Database<Buffer, never>) => T,
): Promise<T> {
  const env = open({ path: path.join(home, 'db'), encoding: 'binary', maxDbs: 16 });
  const db = (name: string, binaryKeys = false) =>
    env.openDB<Buffer, never>({ name, encoding: 'binary', ...(binaryKeys ? { keyEncoding: 'binary' } : {}) });
  return Promise.resolve(fn(db)).then(async (result) => {
    await env.flushed;
    await env.close();
    return result;
  });
}

describe('tamper detection', () => {
  const base = tempDir('tamper');
  const copies: string[] = [];
  let markerHeight = 0;
  let latest = 0;
  const MARKER = 'TAMPER-MARKER-付款通知书-7F3A';

  /** A fresh copy of the untouched chain for one scenario. */
  function copy(): string {
    const dir = tempDir('tamper-copy');
    execFileSync('cp', ['-r', `${base}/.`, dir]);
    copies.push(dir);
    return dir;
  }

  beforeAll(async () => {
    const port = await freePort();
    await cli([
      '--home',
      base,
      'init',
      '--demo',
      '--kdf-cost',
      '12',
      '--chain-id',
      'tamper-test',
      '--port',
      String(port),
    ]);
    const node = await startNode(base, port);
    const { genesis, signers } = await loadSigners(base);
    for (let i = 0; i < 12; i++) {
      const title = i === 6 ? MARKER : `文件 ${i}`;
      const tx = signed(genesis, signers[i % signers.length]!, 'notary', 'register', {
        alg: 'sha256',
        hash: (i + 1).toString(16).padStart(64, 'a'),
        title,
      });
      const r = await postJson(`${node.url}/v1/transactions?wait=true`, tx);
      expect(r.status).toBe(200);
      if (i === 6) markerHeight = (r.json as { height: number }).height;
      await postJson(
        `${node.url}/v1/transactions?wait=true`,
        signed(genesis, signers[0]!, 'kv', 'put', { key: `k${i}`, value: i }),
      );
    }
    latest = ((await getJson(`${node.url}/v1/blocks/latest`)).json as { header: { height: number } }).header.height;
    expect(await node.stop()).toBe(0);
    expect((await verify(base)).code).toBe(0);
  });

  afterAll(() => {
    removeDir(base);
    for (const c of copies) removeDir(c);
  });

  it('a flipped byte in the raw LMDB file is found at the height it belongs to, unless it was in a free page', async () => {
    const home = copy();
    const file = path.join(home, 'db', 'data.mdb');
    const bytes = readFileSync(file);
    const marker = Buffer.from(MARKER, 'utf8');
    const positions: number[] = [];
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) positions.push(at);
    // The title is stored in the block (transaction body) and in the state value (the notary record); LMDB's
    // copy-on-write may also leave stale copies in free pages, which hold no live data.
    expect(positions.length).toBeGreaterThanOrEqual(2);
    let detected = 0;
    for (const at of positions) {
      const tampered = Buffer.from(bytes);
      tampered[at + 3] = tampered[at + 3]! ^ 0x01;
      writeFileSync(file, tampered);
      const outcome = await verify(home);
      if (outcome.code === 0) {
        // Not detected: then no live record may have changed. Read every record that holds the marker.
        const live = await withDb(home, (db) => [
          ...[...db('blocks').getRange({})].map((e) => e.value as Buffer),
          ...[...db('values', true).getRange({})].map((e) => e.value as Buffer),
        ]);
        const tamperedMarker = Buffer.from(marker);
        tamperedMarker[3] = tamperedMarker[3]! ^ 0x01;
        expect(live.some((v) => v.includes(tamperedMarker))).toBe(false);
        continue;
      }
      detected++;
      expect(outcome.code, JSON.stringify(outcome)).toBe(2);
      expect(outcome.height).toBe(markerHeight);
      // A changed body changes the transaction id, so its signature check fails first.
      expect(['tx-signature', 'tx-root', 'state-value', 'tx-encoding', 'receipt-root']).toContain(outcome.reason);
    }
    expect(detected).toBeGreaterThanOrEqual(2);
    writeFileSync(file, bytes);
    expect((await verify(home)).code).toBe(0);
  });

  const scenarios: {
    name: string;
    reason: string | string[];
    at: () => number;
    tamper: (db: (name: string, binaryKeys?: boolean) => import('lmdb').Database<Buffer, never>) => void;
  }[] = [
    {
      name: 'a transaction body in a block',
      reason: ['tx-signature', 'tx-root'],
      at: () => markerHeight,
      tamper: (db) => {
        const blocks = db('blocks');
        const b = Buffer.from(blocks.get(markerHeight as never)!);
        const at = b.indexOf(Buffer.from('"notary"'));
        b[at + 1] = 'N'.charCodeAt(0);
        blocks.putSync(markerHeight as never, b);
      },
    },
    {
      name: 'a signature in a block',
      reason: ['tx-signature', 'tx-root'],
      at: () => markerHeight,
      tamper: (db) => {
        const blocks = db('blocks');
        const b = Buffer.from(blocks.get(markerHeight as never)!);
        // The last record ends with its signature and a 4-byte co-signature length (0 here): flip the signature.
        b[b.length - 5] = b[b.length - 5]! ^ 1;
        blocks.putSync(markerHeight as never, b);
      },
    },
    {
      name: 'a receipt',
      reason: 'receipt-root',
      at: () => markerHeight,
      tamper: (db) => {
        const receipts = db('receipts');
        const r = Buffer.from(
          receipts
            .get(markerHeight as never)!
            .toString('latin1')
            .replace('"ok"', '"no"'),
          'latin1',
        );
        receipts.putSync(markerHeight as never, r);
      },
    },
    {
      name: 'a block header (its time)',
      reason: 'attestation',
      at: () => markerHeight,
      tamper: (db) => {
        const headers = db('headers');
        const h = JSON.parse(headers.get(markerHeight as never)!.toString());
        h.time += 1;
        const canonical = JSON.stringify(
          Object.fromEntries(
            Object.keys(h)
              .sort()
              .map((k) => [k, h[k]]),
          ),
        );
        headers.putSync(markerHeight as never, Buffer.from(canonical));
      },
    },
    {
      name: 'an attestation signature',
      reason: 'attestation',
      at: () => markerHeight,
      tamper: (db) => {
        const att = db('attestations');
        const a = JSON.parse(att.get(markerHeight as never)!.toString());
        a[0].sig = `${a[0].sig.slice(0, -1)}${a[0].sig.endsWith('0') ? '1' : '0'}`;
        att.putSync(markerHeight as never, Buffer.from(JSON.stringify(a)));
      },
    },
    {
      name: 'a state-root record',
      reason: 'state-root',
      at: () => markerHeight,
      tamper: (db) => {
        const roots = db('roots');
        const r = Buffer.from(roots.get(markerHeight as never)!);
        r[5] = r[5]! ^ 1;
        roots.putSync(markerHeight as never, r);
      },
    },
    {
      name: 'a transaction-index entry',
      reason: 'tx-index',
      at: () => markerHeight,
      tamper: (db) => {
        const index = db('txindex', true);
        const entry = [...index.getRange({})].find(
          (e) => Number((e.value as Buffer).readBigUInt64BE(0)) === markerHeight,
        )!;
        const v = Buffer.from(entry.value as Buffer);
        v.writeUInt32BE(7, 8);
        index.putSync(entry.key as never, v);
      },
    },
    {
      name: 'a state value',
      reason: 'state-value',
      at: () => markerHeight,
      tamper: (db) => {
        const values = db('values', true);
        const entry = [...values.getRange({})].find((e) => (e.value as Buffer).includes(Buffer.from(MARKER)))!;
        values.putSync(entry.key as never, Buffer.from((entry.value as Buffer).toString().replace('付款', '收款')));
      },
    },
    {
      name: 'a state page',
      reason: 'state-page',
      at: () => latest,
      tamper: (db) => {
        const pages = db('pages', true);
        const entries = [...pages.getRange({})].filter((e) => Number((e.key as Buffer).readBigUInt64BE(0)) === latest);
        const e = entries[entries.length - 1]!;
        const v = Buffer.from(e.value as Buffer);
        v[v.length - 50] = v[v.length - 50]! ^ 1;
        pages.putSync(e.key as never, v);
      },
    },
    {
      name: 'a deleted block',
      reason: 'missing',
      at: () => markerHeight,
      tamper: (db) => {
        db('blocks').removeSync(markerHeight as never);
      },
    },
  ];

  it.each(scenarios)('tampering with $name is found by verify, naming the height and the check', async (s) => {
    const home = copy();
    await withDb(home, s.tamper);
    const outcome = await verify(home);
    expect(outcome.code, JSON.stringify(outcome)).toBe(2);
    expect(outcome.height).toBe(s.at());
    expect([s.reason].flat()).toContain(outcome.reason);
  });

  it('a node refuses to start on a store whose recent blocks were tampered with, and says where', async () => {
    const home = copy();
    await withDb(home, scenarios.find((s) => s.reason === 'receipt-root')!.tamper);
    const port = await freePort();
    await expect(startNode(home, port)).rejects.toThrow(/STORE_CORRUPT/);
  });
});

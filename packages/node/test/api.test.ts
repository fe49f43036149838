/**
 * The HTTP API end to end, through `inject` (no sockets): a real node with LMDB storage, admission workers and the
 * solo orderer in a temporary home. Everything a response claims is checked with the offline verifiers of
 * @lianzheng/protocol (both the node's native suite and the portable one a browser would use), and every error is
 * checked against the error tables: status, code and the { error: { code, message, details? } } envelope.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
// Brings in the `injectWS` declaration of the WebSocket plugin the API registers.
import type {} from '@fastify/websocket';
import { httpStatusOf, loadKeyFile } from '@lianzheng/node';
import {
  assertCheckpoint,
  assertNotaryCertificate,
  assertTxProof,
  blockHash,
  bytesToHex,
  type Consortium,
  type CryptoSuite,
  configOfGenesis,
  consortiumFromGenesis,
  GENESIS_PARENT,
  hexToBytes,
  isLianzhengError,
  type JsonValue,
  merkleRootFromLeafHashes,
  portableSuite,
  type Receipt,
  receiptHash,
  type SignedTransaction,
  signTransaction,
  sm3,
  stateProofFromJson,
  type Transaction,
  transactionId,
  verifyCheckpoint,
  verifyNotaryCertificate,
  verifyStateProof,
  verifyTxProof,
} from '@lianzheng/protocol';
import { buildTransaction, keySigner, signTransactionWith } from '@lianzheng/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertErrorEnvelope,
  buildTx,
  CHAIN_ID,
  type CommittedStatus,
  errorEnvelopeProblem,
  expectError,
  JSON_HEADERS,
  KNOWN_CODES,
  openTestNode,
  postBatch,
  postTx,
  signedTx,
  sleep,
  T0,
  TEST_PASSPHRASE,
  type TestNode,
  txIdOf,
  waitCommitted,
  waitMempoolEmpty,
} from './nodeHarness.js';

/** Runs `fn` and returns the code of the LianzhengError it throws; fails when it does not throw one. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a coded error, nothing was thrown');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A tx body changed after signing keeps its old signature. */
function resign(t: TestNode, tx: Transaction, key = t.members.market!): SignedTransaction {
  return signTransaction(t.suite, tx, key.secretKey);
}

interface BlockMessage {
  type: 'block';
  height: number;
  hash: string;
  time: number;
  txCount: number;
  txIds: string[];
}
interface EventMessage {
  type: 'event';
  height: number;
  tx: string;
  contract: string;
  name: string;
  data: JsonValue;
}
type StreamMessage = BlockMessage | EventMessage;

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Happy path
// ---------------------------------------------------------------------------------------------------------------

describe('HTTP API: happy path', () => {
  let t: TestNode;
  let trust: Consortium;
  /** The independent verifier: the portable suite a browser or an auditor would use. */
  let portable: CryptoSuite;

  beforeAll(async () => {
    t = await openTestNode();
    trust = consortiumFromGenesis(t.genesis);
    portable = portableSuite(t.genesis.suite);
  });
  afterEach(() => {
    expect(t.fatal).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('POST /v1/transactions admits a kv.put with 202 {id, status: pending}, then commits it', async () => {
    const signed = signedTx(t, { args: { key: 'greeting', value: { text: '你好，世界', n: 1 } } });
    const id = txIdOf(t, signed);
    const res = await postTx(t, signed);
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ id, status: 'pending' });

    const status = await waitCommitted(t, id);
    expect(status).toEqual({
      id,
      status: 'committed',
      height: status.height,
      index: 0,
      time: T0,
      tx: signed,
      receipt: { tx: id, status: 'ok', events: [{ contract: 'kv', name: 'put', data: { key: 'market/greeting' } }] },
    });
    expect(status.height).toBeGreaterThan(0);
  });

  it('POST /v1/transactions?wait=true answers 200 with the committed receipt (transaction built by the SDK)', async () => {
    const key = t.members.realestate!;
    const tx = buildTransaction({
      chainId: CHAIN_ID,
      signer: key.publicKey,
      contract: 'kv',
      method: 'put',
      args: { key: 'parcel/42', value: ['registered', 2026] },
      now: T0,
    });
    const signed = await signTransactionWith(t.suite, tx, keySigner(t.suite, key.secretKey));
    const id = bytesToHex(transactionId(t.suite, tx));
    const before = t.node.ledger.durableHeight;
    const res = await postTx(t, signed, '?wait=true&timeoutMs=10000');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { height: number };
    expect(body).toEqual({
      id,
      status: 'committed',
      height: body.height,
      index: 0,
      receipt: {
        tx: id,
        status: 'ok',
        events: [{ contract: 'kv', name: 'put', data: { key: 'realestate/parcel/42' } }],
      },
    });
    expect(body.height).toBeGreaterThan(before);
    // wait=true returns only after the block is durable: the API already serves it.
    expect(t.node.ledger.durableHeight).toBeGreaterThanOrEqual(body.height);
  });

  it('notary.register with wait=true commits and returns the record key as the result', async () => {
    const hash = sha256Hex('营业执照 No. 0001');
    const signed = signedTx(t, {
      contract: 'notary',
      method: 'register',
      args: { alg: 'sha256', hash, title: '营业执照', meta: { office: 'A-3' } },
    });
    const id = txIdOf(t, signed);
    const res = await postTx(t, signed, '?wait=true');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'committed',
      receipt: {
        tx: id,
        status: 'ok',
        result: { key: `sha256:${hash}` },
        events: [{ contract: 'notary', name: 'registered', data: { alg: 'sha256', hash, org: 'market' } }],
      },
    });
    const state = await t.app.inject({ method: 'GET', url: `/v1/state/notary/sha256:${hash}` });
    expect(state.statusCode).toBe(200);
    expect(state.json().value).toMatchObject({
      alg: 'sha256',
      hash,
      registrant: bytesToHex(t.members.market!.publicKey),
      org: 'market',
      txId: id,
      time: T0,
      title: '营业执照',
      meta: { office: 'A-3' },
    });
  });

  it('GET /v1/transactions/{id}/proof verifies offline (native and portable suites) for every tx of a block', async () => {
    const batch = [0, 1, 2].map((i) => signedTx(t, { args: { key: `proof-${i}`, value: i } }));
    const res = await postBatch(t, batch);
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(3);
    const statuses: CommittedStatus[] = [];
    for (const s of batch) statuses.push(await waitCommitted(t, txIdOf(t, s)));
    // One request, one proposal: the three share a block, so the audit paths are not empty.
    expect(new Set(statuses.map((s) => s.height)).size).toBe(1);
    expect(statuses.map((s) => s.index)).toEqual([0, 1, 2]);

    for (const [i, s] of batch.entries()) {
      const id = txIdOf(t, s);
      const proofRes = await t.app.inject({ method: 'GET', url: `/v1/transactions/${id}/proof` });
      expect(proofRes.statusCode).toBe(200);
      const proofJson = proofRes.json();
      expect(proofJson.txPath.length).toBeGreaterThan(0);
      for (const suite of [t.suite, portable]) {
        const verified = verifyTxProof(suite, trust, assertTxProof(proofJson, suite));
        expect(verified).toEqual({
          txId: id,
          height: statuses[i]!.height,
          time: T0,
          receipt: statuses[i]!.receipt,
          orgs: ['market'],
        });
      }
      // The same proof with a changed receipt, index or signature must not verify.
      const badReceipt = { ...proofJson, receipt: { ...proofJson.receipt, status: 'failed', code: 'KV_NOT_FOUND' } };
      expect(codeOf(() => verifyTxProof(portable, trust, assertTxProof(badReceipt, portable)))).toBe('PROOF_INVALID');
      const badIndex = { ...proofJson, index: (i + 1) % 3 };
      expect(codeOf(() => verifyTxProof(portable, trust, assertTxProof(badIndex, portable)))).toBe('PROOF_INVALID');
      const otherSig = statuses[(i + 1) % 3]!.tx.sig;
      const badSig = { ...proofJson, tx: { ...proofJson.tx, sig: otherSig } };
      expect(codeOf(() => verifyTxProof(portable, trust, assertTxProof(badSig, portable)))).toBe(
        'TX_SIGNATURE_INVALID',
      );
    }
  });

  it('GET /v1/state/kv/{org}/{key}?proof=true proves values (latest and historical) and absence', async () => {
    const put = async (value: JsonValue) => {
      const res = await postTx(t, signedTx(t, { args: { key: 'colour', value } }), '?wait=true');
      expect(res.statusCode).toBe(200);
      return (res.json() as { height: number }).height;
    };
    const h1 = await put('red');
    const h2 = await put({ rgb: [0, 0, 255] });

    const plain = await t.app.inject({ method: 'GET', url: '/v1/state/kv/market/colour' });
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toEqual({
      contract: 'kv',
      key: 'market/colour',
      height: t.node.ledger.durableHeight,
      value: { rgb: [0, 0, 255] },
    });

    const check = async (url: string, key: string, expectedHeight: number, expected: JsonValue | null) => {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.height).toBe(expectedHeight);
      expect(body.value).toEqual(expected);
      for (const suite of [t.suite, portable]) {
        const checkpoint = verifyCheckpoint(suite, trust, assertCheckpoint(body.checkpoint));
        expect(checkpoint.header.height).toBe(expectedHeight);
        const root = hexToBytes(checkpoint.header.stateRoot, 'stateRoot', 32);
        const proof = stateProofFromJson(body.proof);
        verifyStateProof(suite, root, 'kv', key, expected, proof);
        // The proof pins the value: another value, or a claim of absence/presence, must not verify.
        const wrong: JsonValue | null = expected === null ? 'anything' : null;
        expect(codeOf(() => verifyStateProof(suite, root, 'kv', key, wrong, proof))).toBe('PROOF_INVALID');
        if (expected !== null) {
          expect(codeOf(() => verifyStateProof(suite, root, 'kv', key, 'red-ish', proof))).toBe('PROOF_INVALID');
        }
      }
    };
    await check('/v1/state/kv/market/colour?proof=true', 'market/colour', t.node.ledger.durableHeight, {
      rgb: [0, 0, 255],
    });
    await check(`/v1/state/kv/market/colour?proof=true&height=${h1}`, 'market/colour', h1, 'red');
    await check(`/v1/state/kv/market/colour?proof=true&height=${h1 - 1}`, 'market/colour', h1 - 1, null);
    await check(
      '/v1/state/kv/market/never-written?proof=true',
      'market/never-written',
      t.node.ledger.durableHeight,
      null,
    );

    // Delete, then the key is absent at the latest height and still present at h2.
    const del = await postTx(t, signedTx(t, { method: 'delete', args: { key: 'colour' } }), '?wait=true');
    expect(del.statusCode).toBe(200);
    expect(del.json().receipt).toMatchObject({
      status: 'ok',
      events: [{ contract: 'kv', name: 'deleted', data: { key: 'market/colour' } }],
    });
    expectError(await t.app.inject({ method: 'GET', url: '/v1/state/kv/market/colour' }), 404, 'STATE_KEY_NOT_FOUND');
    await check('/v1/state/kv/market/colour?proof=true', 'market/colour', t.node.ledger.durableHeight, null);
    await check(`/v1/state/kv/market/colour?proof=true&height=${h2}`, 'market/colour', h2, { rgb: [0, 0, 255] });
  });

  it('GET /v1/state/gov/config holds the consortium configuration of genesis (version 1)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/state/gov/config?height=0' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      contract: 'gov',
      key: 'config',
      height: 0,
      value: { version: 1, height: 0, config: configOfGenesis(t.genesis) },
    });
  });

  it('GET /v1/blocks/latest, /v1/blocks/0 and /v1/blocks/{h}?full=true are consistent with their headers', async () => {
    const latest = await t.app.inject({ method: 'GET', url: '/v1/blocks/latest' });
    expect(latest.statusCode).toBe(200);
    const lb = latest.json();
    expect(Object.keys(lb).sort()).toEqual(['hash', 'header', 'txIds']);
    expect(lb.header.height).toBe(t.node.ledger.durableHeight);
    expect(lb.hash).toBe(bytesToHex(blockHash(portable, lb.header)));

    const genesisBlock = (await t.app.inject({ method: 'GET', url: '/v1/blocks/0' })).json();
    expect(genesisBlock.header).toMatchObject({
      v: 1,
      chainId: CHAIN_ID,
      height: 0,
      parent: GENESIS_PARENT,
      txCount: 0,
    });
    expect(genesisBlock.header.time).toBe(t.genesis.time);
    expect(genesisBlock.txIds).toEqual([]);
    const emptyRoot = bytesToHex(merkleRootFromLeafHashes(portable, []));
    expect(genesisBlock.header.txRoot).toBe(emptyRoot);

    // Walk the whole chain: parent links, tx and receipt roots recomputed from the full blocks.
    let parent = genesisBlock.hash as string;
    expect(parent).toBe(bytesToHex(blockHash(portable, genesisBlock.header)));
    for (let h = 1; h <= lb.header.height; h++) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/blocks/${h}?full=true` });
      expect(res.statusCode).toBe(200);
      const b = res.json() as {
        header: { height: number; parent: string; txCount: number; txRoot: string; receiptRoot: string };
        hash: string;
        txIds: string[];
        txs: SignedTransaction[];
        receipts: Receipt[];
      };
      expect(b.header.height).toBe(h);
      expect(b.header.parent).toBe(parent);
      expect(b.hash).toBe(bytesToHex(blockHash(portable, b.header as never)));
      expect(b.txs.length).toBe(b.header.txCount);
      expect(b.receipts.length).toBe(b.header.txCount);
      const ids = b.txs.map((s) => transactionId(portable, s.tx));
      expect(b.txIds).toEqual(ids.map(bytesToHex));
      expect(b.receipts.map((r) => r.tx)).toEqual(b.txIds);
      const txLeaves = b.txs.map((s, i) => portable.merkleLeaf(ids[i]!, hexToBytes(s.sig, 'sig', 64)));
      expect(bytesToHex(merkleRootFromLeafHashes(portable, txLeaves))).toBe(b.header.txRoot);
      const receiptLeaves = b.receipts.map((r) => portable.merkleLeaf(receiptHash(portable, r)));
      expect(bytesToHex(merkleRootFromLeafHashes(portable, receiptLeaves))).toBe(b.header.receiptRoot);
      parent = b.hash;
    }
    expect(parent).toBe(lb.hash);
  });

  it('GET /v1/checkpoints/latest and /v1/checkpoints/{h} verify against the consortium', async () => {
    const latest = await t.app.inject({ method: 'GET', url: '/v1/checkpoints/latest' });
    expect(latest.statusCode).toBe(200);
    const cp = latest.json();
    expect(cp.header.height).toBe(t.node.ledger.durableHeight);
    for (const suite of [t.suite, portable]) {
      const verified = verifyCheckpoint(suite, trust, assertCheckpoint(cp));
      expect(verified.orgs).toEqual(['market']);
      expect(bytesToHex(verified.blockHash)).toBe(cp.blockHash);
    }
    for (const h of [0, 1, cp.header.height]) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/checkpoints/${h}` });
      expect(res.statusCode).toBe(200);
      const c = res.json();
      expect(c.header.height).toBe(h);
      verifyCheckpoint(portable, trust, assertCheckpoint(c));
      const block = (await t.app.inject({ method: 'GET', url: `/v1/blocks/${h}` })).json();
      expect(c.blockHash).toBe(block.hash);
      expect(c.header).toEqual(block.header);
    }
    // A checkpoint with its header altered must not verify.
    const forged = { ...cp, header: { ...cp.header, stateRoot: '11'.repeat(32) } };
    expect(codeOf(() => verifyCheckpoint(portable, trust, assertCheckpoint(forged)))).toBe('CHECKPOINT_INVALID');
  });

  it('GET /v1/notary/{alg}/{hash}/certificate verifies offline, for sha256 and sm3 documents', async () => {
    const document = '不动产权证书 京(2026)朝阳区不动产权第 0000001 号';
    const digests = {
      sha256: createHash('sha256').update(document, 'utf8').digest(),
      sm3: sm3(new TextEncoder().encode(document)),
    };
    for (const alg of ['sha256', 'sm3'] as const) {
      const hash = bytesToHex(digests[alg]);
      const key = t.members.realestate!;
      const signed = signedTx(t, { key, contract: 'notary', method: 'register', args: { alg, hash } });
      const committed = await postTx(t, signed, '?wait=true');
      expect(committed.statusCode).toBe(200);
      const res = await t.app.inject({ method: 'GET', url: `/v1/notary/${alg}/${hash}/certificate` });
      expect(res.statusCode).toBe(200);
      const json = res.json();
      expect(json).toMatchObject({
        type: 'lianzheng/notary-certificate',
        v: 1,
        chainId: CHAIN_ID,
        document: { alg, hash },
      });
      for (const suite of [t.suite, portable]) {
        const verified = verifyNotaryCertificate(suite, trust, assertNotaryCertificate(json, suite), digests[alg]);
        expect(verified).toEqual({
          alg,
          hash,
          time: T0,
          height: committed.json().height,
          txId: txIdOf(t, signed),
          registrant: bytesToHex(key.publicKey),
          orgs: ['market'],
        });
        const otherFile = new Uint8Array(32).fill(7);
        expect(
          codeOf(() => verifyNotaryCertificate(suite, trust, assertNotaryCertificate(json, suite), otherFile)),
        ).toBe('DOCUMENT_MISMATCH');
      }
    }
  });

  it('POST /v1/transactions/batch returns per-item results in request order', async () => {
    const good1 = signedTx(t, { args: { key: 'batch-1', value: 1 } });
    const good2 = signedTx(t, { key: t.members.health!, args: { key: 'batch-2', value: 2 } });
    const badSig = { ...signedTx(t, { args: { key: 'batch-x', value: 0 } }) };
    badSig.sig = good1.sig;
    const unknownContract = signedTx(t, { contract: 'nosuch' });
    const stranger = signedTx(t, { key: t.stranger });
    const items: unknown[] = [good1, badSig, { not: 'a transaction' }, good2, good1, unknownContract, 17, stranger];
    const res = await postBatch(t, items);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; results: Record<string, unknown>[] };
    expect(body.accepted).toBe(2);
    expect(body.results.length).toBe(items.length);
    expect(body.results[0]).toEqual({ id: txIdOf(t, good1), status: 'pending' });
    expect(body.results[3]).toEqual({ id: txIdOf(t, good2), status: 'pending' });
    const codes = body.results.map((r) => (r.error as { code?: string } | undefined)?.code ?? null);
    expect(codes).toEqual([
      null,
      'TX_SIGNATURE_INVALID',
      'TX_MALFORMED',
      null,
      'TX_DUPLICATE',
      'CONTRACT_UNKNOWN',
      'TX_MALFORMED',
      'IDENTITY_UNKNOWN',
    ]);
    expect((body.results[4]!.error as { details?: unknown }).details).toEqual({ status: 'pending' });
    for (const r of body.results) if ('error' in r) assertErrorEnvelope({ error: r.error });
    await waitCommitted(t, txIdOf(t, good1));
    await waitCommitted(t, txIdOf(t, good2));

    const empty = await postBatch(t, '[]');
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ accepted: 0, results: [] });
  });

  it('GET /health, /v1/chain and /metrics describe the node', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      chainId: CHAIN_ID,
      suite: 'ed25519-sha256',
      node: 'market-node',
      org: 'market',
      height: t.node.ledger.durableHeight,
      workers: 2,
    });

    const chain = await t.app.inject({ method: 'GET', url: '/v1/chain' });
    expect(chain.statusCode).toBe(200);
    expect(chain.json()).toMatchObject({ chainId: CHAIN_ID, suite: 'ed25519-sha256', genesis: t.genesis });

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const line = metrics.body.split('\n').find((l) => l.startsWith('lianzheng_block_height '));
    expect(line).toBe(`lianzheng_block_height ${t.node.ledger.durableHeight}`);
    expect(metrics.body).toMatch(/^# TYPE lianzheng_block_height gauge$/m);
    expect(metrics.body).toMatch(/^lianzheng_admissions_total\{result="ok"\} [1-9]\d*$/m);
  });

  /** Every /v1 route of the router, with its OpenAPI path. */
  const V1_ROUTES = [
    ['POST', '/v1/transactions', '/v1/transactions'],
    ['POST', '/v1/transactions/batch', '/v1/transactions/batch'],
    ['GET', '/v1/transactions/:id', '/v1/transactions/{id}'],
    ['GET', '/v1/transactions/:id/proof', '/v1/transactions/{id}/proof'],
    ['GET', '/v1/blocks/latest', '/v1/blocks/latest'],
    ['GET', '/v1/blocks/:height', '/v1/blocks/{height}'],
    ['GET', '/v1/checkpoints/latest', '/v1/checkpoints/latest'],
    ['GET', '/v1/checkpoints/:height', '/v1/checkpoints/{height}'],
    ['GET', '/v1/sync/blocks', '/v1/sync/blocks'],
    ['GET', '/v1/state/:contract/*', '/v1/state/{contract}/{*}'],
    ['GET', '/v1/notary/:alg/:hash/certificate', '/v1/notary/{alg}/{hash}/certificate'],
    ['GET', '/v1/chain', '/v1/chain'],
    ['POST', '/v1/auth/challenge', '/v1/auth/challenge'],
    ['POST', '/v1/auth/session', '/v1/auth/session'],
    ['GET', '/v1/auth/me', '/v1/auth/me'],
    ['POST', '/v1/auth/logout', '/v1/auth/logout'],
    ['GET', '/v1/config', '/v1/config'],
    ['GET', '/v1/identity/members', '/v1/identity/members'],
    ['GET', '/v1/identity/keys/:key', '/v1/identity/keys/{key}'],
    ['GET', '/v1/identity/subjects/:id', '/v1/identity/subjects/{id}'],
    ['GET', '/v1/identity/expiring', '/v1/identity/expiring'],
    ['GET', '/v1/gov/proposals', '/v1/gov/proposals'],
    ['GET', '/v1/gov/proposals/:id', '/v1/gov/proposals/{id}'],
    ['GET', '/v1/workflows', '/v1/workflows'],
    ['GET', '/v1/workflows/:id', '/v1/workflows/{id}'],
    ['GET', '/v1/workflow/inbox', '/v1/workflow/inbox'],
    ['GET', '/v1/workflow/cases', '/v1/workflow/cases'],
    ['GET', '/v1/workflow/my-cases', '/v1/workflow/my-cases'],
    ['GET', '/v1/workflow/cases/:id', '/v1/workflow/cases/{id}'],
    ['GET', '/v1/privacy/catalogue', '/v1/privacy/catalogue'],
    ['POST', '/v1/privacy/records', '/v1/privacy/records'],
    ['GET', '/v1/privacy/records/:id', '/v1/privacy/records/{id}'],
    ['POST', '/v1/privacy/reads', '/v1/privacy/reads'],
    ['GET', '/v1/privacy/reads/:tx', '/v1/privacy/reads/{tx}'],
    ['GET', '/v1/privacy/access-log', '/v1/privacy/access-log'],
    ['GET', '/v1/privacy/mine', '/v1/privacy/mine'],
    ['GET', '/v1/privacy/store', '/v1/privacy/store'],
    ['POST', '/v1/privacy/store/rotate', '/v1/privacy/store/rotate'],
    ['POST', '/v1/privacy/transfer', '/v1/privacy/transfer'],
    ['GET', '/v1/stats/cases', '/v1/stats/cases'],
    ['GET', '/v1/stats/processing', '/v1/stats/processing'],
    ['GET', '/v1/stats/access', '/v1/stats/access'],
    ['GET', '/v1/stats/credentials', '/v1/stats/credentials'],
    ['GET', '/v1/stats/chain', '/v1/stats/chain'],
    ['GET', '/v1/credentials', '/v1/credentials'],
    ['GET', '/v1/credentials/types', '/v1/credentials/types'],
    ['GET', '/v1/credentials/mine', '/v1/credentials/mine'],
    ['GET', '/v1/credentials/:id/status', '/v1/credentials/{id}/status'],
    ['POST', '/v1/credentials/verify', '/v1/credentials/verify'],
    ['GET', '/v1/wallet/inbox', '/v1/wallet/inbox'],
    ['GET', '/v1/wallet/inbox/:id', '/v1/wallet/inbox/{id}'],
    ['POST', '/v1/wallet/inbox/:id/ack', '/v1/wallet/inbox/{id}/ack'],
    ['POST', '/v1/presentations', '/v1/presentations'],
    ['GET', '/v1/presentations/:id', '/v1/presentations/{id}'],
    ['GET', '/v1/records', '/v1/records'],
    ['GET', '/v1/records/:org/:id', '/v1/records/{org}/{id}'],
  ] as const;

  it('/openapi.json is OpenAPI 3.1 and documents every REST /v1 route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toContain('Lianzheng');
    for (const [method, route, openapiPath] of V1_ROUTES) {
      expect(t.app.hasRoute({ method, url: route }), `${method} ${route} is routed`).toBe(true);
      const op = doc.paths[openapiPath]?.[method.toLowerCase()] as { summary?: string; tags?: string[] } | undefined;
      expect(op, `${method} ${openapiPath} is documented`).toBeDefined();
      expect(op?.summary).toBeTruthy();
      expect(op?.tags?.length).toBeGreaterThan(0);
    }
    const documented = Object.keys(doc.paths).filter((p) => p.startsWith('/v1/'));
    expect(documented.filter((p) => !V1_ROUTES.some(([, , o]) => o === p) && p !== '/v1/events')).toEqual([]);
  });

  it('WebSocket /v1/events delivers a block message and the contract event of a committed tx', async () => {
    const ws = await t.app.injectWS('/v1/events');
    const messages: StreamMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as StreamMessage));
    try {
      const signed = signedTx(t, { args: { key: 'streamed', value: true } });
      const id = txIdOf(t, signed);
      const res = await postTx(t, signed, '?wait=true');
      expect(res.statusCode).toBe(200);
      const { height } = res.json() as { height: number };
      await until('the event of the streamed tx', () => messages.some((m) => m.type === 'event' && m.tx === id));
      const block = messages.find((m): m is BlockMessage => m.type === 'block' && m.height === height);
      const headerRes = (await t.app.inject({ method: 'GET', url: `/v1/blocks/${height}` })).json();
      expect(block).toEqual({
        type: 'block',
        height,
        hash: headerRes.hash,
        time: T0,
        durableAt: T0,
        txCount: 1,
        txIds: [id],
      });
      expect(messages.filter((m) => m.type === 'event' && m.tx === id)).toEqual([
        { type: 'event', height, tx: id, contract: 'kv', name: 'put', data: { key: 'market/streamed' } },
      ]);
      // Solo: a durable block is certified (one organisation's attestation is the quorum).
      expect(messages as unknown[]).toContainEqual({ type: 'certified', height, at: T0 });
      // The block message comes before the events of its transactions.
      expect(messages.indexOf(block!)).toBeLessThan(messages.findIndex((m) => m.type === 'event' && m.tx === id));
    } finally {
      ws.terminate();
    }
  });

  it('WebSocket /v1/events?contract=notary&blocks=false sends only notary events', async () => {
    const ws = await t.app.injectWS('/v1/events?contract=notary&blocks=false');
    const messages: StreamMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as StreamMessage));
    try {
      const kv = signedTx(t, { args: { key: 'filtered-out', value: 1 } });
      const hash = sha256Hex('filtered stream document');
      const notary = signedTx(t, { contract: 'notary', method: 'register', args: { alg: 'sha256', hash } });
      // kv first: if it leaked into the stream it would arrive before the notary event.
      const res = await postBatch(t, [kv, notary]);
      expect(res.json().accepted).toBe(2);
      await until('the notary event', () => messages.length > 0);
      await waitCommitted(t, txIdOf(t, kv));
      expect(messages).toEqual([
        {
          type: 'event',
          height: messages[0]!.height,
          tx: txIdOf(t, notary),
          contract: 'notary',
          name: 'registered',
          data: { alg: 'sha256', hash, org: 'market' },
        },
      ]);
    } finally {
      ws.terminate();
    }
  });
});

describe('HTTP API on an sm2-sm3 chain', () => {
  let t: TestNode;

  beforeAll(async () => {
    t = await openTestNode({ suite: 'sm2-sm3' });
  });
  afterEach(() => {
    expect(t.fatal).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('commits, and its proofs, checkpoints and certificates verify with the portable SM2/SM3 suite', async () => {
    const portable = portableSuite('sm2-sm3');
    const trust = consortiumFromGenesis(t.genesis);
    const document = sm3(new TextEncoder().encode('国密 存证'));
    const hash = bytesToHex(document);
    const signed = signedTx(t, { contract: 'notary', method: 'register', args: { alg: 'sm3', hash } });
    const res = await postTx(t, signed, '?wait=true');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().receipt.status).toBe('ok');

    const cert = (await t.app.inject({ method: 'GET', url: `/v1/notary/sm3/${hash}/certificate` })).json();
    expect(cert.suite).toBe('sm2-sm3');
    const verified = verifyNotaryCertificate(portable, trust, assertNotaryCertificate(cert, portable), document);
    expect(verified.txId).toBe(txIdOf(t, signed));

    const state = (await t.app.inject({ method: 'GET', url: `/v1/state/notary/sm3:${hash}?proof=true` })).json();
    const checkpoint = verifyCheckpoint(portable, trust, assertCheckpoint(state.checkpoint));
    const root = hexToBytes(checkpoint.header.stateRoot, 'stateRoot', 32);
    verifyStateProof(portable, root, 'notary', `sm3:${hash}`, state.value, stateProofFromJson(state.proof));

    // An Ed25519-sized signer is malformed on this chain; a bit-flipped SM2 signature does not verify.
    expectError(await postTx(t, { ...signed, tx: { ...signed.tx, signer: '11'.repeat(32) } }), 400, 'TX_MALFORMED');
    const other = signedTx(t, { args: { key: 'sm2', value: 1 } });
    const flipped = `${other.sig.slice(0, -1)}${(Number.parseInt(other.sig.slice(-1), 16) ^ 1).toString(16)}`;
    expectError(await postTx(t, { ...other, sig: flipped }), 401, 'TX_SIGNATURE_INVALID');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Bad input: every rejection has the documented status, code and envelope
// ---------------------------------------------------------------------------------------------------------------

describe('HTTP API: bad input', () => {
  let t: TestNode;

  beforeAll(async () => {
    t = await openTestNode();
  });
  afterEach(() => {
    expect(t.fatal).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A signed tx as JSON text, then a textual edit of it (the signature may or may not survive it). */
  const text = (p: Parameters<typeof signedTx>[1] = {}) => JSON.stringify(signedTx(t, p));
  const txWith = (fields: Record<string, unknown>, sign = true) => {
    const tx = { ...buildTx(t), ...fields } as Transaction;
    return sign ? resign(t, tx) : { tx, sig: '00'.repeat(64) };
  };

  interface Case {
    readonly name: string;
    readonly send: () => Promise<{ statusCode: number; body: string }>;
    readonly status: number;
    readonly code: string;
    /** `details.field` when the code names a field. */
    readonly field?: string;
  }

  const single =
    (body: () => string | Buffer, headers: Record<string, string> = JSON_HEADERS) =>
    () =>
      t.app.inject({ method: 'POST', url: '/v1/transactions', headers, payload: body() });
  const json = (body: () => unknown) => single(() => JSON.stringify(body()));

  const requestCases: Case[] = [
    {
      name: 'no body, no content type',
      send: () => t.app.inject({ method: 'POST', url: '/v1/transactions' }),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    { name: 'empty JSON body', send: single(() => ''), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'text/plain content type',
      send: single(() => text(), { 'content-type': 'text/plain' }),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'form content type',
      send: single(() => 'tx=1&sig=2', { 'content-type': 'application/x-www-form-urlencoded' }),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'Content-Length larger than the body',
      send: single(() => text(), { ...JSON_HEADERS, 'content-length': '100000' }),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    { name: 'malformed JSON', send: single(() => '{"tx":'), status: 400, code: 'JSON_MALFORMED' },
    { name: 'trailing garbage after JSON', send: single(() => `${text()}x`), status: 400, code: 'JSON_MALFORMED' },
    { name: 'single quotes', send: single(() => "{'tx':1}"), status: 400, code: 'JSON_MALFORMED' },
    { name: 'JSON array', send: single(() => `[${text()}]`), status: 400, code: 'TX_MALFORMED', field: 'body' },
    { name: 'JSON null', send: single(() => 'null'), status: 400, code: 'TX_MALFORMED', field: 'body' },
    { name: 'JSON number', send: single(() => '42'), status: 400, code: 'TX_MALFORMED', field: 'body' },
    { name: 'JSON string', send: single(() => '"tx"'), status: 400, code: 'TX_MALFORMED', field: 'body' },
  ];

  const jsonCases: Case[] = [
    {
      name: 'duplicate top-level key',
      send: single(() => {
        const s = signedTx(t);
        return `{"tx":${JSON.stringify(s.tx)},"sig":"${s.sig}","sig":"${s.sig}"}`;
      }),
      status: 400,
      code: 'JSON_DUPLICATE_KEY',
    },
    {
      name: 'duplicate key inside args',
      send: single(() => text({ args: { key: 'dup', value: 1 } }).replace('"key":"dup"', '"key":"dup","key":"dup2"')),
      status: 400,
      code: 'JSON_DUPLICATE_KEY',
    },
    {
      name: 'duplicate key spelled with an escape',
      send: single(() => text().replace('"sig":', '"\\u0073ig":"00","sig":')),
      status: 400,
      code: 'JSON_DUPLICATE_KEY',
    },
    {
      name: '__proto__ key at the top level',
      send: single(() => text().replace('{"tx":', '{"__proto__":{},"tx":')),
      status: 400,
      code: 'JSON_FORBIDDEN_KEY',
    },
    {
      name: '__proto__ key inside args.value',
      send: single(() => text({ args: { key: 'p', value: { a: 1 } } }).replace('{"a":1}', '{"__proto__":{"a":1}}')),
      status: 400,
      code: 'JSON_FORBIDDEN_KEY',
    },
    {
      name: '__proto__ key spelled with an escape',
      send: single(() => text().replace('{"tx":', '{"\\u005f_proto__":1,"tx":')),
      status: 400,
      code: 'JSON_FORBIDDEN_KEY',
    },
    {
      name: 'lone high surrogate in a value',
      send: single(() => text({ args: { key: 's', value: 'SURR' } }).replace('SURR', '\\ud800')),
      status: 400,
      code: 'JSON_STRING_INVALID',
    },
    {
      name: 'lone low surrogate in a member name',
      send: single(() => text({ args: { key: 's', value: { k: 1 } } }).replace('"k":', '"\\udc00":')),
      status: 400,
      code: 'JSON_STRING_INVALID',
    },
    {
      name: 'args nested deeper than 64',
      send: single(() =>
        text({ args: { key: 'deep', value: 'DEEP' } }).replace('"DEEP"', `${'['.repeat(62)}${']'.repeat(62)}`),
      ),
      status: 400,
      code: 'JSON_TOO_DEEP',
    },
    {
      name: 'body nested 100 000 deep',
      send: single(() => `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      status: 400,
      code: 'JSON_TOO_DEEP',
    },
    {
      name: 'float in args',
      send: single(() => text({ args: { key: 'f', value: 7 } }).replace('"value":7', '"value":1.5')),
      status: 400,
      code: 'JSON_NUMBER_INVALID',
    },
    {
      name: 'float expiresAt',
      send: single(() => text().replace(/"expiresAt":(\d+)/, '"expiresAt":$1.5')),
      status: 400,
      code: 'JSON_NUMBER_INVALID',
    },
    {
      name: 'number that overflows to Infinity',
      send: single(() => text({ args: { key: 'f', value: 7 } }).replace('"value":7', '"value":1e400')),
      status: 400,
      code: 'JSON_NUMBER_INVALID',
    },
    {
      name: 'unsafe integer 2^53',
      send: single(() => text({ args: { key: 'f', value: 7 } }).replace('"value":7', '"value":9007199254740992')),
      status: 400,
      code: 'JSON_NUMBER_INVALID',
    },
    {
      name: 'unsafe negative integer -(2^53 + 1)',
      send: single(() => text({ args: { key: 'f', value: 7 } }).replace('"value":7', '"value":-9007199254740993')),
      status: 400,
      code: 'JSON_NUMBER_INVALID',
    },
  ];

  const shapeCases: Case[] = [
    { name: 'missing sig', send: json(() => ({ tx: buildTx(t) })), status: 400, code: 'TX_MALFORMED', field: 'sig' },
    {
      name: 'missing tx',
      send: json(() => ({ sig: '00'.repeat(64) })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx',
    },
    {
      name: 'extra top-level field',
      send: json(() => ({ ...signedTx(t), note: 'x' })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'note',
    },
    {
      name: 'missing tx.nonce',
      send: json(() => {
        const { nonce: _, ...tx } = buildTx(t);
        return { tx, sig: '00'.repeat(64) };
      }),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.nonce',
    },
    {
      name: 'extra tx field (signed)',
      send: json(() => txWith({ memo: 'hi' })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.memo',
    },
    { name: 'tx.v = 2', send: json(() => txWith({ v: 2 })), status: 400, code: 'TX_MALFORMED', field: 'tx.v' },
    {
      name: 'tx.expiresAt as a string',
      send: json(() => txWith({ expiresAt: String(T0 + 1000) })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.expiresAt',
    },
    {
      name: 'tx.args as an array',
      send: json(() => txWith({ args: [] })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.args',
    },
    {
      name: 'tx.chainId not matching the pattern',
      send: json(() => txWith({ chainId: 'Test-Chain' })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.chainId',
    },
    {
      name: 'tx.contract not matching the pattern',
      send: json(() => txWith({ contract: 'KV' })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.contract',
    },
    {
      name: 'tx.method with a dot',
      send: json(() => txWith({ method: 'put.x' })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.method',
    },
    {
      name: 'upper-case signer hex',
      send: json(() => {
        const s = signedTx(t);
        return { ...s, tx: { ...s.tx, signer: s.tx.signer.toUpperCase() } };
      }),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.signer',
    },
    {
      name: 'upper-case sig hex',
      send: json(() => {
        const s = signedTx(t);
        return { ...s, sig: s.sig.toUpperCase() };
      }),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'sig',
    },
    {
      name: 'upper-case nonce hex',
      send: json(() => txWith({ nonce: 'AB'.repeat(16) })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.nonce',
    },
    {
      name: '31-byte signer',
      send: json(() => txWith({ signer: bytesToHex(t.members.market!.publicKey).slice(2) })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.signer',
    },
    {
      name: '63-byte sig',
      send: json(() => {
        const s = signedTx(t);
        return { ...s, sig: s.sig.slice(2) };
      }),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'sig',
    },
    {
      name: '65-byte sig',
      send: json(() => {
        const s = signedTx(t);
        return { ...s, sig: `${s.sig}00` };
      }),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'sig',
    },
    {
      name: '15-byte nonce',
      send: json(() => txWith({ nonce: 'ab'.repeat(15) })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.nonce',
    },
    {
      name: '33-byte nonce',
      send: json(() => txWith({ nonce: 'ab'.repeat(33) })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.nonce',
    },
    {
      name: 'odd-length nonce',
      send: json(() => txWith({ nonce: `${'ab'.repeat(16)}c` })),
      status: 400,
      code: 'TX_MALFORMED',
      field: 'tx.nonce',
    },
  ];

  const authCases: Case[] = [
    {
      name: 'signature with one bit flipped',
      send: json(() => {
        const s = signedTx(t);
        const last = Number.parseInt(s.sig.slice(-1), 16) ^ 1;
        return { ...s, sig: s.sig.slice(0, -1) + last.toString(16) };
      }),
      status: 401,
      code: 'TX_SIGNATURE_INVALID',
    },
    {
      name: 'body changed after signing',
      send: json(() => {
        const s = signedTx(t, { args: { key: 'k', value: 1 } });
        return { ...s, tx: { ...s.tx, args: { key: 'k', value: 2 } } };
      }),
      status: 401,
      code: 'TX_SIGNATURE_INVALID',
    },
    {
      name: 'signed by another member key than tx.signer',
      send: json(() => signedTx(t, { key: t.members.market! }, t.members.police!)),
      status: 401,
      code: 'TX_SIGNATURE_INVALID',
    },
    {
      name: 'all-zero signature',
      send: json(() => ({ ...signedTx(t), sig: '00'.repeat(64) })),
      status: 401,
      code: 'TX_SIGNATURE_INVALID',
    },
    {
      name: 'signer outside the consortium (valid signature)',
      send: json(() => signedTx(t, { key: t.stranger })),
      status: 401,
      code: 'IDENTITY_UNKNOWN',
    },
    {
      name: 'node key as signer (node keys attest, they do not transact)',
      send: async () => {
        const nodeKey = await loadKeyFile(path.join(t.home, 'keys', 'market-node.key.json'), TEST_PASSPHRASE);
        return postTx(t, signedTx(t, { key: nodeKey }));
      },
      status: 401,
      code: 'IDENTITY_UNKNOWN',
    },
    {
      name: 'non-member with a bad signature: the signature is checked before the identity',
      send: json(() => ({ ...signedTx(t, { key: t.stranger }), sig: '00'.repeat(64) })),
      status: 401,
      code: 'TX_SIGNATURE_INVALID',
    },
    {
      name: 'another chain id',
      send: json(() => signedTx(t, { chainId: 'other-chain' })),
      status: 400,
      code: 'TX_CHAIN_ID_MISMATCH',
    },
    {
      name: 'expired one millisecond ago',
      send: json(() => signedTx(t, { expiresAt: T0 - 1 })),
      status: 400,
      code: 'TX_EXPIRED',
    },
    {
      name: 'expiresAt = 0',
      send: json(() => signedTx(t, { expiresAt: 0 })),
      status: 400,
      code: 'TX_EXPIRED',
    },
    {
      name: 'expiry one millisecond beyond maxTxTtlMs',
      send: json(() => signedTx(t, { expiresAt: T0 + t.genesis.limits.maxTxTtlMs + 1 })),
      status: 400,
      code: 'TX_EXPIRY_TOO_FAR',
    },
    {
      name: 'expiresAt = 2^53 - 1',
      send: json(() => signedTx(t, { expiresAt: Number.MAX_SAFE_INTEGER })),
      status: 400,
      code: 'TX_EXPIRY_TOO_FAR',
    },
  ];

  const callCases: Case[] = [
    {
      name: 'unknown contract',
      send: json(() => signedTx(t, { contract: 'nosuch' })),
      status: 404,
      code: 'CONTRACT_UNKNOWN',
    },
    {
      name: 'the sys namespace is not a callable contract',
      send: json(() => signedTx(t, { contract: 'sys', method: 'put' })),
      status: 404,
      code: 'CONTRACT_UNKNOWN',
    },
    { name: 'unknown method', send: json(() => signedTx(t, { method: 'get' })), status: 404, code: 'METHOD_UNKNOWN' },
    ...['toString', 'constructor', 'hasOwnProperty', 'valueOf'].map(
      (method): Case => ({
        name: `inherited property ${method} is not a method`,
        send: json(() => signedTx(t, { method })),
        status: 404,
        code: 'METHOD_UNKNOWN',
      }),
    ),
  ];

  const hash = 'ab'.repeat(32);
  const notary = (args: Record<string, JsonValue>) =>
    json(() => signedTx(t, { contract: 'notary', method: 'register', args }));
  const kvPut = (args: Record<string, JsonValue>) => json(() => signedTx(t, { args }));
  const argsCases: Case[] = [
    {
      name: 'notary alg md5',
      send: notary({ alg: 'md5', hash }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.alg',
    },
    { name: 'notary alg missing', send: notary({ hash }), status: 400, code: 'ARGS_INVALID', field: 'args.alg' },
    {
      name: 'notary hash upper-case',
      send: notary({ alg: 'sha256', hash: hash.toUpperCase() }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.hash',
    },
    {
      name: 'notary hash 31 bytes',
      send: notary({ alg: 'sha256', hash: hash.slice(2) }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.hash',
    },
    {
      name: 'notary hash missing',
      send: notary({ alg: 'sm3' }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.hash',
    },
    {
      name: 'notary hash as a number',
      send: notary({ alg: 'sm3', hash: 12 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.hash',
    },
    {
      name: 'notary title of 257 characters',
      send: notary({ alg: 'sha256', hash, title: 't'.repeat(257) }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.title',
    },
    {
      name: 'notary title as a number',
      send: notary({ alg: 'sha256', hash, title: 5 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.title',
    },
    {
      name: 'notary meta as an array',
      send: notary({ alg: 'sha256', hash, meta: [1] }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.meta',
    },
    {
      name: 'notary meta null',
      send: notary({ alg: 'sha256', hash, meta: null }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.meta',
    },
    {
      name: 'notary meta over 4096 bytes',
      send: notary({ alg: 'sha256', hash, meta: { note: 'm'.repeat(4096) } }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.meta',
    },
    {
      name: 'notary unknown argument',
      send: notary({ alg: 'sha256', hash, owner: 'x' }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.owner',
    },
    { name: 'kv key empty', send: kvPut({ key: '', value: 1 }), status: 400, code: 'ARGS_INVALID', field: 'args.key' },
    {
      name: 'kv key with a space',
      send: kvPut({ key: 'a b', value: 1 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.key',
    },
    {
      name: 'kv key non-ASCII',
      send: kvPut({ key: '键', value: 1 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.key',
    },
    {
      name: 'kv key of 201 characters',
      send: kvPut({ key: 'k'.repeat(201), value: 1 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.key',
    },
    {
      name: 'kv key as a number',
      send: kvPut({ key: 1, value: 1 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.key',
    },
    { name: 'kv value missing', send: kvPut({ key: 'k' }), status: 400, code: 'ARGS_INVALID', field: 'args.value' },
    {
      name: 'kv value over 16384 bytes',
      send: kvPut({ key: 'k', value: 'v'.repeat(16 * 1024) }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.value',
    },
    {
      name: 'kv unknown argument',
      send: kvPut({ key: 'k', value: 1, ttl: 5 }),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.ttl',
    },
    {
      name: 'kv.delete with a value',
      send: json(() => signedTx(t, { method: 'delete', args: { key: 'k', value: 1 } })),
      status: 400,
      code: 'ARGS_INVALID',
      field: 'args.value',
    },
  ];

  const sizeCases: Case[] = [
    {
      name: 'canonical tx over maxTxBytes (64 KiB) in a body under the body limit',
      send: kvPut({ key: 'big', value: 'x'.repeat(70_000) }),
      status: 413,
      code: 'TX_TOO_LARGE',
    },
    {
      name: 'body over the 256 KiB body limit',
      send: single(() => text({ args: { key: 'huge', value: 'x'.repeat(300_000) } })),
      status: 413,
      code: 'REQUEST_TOO_LARGE',
    },
  ];

  const batch =
    (body: () => string, headers: Record<string, string> = JSON_HEADERS) =>
    () =>
      t.app.inject({ method: 'POST', url: '/v1/transactions/batch', headers, payload: body() });
  const batchCases: Case[] = [
    {
      name: 'batch of maxBatchTxs + 1 items',
      send: batch(() => JSON.stringify(new Array(t.node.options.maxBatchTxs + 1).fill(0))),
      status: 413,
      code: 'BATCH_TOO_LARGE',
    },
    { name: 'batch that is an object', send: batch(() => text()), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'batch that is a string', send: batch(() => '"[]"'), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'batch of malformed JSON', send: batch(() => '[{"tx":1}'), status: 400, code: 'JSON_MALFORMED' },
    { name: 'batch with an empty body', send: batch(() => ''), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'batch with text/plain content type',
      send: batch(() => '[]', { 'content-type': 'text/plain' }),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'batch with a duplicate key inside one item',
      send: batch(() => `[${text().replace('{"tx":', '{"sig":"00","tx":')}]`),
      status: 400,
      code: 'JSON_DUPLICATE_KEY',
    },
    {
      name: 'batch nested deeper than 64',
      send: batch(() => `${'['.repeat(65)}${']'.repeat(65)}`),
      status: 400,
      code: 'JSON_TOO_DEEP',
    },
    {
      name: 'batch over the 16 MiB batch body limit',
      send: batch(() => `["${'x'.repeat(16 * 1024 * 1024)}"]`),
      status: 413,
      code: 'REQUEST_TOO_LARGE',
    },
  ];

  const get = (url: string) => () => t.app.inject({ method: 'GET', url });
  const id64 = 'cd'.repeat(32);
  const pathCases: Case[] = [
    { name: 'height not a number', send: get('/v1/blocks/abc'), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'height 1.5', send: get('/v1/blocks/1.5'), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'height -1', send: get('/v1/blocks/-1'), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'checkpoint height not a number',
      send: get('/v1/checkpoints/abc'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    { name: 'checkpoint height -5', send: get('/v1/checkpoints/-5'), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'full=maybe', send: get('/v1/blocks/0?full=maybe'), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'tx id not hex', send: get(`/v1/transactions/${'zz'.repeat(32)}`), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'tx id upper-case',
      send: get(`/v1/transactions/${id64.toUpperCase()}`),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    { name: 'tx id 31 bytes', send: get(`/v1/transactions/${id64.slice(2)}`), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'proof id 33 bytes',
      send: get(`/v1/transactions/${id64}00/proof`),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    { name: 'notary alg md5', send: get(`/v1/notary/md5/${id64}/certificate`), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'notary hash upper-case',
      send: get(`/v1/notary/sha256/${id64.toUpperCase()}/certificate`),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    { name: 'state contract upper-case', send: get('/v1/state/KV/market/x'), status: 400, code: 'REQUEST_MALFORMED' },
    { name: 'state key empty', send: get('/v1/state/kv/'), status: 400, code: 'REQUEST_MALFORMED' },
    {
      name: 'state height not a number',
      send: get('/v1/state/kv/market/x?height=abc'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'state proof=maybe',
      send: get('/v1/state/kv/market/x?proof=maybe'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'wait=maybe',
      send: () => postTx(t, signedTx(t), '?wait=maybe'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'timeoutMs=0',
      send: () => postTx(t, signedTx(t), '?wait=true&timeoutMs=0'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'timeoutMs over 120000',
      send: () => postTx(t, signedTx(t), '?wait=true&timeoutMs=120001'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
  ];

  const notFoundCases: Case[] = [
    { name: 'unknown route', send: get('/v1/nope'), status: 404, code: 'NOT_FOUND' },
    { name: 'unknown API version', send: get('/v2/blocks/latest'), status: 404, code: 'NOT_FOUND' },
    {
      name: 'wrong method on a route',
      send: () => t.app.inject({ method: 'DELETE', url: '/v1/transactions' }),
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'POST on a GET route',
      send: () => t.app.inject({ method: 'POST', url: '/v1/blocks/0', headers: JSON_HEADERS, payload: '{}' }),
      status: 404,
      code: 'NOT_FOUND',
    },
    { name: 'future block height', send: get('/v1/blocks/1000000'), status: 404, code: 'HEIGHT_NOT_AVAILABLE' },
    {
      name: 'height beyond 2^53 (not a representable height)',
      send: get('/v1/blocks/99999999999999999999'),
      status: 400,
      code: 'REQUEST_MALFORMED',
    },
    {
      name: 'future checkpoint height',
      send: get('/v1/checkpoints/1000000'),
      status: 404,
      code: 'HEIGHT_NOT_AVAILABLE',
    },
    {
      name: 'future state height',
      send: get('/v1/state/kv/market/x?height=1000000&proof=true'),
      status: 404,
      code: 'HEIGHT_NOT_AVAILABLE',
    },
    { name: 'unknown tx', send: get(`/v1/transactions/${id64}`), status: 404, code: 'TX_NOT_FOUND' },
    { name: 'proof of an unknown tx', send: get(`/v1/transactions/${id64}/proof`), status: 404, code: 'TX_NOT_FOUND' },
    {
      name: 'absent state key without proof',
      send: get('/v1/state/kv/market/absent'),
      status: 404,
      code: 'STATE_KEY_NOT_FOUND',
    },
    {
      name: 'state of an unknown contract',
      send: get('/v1/state/nosuch/key'),
      status: 404,
      code: 'STATE_KEY_NOT_FOUND',
    },
    {
      name: 'certificate of a document never registered',
      send: get(`/v1/notary/sha256/${id64}/certificate`),
      status: 404,
      code: 'STATE_KEY_NOT_FOUND',
    },
  ];

  const groups: [string, Case[]][] = [
    ['request', requestCases],
    ['strict JSON', jsonCases],
    ['transaction shape', shapeCases],
    ['authentication and validity', authCases],
    ['contract call', callCases],
    ['contract arguments', argsCases],
    ['size limits', sizeCases],
    ['batch', batchCases],
    ['path and query parameters', pathCases],
    ['not found', notFoundCases],
  ];

  for (const [group, cases] of groups) {
    describe(group, () => {
      it.each(cases)('$name → $status $code', async (c) => {
        const res = await c.send();
        const error = expectError(res, c.status, c.code);
        if (c.field !== undefined) expect(error.details?.field).toBe(c.field);
      });
    });
  }

  it('rejected submissions leave no trace: nothing pending, height unchanged', async () => {
    const before = t.node.ledger.durableHeight;
    const rejected = txWith({ memo: 'x' }) as SignedTransaction;
    expectError(await postTx(t, rejected), 400, 'TX_MALFORMED');
    const expired = signedTx(t, { expiresAt: T0 - 1 });
    expectError(await postTx(t, expired), 400, 'TX_EXPIRED');
    expectError(
      await t.app.inject({ method: 'GET', url: `/v1/transactions/${txIdOf(t, expired)}` }),
      404,
      'TX_NOT_FOUND',
    );
    // A valid transaction whose query string is rejected is not admitted either.
    const badQuery = signedTx(t);
    expectError(await postTx(t, badQuery, '?wait=maybe'), 400, 'REQUEST_MALFORMED');
    expectError(
      await t.app.inject({ method: 'GET', url: `/v1/transactions/${txIdOf(t, badQuery)}` }),
      404,
      'TX_NOT_FOUND',
    );
    expect(t.node.mempoolSize).toBe(0);
    expect(t.node.ledger.durableHeight).toBe(before);
  });

  it('limits are inclusive: values exactly at each limit are admitted', async () => {
    const accepted = [
      signedTx(t, { expiresAt: T0 }),
      signedTx(t, { expiresAt: T0 + t.genesis.limits.maxTxTtlMs }),
      signedTx(t, { args: { key: 'k'.repeat(200), value: Number.MAX_SAFE_INTEGER } }),
      signedTx(t, { args: { key: 'neg', value: Number.MIN_SAFE_INTEGER } }),
      signedTx(t, { args: { key: 'emoji', value: '😀 \u2028 "quoted" \\ 中文' } }),
      signedTx(t, {
        contract: 'notary',
        method: 'register',
        args: { alg: 'sm3', hash: 'ef'.repeat(32), title: 't'.repeat(256) },
      }),
      resign(t, { ...buildTx(t), nonce: 'ab'.repeat(32) }),
    ];
    // 61 nested arrays inside args.value put the innermost one at depth 63, the deepest allowed.
    const deepValue = JSON.parse(`${'['.repeat(61)}${']'.repeat(61)}`) as JsonValue;
    const deepBody = JSON.stringify(signedTx(t, { args: { key: 'deep', value: deepValue } }));
    const ids: string[] = [];
    for (const s of accepted) {
      const res = await postTx(t, s);
      expect(res.statusCode, res.body).toBe(202);
      ids.push(res.json().id);
    }
    const deepRes = await postTx(t, deepBody);
    expect(deepRes.statusCode, deepRes.body).toBe(202);
    ids.push(deepRes.json().id);
    // Insignificant whitespace and number spellings do not change the id: it commits to the canonical form.
    const spaced = signedTx(t, { args: { key: 'spaced', value: 1000 } });
    const spacedText = JSON.stringify(spaced, null, 2).replace('"value": 1000', '"value": 1e3');
    const spacedRes = await postTx(t, spacedText);
    expect(spacedRes.statusCode, spacedRes.body).toBe(202);
    expect(spacedRes.json().id).toBe(txIdOf(t, spaced));
    ids.push(spacedRes.json().id);
    for (const id of ids) expect((await waitCommitted(t, id)).receipt.status).toBe('ok');
  });

  it('duplicate submission: 409 TX_DUPLICATE while pending and after commit', async () => {
    const signed = signedTx(t, { args: { key: 'dup', value: 1 } });
    const id = txIdOf(t, signed);

    // Twice in one batch: the second copy finds the first in the mempool.
    const res = await postBatch(t, [signed, signed]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(1);
    expect(body.results[0]).toEqual({ id, status: 'pending' });
    expect(body.results[1].error).toMatchObject({ code: 'TX_DUPLICATE', details: { status: 'pending' } });
    expect(httpStatusOf('TX_DUPLICATE')).toBe(409);

    // Two concurrent single submissions of a new transaction: exactly one is admitted.
    const other = signedTx(t, { args: { key: 'dup-2', value: 2 } });
    const both = await Promise.all([postTx(t, other), postTx(t, other)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const conflict = both.find((r) => r.statusCode === 409)!;
    expect(['pending', 'committed']).toContain(expectError(conflict, 409, 'TX_DUPLICATE').details?.status);

    await waitCommitted(t, id);
    await waitCommitted(t, txIdOf(t, other));
    const again = expectError(await postTx(t, signed), 409, 'TX_DUPLICATE');
    expect(again.details).toEqual({ status: 'committed' });
    const againWait = expectError(await postTx(t, signed, '?wait=true'), 409, 'TX_DUPLICATE');
    expect(againWait.details).toEqual({ status: 'committed' });
    const inBatch = (await postBatch(t, [signed])).json();
    expect(inBatch.accepted).toBe(0);
    expect(inBatch.results[0].error).toMatchObject({ code: 'TX_DUPLICATE', details: { status: 'committed' } });
    // Still exactly one copy in the chain.
    const status = await waitCommitted(t, id);
    const block = (await t.app.inject({ method: 'GET', url: `/v1/blocks/${status.height}` })).json();
    expect(block.txIds.filter((x: string) => x === id)).toEqual([id]);
  });

  it('notary double registration commits with a failed receipt NOTARY_ALREADY_REGISTERED', async () => {
    const docHash = sha256Hex('registered twice');
    const args = { alg: 'sha256', hash: docHash } as const;
    const first = signedTx(t, { contract: 'notary', method: 'register', args });
    const r1 = await postTx(t, first, '?wait=true');
    expect(r1.statusCode).toBe(200);
    expect(r1.json().receipt.status).toBe('ok');

    // Another organisation, another transaction, the same document.
    const second = signedTx(t, { key: t.members.police!, contract: 'notary', method: 'register', args });
    const r2 = await postTx(t, second, '?wait=true');
    expect(r2.statusCode).toBe(200);
    const body = r2.json();
    expect(body).toMatchObject({ id: txIdOf(t, second), status: 'committed' });
    expect(body.receipt).toEqual({
      tx: txIdOf(t, second),
      status: 'failed',
      code: 'NOTARY_ALREADY_REGISTERED',
      message: body.receipt.message,
      events: [],
    });
    expect(KNOWN_CODES.has(body.receipt.code)).toBe(true);
    expect((await waitCommitted(t, txIdOf(t, second))).receipt).toEqual(body.receipt);

    // Twice within one block: the second sees the first's write.
    const hash2 = sha256Hex('registered twice in one block');
    const a = signedTx(t, { contract: 'notary', method: 'register', args: { alg: 'sha256', hash: hash2 } });
    const b = signedTx(t, {
      key: t.members.finance!,
      contract: 'notary',
      method: 'register',
      args: { alg: 'sha256', hash: hash2 },
    });
    expect((await postBatch(t, [a, b])).json().accepted).toBe(2);
    const sa = await waitCommitted(t, txIdOf(t, a));
    const sb = await waitCommitted(t, txIdOf(t, b));
    expect(sb.height).toBe(sa.height);
    expect(sa.receipt.status).toBe('ok');
    expect(sb.receipt).toMatchObject({ status: 'failed', code: 'NOTARY_ALREADY_REGISTERED', events: [] });

    // The certificate keeps naming the first registration.
    const cert = (await t.app.inject({ method: 'GET', url: `/v1/notary/sha256/${docHash}/certificate` })).json();
    expect(cert.proof.tx).toEqual(first);
    const verified = verifyNotaryCertificate(
      t.suite,
      consortiumFromGenesis(t.genesis),
      assertNotaryCertificate(cert, t.suite),
    );
    expect(verified.txId).toBe(txIdOf(t, first));
  });

  it('kv.delete of a missing key commits with a failed receipt KV_NOT_FOUND and changes no state', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/v1/checkpoints/latest' })).json().header.stateRoot;
    const signed = signedTx(t, { method: 'delete', args: { key: 'never-there' } });
    const res = await postTx(t, signed, '?wait=true');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.receipt).toMatchObject({ tx: txIdOf(t, signed), status: 'failed', code: 'KV_NOT_FOUND', events: [] });
    const cp = (await t.app.inject({ method: 'GET', url: `/v1/checkpoints/${body.height}` })).json();
    expect(cp.header.stateRoot).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Back-pressure
// ---------------------------------------------------------------------------------------------------------------

describe('HTTP API: back-pressure with mempoolMaxTxs = 5', () => {
  let t: TestNode;

  beforeAll(async () => {
    t = await openTestNode({ overrides: { mempoolMaxTxs: 5 } });
  });
  afterEach(() => {
    expect(t.fatal).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a batch larger than the free capacity: the first 5 are admitted, the rest get MEMPOOL_FULL', async () => {
    await waitMempoolEmpty(t);
    const items = Array.from({ length: 12 }, (_, i) => signedTx(t, { args: { key: `bp-${i}`, value: i } }));
    const res = await postBatch(t, items);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; results: { id?: string; error?: { code: string } }[] };
    expect(body.accepted).toBe(5);
    expect(body.results.slice(0, 5).map((r) => r.id)).toEqual(items.slice(0, 5).map((s) => txIdOf(t, s)));
    expect(body.results.slice(5).map((r) => r.error?.code)).toEqual(new Array(7).fill('MEMPOOL_FULL'));
    for (const s of items.slice(0, 5)) expect((await waitCommitted(t, txIdOf(t, s))).receipt.status).toBe('ok');
    // The refused ones were not admitted and can be sent again.
    expectError(
      await t.app.inject({ method: 'GET', url: `/v1/transactions/${txIdOf(t, items[5]!)}` }),
      404,
      'TX_NOT_FOUND',
    );
    await waitMempoolEmpty(t);
    const retry = await postBatch(t, items.slice(5, 10));
    expect(retry.json().accepted).toBe(5);
    await waitMempoolEmpty(t);
  });

  it('concurrent submissions beyond capacity get 429 MEMPOOL_FULL with Retry-After; everything admitted commits', async () => {
    const heightBefore = t.node.ledger.durableHeight;
    const admitted: string[] = [];
    let tooBusy = 0;
    for (let round = 0; round < 20 && tooBusy === 0; round++) {
      await waitMempoolEmpty(t);
      const singles = Array.from({ length: 24 }, (_, i) => signedTx(t, { args: { key: `c-${round}-${i}`, value: i } }));
      const batches = Array.from({ length: 4 }, (_, b) =>
        Array.from({ length: 4 }, (_, i) => signedTx(t, { args: { key: `cb-${round}-${b}-${i}`, value: i } })),
      );
      const responses = await Promise.all([
        ...singles.map((s) => postTx(t, s).then((res) => ({ res, batch: false }))),
        ...batches.map((b) => postBatch(t, b).then((res) => ({ res, batch: true }))),
      ]);
      for (const { res, batch } of responses) {
        if (res.statusCode === 429) {
          tooBusy++;
          expectError(res, 429, 'MEMPOOL_FULL');
          expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        } else if (batch) {
          expect(res.statusCode).toBe(200);
          const body = res.json() as { accepted: number; results: { id?: string; error?: { code: string } }[] };
          // A batch refused entirely for lack of room must be a 429, not a 200 with nothing accepted.
          expect(body.accepted).toBeGreaterThan(0);
          for (const r of body.results) {
            if (r.id !== undefined) admitted.push(r.id);
            else expect(r.error?.code).toBe('MEMPOOL_FULL');
          }
        } else {
          expect(res.statusCode, res.body).toBe(202);
          admitted.push(res.json().id);
        }
      }
    }
    expect(tooBusy).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThan(0);
    for (const id of admitted) expect((await waitCommitted(t, id)).receipt.status).toBe('ok');
    await waitMempoolEmpty(t);

    // Still healthy and still committing.
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', mempool: 0 });
    const after = await postTx(t, signedTx(t, { args: { key: 'after-pressure', value: 1 } }), '?wait=true');
    expect(after.statusCode).toBe(200);
    expect(after.json().height).toBeGreaterThan(heightBefore);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^lianzheng_admissions_total\{result="MEMPOOL_FULL"\} [1-9]\d*$/m);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Known defects: each test states the documented behaviour and fails until the defect is fixed.
// ---------------------------------------------------------------------------------------------------------------

describe('HTTP API: known defects', () => {
  let t: TestNode;

  beforeAll(async () => {
    t = await openTestNode();
    const res = await postTx(t, signedTx(t, { args: { key: 'x', value: 1 } }), '?wait=true');
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('height "-0" is block 0 or a 400, never "block not found" or a 500 STORE_CORRUPT', async () => {
    // Ajv coerces "-0" to the number -0; checkHeight lets it through and LMDB keys -0 and 0 differ.
    for (const url of ['/v1/blocks/-0', '/v1/checkpoints/-0', '/v1/state/gov/config?height=-0']) {
      const res = await t.app.inject({ method: 'GET', url });
      if (res.statusCode === 200) expect(res.json().height ?? res.json().header.height, url).toBe(0);
      else expectError(res, 400, 'REQUEST_MALFORMED');
    }
  });

  it('a height of only whitespace is not a number (400), not block 0', async () => {
    for (const url of ['/v1/blocks/%20', '/v1/checkpoints/%20', '/v1/state/gov/config?height=%20']) {
      expectError(await t.app.inject({ method: 'GET', url }), 400, 'REQUEST_MALFORMED');
    }
  });

  it('a body that is not valid UTF-8 is rejected with JSON_STRING_INVALID, not silently repaired', async () => {
    // Signed over U+FFFD; sent with a lone 0xFF byte where U+FFFD's three bytes were.
    const signed = signedTx(t, { args: { key: 'utf8', value: '\ufffd' } });
    const bytes = Buffer.from(JSON.stringify(signed), 'utf8');
    const at = bytes.indexOf(Buffer.from('\ufffd', 'utf8'));
    const body = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 3)]);
    expectError(await postTx(t, body), 400, 'JSON_STRING_INVALID');
  });

  it('kv.put value and notary meta limits are in bytes, as their names and messages say', async () => {
    // 6 000 CJK characters: 18 000 UTF-8 bytes, over the 16 384-byte limit, but only 6 002 UTF-16 code units.
    expectError(await postTx(t, signedTx(t, { args: { key: 'cjk', value: '中'.repeat(6000) } })), 400, 'ARGS_INVALID');
    // 1 500 CJK characters: 4 500 bytes of meta, over the 4 096-byte limit.
    const meta = { note: '档'.repeat(1500) };
    const notary = signedTx(t, {
      contract: 'notary',
      method: 'register',
      args: { alg: 'sha256', hash: '12'.repeat(32), meta },
    });
    expectError(await postTx(t, notary), 400, 'ARGS_INVALID');
  });

  it('a path with malformed percent-encoding gets the error envelope with a documented code', async () => {
    // fastify answers these itself (FST_ERR_BAD_URL) with its own body shape, bypassing the error handler.
    for (const url of ['/v1/blocks/%zz', '/v1/transactions/%', '/v1/state/kv/a%E0%A4%A']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(errorEnvelopeProblem(res.statusCode, res.body), url).toBeNull();
    }
  });

  it('a path parameter longer than the router limit gets the error envelope with a documented code', async () => {
    // fastify answers 414 FST_ERR_MAX_PARAM_LENGTH (its own body shape; 414 is no status of the error registry).
    for (const url of [`/v1/blocks/${'1'.repeat(101)}`, `/v1/state/${'a'.repeat(101)}/key`]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(errorEnvelopeProblem(res.statusCode, res.body), url).toBeNull();
    }
  });

  it('GET /v1/events without a WebSocket upgrade answers with a coded error body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/events' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(errorEnvelopeProblem(res.statusCode, res.body)).toBeNull();
  });

  it('/openapi.json documents the WebSocket route /v1/events', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(t.app.hasRoute({ method: 'GET', url: '/v1/events' })).toBe(true);
    expect(Object.keys(doc.paths)).toContain('/v1/events');
  });
});

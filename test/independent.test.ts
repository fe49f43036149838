// Checks the pinned vectors with the independent verifier of test/independent/verifier.mjs, which was written from
// docs/PROTOCOL.md alone. Every id, hash, root, signature, proof, checkpoint and certificate in the vectors must
// verify, and every negative case must be rejected with the code (and reason) the vectors give.
//
// Run: npx vitest run --project e2e test/independent.test.ts

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as V from './independent/verifier.mjs';

// biome-ignore lint/suspicious/noExplicitAny: vector files are untyped JSON, navigated by the shapes of §13.
type Json = any;

const load = (name: string): Json =>
  V.parseJsonStrict(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8'));

const hex = (b: Uint8Array): string => V.bytesToHex(b);
const unhex = (h: string): Uint8Array => V.hexToBytes(h, 'vector');

/** Runs `fn` and returns the ProtocolError it throws; fails the test if it does not throw one. */
function rejects(fn: () => unknown): Json {
  try {
    fn();
  } catch (err) {
    if (err instanceof V.ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a ProtocolError, but nothing was thrown');
}

/** `a.b[0].c` → the value at that path of `root` (§13 `negative[].target`). */
function resolveTarget(root: Json, target: string): Json {
  let node = root;
  for (const m of target.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) node = node[m[1] ?? Number(m[2])];
  if (node === undefined) throw new Error(`no such target ${target}`);
  return node;
}

/** RFC 6902 `replace` / `remove` with RFC 6901 pointers, on a copy. */
function applyPatch(doc: Json, ops: Json[]): Json {
  let root = structuredClone(doc);
  for (const op of ops) {
    const tokens =
      op.path === ''
        ? []
        : op.path
            .slice(1)
            .split('/')
            .map((t: string) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (!op.path.startsWith('/') && op.path !== '') throw new Error(`bad pointer ${op.path}`);
    if (tokens.length === 0) {
      if (op.op !== 'replace') throw new Error('cannot remove the whole document');
      root = structuredClone(op.value);
      continue;
    }
    let parent = root;
    for (const t of tokens.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(t)] : parent[t];
      if (parent === undefined || parent === null || typeof parent !== 'object')
        throw new Error(`pointer ${op.path} does not exist`);
    }
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!/^(0|[1-9][0-9]*)$/.test(last) || i >= parent.length) throw new Error(`pointer ${op.path} does not exist`);
      if (op.op === 'replace') parent[i] = structuredClone(op.value);
      else if (op.op === 'remove') parent.splice(i, 1);
      else throw new Error(`unsupported op ${op.op}`);
    } else {
      if (!Object.hasOwn(parent, last)) throw new Error(`pointer ${op.path} does not exist`);
      if (op.op === 'replace') parent[last] = structuredClone(op.value);
      else if (op.op === 'remove') delete parent[last];
      else throw new Error(`unsupported op ${op.op}`);
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------------------------
// jcs.json (§2)
// ---------------------------------------------------------------------------------------------------------------

describe('jcs.json (§2)', () => {
  const jcs = load('jcs');

  it('has the 9 accepted and 14 rejected inputs that §2.3 announces', () => {
    expect(jcs.valid).toHaveLength(9);
    expect(jcs.invalid).toHaveLength(14);
  });

  for (const [i, v] of jcs.valid.entries()) {
    it(`valid[${i}]: ${v.note}`, () => {
      const value = V.parseJsonStrict(v.input);
      expect(V.canonicalize(value)).toBe(v.canonical);
      expect(hex(V.jcs(value))).toBe(v.canonicalUtf8Hex);
      // The canonical text is a fixed point, and decodeCanonical accepts exactly it.
      expect(V.canonicalize(V.parseJsonStrict(v.canonical))).toBe(v.canonical);
      expect(V.canonicalize(V.decodeCanonical(unhex(v.canonicalUtf8Hex)))).toBe(v.canonical);
      if (v.input !== v.canonical)
        expect(rejects(() => V.decodeCanonical(V.utf8(v.input))).code).toBe('JSON_NOT_CANONICAL');
    });
  }

  for (const [i, v] of jcs.invalid.entries()) {
    it(`invalid[${i}]: ${v.note} → ${v.code}`, () => {
      expect(rejects(() => V.parseJsonStrict(v.input)).code).toBe(v.code);
    });
  }

  it('encoder rules of §2.1 that the vectors do not reach', () => {
    expect(rejects(() => V.canonicalize(Number.NaN)).code).toBe('JSON_UNSUPPORTED_VALUE');
    expect(rejects(() => V.canonicalize({ a: Number.POSITIVE_INFINITY })).code).toBe('JSON_UNSUPPORTED_VALUE');
    expect(rejects(() => V.canonicalize(undefined)).code).toBe('JSON_UNSUPPORTED_VALUE');
    expect(V.canonicalize(-0)).toBe('0');
    expect(V.canonicalize({ '\u007f': '/\u0000\u000b' })).toBe('{"\u007f":"/\\u0000\\u000b"}');
    expect(rejects(() => V.decodeCanonical(Uint8Array.of(0x22, 0xff, 0x22))).code).toBe('JSON_STRING_INVALID');
    expect(rejects(() => V.decodeCanonical(V.utf8('\ufeff1'))).code).toBe('JSON_MALFORMED');
    expect(rejects(() => V.parseJsonStrict('[1, 2] x')).code).toBe('JSON_MALFORMED');
    // §2.2 precedence: a duplicate is reported only after the walk; the hidden first occurrence is not walked.
    expect(rejects(() => V.parseJsonStrict('{"a":1.5,"a":1}')).code).toBe('JSON_DUPLICATE_KEY');
    expect(rejects(() => V.parseJsonStrict('{"a":1,"a":1.5}')).code).toBe('JSON_NUMBER_INVALID');
    expect(rejects(() => V.parseJsonStrict('{"a":1,"a":2,"b":[1,}')).code).toBe('JSON_MALFORMED');
    expect(rejects(() => V.parseJsonStrict(`${'['.repeat(100000)}${']'.repeat(100000)}`)).code).toBe('JSON_TOO_DEEP');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The two chain files
// ---------------------------------------------------------------------------------------------------------------

// §6.1 prints the ed25519 genesis hash in full; it is the value an offline verifier pins. The SM2 chain's hash is
// only in the vector file, so that one is pinned from there.
const PINNED_GENESIS: Record<string, string | undefined> = {
  'ed25519-sha256': '589e25bc85b0f14023bc23c7dc96697d29814fe7056a21c2ebd3cdfcbcc07e9e',
  'sm2-sm3': undefined,
};

for (const file of ['ed25519-sha256', 'sm2-sm3']) {
  describe(`${file}.json`, () => {
    const vec = load(file);
    const suite = V.getSuite(vec.suite);
    const isSm2 = suite.id === 'sm2-sm3';
    const pinned = PINNED_GENESIS[file] ?? vec.genesis.hash;
    const trust = V.consortiumFromGenesis(vec.genesis.document, { pinnedGenesisHash: pinned });
    const txByLabel = new Map<string, Json>(vec.transactions.map((t: Json) => [t.label, t]));
    const keyById = new Map<string, Json>(vec.keys.map((k: Json) => [k.id, k]));
    const TH = (tag: string, data: Uint8Array) => hex(suite.taggedHash(tag, data));

    /** Reproduces an SM2 signature from its published k, Z_A and e, and checks all three. */
    function checkSm2Signature(signerId: string, message: Uint8Array, sm2: Json, sig: string) {
      const key = keyById.get(signerId);
      const pub = unhex(key.publicKey);
      expect(hex(V.sm2Za(pub))).toBe(sm2.za);
      expect(hex(V.sm2E(pub, message))).toBe(sm2.e);
      const label = /UTF-8\("([^"]+)"\)/.exec(sm2.kDerivation)?.[1];
      expect(label, 'kDerivation names its input').toBeDefined();
      const k = (BigInt(`0x${hex(V.digest('sm3', V.utf8(label as string)))}`) % (V.SM2.n - 1n)) + 1n;
      expect(k.toString(16).padStart(64, '0')).toBe(sm2.k);
      expect(hex(V.sm2SignWithK(unhex(key.secretKey), message, unhex(sm2.k)))).toBe(sig);
    }

    describe('primitives (§3, §4)', () => {
      it('H(""), H("abc"), H(0x00)', () => {
        expect(hex(suite.hash(new Uint8Array(0)))).toBe(vec.primitives.hashOfEmpty);
        expect(hex(suite.hash(V.utf8('abc')))).toBe(vec.primitives.hashOfAbc);
        expect(hex(V.merkleLeafHash(suite, new Uint8Array(0)))).toBe(vec.primitives.merkleLeafOfEmpty);
      });

      it('TH(tag, "abc") for every tag of §4, with the exact hashed bytes', () => {
        expect(vec.primitives.taggedHashOfAbc.map((t: Json) => t.tag).sort()).toEqual(Object.values(V.TAGS).sort());
        for (const t of vec.primitives.taggedHashOfAbc) {
          expect(hex(V.taggedHashInput(t.tag, V.utf8('abc')))).toBe(t.input);
          expect(TH(t.tag, V.utf8('abc'))).toBe(t.hash);
        }
      });

      if (isSm2) {
        it('SM2 default user id and the GB/T 32918 example key with its Z_A', () => {
          const ex = vec.primitives.sm2StandardExample;
          expect(hex(V.SM2_DEFAULT_USER_ID)).toBe(vec.primitives.sm2DefaultUserId);
          expect(hex(V.sm2PublicKeyFromSecret(unhex(ex.secretKey)))).toBe(ex.publicKey);
          expect(hex(V.sm2Za(unhex(ex.publicKey)))).toBe(ex.za);
          expect(V.sm2IsValidPublicKey(unhex(ex.publicKey))).toBe(true);
        });
      }
    });

    describe('keys (§3, §13)', () => {
      for (const key of vec.keys) {
        it(`${key.id}: public key derives from the secret key and is a valid key of the suite`, () => {
          const secret = unhex(key.secretKey);
          const pub = unhex(key.publicKey);
          expect(suite.isValidPublicKey(pub)).toBe(true);
          if (isSm2) {
            const d = BigInt(`0x${key.secretKey}`);
            expect(d >= 1n && d <= V.SM2.n - 2n).toBe(true);
            expect(hex(V.sm2PublicKeyFromSecret(secret))).toBe(key.publicKey);
            expect(hex(V.sm2Za(pub))).toBe(key.za);
            if (key.id !== 'market-admin') {
              // §13: (SM3(UTF-8("lianzheng/vectors/sm2/<id>")) mod (n − 2)) + 1
              const seed = BigInt(`0x${hex(V.digest('sm3', V.utf8(`lianzheng/vectors/sm2/${key.id}`)))}`);
              expect(d).toBe((seed % (V.SM2.n - 2n)) + 1n);
            }
          } else {
            expect(hex(V.ed25519PublicKeyFromSeed(secret))).toBe(key.publicKey);
          }
        });
      }
    });

    describe('genesis (§6.1, §6.3, §8.3)', () => {
      const g = vec.genesis;

      it('document passes assertGenesis; canonical text and genesis hash', () => {
        expect(() => V.assertGenesis(g.document)).not.toThrow();
        expect(V.canonicalize(g.document)).toBe(g.canonical);
        expect(V.decodeCanonical(V.utf8(g.canonical))).toEqual(g.document);
        expect(TH(V.TAGS.genesis, V.jcs(g.document))).toBe(g.hash);
        expect(trust.genesisHash).toBe(g.hash);
      });

      it('GET /v1/chain: the genesis it carries hashes to the pinned value; the reported hash matches', () => {
        const info = g.chainInfo;
        const fromApi = V.consortiumFromGenesis(info.genesis, { pinnedGenesisHash: pinned });
        expect(fromApi.genesisHash).toBe(info.genesisHash);
        expect(info.chainId).toBe(g.document.chainId);
        expect(info.suite).toBe(g.document.suite);
        const other = structuredClone(info.genesis);
        other.time += 1;
        expect(rejects(() => V.consortiumFromGenesis(other, { pinnedGenesisHash: pinned })).code).toBe(
          'GENESIS_INVALID',
        );
      });

      it('the consortium derived from the genesis', () => {
        expect(trust.chainId).toBe(g.document.chainId);
        expect(trust.suite.id).toBe(g.document.suite);
        expect(trust.quorum).toEqual(g.document.checkpoint.quorum);
        const orgsWithNodes = g.document.orgs.filter((o: Json) => o.nodes.length > 0).length;
        expect(trust.orgsWithNodes).toBe(orgsWithNodes);
        for (const k of vec.keys.filter((k: Json) => k.role === 'node')) {
          expect(trust.attestors.get(k.publicKey)).toEqual({ node: k.id, org: k.org, publicKey: k.publicKey });
        }
        for (const k of vec.keys.filter((k: Json) => k.role === 'member')) {
          expect(trust.memberKeys.get(k.publicKey)?.org).toBe(k.org);
          expect(trust.attestors.has(k.publicKey)).toBe(false);
        }
      });

      it('block 0: header, canonical header, block hash and the rules of §6.3', () => {
        const b = g.block;
        const h = b.header;
        expect(() => V.assertBlockHeader(h)).not.toThrow();
        expect(V.canonicalize(h)).toBe(b.headerCanonical);
        expect(hex(V.blockHash(suite, h))).toBe(b.hash);
        expect(h.height).toBe(0);
        expect(h.time).toBe(g.document.time);
        expect(h.chainId).toBe(g.document.chainId);
        expect(h.parent).toBe('00'.repeat(32));
        expect(h.txCount).toBe(0);
        expect(h.txRoot).toBe(hex(V.merkleRoot(suite, [])));
        expect(h.receiptRoot).toBe(hex(suite.hash(new Uint8Array(0))));
        const e = b.stateEntry;
        expect([e.contract, e.key]).toEqual(['sys', 'config']);
        expect(V.canonicalize([e.contract, e.key])).toBe(e.keyPathInput);
        expect(hex(V.stateKeyPath(suite, 'sys', 'config'))).toBe(e.keyPath);
        expect(e.valueCanonical).toBe(g.canonical);
        expect(hex(V.stateValueHash(suite, g.document))).toBe(e.valueHash);
        expect(hex(V.stateLeaf(suite, unhex(e.keyPath), unhex(e.valueHash)))).toBe(e.leafHash);
        expect(hex(V.stateRoot(suite, [{ keyPath: unhex(e.keyPath), valueHash: unhex(e.valueHash) }]))).toBe(
          h.stateRoot,
        );
      });

      it('block 0 checkpoint verifies against the pinned consortium', () => {
        const cp = g.checkpoint;
        expect(cp.header).toEqual(g.block.header);
        expect(cp.blockHash).toBe(g.block.hash);
        const out = V.verifyCheckpoint(trust, cp);
        expect(hex(out.hash)).toBe(g.block.hash);
        expect(out.orgs).toEqual(['market', 'realestate']);
      });

      for (const [i, a] of g.attestations.entries()) {
        it(`block 0 attestation ${i} (${a.node}): body, canonical body, digest, signature`, () => {
          checkAttestation(a, g.block.header, g.block.hash, g.checkpoint.attestations[i]);
        });
      }
    });

    function checkAttestation(a: Json, header: Json, blockHashHex: string, entry: Json) {
      expect(a.body).toEqual(V.attestationBody(header, blockHashHex));
      expect(V.canonicalize(a.body)).toBe(a.bodyCanonical);
      const digest = V.attestationDigest(suite, a.body);
      expect(hex(digest)).toBe(a.digest);
      expect(entry.node).toBe(a.node);
      const key = keyById.get(a.node);
      expect(entry.publicKey).toBe(key.publicKey);
      expect(entry.org).toBe(key.org);
      expect(suite.verify(unhex(entry.publicKey), digest, unhex(entry.sig))).toBe(true);
      if (isSm2) checkSm2Signature(a.node, digest, a.sm2, entry.sig);
      else {
        expect(hex(V.ed25519Sign(unhex(key.secretKey), digest))).toBe(entry.sig);
        expect(V.ed25519VerifyEquation(unhex(entry.publicKey), digest, unhex(entry.sig))).toBe(true);
      }
    }

    describe('transactions (§5)', () => {
      for (const t of vec.transactions) {
        it(`${t.label}: shape, canonical body, id, signature, Merkle leaf`, () => {
          expect(() => V.assertSignedTransaction(t.signed, suite)).not.toThrow();
          const body = t.signed.tx;
          expect(V.canonicalize(body)).toBe(t.canonical);
          expect(V.jcs(body).length).toBe(t.canonicalUtf8Bytes);
          const id = V.txId(suite, body);
          expect(hex(id)).toBe(t.id);
          expect(body.signer).toBe(keyById.get(t.signer).publicKey);
          expect(V.verifyTxSignature(suite, t.signed)).toBe(true);
          const sig = unhex(t.signed.sig);
          expect(hex(V.concatBytes(id, sig))).toBe(t.leafData);
          expect(hex(V.merkleLeafHash(suite, unhex(t.leafData)))).toBe(t.leafHash);
          if (isSm2) checkSm2Signature(t.signer, id, t.sm2, t.signed.sig);
          else {
            expect(hex(V.ed25519Sign(unhex(keyById.get(t.signer).secretKey), id))).toBe(t.signed.sig);
            expect(V.ed25519VerifyEquation(unhex(body.signer), id, sig)).toBe(true);
          }
          // The id covers the body only (§5.2), and the signature covers the id.
          const pub = unhex(body.signer);
          for (const pos of [0, 31, 32, 63]) {
            const bad = Uint8Array.from(sig);
            bad[pos] ^= 0x01;
            expect(suite.verify(pub, id, bad)).toBe(false);
          }
          const otherId = Uint8Array.from(id);
          otherId[0] ^= 0x80;
          expect(suite.verify(pub, otherId, sig)).toBe(false);
        });
      }
    });

    describe('block 1 (§5.5, §6)', () => {
      const b = vec.block;
      const h = b.header;
      const included = b.proposal.txs
        .map((label: string) => txByLabel.get(label))
        .filter((t: Json, i: number, all: Json[]) => all.findIndex((u) => u.id === t.id) === i)
        .filter((t: Json) => t.signed.tx.expiresAt >= h.time);

      it('header, canonical header, block hash; parent, time and txCount', () => {
        expect(() => V.assertBlockHeader(h)).not.toThrow();
        expect(V.canonicalize(h)).toBe(b.headerCanonical);
        expect(hex(V.blockHash(suite, h))).toBe(b.hash);
        expect(h.chainId).toBe(vec.genesis.document.chainId);
        expect(h.height).toBe(b.proposal.height);
        expect(h.parent).toBe(vec.genesis.block.hash);
        expect(h.time).toBe(Math.max(b.proposal.time, vec.genesis.block.header.time));
        expect(h.txCount).toBe(b.txIds.length);
      });

      it('drops: the repeated tx0 is TX_DUPLICATE, txExpired is TX_EXPIRED (expiresAt < T)', () => {
        expect(b.dropped.map((d: Json) => [d.label, d.code])).toEqual([
          ['tx0', 'TX_DUPLICATE'],
          ['txExpired', 'TX_EXPIRED'],
        ]);
        for (const d of b.dropped) expect(d.id).toBe(txByLabel.get(d.label).id);
        expect(txByLabel.get('txExpired').signed.tx.expiresAt).toBeLessThan(h.time);
        expect(b.txIds).toEqual(included.map((t: Json) => t.id));
      });

      it('transaction tree (§6.5): leaves id ‖ sig, node01, txRoot', () => {
        const leafData = included.map((t: Json) => V.concatBytes(unhex(t.id), unhex(t.signed.sig)));
        expect(leafData.map((d: Uint8Array) => hex(V.merkleLeafHash(suite, d)))).toEqual(b.txTree.leafHashes);
        expect(hex(V.merkleNodeHash(suite, unhex(b.txTree.leafHashes[0]), unhex(b.txTree.leafHashes[1])))).toBe(
          b.txTree.node01,
        );
        expect(hex(V.merkleRoot(suite, leafData))).toBe(b.txTree.root);
        expect(b.txTree.root).toBe(h.txRoot);
      });

      it('receipts (§6.4): shape, canonical text, receipt hash, receipt tree', () => {
        expect(b.receipts.map((r: Json) => r.tx)).toEqual(b.txIds);
        for (const [i, r] of b.receipts.entries()) {
          expect(() => V.assertReceipt(r)).not.toThrow();
          expect(V.canonicalize(r)).toBe(b.receiptCanonicals[i]);
          expect(hex(V.receiptHash(suite, r))).toBe(b.receiptHashes[i]);
        }
        const leafData = b.receiptHashes.map(unhex);
        expect(leafData.map((d: Uint8Array) => hex(V.merkleLeafHash(suite, d)))).toEqual(b.receiptTree.leafHashes);
        expect(
          hex(V.merkleNodeHash(suite, unhex(b.receiptTree.leafHashes[0]), unhex(b.receiptTree.leafHashes[1]))),
        ).toBe(b.receiptTree.node01);
        expect(hex(V.merkleRoot(suite, leafData))).toBe(b.receiptTree.root);
        expect(b.receiptTree.root).toBe(h.receiptRoot);
      });

      it('receipts and writes follow the contracts of §11', () => {
        const [t0, t1, t2] = included;
        const orgOf = (pub: string) => trust.memberKeys.get(pub)?.org;
        const a0 = t0.signed.tx.args;
        const notaryKey = `${a0.alg}:${a0.hash}`;
        expect(b.receipts[0]).toEqual({
          tx: t0.id,
          status: 'ok',
          events: [
            {
              contract: 'notary',
              name: 'registered',
              data: { alg: a0.alg, hash: a0.hash, org: orgOf(t0.signed.tx.signer) },
            },
          ],
          result: { key: notaryKey },
        });
        const kvKey = `${orgOf(t1.signed.tx.signer)}/${t1.signed.tx.args.key}`;
        expect(b.receipts[1]).toEqual({
          tx: t1.id,
          status: 'ok',
          events: [{ contract: 'kv', name: 'put', data: { key: kvKey } }],
        });
        expect(t2.signed.tx.args.hash).toBe(a0.hash);
        expect(b.receipts[2]).toEqual({
          tx: t2.id,
          status: 'failed',
          code: 'NOTARY_ALREADY_REGISTERED',
          message: 'document is already notarised',
          events: [],
        });
        const record = {
          alg: a0.alg,
          hash: a0.hash,
          registrant: t0.signed.tx.signer,
          org: orgOf(t0.signed.tx.signer),
          txId: t0.id,
          height: h.height,
          time: h.time,
          title: a0.title,
        };
        expect(b.writes).toEqual([
          { contract: 'notary', key: notaryKey, value: V.canonicalize(record) },
          { contract: 'kv', key: kvKey, value: V.canonicalize(t1.signed.tx.args.value) },
        ]);
      });

      it('state after block 1 (§7.1, §7.2): key paths, value hashes, leaves and the root', () => {
        const entries = b.state.map((e: Json) => {
          expect(V.canonicalize([e.contract, e.key])).toBe(e.keyPathInput);
          expect(hex(V.stateKeyPath(suite, e.contract, e.key))).toBe(e.keyPath);
          const value = V.decodeCanonical(V.utf8(e.valueCanonical));
          expect(hex(V.stateValueHash(suite, value))).toBe(e.valueHash);
          expect(hex(V.stateLeaf(suite, unhex(e.keyPath), unhex(e.valueHash)))).toBe(e.leafHash);
          return { keyPath: unhex(e.keyPath), valueHash: unhex(e.valueHash) };
        });
        expect(b.state.map((e: Json) => [e.contract, e.key])).toEqual([
          ['notary', b.writes[0].key],
          ['sys', 'config'],
          ['kv', b.writes[1].key],
        ]);
        expect(b.state[1].valueCanonical).toBe(vec.genesis.canonical);
        expect(hex(V.stateRoot(suite, entries))).toBe(h.stateRoot);
        // The root does not depend on the order of the entries (§7.2).
        expect(hex(V.stateRoot(suite, [...entries].reverse()))).toBe(h.stateRoot);
      });

      it('GET /v1/blocks/1?full=true agrees with the block', () => {
        const api = b.apiView;
        expect(api.header).toEqual(h);
        expect(api.hash).toBe(b.hash);
        expect(api.txIds).toEqual(b.txIds);
        expect(api.txs).toEqual(included.map((t: Json) => t.signed));
        expect(api.receipts).toEqual(b.receipts);
      });
    });

    describe('block 1 checkpoint and quorum (§8)', () => {
      it('the checkpoint verifies; both organisations with nodes attested', () => {
        expect(vec.checkpoint.header).toEqual(vec.block.header);
        const out = V.verifyCheckpoint(trust, vec.checkpoint);
        expect(hex(out.hash)).toBe(vec.block.hash);
        expect(out.orgs).toEqual(['market', 'realestate']);
      });

      for (const [i, a] of vec.attestations.entries()) {
        it(`attestation ${i} (${a.node}): body, canonical body, digest, signature`, () => {
          checkAttestation(a, vec.block.header, vec.block.hash, vec.checkpoint.attestations[i]);
        });
      }

      for (const q of vec.quorumCases) {
        it(`quorum ${q.numerator}/${q.denominator}, ${q.attestingOrgs} of ${q.orgsWithNodes} organisations → ${q.certified}`, () => {
          expect(
            V.quorumMet(q.attestingOrgs, q.orgsWithNodes, { numerator: q.numerator, denominator: q.denominator }),
          ).toBe(q.certified);
        });
      }

      it('rejects a checkpoint for another chain, an empty attestation list, and an attestation of another block', () => {
        const other = structuredClone(vec.checkpoint);
        other.header.chainId = 'other-chain';
        other.blockHash = hex(V.blockHash(suite, other.header));
        expect(rejects(() => V.verifyCheckpoint(trust, other)).details.reason).toBe('chain-id');
        expect(rejects(() => V.verifyCheckpoint(trust, { ...vec.checkpoint, attestations: [] })).code).toBe(
          'CHECKPOINT_QUORUM_NOT_MET',
        );
        const swapped = structuredClone(vec.checkpoint);
        swapped.attestations = vec.genesis.checkpoint.attestations;
        expect(rejects(() => V.verifyCheckpoint(trust, swapped)).details.reason).toBe('signature');
      });
    });

    describe('transaction inclusion proofs (§9)', () => {
      for (const [i, p] of vec.txProofs.entries()) {
        it(`txProofs[${i}] verifies and its paths are RFC 9162 audit paths`, () => {
          const out = V.verifyTxProof(trust, p.proof);
          expect(out.txId).toBe(p.id);
          expect(out.height).toBe(vec.block.header.height);
          expect(out.time).toBe(vec.block.header.time);
          expect(out.orgs).toEqual(['market', 'realestate']);
          expect(p.proof.index).toBe(vec.block.txIds.indexOf(p.id));
          expect(p.proof.tx).toEqual(vec.block.apiView.txs[p.proof.index]);
          expect(p.proof.receipt).toEqual(vec.block.receipts[p.proof.index]);
          expect(p.proof.checkpoint).toEqual(vec.checkpoint);
          const txLeaves = vec.block.apiView.txs.map((e: Json) => V.concatBytes(V.txId(suite, e.tx), unhex(e.sig)));
          expect(V.merkleAuditPath(suite, txLeaves, p.proof.index).map(hex)).toEqual(p.proof.txPath);
          const receiptLeaves = vec.block.receiptHashes.map(unhex);
          expect(V.merkleAuditPath(suite, receiptLeaves, p.proof.index).map(hex)).toEqual(p.proof.receiptPath);
        });
      }

      it('verifyInclusion rejects too long paths and a path for another index', () => {
        const p = vec.txProofs[1].proof;
        const root = unhex(vec.block.header.txRoot);
        const leaf = unhex(vec.block.txTree.leafHashes[1]);
        const path = p.txPath.map(unhex);
        expect(() => V.verifyInclusion(suite, root, leaf, 1, 3, path)).not.toThrow();
        expect(rejects(() => V.verifyInclusion(suite, root, leaf, 1, 3, [...path, path[0]])).details.reason).toBe(
          'path-length',
        );
        expect(rejects(() => V.verifyInclusion(suite, root, leaf, 0, 3, path)).details.reason).toBe('root');
        expect(rejects(() => V.verifyInclusion(suite, root, leaf, 0, 0, [])).details.reason).toBe('index');
      });
    });

    describe('state proofs (§7.3, §7.4)', () => {
      for (const [i, s] of vec.stateProofs.entries()) {
        it(`stateProofs[${i}] (${s.kind}, ${s.contract}/${s.key} at height ${s.height}) verifies`, () => {
          const r = s.response;
          expect([r.contract, r.key, r.height]).toEqual([s.contract, s.key, s.height]);
          expect(r.value).toEqual(s.value);
          expect(V.canonicalize([s.contract, s.key])).toBe(s.keyPathInput);
          expect(hex(V.stateKeyPath(suite, s.contract, s.key))).toBe(s.keyPath);
          expect(s.kind === 'membership').toBe(s.value !== null);
          if (s.value !== null) expect(V.canonicalize(s.value)).toBe(s.valueCanonical);
          // §7.4 with the recorded root, then the whole response against its verified checkpoint.
          V.verifyStateProof(suite, unhex(s.stateRoot), s.contract, s.key, s.value, V.stateProofFromJson(r.proof));
          const out = V.verifyStateResponse(trust, r);
          expect(r.checkpoint.header.stateRoot).toBe(s.stateRoot);
          expect(out.height).toBe(s.height);
          expect(out.orgs).toEqual(['market', 'realestate']);
          if (s.kind === 'non-membership') {
            const shared = r.proof.siblings.length;
            if (r.proof.leaf !== null) {
              expect(r.proof.leaf.keyPath).not.toBe(s.keyPath);
              const ours = unhex(s.keyPath);
              const theirs = unhex(r.proof.leaf.keyPath);
              for (let b = 0; b < shared; b++) expect(V.bit(theirs, b)).toBe(V.bit(ours, b));
            }
          }
        });
      }

      it('stateProofFromJson shape rules', () => {
        const proof = vec.stateProofs[2].response.proof;
        expect(rejects(() => V.stateProofFromJson([])).code).toBe('PROOF_MALFORMED');
        expect(rejects(() => V.stateProofFromJson({ leaf: null })).code).toBe('PROOF_MALFORMED');
        expect(rejects(() => V.stateProofFromJson({ ...proof, leaf: 'x' })).code).toBe('PROOF_MALFORMED');
        expect(rejects(() => V.stateProofFromJson({ ...proof, siblings: Array(257).fill('00'.repeat(32)) })).code).toBe(
          'PROOF_MALFORMED',
        );
        expect(rejects(() => V.stateProofFromJson({ ...proof, siblings: ['AB'.repeat(32)] })).code).toBe('HEX_INVALID');
      });
    });

    describe('notarisation certificate (§10)', () => {
      const nc = vec.notaryCertificate;

      it('the file, its digest, and the verified certificate', () => {
        const file = V.utf8(nc.fileUtf8);
        expect(hex(file)).toBe(nc.fileHex);
        expect(hex(V.fileDigest(nc.alg, file))).toBe(nc.fileDigest);
        expect(nc.certificate.document).toEqual({ alg: nc.alg, hash: nc.fileDigest });
        expect(V.verifyNotaryCertificate(trust, nc.certificate, file)).toEqual(nc.verified);
        expect(V.verifyNotaryCertificate(trust, nc.certificate)).toEqual(nc.verified);
      });

      it('either digest algorithm can be used on either suite (§10.1)', () => {
        const file = V.utf8(nc.fileUtf8);
        expect(hex(V.fileDigest('sha256', file))).toBe(
          'cdfc76fe07fc44be7dd4b974cad8d3d37cf22425eed91e61c8309bd59299dc9b',
        );
        expect(hex(V.fileDigest('sm3', file))).toBe('67ad264c9429fa81a826328376e670d8e95a8e902dd2d9194e72244f0e3975c5');
      });

      it('shape failures are CERTIFICATE_INVALID("malformed") with the field', () => {
        for (const [patch, field] of [
          [{ type: 'x' }, 'type'],
          [{ v: 2 }, 'v'],
          [{ suite: isSm2 ? 'ed25519-sha256' : 'sm2-sm3' }, 'suite'],
          [{ document: { alg: 'md5', hash: nc.fileDigest } }, 'document.alg'],
          [{ document: { alg: nc.alg, hash: nc.fileDigest.toUpperCase() } }, 'document.hash'],
        ] as const) {
          const err = rejects(() => V.verifyNotaryCertificate(trust, { ...nc.certificate, ...patch }));
          expect([err.code, err.details.reason, err.details.field]).toEqual([
            'CERTIFICATE_INVALID',
            'malformed',
            field,
          ]);
        }
        const noPath = structuredClone(nc.certificate);
        delete noPath.proof.txPath;
        expect(rejects(() => V.verifyNotaryCertificate(trust, noPath)).code).toBe('PROOF_MALFORMED');
      });
    });

    describe('negative cases (§13)', () => {
      for (const [i, n] of vec.negative.entries()) {
        const label = `negative[${i}]: ${n.name} → ${n.expect.code}${n.expect.reason ? `(${n.expect.reason})` : ''}`;
        it(label, () => {
          const patched = applyPatch(resolveTarget(vec, n.target), n.patch);
          let run: () => unknown;
          if (n.target.startsWith('txProofs[')) {
            run = () => V.verifyTxProof(trust, patched);
          } else if (n.target.startsWith('stateProofs[')) {
            const root = unhex(resolveTarget(vec, n.target.replace(/\.response$/, '.stateRoot')));
            run = () =>
              V.verifyStateProof(
                suite,
                root,
                patched.contract,
                patched.key,
                patched.value,
                V.stateProofFromJson(patched.proof),
              );
          } else if (n.target.startsWith('notaryCertificate.')) {
            let file: Uint8Array | undefined;
            if (n.fileUtf8 !== undefined) {
              file = V.utf8(n.fileUtf8);
              expect(hex(V.fileDigest(patched.document.alg, file))).toBe(n.fileDigest);
            }
            run = () => V.verifyNotaryCertificate(trust, patched, file);
          } else {
            throw new Error(`no verifier for target ${n.target}`);
          }
          const err = rejects(run);
          expect(err.code).toBe(n.expect.code);
          if (n.expect.reason !== undefined) expect(err.details?.reason).toBe(n.expect.reason);
          if (n.expect.code === 'CERTIFICATE_INVALID' && n.expect.reason === 'proof') {
            expect(err.cause).toBeInstanceOf(V.ProtocolError);
          }
          // A certificate must fail the same way whether or not the original file is given.
          if (n.target.startsWith('notaryCertificate.') && n.fileUtf8 === undefined) {
            const again = rejects(() =>
              V.verifyNotaryCertificate(trust, patched, unhex(vec.notaryCertificate.fileHex)),
            );
            expect([again.code, again.details?.reason]).toEqual([err.code, err.details?.reason]);
          }
        });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Worked examples printed in PROTOCOL.md, recomputed
// ---------------------------------------------------------------------------------------------------------------

describe('worked examples of PROTOCOL.md', () => {
  const ed = load('ed25519-sha256');
  const sm = load('sm2-sm3');
  const E = V.getSuite('ed25519-sha256');
  const S = V.getSuite('sm2-sm3');
  const hx = (b: Uint8Array) => V.bytesToHex(b);

  it('§3.2: RFC 8032 TEST 1 public key', () => {
    expect(
      hx(V.ed25519PublicKeyFromSeed(unhex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'))),
    ).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('§3.3: SM3("abc"), Z_A of the standard key, e and the signature of tx0', () => {
    expect(hx(S.hash(V.utf8('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const pub = unhex(sm.keys[0].publicKey);
    expect(hx(V.sm2Za(pub))).toBe('b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3');
    const tx0 = sm.transactions[0];
    expect(tx0.id.startsWith('2cae66d8') && tx0.id.endsWith('1e7ecfbe')).toBe(true);
    expect(hx(V.sm2E(pub, unhex(tx0.id)))).toBe('079958f8bf7b9f1b17c4c43787f677a4a667efdc506de71d52c9ffb1ed6921c1');
    expect(
      tx0.sm2.k.startsWith('06f560ce') &&
        tx0.signed.sig.startsWith('a2f10436') &&
        tx0.signed.sig.endsWith('f7dae837a0'),
    ).toBe(true);
  });

  it('§3.3: the curve parameters define a curve on which G has order n', () => {
    const g = V.concatBytes(
      Uint8Array.of(4),
      unhex(V.SM2.xG.toString(16).padStart(64, '0')),
      unhex(V.SM2.yG.toString(16).padStart(64, '0')),
    );
    expect(V.sm2IsValidPublicKey(g)).toBe(true);
    // [1]G = G and [n − 1]G = −G: so [n]G is the point at infinity.
    expect(hx(V.sm2PublicKeyFromSecret(unhex('00'.repeat(31) + '01')))).toBe(hx(g));
    const minusG = V.sm2PublicKeyFromSecret(unhex((V.SM2.n - 1n).toString(16).padStart(64, '0')));
    expect(hx(minusG.subarray(1, 33))).toBe(hx(g.subarray(1, 33)));
    expect(BigInt(`0x${hx(minusG.subarray(33))}`)).toBe(V.SM2.p - V.SM2.yG);
  });

  it('§4: TH("lianzheng/tx", "abc") input bytes', () => {
    expect(hx(V.taggedHashInput('lianzheng/tx', V.utf8('abc')))).toBe('6c69616e7a68656e672f747800616263');
  });

  it('§5.4: tx1 canonical length, id and signature', () => {
    const t = ed.transactions[1];
    expect(V.jcs(t.signed.tx).length).toBe(337);
    expect(hx(V.txId(E, t.signed.tx))).toBe('722b601f09649ad728518eb8d54f161842f38f808511a3d53add661169cedec5');
    expect(t.signed.sig).toBe(
      '749e7ea0cf433cfec06d1108b8d95edff1bd61c81f2a4c4a86da694ee8a5a1cf67a930dc5c9357402c1aa4ae2851c91274c8030f13626558c1c69efb1f31fc02',
    );
  });

  it('§6.1–§6.5: genesis hash, block hashes, state root of block 0, receipt hash, tx tree', () => {
    expect(hx(V.genesisHash(ed.genesis.document))).toBe(
      '589e25bc85b0f14023bc23c7dc96697d29814fe7056a21c2ebd3cdfcbcc07e9e',
    );
    expect(hx(V.blockHash(E, ed.block.header))).toBe(
      '41c4b706f81656df6a607ab23d44348740fada34d679ea1fa3e885d161fee9b9',
    );
    expect(hx(V.blockHash(E, ed.genesis.block.header))).toBe(
      'f016a39b43b691c09d88c4249701b164c7ba9c1ff8c081e909f7ab97544eb7fc',
    );
    expect(ed.genesis.block.header.stateRoot).toBe('0fd3408f23eff108cbed30ec36977143d2ef3bbcbb46e9351d5d48dd8cdd1299');
    expect(hx(V.stateKeyPath(E, 'sys', 'config')).startsWith('3f519eca')).toBe(true);
    expect(hx(V.receiptHash(E, ed.block.receipts[2]))).toBe(
      'fb8a7adf46451af3191adc673b47dead04cedd5ec26a77ea9f523281547d5349',
    );
    expect(ed.block.txTree.leafHashes).toEqual([
      '815b68a69db64b8d56007f9877d32515f29d273797c3ca4f9da113c49ec2dbdf',
      'd4312755d1b098d9c0b88f8ed033445550151bffbad1d1378a2929763d9b9877',
      '99af99f23eff1c2ed78c31d48ddebfeab8565b02b3646acb001b10728da33216',
    ]);
    expect(ed.block.txTree.node01).toBe('2f86daf661bf8ee80d1a41e0652fc3ea971f945c761c482503433ffde58f73c0');
  });

  it('§7.5: N2, N1 and the root of block 1', () => {
    const leaf = (i: number) => unhex(ed.block.state[i].leafHash);
    const n2 = V.stateNode(E, leaf(0), leaf(1));
    expect(hx(n2)).toBe('66e718d5d1cdb75e40990e804aa1e21dfa392b0899ce3e0ad83b54c84bfce58b');
    const n1 = V.stateNode(E, n2, leaf(2));
    expect(hx(n1)).toBe('ef01bacae377a98800fb4f9812ae24f7f58d757608f96916288f58f64d43cfb8');
    expect(hx(V.stateNode(E, n1, V.EMPTY))).toBe('f63ceb46963bfb836fa23a4119bdc8c7d452e72d2dc3b040ebd0d3006e2e2c51');
    expect(ed.block.state[2].leafHash).toBe('b0ed94bb374dbd426d026d825f57e96cf60a737c59a385af34e595425d8acbc8');
  });

  it('§8.1: attestation digest and signature of market-node for block 1', () => {
    expect(hx(V.attestationDigest(E, V.attestationBody(ed.block.header, ed.block.hash)))).toBe(
      '293939fa81d530d81c2966e9d0710651a8aa414417ec66375868a3db3a67ba8e',
    );
    expect(ed.checkpoint.attestations[0].sig).toBe(
      '11de8110266430fd4c99cd1735f2e698fe972edc72ebd6ea86ab0bd98fcded0349f5cdaaa7e29aa143130eeb58474e815bc60bb7a3e7145a3481bd7e1651be0c',
    );
  });

  it('§10.1: the 42-byte test file', () => {
    expect(V.utf8(ed.notaryCertificate.fileUtf8).length).toBe(42);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Public-key and signature rules of §3 on crafted inputs
// ---------------------------------------------------------------------------------------------------------------

describe('§3 key and signature rules on crafted inputs', () => {
  const ed = load('ed25519-sha256');
  const tx = ed.transactions[0];
  const pub = unhex(tx.signed.tx.signer);
  const id = unhex(tx.id);
  const sig = unhex(tx.signed.sig);
  const P = 2n ** 255n - 19n;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const le32 = (v: bigint) => unhex(v.toString(16).padStart(64, '0')).reverse();

  it('Ed25519: rejects small-order, non-canonical and torsioned keys', () => {
    expect(V.ed25519IsValidPublicKey(pub)).toBe(true);
    expect(V.ed25519IsValidPublicKey(le32(1n))).toBe(false); // identity (0, 1)
    expect(V.ed25519IsValidPublicKey(le32(P - 1n))).toBe(false); // (0, −1), order 2
    expect(V.ed25519IsValidPublicKey(le32(0n))).toBe(false); // (±√−1, 0), order 4
    expect(V.ed25519IsValidPublicKey(le32(P + 1n))).toBe(false); // y ≥ p: non-canonical identity
    const signedZero = le32(1n);
    signedZero[31] |= 0x80; // x = 0 with the sign bit set
    expect(V.ed25519IsValidPublicKey(signedZero)).toBe(false);
    // A + (0, −1) = (−x, −y): a point of order 2L, with a torsion component.
    const y = BigInt(`0x${V.bytesToHex(Uint8Array.from(pub).reverse())}`) & (2n ** 255n - 1n);
    const torsioned = le32(P - y);
    torsioned[31] |= (pub[31] & 0x80) ^ 0x80;
    expect(V.ed25519IsValidPublicKey(torsioned)).toBe(false);
    expect(V.ed25519Verify(torsioned, id, sig)).toBe(false);
  });

  it('Ed25519: S ≥ L is rejected, by OpenSSL and by the BigInt equation alike', () => {
    const S = BigInt(`0x${V.bytesToHex(Uint8Array.from(sig.subarray(32)).reverse())}`);
    const malleated = V.concatBytes(sig.subarray(0, 32), le32(S + L));
    expect(V.ed25519Verify(pub, id, malleated)).toBe(false);
    expect(V.ed25519VerifyEquation(pub, id, malleated)).toBe(false);
    expect(V.ed25519Verify(pub, id, sig)).toBe(true);
    expect(V.ed25519VerifyEquation(pub, id, sig)).toBe(true);
  });

  it('SM2: rejects compressed, off-curve and out-of-range keys, and r or s out of range', () => {
    const sm = load('sm2-sm3');
    const t = sm.transactions[0];
    const key = unhex(t.signed.tx.signer);
    const msg = unhex(t.id);
    const s = unhex(t.signed.sig);
    expect(V.sm2Verify(key, msg, s)).toBe(true);
    const compressed = V.concatBytes(Uint8Array.of(2 + (key[64] & 1)), key.subarray(1, 33));
    expect(V.sm2IsValidPublicKey(compressed)).toBe(false);
    const offCurve = Uint8Array.from(key);
    offCurve[64] ^= 1;
    expect(V.sm2IsValidPublicKey(offCurve)).toBe(false);
    expect(V.sm2Verify(offCurve, msg, s)).toBe(false);
    const hybrid = Uint8Array.from(key);
    hybrid[0] = 6 + (key[64] & 1);
    expect(V.sm2IsValidPublicKey(hybrid)).toBe(false);
    const n = unhex(V.SM2.n.toString(16));
    expect(V.sm2Verify(key, msg, V.concatBytes(n, s.subarray(32)))).toBe(false);
    expect(V.sm2Verify(key, msg, V.concatBytes(s.subarray(0, 32), new Uint8Array(32)))).toBe(false);
    // The signature is bound to the default user id: with Z_A computed for another key it does not verify.
    expect(V.sm2Verify(unhex(sm.keys[1].publicKey), msg, s)).toBe(false);
  });
});

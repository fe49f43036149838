// Checks the pinned vectors with the independent verifier of test/independent/verifier.mjs, which was written from
// docs/PROTOCOL.md alone. Every id, hash, root, signature, proof, checkpoint and certificate in the vectors must
// verify, and every negative case must be rejected with the code (and reason) the vectors give. The chains start
// from a genesis version 2 (§15.2): the X.509 CA roots and member certificates, the block 0 state and the
// co-signature transaction leaf (§15.5) are recomputed from §15.
//
// Run: npx vitest run --project e2e test/independent.test.ts

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freePort, type NodeHandle, removeDir, startNode, tempDir } from './helpers/nodeProcess.js';
import * as V from './independent/verifier.mjs';

// biome-ignore lint/suspicious/noExplicitAny: vector files are untyped JSON, navigated by the shapes of §13.
type Json = any;

const load = (name: string): Json =>
  V.parseJsonStrict(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8'));

const hex = (b: Uint8Array): string => V.bytesToHex(b);

/** genesisHash of test/vectors/ed25519-sha256.json (genesis version 2). */
const ED25519_GENESIS_HASH = 'bd6d0f290b6739a9aa04e0eac7bda232d02dea6dd9041a7c21b6b160d60f91f8';
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

// The value an offline verifier pins (§6.1, §8.3) for the ed25519 chain of the vectors (genesis version 2). §6.1 still
// prints the hash of the version 1 vectors; the SM2 chain's hash is only in the vector file, so that one is pinned
// from there.
const PINNED_GENESIS: Record<string, string | undefined> = {
  'ed25519-sha256': ED25519_GENESIS_HASH,
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
            if (['ca', 'subject'].includes(key.role)) {
              // The keys beyond RFC 8032's five: SHA-256(UTF-8("lianzheng/vectors/ed25519/<id>")).
              expect(key.secretKey).toBe(hex(V.digest('sha256', V.utf8(`lianzheng/vectors/ed25519/${key.id}`))));
            }
          }
        });
      }

      it('five keys of §13 plus the three CA roots and the enterprise of §15', () => {
        expect(vec.keys.map((k: Json) => `${k.id}/${k.role}`)).toEqual([
          'market-admin/member',
          'realestate-admin/member',
          'police-admin/member',
          'market-node/node',
          'realestate-node/node',
          'market-ca/ca',
          'realestate-ca/ca',
          'police-ca/ca',
          'enterprise/subject',
        ]);
      });
    });

    describe('certificates (§15.6)', () => {
      const certById = new Map<string, Json>(vec.certificates.map((c: Json) => [c.id, c]));

      for (const c of vec.certificates) {
        it(`${c.id}: strict DER, fields, member extension, fingerprint, signature by ${c.issuer}`, () => {
          const der = V.certificateFromBase64(c.base64);
          const cert: Json = V.parseCertificate(der);
          expect(V.certificateFingerprint(suite, der)).toBe(c.fingerprint);
          expect(hex(suite.hash(der))).toBe(c.fingerprint);
          expect(cert.algorithm).toBe(suite.id);
          expect(cert.serial).toBe(c.serial);
          expect([cert.notBefore, cert.notAfter]).toEqual([c.notBefore, c.notAfter]);
          expect(cert.subject).toEqual(c.subject);
          expect(cert.member).toEqual(c.member);
          expect(cert.ca).toBe(c.kind === 'ca');
          expect(hex(cert.publicKey)).toBe(keyById.get(c.id).publicKey);
          expect(hex(cert.tbs)).toBe(c.tbsHex);
          expect(hex(cert.signature)).toBe(c.signature);
          // The issuer Name is the issuing root's subject Name, byte for byte; a root is its own issuer.
          const issuer = V.parseCertificate(V.certificateFromBase64(certById.get(c.issuer).base64));
          expect(hex(cert.issuerDer)).toBe(hex(issuer.subjectDer));
          const issuerKey = keyById.get(c.issuer);
          expect(V.verifyCertificateSignature(suite, cert, unhex(issuerKey.publicKey))).toBe(true);
          // §15.6.4: signed over the whole TBSCertificate, not a digest of it.
          if (isSm2) {
            expect(hex(V.sm2E(unhex(issuerKey.publicKey), cert.tbs))).toBe(c.sm2.e);
            checkSm2Signature(c.issuer, cert.tbs, c.sm2, c.signature);
          } else {
            expect(hex(V.ed25519Sign(unhex(issuerKey.secretKey), cert.tbs))).toBe(c.signature);
          }
          const bad = Uint8Array.from(cert.signature as Uint8Array);
          bad[3]! ^= 1;
          expect(suite.verify(unhex(issuerKey.publicKey), cert.tbs, bad)).toBe(false);
        });
      }

      it('the member extension is the canonical JSON of §15.6.3 in a UTF8String', () => {
        const c = certById.get('market-admin');
        const text = V.canonicalize(c.member);
        expect(text).toBe('{"attrs":{"dept":"登记注册处"},"kind":"member","roles":["admin","registrar"]}');
        // extnID (the DER of §15.6.3), then the OCTET STRING holding the UTF8String of that text.
        const utf8Text = V.utf8(text);
        const needle = `0613${'69e2b681c2f9dfdab6838da7e7fdc8d7c1f457'}04${(utf8Text.length + 2).toString(16)}0c${utf8Text.length.toString(16)}${hex(utf8Text)}`;
        expect(c.tbsHex).toContain(needle);
      });

      it('strict DER and X.509 rules reject altered certificates', () => {
        const der = V.certificateFromBase64(certById.get('market-admin').base64);
        const withTrailing = V.concatBytes(der, Uint8Array.of(0));
        expect(rejects(() => V.parseCertificate(withTrailing)).code).toBe('DER_MALFORMED');
        const indefinite = Uint8Array.from(der);
        indefinite[1] = 0x80;
        expect(rejects(() => V.parseCertificate(indefinite)).code).toBe('DER_MALFORMED');
        // version 2 (v3) → 1 (v2): unsupported.
        const tbsStart = 4;
        const versionAt = hex(der).indexOf('a003020102') / 2;
        expect(versionAt).toBeGreaterThan(tbsStart);
        const v2 = Uint8Array.from(der);
        v2[versionAt + 4] = 1;
        expect(rejects(() => V.parseCertificate(v2)).code).toBe('X509_UNSUPPORTED');
        expect(rejects(() => V.certificateFromBase64(`${certById.get('market-admin').base64}\n`)).code).toBe(
          'X509_MALFORMED',
        );
        expect(rejects(() => V.readDer(Uint8Array.of(0x01, 0x01, 0x01))).code).toBe('DER_MALFORMED'); // BOOLEAN 01
        expect(rejects(() => V.readDer(Uint8Array.of(0x02, 0x02, 0x00, 0x01))).code).toBe('DER_MALFORMED'); // INTEGER 0001
        expect(rejects(() => V.readDer(Uint8Array.of(0x31, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01))).code).toBe(
          'DER_MALFORMED',
        ); // SET out of order
        const set: Json = V.readDer(Uint8Array.of(0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02));
        expect(set.children).toHaveLength(2);
      });
    });

    describe('genesis version 2 (§15.2, §15.3, §6.1, §8.3)', () => {
      const g = vec.genesis;

      it('document passes assertGenesis; canonical text and genesis hash', () => {
        const checked = V.assertGenesis(g.document);
        expect(g.document.v).toBe(2);
        expect(checked.members.map((m: Json) => m.member)).toEqual([
          'market-admin',
          'realestate-admin',
          'police-admin',
        ]);
        expect(V.canonicalize(g.document)).toBe(g.canonical);
        expect(V.decodeCanonical(V.utf8(g.canonical))).toEqual(g.document);
        expect(TH(V.TAGS.genesis, V.jcs(g.document))).toBe(g.hash);
        expect(trust.genesisHash).toBe(g.hash);
      });

      it('the configuration is the genesis without v, time, members; CA roots and members are the certificates', () => {
        const config = V.configOfGenesis(g.document);
        expect(Object.keys(config).sort()).toEqual([...V.CONFIG_MEMBERS].sort());
        expect(g.configRecord).toEqual({ version: 1, height: 0, config });
        const certById = new Map<string, Json>(vec.certificates.map((c: Json) => [c.id, c]));
        for (const org of g.document.orgs) {
          expect(org.ca).toEqual([certById.get(`${org.id}-ca`).base64]);
          expect(V.checkCaRoot(suite, org.id, org.ca[0], 'ca').fingerprint).toBe(
            certById.get(`${org.id}-ca`).fingerprint,
          );
        }
        expect(g.document.members).toEqual(
          ['market', 'realestate', 'police'].map((o) => certById.get(`${o}-admin`).base64),
        );
        expect(V.reachabilityProblems(config)).toEqual([]);
      });

      it('GET /v1/chain: the genesis it carries hashes to the pinned value; the reported hash matches', () => {
        const info = g.chainInfo;
        const fromApi = V.consortiumFromGenesis(info.genesis, { pinnedGenesisHash: pinned });
        expect(fromApi.genesisHash).toBe(info.genesisHash);
        expect(info.chainId).toBe(g.document.chainId);
        expect(info.suite).toBe(g.document.suite);
        const other = structuredClone(info.genesis);
        other.time += 1000;
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
        expect(trust.attestors.size).toBe(2);
        for (const k of vec.keys.filter((k: Json) => k.role === 'member')) {
          expect(trust.members.get(k.publicKey)?.org).toBe(k.org);
          expect(trust.attestors.has(k.publicKey)).toBe(false);
        }
      });

      describe('assertGenesis rejects (§15.2)', () => {
        const certById = new Map<string, Json>(vec.certificates.map((c: Json) => [c.id, c]));
        const mutated = (f: (d: Json) => void) => {
          const d = structuredClone(g.document);
          f(d);
          return rejects(() => V.assertGenesis(d));
        };
        const flipLastByte = (b64: string) => {
          const der = V.certificateFromBase64(b64);
          der[der.length - 1]! ^= 1;
          return Buffer.from(der).toString('base64');
        };
        it('v 1 → GENESIS_INVALID(v)', () => {
          const e = mutated((d) => {
            d.v = 1;
          });
          expect([e.code, e.details.field]).toEqual(['GENESIS_INVALID', 'v']);
        });
        it('a broken member certificate signature → GENESIS_INVALID(members[1], X509_SIGNATURE_INVALID)', () => {
          const e = mutated((d) => {
            d.members[1] = flipLastByte(d.members[1]);
          });
          expect([e.code, e.details.field, e.details.reason]).toEqual([
            'GENESIS_INVALID',
            'members[1]',
            'X509_SIGNATURE_INVALID',
          ]);
        });
        it('a CA root as a member → X509_PROFILE_INVALID; a time after the certificates expire → X509_EXPIRED', () => {
          const e = mutated((d) => {
            d.members[0] = certById.get('market-ca').base64;
          });
          expect([e.code, e.details.reason]).toEqual(['GENESIS_INVALID', 'X509_PROFILE_INVALID']);
          const late = mutated((d) => {
            d.time = certById.get('market-admin').notAfter + 1000;
          });
          expect([late.code, late.details.field, late.details.reason]).toEqual([
            'GENESIS_INVALID',
            'members[0]',
            'X509_EXPIRED',
          ]);
        });
        it('a member twice → GENESIS_INVALID(members[3])', () => {
          const e = mutated((d) => {
            d.members.push(d.members[0]);
          });
          expect([e.code, e.details.field]).toEqual(['GENESIS_INVALID', 'members[3]']);
        });
        it('a CA root that is not self-signed, or of another organisation → CONSORTIUM_CONFIG_INVALID(orgs[0].ca[0])', () => {
          for (const bad of [flipLastByte(certById.get('market-ca').base64), certById.get('police-ca').base64]) {
            const e = mutated((d) => {
              d.orgs[0].ca = [bad];
            });
            expect([e.code, e.details.field]).toEqual(['CONSORTIUM_CONFIG_INVALID', 'orgs[0].ca[0]']);
          }
        });
        it('no gov.vote policy → CONSORTIUM_CONFIG_INVALID(governance) with the problems of §15.9.5', () => {
          const e = mutated((d) => {
            delete d.policies['gov.vote'];
          });
          expect([e.code, e.details.field, e.details.problems]).toEqual([
            'CONSORTIUM_CONFIG_INVALID',
            'governance',
            ['no policy allows gov.vote: no proposal could ever pass'],
          ]);
        });
        it('a bad policy → POLICY_INVALID with its path; an unknown member → CONSORTIUM_CONFIG_INVALID', () => {
          const e = mutated((d) => {
            d.policies['kv.put'] = { org: 'nowhere' };
          });
          expect([e.code, e.details.path]).toEqual(['POLICY_INVALID', 'policies["kv.put"].org']);
          const q = mutated((d) => {
            d.policies['kv.put'] = { quorum: { need: { k: 2 }, signers: { quorum: { need: 'ANY' } } } };
          });
          expect([q.code, q.details.path]).toEqual(['POLICY_INVALID', 'policies["kv.put"].quorum.signers.quorum']);
          const u = mutated((d) => {
            d.extra = 1;
          });
          expect([u.code, u.details.field]).toEqual(['CONSORTIUM_CONFIG_INVALID', 'config.extra']);
        });
        it('solo ordering with two nodes → CONSORTIUM_CONFIG_INVALID(orgs)', () => {
          const e = mutated((d) => {
            d.ordering.type = 'solo';
          });
          expect([e.code, e.details.field]).toEqual(['CONSORTIUM_CONFIG_INVALID', 'orgs']);
        });
      });

      it('block 0 writes (§15.2): gov/config and the identity records of the genesis members', () => {
        const writes: Json = V.genesisWrites(g.document);
        expect(g.block.writes).toEqual(writes);
        expect(writes.map((w: Json) => `${w.contract}/${w.key.split('/')[0]}`)).toEqual([
          'gov/config',
          'identity/key',
          'identity/cert',
          'identity/key',
          'identity/cert',
          'identity/key',
          'identity/cert',
        ]);
        // The key record of market-admin, field by field from its certificate (§15.7.1).
        const c = vec.certificates.find((x: Json) => x.id === 'market-admin');
        const ca = vec.certificates.find((x: Json) => x.id === 'market-ca');
        expect(writes[1].key).toBe(`key/${keyById.get('market-admin').publicKey}`);
        expect(V.decodeCanonical(V.utf8(writes[1].value))).toEqual({
          attrs: c.member.attrs,
          ca: ca.fingerprint,
          cert: c.fingerprint,
          height: 0,
          kind: 'member',
          member: 'market-admin',
          notAfter: c.notAfter,
          notBefore: c.notBefore,
          org: 'market',
          roles: ['admin', 'registrar'],
          serial: c.serial,
        });
        expect(writes[2]).toEqual({ contract: 'identity', key: `cert/${c.fingerprint}`, value: `"${c.base64}"` });
      });

      it('block 0: header, canonical header, block hash and the state root over exactly those writes', () => {
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
        const entries = V.genesisWrites(g.document).map((w: Json) => ({
          keyPath: V.stateKeyPath(suite, w.contract, w.key),
          valueHash: V.stateValueHash(suite, V.decodeCanonical(V.utf8(w.value))),
        }));
        expect(hex(V.stateRoot(suite, entries))).toBe(h.stateRoot);
        for (const e of b.state) checkStateEntry(e);
        expect(b.state.map((e: Json) => e.keyPath)).toEqual(entries.map((e: Json) => hex(e.keyPath)).sort());
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

    /** Key path, value hash and leaf hash of a state entry (§7.1). */
    function checkStateEntry(e: Json) {
      expect(V.canonicalize([e.contract, e.key])).toBe(e.keyPathInput);
      expect(hex(V.stateKeyPath(suite, e.contract, e.key))).toBe(e.keyPath);
      const value = V.decodeCanonical(V.utf8(e.valueCanonical));
      expect(hex(V.stateValueHash(suite, value))).toBe(e.valueHash);
      expect(hex(V.stateLeaf(suite, unhex(e.keyPath), unhex(e.valueHash)))).toBe(e.leafHash);
    }

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
          if (t.signed.cosigs === undefined) expect(hex(V.concatBytes(id, sig))).toBe(t.leafData);
          expect(hex(V.txLeafData(suite, t.signed))).toBe(t.leafData);
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

      const cosigned = vec.transactions.filter((t: Json) => t.signed.cosigs !== undefined);

      it('tx3 and tx4 are co-signed by the enterprise key (§15.5)', () => {
        expect(cosigned.map((t: Json) => t.label)).toEqual(['tx3', 'tx4']);
      });

      for (const t of cosigned) {
        it(`${t.label}: co-signatures over the id, JCS(cosigs), cosigsDigest and the 128-byte leaf (§15.5)`, () => {
          const id = unhex(t.id);
          const cosigs = t.signed.cosigs;
          expect(V.verifyCosignatures(suite, t.signed)).toBe(true);
          expect(V.canonicalize(cosigs)).toBe(t.cosigsCanonical);
          expect(hex(V.cosigsDigest(suite, cosigs))).toBe(t.cosigsDigest);
          expect(TH('lianzheng/cosigs', V.utf8(t.cosigsCanonical))).toBe(t.cosigsDigest);
          const leaf = V.concatBytes(id, unhex(t.signed.sig), unhex(t.cosigsDigest));
          expect(leaf.length).toBe(128);
          expect(hex(leaf)).toBe(t.leafData);
          expect(hex(suite.hash(V.concatBytes(Uint8Array.of(0), leaf)))).toBe(t.leafHash);
          for (const [i, c] of cosigs.entries()) {
            const who = t.cosigners[i].signer;
            expect(c.signer).toBe(keyById.get(who).publicKey);
            if (isSm2) checkSm2Signature(who, id, t.cosigners[i].sm2, c.sig);
            else expect(hex(V.ed25519Sign(unhex(keyById.get(who).secretKey), id))).toBe(c.sig);
          }
          // Shape rules of §15.5.
          const env = t.signed;
          const c0 = cosigs[0];
          for (const bad of [
            [],
            [c0, c0],
            [{ signer: env.tx.signer, sig: env.sig }],
            [{ ...c0, extra: 1 }],
            [{ ...c0, sig: c0.sig.toUpperCase() }],
          ]) {
            expect(rejects(() => V.assertSignedTransaction({ ...env, cosigs: bad }, suite)).code).toBe('COSIG_INVALID');
          }
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

      it('transaction tree (§6.5, §15.5): leaves id ‖ sig (‖ cosigsDigest), node01, node23, node0123, txRoot', () => {
        const leafData = included.map((t: Json) => V.txLeafData(suite, t.signed));
        expect(leafData.map((d: Uint8Array) => d.length)).toEqual([96, 96, 96, 128, 128]);
        expect(leafData.map((d: Uint8Array) => hex(V.merkleLeafHash(suite, d)))).toEqual(b.txTree.leafHashes);
        const node = (l: string, r: string) => hex(V.merkleNodeHash(suite, unhex(l), unhex(r)));
        const leaves = b.txTree.leafHashes;
        expect(node(leaves[0], leaves[1])).toBe(b.txTree.node01);
        expect(node(leaves[2], leaves[3])).toBe(b.txTree.node23);
        expect(node(b.txTree.node01, b.txTree.node23)).toBe(b.txTree.node0123);
        // RFC 9162 splits 5 leaves at k = 4: the fifth leaf joins the root directly.
        expect(node(b.txTree.node0123, leaves[4])).toBe(b.txTree.root);
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
        expect(hex(V.merkleNodeHash(suite, unhex(b.receiptTree.node0123), unhex(b.receiptTree.leafHashes[4])))).toBe(
          b.receiptTree.root,
        );
        expect(hex(V.merkleRoot(suite, leafData))).toBe(b.receiptTree.root);
        expect(b.receiptTree.root).toBe(h.receiptRoot);
      });

      it('receipts and writes follow the contracts of §11 and §15.7.3', () => {
        const [t0, t1, t2, t3, t4] = included;
        const orgOf = (pub: string) => trust.members.get(pub)?.org;
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
        // identity.registerSubject by market-admin (role registrar); the new key co-signs (§15.7.3, §15.8).
        const a3 = t3.signed.tx.args;
        expect(t3.signed.cosigs.map((c: Json) => c.signer)).toEqual([a3.publicKey]);
        const subject = V.subjectId(suite, unhex(t3.id));
        expect(subject).toBe(b.subject);
        expect(b.receipts[3]).toEqual({
          tx: t3.id,
          status: 'ok',
          events: [
            { contract: 'identity', name: 'subjectRegistered', data: { subject, kind: 'enterprise', org: 'market' } },
          ],
          result: { subject, did: V.didKey(suite.id, unhex(a3.publicKey)) },
        });
        // The same registration again: the key is taken (a failed receipt is still in the block).
        expect(t4.signed.tx.args).toEqual(a3);
        expect(b.receipts[4]).toEqual({
          tx: t4.id,
          status: 'failed',
          code: 'IDENTITY_KEY_TAKEN',
          message: 'the key is already registered to another identity',
          events: [],
        });
        const subjectRecord = {
          subject,
          kind: 'enterprise',
          org: orgOf(t3.signed.tx.signer),
          registrar: t3.signed.tx.signer,
          height: h.height,
          keys: [a3.publicKey],
        };
        expect(b.writes).toEqual([
          { contract: 'notary', key: notaryKey, value: V.canonicalize(record) },
          { contract: 'kv', key: kvKey, value: V.canonicalize(t1.signed.tx.args.value) },
          { contract: 'identity', key: `subject/${subject}`, value: V.canonicalize(subjectRecord) },
          {
            contract: 'identity',
            key: `key/${a3.publicKey}`,
            value: V.canonicalize({ kind: 'enterprise', subject, height: h.height }),
          },
        ]);
      });

      it('state after block 1 (§7.1, §7.2): block 0 writes plus block 1 writes; leaves and the root', () => {
        const entries = b.state.map((e: Json) => {
          checkStateEntry(e);
          return { keyPath: unhex(e.keyPath), valueHash: unhex(e.valueHash) };
        });
        // The state is the union of both blocks' writes (none overwrites another here), independently of the file.
        const all = [...V.genesisWrites(vec.genesis.document), ...b.writes];
        expect(b.state.map((e: Json) => `${e.contract}/${e.key}=${e.valueCanonical}`).sort()).toEqual(
          all.map((w: Json) => `${w.contract}/${w.key}=${w.value}`).sort(),
        );
        const recomputed = all.map((w: Json) => ({
          keyPath: V.stateKeyPath(suite, w.contract, w.key),
          valueHash: V.stateValueHash(suite, V.decodeCanonical(V.utf8(w.value))),
        }));
        expect(hex(V.stateRoot(suite, recomputed))).toBe(h.stateRoot);
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
          const txLeaves = vec.block.apiView.txs.map((e: Json) => V.txLeafData(suite, e));
          expect(V.merkleAuditPath(suite, txLeaves, p.proof.index).map(hex)).toEqual(p.proof.txPath);
          const receiptLeaves = vec.block.receiptHashes.map(unhex);
          expect(V.merkleAuditPath(suite, receiptLeaves, p.proof.index).map(hex)).toEqual(p.proof.receiptPath);
        });
      }

      it('the proof of the co-signed tx3 carries its cosigs; without them the leaf is not in txRoot', () => {
        const p = vec.txProofs[3].proof;
        expect(p.tx.cosigs).toEqual(txByLabel.get('tx3').signed.cosigs);
        expect(V.verifyTxProof(trust, p).receipt.status).toBe('ok');
        const { cosigs: _dropped, ...bare } = p.tx;
        expect(rejects(() => V.verifyTxProof(trust, { ...p, tx: bare })).details.reason).toBe('root');
        const swapped = { ...p, tx: { ...p.tx, cosigs: vec.txProofs[4].proof.tx.cosigs } };
        expect(rejects(() => V.verifyTxProof(trust, swapped)).code).toBe('COSIG_INVALID');
        // The last of five leaves has a one-hash path: the root of the first four.
        expect(vec.txProofs[4].proof.txPath).toEqual([vec.block.txTree.node0123]);
      });

      it('verifyInclusion rejects too long paths and a path for another index', () => {
        const p = vec.txProofs[1].proof;
        const root = unhex(vec.block.header.txRoot);
        const leaf = unhex(vec.block.txTree.leafHashes[1]);
        const path = p.txPath.map(unhex);
        expect(() => V.verifyInclusion(suite, root, leaf, 1, 5, path)).not.toThrow();
        expect(rejects(() => V.verifyInclusion(suite, root, leaf, 1, 5, [...path, path[0]])).details.reason).toBe(
          'path-length',
        );
        expect(rejects(() => V.verifyInclusion(suite, root, leaf, 0, 5, path)).details.reason).toBe('root');
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

  it('§6.4, §6.5: receipt hash of tx2 and the first three tx leaves (unchanged by genesis v2: same ids and bodies)', () => {
    expect(hx(V.stateKeyPath(E, 'sys', 'config')).startsWith('3f519eca')).toBe(true);
    expect(hx(V.receiptHash(E, ed.block.receipts[2]))).toBe(
      'fb8a7adf46451af3191adc673b47dead04cedd5ec26a77ea9f523281547d5349',
    );
    expect(ed.block.txTree.leafHashes.slice(0, 3)).toEqual([
      '815b68a69db64b8d56007f9877d32515f29d273797c3ca4f9da113c49ec2dbdf',
      'd4312755d1b098d9c0b88f8ed033445550151bffbad1d1378a2929763d9b9877',
      '99af99f23eff1c2ed78c31d48ddebfeab8565b02b3646acb001b10728da33216',
    ]);
    expect(ed.block.txTree.node01).toBe('2f86daf661bf8ee80d1a41e0652fc3ea971f945c761c482503433ffde58f73c0');
  });

  // §6.1, §6.2, §6.3, §7.5 and §8.1 still print the values of the genesis version 1 vectors (§15.1 says so). These
  // are the values of the regenerated (version 2) vectors, recomputed here, that the document should print.
  it('genesis v2 vectors: genesis hash, block hashes, state roots, attestation of market-node', () => {
    expect(hx(V.genesisHash(ed.genesis.document))).toBe(ED25519_GENESIS_HASH);
    expect(hx(V.blockHash(E, ed.genesis.block.header))).toBe(
      'd27479fc0036a756c0a479ab4a34648d05e99dc652645ade5df983b848f4b19f',
    );
    expect(hx(V.blockHash(E, ed.block.header))).toBe(
      'ebd5f05d05309bcc9edeaf6470aa1e1b5a2303a3953c9894126ea7819b0e93f4',
    );
    expect(ed.genesis.block.header.stateRoot).toBe('68ed8e197837d1659fed1fe8e59f85a533012fd7714c7cd85637519a0ccc90de');
    expect(ed.block.header.stateRoot).toBe('e083ffa4c28ee2e7247e00fba87fc4f104aab50f6ca642d31fb018e835e6532b');
    expect(ed.block.txTree.root).toBe('273b0accb79945d0009fe7e1fadb48b70237da0a6d57912ce411ee947beb89fa');
    expect(hx(V.attestationDigest(E, V.attestationBody(ed.block.header, ed.block.hash)))).toBe(
      '4b7a26b38fe7fe32bbbaf4fc99aa42ae1baee864608c7e52d75eb3abf4ab36ac',
    );
    expect(ed.checkpoint.attestations[0].sig).toBe(
      'e9014e89a5795d9282370361c7ed940e2797c258ae86e3226ada9e547374316a660c646c5ff29fad1d2d2f6d3b2af56892d1286ccb42149e4de2a7b577fa010a',
    );
  });

  // §15.5: a registrar (RFC 8032 TEST 2) registers a citizen (TEST 1) who co-signs.
  const test1 = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
  const test2 = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb';
  const citizen = hx(V.ed25519PublicKeyFromSeed(unhex(test1)));
  const registrar = hx(V.ed25519PublicKeyFromSeed(unhex(test2)));
  const registration = {
    v: 1,
    chainId: 'vectors-ed25519',
    nonce: '6c7a0000000000000000000000000000',
    expiresAt: 1767226260000,
    signer: registrar,
    contract: 'identity',
    method: 'registerSubject',
    args: { kind: 'citizen', publicKey: citizen },
  };

  it('§15.5: the co-signed registerSubject, its cosigsDigest and both leaf hashes', () => {
    expect(V.canonicalize(registration)).toBe(
      '{"args":{"kind":"citizen","publicKey":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},' +
        '"chainId":"vectors-ed25519","contract":"identity","expiresAt":1767226260000,"method":"registerSubject",' +
        '"nonce":"6c7a0000000000000000000000000000","signer":"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c","v":1}',
    );
    const id = V.txId(E, registration);
    expect(hx(id)).toBe('37cd7e52a3f1aa8317e6330a9e4ac6e10562a25ca0906f9472ff96a487fe37c5');
    const sig = hx(V.ed25519Sign(unhex(test2), id));
    expect(sig).toBe(
      'e24c6fceaf233cad1992b12c3f222e1a21c775e45de59cc89bab66f0a5eff92ceb6372e55cefda14a8c66bea8da5038475f6e69ea4117faa6b7af7032017f90d',
    );
    const cosigs: Json[] = [{ signer: citizen, sig: hx(V.ed25519Sign(unhex(test1), id)) }];
    expect(cosigs[0].sig).toBe(
      '89dfdf6df22fef63cff96296515727a087d3a7ce52f255cca278335cb5a02db1edc14580cc95d7f52abeb8f5b4e7967208cb648677a0ac482378782492b1640c',
    );
    const envelope = { tx: registration, sig, cosigs };
    expect(() => V.assertSignedTransaction(envelope, E)).not.toThrow();
    expect(V.verifyCosignatures(E, envelope)).toBe(true);
    expect(hx(V.cosigsDigest(E, cosigs))).toBe('cb2435599afd40068ed37d7c486c79f0b964e74ec5da853f3f6ed2eb80a6a776');
    expect(hx(V.merkleLeafHash(E, V.txLeafData(E, envelope)))).toBe(
      '94b0dc9e451774038174b09c15d24273135701ac35f885af18d90dca3f9bcd34',
    );
    expect(hx(V.merkleLeafHash(E, V.txLeafData(E, { tx: registration, sig })))).toBe(
      '3a7cc4f191458461a349be1f5e5c5494ecad62d7debb18af334737cfcb9aa951',
    );
  });

  it('§15.8: subject id of that registration; did:key of RFC 8032 TEST 1 and of the GB/T 32918 example key', () => {
    expect(V.subjectId(E, V.txId(E, registration))).toBe('bea973a9f3241b66dd25530f1d189936');
    expect(V.didKey('ed25519-sha256', unhex(citizen))).toBe('did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw');
    const sm2Example = unhex(sm.keys[0].publicKey);
    expect(hx(sm2Example).startsWith('0409f9df')).toBe(true);
    expect(V.didKey('sm2-sm3', sm2Example)).toBe('did:key:zEPJcGHUVYyrGAXXGQhLF39KAny4ojC9RPmA777H2iVztKwBd');
  });

  it('§15.6.3: the member extension example decodes to its canonical JSON; the OID DER', () => {
    const oid = V.readDer(unhex('061369e2b681c2f9dfdab6838da7e7fdc8d7c1f457'));
    expect(V.oidText(oid.content)).toBe('2.25.65412617606308590482276888729697155671');
    const ext: Json = V.readDer(
      unhex(
        '3073061369e2b681c2f9dfdab6838da7e7fdc8d7c1f457045c0c5a7b226174747273223a7b22726567696f6e223a2263697479222c' +
          '22756e6974223a22736572766963652d77696e646f77227d2c226b696e64223a226d656d626572222c22726f6c6573223a5b' +
          '2263617365776f726b6572225d7d',
      ),
    );
    expect(ext.children).toHaveLength(2);
    const text: Json = V.readDer(ext.children[1].content);
    expect(V.canonicalize(V.decodeCanonical(text.content))).toBe(
      '{"attrs":{"region":"city","unit":"service-window"},"kind":"member","roles":["caseworker"]}',
    );
  });

  it('§15.12: the sign-in message, digest and signature', () => {
    const message = {
      type: 'lianzheng-sign-in',
      chainId: 'vectors-ed25519',
      node: 'market-node',
      publicKey: citizen,
      challenge: `${'00'.repeat(31)}01`,
      expiresAt: 1767225660000,
    };
    const digest = V.signInDigest(E, message);
    expect(hx(digest)).toBe('1599954f11f2f010e53703dc0fea55320a9b6f01de2033c13066958ef96f83ca');
    expect(hx(V.ed25519Sign(unhex(test1), digest))).toBe(
      'fd327af644db7ca12d32dd1276d6328f5f06a28c56654c9b0e6921bb643de9934f8e925d5b93a36eac93c927915469c047a65e6675a7dcad4847d246a55d4508',
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

// ---------------------------------------------------------------------------------------------------------------
// A live node: a genesis version 2 written by `lianzheng init`, demo history with co-signed registrations
// ---------------------------------------------------------------------------------------------------------------

// The node is driven through the CLI and HTTP only; everything it serves is parsed with the verifier's strict JSON
// parser and checked with the verifier alone.
describe.each(['ed25519-sha256', 'sm2-sm3'] as const)(
  'a live node (%s) checked by the independent verifier',
  (suiteId) => {
    let home: string;
    let node: NodeHandle | undefined;
    let url: string;
    const get = async (route: string): Promise<Json> => {
      const r = await fetch(`${url}${route}`);
      const text = await r.text();
      expect(r.status, `${route}: ${text}`).toBe(200);
      return V.parseJsonStrict(text);
    };

    beforeAll(async () => {
      home = tempDir('independent');
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
        suiteId,
        '--chain-id',
        'independent-live',
        '--port',
        String(port),
      ]);
      expect(init.code, init.stderr).toBe(0);
      node = await startNode(home, port, ['--seed-demo']);
      // The demo history is recorded after the API listens; identities.json is written once it is committed.
      const deadline = Date.now() + 90_000;
      while (!existsSync(path.join(home, 'identities.json'))) {
        if (Date.now() > deadline) throw new Error(`demo history was not recorded:\n${node.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 180_000);

    afterAll(async () => {
      await node?.stop();
      removeDir(home);
    });

    it('GET /v1/chain: a genesis version 2 that passes §15.2; the node reports its hash', async () => {
      const info = await get('/v1/chain');
      const trust = V.consortiumFromGenesis(info.genesis, { pinnedGenesisHash: info.genesisHash });
      expect(info.genesis.v).toBe(2);
      expect(trust.suite.id).toBe(suiteId);
      expect(trust.members.size).toBeGreaterThanOrEqual(info.genesis.orgs.length);
      expect(hex(V.genesisHash(info.genesis))).toBe(info.genesisHash);
    });

    it('block 0: the certified state root is the root over the writes of §15.2; gov/config proves', async () => {
      const { genesis } = await get('/v1/chain');
      const trust = V.consortiumFromGenesis(genesis);
      const suite = trust.suite;
      const { header } = V.verifyCheckpoint(trust, await get('/v1/checkpoints/0'));
      const entries = V.genesisWrites(genesis).map((w: Json) => ({
        keyPath: V.stateKeyPath(suite, w.contract, w.key),
        valueHash: V.stateValueHash(suite, V.decodeCanonical(V.utf8(w.value))),
      }));
      expect(entries).toHaveLength(1 + 2 * genesis.members.length);
      expect(hex(V.stateRoot(suite, entries))).toBe(header.stateRoot);
      const config = V.verifyStateResponse(trust, await get('/v1/state/gov/config?proof=true&height=0'));
      expect(config.value).toEqual({ config: V.configOfGenesis(genesis), height: 0, version: 1 });
    });

    it('every block: certified header, txRoot over the leaves of §6.5 and §15.5, receiptRoot; every proof verifies', async () => {
      const { genesis } = await get('/v1/chain');
      const trust = V.consortiumFromGenesis(genesis);
      const suite = trust.suite;
      const latest = await get('/v1/blocks/latest');
      expect(latest.header.height).toBeGreaterThan(0);
      let cosigned = 0;
      let registered = 0;
      for (let h = 1; h <= latest.header.height; h++) {
        const block = await get(`/v1/blocks/${h}?full=true`);
        const { header } = V.verifyCheckpoint(trust, await get(`/v1/checkpoints/${h}`));
        expect(block.header).toEqual(header);
        block.txs.forEach((envelope: Json) => {
          V.assertSignedTransaction(envelope, suite);
          expect(V.verifyTxSignature(suite, envelope)).toBe(true);
          expect(V.verifyCosignatures(suite, envelope)).toBe(true);
        });
        const leaves = block.txs.map((envelope: Json) => V.txLeafData(suite, envelope));
        expect(hex(V.merkleRoot(suite, leaves))).toBe(header.txRoot);
        expect(
          hex(
            V.merkleRoot(
              suite,
              block.receipts.map((r: Json) => V.receiptHash(suite, r)),
            ),
          ),
        ).toBe(header.receiptRoot);
        for (const [i, envelope] of block.txs.entries()) {
          const id = hex(V.txId(suite, envelope.tx));
          expect(block.txIds[i]).toBe(id);
          const proof = await get(`/v1/transactions/${id}/proof`);
          expect(proof.tx).toEqual(envelope);
          expect(V.verifyTxProof(trust, proof).txId).toBe(id);
          if (envelope.cosigs !== undefined) {
            cosigned++;
            const receipt = block.receipts[i];
            if (envelope.tx.method === 'registerSubject' && receipt.status === 'ok') {
              registered++;
              expect(receipt.result.subject).toBe(V.subjectId(suite, V.txId(suite, envelope.tx)));
              expect(receipt.result.did).toBe(V.didKey(suiteId, unhex(envelope.tx.args.publicKey)));
            }
          }
        }
      }
      // The demo history registers citizens and enterprises whose keys co-sign their registration.
      expect(cosigned).toBeGreaterThan(0);
      expect(registered).toBe(cosigned);
    });
  },
);

// Checks the pinned vectors with the independent verifier of test/independent/verifier.mjs, which was written from
// docs/PROTOCOL.md alone. Every id, hash, root, signature, proof, checkpoint and certificate in the vectors must
// verify, and every negative case must be rejected with the code (and reason) the vectors give. The chains start
// from a genesis version 2 (§6.1, §15.2): the X.509 CA roots and member certificates (§15.6), the block 0 state
// (§6.3) and the co-signature transaction leaf (§15.5) are recomputed. Every worked example that PROTOCOL.md prints
// is read from the document and recomputed as well.
//
// Run: npx vitest run --project e2e test/independent.test.ts

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { METERED_QUICKJS_SHA256 } from '@lianzheng/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freePort, type NodeHandle, removeDir, startNode, tempDir } from './helpers/nodeProcess.js';
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
// docs/PROTOCOL.md: sections and the values its examples print
// ---------------------------------------------------------------------------------------------------------------

const DOC_LINES = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8').split('\n');
const DOC_HEADING = /^#{2,4} (\d+(?:\.\d+)*)\.? /;

/** The text of section `num` ('6.5', '15.6.3') up to the next heading of any level, so without its subsections. */
function docSection(num: string): string {
  const start = DOC_LINES.findIndex((l) => DOC_HEADING.exec(l)?.[1] === num);
  if (start < 0) throw new Error(`PROTOCOL.md has no section ${num}`);
  let end = start + 1;
  while (end < DOC_LINES.length && !/^#{1,4} /.test(DOC_LINES[end]!)) end++;
  return DOC_LINES.slice(start + 1, end).join('\n');
}

/** The first match of `re` in section `num`, with line breaks and the indentation after them read as one space. */
function docProse(num: string, re: RegExp): RegExpExecArray {
  const m = re.exec(docSection(num).replace(/[ \t]*\n[ \t]*/g, ' '));
  if (m === null) throw new Error(`§${num} no longer matches ${re}`);
  return m;
}

/** The first match of `re` in section `num` as printed (for code blocks, where line breaks matter). */
function docText(num: string, re: RegExp): RegExpExecArray {
  const m = re.exec(docSection(num));
  if (m === null) throw new Error(`§${num} no longer matches ${re}`);
  return m;
}

/** Text wrapped over several lines "for reading" (§5.4), joined back into one line. */
const unwrap = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .join('');

/**
 * The values the document prints: hex in full or abbreviated (`first…last`, `first…`), and did:key strings. Runs of
 * decimal digits are numbers (times, limits, the OID arc), not printed hex, unless they have the length of a hash or
 * a signature.
 */
function printedValues(text: string): string[] {
  const hexValues = [...text.matchAll(/(?<![0-9A-Za-z])[0-9a-f]{8,}(?:…[0-9a-f]*)?(?![0-9A-Za-z])/g)]
    .map((m) => m[0])
    .filter((t) => /[a-f…]/.test(t) || t.length === 64 || t.length === 128);
  return [...hexValues, ...[...text.matchAll(/did:key:z[1-9A-HJ-NP-Za-km-z]{40,}/g)].map((m) => m[0])];
}

/** Whether `printed` is how the document writes `actual`: in full, or as `first…last` / `first…`. */
function abbreviates(printed: string, actual: string): boolean {
  const [head, tail] = printed.split('…');
  return tail === undefined ? actual === printed : actual.startsWith(head!) && actual.endsWith(tail);
}

/** Printed values that a worked-example test has compared with a recomputed value, as `§<section> <value>`. */
const checkedValues = new Set<string>();

/** Section `num` prints `printed`, and `printed` is `actual` in full or abbreviated. */
function expectPrinted(num: string, printed: string, actual: string): void {
  expect(docSection(num), `§${num} prints ${printed}`).toContain(printed);
  expect(abbreviates(printed, actual), `§${num} prints ${printed}; recomputed ${actual}`).toBe(true);
  checkedValues.add(`§${num} ${printed}`);
}

/** `excerpt` of section `num` was compared as a whole with a recomputed text: the values in it are checked. */
function markChecked(num: string, excerpt: string): void {
  expect(docSection(num)).toContain(excerpt);
  for (const t of printedValues(excerpt)) checkedValues.add(`§${num} ${t}`);
}

/** §6.1 prints the genesis hash of each chain file: the value an offline verifier pins (§8.3). */
function printedGenesisHashes(): Record<string, string> {
  const m = docProse('6.1', /`genesis\.hash = ([0-9a-f]{64})` \(`sm2-sm3\.json`: `([0-9a-f]{64})`\)/);
  return { 'ed25519-sha256': m[1]!, 'sm2-sm3': m[2]! };
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

// The value an offline verifier pins (§8.3): the genesis hash of each chain as §6.1 prints it, not the vector file's.
const PINNED_GENESIS = printedGenesisHashes();

for (const file of ['ed25519-sha256', 'sm2-sm3']) {
  describe(`${file}.json`, () => {
    const vec = load(file);
    const suite = V.getSuite(vec.suite);
    const isSm2 = suite.id === 'sm2-sm3';
    const pinned = PINNED_GENESIS[file]!;
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

    describe('genesis version 2 (§6.1, §6.3, §8.3, §15.2, §15.3)', () => {
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

      it('block 0 writes (§6.3): gov/config and the identity records of the genesis members, in order', () => {
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

// Each test reads an example from docs/PROTOCOL.md, restates its inputs (the RFC 8032 and GB/T 32918 keys, the bodies,
// records and texts the document prints, the vector files it names) and recomputes every value it prints with the
// verifier. The last test checks that no hex value or did:key printed anywhere in the document went unchecked.
describe('worked examples of PROTOCOL.md', () => {
  const ed = load('ed25519-sha256');
  const sm = load('sm2-sm3');
  const E = V.getSuite('ed25519-sha256');
  const S = V.getSuite('sm2-sm3');
  const hx = (b: Uint8Array) => V.bytesToHex(b);

  /** The secret keys the examples name: RFC 8032 §7.1 TEST 1, 2 and 1024, and the GB/T 32918 example key (§3.3). */
  const SECRET = {
    'TEST 1': '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'TEST 2': '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    'TEST 1024': 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    'GB/T 32918': '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  } as const;
  const secretNamed = (name: string): string => {
    expect(Object.hasOwn(SECRET, name), `a secret key named ${name}`).toBe(true);
    return SECRET[name as keyof typeof SECRET];
  };
  /** Counts the document writes out in words. */
  const WORDS: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, seven: 7, eleven: 11 };
  const count = (word: string): number => {
    expect(Object.hasOwn(WORDS, word), `the number ${word}`).toBe(true);
    return WORDS[word]!;
  };
  const edPublic = (secret: string) => hx(V.ed25519PublicKeyFromSeed(unhex(secret)));
  /** The enterprise keys, derived as §13 says. */
  const enterpriseSecret = {
    ed: hx(V.digest('sha256', V.utf8('lianzheng/vectors/ed25519/enterprise'))),
    sm2: ((BigInt(`0x${hx(V.digest('sm3', V.utf8('lianzheng/vectors/sm2/enterprise')))}`) % (V.SM2.n - 2n)) + 1n)
      .toString(16)
      .padStart(64, '0'),
  };
  const keyOf = (vec: Json, id: string): Json => vec.keys.find((k: Json) => k.id === id);
  const txOf = (label: string): Json => ed.transactions.find((t: Json) => t.label === label);
  /** Block 1 in block order (§13: tx0, tx1, tx2, tx3, tx4). */
  const block1 = () => ['tx0', 'tx1', 'tx2', 'tx3', 'tx4'].map((l) => txOf(l).signed);
  const certDer = (vec: Json, id: string) =>
    V.certificateFromBase64(vec.certificates.find((c: Json) => c.id === id).base64);
  const fingerprint = (id: string) => V.certificateFingerprint(E, certDer(ed, id));

  // ----- the state tree, as §7.2 defines it, over entries recomputed from the writes ----------------------------

  type Entry = { contract: string; key: string; keyPath: Uint8Array; valueHash: Uint8Array; leaf: Uint8Array };
  const stateEntries = (writes: Json[]): Entry[] =>
    writes.map((w) => {
      const keyPath = V.stateKeyPath(E, w.contract, w.key);
      const valueHash = V.stateValueHash(E, V.decodeCanonical(V.utf8(w.value)));
      return { contract: w.contract, key: w.key, keyPath, valueHash, leaf: V.stateLeaf(E, keyPath, valueHash) };
    });
  const block0State = () => stateEntries(V.genesisWrites(ed.genesis.document));
  const block1State = () => stateEntries([...V.genesisWrites(ed.genesis.document), ...ed.block.writes]);
  const bitsOf = (p: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => V.bit(p, i)).join('');
  const spaced = (bits: string) => bits.replace(/(.{4})(?=.)/g, '$1 ');

  /** hashSubtree of §7.2 for the subtree `N[prefix]`. */
  function subtree(entries: Entry[], prefix: string): Uint8Array {
    const inside = entries.filter((e) => bitsOf(e.keyPath, prefix.length) === prefix);
    if (inside.length === 0) return V.EMPTY;
    if (inside.length === 1) return inside[0]!.leaf;
    return V.stateNode(E, subtree(entries, `${prefix}0`), subtree(entries, `${prefix}1`));
  }

  /** Where an entry's leaf sits: the shortest prefix of its key path that no other entry shares. */
  function leafAt(entries: Entry[], e: Entry): string {
    for (let d = 0; ; d++) {
      const p = bitsOf(e.keyPath, d);
      if (entries.filter((x) => bitsOf(x.keyPath, d) === p).length === 1) return p;
    }
  }

  /** The entry the document names `contract` or `contract/key` (the key possibly abbreviated). */
  function entryNamed(entries: Entry[], name: string): Entry {
    const [contract, ...rest] = name.split('/');
    const key = rest.join('/');
    const found = entries.filter((e) => e.contract === contract && (key === '' || abbreviates(key, e.key)));
    expect(
      found.map((e) => `${e.contract}/${e.key}`),
      `the entry ${name}`,
    ).toHaveLength(1);
    return found[0]!;
  }

  /** A term of §7.5: `node(a, b)`, `leaf <entry>`, `N[bits]`, `EMPTY`, `root` or `h`. */
  function stateTerm(entries: Entry[], term: string, h?: Uint8Array): Uint8Array {
    const t = term.trim();
    const node = /^node\((.*)\)$/.exec(t);
    if (node) {
      const [left, right, ...more] = node[1]!.split(',');
      expect(more, `${t} has two arguments`).toEqual([]);
      return V.stateNode(E, stateTerm(entries, left!, h), stateTerm(entries, right!, h));
    }
    if (t === 'EMPTY') return V.EMPTY;
    if (t === 'root') return subtree(entries, '');
    if (t === 'h' && h !== undefined) return h;
    const n = /^N\[([01]+)\]$/.exec(t);
    if (n) return subtree(entries, n[1]!);
    const leaf = /^leaf (\S+)$/.exec(t);
    if (leaf) return entryNamed(entries, leaf[1]!).leaf;
    throw new Error(`§7.5: unknown term ${t}`);
  }

  /** The items of a list `[a, b, …]` the document prints. */
  const list = (text: string) => text.split(', ').map((s) => s.trim());

  /** The RFC 9162 tree of block 1 under the names of §6.5. */
  function txTree() {
    const leaves = block1().map((env) => V.merkleLeafHash(E, V.txLeafData(E, env)));
    const node = (l: Uint8Array, r: Uint8Array) => V.merkleNodeHash(E, l, r);
    const names = new Map<string, Uint8Array>(leaves.map((l, i) => [`leaf${i}`, l]));
    names.set('n01', node(leaves[0]!, leaves[1]!));
    names.set('n23', node(leaves[2]!, leaves[3]!));
    names.set('n0123', node(names.get('n01')!, names.get('n23')!));
    names.set('txRoot', node(names.get('n0123')!, leaves[4]!));
    return names;
  }

  // ----- the examples -------------------------------------------------------------------------------------------

  let examplesPassed = 0;
  let examplesDeclared = 0;
  /** A worked-example test; the coverage test at the end requires all of them to have passed. */
  function example(name: string, fn: () => void): void {
    examplesDeclared++;
    it(name, () => {
      fn();
      examplesPassed++;
    });
  }

  example('§2.1: the canonical form of the first jcs.json input', () => {
    const m = docText('2.1', /^input +(.+)\ncanonical +(.+)$/m);
    expect(V.canonicalize(V.parseJsonStrict(m[1]!))).toBe(m[2]);
    // The vector's input has a space at either end, which the document's column layout cannot show.
    const first = load('jcs').valid[0];
    expect([m[1], m[2]]).toEqual([first.input.trim(), first.canonical]);
  });

  example('§3.2: the RFC 8032 TEST 1 key and its public key', () => {
    const m = docProse('3.2', /the RFC 8032 (TEST 1) key `([0-9a-f…]+)` has public key `([0-9a-f…]+)` \(`keys\[0\]`/);
    const secret = secretNamed(m[1]!);
    expectPrinted('3.2', m[2]!, secret);
    expectPrinted('3.2', m[3]!, edPublic(secret));
    expect([ed.keys[0].secretKey, ed.keys[0].publicKey]).toEqual([secret, edPublic(secret)]);
  });

  example('§3.3: SM3("abc"), the curve, the user id, Z_A of the standard key, e, k and the signature of tx0', () => {
    expectPrinted('3.3', docProse('3.3', /`SM3\("abc"\) = ([0-9a-f…]+)`/)[1]!, hx(S.hash(V.utf8('abc'))));
    const curve = [...docSection('3.3').matchAll(/^ *\| (p|a|b|n|x_G|y_G) \| `([0-9a-f]{64})` \|$/gm)];
    expect(curve.map((c) => c[1])).toEqual(['p', 'a', 'b', 'n', 'x_G', 'y_G']);
    for (const [, name, value] of curve) {
      const ours = V.SM2[name === 'x_G' ? 'xG' : name === 'y_G' ? 'yG' : (name as 'p' | 'a' | 'b' | 'n')];
      expectPrinted('3.3', value!, ours.toString(16).padStart(64, '0'));
    }
    const id = docProse('3.3', /`ID_A = "(\d+)"`: (\d+) ASCII bytes, `([0-9a-f]+)`\. `ENTL_A` .*? `0x([0-9a-f]{4})`/);
    expect(hx(V.SM2_DEFAULT_USER_ID)).toBe(hx(V.utf8(id[1]!)));
    expect(V.SM2_DEFAULT_USER_ID.length).toBe(Number(id[2]));
    expect(id[3]).toBe(hx(V.SM2_DEFAULT_USER_ID));
    expect(docText('3.3', /SM3\( 0080 ‖ ([0-9a-f]+) ‖ a ‖ b/)[1]).toBe(hx(V.SM2_DEFAULT_USER_ID));
    expect(Number.parseInt(id[4]!, 16)).toBe(8 * V.SM2_DEFAULT_USER_ID.length);
    const za = docProse(
      '3.3',
      /the GB\/T 32918 example key `d = ([0-9a-f…]+)` \(`market-admin` of `sm2-sm3\.json`\), `publicKey = ([0-9a-f…]+)` and `Z_A = ([0-9a-f]{64})`/,
    );
    const d = secretNamed('GB/T 32918');
    expectPrinted('3.3', za[1]!, d);
    expect(keyOf(sm, 'market-admin').secretKey).toBe(d);
    const pub = V.sm2PublicKeyFromSecret(unhex(d));
    expectPrinted('3.3', za[2]!, hx(pub));
    expectPrinted('3.3', za[3]!, hx(V.sm2Za(pub)));
    expect(sm.primitives.sm2StandardExample.za).toBe(za[3]);
    const sig = docProse(
      '3.3',
      /transaction `(tx\d)` of `sm2-sm3\.json` has id `M = ([0-9a-f…]+)`\. Then `e = ([0-9a-f]{64})`, and with `k = ([0-9a-f…]+)` the signature is `([0-9a-f…]+)`/,
    );
    const t = sm.transactions.find((x: Json) => x.label === sig[1]);
    expect(t.signed.tx.signer).toBe(hx(pub));
    const M = V.txId(S, t.signed.tx);
    expectPrinted('3.3', sig[2]!, hx(M));
    expectPrinted('3.3', sig[3]!, hx(V.sm2E(pub, M)));
    // k as §13 derives it for a transaction signature: (SM3(UTF-8("lianzheng/vectors/k/<tx label>")) mod (n − 1)) + 1.
    const k = (BigInt(`0x${hx(V.digest('sm3', V.utf8(`lianzheng/vectors/k/${sig[1]}`)))}`) % (V.SM2.n - 1n)) + 1n;
    const kHex = k.toString(16).padStart(64, '0');
    expectPrinted('3.3', sig[4]!, kHex);
    const signature = hx(V.sm2SignWithK(unhex(d), M, unhex(kHex)));
    expectPrinted('3.3', sig[5]!, signature);
    expect(t.signed.sig).toBe(signature);
    expect(V.sm2Verify(pub, M, unhex(signature))).toBe(true);
  });

  example('§3.3: the curve parameters define a curve on which G has order n', () => {
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

  example('§4: the tags, H("") of both suites, the bytes of TH("lianzheng/tx", "abc")', () => {
    const tags = [...docSection('4').matchAll(/^\| `(lianzheng\/[a-z/-]+)` \|/gm)].map((m) => m[1]);
    expect(tags).toHaveLength(17);
    expect([...tags].sort()).toEqual(Object.values(V.TAGS).sort());
    const empty = docProse('4', /`H\(""\)` \(SHA-256: `([0-9a-f…]+)`; SM3: `([0-9a-f…]+)`\)/);
    expectPrinted('4', empty[1]!, hx(E.hash(new Uint8Array(0))));
    expectPrinted('4', empty[2]!, hx(S.hash(new Uint8Array(0))));
    const th = docText('4', /^TH\("(lianzheng\/tx)", "(abc)"\) = SHA-256\( ([0-9a-f]+) (00) ([0-9a-f]+) \)$/m);
    expectPrinted('4', th[3]!, hx(V.utf8(th[1]!)));
    expect(`${th[3]}${th[4]}${th[5]}`).toBe(hx(V.taggedHashInput(th[1]!, V.utf8(th[2]!))));
  });

  example('§5.4: tx1 as sent, its canonical text, id and signature', () => {
    const who = docProse(
      '5.4',
      /`transactions\[(\d)\]` of `ed25519-sha256\.json` \(`(tx\d)`, signed by ([a-z-]+) with the RFC 8032 (TEST \d+) key\)/,
    );
    const t = ed.transactions[Number(who[1])];
    expect([t.label, t.signer]).toEqual([who[2], who[3]]);
    const secret = secretNamed(who[4]!);
    const sent = docText('5.4', /^body \(as sent; any member order\)\n([\s\S]+?)\n\n/m)[1]!;
    const body = V.parseJsonStrict(sent);
    expect(body).toEqual(t.signed.tx);
    expectPrinted('5.4', body.signer, edPublic(secret));
    markChecked('5.4', sent);
    const jcsText = docText('5.4', /^JCS\(tx\) \((\d+) bytes of UTF-8\)\n([\s\S]+?)\n +\(one line, no spaces/m);
    expect(unwrap(jcsText[2]!)).toBe(V.canonicalize(body));
    expect(V.jcs(body).length).toBe(Number(jcsText[1]));
    markChecked('5.4', jcsText[2]!);
    const id = V.txId(E, body);
    expectPrinted(
      '5.4',
      docText('5.4', /^id += SHA-256\("lianzheng\/tx" ‖ 00 ‖ JCS\(tx\)\)\n += ([0-9a-f]{64})$/m)[1]!,
      hx(id),
    );
    const sig = docText('5.4', /^sig = Ed25519\.sign\(([0-9a-f…]+), id\)\n += ([0-9a-f]{128})$/m);
    expectPrinted('5.4', sig[1]!, secret);
    expectPrinted('5.4', sig[2]!, hx(V.ed25519Sign(unhex(secret), id)));
    expect(t.signed.sig).toBe(sig[2]);
  });

  example('§6.1: the genesis documents of both chain files: size, organisations, genesis hashes', () => {
    const m = docProse(
      '6.1',
      /\((\w+) organisations with one CA root each, (\w+) of them with a node, (\w+) genesis members\) has a canonical text of (\d+) UTF-8 bytes/,
    );
    const g = ed.genesis.document;
    expect(g.orgs.map((o: Json) => o.ca.length)).toEqual(Array(count(m[1]!)).fill(1));
    expect(g.orgs.filter((o: Json) => o.nodes.length > 0)).toHaveLength(count(m[2]!));
    expect(g.members).toHaveLength(count(m[3]!));
    expect(V.jcs(g).length).toBe(Number(m[4]));
    const printed = printedGenesisHashes();
    expectPrinted('6.1', printed['ed25519-sha256']!, hx(V.genesisHash(g)));
    expectPrinted('6.1', printed['sm2-sm3']!, hx(V.genesisHash(sm.genesis.document)));
  });

  example('§6.2: the header of block 1, its canonical text and block hash; each root recomputed', () => {
    const m = docText('6.2', /^JCS\(header\) = (\{[\s\S]+?\})\nblockHash += ([0-9a-f]{64})$/m);
    const header = V.parseJsonStrict(unwrap(m[1]!));
    expect(V.canonicalize(header)).toBe(unwrap(m[1]!));
    expect(() => V.assertBlockHeader(header)).not.toThrow();
    expect(header).toEqual(ed.block.header);
    expectPrinted('6.2', header.parent, hx(V.blockHash(E, ed.genesis.block.header)));
    const leafData = block1().map((env) => V.txLeafData(E, env));
    expectPrinted('6.2', header.txRoot, hx(V.merkleRoot(E, leafData)));
    expect(header.txCount).toBe(block1().length);
    const receiptHashes = ed.block.receipts.map((r: Json) => V.receiptHash(E, r));
    expectPrinted('6.2', header.receiptRoot, hx(V.merkleRoot(E, receiptHashes)));
    expectPrinted('6.2', header.stateRoot, hx(V.stateRoot(E, block1State())));
    expectPrinted('6.2', m[2]!, hx(V.blockHash(E, header)));
  });

  example('§6.3: block 0 from the genesis: the writes, the state root, the header and its hash', () => {
    const g = ed.genesis.document;
    const writes = V.genesisWrites(g);
    expect(writes).toHaveLength(count(docProse('6.3', /lists the (\w+) writes in the order above/)[1]!));
    expect(writes).toHaveLength(1 + 2 * g.members.length);
    const root = hx(V.stateRoot(E, block0State()));
    expectPrinted('6.3', docProse('6.3', /`stateRoot = ([0-9a-f]{64})`/)[1]!, root);
    const header = {
      v: 1,
      chainId: g.chainId,
      height: 0,
      time: g.time,
      parent: '00'.repeat(32),
      txCount: 0,
      txRoot: hx(E.hash(new Uint8Array(0))),
      receiptRoot: hx(E.hash(new Uint8Array(0))),
      stateRoot: root,
    };
    expect(header).toEqual(ed.genesis.block.header);
    expectPrinted(
      '6.3',
      docProse('6.3', /block hash `([0-9a-f]{64})` \(`genesis\.block\.hash`\)/)[1]!,
      hx(V.blockHash(E, header)),
    );
    const marketAdmin = edPublic(secretNamed('TEST 1'));
    expectPrinted(
      '6.3',
      docProse(
        '6.3',
        /The member key record of market-admin, for instance, is the `identity` \/ `key\/([0-9a-f…]+)` entry/,
      )[1]!,
      marketAdmin,
    );
    expect(writes.some((w: Json) => w.contract === 'identity' && w.key === `key/${marketAdmin}`)).toBe(true);
  });

  example('§6.4: the failed receipt of tx2 and its hash', () => {
    const m = docText('6.4', /^(\{"code":.+\})\nreceiptHash = ([0-9a-f]{64})$/m);
    const receipt = V.parseJsonStrict(m[1]!);
    expect(V.canonicalize(receipt)).toBe(m[1]);
    expect(() => V.assertReceipt(receipt)).not.toThrow();
    expect(receipt).toEqual(ed.block.receipts[2]);
    expectPrinted('6.4', receipt.tx, hx(V.txId(E, txOf('tx2').signed.tx)));
    expectPrinted('6.4', m[2]!, hx(V.receiptHash(E, receipt)));
  });

  example('§6.5: the transaction tree of block 1, leaf by leaf, and the receipt root', () => {
    const lines = [...docSection('6.5').matchAll(/^(\w+) += H\(([^)]*)\) += ([0-9a-f]{64})$/gm)];
    expect(lines.map((l) => l[1])).toEqual([
      'leaf0',
      'leaf1',
      'leaf2',
      'leaf3',
      'leaf4',
      'n01',
      'n23',
      'n0123',
      'txRoot',
    ]);
    const envelopes = block1();
    const computed = new Map<string, Uint8Array>();
    for (const [, name, formula, printed] of lines) {
      // Each formula is evaluated as written: `00`/`01` bytes, id_i, sig_i, cosigsDigest_i and names defined above.
      const parts = formula!.split(' ‖ ').map((term) => {
        if (/^0[01]$/.test(term)) return unhex(term);
        const own = /^(id|sig|cosigsDigest)(\d)$/.exec(term);
        if (own) {
          const env = envelopes[Number(own[2])];
          if (own[1] === 'id') return V.txId(E, env.tx);
          if (own[1] === 'sig') return unhex(env.sig);
          return V.cosigsDigest(E, env.cosigs);
        }
        expect(computed.has(term), `${term} is defined above ${name}`).toBe(true);
        return computed.get(term)!;
      });
      const value = E.hash(V.concatBytes(...parts));
      computed.set(name!, value);
      expectPrinted('6.5', printed!, hx(value));
    }
    const tree = txTree();
    for (const [name, value] of tree) expect(hx(computed.get(name)!), name).toBe(hx(value));
    // Exactly the co-signed transactions have the 128-byte leaf.
    for (const [i, env] of envelopes.entries()) {
      expect(lines[i]![2]!.includes('cosigsDigest')).toBe(env.cosigs !== undefined);
    }
    expect(hx(tree.get('txRoot')!)).toBe(ed.block.header.txRoot);
    const receipts = docProse('6.5', /over the (\w+) receipt hashes \(`block\.receiptTree`\): `([0-9a-f]{64})`/);
    const receiptHashes = ed.block.receipts.map((r: Json) => V.receiptHash(E, r));
    expect(receiptHashes).toHaveLength(count(receipts[1]!));
    expectPrinted('6.5', receipts[2]!, hx(V.merkleRoot(E, receiptHashes)));
  });

  example('§7.5: the eleven entries after block 1, where their leaves sit, and every internal node', () => {
    const entries = block1State();
    const counts = docProse(
      '7.5',
      /leaves (\w+) entries in the state .*?: the (\w+) of block 0 \(§6\.3\) and the (\w+) written by block 1/,
    );
    expect([entries.length, block0State().length, ed.block.writes.length]).toEqual(counts.slice(1).map(count));
    const rows = [
      ...docSection('7.5').matchAll(
        /^\| `(\w+)` \/ `([^`]+)`(?: \(([^)]+)\))? \| `([0-9a-f…]+)` \| `([01 ]+)` \| `([01]+)` \| `([0-9a-f…]+)` \|$/gm,
      ),
    ];
    expect(rows).toHaveLength(entries.length);
    const keyPaths: string[] = [];
    for (const [, contract, key, who, keyPath, firstBits, at, leaf] of rows) {
      const hexPart = /^(.*?[/:])?([0-9a-f]{8,}(?:…[0-9a-f]*)?)$/.exec(key!);
      const e = hexPart
        ? entryNamed(entries, `${contract}/${hexPart[1] ?? ''}${hexPart[2]}`)
        : entryNamed(entries, `${contract}/${key}`);
      if (hexPart) expectPrinted('7.5', hexPart[2]!, e.key.slice((hexPart[1] ?? '').length));
      // The annotation names whose entry it is.
      const owner = /^(.+)'s certificate$/.exec(who ?? '');
      if (owner) expect(e.key).toBe(`cert/${fingerprint(owner[1]!)}`);
      else if (who === 'the enterprise') {
        const pub = edPublic(enterpriseSecret.ed);
        const subject = V.subjectId(E, V.txId(E, txOf('tx3').signed.tx));
        expect([`key/${pub}`, `subject/${subject}`]).toContain(e.key);
      } else if (who !== undefined) expect(e.key).toBe(`key/${keyOf(ed, who).publicKey}`);
      expectPrinted('7.5', keyPath!, hx(e.keyPath));
      expect(firstBits).toBe(spaced(bitsOf(e.keyPath, 8)));
      expect(at).toBe(leafAt(entries, e));
      expectPrinted('7.5', leaf!, hx(e.leaf));
      keyPaths.push(hx(e.keyPath));
    }
    expect(keyPaths).toEqual([...keyPaths].sort());
    const shared = docProse('7.5', /`gov` \/ `config` and the kv entry share `([01]+)`, so both sit at depth (\d+)/);
    for (const name of ['gov/config', 'kv']) {
      const at = leafAt(entries, entryNamed(entries, name));
      expect([at.slice(0, -1), at.length]).toEqual([shared[1], Number(shared[2])]);
    }
    // The internal nodes: each formula evaluated as written, each value the hash of the subtree its name denotes.
    const drawn = docSection('7.5').replace(/\n +=/g, ' =');
    const nodes = [...drawn.matchAll(/^(N\[[01]+\]|root) += (node\(.+?\)) += ([0-9a-f]{64})$/gm)];
    expect(nodes.length).toBe(13);
    for (const [, name, formula, printed] of nodes) {
      const value = stateTerm(entries, formula!);
      expect(hx(value), `${name} = ${formula}`).toBe(hx(stateTerm(entries, name!)));
      expectPrinted('7.5', printed!, hx(value));
    }
    expect(hx(stateTerm(entries, 'root'))).toBe(hx(V.stateRoot(E, entries)));
    expect(hx(stateTerm(entries, 'root'))).toBe(ed.block.header.stateRoot);
  });

  type FoldStep = { i: number; bit: number; formula: string | undefined; result: string };

  /** Folding of §7.4 along `kp`, step by step as the document prints it; returns the root. */
  function checkFold(entries: Entry[], kp: Uint8Array, siblings: string[], start: Uint8Array, steps: FoldStep[]) {
    expect(steps.map((s) => s.i)).toEqual(siblings.map((_, i) => i).reverse());
    let h = start;
    for (const step of steps) {
      const b = V.bit(kp, step.i);
      expect(b, `bit ${step.i}`).toBe(step.bit);
      const sibling = unhex(siblings[step.i]!);
      const next = b === 0 ? V.stateNode(E, h, sibling) : V.stateNode(E, sibling, h);
      if (step.formula !== undefined) {
        // The printed formula puts h on the side §7.4 says (written `h`, or a term equal to it such as `EMPTY`), and
        // its other argument is the sibling.
        const [left, right] = /^node\((.+), (.+)\)$/.exec(step.formula)!.slice(1) as [string, string];
        expect(hx(stateTerm(entries, b === 0 ? left : right, h)), step.formula).toBe(hx(h));
        expect(hx(stateTerm(entries, b === 0 ? right : left)), step.formula).toBe(siblings[step.i]);
        expect(hx(stateTerm(entries, step.formula, h))).toBe(hx(next));
      }
      h = next;
      expect(hx(h), step.result).toBe(hx(stateTerm(entries, step.result)));
    }
    return h;
  }

  example('§7.5: the membership proof of the kv entry, folded step by step', () => {
    const entries = block1State();
    const m = docProse(
      '7.5',
      /\*Membership of the kv entry\* \(`stateProofs\[(\d)\]`, key path `([0-9a-f…]+)` = `([01 ]+)`\): `leaf = \{keyPath: ([0-9a-f…]+), valueHash: ([0-9a-f…]+)\}`, `siblings = \[(.+?)\]`\. Folding from `h = leaf_kv`:/,
    );
    const s = ed.stateProofs[Number(m[1])];
    expect(s.contract).toBe('kv');
    const kp = V.stateKeyPath(E, s.contract, s.key);
    expectPrinted('7.5', m[2]!, hx(kp));
    expect(m[3]).toBe(spaced(bitsOf(kp, 8)));
    expectPrinted('7.5', m[4]!, hx(kp));
    const vh = V.stateValueHash(E, s.value);
    expectPrinted('7.5', m[5]!, hx(vh));
    expect(s.response.proof.leaf).toEqual({ keyPath: hx(kp), valueHash: hx(vh) });
    const siblings = list(m[6]!).map((t) => hx(stateTerm(entries, t)));
    expect(siblings).toEqual(s.response.proof.siblings);
    const steps = [
      ...docSection('7.5').matchAll(/^i = (\d+), bit ([01]) → h = (node\(.+?\)) += (N\[[01]+\]|root)(?: ✓)?$/gm),
    ].map((x) => ({ i: Number(x[1]), bit: Number(x[2]), formula: x[3], result: x[4]! }));
    const root = checkFold(entries, kp, siblings, V.stateLeaf(E, kp, vh), steps);
    expect(hx(root)).toBe(s.stateRoot);
    V.verifyStateProof(E, root, s.contract, s.key, s.value, V.stateProofFromJson(s.response.proof));
  });

  /** `bit i = b → `h = node(…) = N[…]`` or `bit i = b → `N[…]`` of the prose examples. */
  const proseSteps = (text: string): FoldStep[] =>
    [...text.matchAll(/bit (\d+) = ([01]) → `(?:h = (node\(.+?\)) = )?(N\[[01]+\]|root)`/g)].map((x) => ({
      i: Number(x[1]),
      bit: Number(x[2]),
      formula: x[3],
      result: x[4]!,
    }));

  example('§7.5: a non-membership proof that ends in an empty subtree', () => {
    const entries = block1State();
    const m = docProse(
      '7.5',
      /\(`stateProofs\[(\d)\]`, key `(\w+)` \/ `([^`]+)`, key path `([0-9a-f…]+)` = `([01 ]+)`\): `leaf = null`, `siblings = \[(.+?)\]`; the subtree `N\[([01]+)\]` is empty\. `h = EMPTY`; (.*?)\. ✓/,
    );
    const s = ed.stateProofs[Number(m[1])];
    expect([s.kind, s.contract, s.key, s.value, s.response.proof.leaf]).toEqual([
      'non-membership',
      m[2],
      m[3],
      null,
      null,
    ]);
    const kp = V.stateKeyPath(E, s.contract, s.key);
    expectPrinted('7.5', m[4]!, hx(kp));
    expect(m[5]).toBe(spaced(bitsOf(kp, 8)));
    const siblings = list(m[6]!).map((t) => hx(stateTerm(entries, t)));
    expect(siblings).toEqual(s.response.proof.siblings);
    expect(m[7]).toBe(bitsOf(kp, siblings.length));
    expect(subtree(entries, m[7]!)).toEqual(V.EMPTY);
    const root = checkFold(entries, kp, siblings, V.EMPTY, proseSteps(m[8]!));
    expect(hx(root)).toBe(s.stateRoot);
    V.verifyStateProof(E, root, s.contract, s.key, null, V.stateProofFromJson(s.response.proof));
  });

  example("§7.5: a non-membership proof that ends in another entry's leaf", () => {
    const entries = block1State();
    const m = docProse(
      '7.5',
      /\(`stateProofs\[(\d)\]`, key `(\w+)` \/ `([^`]+)`, key path `([0-9a-f…]+)` = `([01 ]+)`\): `leaf` = the entry `(\w+)` \/ `([^`]+)` \(key path `([0-9a-f…]+)` = `([01 ]+)`, value hash `([0-9a-f…]+)`\), `siblings = \[(.+?)\]`\. The two key paths share their first (\d+) bits `([01]+)`, so that leaf may stand in for the absent key at depth (\d+)\. `h = (leaf \S+) = ([0-9a-f…]+)`; (.*?)\. ✓/,
    );
    const s = ed.stateProofs[Number(m[1])];
    expect([s.kind, s.contract, s.key, s.value]).toEqual(['non-membership', m[2], m[3], null]);
    const kp = V.stateKeyPath(E, s.contract, s.key);
    expectPrinted('7.5', m[4]!, hx(kp));
    expect(m[5]).toBe(spaced(bitsOf(kp, 8)));
    const other = entryNamed(entries, `${m[6]}/${m[7]}`);
    expectPrinted('7.5', /[0-9a-f]{8}…/.exec(m[7]!)![0], other.key.slice('cert/'.length));
    expectPrinted('7.5', m[8]!, hx(other.keyPath));
    expect(m[9]).toBe(spaced(bitsOf(other.keyPath, 8)));
    expectPrinted('7.5', m[10]!, hx(other.valueHash));
    expect(s.response.proof.leaf).toEqual({ keyPath: hx(other.keyPath), valueHash: hx(other.valueHash) });
    const siblings = list(m[11]!).map((t) => hx(stateTerm(entries, t)));
    expect(siblings).toEqual(s.response.proof.siblings);
    expect([Number(m[12]), m[13], Number(m[14])]).toEqual([
      siblings.length,
      bitsOf(kp, siblings.length),
      siblings.length,
    ]);
    expect(bitsOf(other.keyPath, siblings.length)).toBe(m[13]);
    expect(stateTerm(entries, m[15]!)).toEqual(other.leaf);
    expectPrinted('7.5', m[16]!, hx(other.leaf));
    const root = checkFold(entries, kp, siblings, other.leaf, proseSteps(m[17]!));
    expect(hx(root)).toBe(s.stateRoot);
    V.verifyStateProof(E, root, s.contract, s.key, null, V.stateProofFromJson(s.response.proof));
  });

  example("§7.5: the proof of gov/config in block 0, over block 0's own tree", () => {
    const entries = block0State();
    const m = docProse(
      '7.5',
      /\*Block 0\* \(`stateProofs\[(\d)\]`, `(\w+)` \/ `(\w+)` at height (\d+), root `([0-9a-f…]+)`\)\. Block 0 has (\w+) entries and its own subtrees: `N\[00\]` holds the certificates of ([a-z-]+) \(`([01]+)`\) and ([a-z-]+) \(`([01]+)`\), `N\[01\]` the key record of ([a-z-]+) \(`([01]+)`\) and the configuration record \(`([01]+)`\), `N\[1\]` the other (\w+)\. So the configuration record's leaf is at depth (\d+), and `siblings = \[(.+?)\]`\./,
    );
    const s = ed.stateProofs[Number(m[1])];
    expect([s.contract, s.key, s.height]).toEqual([m[2], m[3], Number(m[4])]);
    const root = V.stateRoot(E, entries);
    expectPrinted('7.5', m[5]!, hx(root));
    expect(s.stateRoot).toBe(hx(root));
    expect(entries).toHaveLength(count(m[6]!));
    const at = (e: Entry) => leafAt(entries, e);
    expect(at(entryNamed(entries, `identity/cert/${fingerprint(m[7]!)}`))).toBe(m[8]);
    expect(at(entryNamed(entries, `identity/cert/${fingerprint(m[9]!)}`))).toBe(m[10]);
    expect(at(entryNamed(entries, `identity/key/${keyOf(ed, m[11]!).publicKey}`))).toBe(m[12]);
    const config = entryNamed(entries, 'gov/config');
    expect(at(config)).toBe(m[13]);
    expect(entries.filter((e) => V.bit(e.keyPath, 0) === 1)).toHaveLength(count(m[14]!));
    expect(at(config).length).toBe(Number(m[15]));
    const siblings = list(m[16]!).map((item) => {
      const [term, printed] = item.split(' = ');
      const value = hx(stateTerm(entries, term!));
      expectPrinted('7.5', printed!, value);
      return value;
    });
    expect(siblings).toEqual(s.response.proof.siblings);
    V.verifyStateProof(E, root, s.contract, s.key, s.value, V.stateProofFromJson(s.response.proof));
    const more = docProse(
      '7.5',
      /`stateProofs\[(\d)\]` and `stateProofs\[(\d)\]` prove the enterprise's key record and subject record/,
    );
    const subject = V.subjectId(E, V.txId(E, txOf('tx3').signed.tx));
    expect(ed.stateProofs[Number(more[1])].key).toBe(`key/${edPublic(enterpriseSecret.ed)}`);
    expect(ed.stateProofs[Number(more[2])].key).toBe(`subject/${subject}`);
  });

  example('§8.1: the attestation of block 1 by market-node: body, digest, signature', () => {
    const m = docText(
      '8.1',
      /^JCS\(body\) = (\{[\s\S]+?\})\ndigest += ([0-9a-f]{64})\nsig += ([0-9a-f]{128})\n +\(([a-z-]+), whose secret key is RFC 8032 (TEST \d+)\)$/m,
    );
    const header = ed.block.header;
    const hash = hx(V.blockHash(E, header));
    const body = V.parseJsonStrict(unwrap(m[1]!));
    expect(body).toEqual(V.attestationBody(header, hash));
    expect(unwrap(m[1]!)).toBe(V.canonicalize(body));
    expectPrinted('8.1', body.blockHash, hash);
    expectPrinted('8.1', body.stateRoot, hx(V.stateRoot(E, block1State())));
    const digest = V.attestationDigest(E, body);
    expectPrinted('8.1', m[2]!, hx(digest));
    const secret = secretNamed(m[5]!);
    expect(keyOf(ed, m[4]!).secretKey).toBe(secret);
    expectPrinted('8.1', m[3]!, hx(V.ed25519Sign(unhex(secret), digest)));
    const entry = ed.checkpoint.attestations[0];
    expect([entry.node, entry.publicKey, entry.sig]).toEqual([m[4], edPublic(secret), m[3]]);
  });

  example('§8.4: the quorum examples with the default 2/3', () => {
    const q = { numerator: 2, denominator: 3 };
    docProse(
      '8.4',
      /both must attest \(1·3 ≤ 2·2, 2·3 > 2·2\)\. With one organisation with nodes, its attestation suffices \(1·3 > 2·1\)/,
    );
    expect([V.quorumMet(1, 2, q), V.quorumMet(2, 2, q), V.quorumMet(1, 1, q)]).toEqual([false, true, true]);
  });

  example('§9.1: the audit paths of txProofs[1] and txProofs[4]', () => {
    const tree = txTree();
    const leafData = block1().map((env) => V.txLeafData(E, env));
    const m = docProse(
      '9.1',
      /`txProofs\[(\d)\]` of `ed25519-sha256\.json`, for `(tx\d)` at index (\d) of (\d) \(§6\.5\): `txPath = \[(.+?)\] = \[(.+?)\]`\. For index (\d) the path is just `\[(\w+)\]` \(`txProofs\[(\d)\]`, a co-signed transaction\)/,
    );
    const p = ed.txProofs[Number(m[1])];
    expect([p.id, p.proof.index, block1().length]).toEqual([txOf(m[2]!).id, Number(m[3]), Number(m[4])]);
    const names = list(m[5]!);
    const printed = list(m[6]!);
    const path = V.merkleAuditPath(E, leafData, p.proof.index).map(hx);
    expect(names.map((n) => hx(tree.get(n)!))).toEqual(path);
    expect(printed).toHaveLength(path.length);
    for (const [i, value] of path.entries()) expectPrinted('9.1', printed[i]!, value);
    expect(p.proof.txPath).toEqual(path);
    const last = ed.txProofs[Number(m[9])];
    expect(last.proof.index).toBe(Number(m[7]));
    expect(last.proof.tx.cosigs).toBeDefined();
    expect(V.merkleAuditPath(E, leafData, last.proof.index).map(hx)).toEqual([hx(tree.get(m[8]!)!)]);
    expect(last.proof.txPath).toEqual([hx(tree.get(m[8]!)!)]);
  });

  /** §9.4 as printed, recording fn, sn and r after each path element and the halvings of the inner loop. */
  function inclusionTrace(leaf: Uint8Array, index: number, size: number, path: Uint8Array[]) {
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    const steps: { fn: number; sn: number; r: Uint8Array; inner: number[][] }[] = [];
    for (const p of path) {
      expect(sn).not.toBe(0);
      const inner: number[][] = [];
      if (fn % 2 === 1 || fn === sn) {
        r = V.merkleNodeHash(E, p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
          inner.push([fn, sn]);
        }
      } else {
        r = V.merkleNodeHash(E, r, p);
      }
      fn >>= 1;
      sn >>= 1;
      steps.push({ fn, sn, r, inner });
    }
    return steps;
  }

  example('§9.4: the audit-path verification of txProofs[1] and txProofs[4], step by step', () => {
    const tree = txTree();
    const root = tree.get('txRoot')!;
    const intro = docProse(
      '9.4',
      /Worked example, `txProofs\[(\d)\]` \(index (\d), size (\d), root `([0-9a-f…]+)`; the hashes of §6\.5\)/,
    );
    expectPrinted('9.4', intro[4]!, hx(root));
    const proof = ed.txProofs[Number(intro[1])].proof;
    const [index, size] = [Number(intro[2]), Number(intro[3])];
    expect([proof.index, ed.block.header.txCount]).toEqual([index, size]);
    const start = docText('9.4', /^fn = (\d+), sn = (\d+), r = (\w+) = ([0-9a-f…]+)$/m);
    expect([Number(start[1]), Number(start[2])]).toEqual([index, size - 1]);
    const leaf = tree.get(start[3]!)!;
    expectPrinted('9.4', start[4]!, hx(leaf));
    const lines = [
      ...docSection('9.4').matchAll(
        /^p = (\w+): +.*?→ r = H\(01 ‖ (\w+) ‖ (\w+)\) = (?:(\w+) = )?([0-9a-f…]+);.*→ fn = (\d+), sn = (\d+)$/gm,
      ),
    ];
    const path = lines.map((l) => tree.get(l[1]!)!);
    expect(path.map(hx)).toEqual(proof.txPath);
    const trace = inclusionTrace(leaf, index, size, path);
    for (const [i, [, , left, right, name, printed, fn, sn]] of lines.entries()) {
      const value = V.merkleNodeHash(E, tree.get(left!)!, tree.get(right!)!);
      expect(hx(value)).toBe(hx(trace[i]!.r));
      if (name !== undefined) expect(hx(value)).toBe(hx(tree.get(name)!));
      expectPrinted('9.4', printed!, hx(value));
      expect([trace[i]!.fn, trace[i]!.sn]).toEqual([Number(fn), Number(sn)]);
    }
    expect(docText('9.4', /^sn = 0 and r = (\w+) ✓$/m)[1]).toBe('txRoot');
    expect(hx(trace.at(-1)!.r)).toBe(hx(root));
    V.verifyInclusion(E, root, leaf, index, size, path);
    // txProofs[4]: one step whose inner loop halves fn = sn twice.
    const four = docProse(
      '9.4',
      /And `txProofs\[(\d)\]` \(index (\d), size (\d)\): `fn = sn = (\d)`, `r = (\w+)`\. With `p = (\w+)`: `fn = sn` → `r = H\(01 ‖ (\w+) ‖ (\w+)\)`\. The inner loop halves to `fn = sn = (\d)`, then `(\d)`, and the final halving gives `(\d)`, `(\d)`\. ✓/,
    );
    const p4 = ed.txProofs[Number(four[1])].proof;
    expect([p4.index, p4.index, Number(four[3]) - 1]).toEqual([Number(four[2]), Number(four[4]), Number(four[4])]);
    const t4 = inclusionTrace(tree.get(four[5]!)!, p4.index, Number(four[3]), [tree.get(four[6]!)!]);
    expect(hx(t4[0]!.r)).toBe(hx(V.merkleNodeHash(E, tree.get(four[7]!)!, tree.get(four[8]!)!)));
    expect(t4[0]!.inner).toEqual([
      [Number(four[9]), Number(four[9])],
      [Number(four[10]), Number(four[10])],
    ]);
    expect([t4[0]!.fn, t4[0]!.sn]).toEqual([Number(four[11]), Number(four[12])]);
    expect(hx(t4[0]!.r)).toBe(hx(root));
  });

  example('§10.1: the test file and its SHA-256 and SM3 digests', () => {
    const m = docProse(
      '10.1',
      /the (\d+) bytes of `("[^`]+")` \(`([0-9a-f…]+)`\) have `SHA-256 = ([0-9a-f]{64})`\. In `sm2-sm3\.json` the same bytes have `SM3 = ([0-9a-f]{64})`/,
    );
    const file = V.utf8(V.parseJsonStrict(m[2]!));
    expect(file.length).toBe(Number(m[1]));
    expect(hx(file)).toBe(ed.notaryCertificate.fileHex);
    expectPrinted('10.1', m[3]!, hx(file));
    expectPrinted('10.1', m[4]!, hx(V.fileDigest('sha256', file)));
    expectPrinted('10.1', m[5]!, hx(V.fileDigest('sm3', file)));
    expect([ed.notaryCertificate.fileDigest, sm.notaryCertificate.fileDigest]).toEqual([m[4], m[5]]);
  });

  example('§11.2: the notary record written by tx0', () => {
    const t = txOf('tx0').signed;
    const file = V.utf8(ed.notaryCertificate.fileUtf8);
    const digest = hx(V.fileDigest('sha256', file));
    expectPrinted('11.2', docText('11.2', /-- e\.g\. "sha256:([0-9a-f…]+)"/)[1]!, digest);
    const text = docText('11.2', /^(\{"alg":[\s\S]+?\})$/m)[1]!;
    const record = {
      alg: 'sha256',
      hash: digest,
      registrant: edPublic(secretNamed('TEST 1')),
      org: 'market',
      txId: hx(V.txId(E, t.tx)),
      height: ed.block.header.height,
      time: ed.block.header.time,
      title: t.tx.args.title,
    };
    expect([t.tx.args.alg, t.tx.args.hash, t.tx.signer]).toEqual([record.alg, record.hash, record.registrant]);
    expect(unwrap(text)).toBe(V.canonicalize(record));
    expect(ed.block.writes[0]).toEqual({ contract: 'notary', key: `sha256:${digest}`, value: unwrap(text) });
    expect(ed.stateProofs[1].valueCanonical).toBe(unwrap(text));
    markChecked('11.2', text);
  });

  example('§15.5: the co-signed registerSubject tx3: id, signature, co-signature, cosigsDigest, both leaves', () => {
    const who = docProse(
      '15.5',
      /`transactions\[(\d)\]` of `ed25519-sha256\.json` \(`(tx\d)`\)\. ([a-z-]+) \(RFC 8032 (TEST \d+) key, role `(\w+)`\) registers an enterprise; the enterprise key \(`keys`, id `(\w+)`\) co-signs/,
    );
    const t = ed.transactions[Number(who[1])];
    expect([t.label, t.signer, t.cosigners.map((c: Json) => c.signer)]).toEqual([who[2], who[3], [who[6]]]);
    const secret = secretNamed(who[4]!);
    expect(V.parseCertificate(certDer(ed, who[3]!)).member.roles).toContain(who[5]);
    const block = docText('15.5', /^(JCS\(tx\) = [\s\S]+?)\n```/m)[1]!;
    const jcsTx = /^JCS\(tx\) = (\{[\s\S]+?"v":1\})$/m.exec(block)![1]!;
    const body = V.parseJsonStrict(unwrap(jcsTx));
    expect(V.canonicalize(body)).toBe(unwrap(jcsTx));
    expect(body).toEqual(t.signed.tx);
    const enterprise = edPublic(enterpriseSecret.ed);
    expectPrinted('15.5', body.args.publicKey, enterprise);
    expectPrinted('15.5', body.signer, edPublic(secret));
    markChecked('15.5', jcsTx);
    const id = V.txId(E, body);
    expectPrinted('15.5', /^id += ([0-9a-f]{64})$/m.exec(block)![1]!, hx(id));
    const sig = hx(V.ed25519Sign(unhex(secret), id));
    expectPrinted('15.5', /^sig += ([0-9a-f]{128})$/m.exec(block)![1]!, sig);
    const jcsCosigs = /^JCS\(cosigs\) = (\[[\s\S]+?\}\])/m.exec(block)![1]!;
    const cosigs = V.parseJsonStrict(unwrap(jcsCosigs));
    expect(V.canonicalize(cosigs)).toBe(unwrap(jcsCosigs));
    expect(cosigs).toEqual([{ signer: enterprise, sig: hx(V.ed25519Sign(unhex(enterpriseSecret.ed), id)) }]);
    expect(cosigs).toEqual(t.signed.cosigs);
    markChecked('15.5', jcsCosigs);
    const envelope = { tx: body, sig, cosigs };
    expect(() => V.assertSignedTransaction(envelope, E)).not.toThrow();
    expect(V.verifyCosignatures(E, envelope)).toBe(true);
    const digest = V.cosigsDigest(E, cosigs);
    expect(hx(digest)).toBe(hx(E.taggedHash('lianzheng/cosigs', V.utf8(unwrap(jcsCosigs)))));
    expectPrinted(
      '15.5',
      /^cosigsDigest = SHA-256\("lianzheng\/cosigs" ‖ 00 ‖ JCS\(cosigs\)\) = ([0-9a-f]{64})$/m.exec(block)![1]!,
      hx(digest),
    );
    const leaf = V.merkleLeafHash(E, V.txLeafData(E, envelope));
    expect(hx(leaf)).toBe(hx(E.hash(V.concatBytes(Uint8Array.of(0), id, unhex(sig), digest))));
    expectPrinted(
      '15.5',
      /^leafHash += SHA-256\(00 ‖ id ‖ sig ‖ cosigsDigest\) += ([0-9a-f]{64})$/m.exec(block)![1]!,
      hx(leaf),
    );
    const bare = V.merkleLeafHash(E, V.txLeafData(E, { tx: body, sig }));
    expect(hx(bare)).toBe(hx(E.hash(V.concatBytes(Uint8Array.of(0), id, unhex(sig)))));
    expectPrinted(
      '15.5',
      /without the cosigs it would be SHA-256\(00 ‖ id ‖ sig\) += ([0-9a-f]{64})\)$/m.exec(block)![1]!,
      hx(bare),
    );
    const at = docProse('15.5', /`leafHash` is `block\.txTree\.leafHashes\[(\d)\]`/)[1]!;
    expect([at, ed.block.txTree.leafHashes[Number(at)]]).toEqual([who[1], hx(leaf)]);
    const tx4 = docProse('15.5', /`(tx\d)` is the same registration with another nonce, .*? and fails with `(\w+)`/);
    const t4 = txOf(tx4[1]!);
    expect(t4.signed.tx.args).toEqual(body.args);
    expect(t4.signed.tx.nonce).not.toBe(body.nonce);
    expect(ed.block.receipts[ed.block.txIds.indexOf(t4.id)].code).toBe(tx4[2]);
  });

  example("§15.6.3: the member extension OID and the extension of market-admin's certificate", () => {
    const oid = docText(
      '15.6.3',
      /::= \{ 2 25 (\d+) \}\n +-- X\.667 UUID OID, UUID ([0-9a-f-]{36})\n +-- DER: ([0-9a-f ]+)$/m,
    );
    expect(BigInt(`0x${oid[2]!.replaceAll('-', '')}`)).toBe(BigInt(oid[1]!));
    const oidDer = V.readDer(unhex(oid[3]!.replaceAll(' ', '')));
    expect(V.oidText(oidDer.content)).toBe(`2.25.${oid[1]}`);
    markChecked('15.6.3', oid[2]!);
    markChecked('15.6.3', oid[3]!);
    const who = docProse(
      '15.6.3',
      /the extension of ([a-z-]+)'s certificate \(`certificates\[(\d)\]` of `ed25519-sha256\.json`/,
    );
    expect(ed.certificates[Number(who[2])].id).toBe(who[1]);
    const block = docText('15.6.3', /^(30 [0-9a-f]{2} [\s\S]+?)\n +(= UTF8String (.+))$/m);
    // The hex columns of the dump, read up to the first word that is not hex.
    const der = block[1]!
      .split('\n')
      .map((line) => {
        const cells = line.trim().split(/ +/);
        const end = cells.findIndex((c) => !/^[0-9a-f]+$/.test(c));
        return cells.slice(0, end < 0 ? cells.length : end).join('');
      })
      .join('');
    const ext = V.readDer(unhex(der));
    const sizes = [...block[1]!.matchAll(/\((\d+)\)/g)].map((x) => Number(x[1]));
    expect(sizes).toEqual([ext.content.length, ext.children[1].content.length]);
    expect(hx(ext.children[0].content)).toBe(hx(oidDer.content));
    const text = V.readDer(ext.children[1].content);
    expect(text.tag).toBe(0x0c);
    const json = new TextDecoder().decode(text.content);
    expect(json).toBe(block[3]);
    expect(V.canonicalize(V.decodeCanonical(text.content))).toBe(json);
    const cert = V.parseCertificate(certDer(ed, who[1]!));
    expect(hx(cert.tbs)).toContain(der);
    expect(V.canonicalize(cert.member)).toBe(json);
    markChecked('15.6.3', block[1]!);
  });

  example('§15.7.1: the key record of market-admin; the subject record and key record of the enterprise', () => {
    const marketAdmin = edPublic(secretNamed('TEST 1'));
    const key = docProse(
      '15.7.1',
      /Example: market-admin, enrolled by the genesis \(`identity` \/ `key\/([0-9a-f]{64})` in `genesis\.block\.state`/,
    );
    expectPrinted('15.7.1', key[1]!, marketAdmin);
    const ids = docProse(
      '15.7.1',
      /`ca` and `cert` are the fingerprints of `certificates\[(\d)\]` and `certificates\[(\d)\]`/,
    );
    expect([ed.certificates[Number(ids[1])].id, ed.certificates[Number(ids[2])].id]).toEqual([
      'market-ca',
      'market-admin',
    ]);
    const text = docText('15.7.1', /^(\{"attrs":[\s\S]+?\})$/m)[1]!;
    const record = V.parseJsonStrict(unwrap(text));
    expect(V.canonicalize(record)).toBe(unwrap(text));
    const cert = V.parseCertificate(certDer(ed, 'market-admin'));
    expect(record).toEqual({
      attrs: cert.member.attrs,
      ca: fingerprint('market-ca'),
      cert: fingerprint('market-admin'),
      height: 0,
      kind: cert.member.kind,
      member: cert.subject.commonName,
      notAfter: cert.notAfter,
      notBefore: cert.notBefore,
      org: cert.subject.org,
      roles: cert.member.roles,
      serial: cert.serial,
    });
    expectPrinted('15.7.1', record.ca, fingerprint('market-ca'));
    expectPrinted('15.7.1', record.cert, fingerprint('market-admin'));
    expectPrinted('15.7.1', record.serial, cert.serial);
    expect(V.genesisWrites(ed.genesis.document)).toContainEqual({
      contract: 'identity',
      key: `key/${marketAdmin}`,
      value: unwrap(text),
    });
    // The enterprise, registered by tx3 (§15.7.3): its records as registerSubject writes them.
    const m = docText(
      '15.7.1',
      /^identity \/ subject\/([0-9a-f]{32})\n([\s\S]+?)\nidentity \/ key\/([0-9a-f]{64})\n(.+)$/m,
    );
    const t3 = txOf('tx3').signed;
    const subject = V.subjectId(E, V.txId(E, t3.tx));
    const enterprise = edPublic(enterpriseSecret.ed);
    expectPrinted('15.7.1', m[1]!, subject);
    expectPrinted('15.7.1', m[3]!, enterprise);
    const subjectRecord = {
      height: ed.block.header.height,
      keys: [enterprise],
      kind: 'enterprise',
      org: 'market',
      registrar: marketAdmin,
      subject,
    };
    expect([t3.tx.signer, t3.tx.args]).toEqual([marketAdmin, { kind: 'enterprise', publicKey: enterprise }]);
    expect(unwrap(m[2]!)).toBe(V.canonicalize(subjectRecord));
    expect(m[4]!.trim()).toBe(V.canonicalize({ height: ed.block.header.height, kind: 'enterprise', subject }));
    expect(ed.stateProofs[6].value).toEqual(subjectRecord);
    expect(ed.stateProofs[5].value).toEqual(V.parseJsonStrict(m[4]!));
    markChecked('15.7.1', m[0]);
  });

  example('§15.8: the subject id of tx3 and the did:key table', () => {
    const m = docProse(
      '15.8',
      /Example: `(tx\d)` of `ed25519-sha256\.json` \(§15\.5\) has `id = ([0-9a-f…]+)`; `SHA-256\("lianzheng\/subject" ‖ 00 ‖ id\)` = `([0-9a-f]{64})`, so the subject id is `([0-9a-f]{32})`/,
    );
    const id = V.txId(E, txOf(m[1]!).signed.tx);
    expectPrinted('15.8', m[2]!, hx(id));
    expectPrinted('15.8', m[3]!, hx(E.taggedHash('lianzheng/subject', id)));
    expectPrinted('15.8', m[4]!, V.subjectId(E, id));
    expect([ed.block.subject, ed.block.receipts[3].result.subject]).toEqual([m[4], m[4]]);
    const rows = [
      ...docSection('15.8').matchAll(/^\| (Ed25519|SM2) `([0-9a-f…]+)` \((.+)\) \| `(did:key:z\w+)` \|$/gm),
    ];
    expect(rows).toHaveLength(4);
    for (const [, alg, printedKey, note, did] of rows) {
      const sm2 = alg === 'SM2';
      let secret: string;
      if (note!.startsWith('RFC 8032 ')) secret = secretNamed(/^RFC 8032 (TEST \d+)/.exec(note!)![1]!);
      else if (note!.startsWith('GB/T 32918 example')) secret = secretNamed('GB/T 32918');
      else if (note!.startsWith('the enterprise of ')) secret = sm2 ? enterpriseSecret.sm2 : enterpriseSecret.ed;
      else throw new Error(`§15.8: whose key is ${note}?`);
      const pub = sm2 ? V.sm2PublicKeyFromSecret(unhex(secret)) : V.ed25519PublicKeyFromSeed(unhex(secret));
      expectPrinted('15.8', printedKey!, hx(pub));
      const compressed = /compressed `([0-9a-f…]+)`/.exec(note!);
      expect(compressed !== null).toBe(sm2);
      if (compressed) {
        const point = V.concatBytes(Uint8Array.of(2 + (pub[64]! & 1)), pub.subarray(1, 33));
        expectPrinted('15.8', compressed[1]!, hx(point));
      }
      const computed = V.didKey(sm2 ? 'sm2-sm3' : 'ed25519-sha256', pub);
      expectPrinted('15.8', did!, computed);
      if (note!.includes("`result.did` of `tx3`'s receipt")) {
        const vec = sm2 ? sm : ed;
        expect(vec.block.receipts[3].result.did).toBe(computed);
        expect(keyOf(vec, 'enterprise').publicKey).toBe(hx(pub));
      }
    }
  });

  example('§15.12: the sign-in message, digest and signature', () => {
    const m = docText('15.12', /^message = (\{[\s\S]+?\})\ndigest += ([0-9a-f]{64})\nsig += ([0-9a-f]{128})$/m);
    const secret = secretNamed(docProse('15.12', /Example \(Ed25519, RFC 8032 (TEST \d+) key\)/)[1]!);
    const message = {
      type: 'lianzheng-sign-in',
      chainId: 'vectors-ed25519',
      node: 'market-node',
      publicKey: edPublic(secret),
      challenge: `${'00'.repeat(31)}01`,
      expiresAt: 1767225660000,
    };
    expect(V.parseJsonStrict(unwrap(m[1]!))).toEqual(message);
    expect(unwrap(m[1]!)).toBe(V.canonicalize(message));
    markChecked('15.12', m[1]!);
    const digest = V.signInDigest(E, message);
    expect(hx(digest)).toBe(hx(E.taggedHash('lianzheng/sign-in', V.utf8(unwrap(m[1]!)))));
    expectPrinted('15.12', m[2]!, hx(digest));
    expectPrinted('15.12', m[3]!, hx(V.ed25519Sign(unhex(secret), digest)));
  });

  example('§16.1: the hash of the metered interpreter is the one the node pins (and rebuilds: sandbox.test.ts)', () => {
    const m = docProse('16.1', /whose SHA-256 is\s*```\s*([0-9a-f]{64})\s*```/);
    expectPrinted('16.1', m[1]!, METERED_QUICKJS_SHA256);
  });

  // Runs last: vitest runs the tests of a file in order. It needs every example above to have run and passed (so it
  // fails, saying so, when one failed or was filtered out with -t).
  it('every hex value and did:key that PROTOCOL.md prints was checked by a test above', () => {
    expect(examplesPassed, 'every worked-example test above must run and pass first').toBe(examplesDeclared);
    let section = '';
    const printed: string[] = [];
    for (const line of DOC_LINES) {
      section = DOC_HEADING.exec(line)?.[1] ?? section;
      for (const value of printedValues(line)) printed.push(`§${section} ${value}`);
    }
    expect(printed.length).toBeGreaterThan(150);
    expect(printed.filter((p) => !checkedValues.has(p))).toEqual([]);
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

    it('block 0: the certified state root is the root over the writes of §6.3; gov/config proves', async () => {
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

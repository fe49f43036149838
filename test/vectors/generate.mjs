#!/usr/bin/env node
/**
 * Generates the pinned protocol vectors in this directory (docs/PROTOCOL.md):
 *
 *   jcs.json              canonical JSON (RFC 8785) input → output pairs and strict-parsing rejections
 *   ed25519-sha256.json   every object of one chain on the `ed25519-sha256` suite
 *   sm2-sm3.json          the same for the `sm2-sm3` suite
 *
 * Run after `npx tsc -b` at the repository root:   node test/vectors/generate.mjs
 *
 * It imports only the built packages and drives the same code the node runs: the runtime's BlockExecutor executes the
 * blocks, the node's ChainStore (LMDB, in a temporary directory that is deleted afterwards) stores them, and the node's
 * ChainQueries builds the proofs and the certificate exactly as the HTTP API serves them. Every object then goes
 * through JSON.stringify/JSON.parse, as it would over HTTP.
 *
 * The chain is a genesis version 2 consortium: every organisation has a self-signed CA root, the genesis enrols one
 * member certificate per organisation (issued with `issueCertificate`), and block 1 holds, besides the notary and kv
 * calls, two `identity.registerSubject` transactions co-signed by the subject's key, so the co-signature form of the
 * transaction leaf (id ‖ sig ‖ TH("lianzheng/cosigs", JCS(cosigs))) is pinned too.
 *
 * Deterministic: fixed secret keys, nonces, times, certificate serials and validity periods and, for SM2, fixed
 * signature nonces k (passed to `sm2Sign`; certificates are signed through a suite object whose `sign` does the same),
 * so running the script twice writes byte-identical files. The keys and nonces are public test values: never use
 * them for anything else (a fixed k reveals the SM2 secret key).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainQueries, ChainStore, nativeSuite } from '@lianzheng/node';
import {
  assertGenesis,
  assertNotaryCertificate,
  assertTxProof,
  attestationBody,
  attestationDigest,
  bytesToHex,
  canonicalize,
  certificateFingerprint,
  consortiumFromGenesis,
  cosignaturesDigest,
  didKeyFromPublicKey,
  genesisHash,
  HashTag,
  hexToBytes,
  issueCertificate,
  merkleLeafHash,
  parseCertificate,
  parseJsonStrict,
  pathBit,
  portableSuite,
  SM2_DEFAULT_USER_ID,
  sm2PublicKeyFromSecret,
  sm2Sign,
  sm2Za,
  sm3,
  stateKeyPath,
  stateLeafHash,
  stateNodeHash,
  stateProofFromJson,
  stateValueHashText,
  subjectIdFromTx,
  transactionCanonical,
  transactionId,
  transactionLeafData,
  transactionLeafHash,
  utf8ToBytes,
  verifyCheckpoint,
  verifyNotaryCertificate,
  verifyStateProof,
  verifyTxProof,
  ZERO_HASH,
} from '@lianzheng/protocol';
import {
  BlockExecutor,
  defaultBlockExecutorOptions,
  defaultStateTreeOptions,
  EMPTY_SLOT,
  executeGenesis,
  StateTree,
} from '@lianzheng/runtime';

const here = path.dirname(fileURLToPath(import.meta.url));

/** 2026-01-01T00:00:00Z. */
const GENESIS_TIME = 1_767_225_600_000;
const BLOCK1_TIME = GENESIS_TIME + 60_000;
const EXPIRES_AT = BLOCK1_TIME + 10 * 60 * 1000;
const DAY = 86_400_000;
/** Validity of the CA roots and of the member certificates (whole seconds, as X.509 times are). */
const CA_NOT_BEFORE = GENESIS_TIME - 30 * DAY;
const CA_NOT_AFTER = GENESIS_TIME + 3650 * DAY;
const MEMBER_NOT_BEFORE = GENESIS_TIME - DAY;
const MEMBER_NOT_AFTER = GENESIS_TIME + 365 * DAY;

const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

/** The file notarised in every certificate vector: these exact UTF-8 bytes. */
const FILE_TEXT = 'Lianzheng 链政 notarisation test vector\n';

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Deep copy through JSON text, which is what an HTTP client receives. */
const viaJson = (value) => JSON.parse(JSON.stringify(value));

const be32 = (n) => hexToBytes(n.toString(16).padStart(64, '0'));
const toBig = (bytes) => BigInt(`0x${bytesToHex(bytes)}`);

/** A fixed SM2 scalar in [1, n − 2]: (SM3(label) mod (n − 2)) + 1. Only for these vectors. */
const sm2Scalar = (label) => (toBig(sm3(utf8ToBytes(label))) % (SM2_N - 2n)) + 1n;

function check(condition, message) {
  if (!condition) throw new Error(`vector self-check failed: ${message}`);
}

function expectCode(fn, code, reason) {
  try {
    fn();
  } catch (e) {
    if (e?.code !== code) throw new Error(`expected ${code}, got ${e?.code}: ${e?.message}`);
    if (reason !== undefined && e.details?.reason !== reason) {
      throw new Error(`expected ${code}/${reason}, got reason ${e.details?.reason}`);
    }
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Flips the lowest bit of the byte at `byteIndex` of a lower-case hex string. */
function flipHex(hex, byteIndex = 0) {
  const i = 2 * byteIndex + 1;
  const nibble = Number.parseInt(hex[i], 16) ^ 1;
  return hex.slice(0, i) + nibble.toString(16) + hex.slice(i + 1);
}

/** Flips bit `bitIndex` (0 = most significant bit of byte 0, the state-tree bit order) of a lower-case hex string. */
function flipBit(hex, bitIndex) {
  const i = bitIndex >> 2;
  const nibble = Number.parseInt(hex[i], 16) ^ (8 >> (bitIndex & 3));
  return hex.slice(0, i) + nibble.toString(16) + hex.slice(i + 1);
}

/** RFC 6901 pointer lookup / RFC 6902 subset (replace, remove) used by the negative vectors. */
function pointerParts(pointer) {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}
function applyPatch(document, patch) {
  const doc = structuredClone(document);
  for (const op of patch) {
    const parts = pointerParts(op.path);
    const last = parts.pop();
    let parent = doc;
    for (const p of parts) parent = parent[Array.isArray(parent) ? Number(p) : p];
    if (op.op === 'replace') {
      if (Array.isArray(parent)) parent[Number(last)] = op.value;
      else parent[last] = op.value;
    } else if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else throw new Error(`unsupported op ${op.op}`);
  }
  return doc;
}
function getPointer(document, pointer) {
  let v = document;
  for (const p of pointerParts(pointer)) v = v[Array.isArray(v) ? Number(p) : p];
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// jcs.json
// ---------------------------------------------------------------------------------------------------------------

function jcsVectors() {
  const valid = [
    {
      note: 'whitespace removed; members sorted; integers in plain decimal',
      input: ' { "b" : 2 , "a" : [ 1 , true , false , null ] , "c" : { } } ',
    },
    {
      note: 'member names sorted by UTF-16 code units (RFC 8785 §3.2.3): "\\r" < "1" < U+0080 < U+00F6 < U+20AC < U+1F600 (D83D DE00) < U+FB33',
      input:
        '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
        '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    },
    {
      note: 'string escaping: only " \\\\ and U+0000–U+001F are escaped; \\b \\t \\n \\f \\r short forms, others \\u00xx lower-case; "/" and DEL (U+007F) and non-ASCII are literal',
      input: '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\" \\\\ \\/ \\u007f \\u00e9 \\u94fe\\u653f \\ud83d\\ude00"',
    },
    { note: 'non-ASCII stays literal UTF-8 (链政 = e9 93 be e6 94 bf)', input: '{"name":"链政","en":"Lianzheng"}' },
    { note: 'integers: -0 becomes 0', input: '[-0, 0, -1, 1]' },
    {
      note: 'the integers-only profile checks the parsed IEEE-754 value: 1.0, 1e2 and 1E+2 are integers and canonicalise to 1 and 100',
      input: '[1.0, 1e2, 1E+2, 100]',
    },
    { note: 'largest safe integers', input: '[9007199254740991, -9007199254740991]' },
    { note: 'nesting of exactly 64 arrays is accepted', input: `${'['.repeat(64)}${']'.repeat(64)}` },
    { note: 'empty containers and empty string', input: '{"":[],"a":{},"b":""}' },
  ].map((v) => {
    const value = parseJsonStrict(v.input);
    const canonical = canonicalize(value);
    return { ...v, canonical, canonicalUtf8Hex: bytesToHex(utf8ToBytes(canonical)) };
  });

  const invalid = [
    { note: 'not JSON (trailing comma)', input: '[1,]', code: 'JSON_MALFORMED' },
    { note: 'not JSON (single quotes)', input: "{'a':1}", code: 'JSON_MALFORMED' },
    { note: 'duplicate member name', input: '{"a":1,"a":1}', code: 'JSON_DUPLICATE_KEY' },
    {
      note: 'duplicate member name written differently (escapes are decoded before comparing)',
      input: '{"a":1,"\\u0061":2}',
      code: 'JSON_DUPLICATE_KEY',
    },
    { note: 'duplicate in a nested object', input: '[{"x":{"k":1,"k":2}}]', code: 'JSON_DUPLICATE_KEY' },
    { note: '__proto__ member', input: '{"__proto__":{}}', code: 'JSON_FORBIDDEN_KEY' },
    { note: 'lone high surrogate in a string', input: '"\\ud800"', code: 'JSON_STRING_INVALID' },
    { note: 'lone low surrogate in a member name', input: '{"\\udc00":1}', code: 'JSON_STRING_INVALID' },
    { note: 'surrogates in the wrong order', input: '"\\ude00\\ud83d"', code: 'JSON_STRING_INVALID' },
    { note: 'fraction', input: '{"n":1.5}', code: 'JSON_NUMBER_INVALID' },
    { note: '2^53 is not a safe integer', input: '9007199254740992', code: 'JSON_NUMBER_INVALID' },
    { note: 'overflow to Infinity', input: '1e400', code: 'JSON_NUMBER_INVALID' },
    { note: '65 nested arrays', input: `${'['.repeat(65)}${']'.repeat(65)}`, code: 'JSON_TOO_DEEP' },
    {
      note: '65 nested objects',
      input: `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`,
      code: 'JSON_TOO_DEEP',
    },
  ];
  for (const v of invalid) expectCode(() => parseJsonStrict(v.input), v.code);
  return {
    description:
      'RFC 8785 canonical JSON as implemented by @lianzheng/protocol canonicalize(parseJsonStrict(input)) with the default strict options (integers only, max depth 64). docs/PROTOCOL.md §2.',
    generatedBy: 'test/vectors/generate.mjs',
    valid,
    invalid,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One chain per suite
// ---------------------------------------------------------------------------------------------------------------

/**
 * Keys beyond the first five: the organisations' CA roots and the enterprise (a citizen-side identity registered in
 * block 1). `role` is what the key is: member, node, ca or subject.
 */
const EXTRA_KEYS = [
  { id: 'market-ca', org: 'market', role: 'ca' },
  { id: 'realestate-ca', org: 'realestate', role: 'ca' },
  { id: 'police-ca', org: 'police', role: 'ca' },
  { id: 'enterprise', role: 'subject' },
];

/** Ed25519 secret keys of EXTRA_KEYS: SHA-256(UTF-8("lianzheng/vectors/ed25519/<id>")). */
const ed25519Derived = (id) =>
  bytesToHex(portableSuite('ed25519-sha256').hash(utf8ToBytes(`lianzheng/vectors/ed25519/${id}`)));

/** RFC 8032 §7.1 test secret keys (TEST 1, 2, 3, 1024, SHA(abc)), then derived ones. */
const ED25519_SECRETS = {
  'market-admin': '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  'realestate-admin': '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  'police-admin': 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
  'market-node': 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
  'realestate-node': '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
  ...Object.fromEntries(EXTRA_KEYS.map((k) => [k.id, ed25519Derived(k.id)])),
};

/** SM2: the GB/T 32918 / GM/T 0003.5 example key for market-admin, fixed derived scalars for the others. */
const SM2_SECRETS = {
  'market-admin': '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  ...Object.fromEntries(
    ['realestate-admin', 'police-admin', 'market-node', 'realestate-node', ...EXTRA_KEYS.map((k) => k.id)].map((id) => [
      id,
      bytesToHex(be32(sm2Scalar(`lianzheng/vectors/sm2/${id}`))),
    ]),
  ),
};

/** How each key's secret was made (for implementers reproducing the key list). */
function secretKeyDerivation(isSm2, id) {
  if (isSm2) {
    return id === 'market-admin'
      ? 'GB/T 32918 example key'
      : `(SM3(UTF-8("lianzheng/vectors/sm2/${id}")) mod (n − 2)) + 1`;
  }
  return EXTRA_KEYS.some((k) => k.id === id) ? `SHA-256(UTF-8("lianzheng/vectors/ed25519/${id}"))` : 'RFC 8032 §7.1';
}

/**
 * The genesis policies, roles and governance rule, written out (they equal `lianzheng init`'s defaults at the time of
 * writing) so that a change of those defaults does not change the pinned chain.
 */
const POLICIES = {
  'notary.register': 'anyone',
  'kv.put': { kind: 'member' },
  'kv.delete': { kind: 'member' },
  'identity.enrol': { kind: 'member' },
  'identity.revoke': { all: [{ role: ['secadmin', 'admin'] }, 'ownOrg'] },
  'identity.registerSubject': { role: 'registrar' },
  'identity.addSubjectKey': { any: [{ all: [{ role: 'registrar' }, 'ownOrg'] }, 'self'] },
  'identity.revokeSubjectKey': { any: [{ all: [{ role: 'registrar' }, 'ownOrg'] }, 'self'] },
  'identity.members': { all: [{ role: ['admin', 'secadmin', 'auditor'] }, 'ownOrg'] },
  'identity.expiring': { role: ['admin', 'secadmin', 'sysadmin', 'operator'] },
  'identity.subjects': { any: [{ all: [{ role: 'registrar' }, 'ownOrg'] }, 'self'] },
  'identity.state': { kind: 'member' },
  'gov.proposals': { kind: 'member' },
  'gov.propose': { role: 'admin' },
  'gov.vote': { role: 'admin' },
  'gov.withdraw': { all: [{ role: 'admin' }, 'ownOrg'] },
};
const ROLES = { exclusive: [['sysadmin', 'secadmin', 'auditor']] };
const GOVERNANCE = { need: 'MAJORITY', proposalTtlMs: 7 * DAY };

/** Roles and attributes in the genesis member certificates (market-admin also registers citizens and enterprises). */
const MEMBER_CERTS = {
  'market-admin': { roles: ['admin', 'registrar'], attrs: { dept: '登记注册处' } },
  'realestate-admin': { roles: ['admin'], attrs: {} },
  'police-admin': { roles: ['admin'], attrs: {} },
};

const ORGS = [
  { id: 'market', name: '市场监督管理局', nameEn: 'Market Regulation Bureau', node: true },
  { id: 'realestate', name: '不动产登记中心', nameEn: 'Real Estate Registration Centre', node: true },
  { id: 'police', name: '公安局', nameEn: 'Public Security Bureau', node: false },
];

async function chainVectors(suiteId) {
  const portable = portableSuite(suiteId);
  const suite = nativeSuite(suiteId); // what the node uses; checked below to agree with the portable suite
  const isSm2 = suiteId === 'sm2-sm3';
  const secrets = isSm2 ? SM2_SECRETS : ED25519_SECRETS;
  const alg = isSm2 ? 'sm3' : 'sha256';

  // --- keys ------------------------------------------------------------------------------------------------
  const keys = {};
  for (const [id, secretHex] of Object.entries(secrets)) {
    const secretKey = hexToBytes(secretHex);
    const publicKey = portable.publicKeyFromSecret(secretKey);
    const extra = EXTRA_KEYS.find((k) => k.id === id);
    const org = extra === undefined ? id.split('-')[0] : extra.org;
    keys[id] = {
      id,
      ...(org === undefined ? {} : { org }),
      role: extra?.role ?? (id.endsWith('-node') ? 'node' : 'member'),
      secretKey: secretHex,
      secretKeyDerivation: secretKeyDerivation(isSm2, id),
      publicKey: bytesToHex(publicKey),
      ...(isSm2 ? { za: bytesToHex(sm2Za(publicKey)) } : {}),
    };
  }

  /** The fixed SM2 nonce of a signature: k = (SM3("lianzheng/vectors/k/<label>") mod (n − 1)) + 1. */
  const sm2K = (label) => (toBig(sm3(utf8ToBytes(`lianzheng/vectors/k/${label}`))) % (SM2_N - 1n)) + 1n;

  /**
   * Signs a 32-byte digest. Ed25519 is deterministic; SM2 uses the fixed k of `label` so the signature is
   * reproducible. Returns the signature and, for SM2, what an implementer needs.
   */
  const signDigest = (keyId, digest, label) => {
    const secretKey = hexToBytes(keys[keyId].secretKey);
    if (!isSm2) {
      const sig = portable.sign(secretKey, digest);
      check(bytesToHex(suite.sign(secretKey, digest)) === bytesToHex(sig), 'native and portable Ed25519 agree');
      return { sig: bytesToHex(sig) };
    }
    const kLabel = `lianzheng/vectors/k/${label}`;
    const k = sm2K(label);
    const sig = sm2Sign(secretKey, digest, { k });
    const za = hexToBytes(keys[keyId].za);
    const e = sm3(new Uint8Array([...za, ...digest]));
    return {
      sig: bytesToHex(sig),
      sm2: {
        k: bytesToHex(be32(k)),
        kDerivation: `(SM3(UTF-8("${kLabel}")) mod (n − 1)) + 1`,
        za: keys[keyId].za,
        e: bytesToHex(e),
      },
    };
  };

  // --- certificates ----------------------------------------------------------------------------------------
  /**
   * The suite `issueCertificate` signs with: for SM2 the same fixed-k signing as every other vector signature (label
   * `cert/<subject key id>`), so the certificates are byte-identical on every run; Ed25519 is deterministic anyway.
   */
  const certSuite = (label) =>
    isSm2 ? { ...portable, sign: (secretKey, message) => sm2Sign(secretKey, message, { k: sm2K(label) }) } : portable;
  const certificates = [];
  const issue = (subjectId, issuerId, params) => {
    const label = `cert/${subjectId}`;
    const issuerCa = issuerId === subjectId ? undefined : certificates.find((c) => c.id === issuerId);
    const make = () =>
      issueCertificate({
        ...params,
        suite: certSuite(label),
        issuerSecretKey: hexToBytes(keys[issuerId].secretKey),
        issuer: issuerCa === undefined ? params.subject : parseCertificate(issuerCa.der),
        publicKey: hexToBytes(keys[subjectId].publicKey),
      });
    const der = make();
    check(bytesToHex(der) === bytesToHex(make()), `certificate of ${subjectId} is deterministic`);
    const cert = parseCertificate(der);
    const issuerPublicKey = hexToBytes(keys[issuerId].publicKey);
    check(portable.verify(issuerPublicKey, cert.tbs, cert.signature), `certificate of ${subjectId} verifies`);
    const base64 = Buffer.from(der).toString('base64');
    const entry = {
      id: subjectId,
      kind: params.ca === undefined ? 'member' : 'ca',
      issuer: issuerId,
      base64,
      fingerprint: certificateFingerprint(portable, der),
      serial: cert.serial,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      subject: cert.subject,
      ...(cert.member === undefined
        ? {}
        : { member: { kind: cert.member.kind, roles: [...cert.member.roles], attrs: { ...cert.member.attrs } } }),
      tbsHex: bytesToHex(cert.tbs),
      signature: bytesToHex(cert.signature),
      ...(isSm2
        ? {
            sm2: {
              k: bytesToHex(be32(sm2K(label))),
              kDerivation: `(SM3(UTF-8("lianzheng/vectors/k/${label}")) mod (n − 1)) + 1`,
              za: keys[issuerId].za,
              e: bytesToHex(sm3(new Uint8Array([...hexToBytes(keys[issuerId].za), ...cert.tbs]))),
            },
          }
        : {}),
    };
    certificates.push({ ...entry, der });
    return base64;
  };
  ORGS.forEach((o, i) => {
    const name = { country: 'CN', locality: '上海', org: o.id, commonName: `${o.name} 根 CA` };
    issue(`${o.id}-ca`, `${o.id}-ca`, {
      subject: name,
      serial: hexToBytes(`6c7a00ca${(i + 1).toString(16).padStart(2, '0')}`),
      notBefore: CA_NOT_BEFORE,
      notAfter: CA_NOT_AFTER,
      ca: { pathLen: 0 },
    });
  });
  ORGS.forEach((o, i) => {
    const id = `${o.id}-admin`;
    issue(id, `${o.id}-ca`, {
      subject: { country: 'CN', org: o.id, unit: o.name, commonName: id },
      serial: hexToBytes(`6c7a00a0${(i + 1).toString(16).padStart(2, '0')}`),
      notBefore: MEMBER_NOT_BEFORE,
      notAfter: MEMBER_NOT_AFTER,
      member: { kind: 'member', ...MEMBER_CERTS[id] },
    });
  });
  const certOf = (id) => certificates.find((c) => c.id === id);

  // --- genesis ---------------------------------------------------------------------------------------------
  const genesis = assertGenesis(
    viaJson({
      v: 2,
      chainId: isSm2 ? 'vectors-sm2' : 'vectors-ed25519',
      suite: suiteId,
      time: GENESIS_TIME,
      orgs: ORGS.map((o) => ({
        id: o.id,
        name: o.name,
        nameEn: o.nameEn,
        ca: [certOf(`${o.id}-ca`).base64],
        nodes: o.node ? [{ id: `${o.id}-node`, publicKey: keys[`${o.id}-node`].publicKey }] : [],
        weight: 1,
      })),
      roles: ROLES,
      policies: POLICIES,
      governance: GOVERNANCE,
      // Two organisations attest (a consortium ordered by etcd), so the vectors exercise the checkpoint quorum.
      ordering: { type: 'etcd', maxBlockTxs: 1000 },
      limits: { maxTxBytes: 65536, maxTxTtlMs: 86_400_000 },
      checkpoint: { quorum: { numerator: 2, denominator: 3 } },
      members: ORGS.map((o) => certOf(`${o.id}-admin`).base64),
    }),
  );
  const genesisCanonical = canonicalize(genesis);
  const genesisHashHex = bytesToHex(genesisHash(portable, genesis));
  check(bytesToHex(genesisHash(suite, genesis)) === genesisHashHex, 'genesis hash native = portable');
  const trust = consortiumFromGenesis(genesis);

  // --- storage and execution, as in the node ------------------------------------------------------------------
  const dir = mkdtempSync(path.join(tmpdir(), 'lianzheng-vectors-'));
  const store = ChainStore.open({ path: dir, mapSize: 64 * 1024 * 1024 });
  try {
    const tree = new StateTree(defaultStateTreeOptions, { hash: suite, pages: { getPage: (k) => store.page(k) } });

    const attest = (block, label) =>
      ORGS.filter((o) => o.node).map((o) => {
        const nodeId = `${o.id}-node`;
        const body = attestationBody(block.header, block.hash);
        const digest = attestationDigest(portable, body);
        const signed = signDigest(nodeId, digest, `${label}/${nodeId}`);
        return {
          attestation: { node: nodeId, org: o.id, publicKey: keys[nodeId].publicKey, sig: signed.sig },
          detail: {
            node: nodeId,
            body,
            bodyCanonical: canonicalize(body),
            digest: bytesToHex(digest),
            ...(signed.sm2 === undefined ? {} : { sm2: signed.sm2 }),
          },
        };
      });

    const block0 = executeGenesis({ suite, tree }, genesis, EMPTY_SLOT);
    const att0 = attest(block0, 'block0');
    await store.writeBlock(
      block0,
      att0.map((a) => a.attestation),
      genesis,
    );

    // --- transactions ------------------------------------------------------------------------------------------
    const fileBytes = utf8ToBytes(FILE_TEXT);
    const fileDigest = bytesToHex(portable.hash(fileBytes)); // alg matches the suite's hash here
    const txSpecs = [
      {
        label: 'tx0',
        note: 'market-admin registers a document with the notary (receipt ok)',
        signer: 'market-admin',
        nonce: '6c7a000000000000000000000000a001',
        contract: 'notary',
        method: 'register',
        args: { alg, hash: fileDigest, title: '营业执照 2026-001' },
      },
      {
        label: 'tx1',
        note: 'realestate-admin writes a kv value (receipt ok, no result)',
        signer: 'realestate-admin',
        nonce: '6c7a000000000000000000000000a00200000000000000000000000000000000',
        contract: 'kv',
        method: 'put',
        args: { key: 'parcel/310115-0042', value: { zh: '链政', n: 42, list: [true, null], A: 'x' } },
      },
      {
        label: 'tx2',
        note: 'police-admin registers the same document again (receipt failed: NOTARY_ALREADY_REGISTERED)',
        signer: 'police-admin',
        nonce: '6c7a000000000000000000000000a003',
        contract: 'notary',
        method: 'register',
        args: { alg, hash: fileDigest },
      },
      {
        label: 'tx3',
        note: 'market-admin (role registrar) registers an enterprise; the enterprise key co-signs (receipt ok)',
        signer: 'market-admin',
        cosigners: ['enterprise'],
        nonce: '6c7a000000000000000000000000a005',
        contract: 'identity',
        method: 'registerSubject',
        args: { publicKey: keys.enterprise.publicKey, kind: 'enterprise' },
      },
      {
        label: 'tx4',
        note: 'the same registration retried with a new nonce, co-signed again (receipt failed: IDENTITY_KEY_TAKEN)',
        signer: 'market-admin',
        cosigners: ['enterprise'],
        nonce: '6c7a000000000000000000000000a006',
        contract: 'identity',
        method: 'registerSubject',
        args: { publicKey: keys.enterprise.publicKey, kind: 'enterprise' },
      },
      {
        label: 'txExpired',
        note: 'expires before the block time: dropped (TX_EXPIRED), not in the block',
        signer: 'market-admin',
        nonce: '6c7a000000000000000000000000a004',
        contract: 'kv',
        method: 'put',
        args: { key: 'late', value: 1 },
        expiresAt: BLOCK1_TIME - 1,
      },
    ];
    const transactions = txSpecs.map((s) => {
      const tx = {
        v: 1,
        chainId: genesis.chainId,
        nonce: s.nonce,
        expiresAt: s.expiresAt ?? EXPIRES_AT,
        signer: keys[s.signer].publicKey,
        contract: s.contract,
        method: s.method,
        args: s.args,
      };
      const canonical = transactionCanonical(tx);
      const id = transactionId(portable, tx);
      check(bytesToHex(transactionId(suite, tx)) === bytesToHex(id), 'tx id native = portable');
      const signed = signDigest(s.signer, id, s.label);
      const sig = hexToBytes(signed.sig);
      check(portable.verify(hexToBytes(tx.signer), id, sig), 'tx signature verifies (portable)');
      check(suite.verify(hexToBytes(tx.signer), id, sig), 'tx signature verifies (native)');
      // Co-signatures: each co-signer signs the same id; the list is sorted by signer (one here).
      const cosigners = (s.cosigners ?? [])
        .map((keyId) => {
          const c = signDigest(keyId, id, `${s.label}/cosig/${keyId}`);
          check(portable.verify(hexToBytes(keys[keyId].publicKey), id, hexToBytes(c.sig)), 'cosig verifies');
          return { keyId, signer: keys[keyId].publicKey, sig: c.sig, ...(c.sm2 === undefined ? {} : { sm2: c.sm2 }) };
        })
        .sort((a, b) => (a.signer < b.signer ? -1 : 1));
      const cosigs = cosigners.map((c) => ({ signer: c.signer, sig: c.sig }));
      const cosigsDigest = cosigs.length === 0 ? undefined : cosignaturesDigest(portable, cosigs);
      if (cosigsDigest !== undefined) {
        check(bytesToHex(cosignaturesDigest(suite, cosigs)) === bytesToHex(cosigsDigest), 'cosigs digest native');
      }
      const leafData = transactionLeafData(id, sig, cosigsDigest);
      const leafHash = transactionLeafHash(portable, id, sig, cosigsDigest);
      check(bytesToHex(portable.merkleLeaf(leafData)) === bytesToHex(leafHash), 'tx leaf = RFC 9162 leaf of data');
      return {
        spec: s,
        candidate: {
          id,
          idHex: bytesToHex(id),
          sig,
          tx,
          canonical,
          ...(cosigsDigest === undefined ? {} : { cosigs, cosigsDigest }),
        },
        vector: {
          label: s.label,
          note: s.note,
          signer: s.signer,
          signed: { tx, sig: signed.sig, ...(cosigs.length === 0 ? {} : { cosigs }) },
          canonical,
          canonicalUtf8Bytes: utf8ToBytes(canonical).length,
          id: bytesToHex(id),
          ...(signed.sm2 === undefined ? {} : { sm2: signed.sm2 }),
          ...(cosigsDigest === undefined
            ? {}
            : {
                cosigners: cosigners.map((c) => ({
                  signer: c.keyId,
                  ...(c.sm2 === undefined ? {} : { sm2: c.sm2 }),
                })),
                cosigsCanonical: canonicalize(cosigs),
                cosigsDigest: bytesToHex(cosigsDigest),
              }),
          leafData: bytesToHex(leafData),
          leafHash: bytesToHex(leafHash),
        },
      };
    });
    const byLabel = Object.fromEntries(transactions.map((t) => [t.spec.label, t]));

    // --- block 1 ---------------------------------------------------------------------------------------------
    const executor = new BlockExecutor(defaultBlockExecutorOptions, {
      suite,
      tree,
      values: { getValue: (h, kp) => store.value(h, kp) },
      txIndex: { has: (idHex) => store.hasTx(idHex) },
      genesis,
    });
    const proposalOrder = ['tx0', 'tx1', 'tx0', 'txExpired', 'tx2', 'tx3', 'tx4'];
    const block1 = executor.execute(
      { header: block0.header, hashHex: block0.hashHex, root: block0.root },
      { height: 1, time: BLOCK1_TIME, txs: proposalOrder.map((l) => byLabel[l].candidate) },
    );
    check(block1.txs.length === 5, 'block 1 holds 5 transactions');
    check(
      block1.receipts.map((r) => r.code ?? r.status).join() === 'ok,ok,NOTARY_ALREADY_REGISTERED,ok,IDENTITY_KEY_TAKEN',
      `block 1 receipts: ${block1.receipts.map((r) => `${r.status} ${r.code ?? ''} ${r.message ?? ''}`).join('; ')}`,
    );
    const subject = subjectIdFromTx(portable, byLabel.tx3.candidate.id);
    check(block1.receipts[3].result?.subject === subject, 'subject id = TH("lianzheng/subject", tx id)[0..16]');
    check(
      block1.receipts[3].result?.did === didKeyFromPublicKey(suiteId, hexToBytes(keys.enterprise.publicKey)),
      'did:key of the enterprise key',
    );
    const att1 = attest(block1, 'block1');
    await store.writeBlock(
      block1,
      att1.map((a) => a.attestation),
    );

    // --- what the API serves -------------------------------------------------------------------------------------
    const queries = new ChainQueries({
      store,
      suite,
      genesis,
      tree,
      durableHeight: () => 1,
      certifiedHeight: () => 1,
      isPending: () => false,
      dropped: () => undefined,
    });
    const info = viaJson(queries.info());
    check(info.genesisHash === genesisHashHex, 'GET /v1/chain genesisHash');
    const checkpoint0 = viaJson(queries.checkpoint(0));
    const checkpoint1 = viaJson(queries.checkpoint(1));
    const blockView = viaJson(queries.block(1, true));
    const txProofs = block1.txs.map((t) => ({ id: t.idHex, proof: viaJson(queries.txProof(t.idHex)) }));

    // Everything verifies with the portable (browser) code.
    verifyCheckpoint(portable, trust, checkpoint0);
    verifyCheckpoint(portable, trust, checkpoint1);
    for (const p of txProofs) verifyTxProof(portable, trust, assertTxProof(p.proof, portable));

    // Receipts and Merkle details of block 1.
    const receiptHashes = block1.receiptCanonicals.map((c) => portable.taggedText('lianzheng/receipt', c));
    const txLeafHashes = block1.txs.map((t) => transactionLeafHash(portable, t.id, t.sig, t.cosigsDigest));
    const receiptLeafHashes = receiptHashes.map((h) => merkleLeafHash(portable, h));
    // Five leaves: MTH = node(node(node(0,1), node(2,3)), leaf 4); the last leaf is carried up two levels.
    const merkleDetail = (leaves) => {
      const n01 = portable.merkleNode(leaves[0], leaves[1]);
      const n23 = portable.merkleNode(leaves[2], leaves[3]);
      const n0123 = portable.merkleNode(n01, n23);
      return {
        leafHashes: leaves.map(bytesToHex),
        node01: bytesToHex(n01),
        node23: bytesToHex(n23),
        node0123: bytesToHex(n0123),
        root: bytesToHex(portable.merkleNode(n0123, leaves[4])),
      };
    };
    const txTree = merkleDetail(txLeafHashes);
    const receiptTree = merkleDetail(receiptLeafHashes);
    check(txTree.root === block1.header.txRoot, 'txRoot by hand');
    check(receiptTree.root === block1.header.receiptRoot, 'receiptRoot by hand');

    // --- state ---------------------------------------------------------------------------------------------------
    const stateEntries = [];
    const keyPathOf = (contract, key) => stateKeyPath(portable, contract, key);
    const stateEntry = (contract, key, text) => {
      const keyPath = keyPathOf(contract, key);
      const valueHash = stateValueHashText(portable, text);
      return {
        contract,
        key,
        keyPathInput: canonicalize([contract, key]),
        keyPath: bytesToHex(keyPath),
        valueCanonical: text,
        valueHash: bytesToHex(valueHash),
        leafHash: bytesToHex(stateLeafHash(portable, keyPath, valueHash)),
      };
    };
    const byKeyPath = (a, b) => (a.keyPath < b.keyPath ? -1 : 1);
    // Block 0 writes, rebuilt by hand: gov/config = { version 1, height 0, config = the genesis without v, time and
    // members }, then per genesis member identity/key/<public key> (its key record) and identity/cert/<fingerprint>
    // (the base64 certificate, as a JSON string).
    const { v: _v, time: _time, members: _members, ...genesisConfig } = genesis;
    const configRecord = { version: 1, height: 0, config: genesisConfig };
    const expectedGenesisWrites = [
      { contract: 'gov', key: 'config', value: canonicalize(configRecord) },
      ...ORGS.flatMap((o) => {
        const c = certOf(`${o.id}-admin`);
        const record = {
          kind: 'member',
          org: o.id,
          member: c.subject.commonName,
          roles: c.member.roles,
          attrs: c.member.attrs,
          cert: c.fingerprint,
          ca: certOf(`${o.id}-ca`).fingerprint,
          serial: c.serial,
          notBefore: c.notBefore,
          notAfter: c.notAfter,
          height: 0,
        };
        return [
          { contract: 'identity', key: `key/${keys[`${o.id}-admin`].publicKey}`, value: canonicalize(record) },
          { contract: 'identity', key: `cert/${c.fingerprint}`, value: canonicalize(c.base64) },
        ];
      }),
    ];
    check(canonicalize(block0.writes) === canonicalize(expectedGenesisWrites), 'block 0 writes by hand');
    const genesisState = block0.writes.map((w) => stateEntry(w.contract, w.key, w.value)).sort(byKeyPath);
    const state = new Map(genesisState.map((e) => [`${e.contract}\u0000${e.key}`, e]));
    for (const w of block1.writes) {
      const k = `${w.contract}\u0000${w.key}`;
      if (w.value === null) state.delete(k);
      else state.set(k, stateEntry(w.contract, w.key, w.value));
    }
    stateEntries.push(...state.values());
    stateEntries.sort(byKeyPath);
    // Independent recursive computation of the root from the (key path, value hash) set.
    const referenceRoot = (leaves, depth) => {
      if (leaves.length === 0) return ZERO_HASH;
      if (leaves.length === 1) return hexToBytes(leaves[0].leafHash);
      const left = leaves.filter((l) => pathBit(hexToBytes(l.keyPath), depth) === 0);
      const right = leaves.filter((l) => pathBit(hexToBytes(l.keyPath), depth) === 1);
      return stateNodeHash(portable, referenceRoot(left, depth + 1), referenceRoot(right, depth + 1));
    };
    check(bytesToHex(referenceRoot(stateEntries, 0)) === block1.header.stateRoot, 'state root by recursion');
    check(bytesToHex(referenceRoot(genesisState, 0)) === block0.header.stateRoot, 'genesis state root by recursion');

    const notaryKey = `${alg}:${fileDigest}`;
    const kvKey = 'realestate/parcel/310115-0042';
    const stateProofVector = (kind, note, contract, key, height) => {
      const view = viaJson(queries.state(contract, key, { height, proof: true }));
      const cp = verifyCheckpoint(portable, trust, view.checkpoint);
      verifyStateProof(
        portable,
        hexToBytes(cp.header.stateRoot),
        contract,
        key,
        view.value,
        stateProofFromJson(view.proof),
      );
      return {
        kind,
        note,
        contract,
        key,
        height,
        keyPathInput: canonicalize([contract, key]),
        keyPath: bytesToHex(keyPathOf(contract, key)),
        value: view.value,
        ...(view.value === null ? {} : { valueCanonical: canonicalize(view.value) }),
        stateRoot: cp.header.stateRoot,
        response: view,
      };
    };
    const stateProofs = [
      stateProofVector('membership', 'the consortium configuration record written by block 0', 'gov', 'config', 0),
      stateProofVector('membership', 'the notary record written by tx0', 'notary', notaryKey, 1),
      stateProofVector('membership', 'the kv value written by tx1', 'kv', kvKey, 1),
    ];
    // Absent keys: find one whose proof ends in an empty subtree and one that ends in another key's leaf.
    const found = {};
    for (let i = 0; found.empty === undefined || found.leaf === undefined; i++) {
      const key = `market/absent-${i}`;
      const view = queries.state('kv', key, { height: 1, proof: true });
      const kind = view.proof.leaf === null ? 'empty' : 'leaf';
      if (found[kind] === undefined) found[kind] = key;
    }
    stateProofs.push(
      stateProofVector(
        'non-membership',
        'absent key whose path ends in an empty subtree (leaf null)',
        'kv',
        found.empty,
        1,
      ),
      stateProofVector('non-membership', "absent key whose path ends in another key's leaf", 'kv', found.leaf, 1),
      stateProofVector(
        'membership',
        'the key record of the enterprise key registered by tx3',
        'identity',
        `key/${keys.enterprise.publicKey}`,
        1,
      ),
      stateProofVector('membership', 'the subject record written by tx3', 'identity', `subject/${subject}`, 1),
    );

    // --- certificate ---------------------------------------------------------------------------------------------
    const certificate = viaJson(queries.notaryCertificate(alg, fileDigest));
    const verifiedCertificate = verifyNotaryCertificate(
      portable,
      trust,
      assertNotaryCertificate(certificate, portable),
      hexToBytes(fileDigest),
    );

    // --- negative vectors ----------------------------------------------------------------------------------------
    const proof0 = txProofs[0].proof;
    const negatives = [];
    const neg = (target, name, base, patch, code, reason, extra = {}) => {
      const mutated = applyPatch(base, patch);
      negatives.push({ name, target, patch, expect: { code, ...(reason === undefined ? {} : { reason }) }, ...extra });
      return mutated;
    };
    const flipAt = (base, pointer, byteIndex = 0) => ({
      op: 'replace',
      path: pointer,
      value: flipHex(getPointer(base, pointer), byteIndex),
    });
    // tx proof (target txProofs[0].proof)
    const txProofCases = [
      ['flip a byte of the transaction signature', [flipAt(proof0, '/tx/sig', 5)], 'TX_SIGNATURE_INVALID'],
      [
        'flip a byte of the transaction nonce (the id changes)',
        [flipAt(proof0, '/tx/tx/nonce', 3)],
        'TX_SIGNATURE_INVALID',
      ],
      [
        'another chain id in the transaction',
        [{ op: 'replace', path: '/tx/tx/chainId', value: 'other-chain' }],
        'TX_CHAIN_ID_MISMATCH',
      ],
      [
        'flip a byte of header.stateRoot',
        [flipAt(proof0, '/checkpoint/header/stateRoot', 0)],
        'CHECKPOINT_INVALID',
        'block-hash',
      ],
      [
        'flip a byte of checkpoint.blockHash',
        [flipAt(proof0, '/checkpoint/blockHash', 31)],
        'CHECKPOINT_INVALID',
        'block-hash',
      ],
      [
        'flip a byte of an attestation signature',
        [flipAt(proof0, '/checkpoint/attestations/0/sig', 10)],
        'CHECKPOINT_INVALID',
        'signature',
      ],
      [
        'flip a byte of an attestation public key (no longer a known node)',
        [flipAt(proof0, '/checkpoint/attestations/1/publicKey', 31)],
        'CHECKPOINT_INVALID',
        'attestor',
      ],
      [
        'attestation names the wrong organisation',
        [{ op: 'replace', path: '/checkpoint/attestations/0/org', value: 'police' }],
        'CHECKPOINT_INVALID',
        'attestor',
      ],
      [
        'the same attestation twice',
        [{ op: 'replace', path: '/checkpoint/attestations/1', value: proof0.checkpoint.attestations[0] }],
        'CHECKPOINT_INVALID',
        'duplicate',
      ],
      [
        'only one of the two organisations with nodes attested (1·3 ≤ 2·2)',
        [{ op: 'remove', path: '/checkpoint/attestations/1' }],
        'CHECKPOINT_QUORUM_NOT_MET',
      ],
      [
        'proof.height differs from the header',
        [{ op: 'replace', path: '/height', value: 0 }],
        'PROOF_INVALID',
        'height',
      ],
      ['flip a byte of txPath[0]', [flipAt(proof0, '/txPath/0', 0)], 'PROOF_INVALID', 'root'],
      ['txPath one hash short', [{ op: 'remove', path: '/txPath/1' }], 'PROOF_INVALID', 'path-length'],
      ['index outside the tree', [{ op: 'replace', path: '/index', value: 5 }], 'PROOF_INVALID', 'index'],
      ['flip a byte of receipt.tx', [flipAt(proof0, '/receipt/tx', 0)], 'PROOF_INVALID', 'receipt-tx'],
      [
        'receipt altered (status)',
        [{ op: 'replace', path: '/receipt/status', value: 'failed' }],
        'PROOF_INVALID',
        'root',
      ],
      ['flip a byte of receiptPath[1]', [flipAt(proof0, '/receiptPath/1', 7)], 'PROOF_INVALID', 'root'],
    ];
    for (const [name, patch, code, reason] of txProofCases) {
      const mutated = neg('txProofs[0].proof', name, proof0, patch, code, reason);
      expectCode(() => verifyTxProof(portable, trust, assertTxProof(mutated, portable)), code, reason);
    }
    // co-signed tx proof (target txProofs[3].proof)
    const proof3 = txProofs[3].proof;
    const cosig3 = proof3.tx.cosigs[0];
    const cosigProofCases = [
      ['flip a byte of the co-signature', [flipAt(proof3, '/tx/cosigs/0/sig', 9)], 'COSIG_INVALID'],
      ['flip a byte of the co-signer key', [flipAt(proof3, '/tx/cosigs/0/signer', 20)], 'COSIG_INVALID'],
      [
        'drop the co-signatures (the transaction leaf no longer matches txRoot)',
        [{ op: 'remove', path: '/tx/cosigs' }],
        'PROOF_INVALID',
        'root',
      ],
      ['an empty co-signature list', [{ op: 'replace', path: '/tx/cosigs', value: [] }], 'COSIG_INVALID'],
      [
        'the primary signer as co-signer',
        [{ op: 'replace', path: '/tx/cosigs/0', value: { signer: proof3.tx.tx.signer, sig: proof3.tx.sig } }],
        'COSIG_INVALID',
      ],
      [
        "the enterprise's co-signature of tx4 (same key, another transaction id)",
        [{ op: 'replace', path: '/tx/cosigs/0/sig', value: txProofs[4].proof.tx.cosigs[0].sig }],
        'COSIG_INVALID',
      ],
      [
        'the same co-signature twice',
        [{ op: 'replace', path: '/tx/cosigs', value: [cosig3, cosig3] }],
        'COSIG_INVALID',
      ],
    ];
    for (const [name, patch, code, reason] of cosigProofCases) {
      const mutated = neg('txProofs[3].proof', name, proof3, patch, code, reason);
      expectCode(() => verifyTxProof(portable, trust, assertTxProof(mutated, portable)), code, reason);
    }
    // state proofs
    const sp = (i) => stateProofs[i].response;
    const stateCases = [
      [2, 'flip a byte of a sibling', [flipAt(sp(2), '/proof/siblings/0', 0)], 'PROOF_INVALID', 'root'],
      [2, 'another value for the key', [{ op: 'replace', path: '/value/n', value: 43 }], 'PROOF_INVALID', 'value'],
      [2, 'claim the key is absent', [{ op: 'replace', path: '/value', value: null }], 'PROOF_INVALID', 'membership'],
      [2, 'flip a byte of leaf.valueHash', [flipAt(sp(2), '/proof/leaf/valueHash', 0)], 'PROOF_INVALID', 'value'],
      [
        3,
        'claim a value for an absent key',
        [{ op: 'replace', path: '/value', value: 1 }],
        'PROOF_INVALID',
        'non-membership',
      ],
      [
        3,
        'drop the last sibling',
        [{ op: 'remove', path: `/proof/siblings/${sp(3).proof.siblings.length - 1}` }],
        'PROOF_INVALID',
        'root',
      ],
      [
        4,
        "flip a bit of the other key's path that lies on the shared prefix",
        [{ op: 'replace', path: '/proof/leaf/keyPath', value: flipBit(sp(4).proof.leaf.keyPath, 0) }],
        'PROOF_INVALID',
        'leaf-path',
      ],
    ];
    for (const [i, name, patch, code, reason] of stateCases) {
      const mutated = neg(`stateProofs[${i}].response`, name, sp(i), patch, code, reason);
      expectCode(
        () =>
          verifyStateProof(
            portable,
            hexToBytes(stateProofs[i].stateRoot),
            mutated.contract,
            mutated.key,
            mutated.value,
            stateProofFromJson(mutated.proof),
          ),
        code,
        reason,
      );
    }
    // certificate
    const certCases = [
      ['flip a byte of document.hash', [flipAt(certificate, '/document/hash', 0)], 'CERTIFICATE_INVALID', 'document'],
      [
        'another chain id',
        [{ op: 'replace', path: '/chainId', value: 'other-chain' }],
        'CERTIFICATE_INVALID',
        'chain-id',
      ],
      [
        'flip a byte of the registration signature',
        [flipAt(certificate, '/proof/tx/sig', 0)],
        'CERTIFICATE_INVALID',
        'proof',
      ],
      [
        'the proof is for the failed re-registration (tx2)',
        [{ op: 'replace', path: '/proof', value: txProofs[2].proof }],
        'CERTIFICATE_INVALID',
        'receipt',
      ],
      [
        'the proof is for a transaction that is not notary.register (tx1)',
        [{ op: 'replace', path: '/proof', value: txProofs[1].proof }],
        'CERTIFICATE_INVALID',
        'tx',
      ],
    ];
    for (const [name, patch, code, reason] of certCases) {
      const mutated = neg('notaryCertificate.certificate', name, certificate, patch, code, reason);
      expectCode(
        () => verifyNotaryCertificate(portable, trust, assertNotaryCertificate(mutated, portable)),
        code,
        reason,
      );
    }
    const otherFile = utf8ToBytes(FILE_TEXT.replace('vector', 'Vector'));
    negatives.push({
      name: 'a different file (one letter changed)',
      target: 'notaryCertificate.certificate',
      patch: [],
      fileUtf8: FILE_TEXT.replace('vector', 'Vector'),
      fileDigest: bytesToHex(portable.hash(otherFile)),
      expect: { code: 'DOCUMENT_MISMATCH' },
    });
    expectCode(
      () =>
        verifyNotaryCertificate(
          portable,
          trust,
          assertNotaryCertificate(certificate, portable),
          portable.hash(otherFile),
        ),
      'DOCUMENT_MISMATCH',
    );

    // --- quorum arithmetic ---------------------------------------------------------------------------------------
    const quorumCases = [
      [1, 2, 3, 1],
      [2, 2, 3, 1],
      [2, 2, 3, 2],
      [3, 2, 3, 2],
      [3, 2, 3, 3],
      [2, 1, 2, 1],
      [2, 1, 2, 2],
      [4, 2, 3, 2],
      [4, 2, 3, 3],
    ].map(([orgsWithNodes, numerator, denominator, attestingOrgs]) => ({
      orgsWithNodes,
      numerator,
      denominator,
      attestingOrgs,
      certified: attestingOrgs * denominator > numerator * orgsWithNodes,
    }));

    // --- tagged hash primitives ----------------------------------------------------------------------------------
    const abc = utf8ToBytes('abc');
    const tags = Object.values(HashTag);
    const primitives = {
      hashOfEmpty: bytesToHex(portable.hash(new Uint8Array(0))),
      hashOfAbc: bytesToHex(portable.hash(abc)),
      taggedHashOfAbc: tags.map((tag) => ({
        tag,
        input: bytesToHex(new Uint8Array([...utf8ToBytes(tag), 0, ...abc])),
        hash: bytesToHex(portable.tagged(tag, abc)),
      })),
      merkleLeafOfEmpty: bytesToHex(portable.merkleLeaf(new Uint8Array(0))),
      ...(isSm2
        ? {
            sm2DefaultUserId: bytesToHex(SM2_DEFAULT_USER_ID),
            sm2StandardExample: {
              note: 'GB/T 32918 example on the recommended curve: d, P_A, Z_A for the default id; market-admin uses this key',
              secretKey: SM2_SECRETS['market-admin'],
              publicKey: bytesToHex(sm2PublicKeyFromSecret(hexToBytes(SM2_SECRETS['market-admin']))),
              za: bytesToHex(sm2Za(sm2PublicKeyFromSecret(hexToBytes(SM2_SECRETS['market-admin'])))),
            },
          }
        : {}),
    };

    const headerCanonical1 = canonicalize(block1.header);
    const headerCanonical0 = canonicalize(block0.header);
    return {
      description: `Pinned vectors for the ${suiteId} suite: one chain (a genesis version 2 with CA roots and member certificates, one block of five transactions, two of them co-signed), the proofs and the certificate the node serves for it, and negative cases. docs/PROTOCOL.md.`,
      generatedBy: 'test/vectors/generate.mjs',
      suite: suiteId,
      hash: portable.hashName,
      primitives,
      keys: Object.values(keys),
      certificates: certificates.map(({ der: _der, ...c }) => c),
      genesis: {
        document: genesis,
        canonical: genesisCanonical,
        hash: genesisHashHex,
        chainInfo: info,
        configRecord,
        block: {
          header: block0.header,
          headerCanonical: headerCanonical0,
          hash: block0.hashHex,
          writes: block0.writes,
          state: genesisState,
        },
        checkpoint: checkpoint0,
        attestations: att0.map((a) => a.detail),
      },
      transactions: transactions.map((t) => t.vector),
      block: {
        proposal: { height: 1, time: BLOCK1_TIME, txs: proposalOrder },
        subject,
        dropped: block1.dropped.map((d) => ({
          id: d.tx.idHex,
          label: d.tx === byLabel.txExpired.candidate ? 'txExpired' : 'tx0',
          code: d.code,
        })),
        header: block1.header,
        headerCanonical: headerCanonical1,
        hash: block1.hashHex,
        txIds: block1.txs.map((t) => t.idHex),
        receipts: block1.receipts,
        receiptCanonicals: block1.receiptCanonicals,
        receiptHashes: receiptHashes.map(bytesToHex),
        txTree,
        receiptTree,
        writes: block1.writes,
        state: stateEntries,
        apiView: blockView,
      },
      checkpoint: checkpoint1,
      attestations: att1.map((a) => a.detail),
      quorumCases,
      txProofs,
      stateProofs,
      notaryCertificate: {
        fileUtf8: FILE_TEXT,
        fileHex: bytesToHex(fileBytes),
        alg,
        fileDigest,
        certificate,
        verified: verifiedCertificate,
      },
      negative: negatives,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

const write = (name, value) => writeFileSync(path.join(here, name), `${JSON.stringify(value, null, 2)}\n`);

write('jcs.json', jcsVectors());
write('ed25519-sha256.json', await chainVectors('ed25519-sha256'));
write('sm2-sm3.json', await chainVectors('sm2-sm3'));
process.stdout.write('wrote jcs.json, ed25519-sha256.json, sm2-sm3.json\n');

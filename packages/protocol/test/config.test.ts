import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../src/bytes.js';
import {
  assertConsortiumConfig,
  CONFIG_FIELDS,
  type ConsortiumConfig,
  ConsortiumView,
  checkCaRoot,
  defaultConfigParameters,
  defaultPolicies,
  isContractName,
  isMethodName,
  policyFor,
  policyOrgs,
  reachabilityProblems,
} from '../src/config.js';
import { defaultCredentialsConfig } from '../src/credential.js';
import { isLianzhengError, type LianzhengError } from '../src/errors.js';
import type { Policy } from '../src/policy.js';
import { defaultPrivacyConfig } from '../src/privacy.js';
import { type CryptoSuite, ed25519Sha256Portable, SuiteId, sm2Sm3Portable } from '../src/suite.js';
import { type DistinguishedName, issueCertificate, type KeyUsage, parseCertificate } from '../src/x509.js';

const SEED = 0xc0f;

function thrown(f: () => unknown): LianzhengError {
  try {
    f();
  } catch (e) {
    if (isLianzhengError(e)) return e;
    throw new Error(`expected a LianzhengError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an error, but the call returned');
}

const T0 = Date.UTC(2025, 0, 1);
const T1 = Date.UTC(2035, 0, 1);
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
const secret = (n: number) => new Uint8Array(32).fill(n);

interface RootOptions {
  subject?: DistinguishedName;
  issuer?: DistinguishedName;
  ca?: boolean;
  keyUsage?: KeyUsage[];
  signer?: number;
  serial?: number;
}

/** A CA root certificate (DER) for `org`, self-signed by the key derived from `seed` unless told otherwise. */
function rootDer(suite: CryptoSuite, org: string, seed: number, o: RootOptions = {}): Uint8Array {
  const subject = o.subject ?? { country: 'CN', org, commonName: `${org} root ${seed}` };
  return issueCertificate({
    suite,
    issuerSecretKey: secret(o.signer ?? seed),
    issuer: o.issuer ?? subject,
    subject,
    publicKey: suite.publicKeyFromSecret(secret(seed)),
    serial: Uint8Array.of(o.serial ?? seed),
    notBefore: T0,
    notAfter: T1,
    ...(o.ca === false ? {} : { ca: {} }),
    ...(o.keyUsage === undefined ? {} : { keyUsage: o.keyUsage }),
  });
}

const root = (org: string, seed: number, o?: RootOptions) => b64(rootDer(ed25519Sha256Portable, org, seed, o));
const nodeKey = (seed: number, suite: CryptoSuite = ed25519Sha256Portable) =>
  bytesToHex(suite.publicKeyFromSecret(secret(seed)));

const ROOTS = { market: root('market', 1), tax: root('tax', 2), police: root('police', 3) };

/** A valid three-organisation, one-node configuration (solo ordering). */
function validConfig(): ConsortiumConfig {
  return {
    chainId: 'lianzheng-test',
    suite: SuiteId.ed25519Sha256,
    orgs: [
      {
        id: 'market',
        name: '市场监督管理局',
        nameEn: 'Market Regulation',
        ca: [ROOTS.market],
        nodes: [{ id: 'market-node', publicKey: nodeKey(101) }],
        weight: 2,
      },
      { id: 'tax', name: '税务局', ca: [ROOTS.tax], nodes: [], weight: 1 },
      { id: 'police', name: '公安局', ca: [ROOTS.police], nodes: [], weight: 1 },
    ],
    roles: { exclusive: [['sysadmin', 'secadmin', 'auditor']] },
    policies: {
      ...defaultPolicies,
      'kv.*': { kind: 'member' },
      'notary.stamp': { quorum: { need: 'ANY', of: ['tax'] } },
    },
    governance: { need: 'MAJORITY', proposalTtlMs: 7 * 24 * 3_600_000 },
    ordering: { type: 'solo', maxBlockTxs: 1000 },
    limits: { maxTxBytes: 65_536, maxTxTtlMs: 86_400_000 },
    checkpoint: { quorum: { numerator: 2, denominator: 3 } },
  };
}

// Mutable JSON view of a configuration for the tests that break it.
// biome-ignore lint/suspicious/noExplicitAny: the tests below write arbitrary values into arbitrary places.
type Json = any;

function changed(f: (c: Json) => void): Json {
  const c = structuredClone(validConfig()) as Json;
  f(c);
  return c;
}

/** An etcd configuration with nodes in two organisations. */
function etcdConfig(): Json {
  return changed((c) => {
    c.ordering.type = 'etcd';
    c.orgs[1].nodes = [{ id: 'tax-node', publicKey: nodeKey(102) }];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// assertConsortiumConfig
// ---------------------------------------------------------------------------------------------------------------

describe('assertConsortiumConfig accepts valid configurations', () => {
  it('the three-organisation solo configuration', () => {
    const c = validConfig();
    expect(assertConsortiumConfig(c)).toBe(c);
    expect(assertConsortiumConfig(c, SuiteId.ed25519Sha256)).toBe(c);
    expect(Object.keys(c).sort()).toEqual(CONFIG_FIELDS.filter((f) => f !== 'privacy' && f !== 'credentials').sort());
  });

  it('an optional privacy section: the default catalogue, and malformed ones refused by field', () => {
    const c = { ...validConfig(), privacy: defaultPrivacyConfig };
    expect(assertConsortiumConfig(c)).toBe(c);
    const bad = (privacy: unknown, field: string) =>
      expect(() => assertConsortiumConfig({ ...validConfig(), privacy })).toThrow(
        expect.objectContaining({ code: 'CONSORTIUM_CONFIG_INVALID', details: { field } }),
      );
    const d = defaultPrivacyConfig;
    bad({ ...d, kAnonymity: 1 }, 'privacy.kAnonymity');
    bad({ ...d, extra: 1 }, 'privacy.extra');
    bad({ ...d, categories: [] }, 'privacy.categories');
    bad({ ...d, purposes: [{ ...d.purposes[0], categories: ['dna'] }] }, 'privacy.purposes[0].categories');
    bad({ ...d, purposes: [{ ...d.purposes[0], id: 'self-access' }] }, 'privacy.purposes[0].id');
    bad({ ...d, purposes: [d.purposes[0], d.purposes[0]] }, 'privacy.purposes[1].id');
    bad({ ...d, purposes: [{ ...d.purposes[0], legalBasis: { zh: '法' } }] }, 'privacy.purposes[0].legalBasis.en');
    bad({ ...d, purposes: [{ ...d.purposes[0], roles: ['Bad Role'] }] }, 'privacy.purposes[0].roles');
  });

  it('an optional credentials section: which organisation issues which licence type', () => {
    const orgs = validConfig().orgs.map((o: { id: string }) => o.id);
    const types = [
      {
        id: 'business-licence',
        title: { zh: '营业执照', en: 'Business licence' },
        issuers: [orgs[0]],
        validityDays: 3650,
      },
    ];
    const c = { ...validConfig(), credentials: { types } };
    expect(assertConsortiumConfig(c)).toBe(c);
    const bad = (credentials: unknown, field: string) =>
      expect(() => assertConsortiumConfig({ ...validConfig(), credentials })).toThrow(
        expect.objectContaining({ code: 'CONSORTIUM_CONFIG_INVALID', details: { field } }),
      );
    const x = types[0];
    bad({ types: [] }, 'credentials.types');
    bad({ types, extra: 1 }, 'credentials.extra');
    bad({ types: [{ ...x, issuers: ['nobody'] }] }, 'credentials.types[0].issuers');
    bad({ types: [{ ...x, issuers: [orgs[0], orgs[0]] }] }, 'credentials.types[0].issuers');
    bad({ types: [{ ...x, validityDays: 0 }] }, 'credentials.types[0].validityDays');
    bad({ types: [{ ...x, validityDays: 1.5 }] }, 'credentials.types[0].validityDays');
    bad({ types: [x, x] }, 'credentials.types[1].id');
    bad({ types: [{ ...x, id: 'Business Licence' }] }, 'credentials.types[0].id');
    bad({ types: [{ ...x, title: { zh: '证' } }] }, 'credentials.types[0].title.en');
    bad({ types: [{ ...x, colour: 'red' }] }, 'credentials.types[0].colour');
    // The default types name the demo organisations.
    expect(defaultCredentialsConfig.types.map((t) => [t.id, t.issuers])).toEqual([
      ['business-licence', ['market']],
      ['real-estate-certificate', ['realestate']],
      ['birth-certificate', ['health']],
      ['household-record', ['police']],
    ]);
  });

  it('the default parameters with the default policies', () => {
    const c = {
      ...validConfig(),
      ...defaultConfigParameters,
      policies: defaultPolicies,
    } as unknown as ConsortiumConfig;
    expect(assertConsortiumConfig(c)).toBe(c);
    expect(reachabilityProblems(c)).toEqual([]);
  });

  it('etcd with several nodes, a CA rotation, limits at their bounds, no nameEn', () => {
    const c = changed((c) => {
      c.ordering.type = 'etcd';
      c.orgs[1].nodes = Array.from({ length: 64 }, (_, i) => ({ id: `tax-node-${i}`, publicKey: nodeKey(110 + i) }));
      c.orgs[0].ca = [ROOTS.market, root('market', 4), root('market', 5), root('market', 6)];
      delete c.orgs[0].nameEn;
      c.orgs[0].weight = 1000;
      c.orgs[0].name = '局'.repeat(128);
      c.orgs[2].id = `p${'o'.repeat(31)}`;
      c.orgs[2].ca = [root(c.orgs[2].id, 30)];
      c.policies = {};
      c.roles.exclusive = [];
      c.governance.proposalTtlMs = 60_000;
      c.ordering.maxBlockTxs = 100_000;
      c.limits = { maxTxBytes: 1024, maxTxTtlMs: 1000 };
      c.checkpoint.quorum = { numerator: 999, denominator: 1000 };
    });
    expect(assertConsortiumConfig(c)).toBe(c);
  });

  it('an SM2 configuration', () => {
    const c = changed((c) => {
      c.suite = SuiteId.sm2Sm3;
      c.orgs = [
        {
          id: 'market',
          name: '市场监督管理局',
          ca: [b64(rootDer(sm2Sm3Portable, 'market', 7))],
          nodes: [{ id: 'market-node', publicKey: nodeKey(8, sm2Sm3Portable) }],
          weight: 1,
        },
      ];
      c.policies = { 'gov.*': { role: 'admin' } };
    });
    expect(assertConsortiumConfig(c, SuiteId.sm2Sm3)).toBe(c);
    expect(thrown(() => assertConsortiumConfig(c, SuiteId.ed25519Sha256)).details?.field).toBe('suite');
  });
});

describe('assertConsortiumConfig rejects each field’s invalid forms with CONSORTIUM_CONFIG_INVALID', () => {
  const memberCert = b64(rootDer(ed25519Sha256Portable, 'market', 9, { ca: false }));
  const intermediate = root('market', 10, {
    signer: 1,
    issuer: { country: 'CN', org: 'market', commonName: 'market root 1' },
  });
  const renamed = root('market', 11, { issuer: { org: 'market', commonName: 'someone else' } });
  const tampered = (() => {
    const der = rootDer(ed25519Sha256Portable, 'market', 12);
    der[der.length - 1]! ^= 1;
    return b64(der);
  })();

  const cases: [string, (c: Json) => void, string][] = [
    ['unknown top-level field', (c) => (c.extra = 1), 'config.extra'],
    ['chainId upper case', (c) => (c.chainId = 'Lianzheng'), 'chainId'],
    ['chainId empty', (c) => (c.chainId = ''), 'chainId'],
    ['chainId leading dash', (c) => (c.chainId = '-x'), 'chainId'],
    ['chainId of 64 characters', (c) => (c.chainId = 'a'.repeat(64)), 'chainId'],
    ['chainId missing', (c) => delete c.chainId, 'chainId'],
    ['suite unknown', (c) => (c.suite = 'rsa-sha256'), 'suite'],
    ['suite missing', (c) => delete c.suite, 'suite'],
    ['orgs not a list', (c) => (c.orgs = {}), 'orgs'],
    ['orgs empty', (c) => (c.orgs = []), 'orgs'],
    ['257 orgs', (c) => (c.orgs = Array.from({ length: 257 }, () => c.orgs[0])), 'orgs'],
    ['org not an object', (c) => (c.orgs[1] = 'tax'), 'orgs[1]'],
    ['org unknown field', (c) => (c.orgs[0].extra = true), 'orgs[0].extra'],
    ['org id upper case', (c) => (c.orgs[1].id = 'Tax'), 'orgs[1].id'],
    ['org id of one letter', (c) => (c.orgs[1].id = 't'), 'orgs[1].id'],
    ['org id of 33 characters', (c) => (c.orgs[1].id = `t${'a'.repeat(32)}`), 'orgs[1].id'],
    ['org id repeated', (c) => (c.orgs[2].id = 'tax'), 'orgs[2].id'],
    ['org name empty', (c) => (c.orgs[0].name = ''), 'orgs[0].name'],
    ['org name of 129 characters', (c) => (c.orgs[0].name = 'x'.repeat(129)), 'orgs[0].name'],
    ['org name missing', (c) => delete c.orgs[0].name, 'orgs[0].name'],
    ['org nameEn a number', (c) => (c.orgs[0].nameEn = 5), 'orgs[0].nameEn'],
    ['org nameEn of 129 characters', (c) => (c.orgs[0].nameEn = 'x'.repeat(129)), 'orgs[0].nameEn'],
    ['weight 0', (c) => (c.orgs[0].weight = 0), 'orgs[0].weight'],
    ['weight 1001', (c) => (c.orgs[0].weight = 1001), 'orgs[0].weight'],
    ['weight 1.5', (c) => (c.orgs[0].weight = 1.5), 'orgs[0].weight'],
    ['weight a string', (c) => (c.orgs[0].weight = '1'), 'orgs[0].weight'],
    ['weight missing', (c) => delete c.orgs[2].weight, 'orgs[2].weight'],
    ['ca not a list', (c) => (c.orgs[0].ca = ROOTS.market), 'orgs[0].ca'],
    ['ca empty', (c) => (c.orgs[0].ca = []), 'orgs[0].ca'],
    ['five CA roots', (c) => (c.orgs[0].ca = [1, 2, 3, 4, 5].map((i) => root('market', 20 + i))), 'orgs[0].ca'],
    ['CA root empty string', (c) => (c.orgs[0].ca = ['']), 'orgs[0].ca[0]'],
    ['CA root not a string', (c) => (c.orgs[0].ca = [42]), 'orgs[0].ca[0]'],
    ['CA root not base64', (c) => (c.orgs[0].ca = ['not base64!']), 'orgs[0].ca[0]'],
    [
      'CA root not a certificate',
      (c) => (c.orgs[0].ca = [b64(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))]),
      'orgs[0].ca[0]',
    ],
    ['CA root too long', (c) => (c.orgs[0].ca = ['A'.repeat(12_004)]), 'orgs[0].ca[0]'],
    ['CA root is a member certificate', (c) => (c.orgs[0].ca = [memberCert]), 'orgs[0].ca[0]'],
    ['CA root of another organisation', (c) => (c.orgs[0].ca = [ROOTS.tax]), 'orgs[0].ca[0]'],
    ['CA root issued by another CA', (c) => c.orgs[0].ca.push(intermediate), 'orgs[0].ca[1]'],
    ['CA root whose issuer name differs', (c) => (c.orgs[0].ca = [renamed]), 'orgs[0].ca[0]'],
    ['CA root with a broken signature', (c) => (c.orgs[0].ca = [tampered]), 'orgs[0].ca[0]'],
    [
      'CA root without keyCertSign',
      (c) => (c.orgs[0].ca = [root('market', 13, { keyUsage: ['digitalSignature', 'cRLSign'] })]),
      'orgs[0].ca[0]',
    ],
    [
      'CA root of the other suite',
      (c) => (c.orgs[0].ca = [b64(rootDer(sm2Sm3Portable, 'market', 14))]),
      'orgs[0].ca[0]',
    ],
    ['CA root listed twice', (c) => c.orgs[0].ca.push(ROOTS.market), 'orgs[0].ca[1]'],
    ['nodes not a list', (c) => (c.orgs[0].nodes = {}), 'orgs[0].nodes'],
    ['nodes missing', (c) => delete c.orgs[1].nodes, 'orgs[1].nodes'],
    [
      '65 nodes',
      (c) => (c.orgs[1].nodes = Array.from({ length: 65 }, (_, i) => ({ id: `n${i}`, publicKey: nodeKey(1) }))),
      'orgs[1].nodes',
    ],
    ['node not an object', (c) => (c.orgs[0].nodes = ['market-node']), 'orgs[0].nodes[0].id'],
    ['node id upper case', (c) => (c.orgs[0].nodes[0].id = 'Market-Node'), 'orgs[0].nodes[0].id'],
    ['node id missing', (c) => delete c.orgs[0].nodes[0].id, 'orgs[0].nodes[0].id'],
    ['node unknown field', (c) => (c.orgs[0].nodes[0].weight = 1), 'orgs[0].nodes[0].weight'],
    [
      'node key upper-case hex',
      (c) => (c.orgs[0].nodes[0].publicKey = nodeKey(101).toUpperCase()),
      'orgs[0].nodes[0].publicKey',
    ],
    [
      'node key of 31 bytes',
      (c) => (c.orgs[0].nodes[0].publicKey = nodeKey(101).slice(2)),
      'orgs[0].nodes[0].publicKey',
    ],
    [
      'node key of small order',
      (c) => (c.orgs[0].nodes[0].publicKey = `01${'00'.repeat(31)}`),
      'orgs[0].nodes[0].publicKey',
    ],
    [
      'node key of the other suite',
      (c) => (c.orgs[0].nodes[0].publicKey = nodeKey(5, sm2Sm3Portable)),
      'orgs[0].nodes[0].publicKey',
    ],
    ['node key missing', (c) => delete c.orgs[0].nodes[0].publicKey, 'orgs[0].nodes[0].publicKey'],
    ['no node at all', (c) => (c.orgs[0].nodes = []), 'orgs'],
    ['roles not an object', (c) => (c.roles = []), 'roles'],
    ['roles unknown field', (c) => (c.roles.inclusive = []), 'roles.inclusive'],
    ['roles.exclusive not a list', (c) => (c.roles.exclusive = {}), 'roles.exclusive'],
    ['17 exclusive sets', (c) => (c.roles.exclusive = Array.from({ length: 17 }, () => ['a', 'b'])), 'roles.exclusive'],
    ['an exclusive set of one role', (c) => (c.roles.exclusive = [['admin']]), 'roles.exclusive[0]'],
    [
      'an exclusive set of nine roles',
      (c) => (c.roles.exclusive = [['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']]),
      'roles.exclusive[0]',
    ],
    [
      'an exclusive set with a repeated role',
      (c) =>
        (c.roles.exclusive = [
          ['a', 'b'],
          ['a', 'a'],
        ]),
      'roles.exclusive[1]',
    ],
    ['an exclusive set with a bad role', (c) => (c.roles.exclusive = [['admin', 'Auditor']]), 'roles.exclusive[0]'],
    ['an exclusive set not a list', (c) => (c.roles.exclusive = ['admin']), 'roles.exclusive[0]'],
    ['policies not an object', (c) => (c.policies = []), 'policies'],
    [
      '513 policies',
      (c) => (c.policies = Object.fromEntries(Array.from({ length: 513 }, (_, i) => [`c${i}.m`, 'anyone']))),
      'policies',
    ],
    ['policy key without method', (c) => (c.policies.kv = 'anyone'), 'policies.kv'],
    ['policy key upper-case contract', (c) => (c.policies['KV.put'] = 'anyone'), 'policies.KV.put'],
    ['policy key with three parts', (c) => (c.policies['kv.put.x'] = 'anyone'), 'policies.kv.put.x'],
    [
      'policy key __proto__',
      (c) => Object.defineProperty(c.policies, '__proto__', { value: 'anyone', enumerable: true }),
      'policies.__proto__',
    ],
    ['governance not an object', (c) => (c.governance = 'MAJORITY'), 'governance'],
    ['governance unknown field', (c) => (c.governance.quorum = 1), 'governance.quorum'],
    ['governance need missing', (c) => delete c.governance.need, 'governance.need'],
    ['governance need SOME', (c) => (c.governance.need = 'SOME'), 'governance.need'],
    ['governance need k 0', (c) => (c.governance.need = { k: 0 }), 'governance.need'],
    ['governance need weight 1.5', (c) => (c.governance.need = { weight: 1.5 }), 'governance.need'],
    ['proposalTtlMs below a minute', (c) => (c.governance.proposalTtlMs = 59_999), 'governance.proposalTtlMs'],
    [
      'proposalTtlMs above 90 days',
      (c) => (c.governance.proposalTtlMs = 90 * 86_400_000 + 1),
      'governance.proposalTtlMs',
    ],
    ['proposalTtlMs missing', (c) => delete c.governance.proposalTtlMs, 'governance.proposalTtlMs'],
    ['ordering not an object', (c) => (c.ordering = 'solo'), 'ordering.type'],
    ['ordering type raft', (c) => (c.ordering.type = 'raft'), 'ordering.type'],
    ['ordering unknown field', (c) => (c.ordering.nodes = 3), 'ordering.nodes'],
    ['maxBlockTxs 0', (c) => (c.ordering.maxBlockTxs = 0), 'ordering.maxBlockTxs'],
    ['maxBlockTxs 100001', (c) => (c.ordering.maxBlockTxs = 100_001), 'ordering.maxBlockTxs'],
    ['solo with two nodes', (c) => (c.orgs[1].nodes = [{ id: 'tax-node', publicKey: nodeKey(102) }]), 'orgs'],
    ['limits not an object', (c) => (c.limits = null), 'limits'],
    ['limits unknown field', (c) => (c.limits.maxBlockTxs = 1), 'limits.maxBlockTxs'],
    ['maxTxBytes 1023', (c) => (c.limits.maxTxBytes = 1023), 'limits.maxTxBytes'],
    ['maxTxBytes above 16 MiB', (c) => (c.limits.maxTxBytes = 16 * 1024 * 1024 + 1), 'limits.maxTxBytes'],
    ['maxTxTtlMs 999', (c) => (c.limits.maxTxTtlMs = 999), 'limits.maxTxTtlMs'],
    ['maxTxTtlMs above 366 days', (c) => (c.limits.maxTxTtlMs = 366 * 86_400_000 + 1), 'limits.maxTxTtlMs'],
    ['checkpoint missing', (c) => delete c.checkpoint, 'checkpoint.quorum'],
    ['checkpoint quorum missing', (c) => (c.checkpoint = {}), 'checkpoint.quorum'],
    ['checkpoint unknown field', (c) => (c.checkpoint.every = 10), 'checkpoint.every'],
    ['checkpoint quorum unknown field', (c) => (c.checkpoint.quorum.of = 3), 'checkpoint.quorum.of'],
    ['numerator 0', (c) => (c.checkpoint.quorum.numerator = 0), 'checkpoint.quorum.numerator'],
    ['denominator 1001', (c) => (c.checkpoint.quorum.denominator = 1001), 'checkpoint.quorum.denominator'],
    [
      'numerator equal to the denominator',
      (c) => (c.checkpoint.quorum = { numerator: 3, denominator: 3 }),
      'checkpoint.quorum',
    ],
    [
      'numerator above the denominator',
      (c) => (c.checkpoint.quorum = { numerator: 4, denominator: 3 }),
      'checkpoint.quorum',
    ],
  ];

  it.each(cases)('%s → %s', (_name, f, field) => {
    const e = thrown(() => assertConsortiumConfig(changed(f)));
    expect(e.code).toBe('CONSORTIUM_CONFIG_INVALID');
    expect(e.details?.field).toBe(field);
    expect(e.message.startsWith(`${field}:`)).toBe(true);
  });

  it('not an object at all', () => {
    for (const v of [null, undefined, 42, 'config', [validConfig()]]) {
      const e = thrown(() => assertConsortiumConfig(v));
      expect(e.code).toBe('CONSORTIUM_CONFIG_INVALID');
      expect(e.details?.field).toBe('config');
    }
  });

  it('node ids and keys are unique across organisations', () => {
    const dupId = etcdConfig();
    dupId.orgs[1].nodes[0].id = 'market-node';
    expect(thrown(() => assertConsortiumConfig(dupId)).details?.field).toBe('orgs[1].nodes[0].id');
    const dupKey = etcdConfig();
    dupKey.orgs[1].nodes[0].publicKey = nodeKey(101);
    expect(thrown(() => assertConsortiumConfig(dupKey)).details?.field).toBe('orgs[1].nodes[0].publicKey');
    expect(assertConsortiumConfig(etcdConfig())).toBeDefined();
  });

  it('an invalid policy is POLICY_INVALID with the path of the bad part', () => {
    const bad = changed((c) => (c.policies['kv.put'] = { role: 'Admin' }));
    const e = thrown(() => assertConsortiumConfig(bad));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.details?.path).toBe('policies["kv.put"].role');
    const unknownOrg = changed((c) => (c.policies['kv.put'] = { quorum: { need: 'ALL', of: ['market', 'customs'] } }));
    const u = thrown(() => assertConsortiumConfig(unknownOrg));
    expect(u.code).toBe('POLICY_INVALID');
    expect(u.message).toMatch(/customs/);
  });

  it('random changes anywhere in the configuration give a coded error or a valid configuration', () => {
    const paths: (string | number)[][] = [];
    const collect = (v: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(v)) for (const [i, x] of v.entries()) collect(x, [...path, i]);
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) collect(x, [...path, k]);
    };
    collect(validConfig(), []);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths.filter((p) => p.length > 0)),
        fc.jsonValue({ maxDepth: 2 }),
        (path, value) => {
          const c = changed((c) => {
            let at = c;
            for (const k of path.slice(0, -1)) at = at[k];
            at[path.at(-1)!] = value;
          });
          try {
            expect(assertConsortiumConfig(c)).toBe(c);
          } catch (e) {
            expect(isLianzhengError(e), String(e)).toBe(true);
            expect(['CONSORTIUM_CONFIG_INVALID', 'POLICY_INVALID']).toContain((e as LianzhengError).code);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// checkCaRoot
// ---------------------------------------------------------------------------------------------------------------

describe('checkCaRoot', () => {
  it('returns the parsed root and its fingerprint', () => {
    const der = rootDer(ed25519Sha256Portable, 'market', 1);
    const r = checkCaRoot(ed25519Sha256Portable, 'market', b64(der), 'f');
    expect(r.org).toBe('market');
    expect(r.fingerprint).toBe(bytesToHex(ed25519Sha256Portable.hash(der)));
    expect(r.cert.der).toEqual(der);
    expect(r.cert.subject.org).toBe('market');
  });

  it('names the field it was given', () => {
    const e = thrown(() => checkCaRoot(ed25519Sha256Portable, 'tax', ROOTS.market, 'orgs.tax.ca[3]'));
    expect(e.code).toBe('CONSORTIUM_CONFIG_INVALID');
    expect(e.details?.field).toBe('orgs.tax.ca[3]');
    expect(e.message).toMatch(/subject O must be tax/);
  });

  it('an SM2 root under the SM2 suite; an Ed25519 root under the SM2 suite is refused', () => {
    const der = rootDer(sm2Sm3Portable, 'market', 7);
    expect(checkCaRoot(sm2Sm3Portable, 'market', b64(der), 'f').fingerprint).toBe(bytesToHex(sm2Sm3Portable.hash(der)));
    expect(thrown(() => checkCaRoot(sm2Sm3Portable, 'market', ROOTS.market, 'f')).message).toMatch(/not a sm2-sm3 key/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// policyFor, reachabilityProblems
// ---------------------------------------------------------------------------------------------------------------

describe('policyFor', () => {
  const c = changed((c) => {
    c.policies = { 'kv.put': { role: 'writer' }, 'kv.*': { kind: 'member' }, 'gov.vote': { role: 'admin' } };
  });
  it('exact key first, then contract.*, else undefined', () => {
    expect(policyFor(c, 'kv', 'put')).toEqual({ role: 'writer' });
    expect(policyFor(c, 'kv', 'delete')).toEqual({ kind: 'member' });
    expect(policyFor(c, 'gov', 'vote')).toEqual({ role: 'admin' });
    expect(policyFor(c, 'gov', 'propose')).toBeUndefined();
    expect(policyFor(c, 'notary', 'register')).toBeUndefined();
  });
  it('never reads inherited properties', () => {
    expect(policyFor(c, 'kv', 'constructor')).toEqual({ kind: 'member' });
    expect(policyFor(c, 'x', 'toString')).toBeUndefined();
    expect(
      policyFor(
        changed((c) => (c.policies = {})),
        '__proto__',
        'x',
      ),
    ).toBeUndefined();
  });
  it('policyOrgs lists ids and weights in order', () => {
    expect(policyOrgs(validConfig())).toEqual([
      { id: 'market', weight: 2 },
      { id: 'tax', weight: 1 },
      { id: 'police', weight: 1 },
    ]);
  });
});

describe('reachabilityProblems', () => {
  const withPolicies = (policies: Record<string, Policy>, need: Json = 'MAJORITY'): ConsortiumConfig =>
    assertConsortiumConfig(
      changed((c) => {
        c.policies = policies;
        c.governance.need = need;
      }),
    );
  const gov = { 'gov.propose': { role: 'admin' }, 'gov.vote': { role: 'admin' } } as Record<string, Policy>;

  it('a valid configuration has none', () => {
    expect(reachabilityProblems(validConfig())).toEqual([]);
    for (const need of ['ANY', 'ALL', 'MAJORITY', { k: 3 }, { weight: 4 }]) {
      expect(reachabilityProblems(withPolicies(gov, need)), JSON.stringify(need)).toEqual([]);
    }
    // A wildcard counts for gov.vote and gov.propose.
    expect(reachabilityProblems(withPolicies({ 'gov.*': { role: 'admin' } }, 'ALL'))).toEqual([]);
  });

  it('need ALL with an organisation whose members may not vote', () => {
    const voters = { ...gov, 'gov.vote': { all: [{ role: 'admin' }, { org: ['market', 'tax'] }] } } as Record<
      string,
      Policy
    >;
    const problems = reachabilityProblems(withPolicies(voters, 'ALL'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/governance rule "ALL" cannot be met .*\(market, tax\) out of 3/);
    // The same voters can still reach a majority or two of three.
    expect(reachabilityProblems(withPolicies(voters, 'MAJORITY'))).toEqual([]);
    expect(reachabilityProblems(withPolicies(voters, { k: 2 }))).toEqual([]);
    expect(reachabilityProblems(withPolicies(voters, { weight: 3 }))).toEqual([]);
    expect(reachabilityProblems(withPolicies(voters, { weight: 4 }))).toHaveLength(1);
  });

  it('k above the number of organisations; weight above the total weight', () => {
    expect(reachabilityProblems(withPolicies(gov, { k: 4 }))[0]).toMatch(/governance rule \{"k":4\}/);
    expect(reachabilityProblems(withPolicies(gov, { weight: 5 }))[0]).toMatch(/governance rule \{"weight":5\}/);
    expect(reachabilityProblems(withPolicies(gov, { weight: 4 }))).toEqual([]);
  });

  it('voters nobody can be, or who vote only for their own organisation', () => {
    const none: Policy[] = [
      'nobody',
      { kind: 'citizen' },
      { not: { kind: 'member' } },
      { all: [{ org: 'tax' }, { org: 'police' }] },
    ];
    for (const vote of none) {
      const p = reachabilityProblems(withPolicies({ ...gov, 'gov.vote': vote }, 'ANY'));
      expect(p[0], JSON.stringify(vote)).toMatch(/members may vote \(none\)/);
    }
    // ownOrg/self: members of one organisation at a time.
    const own = { ...gov, 'gov.vote': { all: [{ role: 'admin' }, 'ownOrg'] } } as Record<string, Policy>;
    expect(reachabilityProblems(withPolicies(own, 'ANY'))).toEqual([]);
    expect(reachabilityProblems(withPolicies(own, { weight: 2 }))).toEqual([]); // market alone weighs 2
    expect(reachabilityProblems(withPolicies(own, 'MAJORITY'))).toHaveLength(1);
    expect(reachabilityProblems(withPolicies(own, { k: 2 }))).toHaveLength(1);
  });

  it('no gov.vote or no possible proposer', () => {
    expect(reachabilityProblems(withPolicies({ 'gov.propose': { role: 'admin' } }))).toEqual([
      'no policy allows gov.vote: no proposal could ever pass',
    ]);
    expect(reachabilityProblems(withPolicies({ 'gov.vote': { role: 'admin' } }))).toEqual([
      'no organisation could propose a change (gov.propose)',
    ]);
    expect(reachabilityProblems(withPolicies({ ...gov, 'gov.propose': 'nobody' }))).toEqual([
      'no organisation could propose a change (gov.propose)',
    ]);
    expect(reachabilityProblems(withPolicies({}))).toHaveLength(2);
  });

  it('a quorum in any policy must be reachable by the organisations it counts', () => {
    const cases: [Policy, number][] = [
      [{ quorum: { need: { k: 2 }, of: ['market'] } }, 1],
      [{ quorum: { need: { k: 4 } } }, 1],
      [{ quorum: { need: { weight: 3 }, of: ['tax', 'police'] } }, 1],
      [{ quorum: { need: { weight: 2 }, of: ['tax', 'police'] } }, 0],
      [{ quorum: { need: 'ALL', of: ['tax', 'police'] } }, 0],
      [{ all: ['anyone', { not: { quorum: { need: { k: 9 } } } }] }, 1],
      [{ any: [{ quorum: { need: { k: 9 } } }, { quorum: { need: { weight: 99 } } }] }, 2],
    ];
    for (const [policy, n] of cases) {
      const problems = reachabilityProblems(withPolicies({ ...gov, 'notary.register': policy }));
      expect(problems, JSON.stringify(policy)).toHaveLength(n);
      for (const p of problems) expect(p).toMatch(/^the quorum of notary.register/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ConsortiumView
// ---------------------------------------------------------------------------------------------------------------

describe('ConsortiumView', () => {
  const config = changed((c) => {
    c.orgs[0].ca = [ROOTS.market, root('market', 4)];
    c.roles.exclusive = [
      ['sysadmin', 'secadmin', 'auditor'],
      ['registrar', 'approver'],
    ];
  }) as ConsortiumConfig;
  const view = new ConsortiumView(ed25519Sha256Portable, { version: 3, config });

  it('indexes organisations and CA roots', () => {
    expect(view.version).toBe(3);
    expect(view.config).toBe(config);
    expect([...view.orgs.keys()]).toEqual(['market', 'tax', 'police']);
    expect(view.caRoots.size).toBe(4);
    expect(view.rootsOf('market').map((r) => r.cert.subject.commonName)).toEqual(['market root 1', 'market root 4']);
    expect(view.rootsOf('tax')).toHaveLength(1);
    expect(view.rootsOf('customs')).toEqual([]);
    for (const [fingerprint, r] of view.caRoots) {
      expect(fingerprint).toBe(r.fingerprint);
      expect(fingerprint).toBe(bytesToHex(ed25519Sha256Portable.hash(r.cert.der)));
    }
    expect(view.policyOrgs).toEqual(policyOrgs(config));
    expect(view.policyFor('identity', 'enrol')).toEqual({ kind: 'member' });
    expect(view.policyFor('nope', 'x')).toBeUndefined();
  });

  it('conflictingRoles: the first exclusive set held twice or more', () => {
    expect(view.conflictingRoles([])).toBeUndefined();
    expect(view.conflictingRoles(['sysadmin', 'registrar', 'operator'])).toBeUndefined();
    expect(view.conflictingRoles(['auditor', 'sysadmin'])).toEqual(['sysadmin', 'auditor']);
    expect(view.conflictingRoles(['approver', 'registrar', 'secadmin'])).toEqual(['registrar', 'approver']);
    expect(view.conflictingRoles(['sysadmin', 'secadmin', 'auditor', 'registrar', 'approver'])).toEqual([
      'sysadmin',
      'secadmin',
      'auditor',
    ]);
  });

  it('a configuration with a bad CA root cannot be viewed', () => {
    const bad = changed((c) => (c.orgs[1].ca = [ROOTS.market])) as ConsortiumConfig;
    const e = thrown(() => new ConsortiumView(ed25519Sha256Portable, { version: 1, config: bad }));
    expect(e.code).toBe('CONSORTIUM_CONFIG_INVALID');
    expect(e.details?.field).toBe('orgs.tax.ca[0]');
    // The CA roots are checked under the view's suite.
    expect(thrown(() => new ConsortiumView(sm2Sm3Portable, { version: 1, config })).code).toBe(
      'CONSORTIUM_CONFIG_INVALID',
    );
  });

  it('the CA roots are the ones in the configuration', () => {
    const market = parseCertificate(Buffer.from(ROOTS.market, 'base64'));
    expect(view.rootsOf('market')[0]!.cert.publicKey).toEqual(market.publicKey);
  });
});

describe('names', () => {
  it('isContractName / isMethodName', () => {
    expect(isContractName('kv')).toBe(true);
    expect(isContractName('my_contract-2')).toBe(true);
    expect(isContractName('KV')).toBe(false);
    expect(isContractName('2kv')).toBe(false);
    expect(isMethodName('registerSubject')).toBe(true);
    expect(isMethodName('put_2')).toBe(true);
    expect(isMethodName('*')).toBe(false);
    expect(isMethodName('a-b')).toBe(false);
  });
});

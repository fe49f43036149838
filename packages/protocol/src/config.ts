/**
 * The consortium configuration: organisations with their CA roots, attesting nodes and governance weights; role rules;
 * the policy of every contract method; the governance rule; ordering, limits and checkpoint quorum. It is set at
 * genesis and lives in the state under `gov` / `config`; governance proposals change it (docs/identity.md,
 * docs/PROTOCOL.md §15).
 */
import { hexToBytes, isHex } from './bytes.js';
import { assertCredentialsConfig, type CredentialsConfig } from './credential.js';
import { protocolError } from './errors.js';
import { KEY_ID_PATTERN, ORG_ID_PATTERN } from './ids.js';
import {
  assertPolicy,
  needMet,
  needReachable,
  orgsThatCanSatisfy,
  type Policy,
  type PolicyOrg,
  type QuorumNeed,
  ROLE_PATTERN,
} from './policy.js';
import { assertPrivacyConfig, type PrivacyConfig } from './privacy.js';
import { type CryptoSuite, isSuiteId, portableSuite, type SuiteId } from './suite.js';
import { CHAIN_ID_PATTERN, CONTRACT_PATTERN, METHOD_PATTERN } from './transaction.js';
import {
  type Certificate,
  certificateFingerprint,
  certificateFromBase64,
  parseCertificate,
  suiteOfCertificate,
  verifyCertificateSignature,
} from './x509.js';

export interface NodeEntry {
  readonly id: string;
  /** Attestation key in the chain's suite, hex. */
  readonly publicKey: string;
}

export interface OrgConfig {
  /** Short stable identifier, e.g. `market`; certificates of the organisation carry it as O. */
  readonly id: string;
  /** Display name (zh-CN), e.g. 市场监督管理局. */
  readonly name: string;
  readonly nameEn?: string;
  /** Self-signed CA root certificates (DER, standard base64). More than one during a CA rotation. */
  readonly ca: readonly string[];
  /** Nodes that attest blocks for the organisation. */
  readonly nodes: readonly NodeEntry[];
  /** Weight of the organisation's vote in weighted quorums. */
  readonly weight: number;
}

export interface GovernanceConfig {
  /** How many organisations must approve a proposal (each organisation votes once, by an admin). */
  readonly need: QuorumNeed;
  /** How long a proposal stays open, ms. */
  readonly proposalTtlMs: number;
}

export interface RolesConfig {
  /** Sets of roles no single certificate may combine (e.g. 等保: system, security and audit administrator). */
  readonly exclusive: readonly (readonly string[])[];
}

export interface OrderingConfig {
  readonly type: 'solo' | 'etcd';
  /** Most transactions in one block. */
  readonly maxBlockTxs: number;
}

export interface LimitsConfig {
  /** Largest canonical transaction body, bytes. */
  readonly maxTxBytes: number;
  /** Furthest `expiresAt` may lie after the block time, ms. */
  readonly maxTxTtlMs: number;
  /** Fuel for one call of a user contract (PROTOCOL.md §16); absent: `DEFAULT_CONTRACT_FUEL`. */
  readonly contractFuel?: number;
}

/** Fuel for one call of a user contract when the configuration does not set `limits.contractFuel`. */
export const DEFAULT_CONTRACT_FUEL = 1_000_000_000;

export interface CheckpointConfig {
  /** Certified when attesting organisations / organisations with nodes > numerator / denominator. */
  readonly quorum: { readonly numerator: number; readonly denominator: number };
}

export interface ConsortiumConfig {
  readonly chainId: string;
  readonly suite: SuiteId;
  readonly orgs: readonly OrgConfig[];
  readonly roles: RolesConfig;
  /** `contract.method` or `contract.*` → policy. A call no policy covers is refused. */
  readonly policies: Readonly<Record<string, Policy>>;
  readonly governance: GovernanceConfig;
  readonly ordering: OrderingConfig;
  readonly limits: LimitsConfig;
  readonly checkpoint: CheckpointConfig;
  /** Personal data: categories, the purpose catalogue, k of published statistics; absent: the default catalogue. */
  readonly privacy?: PrivacyConfig;
  /** E-licences: which organisation may issue which credential type; absent: the default types. */
  readonly credentials?: CredentialsConfig;
}

/** The value stored under `gov` / `config`. */
export interface ConfigRecord {
  /** 1 at genesis, +1 for every change. */
  readonly version: number;
  /** Height of the block that wrote it; it governs the blocks after it. */
  readonly height: number;
  readonly config: ConsortiumConfig;
}

export const CONFIG_FIELDS = [
  'chainId',
  'suite',
  'orgs',
  'roles',
  'policies',
  'governance',
  'ordering',
  'limits',
  'checkpoint',
  'privacy',
  'credentials',
] as const;

export const POLICY_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,63}\.([a-zA-Z][a-zA-Z0-9_]{0,63}|\*)$/;

/** Default policies of the system contracts (docs/identity.md explains each). */
export const defaultPolicies: Readonly<Record<string, Policy>> = {
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
  // Who may apply and who acts at each step is decided by each workflow's definition (PROTOCOL.md §17).
  'workflow.submit': 'anyone',
  'workflow.act': { kind: 'member' },
  'workflow.withdraw': 'anyone',
  'workflow.checkDeadlines': { kind: 'member' },
  'workflow.cases': { kind: 'member' },
  // The read decision (purpose, role, category, the record's policy, consents) is the contract's own (PROTOCOL.md §19).
  'privacy.register': 'anyone',
  'privacy.read': 'anyone',
  'privacy.grantConsent': { kind: 'subject' },
  'privacy.revokeConsent': { kind: 'subject' },
  'privacy.requestErasure': 'anyone',
  'privacy.decideErasure': { all: [{ role: ['secadmin', 'admin'] }, 'ownOrg'] },
  // E-licences: the contract checks that the seal's organisation may issue the type, and that status changes are the
  // issuing organisation's (ADR 0015).
  'credential.issue': { role: 'issuer' },
  'credential.suspend': { all: [{ role: ['registrar', 'admin'] }, 'ownOrg'] },
  'credential.reinstate': { all: [{ role: ['registrar', 'admin'] }, 'ownOrg'] },
  'credential.revoke': { all: [{ role: ['registrar', 'admin'] }, 'ownOrg'] },
  // 信息公开: a department's publishers publish and withdraw its public records; the contract takes the record's
  // organisation from the signer, so no one acts on another department's records (PROTOCOL.md §21).
  'records.publish': { role: 'publisher' },
  'records.withdraw': { role: 'publisher' },
  // Node routes: a signed-in citizen's own access log and records.
  'privacy.accessLog': { kind: 'subject' },
  // A department's list of the licences it issued (GET /v1/credentials): anchors are public one by one, but a list
  // names the holders' pseudonyms in bulk, so only the issuing department's registrars, administrators and auditors
  // read it (docs/credentials.md).
  'credential.list': { all: [{ role: ['registrar', 'admin', 'auditor'] }, 'ownOrg'] },
};

export const defaultConfigParameters = {
  roles: { exclusive: [['sysadmin', 'secadmin', 'auditor']] },
  governance: { need: 'MAJORITY', proposalTtlMs: 7 * 24 * 60 * 60 * 1000 },
  ordering: { type: 'solo', maxBlockTxs: 1000 },
  limits: { maxTxBytes: 64 * 1024, maxTxTtlMs: 24 * 60 * 60 * 1000 },
  checkpoint: { quorum: { numerator: 2, denominator: 3 } },
} as const;

function invalid(field: string, message: string): never {
  throw protocolError('CONSORTIUM_CONFIG_INVALID', `${field}: ${message}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function onlyFields(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) invalid(`${field}.${key}`, 'unknown field');
  }
}

function positiveInt(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    invalid(field, `must be an integer in ${min}…${max}`);
  }
  return value;
}

/** A CA root of the configuration, parsed and checked once per configuration version. */
export interface CaRoot {
  readonly org: string;
  readonly fingerprint: string;
  readonly cert: Certificate;
}

/** Parses and checks a CA root certificate for organisation `org` under `suite`. */
export function checkCaRoot(suite: CryptoSuite, org: string, base64: unknown, field: string): CaRoot {
  if (typeof base64 !== 'string' || base64.length === 0 || base64.length > 12_000) {
    invalid(field, 'must be a base64 DER certificate of at most 12 000 characters');
  }
  let cert: Certificate;
  let der: Uint8Array;
  try {
    der = certificateFromBase64(base64);
    cert = parseCertificate(der);
  } catch (e) {
    invalid(field, `not a valid X.509 certificate (${(e as Error).message})`);
  }
  if (suiteOfCertificate(cert) !== suite.id) invalid(field, `the CA key is not a ${suite.id} key`);
  if (!cert.ca) invalid(field, 'not a CA certificate (basicConstraints CA:TRUE is required)');
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('keyCertSign')) {
    invalid(field, 'the CA certificate does not allow certificate signing (keyUsage keyCertSign)');
  }
  if (cert.subject.org !== org) invalid(field, `the CA subject O must be ${org}, not ${String(cert.subject.org)}`);
  if (!equalDer(cert.issuerDer, cert.subjectDer) || !verifyCertificateSignature(suite, cert, cert.publicKey)) {
    invalid(field, 'a CA root must be self-signed');
  }
  return { org, fingerprint: certificateFingerprint(suite, der), cert };
}

function equalDer(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Validates the shape and internal consistency of a configuration (not reachability). */
export function assertConsortiumConfig(
  value: unknown,
  expectSuite?: SuiteId,
  suiteOf: (id: SuiteId) => CryptoSuite = portableSuite,
): ConsortiumConfig {
  if (!isRecord(value)) invalid('config', 'must be an object');
  onlyFields(value, 'config', CONFIG_FIELDS);
  if (typeof value.chainId !== 'string' || !CHAIN_ID_PATTERN.test(value.chainId)) {
    invalid('chainId', 'must match [a-z0-9][a-z0-9-]{0,62}');
  }
  if (!isSuiteId(value.suite)) invalid('suite', 'must be ed25519-sha256 or sm2-sm3');
  if (expectSuite !== undefined && value.suite !== expectSuite) invalid('suite', 'the crypto suite cannot change');
  const suite = suiteOf(value.suite);
  if (!Array.isArray(value.orgs) || value.orgs.length === 0 || value.orgs.length > 256) {
    invalid('orgs', 'must list 1–256 organisations');
  }
  const orgIds = new Set<string>();
  const nodeIds = new Set<string>();
  const nodeKeys = new Set<string>();
  const caPrints = new Set<string>();
  let nodes = 0;
  value.orgs.forEach((org: unknown, i: number) => {
    const f = `orgs[${i}]`;
    if (!isRecord(org)) invalid(f, 'must be an object');
    onlyFields(org, f, ['id', 'name', 'nameEn', 'ca', 'nodes', 'weight']);
    if (typeof org.id !== 'string' || !ORG_ID_PATTERN.test(org.id))
      invalid(`${f}.id`, 'must match [a-z][a-z0-9-]{1,31}');
    if (orgIds.has(org.id)) invalid(`${f}.id`, `duplicate organisation ${org.id}`);
    orgIds.add(org.id);
    if (typeof org.name !== 'string' || org.name.length === 0 || org.name.length > 128) {
      invalid(`${f}.name`, 'must be 1–128 characters');
    }
    if (org.nameEn !== undefined && (typeof org.nameEn !== 'string' || org.nameEn.length > 128)) {
      invalid(`${f}.nameEn`, 'must be a string of at most 128 characters');
    }
    positiveInt(org.weight, `${f}.weight`, 1000);
    if (!Array.isArray(org.ca) || org.ca.length === 0 || org.ca.length > 4)
      invalid(`${f}.ca`, 'must list 1–4 CA roots');
    org.ca.forEach((c: unknown, j: number) => {
      const root = checkCaRoot(suite, org.id as string, c, `${f}.ca[${j}]`);
      if (caPrints.has(root.fingerprint)) invalid(`${f}.ca[${j}]`, 'a CA root may appear only once');
      caPrints.add(root.fingerprint);
    });
    if (!Array.isArray(org.nodes) || org.nodes.length > 64) invalid(`${f}.nodes`, 'must be a list of at most 64');
    org.nodes.forEach((n: unknown, j: number) => {
      const nf = `${f}.nodes[${j}]`;
      if (!isRecord(n) || typeof n.id !== 'string' || !KEY_ID_PATTERN.test(n.id)) invalid(`${nf}.id`, 'malformed');
      onlyFields(n, nf, ['id', 'publicKey']);
      if (nodeIds.has(n.id)) invalid(`${nf}.id`, `node id ${n.id} is used twice`);
      nodeIds.add(n.id);
      if (!isHex(n.publicKey, suite.publicKeyLength) || !suite.isValidPublicKey(hexToBytes(n.publicKey))) {
        invalid(`${nf}.publicKey`, `must be a valid ${suite.publicKeyLength}-byte ${suite.id} public key in hex`);
      }
      if (nodeKeys.has(n.publicKey)) invalid(`${nf}.publicKey`, 'a node key may appear only once');
      nodeKeys.add(n.publicKey);
      nodes++;
    });
  });
  if (nodes === 0) invalid('orgs', 'at least one organisation must run a node');

  const roles = value.roles;
  if (!isRecord(roles)) invalid('roles', 'must be an object { exclusive }');
  onlyFields(roles, 'roles', ['exclusive']);
  if (!Array.isArray(roles.exclusive) || roles.exclusive.length > 16) {
    invalid('roles.exclusive', 'must be a list of at most 16 role sets');
  }
  roles.exclusive.forEach((set: unknown, i: number) => {
    const f = `roles.exclusive[${i}]`;
    if (!Array.isArray(set) || set.length < 2 || set.length > 8) invalid(f, 'must list 2–8 roles');
    if (new Set(set).size !== set.length) invalid(f, 'lists a role twice');
    for (const r of set) if (typeof r !== 'string' || !ROLE_PATTERN.test(r)) invalid(f, `${String(r)} is not a role`);
  });

  if (!isRecord(value.policies)) invalid('policies', 'must be an object');
  const policyKeys = Object.keys(value.policies);
  if (policyKeys.length > 512) invalid('policies', 'at most 512 policies');
  for (const key of policyKeys) {
    if (!POLICY_KEY_PATTERN.test(key)) invalid(`policies.${key}`, 'keys are contract.method or contract.*');
    assertPolicy(value.policies[key], orgIds, `policies["${key}"]`);
  }

  const gov = value.governance;
  if (!isRecord(gov)) invalid('governance', 'must be an object { need, proposalTtlMs }');
  onlyFields(gov, 'governance', ['need', 'proposalTtlMs']);
  try {
    assertPolicy({ quorum: { need: gov.need } }, orgIds, 'governance');
  } catch {
    invalid('governance.need', 'must be "ANY", "ALL", "MAJORITY", {"k": n} or {"weight": w}');
  }
  positiveInt(gov.proposalTtlMs, 'governance.proposalTtlMs', 90 * 24 * 60 * 60 * 1000, 60_000);

  const ordering = value.ordering;
  if (!isRecord(ordering) || (ordering.type !== 'solo' && ordering.type !== 'etcd')) {
    invalid('ordering.type', 'must be solo or etcd');
  }
  onlyFields(ordering, 'ordering', ['type', 'maxBlockTxs']);
  positiveInt(ordering.maxBlockTxs, 'ordering.maxBlockTxs', 100_000);
  if (ordering.type === 'solo' && nodes !== 1) {
    // One node orders and attests; with more attesting nodes no checkpoint could reach its quorum.
    invalid('orgs', 'solo ordering needs exactly one node in the consortium');
  }
  const limits = value.limits;
  if (!isRecord(limits)) invalid('limits', 'must be an object');
  onlyFields(limits, 'limits', ['maxTxBytes', 'maxTxTtlMs', 'contractFuel']);
  positiveInt(limits.maxTxBytes, 'limits.maxTxBytes', 16 * 1024 * 1024, 1024);
  positiveInt(limits.maxTxTtlMs, 'limits.maxTxTtlMs', 366 * 24 * 60 * 60 * 1000, 1000);
  if (limits.contractFuel !== undefined) {
    positiveInt(limits.contractFuel, 'limits.contractFuel', 100_000_000_000, 1_000_000);
  }
  const checkpoint = value.checkpoint;
  if (!isRecord(checkpoint) || !isRecord(checkpoint.quorum)) invalid('checkpoint.quorum', 'is required');
  onlyFields(checkpoint, 'checkpoint', ['quorum']);
  onlyFields(checkpoint.quorum, 'checkpoint.quorum', ['numerator', 'denominator']);
  const num = positiveInt(checkpoint.quorum.numerator, 'checkpoint.quorum.numerator', 1000);
  const den = positiveInt(checkpoint.quorum.denominator, 'checkpoint.quorum.denominator', 1000);
  if (num >= den) invalid('checkpoint.quorum', 'the numerator must be below the denominator');
  if (value.privacy !== undefined) assertPrivacyConfig(value.privacy);
  if (value.credentials !== undefined) {
    const orgIds = new Set((value.orgs as { id: string }[]).map((o) => o.id));
    assertCredentialsConfig(value.credentials, orgIds);
  }
  return value as unknown as ConsortiumConfig;
}

/** Policy of a method: `contract.method`, else `contract.*`, else undefined (refused). */
export function policyFor(config: ConsortiumConfig, contract: string, method: string): Policy | undefined {
  const exact = `${contract}.${method}`;
  if (Object.hasOwn(config.policies, exact)) return config.policies[exact];
  const wildcard = `${contract}.*`;
  return Object.hasOwn(config.policies, wildcard) ? config.policies[wildcard] : undefined;
}

export function policyOrgs(config: ConsortiumConfig): PolicyOrg[] {
  return config.orgs.map((o) => ({ id: o.id, weight: o.weight }));
}

/**
 * Why the consortium could not reach its own decisions under this configuration, or [] when it can: the governance
 * rule must be reachable by organisations whose admins may vote, someone must be able to propose, and every quorum
 * in a policy must be reachable by the organisations it counts.
 */
export function reachabilityProblems(config: ConsortiumConfig): string[] {
  const problems: string[] = [];
  const orgIds = config.orgs.map((o) => o.id);
  const orgs = policyOrgs(config);
  const voters = policyFor(config, 'gov', 'vote');
  const proposers = policyFor(config, 'gov', 'propose');
  if (voters === undefined) problems.push('no policy allows gov.vote: no proposal could ever pass');
  else {
    const can = orgsThatCanSatisfy(voters, orgIds);
    const eligible = orgs.filter((o) => can.orgs.has(o.id));
    const reachable = can.single
      ? eligible.some((o) => needMet(config.governance.need, orgs, new Set([o.id])))
      : needMet(config.governance.need, orgs, new Set(eligible.map((o) => o.id)));
    if (!reachable) {
      problems.push(
        `the governance rule ${JSON.stringify(config.governance.need)} cannot be met by the organisations whose ` +
          `members may vote (${eligible.map((o) => o.id).join(', ') || 'none'}) out of ${orgs.length}`,
      );
    }
  }
  if (proposers === undefined || orgsThatCanSatisfy(proposers, orgIds).orgs.size === 0) {
    problems.push('no organisation could propose a change (gov.propose)');
  }
  for (const [key, policy] of Object.entries(config.policies)) {
    forEachQuorum(policy, (need, of) => {
      const counted = of === undefined ? orgs : orgs.filter((o) => of.includes(o.id));
      if (!needReachable(need, counted)) {
        problems.push(
          `the quorum of ${key} (${JSON.stringify(need)}) cannot be met by ${counted.length} organisations`,
        );
      }
    });
  }
  return problems;
}

function forEachQuorum(p: Policy, f: (need: QuorumNeed, of: readonly string[] | undefined) => void): void {
  if (typeof p === 'string') return;
  if ('quorum' in p) f(p.quorum.need, p.quorum.of);
  else if ('all' in p) for (const c of p.all) forEachQuorum(c, f);
  else if ('any' in p) for (const c of p.any) forEachQuorum(c, f);
  else if ('not' in p) forEachQuorum(p.not, f);
}

/** A configuration with its CA roots parsed, for identity checks. Built once per configuration version. */
export class ConsortiumView {
  readonly config: ConsortiumConfig;
  readonly version: number;
  readonly orgs: ReadonlyMap<string, OrgConfig>;
  /** CA fingerprint → root. */
  readonly caRoots: ReadonlyMap<string, CaRoot>;
  readonly policyOrgs: readonly PolicyOrg[];
  /** Node key (hex) → the node and its organisation: the keys that attest blocks and propose ordering batches. */
  readonly nodeKeys: ReadonlyMap<string, { readonly node: string; readonly org: string }>;
  private readonly exclusive: readonly (readonly string[])[];

  constructor(suite: CryptoSuite, record: { readonly version: number; readonly config: ConsortiumConfig }) {
    this.config = record.config;
    this.version = record.version;
    this.orgs = new Map(record.config.orgs.map((o) => [o.id, o]));
    const roots = new Map<string, CaRoot>();
    for (const org of record.config.orgs) {
      org.ca.forEach((c, i) => {
        const root = checkCaRoot(suite, org.id, c, `orgs.${org.id}.ca[${i}]`);
        roots.set(root.fingerprint, root);
      });
    }
    this.caRoots = roots;
    this.nodeKeys = new Map(
      record.config.orgs.flatMap((o) => o.nodes.map((n) => [n.publicKey, { node: n.id, org: o.id }] as const)),
    );
    this.policyOrgs = policyOrgs(record.config);
    this.exclusive = record.config.roles.exclusive;
  }

  policyFor(contract: string, method: string): Policy | undefined {
    return policyFor(this.config, contract, method);
  }

  /** The first exclusive role set `roles` holds two or more of, or undefined. */
  conflictingRoles(roles: readonly string[]): readonly string[] | undefined {
    for (const set of this.exclusive) {
      const held = set.filter((r) => roles.includes(r));
      if (held.length > 1) return held;
    }
    return undefined;
  }

  /** The CA roots of an organisation. */
  rootsOf(org: string): CaRoot[] {
    return [...this.caRoots.values()].filter((r) => r.org === org);
  }
}

export function isContractName(value: string): boolean {
  return CONTRACT_PATTERN.test(value);
}

export function isMethodName(value: string): boolean {
  return METHOD_PATTERN.test(value);
}

import { hexToBytes, isHex } from './bytes.js';
import { canonicalize } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { HashTag } from './hash.js';
import { type CryptoSuite, isSuiteId, portableSuite, type SuiteId } from './suite.js';
import { CHAIN_ID_PATTERN } from './transaction.js';

export interface GenesisKey {
  readonly id: string;
  readonly publicKey: string;
}

export interface GenesisOrg {
  /** Short stable identifier, e.g. `market`. */
  readonly id: string;
  /** Display name (zh-CN), e.g. 市场监督管理局. */
  readonly name: string;
  readonly nameEn?: string;
  /** Member keys allowed to sign transactions for the organisation. */
  readonly keys: readonly GenesisKey[];
  /** Node keys that attest blocks for the organisation. */
  readonly nodes: readonly GenesisKey[];
}

export interface Genesis {
  readonly v: 1;
  readonly chainId: string;
  readonly suite: SuiteId;
  /** Genesis time, ms since the Unix epoch: the time of block 0. */
  readonly time: number;
  readonly orgs: readonly GenesisOrg[];
  readonly ordering: {
    readonly type: 'solo' | 'etcd';
    /** Most transactions in one block. */
    readonly maxBlockTxs: number;
  };
  readonly limits: {
    /** Largest canonical transaction body, bytes. */
    readonly maxTxBytes: number;
    /** Furthest `expiresAt` may lie after the block time, ms. */
    readonly maxTxTtlMs: number;
  };
  readonly checkpoint: {
    /** A checkpoint is certified when attesting organisations / organisations with nodes > numerator / denominator. */
    readonly quorum: { readonly numerator: number; readonly denominator: number };
  };
}

export const defaultGenesisParameters = {
  ordering: { type: 'solo', maxBlockTxs: 1000 },
  limits: { maxTxBytes: 64 * 1024, maxTxTtlMs: 24 * 60 * 60 * 1000 },
  checkpoint: { quorum: { numerator: 2, denominator: 3 } },
} as const;

export const ORG_ID_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function invalid(field: string, message: string): never {
  throw protocolError('GENESIS_INVALID', message, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) invalid(`${field}.${key}`, `unknown field ${field}.${key}`);
}

function positiveInt(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    invalid(field, `${field} must be a positive integer ≤ ${max}`);
  }
  return value;
}

/** Validates a genesis document (already parsed) and returns it typed. */
export function assertGenesis(value: unknown): Genesis {
  if (!isRecord(value)) invalid('genesis', 'genesis must be an object');
  if (value.v !== 1) invalid('v', 'v must be 1');
  if (typeof value.chainId !== 'string' || !CHAIN_ID_PATTERN.test(value.chainId)) {
    invalid('chainId', 'chainId must match [a-z0-9][a-z0-9-]{0,62}');
  }
  if (!isSuiteId(value.suite)) invalid('suite', 'suite must be ed25519-sha256 or sm2-sm3');
  const suite = portableSuite(value.suite);
  if (typeof value.time !== 'number' || !Number.isSafeInteger(value.time) || value.time < 0) {
    invalid('time', 'time must be ms since the epoch');
  }
  if (!Array.isArray(value.orgs) || value.orgs.length === 0 || value.orgs.length > 256) {
    invalid('orgs', 'orgs must list 1–256 organisations');
  }
  const orgIds = new Set<string>();
  const nodeIds = new Set<string>();
  const publicKeys = new Set<string>();
  let orgsWithNodes = 0;
  value.orgs.forEach((org: unknown, i: number) => {
    const f = `orgs[${i}]`;
    if (!isRecord(org)) invalid(f, `${f} must be an object`);
    onlyFields(org, f, ['id', 'name', 'nameEn', 'keys', 'nodes']);
    if (typeof org.id !== 'string' || !ORG_ID_PATTERN.test(org.id))
      invalid(`${f}.id`, 'org id must match [a-z][a-z0-9-]{1,31}');
    if (orgIds.has(org.id)) invalid(`${f}.id`, `duplicate org id ${org.id}`);
    orgIds.add(org.id);
    if (typeof org.name !== 'string' || org.name.length === 0 || org.name.length > 128) {
      invalid(`${f}.name`, 'org name must be 1–128 characters');
    }
    if (org.nameEn !== undefined && (typeof org.nameEn !== 'string' || org.nameEn.length > 128)) {
      invalid(`${f}.nameEn`, 'nameEn must be a string of at most 128 characters');
    }
    for (const kind of ['keys', 'nodes'] as const) {
      const list = org[kind];
      if (!Array.isArray(list) || list.length > 64) invalid(`${f}.${kind}`, `${kind} must be an array of at most 64`);
      const ids = new Set<string>();
      list.forEach((k: unknown, j: number) => {
        const kf = `${f}.${kind}[${j}]`;
        if (!isRecord(k) || typeof k.id !== 'string' || !KEY_ID_PATTERN.test(k.id))
          invalid(kf, `${kf}.id is malformed`);
        onlyFields(k, kf, ['id', 'publicKey']);
        if (ids.has(k.id)) invalid(kf, `duplicate id ${k.id}`);
        ids.add(k.id);
        if (kind === 'nodes') {
          if (nodeIds.has(k.id)) invalid(kf, `node id ${k.id} is used twice`);
          nodeIds.add(k.id);
        }
        if (!isHex(k.publicKey, suite.publicKeyLength) || !suite.isValidPublicKey(hexToBytes(k.publicKey))) {
          invalid(
            `${kf}.publicKey`,
            `publicKey must be a valid ${suite.publicKeyLength}-byte ${suite.id} public key in hex`,
          );
        }
        if (publicKeys.has(k.publicKey)) invalid(`${kf}.publicKey`, 'a public key may appear only once');
        publicKeys.add(k.publicKey);
      });
    }
    if ((org.nodes as unknown[]).length > 0) orgsWithNodes++;
  });
  if (orgsWithNodes === 0) invalid('orgs', 'at least one organisation must run a node');
  if (isRecord(value.ordering) && value.ordering.type === 'solo' && nodeIds.size !== 1) {
    // One node orders and attests; with more attesting nodes no checkpoint could reach its quorum.
    invalid('orgs', 'solo ordering needs exactly one node in the consortium');
  }
  const ordering = value.ordering;
  if (!isRecord(ordering) || (ordering.type !== 'solo' && ordering.type !== 'etcd')) {
    invalid('ordering.type', 'ordering.type must be solo or etcd');
  }
  onlyFields(ordering, 'ordering', ['type', 'maxBlockTxs']);
  positiveInt(ordering.maxBlockTxs, 'ordering.maxBlockTxs', 100_000);
  const limits = value.limits;
  if (!isRecord(limits)) invalid('limits', 'limits must be an object');
  onlyFields(limits, 'limits', ['maxTxBytes', 'maxTxTtlMs']);
  positiveInt(limits.maxTxBytes, 'limits.maxTxBytes', 16 * 1024 * 1024);
  positiveInt(limits.maxTxTtlMs, 'limits.maxTxTtlMs', 366 * 24 * 60 * 60 * 1000);
  const checkpoint = value.checkpoint;
  if (!isRecord(checkpoint) || !isRecord(checkpoint.quorum))
    invalid('checkpoint.quorum', 'checkpoint.quorum is required');
  onlyFields(checkpoint, 'checkpoint', ['quorum']);
  onlyFields(checkpoint.quorum, 'checkpoint.quorum', ['numerator', 'denominator']);
  const num = positiveInt(checkpoint.quorum.numerator, 'checkpoint.quorum.numerator', 1000);
  const den = positiveInt(checkpoint.quorum.denominator, 'checkpoint.quorum.denominator', 1000);
  if (num >= den) invalid('checkpoint.quorum', 'quorum numerator must be below the denominator');
  for (const key of Object.keys(value)) {
    if (!['v', 'chainId', 'suite', 'time', 'orgs', 'ordering', 'limits', 'checkpoint'].includes(key)) {
      invalid(key, `unknown field ${key}`);
    }
  }
  return value as unknown as Genesis;
}

/** TH("lianzheng/genesis", JCS(genesis)): the chain's identity, pinned by offline verifiers. */
export function genesisHash(suite: CryptoSuite, genesis: Genesis): Uint8Array {
  return suite.taggedText(HashTag.genesis, canonicalize(genesis));
}

export interface Attestor {
  readonly node: string;
  readonly org: string;
  readonly publicKey: Uint8Array;
}

/** What a verifier trusts: the chain, its suite, the attesting node keys and the checkpoint quorum. */
export interface Consortium {
  readonly chainId: string;
  readonly suite: SuiteId;
  readonly attestors: ReadonlyMap<string, Attestor>;
  readonly orgsWithNodes: number;
  readonly quorum: { readonly numerator: number; readonly denominator: number };
  /** Member public key (hex) → organisation id, for signer checks. */
  readonly memberKeys: ReadonlyMap<string, { readonly org: string; readonly keyId: string }>;
}

export function consortiumFromGenesis(genesis: Genesis): Consortium {
  const attestors = new Map<string, Attestor>();
  const memberKeys = new Map<string, { org: string; keyId: string }>();
  let orgsWithNodes = 0;
  for (const org of genesis.orgs) {
    if (org.nodes.length > 0) orgsWithNodes++;
    for (const n of org.nodes) {
      attestors.set(n.publicKey, { node: n.id, org: org.id, publicKey: hexToBytes(n.publicKey, 'publicKey') });
    }
    for (const k of org.keys) memberKeys.set(k.publicKey, { org: org.id, keyId: k.id });
  }
  return {
    chainId: genesis.chainId,
    suite: genesis.suite,
    attestors,
    orgsWithNodes,
    quorum: genesis.checkpoint.quorum,
    memberKeys,
  };
}

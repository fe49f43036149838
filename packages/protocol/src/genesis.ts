import { hexToBytes } from './bytes.js';
import { canonicalize } from './canonicalJson.js';
import {
  assertConsortiumConfig,
  CONFIG_FIELDS,
  type ConsortiumConfig,
  ConsortiumView,
  defaultConfigParameters,
  reachabilityProblems,
} from './config.js';
import { protocolError } from './errors.js';
import { HashTag } from './hash.js';
import { checkMemberCertificate, type MemberCertificateInfo } from './identity.js';
import { type CryptoSuite, portableSuite, type SuiteId } from './suite.js';
import { certificateFromBase64 } from './x509.js';

export { KEY_ID_PATTERN, ORG_ID_PATTERN } from './ids.js';

/**
 * The genesis document: the initial consortium configuration, the genesis time and the member certificates enrolled
 * from the start (at least the organisations' admins, so that they can govern). Version 2 (docs/PROTOCOL.md §15).
 */
export interface Genesis extends ConsortiumConfig {
  readonly v: 2;
  /** Genesis time, ms since the Unix epoch: the time of block 0. */
  readonly time: number;
  /** Member certificates (DER, standard base64) enrolled in block 0. */
  readonly members: readonly string[];
}

export const defaultGenesisParameters = defaultConfigParameters;

function invalid(field: string, message: string): never {
  throw protocolError('GENESIS_INVALID', message, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The configuration part of a genesis document. */
export function configOfGenesis(genesis: Genesis): ConsortiumConfig {
  const out: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS) if (genesis[f] !== undefined) out[f] = genesis[f];
  return out as unknown as ConsortiumConfig;
}

/**
 * Validates a genesis document (already parsed): its configuration (CA roots included), that the consortium can reach
 * its own decisions, and every genesis member certificate against the configuration at the genesis time.
 * `suiteOf` gives the implementation that checks the certificate signatures: the portable one by default, a native
 * one where there is (the node: its start-up checks every genesis certificate).
 */
export function assertGenesis(value: unknown, suiteOf: (id: SuiteId) => CryptoSuite = portableSuite): Genesis {
  if (!isRecord(value)) invalid('genesis', 'genesis must be an object');
  if (value.v !== 2) invalid('v', 'v must be 2 (this release reads genesis version 2)');
  if (typeof value.time !== 'number' || !Number.isSafeInteger(value.time) || value.time < 0) {
    invalid('time', 'time must be ms since the epoch');
  }
  if (!Array.isArray(value.members) || value.members.length > 4096) {
    invalid('members', 'members must be a list of at most 4096 certificates');
  }
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'v' || k === 'time' || k === 'members') continue;
    config[k] = v;
  }
  const checked = assertConsortiumConfig(config, undefined, suiteOf);
  const problems = reachabilityProblems(checked);
  if (problems.length > 0) {
    throw protocolError('CONSORTIUM_CONFIG_INVALID', problems[0]!, { field: 'governance', problems });
  }
  const suite = suiteOf(checked.suite);
  const view = new ConsortiumView(suite, { version: 1, config: checked });
  const keys = new Set<string>();
  value.members.forEach((m: unknown, i: number) => {
    if (typeof m !== 'string') invalid(`members[${i}]`, 'must be a base64 DER certificate');
    let info: MemberCertificateInfo;
    try {
      info = checkMemberCertificate(suite, view, certificateFromBase64(m), value.time as number);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'X509_MALFORMED';
      throw protocolError('GENESIS_INVALID', `members[${i}]: ${(e as Error).message}`, {
        field: `members[${i}]`,
        reason: code,
      });
    }
    if (info.kind !== 'member') invalid(`members[${i}]`, 'node certificates cannot be enrolled as members');
    if (keys.has(info.publicKey)) invalid(`members[${i}]`, 'a key may be enrolled only once');
    for (const org of checked.orgs) {
      if (org.nodes.some((n) => n.publicKey === info.publicKey)) {
        invalid(`members[${i}]`, 'a node key cannot also be a member key');
      }
    }
    keys.add(info.publicKey);
  });
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
}

export function consortiumFromGenesis(genesis: ConsortiumConfig): Consortium {
  const attestors = new Map<string, Attestor>();
  let orgsWithNodes = 0;
  for (const org of genesis.orgs) {
    if (org.nodes.length > 0) orgsWithNodes++;
    for (const n of org.nodes) {
      attestors.set(n.publicKey, { node: n.id, org: org.id, publicKey: hexToBytes(n.publicKey, 'publicKey') });
    }
  }
  return {
    chainId: genesis.chainId,
    suite: genesis.suite,
    attestors,
    orgsWithNodes,
    quorum: genesis.checkpoint.quorum,
  };
}

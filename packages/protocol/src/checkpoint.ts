import { assertBlockHeader, type BlockHeader, blockHash } from './block.js';
import { bytesToHex, equalBytes, hexToBytes, isHex } from './bytes.js';
import { canonicalize } from './canonicalJson.js';
import { protocolError } from './errors.js';
import type { Consortium } from './genesis.js';
import { HashTag } from './hash.js';
import type { CryptoSuite } from './suite.js';

/** What a node signs after executing a block. docs/PROTOCOL.md §8. */
export interface AttestationBody {
  readonly chainId: string;
  readonly height: number;
  readonly blockHash: string;
  readonly stateRoot: string;
}

export interface Attestation {
  readonly node: string;
  readonly org: string;
  readonly publicKey: string;
  /** Signature over TH("lianzheng/attestation", JCS(body)). */
  readonly sig: string;
}

/** A signed header: the header, its hash and the attestations collected for it. */
export interface Checkpoint {
  readonly header: BlockHeader;
  readonly blockHash: string;
  readonly attestations: readonly Attestation[];
}

export function attestationBody(header: BlockHeader, hash: Uint8Array | string): AttestationBody {
  return {
    chainId: header.chainId,
    height: header.height,
    blockHash: typeof hash === 'string' ? hash : bytesToHex(hash),
    stateRoot: header.stateRoot,
  };
}

export function attestationDigest(suite: CryptoSuite, body: AttestationBody): Uint8Array {
  return suite.taggedText(HashTag.attestation, canonicalize(body));
}

export function createAttestation(
  suite: CryptoSuite,
  body: AttestationBody,
  signer: {
    readonly node: string;
    readonly org: string;
    readonly secretKey: Uint8Array;
    readonly publicKey: Uint8Array;
  },
): Attestation {
  return {
    node: signer.node,
    org: signer.org,
    publicKey: bytesToHex(signer.publicKey),
    sig: bytesToHex(suite.sign(signer.secretKey, attestationDigest(suite, body))),
  };
}

export function assertCheckpoint(value: unknown): Checkpoint {
  const bad = (field: string): never => {
    throw protocolError('PROOF_MALFORMED', `checkpoint.${field} is missing or malformed`, {
      field: `checkpoint.${field}`,
    });
  };
  if (typeof value !== 'object' || value === null) bad('');
  const c = value as Record<string, unknown>;
  const header = assertBlockHeader(c.header);
  if (!isHex(c.blockHash, 32)) bad('blockHash');
  if (!Array.isArray(c.attestations) || c.attestations.length > 1024) bad('attestations');
  for (const a of c.attestations as unknown[]) {
    if (typeof a !== 'object' || a === null) bad('attestations');
    const x = a as Record<string, unknown>;
    if (typeof x.node !== 'string' || typeof x.org !== 'string' || !isHex(x.publicKey) || !isHex(x.sig, 64)) {
      bad('attestations');
    }
  }
  return { header, blockHash: c.blockHash as string, attestations: c.attestations as Attestation[] };
}

export interface VerifiedCheckpoint {
  readonly header: BlockHeader;
  readonly blockHash: Uint8Array;
  /** Organisations whose attestation verified. */
  readonly orgs: readonly string[];
}

/**
 * Verifies a checkpoint against a trusted consortium: the header hashes to `blockHash`, each attestation comes from
 * a known node key of the organisation it names and its signature verifies, and the attesting organisations meet
 * the quorum (strictly more than numerator/denominator of the organisations that run nodes).
 */
export function verifyCheckpoint(suite: CryptoSuite, trust: Consortium, checkpoint: Checkpoint): VerifiedCheckpoint {
  const { header } = checkpoint;
  if (header.chainId !== trust.chainId) {
    throw protocolError('CHECKPOINT_INVALID', 'checkpoint is for another chain', {
      reason: 'chain-id',
      expected: trust.chainId,
      actual: header.chainId,
    });
  }
  const hash = blockHash(suite, header);
  if (!equalBytes(hash, hexToBytes(checkpoint.blockHash, 'checkpoint.blockHash', 32))) {
    throw protocolError('CHECKPOINT_INVALID', 'header does not hash to the block hash', { reason: 'block-hash' });
  }
  const digest = attestationDigest(suite, attestationBody(header, hash));
  const orgs = new Set<string>();
  const seen = new Set<string>();
  for (const a of checkpoint.attestations) {
    const attestor = trust.attestors.get(a.publicKey);
    if (attestor === undefined || attestor.node !== a.node || attestor.org !== a.org) {
      throw protocolError('CHECKPOINT_INVALID', `attestation by unknown node ${a.node}`, {
        reason: 'attestor',
        node: a.node,
      });
    }
    if (seen.has(a.publicKey)) {
      throw protocolError('CHECKPOINT_INVALID', `node ${a.node} attested twice`, { reason: 'duplicate', node: a.node });
    }
    seen.add(a.publicKey);
    if (!suite.verify(attestor.publicKey, digest, hexToBytes(a.sig, 'attestation.sig', 64))) {
      throw protocolError('CHECKPOINT_INVALID', `attestation signature of ${a.node} does not verify`, {
        reason: 'signature',
        node: a.node,
      });
    }
    orgs.add(a.org);
  }
  const { numerator, denominator } = trust.quorum;
  if (orgs.size * denominator <= numerator * trust.orgsWithNodes) {
    throw protocolError('CHECKPOINT_QUORUM_NOT_MET', 'not enough organisations attested this checkpoint', {
      attesting: orgs.size,
      organisations: trust.orgsWithNodes,
      quorum: `${numerator}/${denominator}`,
    });
  }
  return { header, blockHash: hash, orgs: [...orgs] };
}

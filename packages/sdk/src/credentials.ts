/**
 * E-licences from a client (ADR 0015, PROTOCOL.md §20): a verifier that trusts only the consortium configuration it
 * pinned — it hands out single-use nonces, fetches the credential's status with its proof from any node, checks
 * everything itself (`verifyCredentialPresentation`) and never accepts a checkpoint older than one it has already
 * seen. Browser-safe.
 */
import {
  base64urlEncode,
  ConsortiumView,
  configOfGenesis,
  consortiumFromGenesis,
  credentialKeys,
  type Genesis,
  LianzhengError,
  parseSdJwt,
  portableSuite,
  randomBytes,
  type VerifiedCredential,
  verifyCredentialPresentation,
} from '@lianzheng/protocol';
import { type Client, getState } from './actions.js';

export interface CredentialVerifier {
  /** A fresh nonce for one holder's presentation; it can be used once. */
  nonce(): string;
  /** Verifies a presentation made for `nonce` (one this verifier handed out, not yet used). */
  verify(presentation: string, nonce: string): Promise<VerifiedCredential>;
  /** The highest checkpoint height accepted so far: a node answering with an older one is refused. */
  readonly highestCheckpoint: number;
}

export interface CreateCredentialVerifierParameters {
  /** Any node: it is not trusted, its answers are checked. */
  readonly client: Client;
  /** The pinned genesis (or a later configuration the verifier trusts, in the same shape). */
  readonly genesis: Genesis;
  /** This verifier's audience, e.g. its URL. */
  readonly aud: string;
  readonly now?: () => number;
  /** The status must come from a checkpoint at most this old, ms (default 24 h). */
  readonly maxStatusAgeMs?: number;
}

export function createCredentialVerifier(p: CreateCredentialVerifierParameters): CredentialVerifier {
  const suite = portableSuite(p.genesis.suite);
  const trust = consortiumFromGenesis(p.genesis);
  const view = new ConsortiumView(suite, { version: 1, config: configOfGenesis(p.genesis) });
  const outstanding = new Set<string>();
  let highest = 0;
  return {
    nonce() {
      const n = base64urlEncode(randomBytes(16));
      outstanding.add(n);
      return n;
    },
    async verify(presentation, nonce) {
      if (!outstanding.delete(nonce)) {
        throw new LianzhengError('SD_JWT_KB_INVALID', 'the nonce was not handed out by this verifier, or was used', {
          details: { reason: 'nonce' },
        });
      }
      const id = parseSdJwt(suite, presentation).jws.payload.jti;
      const status = await getState(p.client, 'credential', credentialKeys.anchor(String(id)), { proof: true });
      try {
        const v = verifyCredentialPresentation(suite, trust, view, presentation, status, {
          aud: p.aud,
          nonce,
          now: (p.now ?? Date.now)(),
          minCheckpointHeight: highest,
          ...(p.maxStatusAgeMs === undefined ? {} : { maxStatusAgeMs: p.maxStatusAgeMs }),
        });
        highest = Math.max(highest, v.checkpointHeight);
        return v;
      } catch (error) {
        // A refusal for the credential's status still came with a good checkpoint: remember it.
        const seen = (error as LianzhengError).details?.checkpointHeight;
        if (typeof seen === 'number') highest = Math.max(highest, seen);
        throw error;
      }
    },
    get highestCheckpoint() {
      return highest;
    },
  };
}

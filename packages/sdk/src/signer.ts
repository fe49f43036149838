import type { CryptoSuite } from '@lianzheng/protocol';

/**
 * Signs a 32-byte digest (a transaction id, an attestation digest). Keys in memory, a browser key store, an HSM or
 * an offline signer all fit this one function.
 */
export type Signer = (digest: Uint8Array) => Promise<Uint8Array>;

export function keySigner(suite: CryptoSuite, secretKey: Uint8Array): Signer {
  return async (digest) => suite.sign(secretKey, digest);
}

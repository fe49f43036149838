/**
 * Node-to-node transfer of a personal record (PROTOCOL.md §19.6). The node that wants a record sends a request signed
 * with its node key, carrying a fresh ephemeral key-agreement key (X25519 under `ed25519-sha256`, SM2 under `sm2-sm3`);
 * the holding node checks the signature against the consortium's node keys, that the requester's organisation may
 * hold the record (its owner or a reader in the record's policy), and answers with the record's sealed content as
 * stored plus its data key sealed under a key agreed with the requester's ephemeral key (ECDH with an ephemeral key of
 * its own, then HKDF) — the answer signed with its node key. Only the requesting node can unwrap the data key; a
 * replayed request gets an answer nobody else can open. The requester checks the commitment before keeping anything.
 */
import crypto from 'node:crypto';
import {
  bytesToHex,
  type CryptoSuite,
  canonicalize,
  HashTag,
  hexToBytes,
  type JsonObject,
  type SuiteId,
} from '@lianzheng/protocol';
import { open as aeadOpen, seal as aeadSeal, type Sealed } from './aead.js';
import { nodeError } from './errors.js';
import type { SealedContent } from './privateStore.js';

/** How far a request's time may be from the holder's clock, ms. */
export const TRANSFER_WINDOW_MS = 120_000;

export interface TransferRequest {
  readonly chainId: string;
  readonly record: string;
  /** Requesting node id and organisation (as in the consortium configuration). */
  readonly node: string;
  readonly org: string;
  /** Ephemeral public key, hex: 32-byte X25519, or 65-byte uncompressed SM2 point. */
  readonly ephemeral: string;
  readonly time: number;
}

export interface SignedTransferRequest {
  readonly request: TransferRequest;
  readonly signature: string;
}

export interface TransferResponse {
  readonly record: string;
  /** Hex of TH("lianzheng/private/transfer-request", JCS(request)): binds the answer to the request. */
  readonly requestHash: string;
  readonly node: string;
  readonly ephemeral: string;
  /** The data key sealed under the agreed key, AAD = UTF-8 of the record id. */
  readonly wrappedKey: WireSealed;
  readonly content: SealedContent;
}

export interface SignedTransferResponse {
  readonly response: TransferResponse;
  readonly signature: string;
}

export interface WireSealed {
  readonly alg: string;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

export interface Ephemeral {
  readonly publicKey: string;
  agree(peerHex: string): Buffer;
}

/** A fresh key-agreement key pair for one transfer. */
export function ephemeralKey(suite: SuiteId): Ephemeral {
  if (suite === 'sm2-sm3') {
    const ecdh = crypto.createECDH('SM2');
    ecdh.generateKeys();
    return {
      publicKey: ecdh.getPublicKey('hex', 'uncompressed'),
      agree: (peer) => {
        if (!/^04[0-9a-f]{128}$/.test(peer))
          throw transferInvalid('the ephemeral key is not an uncompressed SM2 point');
        try {
          return ecdh.computeSecret(Buffer.from(peer, 'hex'));
        } catch {
          throw transferInvalid('the ephemeral key is not on the SM2 curve');
        }
      },
    };
  }
  const pair = crypto.generateKeyPairSync('x25519');
  const x = pair.publicKey.export({ format: 'jwk' }).x as string;
  return {
    publicKey: Buffer.from(x, 'base64url').toString('hex'),
    agree: (peer) => {
      if (!/^[0-9a-f]{64}$/.test(peer)) throw transferInvalid('the ephemeral key is not a 32-byte X25519 key');
      let shared: Buffer;
      try {
        const publicKey = crypto.createPublicKey({
          key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer, 'hex').toString('base64url') },
          format: 'jwk',
        });
        shared = crypto.diffieHellman({ privateKey: pair.privateKey, publicKey });
      } catch {
        // OpenSSL refuses low-order points (an all-zero shared secret).
        throw transferInvalid('the ephemeral key is not a usable X25519 key');
      }
      if (shared.every((b) => b === 0)) throw transferInvalid('the ephemeral key is a low-order point');
      return shared;
    },
  };
}

function transferInvalid(message: string): Error {
  return nodeError('PRIVACY_TRANSFER_INVALID', message);
}

/** The key that seals the data key: HKDF(H, shared secret, salt = request hash, info = tag), 32 bytes. */
export function transferKey(suite: SuiteId, shared: Buffer, requestHash: string): Buffer {
  const digest = suite === 'sm2-sm3' ? 'sm3' : 'sha256';
  return Buffer.from(crypto.hkdfSync(digest, shared, Buffer.from(requestHash, 'hex'), HashTag.privateTransfer, 32));
}

export function requestHash(suite: CryptoSuite, request: TransferRequest): string {
  return bytesToHex(suite.taggedText(HashTag.privateTransferRequest, canonicalize(request as unknown as JsonObject)));
}

export function responseDigest(suite: CryptoSuite, response: TransferResponse): Uint8Array {
  return suite.taggedText(HashTag.privateTransfer, canonicalize(response as unknown as JsonObject));
}

export function toWire(s: Sealed): WireSealed {
  return {
    alg: s.alg,
    iv: Buffer.from(s.iv).toString('hex'),
    ct: Buffer.from(s.ct).toString('base64'),
    tag: Buffer.from(s.tag).toString('hex'),
  };
}

export function fromWire(w: WireSealed): Sealed {
  if (
    typeof w !== 'object' ||
    w === null ||
    typeof w.alg !== 'string' ||
    typeof w.iv !== 'string' ||
    typeof w.ct !== 'string' ||
    typeof w.tag !== 'string'
  ) {
    throw transferInvalid('the sealed data key is malformed');
  }
  return {
    alg: w.alg,
    iv: Buffer.from(w.iv, 'hex'),
    ct: Buffer.from(w.ct, 'base64'),
    tag: Buffer.from(w.tag, 'hex'),
  } as Sealed;
}

export function sealDataKey(suite: SuiteId, key: Buffer, record: string, dataKey: Uint8Array): WireSealed {
  return toWire(aeadSeal(suite, key, Buffer.from(record, 'utf8'), Buffer.from(dataKey)));
}

export function openDataKey(suite: SuiteId, key: Buffer, record: string, wrapped: WireSealed): Buffer {
  try {
    return aeadOpen(suite, key, Buffer.from(record, 'utf8'), fromWire(wrapped));
  } catch {
    throw transferInvalid('the data key does not open with the agreed key');
  }
}

export function verifyNodeSignature(
  suite: CryptoSuite,
  digest: Uint8Array,
  signature: string,
  publicKey: string,
): boolean {
  try {
    return suite.verify(hexToBytes(publicKey), digest, hexToBytes(signature));
  } catch {
    return false;
  }
}

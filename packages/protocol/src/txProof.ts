import { assertReceipt, type Receipt, receiptHash } from './block.js';
import { bytesToHex, equalBytes, hexToBytes } from './bytes.js';
import { assertCheckpoint, type Checkpoint, verifyCheckpoint } from './checkpoint.js';
import { protocolError } from './errors.js';
import type { Consortium } from './genesis.js';
import { merklePathFromHex, verifyMerkleInclusion } from './merkle.js';
import type { CryptoSuite } from './suite.js';
import {
  assertCosignatures,
  assertSignedTransaction,
  cosignaturesDigest,
  type SignedTransaction,
  transactionCanonical,
  transactionIdFromCanonical,
  transactionLeafHash,
  verifyCosignatures,
} from './transaction.js';

/**
 * Everything needed to check, without the node, that a transaction and its receipt are in a certified block.
 * docs/PROTOCOL.md §9.
 */
export interface TxProof {
  readonly height: number;
  readonly index: number;
  readonly tx: SignedTransaction;
  readonly receipt: Receipt;
  /** RFC 9162 audit path for the leaf id ‖ sig in header.txRoot, leaf upwards. */
  readonly txPath: readonly string[];
  /** RFC 9162 audit path for the receipt hash in header.receiptRoot. */
  readonly receiptPath: readonly string[];
  readonly checkpoint: Checkpoint;
}

export function assertTxProof(value: unknown, suite: CryptoSuite): TxProof {
  if (typeof value !== 'object' || value === null) {
    throw protocolError('PROOF_MALFORMED', 'proof must be an object', { field: 'proof' });
  }
  const p = value as Record<string, unknown>;
  for (const f of ['height', 'index'] as const) {
    const n = p[f];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw protocolError('PROOF_MALFORMED', `proof.${f} must be a non-negative integer`, { field: f });
    }
  }
  merklePathFromHex(p.txPath, 'txPath');
  merklePathFromHex(p.receiptPath, 'receiptPath');
  return {
    height: p.height as number,
    index: p.index as number,
    tx: assertSignedTransaction(p.tx, suite),
    receipt: assertReceipt(p.receipt),
    txPath: p.txPath as string[],
    receiptPath: p.receiptPath as string[],
    checkpoint: assertCheckpoint(p.checkpoint),
  };
}

export interface VerifiedTxProof {
  readonly txId: string;
  readonly height: number;
  /** Block time, ms since the epoch: when the transaction was recorded. */
  readonly time: number;
  readonly receipt: Receipt;
  readonly orgs: readonly string[];
}

/** Verifies signature, both inclusion paths and the checkpoint. Throws coded errors; returns what was proven. */
export function verifyTxProof(suite: CryptoSuite, trust: Consortium, proof: TxProof): VerifiedTxProof {
  if (proof.tx.tx.chainId !== trust.chainId) {
    throw protocolError('TX_CHAIN_ID_MISMATCH', 'transaction is for another chain', { chainId: proof.tx.tx.chainId });
  }
  const id = transactionIdFromCanonical(suite, transactionCanonical(proof.tx.tx));
  const sig = hexToBytes(proof.tx.sig, 'sig', suite.signatureLength);
  if (!suite.verify(hexToBytes(proof.tx.tx.signer, 'tx.signer'), id, sig)) {
    throw protocolError('TX_SIGNATURE_INVALID', 'transaction signature does not verify');
  }
  let cosigsDigest: Uint8Array | undefined;
  if (proof.tx.cosigs !== undefined) {
    assertCosignatures(proof.tx.cosigs, proof.tx.tx.signer, suite);
    if (!verifyCosignatures(suite, id, proof.tx.cosigs)) {
      throw protocolError('COSIG_INVALID', 'a co-signature does not verify');
    }
    cosigsDigest = cosignaturesDigest(suite, proof.tx.cosigs);
  }
  const checkpoint = verifyCheckpoint(suite, trust, proof.checkpoint);
  const header = checkpoint.header;
  if (header.height !== proof.height) {
    throw protocolError('PROOF_INVALID', 'checkpoint is for another height', { reason: 'height' });
  }
  verifyMerkleInclusion(
    suite,
    hexToBytes(header.txRoot, 'header.txRoot', 32),
    transactionLeafHash(suite, id, sig, cosigsDigest),
    proof.index,
    header.txCount,
    merklePathFromHex(proof.txPath, 'txPath'),
  );
  if (!equalBytes(hexToBytes(proof.receipt.tx, 'receipt.tx', 32), id)) {
    throw protocolError('PROOF_INVALID', 'receipt belongs to another transaction', { reason: 'receipt-tx' });
  }
  verifyMerkleInclusion(
    suite,
    hexToBytes(header.receiptRoot, 'header.receiptRoot', 32),
    suite.merkleLeaf(receiptHash(suite, proof.receipt)),
    proof.index,
    header.txCount,
    merklePathFromHex(proof.receiptPath, 'receiptPath'),
  );
  return {
    txId: bytesToHex(id),
    height: header.height,
    time: header.time,
    receipt: proof.receipt,
    orgs: checkpoint.orgs,
  };
}

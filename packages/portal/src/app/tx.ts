import { isLianzhengError, type JsonObject, LianzhengError, type SignedTransaction } from '@lianzheng/protocol';
import { buildTransaction, signTransactionWith, submitTransaction } from '@lianzheng/sdk';
import { trustAnchor } from './node.js';
import type { Session } from './session.js';

export interface Call {
  readonly contract: string;
  readonly method: string;
  readonly args: JsonObject;
}

export interface Committed {
  readonly id: string;
  readonly height: number;
  readonly result: unknown;
}

/**
 * Signs a call with the signed-in key, submits it and waits until it is in a durable block. A transaction that ran and
 * failed becomes an error with the receipt's code, like one refused at admission.
 */
export async function submitCall(session: Session, call: Call): Promise<Committed> {
  const { chainId } = await trustAnchor();
  const tx = buildTransaction({ chainId, signer: session.key.publicKey, ...call });
  return submitSigned(session, await signTransactionWith(session.suite, tx, session.signer));
}

/** Submits an already signed transaction (e.g. from the SDK's privacy helpers) and waits, like `submitCall`. */
export async function submitSigned(session: Session, signed: SignedTransaction): Promise<Committed> {
  const r = await submitTransaction(session.client, signed, { wait: true, timeoutMs: 30_000 });
  if (r.status !== 'committed') {
    throw new LianzhengError('SDK_TX_PENDING', 'the transaction was accepted but is not in a block yet', {
      details: { id: r.id },
    });
  }
  if (r.receipt.status !== 'ok') {
    throw new LianzhengError(r.receipt.code ?? 'TX_FAILED', r.receipt.message ?? 'the transaction failed', {
      details: { id: r.id },
    });
  }
  return { id: r.id, height: r.height, result: r.receipt.result };
}

export function isCode(error: unknown, code: string): boolean {
  return isLianzhengError(error) && error.code === code;
}

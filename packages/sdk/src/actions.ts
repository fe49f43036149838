import {
  type BlockView,
  bytesToHex,
  type ChainInfo,
  type Checkpoint,
  type CryptoSuite,
  createTransaction,
  type JsonObject,
  type NotaryAlgorithm,
  type NotaryCertificate,
  type Receipt,
  randomBytes,
  type SignedTransaction,
  type StateView,
  type Transaction,
  type TxProof,
  type TxStatus,
  transactionId,
} from '@lianzheng/protocol';
import type { Signer } from './signer.js';
import type { Transport } from './transport.js';

export interface Client {
  readonly transport: Transport;
}

export function createClient(p: { readonly transport: Transport }): Client {
  return { transport: p.transport };
}

export function getChainInfo(client: Client): Promise<ChainInfo> {
  return client.transport.request('GET', '/v1/chain');
}

export interface BuildTransactionParameters {
  readonly chainId: string;
  readonly signer: Uint8Array;
  readonly contract: string;
  readonly method: string;
  readonly args: JsonObject;
  /** Validity window, ms from `now`. Default 10 minutes. */
  readonly ttlMs?: number;
  readonly now?: number;
}

export function buildTransaction(p: BuildTransactionParameters): Transaction {
  return createTransaction({
    chainId: p.chainId,
    signer: p.signer,
    contract: p.contract,
    method: p.method,
    args: p.args,
    expiresAt: (p.now ?? Date.now()) + (p.ttlMs ?? 10 * 60 * 1000),
    nonce: randomBytes(16),
  });
}

export async function signTransactionWith(
  suite: CryptoSuite,
  tx: Transaction,
  signer: Signer,
): Promise<SignedTransaction> {
  return { tx, sig: bytesToHex(await signer(transactionId(suite, tx))) };
}

export type SubmitTransactionReturnType =
  | { readonly id: string; readonly status: 'pending' }
  | {
      readonly id: string;
      readonly status: 'committed';
      readonly height: number;
      readonly index: number;
      readonly receipt: Receipt;
    };

export function submitTransaction(
  client: Client,
  signed: SignedTransaction,
  opts: { readonly wait?: boolean; readonly timeoutMs?: number } = {},
): Promise<SubmitTransactionReturnType> {
  const query = opts.wait ? `?wait=true&timeoutMs=${opts.timeoutMs ?? 30_000}` : '';
  return client.transport.request('POST', `/v1/transactions${query}`, JSON.stringify(signed));
}

export interface SubmitBatchReturnType {
  readonly accepted: number;
  readonly results: readonly (
    | { readonly id: string; readonly status: 'pending' }
    | { readonly error: { code: string; message: string } }
  )[];
}

export function submitBatch(client: Client, signed: readonly SignedTransaction[]): Promise<SubmitBatchReturnType> {
  return client.transport.request('POST', '/v1/transactions/batch', JSON.stringify(signed));
}

export type GetTransactionReturnType = TxStatus;

export function getTransaction(client: Client, id: string): Promise<GetTransactionReturnType> {
  return client.transport.request('GET', `/v1/transactions/${id}`);
}

export function getTransactionProof(client: Client, id: string): Promise<TxProof> {
  return client.transport.request('GET', `/v1/transactions/${id}/proof`);
}

export type GetStateReturnType = StateView;

export function getState(
  client: Client,
  contract: string,
  key: string,
  opts: { readonly proof?: boolean; readonly height?: number } = {},
): Promise<GetStateReturnType> {
  const q = new URLSearchParams();
  if (opts.proof) q.set('proof', 'true');
  if (opts.height !== undefined) q.set('height', String(opts.height));
  const qs = q.size > 0 ? `?${q.toString()}` : '';
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  return client.transport.request('GET', `/v1/state/${encodeURIComponent(contract)}/${encodedKey}${qs}`);
}

export function getCheckpoint(client: Client, height?: number): Promise<Checkpoint> {
  return client.transport.request('GET', `/v1/checkpoints/${height === undefined ? 'latest' : height}`);
}

export type BlockReturnType = BlockView;

export function getBlock(client: Client, height: number | 'latest', full = false): Promise<BlockReturnType> {
  return client.transport.request('GET', `/v1/blocks/${height}${full ? '?full=true' : ''}`);
}

export function getNotaryCertificate(client: Client, alg: NotaryAlgorithm, hash: string): Promise<NotaryCertificate> {
  return client.transport.request('GET', `/v1/notary/${alg}/${hash}/certificate`);
}

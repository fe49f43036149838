export type { BlockView, ChainInfo, StateView, TxStatus } from '@lianzheng/protocol';
export {
  type BlockReturnType,
  type BuildTransactionParameters,
  buildTransaction,
  type Client,
  createClient,
  type GetStateReturnType,
  type GetTransactionReturnType,
  getBlock,
  getChainInfo,
  getCheckpoint,
  getNotaryCertificate,
  getState,
  getTransaction,
  getTransactionProof,
  type SubmitBatchReturnType,
  type SubmitTransactionReturnType,
  signTransactionWith,
  submitBatch,
  submitTransaction,
} from './actions.js';
export { sdkErrors } from './errors.js';
export { keySigner, type Signer } from './signer.js';
export { type HttpTransportOptions, httpTransport, type Transport } from './transport.js';

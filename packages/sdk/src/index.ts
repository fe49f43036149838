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
export {
  cosignTransaction,
  getConfig,
  getExpiring,
  getIdentity,
  getMe,
  getMembers,
  getProposal,
  getProposals,
  getSubject,
  SIGN_IN_TAG,
  type SignInParameters,
  type SignInReturnType,
  signIn,
  signOut,
  withSession,
} from './identity.js';
export { keySigner, type Signer } from './signer.js';
export { type HttpTransportOptions, httpTransport, type Transport } from './transport.js';
export {
  COMMITMENT_TAG,
  commitPersonal,
  getCase,
  getCases,
  getInbox,
  getMyCases,
  getWorkflow,
  getWorkflows,
} from './workflow.js';

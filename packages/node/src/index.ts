export { type ApiOptions, createApiServer, defaultApiOptions, toHttpError } from './api/server.js';
export { ChainQueries } from './chainQueries.js';
export {
  ChainStore,
  decodeRecords,
  decodeTxRecords,
  encodeRecords,
  encodeTxRecords,
  type StoredTx,
  type TxLocation,
} from './chainStore.js';
export { type VerifyChainOptions, type VerifyProgress, type VerifyReport, verifyChain } from './chainVerifier.js';
export { workerConfigFromGenesis } from './chainWorker.js';
export { type Clock, systemClock } from './clock.js';
export { categoryOf, errorTables, httpStatusOf, httpStatusOfCategory } from './errorRegistry.js';
export { type NodeErrorCode, nodeError, nodeErrors } from './errors.js';
export {
  DEMO_ORGS,
  generateKeyPair,
  HOME_FILES,
  type InitHomeParameters,
  initHome,
  type KeyFile,
  type KeyPair,
  loadGenesis,
  loadKeyFile,
  loadNodeConfig,
  type NodeConfig,
  type OrgSpec,
  saveKeyFile,
} from './home.js';
export type { DurableBlock, TxOutcome } from './ledger.js';
export {
  defaultNodeOptions,
  LianzhengNode,
  type NodeOptions,
  resolveNodeOptions,
  type SubmitResult,
} from './lianzhengNode.js';
export { createNativeHasher, nativeSuite } from './nativeSuite.js';
export { WorkerPool } from './workerPool.js';

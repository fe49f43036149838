export {
  AEAD_KEY_BYTES,
  type AeadAlg,
  type AeadParams,
  aeadParams,
  open as aeadOpen,
  type Sealed,
  seal as aeadSeal,
} from './aead.js';
export { type ApiOptions, createApiServer, defaultApiOptions, toHttpError } from './api/server.js';
export {
  type AuthenticateReturnType,
  defaultSessionOptions,
  SessionManager,
  type SessionOptions,
  SIGN_IN_MESSAGE_TYPE,
  signInDigest,
  signInMessage,
} from './auth.js';
export {
  type CaOrg,
  caFiles,
  certificateFile,
  createCa,
  type IssuedEntry,
  issueFromCa,
  type OrgCa,
  openCa,
  readCertificate,
  readIssuanceLog,
  writeCertificate,
} from './ca.js';
export type { AttestationRecord, StateAlarm } from './certifier.js';
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
export { type ClusterNodeHome, type InitClusterParameters, initCluster } from './cluster.js';
export { categoryOf, errorTables, httpStatusOf, httpStatusOfCategory } from './errorRegistry.js';
export { type NodeErrorCode, nodeError, nodeErrors } from './errors.js';
export {
  defaultEtcdClusterOptions,
  EtcdCluster,
  type EtcdClusterOptions,
  freePort,
  freePortBlock,
} from './etcdCluster.js';
export {
  adminStaff,
  DEMO_ORGS,
  demoStaff,
  generateKeyPair,
  HOME_FILES,
  type InitHomeParameters,
  initHome,
  type KeyPair,
  loadGenesis,
  loadKeyFile,
  loadNodeConfig,
  type NodeConfig,
  type OrgSpec,
  type StaffSpec,
  saveKeyFile,
} from './home.js';
export {
  changePassphrase,
  defaultKeyFileOptions,
  type KeyFileHeader,
  type KeyMaterial,
  localSigner,
  MIN_PASSPHRASE_LENGTH,
  openKeyFile,
  openProcessTerminal,
  readKeyFileHeader,
  resolvePassphrase,
  type Signer,
  writeKeyFile,
} from './keystore.js';
export type { DurableBlock, TxOutcome } from './ledger.js';
export {
  defaultNodeOptions,
  LianzhengNode,
  type NodeOptions,
  resolveNodeOptions,
  type SubmitResult,
} from './lianzhengNode.js';
export { createNativeHasher, nativeSuite } from './nativeSuite.js';
export { EtcdClient, EtcdCompactedError } from './ordering/etcdClient.js';
export { type FaultInjection, isFaultInjection } from './ordering/faults.js';
export {
  defaultPrivateStoreOptions,
  type ExportedRecord,
  MAX_PRIVATE_PLAIN_BYTES,
  type PendingMeta,
  type PendingRecord,
  type PrivatePlain,
  PrivateStore,
  type PrivateStoreDeps,
  type PrivateStoreKdf,
  type PrivateStoreLog,
  type PrivateStoreOptions,
  type RotateMasterKeyReturnType,
  type SealedContent,
} from './privateStore.js';
export {
  defaultRecordsIndexOptions,
  type RecordsCursor,
  RecordsIndex,
  type RecordsIndexDeps,
  type RecordsIndexOptions,
  type RecordsQuery,
} from './recordsIndex.js';
export {
  CONTRACT_COMPILER,
  type ContractLanguage,
  compileContract,
  contractCompilerOptions,
  languageOf,
} from './sandbox/compile.js';
export { MeterError, meterWasm } from './sandbox/meter.js';
export { createUserContracts, loadMeteredQuickJs, meteredQuickJsBytes } from './sandbox/quickjs.js';
export { loadTemplates, TEMPLATES_DIR, type Templates, templateActions } from './templates.js';
export { WorkerPool } from './workerPool.js';

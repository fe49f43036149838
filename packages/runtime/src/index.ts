export {
  type AdmissionRequest,
  BlockExecutor,
  type BlockExecutorDeps,
  type BlockExecutorOptions,
  type BlockProposal,
  type CandidateTx,
  type DroppedTx,
  defaultBlockExecutorOptions,
  type ExecutedBlock,
  executeGenesis,
  type PreviousBlock,
  type StateWrite,
  type TxIndexReader,
  type ValueSource,
} from './blockExecutor.js';
export type {
  AuthContext,
  CallContext,
  ContractMethod,
  StateReader,
  SystemContract,
} from './contracts/contract.js';
export { CREDENTIAL_CONTRACT_NAME, credentialContract } from './contracts/credential.js';
export {
  applyActions,
  type ContractDeployment,
  checkedChange,
  GOV_CONFIG_KEY,
  GOV_CONTRACT,
  type GovAction,
  govContract,
  govKeys,
  type ProposalRecord,
  type ProposalStatus,
  proposalStatus,
  SYSTEM_CONTRACT_NAMES,
  type Vote,
} from './contracts/gov.js';
export { identityContract, REVOCATION_REASONS } from './contracts/identity.js';
export { kvContract } from './contracts/kv.js';
export { type NotaryRecord, type NotaryRegisterArgs, notaryContract } from './contracts/notary.js';
export { decideRead, PRIVACY_CONTRACT_NAME, privacyContract } from './contracts/privacy.js';
export {
  type PublishRecordArgs,
  RECORDS_CONTRACT_NAME,
  recordsContract,
  type WithdrawRecordArgs,
} from './contracts/records.js';
export {
  INDEX_BUCKET_PAGES,
  INDEX_PAGE_KEYS,
  type InvokeOptions,
  RANGE_LIMIT_MAX,
  USER_KEY_MAX,
  type UserCallContext,
  type UserContractRecord,
  UserContracts,
  type UserStateAccess,
} from './contracts/user.js';
export {
  type Attachment,
  type CaseActor,
  type CaseRecord,
  type HistoryEntry,
  taskFor,
  WORKFLOW_CONTRACT,
  workflowContract,
  workflowKeys,
} from './contracts/workflow.js';
export { type RuntimeErrorCode, runtimeError, runtimeErrors } from './errors.js';
export { checkKeyRecord, IdentityResolver, readKeyRecord } from './identity.js';
export {
  defaultEngineLimits,
  type EngineLimits,
  type EngineOutcome,
  QuickJsEngine,
  SandboxEngineError,
  SandboxWallClockError,
  WASM_MAX_CALL_DEPTH,
} from './sandbox/engine.js';
export {
  type ContractCall,
  ContractSandbox,
  defaultSandboxLimits,
  type FuelMeter,
  HOST_FUEL,
  type HostHandler,
  METERED_QUICKJS_SHA256,
  type SandboxLimits,
  type SandboxOutcome,
} from './sandbox/sandbox.js';
export {
  decodePage,
  decodeSlot,
  defaultStateTreeOptions,
  EMPTY_SLOT,
  encodeSlot,
  type LeafSlot,
  leafSlot,
  type NewPage,
  type PageSource,
  pageKey,
  rootHash,
  type Slot,
  SlotKind,
  type StaleValue,
  type StateBatchResult,
  StatePage,
  StateTree,
  type StateTreeDeps,
  type StateTreeOptions,
  type StateUpdate,
  slotHash,
  valueKey,
} from './stateTree.js';
export {
  assertWorkflowDefinition,
  type Check,
  type Effect,
  type Label,
  type Outcome,
  resolveTemplate,
  type Step,
  type Transition,
  WORKFLOW_ID_PATTERN,
  type WorkflowDefinition,
} from './workflows/definition.js';
export {
  assertFormSchema,
  backtrackingRisk,
  COMMITMENT_PATTERN,
  type FormSchema,
  validateForm,
} from './workflows/formSchema.js';

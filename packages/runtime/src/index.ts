export {
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
  SYS_CONFIG_KEY,
  SYS_CONTRACT,
  type TxIndexReader,
  type ValueSource,
} from './blockExecutor.js';
export type { CallContext, ContractMethod, SystemContract } from './contracts/contract.js';
export { kvContract } from './contracts/kv.js';
export { type NotaryRecord, type NotaryRegisterArgs, notaryContract } from './contracts/notary.js';
export { type RuntimeErrorCode, runtimeError, runtimeErrors } from './errors.js';
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
  type StateBatchResult,
  StatePage,
  StateTree,
  type StateTreeDeps,
  type StateTreeOptions,
  type StateUpdate,
  slotHash,
  valueKey,
} from './stateTree.js';

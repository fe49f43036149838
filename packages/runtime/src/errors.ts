import { defineErrors, errorFactory } from '@lianzheng/protocol';

/** Errors of execution. Codes a contract returns end up in the receipt; the rest are admission errors. */
export const runtimeErrors = defineErrors({
  CONTRACT_UNKNOWN: { category: 'not_found', description: 'No contract with that name is deployed.' },
  METHOD_UNKNOWN: { category: 'not_found', description: 'The contract has no method with that name.' },
  ARGS_INVALID: {
    category: 'invalid',
    description: "The method's arguments do not have the documented shape; `details.field` names the first bad one.",
  },
  TX_SIGNER_NOT_AUTHORISED: {
    category: 'forbidden',
    description:
      'The signing key is not a member key of any organisation in the consortium configuration (checked at admission and again at execution).',
  },
  TX_DUPLICATE: {
    category: 'conflict',
    description: 'A transaction with this id is already committed or pending: it is executed at most once.',
  },
  CONTRACT_INTERNAL_ERROR: {
    category: 'internal',
    description: 'A system contract failed unexpectedly; the transaction is recorded as failed and the node logs it.',
  },
  STATE_CORRUPT: {
    category: 'internal',
    description: 'Stored state does not match its hashes (tampering or disk fault). Run `lianzheng verify`.',
  },
  BLOCK_HEIGHT_INVALID: {
    category: 'internal',
    description: 'A block proposal does not follow the last committed block (an ordering bug); the node stops.',
  },
  BLOCK_FULL: {
    category: 'busy',
    description: 'The transaction did not fit in the block it was ordered into; submit it again.',
  },
  NOTARY_ALREADY_REGISTERED: {
    category: 'conflict',
    description: 'This document hash is already notarised; its existing certificate stays valid.',
  },
  KV_NOT_FOUND: { category: 'not_found', description: 'kv.delete on a key that does not exist.' },
});

export type RuntimeErrorCode = keyof typeof runtimeErrors;

export const runtimeError = errorFactory(runtimeErrors);

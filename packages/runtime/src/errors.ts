import { defineErrors, errorFactory } from '@lianzheng/protocol';

/** Errors of execution. Codes a contract returns end up in the receipt; the rest are admission errors. */
export const runtimeErrors = defineErrors({
  CONTRACT_UNKNOWN: { category: 'not_found', description: 'No contract with that name is deployed.' },
  METHOD_UNKNOWN: { category: 'not_found', description: 'The contract has no method with that name.' },
  CONTRACT_FAILED: {
    category: 'invalid',
    description:
      "A sandboxed contract threw: the message is its own (led by `[CODE]` when the contract gave a code). Never used for the node's own refusals.",
  },
  CONTRACT_OUT_OF_FUEL: {
    category: 'invalid',
    description:
      'The call used up its fuel (metered interpreter instructions plus host-call charges): the same on every node. Raise the limit through governance or make the contract cheaper.',
  },
  CONTRACT_OUT_OF_MEMORY: { category: 'invalid', description: "The call exceeded the sandbox's memory limit." },
  CONTRACT_STACK_OVERFLOW: {
    category: 'invalid',
    description: "The call exceeded the sandbox's stack limit (deep recursion).",
  },
  CONTRACT_MESSAGE_TOO_LARGE: {
    category: 'invalid',
    description:
      'A value crossing the sandbox boundary (host-call arguments, a host answer or the result) is too large.',
  },
  CONTRACT_ABORTED: {
    category: 'invalid',
    description:
      'The interpreter stopped the call on an internal check (deterministic: the same on every node); the sandbox was restored.',
  },
  CONTRACT_HOST_ERROR: {
    category: 'invalid',
    description: 'A host call from a contract failed without a coded error.',
  },
  ARGS_INVALID: {
    category: 'invalid',
    description: "The method's arguments do not have the documented shape; `details.field` names the first bad one.",
  },
  IDENTITY_UNKNOWN: {
    category: 'unauthenticated',
    description:
      'The signing key is not a registered identity: enrol the member certificate (`identity.enrol`) or have a registrar register the citizen or enterprise key.',
  },
  IDENTITY_REVOKED: {
    category: 'unauthenticated',
    description:
      'The key was revoked; the revocation took effect at `details.height` (checked at admission and again at execution).',
  },
  IDENTITY_ORG_REMOVED: {
    category: 'unauthenticated',
    description: 'The key belongs to an organisation that governance removed from the consortium.',
  },
  IDENTITY_KEY_TAKEN: {
    category: 'conflict',
    description: 'The public key is already registered to another identity; every key belongs to exactly one.',
  },
  IDENTITY_KEY_MISMATCH: {
    category: 'invalid',
    description: "An enrolment must be signed by the certificate's own key (proof of possession).",
  },
  IDENTITY_ALREADY_ENROLLED: { category: 'conflict', description: 'This certificate is already enrolled.' },
  IDENTITY_CERT_OUTDATED: {
    category: 'conflict',
    description:
      'A renewal must be issued later (notBefore) than the enrolled certificate it replaces: an older certificate cannot be brought back.',
  },
  IDENTITY_KEY_NOT_PROVEN: {
    category: 'unauthenticated',
    description:
      'Registering a citizen or enterprise key needs that key as a co-signer of the transaction (proof of possession).',
  },
  SUBJECT_UNKNOWN: { category: 'not_found', description: 'No citizen or enterprise has this subject id.' },
  POLICY_DENIED: {
    category: 'forbidden',
    description:
      'The consortium policy of this method does not allow this identity (or these co-signers) to call it; `details.policy` names the rule, `details.requires` says what it needs.',
  },
  GOV_ACTION_INVALID: {
    category: 'invalid',
    description:
      'A governance action is malformed or does not apply to the current configuration; `details.action` says which.',
  },
  GOV_QUORUM_UNREACHABLE: {
    category: 'conflict',
    description:
      'The change would leave the consortium unable to reach its own quorum (governance rule, voting rights or a policy quorum); `details.problems` lists why. The change is refused.',
  },
  GOV_PROPOSAL_UNKNOWN: { category: 'not_found', description: 'No proposal has this id.' },
  GOV_PROPOSAL_CLOSED: {
    category: 'conflict',
    description: 'The proposal is already decided (approved, rejected, failed or withdrawn).',
  },
  GOV_PROPOSAL_EXPIRED: {
    category: 'conflict',
    description: 'The proposal expired before it reached its threshold; propose it again.',
  },
  GOV_ALREADY_VOTED: {
    category: 'conflict',
    description: "The voter's organisation has already voted on this proposal (one vote per organisation).",
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

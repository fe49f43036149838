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
  CONTRACT_INVALID: {
    category: 'invalid',
    description:
      'The code of a contract deployment does not load in the sandbox, or exports no method (`details.cause` is the sandbox outcome).',
  },
  CONTRACT_READ_ONLY: {
    category: 'invalid',
    description: 'A contract called through `lz.call` (read-only) tried to write state or emit an event.',
  },
  CONTRACT_CALL_DEPTH: {
    category: 'invalid',
    description: 'A contract called through `lz.call` tried to call another contract: calls go one level deep.',
  },
  CONTRACT_INDEX_FULL: {
    category: 'conflict',
    description:
      'More keys than the index allows share one prefix (the part of a key up to its first `/`): split them under more prefixes.',
  },
  CONTRACT_RANGE_INVALID: {
    category: 'invalid',
    description: '`lz.range` needs a prefix containing `/`, a limit of 1–1000 and an optional `after` key.',
  },
  SANDBOX_UNAVAILABLE: {
    category: 'integrity',
    description:
      'The chain calls a user contract but this process has no contract sandbox: it cannot execute or verify the block (the node stops rather than record a different block).',
  },
  GOV_MIGRATION_FAILED: {
    category: 'invalid',
    description:
      "The new version's `migrate` failed when the proposal was enacted: the proposal is recorded as failed and nothing of it applies (`details.cause` is the contract's failure).",
  },
  WORKFLOW_DEFINITION_INVALID: {
    category: 'invalid',
    description:
      'A workflow definition does not follow the format (PROTOCOL.md §17): `details.field` names the place, e.g. `steps.review.actions.approve.to`.',
  },
  WORKFLOW_UNKNOWN: { category: 'not_found', description: 'No workflow with that id is deployed.' },
  WORKFLOW_FORM_INVALID: {
    category: 'invalid',
    description:
      'A form does not fit its schema: a required field is missing, a value has the wrong type, length, range or form. `details.field` names it (e.g. `form.companyName`).',
  },
  WORKFLOW_PERSONAL_PLAINTEXT: {
    category: 'invalid',
    description:
      'A field marked personal (`x-personal`) holds something other than a commitment (64 hex characters): personal data never goes on chain in plain text. Send `H(salt ‖ value)`, keep the value off chain.',
  },
  WORKFLOW_PERSONAL_UNREGISTERED: {
    category: 'invalid',
    description:
      'A personal field holds a commitment that is not a registered personal record: register the value first (`privacy` / `register`, or the SDK and CLI do it for you), then put its commitment in the form. `details.field` names the field.',
  },
  WORKFLOW_PERSONAL_CATEGORY: {
    category: 'invalid',
    description:
      'A personal field holds a record of another data category than its schema asks for (`x-category`); `details.expected` and `details.category` name both.',
  },
  WORKFLOW_CHECK_FAILED: {
    category: 'conflict',
    description:
      'An automatic check of the workflow failed (`details.check` is its id, `details.message` what to tell the person, in Chinese and English).',
  },
  WORKFLOW_EFFECT_FAILED: {
    category: 'conflict',
    description:
      'An outcome of the workflow could not be carried out (the contract call that issues or registers failed); the case stays where it was.',
  },
  WORKFLOW_NOT_YOUR_TASK: {
    category: 'forbidden',
    description:
      "The caller is not among those who act at the case's current step (organisation and role of the step, or a countersign party that has not signed yet).",
  },
  WORKFLOW_ACTION_UNKNOWN: {
    category: 'invalid',
    description: 'The current step of the case has no action of that name (`details.actions` lists those it has).',
  },
  WORKFLOW_COMMENT_REQUIRED: {
    category: 'invalid',
    description: 'This action needs a comment (e.g. the reason of a rejection).',
  },
  CASE_UNKNOWN: { category: 'not_found', description: 'No case has this id.' },
  CASE_CLOSED: {
    category: 'conflict',
    description: 'The case is decided or withdrawn (`details.status`): no more actions.',
  },
  CASE_NOT_APPLICANT: { category: 'forbidden', description: 'Only the applicant may withdraw a case.' },
  CASE_ALREADY_SIGNED: {
    category: 'conflict',
    description: 'This countersign party has already signed the current step (`details.party`).',
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
  BATCH_PROPOSER_UNKNOWN: {
    category: 'forbidden',
    description:
      'etcd ordering: the batch this transaction came in was signed by a key that is not a node of the consortium (at the block it was ordered into); the transaction is dropped — submit it again through a member node.',
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
  ORG_UNKNOWN: { category: 'not_found', description: 'No organisation of the consortium has this id.' },
  CREDENTIAL_TYPE_UNKNOWN: {
    category: 'invalid',
    description: 'No credential type of the configuration (`credentials` section) has this id.',
  },
  CREDENTIAL_ISSUER_NOT_AUTHORISED: {
    category: 'forbidden',
    description:
      'Only a seal key (a member with role `issuer`) of an organisation the configuration lists for the type may issue it; `details.issuers` lists them.',
  },
  CREDENTIAL_EXISTS: {
    category: 'conflict',
    description: 'A credential with this id is already anchored (ids are 32 random bytes chosen by the issuer).',
  },
  CREDENTIAL_UNKNOWN: { category: 'not_found', description: 'No credential is anchored under this id.' },
  CREDENTIAL_ENTITLEMENT_MISMATCH: {
    category: 'conflict',
    description:
      "The credential is anchored for a case whose outcome entitled the applicant to a credential, but not as the entitlement says: another type, holder, validity or issuing organisation, or the case's credential is already issued (`details.field`).",
  },
  WORKFLOW_CREDENTIAL_HOLDER: {
    category: 'invalid',
    description:
      'The outcome issues a licence, and only a citizen or an enterprise (a subject of the identity registry) can hold one; the applicant is neither.',
  },
  CREDENTIAL_STATUS_CONFLICT: {
    category: 'conflict',
    description:
      'The status change does not apply: only a valid credential is suspended, only a suspended one reinstated, and a revoked one stays revoked.',
  },
  CREDENTIAL_REASON_UNKNOWN: {
    category: 'invalid',
    description: 'A status change needs a reason code from the fixed list (`details.reasons`).',
  },
  RECORD_NOT_FOUND: {
    category: 'not_found',
    description:
      'No public record has this id in the organisation (`details.org`, `details.id`), or the record a new one `supersedes` does not exist (`details.field`).',
  },
  RECORD_WITHDRAWN: {
    category: 'conflict',
    description:
      'The public record was withdrawn (废止, at `details.height`): it cannot be withdrawn again nor get a new version; publish the new text under a new id.',
  },
  PRIVATE_RECORD_UNKNOWN: { category: 'not_found', description: 'No personal record has this id (commitment).' },
  PRIVATE_RECORD_EXISTS: {
    category: 'conflict',
    description: 'A personal record with this commitment is already registered (use a fresh salt for a new record).',
  },
  PRIVATE_RECORD_ERASED: {
    category: 'not_found',
    description:
      'The personal record was erased (PIPL): its key material is destroyed on every node; only its commitment and the erasure record remain, and nobody can read it any more.',
  },
  PRIVACY_CATEGORY_UNKNOWN: {
    category: 'invalid',
    description: 'The data category is not in the catalogue of the consortium configuration (`privacy.categories`).',
  },
  PRIVACY_PURPOSE_UNKNOWN: {
    category: 'forbidden',
    description:
      'The purpose named for a read (or in a policy or consent) is not in the purpose catalogue; the read is denied and recorded.',
  },
  PRIVACY_PURPOSE_CATEGORY: {
    category: 'forbidden',
    description:
      "The purpose does not cover the record's data category (e.g. tax administration reading birth details); the read is denied and recorded.",
  },
  PRIVACY_READER_NOT_MEMBER: {
    category: 'forbidden',
    description:
      'Only civil servants read personal data for a purpose; a citizen reads only their own records (purpose `self-access`).',
  },
  PRIVACY_ROLE_DENIED: {
    category: 'forbidden',
    description:
      'The reader holds none of the roles the purpose allows (e.g. `audit` needs an auditor); the read is denied and recorded.',
  },
  PRIVACY_CASE_MISMATCH: {
    category: 'forbidden',
    description:
      'A read for a case (`case-handling`) must name a case whose form holds the record, and the reader must be its applicant, have acted on it or hold its current task; the read is denied and recorded.',
  },
  PRIVACY_POLICY_DENIED: {
    category: 'forbidden',
    description:
      "Neither the record's access policy nor a consent of the person allows the reader's organisation (and role) this purpose; the read is denied and recorded.",
  },
  PRIVACY_CONSENT_REVOKED: {
    category: 'forbidden',
    description:
      'The consent that would have allowed the read was revoked (from the height it names); the read is denied and recorded.',
  },
  PRIVACY_CONSENT_EXPIRED: {
    category: 'forbidden',
    description: 'The consent that would have allowed the read has lapsed (`until`); the read is denied and recorded.',
  },
  PRIVACY_CONSENT_UNKNOWN: { category: 'not_found', description: 'The citizen has no consent with this id.' },
  PRIVACY_NOT_SUBJECT: {
    category: 'forbidden',
    description:
      'Only the person a record is about may do this (read their own record, grant or revoke consent, register their own data, ask for erasure).',
  },
  PRIVACY_ERASURE_PENDING: {
    category: 'conflict',
    description: 'An erasure request for this record is already waiting for the holding organisation to decide.',
  },
  PRIVACY_ERASURE_NOT_REQUESTED: {
    category: 'conflict',
    description: 'An erasure can be decided only after someone asked for it (`privacy.requestErasure`).',
  },
});

export type RuntimeErrorCode = keyof typeof runtimeErrors;

export const runtimeError = errorFactory(runtimeErrors);

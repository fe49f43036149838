import { defineErrors, errorFactory } from '@lianzheng/protocol';

export const nodeErrors = defineErrors({
  REQUEST_MALFORMED: {
    category: 'invalid',
    description: 'The HTTP request is malformed: bad content type, missing body, or a bad path/query parameter.',
  },
  REQUEST_TOO_LARGE: { category: 'too_large', description: 'The request body exceeds the configured limit.' },
  BATCH_TOO_LARGE: { category: 'too_large', description: 'A batch holds more transactions than `maxBatchTxs`.' },
  MEMPOOL_FULL: {
    category: 'busy',
    description: 'The node holds as many pending transactions as it may; retry after the `Retry-After` delay.',
  },
  RATE_LIMITED: { category: 'busy', description: 'Too many requests from this client; retry later.' },
  NOT_FOUND: { category: 'not_found', description: 'No such route.' },
  TX_NOT_FOUND: { category: 'not_found', description: 'No committed or pending transaction has this id.' },
  BLOCK_NOT_FOUND: { category: 'not_found', description: 'No durable block at this height yet.' },
  STATE_KEY_NOT_FOUND: {
    category: 'not_found',
    description: 'The key has no value (ask with `proof=true` for a proof of absence).',
  },
  HEIGHT_NOT_AVAILABLE: {
    category: 'not_found',
    description: 'The height asked for is above the latest durable block.',
  },
  NODE_STOPPING: { category: 'unavailable', description: 'The node is shutting down and accepts no new work.' },
  STORE_CORRUPT: {
    category: 'internal',
    description:
      'Stored data failed verification (tampering or disk fault). The node refuses to start; `details.height` and `details.reason` say where. Restore from a backup or a peer.',
  },
  STORE_CHAIN_MISMATCH: {
    category: 'invalid',
    description: 'The data directory holds another chain than the genesis given.',
  },
  STORE_EMPTY: { category: 'not_found', description: 'The data directory holds no chain: run `lianzheng init`.' },
  CONFIG_INVALID: {
    category: 'invalid',
    description: 'The node configuration (file, flags or environment) is invalid; `details.field` names the setting.',
  },
  CONTRACT_COMPILE_FAILED: {
    category: 'invalid',
    description:
      'The TypeScript of a contract has a syntax error (`details.line`, `details.column`); nothing was proposed.',
  },
  SANDBOX_WASM_MISMATCH: {
    category: 'integrity',
    description:
      'The metered contract interpreter built on this machine differs from the one the protocol pins (PROTOCOL.md §16): fuel would differ from the other nodes, so the node does not start. Reinstall with the locked package versions.',
  },
  AUTH_CHALLENGE_UNKNOWN: {
    category: 'unauthenticated',
    description:
      'The sign-in challenge was never issued, has expired (60 s), or was already used: ask for a new one. Replayed sign-ins fail here.',
  },
  AUTH_SIGNATURE_INVALID: {
    category: 'unauthenticated',
    description: 'The sign-in signature does not verify for the challenge and the public key.',
  },
  AUTH_LOCKED: {
    category: 'busy',
    description:
      'Too many failed sign-ins for this key or from this address: sign-in is locked; `details.retryAfterSeconds` says for how long.',
  },
  SESSION_REQUIRED: {
    category: 'unauthenticated',
    description:
      'This endpoint needs a session: sign in (POST /v1/auth/challenge, then /v1/auth/session) and send `Authorization: Bearer <token>`.',
  },
  SESSION_EXPIRED: {
    category: 'unauthenticated',
    description: 'The session has timed out (idle or absolute limit) or was ended: sign in again.',
  },
  ORDERING_UNAVAILABLE: {
    category: 'unavailable',
    description:
      'etcd ordering: no member of the etcd cluster answered (or none has a leader). Admitted transactions wait in the mempool and are ordered when the cluster is back; retry new ones later.',
  },
  ORDERING_CHAIN_MISMATCH: {
    category: 'invalid',
    description:
      'The etcd key prefix configured for ordering already belongs to a chain with another genesis: use another prefix (node.json `etcd.prefix`) or another etcd cluster.',
  },
  PROOF_NOT_CERTIFIED: {
    category: 'unavailable',
    description:
      'etcd ordering: the block is durable on this node but a quorum of organisations has not certified it yet (usually a fraction of a second), or this node disagrees with the quorum (see /health). Retry shortly.',
  },
  SYNC_FAILED: {
    category: 'unavailable',
    description:
      'The node needs blocks from its peers (it is behind and etcd no longer holds the history it needs) and no peer served blocks that verify; `details.reason` says why. The node keeps trying.',
  },
  PRIVATE_STORE_LOCKED: {
    category: 'unauthenticated',
    description:
      'The master key file of the private-data store cannot be opened with this passphrase: start the node with the passphrase the store was created with.',
  },
  PRIVATE_STORE_CORRUPT: {
    category: 'integrity',
    description:
      'A private record, a received sealed record or the master key file of the private-data store fails authentication or is malformed (tampering or disk fault); `details.file` names the file.',
  },
  PRIVATE_VALUE_TOO_LARGE: {
    category: 'too_large',
    description: 'The canonical JSON of a personal record (value and salt) exceeds 64 KiB.',
  },
  PRIVACY_TX_INVALID: {
    category: 'invalid',
    description:
      'The privacy routes take a signed transaction of a given method (`privacy.register` with the value and salt, `privacy.read`); the body holds something else.',
  },
  PRIVACY_COMMITMENT_MISMATCH: {
    category: 'invalid',
    description:
      'The value and salt sent with a registration do not hash to the commitment in its transaction (PROTOCOL.md §19.1): nothing was stored.',
  },
  PRIVATE_RECORD_WRONG_NODE: {
    category: 'forbidden',
    description:
      "A node keeps only records of its own organisation or of records whose policy names it as a reader: send the registration to a node of the record's organisation.",
  },
  PRIVACY_PENDING: {
    category: 'unavailable',
    description:
      'The registration or read was admitted but its block is not durable yet; nothing is released before the read is on the ledger. Ask again (GET /v1/privacy/reads/{tx}).',
  },
  PRIVACY_SIGNER_MISMATCH: {
    category: 'forbidden',
    description: 'A read must be signed with the key of the signed-in session that asks for the content.',
  },
  PRIVACY_READ_EXPIRED: {
    category: 'forbidden',
    description:
      'The content of a recorded read is released again only for 10 minutes after its block; sign a new read.',
  },
  CREDENTIAL_NOT_IN_OUTBOX: {
    category: 'not_found',
    description:
      'No credential of the signed-in holder with this id waits on this node: it was collected already (the node keeps no copy after that), it is issued by another department’s node, or it is not yours.',
  },
  CREDENTIAL_CLAIM_MISSING: {
    category: 'invalid',
    description:
      'The workflow maps a licence claim to a member of a personal record that the record does not have (e.g. `name`); the issuing node retries, and the workflow or the record must be corrected.',
  },
  PRIVATE_RECORD_UNAVAILABLE: {
    category: 'unavailable',
    description:
      'The read is allowed and recorded, but this node does not hold the record and no peer handed it over (a node of the owning organisation is down). Retry later.',
  },
  PRIVACY_TRANSFER_INVALID: {
    category: 'unauthenticated',
    description:
      'A node-to-node record transfer request or answer is malformed, not signed by a node of the consortium, outside the two-minute window, or does not open.',
  },
  PRIVACY_TRANSFER_DENIED: {
    category: 'forbidden',
    description: "The requesting node's organisation neither owns the record nor is a reader in its policy.",
  },
  INTERNAL: { category: 'internal', description: 'An unexpected error; the node logged it with a correlation id.' },
});

export type NodeErrorCode = keyof typeof nodeErrors;

export const nodeError = errorFactory(nodeErrors);

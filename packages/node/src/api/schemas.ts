/**
 * JSON Schemas of the REST API, used for the OpenAPI 3.1 document and to validate path and query parameters.
 * Transaction bodies are validated by the protocol package (with coded errors), not by these schemas.
 */

const hex32 = { type: 'string', pattern: '^[0-9a-f]{64}$', description: '32 bytes, lower-case hex' } as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code, see docs/errors.md' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

export const transactionSchema = {
  $id: 'Transaction',
  type: 'object',
  description: 'Transaction body; its id is TH("lianzheng/tx", JCS(body)) (docs/PROTOCOL.md §4).',
  required: ['v', 'chainId', 'nonce', 'expiresAt', 'signer', 'contract', 'method', 'args'],
  additionalProperties: false,
  properties: {
    v: { const: 1 },
    chainId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    nonce: { type: 'string', pattern: '^([0-9a-f]{2}){16,32}$' },
    expiresAt: { type: 'integer', minimum: 0, description: 'ms since the Unix epoch' },
    signer: { type: 'string', pattern: '^[0-9a-f]+$', description: 'public key in the chain suite' },
    contract: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' },
    method: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,63}$' },
    args: { type: 'object', additionalProperties: true },
  },
} as const;

export const signedTransactionSchema = {
  $id: 'SignedTransaction',
  type: 'object',
  required: ['tx', 'sig'],
  additionalProperties: false,
  properties: {
    tx: { $ref: 'Transaction#' },
    sig: { type: 'string', pattern: '^[0-9a-f]{128}$', description: 'signature over the 32-byte transaction id' },
  },
} as const;

export const headerSchema = {
  $id: 'BlockHeader',
  type: 'object',
  required: ['v', 'chainId', 'height', 'time', 'parent', 'txCount', 'txRoot', 'receiptRoot', 'stateRoot'],
  properties: {
    v: { const: 1 },
    chainId: { type: 'string' },
    height: { type: 'integer' },
    time: { type: 'integer' },
    parent: hex32,
    txCount: { type: 'integer' },
    txRoot: hex32,
    receiptRoot: hex32,
    stateRoot: hex32,
  },
} as const;

export const receiptSchema = {
  $id: 'Receipt',
  type: 'object',
  required: ['tx', 'status', 'events'],
  properties: {
    tx: hex32,
    status: { enum: ['ok', 'failed'] },
    code: { type: 'string' },
    message: { type: 'string' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: { contract: { type: 'string' }, name: { type: 'string' }, data: {} },
      },
    },
    result: {},
  },
} as const;

export const checkpointSchema = {
  $id: 'Checkpoint',
  type: 'object',
  required: ['header', 'blockHash', 'attestations'],
  properties: {
    header: { $ref: 'BlockHeader#' },
    blockHash: hex32,
    attestations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['node', 'org', 'publicKey', 'sig'],
        properties: {
          node: { type: 'string' },
          org: { type: 'string' },
          publicKey: { type: 'string' },
          sig: { type: 'string' },
        },
      },
    },
  },
} as const;

export const txProofSchema = {
  $id: 'TxProof',
  type: 'object',
  required: ['height', 'index', 'tx', 'receipt', 'txPath', 'receiptPath', 'checkpoint'],
  properties: {
    height: { type: 'integer' },
    index: { type: 'integer' },
    tx: { $ref: 'SignedTransaction#' },
    receipt: { $ref: 'Receipt#' },
    txPath: { type: 'array', items: hex32, description: 'RFC 9162 audit path, leaf upwards' },
    receiptPath: { type: 'array', items: hex32 },
    checkpoint: { $ref: 'Checkpoint#' },
  },
} as const;

export const sharedSchemas = [
  errorSchema,
  transactionSchema,
  signedTransactionSchema,
  headerSchema,
  receiptSchema,
  checkpointSchema,
  txProofSchema,
] as const;

export const errorResponses = {
  400: { description: 'Invalid input', $ref: 'Error#' },
  404: { description: 'Not found', $ref: 'Error#' },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: hex32 },
} as const;

export const heightParams = {
  type: 'object',
  required: ['height'],
  properties: { height: { type: 'integer', minimum: 0 } },
} as const;

export const fullQuery = {
  type: 'object',
  properties: { full: { type: 'boolean', default: false, description: 'include transactions and receipts' } },
} as const;

export const waitQuery = {
  type: 'object',
  properties: {
    wait: { type: 'boolean', default: false, description: 'hold the response until the transaction is durable' },
    timeoutMs: { type: 'integer', minimum: 1, maximum: 120_000, default: 30_000 },
  },
} as const;

export const stateQuery = {
  type: 'object',
  properties: {
    proof: { type: 'boolean', default: false, description: 'include a state proof and the checkpoint it leads to' },
    height: { type: 'integer', minimum: 0, description: 'read at this height (default: latest durable)' },
  },
} as const;

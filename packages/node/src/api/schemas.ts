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
  description: 'Transaction body; its id is TH("lianzheng/tx", JCS(body)) (docs/PROTOCOL.md §5).',
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
    fuel: { type: 'integer', minimum: 0, description: 'fuel used by a call of a user contract (PROTOCOL.md §16)' },
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

/**
 * Path and query parameters are validated as strings (no type coercion: "-0", " 1", "1e3" or "0x1" are not heights)
 * and converted by the handlers.
 */
const decimal = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$', description: 'decimal integer' } as const;
const flag = { type: 'string', enum: ['true', 'false'] } as const;

export const heightParams = {
  type: 'object',
  required: ['height'],
  properties: { height: { ...decimal, description: 'block height' } },
} as const;

export const syncQuery = {
  type: 'object',
  required: ['from'],
  additionalProperties: false,
  properties: {
    from: { ...decimal, description: 'first height' },
    limit: { ...decimal, description: 'most blocks (1–256, default 64)' },
  },
} as const;

export const fullQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { full: { ...flag, description: 'include transactions and receipts (default false)' } },
} as const;

export const waitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    wait: { ...flag, description: 'hold the response until the transaction is durable (default false)' },
    timeoutMs: { ...decimal, description: 'how long to wait, 1–120000 ms (default 30000)' },
  },
} as const;

export const stateQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    proof: { ...flag, description: 'include a state proof and the checkpoint it leads to (default false)' },
    height: { ...decimal, description: 'read at this height (default: latest durable)' },
  },
} as const;

export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    contract: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'only events of this contract' },
    blocks: { ...flag, description: 'send block messages (default true)' },
    events: { ...flag, description: 'send contract event messages (default true)' },
  },
} as const;

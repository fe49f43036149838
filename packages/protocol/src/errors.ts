/**
 * Coded errors. Every failure that can reach a user carries a stable `code`; the API edge maps the code's
 * category to an HTTP status in one place, and `docs/errors.md` lists every code (a test keeps them in sync).
 */

/** What kind of failure a code is; the API edge turns this into an HTTP status. */
export const ErrorCategory = {
  /** The input is malformed or violates a rule (HTTP 400). */
  invalid: 'invalid',
  /** Signature or credential missing or wrong (HTTP 401). */
  unauthenticated: 'unauthenticated',
  /** Authenticated but not allowed (HTTP 403). */
  forbidden: 'forbidden',
  /** The thing asked for does not exist (HTTP 404). */
  notFound: 'not_found',
  /** The request conflicts with what is already recorded (HTTP 409). */
  conflict: 'conflict',
  /** The input is larger than a configured limit (HTTP 413). */
  tooLarge: 'too_large',
  /** The node is saturated; retry later (HTTP 429). */
  busy: 'busy',
  /** The node cannot serve this now (HTTP 503). */
  unavailable: 'unavailable',
  /** Verification of stored or received data failed: tampering or a bug (HTTP 422 when it is the caller's data). */
  integrity: 'integrity',
  /** A broken internal invariant (HTTP 500). */
  internal: 'internal',
} as const;
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

export interface ErrorSpec {
  readonly category: ErrorCategory;
  /** One sentence for `docs/errors.md`: what it means and what to do. */
  readonly description: string;
}

export type ErrorTable = Readonly<Record<string, ErrorSpec>>;

/** Identity function that keeps the literal keys of an error table while checking its shape. */
export function defineErrors<const T extends ErrorTable>(table: T): T {
  return table;
}

export interface LianzhengErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * The one error class of the project. `code` is stable and documented; `message` is short and never contains
 * secrets; `details` holds machine-readable context (field names, heights, limits).
 */
export class LianzhengError<C extends string = string> extends Error {
  override readonly name = 'LianzhengError';
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, message: string, options: LianzhengErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: C; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isLianzhengError(e: unknown): e is LianzhengError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && e.name === 'LianzhengError';
}

/** A constructor of coded errors restricted to one table's codes: each package gets its own from its table. */
export function errorFactory<const T extends ErrorTable>(_table: T) {
  return (
    code: keyof T & string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
    cause?: unknown,
  ): LianzhengError<keyof T & string> => {
    const options: { details?: Readonly<Record<string, unknown>>; cause?: unknown } = {};
    if (details !== undefined) options.details = details;
    if (cause !== undefined) options.cause = cause;
    return new LianzhengError(code, message, options);
  };
}

export const protocolErrors = defineErrors({
  JSON_MALFORMED: { category: 'invalid', description: 'The text is not valid JSON.' },
  JSON_DUPLICATE_KEY: {
    category: 'invalid',
    description: 'An object has the same member name twice (I-JSON forbids it; RFC 8785 needs I-JSON).',
  },
  JSON_TOO_DEEP: { category: 'invalid', description: 'Objects/arrays are nested deeper than the limit (64).' },
  JSON_NUMBER_INVALID: {
    category: 'invalid',
    description:
      'A number is not allowed here: protocol objects carry only integers in the IEEE-754 safe range (|n| ≤ 2^53−1); use a decimal string for anything else.',
  },
  JSON_STRING_INVALID: {
    category: 'invalid',
    description: 'A string contains a lone UTF-16 surrogate, or the bytes are not valid UTF-8.',
  },
  JSON_FORBIDDEN_KEY: { category: 'invalid', description: 'The member name `__proto__` is not accepted anywhere.' },
  JSON_NOT_CANONICAL: {
    category: 'invalid',
    description: 'Bytes that must be canonical JSON (RFC 8785) are not: re-encode the value with JCS.',
  },
  JSON_UNSUPPORTED_VALUE: {
    category: 'invalid',
    description: 'A value cannot be encoded as JSON (undefined, a function, NaN, Infinity, a bigint, …).',
  },
  FIELD_INVALID: {
    category: 'invalid',
    description: 'A field has the wrong type, format or length; `details.field` names it.',
  },
  HEX_INVALID: {
    category: 'invalid',
    description: 'A byte string is not lower-case hexadecimal of the expected length; `details.field` names it.',
  },
  SUITE_UNKNOWN: {
    category: 'invalid',
    description: 'The crypto suite is not one of `ed25519-sha256`, `sm2-sm3`.',
  },
  KEY_INVALID: { category: 'invalid', description: 'A public or secret key is malformed or out of range.' },
  TX_MALFORMED: {
    category: 'invalid',
    description: 'The transaction does not have the documented shape; `details.field` names the first bad field.',
  },
  TX_TOO_LARGE: {
    category: 'too_large',
    description: "The transaction's canonical encoding exceeds the chain's `maxTxBytes` limit.",
  },
  TX_SIGNATURE_INVALID: {
    category: 'unauthenticated',
    description: "The signature does not verify against the transaction id and the signer's public key.",
  },
  TX_CHAIN_ID_MISMATCH: {
    category: 'invalid',
    description: 'The transaction names another chain id (replay from another chain).',
  },
  TX_EXPIRED: {
    category: 'invalid',
    description: 'The transaction validity window (`expiresAt`) has passed: sign it again with a fresh window.',
  },
  TX_EXPIRY_TOO_FAR: {
    category: 'invalid',
    description: "`expiresAt` lies further in the future than the chain's `maxTxTtlMs`.",
  },
  BATCH_INVALID: {
    category: 'integrity',
    description:
      'An ordering batch read from etcd is malformed, names another chain, or its hash or node signature does not verify (PROTOCOL.md §18.2); the block cut from it holds no transactions. `details.reason` says which check failed.',
  },
  HEADER_MALFORMED: { category: 'invalid', description: 'A block header does not have the documented shape.' },
  RECEIPT_MALFORMED: { category: 'invalid', description: 'A receipt does not have the documented shape.' },
  GENESIS_INVALID: {
    category: 'invalid',
    description: 'The genesis document is malformed or inconsistent; `details.field` names the problem.',
  },
  PROOF_MALFORMED: { category: 'invalid', description: 'A proof object does not have the documented shape.' },
  PROOF_INVALID: {
    category: 'integrity',
    description:
      'A Merkle or state proof does not lead to the root it claims; `details.reason` says which step failed.',
  },
  CHECKPOINT_INVALID: {
    category: 'integrity',
    description:
      'A checkpoint does not verify: wrong header hash, unknown or duplicate attestor, or a bad attestation signature.',
  },
  CHECKPOINT_QUORUM_NOT_MET: {
    category: 'integrity',
    description: 'Too few organisations attested this checkpoint for the quorum in the trusted configuration.',
  },
  CERTIFICATE_INVALID: {
    category: 'integrity',
    description: 'A notarisation certificate does not verify; `details.reason` says which check failed.',
  },
  DER_MALFORMED: {
    category: 'invalid',
    description:
      'Bytes that must be strict DER (X.690) are not: bad tag or length, non-minimal encoding, trailing data; `details.reason` says which.',
  },
  X509_MALFORMED: {
    category: 'invalid',
    description:
      'A certificate is not a well-formed X.509 v3 certificate (RFC 5280) in DER or PEM; `details.reason` names the first problem.',
  },
  X509_UNSUPPORTED: {
    category: 'invalid',
    description:
      "A certificate uses an algorithm other than the chain suite's (Ed25519, or SM2 with SM3) or carries an unknown critical extension.",
  },
  X509_SIGNATURE_INVALID: {
    category: 'unauthenticated',
    description:
      'A certificate signature does not verify with the public key of the CA that is said to have issued it.',
  },
  X509_UNTRUSTED: {
    category: 'unauthenticated',
    description:
      "A certificate was not issued by one of its organisation's CA roots in the consortium configuration (self-signed, another organisation's CA, a removed CA).",
  },
  X509_EXPIRED: {
    category: 'unauthenticated',
    description: 'A certificate (or the CA that issued it) is outside its validity period at the block time or now.',
  },
  X509_PROFILE_INVALID: {
    category: 'invalid',
    description:
      'A certificate does not follow the Lianzheng profile (docs/identity.md): wrong organisation, missing member id, a CA flag on a member certificate, roles that may not be combined (等保 separation of duties), …',
  },
  DID_INVALID: {
    category: 'invalid',
    description: 'A DID is not a `did:key` for a key of the chain suite (Ed25519 `z6Mk…`, or SM2).',
  },
  POLICY_INVALID: {
    category: 'invalid',
    description:
      'A policy expression does not follow the policy language (docs/identity.md); `details.path` points at the bad part.',
  },
  CONSORTIUM_CONFIG_INVALID: {
    category: 'invalid',
    description:
      'A consortium configuration (genesis or a governance change) is malformed or inconsistent; `details.field` names the problem.',
  },
  COSIG_INVALID: {
    category: 'unauthenticated',
    description:
      'A co-signature is malformed, does not verify over the transaction id, repeats a signer, or is by the primary signer.',
  },
  DOCUMENT_MISMATCH: {
    category: 'integrity',
    description: 'The file given does not hash to the value recorded in the certificate.',
  },
  PRIVATE_RECORD_INVALID: {
    category: 'invalid',
    description:
      'A personal record or its access policy is malformed: a policy reader without organisation or purposes, a salt shorter than 16 bytes, a value over 64 KiB; `details.field` names the problem.',
  },
  ARGS_INVALID_K: {
    category: 'invalid',
    description: 'The k of small-cell suppression (k-anonymity) must be a positive integer.',
  },
  SD_JWT_MALFORMED: {
    category: 'invalid',
    description:
      'An SD-JWT, its JWS parts or a key (`cnf.jwk`) does not have the documented form (PROTOCOL.md §20): not canonical base64url, not a JSON object, a reserved claim made disclosable, nested selective disclosure, more than 64 disclosures or 64 KiB. `details.field` names the part.',
  },
  SD_JWT_DISCLOSURE_INVALID: {
    category: 'integrity',
    description:
      'A disclosure is not one the issuer signed (its digest is not in `_sd`), is sent twice, is not `[salt, name, value]`, or discloses a reserved or already visible claim: the presentation was tampered with.',
  },
  CREDENTIAL_MALFORMED: {
    category: 'invalid',
    description:
      'The credential is not a Lianzheng SD-JWT VC (PROTOCOL.md §20.7): wrong `typ`, no seal certificate in `x5c`, a missing or malformed `jti`, `vct`, `sub`, `iat`, `nbf` or `exp`. `details.field` names it.',
  },
  CREDENTIAL_ISSUER_UNTRUSTED: {
    category: 'unauthenticated',
    description:
      "The credential's seal certificate does not chain to a CA of the pinned consortium, was not valid when it signed, lacks the `issuer` role, or its organisation is not the `iss` of the credential.",
  },
  CREDENTIAL_SIGNATURE_INVALID: {
    category: 'unauthenticated',
    description:
      "The issuer signature does not verify with the seal certificate's key: the credential is forged or altered.",
  },
  CREDENTIAL_NOT_ANCHORED: {
    category: 'integrity',
    description:
      'The ledger holds no anchor for exactly this credential (none under its id, or one with another digest, seal, type or holder): it was never issued on chain.',
  },
  CREDENTIAL_STATUS_PROOF_INVALID: {
    category: 'integrity',
    description:
      "The status evidence does not verify: not the anchor's key, no proof or checkpoint, a checkpoint without the quorum of departments, or a state proof that does not lead to its state root. A node's answer was forged.",
  },
  CREDENTIAL_STATUS_STALE: {
    category: 'integrity',
    description:
      'The status comes from a checkpoint older than one the verifier has already seen (rolled back) or older than the freshness bound (default 24 h): ask for a current one.',
  },
  CREDENTIAL_REVOKED: {
    category: 'forbidden',
    description: 'The issuing department has revoked the credential (`details.reason` is the reason code).',
  },
  CREDENTIAL_SUSPENDED: {
    category: 'forbidden',
    description: 'The issuing department has suspended the credential (`details.reason`); it may be reinstated.',
  },
  CREDENTIAL_EXPIRED: { category: 'forbidden', description: 'The credential is past its validity.' },
  CREDENTIAL_NOT_YET_VALID: { category: 'forbidden', description: 'The credential is not valid yet.' },
  SD_JWT_KB_INVALID: {
    category: 'unauthenticated',
    description:
      "The presentation's key binding (KB-JWT) fails: missing, not signed by the credential's holder, for another verifier or nonce (a replay), too old, or not covering what is presented. `details.reason` is one of missing, typ, signature, aud, nonce, iat, sd-hash.",
  },
  KEY_FILE_INVALID: {
    category: 'invalid',
    description:
      'A key file is missing, unreadable or malformed (not JSON, a wrong shape, KDF parameters out of range), or its secret does not give the public key it states; `details.field` names the bad field.',
  },
  KEY_PASSPHRASE_REQUIRED: {
    category: 'unauthenticated',
    description:
      'The key file is encrypted and no passphrase was given: set `LIANZHENG_PASSPHRASE`, pass `--passphrase-file`, or run in a terminal to be asked (in a browser: type it).',
  },
  KEY_PASSPHRASE_WRONG: {
    category: 'unauthenticated',
    description: 'The passphrase does not decrypt the key file (or the file was altered).',
  },
  PASSPHRASE_TOO_WEAK: {
    category: 'invalid',
    description: 'A new passphrase is shorter than 12 characters.',
  },
  CRYPTO_UNAVAILABLE: {
    category: 'unavailable',
    description:
      'Web Crypto (`crypto.subtle`, needed for the AES-GCM of `ed25519-sha256` key files) is missing: browsers offer it only to pages served over https or from localhost.',
  },
});

export type ProtocolErrorCode = keyof typeof protocolErrors;

/** Shorthand used inside this package. */
export const protocolError = errorFactory(protocolErrors);

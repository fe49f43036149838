/**
 * E-licences (电子证照, ADR 0015, PROTOCOL.md §20): which department may issue which licence type (the `credentials`
 * section of the consortium configuration), what the chain keeps about an issued credential (its anchor: digest,
 * type, issuer, holder pseudonym, validity, status with reason), and the names a credential uses.
 */
import { base64 } from '@scure/base';
import type { StateView } from './apiTypes.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from './bytes.js';
import type { JsonObject } from './canonicalJson.js';
import { assertCheckpoint, verifyCheckpoint } from './checkpoint.js';
import type { ConsortiumView } from './config.js';
import { protocolError } from './errors.js';
import type { Consortium } from './genesis.js';
import { checkMemberCertificate } from './identity.js';
import { ORG_ID_PATTERN } from './ids.js';
import { assertBilingualText, type BilingualText } from './privacy.js';
import {
  base64urlEncode,
  disclosedClaims,
  issueSdJwt,
  jwkToPublicKey,
  type ParsedSdJwt,
  parseSdJwt,
  publicKeyToJwk,
  SD_JWT_VC_TYP,
  verifyJws,
  verifyKeyBinding,
} from './sdJwt.js';
import { stateProofFromJson, verifyStateProof } from './stateProof.js';
import type { CryptoSuite } from './suite.js';
import { certificateFromBase64 } from './x509.js';

export const CREDENTIAL_CONTRACT = 'credential';
export const CREDENTIAL_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;
/** A credential id: 32 random bytes, hex, chosen by the issuer. */
export const CREDENTIAL_ID_PATTERN = /^[0-9a-f]{64}$/;
/** The role a member needs to issue (sign and anchor) credentials: a department's seal (电子印章). */
export const ISSUER_ROLE = 'issuer';

export interface CredentialType {
  readonly id: string;
  readonly title: BilingualText;
  /** Organisations that may issue it. */
  readonly issuers: readonly string[];
  /** Default validity of a new credential, days. */
  readonly validityDays: number;
}

/** The `credentials` section of the consortium configuration. */
export interface CredentialsConfig {
  readonly types: readonly CredentialType[];
}

const t = (zh: string, en: string): BilingualText => ({ zh, en });

/** The four licence types of the demo consortium (used when the configuration has no `credentials` section). */
export const defaultCredentialsConfig: CredentialsConfig = {
  types: [
    { id: 'business-licence', title: t('营业执照', 'Business licence'), issuers: ['market'], validityDays: 7300 },
    {
      id: 'real-estate-certificate',
      title: t('不动产权证书', 'Real-estate title certificate'),
      issuers: ['realestate'],
      validityDays: 25_550,
    },
    {
      id: 'birth-certificate',
      title: t('出生医学证明', 'Medical certificate of birth'),
      issuers: ['health'],
      validityDays: 36_500,
    },
    {
      id: 'household-record',
      title: t('户口登记', 'Household registration record'),
      issuers: ['police'],
      validityDays: 3650,
    },
  ],
};

export function credentialsConfigOf(config: { readonly credentials?: CredentialsConfig }): CredentialsConfig {
  return config.credentials ?? defaultCredentialsConfig;
}

export function credentialTypeOf(config: CredentialsConfig, id: string): CredentialType | undefined {
  return config.types.find((x) => x.id === id);
}

/** `vct` of a licence type: `urn:lianzheng:credential:<type>`. */
export function vctOf(type: string): string {
  return `urn:lianzheng:credential:${type}`;
}

/** `iss` of a department on a chain: `urn:lianzheng:<chainId>:<org>`. */
export function issuerUriOf(chainId: string, org: string): string {
  return `urn:lianzheng:${chainId}:${org}`;
}

function invalid(field: string, message: string): never {
  throw protocolError('CONSORTIUM_CONFIG_INVALID', `${field}: ${message}`, { field });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates the `credentials` section; `orgs`, when given, are the organisations an issuer must be one of. */
export function assertCredentialsConfig(
  value: unknown,
  orgs?: ReadonlySet<string>,
  field = 'credentials',
): CredentialsConfig {
  if (!isRecord(value)) invalid(field, 'must be { types }');
  for (const k of Object.keys(value)) if (k !== 'types') invalid(`${field}.${k}`, 'unknown field');
  if (!Array.isArray(value.types) || value.types.length === 0 || value.types.length > 64) {
    invalid(`${field}.types`, 'must list 1–64 credential types');
  }
  const ids = new Set<string>();
  value.types.forEach((x: unknown, i: number) => {
    const f = `${field}.types[${i}]`;
    if (!isRecord(x)) invalid(f, 'must be { id, title, issuers, validityDays }');
    for (const k of Object.keys(x)) {
      if (!['id', 'title', 'issuers', 'validityDays'].includes(k)) invalid(`${f}.${k}`, 'unknown field');
    }
    if (typeof x.id !== 'string' || !CREDENTIAL_TYPE_PATTERN.test(x.id)) invalid(`${f}.id`, 'malformed');
    if (ids.has(x.id)) invalid(`${f}.id`, `duplicate type ${x.id}`);
    ids.add(x.id);
    assertBilingualText(x.title, `${f}.title`);
    const issuers = x.issuers;
    if (!Array.isArray(issuers) || issuers.length === 0 || issuers.length > 64) {
      invalid(`${f}.issuers`, 'must list 1–64 organisations');
    }
    if (new Set(issuers).size !== issuers.length) invalid(`${f}.issuers`, 'lists an organisation twice');
    for (const o of issuers) {
      if (typeof o !== 'string' || !ORG_ID_PATTERN.test(o)) invalid(`${f}.issuers`, `${String(o)} is malformed`);
      if (orgs !== undefined && !orgs.has(o)) invalid(`${f}.issuers`, `${o} is not an organisation`);
    }
    if (
      !Number.isSafeInteger(x.validityDays) ||
      (x.validityDays as number) < 1 ||
      (x.validityDays as number) > 36_500
    ) {
      invalid(`${f}.validityDays`, 'must be a whole number of days, 1–36500');
    }
  });
  return value as unknown as CredentialsConfig;
}

/** Status of an anchored credential. `revoked` is final; `suspended` may be reinstated. */
export type CredentialStatus = 'valid' | 'suspended' | 'revoked';

/**
 * A credential's status at a given time, as a department's list and the published statistics show it: the anchor's
 * status, except that a valid or suspended credential whose validity has ended is `expired` (it can no longer come
 * back into force). Revocation is final and stays `revoked`.
 */
export type CredentialEffectiveStatus = CredentialStatus | 'expired';

export const CREDENTIAL_EFFECTIVE_STATUSES: readonly CredentialEffectiveStatus[] = [
  'valid',
  'suspended',
  'revoked',
  'expired',
];

export function isCredentialEffectiveStatus(value: unknown): value is CredentialEffectiveStatus {
  return (CREDENTIAL_EFFECTIVE_STATUSES as readonly unknown[]).includes(value);
}

/** The status of a credential at `now` (ms): `expired` from `validUntil` on (`now ≥ validUntil`, as verifiers decide). */
export function credentialEffectiveStatus(
  c: { readonly status: CredentialStatus; readonly validUntil: number },
  now: number,
): CredentialEffectiveStatus {
  if (c.status === 'revoked') return 'revoked';
  return now >= c.validUntil ? 'expired' : c.status;
}

/** Why a credential was suspended, reinstated or revoked (a fixed list, so verifiers can show it in any language). */
export const CREDENTIAL_REASONS: Readonly<Record<string, BilingualText>> = {
  'holder-request': t('持证人申请', 'At the holder’s request'),
  'under-investigation': t('立案调查中', 'Under investigation'),
  'data-error': t('登记信息有误', 'The registered data is wrong'),
  superseded: t('已换发新证', 'Replaced by a new credential'),
  cancelled: t('已注销', 'Cancelled (deregistered)'),
  'revoked-by-decision': t('依法吊销', 'Revoked by an administrative decision'),
  'key-compromise': t('签发密钥泄露', 'The issuing key was compromised'),
  'investigation-closed': t('调查结束，恢复有效', 'Investigation closed, valid again'),
};

export interface CredentialStatusChange {
  readonly status: CredentialStatus;
  readonly reason: string;
  readonly by: string;
  readonly tx: string;
  readonly height: number;
  readonly time: number;
}

/** What the chain keeps about an issued credential (`credential` / `credential/<id>`); never its claims. */
export interface CredentialAnchor {
  readonly id: string;
  readonly type: string;
  /** Issuing organisation and the seal key that signed both the credential and this anchor. */
  readonly org: string;
  readonly issuerKey: string;
  /** Pseudonymous subject id of the holder. */
  readonly holder: string;
  /** b64u of H(ASCII(issuer-signed JWT)) (`_sd_alg`'s hash): binds this anchor to exactly one credential. */
  readonly digest: string;
  /** Validity, ms since the epoch. */
  readonly validFrom: number;
  readonly validUntil: number;
  readonly status: CredentialStatus;
  readonly reason?: string;
  /** The case the credential was issued for. */
  readonly case?: string;
  readonly tx: string;
  readonly height: number;
  readonly time: number;
  readonly history: readonly CredentialStatusChange[];
}

export const credentialKeys = {
  anchor: (id: string) => `credential/${id}`,
  holder: (subject: string, id: string) => `holder/${subject}/${id}`,
  holderPrefix: (subject: string) => `holder/${subject}/`,
  /** The credential issued for a case's entitlement: its id. */
  byCase: (caseId: string) => `case/${caseId}`,
};

/** The `workflow` contract's key of a case's entitlement to a credential. */
export const entitlementKey = (caseId: string): string => `entitlement/${caseId}`;
export const ENTITLEMENT_PREFIX = 'entitlement/';

/** A claim name a workflow may map case values to: top-level, not one the profile sets itself. */
export const CLAIM_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const RESERVED_CLAIM_NAMES: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'iat',
  'nbf',
  'exp',
  'jti',
  'cnf',
  'vct',
  'status',
  'nonce',
  'sd_hash',
  '_sd',
  '_sd_alg',
]);

/** A claim whose value is (a field of) a personal record: the issuing node reads it from its store, as a recorded read. */
export interface PersonalClaim {
  /** The record's commitment, as the case's form holds it. */
  readonly record: string;
  /** A member of the record's value (an object); the whole value when absent. */
  readonly field?: string;
}

/**
 * What a workflow outcome records when it entitles the applicant to a credential (`workflow` / `entitlement/<case>`,
 * PROTOCOL.md §20.8): the issuing department's node signs a credential with exactly these claims, anchors it for the
 * case and keeps it sealed until the holder collects it.
 */
export interface CredentialEntitlement {
  readonly case: string;
  readonly workflow: string;
  readonly type: string;
  /** The issuing organisation (the workflow's owner). */
  readonly org: string;
  /** The applicant: subject id (pseudonym) and the key that signed the application (the credential's `cnf`). */
  readonly holder: string;
  readonly holderKey: string;
  /** Claims with their values taken from the case (never personal data: those are in `personal`). */
  readonly claims: JsonObject;
  readonly personal: Readonly<Record<string, PersonalClaim>>;
  /** Claim names the holder may hide (the others are always shown). */
  readonly disclosable: readonly string[];
  /** ms since the epoch. */
  readonly validFrom: number;
  readonly validUntil: number;
  readonly tx: string;
  readonly height: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Issuing and verifying a credential (PROTOCOL.md §20.7)
// ---------------------------------------------------------------------------------------------------------------

/** `b64u(H(ASCII(issuer-signed JWT)))`: what the anchor records. */
export function credentialDigest(suite: CryptoSuite, issuerJwt: string): string {
  return base64urlEncode(suite.hash(utf8ToBytes(issuerJwt)));
}

export interface IssueCredentialParameters {
  readonly chainId: string;
  readonly type: string;
  /** The seal: its member certificate (DER) and secret key. */
  readonly sealCertificate: Uint8Array;
  readonly sealSecretKey: Uint8Array;
  readonly org: string;
  /** 32 random bytes hex; default fresh. */
  readonly id?: string;
  readonly holderSubject: string;
  readonly holderPublicKey: Uint8Array;
  /** ms since the epoch. */
  readonly validFrom: number;
  readonly validUntil: number;
  readonly issuedAt: number;
  /** Claims always shown (e.g. the licence number). */
  readonly claims: JsonObject;
  /** Claims the holder chooses to show or hide. */
  readonly disclosable: JsonObject;
}

/** Signs an SD-JWT VC with a department's seal; returns it with its id and the digest to anchor. */
export function issueCredential(
  suite: CryptoSuite,
  p: IssueCredentialParameters,
): { sdJwt: string; id: string; digest: string } {
  const id = p.id ?? bytesToHex(randomBytes(32));
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const sdJwt = issueSdJwt(suite, {
    header: { typ: SD_JWT_VC_TYP, x5c: [base64.encode(p.sealCertificate)] },
    claims: {
      ...p.claims,
      iss: issuerUriOf(p.chainId, p.org),
      vct: vctOf(p.type),
      jti: id,
      sub: p.holderSubject,
      iat: seconds(p.issuedAt),
      nbf: seconds(p.validFrom),
      exp: seconds(p.validUntil),
      cnf: { jwk: publicKeyToJwk(suite, p.holderPublicKey) },
    },
    disclosable: p.disclosable,
    secretKey: p.sealSecretKey,
  });
  const jwt = sdJwt.slice(0, sdJwt.indexOf('~'));
  return { sdJwt, id, digest: credentialDigest(suite, jwt) };
}

export interface CredentialCheck {
  /** The verifier's audience and the nonce it gave the holder. */
  readonly aud: string;
  readonly nonce: string;
  /** ms since the epoch. */
  readonly now: number;
  /**
   * The newest checkpoint height this verifier has accepted before: an older one is a rollback. Default 0; verifiers
   * that check repeatedly keep the highest `checkpointHeight` they were given.
   */
  readonly minCheckpointHeight?: number;
  /** The status must come from a checkpoint at most this old (ms); default 24 h. */
  readonly maxStatusAgeMs?: number;
  /** KB-JWT age allowed, seconds (default 300). */
  readonly maxPresentationAgeSeconds?: number;
}

export interface VerifiedCredential {
  readonly id: string;
  readonly type: string;
  readonly org: string;
  readonly holder: string;
  /** The claims the holder disclosed, with the always-visible ones (no `_sd`). */
  readonly claims: JsonObject;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly status: 'valid';
  readonly anchorHeight: number;
  readonly checkpointHeight: number;
  readonly checkpointTime: number;
}

function fail(code: CredentialErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw protocolError(code, message, details);
}
type CredentialErrorCode =
  | 'CREDENTIAL_MALFORMED'
  | 'CREDENTIAL_ISSUER_UNTRUSTED'
  | 'CREDENTIAL_SIGNATURE_INVALID'
  | 'CREDENTIAL_NOT_ANCHORED'
  | 'CREDENTIAL_STATUS_PROOF_INVALID'
  | 'CREDENTIAL_STATUS_STALE'
  | 'CREDENTIAL_REVOKED'
  | 'CREDENTIAL_SUSPENDED'
  | 'CREDENTIAL_EXPIRED'
  | 'CREDENTIAL_NOT_YET_VALID';

/**
 * Verifies a presentation of a Lianzheng credential trusting no node: the seal certificate against the pinned
 * configuration's CAs, the issuer signature, the key binding (audience, nonce, age), the disclosures, and the status
 * from `status` — a state view of `credential/<id>` with its proof and the certified checkpoint it belongs to. The
 * checkpoint must verify against `trust`, be no older than `minCheckpointHeight` and `maxStatusAgeMs`, and the anchor
 * must name exactly this credential, its seal and type; then revoked, suspended, expired and not-yet-valid are refused.
 */
/** What the issuer part of a credential says, once its seal and signature are checked. */
export interface CredentialIssuerCheck {
  readonly id: string;
  readonly type: string;
  readonly org: string;
  /** The seal's public key, hex. */
  readonly sealKey: string;
  /** From `iat`, `nbf`, `exp` (ms). */
  readonly issuedAt: number;
  readonly validFrom: number;
  readonly validUntil: number;
}

/**
 * Checks the issuer-signed part of a credential or presentation (§20.7 steps 1–3): the `dc+sd-jwt` shape, the seal
 * certificate in `x5c` against the pinned organisation CAs at `iat` (a member with role `issuer`), `iss` naming that
 * organisation, and the seal's signature. What a wallet checks before keeping a credential.
 */
export function verifyCredentialIssuer(
  suite: CryptoSuite,
  trust: Consortium,
  view: ConsortiumView,
  parsed: ParsedSdJwt,
): CredentialIssuerCheck {
  const { header, payload } = parsed.jws;
  if (header.typ !== SD_JWT_VC_TYP) fail('CREDENTIAL_MALFORMED', `typ must be ${SD_JWT_VC_TYP}`, { field: 'typ' });
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length !== 1 || typeof x5c[0] !== 'string') {
    fail('CREDENTIAL_MALFORMED', 'x5c must hold the seal certificate', { field: 'x5c' });
  }
  const id = payload.jti;
  const type = typeof payload.vct === 'string' ? payload.vct.replace(/^urn:lianzheng:credential:/, '') : '';
  if (typeof id !== 'string' || !CREDENTIAL_ID_PATTERN.test(id)) fail('CREDENTIAL_MALFORMED', 'jti', { field: 'jti' });
  if (type === payload.vct || !CREDENTIAL_TYPE_PATTERN.test(type))
    fail('CREDENTIAL_MALFORMED', 'vct', { field: 'vct' });
  for (const f of ['iat', 'nbf', 'exp'] as const) {
    if (!Number.isSafeInteger(payload[f])) fail('CREDENTIAL_MALFORMED', `${f} must be seconds`, { field: f });
  }
  if (typeof payload.sub !== 'string') fail('CREDENTIAL_MALFORMED', 'sub must be the holder', { field: 'sub' });

  // The seal: a member certificate of the issuing organisation with role issuer, valid when it signed.
  let seal: ReturnType<typeof checkMemberCertificate>;
  try {
    seal = checkMemberCertificate(suite, view, certificateFromBase64(x5c[0] as string), (payload.iat as number) * 1000);
  } catch (cause) {
    throw protocolError('CREDENTIAL_ISSUER_UNTRUSTED', 'the seal certificate is not one of the consortium', {}, cause);
  }
  if (seal.kind !== 'member' || !seal.roles.includes(ISSUER_ROLE)) {
    fail('CREDENTIAL_ISSUER_UNTRUSTED', `the certificate is not a seal (role ${ISSUER_ROLE})`);
  }
  if (payload.iss !== issuerUriOf(trust.chainId, seal.org)) {
    fail('CREDENTIAL_ISSUER_UNTRUSTED', 'iss is not the organisation of the seal certificate', { org: seal.org });
  }
  const sealKey = hexToBytes(seal.publicKey, 'seal');
  if (!verifyJws(suite, parsed.jws, sealKey))
    fail('CREDENTIAL_SIGNATURE_INVALID', 'the seal signature does not verify');
  return {
    id: id as string,
    type,
    org: seal.org,
    sealKey: seal.publicKey,
    issuedAt: (payload.iat as number) * 1000,
    validFrom: (payload.nbf as number) * 1000,
    validUntil: (payload.exp as number) * 1000,
  };
}

export function verifyCredentialPresentation(
  suite: CryptoSuite,
  trust: Consortium,
  view: ConsortiumView,
  presentation: string,
  status: StateView,
  check: CredentialCheck,
): VerifiedCredential {
  const parsed = parseSdJwt(suite, presentation);
  const { payload } = parsed.jws;
  const { id, type, org, sealKey } = verifyCredentialIssuer(suite, trust, view, parsed);

  // The holder, for this verifier and nonce; then what they chose to show.
  const holderKey = jwkToPublicKey(suite, (payload.cnf as { jwk?: unknown } | undefined)?.jwk);
  verifyKeyBinding(suite, parsed, holderKey, {
    aud: check.aud,
    nonce: check.nonce,
    now: Math.floor(check.now / 1000),
    ...(check.maxPresentationAgeSeconds === undefined ? {} : { maxAgeSeconds: check.maxPresentationAgeSeconds }),
  });
  const claims = disclosedClaims(suite, parsed);

  // Status: a certified checkpoint, not rolled back, fresh; the anchor proven in its state.
  if (status.contract !== CREDENTIAL_CONTRACT || status.key !== credentialKeys.anchor(id as string)) {
    fail('CREDENTIAL_STATUS_PROOF_INVALID', 'the status is not the anchor of this credential');
  }
  if (status.proof === undefined || status.checkpoint === undefined) {
    fail('CREDENTIAL_STATUS_PROOF_INVALID', 'the status comes without a proof and a checkpoint');
  }
  let checkpoint: ReturnType<typeof verifyCheckpoint>;
  try {
    checkpoint = verifyCheckpoint(suite, trust, assertCheckpoint(status.checkpoint));
    if (checkpoint.header.height !== status.height) throw new Error('the checkpoint is for another height');
    verifyStateProof(
      suite,
      hexToBytes(checkpoint.header.stateRoot, 'stateRoot', 32),
      CREDENTIAL_CONTRACT,
      status.key,
      status.value,
      stateProofFromJson(status.proof),
    );
  } catch (cause) {
    throw protocolError('CREDENTIAL_STATUS_PROOF_INVALID', 'the status proof does not verify', {}, cause);
  }
  const height = checkpoint.header.height;
  if (height < (check.minCheckpointHeight ?? 0)) {
    fail('CREDENTIAL_STATUS_STALE', 'the checkpoint is older than one already seen (rolled back)', {
      height,
      minHeight: check.minCheckpointHeight,
    });
  }
  if (checkpoint.header.time < check.now - (check.maxStatusAgeMs ?? 86_400_000)) {
    fail('CREDENTIAL_STATUS_STALE', 'the checkpoint is too old to tell the status', { time: checkpoint.header.time });
  }
  // From here on the checkpoint is good: refusals say its height, so a verifier still learns it (no rollback later).
  const anchor = status.value as CredentialAnchor | null;
  const jwt = parsed.jwt;
  if (
    anchor === null ||
    typeof anchor !== 'object' ||
    anchor.digest !== credentialDigest(suite, jwt) ||
    anchor.issuerKey !== sealKey ||
    anchor.org !== org ||
    anchor.type !== type ||
    anchor.holder !== payload.sub
  ) {
    fail('CREDENTIAL_NOT_ANCHORED', 'the ledger holds no anchor for exactly this credential', {
      id,
      checkpointHeight: height,
    });
  }
  const a = anchor as CredentialAnchor;
  if (a.status === 'revoked')
    fail('CREDENTIAL_REVOKED', 'the credential is revoked', { reason: a.reason ?? '', checkpointHeight: height });
  if (a.status === 'suspended')
    fail('CREDENTIAL_SUSPENDED', 'the credential is suspended', {
      reason: a.reason ?? '',
      checkpointHeight: height,
    });
  if (check.now >= a.validUntil || check.now >= (payload.exp as number) * 1000) {
    fail('CREDENTIAL_EXPIRED', 'the credential has expired', { validUntil: a.validUntil, checkpointHeight: height });
  }
  if (check.now < a.validFrom || check.now < (payload.nbf as number) * 1000) {
    fail('CREDENTIAL_NOT_YET_VALID', 'the credential is not valid yet', {
      validFrom: a.validFrom,
      checkpointHeight: height,
    });
  }
  return {
    id: a.id,
    type: a.type,
    org: a.org,
    holder: a.holder,
    claims,
    validFrom: a.validFrom,
    validUntil: a.validUntil,
    status: 'valid',
    anchorHeight: a.height,
    checkpointHeight: height,
    checkpointTime: checkpoint.header.time,
  };
}

/**
 * E-licences (电子证照, ADR 0015, PROTOCOL.md §20): which department may issue which licence type (the `credentials`
 * section of the consortium configuration), what the chain keeps about an issued credential (its anchor: digest,
 * type, issuer, holder pseudonym, validity, status with reason), and the names a credential uses.
 */
import { protocolError } from './errors.js';
import { ORG_ID_PATTERN } from './ids.js';
import { assertBilingualText, type BilingualText } from './privacy.js';

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
};

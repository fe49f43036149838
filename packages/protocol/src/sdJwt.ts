/**
 * SD-JWT (RFC 9901, Selective Disclosure for JWTs) with key binding, as Lianzheng issues and verifies it for
 * SD-JWT VCs (draft-ietf-oauth-sd-jwt-vc; PROTOCOL.md §20). Browser-safe, synchronous, no JOSE library: the profile
 * is small and exact.
 *
 * - JWS compact serialization; `alg` is `EdDSA` (Ed25519, RFC 8037) under `ed25519-sha256` and `SM2SM3` (SM2 with
 *   SM3 and the default user id, signature r‖s, 64 bytes; §3.3) under `sm2-sm3`. The signing input is the ASCII of
 *   `b64u(header) "." b64u(payload)`, signed as a whole message (not a 32-byte digest).
 * - Disclosures of top-level object properties only: `b64u(UTF-8(JSON [salt, name, value]))`, digest
 *   `b64u(H(ASCII(disclosure)))` with `_sd_alg` `sha-256` (SHA-256) or `sm3` (SM3); salts of 16 random bytes.
 * - `<issuer-jwt>~<disclosure>~…~` and, with key binding, `…~<kb-jwt>`; the KB-JWT has `typ: kb+jwt` and
 *   `{ iat, aud, nonce, sd_hash }`, `sd_hash = b64u(H(ASCII(everything before the KB-JWT)))`.
 */
import { base64urlnopad } from '@scure/base';
import { bytesToUtf8, concatBytes, randomBytes, utf8ToBytes } from './bytes.js';
import { canonicalize, type JsonObject, type JsonValue, parseJsonStrict } from './canonicalJson.js';
import { LianzhengError, protocolError } from './errors.js';
import type { CryptoSuite } from './suite.js';

export const SD_JWT_VC_TYP = 'dc+sd-jwt';
export const KB_JWT_TYP = 'kb+jwt';
/** Longest SD-JWT (with disclosures and KB-JWT) this implementation reads. */
export const MAX_SD_JWT_LENGTH = 64 * 1024;
const MAX_DISCLOSURES = 64;

export type JwsAlg = 'EdDSA' | 'SM2SM3';
export type SdAlg = 'sha-256' | 'sm3';

export function jwsAlgOf(suite: CryptoSuite): JwsAlg {
  return suite.id === 'sm2-sm3' ? 'SM2SM3' : 'EdDSA';
}

export function sdAlgOf(suite: CryptoSuite): SdAlg {
  return suite.id === 'sm2-sm3' ? 'sm3' : 'sha-256';
}

// base64url (RFC 4648 §5, no padding), @scure/base's audited codec.

export function base64urlEncode(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Strict: the canonical encoding only (no padding, no other alphabet, zero padding bits). */
export function base64urlDecode(text: string, field = 'base64url'): Uint8Array {
  try {
    if (typeof text !== 'string') throw new TypeError('not a string');
    return base64urlnopad.decode(text);
  } catch (cause) {
    throw protocolError('SD_JWT_MALFORMED', `${field} is not canonical base64url`, { field }, cause);
  }
}

const b64uJson = (value: JsonValue): string => base64urlEncode(utf8ToBytes(canonicalize(value)));

function decodeJsonPart(part: string, field: string): JsonObject {
  let value: JsonValue;
  try {
    value = parseJsonStrict(bytesToUtf8(base64urlDecode(part, field)));
  } catch (cause) {
    if (cause instanceof LianzhengError && cause.code === 'SD_JWT_MALFORMED') throw cause;
    throw protocolError('SD_JWT_MALFORMED', `${field} is not a JSON object`, { field }, cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError('SD_JWT_MALFORMED', `${field} is not a JSON object`, { field });
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// JWS compact
// ---------------------------------------------------------------------------------------------------------------

export interface ParsedJws {
  readonly header: JsonObject;
  readonly payload: JsonObject;
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
}

export function signJws(suite: CryptoSuite, secretKey: Uint8Array, header: JsonObject, payload: JsonObject): string {
  const input = `${b64uJson({ ...header, alg: jwsAlgOf(suite) })}.${b64uJson(payload)}`;
  return `${input}.${base64urlEncode(suite.sign(secretKey, utf8ToBytes(input)))}`;
}

export function parseJws(text: string, field = 'jwt'): ParsedJws {
  const parts = text.split('.');
  if (parts.length !== 3) throw protocolError('SD_JWT_MALFORMED', `${field} is not a compact JWS`, { field });
  const [h, p, s] = parts as [string, string, string];
  return {
    header: decodeJsonPart(h, `${field}.header`),
    payload: decodeJsonPart(p, `${field}.payload`),
    signingInput: utf8ToBytes(`${h}.${p}`),
    signature: base64urlDecode(s, `${field}.signature`),
  };
}

/** Whether the JWS names this suite's algorithm and its signature verifies under `publicKey`. */
export function verifyJws(suite: CryptoSuite, jws: ParsedJws, publicKey: Uint8Array): boolean {
  return (
    jws.header.alg === jwsAlgOf(suite) &&
    jws.signature.length === 64 &&
    suite.verify(publicKey, jws.signingInput, jws.signature)
  );
}

// ---------------------------------------------------------------------------------------------------------------
// JWK of a holder key (cnf.jwk)
// ---------------------------------------------------------------------------------------------------------------

/** Ed25519: `{kty: OKP, crv: Ed25519, x}` (RFC 8037). SM2: `{kty: EC, crv: SM2, x, y}` (the 32-byte coordinates). */
export function publicKeyToJwk(suite: CryptoSuite, publicKey: Uint8Array): JsonObject {
  if (suite.id === 'sm2-sm3') {
    return {
      kty: 'EC',
      crv: 'SM2',
      x: base64urlEncode(publicKey.subarray(1, 33)),
      y: base64urlEncode(publicKey.subarray(33, 65)),
    };
  }
  return { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(publicKey) };
}

export function jwkToPublicKey(suite: CryptoSuite, jwk: unknown): Uint8Array {
  const bad = (): never => {
    throw protocolError('SD_JWT_MALFORMED', `cnf.jwk is not a ${suite.id} public key`, { field: 'cnf.jwk' });
  };
  if (typeof jwk !== 'object' || jwk === null) bad();
  const k = jwk as Record<string, unknown>;
  let key: Uint8Array;
  if (suite.id === 'sm2-sm3') {
    if (k.kty !== 'EC' || k.crv !== 'SM2' || typeof k.x !== 'string' || typeof k.y !== 'string') bad();
    const x = base64urlDecode(k.x as string, 'cnf.jwk.x');
    const y = base64urlDecode(k.y as string, 'cnf.jwk.y');
    if (x.length !== 32 || y.length !== 32) bad();
    key = concatBytes(new Uint8Array([4]), x, y);
  } else {
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string') bad();
    key = base64urlDecode(k.x as string, 'cnf.jwk.x');
  }
  if (!suite.isValidPublicKey(key)) bad();
  return key;
}

// ---------------------------------------------------------------------------------------------------------------
// Disclosures
// ---------------------------------------------------------------------------------------------------------------

export interface Disclosure {
  readonly salt: string;
  readonly name: string;
  readonly value: JsonValue;
  /** The disclosure as it travels: base64url of the JSON array. */
  readonly encoded: string;
  readonly digest: string;
}

export function disclosureDigest(suite: CryptoSuite, encoded: string): string {
  return base64urlEncode(suite.hash(utf8ToBytes(encoded)));
}

const RESERVED = new Set(['_sd', '...', '_sd_alg', 'iss', 'iat', 'nbf', 'exp', 'cnf', 'vct', 'status', 'sub']);

export function createDisclosure(suite: CryptoSuite, name: string, value: JsonValue, salt?: string): Disclosure {
  if (RESERVED.has(name)) {
    throw protocolError('SD_JWT_MALFORMED', `${name} cannot be selectively disclosed`, { field: name });
  }
  const s = salt ?? base64urlEncode(randomBytes(16));
  const encoded = base64urlEncode(utf8ToBytes(JSON.stringify([s, name, value])));
  return { salt: s, name, value, encoded, digest: disclosureDigest(suite, encoded) };
}

function parseDisclosure(suite: CryptoSuite, encoded: string, index: number): Disclosure {
  const field = `disclosures[${index}]`;
  let value: JsonValue;
  try {
    value = parseJsonStrict(bytesToUtf8(base64urlDecode(encoded, field)));
  } catch (cause) {
    throw protocolError('SD_JWT_DISCLOSURE_INVALID', `${field} is not a JSON array`, { field }, cause);
  }
  if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
    // Two-element disclosures (array elements) are not part of this profile.
    throw protocolError('SD_JWT_DISCLOSURE_INVALID', `${field} must be [salt, name, value]`, { field });
  }
  const [salt, name] = value as [string, string, JsonValue];
  if (RESERVED.has(name)) {
    throw protocolError('SD_JWT_DISCLOSURE_INVALID', `${field} discloses the reserved claim ${name}`, { field });
  }
  return { salt, name, value: value[2] as JsonValue, encoded, digest: disclosureDigest(suite, encoded) };
}

// ---------------------------------------------------------------------------------------------------------------
// Issuance, parsing, presentation
// ---------------------------------------------------------------------------------------------------------------

export interface IssueSdJwtParameters {
  /** Protected header members besides `alg` (`typ`, `x5c`, `kid`). */
  readonly header: JsonObject;
  /** Claims always visible (`iss`, `vct`, `cnf`, `exp`, …). */
  readonly claims: JsonObject;
  /** Claims the holder may disclose or withhold, each its own disclosure. */
  readonly disclosable: JsonObject;
  readonly secretKey: Uint8Array;
  /** Decoy digests mixed into `_sd`, so the number of claims is not apparent (default 2). */
  readonly decoys?: number;
  /** Fixed salts by claim name (test vectors); default fresh random ones. */
  readonly salts?: Readonly<Record<string, string>>;
}

/** `<issuer-jwt>~<disclosure>~…~`: every disclosable claim is disclosed; present a subset with `presentSdJwt`. */
export function issueSdJwt(suite: CryptoSuite, p: IssueSdJwtParameters): string {
  const disclosures = Object.entries(p.disclosable).map(([name, value]) =>
    createDisclosure(suite, name, value, p.salts?.[name]),
  );
  for (const name of Object.keys(p.disclosable)) {
    if (Object.hasOwn(p.claims, name)) {
      throw protocolError('SD_JWT_MALFORMED', `${name} is both a visible and a disclosable claim`, { field: name });
    }
  }
  const decoys = Array.from({ length: p.decoys ?? 2 }, () => base64urlEncode(suite.hash(randomBytes(32))));
  const sd = [...disclosures.map((d) => d.digest), ...decoys].sort();
  const payload: JsonObject = { ...p.claims, ...(sd.length > 0 ? { _sd: sd, _sd_alg: sdAlgOf(suite) } : {}) };
  const jws = signJws(suite, p.secretKey, p.header, payload);
  return `${[jws, ...disclosures.map((d) => d.encoded)].join('~')}~`;
}

export interface ParsedSdJwt {
  /** The issuer-signed JWT. */
  readonly jwt: string;
  readonly jws: ParsedJws;
  readonly disclosures: readonly Disclosure[];
  /** The KB-JWT, when the presentation has one. */
  readonly kbJwt?: string;
  /** Everything before the KB-JWT (ends with `~`): what `sd_hash` covers. */
  readonly presented: string;
}

export function parseSdJwt(suite: CryptoSuite, text: string): ParsedSdJwt {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_SD_JWT_LENGTH) {
    throw protocolError('SD_JWT_MALFORMED', `an SD-JWT is a string of 1–${MAX_SD_JWT_LENGTH} characters`, {
      field: 'sdJwt',
    });
  }
  const parts = text.split('~');
  if (parts.length < 2) throw protocolError('SD_JWT_MALFORMED', 'an SD-JWT has at least one "~"', { field: 'sdJwt' });
  if (parts.length - 2 > MAX_DISCLOSURES) {
    throw protocolError('SD_JWT_MALFORMED', `more than ${MAX_DISCLOSURES} disclosures`, { field: 'sdJwt' });
  }
  const jwt = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  const middle = parts.slice(1, -1);
  if (middle.some((d) => d === '')) {
    throw protocolError('SD_JWT_MALFORMED', 'an empty disclosure', { field: 'disclosures' });
  }
  const disclosures = middle.map((d, i) => parseDisclosure(suite, d, i));
  const seen = new Set<string>();
  for (const d of disclosures) {
    if (seen.has(d.digest)) {
      throw protocolError('SD_JWT_DISCLOSURE_INVALID', 'the same disclosure is sent twice', { field: 'disclosures' });
    }
    seen.add(d.digest);
  }
  const presented = `${[jwt, ...middle].join('~')}~`;
  return {
    jwt,
    jws: parseJws(jwt, 'jwt'),
    disclosures,
    ...(last === '' ? {} : { kbJwt: last }),
    presented,
  };
}

/**
 * The claims the holder disclosed, merged into the visible ones: every disclosure's digest must be in `_sd` (once),
 * names must not clash with visible claims or each other. `_sd` and `_sd_alg` are removed.
 */
export function disclosedClaims(suite: CryptoSuite, parsed: ParsedSdJwt): JsonObject {
  const payload = parsed.jws.payload;
  const sd = payload._sd;
  if (sd !== undefined && (!Array.isArray(sd) || sd.some((d) => typeof d !== 'string'))) {
    throw protocolError('SD_JWT_MALFORMED', '_sd must be a list of digests', { field: '_sd' });
  }
  const digests = new Set((sd ?? []) as string[]);
  if (digests.size !== ((sd ?? []) as string[]).length) {
    throw protocolError('SD_JWT_MALFORMED', '_sd lists a digest twice', { field: '_sd' });
  }
  if (parsed.disclosures.length > 0 && payload._sd_alg !== sdAlgOf(suite)) {
    throw protocolError('SD_JWT_MALFORMED', `_sd_alg must be ${sdAlgOf(suite)}`, { field: '_sd_alg' });
  }
  for (const [name, value] of Object.entries(payload)) {
    if (name !== '_sd' && typeof value === 'object' && value !== null && hasSdMarkers(value)) {
      throw protocolError('SD_JWT_MALFORMED', `nested selective disclosure (in ${name}) is not part of this profile`, {
        field: name,
      });
    }
  }
  const out: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(payload)) if (name !== '_sd' && name !== '_sd_alg') out[name] = value;
  for (const d of parsed.disclosures) {
    if (!digests.has(d.digest)) {
      throw protocolError('SD_JWT_DISCLOSURE_INVALID', `the disclosure of ${d.name} is not one the issuer signed`, {
        field: d.name,
      });
    }
    if (Object.hasOwn(out, d.name)) {
      throw protocolError('SD_JWT_DISCLOSURE_INVALID', `${d.name} is disclosed twice or clashes with a claim`, {
        field: d.name,
      });
    }
    out[d.name] = d.value;
  }
  return out;
}

function hasSdMarkers(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some((v) => typeof v === 'object' && v !== null && hasSdMarkers(v));
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(
    ([k, v]) => k === '_sd' || k === '...' || (typeof v === 'object' && v !== null && hasSdMarkers(v)),
  );
}

export interface KeyBinding {
  readonly secretKey: Uint8Array;
  /** The verifier (audience), e.g. its URL or id. */
  readonly aud: string;
  readonly nonce: string;
  /** Seconds since the epoch. */
  readonly iat: number;
}

/**
 * A presentation: the issuer-signed JWT with only the named claims disclosed, bound to the holder's key for this
 * verifier and nonce (the KB-JWT signs `sd_hash` over exactly what is presented).
 */
export function presentSdJwt(suite: CryptoSuite, sdJwt: string, disclose: readonly string[], kb: KeyBinding): string {
  const parsed = parseSdJwt(suite, sdJwt);
  const keep = new Set(disclose);
  const chosen = parsed.disclosures.filter((d) => keep.has(d.name));
  const presented = `${[parsed.jwt, ...chosen.map((d) => d.encoded)].join('~')}~`;
  const kbJwt = signJws(
    suite,
    kb.secretKey,
    { typ: KB_JWT_TYP },
    { iat: kb.iat, aud: kb.aud, nonce: kb.nonce, sd_hash: base64urlEncode(suite.hash(utf8ToBytes(presented))) },
  );
  return `${presented}${kbJwt}`;
}

export interface KbCheck {
  readonly aud: string;
  readonly nonce: string;
  /** Seconds since the epoch; the KB-JWT's iat must be within `maxAgeSeconds` before it (and not in the future). */
  readonly now: number;
  readonly maxAgeSeconds?: number;
}

/**
 * Verifies the KB-JWT of a presentation against the holder key (`cnf.jwk`): type, signature, audience, nonce, age
 * and `sd_hash`. Throws SD_JWT_KB_INVALID with `details.reason`.
 */
export function verifyKeyBinding(suite: CryptoSuite, parsed: ParsedSdJwt, holderKey: Uint8Array, check: KbCheck): void {
  const fail = (reason: string, message: string): never => {
    throw protocolError('SD_JWT_KB_INVALID', message, { reason });
  };
  if (parsed.kbJwt === undefined) fail('missing', 'the presentation is not bound to the holder (no KB-JWT)');
  const kb = parseJws(parsed.kbJwt as string, 'kbJwt');
  if (kb.header.typ !== KB_JWT_TYP) fail('typ', `the KB-JWT's typ must be ${KB_JWT_TYP}`);
  if (!verifyJws(suite, kb, holderKey)) fail('signature', "the KB-JWT is not signed by the credential's holder");
  if (kb.payload.aud !== check.aud) fail('aud', 'the presentation is for another verifier');
  if (kb.payload.nonce !== check.nonce) fail('nonce', 'the presentation answers another nonce (replayed?)');
  const iat = kb.payload.iat;
  const maxAge = check.maxAgeSeconds ?? 300;
  if (typeof iat !== 'number' || iat > check.now + 60 || iat < check.now - maxAge) {
    fail('iat', 'the presentation is too old or dated in the future');
  }
  const expected = base64urlEncode(suite.hash(utf8ToBytes(parsed.presented)));
  if (kb.payload.sd_hash !== expected) fail('sd-hash', 'the KB-JWT does not cover what is presented');
}

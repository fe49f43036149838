/**
 * Lianzheng key files (`"type": "lianzheng-key", "v": 2`): the format, its checks, and a portable implementation
 * that opens and seals them in a browser as well as in Node. The node writes and opens the same files with OpenSSL
 * (`packages/node/src/keystore.ts`, which takes its checks from here); docs/identity.md describes the format.
 *
 * A file holds one 32-byte secret key encrypted under a passphrase:
 *
 * - KDF: scrypt, N = 2^15, r = 8, p = 1 by default, 32-byte random salt, parameters stored in the file. Here it is
 *   noble's `scryptAsync`, which yields to the event loop every few milliseconds so that a page stays responsive.
 * - Cipher, by suite: `ed25519-sha256` uses AES-256-GCM (12-byte iv, 16-byte tag) through Web Crypto;
 *   `sm2-sm3` uses SM4-CTR (16-byte iv, OpenSSL's `sm4-ctr`, `sm4.ts`) + HMAC-SM3 over AAD ‖ iv ‖ ciphertext,
 *   encrypt-then-MAC. scrypt derives 32 bytes for AES, 48 for SM4 (16-byte cipher key ‖ 32-byte MAC key).
 * - AAD: the RFC 8785 canonical JSON of {type, v, suite, id, org, role, publicKey, kdf}: editing any header field
 *   makes authentication fail; re-indenting or reordering the file does not.
 *
 * Failures are coded and never echo the passphrase, the secret or the file content (details name the bad field):
 * KEY_FILE_INVALID (not JSON, wrong shape, KDF parameters out of range — checked before the KDF runs —, or a secret
 * that does not give the stated public key), KEY_PASSPHRASE_WRONG (authentication failed: a wrong passphrase and an
 * altered file are indistinguishable by design), KEY_PASSPHRASE_REQUIRED (no passphrase), PASSPHRASE_TOO_WEAK (a new
 * passphrase shorter than 12 characters), CRYPTO_UNAVAILABLE (no Web Crypto for AES-GCM). Passphrases are
 * normalised to NFC, so the same text typed on different systems opens the same file.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import {
  bytesToHex,
  concatBytes,
  equalBytes,
  hexToBytes,
  isHex,
  randomBytes,
  utf8Length,
  utf8ToBytes,
} from './bytes.js';
import { canonicalize, parseJsonStrict } from './canonicalJson.js';
import { protocolError } from './errors.js';
import { KEY_ID_PATTERN, ORG_ID_PATTERN } from './ids.js';
import { ROLE_PATTERN } from './policy.js';
import { hmacSm3 } from './sm3.js';
import { sm4Ctr } from './sm4.js';
import { isSuiteId, portableSuite, type SuiteId } from './suite.js';

export const KEY_FILE_TYPE = 'lianzheng-key';
export const KEY_FILE_VERSION = 2;
/** A new passphrase has at least this many characters (Unicode code points after NFC). */
export const MIN_PASSPHRASE_LENGTH = 12;
/** A key file is about 1 KiB; a larger text is not a key file. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;
/**
 * What a file may ask of the KDF. N·r·p is capped at 2^23 (the work of N = 2^20, r = 8, p = 1), which also caps the
 * memory 128·N·r at 1 GiB; anything beyond is refused before deriving, as a file is untrusted input.
 */
export const KEY_FILE_SCRYPT_LIMITS = { minN: 2 ** 12, maxN: 2 ** 20, maxR: 32, maxP: 16, maxWork: 2 ** 23 } as const;
/** The cipher of each suite, as named in the file. */
export const KEY_FILE_CIPHERS = { 'ed25519-sha256': 'aes-256-gcm', 'sm2-sm3': 'sm4-ctr+hmac-sm3' } as const;

const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SALT_BYTES = 32;
const SECRET_BYTES = 32;
const GCM = { name: KEY_FILE_CIPHERS['ed25519-sha256'], keyBytes: 32, ivBytes: 12, tagBytes: 16 } as const;
const SM4 = { name: KEY_FILE_CIPHERS['sm2-sm3'], encKeyBytes: 16, macKeyBytes: 32, ivBytes: 16, macBytes: 32 } as const;
const FILE_FIELDS = ['type', 'v', 'suite', 'id', 'org', 'role', 'publicKey', 'kdf', 'cipher', 'ciphertext'] as const;

/** Who a key belongs to. `org` is the empty string for citizens; `role` is a free label (member, node, ca, subject). */
export interface KeyFileIdentity {
  readonly id: string;
  readonly org: string;
  readonly role: string;
  readonly suite: SuiteId;
}

/** What a key file says without its passphrase. */
export interface KeyFileHeader extends KeyFileIdentity {
  readonly publicKey: Uint8Array;
}

/** An opened key file. `secretKey` is the caller's copy: wipe it (`fill(0)`) when done. */
export interface OpenedKeyFile extends KeyFileHeader {
  readonly secretKey: Uint8Array;
}

/** A key to seal into a new file. */
export interface NewKeyFile extends KeyFileIdentity {
  readonly secretKey: Uint8Array;
}

export interface KeyFileScrypt {
  readonly name: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** 32 bytes, lower-case hex. */
  readonly salt: string;
}

export type KeyFileCipher =
  | { readonly name: typeof GCM.name; readonly iv: string; readonly tag: string }
  | { readonly name: typeof SM4.name; readonly iv: string; readonly mac: string };

/** A key file as stored (byte strings in lower-case hex), after {@link decodeKeyFile} checked every field. */
export interface KeyFileJson {
  readonly type: typeof KEY_FILE_TYPE;
  readonly v: typeof KEY_FILE_VERSION;
  readonly suite: SuiteId;
  readonly id: string;
  readonly org: string;
  readonly role: string;
  readonly publicKey: string;
  readonly kdf: KeyFileScrypt;
  readonly cipher: KeyFileCipher;
  readonly ciphertext: string;
}

export interface OpenKeyFileOptions {
  /** Called with the KDF's progress, 0 to 1 (for a progress bar: the KDF is nearly all of the time). */
  readonly onProgress?: (fraction: number) => void;
}

export interface SealKeyFileOptions extends OpenKeyFileOptions {
  /** scrypt cost N: a power of two from 2^12 to 2^20. */
  readonly scryptN: number;
}

export const defaultSealKeyFileOptions: SealKeyFileOptions = { scryptN: 2 ** 15 };

function invalid(field: string, reason: string): Error {
  return protocolError('KEY_FILE_INVALID', `not a valid key file: ${reason}`, { field });
}

function wrongPassphrase(): Error {
  return protocolError('KEY_PASSPHRASE_WRONG', 'the passphrase does not open the key file (or the file was altered)');
}

/** A power of two from 2^12 to 2^20. */
export function isKeyFileScryptN(n: unknown): n is number {
  return (
    typeof n === 'number' &&
    Number.isInteger(n) &&
    n >= KEY_FILE_SCRYPT_LIMITS.minN &&
    n <= KEY_FILE_SCRYPT_LIMITS.maxN &&
    (n & (n - 1)) === 0
  );
}

function isIntIn(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bytes scrypt derives for a suite: the AES key, or the SM4 key ‖ the HMAC key. */
export function keyFileDerivedKeyLength(suite: SuiteId): number {
  return suite === 'ed25519-sha256' ? GCM.keyBytes : SM4.encKeyBytes + SM4.macKeyBytes;
}

/**
 * A new passphrase: KEY_PASSPHRASE_REQUIRED when empty, PASSPHRASE_TOO_WEAK when it is not well-formed text or has
 * fewer than {@link MIN_PASSPHRASE_LENGTH} characters after NFC.
 */
export function assertStrongPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase === '') {
    throw protocolError('KEY_PASSPHRASE_REQUIRED', 'a new passphrase is needed');
  }
  if (!passphrase.isWellFormed() || [...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    throw protocolError(
      'PASSPHRASE_TOO_WEAK',
      `a new passphrase must be text of at least ${MIN_PASSPHRASE_LENGTH} characters`,
      { minLength: MIN_PASSPHRASE_LENGTH },
    );
  }
}

/** The identity fields of a key (KEY_FILE_INVALID naming the field otherwise). */
export function assertKeyFileIdentity(key: KeyFileIdentity): void {
  if (!isSuiteId(key.suite)) throw invalid('suite', 'unknown crypto suite');
  if (typeof key.id !== 'string' || !KEY_ID_PATTERN.test(key.id)) throw invalid('id', 'malformed key id');
  if (typeof key.org !== 'string' || (key.org !== '' && !ORG_ID_PATTERN.test(key.org))) {
    throw invalid('org', 'malformed organisation id');
  }
  if (typeof key.role !== 'string' || !ROLE_PATTERN.test(key.role)) throw invalid('role', 'malformed role');
}

function onlyFields(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  // An unknown member is reported by where it is, not by its name: the name is file content too.
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(field, 'unknown field');
  }
  for (const key of allowed) {
    if (!Object.hasOwn(value, key)) throw invalid(field === '' ? key : `${field}.${key}`, 'missing field');
  }
}

/**
 * Parses a key file strictly and checks every field (shape, identity, public key of the suite, KDF bounds, cipher
 * of the suite, lengths); KEY_FILE_INVALID with `details.field` otherwise. Runs no KDF.
 */
export function decodeKeyFile(text: string): KeyFileJson {
  if (typeof text !== 'string') throw invalid('', 'not text');
  if (utf8Length(text) > MAX_KEY_FILE_BYTES) throw invalid('', `larger than ${MAX_KEY_FILE_BYTES} bytes`);
  let k: unknown;
  try {
    k = parseJsonStrict(text);
  } catch {
    // No cause: JSON.parse's message quotes the text around the error, and the text is the key file.
    throw invalid('', 'not strict JSON');
  }
  if (!isRecord(k) || k.type !== KEY_FILE_TYPE) throw invalid('type', 'not a lianzheng key file');
  if (k.v === 1) throw invalid('v', 'an unencrypted version 1 key file: encrypt it into a version 2 file');
  if (k.v !== KEY_FILE_VERSION) throw invalid('v', 'unsupported version');
  onlyFields(k, '', FILE_FIELDS);
  const { suite, id, org, role, publicKey, kdf, cipher, ciphertext } = k;
  if (!isSuiteId(suite)) throw invalid('suite', 'unknown crypto suite');
  assertKeyFileIdentity({ suite, id, org, role } as KeyFileIdentity);
  const s = portableSuite(suite);
  if (!isHex(publicKey, s.publicKeyLength) || !s.isValidPublicKey(hexToBytes(publicKey))) {
    throw invalid('publicKey', 'not a valid public key of the suite');
  }
  if (!isRecord(kdf)) throw invalid('kdf', 'not an object');
  onlyFields(kdf, 'kdf', ['name', 'N', 'r', 'p', 'salt']);
  const { maxR, maxP, maxWork } = KEY_FILE_SCRYPT_LIMITS;
  if (kdf.name !== 'scrypt') throw invalid('kdf.name', 'unsupported KDF');
  if (!isKeyFileScryptN(kdf.N)) throw invalid('kdf.N', 'N must be a power of two from 2^12 to 2^20');
  if (!isIntIn(kdf.r, 1, maxR)) throw invalid('kdf.r', `r must be 1 to ${maxR}`);
  if (!isIntIn(kdf.p, 1, maxP)) throw invalid('kdf.p', `p must be 1 to ${maxP}`);
  if (kdf.N * kdf.r * kdf.p > maxWork) throw invalid('kdf', 'N·r·p exceeds 2^23');
  if (!isHex(kdf.salt, SALT_BYTES)) throw invalid('kdf.salt', `salt must be ${SALT_BYTES} bytes of hex`);
  if (!isRecord(cipher)) throw invalid('cipher', 'not an object');
  if (suite === 'ed25519-sha256') {
    onlyFields(cipher, 'cipher', ['name', 'iv', 'tag']);
    if (cipher.name !== GCM.name) throw invalid('cipher.name', `suite ${suite} uses ${GCM.name}`);
    if (!isHex(cipher.iv, GCM.ivBytes)) throw invalid('cipher.iv', `iv must be ${GCM.ivBytes} bytes of hex`);
    if (!isHex(cipher.tag, GCM.tagBytes)) throw invalid('cipher.tag', `tag must be ${GCM.tagBytes} bytes of hex`);
  } else {
    onlyFields(cipher, 'cipher', ['name', 'iv', 'mac']);
    if (cipher.name !== SM4.name) throw invalid('cipher.name', `suite ${suite} uses ${SM4.name}`);
    if (!isHex(cipher.iv, SM4.ivBytes)) throw invalid('cipher.iv', `iv must be ${SM4.ivBytes} bytes of hex`);
    if (!isHex(cipher.mac, SM4.macBytes)) throw invalid('cipher.mac', `mac must be ${SM4.macBytes} bytes of hex`);
  }
  if (!isHex(ciphertext, SECRET_BYTES)) {
    throw invalid('ciphertext', `ciphertext must be ${SECRET_BYTES} bytes of hex`);
  }
  return k as unknown as KeyFileJson;
}

/** The text of a key file as written: two-space indented JSON and a final newline. */
export function encodeKeyFile(file: KeyFileJson): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The authenticated data: RFC 8785 canonical JSON of {type, v, suite, id, org, role, publicKey, kdf}, UTF-8. */
export function keyFileAad(
  file: KeyFileIdentity & { readonly publicKey: string; readonly kdf: Omit<KeyFileScrypt, 'name'> },
): Uint8Array {
  const { N, r, p, salt } = file.kdf;
  return utf8ToBytes(
    canonicalize({
      type: KEY_FILE_TYPE,
      v: KEY_FILE_VERSION,
      suite: file.suite,
      id: file.id,
      org: file.org,
      role: file.role,
      publicKey: file.publicKey,
      kdf: { name: 'scrypt', N, r, p, salt },
    }),
  );
}

/** The identity and public key of a key file, without its passphrase. The whole file is validated. */
export function readKeyFileHeader(text: string): KeyFileHeader {
  const k = decodeKeyFile(text);
  return { id: k.id, org: k.org, role: k.role, suite: k.suite, publicKey: hexToBytes(k.publicKey) };
}

/** scrypt of the passphrase (NFC, UTF-8); the parameters were bounded by {@link decodeKeyFile} or the sealer. */
async function derive(
  passphrase: string,
  kdf: KeyFileScrypt,
  length: number,
  onProgress: ((fraction: number) => void) | undefined,
): Promise<Uint8Array> {
  const password = utf8ToBytes(passphrase.normalize('NFC'));
  // noble allocates 128·r·(N + p + 1) bytes; the bounds keep that at about 1 GiB at most.
  const maxmem = 128 * kdf.r * (kdf.N + kdf.p + 1);
  try {
    return await scryptAsync(password, hexToBytes(kdf.salt), {
      N: kdf.N,
      r: kdf.r,
      p: kdf.p,
      dkLen: length,
      maxmem,
      ...(onProgress === undefined ? {} : { onProgress }),
    });
  } catch (cause) {
    // The parameters are within bounds, so this is the environment: a tab refused the memory, or onProgress threw.
    throw protocolError(
      'KEY_FILE_INVALID',
      'key derivation failed: the KDF parameters need more memory than is available',
      { field: 'kdf' },
      cause,
    );
  } finally {
    password.fill(0);
  }
}

/** Web Crypto's AES-GCM, or CRYPTO_UNAVAILABLE (browsers offer `crypto.subtle` only to https and localhost). */
function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) {
    throw protocolError(
      'CRYPTO_UNAVAILABLE',
      'Web Crypto (crypto.subtle) is not available: serve the page over https (or from localhost)',
    );
  }
  return s;
}

/** A copy backed by a plain ArrayBuffer, as Web Crypto's types want. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(bytes);
}

async function gcmKey(derived: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  const raw = buffer(derived);
  try {
    return await subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]);
  } finally {
    raw.fill(0);
  }
}

function sm4Mac(macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return hmacSm3(macKey, concatBytes(aad, iv, ciphertext));
}

/** Authenticates and decrypts; the caller wipes the returned secret. */
async function unseal(k: KeyFileJson, passphrase: string, opts: OpenKeyFileOptions): Promise<Uint8Array> {
  const aad = keyFileAad(k);
  const iv = hexToBytes(k.cipher.iv);
  const ciphertext = hexToBytes(k.ciphertext);
  // Fail before the long KDF when AES-GCM cannot run at all.
  if (k.cipher.name === GCM.name) subtle();
  const derived = await derive(passphrase, k.kdf, keyFileDerivedKeyLength(k.suite), opts.onProgress);
  try {
    if (k.cipher.name === GCM.name) {
      const key = await gcmKey(derived, 'decrypt');
      const sealed = buffer(concatBytes(ciphertext, hexToBytes(k.cipher.tag)));
      try {
        const plain = await subtle().decrypt(
          { name: 'AES-GCM', iv: buffer(iv), additionalData: buffer(aad), tagLength: GCM.tagBytes * 8 },
          key,
          sealed,
        );
        return new Uint8Array(plain);
      } catch {
        throw wrongPassphrase();
      }
    }
    const encKey = derived.subarray(0, SM4.encKeyBytes);
    const macKey = derived.subarray(SM4.encKeyBytes, SM4.encKeyBytes + SM4.macKeyBytes);
    // equalBytes compares every byte whatever the first difference: no timing hint on the MAC.
    if (!equalBytes(sm4Mac(macKey, aad, iv, ciphertext), hexToBytes(k.cipher.mac))) throw wrongPassphrase();
    return sm4Ctr(encKey, iv, ciphertext);
  } finally {
    derived.fill(0);
  }
}

/**
 * Decrypts a key file (one scrypt run) and checks that the secret gives the stated public key. KEY_PASSPHRASE_REQUIRED
 * for an empty passphrase, KEY_FILE_INVALID for a malformed file (before any KDF work) or a secret that does not
 * match, KEY_PASSPHRASE_WRONG when authentication fails. The result's `secretKey` is the caller's to wipe.
 */
export async function openKeyFile(
  text: string,
  passphrase: string,
  opts: OpenKeyFileOptions = {},
): Promise<OpenedKeyFile> {
  if (typeof passphrase !== 'string' || passphrase === '') {
    throw protocolError('KEY_PASSPHRASE_REQUIRED', 'a passphrase is needed to open the key file');
  }
  const k = decodeKeyFile(text);
  const secret = await unseal(k, passphrase, opts);
  const publicKey = hexToBytes(k.publicKey);
  let derivedPublic: Uint8Array;
  try {
    derivedPublic = portableSuite(k.suite).publicKeyFromSecret(secret);
  } catch {
    secret.fill(0);
    throw invalid('ciphertext', 'the decrypted secret is not a valid key of the suite');
  }
  // The passphrase was right, so this is a file written wrongly (or crafted by someone who knew the passphrase):
  // "wrong passphrase" would send the user hunting for another one that does not exist.
  if (!equalBytes(derivedPublic, publicKey)) {
    secret.fill(0);
    throw invalid('publicKey', 'the decrypted secret does not give the stated public key');
  }
  return { id: k.id, org: k.org, role: k.role, suite: k.suite, publicKey, secretKey: secret };
}

/**
 * Encrypts `key` under `passphrase` into the text of a new key file (fresh salt and iv), at `opts.scryptN` (default
 * 2^15). KEY_FILE_INVALID naming the field for a bad identity or secret, PASSPHRASE_TOO_WEAK or
 * KEY_PASSPHRASE_REQUIRED for the passphrase, FIELD_INVALID for a scrypt cost out of range.
 */
export async function sealKeyFile(
  key: NewKeyFile,
  passphrase: string,
  opts: Partial<SealKeyFileOptions> = {},
): Promise<string> {
  const scryptN = opts.scryptN ?? defaultSealKeyFileOptions.scryptN;
  if (!isKeyFileScryptN(scryptN)) {
    throw protocolError('FIELD_INVALID', 'scryptN must be a power of two from 2^12 to 2^20', { field: 'scryptN' });
  }
  assertKeyFileIdentity(key);
  assertStrongPassphrase(passphrase);
  if (!(key.secretKey instanceof Uint8Array) || key.secretKey.length !== SECRET_BYTES) {
    throw invalid('secretKey', `the secret key must be ${SECRET_BYTES} bytes`);
  }
  let publicKey: Uint8Array;
  try {
    publicKey = portableSuite(key.suite).publicKeyFromSecret(key.secretKey);
  } catch {
    throw invalid('secretKey', 'the secret key is not a valid key of the suite');
  }
  if (key.suite === 'ed25519-sha256') subtle();
  const kdf: KeyFileScrypt = {
    name: 'scrypt',
    N: scryptN,
    r: SCRYPT_R,
    p: SCRYPT_P,
    salt: bytesToHex(randomBytes(SALT_BYTES)),
  };
  const header = { id: key.id, org: key.org, role: key.role, suite: key.suite, publicKey: bytesToHex(publicKey), kdf };
  const aad = keyFileAad(header);
  const derived = await derive(passphrase, kdf, keyFileDerivedKeyLength(key.suite), opts.onProgress);
  let cipher: KeyFileCipher;
  let ciphertext: Uint8Array;
  try {
    if (key.suite === 'ed25519-sha256') {
      const iv = randomBytes(GCM.ivBytes);
      const gcm = await gcmKey(derived, 'encrypt');
      const plain = buffer(key.secretKey);
      let sealed: Uint8Array;
      try {
        sealed = new Uint8Array(
          await subtle().encrypt(
            { name: 'AES-GCM', iv: buffer(iv), additionalData: buffer(aad), tagLength: GCM.tagBytes * 8 },
            gcm,
            plain,
          ),
        );
      } finally {
        plain.fill(0);
      }
      ciphertext = sealed.subarray(0, SECRET_BYTES);
      cipher = { name: GCM.name, iv: bytesToHex(iv), tag: bytesToHex(sealed.subarray(SECRET_BYTES)) };
    } else {
      const iv = randomBytes(SM4.ivBytes);
      ciphertext = sm4Ctr(derived.subarray(0, SM4.encKeyBytes), iv, key.secretKey);
      const mac = sm4Mac(derived.subarray(SM4.encKeyBytes), aad, iv, ciphertext);
      cipher = { name: SM4.name, iv: bytesToHex(iv), mac: bytesToHex(mac) };
    }
  } finally {
    derived.fill(0);
  }
  return encodeKeyFile({
    type: KEY_FILE_TYPE,
    v: KEY_FILE_VERSION,
    suite: key.suite,
    id: key.id,
    org: key.org,
    role: key.role,
    publicKey: header.publicKey,
    kdf,
    cipher,
    ciphertext: bytesToHex(ciphertext),
  });
}

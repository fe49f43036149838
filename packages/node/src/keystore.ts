/**
 * Encrypted key files and the signer abstraction.
 *
 * A key file (`"type": "lianzheng-key", "v": 2`) holds one 32-byte secret key encrypted under a passphrase:
 *
 * - KDF: scrypt (memory-hard), N = 2^15, r = 8, p = 1 by default, 32-byte random salt. It runs on libuv's thread
 *   pool (`crypto.scrypt`, never `scryptSync`), and once per open: derived keys are never cached.
 * - Cipher, by suite: `ed25519-sha256` files use AES-256-GCM (12-byte iv, 16-byte tag); `sm2-sm3` files use the
 *   国密 pair SM4-CTR + HMAC-SM3, encrypt-then-MAC (the OpenSSL that Node ships has no SM4-GCM). scrypt derives 32
 *   bytes for AES, 48 for SM4 (16-byte cipher key ‖ 32-byte MAC key); the MAC covers AAD ‖ iv ‖ ciphertext, which
 *   is unambiguous because iv and ciphertext have fixed lengths.
 * - AAD: the RFC 8785 canonical JSON of {type, v, suite, id, org, role, publicKey, kdf}, so editing any header
 *   field makes authentication fail, while re-indenting or reordering the file does not.
 *
 * Failures, always coded, never echoing the passphrase, the secret or the file content (details hold the path and,
 * for a malformed file, the name of the bad field):
 *
 * - KEY_FILE_INVALID: unreadable, too large, not JSON, wrong shape, KDF parameters out of range (checked before
 *   the KDF runs, so a crafted file cannot make us allocate gigabytes), or a file whose authentication succeeds
 *   but whose secret does not give the stated public key. That last case means the passphrase was right and the
 *   file was written wrongly (or crafted by someone who knew the passphrase); "wrong passphrase" would send the
 *   user hunting for another passphrase that does not exist.
 * - KEY_PASSPHRASE_WRONG: authentication failed. A wrong passphrase and an altered header, iv, tag, MAC or
 *   ciphertext are indistinguishable by design.
 * - KEY_PASSPHRASE_REQUIRED: no (or an empty) passphrase.
 * - PASSPHRASE_TOO_WEAK: a new passphrase of fewer than 12 characters (Unicode code points after NFC).
 *
 * Passphrases are normalised to NFC before use, so the same text typed on different systems opens the same file.
 *
 * The format's checks (shape, bounds, AAD, passphrase strength) are the protocol's (`keyFile.ts`), which also opens
 * and seals these files without OpenSSL, in a browser; this module adds files on disk, OpenSSL's crypto (scrypt on
 * the thread pool) and passphrase sources.
 */
import crypto from 'node:crypto';
import type { Stats } from 'node:fs';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import tty from 'node:tty';
import {
  assertKeyFileIdentity,
  assertStrongPassphrase,
  bytesToHex,
  decodeKeyFile as decodeKeyFileText,
  encodeKeyFile,
  hexToBytes,
  isKeyFileScryptN,
  isLianzhengError,
  KEY_FILE_CIPHERS,
  type KeyFileCipher,
  type KeyFileJson,
  type KeyFileScrypt,
  keyFileAad,
  keyFileDerivedKeyLength,
  MAX_KEY_FILE_BYTES,
  protocolError,
  type SuiteId,
} from '@lianzheng/protocol';
import { writeFileDurably } from './durableFile.js';
import { nodeError } from './errors.js';
import { nativeSuite } from './nativeSuite.js';

/**
 * Signs for one key. Everything that signs (node, CLI, SDK) goes through this interface, so a key held in memory,
 * an HSM or an offline signer are interchangeable.
 */
export interface Signer {
  readonly suite: SuiteId;
  readonly publicKey: Uint8Array;
  /** The suite's 64-byte signature of `message` (in this protocol, always a 32-byte tagged hash). */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Who a key belongs to. `org` is the empty string for citizens; `role` is a free label (member, node, ca, subject). */
export interface KeyIdentity {
  readonly id: string;
  readonly org: string;
  readonly role: string;
  readonly suite: SuiteId;
}

/** What a key file says without its passphrase. */
export interface KeyFileHeader extends KeyIdentity {
  readonly publicKey: Uint8Array;
}

/** An opened key file. */
export interface KeyMaterial extends KeyFileHeader {
  readonly signer: Signer;
  /** A fresh copy of the secret key, for the CLI, which must sign synchronously in places. */
  exportSecretKey(): Uint8Array;
}

/** A key to encrypt into a new file. */
export interface NewKeyFile extends KeyIdentity {
  readonly secretKey: Uint8Array;
}

export interface KeyFileOptions {
  /** scrypt cost N for new files: a power of two from 2^12 to 2^20. */
  readonly scryptN: number;
}

export const defaultKeyFileOptions: KeyFileOptions = { scryptN: 2 ** 15 };

export { MIN_PASSPHRASE_LENGTH } from '@lianzheng/protocol';

const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SALT_BYTES = 32;
const SECRET_BYTES = 32;
const MAX_PASSPHRASE_FILE_BYTES = 4096;

const GCM = { name: KEY_FILE_CIPHERS['ed25519-sha256'], keyBytes: 32, ivBytes: 12, tagBytes: 16 } as const;
const SM4 = { name: KEY_FILE_CIPHERS['sm2-sm3'], encKeyBytes: 16, macKeyBytes: 32, ivBytes: 16, macBytes: 32 } as const;

/**
 * A signer backed by a secret key in memory. The secret is copied into a closure, never kept as a property, so
 * logging, `util.inspect` or `JSON.stringify` of the signer cannot reveal it. Throws the protocol's KEY_INVALID
 * for a secret that is not a valid key of the suite (SUITE_UNKNOWN for an unknown suite).
 */
export function localSigner(suite: SuiteId, secretKey: Uint8Array): Signer {
  const s = nativeSuite(suite);
  const secret = Uint8Array.from(secretKey);
  const publicKey = s.publicKeyFromSecret(secret);
  return Object.freeze({
    suite,
    publicKey,
    sign: async (message: Uint8Array): Promise<Uint8Array> => s.sign(secret, message),
  });
}

/**
 * Encrypts `key` under `passphrase` into `file` (JSON, mode 0600), atomically: a temporary file in the same
 * directory is written, fsynced and renamed over `file`, then the directory is fsynced, so a crash leaves either
 * the old file or the new one. An existing file is replaced; callers that must not clobber a key check first.
 */
export async function writeKeyFile(
  file: string,
  key: NewKeyFile,
  passphrase: string,
  opts: Partial<KeyFileOptions> = {},
): Promise<void> {
  const scryptN = opts.scryptN ?? defaultKeyFileOptions.scryptN;
  if (!isKeyFileScryptN(scryptN)) {
    throw nodeError('CONFIG_INVALID', 'scryptN must be a power of two from 2^12 to 2^20', { field: 'scryptN' });
  }
  withFile(file, () => assertKeyFileIdentity(key));
  assertStrongPassphrase(passphrase);
  const publicKey = publicKeyOf(file, key.suite, key.secretKey);
  const kdf: KeyFileScrypt = {
    name: 'scrypt',
    N: scryptN,
    r: SCRYPT_R,
    p: SCRYPT_P,
    salt: crypto.randomBytes(SALT_BYTES).toString('hex'),
  };
  const header = { id: key.id, org: key.org, role: key.role, suite: key.suite, publicKey: bytesToHex(publicKey), kdf };
  const aad = Buffer.from(keyFileAad(header));
  const derived = await deriveKey(file, passphrase, kdf, keyFileDerivedKeyLength(key.suite));
  const secret = Buffer.from(key.secretKey);
  let sealed: { cipher: KeyFileCipher; ciphertext: Buffer };
  try {
    sealed = key.suite === 'ed25519-sha256' ? sealGcm(derived, aad, secret) : sealSm4(derived, aad, secret);
  } finally {
    derived.fill(0);
    secret.fill(0);
  }
  const content: KeyFileJson = {
    type: 'lianzheng-key',
    v: 2,
    suite: key.suite,
    id: key.id,
    org: key.org,
    role: key.role,
    publicKey: header.publicKey,
    kdf,
    cipher: sealed.cipher,
    ciphertext: sealed.ciphertext.toString('hex'),
  };
  await writeFileAtomic(file, encodeKeyFile(content));
}

/** The identity and public key of a key file, without its passphrase. The whole file is validated. */
export async function readKeyFileHeader(file: string): Promise<KeyFileHeader> {
  const k = await loadKeyFileJson(file);
  return { id: k.id, org: k.org, role: k.role, suite: k.suite, publicKey: hexToBytes(k.publicKey) };
}

/**
 * Decrypts a key file (one KDF run) and checks that the secret gives the stated public key. The result holds the
 * secret only in closures (see {@link localSigner}).
 */
export async function openKeyFile(file: string, passphrase: string): Promise<KeyMaterial> {
  if (typeof passphrase !== 'string' || passphrase === '') {
    throw protocolError('KEY_PASSPHRASE_REQUIRED', `a passphrase is needed to open ${file}`, { file });
  }
  const k = await loadKeyFileJson(file);
  const secret = await unseal(file, k, passphrase);
  try {
    const publicKey = hexToBytes(k.publicKey);
    let signer: Signer;
    try {
      signer = localSigner(k.suite, secret);
    } catch {
      throw invalid(file, 'ciphertext', 'the decrypted secret is not a valid key of the suite');
    }
    if (!crypto.timingSafeEqual(signer.publicKey, publicKey)) {
      throw invalid(file, 'publicKey', 'the decrypted secret does not give the stated public key');
    }
    const kept = Uint8Array.from(secret);
    return Object.freeze({
      id: k.id,
      org: k.org,
      role: k.role,
      suite: k.suite,
      publicKey,
      signer,
      exportSecretKey: (): Uint8Array => kept.slice(),
    });
  } finally {
    secret.fill(0);
  }
}

/**
 * Re-encrypts a key file under a new passphrase, with a fresh salt and iv, at `opts.scryptN` (default: the current
 * default cost, so a passphrase change also brings an old file up to it). The file is replaced atomically and is
 * left untouched if the old passphrase is wrong or the new one too weak.
 */
export async function changePassphrase(
  file: string,
  oldPassphrase: string,
  newPassphrase: string,
  opts: Partial<KeyFileOptions> = {},
): Promise<void> {
  assertStrongPassphrase(newPassphrase);
  const key = await openKeyFile(file, oldPassphrase);
  const secretKey = key.exportSecretKey();
  try {
    await writeKeyFile(
      file,
      { id: key.id, org: key.org, role: key.role, suite: key.suite, secretKey },
      newPassphrase,
      opts,
    );
  } finally {
    secretKey.fill(0);
  }
}

/** A terminal to ask for a passphrase on: input in raw mode (no echo), output for the prompt. */
export interface PassphraseTerminal {
  readonly input: NodeJS.ReadableStream & { readonly isRaw?: boolean; setRawMode?(raw: boolean): unknown };
  readonly output: { write(text: string): unknown };
  /** Releases the terminal (closes /dev/tty if it was opened; leaves process.stdin alone). */
  close(): void;
}

export interface ResolvePassphraseOptions {
  /** An explicit passphrase (e.g. from a test or an API caller). */
  readonly passphrase?: string | undefined;
  /** `--passphrase-file`. */
  readonly passphraseFile?: string | undefined;
  /** Where LIANZHENG_PASSPHRASE and LIANZHENG_PASSPHRASE_FILE are looked up; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Whether to ask on a terminal when nothing else gives a passphrase; default true. */
  readonly prompt?: boolean | undefined;
  /** Default `Passphrase`. */
  readonly promptLabel?: string | undefined;
  /** Ask twice, and check the strength first (for a new passphrase). */
  readonly confirm?: boolean | undefined;
}

export interface ResolvePassphraseDeps {
  /** The terminal to prompt on, or null when there is none; default {@link openProcessTerminal}. */
  readonly openTerminal?: () => PassphraseTerminal | null;
  /** Receives warnings (a passphrase file readable by others); default `process.emitWarning`. */
  readonly warn?: (message: string) => void;
}

/**
 * Where a passphrase comes from, first match wins:
 *
 * 1. `opts.passphrase`;
 * 2. the file `opts.passphraseFile` (`--passphrase-file`);
 * 3. env LIANZHENG_PASSPHRASE;
 * 4. the file named by env LIANZHENG_PASSPHRASE_FILE;
 * 5. a prompt on the terminal, without echo (unless `prompt: false`);
 * 6. otherwise KEY_PASSPHRASE_REQUIRED.
 *
 * Empty values count as absent. A passphrase file is read up to 4 KiB (pipes such as `<(pass show x)` work), a
 * UTF-8 BOM and one trailing newline (LF or CRLF) are removed. A file that other users can read is only warned
 * about, not refused: container secrets are mounted 0644 or 0444 by default and are private to the container
 * anyway, and a refusal would push operators to the environment variable, which leaks more easily.
 */
export async function resolvePassphrase(
  opts: ResolvePassphraseOptions,
  deps: ResolvePassphraseDeps = {},
): Promise<string> {
  const warn =
    deps.warn ?? ((message: string) => process.emitWarning(message, { type: 'LianzhengPassphraseFileWarning' }));
  const env = opts.env ?? process.env;
  if (nonEmpty(opts.passphrase)) return opts.passphrase;
  if (nonEmpty(opts.passphraseFile)) return readPassphraseFile(opts.passphraseFile, warn);
  if (nonEmpty(env.LIANZHENG_PASSPHRASE)) return env.LIANZHENG_PASSPHRASE;
  if (nonEmpty(env.LIANZHENG_PASSPHRASE_FILE)) return readPassphraseFile(env.LIANZHENG_PASSPHRASE_FILE, warn);
  if (opts.prompt !== false) {
    const terminal = (deps.openTerminal ?? openProcessTerminal)();
    if (terminal !== null) return promptPassphrase(terminal, opts.promptLabel ?? 'Passphrase', opts.confirm === true);
  }
  throw protocolError(
    'KEY_PASSPHRASE_REQUIRED',
    'no passphrase: set LIANZHENG_PASSPHRASE or LIANZHENG_PASSPHRASE_FILE, pass --passphrase-file, or run in a terminal',
  );
}

/**
 * The process's terminal: stdin with the prompt on stderr when stdin is a TTY, else /dev/tty (so that a passphrase
 * can be typed while stdin is a pipe), else null.
 */
export function openProcessTerminal(): PassphraseTerminal | null {
  if (process.stdin.isTTY) return { input: process.stdin, output: process.stderr, close: () => undefined };
  let inFd: number;
  let outFd: number;
  try {
    inFd = openSync('/dev/tty', 'r');
  } catch {
    // No controlling terminal (a service, CI, a container without -t): there is nobody to ask.
    return null;
  }
  try {
    outFd = openSync('/dev/tty', 'w');
  } catch {
    closeSync(inFd);
    return null;
  }
  // Each stream owns its descriptor and closes it when destroyed.
  const input = new tty.ReadStream(inFd);
  const output = new tty.WriteStream(outFd);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      output.destroy();
    },
  };
}

function nonEmpty(value: string | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

function invalid(file: string, field: string, reason: string): Error {
  return protocolError('KEY_FILE_INVALID', `${file} is not a valid key file: ${reason}`, { file, field });
}

/** Runs a check of the protocol's, naming the file in a KEY_FILE_INVALID it throws. */
function withFile<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!isLianzhengError(e) || e.code !== 'KEY_FILE_INVALID') throw e;
    throw protocolError('KEY_FILE_INVALID', `${file}: ${e.message}`, { file, ...e.details });
  }
}

function publicKeyOf(file: string, suite: SuiteId, secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_BYTES) {
    throw invalid(file, 'secretKey', `the secret key must be ${SECRET_BYTES} bytes`);
  }
  try {
    return nativeSuite(suite).publicKeyFromSecret(secretKey);
  } catch {
    throw invalid(file, 'secretKey', 'the secret key is not a valid key of the suite');
  }
}

/**
 * scrypt of a passphrase (NFC, UTF-8) on the thread pool, never cached; shared by key files and the private-data
 * store's master key. The parameters must have been bounded by the caller.
 */
export function deriveKey(
  file: string,
  passphrase: string,
  kdf: Pick<KeyFileScrypt, 'N' | 'r' | 'p' | 'salt'>,
  length: number,
): Promise<Buffer> {
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const salt = Buffer.from(kdf.salt, 'hex');
  // OpenSSL needs 128·r·(N + 2) bytes for V plus 128·r·p for B; the parameters were bounded before we got here.
  const maxmem = 128 * kdf.r * (kdf.N + 2 + kdf.p) + 64 * 1024;
  return new Promise((resolve, reject) => {
    crypto.scrypt(password, salt, length, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem }, (err, key) => {
      password.fill(0);
      if (err === null) resolve(key);
      else reject(nodeError('INTERNAL', `key derivation failed for ${file}`, { file }, err));
    });
  });
}

function sealGcm(derived: Buffer, aad: Buffer, secret: Buffer): { cipher: KeyFileCipher; ciphertext: Buffer } {
  const iv = crypto.randomBytes(GCM.ivBytes);
  const c = crypto.createCipheriv(GCM.name, derived, iv, { authTagLength: GCM.tagBytes });
  c.setAAD(aad);
  const ciphertext = Buffer.concat([c.update(secret), c.final()]);
  return { cipher: { name: GCM.name, iv: iv.toString('hex'), tag: c.getAuthTag().toString('hex') }, ciphertext };
}

function sm4Mac(macKey: Buffer, aad: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  return crypto.createHmac('sm3', macKey).update(aad).update(iv).update(ciphertext).digest();
}

function sealSm4(derived: Buffer, aad: Buffer, secret: Buffer): { cipher: KeyFileCipher; ciphertext: Buffer } {
  const encKey = derived.subarray(0, SM4.encKeyBytes);
  const macKey = derived.subarray(SM4.encKeyBytes, SM4.encKeyBytes + SM4.macKeyBytes);
  const iv = crypto.randomBytes(SM4.ivBytes);
  const c = crypto.createCipheriv('sm4-ctr', encKey, iv);
  const ciphertext = Buffer.concat([c.update(secret), c.final()]);
  const mac = sm4Mac(macKey, aad, iv, ciphertext);
  return { cipher: { name: SM4.name, iv: iv.toString('hex'), mac: mac.toString('hex') }, ciphertext };
}

/** Authenticates and decrypts; the caller zeroes the returned secret. */
async function unseal(file: string, k: KeyFileJson, passphrase: string): Promise<Buffer> {
  const aad = Buffer.from(keyFileAad(k));
  const derived = await deriveKey(file, passphrase, k.kdf, keyFileDerivedKeyLength(k.suite));
  const wrong = () =>
    protocolError('KEY_PASSPHRASE_WRONG', `the passphrase does not open ${file} (or the file was altered)`, { file });
  const iv = Buffer.from(k.cipher.iv, 'hex');
  const ciphertext = Buffer.from(k.ciphertext, 'hex');
  try {
    if (k.cipher.name === GCM.name) {
      const d = crypto.createDecipheriv(GCM.name, derived, iv, { authTagLength: GCM.tagBytes });
      d.setAAD(aad);
      d.setAuthTag(Buffer.from(k.cipher.tag, 'hex'));
      const head = d.update(ciphertext);
      try {
        return Buffer.concat([head, d.final()]);
      } catch {
        throw wrong();
      } finally {
        head.fill(0);
      }
    }
    const encKey = derived.subarray(0, SM4.encKeyBytes);
    const macKey = derived.subarray(SM4.encKeyBytes, SM4.encKeyBytes + SM4.macKeyBytes);
    const expected = sm4Mac(macKey, aad, iv, ciphertext);
    if (!crypto.timingSafeEqual(expected, Buffer.from(k.cipher.mac, 'hex'))) throw wrong();
    const d = crypto.createDecipheriv('sm4-ctr', encKey, iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } finally {
    derived.fill(0);
  }
}

async function loadKeyFileJson(file: string): Promise<KeyFileJson> {
  let read: CappedRead | null;
  try {
    read = await readCapped(file, MAX_KEY_FILE_BYTES, (st) => st.isFile());
  } catch (cause) {
    throw protocolError('KEY_FILE_INVALID', `cannot read key file ${file}`, { file }, cause);
  }
  if (read === null) throw invalid(file, '', 'not a regular file');
  const { bytes } = read;
  if (bytes.length > MAX_KEY_FILE_BYTES) throw invalid(file, '', `larger than ${MAX_KEY_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(file, '', 'not UTF-8 text');
  } finally {
    bytes.fill(0);
  }
  return withFile(file, () => decodeKeyFileText(text));
}

interface CappedRead {
  readonly bytes: Buffer;
  readonly stat: Stats;
}

/**
 * Reads at most `max` + 1 bytes, so that /dev/zero or a huge file cannot exhaust memory (the caller refuses more
 * than `max`). Null, without reading, when `accept` refuses what the path is (a directory, a device, a pipe).
 */
async function readCapped(file: string, max: number, accept: (st: Stats) => boolean): Promise<CappedRead | null> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (!accept(st)) return null;
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: buffer.subarray(0, length), stat: st };
  } finally {
    await handle.close();
  }
}

async function readPassphraseFile(file: string, warn: (message: string) => void): Promise<string> {
  let read: CappedRead | null;
  try {
    // Pipes are accepted: `--passphrase-file <(pass show lianzheng)` is a good way to pass one.
    read = await readCapped(file, MAX_PASSPHRASE_FILE_BYTES, (st) => !st.isDirectory());
  } catch (cause) {
    throw protocolError('KEY_PASSPHRASE_REQUIRED', `cannot read passphrase file ${file}`, { file }, cause);
  }
  if (read === null) throw protocolError('KEY_PASSPHRASE_REQUIRED', `passphrase file ${file} is a directory`, { file });
  try {
    if (read.bytes.length > MAX_PASSPHRASE_FILE_BYTES) {
      throw protocolError('KEY_PASSPHRASE_REQUIRED', `passphrase file ${file} is larger than 4 KiB`, { file });
    }
    if (read.stat.isFile() && process.platform !== 'win32' && (read.stat.mode & 0o077) !== 0) {
      const mode = (read.stat.mode & 0o777).toString(8).padStart(3, '0');
      warn(`passphrase file ${file} can be read by other users (mode ${mode}): chmod 600 it`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
    } catch {
      throw protocolError('KEY_PASSPHRASE_REQUIRED', `passphrase file ${file} is not UTF-8 text`, { file });
    }
    const passphrase = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
    if (passphrase === '') throw protocolError('KEY_PASSPHRASE_REQUIRED', `passphrase file ${file} is empty`, { file });
    return passphrase;
  } finally {
    read.bytes.fill(0);
  }
}

function cancelled(): Error {
  return protocolError('KEY_PASSPHRASE_REQUIRED', 'passphrase entry cancelled');
}

/**
 * Lines typed on a terminal in raw mode, without echo. Handles backspace, Ctrl-U (clear), Ctrl-C and Ctrl-D
 * (cancel on an empty line), and skips escape sequences (arrow keys). Lines typed ahead are kept in order.
 */
function hiddenLines(input: PassphraseTerminal['input']): { next(): Promise<string>; close(): void } {
  const wasRaw = input.isRaw === true;
  const lines: string[] = [];
  let current = '';
  let inEscape = false;
  let ended = false;
  let waiter: { resolve(line: string): void; reject(e: Error): void } | undefined;
  const settle = (): void => {
    if (waiter === undefined) return;
    const w = waiter;
    const line = lines.shift();
    if (line !== undefined) {
      waiter = undefined;
      w.resolve(line);
    } else if (ended) {
      waiter = undefined;
      w.reject(cancelled());
    }
  };
  const onData = (chunk: string | Buffer): void => {
    for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
      if (ended) break;
      if (inEscape) {
        // CSI / SS3 sequences: ESC [ or ESC O, parameters, then one final character.
        if (ch !== '[' && ch !== 'O' && !/[0-9;]/.test(ch)) inEscape = false;
      } else if (ch === '\r' || ch === '\n') {
        lines.push(current);
        current = '';
      } else if (ch === '\u0003' || (ch === '\u0004' && current === '')) {
        ended = true;
        current = '';
      } else if (ch === '\u007f' || ch === '\b') {
        current = [...current].slice(0, -1).join('');
      } else if (ch === '\u0015') {
        current = '';
      } else if (ch === '\u001b') {
        inEscape = true;
      } else if (ch >= ' ') {
        current += ch;
      }
    }
    settle();
  };
  const onEnd = (): void => {
    ended = true;
    current = '';
    settle();
  };
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.on('data', onData);
  input.on('end', onEnd);
  input.resume();
  return {
    next: () =>
      new Promise<string>((resolve, reject) => {
        waiter = { resolve, reject };
        settle();
      }),
    close: () => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.pause();
      input.setRawMode?.(wasRaw);
      lines.length = 0;
      current = '';
    },
  };
}

async function promptPassphrase(terminal: PassphraseTerminal, label: string, confirm: boolean): Promise<string> {
  const lines = hiddenLines(terminal.input);
  const ask = async (text: string): Promise<string> => {
    terminal.output.write(`${text}: `);
    try {
      return await lines.next();
    } finally {
      terminal.output.write('\n');
    }
  };
  try {
    const first = await ask(label);
    if (first === '') throw protocolError('KEY_PASSPHRASE_REQUIRED', 'no passphrase entered');
    if (!confirm) return first;
    assertStrongPassphrase(first);
    const second = await ask(`${label} (again)`);
    if (second.normalize('NFC') !== first.normalize('NFC')) {
      throw protocolError('KEY_PASSPHRASE_REQUIRED', 'the two passphrases differ');
    }
    return first;
  } finally {
    lines.close();
    terminal.close();
  }
}

async function writeFileAtomic(file: string, text: string): Promise<void> {
  try {
    await writeFileDurably(file, text, { createDir: true });
  } catch (cause) {
    throw protocolError('KEY_FILE_INVALID', `cannot write key file ${file}`, { file }, cause);
  }
}

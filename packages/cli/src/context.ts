import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  HOME_FILES,
  type KeyPair,
  loadGenesis,
  loadKeyFile,
  loadNodeConfig,
  nativeSuite,
  resolvePassphrase,
} from '@lianzheng/node';
import {
  type Consortium,
  type CryptoSuite,
  consortiumFromGenesis,
  defineErrors,
  type Genesis,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  parseJsonStrict,
} from '@lianzheng/protocol';
import {
  buildTransaction,
  type Client,
  cosignTransaction,
  createClient,
  getChainInfo,
  httpTransport,
  keySigner,
  type Signer,
  signIn,
  signTransactionWith,
  submitTransaction,
  withSession,
} from '@lianzheng/sdk';

export const cliErrors = defineErrors({
  CLI_USAGE: {
    category: 'invalid',
    description: 'A command-line argument is missing or malformed; see `lianzheng <command> --help`.',
  },
  FILE_UNREADABLE: { category: 'not_found', description: 'A file named on the command line cannot be read.' },
});

/** An option's JSON object (`--form`, `--claims`, …), or a CLI_USAGE error naming the option. */
export function jsonObjectOption(text: string, option: string): JsonObject {
  try {
    const v = parseJsonStrict(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    usage(`${option} must be a JSON object`);
  }
}

/** A whole number ≥ 1 given as an option (`--limit`, `--version`, …), or a CLI_USAGE error naming the option. */
export function positiveInt(text: string, option: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) usage(`${option} must be a whole number ≥ 1`);
  return Number(text);
}

export function usage(message: string): never {
  throw new LianzhengError('CLI_USAGE', message);
}

/** Where the node lives: --home, else $LIANZHENG_HOME, else ./data/demo (what `npm start` creates). */
export function resolveHome(home: string | undefined): string {
  return path.resolve(home ?? process.env.LIANZHENG_HOME ?? path.join('data', 'demo'));
}

export interface GlobalOptions {
  readonly home?: string;
  readonly url?: string;
  readonly genesis?: string;
  readonly json?: boolean;
  readonly passphraseFile?: string;
}

const passphrases = new Map<string, Promise<string>>();

/**
 * The passphrase of the key files: --passphrase-file, else LIANZHENG_PASSPHRASE / LIANZHENG_PASSPHRASE_FILE, else a
 * terminal prompt (asked once per process and label). `confirm` asks twice and checks strength (new keys).
 */
export function passphrase(
  opts: GlobalOptions,
  label = 'Passphrase of the key files',
  confirm = false,
): Promise<string> {
  const cacheKey = `${label}\0${confirm}`;
  let p = passphrases.get(cacheKey);
  if (p === undefined) {
    p = resolvePassphrase({ passphraseFile: opts.passphraseFile, promptLabel: label, confirm });
    passphrases.set(cacheKey, p);
  }
  return p;
}

/** The node's URL: --url, else $LIANZHENG_URL, else the listen address in the home's node.json. */
export async function resolveUrl(opts: GlobalOptions): Promise<string> {
  if (opts.url !== undefined) return opts.url;
  if (process.env.LIANZHENG_URL !== undefined) return process.env.LIANZHENG_URL;
  const home = resolveHome(opts.home);
  if (existsSync(path.join(home, HOME_FILES.config))) {
    const config = await loadNodeConfig(home);
    return `http://${config.listen.host}:${config.listen.port}`;
  }
  return 'http://127.0.0.1:7070';
}

export async function client(opts: GlobalOptions): Promise<Client> {
  return createClient({ transport: httpTransport(await resolveUrl(opts)) });
}

/**
 * The pinned genesis that proofs are checked against: --genesis <file>, else the home's genesis.json. Never the
 * node's own answer — a verifier that asks the node what to trust verifies nothing.
 */
export async function pinnedGenesis(
  opts: GlobalOptions,
): Promise<{ genesis: Genesis; suite: CryptoSuite; trust: Consortium }> {
  let genesis: Genesis;
  if (opts.genesis !== undefined) {
    const dir = await fileDir(opts.genesis);
    genesis = await loadGenesis(dir.dir, dir.name);
  } else genesis = await loadGenesis(resolveHome(opts.home));
  return { genesis, suite: nativeSuite(genesis.suite), trust: consortiumFromGenesis(genesis) };
}

async function fileDir(file: string): Promise<{ dir: string; name: string }> {
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) throw new LianzhengError('FILE_UNREADABLE', `cannot read ${file}`, { details: { file } });
  return { dir: path.dirname(resolved), name: path.basename(resolved) };
}

/** Opens a key file with the passphrase of {@link passphrase}. */
export async function openKey(opts: GlobalOptions, file: string): Promise<KeyPair> {
  return loadKeyFile(file, await passphrase(opts));
}

/** --key <file> (or a key id in the home's keys directory), else this node's organisation's admin key. */
export async function resolveKey(opts: GlobalOptions & { key?: string }): Promise<KeyPair> {
  const home = resolveHome(opts.home);
  if (opts.key !== undefined) {
    const inHome = path.join(home, HOME_FILES.keys, `${opts.key}.key.json`);
    return openKey(opts, !opts.key.includes('/') && existsSync(inHome) ? inHome : path.resolve(opts.key));
  }
  const dir = path.join(home, HOME_FILES.keys);
  const config = existsSync(path.join(home, HOME_FILES.config)) ? await loadNodeConfig(home) : undefined;
  const preferred = config === undefined ? undefined : path.join(dir, `${config.org}-admin.key.json`);
  if (preferred !== undefined && existsSync(preferred)) return openKey(opts, preferred);
  const any = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('-admin.key.json')) : undefined;
  if (any === undefined) usage('no signing key: pass --key <file> (see `lianzheng keys generate`)');
  return openKey(opts, path.join(dir, any));
}

export function signerOf(key: KeyPair): { signer: Signer; suite: CryptoSuite } {
  const suite = nativeSuite(key.suite);
  return { signer: keySigner(suite, key.secretKey), suite };
}

export async function readFileBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (cause) {
    throw new LianzhengError('FILE_UNREADABLE', `cannot read ${file}`, { details: { file }, cause });
  }
}

export function print(opts: GlobalOptions, human: string, json: unknown): void {
  process.stdout.write(opts.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}

export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString()} (${new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })} 北京时间)`;
}

/** Signs in to the node with `key` (challenge-response) and returns a client whose requests carry the session. */
export async function sessionClient(opts: GlobalOptions, key: KeyPair): Promise<Client> {
  const c = await client(opts);
  const { signer, suite } = signerOf(key);
  const s = await signIn(c, { suite, publicKey: key.publicKey, signer });
  return withSession(c, s.token);
}

/** Builds, signs (and co-signs), submits and waits; prints the outcome like `lianzheng tx`. Exit code 1 on failure. */
export async function submitAndReport(
  opts: GlobalOptions,
  key: KeyPair,
  contract: string,
  method: string,
  args: JsonObject,
  p: { readonly cosigners?: readonly KeyPair[]; readonly describe?: (result: JsonValue | undefined) => string } = {},
): Promise<{ id: string; ok: boolean; result?: JsonValue }> {
  const { signer, suite } = signerOf(key);
  const c = await client(opts);
  const info = await getChainInfo(c);
  const tx = buildTransaction({ chainId: info.chainId, signer: key.publicKey, contract, method, args, ttlMs: 600_000 });
  let signed = await signTransactionWith(suite, tx, signer);
  for (const k of p.cosigners ?? []) signed = await cosignTransaction(suite, signed, k.publicKey, signerOf(k).signer);
  const r = await submitTransaction(c, signed, { wait: true });
  if (r.status !== 'committed') {
    print(opts, `${r.id}\n  pending (admitted, not yet in a durable block)`, r);
    return { id: r.id, ok: false };
  }
  const receipt = r.receipt;
  const ok = receipt.status === 'ok';
  const line = ok ? `${p.describe?.(receipt.result) ?? 'ok'}` : `failed ${receipt.code} — ${receipt.message ?? ''}`;
  print(opts, `${r.id}\n  committed in block ${r.height}: ${line}`, r);
  if (!ok) process.exitCode = 1;
  return ok ? { id: r.id, ok, ...(receipt.result === undefined ? {} : { result: receipt.result }) } : { id: r.id, ok };
}

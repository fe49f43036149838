import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HOME_FILES, type KeyPair, loadGenesis, loadKeyFile, loadNodeConfig, nativeSuite } from '@lianzheng/node';
import {
  type Consortium,
  type CryptoSuite,
  consortiumFromGenesis,
  defineErrors,
  type Genesis,
  LianzhengError,
} from '@lianzheng/protocol';
import { type Client, createClient, httpTransport, keySigner, type Signer } from '@lianzheng/sdk';

export const cliErrors = defineErrors({
  CLI_USAGE: {
    category: 'invalid',
    description: 'A command-line argument is missing or malformed; see `lianzheng <command> --help`.',
  },
  FILE_UNREADABLE: { category: 'not_found', description: 'A file named on the command line cannot be read.' },
});

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

/** --key <file>, else the first member (admin) key in the home's keys directory. */
export async function resolveKey(opts: GlobalOptions & { key?: string }): Promise<KeyPair> {
  if (opts.key !== undefined) return loadKeyFile(path.resolve(opts.key));
  const home = resolveHome(opts.home);
  const dir = path.join(home, HOME_FILES.keys);
  const config = existsSync(path.join(home, HOME_FILES.config)) ? await loadNodeConfig(home) : undefined;
  const preferred = config === undefined ? undefined : path.join(dir, `${config.org}-admin.key.json`);
  if (preferred !== undefined && existsSync(preferred)) return loadKeyFile(preferred);
  const any = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('-admin.key.json')) : undefined;
  if (any === undefined) usage('no signing key: pass --key <file> (see `lianzheng keys generate`)');
  return loadKeyFile(path.join(dir, any));
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

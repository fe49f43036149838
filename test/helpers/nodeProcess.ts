import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePortBlock, loadKeyFile, nativeSuite } from '@lianzheng/node';
import { type Genesis, type JsonObject, type SignedTransaction, signTransaction } from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const cliPath = path.join(root, 'packages', 'cli', 'bin', 'lianzheng.js');

/** Passphrase of the key files of every home the e2e tests create (passed to the CLI as LIANZHENG_PASSPHRASE). */
export const E2E_PASSPHRASE = 'e2e test passphrase, not secret';

/** The environment of every CLI and node process the tests start. */
export const childEnv: NodeJS.ProcessEnv = { ...process.env, LIANZHENG_PASSPHRASE: E2E_PASSPHRASE };

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `lz-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A free loopback port below the ephemeral range (see `freePortBlock`), so that a node SIGKILLed and restarted on it
 * does not find it taken by the local end of an outgoing connection meanwhile.
 */
export function freePort(): Promise<number> {
  return freePortBlock(1);
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI as a separate process. */
export function cli(
  args: readonly string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { cwd: root, env: opts.env ?? childEnv, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface NodeHandle {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stderr (structured logs). */
  stderr(): string;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (clean shutdown), and wait. */
  stop(): Promise<number | null>;
}

/** Starts `lianzheng start` for a home and waits until /health answers. */
export async function startNode(
  home: string,
  port: number,
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = childEnv,
): Promise<NodeHandle> {
  const child = spawn(
    process.execPath,
    [cliPath, '--home', home, 'start', '--port', String(port), '--log-level', 'warn', ...extra],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // 'close' comes after the last stderr chunk; 'exit' may come before it.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await closed;
      throw new Error(`node exited with ${child.exitCode} before it was healthy:\n${err}`);
    }
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node did not become healthy:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    process: child,
    stderr: () => err,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Waits until a node started with `--seed-demo` has recorded the demo (it writes `identities.json` last). */
export async function demoIdentities<T = Record<string, unknown>>(home: string, timeoutMs = 60_000): Promise<T[]> {
  const file = path.join(home, 'identities.json');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error('the demo seed did not finish in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T[];
}

/**
 * `lianzheng init --demo` in a fresh directory and `lianzheng start --seed-demo`, waiting until the demo history is
 * recorded. The caller stops the node and removes `home`.
 */
export async function startDemoNode(
  prefix: string,
  initArgs: readonly string[] = [],
): Promise<{ home: string; node: NodeHandle }> {
  const home = tempDir(prefix);
  const port = await freePort();
  const init = await cli(['--home', home, 'init', '--demo', '--kdf-cost', '12', '--port', String(port), ...initArgs]);
  if (init.code !== 0) throw new Error(`init failed:\n${init.stderr}`);
  const node = await startNode(home, port, ['--seed-demo']);
  await demoIdentities(home);
  return { home, node };
}

export interface Signer {
  readonly org: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** The demo organisations' administrator keys, opened from the home written by `lianzheng init`. */
export async function loadSigners(home: string): Promise<{ genesis: Genesis; signers: Signer[] }> {
  const genesis = JSON.parse(readFileSync(path.join(home, 'genesis.json'), 'utf8')) as Genesis;
  const signers = await Promise.all(
    genesis.orgs.map(async (o) => {
      const k = await loadKeyFile(path.join(home, 'keys', `${o.id}-admin.key.json`), E2E_PASSPHRASE);
      return { org: o.id, publicKey: k.publicKey, secretKey: k.secretKey };
    }),
  );
  return { genesis, signers };
}

export function signed(
  genesis: Genesis,
  signer: Signer,
  contract: string,
  method: string,
  args: JsonObject,
): SignedTransaction {
  const suite = nativeSuite(genesis.suite);
  return signTransaction(
    suite,
    buildTransaction({ chainId: genesis.chainId, signer: signer.publicKey, contract, method, args, ttlMs: 3_600_000 }),
    signer.secretKey,
  );
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

export async function getJson(url: string): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url);
  return { status: r.status, json: await r.json() };
}

/**
 * Loads the contract sandbox's interpreter: the QuickJS-ng WebAssembly shipped in
 * `@jitl/quickjs-ng-wasmfile-release-sync`, metered by meter.ts, checked against the consortium's pinned hash
 * (`METERED_QUICKJS_SHA256`: the fuel schedule is part of the protocol, so every node must run the same bytes), then
 * compiled. Metering takes about a second, so the result is cached in the system's temporary directory under its hash
 * and reused when the cached bytes still hash to the pinned value.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ContractSandbox, METERED_QUICKJS_SHA256, UserContracts } from '@lianzheng/runtime';
import { nodeError } from '../errors.js';
import { meterWasm } from './meter.js';

const require = createRequire(import.meta.url);

let compiled: Promise<WebAssembly.Module> | undefined;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The metered bytes, computed (not cached): tests and the pinned-hash check use this. */
export async function meteredQuickJsBytes(): Promise<{ bytes: Uint8Array; sha256: string }> {
  const input = readFileSync(require.resolve('@jitl/quickjs-ng-wasmfile-release-sync/wasm'));
  const binaryen = (await import('binaryen')).default;
  const { bytes } = meterWasm(binaryen, input);
  return { bytes, sha256: sha256(bytes) };
}

function cachePath(): string {
  return path.join(os.tmpdir(), 'lianzheng-sandbox', `quickjs-metered-${METERED_QUICKJS_SHA256}.wasm`);
}

function readCache(): Uint8Array | undefined {
  try {
    const bytes = readFileSync(cachePath());
    return sha256(bytes) === METERED_QUICKJS_SHA256 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(bytes: Uint8Array): void {
  try {
    const file = cachePath();
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, bytes);
    renameSync(temp, file);
  } catch {
    // A read-only temporary directory only costs the metering time on the next start.
  }
}

/** The compiled, metered interpreter; refuses (SANDBOX_WASM_MISMATCH) bytes that differ from the pinned hash. */
export function loadMeteredQuickJs(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    let bytes = readCache();
    if (bytes === undefined) {
      const built = await meteredQuickJsBytes();
      if (built.sha256 !== METERED_QUICKJS_SHA256) {
        throw nodeError(
          'SANDBOX_WASM_MISMATCH',
          'the metered contract interpreter differs from the one the protocol pins: reinstall with the locked versions',
          { expected: METERED_QUICKJS_SHA256, actual: built.sha256 },
        );
      }
      bytes = built.bytes;
      writeCache(bytes);
    }
    return new WebAssembly.Module(bytes);
  })();
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

/**
 * The user-contract host of a node or a verifier: one engine for calls, one for the read-only calls they make. The
 * wall-clock guard is on (60 s): a call that runs that long stops the process instead of producing a receipt.
 */
export async function createUserContracts(): Promise<UserContracts> {
  const wasm = await loadMeteredQuickJs();
  const now = () => performance.now();
  const [top, nested] = await Promise.all([
    ContractSandbox.create(wasm, {}, { now }),
    ContractSandbox.create(wasm, {}, { now }),
  ]);
  return new UserContracts(top, nested);
}

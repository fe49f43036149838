/**
 * Loads the contract sandbox's interpreter: the QuickJS-ng WebAssembly shipped in
 * `@jitl/quickjs-ng-wasmfile-release-sync`, metered by meter.ts, checked against the consortium's pinned hash
 * (`METERED_QUICKJS_SHA256`: the fuel schedule is part of the protocol, so every node must run the same bytes), then
 * compiled. Done once per process (≈ 1 s).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { METERED_QUICKJS_SHA256 } from '@lianzheng/runtime';
import { nodeError } from '../errors.js';
import { meterWasm } from './meter.js';

const require = createRequire(import.meta.url);

let compiled: Promise<WebAssembly.Module> | undefined;

/** The metered bytes, before compilation (tests and `lianzheng sandbox` inspect them). */
export async function meteredQuickJsBytes(): Promise<{ bytes: Uint8Array; sha256: string }> {
  const path = require.resolve('@jitl/quickjs-ng-wasmfile-release-sync/wasm');
  const binaryen = (await import('binaryen')).default;
  const { bytes } = meterWasm(binaryen, readFileSync(path));
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The compiled, metered interpreter; refuses (SANDBOX_WASM_MISMATCH) bytes that differ from the pinned hash. */
export function loadMeteredQuickJs(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const { bytes, sha256 } = await meteredQuickJsBytes();
    if (sha256 !== METERED_QUICKJS_SHA256) {
      throw nodeError(
        'SANDBOX_WASM_MISMATCH',
        'the metered contract interpreter differs from the one the protocol pins: reinstall with the locked versions',
        { expected: METERED_QUICKJS_SHA256, actual: sha256 },
      );
    }
    return new WebAssembly.Module(bytes);
  })();
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

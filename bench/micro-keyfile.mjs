// Opening a key file at the default cost (scrypt N = 2^15, r = 8, p = 1) in this process: the protocol's portable
// implementation (noble scrypt, Web Crypto AES-GCM, our SM4-CTR + HMAC-SM3 — what a browser runs) next to the
// node's OpenSSL one, for both suites; median and range of `runs` opens each, one at a time.
//   node bench/micro-keyfile.mjs [runs=7]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openKeyFile as openNode, writeKeyFile } from '@lianzheng/node';
import { openKeyFile as openPortable, portableSuite, sealKeyFile } from '@lianzheng/protocol';

const runs = Number(process.argv[2] ?? 7);
const passphrase = 'key file benchmark passphrase';
const dir = mkdtempSync(path.join(os.tmpdir(), 'lz-bench-keyfile-'));

async function time(f) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await f();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return `${ms[Math.floor(ms.length / 2)].toFixed(0)} ms (${ms[0].toFixed(0)}–${ms.at(-1).toFixed(0)})`;
}

try {
  console.log(
    `Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; ${runs} runs`,
  );
  console.log('| | ed25519-sha256 | sm2-sm3 |\n|---|---|---|');
  const rows = { 'open, portable (browser code)': [], 'open, node (OpenSSL)': [], 'seal, portable': [] };
  for (const suite of ['ed25519-sha256', 'sm2-sm3']) {
    const file = path.join(dir, `${suite}.key.json`);
    const key = { id: 'c-0001', org: '', role: 'subject', suite, secretKey: portableSuite(suite).randomSecretKey() };
    await writeKeyFile(file, key, passphrase);
    const text = readFileSync(file, 'utf8');
    rows['open, portable (browser code)'].push(await time(() => openPortable(text, passphrase)));
    rows['open, node (OpenSSL)'].push(await time(() => openNode(file, passphrase)));
    rows['seal, portable'].push(await time(() => sealKeyFile(key, passphrase)));
  }
  for (const [name, cells] of Object.entries(rows)) console.log(`| ${name} | ${cells.join(' | ')} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The node's key files (OpenSSL, `keystore.ts`) against the protocol's portable implementation (noble scrypt, Web
 * Crypto, our SM4 and HMAC-SM3, `packages/protocol/src/keyFile.ts`), which a browser uses: what one writes the
 * other opens, both suites, at the test cost and at the default cost, and the same damage gets the same code and
 * field from both.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  bytesToHex,
  isLianzhengError,
  openKeyFile as openPortable,
  readKeyFileHeader as readPortableHeader,
  type SuiteId,
  sealKeyFile,
} from '@lianzheng/protocol';
import { keyFileSigner, openKeyFile as openWithSdk } from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyFile, readKeyFileHeader, writeKeyFile } from '../src/keystore.js';
import { nativeSuite } from '../src/nativeSuite.js';

const FAST = { scryptN: 2 ** 12 } as const;
const PASS = 'correct horse battery staple';
const SUITES = ['ed25519-sha256', 'sm2-sm3'] as const satisfies readonly SuiteId[];

let dir: string;
let counter = 0;
const tmpFile = (name = 'key'): string => path.join(dir, `${name}-${++counter}.key.json`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lianzheng-keyfile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function newKey(suite: SuiteId) {
  return { id: 'c-0001', org: '', role: 'subject', suite, secretKey: nativeSuite(suite).randomSecretKey() };
}

/** `code` and `details.field` of a failure, or `opened` / an uncoded error's text. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'opened';
  } catch (e) {
    if (!isLianzhengError(e)) return `uncoded: ${String(e)}`;
    const field = e.details?.field;
    return field === undefined ? e.code : `${e.code} ${String(field)}`;
  }
}

describe.each(SUITES)('node keystore and the portable key file, %s', (suite) => {
  it('a file the node wrote opens with the portable openKeyFile, same header', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS, FAST);
    const text = await readFile(file, 'utf8');
    const opened = await openPortable(text, PASS);
    expect(bytesToHex(opened.secretKey)).toBe(bytesToHex(key.secretKey));
    expect(readPortableHeader(text)).toEqual(await readKeyFileHeader(file));
    expect(await outcome(openPortable(text, `${PASS}?`))).toBe('KEY_PASSPHRASE_WRONG');
  });

  it('a file the portable sealKeyFile wrote opens with the node, and its signer signs for the key', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeFile(file, await sealKeyFile(key, PASS, FAST), { mode: 0o600 });
    const opened = await openKeyFile(file, PASS);
    expect(bytesToHex(opened.exportSecretKey())).toBe(bytesToHex(key.secretKey));
    expect(await readKeyFileHeader(file)).toEqual(readPortableHeader(await readFile(file, 'utf8')));
    const s = nativeSuite(suite);
    const message = s.taggedText('lianzheng/tx', 'signed after a browser sealed the key');
    expect(s.verify(opened.publicKey, message, await opened.signer.sign(message))).toBe(true);
    expect(await outcome(openKeyFile(file, `${PASS}?`))).toBe('KEY_PASSPHRASE_WRONG');
  });

  it("the SDK's re-export opens a node file, and its signer keeps working after the secret is wiped", async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS, FAST);
    const opened = await openWithSdk(await readFile(file, 'utf8'), PASS);
    const sign = keyFileSigner(opened);
    opened.secretKey.fill(0);
    const s = nativeSuite(suite);
    const digest = s.taggedText('lianzheng/tx', 'signed in a browser');
    expect(s.verify(s.publicKeyFromSecret(key.secretKey), digest, await sign(digest))).toBe(true);
  });

  it('at the default cost (scrypt N = 2^15), both ways', async () => {
    const file = tmpFile(suite);
    const key = newKey(suite);
    await writeKeyFile(file, key, PASS);
    expect(bytesToHex((await openPortable(await readFile(file, 'utf8'), PASS)).secretKey)).toBe(
      bytesToHex(key.secretKey),
    );
    const other = tmpFile(suite);
    await writeFile(other, await sealKeyFile(key, PASS));
    expect(bytesToHex((await openKeyFile(other, PASS)).exportSecretKey())).toBe(bytesToHex(key.secretKey));
  });

  it('the same damage gets the same code and field from both readers', async () => {
    const file = tmpFile(suite);
    await writeKeyFile(file, newKey(suite), PASS, FAST);
    const original = JSON.parse(await readFile(file, 'utf8'));
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    const damaged: [string, string][] = [
      ['control', JSON.stringify(original)],
      ['not JSON', '{"type":'],
      ['v1', JSON.stringify({ ...original, v: 1 })],
      ['unknown member', JSON.stringify({ ...original, extra: true })],
      ['missing member', JSON.stringify({ ...original, cipher: undefined })],
      ['suite swapped', JSON.stringify({ ...original, suite: suite === 'sm2-sm3' ? 'ed25519-sha256' : 'sm2-sm3' })],
      ['bad id', JSON.stringify({ ...original, id: 'A B' })],
      ['kdf N', JSON.stringify({ ...original, kdf: { ...original.kdf, N: 2 ** 21 } })],
      ['kdf work', JSON.stringify({ ...original, kdf: { ...original.kdf, N: 2 ** 20, r: 16 } })],
      ['kdf salt', JSON.stringify({ ...original, kdf: { ...original.kdf, salt: 'ab' } })],
      ['cipher iv', JSON.stringify({ ...original, cipher: { ...original.cipher, iv: '00' } })],
      ['ciphertext short', JSON.stringify({ ...original, ciphertext: original.ciphertext.slice(4) })],
      ['role edited', JSON.stringify({ ...original, role: 'node' })],
      ['salt edited', JSON.stringify({ ...original, kdf: { ...original.kdf, salt: flip(original.kdf.salt) } })],
      ['ciphertext edited', JSON.stringify({ ...original, ciphertext: flip(original.ciphertext) })],
      ['iv edited', JSON.stringify({ ...original, cipher: { ...original.cipher, iv: flip(original.cipher.iv) } })],
      ['too large', `${JSON.stringify(original)}${' '.repeat(66_000)}`],
    ];
    const node: Record<string, string> = {};
    const portable: Record<string, string> = {};
    for (const [name, text] of damaged) {
      await writeFile(file, text);
      node[name] = await outcome(openKeyFile(file, PASS));
      portable[name] = await outcome(openPortable(text, PASS));
    }
    expect(portable).toEqual(node);
    expect(node.control).toBe('opened');
    expect(node['role edited']).toBe('KEY_PASSPHRASE_WRONG');
    expect(node['kdf work']).toBe('KEY_FILE_INVALID kdf');
    expect(Object.values(node).filter((o) => o.startsWith('KEY_FILE_INVALID')).length).toBe(12);
  });
});

/**
 * The node checks genesis with its native suite (node:crypto Ed25519, the SM2 addon) where the browser and the
 * protocol package use the portable one: both must accept and refuse exactly the same documents — the pinned vectors,
 * and the same vectors with one byte of a member's or a CA root's signature flipped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertGenesis, certificateFromBase64, SuiteId } from '@lianzheng/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGenesis, nativeSuite } from '../src/index.js';

interface GenesisJson {
  [field: string]: unknown;
  members: string[];
  orgs: { ca: string[] }[];
}

const vectorsDir = new URL('../../../test/vectors/', import.meta.url);
const dir = mkdtempSync(path.join(tmpdir(), 'lz-genesis-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flipped(b64: string): string {
  const der = certificateFromBase64(b64);
  der[der.length - 1]! ^= 1;
  return Buffer.from(der).toString('base64');
}

function outcome(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (e) {
    const err = e as { code?: string; details?: { reason?: string } };
    return `${err.code}${err.details?.reason === undefined ? '' : `/${err.details.reason}`}`;
  }
}

describe.each([SuiteId.ed25519Sha256, SuiteId.sm2Sm3])('genesis checked with the native suite (%s)', (suiteId) => {
  it('accepts and refuses exactly what the portable check does', async () => {
    const vectors = JSON.parse(await readFile(new URL(`${suiteId}.json`, vectorsDir), 'utf8')) as {
      genesis: { document: GenesisJson };
    };
    const good = vectors.genesis.document;
    const cases: Record<string, GenesisJson> = { pinned: good };
    const member = structuredClone(good);
    member.members[1] = flipped(member.members[1]!);
    cases.memberSignature = member;
    const root = structuredClone(good);
    root.orgs[0]!.ca = [flipped(root.orgs[0]!.ca[0]!)];
    cases.caRootSignature = root;

    const seen: Record<string, string> = {};
    for (const [name, doc] of Object.entries(cases)) {
      const portable = outcome(() => assertGenesis(doc));
      expect(
        outcome(() => assertGenesis(doc, nativeSuite)),
        name,
      ).toBe(portable);
      // What a node's home reads at start-up.
      const file = `${suiteId}-${name}.json`;
      writeFileSync(path.join(dir, file), JSON.stringify(doc));
      let loaded = 'accepted';
      await loadGenesis(dir, file).catch((e: { code?: string }) => {
        loaded = e.code ?? 'uncoded';
      });
      expect(loaded, name).toBe(portable.split('/')[0]);
      seen[name] = portable;
    }
    expect(seen).toEqual({
      pinned: 'accepted',
      memberSignature: 'GENESIS_INVALID/X509_SIGNATURE_INVALID',
      caRootSignature: 'CONSORTIUM_CONFIG_INVALID',
    });
  });
});

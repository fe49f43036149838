/**
 * The node-to-node record transfer crypto (PROTOCOL.md §19.7) for both suites: ephemeral key agreement (X25519, SM2),
 * the HKDF-derived key bound to the request, sealing the data key, and the refusals: malformed or off-curve keys, a key
 * opened with another request's hash or another record's id.
 */
import { randomBytes } from 'node:crypto';
import { isLianzhengError, type SuiteId } from '@lianzheng/protocol';
import { describe, expect, it } from 'vitest';
import { nativeSuite } from '../src/nativeSuite.js';
import {
  ephemeralKey,
  openDataKey,
  requestHash,
  sealDataKey,
  type TransferRequest,
  transferKey,
} from '../src/privateTransfer.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return isLianzhengError(e) ? e.code : String(e);
  }
};

describe.each(['ed25519-sha256', 'sm2-sm3'] as SuiteId[])('record transfer crypto, %s', (suiteId) => {
  const suite = nativeSuite(suiteId);
  const record = 'ab'.repeat(32);

  it('both sides agree on the key; the data key opens only with the right request and record', () => {
    const requester = ephemeralKey(suiteId);
    const holder = ephemeralKey(suiteId);
    expect(requester.publicKey).toMatch(suiteId === 'sm2-sm3' ? /^04[0-9a-f]{128}$/ : /^[0-9a-f]{64}$/);
    const request: TransferRequest = {
      chainId: 'c',
      record,
      node: 'police-node-1',
      org: 'police',
      ephemeral: requester.publicKey,
      time: 1,
    };
    const rHash = requestHash(suite, request);
    const dataKey = randomBytes(32);
    const wrapped = sealDataKey(
      suiteId,
      transferKey(suiteId, holder.agree(requester.publicKey), rHash),
      record,
      dataKey,
    );
    const kek = transferKey(suiteId, requester.agree(holder.publicKey), rHash);
    expect(Buffer.from(openDataKey(suiteId, kek, record, wrapped)).equals(dataKey)).toBe(true);
    // Another request (a replay with a changed field), another record, another party's key: nothing opens.
    const other = requestHash(suite, { ...request, time: 2 });
    expect(
      codeOf(() =>
        openDataKey(suiteId, transferKey(suiteId, requester.agree(holder.publicKey), other), record, wrapped),
      ),
    ).toBe('PRIVACY_TRANSFER_INVALID');
    expect(codeOf(() => openDataKey(suiteId, kek, 'cd'.repeat(32), wrapped))).toBe('PRIVACY_TRANSFER_INVALID');
    const eve = ephemeralKey(suiteId);
    expect(
      codeOf(() => openDataKey(suiteId, transferKey(suiteId, eve.agree(holder.publicKey), rHash), record, wrapped)),
    ).toBe('PRIVACY_TRANSFER_INVALID');
    expect(
      codeOf(() => openDataKey(suiteId, kek, record, { ...wrapped, tag: '00'.repeat(wrapped.tag.length / 2) })),
    ).toBe('PRIVACY_TRANSFER_INVALID');
  });

  it('refuses malformed and invalid ephemeral keys', () => {
    const k = ephemeralKey(suiteId);
    for (const bad of ['', 'zz', '00'.repeat(31), `05${'00'.repeat(64)}`, `04${'00'.repeat(64)}`, '00'.repeat(32)]) {
      expect(
        codeOf(() => k.agree(bad)),
        bad,
      ).toBe('PRIVACY_TRANSFER_INVALID');
    }
  });
});

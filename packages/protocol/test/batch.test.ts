import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BatchHeader,
  batchSigningDigest,
  batchTxsHash,
  encodeBatch,
  MAX_BATCH_BYTES,
  openBatch,
  type UnsignedBatchHeader,
} from '../src/batch.js';
import { assertBlockHeader } from '../src/block.js';
import { bytesToHex } from '../src/bytes.js';
import { isLianzhengError } from '../src/errors.js';
import { portableSuite } from '../src/suite.js';

// PROTOCOL.md §18.2: a batch is JCS(header) ‖ "\n" ‖ txs, the header signed by the proposing node.

for (const id of ['ed25519-sha256', 'sm2-sm3'] as const) {
  describe(`ordering batch (${id})`, () => {
    const suite = portableSuite(id);
    const secretKey = suite.randomSecretKey();
    const publicKey = bytesToHex(suite.publicKeyFromSecret(secretKey));
    const make = (txsText: string, count: number, over: Partial<UnsignedBatchHeader> = {}): string => {
      const unsigned: UnsignedBatchHeader = {
        v: 1,
        chainId: 'batch-test',
        node: 'market-node',
        org: 'market',
        publicKey,
        time: 1_800_000_000_000,
        count,
        txs: batchTxsHash(suite, txsText),
        ...over,
      };
      const header: BatchHeader = {
        ...unsigned,
        sig: bytesToHex(suite.sign(secretKey, batchSigningDigest(suite, unsigned))),
      };
      return encodeBatch(header, txsText);
    };
    const code = (f: () => unknown): { code: string; reason: unknown } | undefined => {
      try {
        f();
        return undefined;
      } catch (e) {
        if (!isLianzhengError(e)) throw e;
        return { code: e.code, reason: (e.details as { reason?: unknown } | undefined)?.reason };
      }
    };

    it('opens a well-formed batch and gives back the exact transactions text', () => {
      const txs = '[{"sig":"00","tx":{"a":1}},{"sig":"01","tx":{"b":"链政"}}]';
      const opened = openBatch(suite, 'batch-test', make(txs, 2));
      expect(opened.txsText).toBe(txs);
      expect(opened.header).toMatchObject({ node: 'market-node', org: 'market', publicKey, count: 2 });
    });

    it('refuses another chain, a changed transaction list, a bad signature, unknown or missing header fields', () => {
      const txs = '[]';
      const good = make(txs, 0);
      expect(code(() => openBatch(suite, 'other-chain', good))).toEqual({ code: 'BATCH_INVALID', reason: 'chain-id' });
      expect(code(() => openBatch(suite, 'batch-test', `${good} `))).toEqual({
        code: 'BATCH_INVALID',
        reason: 'txs-hash',
      });
      // Signed by someone else than the key the header names.
      const other = portableSuite(id);
      const otherKey = bytesToHex(other.publicKeyFromSecret(other.randomSecretKey()));
      const forged = good.replace(publicKey, otherKey);
      expect(code(() => openBatch(suite, 'batch-test', forged))).toEqual({
        code: 'BATCH_INVALID',
        reason: 'signature',
      });
      expect(code(() => openBatch(suite, 'batch-test', 'no header line'))).toEqual({
        code: 'BATCH_INVALID',
        reason: 'format',
      });
      const header = JSON.parse(good.slice(0, good.indexOf('\n'))) as Record<string, unknown>;
      for (const bad of [
        { ...header, extra: 1 },
        { ...header, v: 2 },
        { ...header, time: -1 },
        { ...header, count: 1.5 },
        { ...header, node: '' },
        (({ sig: _s, ...rest }) => rest)(header),
      ]) {
        expect(code(() => openBatch(suite, 'batch-test', `${JSON.stringify(bad)}\n${txs}`))?.code).toBe(
          'BATCH_INVALID',
        );
      }
      expect(code(() => openBatch(suite, 'batch-test', `${'x'.repeat(MAX_BATCH_BYTES)}\n[]`))).toEqual({
        code: 'BATCH_INVALID',
        reason: 'size',
      });
    });

    it('any change of one character of a batch is refused with BATCH_INVALID, never another error', () => {
      const good = make('[{"sig":"ab","tx":{"k":"v"}}]', 1);
      fc.assert(
        fc.property(fc.nat(good.length - 1), fc.integer({ min: 32, max: 126 }), (at, ch) => {
          const changed = good.slice(0, at) + String.fromCharCode(ch) + good.slice(at + 1);
          if (changed === good) return;
          expect(code(() => openBatch(suite, 'batch-test', changed))?.code).toBe('BATCH_INVALID');
        }),
        { numRuns: 300 },
      );
    });
  });
}

describe('block header rev (etcd ordering, PROTOCOL.md §6.2, §18.3)', () => {
  const base = {
    v: 1,
    chainId: 'c',
    height: 5,
    time: 0,
    parent: '00'.repeat(32),
    txCount: 0,
    txRoot: '00'.repeat(32),
    receiptRoot: '00'.repeat(32),
    stateRoot: '00'.repeat(32),
  };
  it('is optional, a positive integer, and never at height 0', () => {
    expect(assertBlockHeader(base)).toEqual(base);
    expect(assertBlockHeader({ ...base, rev: 7 }).rev).toBe(7);
    for (const bad of [{ rev: 0 }, { rev: -1 }, { rev: 1.5 }, { rev: '7' }, { height: 0, rev: 3 }]) {
      expect(() => assertBlockHeader({ ...base, ...bad })).toThrow(/header\.rev/);
    }
  });
});

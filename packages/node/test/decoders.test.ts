import { decodeRecords, decodeTxRecords, encodeRecords, encodeTxRecords, nativeSuite } from '@lianzheng/node';
import {
  assertCheckpoint,
  assertNotaryCertificate,
  assertReceipt,
  assertTxProof,
  bytesToHex,
  decodeCanonical,
  isLianzhengError,
  merklePathFromHex,
  merklePathToHex,
  stateProofFromJson,
  stateProofToJson,
  utf8ToBytes,
} from '@lianzheng/protocol';
import { decodeSlot, encodeSlot, type Slot, StatePage } from '@lianzheng/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Every decoder of the node: decode(encode(x)) = x for all x, and any other input is a coded error — never a crash,
// a hang, or a silently different value.
const suite = nativeSuite('ed25519-sha256');
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const slotArb: fc.Arbitrary<Slot> = fc.oneof(
  fc.constant<Slot>({ kind: 0 }),
  fc
    .record({ keyPath: hash32, valueHash: hash32, valueHeight: fc.nat({ max: 2 ** 40 }) })
    .map((l) => ({ kind: 1 as const, ...l, hash: suite.tagged2('lianzheng/state/leaf', l.keyPath, l.valueHash) })),
  fc.record({ hash: hash32, height: fc.nat({ max: 2 ** 40 }) }).map((p) => ({ kind: 2 as const, ...p })),
);

function expectCoded(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(isLianzhengError(e), String(e)).toBe(true);
  }
}

describe('storage record codecs', () => {
  it('transaction records round-trip and reject truncation (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            body: fc.uint8Array({ maxLength: 300 }),
            sig: fc.uint8Array({ minLength: 64, maxLength: 64 }),
            cosigs: fc.uint8Array({ maxLength: 200 }),
          }),
          {
            maxLength: 20,
          },
        ),
        fc.nat(),
        (txs, cut) => {
          const bytes = encodeTxRecords(txs);
          expect(
            decodeTxRecords(bytes).map((t) => ({
              body: new Uint8Array(t.body),
              sig: new Uint8Array(t.sig),
              cosigs: new Uint8Array(t.cosigs),
            })),
          ).toEqual(txs);
          if (bytes.length > 4) {
            const truncated = bytes.subarray(0, 4 + (cut % (bytes.length - 4)));
            expect(() => decodeTxRecords(Buffer.from(truncated))).toThrowError(
              expect.objectContaining({ code: 'STORE_CORRUPT' }),
            );
          }
        },
      ),
    );
  });

  it('record lists round-trip; trailing bytes are STORE_CORRUPT (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (records) => {
        const bytes = encodeRecords(records);
        expect(decodeRecords(bytes).map((r) => new Uint8Array(r))).toEqual(records);
        expect(() => decodeRecords(Buffer.concat([bytes, Buffer.from([0])]))).toThrowError(
          expect.objectContaining({ code: 'STORE_CORRUPT' }),
        );
      }),
    );
  });

  it('arbitrary bytes never crash the record decoders (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expectCoded(() => decodeTxRecords(Buffer.from(bytes)));
        expectCoded(() => decodeRecords(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('state tree codecs', () => {
  it('root slots round-trip (property)', () => {
    fc.assert(
      fc.property(slotArb, (slot) => {
        const back = decodeSlot(suite, encodeSlot(slot));
        expect(back.kind).toBe(slot.kind);
        expect(encodeSlot(back)).toEqual(encodeSlot(slot));
      }),
    );
  });

  it('pages round-trip through their encoding (property)', () => {
    fc.assert(
      fc.property(fc.array(slotArb, { minLength: 16, maxLength: 16 }), (slots) => {
        const page = StatePage.build(suite, slots, (n) => new Uint8Array(n));
        const back = StatePage.decode(suite, page.bytes);
        expect(back.bytes).toEqual(page.bytes);
        expect(bytesToHex(back.hash)).toBe(bytesToHex(page.hash));
        for (let s = 0; s < 16; s++) expect(encodeSlot(back.slot(s))).toEqual(encodeSlot(slots[s]!));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never crash the slot and page decoders (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat({ max: 3 }), (bytes, format) => {
        const b = bytes.slice();
        if (b.length > 0) b[0] = format;
        expectCoded(() => decodeSlot(suite, b));
        expectCoded(() => StatePage.decode(suite, b));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('proof codecs and validators', () => {
  it('state proofs and audit paths round-trip through JSON (property)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.record({ keyPath: hash32, valueHash: hash32 })),
        fc.array(hash32, { maxLength: 40 }),
        (leaf, siblings) => {
          const proof = { leaf, siblings };
          const back = stateProofFromJson(JSON.parse(JSON.stringify(stateProofToJson(proof))));
          expect(stateProofToJson(back)).toEqual(stateProofToJson(proof));
          expect(merklePathFromHex(merklePathToHex(siblings), 'path')).toEqual(siblings);
        },
      ),
    );
  });

  it('arbitrary JSON never crashes the proof, checkpoint, receipt and certificate validators (fuzz)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expectCoded(() => stateProofFromJson(value));
        expectCoded(() => assertCheckpoint(value));
        expectCoded(() => assertReceipt(value));
        expectCoded(() => assertTxProof(value, suite));
        expectCoded(() => assertNotaryCertificate(value, suite));
        expectCoded(() => merklePathFromHex(value, 'path'));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeCanonical accepts exactly the canonical encoding of a value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(' ', '\n', '\t'), (value, ws) => {
        const text = JSON.stringify(value);
        if (text === undefined || text.includes('"__proto__"')) return;
        let canonical: string;
        try {
          canonical = JSON.stringify(decodeCanonical(utf8ToBytes(text), { integersOnly: false }));
        } catch (e) {
          // Not canonical as JSON.stringify writes it (unsorted members, float spelling): must be a coded rejection.
          expect(isLianzhengError(e)).toBe(true);
          return;
        }
        expect(canonical).toBe(text);
        expectCoded(() => decodeCanonical(utf8ToBytes(`${ws}${text}`), { integersOnly: false }));
        expect(() => decodeCanonical(utf8ToBytes(`${ws}${text}`), { integersOnly: false })).toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});

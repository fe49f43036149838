import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, documentDigest, sm3, utf8ToBytes } from '../src/index.js';

describe('documentDigest (a file hashed piece by piece, as the web app does)', () => {
  it('gives the standard digests of "abc"', () => {
    expect(documentDigest('sha256').update(utf8ToBytes('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    // GB/T 32905-2016 example 1
    expect(documentDigest('sm3').update(utf8ToBytes('abc')).hex()).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  it('any split of the bytes gives the digest of the whole', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.array(fc.nat({ max: 4096 }), { maxLength: 8 }),
        (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const sha = documentDigest('sha256');
          const gm = documentDigest('sm3');
          let from = 0;
          for (const to of [...points, data.length]) {
            sha.update(data.subarray(from, to));
            gm.update(data.subarray(from, to));
            from = to;
          }
          expect(gm.hex()).toBe(bytesToHex(sm3(data)));
          const whole = documentDigest('sha256').update(data).hex();
          expect(sha.hex()).toBe(whole);
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });
});

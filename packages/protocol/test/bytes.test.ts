import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/bytes.js';

describe('hex', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(hexToBytes(bytesToHex(b))).toEqual(b);
      }),
    );
  });
  it('rejects upper case, odd length and wrong length with HEX_INVALID', () => {
    for (const bad of ['AB', 'abc', 'zz', 12]) {
      expect(() => hexToBytes(bad, 'f')).toThrowError(expect.objectContaining({ code: 'HEX_INVALID' }));
    }
    expect(() => hexToBytes('abcd', 'f', 3)).toThrowError(expect.objectContaining({ code: 'HEX_INVALID' }));
  });
});

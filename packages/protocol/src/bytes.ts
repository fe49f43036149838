import { protocolError } from './errors.js';

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX.charCodeAt(i)] = i;

/**
 * Node's Buffer when this runs on Node (feature detection keeps the package browser-safe): its native hex and UTF-8
 * codecs are several times faster than the portable loops and produce flat strings.
 */
interface NodeBufferLike {
  from(data: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'hex'): string };
  from(text: string, encoding: 'utf8'): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

/** Lower-case hex, the only byte-string form used in protocol JSON. */
export function bytesToHex(bytes: Uint8Array): string {
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]!];
  return out;
}

/**
 * Strict decoder: lower-case only, even length, and `length` bytes when given. Upper-case hex is rejected so
 * that every byte string has exactly one JSON form (otherwise the same transaction would have two ids).
 */
export function hexToBytes(hex: unknown, field = 'hex', length?: number): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) {
    throw protocolError('HEX_INVALID', `${field} must be an even-length lower-case hex string`, { field });
  }
  if (length !== undefined && hex.length !== length * 2) {
    throw protocolError('HEX_INVALID', `${field} must be ${length} bytes (${length * 2} hex characters)`, {
      field,
      expectedBytes: length,
    });
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) {
      throw protocolError('HEX_INVALID', `${field} must be lower-case hex`, { field });
    }
    out[i] = (h << 4) | l;
  }
  return out;
}

export function isHex(value: unknown, length?: number): value is string {
  if (typeof value !== 'string' || value.length % 2 !== 0) return false;
  if (length !== undefined && value.length !== length * 2) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || HEX_VALUE[c]! < 0) return false;
  }
  return true;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8ToBytes(text: string): Uint8Array {
  if (NodeBuffer === undefined) return encoder.encode(text);
  // A plain Uint8Array view of the (pooled) Buffer: callers get the documented type, not a Node subclass.
  const b = NodeBuffer.from(text, 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Length in bytes of the UTF-8 encoding of `text` (lone surrogates count as the 3-byte replacement). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Fatal UTF-8 decoding: invalid sequences are an error, never replaced with U+FFFD. */
export function bytesToUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw protocolError('JSON_STRING_INVALID', 'bytes are not valid UTF-8', undefined, cause);
  }
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Compares two byte strings as unsigned big-endian numbers / lexicographically. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Cryptographically secure random bytes from Web Crypto (present in Node ≥ 19 and every browser). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * A small, strict DER (ITU-T X.690 §10–11) encoder and parser: just what X.509 certificates need.
 *
 * Strict means BER's freedoms are errors: lengths must be definite and minimal (§10.1), INTEGERs minimal
 * (§8.3.2), BOOLEAN TRUE must be 0xFF (§11.1), unused BIT STRING bits zero (§11.2.1), strings primitive
 * (§10.2), SET elements sorted (§11.6), no trailing bytes. Every parse failure is a `DER_MALFORMED` error with
 * `details.reason`; nothing else (no RangeError, no TypeError) escapes. Encoders reject bad input with
 * `FIELD_INVALID`.
 *
 * Tags are single identifier octets: high tag numbers (≥ 31, §8.1.2.4) are never needed by X.509 and are rejected.
 */

import { bytesToUtf8, compareBytes, concatBytes, utf8ToBytes } from './bytes.js';
import { protocolError } from './errors.js';

/** Identifier octets of the universal types used here. */
export const DerTag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Identifier octet of the context-specific tag `[n]` (§8.1.2); EXPLICIT tags and implicitly tagged SEQUENCEs are constructed. */
export function contextTag(n: number, constructed: boolean): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) {
    throw protocolError('FIELD_INVALID', 'context tag number must be in 0..30', { field: 'tag' });
  }
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One parsed element. Byte arrays are views into the input given to `readDer` (no copies). */
export interface DerNode {
  /** The identifier octet. */
  readonly tag: number;
  /** Offset of the identifier octet in the input given to `readDer`. */
  readonly offset: number;
  /** The whole encoding: identifier, length and content octets (e.g. the exact signed TBSCertificate). */
  readonly bytes: Uint8Array;
  /** The content octets. */
  readonly content: Uint8Array;
  /** Parsed elements of a constructed encoding; empty for a primitive one. */
  readonly children: readonly DerNode[];
}

export interface ReadDerOptions {
  /** Deepest nesting of constructed elements; the top-level element has depth 0. */
  readonly maxDepth?: number;
  /** Largest input accepted. */
  readonly maxBytes?: number;
}

export const defaultReadDerOptions = { maxDepth: 32, maxBytes: 65_536 } as const;

/** Longest OID content accepted; real OIDs are far shorter (a 2.25 UUID OID takes 20 octets). */
const MAX_OID_BYTES = 128;

function malformed(reason: string, offset?: number): never {
  throw protocolError(
    'DER_MALFORMED',
    `malformed DER: ${reason}`,
    offset === undefined ? { reason } : { reason, offset },
  );
}

function fieldInvalid(field: string, message: string): never {
  throw protocolError('FIELD_INVALID', message, { field });
}

// ---------------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------------

/**
 * Parses exactly one DER element, recursively, and checks the content of every universal primitive type it knows
 * (BOOLEAN, INTEGER, ENUMERATED, BIT STRING, NULL, OID, UTF8String, PrintableString, IA5String, UTCTime,
 * GeneralizedTime). Bytes after the element are an error.
 */
export function readDer(bytes: Uint8Array, options: ReadDerOptions = {}): DerNode {
  if (!(bytes instanceof Uint8Array)) malformed('input is not a Uint8Array');
  const maxDepth = options.maxDepth ?? defaultReadDerOptions.maxDepth;
  const maxBytes = options.maxBytes ?? defaultReadDerOptions.maxBytes;
  if (bytes.length > maxBytes) malformed(`input is longer than ${maxBytes} bytes`);
  const node = parseElement(bytes, 0, bytes.length, 0, maxDepth);
  if (node.bytes.length !== bytes.length) malformed('trailing bytes after the element', node.bytes.length);
  return node;
}

function parseElement(input: Uint8Array, start: number, end: number, depth: number, maxDepth: number): DerNode {
  if (start >= end) malformed('truncated: missing identifier octet', start);
  const tag = input[start]!;
  if ((tag & 0x1f) === 0x1f) malformed('high tag numbers are not supported', start);
  if (tag === 0x00) malformed('end-of-contents octets (BER indefinite length) are not DER', start);
  let p = start + 1;
  if (p >= end) malformed('truncated: missing length', start);
  const first = input[p++]!;
  let length = first;
  if (first === 0x80) malformed('indefinite length is not DER (X.690 §10.1)', start);
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4) malformed('length field longer than 4 octets', start);
    if (p + n > end) malformed('truncated: length octets', start);
    if (input[p] === 0) malformed('length has a leading zero octet (X.690 §10.1)', start);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + input[p++]!;
    if (length < 0x80) malformed('long-form length for a length below 128 (X.690 §10.1)', start);
  }
  if (length > end - p) malformed('truncated: content runs past the end', start);
  const contentEnd = p + length;
  const content = input.subarray(p, contentEnd);
  const constructed = (tag & 0x20) !== 0;

  if ((tag & 0xc0) === 0) {
    // Universal class: SEQUENCE and SET are always constructed, every other type primitive in DER (§10.2).
    const number = tag & 0x1f;
    const mustBeConstructed = number === 0x10 || number === 0x11;
    if (constructed !== mustBeConstructed) {
      malformed(`universal tag ${number} must be ${mustBeConstructed ? 'constructed' : 'primitive'}`, start);
    }
    if (!constructed) checkUniversalContent(tag, content, start);
  }

  const children: DerNode[] = [];
  if (constructed) {
    if (depth >= maxDepth) malformed(`nested deeper than ${maxDepth}`, start);
    let q = p;
    while (q < contentEnd) {
      const child = parseElement(input, q, contentEnd, depth + 1, maxDepth);
      children.push(child);
      q += child.bytes.length;
    }
    // §11.6: SET OF components in ascending order of their encodings. A SET's components are ordered by tag
    // (§10.3), which is the same order for distinct tags, so one check covers both.
    if (tag === DerTag.set) {
      for (let i = 1; i < children.length; i++) {
        if (compareBytes(children[i - 1]!.bytes, children[i]!.bytes) > 0) {
          malformed('SET components are not sorted (X.690 §11.6)', children[i]!.offset);
        }
      }
    }
  }
  return { tag, offset: start, bytes: input.subarray(start, contentEnd), content, children };
}

function checkUniversalContent(tag: number, content: Uint8Array, offset: number): void {
  switch (tag) {
    case DerTag.boolean:
      checkBoolean(content, offset);
      return;
    case DerTag.integer:
    case 0x0a: // ENUMERATED has INTEGER's encoding rules (§8.4)
      checkInteger(content, offset);
      return;
    case DerTag.bitString:
      checkBitString(content, offset);
      return;
    case DerTag.null:
      if (content.length !== 0) malformed('NULL with content', offset);
      return;
    case DerTag.oid:
      oidFromContent(content, offset);
      return;
    case DerTag.utf8String:
    case DerTag.printableString:
    case DerTag.ia5String:
      stringFromContent(tag, content, offset);
      return;
    case DerTag.utcTime:
    case DerTag.generalizedTime:
      timeFromContent(tag, content, offset);
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Decoders: each takes a node, checks its tag (the universal one unless an IMPLICIT tag is given) and content.
// ---------------------------------------------------------------------------------------------------------------

function expectTag(node: DerNode, tag: number, what: string): void {
  if (node.tag !== tag) {
    malformed(`expected ${what} (tag 0x${tag.toString(16)}), found tag 0x${node.tag.toString(16)}`, node.offset);
  }
}

function checkBoolean(content: Uint8Array, offset: number): boolean {
  // §11.1: FALSE is 0x00 and TRUE is 0xFF; BER's "any non-zero octet" is not DER.
  if (content.length !== 1 || (content[0] !== 0x00 && content[0] !== 0xff)) {
    malformed('BOOLEAN must be one octet 0x00 or 0xFF (X.690 §11.1)', offset);
  }
  return content[0] === 0xff;
}

export function decodeDerBoolean(node: DerNode, tag: number = DerTag.boolean): boolean {
  expectTag(node, tag, 'BOOLEAN');
  return checkBoolean(node.content, node.offset);
}

function checkInteger(content: Uint8Array, offset: number): void {
  if (content.length === 0) malformed('INTEGER with no content octets', offset);
  // §8.3.2: the first nine bits must not be all zeros or all ones.
  if (content.length > 1) {
    const a = content[0]!;
    const b = content[1]! & 0x80;
    if ((a === 0x00 && b === 0) || (a === 0xff && b !== 0)) malformed('INTEGER is not minimal (X.690 §8.3.2)', offset);
  }
}

/** Two's-complement INTEGER as a bigint. */
export function decodeDerInteger(node: DerNode, tag: number = DerTag.integer): bigint {
  expectTag(node, tag, 'INTEGER');
  const c = node.content;
  checkInteger(c, node.offset);
  let value = 0n;
  for (const b of c) value = (value << 8n) | BigInt(b);
  return c[0]! & 0x80 ? value - (1n << BigInt(8 * c.length)) : value;
}

function checkBitString(content: Uint8Array, offset: number): void {
  if (content.length === 0) malformed('BIT STRING without the unused-bits octet', offset);
  const unused = content[0]!;
  if (unused > 7) malformed('BIT STRING unused-bits octet above 7', offset);
  if (content.length === 1 && unused !== 0) malformed('empty BIT STRING with unused bits', offset);
  if (unused !== 0 && (content[content.length - 1]! & ((1 << unused) - 1)) !== 0) {
    malformed('BIT STRING unused bits are not zero (X.690 §11.2.1)', offset);
  }
}

export interface DerBitString {
  readonly bytes: Uint8Array;
  readonly unusedBits: number;
}

export function decodeDerBitString(node: DerNode, tag: number = DerTag.bitString): DerBitString {
  expectTag(node, tag, 'BIT STRING');
  checkBitString(node.content, node.offset);
  return { bytes: node.content.subarray(1), unusedBits: node.content[0]! };
}

/**
 * A named bit list (e.g. KeyUsage) as the sorted indices of its set bits, bit 0 being the most significant bit
 * of the first octet. DER removes trailing zero bits (§11.2.2), so the last bit present must be a one.
 */
export function decodeDerNamedBits(node: DerNode, tag: number = DerTag.bitString): number[] {
  const { bytes, unusedBits } = decodeDerBitString(node, tag);
  if (bytes.length > 0 && ((bytes[bytes.length - 1]! >> unusedBits) & 1) === 0) {
    malformed('named bit list has trailing zero bits (X.690 §11.2.2)', node.offset);
  }
  const bits: number[] = [];
  for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) bits.push(i);
  return bits;
}

export function decodeDerOctetString(node: DerNode, tag: number = DerTag.octetString): Uint8Array {
  expectTag(node, tag, 'OCTET STRING');
  return node.content;
}

export function decodeDerNull(node: DerNode): null {
  expectTag(node, DerTag.null, 'NULL');
  if (node.content.length !== 0) malformed('NULL with content', node.offset);
  return null;
}

/** §8.19: subidentifiers in base 128, most significant group first, no leading 0x80 groups. */
function oidFromContent(content: Uint8Array, offset: number): string {
  if (content.length === 0) malformed('OBJECT IDENTIFIER with no content', offset);
  if (content.length > MAX_OID_BYTES) malformed(`OBJECT IDENTIFIER longer than ${MAX_OID_BYTES} octets`, offset);
  if (content[content.length - 1]! & 0x80) malformed('OBJECT IDENTIFIER ends inside a subidentifier', offset);
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const b of content) {
    if (fresh && b === 0x80) malformed('OBJECT IDENTIFIER subidentifier is not minimal (X.690 §8.19.2)', offset);
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  // §8.19.4: the first subidentifier packs the first two arcs as 40·X + Y (Y < 40 unless X = 2).
  const first = arcs[0]!;
  const head = first < 40n ? `0.${first}` : first < 80n ? `1.${first - 40n}` : `2.${first - 80n}`;
  return arcs.length === 1 ? head : `${head}.${arcs.slice(1).join('.')}`;
}

export function decodeDerOid(node: DerNode): string {
  expectTag(node, DerTag.oid, 'OBJECT IDENTIFIER');
  return oidFromContent(node.content, node.offset);
}

/** X.680 §41.4: A–Z a–z 0–9 space ' ( ) + , - . / : = ? */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function asciiFromContent(content: Uint8Array): string | undefined {
  let out = '';
  for (const b of content) {
    if (b >= 0x80) return undefined;
    out += String.fromCharCode(b);
  }
  return out;
}

function stringFromContent(tag: number, content: Uint8Array, offset: number): string {
  if (tag === DerTag.utf8String) {
    try {
      return bytesToUtf8(content);
    } catch {
      return malformed('UTF8String is not valid UTF-8', offset);
    }
  }
  const text = asciiFromContent(content);
  if (text === undefined) return malformed('IA5String/PrintableString with a non-ASCII octet', offset);
  if (tag === DerTag.printableString && !PRINTABLE.test(text)) {
    malformed('PrintableString with a character outside its set (X.680 §41.4)', offset);
  }
  return text;
}

/** The text of a UTF8String, PrintableString or IA5String. */
export function decodeDerString(node: DerNode): string {
  if (node.tag !== DerTag.utf8String && node.tag !== DerTag.printableString && node.tag !== DerTag.ia5String) {
    malformed(`expected UTF8String, PrintableString or IA5String, found tag 0x${node.tag.toString(16)}`, node.offset);
  }
  return stringFromContent(node.tag, node.content, node.offset);
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/**
 * RFC 5280 §4.1.2.5: UTCTime `YYMMDDHHMMSSZ` (YY ≥ 50 → 19YY, else 20YY) and GeneralizedTime `YYYYMMDDHHMMSSZ`,
 * always in UTC ("Z"), always with seconds, never with fractions.
 */
function timeFromContent(tag: number, content: Uint8Array, offset: number): number {
  const text = asciiFromContent(content) ?? '';
  const utc = tag === DerTag.utcTime;
  if (!(utc ? /^\d{12}Z$/ : /^\d{14}Z$/).test(text)) {
    malformed(utc ? 'UTCTime is not YYMMDDHHMMSSZ' : 'GeneralizedTime is not YYYYMMDDHHMMSSZ', offset);
  }
  const n = (from: number, length: number): number => Number(text.slice(from, from + length));
  let year: number;
  let rest: number;
  if (utc) {
    const yy = n(0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = 2;
  } else {
    year = n(0, 4);
    rest = 4;
  }
  const month = n(rest, 2);
  const day = n(rest + 2, 2);
  const hour = n(rest + 4, 2);
  const minute = n(rest + 6, 2);
  const second = n(rest + 8, 2);
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    malformed('time has an out-of-range field', offset);
  }
  return utcMs(year, month, day, hour, minute, second);
}

/** A UTCTime or GeneralizedTime as milliseconds since the epoch. */
export function decodeDerTime(node: DerNode): number {
  if (node.tag !== DerTag.utcTime && node.tag !== DerTag.generalizedTime) {
    malformed(`expected UTCTime or GeneralizedTime, found tag 0x${node.tag.toString(16)}`, node.offset);
  }
  return timeFromContent(node.tag, node.content, node.offset);
}

// ---------------------------------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------------------------------

/** identifier ‖ definite minimal length (§10.1) ‖ content. */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  let header: Uint8Array;
  if (n < 0x80) header = Uint8Array.of(tag, n);
  else if (n < 0x100) header = Uint8Array.of(tag, 0x81, n);
  else if (n < 0x10000) header = Uint8Array.of(tag, 0x82, n >>> 8, n & 0xff);
  else if (n < 0x1000000) header = Uint8Array.of(tag, 0x83, n >>> 16, (n >>> 8) & 0xff, n & 0xff);
  else header = Uint8Array.of(tag, 0x84, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  return concatBytes(header, content);
}

export function derSequence(...elements: readonly Uint8Array[]): Uint8Array {
  return derTlv(DerTag.sequence, concatBytes(...elements));
}

/** SET OF (or SET): elements sorted by their encodings, as DER requires (§11.6). */
export function derSet(...elements: readonly Uint8Array[]): Uint8Array {
  return derTlv(DerTag.set, concatBytes(...[...elements].sort(compareBytes)));
}

/** `[n] EXPLICIT`: a constructed context tag wrapping the whole encoding of `element`. */
export function derExplicit(n: number, element: Uint8Array): Uint8Array {
  return derTlv(contextTag(n, true), element);
}

/** `[n] IMPLICIT`: `element` with its identifier octet replaced (the constructed bit is kept). */
export function derImplicit(n: number, element: Uint8Array): Uint8Array {
  const out = element.slice();
  out[0] = contextTag(n, (element[0]! & 0x20) !== 0);
  return out;
}

export function derBoolean(value: boolean): Uint8Array {
  return Uint8Array.of(DerTag.boolean, 1, value ? 0xff : 0x00);
}

export function derNull(): Uint8Array {
  return Uint8Array.of(DerTag.null, 0);
}

/** A minimal two's-complement INTEGER (§8.3). */
export function derInteger(value: bigint | number): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) fieldInvalid('integer', 'integer must be safe');
  const v = BigInt(value);
  // Smallest n with −2^(8n−1) ≤ v < 2^(8n−1), then the low 8n bits of v.
  let n = 1;
  while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++;
  let u = v < 0n ? (1n << BigInt(8 * n)) + v : v;
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return derTlv(DerTag.integer, out);
}

/** A non-negative INTEGER from big-endian magnitude bytes: leading zeros removed, a 0x00 added if the top bit is set. */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(i);
  return derTlv(DerTag.integer, m[0]! & 0x80 ? concatBytes(Uint8Array.of(0), m) : m);
}

export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    fieldInvalid('unusedBits', 'unused bits must be 0..7, and 0 for an empty BIT STRING');
  }
  if (unusedBits !== 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    fieldInvalid('unusedBits', 'unused bits of a BIT STRING must be zero');
  }
  return derTlv(DerTag.bitString, concatBytes(Uint8Array.of(unusedBits), bytes));
}

/** A named bit list from the indices of its set bits, with trailing zero bits removed (§11.2.2). */
export function derNamedBits(bits: readonly number[]): Uint8Array {
  let max = -1;
  for (const b of bits) {
    if (!Number.isInteger(b) || b < 0 || b > 255) fieldInvalid('bits', 'bit indices must be in 0..255');
    if (b > max) max = b;
  }
  const bytes = new Uint8Array(max < 0 ? 0 : (max >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return derBitString(bytes, max < 0 ? 0 : 7 - (max & 7));
}

export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derTlv(DerTag.octetString, bytes);
}

const OID_TEXT = /^[0-2](\.(0|[1-9][0-9]*))+$/;

export function derOid(oid: string): Uint8Array {
  if (typeof oid !== 'string' || !OID_TEXT.test(oid)) fieldInvalid('oid', 'OID must be dotted decimal arcs');
  const arcs = oid.split('.').map((a) => BigInt(a));
  if (arcs[0]! < 2n && arcs[1]! >= 40n) fieldInvalid('oid', 'the second arc must be below 40 under arcs 0 and 1');
  const subidentifiers = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const s of subidentifiers) {
    const groups: number[] = [Number(s & 0x7fn)];
    for (let v = s >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  if (out.length > MAX_OID_BYTES) fieldInvalid('oid', `OID must encode to at most ${MAX_OID_BYTES} octets`);
  return derTlv(DerTag.oid, Uint8Array.from(out));
}

export function derUtf8String(text: string): Uint8Array {
  if (typeof text !== 'string' || !text.isWellFormed()) fieldInvalid('text', 'text must be a well-formed string');
  return derTlv(DerTag.utf8String, utf8ToBytes(text));
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function derPrintableString(text: string): Uint8Array {
  if (typeof text !== 'string' || !PRINTABLE.test(text)) {
    fieldInvalid('text', "PrintableString allows only A–Z a–z 0–9 space and '()+,-./:=?");
  }
  return derTlv(DerTag.printableString, asciiBytes(text));
}

export function derIa5String(text: string): Uint8Array {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: IA5 is exactly the 7-bit range, controls included.
  if (typeof text !== 'string' || !/^[\x00-\x7f]*$/.test(text)) fieldInvalid('text', 'IA5String is 7-bit ASCII');
  return derTlv(DerTag.ia5String, asciiBytes(text));
}

const MAX_TIME = utcMs(9999, 12, 31, 23, 59, 59);
const MIN_TIME = utcMs(1950, 1, 1, 0, 0, 0);
const UTC_TIME_END = utcMs(2050, 1, 1, 0, 0, 0);

function timeDigits(ms: number, yearDigits: 2 | 4): string {
  if (!Number.isSafeInteger(ms) || ms % 1000 !== 0 || ms < MIN_TIME || ms > MAX_TIME) {
    fieldInvalid('time', 'time must be whole seconds between 1950-01-01 and 9999-12-31T23:59:59Z');
  }
  const d = new Date(ms);
  const p2 = (v: number): string => String(v).padStart(2, '0');
  const year = String(d.getUTCFullYear())
    .padStart(4, '0')
    .slice(4 - yearDigits);
  return `${year}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
}

export function derUtcTime(ms: number): Uint8Array {
  if (ms >= UTC_TIME_END) fieldInvalid('time', 'UTCTime covers only 1950–2049');
  return derTlv(DerTag.utcTime, asciiBytes(timeDigits(ms, 2)));
}

export function derGeneralizedTime(ms: number): Uint8Array {
  return derTlv(DerTag.generalizedTime, asciiBytes(timeDigits(ms, 4)));
}

/** RFC 5280 §4.1.2.5: UTCTime for dates through 2049, GeneralizedTime from 2050 on. */
export function derTime(ms: number): Uint8Array {
  return ms < UTC_TIME_END ? derUtcTime(ms) : derGeneralizedTime(ms);
}

import { bytesToUtf8, utf8ToBytes } from './bytes.js';
import { protocolError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * RFC 8785 JSON Canonicalization Scheme.
 *
 * - Object members sorted by their names as arrays of UTF-16 code units (what `Array.prototype.sort` does).
 * - Strings serialised as ECMAScript `JSON.stringify` does (RFC 8785 §3.2.2.2 is defined as exactly that).
 * - Numbers serialised as ECMAScript `Number.prototype.toString` (§3.2.2.3); NaN and ±Infinity are errors.
 * - No whitespace.
 *
 * Lone surrogates are rejected: they have no UTF-8 encoding, so two implementations would hash different bytes.
 */
export function canonicalize(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) {
        throw protocolError('JSON_STRING_INVALID', 'string contains a lone surrogate');
      }
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw protocolError('JSON_UNSUPPORTED_VALUE', 'NaN and Infinity have no JSON form');
      }
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += canonicalize(value[i]);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw protocolError('JSON_UNSUPPORTED_VALUE', 'only plain objects and arrays can be canonicalised');
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        // Like JSON.stringify, an undefined member is absent rather than an error: optional fields stay optional.
        if (member === undefined) continue;
        if (!key.isWellFormed()) {
          throw protocolError('JSON_STRING_INVALID', 'member name contains a lone surrogate');
        }
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${canonicalize(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw protocolError('JSON_UNSUPPORTED_VALUE', `a ${typeof value} cannot be encoded as JSON`);
  }
}

/** Canonical UTF-8 bytes of `value` (what gets hashed and signed). */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8ToBytes(canonicalize(value));
}

export interface ParseJsonOptions {
  /** Deepest allowed nesting of arrays/objects. Default 64. */
  readonly maxDepth?: number;
  /**
   * When true (the default) every number must be an integer in the safe range. Protocol objects use integers
   * only, so that an outside verifier never has to reproduce ECMAScript float formatting.
   */
  readonly integersOnly?: boolean;
}

export const defaultParseJsonOptions = { maxDepth: 64, integersOnly: true } as const;

/**
 * Parses untrusted JSON text strictly: syntax errors, duplicate member names, `__proto__` members, lone surrogates,
 * excessive nesting and (by default) non-integer or unsafe numbers are all rejected with coded errors.
 */
export function parseJsonStrict(text: string, options: ParseJsonOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? defaultParseJsonOptions.maxDepth;
  const integersOnly = options.integersOnly ?? defaultParseJsonOptions.integersOnly;
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw protocolError('JSON_MALFORMED', 'body is not valid JSON', undefined, cause);
  }
  const memberCount = checkValue(value, 0, maxDepth, integersOnly);
  // JSON.parse silently keeps the last of duplicate members; count the member names in the text to notice them.
  if (memberCount !== countMemberNames(text)) {
    throw protocolError('JSON_DUPLICATE_KEY', 'an object has the same member name twice');
  }
  return value;
}

/** Decodes bytes that must already be canonical: anything that does not re-encode to the same bytes is rejected. */
export function decodeCanonical(bytes: Uint8Array, options: ParseJsonOptions = {}): JsonValue {
  const text = bytesToUtf8(bytes);
  const value = parseJsonStrict(text, options);
  if (canonicalize(value) !== text) {
    throw protocolError('JSON_NOT_CANONICAL', 'bytes are not the RFC 8785 canonical form of their value');
  }
  return value;
}

function checkValue(value: JsonValue, depth: number, maxDepth: number, integersOnly: boolean): number {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw protocolError('JSON_STRING_INVALID', 'string contains a lone surrogate');
    return 0;
  }
  if (typeof value === 'number') {
    if (integersOnly && !Number.isSafeInteger(value)) {
      throw protocolError('JSON_NUMBER_INVALID', 'numbers must be integers with |n| ≤ 2^53−1', { value });
    }
    return 0;
  }
  if (value === null || typeof value === 'boolean') return 0;
  if (depth >= maxDepth) throw protocolError('JSON_TOO_DEEP', `nesting deeper than ${maxDepth}`, { maxDepth });
  let members = 0;
  if (Array.isArray(value)) {
    for (const item of value) members += checkValue(item, depth + 1, maxDepth, integersOnly);
    return members;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__') throw protocolError('JSON_FORBIDDEN_KEY', 'member name __proto__ is not accepted');
    if (!key.isWellFormed()) throw protocolError('JSON_STRING_INVALID', 'member name contains a lone surrogate');
    members += 1 + checkValue(value[key] as JsonValue, depth + 1, maxDepth, integersOnly);
  }
  return members;
}

/**
 * Counts member names in syntactically valid JSON text: a string token followed (after whitespace) by ':'.
 * Runs only after JSON.parse accepted the text, so it can rely on well-formed tokens.
 */
function countMemberNames(text: string): number {
  let count = 0;
  let i = text.indexOf('"');
  while (i !== -1) {
    // Find the closing quote: the next '"' preceded by an even number of backslashes.
    let end = text.indexOf('"', i + 1);
    for (;;) {
      let backslashes = 0;
      for (let j = end - 1; text.charCodeAt(j) === 92; j--) backslashes++;
      if (backslashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    let k = end + 1;
    for (let c = text.charCodeAt(k); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++k));
    if (text.charCodeAt(k) === 58) count++;
    i = text.indexOf('"', k);
  }
  return count;
}

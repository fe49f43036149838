// An independent verifier of the Lianzheng protocol, written from docs/PROTOCOL.md alone: §1–§14, and from §15 what
// the genesis version 2 and the proofs need (the genesis checks of §15.2, the consortium configuration with its
// policies and reachability check, CA roots and member certificates, co-signatures), subject ids, did:key and the
// sign-in digest.
//
// It deliberately imports nothing from this repository and no npm package: only Node built-ins. Section numbers
// (§n) refer to docs/PROTOCOL.md. Where the document left a choice open, the choice made here is stated in a
// comment starting with "Choice:".

import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';

// ---------------------------------------------------------------------------------------------------------------
// Errors (§1: errors are { code, message, details? }; details carries `reason` and `field`)
// ---------------------------------------------------------------------------------------------------------------

export class ProtocolError extends Error {
  constructor(code, message, details, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ProtocolError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

function failReason(code, reason, extra) {
  throw new ProtocolError(code, `${code}: ${reason}`, { reason, ...extra });
}

function failField(code, field, what) {
  throw new ProtocolError(code, `${code}: ${field} ${what}`, { field });
}

function failCode(code, what) {
  throw new ProtocolError(code, `${code}: ${what}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes (§1)
// ---------------------------------------------------------------------------------------------------------------

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export function isHex(value, length) {
  return typeof value === 'string' && HEX_RE.test(value) && (length === undefined || value.length === 2 * length);
}

/** §1 `hexToBytes(value, field, length)`: lower-case, even length, exact size when given; else HEX_INVALID. */
export function hexToBytes(value, field, length) {
  if (!isHex(value, length)) {
    failField(
      'HEX_INVALID',
      field,
      length === undefined ? 'is not lower-case hex' : `is not ${length} bytes of lower-case hex`,
    );
  }
  return new Uint8Array(Buffer.from(value, 'hex'));
}

export function bytesToHex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function concatBytes(...parts) {
  return new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function utf8(text) {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

function bytesToBigIntBE(bytes) {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

function bytesToBigIntLE(bytes) {
  return bytesToBigIntBE(Uint8Array.from(bytes).reverse());
}

function bigIntToBytesBE(value, length) {
  return hexToBytes(value.toString(16).padStart(2 * length, '0'), 'integer', length);
}

function bigIntToBytesLE(value, length) {
  return bigIntToBytesBE(value, length).reverse();
}

const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o, k) => Object.hasOwn(o, k);
const isSafeNonNegative = (v) => Number.isSafeInteger(v) && v >= 0;

// ---------------------------------------------------------------------------------------------------------------
// Canonical JSON, RFC 8785 (§2.1)
// ---------------------------------------------------------------------------------------------------------------

/** True when the string contains a UTF-16 surrogate that is not part of a high-low pair (§2.2). */
function hasLoneSurrogate(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

const SHORT_ESCAPES = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

function serializeString(s) {
  // §2.2: the encoder rejects a lone surrogate with JSON_STRING_INVALID (RFC 8785 / ES2019 JSON.stringify would
  // write it as a \udxxx escape), because such a string has no UTF-8 encoding.
  if (hasLoneSurrogate(s)) failCode('JSON_STRING_INVALID', 'string contains a lone surrogate');
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (has(SHORT_ESCAPES, c)) out += SHORT_ESCAPES[c];
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

function serialize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) failCode('JSON_UNSUPPORTED_VALUE', 'NaN and Infinity have no JSON form');
      // ECMAScript Number.prototype.toString is the RFC 8785 number form; String(-0) is "0".
      return String(value);
    case 'string':
      return serializeString(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        failCode('JSON_UNSUPPORTED_VALUE', 'only plain objects have a JSON form');
      }
      // The default Array.prototype.sort compares strings as sequences of UTF-16 code units (RFC 8785 §3.2.3).
      const names = Object.keys(value).sort();
      return `{${names.map((n) => `${serializeString(n)}:${serialize(value[n])}`).join(',')}}`;
    }
    default:
      return failCode('JSON_UNSUPPORTED_VALUE', `a ${typeof value} has no JSON form`);
  }
}

/** `canonicalize(v)`: the RFC 8785 text of a JSON value. */
export function canonicalize(value) {
  return serialize(value);
}

/** `JCS(v)` = UTF-8(canonicalize(v)). */
export function jcs(value) {
  return utf8(canonicalize(value));
}

// ---------------------------------------------------------------------------------------------------------------
// Strict parsing (§2.2)
// ---------------------------------------------------------------------------------------------------------------

const MAX_DEPTH = 64;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4_RE = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * RFC 8259 syntax into a tree that keeps every member (duplicates included) and the parsed numbers. It is
 * iterative, so arbitrarily deep text cannot exhaust the call stack before the depth rule is applied.
 */
function parseSyntax(text) {
  const n = text.length;
  let i = 0;
  const malformed = (what) => failCode('JSON_MALFORMED', `${what} at offset ${i}`);
  const skipWs = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const parseString = () => {
    if (text[i] !== '"') malformed('expected a string');
    i++;
    let out = '';
    for (;;) {
      if (i >= n) malformed('unterminated string');
      const ch = text[i];
      const c = text.charCodeAt(i);
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!HEX4_RE.test(hex)) malformed('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && has(SIMPLE_ESCAPES, e)) {
          out += SIMPLE_ESCAPES[e];
          i += 2;
        } else {
          malformed('bad escape');
        }
      } else if (c < 0x20) {
        malformed('unescaped control character');
      } else {
        out += ch;
        i++;
      }
    }
  };
  const parseScalar = () => {
    const ch = text[i];
    if (ch === '"') return { t: 'str', v: parseString() };
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { t: 'lit', v };
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m === null) malformed('expected a value');
    i += m[0].length;
    // Number() rounds the decimal text to the nearest IEEE-754 double, as §2.2 requires.
    return { t: 'num', v: Number(m[0]) };
  };
  const parseMemberName = (obj) => {
    skipWs();
    obj.pendingName = parseString();
    skipWs();
    if (text[i] !== ':') malformed('expected ":"');
    i++;
  };

  const stack = [];
  for (;;) {
    skipWs();
    let value;
    if (text[i] === '{') {
      i++;
      skipWs();
      const obj = { t: 'obj', members: [], pendingName: undefined };
      if (text[i] === '}') {
        i++;
        value = obj;
      } else {
        parseMemberName(obj);
        stack.push(obj);
        continue;
      }
    } else if (text[i] === '[') {
      i++;
      skipWs();
      const arr = { t: 'arr', items: [] };
      if (text[i] === ']') {
        i++;
        value = arr;
      } else {
        stack.push(arr);
        continue;
      }
    } else {
      value = parseScalar();
    }
    // A value is complete: attach it to its container and close every container that ends here.
    for (;;) {
      skipWs();
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        if (i !== n) malformed('unexpected text after the value');
        return value;
      }
      if (parent.t === 'arr') parent.items.push(value);
      else parent.members.push([parent.pendingName, value]);
      const ch = text[i];
      if (ch === ',') {
        i++;
        if (parent.t === 'obj') parseMemberName(parent);
        break;
      }
      if ((ch === ']' && parent.t === 'arr') || (ch === '}' && parent.t === 'obj')) {
        i++;
        stack.pop();
        value = parent;
        continue;
      }
      malformed('expected "," or the end of the container');
    }
  }
}

/**
 * `parseJsonStrict(text)` with the default options (maxDepth 64, integers only). The error precedence is §2.2's:
 * JSON_MALFORMED, then the first of STRING/NUMBER/TOO_DEEP/FORBIDDEN_KEY in a depth-first walk that sees only the
 * last occurrence of a duplicated name, then JSON_DUPLICATE_KEY.
 */
export function parseJsonStrict(text) {
  if (typeof text !== 'string') failCode('JSON_MALFORMED', 'input is not text');
  const tree = parseSyntax(text);
  let duplicate = false;
  // Choice: §2.2 describes the reference walk (JavaScript property order: integer-like names first, then text order)
  // and requires only that such input be rejected, not with the same code. This walk visits members in text order
  // (each name at the position of its last occurrence) and checks the name before the value, so for a text that
  // breaks two of the middle four rules in different members it may report the other code, as §2.2 allows.
  const walk = (node, depth) => {
    switch (node.t) {
      case 'lit':
        return node.v;
      case 'num':
        if (!Number.isSafeInteger(node.v)) failCode('JSON_NUMBER_INVALID', 'number is not a safe integer');
        return node.v;
      case 'str':
        if (hasLoneSurrogate(node.v)) failCode('JSON_STRING_INVALID', 'string contains a lone surrogate');
        return node.v;
      case 'arr':
        if (depth + 1 > MAX_DEPTH) failCode('JSON_TOO_DEEP', `nesting deeper than ${MAX_DEPTH}`);
        return node.items.map((item) => walk(item, depth + 1));
      default: {
        if (depth + 1 > MAX_DEPTH) failCode('JSON_TOO_DEEP', `nesting deeper than ${MAX_DEPTH}`);
        const last = new Map();
        node.members.forEach(([name], index) => {
          last.set(name, index);
        });
        if (last.size !== node.members.length) duplicate = true;
        const out = {};
        node.members.forEach(([name, child], index) => {
          if (last.get(name) !== index) return;
          if (hasLoneSurrogate(name)) failCode('JSON_STRING_INVALID', 'member name contains a lone surrogate');
          if (name === '__proto__') failCode('JSON_FORBIDDEN_KEY', 'member named __proto__');
          out[name] = walk(child, depth + 1);
        });
        return out;
      }
    }
  };
  const value = walk(tree, 0);
  if (duplicate) failCode('JSON_DUPLICATE_KEY', 'duplicate member name');
  return value;
}

/** `decodeCanonical(bytes)` (§2.2): valid UTF-8, strict JSON, and already in canonical form. */
export function decodeCanonical(bytes) {
  let text;
  try {
    // §2.2: a leading BOM is not JSON whitespace, so such bytes are JSON_MALFORMED. TextDecoder drops a BOM by
    // default; ignoreBOM keeps it in the text, where the parser rejects it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    failCode('JSON_STRING_INVALID', 'bytes are not UTF-8');
  }
  const value = parseJsonStrict(text);
  if (canonicalize(value) !== text) failCode('JSON_NOT_CANONICAL', 'bytes are not the canonical form');
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Hashing (§1, §4)
// ---------------------------------------------------------------------------------------------------------------

export function digest(alg, data) {
  return new Uint8Array(createHash(alg).update(data).digest());
}

export const TAGS = Object.freeze({
  tx: 'lianzheng/tx',
  header: 'lianzheng/header',
  receipt: 'lianzheng/receipt',
  attestation: 'lianzheng/attestation',
  genesis: 'lianzheng/genesis',
  stateKey: 'lianzheng/state/key',
  stateValue: 'lianzheng/state/value',
  stateLeaf: 'lianzheng/state/leaf',
  stateNode: 'lianzheng/state/node',
  // §15.13
  cosigs: 'lianzheng/cosigs',
  subject: 'lianzheng/subject',
  signIn: 'lianzheng/sign-in',
  personal: 'lianzheng/personal',
  // §18.2
  batch: 'lianzheng/batch',
  batchTxs: 'lianzheng/batch/txs',
  // §19.6
  privateTransferRequest: 'lianzheng/private/transfer-request',
  privateTransfer: 'lianzheng/private/transfer',
});

/** The exact bytes hashed by TH(tag, data): UTF-8(tag) ‖ 0x00 ‖ data. */
export function taggedHashInput(tag, data) {
  return concatBytes(utf8(tag), Uint8Array.of(0), data);
}

// ---------------------------------------------------------------------------------------------------------------
// Ed25519 (§3.2, RFC 8032 §5.1)
// ---------------------------------------------------------------------------------------------------------------

const ED_P = 2n ** 255n - 19n;
const ED_L = 2n ** 252n + 27742317777372353535851937790883648493n;

function mod(a, m) {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modPow(base, exp, m) {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

function modInv(a, m) {
  // Extended Euclid; m is prime and a ≠ 0 mod m wherever this is called.
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

const ED_D = mod(-121665n * modInv(121666n, ED_P), ED_P);
const ED_SQRT_M1 = modPow(2n, (ED_P - 1n) / 4n, ED_P);
const ED_IDENTITY = { X: 0n, Y: 1n, Z: 1n, T: 0n };
const ED_B = (() => {
  const y = mod(4n * modInv(5n, ED_P), ED_P);
  return edDecodeY(y, 0);
})();

/** Recovers x from y and the sign bit (RFC 8032 §5.1.3 steps 2–4); null if there is no such point. */
function edDecodeY(y, sign) {
  const y2 = (y * y) % ED_P;
  const u = mod(y2 - 1n, ED_P);
  const v = mod(ED_D * y2 + 1n, ED_P);
  const v3 = (v * v * v) % ED_P;
  const v7 = (v3 * v3 * v) % ED_P;
  let x = (u * v3 * modPow(u * v7, (ED_P - 5n) / 8n, ED_P)) % ED_P;
  const vx2 = (v * x * x) % ED_P;
  if (vx2 === u) {
    // x is a square root already.
  } else if (vx2 === mod(-u, ED_P)) {
    x = (x * ED_SQRT_M1) % ED_P;
  } else {
    return null;
  }
  if (x === 0n && sign === 1) return null;
  if (Number(x & 1n) !== sign) x = ED_P - x;
  return { X: x, Y: y, Z: 1n, T: (x * y) % ED_P };
}

/** RFC 8032 §5.1.3 decoding of a 32-byte string, or null. */
function edDecode(bytes) {
  if (bytes.length !== 32) return null;
  const sign = bytes[31] >> 7;
  const yBytes = Uint8Array.from(bytes);
  yBytes[31] &= 0x7f;
  const y = bytesToBigIntLE(yBytes);
  if (y >= ED_P) return null;
  return edDecodeY(y, sign);
}

function edEncode(pt) {
  const zi = modInv(pt.Z, ED_P);
  const x = (pt.X * zi) % ED_P;
  const y = (pt.Y * zi) % ED_P;
  const out = bigIntToBytesLE(y, 32);
  if (x & 1n) out[31] |= 0x80;
  return out;
}

/** RFC 8032 §5.1.4 addition in extended coordinates; complete, so it also doubles. */
function edAdd(p, q) {
  const A = ((p.Y - p.X) * (q.Y - q.X)) % ED_P;
  const B = ((p.Y + p.X) * (q.Y + q.X)) % ED_P;
  const C = (((p.T * 2n * ED_D) % ED_P) * q.T) % ED_P;
  const D = (p.Z * 2n * q.Z) % ED_P;
  const E = B - A;
  const F = D - C;
  const G = D + C;
  const H = B + A;
  return { X: mod(E * F, ED_P), Y: mod(G * H, ED_P), T: mod(E * H, ED_P), Z: mod(F * G, ED_P) };
}

function edMul(k, p) {
  let result = ED_IDENTITY;
  let addend = p;
  let e = k;
  while (e > 0n) {
    if (e & 1n) result = edAdd(result, addend);
    addend = edAdd(addend, addend);
    e >>= 1n;
  }
  return result;
}

function edIsIdentity(p) {
  return mod(p.X, ED_P) === 0n && mod(p.Y - p.Z, ED_P) === 0n;
}

/**
 * §3.2 "Valid public key": canonical encoding of a curve point (y < p, x recoverable, no x = 0 with the sign bit,
 * re-encoding identical), not of small order ([8]A ≠ identity) and torsion-free ([L]A = identity).
 */
export function ed25519IsValidPublicKey(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return false;
  const A = edDecode(bytes);
  if (A === null) return false;
  if (!bytesEqual(edEncode(A), bytes)) return false;
  if (edIsIdentity(edMul(8n, A))) return false;
  return edIsIdentity(edMul(ED_L, A));
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** §3.2 verification: key check, S < L, then OpenSSL's cofactorless check ([S]B − [k]A encodes to R). */
export function ed25519Verify(publicKey, message, signature) {
  try {
    if (!ed25519IsValidPublicKey(publicKey)) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    if (bytesToBigIntLE(signature.subarray(32)) >= ED_L) return false;
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKey)]),
      format: 'der',
      type: 'spki',
    });
    return cryptoVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * §3.2 item 3 computed directly with BigInt arithmetic instead of OpenSSL: the canonical encoding of
 * [S]B − [k]A must equal R byte for byte. Used to cross-check that OpenSSL implements the documented equation.
 */
export function ed25519VerifyEquation(publicKey, message, signature) {
  if (!ed25519IsValidPublicKey(publicKey) || signature.length !== 64) return false;
  const S = bytesToBigIntLE(signature.subarray(32));
  if (S >= ED_L) return false;
  const R = signature.subarray(0, 32);
  const k = mod(bytesToBigIntLE(digest('sha512', concatBytes(R, publicKey, message))), ED_L);
  const A = edDecode(publicKey);
  const minusKA = edMul(mod(-k, ED_L), A); // A has order L (torsion-free), so [−k mod L]A = −[k]A.
  return bytesEqual(edEncode(edAdd(edMul(S, ED_B), minusKA)), R);
}

/** RFC 8032 public key of a 32-byte seed (used only to check the vectors' keys). */
export function ed25519PublicKeyFromSeed(seed) {
  const key = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seed)]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX.length));
}

/** Deterministic RFC 8032 signature (used only to reproduce the vectors' signatures). */
export function ed25519Sign(seed, message) {
  const key = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seed)]),
    format: 'der',
    type: 'pkcs8',
  });
  return new Uint8Array(cryptoSign(null, message, key));
}

// ---------------------------------------------------------------------------------------------------------------
// SM2 (§3.3, GB/T 32918) with BigInt arithmetic in Jacobian coordinates
// ---------------------------------------------------------------------------------------------------------------

export const SM2 = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  xG: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  yG: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** The default user id "1234567812345678" and ENTL_A = 128 bits = 0x0080 (§3.3, ADR 0002). */
export const SM2_DEFAULT_USER_ID = utf8('1234567812345678');
const SM2_ENTL = Uint8Array.of(0x00, 0x80);

const SM2_INFINITY = { X: 1n, Y: 1n, Z: 0n };
const SM2_G = { X: SM2.xG, Y: SM2.yG, Z: 1n };

function sm2Double(pt) {
  const { p, a } = SM2;
  if (pt.Z === 0n || pt.Y === 0n) return SM2_INFINITY;
  const Y2 = (pt.Y * pt.Y) % p;
  const S = (4n * pt.X * Y2) % p;
  const Z2 = (pt.Z * pt.Z) % p;
  const M = mod(3n * pt.X * pt.X + a * Z2 * Z2, p);
  const X3 = mod(M * M - 2n * S, p);
  const Y3 = mod(M * (S - X3) - 8n * Y2 * Y2, p);
  const Z3 = (2n * pt.Y * pt.Z) % p;
  return { X: X3, Y: Y3, Z: Z3 };
}

function sm2Add(P, Q) {
  const { p } = SM2;
  if (P.Z === 0n) return Q;
  if (Q.Z === 0n) return P;
  const Z1Z1 = (P.Z * P.Z) % p;
  const Z2Z2 = (Q.Z * Q.Z) % p;
  const U1 = (P.X * Z2Z2) % p;
  const U2 = (Q.X * Z1Z1) % p;
  const S1 = (P.Y * Q.Z * Z2Z2) % p;
  const S2 = (Q.Y * P.Z * Z1Z1) % p;
  if (U1 === U2) return S1 === S2 ? sm2Double(P) : SM2_INFINITY;
  const H = mod(U2 - U1, p);
  const R = mod(S2 - S1, p);
  const H2 = (H * H) % p;
  const H3 = (H2 * H) % p;
  const U1H2 = (U1 * H2) % p;
  const X3 = mod(R * R - H3 - 2n * U1H2, p);
  const Y3 = mod(R * (U1H2 - X3) - S1 * H3, p);
  const Z3 = (H * P.Z * Q.Z) % p;
  return { X: X3, Y: Y3, Z: Z3 };
}

function sm2Mul(k, pt) {
  let result = SM2_INFINITY;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    result = sm2Double(result);
    if ((k >> i) & 1n) result = sm2Add(result, pt);
  }
  return result;
}

function sm2ToAffine(pt) {
  if (pt.Z === 0n) return null;
  const { p } = SM2;
  const zi = modInv(pt.Z, p);
  const zi2 = (zi * zi) % p;
  return { x: (pt.X * zi2) % p, y: (pt.Y * zi2 * zi) % p };
}

function sm2DecodePublicKey(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 65 || bytes[0] !== 0x04) return null;
  const { p, a, b } = SM2;
  const x = bytesToBigIntBE(bytes.subarray(1, 33));
  const y = bytesToBigIntBE(bytes.subarray(33, 65));
  if (x >= p || y >= p) return null;
  if ((y * y) % p !== mod(x * x * x + a * x + b, p)) return null;
  return { X: x, Y: y, Z: 1n };
}

/** §3.3 public key: 65 bytes 0x04 ‖ X ‖ Y, X < p, Y < p, on the curve (cofactor 1, so no subgroup check). */
export function sm2IsValidPublicKey(bytes) {
  return sm2DecodePublicKey(bytes) !== null;
}

/** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ X_A ‖ Y_A) (§3.3). */
export function sm2Za(publicKey) {
  const be = (v) => bigIntToBytesBE(v, 32);
  return digest(
    'sm3',
    concatBytes(SM2_ENTL, SM2_DEFAULT_USER_ID, be(SM2.a), be(SM2.b), be(SM2.xG), be(SM2.yG), publicKey.subarray(1, 65)),
  );
}

/** e = SM3(Z_A ‖ M) as a 32-byte string (§3.3). */
export function sm2E(publicKey, message) {
  return digest('sm3', concatBytes(sm2Za(publicKey), message));
}

/** §3.3 verification (GB/T 32918.2 §7.1, steps B1–B7); returns false and never throws. */
export function sm2Verify(publicKey, message, signature) {
  try {
    const { n } = SM2;
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    const r = bytesToBigIntBE(signature.subarray(0, 32));
    const s = bytesToBigIntBE(signature.subarray(32, 64));
    if (r < 1n || r > n - 1n || s < 1n || s > n - 1n) return false;
    const P = sm2DecodePublicKey(publicKey);
    if (P === null) return false;
    const e = bytesToBigIntBE(sm2E(publicKey, message));
    const t = (r + s) % n;
    if (t === 0n) return false;
    const point = sm2ToAffine(sm2Add(sm2Mul(s, SM2_G), sm2Mul(t, P)));
    if (point === null) return false;
    return (e + point.x) % n === r;
  } catch {
    return false;
  }
}

/** P = [d]G (used only to check the vectors' keys). */
export function sm2PublicKeyFromSecret(secret) {
  const d = bytesToBigIntBE(secret);
  const pt = sm2ToAffine(sm2Mul(d, SM2_G));
  return concatBytes(Uint8Array.of(4), bigIntToBytesBE(pt.x, 32), bigIntToBytesBE(pt.y, 32));
}

/** §3.3 signing with a given k (used only to reproduce the vectors' signatures, whose k is published). */
export function sm2SignWithK(secret, message, kBytes) {
  const { n } = SM2;
  const d = bytesToBigIntBE(secret);
  const k = bytesToBigIntBE(kBytes);
  const publicKey = sm2PublicKeyFromSecret(secret);
  const e = bytesToBigIntBE(sm2E(publicKey, message));
  const x1 = sm2ToAffine(sm2Mul(k, SM2_G)).x;
  const r = (e + x1) % n;
  if (r === 0n || r + k === n) throw new Error('this k is not usable; pick another');
  const s = mod(modInv(1n + d, n) * (k - r * d), n);
  if (s === 0n) throw new Error('this k is not usable; pick another');
  return concatBytes(bigIntToBytesBE(r, 32), bigIntToBytesBE(s, 32));
}

// ---------------------------------------------------------------------------------------------------------------
// Suites (§3)
// ---------------------------------------------------------------------------------------------------------------

function makeSuite(id, hashAlg, publicKeyLength, isValidPublicKey, verify) {
  const hash = (data) => digest(hashAlg, data);
  return Object.freeze({
    id,
    hashAlg,
    publicKeyLength,
    isValidPublicKey,
    /** Verify(publicKey, 32-byte message, signature) → boolean, never throws. */
    verify,
    hash,
    /** TH(tag, data) = H(UTF-8(tag) ‖ 0x00 ‖ data) (§4). */
    taggedHash: (tag, data) => hash(taggedHashInput(tag, data)),
  });
}

const SUITES = Object.freeze({
  'ed25519-sha256': makeSuite('ed25519-sha256', 'sha256', 32, ed25519IsValidPublicKey, ed25519Verify),
  'sm2-sm3': makeSuite('sm2-sm3', 'sm3', 65, sm2IsValidPublicKey, sm2Verify),
});

export function getSuite(id) {
  if (typeof id !== 'string' || !has(SUITES, id)) failCode('SUITE_UNKNOWN', `unknown suite ${String(id)}`);
  return SUITES[id];
}

// ---------------------------------------------------------------------------------------------------------------
// Transactions (§5)
// ---------------------------------------------------------------------------------------------------------------

const CHAIN_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const CONTRACT_RE = /^[a-z][a-z0-9_-]{0,63}$/;
const METHOD_RE = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
const TX_MEMBERS = ['v', 'chainId', 'nonce', 'expiresAt', 'signer', 'contract', 'method', 'args'];

/** `assertTransaction` (§5.1): TX_MALFORMED with details.field "tx.<name>". */
export function assertTransaction(tx, suite) {
  if (!isPlainObject(tx)) failField('TX_MALFORMED', 'tx', 'is not an object');
  for (const name of Object.keys(tx)) {
    if (!TX_MEMBERS.includes(name)) failField('TX_MALFORMED', `tx.${name}`, 'is not a member of a transaction');
  }
  const bad = (name, what) => failField('TX_MALFORMED', `tx.${name}`, what);
  if (tx.v !== 1) bad('v', 'must be 1');
  if (typeof tx.chainId !== 'string' || !CHAIN_ID_RE.test(tx.chainId)) bad('chainId', 'is not a chain id');
  if (!isHex(tx.nonce) || tx.nonce.length < 32 || tx.nonce.length > 64) bad('nonce', 'must be 16–32 bytes of hex');
  if (!isSafeNonNegative(tx.expiresAt)) bad('expiresAt', 'must be an integer in [0, 2^53 − 1]');
  // §5.1: the shape check looks only at the suite's key length; an invalid point fails signature verification
  // (§3), which returns false for it.
  if (!isHex(tx.signer, suite.publicKeyLength)) bad('signer', `must be ${suite.publicKeyLength} bytes of hex`);
  if (typeof tx.contract !== 'string' || !CONTRACT_RE.test(tx.contract)) bad('contract', 'is not a contract name');
  if (typeof tx.method !== 'string' || !METHOD_RE.test(tx.method)) bad('method', 'is not a method name');
  if (!isPlainObject(tx.args)) bad('args', 'must be an object');
}

/** The signed envelope { tx, sig, cosigs? } (§5.3, §15.5). */
export function assertSignedTransaction(envelope, suite) {
  if (!isPlainObject(envelope)) failField('TX_MALFORMED', 'body', 'is not an object');
  for (const name of Object.keys(envelope)) {
    if (name !== 'tx' && name !== 'sig' && name !== 'cosigs') {
      failField('TX_MALFORMED', name, 'is not a member of the envelope');
    }
  }
  assertTransaction(envelope.tx, suite);
  if (!isHex(envelope.sig, 64)) failField('TX_MALFORMED', 'sig', 'must be 64 bytes of hex');
  if (has(envelope, 'cosigs')) assertCosignatures(envelope.cosigs, envelope.tx.signer, suite);
}

/** The shape of `cosigs` (§15.5): COSIG_INVALID with details.field. */
export function assertCosignatures(cosigs, primary, suite) {
  if (!Array.isArray(cosigs) || cosigs.length < 1 || cosigs.length > 16) {
    failField('COSIG_INVALID', 'cosigs', 'must be an array of 1–16 co-signatures');
  }
  cosigs.forEach((c, i) => {
    const f = `cosigs[${i}]`;
    if (!isPlainObject(c)) failField('COSIG_INVALID', f, 'is not an object');
    for (const name of Object.keys(c)) {
      if (name !== 'signer' && name !== 'sig') failField('COSIG_INVALID', `${f}.${name}`, 'is not a member');
    }
    if (!isHex(c.signer, suite.publicKeyLength)) failField('COSIG_INVALID', `${f}.signer`, 'is not a public key');
    if (!isHex(c.sig, 64)) failField('COSIG_INVALID', `${f}.sig`, 'must be 64 bytes of hex');
    if (c.signer === primary) failField('COSIG_INVALID', `${f}.signer`, 'is the primary signer');
    if (i > 0 && !(cosigs[i - 1].signer < c.signer)) failField('COSIG_INVALID', `${f}.signer`, 'is out of order');
  });
}

/** cosigsDigest = TH("lianzheng/cosigs", JCS(cosigs)) (§15.5). */
export function cosigsDigest(suite, cosigs) {
  return suite.taggedHash(TAGS.cosigs, jcs(cosigs));
}

/** The transaction leaf data (§6.5, §15.5): id ‖ sig, or id ‖ sig ‖ cosigsDigest with co-signatures. */
export function txLeafData(suite, envelope) {
  const id = txId(suite, envelope.tx);
  const sig = hexToBytes(envelope.sig, 'sig', 64);
  return has(envelope, 'cosigs') ? concatBytes(id, sig, cosigsDigest(suite, envelope.cosigs)) : concatBytes(id, sig);
}

/** Verify(cosigs[i].signer, id, cosigs[i].sig) for every co-signature (§15.5); true without co-signatures. */
export function verifyCosignatures(suite, envelope) {
  const id = txId(suite, envelope.tx);
  return (envelope.cosigs ?? []).every((c) =>
    suite.verify(hexToBytes(c.signer, 'signer'), id, hexToBytes(c.sig, 'sig', 64)),
  );
}

/** id = TH("lianzheng/tx", JCS(tx)) (§5.2). */
export function txId(suite, tx) {
  return suite.taggedHash(TAGS.tx, jcs(tx));
}

/** Verify(signer, id, sig) (§5.3). */
export function verifyTxSignature(suite, envelope) {
  const id = txId(suite, envelope.tx);
  return suite.verify(hexToBytes(envelope.tx.signer, 'tx.signer'), id, hexToBytes(envelope.sig, 'sig', 64));
}

// ---------------------------------------------------------------------------------------------------------------
// Strict DER (§15.6.1)
// ---------------------------------------------------------------------------------------------------------------

const DER_MAX_INPUT = 65536;
const DER_MAX_DEPTH = 32;

function derFail(reason, offset) {
  throw new ProtocolError(
    'DER_MALFORMED',
    `malformed DER: ${reason}`,
    offset === undefined ? { reason } : { reason, offset },
  );
}

const PRINTABLE_RE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isLeapYear(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** UTCTime `YYMMDDHHMMSSZ` (YY ≥ 50 → 19YY) or GeneralizedTime `YYYYMMDDHHMMSSZ` → ms since the epoch, or null. */
function derTimeValue(tagNumber, text) {
  const m =
    tagNumber === 23
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return null;
  let year = Number(m[1]);
  if (tagNumber === 23) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, minute, second] = m.slice(2).map(Number);
  const days = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > days[month - 1] || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/**
 * X.690 §11.6 comparison of two encodings: as octet strings, the shorter padded at its end with zero octets.
 * Choice: §15.6.1 says "ascending order of their encodings"; equal encodings (possible in a SET OF) are accepted.
 */
function compareEncodings(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a[i] : 0;
    const y = i < b.length ? b[i] : 0;
    if (x !== y) return x - y;
  }
  return 0;
}

function checkUniversalPrimitive(number, content, offset) {
  const c = content;
  switch (number) {
    case 1: // BOOLEAN
      if (c.length !== 1 || (c[0] !== 0x00 && c[0] !== 0xff)) derFail('BOOLEAN must be one octet 00 or FF', offset);
      return;
    case 2: // INTEGER
    case 10: // ENUMERATED
      if (c.length === 0) derFail('empty INTEGER', offset);
      if (c.length > 1 && ((c[0] === 0x00 && (c[1] & 0x80) === 0) || (c[0] === 0xff && (c[1] & 0x80) !== 0))) {
        derFail('INTEGER is not minimal', offset);
      }
      return;
    case 3: {
      // BIT STRING
      if (c.length === 0) derFail('BIT STRING without its unused-bits octet', offset);
      const unused = c[0];
      if (unused > 7) derFail('BIT STRING with more than 7 unused bits', offset);
      if (c.length === 1 && unused !== 0) derFail('unused bits in an empty BIT STRING', offset);
      if (c.length > 1 && (c[c.length - 1] & ((1 << unused) - 1)) !== 0) derFail('unused bits are not zero', offset);
      return;
    }
    case 5: // NULL
      if (c.length !== 0) derFail('NULL with content', offset);
      return;
    case 6: // OBJECT IDENTIFIER
      if (c.length === 0 || c.length > 128) derFail('OBJECT IDENTIFIER empty or longer than 128 octets', offset);
      if ((c[c.length - 1] & 0x80) !== 0) derFail('OBJECT IDENTIFIER ends inside a subidentifier', offset);
      for (let i = 0; i < c.length; i++) {
        const starts = i === 0 || (c[i - 1] & 0x80) === 0;
        if (starts && c[i] === 0x80) derFail('non-minimal subidentifier', offset);
      }
      return;
    case 12: // UTF8String
      try {
        UTF8_DECODER.decode(c);
      } catch {
        derFail('UTF8String is not valid UTF-8', offset);
      }
      return;
    case 19: // PrintableString
      if (!PRINTABLE_RE.test(Buffer.from(c).toString('latin1'))) derFail('PrintableString character', offset);
      return;
    case 22: // IA5String
      if (c.some((b) => b >= 0x80)) derFail('IA5String byte ≥ 0x80', offset);
      return;
    case 23: // UTCTime
    case 24: // GeneralizedTime
      if (derTimeValue(number, Buffer.from(c).toString('latin1')) === null) derFail('malformed time', offset);
      return;
    default:
  }
}

function parseElement(buf, offset, depth) {
  if (offset >= buf.length) derFail('truncated', offset);
  const tag = buf[offset];
  if (tag === 0x00) derFail('end-of-contents octet', offset);
  if ((tag & 0x1f) === 0x1f) derFail('high tag number', offset);
  if (offset + 1 >= buf.length) derFail('truncated', offset);
  const first = buf[offset + 1];
  let pos = offset + 2;
  let length;
  if (first === 0x80) derFail('indefinite length', offset);
  if (first < 0x80) {
    length = first;
  } else {
    const n = first & 0x7f;
    if (n > 4) derFail('length field of more than 4 octets', offset);
    if (pos + n > buf.length) derFail('truncated length', offset);
    if (buf[pos] === 0) derFail('long-form length with a leading zero octet', offset);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos + i];
    if (length < 128) derFail('long-form length below 128', offset);
    pos += n;
  }
  if (pos + length > buf.length) derFail('content runs past the end', offset);
  const cls = tag >> 6;
  const constructed = (tag & 0x20) !== 0;
  const number = tag & 0x1f;
  const content = buf.subarray(pos, pos + length);
  const node = { tag, cls, constructed, number, offset, bytes: buf.subarray(offset, pos + length), content };
  if (cls === 0) {
    const isSeqOrSet = number === 16 || number === 17;
    if (isSeqOrSet && !constructed) derFail('SEQUENCE or SET in primitive form', offset);
    if (!isSeqOrSet && constructed) derFail('constructed form of a primitive universal type', offset);
    if (!constructed) checkUniversalPrimitive(number, content, offset);
  }
  if (constructed) {
    if (depth + 1 > DER_MAX_DEPTH) derFail(`nesting deeper than ${DER_MAX_DEPTH}`, offset);
    node.children = [];
    let p = pos;
    while (p < pos + length) {
      const child = parseElement(buf.subarray(0, pos + length), p, depth + 1);
      node.children.push(child);
      p = child.offset + child.bytes.length;
    }
    if (cls === 0 && number === 17) {
      for (let i = 1; i < node.children.length; i++) {
        if (compareEncodings(node.children[i - 1].bytes, node.children[i].bytes) > 0) {
          derFail('SET components not in ascending order', node.children[i].offset);
        }
      }
    }
  }
  return node;
}

/** `readDer(bytes)` (§15.6.1): exactly one element, strictly DER. */
export function readDer(bytes) {
  if (!(bytes instanceof Uint8Array)) derFail('input is not bytes');
  if (bytes.length > DER_MAX_INPUT) derFail(`input longer than ${DER_MAX_INPUT} bytes`);
  const node = parseElement(bytes, 0, 0);
  if (node.bytes.length !== bytes.length) derFail('bytes after the element', node.bytes.length);
  return node;
}

/** Dotted text of an OBJECT IDENTIFIER's content (arcs may exceed 2^53: the member extension's does). */
export function oidText(content) {
  const arcs = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs[0] < 40n ? 0n : arcs[0] < 80n ? 1n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

// ---------------------------------------------------------------------------------------------------------------
// X.509 certificates (§15.6)
// ---------------------------------------------------------------------------------------------------------------

export const OIDS = Object.freeze({
  ed25519: '1.3.101.112',
  sm2WithSm3: '1.2.156.10197.1.501',
  ecPublicKey: '1.2.840.10045.2.1',
  sm2Curve: '1.2.156.10197.1.301',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  extKeyUsage: '2.5.29.37',
  lianzhengMember: '2.25.65412617606308590482276888729697155671',
});

const IGNORED_EXTENSIONS = new Set([
  OIDS.subjectAltName,
  OIDS.crlDistributionPoints,
  OIDS.certificatePolicies,
  OIDS.extKeyUsage,
]);

const NAME_TYPES = Object.freeze({
  '2.5.4.6': 'country',
  '2.5.4.8': 'state',
  '2.5.4.7': 'locality',
  '2.5.4.10': 'org',
  '2.5.4.11': 'unit',
  '2.5.4.3': 'commonName',
});

const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
];

function x509Fail(code, reason) {
  const prefix = { X509_MALFORMED: 'malformed certificate', X509_UNSUPPORTED: 'unsupported certificate' }[code];
  throw new ProtocolError(code, prefix === undefined ? reason : `${prefix}: ${reason}`, { reason });
}
const malformed509 = (reason) => x509Fail('X509_MALFORMED', reason);
const unsupported509 = (reason) => x509Fail('X509_UNSUPPORTED', reason);
const profile509 = (reason) => x509Fail('X509_PROFILE_INVALID', reason);

const isUniversal = (node, number) => node !== undefined && node.cls === 0 && node.number === number;
const isSequence = (node) => isUniversal(node, 16);

/** The signature algorithm of an AlgorithmIdentifier (§15.6.2), or X509_UNSUPPORTED. */
function signatureAlgorithmOf(node) {
  if (!isSequence(node) || node.children.length < 1 || !isUniversal(node.children[0], 6)) {
    malformed509('AlgorithmIdentifier');
  }
  const oid = oidText(node.children[0].content);
  if (oid === OIDS.ed25519 && node.children.length === 1) return 'ed25519-sha256';
  if (
    oid === OIDS.sm2WithSm3 &&
    (node.children.length === 1 || (node.children.length === 2 && isUniversal(node.children[1], 5)))
  ) {
    return 'sm2-sm3';
  }
  return unsupported509(`signature algorithm ${oid}`);
}

function parseName(node, requireRdn) {
  if (!isSequence(node)) malformed509('Name is not a SEQUENCE');
  if (requireRdn && node.children.length === 0) malformed509('issuer Name without RDN');
  const name = {};
  for (const set of node.children) {
    if (!isUniversal(set, 17) || set.children.length === 0) malformed509('RDN is not a non-empty SET');
    for (const atv of set.children) {
      if (!isSequence(atv) || atv.children.length !== 2 || !isUniversal(atv.children[0], 6)) {
        malformed509('AttributeTypeAndValue');
      }
      const key = NAME_TYPES[oidText(atv.children[0].content)];
      if (key === undefined) continue;
      const value = atv.children[1];
      if (!(isUniversal(value, 12) || isUniversal(value, 19) || isUniversal(value, 22))) {
        unsupported509(`${key} must be a UTF8String, PrintableString or IA5String`);
      }
      if (has(name, key)) unsupported509(`${key} appears twice in a Name`);
      name[key] = UTF8_DECODER.decode(value.content);
    }
  }
  return name;
}

/** An unsigned INTEGER of a signature: positive, not zero, at most `max` octets without the sign octet. */
function signatureInteger(node, max) {
  if (!isUniversal(node, 2)) malformed509('SM2 signature r or s is not an INTEGER');
  let c = node.content;
  if ((c[0] & 0x80) !== 0) malformed509('SM2 signature r or s is negative');
  if (c[0] === 0 && c.length > 1) c = c.subarray(1);
  if (c.every((b) => b === 0)) malformed509('SM2 signature r or s is zero');
  if (c.length > max) malformed509('SM2 signature r or s is longer than 32 octets');
  return concatBytes(new Uint8Array(max - c.length), c);
}

/** §15.6.3: the member extension's extnValue. */
function parseMemberExtension(extnValue) {
  const node = readDer(extnValue); // a malformed element is DER_MALFORMED
  if (!isUniversal(node, 12)) profile509('member extension value must be a UTF8String');
  let value;
  try {
    value = decodeCanonical(node.content);
  } catch {
    profile509('member extension is not RFC 8785 canonical JSON');
  }
  if (!isPlainObject(value)) profile509('member extension must be an object');
  if (Object.keys(value).sort().join(',') !== 'attrs,kind,roles') {
    profile509('member extension must have exactly attrs, kind, roles');
  }
  if (value.kind !== 'member' && value.kind !== 'node') profile509('member extension kind');
  if (!Array.isArray(value.roles) || value.roles.length > 16) profile509('roles must be an array of at most 16');
  if (value.roles.some((r) => typeof r !== 'string' || !ROLE_RE.test(r))) profile509('role name');
  if (new Set(value.roles).size !== value.roles.length) profile509('roles must be distinct');
  if (!isPlainObject(value.attrs) || Object.keys(value.attrs).length > 16) profile509('attrs');
  for (const [k, v] of Object.entries(value.attrs)) {
    if (!ATTR_NAME_RE.test(k)) profile509('attr name');
    if (typeof v !== 'string' || [...v].length > 128) profile509('attr value');
  }
  return value;
}

function parseExtensions(wrapper, cert) {
  if (wrapper.children.length !== 1 || !isSequence(wrapper.children[0]) || wrapper.children[0].children.length === 0) {
    malformed509('extensions must be a non-empty SEQUENCE');
  }
  const seen = new Set();
  for (const ext of wrapper.children[0].children) {
    if (!isSequence(ext) || ext.children.length < 2 || ext.children.length > 3 || !isUniversal(ext.children[0], 6)) {
      malformed509('Extension');
    }
    const oid = oidText(ext.children[0].content);
    let critical = false;
    if (ext.children.length === 3) {
      if (!isUniversal(ext.children[1], 1)) malformed509('Extension critical');
      if (ext.children[1].content[0] === 0) malformed509('encoded critical FALSE');
      critical = true;
    }
    const valueNode = ext.children[ext.children.length - 1];
    if (!isUniversal(valueNode, 4)) malformed509('extnValue is not an OCTET STRING');
    if (seen.has(oid)) malformed509(`extension ${oid} twice`);
    seen.add(oid);
    const value = valueNode.content;
    if (oid === OIDS.basicConstraints) {
      const bc = readDer(value);
      if (!isSequence(bc) || bc.children.length > 2) malformed509('basicConstraints');
      let i = 0;
      if (isUniversal(bc.children[0], 1)) {
        if (bc.children[0].content[0] === 0) malformed509('encoded cA FALSE');
        cert.ca = true;
        i = 1;
      }
      if (i < bc.children.length) {
        const pl = bc.children[i];
        if (!isUniversal(pl, 2) || !cert.ca || i + 1 !== bc.children.length) malformed509('basicConstraints');
        if ((pl.content[0] & 0x80) !== 0) malformed509('pathLenConstraint is negative');
        const n = bytesToBigIntBE(pl.content);
        if (n > 255n) unsupported509('pathLenConstraint above 255');
        cert.pathLen = Number(n);
      }
    } else if (oid === OIDS.keyUsage) {
      const ku = readDer(value);
      if (!isUniversal(ku, 3) || ku.content.length < 2) malformed509('keyUsage');
      const unused = ku.content[0];
      const bits = ku.content.subarray(1);
      const bitCount = bits.length * 8 - unused;
      const bitAt = (i) => (bits[i >> 3] >> (7 - (i & 7))) & 1;
      if (bitAt(bitCount - 1) !== 1) malformed509('keyUsage has a trailing zero bit or no bit set');
      if (bitCount > 9) malformed509('keyUsage bit beyond decipherOnly');
      if (bitCount > 7) unsupported509('keyUsage encipherOnly or decipherOnly');
      cert.keyUsage = KEY_USAGE_NAMES.filter((_, i) => i < bitCount && bitAt(i) === 1);
    } else if (oid === OIDS.subjectKeyIdentifier) {
      if (!isUniversal(readDer(value), 4)) malformed509('subjectKeyIdentifier');
    } else if (oid === OIDS.authorityKeyIdentifier) {
      const aki = readDer(value);
      if (!isSequence(aki)) malformed509('authorityKeyIdentifier');
      let last = -1;
      for (const c of aki.children) {
        if (c.cls !== 2 || c.number > 2 || c.number <= last) malformed509('authorityKeyIdentifier');
        last = c.number;
      }
    } else if (oid === OIDS.lianzhengMember) {
      cert.member = parseMemberExtension(value);
    } else if (!IGNORED_EXTENSIONS.has(oid) && critical) {
      unsupported509(`critical extension ${oid}`);
    }
  }
}

/** `parseCertificate(der)` (§15.6.2). Does not check validity times or signatures. */
export function parseCertificate(der) {
  if (!(der instanceof Uint8Array) || der.length > 16384) malformed509('certificate is larger than 16384 bytes');
  const root = readDer(der);
  if (!isSequence(root) || root.children.length !== 3) malformed509('Certificate must be a SEQUENCE of three');
  const [tbsNode, sigAlgNode, sigValueNode] = root.children;
  if (!isSequence(tbsNode)) malformed509('TBSCertificate');
  if (!isUniversal(sigValueNode, 3)) malformed509('signatureValue is not a BIT STRING');
  const parts = tbsNode.children;
  let i = 0;
  // version [0] EXPLICIT INTEGER: 2 (v3); absent (v1) or 1 (v2) unsupported; anything else malformed.
  const versionNode = parts[i];
  if (versionNode === undefined || versionNode.tag !== 0xa0) unsupported509('version 1 certificate');
  if (versionNode.children.length !== 1 || !isUniversal(versionNode.children[0], 2)) malformed509('version');
  const versionBytes = versionNode.children[0].content;
  const version = versionBytes.length === 1 ? versionBytes[0] : -1;
  if (version === 1) unsupported509('version 2 certificate');
  if (version !== 2) malformed509('version');
  i++;
  const serialNode = parts[i++];
  if (!isUniversal(serialNode, 2)) malformed509('serialNumber');
  const serialBytes = serialNode.content;
  if ((serialBytes[0] & 0x80) !== 0 || serialBytes.every((b) => b === 0) || serialBytes.length > 20) {
    malformed509('serialNumber must be positive, not zero, at most 20 octets');
  }
  const innerAlg = parts[i++];
  if (innerAlg === undefined || !bytesEqual(innerAlg.bytes, sigAlgNode.bytes)) {
    malformed509('signature and signatureAlgorithm differ');
  }
  const algorithm = signatureAlgorithmOf(sigAlgNode);
  const issuerNode = parts[i++];
  const issuer = parseName(issuerNode, true);
  const validity = parts[i++];
  if (!isSequence(validity) || validity.children.length !== 2) malformed509('validity');
  const [notBefore, notAfter] = validity.children.map((t) => {
    if (!(isUniversal(t, 23) || isUniversal(t, 24))) malformed509('validity time');
    return derTimeValue(t.number, Buffer.from(t.content).toString('latin1'));
  });
  const subjectNode = parts[i++];
  const subject = parseName(subjectNode, false);
  const spki = parts[i++];
  if (!isSequence(spki) || spki.children.length !== 2 || !isSequence(spki.children[0])) {
    malformed509('subjectPublicKeyInfo');
  }
  const keyAlg = spki.children[0].children;
  const keyBits = spki.children[1];
  if (!isUniversal(keyBits, 3)) malformed509('subjectPublicKey is not a BIT STRING');
  if (keyAlg.length < 1 || !isUniversal(keyAlg[0], 6)) malformed509('subjectPublicKeyInfo algorithm');
  const keyOid = oidText(keyAlg[0].content);
  let keyAlgorithm;
  if (keyOid === OIDS.ed25519 && keyAlg.length === 1) keyAlgorithm = 'ed25519-sha256';
  else if (
    keyOid === OIDS.ecPublicKey &&
    keyAlg.length === 2 &&
    isUniversal(keyAlg[1], 6) &&
    oidText(keyAlg[1].content) === OIDS.sm2Curve
  ) {
    keyAlgorithm = 'sm2-sm3';
  } else unsupported509(`public key algorithm ${keyOid}`);
  if (keyBits.content[0] !== 0) malformed509('subjectPublicKey has unused bits');
  const publicKey = Uint8Array.from(keyBits.content.subarray(1));
  if (!SUITES[keyAlgorithm].isValidPublicKey(publicKey)) malformed509('invalid public key');
  if (keyAlgorithm !== algorithm) unsupported509('key and signature algorithms differ');
  const cert = {
    der,
    tbs: Uint8Array.from(tbsNode.bytes),
    serial: bytesToHex(serialBytes),
    algorithm,
    issuer,
    issuerDer: Uint8Array.from(issuerNode.bytes),
    subject,
    subjectDer: Uint8Array.from(subjectNode.bytes),
    notBefore,
    notAfter,
    publicKey,
    signature: undefined,
    ca: false,
  };
  if (parts[i] !== undefined && parts[i].tag === 0x81) i++; // issuerUniqueID, skipped
  if (parts[i] !== undefined && parts[i].tag === 0x82) i++; // subjectUniqueID, skipped
  if (parts[i] !== undefined && parts[i].tag === 0xa3) parseExtensions(parts[i++], cert);
  if (i !== parts.length) malformed509('unexpected element in TBSCertificate');
  // signatureValue: 0 unused bits; Ed25519 raw 64 bytes, SM2 DER SEQUENCE { r, s } → r ‖ s.
  if (sigValueNode.content[0] !== 0) malformed509('signatureValue has unused bits');
  const sigBytes = sigValueNode.content.subarray(1);
  if (algorithm === 'ed25519-sha256') {
    if (sigBytes.length !== 64) malformed509('Ed25519 signature is not 64 bytes');
    cert.signature = Uint8Array.from(sigBytes);
  } else {
    const seq = readDer(Uint8Array.from(sigBytes));
    if (!isSequence(seq) || seq.children.length !== 2) malformed509('SM2 signature is not SEQUENCE { r, s }');
    cert.signature = concatBytes(signatureInteger(seq.children[0], 32), signatureInteger(seq.children[1], 32));
  }
  return cert;
}

/** Verify(issuerPublicKey, TBSCertificate bytes, signature) (§15.6.4). */
export function verifyCertificateSignature(suite, cert, issuerPublicKey) {
  return cert.algorithm === suite.id && suite.verify(issuerPublicKey, cert.tbs, cert.signature);
}

/** fingerprint(cert) = hex(H(DER)) (§15.6.4). */
export function certificateFingerprint(suite, der) {
  return bytesToHex(suite.hash(der));
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard base64 of a DER certificate (§15.6.6): padded, no whitespace, ≤ 65536 characters, ≤ 16384 bytes.
 * Choice: §15.6.6 does not say whether non-zero padding bits are accepted; the text must be the canonical encoding
 * of its bytes.
 */
export function certificateFromBase64(text) {
  if (typeof text !== 'string' || text.length === 0 || text.length > 65536 || !BASE64_RE.test(text)) {
    malformed509('not standard base64');
  }
  const der = new Uint8Array(Buffer.from(text, 'base64'));
  if (Buffer.from(der).toString('base64') !== text) malformed509('not the canonical base64 of its bytes');
  if (der.length > 16384) malformed509('certificate is larger than 16384 bytes');
  return der;
}

/**
 * The CA root check of §15.3 for `orgs[i].ca[j]`: every failure is CONSORTIUM_CONFIG_INVALID with that field.
 * Returns { org, fingerprint, cert }.
 */
export function checkCaRoot(suite, org, value, field) {
  const bad = (what) => failConfig(field, what);
  if (typeof value !== 'string' || value.length < 1 || value.length > 12000) bad('must be a string of 1–12000');
  let der;
  let cert;
  try {
    der = certificateFromBase64(value);
    cert = parseCertificate(der);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    bad(`not a valid X.509 certificate (${err.message})`);
  }
  if (cert.algorithm !== suite.id) bad(`the CA key is not a ${suite.id} key`);
  if (!cert.ca) bad('not a CA certificate');
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('keyCertSign')) bad('keyUsage lacks keyCertSign');
  if (cert.subject.org !== org) bad(`the CA subject O must be ${org}`);
  if (!bytesEqual(cert.issuerDer, cert.subjectDer) || !verifyCertificateSignature(suite, cert, cert.publicKey)) {
    bad('a CA root must be self-signed');
  }
  return { org, fingerprint: certificateFingerprint(suite, der), cert };
}

/**
 * `checkMemberCertificate(C, der, t)` (§15.6.5). `view` is { config, roots: [{ org, fingerprint, cert }] }.
 */
export function checkMemberCertificate(suite, view, der, t) {
  const cert = parseCertificate(der);
  const fail = (code, what) => {
    throw new ProtocolError(code, what);
  };
  if (cert.algorithm !== suite.id) fail('X509_UNSUPPORTED', `the certificate is not a ${suite.id} certificate`);
  if (cert.ca) fail('X509_PROFILE_INVALID', 'a CA certificate cannot be a member certificate');
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('digitalSignature')) {
    fail('X509_PROFILE_INVALID', 'the certificate does not allow digital signatures (keyUsage)');
  }
  const org = cert.subject.org;
  if (org === undefined || !view.config.orgs.some((o) => o.id === org)) {
    fail('X509_UNTRUSTED', `the certificate names organisation ${org}, which is not in the consortium`);
  }
  const member = cert.subject.commonName;
  if (member === undefined || !KEY_ID_RE.test(member)) {
    fail('X509_PROFILE_INVALID', 'the certificate CN must be a member id matching [a-z0-9][a-z0-9._-]{0,63}');
  }
  const roots = view.roots.filter((r) => r.org === org && bytesEqual(r.cert.subjectDer, cert.issuerDer));
  if (roots.length === 0) fail('X509_UNTRUSTED', `the certificate was not issued by a CA root of ${org}`);
  const root = roots.find((r) => suite.verify(r.cert.publicKey, cert.tbs, cert.signature));
  if (root === undefined) {
    fail('X509_SIGNATURE_INVALID', `the certificate signature does not verify with the CA of ${org}`);
  }
  if (!(cert.notBefore <= t && t <= cert.notAfter)) fail('X509_EXPIRED', 'the certificate is outside its validity');
  if (!(root.cert.notBefore <= t && t <= root.cert.notAfter)) fail('X509_EXPIRED', 'the CA is outside its validity');
  const ext = cert.member ?? { kind: 'member', roles: [], attrs: {} };
  for (const set of view.config.roles.exclusive) {
    if (set.filter((r) => ext.roles.includes(r)).length > 1) {
      fail('X509_PROFILE_INVALID', 'roles may not be held together (separation of duties)');
    }
  }
  return {
    kind: ext.kind,
    org,
    member,
    roles: ext.roles,
    attrs: ext.attrs,
    publicKey: bytesToHex(cert.publicKey),
    fingerprint: certificateFingerprint(suite, der),
    ca: root.fingerprint,
    serial: cert.serial,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Policies (§15.9)
// ---------------------------------------------------------------------------------------------------------------

const ROLE_RE = /^[a-z][a-z0-9-]{0,31}$/;
const ORG_ID_RE = /^[a-z][a-z0-9-]{1,31}$/;
const KEY_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ATTR_NAME_RE = /^[a-z][a-zA-Z0-9_-]{0,31}$/;
const POLICY_KEY_RE = /^[a-z][a-z0-9_-]{0,63}\.([a-zA-Z][a-zA-Z0-9_]{0,63}|\*)$/;
const POLICY_WORDS = ['anyone', 'nobody', 'ownOrg', 'self'];
const KINDS = ['member', 'citizen', 'enterprise', 'subject'];

function isNeed(need) {
  if (need === 'ANY' || need === 'ALL' || need === 'MAJORITY') return true;
  if (!isPlainObject(need) || Object.keys(need).length !== 1) return false;
  const [[k, v]] = Object.entries(need);
  return (k === 'k' || k === 'weight') && Number.isSafeInteger(v) && v >= 1;
}

/**
 * `assertPolicy(p, orgIds, path)` (§15.9.2): POLICY_INVALID with details.path.
 * Choice: §15.9.2 does not say whether a policy that repeats a member value in an `attr` list is rejected; it is not.
 */
export function assertPolicy(policy, orgIds, path) {
  let count = 0;
  const fail = (at, what) => {
    throw new ProtocolError('POLICY_INVALID', `${at}: ${what}`, { path: at });
  };
  const names = (value, at, re, what) => {
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length < 1 || list.length > 32) fail(at, `must be a ${what} or a list of 1–32`);
    if (list.some((s) => typeof s !== 'string' || !re.test(s))) fail(at, `is not a ${what}`);
    if (new Set(list).size !== list.length) fail(at, 'lists a name twice');
    return list;
  };
  const walk = (p, depth, inSigners, at) => {
    count += 1;
    if (count > 64) fail(at, 'more than 64 parts');
    if (depth > 8) fail(at, 'nested deeper than 8');
    if (typeof p === 'string' && POLICY_WORDS.includes(p)) return;
    if (!isPlainObject(p) || Object.keys(p).length !== 1) fail(at, 'is not a policy');
    const [[op, v]] = Object.entries(p);
    const here = `${at}.${op}`;
    switch (op) {
      case 'role':
        names(v, here, ROLE_RE, 'role');
        return;
      case 'org': {
        const list = names(v, here, ORG_ID_RE, 'organisation id');
        if (orgIds !== undefined && list.some((o) => !orgIds.has(o))) fail(here, 'names an unknown organisation');
        return;
      }
      case 'attr': {
        if (!isPlainObject(v) || Object.keys(v).length < 1 || Object.keys(v).length > 16) {
          fail(here, 'must be an object of 1–16 attributes');
        }
        for (const [name, values] of Object.entries(v)) {
          if (!ATTR_NAME_RE.test(name)) fail(here, 'attribute name');
          const list = typeof values === 'string' ? [values] : values;
          if (!Array.isArray(list) || list.length < 1 || list.length > 32) fail(here, 'attribute values');
          if (list.some((s) => typeof s !== 'string' || s.length < 1 || s.length > 128)) fail(here, 'attribute value');
        }
        return;
      }
      case 'kind':
        if (!KINDS.includes(v)) fail(here, 'is not a kind');
        return;
      case 'all':
      case 'any':
        if (!Array.isArray(v) || v.length < 1 || v.length > 32) fail(here, 'must be a list of 1–32 policies');
        v.forEach((c, i) => {
          walk(c, depth + 1, inSigners, `${here}[${i}]`);
        });
        return;
      case 'not':
        walk(v, depth + 1, inSigners, here);
        return;
      case 'quorum': {
        if (inSigners) fail(here, 'no quorum inside a quorum');
        if (!isPlainObject(v) || Object.keys(v).some((k) => !['need', 'of', 'signers'].includes(k))) {
          fail(here, 'must be { need, of?, signers? }');
        }
        if (!isNeed(v.need)) fail(`${here}.need`, 'is not a need');
        if (has(v, 'of')) {
          if (!Array.isArray(v.of)) fail(`${here}.of`, 'must be a list');
          const list = names(v.of, `${here}.of`, ORG_ID_RE, 'organisation id');
          if (orgIds !== undefined && list.some((o) => !orgIds.has(o))) fail(`${here}.of`, 'unknown organisation');
        }
        if (has(v, 'signers')) walk(v.signers, depth + 1, true, `${here}.signers`);
        return;
      }
      default:
        fail(at, `unknown operator ${op}`);
    }
  };
  walk(policy, 0, false, path);
}

/** needMet(need, counted, approving) (§15.9.3, quorumMet's rule). */
export function needMet(need, counted, approving) {
  const yes = counted.filter((o) => approving.has(o.id));
  if (need === 'ANY') return yes.length >= 1;
  if (need === 'ALL') return counted.length > 0 && yes.length === counted.length;
  if (need === 'MAJORITY') return 2 * yes.length > counted.length;
  if (has(need, 'k')) return yes.length >= need.k;
  return yes.reduce((sum, o) => sum + o.weight, 0) >= need.weight;
}

/** orgsThatCanSatisfy(p) (§15.9.5): { orgs: Set, single }. */
function orgsThatCanSatisfy(p, allOrgs) {
  const all = () => new Set(allOrgs);
  if (p === 'anyone') return { orgs: all(), single: false };
  if (p === 'nobody') return { orgs: new Set(), single: false };
  if (p === 'ownOrg' || p === 'self') return { orgs: all(), single: true };
  const [[op, v]] = Object.entries(p);
  switch (op) {
    case 'role':
    case 'attr':
    case 'quorum':
      return { orgs: all(), single: false };
    case 'org': {
      const list = typeof v === 'string' ? [v] : v;
      return { orgs: new Set(allOrgs.filter((o) => list.includes(o))), single: false };
    }
    case 'kind':
      return { orgs: v === 'member' ? all() : new Set(), single: false };
    case 'not':
      return v === 'anyone' || (isPlainObject(v) && v.kind === 'member' && Object.keys(v).length === 1)
        ? { orgs: new Set(), single: false }
        : { orgs: all(), single: false };
    case 'all': {
      const parts = v.map((c) => orgsThatCanSatisfy(c, allOrgs));
      return {
        orgs: new Set(allOrgs.filter((o) => parts.every((x) => x.orgs.has(o)))),
        single: parts.some((x) => x.single),
      };
    }
    default: {
      const parts = v.map((c) => orgsThatCanSatisfy(c, allOrgs));
      return {
        orgs: new Set(allOrgs.filter((o) => parts.some((x) => x.orgs.has(o)))),
        single: parts.every((x) => x.single),
      };
    }
  }
}

/** Policy lookup (§15.3): contract.method, else contract.*, else undefined. */
export function policyFor(config, contract, method) {
  if (has(config.policies, `${contract}.${method}`)) return config.policies[`${contract}.${method}`];
  if (has(config.policies, `${contract}.*`)) return config.policies[`${contract}.*`];
  return undefined;
}

/** `reachabilityProblems(config)` (§15.9.5). */
export function reachabilityProblems(config) {
  const problems = [];
  const orgs = config.orgs.map((o) => ({ id: o.id, weight: o.weight }));
  const ids = orgs.map((o) => o.id);
  const vote = policyFor(config, 'gov', 'vote');
  if (vote === undefined) problems.push('no policy allows gov.vote: no proposal could ever pass');
  else {
    const { orgs: E, single } = orgsThatCanSatisfy(vote, ids);
    const eligible = orgs.filter((o) => E.has(o.id));
    const need = config.governance.need;
    const ok = single
      ? eligible.some((o) => needMet(need, orgs, new Set([o.id])))
      : needMet(need, orgs, new Set(eligible.map((o) => o.id)));
    if (!ok) {
      problems.push(
        `the governance rule ${JSON.stringify(need)} cannot be met by the organisations whose members may vote ` +
          `(${eligible.map((o) => o.id).join(', ') || 'none'}) out of ${orgs.length}`,
      );
    }
  }
  const propose = policyFor(config, 'gov', 'propose');
  if (propose === undefined || orgsThatCanSatisfy(propose, ids).orgs.size === 0) {
    problems.push('no organisation could propose a change (gov.propose)');
  }
  const quorums = (p, key) => {
    if (!isPlainObject(p)) return;
    const [[op, v]] = Object.entries(p);
    if (op === 'quorum') {
      const counted = orgs.filter((o) => v.of === undefined || v.of.includes(o.id));
      if (!needMet(v.need, counted, new Set(counted.map((o) => o.id)))) {
        problems.push(
          `the quorum of ${key} (${JSON.stringify(v.need)}) cannot be met by ${counted.length} organisations`,
        );
      }
    } else if (op === 'all' || op === 'any') for (const c of v) quorums(c, key);
    else if (op === 'not') quorums(v, key);
  };
  for (const [key, policy] of Object.entries(config.policies)) quorums(policy, key);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// The consortium configuration (§15.3)
// ---------------------------------------------------------------------------------------------------------------

function failConfig(field, what) {
  throw new ProtocolError('CONSORTIUM_CONFIG_INVALID', `${field}: ${what}`, { field });
}

export const CONFIG_MEMBERS = Object.freeze([
  'chainId',
  'suite',
  'orgs',
  'roles',
  'policies',
  'governance',
  'ordering',
  'limits',
  'checkpoint',
]);

const isIntIn = (v, lo, hi) => Number.isSafeInteger(v) && v >= lo && v <= hi;

function onlyMembers(obj, path, allowed) {
  for (const name of Object.keys(obj)) if (!allowed.includes(name)) failConfig(`${path}.${name}`, 'unknown member');
}

/**
 * `assertConsortiumConfig` (§15.3), members checked in the order of the table. Returns the parsed CA roots.
 * Choice: §15.3 does not say how a missing required member is reported; it fails the rule of that member (field =
 * the member's name).
 */
export function assertConsortiumConfig(c) {
  if (!isPlainObject(c)) failConfig('config', 'must be an object');
  onlyMembers(c, 'config', CONFIG_MEMBERS);
  if (typeof c.chainId !== 'string' || !CHAIN_ID_RE.test(c.chainId)) failConfig('chainId', 'is not a chain id');
  if (typeof c.suite !== 'string' || !has(SUITES, c.suite)) failConfig('suite', 'is not a suite id');
  const suite = SUITES[c.suite];
  if (!Array.isArray(c.orgs) || c.orgs.length < 1 || c.orgs.length > 256) failConfig('orgs', 'must list 1–256');
  const orgIds = new Set();
  const nodeIds = new Set();
  const nodeKeys = new Set();
  const rootPrints = new Set();
  const roots = [];
  let nodes = 0;
  c.orgs.forEach((org, i) => {
    const f = `orgs[${i}]`;
    if (!isPlainObject(org)) failConfig(f, 'must be an object');
    onlyMembers(org, f, ['id', 'name', 'nameEn', 'ca', 'nodes', 'weight']);
    if (typeof org.id !== 'string' || !ORG_ID_RE.test(org.id) || orgIds.has(org.id)) failConfig(`${f}.id`, 'bad id');
    orgIds.add(org.id);
    if (typeof org.name !== 'string' || org.name.length < 1 || org.name.length > 128) failConfig(`${f}.name`, '1–128');
    if (has(org, 'nameEn') && (typeof org.nameEn !== 'string' || org.nameEn.length > 128)) {
      failConfig(`${f}.nameEn`, 'at most 128');
    }
    if (!isIntIn(org.weight, 1, 1000)) failConfig(`${f}.weight`, 'must be an integer 1–1000');
    if (!Array.isArray(org.ca) || org.ca.length < 1 || org.ca.length > 4) failConfig(`${f}.ca`, 'must list 1–4 roots');
    org.ca.forEach((value, j) => {
      const root = checkCaRoot(suite, org.id, value, `${f}.ca[${j}]`);
      if (rootPrints.has(root.fingerprint)) failConfig(`${f}.ca[${j}]`, 'a CA root may appear only once');
      rootPrints.add(root.fingerprint);
      roots.push(root);
    });
    if (!Array.isArray(org.nodes) || org.nodes.length > 64) failConfig(`${f}.nodes`, 'at most 64 nodes');
    org.nodes.forEach((n, j) => {
      const nf = `${f}.nodes[${j}]`;
      if (!isPlainObject(n)) failConfig(nf, 'must be an object');
      onlyMembers(n, nf, ['id', 'publicKey']);
      if (typeof n.id !== 'string' || !KEY_ID_RE.test(n.id) || nodeIds.has(n.id)) failConfig(`${nf}.id`, 'bad id');
      nodeIds.add(n.id);
      if (!isHex(n.publicKey, suite.publicKeyLength) || !suite.isValidPublicKey(hexToBytes(n.publicKey, 'publicKey'))) {
        failConfig(`${nf}.publicKey`, `is not a valid ${suite.id} public key`);
      }
      if (nodeKeys.has(n.publicKey)) failConfig(`${nf}.publicKey`, 'appears twice');
      nodeKeys.add(n.publicKey);
      nodes++;
    });
  });
  if (nodes === 0) failConfig('orgs', 'at least one node in the consortium');
  const roles = c.roles;
  if (!isPlainObject(roles)) failConfig('roles', 'must be { exclusive }');
  onlyMembers(roles, 'roles', ['exclusive']);
  if (!Array.isArray(roles.exclusive) || roles.exclusive.length > 16) failConfig('roles.exclusive', 'at most 16 sets');
  roles.exclusive.forEach((set, i) => {
    const f = `roles.exclusive[${i}]`;
    if (!Array.isArray(set) || set.length < 2 || set.length > 8) failConfig(f, 'must list 2–8 roles');
    if (set.some((r) => typeof r !== 'string' || !ROLE_RE.test(r)) || new Set(set).size !== set.length) {
      failConfig(f, 'must list distinct role names');
    }
  });
  if (!isPlainObject(c.policies) || Object.keys(c.policies).length > 512) failConfig('policies', 'at most 512');
  for (const [key, policy] of Object.entries(c.policies)) {
    if (!POLICY_KEY_RE.test(key)) failConfig(`policies.${key}`, 'keys are contract.method or contract.*');
    assertPolicy(policy, orgIds, `policies["${key}"]`);
  }
  const gov = c.governance;
  if (!isPlainObject(gov)) failConfig('governance', 'must be { need, proposalTtlMs }');
  onlyMembers(gov, 'governance', ['need', 'proposalTtlMs']);
  if (!isNeed(gov.need)) failConfig('governance.need', 'is not a need');
  if (!isIntIn(gov.proposalTtlMs, 60000, 7776000000)) failConfig('governance.proposalTtlMs', '60000–7776000000');
  const o = c.ordering;
  if (!isPlainObject(o) || (o.type !== 'solo' && o.type !== 'etcd')) failConfig('ordering.type', 'solo or etcd');
  onlyMembers(o, 'ordering', ['type', 'maxBlockTxs']);
  if (!isIntIn(o.maxBlockTxs, 1, 100000)) failConfig('ordering.maxBlockTxs', '1–100000');
  if (o.type === 'solo' && nodes !== 1) failConfig('orgs', 'solo ordering needs exactly one node');
  const l = c.limits;
  if (!isPlainObject(l)) failConfig('limits', 'must be an object');
  onlyMembers(l, 'limits', ['maxTxBytes', 'maxTxTtlMs']);
  if (!isIntIn(l.maxTxBytes, 1024, 16777216)) failConfig('limits.maxTxBytes', '1024–16777216');
  if (!isIntIn(l.maxTxTtlMs, 1000, 31622400000)) failConfig('limits.maxTxTtlMs', '1000–31622400000');
  const cp = c.checkpoint;
  if (!isPlainObject(cp) || !isPlainObject(cp.quorum)) failConfig('checkpoint.quorum', 'is required');
  onlyMembers(cp, 'checkpoint', ['quorum']);
  onlyMembers(cp.quorum, 'checkpoint.quorum', ['numerator', 'denominator']);
  if (!isIntIn(cp.quorum.numerator, 1, 1000)) failConfig('checkpoint.quorum.numerator', '1–1000');
  if (!isIntIn(cp.quorum.denominator, 1, 1000)) failConfig('checkpoint.quorum.denominator', '1–1000');
  if (!(cp.quorum.numerator < cp.quorum.denominator)) failConfig('checkpoint.quorum', 'numerator < denominator');
  return { config: c, suite, roots };
}

// ---------------------------------------------------------------------------------------------------------------
// Genesis v2, block 0 and the trusted consortium (§6.1, §6.3, §8.3, §15.2)
// ---------------------------------------------------------------------------------------------------------------

function failGenesis(field, what, extra) {
  throw new ProtocolError('GENESIS_INVALID', `GENESIS_INVALID: ${field} ${what}`, { field, ...extra });
}

/** The configuration part of a genesis: the document without v, time and members (§6.3, §15.2). */
export function configOfGenesis(g) {
  const out = {};
  for (const [k, v] of Object.entries(g)) if (k !== 'v' && k !== 'time' && k !== 'members') out[k] = v;
  return out;
}

/**
 * `assertGenesis` (§15.2), in the documented order. Returns the checked configuration, its CA roots and the
 * `checkMemberCertificate` result of every genesis member.
 */
export function assertGenesis(g) {
  if (!isPlainObject(g)) failGenesis('genesis', 'is not an object');
  if (g.v !== 2) failGenesis('v', 'must be 2');
  if (!isSafeNonNegative(g.time)) failGenesis('time', 'must be a safe integer ≥ 0');
  if (!Array.isArray(g.members) || g.members.length > 4096) failGenesis('members', 'must be an array of ≤ 4096');
  const config = configOfGenesis(g);
  const { suite, roots } = assertConsortiumConfig(config);
  const problems = reachabilityProblems(config);
  if (problems.length > 0) {
    throw new ProtocolError('CONSORTIUM_CONFIG_INVALID', problems[0], { field: 'governance', problems });
  }
  const nodeKeys = new Set(config.orgs.flatMap((o) => o.nodes.map((n) => n.publicKey)));
  const members = [];
  g.members.forEach((m, i) => {
    const field = `members[${i}]`;
    if (typeof m !== 'string') failGenesis(field, 'must be a string');
    let info;
    try {
      info = checkMemberCertificate(suite, { config, roots }, certificateFromBase64(m), g.time);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      throw new ProtocolError('GENESIS_INVALID', `GENESIS_INVALID: ${field}: ${err.message}`, {
        field,
        reason: err.code,
      });
    }
    if (info.kind !== 'member') failGenesis(field, 'is a node certificate');
    if (members.some((x) => x.publicKey === info.publicKey)) failGenesis(field, 'enrols a key twice');
    if (nodeKeys.has(info.publicKey)) failGenesis(field, 'enrols a node key');
    members.push(info);
  });
  return { config, suite, roots, members };
}

/** genesisHash = TH("lianzheng/genesis", JCS(genesis)) with the genesis' own suite, members included (§6.1). */
export function genesisHash(genesis) {
  return getSuite(genesis.suite).taggedHash(TAGS.genesis, jcs(genesis));
}

/**
 * The writes of block 0, in the order §6.3 gives: `gov`/`config` = { config, height 0, version 1 }, then for each
 * member in genesis order `identity`/`key/<publicKey>` (the member key record of §15.7.1, height 0) and
 * `identity`/`cert/<fingerprint>` (the JSON string members[i]). Values are canonical JSON text. The order does not
 * change the state root (§7.2).
 */
export function genesisWrites(genesis) {
  const { config, members } = assertGenesis(genesis);
  const writes = [{ contract: 'gov', key: 'config', value: canonicalize({ config, height: 0, version: 1 }) }];
  members.forEach((info, i) => {
    const record = {
      attrs: info.attrs,
      ca: info.ca,
      cert: info.fingerprint,
      height: 0,
      kind: 'member',
      member: info.member,
      notAfter: info.notAfter,
      notBefore: info.notBefore,
      org: info.org,
      roles: info.roles,
      serial: info.serial,
    };
    writes.push({ contract: 'identity', key: `key/${info.publicKey}`, value: canonicalize(record) });
    writes.push({ contract: 'identity', key: `cert/${info.fingerprint}`, value: canonicalize(genesis.members[i]) });
  });
  return writes;
}

/**
 * `consortiumFromGenesis` (§8.3: attestors from `orgs[].nodes`). With `pinnedGenesisHash` (hex),
 * the document is accepted only if it hashes to it.
 * Choice: §8.3 gives no error code for a genesis that does not match the pinned hash; GENESIS_INVALID with
 * reason "hash" is used. `members` (public key → the genesis member's certificate facts) is not part of §8.3, which
 * needs nothing else of the genesis to verify proofs; it is returned for callers that want to read receipts of
 * genesis members.
 */
export function consortiumFromGenesis(genesis, { pinnedGenesisHash } = {}) {
  const { suite, members } = assertGenesis(genesis);
  const hash = genesisHash(genesis);
  if (pinnedGenesisHash !== undefined && bytesToHex(hash) !== pinnedGenesisHash) {
    failReason('GENESIS_INVALID', 'hash');
  }
  const attestors = new Map();
  let orgsWithNodes = 0;
  for (const org of genesis.orgs) {
    if (org.nodes.length > 0) orgsWithNodes++;
    for (const node of org.nodes) {
      attestors.set(node.publicKey, { node: node.id, org: org.id, publicKey: node.publicKey });
    }
  }
  return Object.freeze({
    chainId: genesis.chainId,
    suite,
    genesisHash: bytesToHex(hash),
    attestors,
    orgsWithNodes,
    quorum: { numerator: genesis.checkpoint.quorum.numerator, denominator: genesis.checkpoint.quorum.denominator },
    members: new Map(members.map((m) => [m.publicKey, m])),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Subject ids and did:key (§15.8)
// ---------------------------------------------------------------------------------------------------------------

/** subjectId = hex(TH("lianzheng/subject", id)[0..16)), id the 32 raw bytes of the transaction id. */
export function subjectId(suite, id) {
  return bytesToHex(suite.taggedHash(TAGS.subject, id).subarray(0, 16));
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btc(bytes) {
  let n = bytesToBigIntBE(bytes);
  let out = '';
  while (n > 0n) {
    out = BASE58_ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** did:key of a public key: Ed25519 `ed 01 ‖ key`, SM2 `86 24 ‖ compressed point` (§15.8). */
export function didKey(suiteId, publicKey) {
  if (suiteId === 'ed25519-sha256') return `did:key:z${base58btc(concatBytes(Uint8Array.of(0xed, 0x01), publicKey))}`;
  const compressed = concatBytes(Uint8Array.of(2 + (publicKey[64] & 1)), publicKey.subarray(1, 33));
  return `did:key:z${base58btc(concatBytes(Uint8Array.of(0x86, 0x24), compressed))}`;
}

/** The sign-in digest TH("lianzheng/sign-in", UTF-8(JCS(message))) (§15.12). */
export function signInDigest(suite, message) {
  return suite.taggedHash(TAGS.signIn, jcs(message));
}

// ---------------------------------------------------------------------------------------------------------------
// Headers, receipts, Merkle trees (§6)
// ---------------------------------------------------------------------------------------------------------------

const HEADER_MEMBERS = [
  'v',
  'chainId',
  'height',
  'time',
  'parent',
  'txCount',
  'txRoot',
  'receiptRoot',
  'stateRoot',
  'rev',
];

/**
 * `assertBlockHeader` (§6.2): exactly the members of the table, else HEADER_MALFORMED with details.field.
 * Choice: §6.2 names neither the field format nor whether `chainId` must match the chain id pattern; fields are
 * written `header.<name>` like §5.1's `tx.<name>`, and chainId is checked against §5.1's pattern.
 */
export function assertBlockHeader(h) {
  if (!isPlainObject(h)) failField('HEADER_MALFORMED', 'header', 'is not an object');
  for (const name of Object.keys(h)) {
    if (!HEADER_MEMBERS.includes(name)) failField('HEADER_MALFORMED', `header.${name}`, 'is not a member of a header');
  }
  const bad = (name, what) => failField('HEADER_MALFORMED', `header.${name}`, what);
  if (h.v !== 1) bad('v', 'must be 1');
  if (typeof h.chainId !== 'string' || !CHAIN_ID_RE.test(h.chainId)) bad('chainId', 'is not a chain id');
  if (!isSafeNonNegative(h.height)) bad('height', 'must be an integer ≥ 0');
  if (!isSafeNonNegative(h.time)) bad('time', 'must be an integer ≥ 0');
  if (!isHex(h.parent, 32)) bad('parent', 'must be 32 bytes of hex');
  if (!isSafeNonNegative(h.txCount)) bad('txCount', 'must be an integer ≥ 0');
  for (const root of ['txRoot', 'receiptRoot', 'stateRoot'])
    if (!isHex(h[root], 32)) bad(root, 'must be 32 bytes of hex');
  // §6.2 / §18.3: the etcd ordering revision, optional, ≥ 1, only after block 0.
  if (h.rev !== undefined && !(isSafeNonNegative(h.rev) && h.rev >= 1 && h.height > 0))
    bad('rev', 'must be an integer ≥ 1');
}

/** blockHash = TH("lianzheng/header", JCS(header)) (§6.2). */
export function blockHash(suite, header) {
  return suite.taggedHash(TAGS.header, jcs(header));
}

const RECEIPT_MEMBERS = ['tx', 'status', 'code', 'message', 'events', 'result', 'fuel'];

/**
 * `assertReceipt` (§6.4): RECEIPT_MALFORMED.
 * Choice: §6.4 lists what assertReceipt checks; it does not say that it enforces "ok receipts have no code or
 * message; failed receipts have no result", so only the listed checks are made (a verifier hashes what it gets).
 */
export function assertReceipt(r) {
  if (!isPlainObject(r)) failField('RECEIPT_MALFORMED', 'receipt', 'is not an object');
  for (const name of Object.keys(r)) {
    if (!RECEIPT_MEMBERS.includes(name))
      failField('RECEIPT_MALFORMED', `receipt.${name}`, 'is not a member of a receipt');
  }
  const bad = (name, what) => failField('RECEIPT_MALFORMED', `receipt.${name}`, what);
  if (!isHex(r.tx, 32)) bad('tx', 'must be 32 bytes of hex');
  if (r.status !== 'ok' && r.status !== 'failed') bad('status', 'must be ok or failed');
  if (has(r, 'code') && typeof r.code !== 'string') bad('code', 'must be a string');
  if (has(r, 'message') && typeof r.message !== 'string') bad('message', 'must be a string');
  if (has(r, 'fuel') && !(Number.isSafeInteger(r.fuel) && r.fuel >= 0)) bad('fuel', 'must be a non-negative integer');
  if (!Array.isArray(r.events)) bad('events', 'must be an array');
  r.events.forEach((event, i) => {
    if (!isPlainObject(event)) bad(`events[${i}]`, 'must be an object');
    if (typeof event.contract !== 'string' || !CONTRACT_RE.test(event.contract))
      bad(`events[${i}].contract`, 'is not a contract name');
    if (typeof event.name !== 'string') bad(`events[${i}].name`, 'must be a string');
    if (!has(event, 'data')) bad(`events[${i}].data`, 'is missing');
  });
}

/** receiptHash = TH("lianzheng/receipt", JCS(receipt)) (§6.4). */
export function receiptHash(suite, receipt) {
  return suite.taggedHash(TAGS.receipt, jcs(receipt));
}

/** RFC 9162 leaf hash H(0x00 ‖ d). */
export function merkleLeafHash(suite, data) {
  return suite.hash(concatBytes(Uint8Array.of(0), data));
}

/** RFC 9162 interior node H(0x01 ‖ left ‖ right). */
export function merkleNodeHash(suite, left, right) {
  return suite.hash(concatBytes(Uint8Array.of(1), left, right));
}

function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf data (§6.5, RFC 9162 §2.1.1). */
export function merkleRoot(suite, leafData) {
  if (leafData.length === 0) return suite.hash(new Uint8Array(0));
  if (leafData.length === 1) return merkleLeafHash(suite, leafData[0]);
  const k = largestPowerOfTwoBelow(leafData.length);
  return merkleNodeHash(suite, merkleRoot(suite, leafData.slice(0, k)), merkleRoot(suite, leafData.slice(k)));
}

/** PATH(m, D[n]) (RFC 9162 §2.1.3.1), leaf upwards. */
export function merkleAuditPath(suite, leafData, m) {
  if (leafData.length <= 1) return [];
  const k = largestPowerOfTwoBelow(leafData.length);
  if (m < k) return [...merkleAuditPath(suite, leafData.slice(0, k), m), merkleRoot(suite, leafData.slice(k))];
  return [...merkleAuditPath(suite, leafData.slice(k), m - k), merkleRoot(suite, leafData.slice(0, k))];
}

/** `verifyInclusion(root, leafHash, index, size, path)` (§9.4); PROOF_INVALID with reason. */
export function verifyInclusion(suite, root, leafHash, index, size, path) {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    failReason('PROOF_INVALID', 'index');
  }
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) failReason('PROOF_INVALID', 'path-length');
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(suite, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = merkleNodeHash(suite, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) failReason('PROOF_INVALID', 'path-length');
  if (!bytesEqual(r, root)) failReason('PROOF_INVALID', 'root');
}

// ---------------------------------------------------------------------------------------------------------------
// State tree and state proofs (§7)
// ---------------------------------------------------------------------------------------------------------------

export const EMPTY = new Uint8Array(32);

/** bit(p, i), i = 0 the most significant bit of byte 0 (§1). */
export function bit(p, i) {
  return (p[i >> 3] >> (7 - (i & 7))) & 1;
}

export function stateKeyPath(suite, contract, key) {
  return suite.taggedHash(TAGS.stateKey, jcs([contract, key]));
}

export function stateValueHash(suite, value) {
  return suite.taggedHash(TAGS.stateValue, jcs(value));
}

export function stateLeaf(suite, keyPath, valueHash) {
  return suite.taggedHash(TAGS.stateLeaf, concatBytes(keyPath, valueHash));
}

export function stateNode(suite, left, right) {
  return suite.taggedHash(TAGS.stateNode, concatBytes(left, right));
}

/** hashSubtree(S, 0) over entries { keyPath, valueHash } with distinct key paths (§7.2). */
export function stateRoot(suite, entries) {
  const hashSubtree = (E, d) => {
    if (E.length === 0) return EMPTY;
    if (E.length === 1) return stateLeaf(suite, E[0].keyPath, E[0].valueHash);
    if (d === 256) throw new Error('two state entries have the same key path');
    const L = E.filter((e) => bit(e.keyPath, d) === 0);
    const R = E.filter((e) => bit(e.keyPath, d) === 1);
    return stateNode(suite, hashSubtree(L, d + 1), hashSubtree(R, d + 1));
  };
  return hashSubtree(entries, 0);
}

/**
 * `stateProofFromJson` (§7.3): PROOF_MALFORMED for the shape, HEX_INVALID for hex fields.
 * Choice: §7.3 does not name `details.field` values; they are written `proof.siblings[i]`, `proof.leaf.keyPath`, ….
 */
export function stateProofFromJson(json) {
  if (!isPlainObject(json)) failField('PROOF_MALFORMED', 'proof', 'is not an object');
  if (!Array.isArray(json.siblings)) failField('PROOF_MALFORMED', 'proof.siblings', 'is not an array');
  if (json.siblings.length > 256) failField('PROOF_MALFORMED', 'proof.siblings', 'has more than 256 entries');
  if (json.leaf !== null && !isPlainObject(json.leaf))
    failField('PROOF_MALFORMED', 'proof.leaf', 'is neither null nor an object');
  return {
    leaf:
      json.leaf === null
        ? null
        : {
            keyPath: hexToBytes(json.leaf.keyPath, 'proof.leaf.keyPath', 32),
            valueHash: hexToBytes(json.leaf.valueHash, 'proof.leaf.valueHash', 32),
          },
    siblings: json.siblings.map((s, i) => hexToBytes(s, `proof.siblings[${i}]`, 32)),
  };
}

/** `verifyStateProof(root, contract, key, value, proof)` (§7.4); `value = null` claims absence. */
export function verifyStateProof(suite, root, contract, key, value, proof) {
  const kp = stateKeyPath(suite, contract, key);
  const depth = proof.siblings.length;
  if (depth > 256) failReason('PROOF_INVALID', 'depth');
  let h;
  if (proof.leaf !== null && bytesEqual(proof.leaf.keyPath, kp)) {
    if (value === null) failReason('PROOF_INVALID', 'membership');
    if (!bytesEqual(proof.leaf.valueHash, stateValueHash(suite, value))) failReason('PROOF_INVALID', 'value');
    h = stateLeaf(suite, kp, proof.leaf.valueHash);
  } else {
    if (value !== null) failReason('PROOF_INVALID', 'non-membership');
    if (proof.leaf === null) {
      h = EMPTY;
    } else {
      for (let i = 0; i < depth; i++) {
        if (bit(proof.leaf.keyPath, i) !== bit(kp, i)) failReason('PROOF_INVALID', 'leaf-path');
      }
      h = stateLeaf(suite, proof.leaf.keyPath, proof.leaf.valueHash);
    }
  }
  for (let i = depth - 1; i >= 0; i--) {
    h = bit(kp, i) === 0 ? stateNode(suite, h, proof.siblings[i]) : stateNode(suite, proof.siblings[i], h);
  }
  if (!bytesEqual(h, root)) failReason('PROOF_INVALID', 'root');
}

/**
 * A whole `GET /v1/state/…?proof=true` response (§7.3): the checkpoint is verified (§8.4) and the proof is checked
 * against the stateRoot of its header, as §7.4 requires.
 * Choice: §7.3/§7.4 do not say how `response.height` is tied to the checkpoint, nor with which code a mismatch is
 * reported, nor how the response's own shape is checked; PROOF_INVALID("height") (as in §9.3) and
 * PROOF_MALFORMED with a field are used.
 */
export function verifyStateResponse(trust, response) {
  if (!isPlainObject(response)) failField('PROOF_MALFORMED', 'response', 'is not an object');
  if (typeof response.contract !== 'string') failField('PROOF_MALFORMED', 'contract', 'is not a string');
  if (typeof response.key !== 'string') failField('PROOF_MALFORMED', 'key', 'is not a string');
  if (!isSafeNonNegative(response.height)) failField('PROOF_MALFORMED', 'height', 'is not an integer ≥ 0');
  if (!has(response, 'value')) failField('PROOF_MALFORMED', 'value', 'is missing');
  const proof = stateProofFromJson(response.proof);
  const { header, orgs } = verifyCheckpoint(trust, response.checkpoint);
  if (header.height !== response.height) failReason('PROOF_INVALID', 'height');
  const root = hexToBytes(header.stateRoot, 'header.stateRoot', 32);
  verifyStateProof(trust.suite, root, response.contract, response.key, response.value, proof);
  return { contract: response.contract, key: response.key, value: response.value, height: header.height, orgs };
}

// ---------------------------------------------------------------------------------------------------------------
// Attestations and checkpoints (§8)
// ---------------------------------------------------------------------------------------------------------------

/** The attestation body of a header (§8.1). */
export function attestationBody(header, blockHashHex) {
  return { chainId: header.chainId, height: header.height, blockHash: blockHashHex, stateRoot: header.stateRoot };
}

/** digest = TH("lianzheng/attestation", JCS(body)) (§8.1). */
export function attestationDigest(suite, body) {
  return suite.taggedHash(TAGS.attestation, jcs(body));
}

/**
 * `assertCheckpoint` (§8.2). Choice: §8.2 says "hex publicKey" without a length; any lower-case even-length hex is
 * accepted here, and an unknown or wrongly sized key then fails the attestor lookup of §8.4.
 */
export function assertCheckpoint(cp) {
  if (!isPlainObject(cp)) failField('PROOF_MALFORMED', 'checkpoint', 'is not an object');
  assertBlockHeader(cp.header);
  if (!isHex(cp.blockHash, 32)) failField('PROOF_MALFORMED', 'checkpoint.blockHash', 'must be 32 bytes of hex');
  if (!Array.isArray(cp.attestations) || cp.attestations.length > 1024) {
    failField('PROOF_MALFORMED', 'checkpoint.attestations', 'must be an array of at most 1024 attestations');
  }
  cp.attestations.forEach((a, i) => {
    const f = `checkpoint.attestations[${i}]`;
    if (!isPlainObject(a)) failField('PROOF_MALFORMED', f, 'is not an object');
    if (typeof a.node !== 'string') failField('PROOF_MALFORMED', `${f}.node`, 'is not a string');
    if (typeof a.org !== 'string') failField('PROOF_MALFORMED', `${f}.org`, 'is not a string');
    if (!isHex(a.publicKey)) failField('PROOF_MALFORMED', `${f}.publicKey`, 'is not hex');
    if (!isHex(a.sig, 64)) failField('PROOF_MALFORMED', `${f}.sig`, 'must be 64 bytes of hex');
  });
}

/** The strict quorum rule of §8.4, counting organisations. */
export function quorumMet(attestingOrgs, orgsWithNodes, quorum) {
  return attestingOrgs * quorum.denominator > quorum.numerator * orgsWithNodes;
}

/** `verifyCheckpoint(suite, trust, checkpoint)` (§8.4); the suite is the trusted consortium's. */
export function verifyCheckpoint(trust, cp) {
  assertCheckpoint(cp);
  const { suite } = trust;
  const h = cp.header;
  if (h.chainId !== trust.chainId) failReason('CHECKPOINT_INVALID', 'chain-id');
  const hash = blockHash(suite, h);
  if (!bytesEqual(hash, hexToBytes(cp.blockHash, 'checkpoint.blockHash', 32)))
    failReason('CHECKPOINT_INVALID', 'block-hash');
  const msg = attestationDigest(suite, attestationBody(h, bytesToHex(hash)));
  // Choice: §8.4 writes `orgs` as a set; it is returned as an array in first-attestation order, which is the order
  // of `notaryCertificate.verified.orgs` in the vectors.
  const orgs = new Set();
  const seen = new Set();
  for (const a of cp.attestations) {
    const t = trust.attestors.get(a.publicKey);
    if (t === undefined || t.node !== a.node || t.org !== a.org) failReason('CHECKPOINT_INVALID', 'attestor');
    if (seen.has(a.publicKey)) failReason('CHECKPOINT_INVALID', 'duplicate');
    seen.add(a.publicKey);
    if (!suite.verify(hexToBytes(t.publicKey, 'publicKey'), msg, hexToBytes(a.sig, 'sig', 64))) {
      failReason('CHECKPOINT_INVALID', 'signature');
    }
    orgs.add(a.org);
  }
  if (!quorumMet(orgs.size, trust.orgsWithNodes, trust.quorum)) {
    failCode('CHECKPOINT_QUORUM_NOT_MET', `${orgs.size} of ${trust.orgsWithNodes} organisations attested`);
  }
  return { header: h, hash, orgs: [...orgs] };
}

// ---------------------------------------------------------------------------------------------------------------
// Transaction inclusion proof (§9)
// ---------------------------------------------------------------------------------------------------------------

/** `assertTxProof(value, suite)` (§9.2), in the documented order. */
export function assertTxProof(p, suite) {
  if (!isPlainObject(p)) failField('PROOF_MALFORMED', 'proof', 'is not an object');
  if (!isSafeNonNegative(p.height)) failField('PROOF_MALFORMED', 'height', 'must be an integer ≥ 0');
  if (!isSafeNonNegative(p.index)) failField('PROOF_MALFORMED', 'index', 'must be an integer ≥ 0');
  for (const name of ['txPath', 'receiptPath']) {
    if (!Array.isArray(p[name]) || p[name].length > 64)
      failField('PROOF_MALFORMED', name, 'must be an array of at most 64 hashes');
    p[name].forEach((h, i) => {
      hexToBytes(h, `${name}[${i}]`, 32);
    });
  }
  assertSignedTransaction(p.tx, suite);
  assertReceipt(p.receipt);
  assertCheckpoint(p.checkpoint);
}

/** `verifyTxProof(suite, trust, proof)` (§9.3). */
export function verifyTxProof(trust, proof) {
  const { suite } = trust;
  assertTxProof(proof, suite);
  if (proof.tx.tx.chainId !== trust.chainId) failCode('TX_CHAIN_ID_MISMATCH', 'transaction is for another chain');
  const id = txId(suite, proof.tx.tx);
  const sig = hexToBytes(proof.tx.sig, 'sig', 64);
  if (!suite.verify(hexToBytes(proof.tx.tx.signer, 'tx.signer'), id, sig)) {
    failCode('TX_SIGNATURE_INVALID', 'the transaction signature does not verify');
  }
  // §9.3: the co-signatures are verified right after the primary signature and before the checkpoint (the order of
  // admission steps 7 and 8, §5.5); their shape was checked with the envelope (§9.2).
  if (!verifyCosignatures(suite, proof.tx)) failCode('COSIG_INVALID', 'a co-signature does not verify');
  const { header, orgs } = verifyCheckpoint(trust, proof.checkpoint);
  if (header.height !== proof.height) failReason('PROOF_INVALID', 'height');
  const txPath = proof.txPath.map((h, i) => hexToBytes(h, `txPath[${i}]`, 32));
  verifyInclusion(
    suite,
    hexToBytes(header.txRoot, 'header.txRoot', 32),
    merkleLeafHash(suite, txLeafData(suite, proof.tx)),
    proof.index,
    header.txCount,
    txPath,
  );
  if (!bytesEqual(hexToBytes(proof.receipt.tx, 'receipt.tx', 32), id)) failReason('PROOF_INVALID', 'receipt-tx');
  const receiptPath = proof.receiptPath.map((h, i) => hexToBytes(h, `receiptPath[${i}]`, 32));
  verifyInclusion(
    suite,
    hexToBytes(header.receiptRoot, 'header.receiptRoot', 32),
    merkleLeafHash(suite, receiptHash(suite, proof.receipt)),
    proof.index,
    header.txCount,
    receiptPath,
  );
  return { txId: bytesToHex(id), height: header.height, time: header.time, receipt: proof.receipt, orgs };
}

// ---------------------------------------------------------------------------------------------------------------
// Notarisation certificate (§10)
// ---------------------------------------------------------------------------------------------------------------

const FILE_DIGEST_ALGS = Object.freeze({ sha256: 'sha256', sm3: 'sm3' });

/** digest_alg(file) (§10.1): the plain hash of the file bytes, no tag. */
export function fileDigest(alg, fileBytes) {
  if (!has(FILE_DIGEST_ALGS, alg)) throw new Error(`unknown document digest algorithm ${alg}`);
  return digest(FILE_DIGEST_ALGS[alg], fileBytes);
}

/**
 * `assertNotaryCertificate` (§10.3): CERTIFICATE_INVALID("malformed") with field; §9.2 codes for the proof.
 * Choice: §10.3 does not list the `details.field` values; they are the member paths `type`, `v`, `chainId`,
 * `suite`, `document`, `document.alg`, `document.hash`.
 */
export function assertNotaryCertificate(c, suite) {
  const malformed = (field) => failReason('CERTIFICATE_INVALID', 'malformed', { field });
  if (!isPlainObject(c)) malformed('certificate');
  if (c.type !== 'lianzheng/notary-certificate') malformed('type');
  if (c.v !== 1) malformed('v');
  if (typeof c.chainId !== 'string') malformed('chainId');
  if (c.suite !== suite.id) malformed('suite');
  if (!isPlainObject(c.document)) malformed('document');
  if (!has(FILE_DIGEST_ALGS, c.document.alg)) malformed('document.alg');
  if (!isHex(c.document.hash, 32)) malformed('document.hash');
  assertTxProof(c.proof, suite);
}

/** `verifyNotaryCertificate` (§10.3). `file` (bytes) is optional. */
export function verifyNotaryCertificate(trust, c, file) {
  assertNotaryCertificate(c, trust.suite);
  if (c.chainId !== trust.chainId) failReason('CERTIFICATE_INVALID', 'chain-id');
  const tx = c.proof.tx.tx;
  if (tx.contract !== 'notary' || tx.method !== 'register') failReason('CERTIFICATE_INVALID', 'tx');
  if (tx.args.alg !== c.document.alg || tx.args.hash !== c.document.hash) failReason('CERTIFICATE_INVALID', 'document');
  let verified;
  try {
    verified = verifyTxProof(trust, c.proof);
  } catch (err) {
    throw new ProtocolError('CERTIFICATE_INVALID', 'CERTIFICATE_INVALID: proof', { reason: 'proof' }, err);
  }
  if (c.proof.receipt.status !== 'ok') failReason('CERTIFICATE_INVALID', 'receipt');
  if (file !== undefined && bytesToHex(fileDigest(c.document.alg, file)) !== c.document.hash) {
    failCode('DOCUMENT_MISMATCH', 'the file does not have the certified digest');
  }
  return {
    alg: c.document.alg,
    hash: c.document.hash,
    time: verified.time,
    height: verified.height,
    txId: verified.txId,
    registrant: tx.signer,
    orgs: verified.orgs,
  };
}

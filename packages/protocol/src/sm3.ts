/**
 * SM3 cryptographic hash (GB/T 32905-2016, also GM/T 0004-2012 and ISO/IEC 10118-3:2018) and HMAC-SM3.
 *
 * Pure TypeScript so that the browser SDK and the node compute identical digests without Node's OpenSSL. The
 * Merkle–Damgård plumbing (buffering, padding, length field) comes from `@noble/hashes`' `HashMD`, which is the
 * same for SHA-256 and SM3; only the compression function below is SM3-specific. Building on `HashMD` also makes
 * the hash a regular noble `CHash`, so noble's HMAC works with it unchanged.
 */
import { HashMD } from '@noble/hashes/_md.js';
import { hmac } from '@noble/hashes/hmac.js';
import { clean, createHasher } from '@noble/hashes/utils.js';

/** Initial value IV (GB/T 32905-2016 §4.1). */
const SM3_IV = Uint32Array.from([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
]);

/**
 * The round constants already rotated: the standard uses `T_j <<< (j mod 32)` in every round, with
 * T_j = 79cc4519 for j < 16 and 7a879d8a for j ≥ 16. Rotating them once here removes a rotate from each round.
 */
const SM3_T = new Int32Array(64);
for (let j = 0; j < 64; j++) {
  const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
  const n = j % 32;
  SM3_T[j] = n === 0 ? t : (t << n) | (t >>> (32 - n));
}

/**
 * Message expansion W_0..W_67 (§5.3.2). Shared by all instances because `process` never re-enters; it is wiped
 * after each update so no message-derived words linger in memory. W'_j = W_j ⊕ W_{j+4} is computed inline in the
 * rounds rather than stored.
 */
const SM3_W = new Int32Array(68);

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

class Sm3State extends HashMD<Sm3State> {
  // Eight scalar fields instead of an array: V8 keeps them in registers inside `process` (an indexed array would
  // force memory loads in the 64-round loop). Numeric initialisers keep the fields' representation stable.
  protected A = SM3_IV[0]! | 0;
  protected B = SM3_IV[1]! | 0;
  protected C = SM3_IV[2]! | 0;
  protected D = SM3_IV[3]! | 0;
  protected E = SM3_IV[4]! | 0;
  protected F = SM3_IV[5]! | 0;
  protected G = SM3_IV[6]! | 0;
  protected H = SM3_IV[7]! | 0;

  constructor() {
    // 64-byte blocks, 32-byte digest, 8-byte big-endian bit-length field (§5.2).
    super(64, 32, 8, false);
  }

  protected get(): [number, number, number, number, number, number, number, number] {
    const { A, B, C, D, E, F, G, H } = this;
    return [A, B, C, D, E, F, G, H];
  }

  protected set(A: number, B: number, C: number, D: number, E: number, F: number, G: number, H: number): void {
    this.A = A | 0;
    this.B = B | 0;
    this.C = C | 0;
    this.D = D | 0;
    this.E = E | 0;
    this.F = F | 0;
    this.G = G | 0;
    this.H = H | 0;
  }

  /** Compression function CF (§5.3.3) on the 64-byte block at `offset`. */
  protected process(view: DataView, offset: number): void {
    const W = SM3_W;
    for (let i = 0; i < 16; i++, offset += 4) W[i] = view.getUint32(offset, false);
    for (let j = 16; j < 68; j++) {
      const x = W[j - 16]! ^ W[j - 9]! ^ rotl(W[j - 3]!, 15);
      // P1(x) = x ⊕ (x <<< 15) ⊕ (x <<< 23)
      W[j] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(W[j - 13]!, 7) ^ W[j - 6]!;
    }
    let { A, B, C, D, E, F, G, H } = this;
    // Rounds 0–15 and 16–63 differ only in FF/GG; two loops avoid a branch per round.
    for (let j = 0; j < 16; j++) {
      const a12 = rotl(A, 12);
      const ss1 = rotl((a12 + E + SM3_T[j]!) | 0, 7);
      const ss2 = ss1 ^ a12;
      const wj = W[j]!;
      const tt1 = ((A ^ B ^ C) + D + ss2 + (wj ^ W[j + 4]!)) | 0;
      const tt2 = ((E ^ F ^ G) + H + ss1 + wj) | 0;
      D = C;
      C = rotl(B, 9);
      B = A;
      A = tt1;
      H = G;
      G = rotl(F, 19);
      F = E;
      E = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17); // P0
    }
    for (let j = 16; j < 64; j++) {
      const a12 = rotl(A, 12);
      const ss1 = rotl((a12 + E + SM3_T[j]!) | 0, 7);
      const ss2 = ss1 ^ a12;
      const wj = W[j]!;
      const tt1 = (((A & B) | (A & C) | (B & C)) + D + ss2 + (wj ^ W[j + 4]!)) | 0;
      const tt2 = (((E & F) | (~E & G)) + H + ss1 + wj) | 0;
      D = C;
      C = rotl(B, 9);
      B = A;
      A = tt1;
      H = G;
      G = rotl(F, 19);
      F = E;
      E = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
    }
    // SM3 chains with XOR, not addition as in SHA-2.
    this.set(A ^ this.A, B ^ this.B, C ^ this.C, D ^ this.D, E ^ this.E, F ^ this.F, G ^ this.G, H ^ this.H);
  }

  protected roundClean(): void {
    clean(SM3_W);
  }

  destroy(): void {
    this.destroyed = true;
    this.set(0, 0, 0, 0, 0, 0, 0, 0);
    clean(this.buffer);
  }

  _cloneInto(to?: Sm3State): Sm3State {
    const target = to ?? new Sm3State();
    target.set(this.A, this.B, this.C, this.D, this.E, this.F, this.G, this.H);
    return this._cloneIntoMeta(target);
  }
}

/** Incremental SM3: `update` any number of times, then `digest` once (the state is wiped after it). */
export interface Sm3Hash {
  update(data: Uint8Array): Sm3Hash;
  digest(): Uint8Array;
}

/**
 * SM3 as a noble `CHash` (callable, with `create`, `blockLen`, `outputLen`), for APIs such as noble's HMAC that
 * take a hash constructor. Prefer `sm3` / `createSm3` elsewhere.
 */
export const sm3Hasher = createHasher(() => new Sm3State());

/** SM3 digest of `data` (32 bytes). */
export function sm3(data: Uint8Array): Uint8Array {
  return new Sm3State().update(data).digest();
}

/** A fresh incremental SM3 hash, for hashing several parts (such as Z_A ‖ M) without concatenating them. */
export function createSm3(): Sm3Hash {
  return new Sm3State();
}

/** HMAC-SM3 (RFC 2104 with SM3, as in GB/T 15852.2 / GM/T 0042), 32-byte tag. */
export function hmacSm3(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sm3Hasher, key, message);
}

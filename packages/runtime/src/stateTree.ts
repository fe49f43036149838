import {
  bytesToHex,
  compareBytes,
  equalBytes,
  type Hasher,
  LianzhengError,
  pathBit,
  type StateProof,
  type StateProofLeaf,
  stateLeafHash,
  stateNodeHash,
  ZERO_HASH,
} from '@lianzheng/protocol';

/**
 * Storage layout of the state tree (ADR 0003). The *hashing* is the binary compressed sparse Merkle tree of
 * docs/PROTOCOL.md §7 (protocol/stateProof.ts); this module decides how that binary tree is stored:
 *
 * - A page holds four binary levels: the 16 subtrees below one nibble of the key path.
 * - A page is stored under its version key (height written ‖ nibble depth ‖ nibble path), as Jellyfish Merkle trees
 *   do, so the pages a block writes are appended in key order instead of scattered across the B-tree. A reference
 *   to a child page carries the child's hash and height; loading a page checks it hashes to the reference.
 * - A leaf records the height its value was written at, and values are stored under (height ‖ key path).
 * - Pages are immutable: every stored version of the tree stays readable and provable.
 *
 * A slot of a page is empty, a single leaf (a subtree with exactly one key collapses to its leaf) or a reference to
 * a child page (a subtree with two or more keys). Invariant: a page always has two or more keys below it.
 */

export const SlotKind = { empty: 0, leaf: 1, page: 2 } as const;
export type SlotKind = (typeof SlotKind)[keyof typeof SlotKind];

export type Slot =
  | { readonly kind: 0 }
  | {
      readonly kind: 1;
      readonly keyPath: Uint8Array;
      readonly valueHash: Uint8Array;
      /** Height at which the value was written; with the key path it locates the value. */
      readonly valueHeight: number;
      readonly hash: Uint8Array;
    }
  | { readonly kind: 2; readonly hash: Uint8Array; readonly height: number };

export type LeafSlot = Extract<Slot, { kind: 1 }>;

export const EMPTY_SLOT: Slot = { kind: 0 };

const LEAF_ENTRY = 72;
const PAGE_ENTRY = 40;
const FORMAT = 2;

export function leafSlot(hash: Hasher, keyPath: Uint8Array, valueHash: Uint8Array, valueHeight: number): LeafSlot {
  return { kind: 1, keyPath, valueHash, valueHeight, hash: stateLeafHash(hash, keyPath, valueHash) };
}

export function slotHash(slot: Slot): Uint8Array {
  return slot.kind === 0 ? ZERO_HASH : slot.hash;
}

export function rootHash(root: Slot): Uint8Array {
  return slotHash(root);
}

function writeU64(out: Uint8Array, offset: number, value: number): void {
  const hi = Math.floor(value / 2 ** 32);
  const lo = value >>> 0;
  out[offset] = hi >>> 24;
  out[offset + 1] = (hi >>> 16) & 255;
  out[offset + 2] = (hi >>> 8) & 255;
  out[offset + 3] = hi & 255;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 255;
  out[offset + 6] = (lo >>> 8) & 255;
  out[offset + 7] = lo & 255;
}

function readU64(bytes: Uint8Array, offset: number): number {
  const hi =
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
  const lo =
    ((bytes[offset + 4]! << 24) | (bytes[offset + 5]! << 16) | (bytes[offset + 6]! << 8) | bytes[offset + 7]!) >>> 0;
  return hi * 2 ** 32 + lo;
}

/**
 * Storage key of a page: height (8 bytes, big-endian) ‖ nibble depth (1 byte) ‖ the first `depth` nibbles of any key
 * path below the page, packed two per byte (a trailing odd nibble in the high half, low half zero).
 */
export function pageKey(height: number, depth: number, prefix: Uint8Array): Uint8Array {
  const bytes = (depth + 1) >> 1;
  const key = new Uint8Array(9 + bytes);
  writeU64(key, 0, height);
  key[8] = depth;
  for (let i = 0; i < depth >> 1; i++) key[9 + i] = prefix[i]!;
  if (depth & 1) key[9 + (depth >> 1)] = prefix[depth >> 1]! & 0xf0;
  return key;
}

/** Storage key of a value: height (8 bytes, big-endian) ‖ key path. */
export function valueKey(height: number, keyPath: Uint8Array): Uint8Array {
  const key = new Uint8Array(40);
  writeU64(key, 0, height);
  key.set(keyPath, 8);
  return key;
}

/** Encoded root slot: kind byte, then keyPath ‖ valueHash ‖ valueHeight (leaf) or hash ‖ height (page). */
export function encodeSlot(slot: Slot): Uint8Array {
  if (slot.kind === 0) return new Uint8Array([0]);
  if (slot.kind === 2) {
    const out = new Uint8Array(1 + PAGE_ENTRY);
    out[0] = 2;
    out.set(slot.hash, 1);
    writeU64(out, 33, slot.height);
    return out;
  }
  const out = new Uint8Array(1 + LEAF_ENTRY);
  out[0] = 1;
  out.set(slot.keyPath, 1);
  out.set(slot.valueHash, 33);
  writeU64(out, 65, slot.valueHeight);
  return out;
}

export function decodeSlot(hash: Hasher, bytes: Uint8Array): Slot {
  if (bytes.length === 1 && bytes[0] === 0) return EMPTY_SLOT;
  if (bytes.length === 1 + PAGE_ENTRY && bytes[0] === 2) {
    return { kind: 2, hash: bytes.slice(1, 33), height: readU64(bytes, 33) };
  }
  if (bytes.length === 1 + LEAF_ENTRY && bytes[0] === 1) {
    return leafSlot(hash, bytes.slice(1, 33), bytes.slice(33, 65), readU64(bytes, 65));
  }
  throw corrupt('root slot has an invalid encoding');
}

function corrupt(message: string, details?: Record<string, unknown>): LianzhengError {
  return new LianzhengError('STATE_CORRUPT', message, details === undefined ? {} : { details });
}

/**
 * One page, kept compact because thousands are cached: the stored encoding itself (`bytes`) plus the binary subtree
 * above the 16 slots as a flat heap of 32-byte hashes (index 1 = the page's root, children of i at 2i and 2i+1, slot s
 * at 16+s) and the number of keys below each heap position, capped at 2 — all the collapse rule needs.
 *
 * Encoding: byte 0 = format 2; bytes 1–4 = 16 two-bit slot kinds, slot 0 in the two most significant bits of byte 1;
 * then for each non-empty slot in order either keyPath ‖ valueHash ‖ valueHeight (leaf, 72 bytes) or
 * childHash ‖ childHeight (page, 40 bytes). Heights are 8-byte big-endian.
 */
export class StatePage {
  readonly bytes: Uint8Array;
  private readonly offsets: Int16Array;
  private readonly heap: Uint8Array;
  private readonly counts: Uint8Array;

  private constructor(bytes: Uint8Array, offsets: Int16Array, heap: Uint8Array, counts: Uint8Array) {
    this.bytes = bytes;
    this.offsets = offsets;
    this.heap = heap;
    this.counts = counts;
  }

  /** Parses and hashes an encoded page. Throws STATE_CORRUPT for malformed bytes. */
  static decode(hash: Hasher, bytes: Uint8Array): StatePage {
    if (bytes.length < 5 || bytes[0] !== FORMAT) throw corrupt('page has an unknown format');
    const offsets = new Int16Array(16);
    const heap = new Uint8Array(32 * 32);
    const counts = new Uint8Array(32);
    let offset = 5;
    for (let s = 0; s < 16; s++) {
      const kind = (bytes[1 + (s >> 2)]! >> (6 - 2 * (s & 3))) & 3;
      counts[16 + s] = kind;
      if (kind === 0) {
        offsets[s] = -1;
        continue;
      }
      const size = kind === 1 ? LEAF_ENTRY : kind === 2 ? PAGE_ENTRY : -1;
      if (size < 0) throw corrupt('page has an invalid slot kind');
      if (offset + size > bytes.length) throw corrupt('page is truncated');
      offsets[s] = offset;
      if (kind === 1) {
        heap.set(
          stateLeafHash(hash, bytes.subarray(offset, offset + 32), bytes.subarray(offset + 32, offset + 64)),
          (16 + s) * 32,
        );
      } else heap.set(bytes.subarray(offset, offset + 32), (16 + s) * 32);
      offset += size;
    }
    if (offset !== bytes.length) throw corrupt('page has trailing bytes');
    const page = new StatePage(bytes, offsets, heap, counts);
    for (let i = 15; i >= 1; i--) page.recompute(hash, i);
    return page;
  }

  /**
   * A page with the given 16 slots. With `base`, `slots` may be sparse: a missing entry means "as in base" and its
   * bytes and hashes are copied, so only the heap paths above the changed slots are recomputed.
   */
  static build(
    hash: Hasher,
    slots: readonly (Slot | undefined)[],
    alloc: (size: number) => Uint8Array,
    base?: StatePage,
  ): StatePage {
    const kindOf = (s: number): number => slots[s]?.kind ?? base?.counts[16 + s] ?? 0;
    let size = 5;
    for (let s = 0; s < 16; s++) {
      const kind = kindOf(s);
      size += kind === 1 ? LEAF_ENTRY : kind === 2 ? PAGE_ENTRY : 0;
    }
    // `alloc` may return uninitialised memory (Buffer.allocUnsafe): every byte is written explicitly.
    const bytes = alloc(size);
    bytes[0] = FORMAT;
    for (let b = 0; b < 4; b++) {
      bytes[1 + b] = (kindOf(4 * b) << 6) | (kindOf(4 * b + 1) << 4) | (kindOf(4 * b + 2) << 2) | kindOf(4 * b + 3);
    }
    const offsets = new Int16Array(16);
    let offset = 5;
    // Unchanged entries of the base page are contiguous runs in its encoding: copy each run at once.
    let runFrom = -1;
    let runTo = -1;
    const flush = () => {
      if (runFrom >= 0 && base !== undefined) {
        bytes.set(base.bytes.subarray(runFrom, runTo), offset - (runTo - runFrom));
        runFrom = -1;
      }
    };
    for (let s = 0; s < 16; s++) {
      const slot = slots[s];
      if (slot === undefined) {
        const kind = base?.counts[16 + s] ?? 0;
        if (kind === 0 || base === undefined) {
          offsets[s] = -1;
          continue;
        }
        const from = base.offsets[s]!;
        const length = kind === 1 ? LEAF_ENTRY : PAGE_ENTRY;
        if (runFrom < 0) runFrom = from;
        runTo = from + length;
        offsets[s] = offset;
        offset += length;
        continue;
      }
      flush();
      if (slot.kind === 0) {
        offsets[s] = -1;
        continue;
      }
      offsets[s] = offset;
      if (slot.kind === 1) {
        bytes.set(slot.keyPath, offset);
        bytes.set(slot.valueHash, offset + 32);
        writeU64(bytes, offset + 64, slot.valueHeight);
        offset += LEAF_ENTRY;
      } else {
        bytes.set(slot.hash, offset);
        writeU64(bytes, offset + 32, slot.height);
        offset += PAGE_ENTRY;
      }
    }
    flush();
    const heap = base === undefined ? new Uint8Array(32 * 32) : base.heap.slice();
    const counts = base === undefined ? new Uint8Array(32) : base.counts.slice();
    const page = new StatePage(bytes, offsets, heap, counts);
    const setLeafLevel = (s: number, slot: Slot) => {
      counts[16 + s] = slot.kind;
      if (slot.kind === 0) heap.fill(0, (16 + s) * 32, (17 + s) * 32);
      else heap.set(slot.hash, (16 + s) * 32);
    };
    if (base === undefined) {
      for (let s = 0; s < 16; s++) setLeafLevel(s, slots[s] ?? EMPTY_SLOT);
      for (let i = 15; i >= 1; i--) page.recompute(hash, i);
    } else {
      let level = 0;
      for (let s = 0; s < 16; s++) {
        const slot = slots[s];
        if (slot === undefined) continue;
        setLeafLevel(s, slot);
        level |= 1 << ((16 + s) >> 1);
      }
      // Walk the dirty ancestors level by level, bottom-up; `level` is a bit set of heap indices < 32.
      while (level !== 0) {
        let next = 0;
        for (let i = 15; i >= 1; i--) {
          if ((level & (1 << i)) === 0) continue;
          page.recompute(hash, i);
          if (i > 1) next |= 1 << (i >> 1);
        }
        level = next;
      }
    }
    return page;
  }

  /** The page's subtree hash. */
  get hash(): Uint8Array {
    return this.heap.subarray(32, 64);
  }

  /** Keys below the page root, capped at 2. */
  get count(): number {
    return this.counts[1]!;
  }

  slotKind(s: number): number {
    return this.counts[16 + s]!;
  }

  slot(s: number): Slot {
    const kind = this.counts[16 + s]!;
    if (kind === 0) return EMPTY_SLOT;
    const o = this.offsets[s]!;
    const bytes = this.bytes;
    if (kind === 2) return { kind: 2, hash: bytes.subarray(o, o + 32), height: readU64(bytes, o + 32) };
    return {
      kind: 1,
      keyPath: bytes.subarray(o, o + 32),
      valueHash: bytes.subarray(o + 32, o + 64),
      valueHeight: readU64(bytes, o + 64),
      hash: this.heap.subarray((16 + s) * 32, (17 + s) * 32),
    };
  }

  get slots(): Slot[] {
    return Array.from({ length: 16 }, (_, s) => this.slot(s));
  }

  /** The only leaf below heap position i (requires count(i) = 1). */
  singleLeafBelow(i: number): Slot {
    let lo = i;
    let hi = i;
    while (lo < 16) {
      lo *= 2;
      hi = hi * 2 + 1;
    }
    for (let j = lo; j <= hi; j++) if (this.counts[j] === 1) return this.slot(j - 16);
    throw corrupt('page heap count does not match its slots');
  }

  heapCount(i: number): number {
    return this.counts[i]!;
  }

  heapHash(i: number): Uint8Array {
    return this.heap.slice(i * 32, (i + 1) * 32);
  }

  private recompute(hash: Hasher, i: number): void {
    const l = 2 * i;
    const r = l + 1;
    const cl = this.counts[l]!;
    const cr = this.counts[r]!;
    const c = cl + cr;
    const heap = this.heap;
    if (c === 0) {
      this.counts[i] = 0;
      heap.fill(0, i * 32, (i + 1) * 32);
    } else if (c === 1) {
      this.counts[i] = 1;
      heap.copyWithin(i * 32, (cl === 1 ? l : r) * 32, (cl === 1 ? l + 1 : r + 1) * 32);
    } else {
      this.counts[i] = 2;
      heap.set(stateNodeHash(hash, heap.subarray(l * 32, (l + 1) * 32), heap.subarray(r * 32, (r + 1) * 32)), i * 32);
    }
  }
}

export function decodePage(hash: Hasher, bytes: Uint8Array): StatePage {
  return StatePage.decode(hash, bytes);
}

/** Where pages come from: the database plus pages written by blocks not yet durable. */
export interface PageSource {
  getPage(key: Uint8Array): Uint8Array | undefined;
}

export interface StateTreeOptions {
  /** Decoded pages kept in memory. */
  readonly cachePages: number;
}

export const defaultStateTreeOptions: StateTreeOptions = { cachePages: 131_072 };

export interface StateTreeDeps {
  readonly hash: Hasher;
  readonly pages: PageSource;
  /** Allocator for encoded pages; the node passes Buffer.allocUnsafe (pooled), the default zero-fills. */
  readonly alloc?: (size: number) => Uint8Array;
}

/** One key's change in a batch: a null valueHash deletes the key. */
export interface StateUpdate {
  readonly keyPath: Uint8Array;
  readonly valueHash: Uint8Array | null;
}

export interface NewPage {
  readonly key: Uint8Array;
  readonly bytes: Uint8Array;
}

/** A stored value no longer referenced by the newest version: written at `height` under `keyPath`. */
export interface StaleValue {
  readonly height: number;
  readonly keyPath: Uint8Array;
}

export interface StateBatchResult {
  readonly root: Slot;
  /** Pages created by the batch, in key order, to be stored under their version key. */
  readonly newPages: readonly NewPage[];
  /**
   * Keys of pages the new version no longer references (they stay part of older versions). The basis for pruning
   * old versions, and what lets an in-memory replay forget them.
   */
  readonly stalePages: readonly Uint8Array[];
  /** Values the new version no longer references (overwritten or deleted keys). */
  readonly staleValues: readonly StaleValue[];
}

interface BatchOutput {
  readonly pages: NewPage[];
  readonly stalePages: Uint8Array[];
  readonly staleValues: StaleValue[];
}

/**
 * Reads and updates the paged tree. It holds no root of its own: every operation takes the root slot of the
 * version it works on, so any stored height can be read or proven.
 */
export class StateTree {
  private readonly hash: Hasher;
  private readonly source: PageSource;
  // Two generations instead of a strict LRU: lookups promote from `old` to `young`; when `young` is full it becomes
  // `old` and the previous `old` is dropped. O(1) per operation, unlike deleting from the front of a JS Map (V8 keeps
  // tombstones there, and scanning past them made eviction grow with churn).
  private young = new Map<string, StatePage>();
  private old = new Map<string, StatePage>();
  private readonly cacheLimit: number;
  private readonly allocate: (size: number) => Uint8Array;

  constructor(opts: StateTreeOptions, deps: StateTreeDeps) {
    this.hash = deps.hash;
    this.source = deps.pages;
    this.cacheLimit = opts.cachePages;
    this.allocate = deps.alloc ?? ((n) => new Uint8Array(n));
  }

  /** Loads the child page `ref` at nibble depth `depth` below `prefix`, checking it hashes to the reference. */
  loadPage(ref: { readonly hash: Uint8Array; readonly height: number }, depth: number, prefix: Uint8Array): StatePage {
    const key = pageKey(ref.height, depth, prefix);
    const id = bytesToHex(key);
    const young = this.young.get(id);
    if (young !== undefined) return young;
    const old = this.old.get(id);
    if (old !== undefined) {
      this.remember(id, old);
      return old;
    }
    const bytes = this.source.getPage(key);
    if (bytes === undefined) throw corrupt('state page is missing', { page: id });
    const page = StatePage.decode(this.hash, bytes);
    if (!equalBytes(page.hash, ref.hash)) throw corrupt('state page does not hash to its reference', { page: id });
    this.remember(id, page);
    return page;
  }

  private remember(id: string, page: StatePage): void {
    this.young.set(id, page);
    if (this.young.size >= this.cacheLimit / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  /**
   * Applies a batch of updates (any order; the last update of a key wins) to the version `root`, writing new pages
   * and new leaves as of `height`.
   */
  applyBatch(root: Slot, updates: readonly StateUpdate[], height: number): StateBatchResult {
    const sorted = dedupeSorted(updates);
    const out: BatchOutput = { pages: [], stalePages: [], staleValues: [] };
    const newRoot = this.applyToSlot(root, 0, sorted, 0, sorted.length, height, out);
    // Children are finished before parents; storage wants key order (depth ascending within the height).
    out.pages.sort((a, b) => compareBytes(a.key, b.key));
    return { root: newRoot, newPages: out.pages, stalePages: out.stalePages, staleValues: out.staleValues };
  }

  /** The leaf of `keyPath` under `root`, or null when absent. */
  get(root: Slot, keyPath: Uint8Array): LeafSlot | null {
    let slot = root;
    let depth = 0;
    for (;;) {
      if (slot.kind === 0) return null;
      if (slot.kind === 1) return equalBytes(slot.keyPath, keyPath) ? slot : null;
      const page = this.loadPage(slot, depth, keyPath);
      slot = page.slot(nibble(keyPath, depth));
      depth++;
    }
  }

  /** Membership or non-membership proof for `keyPath` under `root` (docs/PROTOCOL.md §7). */
  prove(root: Slot, keyPath: Uint8Array): StateProof {
    const siblings: Uint8Array[] = [];
    let slot = root;
    let depth = 0;
    for (;;) {
      if (slot.kind === 0) return { leaf: null, siblings };
      if (slot.kind === 1) return { leaf: proofLeaf(slot), siblings };
      const page = this.loadPage(slot, depth, keyPath);
      let i = 1;
      for (let b = 0; b < 4; b++) {
        const count = page.heapCount(i);
        if (count === 0) return { leaf: null, siblings };
        if (count === 1) return { leaf: proofLeaf(page.singleLeafBelow(i)), siblings };
        const bit = pathBit(keyPath, depth * 4 + b);
        siblings.push(page.heapHash(2 * i + (1 - bit)));
        i = 2 * i + bit;
      }
      slot = page.slot(i - 16);
      depth++;
    }
  }

  /**
   * Visits the pages and leaves that version `root` wrote at `height` (pages and leaves written earlier belong to an
   * earlier version). Walking every height in order visits every stored page and value exactly once; each page is
   * checked against the hash its parent records.
   */
  *walkVersion(
    root: Slot,
    height: number,
  ): Generator<
    { readonly type: 'page'; readonly key: Uint8Array } | { readonly type: 'leaf'; readonly leaf: LeafSlot }
  > {
    const stack: { slot: Slot; depth: number; prefix: Uint8Array }[] = [
      { slot: root, depth: 0, prefix: new Uint8Array(32) },
    ];
    while (stack.length > 0) {
      const { slot, depth, prefix } = stack.pop()!;
      if (slot.kind === 1) {
        if (slot.valueHeight === height) yield { type: 'leaf', leaf: slot };
        continue;
      }
      if (slot.kind !== 2 || slot.height !== height) continue;
      const page = this.loadPage(slot, depth, prefix);
      yield { type: 'page', key: pageKey(height, depth, prefix) };
      for (let s = 0; s < 16; s++) {
        const child = page.slot(s);
        if (child.kind === 0) continue;
        const childPrefix = prefix.slice();
        childPrefix[depth >> 1] = depth & 1 ? (childPrefix[depth >> 1]! & 0xf0) | s : s << 4;
        stack.push({ slot: child, depth: depth + 1, prefix: childPrefix });
      }
    }
  }

  /** Keys of every page reachable from `root`, whatever height wrote them. */
  *pageKeys(root: Slot): Generator<Uint8Array> {
    const stack: { slot: Slot; depth: number; prefix: Uint8Array }[] = [
      { slot: root, depth: 0, prefix: new Uint8Array(32) },
    ];
    while (stack.length > 0) {
      const { slot, depth, prefix } = stack.pop()!;
      if (slot.kind !== 2) continue;
      const page = this.loadPage(slot, depth, prefix);
      yield pageKey(slot.height, depth, prefix);
      for (let s = 0; s < 16; s++) {
        const childPrefix = prefix.slice();
        childPrefix[depth >> 1] = depth & 1 ? (childPrefix[depth >> 1]! & 0xf0) | s : s << 4;
        stack.push({ slot: page.slot(s), depth: depth + 1, prefix: childPrefix });
      }
    }
  }

  /** Every leaf under `root` in key-path order. */
  *leaves(root: Slot, depth = 0, prefix: Uint8Array = new Uint8Array(32)): Generator<LeafSlot> {
    if (root.kind === 0) return;
    if (root.kind === 1) {
      yield root;
      return;
    }
    const page = this.loadPage(root, depth, prefix);
    for (let s = 0; s < 16; s++) {
      const childPrefix = prefix.slice();
      childPrefix[depth >> 1] = depth & 1 ? (childPrefix[depth >> 1]! & 0xf0) | s : s << 4;
      yield* this.leaves(page.slot(s), depth + 1, childPrefix);
    }
  }

  private applyToSlot(
    slot: Slot,
    depth: number,
    updates: readonly StateUpdate[],
    from: number,
    to: number,
    height: number,
    out: BatchOutput,
  ): Slot {
    if (from === to) return slot;
    if (slot.kind !== 2) {
      // An empty slot or a single leaf: merge it with the updates and build the subtree afresh.
      const leaves: LeafSlot[] = [];
      let existing: LeafSlot | null = slot.kind === 1 ? slot : null;
      for (let k = from; k < to; k++) {
        const u = updates[k]!;
        if (existing !== null && compareBytes(existing.keyPath, u.keyPath) < 0) {
          leaves.push(existing);
          existing = null;
        }
        if (existing !== null && equalBytes(existing.keyPath, u.keyPath)) {
          out.staleValues.push({ height: existing.valueHeight, keyPath: existing.keyPath });
          existing = null;
        }
        if (u.valueHash !== null) leaves.push(leafSlot(this.hash, u.keyPath, u.valueHash, height));
      }
      if (existing !== null) leaves.push(existing);
      return this.build(leaves, 0, leaves.length, depth, height, out);
    }
    const base = this.loadPage(slot, depth, updates[from]!.keyPath);
    const changes: (Slot | undefined)[] = new Array<Slot | undefined>(16);
    let changed = false;
    let k = from;
    while (k < to) {
      const n = nibble(updates[k]!.keyPath, depth);
      let end = k + 1;
      while (end < to && nibble(updates[end]!.keyPath, depth) === n) end++;
      const before = base.slot(n);
      const after = this.applyToSlot(before, depth + 1, updates, k, end, height, out);
      if (after !== before && !sameSlot(after, before)) {
        changes[n] = after;
        changed = true;
      }
      k = end;
    }
    if (!changed) return slot;
    // The base page is superseded in the new version (it stays part of the versions that reference it).
    out.stalePages.push(pageKey(slot.height, depth, updates[from]!.keyPath));
    return this.finish(
      StatePage.build(this.hash, changes, this.allocate, base),
      depth,
      updates[from]!.keyPath,
      height,
      out,
    );
  }

  /** Builds the subtree at nibble depth `depth` holding exactly `leaves[from..to)` (sorted, distinct). */
  private build(
    leaves: readonly LeafSlot[],
    from: number,
    to: number,
    depth: number,
    height: number,
    out: BatchOutput,
  ): Slot {
    if (from === to) return EMPTY_SLOT;
    if (to - from === 1) return leaves[from]!;
    const slots: Slot[] = new Array<Slot>(16).fill(EMPTY_SLOT);
    let k = from;
    while (k < to) {
      const n = nibble(leaves[k]!.keyPath, depth);
      let end = k + 1;
      while (end < to && nibble(leaves[end]!.keyPath, depth) === n) end++;
      slots[n] = this.build(leaves, k, end, depth + 1, height, out);
      k = end;
    }
    return this.finish(StatePage.build(this.hash, slots, this.allocate), depth, leaves[from]!.keyPath, height, out);
  }

  /** Collapses a page with fewer than two keys into its parent's slot, or records it as a new page. */
  private finish(page: StatePage, depth: number, prefix: Uint8Array, height: number, out: BatchOutput): Slot {
    if (page.count === 0) return EMPTY_SLOT;
    // One key left and no child page (a child page would count 2): the subtree is that leaf.
    if (page.count === 1) return page.singleLeafBelow(1);
    const key = pageKey(height, depth, prefix);
    out.pages.push({ key, bytes: page.bytes });
    this.remember(bytesToHex(key), page);
    return { kind: 2, hash: page.hash, height };
  }
}

/** Same slot content (a leaf rewritten with its own value, a child page rebuilt identically). */
function sameSlot(a: Slot, b: Slot): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 0) return true;
  if (!equalBytes(a.hash, (b as { hash: Uint8Array }).hash)) return false;
  // Same hash but another storage location (a rewrite at a new height) is still a change to record.
  return a.kind === 1 ? a.valueHeight === (b as LeafSlot).valueHeight : a.height === (b as { height: number }).height;
}

function nibble(path: Uint8Array, depth: number): number {
  const byte = path[depth >> 1]!;
  return depth & 1 ? byte & 15 : byte >> 4;
}

function proofLeaf(slot: Slot): StateProofLeaf {
  if (slot.kind !== 1) throw corrupt('expected a leaf');
  return { keyPath: slot.keyPath, valueHash: slot.valueHash };
}

function dedupeSorted(updates: readonly StateUpdate[]): StateUpdate[] {
  const indexed = updates.map((u, i) => ({ u, i }));
  indexed.sort((a, b) => compareBytes(a.u.keyPath, b.u.keyPath) || a.i - b.i);
  const out: StateUpdate[] = [];
  for (const { u } of indexed) {
    const last = out[out.length - 1];
    if (last !== undefined && equalBytes(last.keyPath, u.keyPath)) out[out.length - 1] = u;
    else out.push(u);
  }
  return out;
}

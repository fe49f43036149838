import {
  bytesToHex,
  compareBytes,
  equalBytes,
  type HashFn,
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
 * docs/PROTOCOL.md §7 (see `@lianzheng/protocol` stateProof.ts); this module only decides how that binary tree is
 * cut into stored records: a page holds four binary levels, i.e. the 16 subtrees below one nibble of the key path.
 * A page is stored under its own subtree hash (content addressed, immutable), so every historical root stays
 * readable and a page's integrity is checked by re-hashing it.
 *
 * A slot of a page is empty, a single leaf (a subtree with exactly one key collapses to its leaf) or a reference
 * to a child page (a subtree with two or more keys). Invariant: a page always has two or more keys below it.
 */

export const SlotKind = { empty: 0, leaf: 1, page: 2 } as const;
export type SlotKind = (typeof SlotKind)[keyof typeof SlotKind];

export type Slot =
  | { readonly kind: 0 }
  | { readonly kind: 1; readonly keyPath: Uint8Array; readonly valueHash: Uint8Array; readonly hash: Uint8Array }
  | { readonly kind: 2; readonly hash: Uint8Array };

export const EMPTY_SLOT: Slot = { kind: 0 };

export function leafSlot(hash: HashFn, keyPath: Uint8Array, valueHash: Uint8Array): Slot {
  return { kind: 1, keyPath, valueHash, hash: stateLeafHash(hash, keyPath, valueHash) };
}

export function slotHash(slot: Slot): Uint8Array {
  return slot.kind === 0 ? ZERO_HASH : slot.hash;
}

/** Encoded root slot: 1 byte kind, then keyPath ‖ valueHash (leaf) or the page hash (page). */
export function encodeSlot(slot: Slot): Uint8Array {
  if (slot.kind === 0) return new Uint8Array([0]);
  if (slot.kind === 2) {
    const out = new Uint8Array(33);
    out[0] = 2;
    out.set(slot.hash, 1);
    return out;
  }
  const out = new Uint8Array(65);
  out[0] = 1;
  out.set(slot.keyPath, 1);
  out.set(slot.valueHash, 33);
  return out;
}

export function decodeSlot(hash: HashFn, bytes: Uint8Array): Slot {
  if (bytes.length === 1 && bytes[0] === 0) return EMPTY_SLOT;
  if (bytes.length === 33 && bytes[0] === 2) return { kind: 2, hash: bytes.slice(1) };
  if (bytes.length === 65 && bytes[0] === 1) return leafSlot(hash, bytes.slice(1, 33), bytes.slice(33));
  throw corrupt('root slot has an invalid encoding');
}

function corrupt(message: string, details?: Record<string, unknown>): LianzhengError {
  return new LianzhengError('STATE_CORRUPT', message, details === undefined ? {} : { details });
}

/**
 * One page: 16 slots plus the binary subtree above them, kept as a heap (index 1 = the page's root, children of
 * i at 2i and 2i+1, slot s at 16+s). `count` is the number of keys below a heap position, capped at 2, which is
 * all the collapse rule needs.
 */
export class StatePage {
  readonly slots: Slot[];
  private readonly heapHash: Uint8Array[];
  private readonly heapCount: Uint8Array;

  private constructor(slots: Slot[], heapHash: Uint8Array[], heapCount: Uint8Array) {
    this.slots = slots;
    this.heapHash = heapHash;
    this.heapCount = heapCount;
  }

  static fromSlots(hash: HashFn, slots: Slot[]): StatePage {
    const page = new StatePage(slots, new Array<Uint8Array>(32).fill(ZERO_HASH), new Uint8Array(32));
    for (let s = 0; s < 16; s++) page.setLeafLevel(s);
    for (let i = 15; i >= 1; i--) page.recompute(hash, i);
    return page;
  }

  /** A copy whose slots can be changed with `setSlot` and then rehashed with `rehash` (only dirty paths). */
  clone(): StatePage {
    return new StatePage(this.slots.slice(), this.heapHash.slice(), this.heapCount.slice());
  }

  get hash(): Uint8Array {
    return this.heapHash[1]!;
  }

  /** Keys below the page root, capped at 2. */
  get count(): number {
    return this.heapCount[1]!;
  }

  setSlot(index: number, slot: Slot): void {
    this.slots[index] = slot;
    this.setLeafLevel(index);
  }

  /** Recomputes the heap above the given slots. */
  rehash(hash: HashFn, changed: readonly number[]): void {
    let level = new Set<number>();
    for (const s of changed) level.add((16 + s) >> 1);
    while (level.size > 0) {
      const next = new Set<number>();
      for (const i of [...level].sort((a, b) => b - a)) {
        this.recompute(hash, i);
        if (i > 1) next.add(i >> 1);
      }
      level = next;
    }
  }

  /** The only leaf below heap position i (requires count(i) = 1). */
  singleLeafBelow(i: number): Slot {
    let lo = i;
    let hi = i;
    while (lo < 16) {
      lo *= 2;
      hi = hi * 2 + 1;
    }
    for (let j = lo; j <= hi; j++) if (this.slots[j - 16]!.kind === 1) return this.slots[j - 16]!;
    throw corrupt('page heap count does not match its slots');
  }

  heap(i: number): { readonly hash: Uint8Array; readonly count: number } {
    return { hash: this.heapHash[i]!, count: this.heapCount[i]! };
  }

  private setLeafLevel(s: number): void {
    const slot = this.slots[s]!;
    this.heapHash[16 + s] = slot.kind === 0 ? ZERO_HASH : slot.hash;
    this.heapCount[16 + s] = slot.kind;
  }

  private recompute(hash: HashFn, i: number): void {
    const l = 2 * i;
    const r = l + 1;
    const cl = this.heapCount[l]!;
    const cr = this.heapCount[r]!;
    const c = cl + cr;
    if (c === 0) {
      this.heapCount[i] = 0;
      this.heapHash[i] = ZERO_HASH;
    } else if (c === 1) {
      this.heapCount[i] = 1;
      this.heapHash[i] = cl === 1 ? this.heapHash[l]! : this.heapHash[r]!;
    } else {
      this.heapCount[i] = 2;
      this.heapHash[i] = stateNodeHash(hash, this.heapHash[l]!, this.heapHash[r]!);
    }
  }
}

/**
 * Page encoding (stored value): byte 0 = format 1; bytes 1–4 = 16 two-bit slot kinds, slot 0 in the two most
 * significant bits of byte 1; then for each non-empty slot in order either keyPath ‖ valueHash (leaf) or the child
 * page hash.
 */
export function encodePage(page: StatePage): Uint8Array {
  let size = 5;
  for (const slot of page.slots) size += slot.kind === 1 ? 64 : slot.kind === 2 ? 32 : 0;
  const out = new Uint8Array(size);
  out[0] = 1;
  let offset = 5;
  page.slots.forEach((slot, s) => {
    out[1 + (s >> 2)]! |= slot.kind << (6 - 2 * (s & 3));
    if (slot.kind === 1) {
      out.set(slot.keyPath, offset);
      out.set(slot.valueHash, offset + 32);
      offset += 64;
    } else if (slot.kind === 2) {
      out.set(slot.hash, offset);
      offset += 32;
    }
  });
  return out;
}

export function decodePage(hash: HashFn, bytes: Uint8Array): StatePage {
  if (bytes.length < 5 || bytes[0] !== 1) throw corrupt('page has an unknown format');
  const slots: Slot[] = [];
  let offset = 5;
  for (let s = 0; s < 16; s++) {
    const kind = (bytes[1 + (s >> 2)]! >> (6 - 2 * (s & 3))) & 3;
    if (kind === 0) slots.push(EMPTY_SLOT);
    else if (kind === 1) {
      if (offset + 64 > bytes.length) throw corrupt('page is truncated');
      slots.push(leafSlot(hash, bytes.slice(offset, offset + 32), bytes.slice(offset + 32, offset + 64)));
      offset += 64;
    } else if (kind === 2) {
      if (offset + 32 > bytes.length) throw corrupt('page is truncated');
      slots.push({ kind: 2, hash: bytes.slice(offset, offset + 32) });
      offset += 32;
    } else throw corrupt('page has an invalid slot kind');
  }
  if (offset !== bytes.length) throw corrupt('page has trailing bytes');
  return StatePage.fromSlots(hash, slots);
}

/** Where pages come from: the database plus pages written by blocks not yet durable. */
export interface PageSource {
  getPage(hash: Uint8Array): Uint8Array | undefined;
}

export interface StateTreeOptions {
  /** Decoded pages kept in memory (LRU). */
  readonly cachePages: number;
}

export const defaultStateTreeOptions: StateTreeOptions = { cachePages: 65_536 };

/** One key's change in a batch: a null valueHash deletes the key. */
export interface StateUpdate {
  readonly keyPath: Uint8Array;
  readonly valueHash: Uint8Array | null;
}

export interface StateBatchResult {
  readonly root: Slot;
  /** Pages created by the batch, to be stored under their hash (hex key → encoded page). */
  readonly newPages: ReadonlyMap<string, Uint8Array>;
}

/**
 * Reads and updates the paged tree. It holds no root of its own: every operation takes the root slot of the
 * version it works on, so any stored height can be read or proven.
 */
export class StateTree {
  private readonly hash: HashFn;
  private readonly source: PageSource;
  private readonly cache = new Map<string, StatePage>();
  private readonly cacheLimit: number;

  constructor(opts: StateTreeOptions, deps: { readonly hash: HashFn; readonly pages: PageSource }) {
    this.hash = deps.hash;
    this.source = deps.pages;
    this.cacheLimit = opts.cachePages;
  }

  loadPage(pageHash: Uint8Array): StatePage {
    const key = bytesToHex(pageHash);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Refresh its position: Map iteration order is insertion order, so the first key is the least recent.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const bytes = this.source.getPage(pageHash);
    if (bytes === undefined) throw corrupt('state page is missing', { page: key });
    const page = decodePage(this.hash, bytes);
    if (!equalBytes(page.hash, pageHash)) throw corrupt('state page does not hash to its key', { page: key });
    this.remember(key, page);
    return page;
  }

  private remember(key: string, page: StatePage): void {
    this.cache.set(key, page);
    if (this.cache.size > this.cacheLimit) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** Applies a batch of updates (any order; the last update of a key wins) to the version `root`. */
  applyBatch(root: Slot, updates: readonly StateUpdate[]): StateBatchResult {
    const sorted = dedupeSorted(updates);
    const newPages = new Map<string, Uint8Array>();
    const newRoot = this.applyToSlot(root, 0, sorted, 0, sorted.length, newPages);
    return { root: newRoot, newPages };
  }

  /** The value hash stored for `keyPath` under `root`, or null when absent. */
  get(root: Slot, keyPath: Uint8Array): Uint8Array | null {
    let slot = root;
    let depth = 0;
    for (;;) {
      if (slot.kind === 0) return null;
      if (slot.kind === 1) return equalBytes(slot.keyPath, keyPath) ? slot.valueHash : null;
      const page = this.loadPage(slot.hash);
      slot = page.slots[nibble(keyPath, depth)]!;
      depth++;
    }
  }

  /** Membership or non-membership proof for `keyPath` under `root` (docs/PROTOCOL.md §7). */
  prove(root: Slot, keyPath: Uint8Array): StateProof {
    const siblings: Uint8Array[] = [];
    let slot = root;
    let depth = 0; // nibble depth of the page `slot` points to
    for (;;) {
      if (slot.kind === 0) return { leaf: null, siblings };
      if (slot.kind === 1) return { leaf: proofLeaf(slot), siblings };
      const page = this.loadPage(slot.hash);
      let i = 1;
      for (let b = 0; b < 4; b++) {
        const { count } = page.heap(i);
        if (count === 0) return { leaf: null, siblings };
        if (count === 1) return { leaf: proofLeaf(page.singleLeafBelow(i)), siblings };
        const bit = pathBit(keyPath, depth * 4 + b);
        siblings.push(page.heap(2 * i + (1 - bit)).hash);
        i = 2 * i + bit;
      }
      slot = page.slots[i - 16]!;
      depth++;
    }
  }

  /** Visits every page reachable from `root` once (integrity checks, statistics). */
  *walkPages(root: Slot): Generator<{ readonly hash: Uint8Array; readonly page: StatePage }> {
    if (root.kind !== 2) return;
    const stack: Uint8Array[] = [root.hash];
    while (stack.length > 0) {
      const h = stack.pop()!;
      const page = this.loadPage(h);
      yield { hash: h, page };
      for (const s of page.slots) if (s.kind === 2) stack.push(s.hash);
    }
  }

  /** Every leaf under `root` in key-path order. */
  *leaves(root: Slot): Generator<{ readonly keyPath: Uint8Array; readonly valueHash: Uint8Array }> {
    if (root.kind === 0) return;
    if (root.kind === 1) {
      yield { keyPath: root.keyPath, valueHash: root.valueHash };
      return;
    }
    const page = this.loadPage(root.hash);
    for (const s of page.slots) yield* this.leaves(s);
  }

  private applyToSlot(
    slot: Slot,
    depth: number,
    updates: readonly StateUpdate[],
    from: number,
    to: number,
    out: Map<string, Uint8Array>,
  ): Slot {
    if (from === to) return slot;
    if (slot.kind !== 2) {
      // An empty slot or a single leaf: merge it with the updates and build the subtree afresh.
      const leaves: { keyPath: Uint8Array; valueHash: Uint8Array }[] = [];
      let existing: Slot | null = slot.kind === 1 ? slot : null;
      for (let k = from; k < to; k++) {
        const u = updates[k]!;
        if (existing !== null && existing.kind === 1 && compareBytes(existing.keyPath, u.keyPath) < 0) {
          leaves.push({ keyPath: existing.keyPath, valueHash: existing.valueHash });
          existing = null;
        }
        if (existing !== null && existing.kind === 1 && equalBytes(existing.keyPath, u.keyPath)) existing = null;
        if (u.valueHash !== null) leaves.push({ keyPath: u.keyPath, valueHash: u.valueHash });
      }
      if (existing !== null && existing.kind === 1) {
        leaves.push({ keyPath: existing.keyPath, valueHash: existing.valueHash });
      }
      return this.build(leaves, 0, leaves.length, depth, out);
    }
    const page = this.loadPage(slot.hash).clone();
    const changed: number[] = [];
    let k = from;
    while (k < to) {
      const n = nibble(updates[k]!.keyPath, depth);
      let end = k + 1;
      while (end < to && nibble(updates[end]!.keyPath, depth) === n) end++;
      const before = page.slots[n]!;
      const after = this.applyToSlot(before, depth + 1, updates, k, end, out);
      if (after !== before) {
        page.setSlot(n, after);
        changed.push(n);
      }
      k = end;
    }
    if (changed.length === 0) return slot;
    page.rehash(this.hash, changed);
    return this.finish(page, out);
  }

  /** Builds the subtree at nibble depth `depth` holding exactly `leaves[from..to)` (sorted, distinct). */
  private build(
    leaves: readonly { keyPath: Uint8Array; valueHash: Uint8Array }[],
    from: number,
    to: number,
    depth: number,
    out: Map<string, Uint8Array>,
  ): Slot {
    if (from === to) return EMPTY_SLOT;
    if (to - from === 1) return leafSlot(this.hash, leaves[from]!.keyPath, leaves[from]!.valueHash);
    const slots: Slot[] = new Array<Slot>(16).fill(EMPTY_SLOT);
    let k = from;
    while (k < to) {
      const n = nibble(leaves[k]!.keyPath, depth);
      let end = k + 1;
      while (end < to && nibble(leaves[end]!.keyPath, depth) === n) end++;
      slots[n] = this.build(leaves, k, end, depth + 1, out);
      k = end;
    }
    return this.finish(StatePage.fromSlots(this.hash, slots), out);
  }

  /** Collapses a page with fewer than two keys into its parent's slot, or records it as a new page. */
  private finish(page: StatePage, out: Map<string, Uint8Array>): Slot {
    if (page.count === 0) return EMPTY_SLOT;
    if (page.count === 1) {
      // One key left and no child page (a child page would count 2): the subtree is that leaf.
      return page.singleLeafBelow(1);
    }
    const key = bytesToHex(page.hash);
    if (!out.has(key)) out.set(key, encodePage(page));
    this.remember(key, page);
    return { kind: 2, hash: page.hash };
  }
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

export function rootHash(root: Slot): Uint8Array {
  return slotHash(root);
}

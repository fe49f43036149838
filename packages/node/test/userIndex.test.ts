/**
 * The key index behind `lz.range` (PROTOCOL.md §16.4): paged buckets that split and shrink. A property test against
 * a model (a sorted set): any sequence of puts and deletes, then every range — by prefix, with `after` and `limit` —
 * gives exactly the model's keys, and the index records stay in the contract's reserved space.
 */
import type { JsonValue } from '@lianzheng/protocol';
import { ContractSandbox, INDEX_PAGE_KEYS, UserContracts, type UserStateAccess } from '@lianzheng/runtime';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMeteredQuickJs } from '../src/sandbox/quickjs.js';

const CODE = `
module.exports.put = (a) => { for (const k of a.keys) lz.put(k, { k }); };
module.exports.del = (a) => { for (const k of a.keys) lz.del(k); };
module.exports.range = (a) => lz.range(a.prefix, a.options).map((e) => e.key);
`;
const RECORD = {
  name: 'idx',
  version: 1,
  language: 'javascript' as const,
  codeHash: '',
  methods: ['del', 'put', 'range'],
  proposal: '',
  height: 0,
};

let host: UserContracts;
beforeAll(async () => {
  host = new UserContracts(await ContractSandbox.create(await loadMeteredQuickJs()));
}, 60_000);

/** Plain in-memory state for one contract namespace. */
function memory(): UserStateAccess & { state: Map<string, JsonValue> } {
  const state = new Map<string, JsonValue>();
  return {
    state,
    readIn: (_c, k) => state.get(k) ?? null,
    writeIn: (_c, k, v) => {
      if (v === null) state.delete(k);
      else state.set(k, v);
    },
    emitAs: () => undefined,
  };
}

function call(access: UserStateAccess, method: string, args: JsonValue): JsonValue {
  const context = {
    caller: { kind: 'member', key: '', roles: [], attrs: {} },
    cosigners: [],
    txId: '',
    height: 1,
    time: 0,
    contract: { name: 'idx', version: 1 },
  };
  const out = host.invoke(access, { record: RECORD, code: CODE, method, args, context, fuel: 10_000_000_000 });
  if (out.status !== 'ok') throw new Error(`${method}: ${out.code} ${out.message}`);
  return out.result as JsonValue;
}

const keyArb = fc.oneof(
  fc.integer({ min: 0, max: 399 }).map((i) => `a/${String(i).padStart(3, '0')}`),
  fc.integer({ min: 0, max: 60 }).map((i) => `ab/${i}`),
  fc.integer({ min: 0, max: 30 }).map((i) => `b${i}`),
);

describe('lz.range index', () => {
  it(`pages split past ${INDEX_PAGE_KEYS} keys and go away when emptied, and ranges match a sorted model`, () => {
    let largest = 0;
    fc.assert(
      fc.property(
        fc.subarray(
          Array.from({ length: 400 }, (_, i) => `a/${String(i).padStart(3, '0')}`),
          { minLength: 300 },
        ),
        fc.array(
          fc.record({
            op: fc.constantFrom('put', 'put', 'del'),
            keys: fc.array(keyArb, { minLength: 1, maxLength: 60 }),
          }),
          {
            minLength: 1,
            maxLength: 25,
          },
        ),
        fc.integer({ min: 1, max: 50 }),
        (initial, ops, limit) => {
          const access = memory();
          const model = new Set<string>(initial);
          for (let i = 0; i < initial.length; i += 100) call(access, 'put', { keys: initial.slice(i, i + 100) });
          for (const { op, keys } of ops) {
            call(access, op, { keys });
            for (const k of keys) op === 'put' ? model.add(k) : model.delete(k);
          }
          const sorted = [...model].sort();
          largest = Math.max(largest, sorted.filter((k) => k.startsWith('a/')).length);
          for (const prefix of ['a/', 'a/1', 'ab/', 'a/0', 'zz/']) {
            const want = sorted.filter((k) => k.startsWith(prefix));
            expect(call(access, 'range', { prefix, options: { limit: 1000 } })).toEqual(want);
            // Paging with `after` gives the same keys in pages of `limit`.
            const paged: string[] = [];
            let after: string | undefined;
            for (;;) {
              const page = call(access, 'range', {
                prefix,
                options: after === undefined ? { limit } : { limit, after },
              }) as string[];
              paged.push(...page);
              if (page.length < limit) break;
              after = page.at(-1);
            }
            expect(paged).toEqual(want);
          }
          // Index records are in the reserved space; values of user keys are untouched.
          for (const k of access.state.keys()) {
            if (k.startsWith('\u0001')) continue;
            expect(model.has(k)).toBe(true);
          }
          if (model.size === 0) expect([...access.state.keys()]).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
    // The runs reached buckets of several pages.
    expect(largest).toBeGreaterThan(2 * INDEX_PAGE_KEYS);
  });
});

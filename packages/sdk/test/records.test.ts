/**
 * Public records from the SDK against an in-process node (its API answered through `inject`, no sockets), under both
 * suites: publish, revise and withdraw with the SDK's calls, browse and read, and verify versions and heads against
 * the pinned genesis — then refuse every tampering: a changed byte of the value, of a proof sibling, of the leaf, of a
 * checkpoint signature, another record's proof, another genesis, a node answering for another key.
 */
import type { KeyPair } from '@lianzheng/node';
import {
  bytesToHex,
  type Genesis,
  isLianzhengError,
  type JsonValue,
  recordKeys,
  type StateProofJson,
  type StateView,
} from '@lianzheng/protocol';
import {
  buildTransaction,
  createClient,
  getRecord,
  getRecords,
  getState,
  httpTransport,
  keySigner,
  type PublishRecordArgs,
  publishRecordTx,
  type RecordCall,
  signTransactionWith,
  submitTransaction,
  verifyRecord,
  verifyRecordHead,
  verifyRecordProof,
  withdrawRecordTx,
} from '@lianzheng/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFetch, openTestNode, T0, type TestNode } from '../../node/test/nodeHarness.js';

const POLICY: PublishRecordArgs = {
  id: 'one-window-rules',
  category: 'policy',
  title: '不动产登记“一窗受理”工作规程',
  summary: '一窗受理、集成服务，登记、交易、税务一次办结。',
  body: '第一条 为规范不动产登记“一窗受理”工作，提高办事效率，制定本规程。\n第二条 本规程适用于本市不动产登记业务。',
  tags: ['不动产登记', '一窗受理'],
  attachments: [{ name: '工作规程.pdf', alg: 'sha256', hash: 'cd'.repeat(32), size: 204_800 }],
  effective: '2026-04-01',
};

/** The code of the coded error `p` rejects with ('ok' when it resolves); anything uncoded fails the test. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
}

/** The same for a function that throws. */
function codeOfCall(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
}

/** `text` with the character at `i` replaced by another one. */
const changeAt = (text: string, i: number, by = 'X') =>
  text.slice(0, i) + (text[i] === by ? 'Y' : by) + text.slice(i + 1);
/** A hex string with one digit changed. */
const flipHex = (hex: string, i: number) => changeAt(hex, i % hex.length, hex[i % hex.length] === '0' ? '1' : '0');

describe.each(['ed25519-sha256', 'sm2-sm3'] as const)('public records from the SDK (%s)', (suiteId) => {
  let t: TestNode;
  let genesis: Genesis;
  const client = () => createClient({ transport: httpTransport('http://node.test', { fetch: injectFetch(t) }) });

  const submit = async (key: KeyPair, call: RecordCall<'publish' | 'withdraw'>) => {
    const tx = buildTransaction({ chainId: t.genesis.chainId, signer: key.publicKey, ...call, now: T0 });
    const signed = await signTransactionWith(t.suite, tx, keySigner(t.suite, key.secretKey));
    const r = await submitTransaction(client(), signed, { wait: true });
    if (r.status !== 'committed') throw new Error('not committed');
    return r.receipt;
  };

  beforeAll(async () => {
    t = await openTestNode({ suite: suiteId });
    genesis = t.genesis;
    const publisher = t.staff['realestate-publisher']!;
    expect((await submit(publisher, publishRecordTx(POLICY))).status).toBe('ok');
    // A field left undefined (as JavaScript callers do) is left out of the arguments.
    const revised = publishRecordTx({
      ...POLICY,
      title: `${POLICY.title}（2026年修订）`,
      summary: undefined,
    } as PublishRecordArgs);
    expect(Object.keys(revised.args)).not.toContain('summary');
    expect((await submit(publisher, revised)).status).toBe('ok');
    const other = publishRecordTx({
      id: 'fees',
      category: 'notice',
      title: '不动产登记收费标准公示',
      body: '收费标准如下……',
    });
    expect((await submit(publisher, other)).status).toBe('ok');
    expect((await submit(publisher, withdrawRecordTx({ id: 'fees', reason: '标准调整，另行公示' }))).status).toBe('ok');
  }, 60_000);

  afterAll(async () => {
    expect(t?.fatal ?? []).toEqual([]);
    await t?.close();
  });

  it('builds the calls; browses, searches and reads what the node serves', async () => {
    expect(withdrawRecordTx({ id: 'x', reason: 'r' })).toEqual({
      contract: 'records',
      method: 'withdraw',
      args: { id: 'x', reason: 'r' },
    });
    const page = await getRecords(client());
    expect(page.items.map((s) => [s.id, s.version, s.withdrawn])).toEqual([
      ['fees', 1, true],
      ['one-window-rules', 2, false],
    ]);
    expect(page.height).toBe(t.node.ledger.durableHeight);
    expect((await getRecords(client(), { q: '一窗受理', category: 'policy', limit: 5 })).items).toHaveLength(1);
    const first = await getRecords(client(), { limit: 1 });
    expect(first.next).toBeTypeOf('string');
    const second = await getRecords(client(), { limit: 1, cursor: first.next! });
    expect(second.items.map((s) => s.id)).toEqual(['one-window-rules']);
    const { head, versions } = await getRecord(client(), 'realestate', 'one-window-rules');
    expect(head.latest).toBe(2);
    expect(versions.map((v) => v.title)).toEqual([POLICY.title, `${POLICY.title}（2026年修订）`]);
    expect(versions[1]).not.toHaveProperty('summary');
    expect(await codeOf(getRecord(client(), 'realestate', 'nothing'))).toBe('RECORD_NOT_FOUND');
  });

  it('verifies every version and the head against the pinned genesis', async () => {
    const { versions } = await getRecord(client(), 'realestate', 'one-window-rules');
    for (const v of versions) {
      const verified = await verifyRecord(client(), { genesis }, 'realestate', 'one-window-rules', v.version);
      expect(verified.record).toEqual(v);
      expect(verified.orgs).toEqual(['market']);
      expect(verified.height).toBe(t.node.ledger.durableHeight);
      expect(verified.stateRoot).toMatch(/^[0-9a-f]{64}$/);
      expect(verified.time).toBeGreaterThan(0);
    }
    const head = await verifyRecordHead(client(), { genesis }, 'realestate', 'fees');
    expect(head.head).toMatchObject({ latest: 1, withdrawn: { reason: '标准调整，另行公示' } });
    // Absence is proven, then said as such.
    expect(await codeOf(verifyRecord(client(), { genesis }, 'realestate', 'one-window-rules', 3))).toBe(
      'RECORD_NOT_FOUND',
    );
    expect(await codeOf(verifyRecordHead(client(), { genesis }, 'market', 'one-window-rules'))).toBe(
      'RECORD_NOT_FOUND',
    );
  });

  it('refuses a tampered value, proof, leaf or checkpoint, another record’s proof, another genesis', async () => {
    const key = recordKeys.version('realestate', 'one-window-rules', 1);
    const fetched = await getState(client(), 'records', key, { proof: true });
    const copy = (): StateView => JSON.parse(JSON.stringify(fetched)) as StateView;
    const value = fetched.value as { title: string; body: string };
    expect(verifyRecordProof({ genesis }, fetched.value, fetched).record.title).toBe(POLICY.title);
    const refused = (v: JsonValue | null, r: StateView, p = { genesis }) =>
      codeOfCall(() => verifyRecordProof(p, v, r));

    // One character of the value.
    expect(refused({ ...value, title: changeAt(value.title, 3) }, fetched)).toBe('PROOF_INVALID');
    expect(refused({ ...value, body: `${value.body} ` }, fetched)).toBe('PROOF_INVALID');
    // Another version's value with this proof.
    const v2 = await getState(client(), 'records', recordKeys.version('realestate', 'one-window-rules', 2), {
      proof: true,
    });
    expect(refused(v2.value, fetched)).toBe('PROOF_INVALID');
    // One hex digit of a sibling, of the leaf's value hash.
    const siblings = (fetched.proof as StateProofJson).siblings;
    expect(siblings.length).toBeGreaterThan(2);
    const bySibling = copy();
    (bySibling.proof as { siblings: string[] }).siblings[1] = flipHex(siblings[1]!, 7);
    expect(refused(fetched.value, bySibling)).toBe('PROOF_INVALID');
    const byLeaf = copy();
    const leaf = (byLeaf.proof as { leaf: { valueHash: string } }).leaf;
    leaf.valueHash = flipHex(leaf.valueHash, 0);
    expect(refused(fetched.value, byLeaf)).toBe('PROOF_INVALID');
    // The checkpoint: a signature, the state root, the height.
    const bySig = copy();
    const att = (bySig.checkpoint as { attestations: { sig: string }[] }).attestations[0]!;
    att.sig = flipHex(att.sig, 5);
    expect(refused(fetched.value, bySig)).toBe('CHECKPOINT_INVALID');
    const byRoot = copy();
    const header = (byRoot.checkpoint as { header: { stateRoot: string } }).header;
    header.stateRoot = flipHex(header.stateRoot, 9);
    expect(refused(fetched.value, byRoot)).toBe('CHECKPOINT_INVALID');
    expect(refused(fetched.value, { ...copy(), height: fetched.height - 1 })).toBe('PROOF_INVALID');
    // A malformed proof, or none.
    const { proof: _p, ...noProof } = copy();
    expect(refused(fetched.value, noProof as StateView)).toBe('PROOF_MALFORMED');
    // Another genesis: the same consortium with a different node key is not the one this verifier trusts.
    const otherGenesis = JSON.parse(JSON.stringify(genesis)) as Genesis;
    const node0 = (otherGenesis.orgs[0] as { nodes: { publicKey: string }[] }).nodes[0]!;
    node0.publicKey = bytesToHex(t.stranger.publicKey);
    expect(refused(fetched.value, fetched, { genesis: otherGenesis })).toBe('CHECKPOINT_INVALID');

    // Any one character of title or body changed, any one hex digit of any sibling changed: refused.
    fc.assert(
      fc.property(
        fc.constantFrom('title', 'body'),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (field, i, by) => {
          const text = value[field as 'title' | 'body'];
          const changed = { ...value, [field]: changeAt(text, i % text.length, by) };
          expect(codeOfCall(() => verifyRecordProof({ genesis }, changed, fetched))).toBe('PROOF_INVALID');
        },
      ),
      { numRuns: 100, seed: 20_260_105 },
    );
    fc.assert(
      fc.property(fc.nat(siblings.length - 1), fc.nat(63), (s, i) => {
        const r = copy();
        (r.proof as { siblings: string[] }).siblings[s] = flipHex(siblings[s]!, i);
        expect(() => verifyRecordProof({ genesis }, fetched.value, r)).toThrow(
          expect.objectContaining({ code: 'PROOF_INVALID' }),
        );
      }),
      { numRuns: 100, seed: 20_260_106 },
    );
  });

  it('a node that answers for another version than asked is refused', async () => {
    const liar = createClient({
      transport: httpTransport('http://node.test', {
        fetch: injectFetch(t, (u) => {
          u.pathname = u.pathname.replace(/\/v\/2$/, '/v/1');
        }),
      }),
    });
    expect(await codeOf(verifyRecord(liar, { genesis }, 'realestate', 'one-window-rules', 2))).toBe('PROOF_INVALID');
    // The same with the key rewritten to match: the value then names version 1, not the key.
    const fetched = await getState(client(), 'records', recordKeys.version('realestate', 'one-window-rules', 1), {
      proof: true,
    });
    const relabelled = { ...fetched, key: recordKeys.version('realestate', 'one-window-rules', 2) };
    expect(codeOfCall(() => verifyRecordProof({ genesis }, fetched.value, relabelled))).toBe('PROOF_INVALID');
  });
});

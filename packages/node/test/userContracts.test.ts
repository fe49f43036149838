/**
 * User contracts end to end on a node: deployed only through governance, called by transactions under the
 * configuration's policies, failures and fuel in receipts, read-only calls between contracts, range over own keys,
 * upgrade with a migration (all or nothing), and a replay from genesis that reproduces every block.
 */
import type { JsonObject, JsonValue, KeyPair, SignedTransaction } from '@lianzheng/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestNode, signedTx, submitForReceipt, type TestNode, txIdOf } from './nodeHarness.js';

let t: TestNode;
beforeAll(async () => {
  t = await openTestNode();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const MINUTE = 60_000;
/** A state value at the latest durable height, or null. */
function stateOf(contract: string, key: string): JsonValue | null {
  try {
    return t.node.chain.state(contract, key).value;
  } catch (error) {
    if ((error as { code?: string }).code === 'STATE_KEY_NOT_FOUND') return null;
    throw error;
  }
}
const staff = (id: string): KeyPair => t.staff[id] as KeyPair;

function call(key: KeyPair, contract: string, method: string, args: JsonObject): SignedTransaction {
  return signedTx(t, { key, contract, method, args, expiresAt: t.node.clock.now() + 10 * MINUTE });
}

const submit = (signed: SignedTransaction) => submitForReceipt(t, signed);

/** Proposes `actions` as the market admin and has two more organisations approve: MAJORITY of five. */
async function enact(actions: JsonValue[]): Promise<JsonObject> {
  const proposal = call(staff('market-admin'), 'gov', 'propose', { actions });
  const proposed = await submit(proposal);
  expect(proposed.status, JSON.stringify(proposed)).toBe('ok');
  const id = txIdOf(t, proposal);
  await submit(call(staff('realestate-admin'), 'gov', 'vote', { proposal: id, approve: true }));
  const last = await submit(call(staff('police-admin'), 'gov', 'vote', { proposal: id, approve: true }));
  expect(last.status, JSON.stringify(last)).toBe('ok');
  return last.result as JsonObject;
}

const REGISTRY_V1 = `
module.exports.register = (args, ctx) => {
  if (typeof args.name !== 'string' || args.name.length === 0) {
    throw Object.assign(new Error('a company name is required'), { code: 'NAME_REQUIRED' });
  }
  const key = 'company/' + args.name;
  if (lz.get(key) !== null) throw Object.assign(new Error('name already registered'), { code: 'NAME_TAKEN' });
  lz.put(key, { name: args.name, by: ctx.caller.org, at: ctx.height });
  lz.emit('registered', { name: args.name });
  return { registered: args.name };
};
module.exports.taken = (args) => lz.get('company/' + args.name) !== null;
module.exports.list = () => lz.range('company/', { limit: 10 }).map((e) => e.key);
module.exports.spin = () => { for (;;) {} };
`;

const REGISTRY_V2 = `${REGISTRY_V1}
module.exports.migrate = (args) => {
  for (const e of lz.range('company/', { limit: 1000 })) lz.put(e.key, { ...e.value, schema: 2 });
  lz.put('meta/schema', { from: args.from, to: args.to });
};
module.exports.version = () => 2;
`;

const CHECKER = `
module.exports.canRegister = (args) => !lz.call('registry', 'taken', { name: args.name });
module.exports.sneakyWrite = () => lz.call('registry', 'register', { name: 'sneaky' });
`;

describe('user contracts on a node', () => {
  it('a deployment is only a governance proposal: calling before it is enacted is CONTRACT_UNKNOWN', async () => {
    const r = await submit(call(staff('market-caseworker'), 'registry', 'register', { name: 'A' }));
    expect(r).toMatchObject({ status: 'failed', code: 'CONTRACT_UNKNOWN' });
    const direct = await submit(
      call(staff('market-admin'), 'gov', 'propose', {
        actions: [{ type: 'deployContract', name: 'broken', version: 1, language: 'javascript', source: 'export x' }],
      }),
    );
    expect(direct).toMatchObject({ status: 'failed', code: 'CONTRACT_INVALID' });
  });

  it('deploys through governance with source, code hash and methods on chain, then runs under its policy', async () => {
    const result = await enact([
      { type: 'deployContract', name: 'registry', version: 1, language: 'javascript', source: REGISTRY_V1 },
      { type: 'deployContract', name: 'checker', version: 1, language: 'javascript', source: CHECKER },
      { type: 'setPolicy', key: 'registry.*', policy: { all: [{ org: 'market' }, { role: 'caseworker' }] } },
      { type: 'setPolicy', key: 'checker.*', policy: 'anyone' },
    ]);
    expect(result.status).toBe('approved');
    const record = stateOf('gov', 'contract/registry') as JsonObject;
    expect(record).toMatchObject({ name: 'registry', version: 1, methods: ['list', 'register', 'spin', 'taken'] });
    expect(record.codeHash).toBe(Buffer.from(t.suite.hash(Buffer.from(REGISTRY_V1))).toString('hex'));
    expect(stateOf('gov', 'source/registry/1')).toBe(REGISTRY_V1);

    const ok = await submit(call(staff('market-caseworker'), 'registry', 'register', { name: 'Acme' }));
    expect(ok).toMatchObject({ status: 'ok', result: { registered: 'Acme' } });
    expect(ok.events).toEqual([{ contract: 'registry', name: 'registered', data: { name: 'Acme' } }]);
    expect((ok as { fuel?: number }).fuel).toBeGreaterThan(0);

    const denied = await submit(call(staff('police-caseworker'), 'registry', 'register', { name: 'B' }));
    expect(denied).toMatchObject({ status: 'failed', code: 'POLICY_DENIED' });
  });

  it('contract failures are coded receipts with fuel, and state is unchanged', async () => {
    const taken = await submit(call(staff('market-caseworker'), 'registry', 'register', { name: 'Acme' }));
    expect(taken).toMatchObject({
      status: 'failed',
      code: 'CONTRACT_FAILED',
      message: '[NAME_TAKEN] name already registered',
    });
    expect((taken as { fuel?: number }).fuel).toBeGreaterThan(0);
    const spin = await submit(call(staff('market-caseworker'), 'registry', 'spin', {}));
    expect(spin).toMatchObject({ status: 'failed', code: 'CONTRACT_OUT_OF_FUEL', fuel: 1_000_000_000 });
    const unknown = await submit(call(staff('market-caseworker'), 'registry', 'nope', {}));
    expect(unknown).toMatchObject({ status: 'failed', code: 'METHOD_UNKNOWN' });
  });

  it('read-only calls between contracts, and range over own keys', async () => {
    await submit(call(staff('market-caseworker'), 'registry', 'register', { name: 'Beta' }));
    const free = await submit(call(staff('health-caseworker'), 'checker', 'canRegister', { name: 'Gamma' }));
    expect(free).toMatchObject({ status: 'ok', result: true });
    const used = await submit(call(staff('health-caseworker'), 'checker', 'canRegister', { name: 'Acme' }));
    expect(used).toMatchObject({ status: 'ok', result: false });
    const sneaky = await submit(call(staff('health-caseworker'), 'checker', 'sneakyWrite', {}));
    expect(sneaky).toMatchObject({ status: 'failed', code: 'CONTRACT_FAILED' });
    expect(sneaky.message).toContain('CONTRACT_READ_ONLY');
    const list = await submit(call(staff('market-caseworker'), 'registry', 'list', {}));
    expect(list).toMatchObject({ status: 'ok', result: ['company/Acme', 'company/Beta'] });
  });

  it('an upgrade runs the new version migrate; a failing migration leaves nothing of the proposal', async () => {
    const failing = `${REGISTRY_V2}\nmodule.exports.migrate = () => { lz.put('meta/half', 1); throw new Error('no'); };`;
    const failed = await enact([
      { type: 'deployContract', name: 'registry', version: 2, language: 'javascript', source: failing },
    ]);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'GOV_MIGRATION_FAILED' } });
    expect(stateOf('gov', 'contract/registry')).toMatchObject({ version: 1 });
    expect(stateOf('registry', 'meta/half')).toBeNull();

    const upgraded = await enact([
      { type: 'deployContract', name: 'registry', version: 2, language: 'javascript', source: REGISTRY_V2 },
    ]);
    expect(upgraded.status).toBe('approved');
    expect(stateOf('registry', 'meta/schema')).toEqual({ from: 1, to: 2 });
    expect(stateOf('registry', 'company/Acme')).toMatchObject({ schema: 2 });
    const v = await submit(call(staff('market-caseworker'), 'registry', 'version', {}));
    expect(v).toMatchObject({ status: 'ok', result: 2 });
  });

  it('replaying the chain from genesis on a fresh executor and sandbox reproduces every block', async () => {
    // The built modules: worker threads load chainWorker.js, which only exists in dist.
    const { verifyChain } = await import('../dist/chainVerifier.js');
    const { workerConfigFromGenesis } = await import('../dist/chainWorker.js');
    const { WorkerPool } = await import('../dist/workerPool.js');
    const to = t.node.store.height();
    const pool = new WorkerPool({ threads: 1 }, workerConfigFromGenesis(t.genesis, 1));
    try {
      const report = await verifyChain(
        { from: 0, to, signatures: true, replay: true, storeChecks: true, window: 4 },
        { store: t.node.store as never, suite: t.suite, genesis: t.genesis, pool },
      );
      expect(report).toMatchObject({ blocks: to + 1, replayed: true });
    } finally {
      await pool.close();
    }
    expect(t.fatal).toEqual([]);
  });
});

/**
 * The `records` system contract (信息公开) through the block executor: a department's publisher publishes a record,
 * revises it (every version stays under its own key), withdraws it; every refusal — wrong role, citizen, another
 * department, withdrawn, unknown, oversize, malformed arguments — with its code; and a property test: arguments
 * generated at random are either accepted or refused with ARGS_INVALID naming a field, never anything uncoded.
 */
import {
  isLianzhengError,
  type JsonObject,
  type JsonValue,
  RECORD_LIMITS,
  type RecordHead,
  type RecordVersion,
  recordKeys,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordsContract } from '../src/contracts/records.js';
import {
  createConsortium,
  deriveKey,
  expectFailed,
  expectOk,
  type Key,
  resultOf,
  TestChain,
  txIdOf,
} from './fixtures.js';

const c = createConsortium();
const { market, housing } = c.orgs;
const suite = c.suite;

const notice: JsonObject = {
  id: 'business-start-2026',
  category: 'notice',
  title: '关于优化企业开办服务的通知',
  summary: '企业开办全程网办，一个工作日内办结。',
  body: '各有关单位：\n\n为进一步优化营商环境，现就企业开办有关事项通知如下……',
  tags: ['营商环境', '企业开办'],
  attachments: [{ name: '办事指南.pdf', alg: 'sha256', hash: 'ab'.repeat(32), size: 102_400 }],
  effective: '2026-03-01',
};

const publish = (signer: Key, args: JsonObject) => c.tx(signer, 'records', 'publish', args);
const withdraw = (signer: Key, id: string, reason = '已被新文件替代') =>
  c.tx(signer, 'records', 'withdraw', { id, reason });

/** The coded error `parseArgs` throws (its code and field), or 'ok'. */
function parseOutcome(method: 'publish' | 'withdraw', args: JsonObject): { code: string; field?: unknown } {
  try {
    recordsContract.methods[method]!.parseArgs(args);
    return { code: 'ok' };
  } catch (error) {
    if (!isLianzhengError(error)) throw error;
    return { code: error.code, field: error.details?.field };
  }
}

describe('records contract', () => {
  it('a publisher publishes version 1: the head and the version, an event, the key in the result', () => {
    const chain = new TestChain(c);
    const signed = publish(market.publisher, notice);
    const receipt = expectOk(chain.run(signed));
    expect(receipt.result).toEqual({
      org: 'market',
      id: 'business-start-2026',
      version: 1,
      key: 'market/business-start-2026/v/1',
    });
    expect(receipt.events).toEqual([
      {
        contract: 'records',
        name: 'recordPublished',
        data: { org: 'market', id: 'business-start-2026', version: 1, category: 'notice', title: notice.title },
      },
    ]);
    const stamp = { height: chain.height, time: chain.head.header.time, txId: txIdOf(suite, signed) };
    expect(chain.read('records', recordKeys.head('market', 'business-start-2026'))).toEqual({
      org: 'market',
      id: 'business-start-2026',
      category: 'notice',
      title: notice.title,
      latest: 1,
      created: stamp,
      updated: stamp,
    });
    expect(chain.read('records', recordKeys.version('market', 'business-start-2026', 1))).toEqual({
      org: 'market',
      id: 'business-start-2026',
      version: 1,
      category: 'notice',
      title: notice.title,
      summary: notice.summary,
      body: notice.body,
      tags: notice.tags,
      attachments: notice.attachments,
      effective: '2026-03-01',
      publisher: market.publisher.hex,
      ...stamp,
    });
    // Optional fields absent: empty lists, no summary, no date.
    expectOk(chain.run(publish(market.publisher, { id: 'bare', category: 'report', title: 't', body: 'b' })));
    expect(chain.read('records', recordKeys.version('market', 'bare', 1))).toMatchObject({
      tags: [],
      attachments: [],
    });
    expect(Object.keys(chain.read('records', recordKeys.version('market', 'bare', 1)) as object)).not.toContain(
      'summary',
    );
  });

  it('publishing the same id again adds a version; earlier versions stay as they were', () => {
    const chain = new TestChain(c);
    const first = publish(market.publisher, notice);
    expectOk(chain.run(first));
    const created = { height: chain.height, time: chain.head.header.time, txId: txIdOf(suite, first) };
    const v1 = chain.read('records', recordKeys.version('market', notice.id as string, 1));
    const revised = {
      ...notice,
      title: '关于优化企业开办服务的通知（修订）',
      body: '修订后的正文',
      tags: ['营商环境'],
    };
    const second = publish(market.publisher, revised);
    const r = expectOk(chain.run(second));
    expect(resultOf(r)).toMatchObject({ version: 2, key: `market/${notice.id}/v/2` });
    expect(chain.read('records', recordKeys.version('market', notice.id as string, 1))).toEqual(v1);
    expect(chain.read('records', recordKeys.version('market', notice.id as string, 2))).toMatchObject({
      version: 2,
      title: revised.title,
      body: '修订后的正文',
      tags: ['营商环境'],
    });
    const head = chain.read('records', recordKeys.head('market', notice.id as string)) as unknown as RecordHead;
    expect(head).toMatchObject({ latest: 2, title: revised.title, created });
    expect(head.updated).toEqual({ height: chain.height, time: chain.head.header.time, txId: txIdOf(suite, second) });
    // Another department's record of the same id is its own record.
    expect(resultOf(expectOk(chain.run(publish(housing.publisher, notice))))).toMatchObject({
      org: 'housing',
      version: 1,
    });
  });

  it('withdraw marks the record 废止 at a height; its versions stay; no new version, no second withdrawal', () => {
    const chain = new TestChain(c);
    expectOk(chain.run(publish(market.publisher, notice)));
    const signed = withdraw(market.publisher, notice.id as string);
    const r = expectOk(chain.run(signed));
    expect(r.events).toEqual([
      {
        contract: 'records',
        name: 'recordWithdrawn',
        data: { org: 'market', id: notice.id as string, version: 1 },
      },
    ]);
    const head = chain.read('records', recordKeys.head('market', notice.id as string)) as unknown as RecordHead;
    expect(head.withdrawn).toEqual({
      height: chain.height,
      time: chain.head.header.time,
      txId: txIdOf(suite, signed),
      reason: '已被新文件替代',
      by: market.publisher.hex,
    });
    expect(head.latest).toBe(1);
    expect(
      (chain.read('records', recordKeys.version('market', notice.id as string, 1)) as unknown as RecordVersion).body,
    ).toBe(notice.body);
    expectFailed(chain.run(publish(market.publisher, notice)), 'RECORD_WITHDRAWN');
    expectFailed(chain.run(withdraw(market.publisher, notice.id as string)), 'RECORD_WITHDRAWN');
    expectFailed(chain.run(withdraw(market.publisher, 'no-such-record')), 'RECORD_NOT_FOUND');
    // Another department cannot withdraw it: the id names a record of the signer's own organisation.
    expectFailed(chain.run(withdraw(housing.publisher, 'business-start-2026')), 'RECORD_NOT_FOUND');
  });

  it('only publishers: other roles, citizens and unknown keys are refused, at admission and at execution', () => {
    const chain = new TestChain(c);
    const citizenKey = deriveKey(suite, 'records/citizen');
    expectOk(
      chain.run(
        c.tx(
          market.registrar,
          'identity',
          'registerSubject',
          { publicKey: citizenKey.hex, kind: 'citizen' },
          { cosigners: [citizenKey] },
        ),
      ),
    );
    for (const who of [market.admin, market.caseworker, market.registrar, market.seal, citizenKey]) {
      expect(chain.admitCode(publish(who, notice))).toBe('POLICY_DENIED');
      expectFailed(chain.run(publish(who, notice)), 'POLICY_DENIED');
    }
    expect(chain.admitCode(publish(c.stranger, notice))).toBe('IDENTITY_UNKNOWN');
    expectOk(chain.run(publish(market.publisher, notice)));
    for (const who of [market.admin, housing.admin, citizenKey]) {
      expectFailed(chain.run(withdraw(who, notice.id as string)), 'POLICY_DENIED');
    }
    expect(chain.read('records', recordKeys.head('market', notice.id as string))).not.toHaveProperty('withdrawn');
  });

  it('supersedes names an existing other record', () => {
    const chain = new TestChain(c);
    expectOk(chain.run(publish(housing.publisher, { ...notice, id: 'old-rules' })));
    expectOk(chain.run(publish(market.publisher, { ...notice, supersedes: 'housing/old-rules' })));
    expect(chain.read('records', recordKeys.version('market', notice.id as string, 1))).toMatchObject({
      supersedes: 'housing/old-rules',
    });
    expectFailed(chain.run(publish(market.publisher, { ...notice, supersedes: 'market/nothing' })), 'RECORD_NOT_FOUND');
    expectFailed(
      chain.run(publish(market.publisher, { ...notice, supersedes: `market/${notice.id as string}` })),
      'RECORD_NOT_FOUND',
    );
  });

  it('refuses malformed and oversize arguments with ARGS_INVALID naming the field', () => {
    const chain = new TestChain(c);
    const cjk = (n: number) => '政'.repeat(n);
    const maxBody = `${cjk(10_922)}ab`; // 3 × 10,922 + 2 = 32,768 bytes
    expect(parseOutcome('publish', { ...notice, body: maxBody }).code).toBe('ok');
    expect(parseOutcome('publish', { ...notice, title: cjk(200), summary: cjk(1000) }).code).toBe('ok');
    const cases: [JsonObject, string][] = [
      [{ id: 'Bad_Id' }, 'args.id'],
      [{ id: '-leading-dash' }, 'args.id'],
      [{ id: 'a'.repeat(65) }, 'args.id'],
      [{ id: 'market/x' }, 'args.id'],
      [{ category: 'law' }, 'args.category'],
      [{ category: 'toString' }, 'args.category'],
      [{ title: '' }, 'args.title'],
      [{ title: cjk(201) }, 'args.title'],
      [{ title: 'two\nlines' }, 'args.title'],
      [{ summary: cjk(1001) }, 'args.summary'],
      [{ summary: '' }, 'args.summary'],
      [{ body: '' }, 'args.body'],
      [{ body: `${cjk(10_922)}abc` }, 'args.body'],
      [{ body: 42 }, 'args.body'],
      [{ tags: 'tag' }, 'args.tags'],
      [{ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'args.tags'],
      [{ tags: ['x'.repeat(33)] }, 'args.tags[0]'],
      [{ tags: ['ok', ''] }, 'args.tags[1]'],
      [{ tags: ['a', 'a'] }, 'args.tags[1]'],
      [{ attachments: {} }, 'args.attachments'],
      [{ attachments: Array.from({ length: 21 }, () => notice.attachments![0] as JsonValue) }, 'args.attachments'],
      [{ attachments: [{ name: 'a.pdf', alg: 'md5', hash: 'ab'.repeat(32) }] }, 'args.attachments[0].alg'],
      [{ attachments: [{ name: 'a.pdf', alg: 'sm3', hash: 'AB'.repeat(32) }] }, 'args.attachments[0].hash'],
      [{ attachments: [{ name: '', alg: 'sm3', hash: 'ab'.repeat(32) }] }, 'args.attachments[0].name'],
      [{ attachments: [{ name: 'a', alg: 'sm3', hash: 'ab'.repeat(32), size: -1 }] }, 'args.attachments[0].size'],
      [{ attachments: [{ name: 'a', alg: 'sm3', hash: 'ab'.repeat(32), url: 'x' }] }, 'args.attachments[0].url'],
      [{ effective: '2026-02-30' }, 'args.effective'],
      [{ effective: '2026-3-1' }, 'args.effective'],
      [{ supersedes: 'nothing' }, 'args.supersedes'],
      [{ author: '张三' }, 'args.author'],
    ];
    for (const [change, field] of cases) {
      const args = { ...notice, ...change };
      expect([change, parseOutcome('publish', args)]).toEqual([change, { code: 'ARGS_INVALID', field }]);
    }
    // At admission (nothing is ordered) and, were it ordered, at execution (a failed receipt, nothing written).
    const oversize = publish(market.publisher, { ...notice, body: `${cjk(10_922)}abc` });
    expect(chain.admitCode(oversize)).toBe('ARGS_INVALID');
    expectFailed(chain.run(oversize), 'ARGS_INVALID');
    expect(chain.read('records', recordKeys.head('market', notice.id as string))).toBeNull();
    expect(parseOutcome('withdraw', { id: 'x', reason: 'r'.repeat(RECORD_LIMITS.reason + 1) })).toEqual({
      code: 'ARGS_INVALID',
      field: 'args.reason',
    });
    expect(parseOutcome('withdraw', { id: 'x' })).toEqual({ code: 'ARGS_INVALID', field: 'args.reason' });
    expect(parseOutcome('withdraw', { id: 'x', reason: 'r', extra: 1 })).toEqual({
      code: 'ARGS_INVALID',
      field: 'args.extra',
    });
  });

  it('property: random arguments are accepted or refused with ARGS_INVALID and a field, never uncoded', () => {
    const fieldOf = (f: unknown) => typeof f === 'string' && f.startsWith('args.');
    const anyValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
    // Whole objects of anything.
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 8 }), (args) => {
        for (const method of ['publish', 'withdraw'] as const) {
          const o = parseOutcome(method, args);
          if (o.code !== 'ok') expect(o.code === 'ARGS_INVALID' && fieldOf(o.field)).toBe(true);
        }
      }),
      { numRuns: 500, seed: 20_260_101 },
    );
    // A valid record with one field replaced by a value of the wrong kind, or one that breaks a limit.
    const badValue: Record<string, fc.Arbitrary<JsonValue>> = {
      id: fc.oneof(
        fc.string().filter((s) => !/^[a-z0-9][a-z0-9-]{0,63}$/.test(s)),
        anyValue.filter((v) => typeof v !== 'string'),
      ),
      category: anyValue.filter((v) => !['policy', 'decision', 'notice', 'budget', 'report'].includes(v as string)),
      title: fc.oneof(fc.constant(''), fc.string({ minLength: 201, maxLength: 260 }), fc.integer()),
      summary: fc.oneof(fc.constant(''), fc.string({ minLength: 1001, maxLength: 1100 }), fc.boolean()),
      body: fc.oneof(fc.constant(''), fc.constant('字'.repeat(11_000)), fc.constant(null), fc.array(fc.string())),
      tags: fc.oneof(
        fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 11, maxLength: 15 }),
        fc.array(fc.string({ minLength: 33, maxLength: 40 }), { minLength: 1, maxLength: 3 }),
        fc.string(),
      ),
      attachments: fc.oneof(
        fc.array(fc.record({ name: fc.string(), alg: fc.string(), hash: fc.string() }), { minLength: 1, maxLength: 3 }),
        fc.dictionary(fc.string(), fc.string()),
      ),
      effective: fc.oneof(
        fc.string().filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)),
        fc.constant('2025-13-01'),
      ),
      supersedes: fc.oneof(
        fc.string().filter((s) => !s.includes('/')),
        fc.integer(),
      ),
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(badValue)).chain((field) => fc.tuple(fc.constant(field), badValue[field]!)),
        ([field, value]) => {
          const o = parseOutcome('publish', { ...notice, [field]: value });
          expect(o.code).toBe('ARGS_INVALID');
          expect(String(o.field).startsWith(`args.${field}`)).toBe(true);
        },
      ),
      { numRuns: 1000, seed: 20_260_102 },
    );
    // And the executor turns the same refusals into coded admission errors, never a crash.
    const chain = new TestChain(c);
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 6 }), (args) => {
        const code = chain.admitCode(publish(market.publisher, { ...notice, ...args }));
        expect(['ok', 'ARGS_INVALID']).toContain(code);
      }),
      { numRuns: 200, seed: 20_260_103 },
    );
  });
});

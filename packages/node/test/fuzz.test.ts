/**
 * Property tests of the HTTP edge of a real node: whatever arrives — a valid signed transaction mutated in text or
 * in structure, arbitrary bytes or JSON, random path and query parameters — the answer is a 2xx or a 4xx with the
 * documented error envelope and a documented code, never a 5xx, and the node keeps committing afterwards.
 *
 * Each property runs every generated input and collects the distinct problems instead of stopping at the first
 * one, so a failure lists every kind of defect found (with one input for each), and the run count is always reached.
 * Seeds are fixed: every run sees the same inputs.
 */
import { createHash } from 'node:crypto';
import { httpStatusOf } from '@lianzheng/node';
import {
  bytesToHex,
  hexToBytes,
  portableSuite,
  type SignedTransaction,
  type Transaction,
  transactionId,
  verifyTransactionSignature,
} from '@lianzheng/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorEnvelopeProblem,
  JSON_HEADERS,
  KNOWN_CODES,
  openTestNode,
  postTx,
  signedTx,
  type TestNode,
  txIdOf,
  waitCommitted,
} from './nodeHarness.js';

const SEED = 0x1a2e;
const RUNS = { mutations: 800, bodies: 300, paths: 400 } as const;

let t: TestNode;
/** Ids of transactions that some fuzz input got admitted (202 or a pending batch item). */
const admitted = new Set<string>();

beforeAll(async () => {
  t = await openTestNode();
});
afterAll(async () => {
  await t?.close();
});

type Response = { statusCode: number; body: string; headers: Record<string, unknown> };

/** Distinct problems by kind, each with the first input that showed it. */
class Problems {
  private readonly seen = new Map<string, string>();
  count = 0;

  add(kind: string, input: unknown): void {
    this.count++;
    if (!this.seen.has(kind)) this.seen.set(kind, JSON.stringify(input).slice(0, 400));
  }

  list(): string[] {
    return [...this.seen].map(([kind, input]) => `${kind}\n    input: ${input}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A problem with a per-item error of a batch response (no HTTP status of its own), or null. */
function itemErrorProblem(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return 'batch item error is not an object';
  const e = error as Record<string, unknown>;
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return 'batch item error without code/message';
  if (!KNOWN_CODES.has(e.code)) return `batch item with undocumented code ${e.code}`;
  if (httpStatusOf(e.code) >= 500) return `batch item with a 5xx code ${e.code}`;
  if (Object.keys(e).some((k) => k !== 'code' && k !== 'message' && k !== 'details')) return 'batch item error keys';
  return null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Classifies a response to a submission: null when it is one of the documented answers, otherwise a short problem
 * kind (used to group identical defects). Records admitted ids.
 */
function submissionProblem(res: Response, batch: boolean): string | null {
  if (res.statusCode >= 500) {
    const code = (parseJson(res.body) as { error?: { code?: string } } | undefined)?.error?.code;
    return `HTTP ${res.statusCode} ${code ?? res.body.slice(0, 80)}`;
  }
  if (res.statusCode >= 400) {
    const problem = errorEnvelopeProblem(res.statusCode, res.body);
    if (problem !== null) return problem;
    if (res.statusCode === 429 && res.headers['retry-after'] === undefined) return '429 without Retry-After';
    return null;
  }
  const body = parseJson(res.body) as Record<string, unknown> | undefined;
  if (!batch) {
    if (res.statusCode !== 202 && res.statusCode !== 200) return `single submission answered ${res.statusCode}`;
    if (body === undefined || typeof body.id !== 'string' || !HEX64.test(body.id)) return 'success without an id';
    if (res.statusCode === 202 && body.status !== 'pending') return '202 that is not pending';
    admitted.add(body.id);
    return null;
  }
  if (res.statusCode !== 200) return `batch answered ${res.statusCode}`;
  if (body === undefined || !Array.isArray(body.results) || typeof body.accepted !== 'number')
    return 'batch body shape';
  let accepted = 0;
  for (const r of body.results as Record<string, unknown>[]) {
    if ('error' in r) {
      const problem = itemErrorProblem(r.error);
      if (problem !== null) return problem;
    } else if (typeof r.id === 'string' && HEX64.test(r.id) && r.status === 'pending') {
      accepted++;
      admitted.add(r.id);
    } else {
      return 'batch item that is neither an id nor an error';
    }
  }
  return accepted === body.accepted ? null : 'batch accepted count differs from its results';
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations of a valid signed transaction
// ---------------------------------------------------------------------------------------------------------------

const FIELD_PATHS = [
  'tx',
  'sig',
  'tx.v',
  'tx.chainId',
  'tx.nonce',
  'tx.expiresAt',
  'tx.signer',
  'tx.contract',
  'tx.method',
  'tx.args',
  'tx.args.key',
  'tx.args.value',
  'tx.args.alg',
  'tx.args.hash',
  'tx.args.title',
  'tx.args.meta',
] as const;
const OBJECT_PATHS = ['', 'tx', 'tx.args'] as const;

const interestingValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    0,
    -1,
    1.5,
    -0,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    1e21,
    '',
    'AB'.repeat(32),
    '00'.repeat(64),
    'ab'.repeat(16),
    'ab'.repeat(33),
    null,
    true,
    [],
    {},
    '\ud800',
    '\udc00x',
    '__proto__',
    'constructor',
    'sha256',
    'sm3',
    'md5',
    'kv',
    'notary',
    'sys',
    'put',
    'delete',
    'register',
    'toString',
    'test-chain',
    'other-chain',
    1_767_225_600_000,
    1_767_225_599_999,
    1_767_225_600_000 + 86_400_001,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const textChunk = fc.oneof(
  fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', '0', '9', 'a', 'f', 'F', '-', '.', 'e', ' ', '\n'),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff',
    '中',
    '😀',
    '\\u0000',
    '\\ud800',
    'null',
    'true',
    '1e999',
    '"__proto__":1,',
  ),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

type Mutation =
  | { readonly op: 'replace'; readonly at: number; readonly s: string }
  | { readonly op: 'insert'; readonly at: number; readonly s: string }
  | { readonly op: 'remove'; readonly at: number; readonly n: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly n: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'set'; readonly path: string; readonly value: unknown }
  | { readonly op: 'drop'; readonly path: string }
  | { readonly op: 'add'; readonly path: string; readonly key: string; readonly value: unknown }
  | {
      readonly op: 'retype';
      readonly path: string;
      readonly to: 'string' | 'number' | 'array' | 'object' | 'null' | 'bool';
    }
  | { readonly op: 'reorder'; readonly path: string; readonly seed: number }
  | { readonly op: 'respace'; readonly indent: number }
  | { readonly op: 'upper'; readonly path: string };

const at = fc.nat({ max: 1_000_000 });
const fieldPath = fc.constantFrom(...FIELD_PATHS);
const objectPath = fc.constantFrom(...OBJECT_PATHS);
/** Text edits mostly break the JSON; structural edits keep it parseable and reach the deeper checks more often. */
const textEdit: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at, s: textChunk }),
  fc.record({ op: fc.constant('insert' as const), at, s: textChunk }),
  fc.record({ op: fc.constant('remove' as const), at, n: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at, n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('truncate' as const), at }),
);
const structuralEdit: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), path: fieldPath, value: interestingValue }),
  fc.record({ op: fc.constant('drop' as const), path: fieldPath }),
  fc.record({
    op: fc.constant('add' as const),
    path: objectPath,
    key: fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'tx', 'sig', 'v', 'args', 'extra'),
      fc.string({ maxLength: 8 }),
    ),
    value: interestingValue,
  }),
  fc.record({
    op: fc.constant('retype' as const),
    path: fieldPath,
    to: fc.constantFrom('string', 'number', 'array', 'object', 'null', 'bool'),
  }),
  fc.record({ op: fc.constant('reorder' as const), path: objectPath, seed: fc.nat() }),
  fc.record({ op: fc.constant('respace' as const), indent: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('upper' as const), path: fieldPath }),
);
const mutation = fc.oneof({ weight: 1, arbitrary: textEdit }, { weight: 2, arbitrary: structuralEdit });

function locate(root: Record<string, unknown>, path: string): { parent: Record<string, unknown>; key: string } | null {
  const parts = path.split('.');
  let node: unknown = root;
  for (const p of parts.slice(0, -1)) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, p)) return null;
    node = (node as Record<string, unknown>)[p];
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return null;
  return { parent: node as Record<string, unknown>, key: parts[parts.length - 1]! };
}

function objectAt(root: Record<string, unknown>, path: string): Record<string, unknown> | null {
  if (path === '') return root;
  const loc = locate(root, path);
  const v = loc === null ? undefined : loc.parent[loc.key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Sets an own data property, even for the name `__proto__` (plain assignment would change the prototype). */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function retype(value: unknown, to: string): unknown {
  switch (to) {
    case 'string':
      return typeof value === 'string' ? value.length : (JSON.stringify(value) ?? '');
    case 'number':
      return typeof value === 'number' ? String(value) : typeof value === 'string' ? value.length : 1;
    case 'array':
      return [value];
    case 'object':
      return { value };
    case 'null':
      return null;
    default:
      return value === true ? 'true' : true;
  }
}

function applyMutation(text: string, m: Mutation): string {
  const len = Math.max(1, text.length);
  switch (m.op) {
    case 'replace': {
      const i = m.at % len;
      return text.slice(0, i) + m.s + text.slice(i + 1);
    }
    case 'insert': {
      const i = m.at % (text.length + 1);
      return text.slice(0, i) + m.s + text.slice(i);
    }
    case 'remove': {
      const i = m.at % len;
      return text.slice(0, i) + text.slice(i + m.n);
    }
    case 'duplicate': {
      const i = m.at % len;
      return text.slice(0, i + m.n) + text.slice(i);
    }
    case 'truncate':
      return text.slice(0, m.at % len);
    case 'respace': {
      const v = parseJson(text);
      return v === undefined ? text : JSON.stringify(v, null, m.indent);
    }
    default:
      break;
  }
  const root = parseJson(text);
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return text;
  const r = root as Record<string, unknown>;
  switch (m.op) {
    case 'set': {
      const loc = locate(r, m.path);
      if (loc !== null) defineOwn(loc.parent, loc.key, m.value);
      break;
    }
    case 'drop': {
      const loc = locate(r, m.path);
      if (loc !== null) delete loc.parent[loc.key];
      break;
    }
    case 'add': {
      const target = objectAt(r, m.path);
      if (target !== null) defineOwn(target, m.key, m.value);
      break;
    }
    case 'retype': {
      const loc = locate(r, m.path);
      if (loc !== null && Object.hasOwn(loc.parent, loc.key))
        defineOwn(loc.parent, loc.key, retype(loc.parent[loc.key], m.to));
      break;
    }
    case 'upper': {
      const loc = locate(r, m.path);
      const v = loc === null ? undefined : loc.parent[loc.key];
      if (loc !== null && typeof v === 'string') defineOwn(loc.parent, loc.key, v.toUpperCase());
      break;
    }
    case 'reorder': {
      const target = objectAt(r, m.path);
      if (target !== null) {
        const entries = Object.entries(target);
        for (const k of Object.keys(target)) delete target[k];
        let s = m.seed;
        while (entries.length > 0) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const [k, v] = entries.splice(s % entries.length, 1)[0]!;
          defineOwn(target, k, v);
        }
      }
      break;
    }
  }
  return JSON.stringify(r);
}

let documentCounter = 0;
const baseKind = fc.constantFrom('kvPut', 'kvDelete', 'notary', 'notaryMeta');

function baseTx(kind: string): SignedTransaction {
  const n = ++documentCounter;
  switch (kind) {
    case 'kvDelete':
      return signedTx(t, { method: 'delete', args: { key: `fz-${n}` } });
    case 'notary':
      return signedTx(t, {
        contract: 'notary',
        method: 'register',
        args: { alg: 'sha256', hash: createHash('sha256').update(`fuzz ${n}`).digest('hex') },
      });
    case 'notaryMeta':
      return signedTx(t, {
        key: t.members.police!,
        contract: 'notary',
        method: 'register',
        args: { alg: 'sm3', hash: createHash('sha256').update(`fuzz ${n}`).digest('hex'), title: '存证', meta: { n } },
      });
    default:
      return signedTx(t, { args: { key: `fz-${n}`, value: { n, s: '值' } } });
  }
}

/**
 * Signs the mutated body again (with the member key its signer names, else market's), so that mutations also reach
 * the checks behind the signature: contract, method, arguments, validity window, execution. Leaves text that is
 * not a JSON object with an object `tx`, or that cannot be canonicalised, as it is.
 */
function resign(text: string): string {
  const v = parseJson(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return text;
  const tx = (v as Record<string, unknown>).tx;
  if (typeof tx !== 'object' || tx === null || Array.isArray(tx)) return text;
  const signer = (tx as { signer?: unknown }).signer;
  const key = Object.values(t.members).find((k) => bytesToHex(k.publicKey) === signer) ?? t.members.market!;
  try {
    defineOwnSig(
      v as Record<string, unknown>,
      bytesToHex(t.suite.sign(key.secretKey, transactionId(t.suite, tx as Transaction))),
    );
  } catch {
    return text;
  }
  return JSON.stringify(v);
}

function defineOwnSig(v: Record<string, unknown>, sig: string): void {
  Object.defineProperty(v, 'sig', { value: sig, enumerable: true, writable: true, configurable: true });
}

describe('fuzz: mutated signed transactions', () => {
  it(`${RUNS.mutations} mutations of valid transactions get 2xx or a documented 4xx, never a 5xx`, async () => {
    const problems = new Problems();
    const codes = new Set<string>();
    let accepted = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(
        baseKind,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('single', 'single', 'single', 'batch', 'wait'),
        fc.boolean(),
        async (kind, mutations, mode, signAgain) => {
          let text = JSON.stringify(baseTx(kind));
          for (const m of mutations) text = applyMutation(text, m);
          if (signAgain) text = resign(text);
          const batch = mode === 'batch';
          const res = batch
            ? await t.app.inject({
                method: 'POST',
                url: '/v1/transactions/batch',
                headers: JSON_HEADERS,
                payload: `[${text}]`,
              })
            : await postTx(t, text, mode === 'wait' ? '?wait=true&timeoutMs=5000' : '');
          const problem = submissionProblem(res, batch);
          if (problem !== null) problems.add(problem, { kind, mutations, mode, signAgain, text });
          const code = (parseJson(res.body) as { error?: { code?: unknown } } | undefined)?.error?.code;
          if (typeof code === 'string') codes.add(code);
          if (res.statusCode < 300) accepted++;
          else rejected++;
        },
      ),
      { seed: SEED, numRuns: RUNS.mutations },
    );
    expect(problems.list()).toEqual([]);
    // Both outcomes must occur, or the mutations are not exercising the edge.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(RUNS.mutations / 2);
    // Re-signed mutations must get past the signature to the contract checks, not stop at the parser.
    for (const code of ['JSON_MALFORMED', 'TX_MALFORMED', 'TX_SIGNATURE_INVALID', 'ARGS_INVALID']) {
      expect(codes, `some mutation was answered ${code}`).toContain(code);
    }
    expect(t.fatal).toEqual([]);
  });

  it('every admitted mutation commits, and what committed is a correctly signed transaction', async () => {
    expect(admitted.size).toBeGreaterThan(0);
    const portable = portableSuite(t.genesis.suite);
    for (const id of admitted) {
      const status = await waitCommitted(t, id);
      const signed = status.tx;
      const txId = transactionId(portable, signed.tx as Transaction);
      expect(bytesToHex(txId)).toBe(id);
      expect(verifyTransactionSignature(portable, txId, signed)).toBe(true);
      // Whatever got through admission either ran or failed with a documented contract error, never a crash.
      if (status.receipt.status === 'failed') {
        expect(KNOWN_CODES.has(status.receipt.code ?? '')).toBe(true);
        expect(status.receipt.code).not.toBe('CONTRACT_INTERNAL_ERROR');
      }
      expect(hexToBytes(signed.sig, 'sig', 64).length).toBe(64);
    }
  });

  it('the node stays healthy and keeps committing after the fuzzing', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json().status).toBe('ok');
    let height = t.node.ledger.durableHeight;
    for (let i = 0; i < 3; i++) {
      const signed = signedTx(t, { args: { key: `after-fuzz-${i}`, value: i } });
      const res = await postTx(t, signed, '?wait=true');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: txIdOf(t, signed), status: 'committed', receipt: { status: 'ok' } });
      expect(res.json().height).toBeGreaterThan(height);
      height = res.json().height;
    }
    expect(t.fatal).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Arbitrary bodies
// ---------------------------------------------------------------------------------------------------------------

const jsonSoup = fc.string({
  unit: fc.constantFrom(
    '{',
    '}',
    '[',
    ']',
    '"',
    ':',
    ',',
    '\\',
    'u',
    '0',
    '1',
    'e',
    '-',
    '.',
    ' ',
    't',
    'x',
    's',
    'i',
    'g',
  ),
  maxLength: 200,
});

const body: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v)),
  fc.object({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 500 }),
  jsonSoup,
  fc
    .record({ tx: fc.jsonValue({ maxDepth: 3 }), sig: fc.oneof(fc.string(), fc.constant('00'.repeat(64))) })
    .map((v) => JSON.stringify(v)),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 20 }).map((v) => JSON.stringify(v)),
);

const contentType = fc.constantFrom<string | undefined>(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  undefined,
);

const endpoint = fc.constantFrom(
  '/v1/transactions',
  '/v1/transactions/batch',
  '/v1/transactions?wait=true&timeoutMs=50',
);

describe('fuzz: arbitrary bodies', () => {
  it(`${RUNS.bodies} arbitrary byte strings and JSON values as bodies never get a 5xx`, async () => {
    const problems = new Problems();
    const heightBefore = t.node.ledger.durableHeight;
    await fc.assert(
      fc.asyncProperty(endpoint, contentType, body, async (url, type, payload) => {
        const res = await t.app.inject({
          method: 'POST',
          url,
          ...(type === undefined ? {} : { headers: { 'content-type': type } }),
          payload,
        });
        const problem = submissionProblem(res, url.endsWith('/batch'));
        if (problem !== null) problems.add(problem, { url, type, payload: payload.toString() });
      }),
      { seed: SEED + 1, numRuns: RUNS.bodies },
    );
    expect(problems.list()).toEqual([]);
    const res = await postTx(t, signedTx(t), '?wait=true');
    expect(res.statusCode).toBe(200);
    expect(res.json().height).toBeGreaterThan(heightBefore);
    expect(t.fatal).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Random path and query parameters
// ---------------------------------------------------------------------------------------------------------------

describe('fuzz: path and query parameters', () => {
  it(`${RUNS.paths} random path and query parameters get 2xx or a documented 4xx`, async () => {
    // Some real ids and heights, so that the generated requests also reach the success paths.
    const real: string[] = [];
    for (let i = 0; i < 3; i++) {
      const signed = signedTx(t, { args: { key: `path-${i}`, value: i } });
      expect((await postTx(t, signed, '?wait=true')).statusCode).toBe(200);
      real.push(txIdOf(t, signed));
    }

    const numeral = fc.oneof(
      fc.integer({ min: 0, max: 30 }).map(String),
      fc.integer().map(String),
      fc.bigInt().map(String),
      fc.constantFrom('-0', '00', '+1', '0x1', '1e3', '1.0', '1.5', ' 1', '1 ', '', ' ', 'latest', 'Infinity', 'NaN'),
      fc.constantFrom('-1', '9007199254740993', '1e400', 'true', 'null', '[]', '{}'),
    );
    /** Known trouble for routers and coercing validators: long segments, bad percent-encoding, negative zero. */
    const dictionary = fc.constantFrom(
      '-0',
      '-00',
      '-0.0',
      '-0e0',
      '1'.repeat(101),
      'a'.repeat(150),
      '%',
      '%zz',
      '%E0%A4%A',
      '%00',
      '..',
    );
    const hexish = fc.oneof(
      fc.constantFrom(...real),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxz'), maxLength: 70 }),
    );
    const urlSoup = fc.string({
      unit: fc.constantFrom('%', '2', 'f', 'F', 'z', '0', '.', '/', 'a', '~', '+'),
      maxLength: 8,
    });
    const raw = fc.oneof(numeral, hexish, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
    /** A path or query segment: usually percent-encoded, sometimes sent as is. */
    const segment = fc.oneof(
      { weight: 4, arbitrary: raw.map((s) => encodeURIComponent(s.isWellFormed() ? s : s.toWellFormed())) },
      { weight: 1, arbitrary: fc.oneof(numeral, urlSoup, dictionary) },
      { weight: 1, arbitrary: fc.constantFrom('sha256', 'sm3', 'kv', 'notary', 'sys', 'config', 'market') },
    );
    const queryValue = fc.oneof(segment, numeral, dictionary);
    const query = fc
      .record(
        {
          height: queryValue,
          proof: fc.oneof(fc.constantFrom('true', 'false'), queryValue),
          full: fc.oneof(fc.constantFrom('true', 'false'), queryValue),
          x: queryValue,
        },
        { requiredKeys: [] },
      )
      .map((q) => {
        const entries = Object.entries(q);
        return entries.length === 0 ? '' : `?${entries.map(([k, v]) => `${k}=${v}`).join('&')}`;
      });
    const url = fc.oneof(
      fc.tuple(segment, query).map(([h, q]) => `/v1/blocks/${h}${q}`),
      fc.tuple(segment, query).map(([h, q]) => `/v1/checkpoints/${h}${q}`),
      fc.tuple(segment, query).map(([id, q]) => `/v1/transactions/${id}${q}`),
      fc.tuple(segment, query).map(([id, q]) => `/v1/transactions/${id}/proof${q}`),
      fc.tuple(segment, segment, query).map(([c, k, q]) => `/v1/state/${c}/${k}${q}`),
      fc.tuple(segment, segment, segment, query).map(([c, k1, k2, q]) => `/v1/state/${c}/${k1}/${k2}${q}`),
      fc.tuple(segment, segment, query).map(([a, h, q]) => `/v1/notary/${a}/${h}/certificate${q}`),
    );

    const problems = new Problems();
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(url, async (u) => {
        let res: Response;
        try {
          res = await t.app.inject({ method: 'GET', url: u });
        } catch {
          return; // the test client refused to build this request; nothing reached the node
        }
        if (res.statusCode >= 200 && res.statusCode < 300) {
          ok++;
          if (typeof parseJson(res.body) !== 'object') problems.add(`${res.statusCode} without a JSON object`, u);
          return;
        }
        if (res.statusCode >= 500) {
          const code = (parseJson(res.body) as { error?: { code?: string } } | undefined)?.error?.code;
          problems.add(`HTTP ${res.statusCode} ${code ?? ''}`, u);
          return;
        }
        const problem = errorEnvelopeProblem(res.statusCode, res.body);
        if (problem !== null) problems.add(problem, u);
      }),
      { seed: SEED + 2, numRuns: RUNS.paths },
    );
    expect(problems.list()).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect(t.fatal).toEqual([]);
  });
});

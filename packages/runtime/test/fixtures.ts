/**
 * A small in-memory consortium for executor tests: three organisations, each with a self-signed CA root and member
 * certificates issued by it, a genesis v2 document, and a chain harness that runs `executeGenesis` and then blocks
 * through a `BlockExecutor` over an in-memory page store, value store and transaction index (what the node keeps on
 * disk). Everything is deterministic: keys derive from labels, nonces from a counter, times from `T0`.
 */
import {
  addCosignature,
  assertGenesis,
  bytesToHex,
  type Certificate,
  type CryptoSuite,
  cosignaturesDigest,
  createTransaction,
  defaultConfigParameters,
  defaultPolicies,
  type Genesis,
  hexToBytes,
  isLianzhengError,
  issueCertificate,
  type JsonObject,
  type JsonValue,
  type OrgConfig,
  type Principal,
  parseCertificate,
  portableSuite,
  type Receipt,
  type SignedTransaction,
  type SuiteId,
  signTransaction,
  transactionCanonical,
  transactionIdFromCanonical,
  utf8Length,
  utf8ToBytes,
  verifyCosignatures,
  verifyTransactionSignature,
} from '@lianzheng/protocol';
import { expect } from 'vitest';
import {
  BlockExecutor,
  type CandidateTx,
  defaultBlockExecutorOptions,
  type ExecutedBlock,
  executeGenesis,
  type PreviousBlock,
} from '../src/blockExecutor.js';
import { EMPTY_SLOT, StateTree } from '../src/stateTree.js';

/** 2026-01-01T00:00:00Z: the genesis time. Nothing here reads the wall clock. */
export const T0 = 1_767_225_600_000;
export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const CHAIN_ID = 'executor-test';

export interface Key {
  readonly label: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Public key, lower-case hex (what transactions and key records carry). */
  readonly hex: string;
}

/** A key derived from a label (the same label gives the same key in every run). */
export function deriveKey(suite: CryptoSuite, label: string): Key {
  const secretKey = suite.hash(utf8ToBytes(`lianzheng executor test key/${label}`)).slice(0, 32);
  const publicKey = suite.publicKeyFromSecret(secretKey);
  return { label, secretKey, publicKey, hex: bytesToHex(publicKey) };
}

function serialOf(suite: CryptoSuite, label: string): Uint8Array {
  const serial = suite.hash(utf8ToBytes(`serial/${label}`)).slice(0, 8);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

export function toBase64(der: Uint8Array): string {
  let s = '';
  for (const b of der) s += String.fromCharCode(b);
  return btoa(s);
}

export interface TestCa {
  readonly org: string;
  readonly key: Key;
  readonly der: Uint8Array;
  readonly b64: string;
  readonly cert: Certificate;
}

export interface Validity {
  readonly notBefore?: number;
  readonly notAfter?: number;
}

/** A self-signed CA root for `org` (subject O = org). */
export function createCa(suite: CryptoSuite, org: string, label = 'ca', v: Validity = {}): TestCa {
  const key = deriveKey(suite, `${org}/${label}`);
  const name = { country: 'CN', org, commonName: `${org}-${label}` };
  const der = issueCertificate({
    suite,
    issuerSecretKey: key.secretKey,
    issuer: name,
    subject: name,
    publicKey: key.publicKey,
    serial: serialOf(suite, `${org}/${label}`),
    notBefore: v.notBefore ?? T0 - 30 * DAY,
    notAfter: v.notAfter ?? T0 + 10 * 365 * DAY,
    ca: {},
  });
  return { org, key, der, b64: toBase64(der), cert: parseCertificate(der) };
}

export interface TestMember extends Key {
  readonly org: string;
  readonly member: string;
  readonly roles: readonly string[];
  readonly der: Uint8Array;
  /** The certificate, base64 DER (the `identity.enrol` argument and the genesis `members` entry). */
  readonly cert: string;
}

export interface IssueMemberParameters extends Validity {
  readonly member: string;
  readonly roles: readonly string[];
  readonly attrs?: Readonly<Record<string, string>>;
  /** Default: a key derived from `<org>/<member>`. */
  readonly key?: Key;
  /** Distinguishes several certificates of one member (renewals). */
  readonly serialLabel?: string;
  /** Subject O; default the CA's organisation. */
  readonly org?: string;
  readonly kind?: 'member' | 'node';
}

/** A member certificate issued by `ca`. */
export function issueMember(suite: CryptoSuite, ca: TestCa, p: IssueMemberParameters): TestMember {
  const org = p.org ?? ca.org;
  const key = p.key ?? deriveKey(suite, `${org}/${p.member}`);
  const der = issueCertificate({
    suite,
    issuerSecretKey: ca.key.secretKey,
    issuer: ca.cert,
    subject: { country: 'CN', org, commonName: p.member },
    publicKey: key.publicKey,
    serial: serialOf(suite, `${org}/${p.member}/${p.serialLabel ?? ''}`),
    notBefore: p.notBefore ?? T0 - DAY,
    notAfter: p.notAfter ?? T0 + 365 * DAY,
    member: { kind: p.kind ?? 'member', roles: p.roles, attrs: p.attrs ?? {} },
  });
  return { ...key, org, member: p.member, roles: p.roles, der, cert: toBase64(der) };
}

export const ORG_IDS = ['market', 'housing', 'civil'] as const;
export type OrgId = (typeof ORG_IDS)[number];

export interface TestOrg {
  readonly id: string;
  readonly ca: TestCa;
  readonly config: OrgConfig;
  readonly admin: TestMember;
  readonly caseworker: TestMember;
  readonly registrar: TestMember;
  readonly secadmin: TestMember;
  readonly auditor: TestMember;
  /** The department's seal (role `issuer`): signs and anchors its e-licences. */
  readonly seal: TestMember;
  /** Publishes the department's public records (role `publisher`). */
  readonly publisher: TestMember;
}

const STAFF = [
  ['admin', ['admin']],
  ['caseworker', ['caseworker']],
  ['registrar', ['registrar']],
  ['secadmin', ['secadmin']],
  ['auditor', ['auditor']],
  ['seal', ['issuer']],
  ['publisher', ['publisher']],
] as const;

/** An organisation with its CA and one member per role (not yet part of any genesis). */
export function createOrg(suite: CryptoSuite, id: string, nodes: OrgConfig['nodes'] = []): TestOrg {
  const ca = createCa(suite, id);
  const staff = Object.fromEntries(
    STAFF.map(([name, roles]) => [name, issueMember(suite, ca, { member: `${id}-${name}`, roles })]),
  ) as Record<(typeof STAFF)[number][0], TestMember>;
  const config: OrgConfig = { id, name: `${id} bureau`, ca: [ca.b64], nodes, weight: 1 };
  return { id, ca, config, ...staff };
}

export interface TestConsortium {
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly orgs: Readonly<Record<OrgId, TestOrg>>;
  /** The one ordering/attesting node (solo ordering), run by `market`. */
  readonly nodeKey: Key;
  /** A key no identity record knows. */
  readonly stranger: Key;
  /** A `market` caseworker in genesis whose certificate expires one hour after genesis. */
  readonly shortLived: TestMember;
  /** Builds and signs a transaction; nonces come from a counter, so ids are unique and reproducible. */
  tx(signer: Key, contract: string, method: string, args: JsonObject, opts?: TxOptions): SignedTransaction;
}

export interface TxOptions {
  readonly expiresAt?: number;
  readonly chainId?: string;
  /** Keys that co-sign the transaction id. */
  readonly cosigners?: readonly Key[];
  /** Sign with this key instead of the signer's (a forged signature). */
  readonly signWith?: Key;
}

export interface ConsortiumOptions {
  readonly suite?: SuiteId;
  readonly governance?: Genesis['governance'];
}

export function createConsortium(opts: ConsortiumOptions = {}): TestConsortium {
  const suite = portableSuite(opts.suite ?? 'ed25519-sha256');
  const nodeKey = deriveKey(suite, 'market/node-1');
  const orgs = {
    market: createOrg(suite, 'market', [{ id: 'market-node-1', publicKey: nodeKey.hex }]),
    housing: createOrg(suite, 'housing'),
    civil: createOrg(suite, 'civil'),
  };
  const shortLived = issueMember(suite, orgs.market.ca, {
    member: 'market-temp',
    roles: ['caseworker'],
    notAfter: T0 + HOUR,
  });
  const members = [...ORG_IDS.flatMap((o) => STAFF.map(([name]) => orgs[o][name].cert)), shortLived.cert];
  const genesis = assertGenesis({
    v: 2,
    time: T0,
    members,
    chainId: CHAIN_ID,
    suite: suite.id,
    orgs: ORG_IDS.map((o) => orgs[o].config),
    roles: defaultConfigParameters.roles,
    policies: defaultPolicies,
    governance: opts.governance ?? defaultConfigParameters.governance,
    ordering: defaultConfigParameters.ordering,
    limits: defaultConfigParameters.limits,
    checkpoint: defaultConfigParameters.checkpoint,
  });
  let nonce = 0;
  const tx = (signer: Key, contract: string, method: string, args: JsonObject, o: TxOptions = {}) => {
    const n = new Uint8Array(16);
    n[0] = 0x7e;
    new DataView(n.buffer).setUint32(12, ++nonce);
    const body = createTransaction({
      chainId: o.chainId ?? CHAIN_ID,
      signer: signer.publicKey,
      contract,
      method,
      args,
      // Valid for blocks up to 12 h after genesis; maxTxTtlMs (24 h) allows it from genesis on.
      expiresAt: o.expiresAt ?? T0 + 12 * HOUR,
      nonce: n,
    });
    let signed = signTransaction(suite, body, (o.signWith ?? signer).secretKey);
    for (const c of o.cosigners ?? []) signed = addCosignature(suite, signed, c.secretKey);
    return signed;
  };
  return { suite, genesis, orgs, nodeKey, stranger: deriveKey(suite, 'stranger'), shortLived, tx };
}

/** What admission does before `BlockExecutor.admit`: signatures, id, canonical form. */
export function candidateOf(suite: CryptoSuite, signed: SignedTransaction): CandidateTx {
  const canonical = transactionCanonical(signed.tx);
  const id = transactionIdFromCanonical(suite, canonical);
  if (!verifyTransactionSignature(suite, id, signed)) throw new Error('test transaction signature does not verify');
  const base = { id, idHex: bytesToHex(id), sig: hexToBytes(signed.sig), tx: signed.tx, canonical };
  if (signed.cosigs === undefined) return base;
  if (!verifyCosignatures(suite, id, signed.cosigs)) throw new Error('test co-signature does not verify');
  return { ...base, cosigs: signed.cosigs, cosigsDigest: cosignaturesDigest(suite, signed.cosigs) };
}

export function txIdOf(suite: CryptoSuite, signed: SignedTransaction): string {
  return bytesToHex(transactionIdFromCanonical(suite, transactionCanonical(signed.tx)));
}

export interface TestChainOptions {
  /** Build a new executor for every block (cold caches, reset from the stored root), as a restarted node would. */
  readonly freshExecutorPerBlock?: boolean;
}

/**
 * A chain over in-memory stores: genesis at construction, then `block([...])` executes and (when a transaction was
 * included, as the node does) commits a block.
 */
export class TestChain {
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly tree: StateTree;
  readonly pages = new Map<string, Uint8Array>();
  readonly values = new Map<string, string>();
  /** Committed transaction id → height of its block. */
  readonly ids = new Map<string, number>();
  readonly blocks: ExecutedBlock[] = [];
  readonly internalErrors: unknown[] = [];
  head: PreviousBlock;
  private exec: BlockExecutor;
  private readonly opts: TestChainOptions;

  constructor(c: Pick<TestConsortium, 'suite' | 'genesis'>, opts: TestChainOptions = {}) {
    this.suite = c.suite;
    this.genesis = c.genesis;
    this.opts = opts;
    this.tree = new StateTree(
      { cachePages: 1000 },
      { hash: c.suite, pages: { getPage: (k) => this.pages.get(bytesToHex(k)) } },
    );
    const block0 = executeGenesis({ suite: this.suite, tree: this.tree }, this.genesis, EMPTY_SLOT);
    this.store(block0);
    this.head = { header: block0.header, hashHex: block0.hashHex, root: block0.root };
    this.exec = this.newExecutor();
  }

  /**
   * A new executor over this chain's stores, pointed at the head (a restarted node). With `below`, its transaction
   * index holds only blocks under that height (a verifier re-executing block `below()`).
   */
  newExecutor(below?: () => number): BlockExecutor {
    const executor = new BlockExecutor(defaultBlockExecutorOptions, {
      suite: this.suite,
      tree: this.tree,
      values: { getValue: (h, keyPath) => this.values.get(`${h}:${bytesToHex(keyPath)}`) },
      txIndex: {
        has: (id) => (this.ids.get(id) ?? Number.POSITIVE_INFINITY) < (below?.() ?? Number.POSITIVE_INFINITY),
      },
      genesis: this.genesis,
      onInternalError: (error) => this.internalErrors.push(error),
    });
    executor.reset(this.head.root, this.head.header.height);
    return executor;
  }

  get executor(): BlockExecutor {
    return this.exec;
  }

  get height(): number {
    return this.head.header.height;
  }

  /** Default admission time and block time step: one second after the head. */
  get now(): number {
    return this.head.header.time + SECOND;
  }

  private store(block: ExecutedBlock): void {
    const h = block.header.height;
    for (const v of block.newValues) this.values.set(`${h}:${bytesToHex(v.keyPath)}`, v.text);
    for (const p of block.newPages) this.pages.set(bytesToHex(p.key), p.bytes);
    for (const t of block.txs) this.ids.set(t.idHex, h);
    this.blocks.push(block);
  }

  /** Executes the next block at `time` (default one second after the head) and commits it when it has transactions. */
  block(txs: readonly SignedTransaction[], time = this.now): ExecutedBlock {
    if (this.opts.freshExecutorPerBlock) this.exec = this.newExecutor();
    const proposal = { height: this.height + 1, time, txs: txs.map((t) => candidateOf(this.suite, t)) };
    const block = this.exec.execute(this.head, proposal);
    if (block.txs.length > 0) {
      this.store(block);
      this.head = { header: block.header, hashHex: block.hashHex, root: block.root };
    }
    return block;
  }

  /**
   * etcd ordering (PROTOCOL.md §18.3): executes a batch as the next block, committed even when every transaction is
   * dropped; `proposer` is the key that signed the batch.
   */
  batch(txs: readonly SignedTransaction[], opts: { rev: number; proposer?: string; time?: number }): ExecutedBlock {
    const proposal = {
      height: this.height + 1,
      time: opts.time ?? this.now,
      txs: txs.map((t) => candidateOf(this.suite, t)),
      rev: opts.rev,
      ...(opts.proposer === undefined ? {} : { proposer: opts.proposer }),
    };
    const block = this.exec.execute(this.head, proposal);
    this.store(block);
    this.head = { header: block.header, hashHex: block.hashHex, root: block.root };
    return block;
  }

  /** Executes one transaction in a block of its own and returns its receipt. */
  run(tx: SignedTransaction, time?: number): Receipt {
    const block = this.block([tx], time);
    expect(block.dropped).toEqual([]);
    return block.receipts[0]!;
  }

  admit(signed: SignedTransaction, now = this.now): Principal {
    const canonical = transactionCanonical(signed.tx);
    return this.exec.admit({
      tx: signed.tx,
      cosigners: signed.cosigs?.map((c) => c.signer) ?? [],
      size: utf8Length(canonical),
      now,
    });
  }

  /** The code admission refuses with, or 'ok'. */
  admitCode(signed: SignedTransaction, now?: number): string {
    return codeOf(() => this.admit(signed, now));
  }

  read(contract: string, key: string): JsonValue | null {
    return this.exec.state.readOther(contract, key);
  }
}

/** The code of the coded error `f` throws, 'ok' when it returns; anything else is re-thrown. */
export function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
}

export function expectOk(receipt: Receipt | undefined): Receipt {
  expect(receipt, 'receipt').toBeDefined();
  expect({ status: receipt!.status, code: receipt!.code, message: receipt!.message }).toEqual({
    status: 'ok',
    code: undefined,
    message: undefined,
  });
  return receipt!;
}

export function expectFailed(receipt: Receipt | undefined, code: string): Receipt {
  expect(receipt, 'receipt').toBeDefined();
  expect({ status: receipt!.status, code: receipt!.code }).toEqual({ status: 'failed', code });
  expect(receipt!.events).toEqual([]);
  return receipt!;
}

/**
 * Expects `signed` refused at admission with `code`, and dropped with the same code when executed in a block of its
 * own: no receipt, nothing committed, so its id stays free.
 */
export function expectDropped(chain: TestChain, signed: SignedTransaction, code: string): void {
  expect(chain.admitCode(signed)).toBe(code);
  const height = chain.height;
  const block = chain.block([signed]);
  expect({ txs: block.txs, receipts: block.receipts, dropped: block.dropped.map((d) => d.code) }).toEqual({
    txs: [],
    receipts: [],
    dropped: [code],
  });
  expect(chain.height).toBe(height);
  expect(chain.ids.has(txIdOf(chain.suite, signed))).toBe(false);
}

/** `result` of an ok receipt as an object. */
export function resultOf(receipt: Receipt): Record<string, JsonValue> {
  expectOk(receipt);
  return receipt.result as Record<string, JsonValue>;
}

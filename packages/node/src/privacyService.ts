/**
 * The node side of personal data (docs/privacy.md, PROTOCOL.md §19): keeps the records this node may hold in its
 * encrypted private-data store in step with the chain, and releases content only for reads the ledger recorded.
 *
 * - Registration: the client sends the signed `privacy.register` transaction with the value and its salt; the node
 *   checks the commitment, stages the encrypted record, submits the transaction and makes the record final once its
 *   block is durable. A crash in between leaves a staged entry that is made final (the transaction committed) or
 *   destroyed (it expired) on the next start: never a record without its commitment, never a commitment of ours without
 *   its record.
 * - Reads: the reader signs a `privacy.read` transaction; the contract decides and records the read; the node waits
 *   until that block is durable and releases the content only when the recorded decision is `allowed`.
 * - Sharing: when a record's block names this node's organisation (owner or reader) and the node does not hold it, it
 *   fetches it from its peers (privateTransfer.ts) and keeps it only if it matches the commitment.
 * - Erasure: when a block erases a record, every node that holds it destroys it (crypto-shredding) once the block is
 *   durable; a node that was down does it at its next start.
 */
import {
  type AccessEntry,
  bytesToHex,
  COMMITMENT_PATTERN,
  canonicalize,
  commitPersonal,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  MAX_PERSONAL_VALUE_BYTES,
  PRIVACY_CONTRACT,
  type PrivateRecord,
  parseJsonStrict,
  privacyKeys,
  SALT_PATTERN,
  type Transaction,
  transactionId,
  utf8Length,
} from '@lianzheng/protocol';
import type { Logger } from 'pino';
import { nodeError } from './errors.js';
import type { DurableBlock } from './ledger.js';
import type { LianzhengNode, SubmitResult } from './lianzhengNode.js';
import type { PrivatePlain, PrivateStore } from './privateStore.js';
import {
  ephemeralKey,
  openDataKey,
  requestHash,
  responseDigest,
  type SignedTransferRequest,
  type SignedTransferResponse,
  sealDataKey,
  TRANSFER_WINDOW_MS,
  type TransferRequest,
  type TransferResponse,
  transferKey,
  verifyNodeSignature,
} from './privateTransfer.js';

/** How long the register and read routes wait for the transaction's block, ms. */
const WAIT_MS = 30_000;
/** A released read may be fetched again (GET /v1/privacy/reads/{tx}) this long after its block, ms. */
export const READ_RELEASE_WINDOW_MS = 10 * 60_000;
const FETCH_ATTEMPTS = 5;

export interface RegisterBody {
  readonly tx: JsonObject;
  readonly value: JsonValue;
  readonly salt: string;
}

export interface ReleasedRead {
  readonly tx: string;
  readonly height: number;
  readonly entry: AccessEntry;
  readonly value: JsonValue;
  readonly salt: string;
}

export interface StoreReport {
  readonly masterVersion: number;
  /** Records held, staged (registration not yet committed). */
  readonly records: number;
  readonly pending: number;
  /** Active records this node should hold (its organisation owns or reads them) but does not. */
  readonly missing: readonly string[];
  /** Files with no active record on chain (should be none: they are destroyed at start and on erasure). */
  readonly orphans: readonly string[];
  /** Files whose content does not match the commitment (or does not decrypt). */
  readonly mismatched: readonly string[];
}

export class PrivacyService {
  private readonly node: LianzhengNode;
  readonly store: PrivateStore;
  private readonly log: Logger;
  /** Serialises the store operations of one record (commit, erase, import). */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly fetching = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(node: LianzhengNode, store: PrivateStore) {
    this.node = node;
    this.store = store;
    this.log = node.log.child({ component: 'privacy' });
  }

  /** Subscribes to durable blocks and reconciles the store with the chain (in the background). */
  start(): void {
    this.unsubscribe = this.node.ledger.onBlock((b) => this.onBlock(b));
    void this.reconcile().catch((error) => this.log.error({ err: error }, 'private-data reconciliation failed'));
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.store.close();
  }

  private withLock<T>(id: string, f: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(f, f);
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }

  record(id: string): PrivateRecord | null {
    try {
      return this.node.chain.state(PRIVACY_CONTRACT, privacyKeys.record(id)).value as unknown as PrivateRecord;
    } catch (error) {
      if (error instanceof LianzhengError && error.code === 'STATE_KEY_NOT_FOUND') return null;
      throw error;
    }
  }

  /** Every organisation's records when this node is the only one (solo), else those its organisation owns or reads. */
  mayHold(record: Pick<PrivateRecord, 'org' | 'policy'>): boolean {
    const org = this.node.identity.org;
    return this.node.genesis.ordering.type === 'solo' || record.org === org || record.policy.some((r) => r.org === org);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Registration
  // ------------------------------------------------------------------------------------------------------------

  async register(body: RegisterBody): Promise<{ record: string; tx: string; height: number }> {
    const tx = body.tx as {
      tx?: {
        contract?: unknown;
        method?: unknown;
        args?: Record<string, unknown>;
        expiresAt?: unknown;
        signer?: unknown;
      };
    };
    if (tx?.tx?.contract !== PRIVACY_CONTRACT || tx.tx.method !== 'register') {
      throw nodeError('PRIVACY_TX_INVALID', 'tx must be a signed privacy.register transaction', { field: 'tx' });
    }
    const args = tx.tx.args ?? {};
    const commitment = args.commitment;
    if (typeof commitment !== 'string' || !COMMITMENT_PATTERN.test(commitment)) {
      throw nodeError('PRIVACY_TX_INVALID', 'tx.tx.args.commitment must be 64 hex', { field: 'tx.tx.args.commitment' });
    }
    checkPlain(body.value, body.salt);
    if (commitPersonal(this.node.suite, body.value, body.salt) !== commitment) {
      throw nodeError('PRIVACY_COMMITMENT_MISMATCH', 'value and salt do not hash to the commitment in the transaction');
    }
    const policy = Array.isArray(args.policy) ? (args.policy as PrivateRecord['policy']) : [];
    const org = typeof args.org === 'string' ? args.org : this.orgOfSigner(tx.tx.signer);
    if (!this.mayHold({ org, policy })) {
      throw nodeError(
        'PRIVATE_RECORD_WRONG_NODE',
        `this node (${this.node.identity.org}) may not hold the record: send it to a node of ${org}`,
        { org },
      );
    }
    const expiresAt = Number(tx.tx.expiresAt ?? 0);
    const txId = bytesToHex(transactionId(this.node.suite, tx.tx as unknown as Transaction));
    // Staged before the transaction can possibly commit, so that a crash never leaves a commitment of ours without
    // its record; whatever happens to the transaction, `settle` makes the staged entry final or destroys it.
    await this.withLock(commitment, async () => {
      if (!this.store.has(commitment)) {
        await this.store.stage(commitment, { value: body.value, salt: body.salt }, { tx: txId, expiresAt });
      }
    });
    let result: SubmitResult | undefined;
    try {
      [result] = await this.node.submit(JSON.stringify(body.tx), false);
    } catch (error) {
      await this.settle(commitment);
      throw error;
    }
    if (result === undefined) throw nodeError('INTERNAL', 'admission returned no result');
    if (!result.ok) {
      await this.settle(commitment);
      throw new LianzhengError(result.error.code, result.error.message, {
        ...(result.error.details === undefined ? {} : { details: result.error.details }),
      });
    }
    const outcome = await this.node.waitFor(result.id, WAIT_MS);
    if (outcome === null) {
      throw nodeError('PRIVACY_PENDING', 'the registration is admitted but not yet on the ledger; ask again shortly', {
        tx: result.id,
      });
    }
    await this.settle(commitment);
    if (outcome.status === 'dropped') {
      throw new LianzhengError(outcome.code, outcome.message, { details: { tx: result.id } });
    }
    if (outcome.receipt.status !== 'ok') {
      throw new LianzhengError(outcome.receipt.code ?? 'INTERNAL', outcome.receipt.message ?? 'failed', {
        details: { tx: result.id, height: outcome.height },
      });
    }
    await this.commitStaged(commitment);
    return { record: commitment, tx: result.id, height: outcome.height };
  }

  private orgOfSigner(signer: unknown): string {
    try {
      return typeof signer === 'string' ? (this.node.resolveIdentity(signer).org ?? '') : '';
    } catch {
      return '';
    }
  }

  private commitStaged(id: string): Promise<void> {
    return this.withLock(id, async () => {
      if (!this.store.has(id)) await this.store.commit(id);
    });
  }

  /**
   * A staged entry whose registration is decided: final when the chain holds the record active (the content is the
   * same whichever transaction registered it: it matches the commitment), else destroyed.
   */
  private settle(id: string): Promise<void> {
    return this.withLock(id, async () => {
      if (!(await this.store.isPending(id))) return;
      const record = this.record(id);
      if (record !== null && record.status === 'active') {
        if (!this.store.has(id)) await this.store.commit(id);
        else await this.store.discardPending(id);
      } else await this.store.discardPending(id);
    });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Reads
  // ------------------------------------------------------------------------------------------------------------

  /**
   * Submits a signed `privacy.read` of `reader` (the signed-in key), waits until it is on the ledger and releases the
   * content if the recorded decision allows it; a denial is thrown with the recorded code (the entry in details).
   */
  async read(text: string, reader: string): Promise<ReleasedRead> {
    let parsed: { tx?: { contract?: unknown; method?: unknown; signer?: unknown } };
    try {
      parsed = parseJsonStrict(text) as typeof parsed;
    } catch (error) {
      throw error instanceof LianzhengError ? error : nodeError('REQUEST_MALFORMED', 'the body is not JSON');
    }
    if (parsed?.tx?.contract !== PRIVACY_CONTRACT || parsed.tx.method !== 'read') {
      throw nodeError('PRIVACY_TX_INVALID', 'the body must be a signed privacy.read transaction');
    }
    if (parsed.tx.signer !== reader) {
      throw nodeError('PRIVACY_SIGNER_MISMATCH', 'sign the read with the key you signed in with');
    }
    const [result] = await this.node.submit(text, false);
    if (result === undefined) throw nodeError('INTERNAL', 'admission returned no result');
    if (!result.ok) {
      throw new LianzhengError(result.error.code, result.error.message, {
        ...(result.error.details === undefined ? {} : { details: result.error.details }),
      });
    }
    const outcome = await this.node.waitFor(result.id, WAIT_MS);
    if (outcome === null) {
      throw nodeError(
        'PRIVACY_PENDING',
        'the read is admitted but not yet on the ledger; fetch it with GET /v1/privacy/reads/{tx}',
        {
          tx: result.id,
        },
      );
    }
    if (outcome.status === 'dropped')
      throw new LianzhengError(outcome.code, outcome.message, { details: { tx: result.id } });
    return this.release(result.id, outcome.height, outcome.receipt);
  }

  /** The content of a read already on the ledger, for its signer, within {@link READ_RELEASE_WINDOW_MS}. */
  async released(txId: string, reader: string): Promise<ReleasedRead> {
    const status = this.node.chain.txStatus(txId);
    if (status.status !== 'committed') {
      throw nodeError('PRIVACY_PENDING', 'the read is not on the ledger yet', { tx: txId, status: status.status });
    }
    const body = status.tx.tx;
    if (body.contract !== PRIVACY_CONTRACT || body.method !== 'read') {
      throw nodeError('PRIVACY_TX_INVALID', 'this transaction is not a privacy.read');
    }
    if (body.signer !== reader) throw nodeError('PRIVACY_SIGNER_MISMATCH', 'this read was signed by another key');
    if (this.node.clock.now() - status.time > READ_RELEASE_WINDOW_MS) {
      throw nodeError('PRIVACY_READ_EXPIRED', 'this read is too old to release its content again: sign a new read');
    }
    return this.release(txId, status.height, status.receipt);
  }

  private async release(
    txId: string,
    height: number,
    receipt: { status: string; code?: string; message?: string; result?: JsonValue },
  ): Promise<ReleasedRead> {
    if (receipt.status !== 'ok') {
      throw new LianzhengError(receipt.code ?? 'INTERNAL', receipt.message ?? 'failed', {
        details: { tx: txId, height },
      });
    }
    const entry = receipt.result as unknown as AccessEntry;
    if (entry.decision !== 'allowed') {
      throw new LianzhengError(entry.code ?? 'PRIVACY_POLICY_DENIED', deniedMessage(entry.code), {
        details: { tx: txId, height, entry },
      });
    }
    const current = this.record(entry.record);
    if (current === null || current.status === 'erased') {
      throw new LianzhengError('PRIVATE_RECORD_ERASED', deniedMessage('PRIVATE_RECORD_ERASED'), {
        details: { tx: txId },
      });
    }
    let plain = await this.store.read(entry.record);
    if (plain === undefined) {
      await this.fetch(current);
      plain = await this.store.read(entry.record);
    }
    if (plain === undefined) {
      throw nodeError(
        'PRIVATE_RECORD_UNAVAILABLE',
        'the read is allowed and recorded, but no reachable node holds the record',
        {
          tx: txId,
          record: entry.record,
        },
      );
    }
    if (commitPersonal(this.node.suite, plain.value, plain.salt) !== entry.record) {
      throw nodeError('PRIVATE_STORE_CORRUPT', 'the stored record does not match its commitment', {
        record: entry.record,
      });
    }
    return { tx: txId, height, entry, value: plain.value, salt: plain.salt };
  }

  // ------------------------------------------------------------------------------------------------------------
  // The chain drives the store
  // ------------------------------------------------------------------------------------------------------------

  private onBlock(block: DurableBlock): void {
    for (const receipt of block.receipts) {
      if (receipt.status !== 'ok') continue;
      for (const e of receipt.events) {
        if (e.contract !== PRIVACY_CONTRACT) continue;
        const data = e.data as { record?: string; org?: string; readers?: string[] };
        const id = data.record;
        if (typeof id !== 'string') continue;
        if (e.name === 'recordRegistered') {
          void this.afterRegistered(id, data.org ?? '', data.readers ?? []);
        } else if (e.name === 'recordErased') {
          void this.erase(id, block.header.height);
        }
      }
    }
  }

  private async afterRegistered(id: string, org: string, readers: readonly string[]): Promise<void> {
    try {
      if (await this.store.isPending(id)) {
        await this.commitStaged(id);
        return;
      }
      const policy = readers.map((r) => ({ org: r, purposes: [] }));
      if (!this.store.has(id) && this.mayHold({ org, policy })) {
        const record = this.record(id);
        if (record !== null) await this.fetch(record);
      }
    } catch (error) {
      this.log.warn({ err: error, record: id }, 'could not take in a registered record');
    }
  }

  private async erase(id: string, height: number): Promise<void> {
    try {
      const destroyed = await this.withLock(id, () => this.store.erase(id));
      if (destroyed) {
        this.node.metrics.privateErasures.inc();
        this.log.info({ record: id, height }, 'personal record erased: its key material is destroyed');
      }
    } catch (error) {
      this.log.error({ err: error, record: id }, 'erasing a personal record failed; it is retried at the next start');
    }
  }

  /**
   * Brings the store in line with the chain: staged entries whose transaction committed become final, those whose
   * transaction can no longer commit are destroyed; records erased (or unknown) on chain are destroyed; records this
   * node should hold but does not are fetched from peers.
   */
  async reconcile(): Promise<StoreReport> {
    const now = this.node.clock.now();
    for (const p of await this.store.pending()) {
      const record = this.record(p.id);
      if (record !== null && record.tx === p.tx) {
        if (record.status === 'active') await this.commitStaged(p.id);
        else await this.withLock(p.id, () => this.store.erase(p.id));
      } else if (record !== null || p.expiresAt < now) {
        await this.withLock(p.id, () => this.store.discardPending(p.id));
      }
    }
    for (const id of this.store.ids()) {
      const record = this.record(id);
      if (record === null || record.status === 'erased') await this.erase(id, this.node.ledger.durableHeight);
    }
    const report = await this.check({ decrypt: false });
    this.node.metrics.privateRecords.set(report.records);
    this.node.metrics.privateMissing.set(report.missing.length);
    for (const id of report.missing) {
      if (this.closed) break;
      const record = this.record(id);
      if (record !== null) await this.fetch(record);
    }
    if (report.missing.length > 0 || report.records > 0) {
      this.log.info({ records: report.records, missing: report.missing.length }, 'private-data store reconciled');
    }
    return report;
  }

  /** What the store holds against what the chain says it should (and, with `decrypt`, that every record matches). */
  async check(opts: { decrypt: boolean }): Promise<StoreReport> {
    const held = new Set(this.store.ids());
    const orphans: string[] = [];
    const mismatched: string[] = [];
    for (const id of held) {
      const record = this.record(id);
      if (record === null || record.status !== 'active') {
        orphans.push(id);
        continue;
      }
      if (opts.decrypt) {
        try {
          const plain = await this.store.read(id);
          if (plain === undefined || commitPersonal(this.node.suite, plain.value, plain.salt) !== id)
            mismatched.push(id);
        } catch {
          mismatched.push(id);
        }
      }
    }
    const missing: string[] = [];
    for (const key of this.node.stateKeys(PRIVACY_CONTRACT, 'record/', { limit: 1_000_000 })) {
      const id = key.slice('record/'.length);
      if (held.has(id)) continue;
      const record = this.record(id);
      if (record !== null && record.status === 'active' && this.mayHold(record)) missing.push(id);
    }
    return {
      masterVersion: this.store.masterVersion,
      records: held.size,
      pending: (await this.store.pending()).length,
      missing,
      orphans,
      mismatched,
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Node-to-node transfer
  // ------------------------------------------------------------------------------------------------------------

  /** Asks the peers for a record until one answers with content matching the commitment. */
  async fetch(record: PrivateRecord): Promise<boolean> {
    const peers = this.node.config.peers ?? [];
    if (peers.length === 0 || this.fetching.has(record.id) || this.store.has(record.id))
      return this.store.has(record.id);
    this.fetching.add(record.id);
    try {
      for (let attempt = 0; attempt < FETCH_ATTEMPTS && !this.closed; attempt++) {
        for (const peer of peers) {
          try {
            if (await this.fetchFrom(peer, record)) return true;
          } catch (error) {
            this.log.debug({ err: error, peer, record: record.id }, 'peer did not hand over the record');
          }
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        const now = this.record(record.id);
        if (now === null || now.status !== 'active') return false;
      }
      this.log.warn({ record: record.id }, 'no peer handed over a record this node should hold');
      return false;
    } finally {
      this.fetching.delete(record.id);
    }
  }

  private async fetchFrom(peer: string, record: PrivateRecord): Promise<boolean> {
    const suite = this.node.suite;
    const eph = ephemeralKey(this.node.genesis.suite);
    const request: TransferRequest = {
      chainId: this.node.genesis.chainId,
      record: record.id,
      node: this.node.identity.node,
      org: this.node.identity.org,
      ephemeral: eph.publicKey,
      time: this.node.clock.now(),
    };
    const rHash = requestHash(suite, request);
    const signature = Buffer.from(await this.node.identity.signer.sign(Buffer.from(rHash, 'hex'))).toString('hex');
    const res = await fetch(new URL('/v1/privacy/transfer', peer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request, signature } satisfies SignedTransferRequest),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return false;
    const answer = (await res.json()) as SignedTransferResponse;
    const response = answer.response;
    if (response?.record !== record.id || response.requestHash !== rHash) return false;
    const holder = [...this.node.consortium.nodeKeys.entries()].find(([, n]) => n.node === response.node);
    if (
      holder === undefined ||
      !verifyNodeSignature(suite, responseDigest(suite, response), answer.signature, holder[0])
    ) {
      this.log.warn({ peer, record: record.id }, 'a peer answered a record transfer with a bad signature');
      return false;
    }
    const dataKey = openDataKey(
      this.node.genesis.suite,
      transferKey(this.node.genesis.suite, eph.agree(response.ephemeral), rHash),
      record.id,
      response.wrappedKey,
    );
    const plain: PrivatePlain = this.store.openContent(record.id, dataKey, response.content);
    if (commitPersonal(suite, plain.value, plain.salt) !== record.id) {
      this.log.warn({ peer, record: record.id }, 'a peer handed over a record that does not match its commitment');
      return false;
    }
    await this.withLock(record.id, async () => {
      const now = this.record(record.id);
      if (now !== null && now.status === 'active' && !this.store.has(record.id)) {
        await this.store.importRecord(record.id, dataKey, response.content);
      }
    });
    this.node.metrics.privateTransfers.inc({ direction: 'in' });
    this.log.info({ record: record.id, from: response.node }, 'personal record received from a peer');
    return this.store.has(record.id);
  }

  /** Answers a peer's signed request for a record its organisation may hold. */
  async serveTransfer(body: SignedTransferRequest): Promise<SignedTransferResponse> {
    const suite = this.node.suite;
    const request = body?.request;
    if (
      typeof request !== 'object' ||
      request === null ||
      typeof body.signature !== 'string' ||
      typeof request.record !== 'string' ||
      !COMMITMENT_PATTERN.test(request.record) ||
      typeof request.node !== 'string' ||
      typeof request.org !== 'string' ||
      typeof request.ephemeral !== 'string' ||
      typeof request.time !== 'number' ||
      request.chainId !== this.node.genesis.chainId
    ) {
      throw nodeError('PRIVACY_TRANSFER_INVALID', 'malformed transfer request');
    }
    const requester = [...this.node.consortium.nodeKeys.entries()].find(([, n]) => n.node === request.node);
    const rHash = requestHash(suite, request);
    if (
      requester === undefined ||
      requester[1].org !== request.org ||
      !verifyNodeSignature(suite, Buffer.from(rHash, 'hex'), body.signature, requester[0])
    ) {
      throw nodeError('PRIVACY_TRANSFER_INVALID', 'the request is not signed by a node of the consortium');
    }
    if (Math.abs(this.node.clock.now() - request.time) > TRANSFER_WINDOW_MS) {
      throw nodeError('PRIVACY_TRANSFER_INVALID', 'the request is too old or from the future');
    }
    const record = this.record(request.record);
    if (record === null || record.status !== 'active') {
      throw new LianzhengError(
        record === null ? 'PRIVATE_RECORD_UNKNOWN' : 'PRIVATE_RECORD_ERASED',
        'no such active record',
      );
    }
    if (record.org !== request.org && !record.policy.some((r) => r.org === request.org)) {
      this.log.warn({ record: record.id, node: request.node, org: request.org }, 'refused a record transfer');
      throw nodeError('PRIVACY_TRANSFER_DENIED', `organisation ${request.org} may not hold this record`);
    }
    const exported = await this.store.exportRecord(record.id);
    if (exported === undefined) throw nodeError('PRIVATE_RECORD_UNAVAILABLE', 'this node does not hold the record');
    const eph = ephemeralKey(this.node.genesis.suite);
    const key = transferKey(this.node.genesis.suite, eph.agree(request.ephemeral), rHash);
    const response: TransferResponse = {
      record: record.id,
      requestHash: rHash,
      node: this.node.identity.node,
      ephemeral: eph.publicKey,
      wrappedKey: sealDataKey(this.node.genesis.suite, key, record.id, exported.dataKey),
      content: exported.sealed,
    };
    const signature = await this.node.identity.signer.sign(responseDigest(suite, response));
    this.node.metrics.privateTransfers.inc({ direction: 'out' });
    this.log.info({ record: record.id, to: request.node }, 'personal record handed over to a peer');
    return { response, signature: Buffer.from(signature).toString('hex') };
  }
}

function checkPlain(value: JsonValue, salt: string): void {
  if (typeof salt !== 'string' || !SALT_PATTERN.test(salt)) {
    throw new LianzhengError('PRIVATE_RECORD_INVALID', 'salt must be hex of 16–64 random bytes', {
      details: { field: 'salt' },
    });
  }
  if (value === undefined || value === null) {
    throw new LianzhengError('PRIVATE_RECORD_INVALID', 'value is required', { details: { field: 'value' } });
  }
  if (utf8Length(canonicalize(value)) > MAX_PERSONAL_VALUE_BYTES) {
    throw nodeError('PRIVATE_VALUE_TOO_LARGE', `value must be at most ${MAX_PERSONAL_VALUE_BYTES} bytes`, {
      field: 'value',
    });
  }
}

function deniedMessage(code: string | undefined): string {
  switch (code) {
    case 'PRIVATE_RECORD_ERASED':
      return 'the record was erased; nobody can read it any more';
    case 'PRIVACY_CONSENT_REVOKED':
      return 'the consent that allowed this read was revoked';
    case 'PRIVACY_ROLE_DENIED':
      return 'your role may not read for this purpose';
    case 'PRIVACY_PURPOSE_UNKNOWN':
      return 'this purpose is not in the catalogue';
    case 'PRIVACY_PURPOSE_CATEGORY':
      return 'this purpose does not cover this kind of data';
    default:
      return 'this read is not allowed; it has been recorded';
  }
}

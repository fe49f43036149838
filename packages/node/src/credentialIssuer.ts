/**
 * The issuing side of e-licences (ADR 0015, PROTOCOL.md §20.8): when a workflow outcome entitles an applicant to a
 * credential of an organisation whose seal key this node holds, the node reads the personal claims from the
 * private-data store (a `privacy.read` for the case, signed by the seal, on the citizen's access log), signs the
 * SD-JWT VC with the seal, seals it in its outbox, anchors it (`credential.issue` for the case) and keeps it until the
 * holder's wallet collects it. Crash-safe: the credential is staged in the outbox before its anchor is submitted, and
 * a staged credential becomes collectable only once its anchor is on the ledger; a staged one whose anchor
 * transaction can no longer commit is destroyed and the credential is issued afresh.
 */
import {
  bytesToHex,
  CREDENTIAL_CONTRACT,
  type CredentialAnchor,
  type CredentialEntitlement,
  createTransaction,
  credentialKeys,
  ENTITLEMENT_PREFIX,
  entitlementKey,
  hexToBytes,
  IDENTITY_CONTRACT,
  ISSUER_ROLE,
  identityKeys,
  issueCredential,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  type MemberKeyRecord,
  PRIVACY_CONTRACT,
  randomBytes,
  type SignedTransaction,
  signTransaction,
  transactionId,
} from '@lianzheng/protocol';
import { WORKFLOW_CONTRACT } from '@lianzheng/runtime';
import type { Logger } from 'pino';
import { nodeError } from './errors.js';
import type { DurableBlock } from './ledger.js';
import type { LianzhengNode } from './lianzhengNode.js';
import type { PrivateStore } from './privateStore.js';

/** A seal key this node signs credentials with (opened from the key files `node.json` lists under `seals`). */
export interface SealKey {
  readonly id: string;
  readonly org: string;
  readonly publicKey: Uint8Array;
  exportSecretKey(): Uint8Array;
}

/** What the outbox keeps per case (sealed): the credential and what the wallet routes need to list it. */
export interface OutboxEntry {
  readonly credential: string;
  readonly id: string;
  readonly type: string;
  readonly org: string;
  readonly holder: string;
  readonly holderKey: string;
  readonly case: string;
}

/** How long an anchor transaction may wait for a block (its expiry). */
const TX_TTL_MS = 5 * 60_000;
const WAIT_MS = 60_000;
/** How often entitlements are swept for ones still to issue (retries after a failure or a lapsed anchor). */
const SWEEP_MS = 30_000;
/** Errors worth retrying: the node or a peer is busy or down, the ledger has not caught up. */
const TRANSIENT = new Set([
  'MEMPOOL_FULL',
  'RATE_LIMITED',
  'PRIVATE_RECORD_UNAVAILABLE',
  'PRIVACY_PENDING',
  'NODE_STOPPING',
  'TX_EXPIRED',
  'INTERNAL',
]);

export class CredentialIssuer {
  private readonly node: LianzhengNode;
  readonly outbox: PrivateStore;
  private readonly seals: ReadonlyMap<string, SealKey>;
  private readonly log: Logger;
  /** Cases being issued now (one attempt at a time per case). */
  private readonly busy = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Settles when every attempt started so far has finished (tests, shutdown). */
  private readonly inflight = new Set<Promise<void>>();
  /** Cases whose credential cannot be issued without a correction (code and message), until the next start. */
  readonly failures = new Map<string, { readonly code: string; readonly message: string }>();

  constructor(node: LianzhengNode, outbox: PrivateStore, seals: readonly SealKey[]) {
    this.node = node;
    this.outbox = outbox;
    this.seals = new Map(seals.map((s) => [s.org, s]));
    this.log = node.log.child({ component: 'credentials' });
  }

  /** Organisations whose seal this node holds. */
  get orgs(): string[] {
    return [...this.seals.keys()].sort();
  }

  start(): void {
    this.unsubscribe = this.node.ledger.onBlock((b) => this.onBlock(b));
    if (this.seals.size > 0) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
    this.sweep();
  }

  /** Stops taking up new work (the node closes the outbox once the ledger has stopped). */
  stop(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.timer !== null) clearInterval(this.timer);
  }

  /** Waits for the attempts under way (tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private onBlock(block: DurableBlock): void {
    for (const receipt of block.receipts) {
      if (receipt.status !== 'ok') continue;
      for (const e of receipt.events) {
        const data = e.data as { case?: unknown; org?: unknown };
        if (typeof data.case !== 'string' || typeof data.org !== 'string') continue;
        if (e.contract === WORKFLOW_CONTRACT && e.name === 'credentialEntitled' && this.seals.has(data.org)) {
          this.attempt(data.case);
        }
      }
    }
  }

  /** Every entitlement of an organisation this node seals for, not yet collected: issue or settle it. */
  sweep(): void {
    if (this.closed || this.seals.size === 0) return;
    for (const key of this.node.stateKeys(WORKFLOW_CONTRACT, ENTITLEMENT_PREFIX, { limit: 1_000_000 })) {
      this.attempt(key.slice(ENTITLEMENT_PREFIX.length));
    }
  }

  /** Whether every entitlement this node seals for is issued or has failed for good (tests, health). */
  settled(): boolean {
    if (this.inflight.size > 0) return false;
    for (const key of this.node.stateKeys(WORKFLOW_CONTRACT, ENTITLEMENT_PREFIX, { limit: 1_000_000 })) {
      const caseId = key.slice(ENTITLEMENT_PREFIX.length);
      const e = this.state<CredentialEntitlement>(WORKFLOW_CONTRACT, key);
      if (e === null || !this.seals.has(e.org) || this.failures.has(caseId)) continue;
      const issued = this.state<string>(CREDENTIAL_CONTRACT, credentialKeys.byCase(caseId));
      if (issued === null || this.outbox.isPendingSync(caseId)) return false;
    }
    return true;
  }

  private attempt(caseId: string): void {
    if (this.closed || this.busy.has(caseId) || this.failures.has(caseId)) return;
    this.busy.add(caseId);
    const p = this.settle(caseId)
      .catch((error) => {
        this.node.metrics.credentialIssueFailures.inc();
        const code = error instanceof LianzhengError ? error.code : 'INTERNAL';
        if (TRANSIENT.has(code)) {
          this.log.warn({ err: error, case: caseId }, 'issuing a credential failed; it is retried');
          return;
        }
        // A refusal (a denied read, a claim the record lacks, a seal not enrolled) does not heal by retrying, and
        // each retry would read the person's data again: it waits for an operator (a restart retries).
        this.failures.set(caseId, { code, message: error instanceof Error ? error.message : String(error) });
        this.log.error({ err: error, case: caseId }, 'cannot issue the credential this case entitles its holder to');
      })
      .finally(() => {
        this.busy.delete(caseId);
        this.inflight.delete(p);
      });
    this.inflight.add(p);
  }

  private state<T>(contract: string, key: string): T | null {
    try {
      return this.node.chain.state(contract, key).value as unknown as T;
    } catch (error) {
      if (error instanceof LianzhengError && error.code === 'STATE_KEY_NOT_FOUND') return null;
      throw error;
    }
  }

  /** Brings one case's credential one step on: issue, wait, commit to the outbox, or nothing to do. */
  private async settle(caseId: string): Promise<void> {
    const e = this.state<CredentialEntitlement>(WORKFLOW_CONTRACT, entitlementKey(caseId));
    if (e === null) return;
    const seal = this.seals.get(e.org);
    if (seal === undefined) return;
    const issued = this.state<string>(CREDENTIAL_CONTRACT, credentialKeys.byCase(caseId));
    const pending = await this.outbox.pendingEntry(caseId);
    if (issued !== null) {
      // Anchored: what is staged for it becomes collectable (unless the anchor is another credential's).
      if (pending !== undefined) {
        const anchor = this.state<CredentialAnchor>(CREDENTIAL_CONTRACT, credentialKeys.anchor(issued));
        if (anchor !== null && anchor.tx === pending.tx) {
          await this.outbox.commit(caseId);
          this.node.metrics.credentialsIssued.inc();
          this.log.info({ case: caseId, id: issued, type: e.type }, 'credential issued: waiting for its holder');
        } else {
          await this.outbox.discardPending(caseId);
        }
      }
      return;
    }
    if (pending !== undefined) {
      if (pending.expiresAt >= this.node.clock.now()) {
        const outcome = await this.node.waitFor(pending.tx, WAIT_MS);
        if (outcome?.status === 'committed' && outcome.receipt.status === 'ok') return this.settle(caseId);
        if (outcome === null) return;
      }
      // Its anchor can no longer commit: nothing refers to it.
      await this.outbox.discardPending(caseId);
    }
    await this.issue(e, seal);
  }

  private async issue(e: CredentialEntitlement, seal: SealKey): Promise<void> {
    const claims: JsonObject = { ...e.claims };
    const personal = await this.personalClaims(e, seal);
    Object.assign(claims, personal);
    const shown: JsonObject = {};
    const disclosable: JsonObject = {};
    for (const [name, value] of Object.entries(claims)) {
      (e.disclosable.includes(name) ? disclosable : shown)[name] = value;
    }
    const secretKey = seal.exportSecretKey();
    let signed: SignedTransaction;
    let entry: OutboxEntry;
    try {
      const credential = issueCredential(this.node.suite, {
        chainId: this.node.genesis.chainId,
        type: e.type,
        sealCertificate: this.sealCertificate(seal),
        sealSecretKey: secretKey,
        org: e.org,
        holderSubject: e.holder,
        holderPublicKey: hexToBytes(e.holderKey),
        validFrom: e.validFrom,
        validUntil: e.validUntil,
        issuedAt: this.node.clock.now(),
        claims: shown,
        disclosable,
      });
      signed = this.sign(seal, secretKey, CREDENTIAL_CONTRACT, 'issue', {
        id: credential.id,
        type: e.type,
        holder: e.holder,
        digest: credential.digest,
        validFrom: e.validFrom,
        validUntil: e.validUntil,
        case: e.case,
      });
      entry = {
        credential: credential.sdJwt,
        id: credential.id,
        type: e.type,
        org: e.org,
        holder: e.holder,
        holderKey: e.holderKey,
        case: e.case,
      };
    } finally {
      secretKey.fill(0);
    }
    const txId = bytesToHex(transactionId(this.node.suite, signed.tx));
    await this.outbox.stage(
      e.case,
      { salt: bytesToHex(randomBytes(16)), value: entry as unknown as JsonObject },
      { tx: txId, expiresAt: signed.tx.expiresAt },
    );
    const outcome = await this.submit(signed);
    if (outcome.receipt.status !== 'ok') {
      await this.outbox.discardPending(e.case);
      throw new LianzhengError(outcome.receipt.code ?? 'INTERNAL', outcome.receipt.message ?? 'the anchor failed', {
        details: { case: e.case },
      });
    }
    await this.settle(e.case);
  }

  /** Reads the personal records the claims name, as the seal, for the case (recorded reads). */
  private async personalClaims(e: CredentialEntitlement, seal: SealKey): Promise<JsonObject> {
    const out: JsonObject = {};
    const values = new Map<string, JsonValue>();
    for (const [name, claim] of Object.entries(e.personal)) {
      let value = values.get(claim.record);
      if (value === undefined) {
        const secretKey = seal.exportSecretKey();
        let text: string;
        try {
          text = JSON.stringify(
            this.sign(seal, secretKey, PRIVACY_CONTRACT, 'read', {
              record: claim.record,
              purpose: 'case-handling',
              case: e.case,
            }),
          );
        } finally {
          secretKey.fill(0);
        }
        value = (await this.node.privacy.read(text, bytesToHex(seal.publicKey))).value;
        values.set(claim.record, value);
      }
      if (claim.field === undefined) {
        out[name] = value;
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, claim.field)) {
        throw nodeError('CREDENTIAL_CLAIM_MISSING', `the personal record for claim ${name} has no ${claim.field}`, {
          case: e.case,
          claim: name,
        });
      }
      out[name] = value[claim.field] as JsonValue;
    }
    return out;
  }

  private sign(
    seal: SealKey,
    secretKey: Uint8Array,
    contract: string,
    method: string,
    args: JsonObject,
  ): SignedTransaction {
    const tx = createTransaction({
      chainId: this.node.genesis.chainId,
      signer: seal.publicKey,
      contract,
      method,
      args,
      expiresAt: this.node.clock.now() + TX_TTL_MS,
      nonce: randomBytes(16),
    });
    return signTransaction(this.node.suite, tx, secretKey);
  }

  private async submit(signed: SignedTransaction) {
    const [result] = await this.node.submit(JSON.stringify(signed), false);
    if (result === undefined) throw nodeError('INTERNAL', 'admission returned no result');
    if (!result.ok) {
      throw new LianzhengError(result.error.code, result.error.message, {
        ...(result.error.details === undefined ? {} : { details: result.error.details }),
      });
    }
    const outcome = await this.node.waitFor(result.id, WAIT_MS);
    if (outcome === null) throw nodeError('INTERNAL', 'the anchor is not on the ledger yet', { tx: result.id });
    if (outcome.status === 'dropped') throw new LianzhengError(outcome.code, outcome.message);
    return outcome;
  }

  /** The seal's member certificate (DER) as the identity registry holds it. */
  private sealCertificate(seal: SealKey): Uint8Array {
    const key = this.state<MemberKeyRecord>(IDENTITY_CONTRACT, identityKeys.key(bytesToHex(seal.publicKey)));
    if (key === null || key.kind !== 'member' || !key.roles.includes(ISSUER_ROLE) || key.revoked !== undefined) {
      throw nodeError('CONFIG_INVALID', `seal ${seal.id} is not an enrolled member key with role ${ISSUER_ROLE}`, {
        field: 'seals',
      });
    }
    const der = this.state<string>(IDENTITY_CONTRACT, identityKeys.cert(key.cert));
    if (der === null) throw nodeError('INTERNAL', `no certificate ${key.cert} for seal ${seal.id}`);
    return Uint8Array.from(Buffer.from(der, 'base64'));
  }

  // ------------------------------------------------------------------------------------------------------------
  // The holder's side: the wallet routes
  // ------------------------------------------------------------------------------------------------------------

  /** Credentials waiting for `subject` (anchored, not collected yet). */
  async inbox(subject: string): Promise<(CredentialAnchor & { readonly collectable: true })[]> {
    const prefix = credentialKeys.holderPrefix(subject);
    const out: (CredentialAnchor & { collectable: true })[] = [];
    for (const k of this.node.stateKeys(CREDENTIAL_CONTRACT, prefix, { limit: 10_000 })) {
      const anchor = this.state<CredentialAnchor>(CREDENTIAL_CONTRACT, credentialKeys.anchor(k.slice(prefix.length)));
      if (anchor?.case !== undefined && this.outbox.has(anchor.case)) out.push({ ...anchor, collectable: true });
    }
    return out;
  }

  /** The sealed credential `id` for its holder `subject`; CREDENTIAL_NOT_IN_OUTBOX when this node does not keep it. */
  async collect(id: string, subject: string): Promise<OutboxEntry> {
    const anchor = this.state<CredentialAnchor>(CREDENTIAL_CONTRACT, credentialKeys.anchor(id));
    if (anchor === null || anchor.holder !== subject || anchor.case === undefined) {
      throw nodeError('CREDENTIAL_NOT_IN_OUTBOX', 'no credential of yours with this id waits on this node', { id });
    }
    const plain = await this.outbox.read(anchor.case);
    const entry = plain?.value as unknown as OutboxEntry | undefined;
    if (entry === undefined || entry.id !== id) {
      throw nodeError('CREDENTIAL_NOT_IN_OUTBOX', 'no credential of yours with this id waits on this node', { id });
    }
    return entry;
  }

  /** The holder has it: the node destroys its copy. */
  async acknowledge(id: string, subject: string): Promise<void> {
    const entry = await this.collect(id, subject);
    await this.outbox.erase(entry.case);
    this.node.metrics.credentialsCollected.inc();
    this.log.info({ id, type: entry.type }, 'credential collected by its holder; the node copy is destroyed');
  }
}

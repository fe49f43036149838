/**
 * Personal-data routes (docs/privacy.md): the purpose catalogue; registering a record with its content; purpose-bound
 * reads that are released only once the read is on the ledger; a citizen's access log (数据访问记录) with a proof per
 * entry, their records and consents; the store's consistency report and master-key rotation for operators; and the
 * node-to-node record transfer. Granting and revoking consent and asking for erasure are transactions of the
 * `privacy` contract, sent to POST /v1/transactions like any other.
 */
import {
  type AccessEntry,
  type Consent,
  isLianzhengError,
  LianzhengError,
  PRIVACY_CONTRACT,
  type Principal,
  type PrivateRecord,
  privacyConfigOf,
  privacyKeys,
} from '@lianzheng/protocol';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SessionManager } from '../auth.js';
import { nodeError } from '../errors.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import type { PrivacyService } from '../privacyService.js';
import type { SignedTransferRequest } from '../privateTransfer.js';
import { type ApiInstance, jsonBody, stateValue } from './identityRoutes.js';
import { errorResponses } from './schemas.js';

const registerBody = z
  .object({
    tx: z.record(z.string(), z.unknown()),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())]),
    salt: z.string().max(128),
  })
  .strict();

const HEX64 = /^[0-9a-f]{64}$/;
const LOG_PAGE = 200;

export function registerPrivacyRoutes(
  app: ApiInstance,
  node: LianzhengNode,
  sessions: SessionManager<Principal>,
  privacy: PrivacyService,
): void {
  const tags = ['privacy'];

  const session = async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    if (header === undefined)
      throw nodeError('SESSION_REQUIRED', 'sign in first and send Authorization: Bearer <token>');
    return (await sessions.authenticate(header)).identity;
  };

  const subjectOf = async (request: FastifyRequest): Promise<{ who: Principal; subject: string }> => {
    const who = await session(request);
    if (who.subject === undefined || !node.allowsView('privacy.accessLog', who, { subject: who.subject })) {
      throw new LianzhengError('PRIVACY_NOT_SUBJECT', 'only a signed-in citizen or enterprise has an access log', {
        details: { policy: 'privacy.accessLog' },
      });
    }
    return { who, subject: who.subject };
  };

  app.get(
    '/v1/privacy/catalogue',
    {
      schema: {
        tags,
        summary: 'Data categories, the purpose catalogue (with legal bases) and k of published statistics',
      },
    },
    async () => privacyConfigOf(node.consortium.config),
  );

  app.post(
    '/v1/privacy/records',
    {
      schema: {
        tags,
        summary: 'Register a personal record: the signed privacy.register transaction, the value and its salt',
        description:
          'The node checks that TH("lianzheng/personal", JCS({salt, value})) is the commitment in the transaction, ' +
          'stores the value encrypted, submits the transaction and answers once its block is durable. Only the ' +
          'commitment goes on chain.',
        response: { 201: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = jsonBody(request, registerBody);
      const result = await privacy.register({ tx: b.tx as never, value: b.value as never, salt: b.salt });
      return reply.code(201).send(result);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/privacy/records/:id',
    {
      schema: {
        tags,
        summary: 'What the chain holds about a record (no content), and whether this node holds its content',
        response: errorResponses,
      },
    },
    async (request) => {
      const who = await session(request);
      const id = request.params.id;
      if (!HEX64.test(id)) throw nodeError('REQUEST_MALFORMED', 'a record id is 64 hex', { field: 'id' });
      const record = privacy.record(id);
      if (record === null) throw new LianzhengError('PRIVATE_RECORD_UNKNOWN', 'no personal record has this id');
      if (who.kind !== 'member' && who.subject !== record.subject) {
        throw new LianzhengError('PRIVACY_NOT_SUBJECT', 'this record is not about you');
      }
      return { record, held: privacy.store.has(id) };
    },
  );

  app.post(
    '/v1/privacy/reads',
    {
      schema: {
        tags,
        summary: 'Read a personal record for a purpose: a signed privacy.read transaction of the signed-in key',
        description:
          'The read is decided and recorded on chain (allowed or denied, with the code). Allowed: 200 with the ' +
          'value, its salt and the recorded entry. Denied: 403/404 with the code; the denial is on the ledger too.',
        response: errorResponses,
      },
      config: { docsBody: { $ref: 'SignedTransaction#' } },
    },
    async (request) => {
      const who = await session(request);
      if (typeof request.body !== 'string' || request.body.length === 0) {
        throw nodeError('REQUEST_MALFORMED', 'send the signed transaction as the JSON body');
      }
      try {
        const released = await privacy.read(request.body, who.key);
        node.metrics.privateReads.inc({ decision: 'allowed' });
        return released;
      } catch (error) {
        if (isLianzhengError(error) && (error.details as { entry?: unknown } | undefined)?.entry !== undefined) {
          node.metrics.privateReads.inc({ decision: 'denied' });
        }
        throw error;
      }
    },
  );

  app.get<{ Params: { tx: string } }>(
    '/v1/privacy/reads/:tx',
    {
      schema: {
        tags,
        summary: 'The content of a recorded, allowed read again (its signer only, for 10 minutes after its block)',
        response: errorResponses,
      },
    },
    async (request) => {
      const who = await session(request);
      if (!HEX64.test(request.params.tx)) throw nodeError('REQUEST_MALFORMED', 'a transaction id is 64 hex');
      return privacy.released(request.params.tx, who.key);
    },
  );

  app.get<{ Querystring: { after?: string; proofs?: string } }>(
    '/v1/privacy/access-log',
    {
      schema: {
        tags,
        summary: '数据访问记录: every read of the signed-in citizen’s data, each with a proof that it is in the ledger',
        description:
          'Entries oldest first, 200 per page (`after` = the last key of the previous page). Each carries the ' +
          'transaction proof of the read (verify it with verifyTxProof against the pinned genesis); `proofs=false` ' +
          'leaves them out. A proof not yet certified by the quorum (etcd ordering) is `null` with `proofStatus`.',
        response: errorResponses,
      },
    },
    async (request) => {
      const { subject } = await subjectOf(request);
      const after = request.query.after;
      const keys = node.stateKeys(PRIVACY_CONTRACT, privacyKeys.accessPrefix(subject), {
        ...(after === undefined ? {} : { after }),
        limit: LOG_PAGE,
      });
      const withProofs = request.query.proofs !== 'false';
      // The key index is written with the block, a moment before the block is published as durable: an entry whose
      // value is not readable yet ends the page (entries are in height order; it is listed at the next request).
      const ready: { key: string; entry: AccessEntry }[] = [];
      for (const key of keys) {
        const entry = stateValue(node, PRIVACY_CONTRACT, key) as unknown as AccessEntry | null;
        if (entry === null) break;
        ready.push({ key, entry });
      }
      const entries = ready.map(({ key, entry }) => {
        if (!withProofs) return { key, entry };
        try {
          return { key, entry, proof: node.chain.txProof(entry.tx), proofStatus: 'ok' };
        } catch (error) {
          return { key, entry, proof: null, proofStatus: isLianzhengError(error) ? error.code : 'INTERNAL' };
        }
      });
      return {
        subject,
        entries,
        ...(keys.length === LOG_PAGE && ready.length === keys.length ? { next: keys[keys.length - 1] } : {}),
      };
    },
  );

  app.get(
    '/v1/privacy/mine',
    {
      schema: {
        tags,
        summary: 'The signed-in citizen’s personal records (what the chain holds) and consents',
        response: errorResponses,
      },
    },
    async (request) => {
      const { subject } = await subjectOf(request);
      const records = node
        .stateKeys(PRIVACY_CONTRACT, `subject/${subject}/`, { limit: 10_000 })
        .map((k) => stateValue(node, PRIVACY_CONTRACT, privacyKeys.record(k.slice(`subject/${subject}/`.length))))
        .filter((r): r is NonNullable<typeof r> => r !== null) as unknown as PrivateRecord[];
      const consents = node
        .stateKeys(PRIVACY_CONTRACT, privacyKeys.consentPrefix(subject), { limit: 10_000 })
        .map((k) => stateValue(node, PRIVACY_CONTRACT, k))
        .filter((c) => c !== null) as unknown as Consent[];
      const height = node.ledger.durableHeight;
      return {
        subject,
        records,
        consents: consents.map((c) => ({
          ...c,
          active:
            (c.revokedAt === undefined || c.revokedAt > height + 1) &&
            (c.until === undefined || c.until >= node.clock.now()),
        })),
      };
    },
  );

  const operator = async (request: FastifyRequest): Promise<Principal> => {
    const who = await session(request);
    if (
      who.kind !== 'member' ||
      who.org !== node.identity.org ||
      !who.roles.some((r) => ['sysadmin', 'secadmin', 'operator', 'admin'].includes(r))
    ) {
      throw new LianzhengError(
        'POLICY_DENIED',
        "only this node's organisation's administrators manage its private-data store",
      );
    }
    return who;
  };

  app.get<{ Querystring: { decrypt?: string } }>(
    '/v1/privacy/store',
    {
      schema: {
        tags,
        summary: 'Consistency of this node’s private-data store with the chain (operators of the node’s organisation)',
        description:
          'Counts, and the ids of records missing, orphaned or not matching their commitment. decrypt=true checks every record’s content against its commitment.',
        response: errorResponses,
      },
    },
    async (request) => {
      await operator(request);
      return privacy.check({ decrypt: request.query.decrypt === 'true' });
    },
  );

  app.post(
    '/v1/privacy/store/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate the store’s master key: new key, every data key rewrapped, old key destroyed; no downtime',
        response: errorResponses,
      },
    },
    async (request) => {
      const who = await operator(request);
      node.log.info({ by: who.member }, 'private-data master key rotation started');
      let last = 0;
      const result = await privacy.store.rotateMasterKey((done, total) => {
        if (done === total || done - last >= 1000) {
          last = done;
          node.log.info({ done, total }, 'rewrapping data keys');
        }
      });
      node.log.info(result, 'private-data master key rotated');
      return result;
    },
  );

  app.post(
    '/v1/privacy/transfer',
    {
      schema: {
        tags,
        summary: 'Node to node: hand over a record to a node of an organisation that may hold it (signed request)',
        response: errorResponses,
      },
    },
    async (request) => {
      if (typeof request.body !== 'string') throw nodeError('REQUEST_MALFORMED', 'send a JSON body');
      let parsed: SignedTransferRequest;
      try {
        parsed = JSON.parse(request.body) as SignedTransferRequest;
      } catch {
        throw nodeError('REQUEST_MALFORMED', 'the body is not JSON');
      }
      return privacy.serveTransfer(parsed);
    },
  );
}

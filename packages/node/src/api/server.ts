import { isUtf8 } from 'node:buffer';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket, { type WebSocket } from '@fastify/websocket';
import { isLianzhengError, isNotaryAlgorithm, LianzhengError, type NodeHealthView } from '@lianzheng/protocol';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { defaultSessionOptions, type SessionOptions } from '../auth.js';
import { httpStatusOf } from '../errorRegistry.js';
import { nodeError } from '../errors.js';
import type { DurableBlock } from '../ledger.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import { certificateHealth } from './certificateHealth.js';
import { CredentialAnchors } from './credentialAnchors.js';
import { registerCredentialRoutes } from './credentialRoutes.js';
import { registerIdentityRoutes } from './identityRoutes.js';
import { registerPortal } from './portal.js';
import { registerPrivacyRoutes } from './privacyRoutes.js';
import { registerRecordsRoutes } from './recordsRoutes.js';
import {
  errorResponses,
  eventsQuery,
  fullQuery,
  heightParams,
  idParams,
  sharedSchemas,
  signedTransactionSchema,
  stateQuery,
  syncQuery,
  waitQuery,
} from './schemas.js';
import { registerStatsRoutes } from './statsRoutes.js';
import { registerWorkflowRoutes } from './workflowRoutes.js';

export interface ApiOptions {
  /** Largest single-transaction request body, bytes. */
  readonly bodyLimit: number;
  /** Largest batch request body, bytes. */
  readonly batchBodyLimit: number;
  /** A WebSocket subscriber with more unsent bytes than this is disconnected (code 1013). */
  readonly maxSubscriberBufferBytes: number;
  /** Serve Swagger UI at /docs. */
  readonly docs: boolean;
  /** Sign-in and session limits. */
  readonly sessions: SessionOptions;
  /** The built web app (packages/portal/dist) to serve at `/`; none when absent. */
  readonly portalDir?: string;
}

export const defaultApiOptions: ApiOptions = {
  bodyLimit: 256 * 1024,
  batchBodyLimit: 16 * 1024 * 1024,
  maxSubscriberBufferBytes: 8 * 1024 * 1024,
  docs: true,
  sessions: defaultSessionOptions,
};

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** Errors become HTTP responses here and nowhere else. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (isLianzhengError(error)) {
    return { status: httpStatusOf(error.code), body: { error: error.toJSON() } };
  }
  const e = error as FastifyError & { validation?: unknown; validationContext?: string };
  if (e.validation !== undefined) {
    return {
      status: 400,
      body: {
        error: {
          code: 'REQUEST_MALFORMED',
          message: `${e.validationContext ?? 'request'} ${e.message.replace(/^\S+ /, '')}`,
          details: { field: e.validationContext },
        },
      },
    };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: { code: 'REQUEST_TOO_LARGE', message: 'request body is too large' } } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 400,
        body: { error: { code: 'REQUEST_MALFORMED', message: 'Content-Type must be application/json' } },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: { code: 'REQUEST_MALFORMED', message: 'request body is empty' } } };
    default:
      if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
        return { status: 400, body: { error: { code: 'REQUEST_MALFORMED', message: e.message } } };
      }
      return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
  }
}

function fail(error: unknown): never {
  throw error;
}

/**
 * REST API under /v1, OpenAPI 3.1 at /openapi.json, a WebSocket stream of durable blocks and contract events at
 * /v1/events, /health and /metrics. Built without listening so tests can use `inject`.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Request body schema shown in the OpenAPI document only (bodies are validated by the protocol package). */
    docsBody?: unknown;
  }
}

export async function createApiServer(node: LianzhengNode, opts: ApiOptions = defaultApiOptions) {
  const app = Fastify({
    loggerInstance: node.log.child({ component: 'api' }),
    // Per-request log lines would cost more than admitting a transaction; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    // No type coercion: parameters are strings checked against patterns and converted by the handlers.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    // State keys may be long; the route schema limits them to 1024 characters with a coded error.
    routerOptions: { maxParamLength: 1100 },
    // Errors raised before routing (undecodable URL, over-long parameter) get the same envelope as all others.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .send({ error: { code: 'REQUEST_MALFORMED', message: error.message, details: { reason: error.code } } });
    },
  });
  // Responses are plain JSON.stringify: response schemas document the API and never silently drop fields.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Bodies stay text: transactions are parsed strictly (duplicate keys, numbers, size) by the admission workers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(request.headers['content-type'] ?? '')?.[2]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(nodeError('REQUEST_MALFORMED', 'JSON bodies must be UTF-8', { charset }));
      return;
    }
    // Invalid UTF-8 is an error, never silently replaced with U+FFFD (that would sign and store other text).
    if (!isUtf8(body as Buffer)) {
      done(new LianzhengError('JSON_STRING_INVALID', 'the body is not valid UTF-8'));
      return;
    }
    done(null, (body as Buffer).toString('utf8'));
  });
  for (const schema of sharedSchemas) app.addSchema(schema);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lianzheng 链政 node API',
        version: '1',
        description:
          'Permissioned government ledger node. Formats: docs/PROTOCOL.md. Error codes: docs/errors.md. ' +
          'Every error body is { "error": { "code", "message", "details"? } }.',
      },
      tags: [
        { name: 'transactions' },
        { name: 'blocks' },
        { name: 'state' },
        { name: 'notary', description: '存证 notarisation' },
        { name: 'identity', description: 'sign-in, sessions, members, citizens and enterprises' },
        { name: 'governance', description: 'consortium configuration proposals and votes' },
        { name: 'records', description: '信息公开 public records: policies, decisions, notices, budgets, reports' },
        { name: 'node' },
      ],
    },
    transform: ({ schema, url, route }) => {
      const docsBody = (route.config as { docsBody?: unknown } | undefined)?.docsBody;
      return { schema: docsBody === undefined ? schema : { ...schema, body: docsBody }, url };
    },
  });
  if (opts.docs) await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'request failed');
    if (status === 429) void reply.header('retry-after', '1');
    return reply
      .code(status)
      .send(status === 500 ? { error: { ...body.error, details: { requestId: request.id } } } : body);
  });
  const portalPage = opts.portalDir === undefined ? undefined : await registerPortal(app, opts.portalDir);
  app.setNotFoundHandler((request, reply) => {
    if (portalPage?.(request, reply) === true) return reply;
    return reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });

  const requireText = (request: FastifyRequest): string => {
    if (typeof request.body !== 'string' || request.body.length === 0) {
      throw nodeError('REQUEST_MALFORMED', 'send the transaction as a JSON body with Content-Type: application/json');
    }
    return request.body;
  };

  app.post(
    '/v1/transactions',
    {
      schema: {
        tags: ['transactions'],
        summary: 'Submit one signed transaction',
        querystring: waitQuery,
        response: {
          200: { description: 'Committed (with wait=true)', type: 'object' },
          202: { description: 'Admitted; pending ordering', type: 'object' },
          ...errorResponses,
        },
      },
      config: { docsBody: { $ref: 'SignedTransaction#' } },
    },
    async (request: FastifyRequest<{ Querystring: { wait?: string; timeoutMs?: string } }>, reply: FastifyReply) => {
      const timeoutMs = request.query.timeoutMs === undefined ? 30_000 : Number(request.query.timeoutMs);
      if (timeoutMs < 1 || timeoutMs > 120_000) {
        throw nodeError('REQUEST_MALFORMED', 'timeoutMs must be between 1 and 120000', { field: 'timeoutMs' });
      }
      const [result] = await node.submit(requireText(request), false);
      if (result === undefined) throw nodeError('INTERNAL', 'admission returned no result');
      if (!result.ok) {
        throw new LianzhengError(
          result.error.code,
          result.error.message,
          result.error.details === undefined ? {} : { details: result.error.details },
        );
      }
      if (request.query.wait !== 'true') return reply.code(202).send({ id: result.id, status: 'pending' });
      const outcome = await node.waitFor(result.id, timeoutMs);
      if (outcome === null) return reply.code(202).send({ id: result.id, status: 'pending' });
      if (outcome.status === 'dropped') {
        throw new LianzhengError(outcome.code, outcome.message, { details: { id: result.id, status: 'dropped' } });
      }
      return reply.code(200).send({ id: result.id, ...outcome });
    },
  );

  app.post(
    '/v1/transactions/batch',
    {
      bodyLimit: opts.batchBodyLimit,
      schema: {
        tags: ['transactions'],
        summary: 'Submit many signed transactions in one request',
        description: 'Each transaction is admitted or rejected on its own; results are in request order.',
        response: { 200: { description: 'Per-transaction results', type: 'object' }, ...errorResponses },
      },
      config: { docsBody: { type: 'array', items: signedTransactionSchema } },
    },
    async (request, reply) => {
      const results = await node.submit(requireText(request), true);
      const accepted = results.filter((r) => r.ok).length;
      if (accepted === 0 && results.length > 0 && results.every((r) => !r.ok && r.error.code === 'MEMPOOL_FULL')) {
        throw nodeError('MEMPOOL_FULL', 'the node is saturated; retry shortly');
      }
      return reply.send({
        accepted,
        results: results.map((r) => (r.ok ? { id: r.id, status: 'pending' } : { error: r.error })),
      });
    },
  );

  app.get(
    '/v1/transactions/:id',
    {
      schema: {
        tags: ['transactions'],
        summary: 'Status and receipt of a transaction',
        params: idParams,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => node.chain.txStatus(request.params.id),
  );

  app.get(
    '/v1/transactions/:id/proof',
    {
      schema: {
        tags: ['transactions'],
        summary: 'Inclusion proof of a transaction and its receipt against a signed header',
        params: idParams,
        response: { 200: { $ref: 'TxProof#' }, ...errorResponses },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => node.chain.txProof(request.params.id),
  );

  app.get(
    '/v1/blocks/latest',
    { schema: { tags: ['blocks'], summary: 'The latest durable block', querystring: fullQuery } },
    async (request: FastifyRequest<{ Querystring: { full?: string } }>) =>
      node.chain.block(node.ledger.durableHeight, request.query.full === 'true'),
  );

  app.get(
    '/v1/blocks/:height',
    {
      schema: {
        tags: ['blocks'],
        summary: 'A block by height',
        params: heightParams,
        querystring: fullQuery,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { height: string }; Querystring: { full?: string } }>) =>
      node.chain.block(Number(request.params.height), request.query.full === 'true'),
  );

  app.get(
    '/v1/checkpoints/latest',
    {
      schema: {
        tags: ['blocks'],
        summary: 'Signed header of the latest certified block (etcd ordering: certified by a quorum of organisations)',
        response: { 200: { $ref: 'Checkpoint#' } },
      },
    },
    async () => node.chain.checkpoint(),
  );

  app.get(
    '/v1/sync/blocks',
    {
      schema: {
        tags: ['blocks'],
        summary: 'Certified blocks with their transactions and certifying attestations (for nodes catching up)',
        querystring: syncQuery,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Querystring: { from: string; limit?: string } }>) => {
      const from = Number(request.query.from);
      const limit = request.query.limit === undefined ? 64 : Number(request.query.limit);
      if (from < 1 || limit < 1 || limit > 256) {
        throw nodeError('REQUEST_MALFORMED', 'from must be ≥ 1 and limit 1–256', { field: 'from' });
      }
      return node.chain.syncBlocks(from, limit);
    },
  );

  app.get(
    '/v1/checkpoints/:height',
    {
      schema: {
        tags: ['blocks'],
        summary: 'Signed header at a height',
        params: heightParams,
        response: { 200: { $ref: 'Checkpoint#' }, ...errorResponses },
      },
    },
    async (request: FastifyRequest<{ Params: { height: string } }>) =>
      node.chain.checkpoint(Number(request.params.height)),
  );

  app.get(
    '/v1/state/:contract/*',
    {
      schema: {
        tags: ['state'],
        summary: 'Value of a state key, optionally with a proof of value or absence',
        params: {
          type: 'object',
          properties: {
            contract: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' },
            '*': { type: 'string', minLength: 1, maxLength: 1024 },
          },
        },
        querystring: stateQuery,
        response: errorResponses,
      },
    },
    async (
      request: FastifyRequest<{
        Params: { contract: string; '*': string };
        Querystring: { proof?: string; height?: string };
      }>,
    ) =>
      node.chain.state(request.params.contract, request.params['*'], {
        ...(request.query.height === undefined ? {} : { height: Number(request.query.height) }),
        proof: request.query.proof === 'true',
      }),
  );

  app.get(
    '/v1/notary/:alg/:hash/certificate',
    {
      schema: {
        tags: ['notary'],
        summary: '存证 certificate of a notarised document hash',
        params: {
          type: 'object',
          properties: { alg: { enum: ['sha256', 'sm3'] }, hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { alg: string; hash: string } }>) => {
      const { alg, hash } = request.params;
      if (!isNotaryAlgorithm(alg)) fail(nodeError('REQUEST_MALFORMED', 'alg must be sha256 or sm3'));
      return node.chain.notaryCertificate(alg, hash);
    },
  );

  app.get(
    '/v1/chain',
    { schema: { tags: ['node'], summary: 'Chain id, suite, genesis hash and document, height' } },
    async () => node.chain.info(),
  );

  const perMinute = node.config.signIn?.challengesPerMinute;
  const sessions = registerIdentityRoutes(app, node, {
    sessions:
      perMinute === undefined
        ? opts.sessions
        : { ...opts.sessions, challengesPerClient: perMinute, challengeWindowSeconds: 60 },
  });
  registerWorkflowRoutes(app, node, sessions);
  registerPrivacyRoutes(app, node, sessions, node.privacy);
  // One scan of the credential anchors per height, for the published statistics and the departments' lists.
  const credentialAnchors = new CredentialAnchors({ node });
  registerStatsRoutes(app, node, credentialAnchors);
  registerCredentialRoutes(app, node, sessions, credentialAnchors);
  registerRecordsRoutes(app, node);

  app.get(
    '/health',
    { schema: { tags: ['node'], summary: 'Liveness and basic status' } },
    async (): Promise<NodeHealthView> => ({
      // red: this node computed a block other than the one a quorum certified (etcd ordering)
      status: node.consortiumMode?.certifier.alarm == null ? 'ok' : 'alarm',
      certificates: certificateHealth(node),
      chainId: node.genesis.chainId,
      suite: node.genesis.suite,
      node: node.identity.node,
      org: node.identity.org,
      ordering: node.orderingHealth(),
      height: node.ledger.durableHeight,
      mempool: node.mempoolSize,
      workers: node.workers,
      uptimeSeconds: node.uptimeSeconds,
      startupCheck:
        node.startupCheck === null
          ? null
          : { ok: true, blocks: node.startupCheck.blocks, from: node.startupCheck.from, to: node.startupCheck.to },
    }),
  );

  app.get('/metrics', { schema: { tags: ['node'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    node.metrics.observeCertificates(certificateHealth(node), node.clock.now());
    void reply.header('content-type', node.metrics.registry.contentType);
    return node.metrics.registry.metrics();
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.route({
    method: 'GET',
    url: '/v1/events',
    schema: {
      tags: ['blocks'],
      summary: 'WebSocket: durable blocks and contract events',
      description:
        'Open with a WebSocket upgrade (ws://host:port/v1/events). Messages are JSON: ' +
        '{"type":"block",height,hash,time,durableAt,txCount,txIds} for every durable block (durableAt: when it ' +
        'reached the disk, ms since the epoch) and ' +
        '{"type":"event",height,tx,contract,name,data} for every contract event, and ' +
        '{"type":"certified",height,at} when the certified height rises (etcd ordering: a quorum of organisations ' +
        'signed the block; solo: every durable block). A subscriber that falls more than ' +
        '8 MiB behind is disconnected with close code 1013. A plain HTTP GET gets 400 REQUEST_MALFORMED.',
      querystring: eventsQuery,
      response: { 101: { description: 'Switching Protocols (WebSocket)' }, 400: errorResponses[400] },
    },
    handler: async () => {
      throw nodeError('REQUEST_MALFORMED', 'this is a WebSocket endpoint: connect with an Upgrade: websocket request');
    },
    wsHandler: (
      socket: WebSocket,
      request: FastifyRequest<{ Querystring: { contract?: string; blocks?: string; events?: string } }>,
    ) => {
      const contract = request.query.contract;
      const blocks = request.query.blocks !== 'false';
      const events = request.query.events !== 'false';
      const certifier = node.consortiumMode?.certifier;
      const stopCertified = certifier?.onCertified((height, at) => {
        if (blocks && socket.bufferedAmount <= opts.maxSubscriberBufferBytes) {
          socket.send(JSON.stringify({ type: 'certified', height, at }));
        }
      });
      const unsubscribeBlocks = node.ledger.onBlock((block: DurableBlock) => {
        if (socket.bufferedAmount > opts.maxSubscriberBufferBytes) {
          socket.close(1013, 'subscriber too slow');
          return;
        }
        if (blocks) {
          socket.send(
            JSON.stringify({
              type: 'block',
              height: block.header.height,
              hash: block.hash,
              time: block.header.time,
              durableAt: block.durableAt,
              txCount: block.header.txCount,
              txIds: block.txIds,
            }),
          );
          if (certifier === undefined) {
            socket.send(JSON.stringify({ type: 'certified', height: block.header.height, at: block.durableAt }));
          }
        }
        if (!events) return;
        for (const receipt of block.receipts) {
          for (const e of receipt.events) {
            if (contract !== undefined && e.contract !== contract) continue;
            socket.send(JSON.stringify({ type: 'event', height: block.header.height, tx: receipt.tx, ...e }));
          }
        }
      });
      const unsubscribe = () => {
        unsubscribeBlocks();
        stopCertified?.();
      };
      socket.on('close', unsubscribe);
      socket.on('error', unsubscribe);
    },
  });

  return app;
}

/**
 * E-licence routes (docs/credentials.md, ADR 0015): the credential types of the configuration, a department's list of
 * the licences it issued, a signed-in holder's anchored credentials, a credential's status with its proof (what a
 * verifier that trusts no node checks itself), and verification by this node for clients that trust it. Issuing,
 * suspending, reinstating and revoking are transactions of the `credential` contract (POST /v1/transactions).
 */
import {
  CREDENTIAL_CONTRACT,
  CREDENTIAL_EFFECTIVE_STATUSES,
  CREDENTIAL_ID_PATTERN,
  CREDENTIAL_TYPE_PATTERN,
  type CredentialAnchor,
  type CredentialEffectiveStatus,
  type CredentialListItem,
  type CredentialListView,
  consortiumFromGenesis,
  credentialEffectiveStatus,
  credentialKeys,
  credentialsConfigOf,
  isCredentialEffectiveStatus,
  LianzhengError,
  ORG_ID_PATTERN,
  type Principal,
  parseSdJwt,
  randomBytes,
  verifyCredentialPresentation,
} from '@lianzheng/protocol';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SessionManager } from '../auth.js';
import { nodeError } from '../errors.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import { type CredentialAnchors, compareNewestFirst } from './credentialAnchors.js';
import { type ApiInstance, jsonBody, stateValue } from './identityRoutes.js';
import { errorResponses } from './schemas.js';

export const CREDENTIAL_LIST_LIMIT_DEFAULT = 50;
export const CREDENTIAL_LIST_LIMIT_MAX = 200;
/** The view policy of the list (a key of the configuration's `policies`, evaluated with the organisation listed). */
export const CREDENTIAL_LIST_POLICY = 'credential.list';
const LIST_CURSOR_PATTERN = /^(0|[1-9][0-9]{0,15}):([0-9a-f]{64})$/;

/** A position in the list (newest first): the issue height and id of the last licence of a page. */
export interface CredentialListCursor {
  readonly height: number;
  readonly id: string;
}

/** The opaque `next` of a page: base64url of `<height>:<id>`. */
export function encodeCredentialListCursor(c: CredentialListCursor): string {
  return Buffer.from(`${c.height}:${c.id}`, 'utf8').toString('base64url');
}

export function decodeCredentialListCursor(text: string): CredentialListCursor {
  const m = /^[A-Za-z0-9_-]{1,120}$/.test(text)
    ? LIST_CURSOR_PATTERN.exec(Buffer.from(text, 'base64url').toString('utf8'))
    : null;
  if (m === null) malformed('cursor', 'not a cursor this node gave out');
  return { height: Number(m[1]), id: m[2] as string };
}

function malformed(field: string, message: string, extra: Record<string, unknown> = {}): never {
  throw nodeError('REQUEST_MALFORMED', `${field}: ${message}`, { field, ...extra });
}

interface ListQuery {
  readonly org?: string;
  readonly status?: string;
  readonly type?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

/** Parameters are checked by the handler, so that a bad one is refused naming its field (`details.field`). */
const stringParam = (description: string) => ({ type: 'string', description }) as const;

const listItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'org', 'holder', 'status', 'validFrom', 'validUntil', 'height', 'time'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    org: { type: 'string', description: 'the issuing organisation' },
    holder: { type: 'string', description: "the holder's pseudonymous subject id" },
    status: {
      enum: [...CREDENTIAL_EFFECTIVE_STATUSES],
      description: 'at generatedAt; expired once validUntil is past',
    },
    validFrom: { type: 'integer' },
    validUntil: { type: 'integer' },
    case: { type: 'string', description: 'the case it was issued for' },
    height: { type: 'integer', description: 'block of the issue' },
    time: { type: 'integer', description: 'block time of the issue' },
  },
} as const;

const verifyBody = z
  .object({
    presentation: z.string().min(1).max(65_536),
    aud: z.string().min(1).max(512),
    nonce: z.string().min(1).max(512),
  })
  .strict();

/** A presentation is a few KiB (a business licence: 2.6 KiB); the links are capped in size and number. */
const presentationBody = z.object({ presentation: z.string().min(1).max(16_384) }).strict();

export const PRESENTATION_TTL_MS = 10 * 60_000;
const MAX_PRESENTATION_LINKS = 1_000;

/** Presentations kept in memory for a few minutes under random ids (oldest dropped first when full). */
class PresentationLinks {
  private readonly byId = new Map<string, { presentation: string; expiresAt: number }>();

  put(presentation: string, now: number): { id: string; path: string; expiresAt: number } {
    for (const [id, v] of this.byId) {
      if (v.expiresAt > now && this.byId.size < MAX_PRESENTATION_LINKS) break;
      this.byId.delete(id);
    }
    const id = Buffer.from(randomBytes(16)).toString('base64url');
    const expiresAt = now + PRESENTATION_TTL_MS;
    this.byId.set(id, { presentation, expiresAt });
    return { id, path: `/v1/presentations/${id}`, expiresAt };
  }

  get(id: string, now: number): string | undefined {
    const v = this.byId.get(id);
    return v === undefined || v.expiresAt <= now ? undefined : v.presentation;
  }
}

export function registerCredentialRoutes(
  app: ApiInstance,
  node: LianzhengNode,
  sessions: SessionManager<Principal>,
  anchors: CredentialAnchors,
): void {
  const tags = ['credentials'];
  const presentations = new PresentationLinks();

  const signedIn = async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw nodeError('SESSION_REQUIRED', 'sign in first and send Authorization: Bearer <token>');
    }
    return (await sessions.authenticate(header)).identity;
  };

  /** The signed-in citizen's or enterprise's subject id. */
  const holderOf = async (request: FastifyRequest): Promise<string> => {
    const who = await signedIn(request);
    if (who.subject === undefined) {
      throw nodeError('SESSION_REQUIRED', 'only a citizen or an enterprise holds credentials');
    }
    return who.subject;
  };

  app.get(
    '/v1/credentials/types',
    { schema: { tags, summary: 'Credential types and the departments that may issue each', response: errorResponses } },
    async () => credentialsConfigOf(node.consortium.config),
  );

  // A department's licences. Each anchor is public chain state (anyone may read one by its id, with a proof), but a
  // list hands out the holders' pseudonyms of a whole department at once, which links them to the department's
  // services: so it needs a session satisfying the configuration's `credential.list` policy for the organisation
  // listed (by default its registrars, administrators and auditors).
  app.get(
    '/v1/credentials',
    {
      schema: {
        tags,
        summary: "An organisation's licences, newest issue first, with filters (policy credential.list)",
        description:
          'org defaults to the signed-in member’s organisation. status is valid, suspended, revoked, or expired ' +
          '(validity ended at generatedAt, not revoked). `next` is an opaque cursor for the following page; total ' +
          'counts every match; height is the durable block the list reflects. Items carry what the anchor holds ' +
          'publicly, without digest, seal key or history (GET /v1/credentials/{id}/status has those, with a proof).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            org: stringParam('the issuing organisation (default: your own)'),
            status: stringParam(`only this status: ${CREDENTIAL_EFFECTIVE_STATUSES.join(', ')}`),
            type: stringParam('only this credential type'),
            limit: stringParam(`most items, 1–${CREDENTIAL_LIST_LIMIT_MAX} (default ${CREDENTIAL_LIST_LIMIT_DEFAULT})`),
            cursor: stringParam('the `next` of the previous page'),
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['org', 'items', 'total', 'height', 'generatedAt'],
            properties: {
              org: { type: 'string' },
              items: { type: 'array', items: listItemSchema },
              next: { type: 'string' },
              total: { type: 'integer', description: 'licences matching the filters, over all pages' },
              height: { type: 'integer' },
              generatedAt: { type: 'integer', description: 'the time expiry is judged at (ms since the epoch)' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request: FastifyRequest<{ Querystring: ListQuery }>): Promise<CredentialListView> => {
      const who = await signedIn(request);
      const q = request.query;
      if (q.org !== undefined && !ORG_ID_PATTERN.test(q.org)) malformed('org', 'not an organisation id');
      let status: CredentialEffectiveStatus | undefined;
      if (q.status !== undefined) {
        if (!isCredentialEffectiveStatus(q.status)) {
          malformed('status', `one of ${CREDENTIAL_EFFECTIVE_STATUSES.join(', ')}`, {
            allowed: [...CREDENTIAL_EFFECTIVE_STATUSES],
          });
        }
        status = q.status;
      }
      if (q.type !== undefined && !CREDENTIAL_TYPE_PATTERN.test(q.type)) malformed('type', 'not a credential type id');
      let limit = CREDENTIAL_LIST_LIMIT_DEFAULT;
      if (q.limit !== undefined) {
        limit = /^[1-9][0-9]{0,2}$/.test(q.limit) ? Number(q.limit) : 0;
        if (limit < 1 || limit > CREDENTIAL_LIST_LIMIT_MAX) {
          malformed('limit', `a whole number 1–${CREDENTIAL_LIST_LIMIT_MAX}`);
        }
      }
      const after = q.cursor === undefined ? undefined : decodeCredentialListCursor(q.cursor);
      const org = q.org ?? who.org;
      if (org === undefined) malformed('org', 'name the organisation: ?org=');
      if (!node.allowsView(CREDENTIAL_LIST_POLICY, who, { org })) {
        throw new LianzhengError(
          'POLICY_DENIED',
          `your identity does not satisfy the policy ${CREDENTIAL_LIST_POLICY}`,
          {
            details: { policy: CREDENTIAL_LIST_POLICY, org },
          },
        );
      }
      const { height, anchors: all } = anchors.current();
      // One time for the expiry of every licence and for generatedAt: the page is the state of one instant.
      const now = node.clock.now();
      const matches: CredentialListItem[] = [];
      for (const a of all) {
        if (a.org !== org || (q.type !== undefined && a.type !== q.type)) continue;
        const effective = credentialEffectiveStatus(a, now);
        if (status === undefined || effective === status) matches.push({ ...a, status: effective });
      }
      // The cursor is a position in the order, not an index: pages stay right while new licences are issued.
      const start = after === undefined ? 0 : matches.findIndex((a) => compareNewestFirst(a, after) > 0);
      const from = start === -1 ? matches.length : start;
      const items = matches.slice(from, from + limit);
      const last = items.at(-1);
      return {
        org,
        items,
        ...(last === undefined || from + limit >= matches.length
          ? {}
          : { next: encodeCredentialListCursor({ height: last.height, id: last.id }) }),
        total: matches.length,
        height,
        generatedAt: now,
      };
    },
  );

  app.get(
    '/v1/credentials/mine',
    {
      schema: {
        tags,
        summary: "The signed-in holder's credentials as the chain knows them (anchors and status; never the claims)",
        response: errorResponses,
      },
    },
    async (request: FastifyRequest) => {
      const subject = await holderOf(request);
      const prefix = credentialKeys.holderPrefix(subject);
      const credentials = node
        .stateKeys(CREDENTIAL_CONTRACT, prefix, { limit: 10_000 })
        .map((k) => stateValue(node, CREDENTIAL_CONTRACT, credentialKeys.anchor(k.slice(prefix.length))))
        .filter((a) => a !== null) as unknown as CredentialAnchor[];
      return { subject, credentials };
    },
  );

  // The holder's wallet collects what the issuing node keeps for it (credentialIssuer.ts).
  const wallet = ['wallet'];
  const idParams = { type: 'object', properties: { id: { type: 'string', pattern: CREDENTIAL_ID_PATTERN.source } } };

  app.get(
    '/v1/wallet/inbox',
    {
      schema: {
        tags: wallet,
        summary: 'Credentials issued to the signed-in holder and waiting on this node to be collected',
        response: errorResponses,
      },
    },
    async (request: FastifyRequest) => {
      const subject = await holderOf(request);
      return { subject, credentials: await node.credentials.inbox(subject) };
    },
  );

  app.get(
    '/v1/wallet/inbox/:id',
    {
      schema: {
        tags: wallet,
        summary: 'One waiting credential (the SD-JWT VC) for its holder; the node keeps it until acknowledged',
        params: idParams,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const subject = await holderOf(request);
      const e = await node.credentials.collect(request.params.id, subject);
      return { id: e.id, type: e.type, org: e.org, case: e.case, credential: e.credential };
    },
  );

  app.post(
    '/v1/wallet/inbox/:id/ack',
    {
      schema: {
        tags: wallet,
        summary: 'The holder has stored the credential: the node destroys its copy',
        params: idParams,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const subject = await holderOf(request);
      await node.credentials.acknowledge(request.params.id, subject);
      return { id: request.params.id, collected: true };
    },
  );

  // A short-lived link to a presentation too large for one QR code (docs/credentials.md).
  app.post(
    '/v1/presentations',
    {
      schema: {
        tags: wallet,
        summary: `Keep a presentation for ${PRESENTATION_TTL_MS / 60_000} minutes under a random id, for a QR code that points to it`,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest) => {
      const body = jsonBody(request, presentationBody);
      parseSdJwt(node.suite, body.presentation);
      return presentations.put(body.presentation, node.clock.now());
    },
  );

  app.get(
    '/v1/presentations/:id',
    {
      schema: {
        tags: wallet,
        summary: 'A presentation kept for a QR code (verify it yourself: the node vouches for nothing)',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const presentation = presentations.get(request.params.id, node.clock.now());
      if (presentation === undefined) {
        throw nodeError('NOT_FOUND', 'no presentation under this id (links last 10 minutes)', {
          id: request.params.id,
        });
      }
      return { presentation };
    },
  );

  app.get(
    '/v1/credentials/:id/status',
    {
      schema: {
        tags,
        summary: 'The anchor of a credential with its state proof and the certified checkpoint it is proven against',
        params: { type: 'object', properties: { id: { type: 'string', pattern: CREDENTIAL_ID_PATTERN.source } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) =>
      node.chain.state(CREDENTIAL_CONTRACT, credentialKeys.anchor(request.params.id), { proof: true }),
  );

  app.post(
    '/v1/credentials/verify',
    {
      schema: {
        tags,
        summary:
          'Verify a presentation here (for clients that trust this node; the SDK verifies without trusting any node)',
        response: errorResponses,
      },
    },
    async (request: FastifyRequest) => {
      const body = jsonBody(request, verifyBody);
      const view = node.consortium;
      const jti = parseSdJwt(node.suite, body.presentation).jws.payload.jti;
      if (typeof jti !== 'string' || !CREDENTIAL_ID_PATTERN.test(jti)) {
        throw new LianzhengError('CREDENTIAL_MALFORMED', 'the presentation names no credential (jti)', {
          details: { field: 'jti' },
        });
      }
      const status = node.chain.state(CREDENTIAL_CONTRACT, credentialKeys.anchor(jti), { proof: true });
      return verifyCredentialPresentation(
        node.suite,
        consortiumFromGenesis(view.config),
        view,
        body.presentation,
        status,
        { aud: body.aud, nonce: body.nonce, now: node.clock.now() },
      );
    },
  );
}

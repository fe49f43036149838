/**
 * Sign-in (challenge-response with the caller's own key, docs/identity.md §Sign-in), sessions, and the read routes
 * of identities and governance. Every protected route evaluates a policy of the on-chain configuration against the
 * session's identity, the same policies that govern transactions.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  type ConfigRecord,
  isLianzhengError,
  type JsonValue,
  LianzhengError,
  type MemberKeyRecord,
  type PolicyObject,
  type Principal,
  type ProposalView,
  parseJsonStrict,
  type SubjectKeyRecord,
  type SubjectRecord,
} from '@lianzheng/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  type AuthenticateReturnType,
  bearerCredentials,
  defaultSessionOptions,
  SessionManager,
  type SessionOptions,
} from '../auth.js';
import { nodeError } from '../errors.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import { errorResponses } from './schemas.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HEX_KEY = /^[0-9a-f]{64,130}$/;

const challengeBody = z.object({ publicKey: z.string().regex(HEX_KEY) }).strict();
const sessionBody = z
  .object({
    challenge: z.string().min(1).max(128),
    publicKey: z.string().regex(HEX_KEY),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  })
  .strict();

export function jsonBody<T>(request: FastifyRequest, schema: z.ZodType<T>): T {
  if (typeof request.body !== 'string' || request.body.length === 0) {
    throw nodeError('REQUEST_MALFORMED', 'send a JSON body with Content-Type: application/json');
  }
  const parsed = schema.safeParse(parseJsonStrict(request.body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw nodeError('REQUEST_MALFORMED', `body ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, {
      field: issue?.path.join('.'),
    });
  }
  return parsed.data;
}

/** The latest durable value of a state key, or null when it has none (`chain.state` throws STATE_KEY_NOT_FOUND). */
export function stateValue(node: LianzhengNode, contract: string, key: string): JsonValue | null {
  try {
    return node.chain.state(contract, key).value;
  } catch (error) {
    if (isLianzhengError(error) && error.code === 'STATE_KEY_NOT_FOUND') return null;
    throw error;
  }
}

/** A member's certificate (or a node's) as listings show it: never a person's name, only the member id. */
export interface MemberView {
  readonly publicKey: string;
  readonly org: string;
  readonly member: string;
  readonly roles: readonly string[];
  readonly attrs: Readonly<Record<string, string>>;
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly enrolledAt: number;
  readonly status: 'active' | 'revoked' | 'expired' | 'not-yet-valid';
  readonly revoked?: MemberKeyRecord['revoked'];
}

function memberView(publicKey: string, r: MemberKeyRecord, now: number, height: number): MemberView {
  const status =
    r.revoked !== undefined && r.revoked.height <= height + 1
      ? 'revoked'
      : now > r.notAfter
        ? 'expired'
        : now < r.notBefore
          ? 'not-yet-valid'
          : 'active';
  return {
    publicKey,
    org: r.org,
    member: r.member,
    roles: r.roles,
    attrs: r.attrs,
    serial: r.serial,
    notBefore: r.notBefore,
    notAfter: r.notAfter,
    enrolledAt: r.height,
    status,
    ...(r.revoked === undefined ? {} : { revoked: r.revoked }),
  };
}

/** Certificates that stop working within `days`: CA roots of the configuration and enrolled members' certificates. */
export function expiringCertificates(
  node: LianzhengNode,
  days: number,
): { ca: { org: string; fingerprint: string; notAfter: number }[]; members: MemberView[] } {
  const now = node.clock.now();
  const horizon = now + days * DAY_MS;
  const ca = [...node.consortium.caRoots.values()]
    .filter((r) => r.cert.notAfter <= horizon)
    .map((r) => ({ org: r.org, fingerprint: r.fingerprint, notAfter: r.cert.notAfter }));
  const height = node.ledger.durableHeight;
  const members: MemberView[] = [];
  for (const key of node.stateKeys('identity', 'key/')) {
    const value = node.chain.state('identity', key).value as unknown as MemberKeyRecord | null;
    if (value === null || value.kind !== 'member') continue;
    const view = memberView(key.slice(4), value, now, height);
    if (view.status !== 'revoked' && value.notAfter <= horizon) members.push(view);
  }
  members.sort((a, b) => a.notAfter - b.notAfter);
  return { ca, members };
}

export interface IdentityRoutesOptions {
  readonly sessions: SessionOptions;
}

/** The API server as server.ts builds it (pino logger). */
export type ApiInstance = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

export function registerIdentityRoutes(
  app: ApiInstance,
  node: LianzhengNode,
  opts: IdentityRoutesOptions = { sessions: defaultSessionOptions },
): SessionManager<Principal> {
  const sessions = new SessionManager<Principal>(opts.sessions, {
    suite: node.suite,
    chainId: node.genesis.chainId,
    node: node.identity.node,
    clock: node.clock,
    resolveIdentity: (publicKey) => node.resolveIdentity(publicKey),
  });
  app.addHook('onClose', async () => sessions.close());

  /** The session of a request, or undefined without an Authorization header. Bad or ended sessions throw. */
  const sessionOf = async (request: FastifyRequest): Promise<AuthenticateReturnType<Principal> | undefined> => {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    return sessions.authenticate(header);
  };

  /** Requires a session whose identity satisfies `policy` on `object`; returns the identity. */
  const authorize = async (request: FastifyRequest, policy: string, object?: PolicyObject): Promise<Principal> => {
    const s = await sessionOf(request);
    if (s === undefined) {
      throw nodeError('SESSION_REQUIRED', 'sign in first and send Authorization: Bearer <token>', { policy });
    }
    if (!node.allowsView(policy, s.identity, object)) {
      throw new LianzhengError('POLICY_DENIED', `your identity does not satisfy the policy ${policy}`, {
        details: { policy },
      });
    }
    return s.identity;
  };

  const tags = ['identity'];

  app.post(
    '/v1/auth/challenge',
    {
      schema: {
        tags,
        summary: 'Sign-in step 1: a single-use challenge for a public key',
        description:
          'Returns {challenge, message, expiresAt}. Sign TH("lianzheng/sign-in", UTF-8(message)) with the key and ' +
          'send it to /v1/auth/session within 60 s. Rate limited per address (429 RATE_LIMITED).',
        response: errorResponses,
      },
      config: { docsBody: { type: 'object', properties: { publicKey: { type: 'string' } }, required: ['publicKey'] } },
    },
    async (request) => {
      const { publicKey } = jsonBody(request, challengeBody);
      return sessions.issueChallenge({ publicKey, client: request.ip });
    },
  );

  app.post(
    '/v1/auth/session',
    {
      schema: {
        tags,
        summary: 'Sign-in step 2: exchange the signed challenge for a session token',
        description:
          'The token is shown once; send it as Authorization: Bearer <token>. Sessions end after 15 min idle or ' +
          '8 h. Five failed sign-ins for a key (twenty from an address) in 15 min lock sign-in (429 AUTH_LOCKED).',
        response: errorResponses,
      },
      config: {
        docsBody: {
          type: 'object',
          properties: { challenge: { type: 'string' }, publicKey: { type: 'string' }, signature: { type: 'string' } },
          required: ['challenge', 'publicKey', 'signature'],
        },
      },
    },
    async (request) => {
      const b = jsonBody(request, sessionBody);
      const created = await sessions.createSession({ ...b, client: request.ip });
      node.log.info(
        { key: b.publicKey, kind: created.identity.kind, org: created.identity.org, client: request.ip },
        'signed in',
      );
      return created;
    },
  );

  app.get(
    '/v1/auth/me',
    { schema: { tags, summary: 'The signed-in identity and its session', response: errorResponses } },
    async (request) => {
      const s = await sessionOf(request);
      if (s === undefined) throw nodeError('SESSION_REQUIRED', 'no Authorization header');
      return s;
    },
  );

  app.post(
    '/v1/auth/logout',
    { schema: { tags, summary: 'End the session of the bearer token', response: errorResponses } },
    async (request, reply: FastifyReply) => {
      // The same parsing as every authenticated request: a `bearer` scheme must be able to log out too.
      const token = bearerCredentials(request.headers.authorization);
      if (token === '') throw nodeError('SESSION_REQUIRED', 'send Authorization: Bearer <token>');
      sessions.endSession(token);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/config',
    { schema: { tags: ['node'], summary: 'The consortium configuration in force (version, height, config)' } },
    async () => node.chain.state('gov', 'config').value as unknown as ConfigRecord,
  );

  app.get(
    '/v1/identity/members',
    {
      schema: {
        tags,
        summary: "An organisation's enrolled members (policy identity.members)",
        querystring: {
          type: 'object',
          properties: {
            org: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' },
            after: { type: 'string', pattern: '^[0-9a-f]{64,130}$' },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
          },
        },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Querystring: { org?: string; after?: string; limit?: string } }>) => {
      const caller = await sessionOf(request);
      const org = request.query.org ?? caller?.identity.org;
      if (org === undefined) throw nodeError('REQUEST_MALFORMED', 'name the organisation: ?org=', { field: 'org' });
      await authorize(request, 'identity.members', { org });
      const limit = Math.min(Number(request.query.limit ?? '100'), 1000);
      const now = node.clock.now();
      const height = node.ledger.durableHeight;
      const members: MemberView[] = [];
      let last: string | undefined;
      const after = request.query.after === undefined ? undefined : `key/${request.query.after}`;
      for (const key of node.stateKeys('identity', 'key/', after === undefined ? {} : { after })) {
        last = key;
        const r = node.chain.state('identity', key).value as unknown as MemberKeyRecord | null;
        if (r === null || r.kind !== 'member' || r.org !== org) continue;
        members.push(memberView(key.slice(4), r, now, height));
        if (members.length >= limit) break;
      }
      return { org, members, next: members.length >= limit && last !== undefined ? last.slice(4) : null };
    },
  );

  app.get(
    '/v1/identity/keys/:key',
    {
      schema: {
        tags,
        summary:
          'The identity record of a public key (yourself; members: identity.members; subjects: identity.subjects)',
        params: { type: 'object', properties: { key: { type: 'string', pattern: '^[0-9a-f]{64,130}$' } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { key: string } }>) => {
      const key = request.params.key;
      const r = stateValue(node, 'identity', `key/${key}`) as unknown as MemberKeyRecord | SubjectKeyRecord | null;
      if (r === null) {
        await authorize(request, 'identity.state');
        throw new LianzhengError('IDENTITY_UNKNOWN', 'no identity has this key', { details: { key } });
      }
      if (r.kind === 'member') {
        const s = await sessionOf(request);
        if (s?.identity.key !== key) await authorize(request, 'identity.members', { org: r.org, key });
        return memberView(key, r, node.clock.now(), node.ledger.durableHeight);
      }
      const subject = node.chain.state('identity', `subject/${r.subject}`).value as unknown as SubjectRecord;
      await authorize(request, 'identity.subjects', { org: subject.org, subject: r.subject, key });
      return { publicKey: key, ...r };
    },
  );

  app.get(
    '/v1/identity/subjects/:id',
    {
      schema: {
        tags,
        summary: 'A citizen or enterprise: pseudonymous id, registering organisation, keys (policy identity.subjects)',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const subject = stateValue(node, 'identity', `subject/${request.params.id}`) as unknown as SubjectRecord | null;
      if (subject === null) {
        await authorize(request, 'identity.state');
        throw new LianzhengError('SUBJECT_UNKNOWN', 'no subject has this id', {
          details: { subject: request.params.id },
        });
      }
      await authorize(request, 'identity.subjects', { org: subject.org, subject: subject.subject });
      const keys = subject.keys.map((k) => {
        const r = node.chain.state('identity', `key/${k}`).value as unknown as SubjectKeyRecord | null;
        return { publicKey: k, ...(r?.revoked === undefined ? {} : { revoked: r.revoked }) };
      });
      return { ...subject, keys };
    },
  );

  app.get(
    '/v1/identity/expiring',
    {
      schema: {
        tags,
        summary: 'CA roots and member certificates that expire within ?days= (default 30; policy identity.expiring)',
        querystring: { type: 'object', properties: { days: { type: 'string', pattern: '^[0-9]{1,4}$' } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Querystring: { days?: string } }>) => {
      await authorize(request, 'identity.expiring');
      const days = Number(request.query.days ?? '30');
      return { days, ...expiringCertificates(node, days) };
    },
  );

  app.get(
    '/v1/gov/proposals',
    {
      schema: {
        tags: ['governance'],
        summary: 'Governance proposals, newest first (policy gov.proposals)',
        querystring: {
          type: 'object',
          properties: { status: { enum: ['open', 'approved', 'rejected', 'withdrawn', 'expired', 'failed'] } },
        },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Querystring: { status?: string } }>) => {
      await authorize(request, 'gov.proposals');
      const now = node.clock.now();
      const proposals = node
        .stateKeys('gov', 'proposal/')
        .map((k) => stateValue(node, 'gov', k) as unknown as ProposalView | null)
        .filter((p): p is ProposalView => p !== null)
        .map((p) => withExpiry(p, now))
        .filter((p) => request.query.status === undefined || p.status === request.query.status)
        .sort((a, b) => b.height - a.height);
      return { proposals };
    },
  );

  app.get(
    '/v1/gov/proposals/:id',
    {
      schema: {
        tags: ['governance'],
        summary: 'One governance proposal with its votes (policy gov.proposals)',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{1,64}$' } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      await authorize(request, 'gov.proposals');
      const p = stateValue(node, 'gov', `proposal/${request.params.id}`) as unknown as ProposalView | null;
      if (p === null) {
        throw new LianzhengError('GOV_PROPOSAL_UNKNOWN', 'no proposal has this id', {
          details: { proposal: request.params.id },
        });
      }
      return withExpiry(p, node.clock.now());
    },
  );

  /** `/v1/state/<contract>/…` of a contract with a `<contract>.state` policy needs a session satisfying it. */
  app.addHook('preHandler', async (request) => {
    const url = request.routeOptions.url;
    if (url !== '/v1/state/:contract/*') return;
    const contract = (request.params as { contract: string }).contract;
    // Only an explicit `<contract>.state` policy guards reads (a `<contract>.*` wildcard is for methods).
    if (!Object.hasOwn(node.consortium.config.policies, `${contract}.state`)) return;
    await authorize(request, `${contract}.state`);
  });

  return sessions;
}

/** An open proposal past its expiry is shown as expired (the chain records it so at the next vote or withdrawal). */
function withExpiry(p: ProposalView, now: number): ProposalView {
  return p.status === 'open' && now > p.expiresAt ? { ...p, status: 'expired' } : p;
}

/** Whole days until `notAfter` (negative once it has passed). */
export function daysLeft(notAfter: number, now: number): number {
  return Math.floor((notAfter - now) / DAY_MS);
}

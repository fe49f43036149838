/**
 * E-licence routes (docs/credentials.md, ADR 0015): the credential types of the configuration, a signed-in holder's
 * anchored credentials, a credential's status with its proof (what a verifier that trusts no node checks itself), and
 * verification by this node for clients that trust it. Issuing, suspending, reinstating and revoking are transactions
 * of the `credential` contract (POST /v1/transactions).
 */
import {
  CREDENTIAL_CONTRACT,
  CREDENTIAL_ID_PATTERN,
  type CredentialAnchor,
  consortiumFromGenesis,
  credentialKeys,
  credentialsConfigOf,
  LianzhengError,
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
import { type ApiInstance, jsonBody, stateValue } from './identityRoutes.js';
import { errorResponses } from './schemas.js';

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
): void {
  const tags = ['credentials'];
  const presentations = new PresentationLinks();

  /** The signed-in citizen's or enterprise's subject id. */
  const holderOf = async (request: FastifyRequest): Promise<string> => {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw nodeError('SESSION_REQUIRED', 'sign in first and send Authorization: Bearer <token>');
    }
    const who = (await sessions.authenticate(header)).identity;
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

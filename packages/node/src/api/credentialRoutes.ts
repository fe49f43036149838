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

export function registerCredentialRoutes(
  app: ApiInstance,
  node: LianzhengNode,
  sessions: SessionManager<Principal>,
): void {
  const tags = ['credentials'];

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
      const header = request.headers.authorization;
      if (header === undefined) {
        throw nodeError('SESSION_REQUIRED', 'sign in first and send Authorization: Bearer <token>');
      }
      const who = (await sessions.authenticate(header)).identity;
      if (who.subject === undefined) {
        throw nodeError('SESSION_REQUIRED', 'only a citizen or an enterprise holds credentials');
      }
      const prefix = credentialKeys.holderPrefix(who.subject);
      const credentials = node
        .stateKeys(CREDENTIAL_CONTRACT, prefix, { limit: 10_000 })
        .map((k) => stateValue(node, CREDENTIAL_CONTRACT, credentialKeys.anchor(k.slice(prefix.length))))
        .filter((a) => a !== null) as unknown as CredentialAnchor[];
      return { subject: who.subject, credentials };
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

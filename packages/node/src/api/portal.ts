import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiInstance } from './identityRoutes.js';

/**
 * The web app (packages/portal, built by Vite) served at `/`: hashed assets under `/assets/` cached for a year,
 * everything else revalidated; any other GET for a page (not the API, the docs, /health or /metrics) gets
 * `index.html` so the app's own router shows it (or its "page not found"). The policy below lets the page load code,
 * styles and data from this node only.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Ant Design writes its component styles into <style> elements at run time.
  "style-src 'self' 'unsafe-inline'",
  // QR codes and pictures chosen for decoding are data: and blob: URLs; the camera is a blob: stream.
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_PAGES = /^\/(v1|docs|health|metrics|openapi\.json)(\/|$|\?)/;

function securityHeaders(reply: { header(name: string, value: string): unknown }): void {
  reply.header('content-security-policy', PORTAL_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

/**
 * Registers the portal's files from `dir` (the Vite `dist` directory, which must hold index.html). Returns the
 * fallback for the 404 handler: it answers a GET for a page with the app and returns true, else returns false.
 */
export async function registerPortal(
  app: ApiInstance,
  dir: string,
): Promise<(request: FastifyRequest, reply: FastifyReply) => boolean> {
  const index = readFileSync(path.join(dir, 'index.html'));
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: true,
    index: false,
    // The build writes .br and .gz copies (scripts/setup.mjs); browsers that accept them get those.
    preCompressed: true,
    // The Swagger UI plugin already decorates the reply with sendFile.
    decorateReply: false,
    setHeaders(res, file) {
      securityHeaders(res);
      res.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const sendIndex = (reply: FastifyReply) => {
    securityHeaders(reply);
    return reply.code(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  };
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  return (request, reply) => {
    const url = request.url;
    if (request.method !== 'GET' || NOT_PAGES.test(url) || url.startsWith('/assets/')) return false;
    void sendIndex(reply);
    return true;
  };
}

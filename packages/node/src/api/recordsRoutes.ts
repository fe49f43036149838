/**
 * 信息公开 public records (docs/records.md): the list with search and filters, and a record with all its versions.
 * Public routes — no sign-in: records are published for everyone. Publishing and withdrawing are transactions of the
 * `records` contract (POST /v1/transactions); a version is proven with GET /v1/state/records/<org>/<id>/v/<n>?proof=true.
 */
import {
  isLianzhengError,
  isRecordCategory,
  LianzhengError,
  ORG_ID_PATTERN,
  RECORD_CATEGORIES,
  RECORD_ID_PATTERN,
  RECORD_LIMITS,
  RECORDS_CONTRACT,
  type RecordHead,
  type RecordVersion,
  recordKeys,
} from '@lianzheng/protocol';
import type { FastifyRequest } from 'fastify';
import { nodeError } from '../errors.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import type { RecordsCursor } from '../recordsIndex.js';
import type { ApiInstance } from './identityRoutes.js';
import { errorResponses } from './schemas.js';

export const RECORDS_LIMIT_DEFAULT = 20;
export const RECORDS_LIMIT_MAX = 100;
const Q_MAX = 200;
const CURSOR_PATTERN = /^(0|[1-9][0-9]{0,15}):([a-z][a-z0-9-]{1,31}\/[a-z0-9][a-z0-9-]{0,63})$/;

/** The opaque `next` of a page: base64url of `<height>:<org>/<id>`. */
export function encodeRecordsCursor(c: RecordsCursor): string {
  return Buffer.from(`${c.height}:${c.key}`, 'utf8').toString('base64url');
}

export function decodeRecordsCursor(text: string): RecordsCursor {
  const m = /^[A-Za-z0-9_-]{1,200}$/.test(text)
    ? CURSOR_PATTERN.exec(Buffer.from(text, 'base64url').toString('utf8'))
    : null;
  if (m === null) throw nodeError('REQUEST_MALFORMED', 'cursor: not a cursor this node gave out', { field: 'cursor' });
  return { height: Number(m[1]), key: m[2] as string };
}

/** Parameters are checked by the handler, so that a bad one is refused naming its field (`details.field`). */
const stringParam = (description: string) => ({ type: 'string', description }) as const;

const stampSchema = {
  type: 'object',
  properties: { height: { type: 'integer' }, time: { type: 'integer' }, txId: { type: 'string' } },
} as const;

const summarySchema = {
  type: 'object',
  required: ['org', 'id', 'version', 'category', 'title', 'tags', 'publishedAt', 'createdAt', 'height', 'withdrawn'],
  properties: {
    org: { type: 'string' },
    id: { type: 'string' },
    version: { type: 'integer', description: 'the latest version' },
    category: { enum: Object.keys(RECORD_CATEGORIES) },
    title: { type: 'string' },
    summary: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    effective: { type: 'string', description: 'YYYY-MM-DD' },
    publishedAt: { type: 'integer', description: 'time of the latest version, ms since the epoch' },
    createdAt: { type: 'integer', description: 'time of version 1' },
    height: { type: 'integer', description: 'block of the latest version' },
    withdrawn: { type: 'boolean' },
  },
} as const;

const versionSchema = {
  type: 'object',
  description: 'the value of records/<org>/<id>/v/<n> (PROTOCOL.md §21.2)',
  properties: {
    org: { type: 'string' },
    id: { type: 'string' },
    version: { type: 'integer' },
    category: { enum: Object.keys(RECORD_CATEGORIES) },
    title: { type: 'string' },
    summary: { type: 'string' },
    body: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    attachments: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          alg: { enum: ['sha256', 'sm3'] },
          hash: { type: 'string' },
          size: { type: 'integer' },
        },
      },
    },
    effective: { type: 'string' },
    supersedes: { type: 'string' },
    publisher: { type: 'string', description: 'public key (hex) of the publishing member' },
    height: { type: 'integer' },
    time: { type: 'integer' },
    txId: { type: 'string' },
  },
} as const;

interface ListQuery {
  readonly q?: string;
  readonly org?: string;
  readonly category?: string;
  readonly tag?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

function malformed(field: string, message: string): never {
  throw nodeError('REQUEST_MALFORMED', `${field}: ${message}`, { field });
}

export function registerRecordsRoutes(app: ApiInstance, node: LianzhengNode): void {
  const tags = ['records'];

  app.get(
    '/v1/records',
    {
      schema: {
        tags,
        summary: 'Public records, newest publication first, with search and filters',
        description:
          'q searches the title, summary, tags and body of the latest version (case-insensitive substring). ' +
          '`next` is an opaque cursor for the following page; `height` is the durable block the list reflects.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: stringParam(`text to search for (at most ${Q_MAX} characters)`),
            org: stringParam('only records of this organisation'),
            category: stringParam(`only this category: ${Object.keys(RECORD_CATEGORIES).join(', ')}`),
            tag: stringParam('only records with this tag'),
            limit: stringParam(`most items, 1–${RECORDS_LIMIT_MAX} (default ${RECORDS_LIMIT_DEFAULT})`),
            cursor: stringParam('the `next` of the previous page'),
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'height'],
            properties: {
              items: { type: 'array', items: summarySchema },
              next: { type: 'string' },
              height: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
      const { q, org, category, tag, limit, cursor } = request.query;
      if (q !== undefined && q.length > Q_MAX) malformed('q', `at most ${Q_MAX} characters`);
      if (org !== undefined && !ORG_ID_PATTERN.test(org)) malformed('org', 'not an organisation id');
      if (category !== undefined && !isRecordCategory(category)) {
        malformed('category', `one of ${Object.keys(RECORD_CATEGORIES).join(', ')}`);
      }
      if (tag !== undefined && (tag.length === 0 || tag.length > RECORD_LIMITS.tag)) {
        malformed('tag', `1–${RECORD_LIMITS.tag} characters`);
      }
      let n = RECORDS_LIMIT_DEFAULT;
      if (limit !== undefined) {
        n = /^[1-9][0-9]{0,2}$/.test(limit) ? Number(limit) : 0;
        if (n < 1 || n > RECORDS_LIMIT_MAX) malformed('limit', `a whole number 1–${RECORDS_LIMIT_MAX}`);
      }
      const after = cursor === undefined ? undefined : decodeRecordsCursor(cursor);
      const page = node.records.list({
        limit: n,
        ...(q === undefined ? {} : { q }),
        ...(org === undefined ? {} : { org }),
        ...(category === undefined || !isRecordCategory(category) ? {} : { category }),
        ...(tag === undefined ? {} : { tag }),
        ...(after === undefined ? {} : { after }),
      });
      return {
        items: page.items,
        ...(page.next === undefined ? {} : { next: encodeRecordsCursor(page.next) }),
        height: node.records.height,
      };
    },
  );

  app.get(
    '/v1/records/:org/:id',
    {
      schema: {
        tags,
        summary: 'A public record: its head (latest version, withdrawal) and every version, oldest first',
        params: {
          type: 'object',
          properties: { org: stringParam('organisation id'), id: stringParam('record id') },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              head: {
                type: 'object',
                description: 'the value of records/<org>/<id> (PROTOCOL.md §21.2)',
                properties: {
                  org: { type: 'string' },
                  id: { type: 'string' },
                  category: { enum: Object.keys(RECORD_CATEGORIES) },
                  title: { type: 'string' },
                  latest: { type: 'integer' },
                  created: stampSchema,
                  updated: stampSchema,
                  withdrawn: {
                    ...stampSchema,
                    properties: { ...stampSchema.properties, reason: { type: 'string' }, by: { type: 'string' } },
                  },
                },
              },
              versions: { type: 'array', items: versionSchema },
              height: { type: 'integer', description: 'the durable block they are read at' },
            },
            required: ['head', 'versions', 'height'],
          },
          ...errorResponses,
        },
      },
    },
    async (request: FastifyRequest<{ Params: { org: string; id: string } }>) => {
      const { org, id } = request.params;
      if (!ORG_ID_PATTERN.test(org)) malformed('org', 'not an organisation id');
      if (!RECORD_ID_PATTERN.test(id)) malformed('id', 'not a record id');
      // Head and versions read at one durable height: a consistent view even while a new version commits.
      const height = node.ledger.durableHeight;
      const read = (key: string) => {
        try {
          return node.chain.state(RECORDS_CONTRACT, key, { height }).value;
        } catch (error) {
          if (isLianzhengError(error) && error.code === 'STATE_KEY_NOT_FOUND') return null;
          throw error;
        }
      };
      const head = read(recordKeys.head(org, id)) as RecordHead | null;
      if (head === null) {
        throw new LianzhengError('RECORD_NOT_FOUND', `no public record ${org}/${id}`, { details: { org, id } });
      }
      const versions: RecordVersion[] = [];
      for (let n = 1; n <= head.latest; n++) {
        const v = read(recordKeys.version(org, id, n)) as RecordVersion | null;
        if (v === null) {
          throw nodeError('STORE_CORRUPT', `version ${n} of ${org}/${id} is missing from the state`, {
            height,
            reason: 'value',
          });
        }
        versions.push(v);
      }
      return { head, versions, height };
    },
  );
}

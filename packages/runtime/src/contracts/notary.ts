import {
  canonicalize,
  isNotaryAlgorithm,
  type JsonObject,
  type NotaryAlgorithm,
  notaryRecordKey,
  utf8Length,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { argOptionalString, argString, argsObject, type SystemContract } from './contract.js';

export interface NotaryRegisterArgs {
  readonly alg: NotaryAlgorithm;
  readonly hash: string;
  readonly title?: string;
  readonly meta?: JsonObject;
}

/** The record stored under `notary` / `<alg>:<hash>`. Titles and metadata must not contain personal data. */
export interface NotaryRecord {
  readonly alg: NotaryAlgorithm;
  readonly hash: string;
  readonly registrant: string;
  /** Organisation of a member registrant. */
  readonly org?: string;
  /** Pseudonymous subject id of a citizen or enterprise registrant. */
  readonly subject?: string;
  readonly txId: string;
  readonly height: number;
  readonly time: number;
  readonly title?: string;
  readonly meta?: JsonObject;
}

const MAX_META_BYTES = 4096;

/** 存证: registers a document digest once; the receipt plus inclusion proof is the certificate. */
export const notaryContract: SystemContract = {
  name: 'notary',
  methods: {
    register: {
      parseArgs(args): NotaryRegisterArgs {
        argsObject(args, ['alg', 'hash', 'title', 'meta']);
        if (!isNotaryAlgorithm(args.alg)) {
          throw runtimeError('ARGS_INVALID', 'args.alg must be sha256 or sm3', { field: 'args.alg' });
        }
        const hash = argString(args, 'hash', { min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ });
        const title = argOptionalString(args, 'title', 256);
        const meta = args.meta;
        if (meta !== undefined) {
          if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
            throw runtimeError('ARGS_INVALID', 'args.meta must be an object', { field: 'args.meta' });
          }
          if (utf8Length(canonicalize(meta)) > MAX_META_BYTES) {
            throw runtimeError('ARGS_INVALID', `args.meta must be at most ${MAX_META_BYTES} bytes`, {
              field: 'args.meta',
            });
          }
        }
        return {
          alg: args.alg,
          hash,
          ...(title === undefined ? {} : { title }),
          ...(meta === undefined ? {} : { meta: meta as JsonObject }),
        };
      },
      execute(ctx, args: NotaryRegisterArgs) {
        const key = notaryRecordKey(args.alg, args.hash);
        if (ctx.get(key) !== null) {
          throw runtimeError('NOTARY_ALREADY_REGISTERED', 'document is already notarised', { key });
        }
        const record: NotaryRecord = {
          alg: args.alg,
          hash: args.hash,
          registrant: ctx.signer,
          ...(ctx.principal.org === undefined ? {} : { org: ctx.principal.org }),
          ...(ctx.principal.subject === undefined ? {} : { subject: ctx.principal.subject }),
          txId: ctx.txId,
          height: ctx.height,
          time: ctx.time,
          ...(args.title === undefined ? {} : { title: args.title }),
          ...(args.meta === undefined ? {} : { meta: args.meta }),
        };
        ctx.put(key, record as unknown as JsonObject);
        ctx.emit('registered', { alg: args.alg, hash: args.hash, ...(ctx.org === '' ? {} : { org: ctx.org }) });
        return { key };
      },
    },
  },
};

import { canonicalize, type JsonValue, utf8Length } from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { argString, argsObject, type CallContext, type SystemContract } from './contract.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const MAX_VALUE_BYTES = 16 * 1024;

/** kv keys live under the writer's organisation: only members have one. */
function requireOrg(ctx: CallContext): void {
  if (ctx.org === '') throw runtimeError('POLICY_DENIED', 'kv writes go under an organisation; citizens have none');
}

/**
 * Minimal namespaced key-value store: each organisation writes under `<org>/`, anyone reads.
 * Used by tests and benchmarks and as the simplest example of a system contract.
 */
export const kvContract: SystemContract = {
  name: 'kv',
  methods: {
    put: {
      parseArgs(args) {
        argsObject(args, ['key', 'value']);
        const key = argString(args, 'key', { max: 200, pattern: KEY_PATTERN });
        if (!('value' in args) || args.value === null) {
          // null is how the state reads an absent key; removing a key is kv.delete.
          throw runtimeError('ARGS_INVALID', 'args.value is required and must not be null (use kv.delete)', {
            field: 'args.value',
          });
        }
        const value = args.value as JsonValue;
        if (utf8Length(canonicalize(value)) > MAX_VALUE_BYTES) {
          throw runtimeError('ARGS_INVALID', `args.value must be at most ${MAX_VALUE_BYTES} bytes`, {
            field: 'args.value',
          });
        }
        return { key, value };
      },
      execute(ctx, args: { key: string; value: JsonValue }) {
        requireOrg(ctx);
        ctx.put(`${ctx.org}/${args.key}`, args.value);
        ctx.emit('put', { key: `${ctx.org}/${args.key}` });
        return undefined;
      },
    },
    delete: {
      parseArgs(args) {
        argsObject(args, ['key']);
        return { key: argString(args, 'key', { max: 200, pattern: KEY_PATTERN }) };
      },
      execute(ctx, args: { key: string }) {
        requireOrg(ctx);
        const key = `${ctx.org}/${args.key}`;
        if (ctx.get(key) === null) throw runtimeError('KV_NOT_FOUND', 'no such key', { key });
        ctx.delete(key);
        ctx.emit('deleted', { key });
        return undefined;
      },
    },
  },
};

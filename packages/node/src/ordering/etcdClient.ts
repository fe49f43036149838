import { nodeError } from '../errors.js';

/**
 * A small client for etcd v3 over its JSON gateway (`/v3/...` on the client port; ADR 0013): the handful of calls the
 * ordering service needs, with endpoint fail-over. No locks, no leases: correctness rests on revisions and
 * compare-and-swap only (Jepsen found etcd's locks unsafe).
 */
export interface EtcdClientOptions {
  /** Client URLs of the members, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** Time limit of one unary request. */
  readonly requestTimeoutMs: number;
  /** Endpoint tried first (nodes spread over the members instead of all using the first). */
  readonly startAt?: number;
}

export const defaultEtcdClientOptions = { requestTimeoutMs: 5_000 } as const;

export interface EtcdKv {
  readonly key: string;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
}

export interface EtcdEvent {
  readonly type: 'put' | 'delete';
  readonly kv: EtcdKv;
}

/** A watch cannot continue from the revision asked for: etcd has compacted its history past it. */
export class EtcdCompactedError extends Error {
  readonly compactRevision: number;
  constructor(compactRevision: number) {
    super(`etcd history is compacted up to revision ${compactRevision}`);
    this.name = 'EtcdCompactedError';
    this.compactRevision = compactRevision;
  }
}

interface GatewayKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
}

interface GatewayHeader {
  revision?: string;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** etcd's range_end for a prefix: the smallest key greater than every key that starts with it (base64). */
function rangeEndB64(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]!++;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

function toKv(kv: GatewayKv): EtcdKv {
  return {
    key: Buffer.from(kv.key ?? '', 'base64').toString('utf8'),
    value: Buffer.from(kv.value ?? '', 'base64'),
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
  };
}

function unavailable(message: string, cause?: unknown): Error {
  return nodeError('ORDERING_UNAVAILABLE', message, undefined, cause);
}

export class EtcdClient {
  private readonly opts: EtcdClientOptions;
  private readonly fetchFn: typeof fetch;
  private current = 0;
  private closed = false;
  private readonly aborts = new Set<AbortController>();

  constructor(opts: EtcdClientOptions, deps: { readonly fetch?: typeof fetch } = {}) {
    if (opts.endpoints.length === 0) throw nodeError('CONFIG_INVALID', 'etcd needs at least one endpoint');
    this.opts = opts;
    this.fetchFn = deps.fetch ?? fetch;
    this.current = (opts.startAt ?? 0) % opts.endpoints.length;
  }

  get endpoint(): string {
    return this.opts.endpoints[this.current % this.opts.endpoints.length]!;
  }

  /** Moves to the next endpoint (after a failure, or when a watch on this one went quiet). */
  rotate(): void {
    this.current = (this.current + 1) % this.opts.endpoints.length;
  }

  /**
   * One unary call, tried on each endpoint in turn. Only for idempotent requests (every write we make is a
   * compare-and-swap or a delete, so repeating one after a timeout is safe).
   */
  private async call<T>(path: string, body: unknown): Promise<T> {
    let last: unknown;
    for (let attempt = 0; attempt < this.opts.endpoints.length; attempt++) {
      if (this.closed) throw unavailable('etcd client is closed');
      const endpoint = this.endpoint;
      const abort = new AbortController();
      this.aborts.add(abort);
      const timer = setTimeout(() => abort.abort(), this.opts.requestTimeoutMs);
      try {
        const response = await this.fetchFn(`${endpoint}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'grpc-metadata-hasleader': 'true' },
          body: JSON.stringify(body),
          signal: abort.signal,
        });
        const text = await response.text();
        if (response.ok) return JSON.parse(text) as T;
        last = new Error(`etcd ${endpoint}${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
      } catch (error) {
        last = error;
      } finally {
        clearTimeout(timer);
        this.aborts.delete(abort);
      }
      this.rotate();
    }
    throw unavailable(`no etcd member answered (${(last as Error)?.message ?? 'unknown'})`, last);
  }

  /**
   * Creates `key` with `value` unless it exists (compare create_revision = 0). Returns the revision of the put, or
   * the key's existing create revision when it was already there (a repeated put of the same content-addressed key).
   */
  async putIfAbsent(key: string, value: string | Uint8Array): Promise<{ revision: number; created: boolean }> {
    const k = b64(key);
    const v = typeof value === 'string' ? b64(value) : Buffer.from(value).toString('base64');
    const r = await this.call<{
      header?: GatewayHeader;
      succeeded?: boolean;
      responses?: { response_range?: { kvs?: GatewayKv[] } }[];
    }>('/v3/kv/txn', {
      compare: [{ key: k, target: 'CREATE', create_revision: '0', result: 'EQUAL' }],
      success: [{ request_put: { key: k, value: v } }],
      failure: [{ request_range: { key: k, keys_only: true } }],
    });
    if (r.succeeded === true) return { revision: Number(r.header?.revision ?? 0), created: true };
    const kv = r.responses?.[0]?.response_range?.kvs?.[0];
    return { revision: Number(kv?.create_revision ?? 0), created: false };
  }

  /** Keys (and values) under `prefix`, in key order. */
  async range(
    prefix: string,
    opts: { limit?: number; keysOnly?: boolean; maxCreateRevision?: number; minModRevision?: number } = {},
  ): Promise<{ kvs: EtcdKv[]; revision: number; count: number }> {
    const r = await this.call<{ header?: GatewayHeader; kvs?: GatewayKv[]; count?: string }>('/v3/kv/range', {
      key: b64(prefix),
      range_end: rangeEndB64(prefix),
      ...(opts.limit === undefined ? {} : { limit: String(opts.limit) }),
      ...(opts.keysOnly === true ? { keys_only: true } : {}),
      ...(opts.maxCreateRevision === undefined ? {} : { max_create_revision: String(opts.maxCreateRevision) }),
      ...(opts.minModRevision === undefined ? {} : { min_mod_revision: String(opts.minModRevision) }),
    });
    return {
      kvs: (r.kvs ?? []).map(toKv),
      revision: Number(r.header?.revision ?? 0),
      count: Number(r.count ?? 0),
    };
  }

  async get(key: string): Promise<EtcdKv | undefined> {
    const r = await this.call<{ kvs?: GatewayKv[] }>('/v3/kv/range', { key: b64(key) });
    const kv = r.kvs?.[0];
    return kv === undefined ? undefined : toKv(kv);
  }

  /** Deletes the given keys (one transaction per 100 keys; etcd allows 128 operations per transaction). */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 100) {
      await this.call('/v3/kv/txn', {
        compare: [],
        success: keys.slice(i, i + 100).map((key) => ({ request_delete_range: { key: b64(key) } })),
      });
    }
  }

  /** Deletes every key in [from, to). */
  async deleteRange(from: string, to: string): Promise<void> {
    await this.call('/v3/kv/deleterange', { key: b64(from), range_end: b64(to) });
  }

  /** Discards history up to `revision` (operators usually let etcd do this with --auto-compaction-*). */
  async compact(revision: number): Promise<void> {
    await this.call('/v3/kv/compaction', { revision: String(revision), physical: false });
  }

  /** The cluster's current revision (a linearizable read). */
  async revision(): Promise<number> {
    const r = await this.call<{ header?: GatewayHeader }>('/v3/kv/range', { key: b64('\u0000'), count_only: true });
    return Number(r.header?.revision ?? 0);
  }

  /**
   * Watches every key under `prefix` from `startRevision`, delivering events in revision order, until `signal`
   * aborts. Reconnects (to the next member) when the stream breaks or a member loses its leader, and resumes after
   * the last revision delivered, so no event is lost or repeated. Throws {@link EtcdCompactedError} when the history
   * needed is gone: the caller must then catch up from elsewhere (the peers' blocks).
   */
  async watch(
    prefix: string,
    startRevision: number,
    onEvents: (events: EtcdEvent[], revision: number) => void | Promise<void>,
    signal: AbortSignal,
    opts: {
      readonly quietMs?: number;
      readonly onReconnect?: (error: unknown) => void;
      readonly onConnected?: () => void;
    } = {},
  ): Promise<void> {
    let next = startRevision;
    let backoff = 50;
    while (!signal.aborted && !this.closed) {
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.aborts.add(abort);
      let delivered = false;
      try {
        const response = await this.fetchFn(`${this.endpoint}/v3/watch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'grpc-metadata-hasleader': 'true' },
          body: JSON.stringify({
            create_request: { key: b64(prefix), range_end: rangeEndB64(prefix), start_revision: String(next) },
          }),
          signal: abort.signal,
        });
        if (!response.ok || response.body === null) throw new Error(`watch: HTTP ${response.status}`);
        opts.onConnected?.();
        const decoder = new TextDecoder();
        let buffer = '';
        const reader = response.body.getReader();
        // A member cut off from the others keeps the stream open but silent: check its progress now and then.
        const quietMs = opts.quietMs ?? 3_000;
        let lastData = Date.now();
        const quiet = setInterval(() => {
          if (Date.now() - lastData > quietMs) void this.checkQuiet(prefix, next, abort);
        }, quietMs);
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            lastData = Date.now();
            buffer += decoder.decode(value, { stream: true });
            let nl = buffer.indexOf('\n');
            while (nl >= 0) {
              const line = buffer.slice(0, nl).trim();
              buffer = buffer.slice(nl + 1);
              nl = buffer.indexOf('\n');
              if (line.length === 0) continue;
              const message = JSON.parse(line) as {
                result?: {
                  header?: GatewayHeader;
                  events?: { type?: string; kv?: GatewayKv }[];
                  canceled?: boolean;
                  compact_revision?: string;
                  cancel_reason?: string;
                };
                error?: { message?: string };
              };
              if (message.error !== undefined) throw new Error(`watch: ${message.error.message ?? 'error'}`);
              const result = message.result ?? {};
              if (result.compact_revision !== undefined && Number(result.compact_revision) > 0) {
                throw new EtcdCompactedError(Number(result.compact_revision));
              }
              if (result.canceled === true) throw new Error(`watch canceled: ${result.cancel_reason ?? ''}`);
              const events = (result.events ?? []).map(
                (e): EtcdEvent => ({ type: e.type === 'DELETE' ? 'delete' : 'put', kv: toKv(e.kv ?? {}) }),
              );
              if (events.length > 0) {
                const last = events[events.length - 1]!.kv.modRevision;
                await onEvents(events, last);
                next = last + 1;
                delivered = true;
                backoff = 50;
              }
            }
          }
        } finally {
          clearInterval(quiet);
        }
        if (!signal.aborted) throw new Error('watch stream ended');
      } catch (error) {
        if (error instanceof EtcdCompactedError) throw error;
        if (signal.aborted || this.closed) return;
        opts.onReconnect?.(error);
        this.rotate();
        if (!delivered) {
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, 2_000);
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        this.aborts.delete(abort);
      }
    }
  }

  /** A silent watch whose prefix has newer revisions than it delivered is stale: break it so it reconnects. */
  private async checkQuiet(prefix: string, next: number, abort: AbortController): Promise<void> {
    try {
      // etcd's `count` ignores the revision filters: look at the keys returned.
      const r = await this.range(prefix, { keysOnly: true, limit: 1, minModRevision: next });
      if (r.kvs.length > 0) abort.abort(new Error('the watch went quiet while newer revisions exist'));
    } catch (error) {
      abort.abort(error);
    }
  }

  close(): void {
    this.closed = true;
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
  }
}
